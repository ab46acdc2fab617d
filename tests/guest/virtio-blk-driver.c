/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk, guest side, after Linux's drivers/block/virtio_blk.c
 * (behaviour and order of device accesses, not code): probe, queues,
 * submission and completion. The synchronous helpers are in
 * virtio-blk-sync.c.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-blk-driver.h"

#define CFG(field) offsetof(struct virtio_blk_config, field)
/* Linux: the maximum number of sg elements that fit into a virtqueue. */
#define MAX_SG_ELEMS 32768u
#define SLOT_SIZE 32u /* virtio_blk_outhdr, then the status byte */
#define STATUS_UNSET 0xffu

static void complete(struct blkdrv *b, struct blkdrv_queue *q,
		     struct blkdrv_req *req, uint32_t len, int cancel)
{
	struct blkdrv_slot *s = &q->slots[req->slot];

	req->used_len = len;
	req->status = *s->status;
	if (cancel) {
		req->error = cancel;
		b->stats.cancelled++;
	} else if (req->status == VIRTIO_BLK_S_OK) {
		req->error = 0;
	} else {
		/* virtblk_result: UNSUPP is its own error, the rest IOERR. */
		req->error =
			req->status == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP : -EIO;
		b->stats.errors++;
		if (req->status != VIRTIO_BLK_S_IOERR &&
		    req->status != VIRTIO_BLK_S_UNSUPP)
			b->stats.bad_status++;
	}
	s->req = NULL;
	q->free[q->nr_free++] = req->slot;
	b->stats.completed++;
	req->completed = true;
	if (req->done)
		req->done(b, req);
}

/* virtblk_done: the queue's interrupt callback. */
static void vq_done(struct vrdrv *vq, void *opaque)
{
	struct blkdrv *b = opaque;
	struct blkdrv_queue *q = &b->q[vq->index];
	uint32_t len;
	void *data;

	do {
		vrdrv_disable_cb(vq);
		while (vrdrv_get_buf(vq, &data, &len) == 1)
			complete(b, q, data, len, 0);
	} while (!vrdrv_enable_cb(vq));
}

static void config_changed(struct vmdrv *dev, void *opaque)
{
	struct blkdrv *b = opaque;

	/* Linux defers the capacity update to a work item; so do we. */
	b->config_pending = true;
	b->stats.config_changes++;
}

/* virtio_cread_feature: -ENOENT when the feature was not negotiated. */
static int cread_feature(struct blkdrv *b, unsigned bit, uint32_t off,
			 void *buf, unsigned len)
{
	/* Bus errors are noted in b->vm.errors; Linux's reads cannot fail. */
	if (!vmdrv_has_feature(&b->vm, bit))
		return -ENOENT;
	return vmdrv_cread(&b->vm, off, buf, len);
}

static uint32_t cfg32(struct blkdrv *b, unsigned bit, uint32_t off, int *rc)
{
	uint32_t v = 0;

	*rc = cread_feature(b, bit, off, &v, 4);
	return *rc ? 0 : le32toh(v);
}

static int alloc_slots(struct blkdrv *b, struct blkdrv_queue *q)
{
	const struct guest_bus *bus = b->p.bus;
	uint8_t *host;
	unsigned i;

	q->slots = calloc(b->queue_depth, sizeof(*q->slots));
	q->free = calloc(b->queue_depth, sizeof(*q->free));
	if (!q->slots || !q->free)
		return -ENOMEM;
	q->area_len = (size_t)b->queue_depth * SLOT_SIZE;
	if (gpa_pool_alloc(b->p.pool, q->area_len, 64, &q->area_gpa)) {
		q->area_len = 0;
		return -ENOMEM;
	}
	host = bus->ram(bus->opaque, q->area_gpa, q->area_len);
	if (!host)
		return -EFAULT;
	for (i = 0; i < b->queue_depth; i++) {
		q->slots[i].gpa = q->area_gpa + (uint64_t)i * SLOT_SIZE;
		q->slots[i].hdr = (void *)(host + i * SLOT_SIZE);
		q->slots[i].status = host + i * SLOT_SIZE + 16;
		q->free[i] = b->queue_depth - 1 - i;
	}
	q->nr_free = b->queue_depth;
	return 0;
}

