/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk (virtio 1.2 §5.2): the request protocol. Storage I/O lives in
 * storage.c; this file decodes requests, checks them, and completes them.
 *
 * A request (§5.2.6) is a 16-byte header in the device-readable part, data,
 * and a status byte: the last byte of the device-writable part. The driver
 * may cut it into descriptors any way it likes (§2.7.4), so the header is
 * read through an iov cursor and the status byte split off the tail. The
 * data is handed to the storage as the guest's own iovecs: where the header
 * or the status shares an iovec with data, that iovec is shortened in place
 * for the duration of the request and restored before the element goes back
 * to the queue, which unmaps exactly what it mapped.
 *
 * A chain without room for the header or the status byte cannot even be
 * failed: the device is failed instead (NEEDS_RESET). Every other bad
 * request gets VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP and a rate-limited
 * log line, and the device goes on.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"
#include "blk-req.h"
#include "evloop.h"
#include "iov.h"
#include "storage.h"
#include "vdev.h"

static const struct vdev_ops blk_ops;

/* Publishes completions: one vdev_notify per queue and batch. */
static void flush_dirty(void *opaque)
{
	struct blk *b = opaque;

	for (unsigned q = 0; q < b->num_queues; q++) {
		if (b->dirty[q]) {
			b->dirty[q] = false;
			vdev_notify(&b->vdev, q);
		}
	}
}

/*
 * Pops at most half a ring of requests per turn, so a driver that keeps
 * refilling the ring cannot hold the thread (other devices share it): the
 * rest waits for the kick notifier, with notifications still disabled.
 */
static void process_queue(struct blk *b, unsigned q)
{
	struct vq *vq = &b->vdev.queues[q].vq;
	unsigned budget = b->queue_size > 1 ? b->queue_size / 2u : 1u;
	struct vq_elem *elem;

	for (;;) {
		vq_disable_notify(vq);
		while (budget && (elem = vdev_pop(&b->vdev, q))) {
			blk_req_start(b, q, elem);
			budget--;
		}
		if (!vdev_is_live(&b->vdev))
			return;
		if (!budget) {
			b->resched[q] = true;
			evloop_notifier_signal(b->kick);
			return;
		}
		if (!vq_enable_notify(vq))
			return;
	}
}

static void blk_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct blk *b = container_of(vdev, struct blk, vdev);

	process_queue(b, qidx);
	storage_submit(b->storage);
	flush_dirty(b);
}

static void on_kick(void *opaque)
{
	struct blk *b = opaque;

	for (unsigned q = 0; q < b->num_queues; q++) {
		if (!b->resched[q])
			continue;
		b->resched[q] = false;
		if (vdev_is_live(&b->vdev) && b->vdev.queues[q].ready)
			process_queue(b, q);
	}
	storage_submit(b->storage);
	flush_dirty(b);
}

static int blk_activate(struct vdev *vdev)
{
	return 0;
}

/*
 * virtio 1.2 §2.4: after a reset the device writes nothing to the guest.
 * Wait for the kernel to let go of every buffer, then give the slots back;
 * the vdev layer then reclaims the elements with vq_stop().
 */
static void blk_reset(struct vdev *vdev)
{
	struct blk *b = container_of(vdev, struct blk, vdev);
	size_t n = (size_t)b->num_queues * b->queue_size;

	if (b->storage)
		storage_cancel_all(b->storage);
	for (size_t i = 0; i < n; i++) {
		if (b->reqs[i].busy)
			blk_req_release(&b->reqs[i]);
	}
	memset(b->dirty, 0, b->num_queues * sizeof(*b->dirty));
	memset(b->resched, 0, b->num_queues * sizeof(*b->resched));
}

static const struct vdev_ops blk_ops = {
	.type = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.activate = blk_activate,
	.queue_notify = blk_queue_notify,
	.reset = blk_reset,
};

static bool is_pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

static int check_params(const struct blk_params *p, char *err, size_t err_len)
{
	const char *path = p->path ? p->path : "(no path)";

	if (!p->path || !*p->path) {
		snprintf(err, err_len, "blk: no path given");
		return -EINVAL;
	}
	if (p->serial && strlen(p->serial) > VIRTIO_BLK_ID_BYTES) {
		snprintf(err, err_len, "%s: serial \"%s\" longer than %d bytes",
			 path, p->serial, VIRTIO_BLK_ID_BYTES);
		return -EINVAL;
	}
	if (p->num_queues > BLK_MAX_QUEUES) {
		snprintf(err, err_len, "%s: %u queues, at most %d", path,
			 p->num_queues, BLK_MAX_QUEUES);
		return -EINVAL;
	}
	if (p->queue_size &&
	    (!is_pow2(p->queue_size) || p->queue_size > VQ_NUM_MAX)) {
		snprintf(err, err_len,
			 "%s: queue size %u not a power of two <= %d", path,
			 p->queue_size, VQ_NUM_MAX);
		return -EINVAL;
	}
	return 0;
}

