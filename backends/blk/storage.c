/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw storage over io_uring. See storage.h for the contract.
 *
 * Ring sizing: a request holds at most one submission entry at a time (a
 * resubmission or fallback is queued only once the previous completion was
 * reaped) and at most max_inflight requests exist, so max_inflight + 1
 * entries (+ 1: storage_cancel_all()'s cancellation) never run out, and the
 * completion ring, twice that, never overflows.
 *
 * Short transfers: the remainder is resubmitted, with the iovec array
 * advanced past what was done (no allocation: the first partly done iovec
 * is patched in place and restored when the completion is reaped). Short
 * transfers come from a file resized under us, or from filesystems that
 * return less than asked; a transfer of 0 bytes (the file ends there) fails
 * with -EIO rather than looping.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"
#include "iov.h"
#include "log.h"
#include "storage-file.h"
#include "storage.h"

/* IORING_MAX_ENTRIES in the kernel: the largest ring it sets up. */
#define RING_MAX_ENTRIES 32768u
/*
 * Bytes a storage_submit() copies inline on a file in RAM; the rest of the
 * batch goes to the ring (and its workers). Bounds the time the loop's
 * other devices and vCPUs wait behind a batch of large requests.
 */
#define INLINE_BUDGET (256u << 10)

enum storage_op {
	OP_READ = 1,
	OP_WRITE,
	OP_FLUSH,
	OP_DISCARD,
	OP_ZEROES,
	OP_ZEROES_UNMAP,
};

struct storage {
	struct storage_file file;
	bool ring_ready;
	bool cancelling;
	struct io_uring ring;
	struct evloop_fd *watch;
	struct log_src *log;
	storage_batch_fn *batch_fn;
	void *opaque;
	struct storage_req *inline_head, **inline_tail;
	size_t inline_left; /* of INLINE_BUDGET, until the next submit */
	unsigned max_inflight;
	unsigned inflight;
};

/* Restores the iovec a resubmission shortened. */
static void unpatch(struct storage_req *req)
{
	if (req->patched) {
		*req->patched = req->saved;
		req->patched = NULL;
	}
}

static bool reap(struct storage *s, bool *cancel_seen);

/*
 * The loop watches the ring's own fd, which polls readable while
 * completions wait in the ring: unlike an eventfd there is no counter to
 * clear (one read per wake-up), and completions storage_submit() already
 * reaped do not wake the loop again.
 */
static void on_event(void *opaque, int fd, uint32_t events)
{
	struct storage *s = opaque;

	/*
	 * Readable and nothing there: completions in the kernel's overflow
	 * list (cannot happen with our sizing, but would spin the loop).
	 */
	if (!reap(s, NULL) && io_uring_get_events(&s->ring) >= 0)
		reap(s, NULL);
	storage_submit(s);
	if (s->batch_fn)
		s->batch_fn(s->opaque);
}

static int setup_ring(struct storage *s, const struct storage_params *p)
{
	unsigned entries = p->max_inflight + 1;
	int rc;

	/*
	 * SUBMIT_ALL (Linux 5.18) keeps submitting past an entry the kernel
	 * refuses, so no entry is ever left behind in the ring; older
	 * kernels stop there and storage_submit() retries.
	 */
	rc = io_uring_queue_init(entries, &s->ring, IORING_SETUP_SUBMIT_ALL);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(entries, &s->ring, 0);
	if (rc < 0)
		return rc;
	s->ring_ready = true;
	return evloop_add_fd(p->loop, s->ring.ring_fd, EPOLLIN, on_event, s,
			     &s->watch);
}

int storage_open(const struct storage_params *p, struct storage **out,
		 char *err, size_t err_len)
{
	struct storage *s;
	int rc;

	*out = NULL;
	if (p->max_inflight == 0 || p->max_inflight >= RING_MAX_ENTRIES)
		return storage_fail(err, err_len, p->path, "queue depth",
				    -EINVAL);
	s = calloc(1, sizeof(*s));
	if (!s)
		return storage_fail(err, err_len, p->path, "storage", -ENOMEM);
	s->file.fd = -1;
	s->inline_tail = &s->inline_head;
	s->inline_left = INLINE_BUDGET;
	s->log = p->log;
	s->batch_fn = p->batch_fn;
	s->opaque = p->opaque;
	s->max_inflight = p->max_inflight;
	rc = storage_file_open(&s->file, p->path, p->readonly, err, err_len);
	if (rc < 0)
		goto out;
	rc = setup_ring(s, p);
	if (rc < 0) {
		storage_fail(err, err_len, p->path, "io_uring", rc);
		goto out;
	}
	*out = s;
	return 0;
out:
	storage_close(s);
	return rc;
}

void storage_close(struct storage *s)
{
	if (!s)
		return;
	/* The watch goes before the ring closes its fd. */
	evloop_del_fd(s->watch);
	if (s->ring_ready) {
		storage_cancel_all(s);
		io_uring_queue_exit(&s->ring);
	}
	if (s->file.fd >= 0)
		close(s->file.fd);
	free(s);
}

uint64_t storage_size(const struct storage *s)
{
	return s->file.size;
}

uint32_t storage_block_size(const struct storage *s)
{
	return s->file.block_size;
}

bool storage_can_punch(const struct storage *s)
{
	return s->file.can_punch;
}

static struct io_uring_sqe *get_sqe(struct storage *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	/* The ring has room for every request (see the top of the file). */
	assert(sqe);
	return sqe;
}

static void start(struct storage *s, struct storage_req *req, uint8_t op,
		  uint64_t offset)
{
	assert(!req->busy);
	assert(s->inflight < s->max_inflight);
	s->inflight++;
	req->busy = true;
	req->op = op;
	req->offset = offset;
	req->patched = NULL;
}

/* Queues what is left of a read or write, from req->moved on. */
static void queue_rw(struct storage *s, struct storage_req *req)
{
	struct io_uring_sqe *sqe;
	size_t skip = req->moved;
	unsigned i = 0;

	/* moved < total, so some iovec past i still has bytes. */
	while (skip && skip >= req->iov[i].iov_len)
		skip -= req->iov[i++].iov_len;
	if (skip) {
		req->patched = &req->iov[i];
		req->saved = req->iov[i];
		req->iov[i].iov_base = (char *)req->iov[i].iov_base + skip;
		req->iov[i].iov_len -= skip;
	}
	if (req->in_line) {
		req->first = i;
		req->next = NULL;
		*s->inline_tail = req;
		s->inline_tail = &req->next;
		return;
	}
	sqe = get_sqe(s);
	if (req->op == OP_READ)
		io_uring_prep_readv(sqe, s->file.fd, req->iov + i, req->cnt - i,
				    req->offset + req->moved);
	else
		io_uring_prep_writev(sqe, s->file.fd, req->iov + i,
				     req->cnt - i, req->offset + req->moved);
	io_uring_sqe_set_data(sqe, req);
}

static void queue_fallocate(struct storage *s, struct storage_req *req)
{
	struct io_uring_sqe *sqe = get_sqe(s);
	int mode = FALLOC_FL_ZERO_RANGE;

	if (req->op != OP_ZEROES)
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	io_uring_prep_fallocate(sqe, s->file.fd, mode, (off_t)req->offset,
				(off_t)req->len);
	io_uring_sqe_set_data(sqe, req);
}

static void start_rw(struct storage *s, struct storage_req *req, uint8_t op,
		     uint64_t offset, struct iovec *iov, unsigned cnt)
{
	start(s, req, op, offset);
	req->iov = iov;
	req->cnt = cnt;
	req->total = iov_size(iov, cnt);
	req->moved = 0;
	req->in_line = s->file.in_ram && req->total <= s->inline_left;
	if (req->in_line)
		s->inline_left -= req->total;
	queue_rw(s, req);
}

void storage_readv(struct storage *s, struct storage_req *req, uint64_t offset,
		   struct iovec *iov, unsigned cnt)
{
	start_rw(s, req, OP_READ, offset, iov, cnt);
}

void storage_writev(struct storage *s, struct storage_req *req, uint64_t offset,
		    struct iovec *iov, unsigned cnt)
{
	start_rw(s, req, OP_WRITE, offset, iov, cnt);
}

void storage_flush(struct storage *s, struct storage_req *req, bool datasync)
{
	struct io_uring_sqe *sqe;

	start(s, req, OP_FLUSH, 0);
	sqe = get_sqe(s);
	io_uring_prep_fsync(sqe, s->file.fd,
			    datasync ? IORING_FSYNC_DATASYNC : 0);
	io_uring_sqe_set_data(sqe, req);
}

void storage_discard(struct storage *s, struct storage_req *req,
		     uint64_t offset, uint64_t len)
{
	start(s, req, OP_DISCARD, offset);
	req->len = len;
	queue_fallocate(s, req);
}

void storage_write_zeroes(struct storage *s, struct storage_req *req,
			  uint64_t offset, uint64_t len, bool unmap)
{
	start(s, req, unmap ? OP_ZEROES_UNMAP : OP_ZEROES, offset);
	req->len = len;
	queue_fallocate(s, req);
}

/*
 * Decides what a completion means: true when req is finished with *res
 * (0 or -errno), false when it was queued again.
 */
static bool settle(struct storage *s, struct storage_req *req, int *res)
{
	bool rw = req->op == OP_READ || req->op == OP_WRITE;

	if (rw && *res >= 0) {
		req->moved += (size_t)*res;
		if (req->moved >= req->total) {
			*res = 0;
			return true;
		}
		if (*res == 0 || s->cancelling) {
			*res = -EIO;
			return true;
		}
		queue_rw(s, req);
		return false;
	}
	/*
	 * A block device without hardware write-zeroes cannot punch holes
	 * (blkdev_fallocate: -EOPNOTSUPP); unmap only allows deallocation,
	 * so zero the range the ordinary way (virtio 1.2 §5.2.6.2).
	 */
	if (req->op == OP_ZEROES_UNMAP && *res == -EOPNOTSUPP &&
	    !s->cancelling) {
		req->op = OP_ZEROES;
		queue_fallocate(s, req);
		return false;
	}
	if (*res > 0)
		*res = 0;
	return true;
}

static void finish(struct storage *s, struct storage_req *req, int res)
{
	unpatch(req);
	if (!settle(s, req, &res))
		return;
	assert(s->inflight > 0);
	s->inflight--;
	req->busy = false;
	if (!s->cancelling)
		req->done(req, res);
}

/*
 * Processes every completion in the ring; the cancellation's is marked.
 * Returns whether there was any.
 */
static bool reap(struct storage *s, bool *cancel_seen)
{
	struct io_uring_cqe *cqe;
	bool any = false;

	while (io_uring_peek_cqe(&s->ring, &cqe) == 0) {
		void *data = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&s->ring, cqe);
		any = true;
		if (data == s) {
			if (cancel_seen)
				*cancel_seen = true;
			continue;
		}
		finish(s, data, res);
	}
	return any;
}