static void cancel_inflight(struct blkdrv *b)
{
	struct blkdrv_queue *q;
	unsigned i;
	void *req;

	for (i = 0; i < b->nq; i++) {
		q = &b->q[i];
		while (q->vq && (req = vrdrv_detach_unused(q->vq)))
			complete(b, q, req, 0, -ECANCELED);
	}
}

static void free_queues(struct blkdrv *b)
{
	unsigned i;

	vmdrv_del_vqs(&b->vm);
	for (i = 0; i < b->nq; i++) {
		if (b->q[i].area_len)
			gpa_pool_free(b->p.pool, b->q[i].area_gpa,
				      b->q[i].area_len);
		free(b->q[i].slots);
		free(b->q[i].free);
	}
	free(b->q);
	b->q = NULL;
	b->nq = 0;
}

/* init_vq, then the request slots blk-mq would allocate. */
static int init_vq(struct blkdrv *b)
{
	vrdrv_callback_fn **cbs;
	uint16_t nq = 1;
	unsigned i;
	int rc;

	rc = cread_feature(b, VIRTIO_BLK_F_MQ, CFG(num_queues), &nq, 2);
	nq = rc ? 1 : le16toh(nq);
	if (!rc && !nq)
		return -EINVAL; /* "MQ advertised but zero queues reported" */
	if (b->p.max_queues && nq > b->p.max_queues)
		nq = (uint16_t)b->p.max_queues;
	b->q = calloc(nq, sizeof(*b->q));
	cbs = calloc(nq, sizeof(*cbs));
	if (!b->q || !cbs) {
		free(cbs);
		return -ENOMEM;
	}
	for (i = 0; i < nq; i++)
		cbs[i] = vq_done;
	rc = vmdrv_find_vqs(&b->vm, nq, cbs, b, b->p.max_queue_size);
	free(cbs);
	if (rc)
		return rc;
	b->nq = nq;
	for (i = 0; i < nq; i++)
		b->q[i].vq = b->vm.vqs[i];
	return 0;
}

static int setup_queues(struct blkdrv *b)
{
	unsigned i;
	int rc;

	rc = init_vq(b);
	if (rc)
		return rc;
	/* Default queue sizing fills the ring; 2 descriptors a request. */
	b->queue_depth = b->p.queue_depth;
	if (!b->queue_depth) {
		b->queue_depth = b->q[0].vq->num_free;
		if (!vmdrv_has_feature(&b->vm, VIRTIO_RING_F_INDIRECT_DESC))
			b->queue_depth /= 2;
	}
	for (i = 0; !rc && i < b->nq; i++)
		rc = alloc_slots(b, &b->q[i]);
	return rc;
}

/* blk_validate_block_size: a power of two from 512 to the page size. */
static bool valid_block_size(uint32_t bs)
{
	return bs >= 512 && bs <= 4096 && !(bs & (bs - 1));
}

static int read_limits(struct blkdrv *b)
{
	uint8_t wce = 0;
	int rc;

	if (cread_feature(b, VIRTIO_BLK_F_CONFIG_WCE, CFG(wce), &wce, 1))
		b->writeback = vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_FLUSH);
	else
		b->writeback = wce;
	b->ro = vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_RO);
	b->max_size = cfg32(b, VIRTIO_BLK_F_SIZE_MAX, CFG(size_max), &rc);
	if (rc)
		b->max_size = UINT32_MAX;
	b->blk_size = cfg32(b, VIRTIO_BLK_F_BLK_SIZE, CFG(blk_size), &rc);
	if (rc)
		b->blk_size = 512;
	else if (!valid_block_size(b->blk_size))
		return -EINVAL; /* "invalid block size" */
	/* Four separate reads, each behind its feature check, as Linux. */
	(void)cread_feature(b, VIRTIO_BLK_F_TOPOLOGY, CFG(physical_block_exp),
			    &b->physical_block_exp, 1);
	(void)cread_feature(b, VIRTIO_BLK_F_TOPOLOGY, CFG(alignment_offset),
			    &b->alignment_offset, 1);
	if (!cread_feature(b, VIRTIO_BLK_F_TOPOLOGY, CFG(min_io_size),
			   &b->min_io_size, 2))
		b->min_io_size = le16toh(b->min_io_size);
	b->opt_io_size = cfg32(b, VIRTIO_BLK_F_TOPOLOGY, CFG(opt_io_size), &rc);
	return 0;
}

