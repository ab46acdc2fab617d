/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One virtio-blk request (virtio 1.2 §5.2.6): decode the header, check the
 * request against the device's limits, start its storage I/O, and complete
 * it with its status byte. See blk.c for the layout rules.
 */
#include <assert.h>
#include <endian.h>
#include <string.h>

#include "blk-req.h"

static void on_storage_done(struct storage_req *sreq, int res);

void blk_req_init(struct blk_req *req, struct blk *b)
{
	req->blk = b;
	req->sreq.done = on_storage_done;
}

static void patch(struct blk_patch *p, struct iovec *at, size_t skip)
{
	p->at = at;
	p->saved = *at;
	at->iov_base = (char *)at->iov_base + skip;
	at->iov_len -= skip;
}

static void unpatch(struct blk_patch *p)
{
	if (p->at) {
		*p->at = p->saved;
		p->at = NULL;
	}
}

void blk_req_release(struct blk_req *req)
{
	unpatch(&req->head);
	unpatch(&req->tail);
	req->busy = false;
	req->elem = NULL;
}

/* Writes the status byte and gives the element back; written: data bytes. */
static void complete(struct blk_req *req, uint8_t status, size_t written)
{
	struct blk *b = req->blk;
	struct vq_elem *elem = req->elem;
	unsigned q = req->qidx;

	blk_req_release(req);
	/*
	 * vq_stop() took the element back and unmapped its buffers: nothing
	 * may be written. Our reset waits for all I/O first, so this is only
	 * a guard.
	 */
	if (req->gen != b->vdev.queues[q].vq.gen)
		return;
	memcpy(req->status.iov_base, &status, sizeof(status));
	vdev_push(&b->vdev, q, elem, (uint32_t)written + sizeof(status));
	b->dirty[q] = true;
}

/*
 * virtio 1.2 §5.2.6: the status is the last device-writable byte; the data
 * of reads and GET_ID is what comes before it.
 */
static bool split_status(struct blk_req *req)
{
	struct vq_elem *e = req->elem;
	unsigned cnt = e->in_num, last = cnt;

	while (last && !e->in[last - 1].iov_len)
		last--;
	if (!last)
		return false;
	/* iov_split_tail() shortens this iovec in place: undone at release. */
	req->tail.at = &e->in[last - 1];
	req->tail.saved = e->in[last - 1];
	if (iov_split_tail(e->in, &cnt, 1, &req->status, 1) != 1) {
		req->tail.at = NULL;
		return false;
	}
	req->data = e->in;
	req->data_cnt = cnt;
	req->data_len = iov_size(e->in, cnt);
	return true;
}

/* The data of writes: the readable part after the header at c. */
static void take_readable(struct blk_req *req, const struct iov_cursor *c)
{
	struct vq_elem *e = req->elem;

	req->data_len = iov_cursor_left(c);
	req->data = e->out + c->idx;
	req->data_cnt = e->out_num - c->idx;
	if (req->data_len && c->off)
		patch(&req->head, &e->out[c->idx], c->off);
}

/* §5.2.6.1: no sector beyond capacity; overflow-safe. */
static bool in_range(const struct blk *b, uint64_t sector, uint64_t count)
{
	return sector <= b->capacity && count <= b->capacity - sector;
}

/* §5.2.6.1: whole 512-byte sectors, inside the capacity. */
static bool rw_ok(struct blk_req *req, uint64_t sector)
{
	struct blk *b = req->blk;

	if (req->data_len % BLK_SECTOR == 0 &&
	    in_range(b, sector, req->data_len / BLK_SECTOR))
		return true;
	log_guest(&b->vdev.log, LOG_WARN,
		  "%s of %zu bytes at sector %llu: not whole sectors inside "
		  "capacity %llu (virtio 1.2 §5.2.6.1)",
		  req->type == VIRTIO_BLK_T_IN ? "read" : "write",
		  req->data_len, (unsigned long long)sector,
		  (unsigned long long)b->capacity);
	return false;
}