/* One transfer of what is left of req, done as the ring would do it. */
static int transfer(struct storage *s, struct storage_req *req)
{
	struct iovec *iov = req->iov + req->first;
	int cnt = (int)(req->cnt - req->first);
	off_t off = (off_t)(req->offset + req->moved);
	ssize_t r;

	do {
		if (req->op == OP_READ)
			r = preadv(s->file.fd, iov, cnt, off);
		else
			r = pwritev(s->file.fd, iov, cnt, off);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : (int)r;
}

/*
 * Runs the reads and writes queued on a file in RAM; whether any ran. A
 * short one is queued again by finish(), behind the others: bounded, as a
 * transfer that makes no progress fails.
 */
static bool run_inline(struct storage *s)
{
	struct storage_req *req;
	bool any = false;

	while ((req = s->inline_head)) {
		s->inline_head = req->next;
		if (!s->inline_head)
			s->inline_tail = &s->inline_head;
		finish(s, req, transfer(s, req));
		any = true;
	}
	return any;
}

/*
 * What the kernel can do without blocking (a read from the page cache of
 * most filesystems; not tmpfs, whose I/O io_uring hands to a worker) is
 * done by the time io_uring_enter() returns: those completions are reaped
 * here, in the same turn of the loop, instead of on the next one when the
 * ring's fd polls readable. Reaping may queue resubmissions of short
 * transfers or the next discard segment: they go in the next round.
 *
 * Bounded: a round hands entries to the kernel or counts as a failure; a
 * resubmission only comes from a transfer that made progress. An entry the
 * kernel could not take now (-EAGAIN: out of memory) stays in the ring and
 * goes with the next submission.
 */
void storage_submit(struct storage *s)
{
	unsigned failures = 0;
	bool reaped = run_inline(s);

	s->inline_left = INLINE_BUDGET;
	while (io_uring_sq_ready(&s->ring) && failures < 8) {
		int r = io_uring_submit_and_get_events(&s->ring);

		if (r < 0 && r != -EINTR) {
			log_err(s->log, "io_uring submit: %s", strerror(-r));
			break;
		}
		if (r <= 0)
			failures++;
		reaped |= reap(s, NULL);
	}
	if (reaped && s->batch_fn)
		s->batch_fn(s->opaque);
}

/* Waits for one completion; only a broken ring makes it fail. */
static void wait_one(struct storage *s)
{
	int r = io_uring_submit_and_wait(&s->ring, 1);

	if (r >= 0 || r == -EINTR || r == -EAGAIN || r == -EBUSY)
		return;
	/*
	 * The kernel may still write into guest buffers that the caller is
	 * about to hand back: going on would corrupt memory.
	 */
	log_err(s->log, "io_uring wait: %s", strerror(-r));
	abort();
}

void storage_cancel_all(struct storage *s)
{
	struct io_uring_sqe *sqe;
	struct storage_req *req;
	bool cancel_seen = false;

	/* Queued to run inline and never started: nothing to wait for. */
	while ((req = s->inline_head)) {
		s->inline_head = req->next;
		unpatch(req);
		req->busy = false;
		s->inflight--;
	}
	s->inline_tail = &s->inline_head;
	if (!s->inflight)
		return;
	s->cancelling = true;
	/*
	 * IORING_ASYNC_CANCEL_ANY (Linux 5.19) matches every request. Reads
	 * and writes already issued to the device cannot be cancelled
	 * (-EALREADY): they complete on their own. Before 5.19 the
	 * cancellation fails with -EINVAL and we simply wait.
	 */
	sqe = get_sqe(s);
	io_uring_prep_cancel(sqe, NULL,
			     IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
	/* Its own completion is told apart by this user_data. */
	io_uring_sqe_set_data(sqe, s);
	while (s->inflight || !cancel_seen) {
		wait_one(s);
		reap(s, &cancel_seen);
	}
	s->cancelling = false;
}
