/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest drivers against the real core, in one process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blk/blk.h"
#include "evloop.h"
#include "inproc.h"
#include "vdev.h"

static void record(struct inproc *ip, bool write, uint64_t off, unsigned size,
		   uint64_t val)
{
	struct inproc_access *n;
	size_t cap;

	if (!ip->tracing)
		return;
	if (ip->trace_len == ip->trace_cap) {
		cap = ip->trace_cap ? ip->trace_cap * 2 : 256;
		n = realloc(ip->trace, cap * sizeof(*n));
		if (!n)
			return;
		ip->trace = n;
		ip->trace_cap = cap;
	}
	ip->trace[ip->trace_len++] = (struct inproc_access){
		.write = write,
		.size = (uint8_t)size,
		.off = (uint32_t)off,
		.val = val,
	};
}

static int mmio_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
	struct inproc *ip = opaque;
	uint64_t off = addr - INPROC_MMIO_BASE;
	int rc;

	if (addr < INPROC_MMIO_BASE || off >= VMMIO_WINDOW_SIZE)
		return -EFAULT;
	rc = vmmio_read(&ip->mmio, off, size, val);
	if (ip->on_read)
		ip->on_read(ip, (uint32_t)off, size, val, ip->hook_opaque);
	record(ip, false, off, size, *val);
	return rc;
}

static int mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
	struct inproc *ip = opaque;
	uint64_t off = addr - INPROC_MMIO_BASE;

	if (addr < INPROC_MMIO_BASE || off >= VMMIO_WINDOW_SIZE)
		return -EFAULT;
	record(ip, true, off, size, val);
	if (off == 0x50) /* QueueNotify */
		ip->notifies++;
	return vmmio_write(&ip->mmio, off, size, val);
}

static void *ram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct inproc *ip = opaque;

	return gmem_flat_ptr(&ip->flat, gpa, len);
}

static void irq(void *opaque, bool level)
{
	struct inproc *ip = opaque;

	if (level && !ip->level)
		ip->edges++;
	ip->level = level;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A level-triggered line: pending while high, or after any rising edge. */
static int wait_irq(void *opaque, int timeout_ms)
{
	struct inproc *ip = opaque;
	int64_t deadline = now_ms() + timeout_ms, left;
	int rc;

	for (;;) {
		if (ip->edges || ip->level) {
			ip->edges = 0;
			if (ip->on_irq)
				ip->on_irq(ip, ip->hook_opaque);
			return 1;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		rc = evloop_run_once(ip->loop, (int)left);
		if (rc < 0)
			return rc;
	}
}

static int make_device(struct inproc *ip, const struct inproc_params *p,
		       char *err, size_t err_len)
{
	struct blk_params bp = {
		.path = p->path,
		.readonly = p->readonly,
		.serial = p->serial,
		.num_queues = p->num_queues,
		.queue_size = p->queue_size,
	};
	struct vdev_params vp = {
		.mem = &ip->flat.mem,
		.logger = &ip->logger,
		.domid = 1,
		.name = "blk0",
	};
	int rc;

	rc = blk_new(&bp, &vp, ip->loop, &ip->blk, err, err_len);
	if (rc)
		return rc;
	ip->vdev = blk_vdev(ip->blk);
	vmmio_init(&ip->mmio, ip->vdev);
	vdev_set_irq(ip->vdev, irq, ip);
	return 0;
}

int inproc_new(const struct inproc_params *p, struct inproc **out, char *err,
	       size_t err_len)
{
	const struct gmem_flat_region region = {
		.gpa = INPROC_RAM_BASE,
		.size = INPROC_RAM_SIZE,
	};
	struct inproc *ip;
	int rc;

	*out = NULL;
	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return -ENOMEM;
	ip->flat.fd = -1;
	log_init(&ip->logger, 2, p->log_level);
	rc = gmem_flat_init(&ip->flat, &region, 1);
	if (rc) {
		snprintf(err, err_len, "gmem_flat_init: %s", strerror(-rc));
		goto fail;
	}
	rc = evloop_new(&ip->loop);
	if (!rc)
		rc = gpa_pool_init(&ip->pool, INPROC_RAM_BASE, INPROC_RAM_SIZE);
	if (rc) {
		snprintf(err, err_len, "evloop/pool: %s", strerror(-rc));
		goto fail;
	}
	rc = make_device(ip, p, err, err_len);
	if (rc)
		goto fail;
	ip->bus = (struct guest_bus){
		.mmio_read = mmio_read,
		.mmio_write = mmio_write,
		.ram = ram,
		.wait_irq = wait_irq,
		.opaque = ip,
	};
	*out = ip;
	return 0;
fail:
	inproc_free(ip);
	return rc;
}

void inproc_free(struct inproc *ip)
{
	if (!ip)
		return;
	blk_free(ip->blk);
	evloop_free(ip->loop);
	if (ip->flat.base)
		gmem_flat_fini(&ip->flat);
	gpa_pool_fini(&ip->pool);
	free(ip->trace);
	free(ip);
}

void inproc_trace_start(struct inproc *ip)
{
	ip->trace_len = 0;
	ip->tracing = true;
}

void inproc_trace_stop(struct inproc *ip)
{
	ip->tracing = false;
}
