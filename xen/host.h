/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's Xen side: opens the libxen* handles, follows the toolstack
 * through xenstore (store.h), and for each device libxl declares finds or
 * creates its guest (guest.h), creates the backend from the registry and
 * routes the device's MMIO window and interrupt to it. Detaches devices the
 * toolstack removes and tears down guests whose domain is gone.
 *
 * Includes no Xen header, so src/main.c can use it.
 */
#ifndef XVDM_XEN_HOST_H
#define XVDM_XEN_HOST_H

#include <stdbool.h>

#include "compiler.h"

struct cfg;
struct evloop;
struct host;
struct logger;

struct host_params {
	struct evloop *loop;
	struct logger *logger;
	const struct cfg *cfg; /* the daemon config: [device "..."] options */
	int only_domid;	       /* serve this guest only, or -1 for all */
	/*
	 * Called when the only guest is gone (only_domid mode): the process
	 * has nothing left to serve.
	 */
	void (*done)(void *opaque);
	void *opaque;
};

int host_new(const struct host_params *p, struct host **out) must_check;
/* Detaches every device (backend states to Closed) and closes. NULL-safe. */
void host_free(struct host *h);

#endif
