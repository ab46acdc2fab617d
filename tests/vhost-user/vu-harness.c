// SPDX-License-Identifier: GPL-2.0-only
/* In-process harness and qemu-storage-daemon control (see vu-harness.h). */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blk/blk.h"
#include "evloop.h"
#include "vdev.h"
#include "vhost-user/vhost-user.h"
#include "vu-harness.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int mmio_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
	struct vuh *h = opaque;

	if (addr < VUH_MMIO_BASE || addr - VUH_MMIO_BASE >= VMMIO_WINDOW_SIZE)
		return -EFAULT;
	return vmmio_read(&h->mmio, addr - VUH_MMIO_BASE, size, val);
}

static int mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
	struct vuh *h = opaque;

	if (addr < VUH_MMIO_BASE || addr - VUH_MMIO_BASE >= VMMIO_WINDOW_SIZE)
		return -EFAULT;
	return vmmio_write(&h->mmio, addr - VUH_MMIO_BASE, size, val);
}

static void *ram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct vuh *h = opaque;

	return gmem_flat_ptr(&h->flat, gpa, len);
}

static void irq(void *opaque, bool level)
{
	struct vuh *h = opaque;

	if (level && !h->level)
		h->edges++;
	h->level = level;
}

/* A level-triggered line: pending while high, or after any rising edge. */
static int wait_irq(void *opaque, int timeout_ms)
{
	struct vuh *h = opaque;
	int64_t deadline = now_ms() + timeout_ms, left;
	int rc;

	for (;;) {
		if (h->edges || h->level) {
			h->edges = 0;
			return 1;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		rc = evloop_run_once(h->loop, (int)left);
		if (rc < 0)
			return rc;
	}
}

static int make_device(struct vuh *h, const struct vuh_params *p, char *err,
		       size_t err_len)
{
	struct vdev_params vp = {
		.mem = &h->flat.mem,
		.logger = &h->logger,
		.domid = 1,
		.name = p->socket ? "vu0" : "blk0",
	};
	int rc;

	if (p->socket) {
		struct vu_params up = {
			.path = p->socket,
			.device_id =
				p->device_id ? p->device_id : VIRTIO_ID_BLOCK,
			.tag = p->tag,
			.num_queues = p->num_queues,
			.queue_size = p->queue_size,
			.timeout_ms = p->timeout_ms,
			.reconnect_min_ms = p->reconnect_ms,
			.reconnect_max_ms =
				p->reconnect_ms ? 4 * p->reconnect_ms : 0,
			.no_event_idx = p->no_event_idx,
		};

		rc = vu_dev_new(&up, &vp, h->loop, &h->vu, err, err_len);
		if (!rc)
			h->vdev = vu_dev_vdev(h->vu);
	} else {
		struct blk_params bp = {
			.path = p->image,
			.num_queues = p->num_queues,
			.queue_size = p->queue_size,
		};

		rc = blk_new(&bp, &vp, h->loop, &h->blk, err, err_len);
		if (!rc)
			h->vdev = blk_vdev(h->blk);
	}
	if (rc)
		return rc;
	vmmio_init(&h->mmio, h->vdev);
	vdev_set_irq(h->vdev, irq, h);
	return 0;
}

int vuh_new(const struct vuh_params *p, struct vuh **out, char *err,
	    size_t err_len)
{
	const struct gmem_flat_region region = {
		.gpa = VUH_RAM_BASE,
		.size = VUH_RAM_SIZE,
	};
	struct vuh *h;
	int rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->flat.fd = -1;
	log_init(&h->logger, 2, p->log_level);
	rc = gmem_flat_init(&h->flat, &region, 1);
	h->loop = p->loop;
	h->own_loop = !p->loop;
	if (!rc && h->own_loop)
		rc = evloop_new(&h->loop);
	if (!rc)
		rc = gpa_pool_init(&h->pool, VUH_RAM_BASE, VUH_RAM_SIZE);
	if (rc) {
		snprintf(err, err_len, "harness: %s", strerror(-rc));
		goto fail;
	}
	rc = make_device(h, p, err, err_len);
	if (rc)
		goto fail;
	h->bus = (struct guest_bus){
		.mmio_read = mmio_read,
		.mmio_write = mmio_write,
		.ram = ram,
		.wait_irq = wait_irq,
		.opaque = h,
	};
	*out = h;
	return 0;
fail:
	vuh_free(h);
	return rc;
}

void vuh_free(struct vuh *h)
{
	if (!h)
		return;
	if (h->probed)
		blkdrv_remove(&h->drv);
	vu_dev_free(h->vu);
	blk_free(h->blk);
	if (h->own_loop)
		evloop_free(h->loop);
	if (h->flat.base)
		gmem_flat_fini(&h->flat);
	gpa_pool_fini(&h->pool);
	free(h);
}

int vuh_probe(struct vuh *h, int timeout_ms)
{
	struct blkdrv_params bp = {
		.bus = &h->bus,
		.base = VUH_MMIO_BASE,
		.pool = &h->pool,
		.timeout_ms = timeout_ms,
	};
	int rc;

	if (h->probed)
		blkdrv_remove(&h->drv);
	rc = blkdrv_probe(&h->drv, &bp);
	h->probed = !rc;
	return rc;
}

bool vuh_run_until(struct vuh *h, bool (*cond)(struct vuh *h), int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms, left;

	while (!cond(h)) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		if (evloop_run_once(h->loop, (int)(left < 50 ? left : 50)) < 0)
			return false;
	}
	return true;
}

bool vuh_connected(struct vuh *h)
{
	return h->vu && vu_dev_connected(h->vu);
}

bool vuh_needs_reset(struct vuh *h)
{
	return vdev_get_status(h->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET;
}
