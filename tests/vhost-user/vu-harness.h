/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-process wiring for the vhost-user tests and the benchmark: guest RAM in
 * a gmem_flat, a real evloop, a virtio-blk device served either by the
 * vhost-user front-end (talking to a real qemu-storage-daemon) or by our own
 * blk backend, the vmmio register file, and the guest's Linux-like
 * virtio-blk driver on top (tests/guest). MMIO accesses are direct vmmio
 * calls; waiting for an interrupt runs the event loop, which is where the
 * back-end's call eventfds and io_uring completions are handled.
 */
#ifndef XVDM_TESTS_VU_HARNESS_H
#define XVDM_TESTS_VU_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gmem.h"
#include "gpa-pool.h"
#include "guest-bus.h"
#include "log.h"
#include "qsd.h"
#include "virtio-blk-driver.h"
#include "vmmio.h"

struct blk;
struct evloop;
struct vu_dev;

#define VUH_RAM_BASE 0x40000000ull
#define VUH_RAM_SIZE (128ull << 20)
#define VUH_MMIO_BASE 0x02000000ull

struct vuh_params {
	const char *socket; /* vhost-user back-end; NULL: our blk on image */
	uint32_t device_id; /* with socket: VIRTIO_ID_*; 0: block */
	const char *tag;    /* virtio-fs */
	const char *image;
	uint16_t num_queues;
	uint16_t queue_size;
	int timeout_ms;	       /* front-end's reply timeout; 0: default */
	uint32_t reconnect_ms; /* first backoff; 0: default */
	enum log_level log_level;
	bool no_event_idx; /* vhost-user: no EVENT_IDX on the shadow rings */
	/* Share this event loop (other devices on it); NULL: the harness's. */
	struct evloop *loop;
};

struct vuh {
	struct logger logger;
	struct gmem_flat flat;
	struct evloop *loop;
	bool own_loop;
	struct vu_dev *vu;
	struct blk *blk;
	struct vdev *vdev;
	struct vmmio mmio;
	struct guest_bus bus;
	struct gpa_pool pool;
	unsigned edges;
	bool level;
	struct blkdrv drv;
	bool probed;
};

int vuh_new(const struct vuh_params *p, struct vuh **out, char *err,
	    size_t err_len) must_check;
/* Removes the driver if probed, frees the device and the rest. */
void vuh_free(struct vuh *h);
/* blkdrv_probe with the harness's bus; timeout_ms for the sync helpers. */
int vuh_probe(struct vuh *h, int timeout_ms) must_check;
/* Runs the event loop until cond(h) or timeout_ms: true if cond held. */
bool vuh_run_until(struct vuh *h, bool (*cond)(struct vuh *h), int timeout_ms);
bool vuh_connected(struct vuh *h);
bool vuh_needs_reset(struct vuh *h);

#endif