static int read_discard(struct blkdrv *b)
{
	uint32_t v;
	int rc;

	b->discard_granularity = cfg32(b, VIRTIO_BLK_F_DISCARD,
				       CFG(discard_sector_alignment), &rc);
	if (!rc) {
		v = cfg32(b, VIRTIO_BLK_F_DISCARD, CFG(max_discard_sectors),
			  &rc);
		b->max_discard_sectors = v ? v : UINT32_MAX;
		b->max_discard_segs = cfg32(b, VIRTIO_BLK_F_DISCARD,
					    CFG(max_discard_seg), &rc);
	}
	v = cfg32(b, VIRTIO_BLK_F_WRITE_ZEROES, CFG(max_write_zeroes_sectors),
		  &rc);
	if (!rc)
		b->max_write_zeroes_sectors = v ? v : UINT32_MAX;
	if (vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_SECURE_ERASE)) {
		/* Linux refuses a device that sets any of these to 0. */
		v = cfg32(b, VIRTIO_BLK_F_SECURE_ERASE,
			  CFG(secure_erase_sector_alignment), &rc);
		if (!v)
			return -EINVAL;
		b->max_secure_erase_sectors =
			cfg32(b, VIRTIO_BLK_F_SECURE_ERASE,
			      CFG(max_secure_erase_sectors), &rc);
		if (!b->max_secure_erase_sectors)
			return -EINVAL;
		if (!cfg32(b, VIRTIO_BLK_F_SECURE_ERASE,
			   CFG(max_secure_erase_seg), &rc))
			return -EINVAL;
	}
	if (!b->max_discard_segs)
		b->max_discard_segs = b->sg_elems;
	return 0;
}

int blkdrv_update_capacity(struct blkdrv *b)
{
	uint64_t cap;
	int rc;

	/* The host must always specify the capacity. */
	rc = vmdrv_cread(&b->vm, CFG(capacity), &cap, 8);
	if (!rc)
		b->capacity = le64toh(cap);
	return rc;
}

/* virtblk_probe, up to and including virtio_device_ready. */
static int virtblk_probe(struct blkdrv *b)
{
	int rc;

	/* We need to know how many segments before we allocate. */
	b->sg_elems = cfg32(b, VIRTIO_BLK_F_SEG_MAX, CFG(seg_max), &rc);
	if (rc || !b->sg_elems)
		b->sg_elems = 1;
	if (b->sg_elems > MAX_SG_ELEMS - 2)
		b->sg_elems = MAX_SG_ELEMS - 2;
	rc = setup_queues(b);
	if (!rc)
		rc = read_limits(b);
	if (!rc)
		rc = read_discard(b);
	if (!rc)
		rc = blkdrv_update_capacity(b);
	if (!rc)
		rc = vmdrv_ready(&b->vm);
	if (rc)
		free_queues(b);
	return rc;
}

/* virtio_dev_probe / _restore: DRIVER_OK unless the driver set it. */
static int ensure_ready(struct blkdrv *b)
{
	uint8_t status;
	int rc = vmdrv_get_status(&b->vm, &status);

	if (!rc && !(status & VIRTIO_CONFIG_S_DRIVER_OK))
		rc = vmdrv_ready(&b->vm);
	return rc;
}

int blkdrv_probe(struct blkdrv *b, const struct blkdrv_params *p)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->p = *p;
	if (!b->p.features)
		b->p.features = BLKDRV_FEATURES_LINUX;
	if (!b->p.timeout_ms)
		b->p.timeout_ms = 10000;
	rc = vmdrv_probe(&b->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	/* No driver matches: the device stays acknowledged only. */
	if (b->vm.device_id != VIRTIO_ID_BLOCK)
		return -ENODEV;
	b->vm.config_changed = config_changed;
	b->vm.opaque = b;
	rc = vmdrv_negotiate(&b->vm, b->p.features);
	if (!rc)
		rc = virtblk_probe(b);
	if (!rc)
		rc = ensure_ready(b);
	if (rc) {
		vmdrv_fail(&b->vm);
		return rc;
	}
	b->live = true;
	return 0;
}

