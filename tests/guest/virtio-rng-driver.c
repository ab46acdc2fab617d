// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng, guest side, after Linux's drivers/char/hw_random/virtio-rng.c
 * (behaviour and order of device accesses, not code).
 */
#include <errno.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-rng-driver.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* request_entropy: the buffer goes to the device, which is told. */
static int request_entropy(struct rngdrv *r)
{
	struct vrdrv_sg sg = { r->data_gpa, RNGDRV_BUF };
	int rc;

	r->data_idx = 0;
	rc = vrdrv_add(r->vq, &sg, 0, 1, r);
	if (rc)
		return rc;
	r->busy = true;
	r->stats.requests++;
	vrdrv_kick(r->vq);
	return 0;
}

/* random_recv_done: the queue's interrupt callback. */
static void recv_done(struct vrdrv *vq, void *opaque)
{
	struct rngdrv *r = opaque;
	uint32_t len;
	void *data;

	/* Spurious callbacks happen (shared lines): nothing used, nothing. */
	if (vrdrv_get_buf(vq, &data, &len) != 1)
		return;
	r->busy = false;
	r->data_avail = len;
	r->stats.bytes += len;
	if (!len)
		r->stats.empty++;
}

static size_t copy_data(struct rngdrv *r, uint8_t *buf, size_t size)
{
	if (size > r->data_avail)
		size = r->data_avail;
	memcpy(buf, r->data + r->data_idx, size);
	r->data_idx += (uint32_t)size;
	r->data_avail -= (uint32_t)size;
	return size;
}

/* Waits (at most timeout_ms) for the device to return the buffer. */
static int wait_data(struct rngdrv *r)
{
	const struct guest_bus *bus = r->p.bus;
	int64_t deadline = now_ms() + r->p.timeout_ms, left;
	int rc;

	while (r->busy) {
		if (r->vq->broken)
			return -EIO;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = bus->wait_irq(bus->opaque, (int)left);
		if (rc > 0)
			rc = vmdrv_interrupt(&r->vm);
		if (rc < 0)
			return rc;
	}
	return r->vq->broken ? -EIO : 0;
}

int rngdrv_read(struct rngdrv *r, void *buf, size_t len, bool wait)
{
	size_t got = 0;
	int rc;

	if (!r->live)
		return -ENODEV;
	while (got < len) {
		if (r->data_avail)
			got += copy_data(r, (uint8_t *)buf + got, len - got);
		/* All consumed (or an empty answer): ask for more. */
		if (!r->data_avail && !r->busy) {
			rc = request_entropy(r);
			if (rc)
				return rc;
		}
		if (!wait || got == len)
			break;
		rc = wait_data(r);
		if (rc)
			return rc;
	}
	return (int)got;
}

static int virtrng_probe(struct rngdrv *r)
{
	static vrdrv_callback_fn *const cbs[] = { recv_done };
	int rc;

	if (gpa_pool_alloc(r->p.pool, RNGDRV_BUF, 64, &r->data_gpa))
		return -ENOMEM;
	r->data = r->p.bus->ram(r->p.bus->opaque, r->data_gpa, RNGDRV_BUF);
	if (!r->data)
		return -EFAULT;
	rc = vmdrv_find_vqs(&r->vm, 1, cbs, r, 0);
	if (rc)
		return rc;
	r->vq = r->vm.vqs[0];
	rc = vmdrv_ready(&r->vm);
	/* We always have a pending entropy request. */
	if (!rc)
		rc = request_entropy(r);
	if (rc)
		vmdrv_del_vqs(&r->vm);
	return rc;
}

int rngdrv_probe(struct rngdrv *r, const struct rngdrv_params *p)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->p = *p;
	if (!r->p.features)
		r->p.features = VMDRV_TRANSPORT_FEATURES;
	if (!r->p.timeout_ms)
		r->p.timeout_ms = 10000;
	rc = vmdrv_probe(&r->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	if (r->vm.device_id != VIRTIO_ID_RNG)
		return -ENODEV;
	rc = vmdrv_negotiate(&r->vm, r->p.features);
	if (!rc)
		rc = virtrng_probe(r);
	if (rc) {
		if (r->data)
			gpa_pool_free(r->p.pool, r->data_gpa, RNGDRV_BUF);
		vmdrv_fail(&r->vm);
		return rc;
	}
	r->live = true;
	return 0;
}

void rngdrv_remove(struct rngdrv *r)
{
	if (!r->live)
		return;
	(void)vmdrv_reset(&r->vm);
	while (vrdrv_detach_unused(r->vq))
		;
	vmdrv_del_vqs(&r->vm);
	gpa_pool_free(r->p.pool, r->data_gpa, RNGDRV_BUF);
	r->live = false;
	vmdrv_remove(&r->vm);
}