/* Checks the range, then hands the data to the storage. */
static void start_rw(struct blk_req *req, uint64_t sector, bool write)
{
	struct blk *b = req->blk;

	if (!rw_ok(req, sector)) {
		complete(req, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (!req->data_len) {
		complete(req, VIRTIO_BLK_S_OK, 0);
		return;
	}
	if (write)
		storage_writev(b->storage, &req->sreq, sector * BLK_SECTOR,
			       req->data, req->data_cnt);
	else
		storage_readv(b->storage, &req->sreq, sector * BLK_SECTOR,
			      req->data, req->data_cnt);
}

static void do_write(struct blk_req *req, uint64_t sector,
		     const struct iov_cursor *c)
{
	struct blk *b = req->blk;

	/* §5.2.6.2: with VIRTIO_BLK_F_RO, IOERR and no data written. */
	if (b->readonly) {
		log_guest(&b->vdev.log, LOG_WARN,
			  "write to a read-only device (virtio 1.2 §5.2.6.2)");
		complete(req, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	take_readable(req, c);
	start_rw(req, sector, true);
}

/* §5.2.6: a NUL-padded string of up to 20 bytes, cut to the buffer. */
static void do_get_id(struct blk_req *req)
{
	struct iov_cursor c;
	size_t n;

	iov_cursor_init(&c, req->data, req->data_cnt);
	n = iov_cursor_write(&c, req->blk->serial, sizeof(req->blk->serial));
	complete(req, VIRTIO_BLK_S_OK, n);
}

static uint8_t dwz_check(struct blk_req *req,
			 const struct virtio_blk_discard_write_zeroes *seg)
{
	struct blk *b = req->blk;
	uint32_t flags = le32toh(seg->flags);
	uint32_t n = le32toh(seg->num_sectors);
	uint64_t sector = le64toh(seg->sector);

	/* §5.2.6.2: unknown flags, or unmap on a discard: UNSUPP. */
	if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
	    (flags && req->type == VIRTIO_BLK_T_DISCARD)) {
		log_guest(&b->vdev.log, LOG_WARN,
			  "request %u: segment flags %#x unsupported "
			  "(virtio 1.2 §5.2.6.2)",
			  req->type, flags);
		return VIRTIO_BLK_S_UNSUPP;
	}
	/* §5.2.6.1: at most max_*_sectors, inside the capacity. */
	if (n > BLK_DWZ_MAX_SECTORS || !in_range(b, sector, n)) {
		log_guest(&b->vdev.log, LOG_WARN,
			  "request %u: segment of %u sectors at %llu beyond "
			  "the limits (virtio 1.2 §5.2.6.1)",
			  req->type, n, (unsigned long long)sector);
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Starts the next non-empty segment, or completes the request. */
static void dwz_next(struct blk_req *req)
{
	struct blk *b = req->blk;
	struct virtio_blk_discard_write_zeroes seg;
	uint64_t offset, len;
	uint8_t status;

	while (req->segs_left) {
		req->segs_left--;
		iov_cursor_read(&req->seg, &seg, sizeof(seg));
		/* Again: the guest may have rewritten it since do_dwz(). */
		status = dwz_check(req, &seg);
		if (status != VIRTIO_BLK_S_OK) {
			complete(req, status, 0);
			return;
		}
		if (!seg.num_sectors)
			continue;
		offset = le64toh(seg.sector) * BLK_SECTOR;
		len = (uint64_t)le32toh(seg.num_sectors) * BLK_SECTOR;
		if (req->type == VIRTIO_BLK_T_DISCARD)
			storage_discard(b->storage, &req->sreq, offset, len);
		else
			storage_write_zeroes(
				b->storage, &req->sreq, offset, len,
				seg.flags && storage_can_punch(b->storage));
		return;
	}
	complete(req, VIRTIO_BLK_S_OK, 0);
}

/* Discard and write zeroes: segments run one after the other. */
static void do_dwz(struct blk_req *req, const struct iov_cursor *c)
{
	struct blk *b = req->blk;
	bool discard = req->type == VIRTIO_BLK_T_DISCARD;
	struct virtio_blk_discard_write_zeroes seg;
	struct iov_cursor all = *c;
	size_t len = iov_cursor_left(c), n = len / sizeof(seg);
	uint8_t status = VIRTIO_BLK_S_OK;

	if (b->readonly)
		status = VIRTIO_BLK_S_IOERR; /* §5.2.6.2 */
	else if (discard ? !b->discard : !b->write_zeroes)
		status = VIRTIO_BLK_S_UNSUPP;
	/* §5.2.6.1: whole segments, at most max_*_seg of them. */
	if (status == VIRTIO_BLK_S_OK &&
	    (!n || len % sizeof(seg) || n > BLK_DWZ_MAX_SEG)) {
		log_guest(&b->vdev.log, LOG_WARN,
			  "request %u: %zu bytes of segments, at most %u "
			  "allowed (virtio 1.2 §5.2.6.1)",
			  req->type, len, BLK_DWZ_MAX_SEG);
		status = VIRTIO_BLK_S_IOERR;
	}
	/* All checked before any runs: a bad one fails with nothing done. */
	for (size_t i = 0; i < n && status == VIRTIO_BLK_S_OK; i++) {
		iov_cursor_read(&all, &seg, sizeof(seg));
		status = dwz_check(req, &seg);
	}
	if (status != VIRTIO_BLK_S_OK) {
		complete(req, status, 0);
		return;
	}
	req->seg = *c;
	req->segs_left = (unsigned)n;
	dwz_next(req);
}

static void on_storage_done(struct storage_req *sreq, int res)
{
	struct blk_req *req = container_of(sreq, struct blk_req, sreq);

	if (res < 0) {
		log_guest(&req->blk->vdev.log, LOG_ERR,
			  "request %u: storage error: %s", req->type,
			  strerror(-res));
		complete(req, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (req->type == VIRTIO_BLK_T_DISCARD ||
	    req->type == VIRTIO_BLK_T_WRITE_ZEROES) {
		dwz_next(req);
		return;
	}
	complete(req, VIRTIO_BLK_S_OK,
		 req->type == VIRTIO_BLK_T_IN ? req->data_len : 0);
}

static void dispatch(struct blk_req *req, uint64_t sector,
		     const struct iov_cursor *c)
{
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
		start_rw(req, sector, false);
		break;
	case VIRTIO_BLK_T_OUT:
		do_write(req, sector, c);
		break;
	case VIRTIO_BLK_T_FLUSH:
		storage_flush(req->blk->storage, &req->sreq, true);
		break;
	case VIRTIO_BLK_T_GET_ID:
		do_get_id(req);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		do_dwz(req, c);
		break;
	default:
		/* §5.2.6: UNSUPP for a request the device does not support. */
		complete(req, VIRTIO_BLK_S_UNSUPP, 0);
		break;
	}
}

void blk_req_start(struct blk *b, unsigned qidx, struct vq_elem *elem)
{
	struct blk_req *req = &b->reqs[qidx * b->queue_size + elem->head];
	struct virtio_blk_outhdr hdr;
	struct iov_cursor c;

	/* The queue hands a head out once until it is pushed. */
	assert(elem->head < b->queue_size && !req->busy);
	req->busy = true;
	req->elem = elem;
	req->gen = elem->gen;
	req->qidx = (uint16_t)qidx;
	iov_cursor_init(&c, elem->out, elem->out_num);
	/*
	 * §5.2.6.1: every request carries the header and the status byte.
	 * Without either it cannot even be failed: the device is.
	 */
	if (iov_cursor_read(&c, &hdr, sizeof(hdr)) != sizeof(hdr) ||
	    !split_status(req)) {
		unsigned head = elem->head, out = elem->out_len;
		unsigned in = elem->in_len;

		blk_req_release(req);
		vdev_fail(&b->vdev,
			  "queue %u head %u: %u readable and %u writable "
			  "bytes: no room for the header and the status "
			  "(virtio 1.2 §5.2.6)",
			  qidx, head, out, in);
		return;
	}
	req->type = le32toh(hdr.type);
	dispatch(req, le64toh(hdr.sector), &c);
}