void blkdrv_remove(struct blkdrv *b)
{
	if (!b->live)
		return;
	/* Stop all the virtqueues, then take back what they held. */
	(void)vmdrv_reset(&b->vm);
	cancel_inflight(b);
	free_queues(b);
	b->live = false;
	vmdrv_remove(&b->vm);
}

int blkdrv_restart(struct blkdrv *b)
{
	uint8_t status;
	int rc;

	if (!b->live)
		return -ENODEV;
	/* virtio_device_freeze notes whether the device had FAILED. */
	rc = vmdrv_get_status(&b->vm, &status);
	/* virtblk_freeze: no more interrupts, then drop the queues. */
	if (!rc)
		rc = vmdrv_reset(&b->vm);
	cancel_inflight(b);
	free_queues(b);
	b->live = false;
	/* virtio_device_restore + virtblk_restore. */
	if (!rc)
		rc = vmdrv_restore(&b->vm);
	if (!rc)
		rc = setup_queues(b);
	if (!rc)
		rc = vmdrv_ready(&b->vm);
	if (!rc)
		rc = ensure_ready(b);
	if (rc) {
		free_queues(b);
		vmdrv_fail(&b->vm);
		return rc;
	}
	b->live = true;
	return 0;
}

/* virtblk_add_req: header, data, status. */
static int add_req(struct blkdrv_queue *q, struct blkdrv_req *req,
		   struct blkdrv_slot *s)
{
	unsigned n = 0, out, i;

	q->sg[n++] = (struct vrdrv_sg){ s->gpa, sizeof(*s->hdr) };
	/* Linux tests the OUT bit of the type to pick the data direction. */
	out = req->nseg && (req->type & VIRTIO_BLK_T_OUT) ? req->nseg : 0;
	for (i = 0; i < req->nseg; i++)
		q->sg[n++] = req->seg[i];
	q->sg[n++] = (struct vrdrv_sg){ s->gpa + 16, 1 };
	return vrdrv_add(q->vq, q->sg, 1 + out, n - 1 - out, req);
}

int blkdrv_submit(struct blkdrv *b, unsigned qidx, struct blkdrv_req *req,
		  bool last)
{
	struct blkdrv_queue *q;
	struct blkdrv_slot *s;
	int rc;

	if (!b->live || qidx >= b->nq || req->nseg > BLKDRV_MAX_SEGS)
		return -EINVAL;
	q = &b->q[qidx];
	if (!q->nr_free)
		return -EBUSY;
	req->qidx = qidx;
	req->slot = q->free[--q->nr_free];
	req->completed = false;
	s = &q->slots[req->slot];
	s->hdr->type = htole32(req->type);
	s->hdr->ioprio = 0;
	s->hdr->sector = htole64(req->sector);
	*s->status = STATUS_UNSET; /* a status never written shows */
	s->req = req;
	rc = add_req(q, req, s);
	if (rc) {
		/* Linux kicks anyway and has blk-mq retry later. */
		vrdrv_kick(q->vq);
		s->req = NULL;
		q->free[q->nr_free++] = req->slot;
		if (rc == -ENOSPC)
			b->stats.ring_full++;
		return rc;
	}
	b->stats.submitted++;
	if (last && vrdrv_kick_prepare(q->vq))
		vrdrv_notify(q->vq);
	return 0;
}

void blkdrv_commit(struct blkdrv *b, unsigned qidx)
{
	if (b->live && qidx < b->nq && vrdrv_kick_prepare(b->q[qidx].vq))
		vrdrv_notify(b->q[qidx].vq);
}

unsigned blkdrv_inflight(const struct blkdrv *b, unsigned qidx)
{
	if (qidx >= b->nq)
		return 0;
	return b->queue_depth - b->q[qidx].nr_free;
}

int blkdrv_poll(struct blkdrv *b, int timeout_ms)
{
	const struct guest_bus *bus = b->p.bus;
	int rc;

	rc = bus->wait_irq(bus->opaque, timeout_ms);
	if (rc <= 0)
		return rc;
	rc = vmdrv_interrupt(&b->vm);
	if (rc < 0)
		return rc;
	/* The deferred configuration work. */
	if (b->config_pending) {
		b->config_pending = false;
		rc = blkdrv_update_capacity(b);
		if (rc)
			return rc;
	}
	return 1;
}
