// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical limit: the bench's workload issued straight on the image
 * from this one process, with the same sizes and offset pattern, buffered
 * like the daemon's I/O. Queue depth 1 uses preadv/pwritev (the cheapest
 * way to do one request at a time); deeper queues use io_uring, kept full
 * the way the guest keeps its ring full (reap what completed, refill, one
 * submit).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

struct hrun {
	const struct bench_wl *wl;
	int fd;
	uint64_t size, rng, next;
	uint8_t *buf;
	struct iovec iov[BENCH_MAX_QD];
	uint64_t t0[BENCH_MAX_QD];
	uint64_t done, errors, t_start;
	bool recording;
	struct bench_lat *lat;
};

static bool span_over(const struct bench_span *s, uint64_t t0, uint64_t n)
{
	if (!s->ops && s->secs <= 0)
		return true;
	if (s->ops && n >= s->ops)
		return true;
	return s->secs > 0 && (double)(bench_now_ns() - t0) >= s->secs * 1e9;
}

static void record(struct hrun *h, unsigned slot, bool ok)
{
	uint64_t now = bench_now_ns();

	if (h->recording && h->t0[slot] >= h->t_start)
		bench_lat_add(h->lat, now - h->t0[slot]);
	h->done++;
	h->errors += !ok;
}

static int one_sync(struct hrun *h)
{
	off_t off = (off_t)bench_offset(h->wl, h->size, &h->rng, &h->next);
	ssize_t r;

	h->t0[0] = bench_now_ns();
	if (h->wl->write)
		r = pwritev(h->fd, &h->iov[0], 1, off);
	else
		r = preadv(h->fd, &h->iov[0], 1, off);
	if (r < 0)
		return -errno;
	record(h, 0, r == (ssize_t)h->wl->bs);
	return 0;
}

static void prep_sqe(struct hrun *h, struct io_uring *ring, unsigned slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	uint64_t off = bench_offset(h->wl, h->size, &h->rng, &h->next);

	/* The ring has an entry per slot: never NULL. */
	if (h->wl->write)
		io_uring_prep_writev(sqe, h->fd, &h->iov[slot], 1, off);
	else
		io_uring_prep_readv(sqe, h->fd, &h->iov[slot], 1, off);
	io_uring_sqe_set_data64(sqe, slot);
	h->t0[slot] = bench_now_ns();
}

/* Waits for at least one completion; refills unless draining. */
static int one_uring(struct hrun *h, struct io_uring *ring, unsigned *inflight,
		     bool drain)
{
	struct io_uring_cqe *cqe;
	unsigned slot;
	int r;

	r = io_uring_submit_and_wait(ring, 1);
	if (r < 0 && r != -EINTR)
		return r;
	while (io_uring_peek_cqe(ring, &cqe) == 0) {
		slot = (unsigned)io_uring_cqe_get_data64(cqe);
		record(h, slot, cqe->res == (int)h->wl->bs);
		io_uring_cqe_seen(ring, cqe);
		(*inflight)--;
		if (!drain) {
			prep_sqe(h, ring, slot);
			(*inflight)++;
		}
	}
	return 0;
}

static int run_phases(struct hrun *h, struct io_uring *ring,
		      struct bench_span warm, struct bench_span span,
		      struct bench_counts *c)
{
	unsigned inflight = 0;
	uint64_t t0, n0;
	int rc = 0;

#define STEP() (ring ? one_uring(h, ring, &inflight, false) : one_sync(h))
	if (ring)
		for (unsigned i = 0; i < h->wl->qd; i++, inflight++)
			prep_sqe(h, ring, i);
	t0 = bench_now_ns();
	while (!rc && !span_over(&warm, t0, h->done))
		rc = STEP();
	h->t_start = bench_now_ns();
	n0 = h->done;
	h->recording = true;
	while (!rc && !span_over(&span, h->t_start, h->done - n0))
		rc = STEP();
	h->recording = false;
	c->secs = (double)(bench_now_ns() - h->t_start) / 1e9;
	c->reqs = h->done - n0;
	c->errors = h->errors;
#undef STEP
	while (!rc && ring && inflight)
		rc = one_uring(h, ring, &inflight, true);
	return rc;
}

int bench_host_run(const char *path, uint64_t size, const struct bench_wl *wl,
		   struct bench_span warm, struct bench_span span,
		   struct bench_counts *c, struct bench_lat *lat)
{
	struct hrun h = { .wl = wl, .size = size, .lat = lat, .fd = -1 };
	struct io_uring ring;
	bool uring = wl->qd > 1;
	int rc;

	memset(c, 0, sizeof(*c));
	c->syscalls = c->task_ms = c->ctxsw = c->instructions = c->cpu_s = -1;
	if (wl->qd > BENCH_MAX_QD || wl->bs > BENCH_MAX_BS || size < wl->bs)
		return -EINVAL;
	/* Offsets from the generator and seed the guest starts with. */
	h.rng = 0x5eedull ^ (1ull << 32);
	h.buf = aligned_alloc(4096, (size_t)BENCH_MAX_QD * BENCH_MAX_BS);
	h.fd = open(path, O_RDWR | O_CLOEXEC);
	if (!h.buf || h.fd < 0) {
		rc = h.buf ? -errno : -ENOMEM;
		goto out;
	}
	memset(h.buf, 0xa5, (size_t)BENCH_MAX_QD * BENCH_MAX_BS);
	for (unsigned i = 0; i < BENCH_MAX_QD; i++)
		h.iov[i] = (struct iovec){ h.buf + (size_t)i * BENCH_MAX_BS,
					   wl->bs };
	if (uring) {
		rc = io_uring_queue_init(wl->qd, &ring, 0);
		if (rc < 0)
			goto out;
	}
	rc = run_phases(&h, uring ? &ring : NULL, warm, span, c);
	if (uring)
		io_uring_queue_exit(&ring);
out:
	if (rc)
		fprintf(stderr, "bench: %s directly on %s: %s\n", wl->name,
			path, strerror(-rc));
	if (h.fd >= 0)
		close(h.fd);
	free(h.buf);
	return rc;
}
