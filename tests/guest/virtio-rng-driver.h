/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-rng driver (virtio 1.2 §5.4), behaving like Linux's
 * drivers/char/hw_random/virtio-rng.c: one queue ("input"), one request
 * buffer of RNGDRV_BUF bytes always posted (requested at probe, again as
 * soon as its bytes are consumed), reads that copy what has arrived and,
 * when asked to wait, wait for the next buffer.
 *
 * The device is checked: a used length beyond the buffer breaks the queue
 * (the vring driver's check); a used length of 0 is counted in stats.empty
 * and the buffer is posted again.
 */
#ifndef XVDM_GUEST_VIRTIO_RNG_DRIVER_H
#define XVDM_GUEST_VIRTIO_RNG_DRIVER_H

#include <linux/virtio_config.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

/* Linux: SMP_CACHE_BYTES (64 on x86-64 and arm64). */
#define RNGDRV_BUF 64u

struct rngdrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features; /* 0: VMDRV_TRANSPORT_FEATURES, as Linux */
	int timeout_ms;	   /* for waiting reads; 0: 10 s */
};

struct rngdrv_stats {
	uint64_t requests; /* buffers posted */
	uint64_t bytes;	   /* bytes the device returned */
	uint64_t empty;	   /* buffers returned with 0 bytes */
};

struct rngdrv {
	struct vmdrv vm;
	struct rngdrv_params p;
	struct vrdrv *vq;
	uint64_t data_gpa; /* the request buffer */
	uint8_t *data;
	bool busy; /* the buffer is with the device */
	uint32_t data_avail, data_idx;
	bool live;
	struct rngdrv_stats stats;
};

/* Linux's probe, up to DRIVER_OK and the first request. -ENODEV: not rng. */
int rngdrv_probe(struct rngdrv *rng, const struct rngdrv_params *p) must_check;
/* virtrng_remove: reset, the queue torn down. */
void rngdrv_remove(struct rngdrv *rng);
/*
 * virtio_read: copies what has arrived; with wait, waits until all len
 * bytes came (timeout_ms for each buffer). Returns the bytes copied,
 * -ETIMEDOUT, or -EIO (broken).
 */
int rngdrv_read(struct rngdrv *rng, void *buf, size_t len,
		bool wait) must_check;

#endif