/* virtio 1.2 §5.2.4: the configuration layout, little-endian. */
static void fill_config(struct blk *b)
{
	struct virtio_blk_config *c = &b->config;
	uint32_t bs = storage_block_size(b->storage);

	b->capacity = storage_size(b->storage) / BLK_SECTOR;
	c->capacity = htole64(b->capacity);
	c->size_max = htole32(BLK_SIZE_MAX);
	c->seg_max = htole32(BLK_SEG_MAX);
	c->blk_size = htole32(bs);
	c->num_queues = htole16(b->num_queues);
	c->max_discard_sectors = htole32(BLK_DWZ_MAX_SECTORS);
	c->max_discard_seg = htole32(BLK_DWZ_MAX_SEG);
	c->discard_sector_alignment = htole32(bs / BLK_SECTOR);
	c->max_write_zeroes_sectors = htole32(BLK_DWZ_MAX_SECTORS);
	c->max_write_zeroes_seg = htole32(BLK_DWZ_MAX_SEG);
	/* §5.2.6.2: set iff a write zeroes request may deallocate. */
	c->write_zeroes_may_unmap =
		b->write_zeroes && storage_can_punch(b->storage) ? 1 : 0;
}

static uint64_t blk_features(const struct blk *b)
{
	uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) |
		     (1ull << VIRTIO_BLK_F_SIZE_MAX) |
		     (1ull << VIRTIO_BLK_F_BLK_SIZE) |
		     (1ull << VIRTIO_BLK_F_FLUSH);

	if (b->num_queues > 1)
		f |= 1ull << VIRTIO_BLK_F_MQ;
	if (b->readonly)
		f |= 1ull << VIRTIO_BLK_F_RO;
	if (b->discard)
		f |= 1ull << VIRTIO_BLK_F_DISCARD;
	if (b->write_zeroes)
		f |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	return f;
}

static int alloc_slots(struct blk *b)
{
	size_t n = (size_t)b->num_queues * b->queue_size;

	b->reqs = calloc(n, sizeof(*b->reqs));
	b->dirty = calloc(b->num_queues, sizeof(*b->dirty));
	b->resched = calloc(b->num_queues, sizeof(*b->resched));
	if (!b->reqs || !b->dirty || !b->resched)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		blk_req_init(&b->reqs[i], b);
	return 0;
}

static int open_storage(struct blk *b, const struct blk_params *p,
			struct evloop *loop, char *err, size_t err_len)
{
	struct storage_params sp = {
		.path = p->path,
		.readonly = p->readonly,
		.max_inflight = (unsigned)b->num_queues * b->queue_size,
		.loop = loop,
		.log = &b->vdev.log,
		.batch_fn = flush_dirty,
		.opaque = b,
	};
	int rc;

	rc = storage_open(&sp, &b->storage, err, err_len);
	if (rc)
		return rc;
	rc = evloop_add_notifier(loop, on_kick, b, &b->kick);
	if (rc)
		snprintf(err, err_len, "%s: notifier: %s", p->path,
			 strerror(-rc));
	return rc;
}

static int init_vdev(struct blk *b, const struct blk_params *p,
		     const struct vdev_params *vp, char *err, size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	params.ops = &blk_ops;
	params.features |= blk_features(b);
	params.num_queues = b->num_queues;
	params.queue_num_max = b->queue_size;
	params.max_iov = BLK_MAX_IOV;
	params.config = &b->config;
	params.config_len = sizeof(b->config);
	rc = vdev_init(&b->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "%s: device: %s", p->path,
			 strerror(-rc));
		return rc;
	}
	b->vdev_ready = true;
	return 0;
}

int blk_new(const struct blk_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct blk **out, char *err, size_t err_len)
{
	struct blk *b;
	int rc;

	*out = NULL;
	rc = check_params(p, err, err_len);
	if (rc)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, err_len, "%s: out of memory", p->path);
		return -ENOMEM;
	}
	b->num_queues = p->num_queues ? p->num_queues : 1;
	b->queue_size = p->queue_size ? p->queue_size : BLK_QUEUE_SIZE;
	b->readonly = p->readonly;
	if (p->serial)
		memcpy(b->serial, p->serial, strlen(p->serial));
	rc = alloc_slots(b);
	if (rc) {
		snprintf(err, err_len, "%s: out of memory", p->path);
		goto out;
	}
	rc = open_storage(b, p, loop, err, err_len);
	if (rc)
		goto out;
	/*
	 * Zeroing always works (a block device falls back to writing zeroes);
	 * discarding needs a storage that can deallocate.
	 */
	b->write_zeroes = !b->readonly;
	b->discard = !b->readonly && storage_can_punch(b->storage);
	fill_config(b);
	rc = init_vdev(b, p, vp, err, err_len);
	if (rc)
		goto out;
	*out = b;
	return 0;
out:
	blk_free(b);
	return rc;
}

void blk_free(struct blk *b)
{
	if (!b)
		return;
	/* Resets the device: our reset waits for the I/O in flight. */
	if (b->vdev_ready)
		vdev_fini(&b->vdev);
	evloop_del_notifier(b->kick);
	storage_close(b->storage);
	free(b->reqs);
	free(b->dirty);
	free(b->resched);
	free(b);
}

struct vdev *blk_vdev(struct blk *b)
{
	return &b->vdev;
}
