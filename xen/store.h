/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore side of the libxl contract: watches this domain's backend/
 * directories for the virtio devices libxl writes (Xen 4.17's
 * backend/virtio_disk and 4.18+'s backend/virtio), parses them with
 * libxl-layout.c, and drives each device's backend state like other Xen
 * backends: InitWait (2) as soon as the device is seen (xl create waits 10 s
 * for it) and kept while the device is attached, Connected (4) once the
 * guest's driver brings it live (store_device_live()), Closed (6) after
 * libxl asks for Closing (5) or online goes 0; an `error` node with a
 * message on failure.
 * Watches @releaseDomain and reports guests that are gone.
 *
 * Uses its own xenstore handle, watched in the event loop through
 * xs_fileno(); never blocks on anything but xenstored.
 */
#ifndef XVDM_XEN_STORE_H
#define XVDM_XEN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "libxl-layout.h"

struct evloop;
struct logger;
struct store;

struct store_ops {
	/*
	 * A device's nodes are complete: attach it. 0: it stays in InitWait
	 * until store_device_live(). -errno: the store writes "<errno> <err>" into the
	 * device's error node (<backend dir>/error) and moves it to Closed.
	 */
	int (*attach)(void *opaque, const struct layout_device *dev, char *err,
		      size_t err_len);
	/* libxl asked to remove the device (or it vanished): detach it. */
	void (*detach)(void *opaque, uint32_t domid, uint32_t devid);
	/*
	 * The domain no longer exists: everything of it must go (its devices
	 * get no detach() call).
	 */
	void (*domain_gone)(void *opaque, uint32_t domid);
};

struct store_params {
	struct evloop *loop;
	struct logger *logger;
	const struct store_ops *ops;
	void *opaque;
	int only_domid; /* serve one guest only, or -1 for all */
};

int store_new(const struct store_params *p, struct store **out) must_check;
/*
 * Moves every attached device to Closed (without detach(): the caller still
 * owns them), unwatches, closes. NULL-safe.
 */
void store_free(struct store *st);
/*
 * The guest's driver brought the device live (DRIVER_OK): its backend state
 * moves from InitWait to Connected, like a Xen backend whose frontend
 * connected. Later calls (a driver re-probing after a reset) change nothing.
 */
void store_device_live(struct store *st, uint32_t domid, uint32_t devid);
/*
 * Writes <device's backend dir>/<node> = value, for host tools (a console's
 * pty as "tty"), unless the directory is gone (then -ENOENT).
 */
int store_device_publish(struct store *st, uint32_t domid, uint32_t devid,
			 const char *node, const char *value);
/* Our own domain id, as xenstore says ("domid"). */
uint32_t store_self_domid(const struct store *st);

#endif
