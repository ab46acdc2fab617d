/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synchronous virtio-blk requests for tests: host buffers are copied through
 * guest buffers from the pool, split into a scatter list of separately
 * allocated segments, then the caller waits for the interrupt.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-blk-driver.h"

#define SECTOR 512u

struct bounce {
	struct vrdrv_sg seg[BLKDRV_MAX_SEGS];
	unsigned n;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bounce_free(struct blkdrv *b, struct bounce *bb)
{
	while (bb->n--)
		gpa_pool_free(b->p.pool, bb->seg[bb->n].gpa,
			      bb->seg[bb->n].len);
	bb->n = 0;
}

/* Segment length for len bytes in at most nseg pieces, within the limits. */
static size_t piece_len(const struct blkdrv *b, size_t len, unsigned nseg)
{
	unsigned limit =
		b->sg_elems < BLKDRV_MAX_SEGS ? b->sg_elems : BLKDRV_MAX_SEGS;
	size_t piece;

	if (!nseg)
		nseg = 1;
	if (nseg > limit)
		nseg = limit;
	piece = (len + nseg - 1) / nseg;
	piece = (piece + SECTOR - 1) / SECTOR * SECTOR;
	if (piece > b->max_size)
		piece = b->max_size >= SECTOR ? b->max_size / SECTOR * SECTOR :
						b->max_size;
	if (!piece || (len + piece - 1) / piece > limit)
		return 0;
	return piece;
}

static int bounce_alloc(struct blkdrv *b, size_t len, unsigned nseg,
			struct bounce *bb)
{
	size_t piece = piece_len(b, len, nseg), off;
	struct vrdrv_sg *s;

	bb->n = 0;
	if (!len)
		return 0;
	if (!piece)
		return -EINVAL;
	for (off = 0; off < len; off += s->len) {
		s = &bb->seg[bb->n];
		s->len = (uint32_t)(len - off < piece ? len - off : piece);
		if (gpa_pool_alloc(b->p.pool, s->len, SECTOR, &s->gpa)) {
			bounce_free(b, bb);
			return -ENOMEM;
		}
		bb->n++;
	}
	return 0;
}

static int bounce_copy(struct blkdrv *b, struct bounce *bb, void *buf,
		       bool to_guest)
{
	const struct guest_bus *bus = b->p.bus;
	uint8_t *p = buf;
	unsigned i;
	void *g;

	for (i = 0; i < bb->n; p += bb->seg[i].len, i++) {
		g = bus->ram(bus->opaque, bb->seg[i].gpa, bb->seg[i].len);
		if (!g)
			return -EFAULT;
		if (to_guest)
			memcpy(g, p, bb->seg[i].len);
		else
			memcpy(p, g, bb->seg[i].len);
	}
	return 0;
}

int blkdrv_wait(struct blkdrv *b, struct blkdrv_req *req)
{
	int64_t deadline = now_ms() + b->p.timeout_ms, left;
	int rc;

	while (!req->completed) {
		if (!b->live || b->q[req->qidx].vq->broken)
			return -EIO;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = blkdrv_poll(b, (int)left);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Submits the queue's sync request, waiting for room if need be. */
static int submit_wait(struct blkdrv *b, unsigned qidx)
{
	struct blkdrv_req *req = &b->q[qidx].sync;
	int64_t deadline = now_ms() + b->p.timeout_ms;
	int rc;

	for (;;) {
		rc = blkdrv_submit(b, qidx, req, true);
		if (rc != -EBUSY && rc != -ENOSPC)
			break;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		rc = blkdrv_poll(b, (int)(deadline - now_ms()));
		if (rc < 0)
			return rc;
	}
	if (rc)
		return rc;
	b->q[qidx].sync_busy = true;
	rc = blkdrv_wait(b, req);
	if (rc)
		return rc; /* still in flight: its buffers stay allocated */
	b->q[qidx].sync_busy = false;
	return req->error;
}

static int do_sync(struct blkdrv *b, unsigned qidx, uint32_t type,
		   uint64_t sector, void *buf, size_t len, unsigned nseg)
{
	struct blkdrv_req *req;
	struct bounce bb;
	int rc;

	if (!b->live || qidx >= b->nq)
		return -EINVAL;
	if (b->q[qidx].sync_busy)
		return -EBUSY;
	rc = bounce_alloc(b, len, nseg, &bb);
	if (rc)
		return rc;
	if (type & VIRTIO_BLK_T_OUT)
		rc = bounce_copy(b, &bb, buf, true);
	req = &b->q[qidx].sync;
	*req = (struct blkdrv_req){
		.type = type, .sector = sector, .seg = bb.seg, .nseg = bb.n
	};
	if (!rc)
		rc = submit_wait(b, qidx);
	if (rc == -ETIMEDOUT || rc == -EIO) {
		if (b->live && b->q[qidx].sync_busy)
			return rc; /* the device may still use the buffers */
	}
	if (!rc && !(type & VIRTIO_BLK_T_OUT))
		rc = bounce_copy(b, &bb, buf, false);
	bounce_free(b, &bb);
	return rc;
}

int blkdrv_read(struct blkdrv *b, unsigned qidx, uint64_t sector, void *buf,
		size_t len, unsigned nseg)
{
	return do_sync(b, qidx, VIRTIO_BLK_T_IN, sector, buf, len, nseg);
}

int blkdrv_write(struct blkdrv *b, unsigned qidx, uint64_t sector,
		 const void *buf, size_t len, unsigned nseg)
{
	/* Only read from for a write. */
	return do_sync(b, qidx, VIRTIO_BLK_T_OUT, sector,
		       (void *)(uintptr_t)buf, len, nseg);
}

int blkdrv_flush(struct blkdrv *b, unsigned qidx)
{
	return do_sync(b, qidx, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0);
}

int blkdrv_discard(struct blkdrv *b, unsigned qidx,
		   const struct virtio_blk_discard_write_zeroes *ranges,
		   unsigned n)
{
	/* The ranges travel as one device-readable segment. */
	return do_sync(b, qidx, VIRTIO_BLK_T_DISCARD, 0,
		       (void *)(uintptr_t)ranges, n * sizeof(*ranges), 1);
}

int blkdrv_write_zeroes(struct blkdrv *b, unsigned qidx, uint64_t sector,
			uint32_t nsectors, bool unmap)
{
	struct virtio_blk_discard_write_zeroes r = {
		.sector = htole64(sector),
		.num_sectors = htole32(nsectors),
		.flags =
			htole32(unmap ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0),
	};

	return do_sync(b, qidx, VIRTIO_BLK_T_WRITE_ZEROES, 0, &r, sizeof(r), 1);
}

int blkdrv_get_id(struct blkdrv *b, unsigned qidx, char *id)
{
	return do_sync(b, qidx, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES,
		       1);
}
