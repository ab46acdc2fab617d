// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest side of the bench: the driver's asynchronous API kept at a
 * queue depth the way blk-mq does it (a batch submitted, the last request
 * of the batch notifies; each interrupt completes what is used and the
 * freed slots go out again as the next batch), a bus that times every
 * vCPU exit and interrupt wait, and measurement windows bracketed by
 * snapshots of the simulated Xen's and the daemon's counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_lat_add(struct bench_lat *l, uint64_t ns)
{
	uint64_t *p;

	if (l->n == l->cap) {
		p = realloc(l->ns, (l->cap ? l->cap * 2 : 4096) * sizeof(*p));
		if (!p)
			return; /* a sample lost, not the run */
		l->ns = p;
		l->cap = l->cap ? l->cap * 2 : 4096;
	}
	l->ns[l->n++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least q of them at or below. */
static double rank(const struct bench_lat *l, double q)
{
	size_t i = (size_t)(q * (double)l->n + 0.999999);

	if (i == 0)
		i = 1;
	if (i > l->n)
		i = l->n;
	return (double)l->ns[i - 1] / 1000.0;
}

void bench_lat_summary(struct bench_lat *l, struct bench_pct *out)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = l->n;
	if (!l->n)
		return;
	qsort(l->ns, l->n, sizeof(*l->ns), cmp_u64);
	for (size_t i = 0; i < l->n; i++)
		sum += (double)l->ns[i];
	out->mean = sum / (double)l->n / 1000.0;
	out->p50 = rank(l, 0.50);
	out->p99 = rank(l, 0.99);
	out->p999 = rank(l, 0.999);
	out->max = (double)l->ns[l->n - 1] / 1000.0;
}

void bench_lat_free(struct bench_lat *l)
{
	free(l->ns);
	memset(l, 0, sizeof(*l));
}

void bench_grow_image(struct dguest *g, uint64_t size)
{
	const size_t chunk = 1 << 20;
	uint64_t rng = 0xb0bull ^ g->dev.domid, off;
	uint8_t *buf = malloc(chunk);
	int fd = open(g->disk.path, O_WRONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		fprintf(stderr, "bench: %s: cannot grow the image\n",
			g->disk.path);
		exit(1);
	}
	for (off = 0; off < size; off += chunk) {
		df_fill(&rng, buf, chunk);
		if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk) {
			fprintf(stderr, "bench: %s: write failed\n",
				g->disk.path);
			exit(1);
		}
	}
	close(fd);
	free(buf);
}

/* The timing bus: every access is one vCPU exit through the simulated Xen. */
static int t_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
	struct bench_dev *d = opaque;
	const struct guest_bus *b = &d->g->bus;
	uint64_t t0 = bench_now_ns();
	int rc = b->mmio_read(b->opaque, addr, size, val);

	d->exit_ns += bench_now_ns() - t0;
	d->exits++;
	return rc;
}

static int t_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
	struct bench_dev *d = opaque;
	const struct guest_bus *b = &d->g->bus;
	uint64_t t0 = bench_now_ns(), dt;
	int rc = b->mmio_write(b->opaque, addr, size, val);

	dt = bench_now_ns() - t0;
	d->exit_ns += dt;
	d->exits++;
	if (addr == d->g->dev.base + VIRTIO_MMIO_QUEUE_NOTIFY) {
		d->notifies++;
		d->notify_ns += dt;
		if (d->nrec)
			bench_lat_add(&d->nlat, dt);
	}
	return rc;
}

static void *t_ram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct bench_dev *d = opaque;
	const struct guest_bus *b = &d->g->bus;

	return b->ram(b->opaque, gpa, len);
}

static int t_wait(void *opaque, int timeout_ms)
{
	struct bench_dev *d = opaque;
	const struct guest_bus *b = &d->g->bus;
	uint64_t t0 = bench_now_ns();
	int rc = b->wait_irq(b->opaque, timeout_ms);

	d->wait_ns += bench_now_ns() - t0;
	return rc;
}

int bench_dev_probe(struct bench_dev *d, struct dguest *g)
{
	struct blkdrv_params p = {
		.bus = &d->tbus,
		.base = g->dev.base,
		.pool = &g->pool,
		.max_queues = 1,
		.timeout_ms = DF_WAIT_MS,
	};
	size_t len = (size_t)BENCH_MAX_QD * BENCH_MAX_BS;
	int rc;

	memset(d, 0, sizeof(*d));
	d->g = g;
	d->rng = 0x5eedull ^ ((uint64_t)g->dev.domid << 32);
	d->tbus = (struct guest_bus){ .mmio_read = t_read,
				      .mmio_write = t_write,
				      .ram = t_ram,
				      .wait_irq = t_wait,
				      .opaque = d };
	rc = blkdrv_probe(&g->blk, &p);
	if (rc) {
		fprintf(stderr, "bench: dom%u: probe: %d (%s)\n", g->dev.domid,
			rc, g->blk.vm.error);
		return rc;
	}
	g->probed = true;
	d->cap = g->blk.capacity * DF_SECTOR;
	if (gpa_pool_alloc(&g->pool, len, 4096, &d->buf_gpa))
		return -ENOMEM;
	d->buf = t_ram(d, d->buf_gpa, len);
	return d->buf ? 0 : -EFAULT;
}

void bench_dev_fini(struct bench_dev *d)
{
	struct dguest *g = d->g;

	if (g->probed)
		blkdrv_remove(&g->blk);
	g->probed = false;
	if (d->buf)
		gpa_pool_free(&g->pool, d->buf_gpa,
			      (uint64_t)BENCH_MAX_QD * BENCH_MAX_BS);
	d->buf = NULL;
}

int bench_null_exits(struct bench_dev *d, unsigned n, struct bench_lat *lat)
{
	uint64_t v = 0, t0;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		t0 = bench_now_ns();
		rc = t_read(d, d->g->dev.base + VIRTIO_MMIO_MAGIC_VALUE, 4, &v);
		bench_lat_add(lat, bench_now_ns() - t0);
		if (rc || v != 0x74726976) /* "virt" */
			return rc ? rc : -EIO;
	}
	return 0;
}

uint64_t bench_offset(const struct bench_wl *wl, uint64_t cap, uint64_t *rng,
		      uint64_t *next)
{
	uint64_t blocks = cap / wl->bs, off;

	if (!wl->seq)
		return df_rand(rng) % blocks * wl->bs;
	off = *next;
	*next = off + wl->bs >= blocks * wl->bs ? 0 : off + wl->bs;
	return off;
}

/* Interrupts handled per null round trip in a window. */
#define NULL_EVERY 32

struct run;

struct io {
	struct blkdrv_req req;
	struct vrdrv_sg sg[BENCH_MAX_SEGS];
	uint64_t t0;
	unsigned idx;
	struct run *run;
};

struct run {
	struct bench_dev *d;
	const struct bench_wl *wl;
	struct io io[BENCH_MAX_QD];
	unsigned ready[BENCH_MAX_QD], nready;
	uint64_t next; /* sequential: the next offset */
	uint64_t done, errors;
	uint64_t t_start; /* requests submitted from here on are sampled */
	bool recording, draining;
	struct bench_lat *lat;
	struct bench_lat null; /* null round trips taken in the window */
	unsigned steps;
};

static void on_done(struct blkdrv *blk, struct blkdrv_req *req)
{
	struct io *io = req->opaque;
	struct run *r = io->run;

	if (r->recording && io->t0 >= r->t_start)
		bench_lat_add(r->lat, bench_now_ns() - io->t0);
	r->done++;
	r->errors += req->error != 0;
	r->ready[r->nready++] = io->idx;
}

/* The request's segments: Linux cuts them at the device's size_max. */
static void prep(struct run *r, struct io *io)
{
	struct bench_dev *d = r->d;
	uint32_t seg = d->g->blk.max_size, bs = r->wl->bs;
	uint64_t gpa = d->buf_gpa + (uint64_t)io->idx * BENCH_MAX_BS;
	unsigned n = 0;

	if (seg < DF_SECTOR || seg > bs)
		seg = bs;
	seg -= seg % DF_SECTOR;
	for (uint32_t off = 0; off < bs; off += seg, n++)
		io->sg[n] =
			(struct vrdrv_sg){ gpa + off,
					   bs - off < seg ? bs - off : seg };
	io->req.type = r->wl->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	io->req.sector =
		bench_offset(r->wl, d->cap, &d->rng, &r->next) / DF_SECTOR;
	io->req.seg = io->sg;
	io->req.nseg = n;
}

/* The freed slots go out as one batch; its last request notifies. */
static int submit_ready(struct run *r)
{
	unsigned n = r->nready;
	int rc = 0;

	r->nready = 0;
	for (unsigned k = 0; k < n && !rc; k++) {
		struct io *io = &r->io[r->ready[k]];

		prep(r, io);
		io->t0 = bench_now_ns();
		rc = blkdrv_submit(&r->d->g->blk, 0, &io->req, k == n - 1);
	}
	if (rc)
		fprintf(stderr, "bench: submit: %d\n", rc);
	return rc;
}

/* One interrupt handled, then the freed slots refilled. */
/*
 * A null round trip now and then, in the same machine state as the
 * requests around it (a shared machine's speed drifts): between an
 * interrupt and the next batch, on the fixture's bus, so neither the
 * requests' latency nor the exit counts see it.
 */
static void null_probe(struct run *r)
{
	const struct guest_bus *b = &r->d->g->bus;
	uint64_t v, t0;

	if (!r->recording || ++r->steps % NULL_EVERY)
		return;
	t0 = bench_now_ns();
	if (!b->mmio_read(b->opaque, r->d->g->dev.base, 4, &v))
		bench_lat_add(&r->null, bench_now_ns() - t0);
}

static int step(struct run *r)
{
	int rc = blkdrv_poll(&r->d->g->blk, DF_WAIT_MS);

	if (rc <= 0) {
		fprintf(stderr, "bench: dom%u: poll: %s\n", r->d->g->dev.domid,
			rc ? strerror(-rc) : "timeout");
		return rc ? rc : -ETIMEDOUT;
	}
	null_probe(r);
	return r->draining ? 0 : submit_ready(r);
}

static bool over(const struct bench_span *s, uint64_t t0, uint64_t done0,
		 const struct run *r, const bool *stop)
{
	if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
		return true;
	if (!s->ops && s->secs <= 0)
		return true;
	if (s->ops && r->done - done0 >= s->ops)
		return true;
	return s->secs > 0 && (double)(bench_now_ns() - t0) >= s->secs * 1e9;
}

struct snap {
	uint64_t t, done, errors, exits, exit_ns, notifies, notify_ns;
	uint64_t wait_ns, edges, sets, allocs;
	struct xensim_map_stats m;
};

static void snap_take(struct run *r, struct snap *s)
{
	struct bench_dev *d = r->d;
	struct xensim *h = d->g->f->h;
	struct xensim_irq irq = { 0 };
	struct xensim_map_stats m;

	(void)xensim_irq_get(h, d->g->dev.domid, d->g->dev.irq, &irq);
	xensim_map_stats(h, &m);
	*s = (struct snap){ .t = bench_now_ns(),
			    .done = r->done,
			    .errors = r->errors,
			    .exits = d->exits,
			    .exit_ns = d->exit_ns,
			    .notifies = d->notifies,
			    .notify_ns = d->notify_ns,
			    .wait_ns = d->wait_ns,
			    .edges = irq.edges,
			    .sets = irq.sets,
			    .allocs = df_allocs(d->g->f),
			    .m = m };
}

static void snap_diff(const struct snap *a, const struct snap *b,
		      struct bench_counts *c)
{
	c->reqs = b->done - a->done;
	c->errors = b->errors - a->errors;
	c->secs = (double)(b->t - a->t) / 1e9;
	c->exits = b->exits - a->exits;
	c->exit_ns = b->exit_ns - a->exit_ns;
	c->notifies = b->notifies - a->notifies;
	c->notify_ns = b->notify_ns - a->notify_ns;
	c->wait_ns = b->wait_ns - a->wait_ns;
	c->irq_edges = b->edges - a->edges;
	c->irq_sets = b->sets - a->sets;
	c->allocs = b->allocs - a->allocs;
	c->maps = b->m.foreign_maps - a->m.foreign_maps;
	c->unmaps = b->m.foreign_unmaps - a->m.foreign_unmaps;
}

/* The measured window, between warm-up and drain. */
static int window(struct run *r, struct bench_span span,
		  struct bench_probe *probe, const bool *stop,
		  struct bench_counts *c)
{
	struct snap a, b;
	struct bench_pct np;
	int rc = 0;

	if (probe && bench_probe_begin(probe))
		probe = NULL;
	snap_take(r, &a);
	r->t_start = a.t;
	r->recording = true;
	r->d->nrec = true;
	while (!rc && !over(&span, a.t, a.done, r, stop))
		rc = step(r);
	r->d->nrec = false;
	r->recording = false;
	snap_take(r, &b);
	snap_diff(&a, &b, c);
	bench_lat_summary(&r->d->nlat, &np);
	bench_lat_free(&r->d->nlat);
	c->notify_p50 = np.n ? np.p50 : -1;
	bench_lat_summary(&r->null, &np);
	bench_lat_free(&r->null);
	c->null_p50 = np.n ? np.p50 : -1;
	if (probe)
		bench_probe_end(probe, c);
	return rc;
}

int bench_run(struct bench_dev *d, const struct bench_wl *wl,
	      struct bench_span warm, struct bench_span span,
	      struct bench_probe *probe, const bool *stop,
	      struct bench_counts *c, struct bench_lat *lat)
{
	struct run *r = calloc(1, sizeof(*r));
	uint64_t t0;
	int rc;

	memset(c, 0, sizeof(*c));
	c->syscalls = c->task_ms = c->ctxsw = c->instructions = -1;
	c->null_p50 = -1;
	if (!r)
		return -ENOMEM;
	if (wl->qd > BENCH_MAX_QD || wl->bs > BENCH_MAX_BS ||
	    wl->bs % DF_SECTOR || d->cap < wl->bs) {
		free(r);
		return -EINVAL;
	}
	r->d = d;
	r->wl = wl;
	r->lat = lat;
	for (unsigned i = 0; i < wl->qd; i++) {
		r->io[i] = (struct io){ .idx = i, .run = r };
		r->io[i].req.done = on_done;
		r->io[i].req.opaque = &r->io[i];
		r->ready[r->nready++] = i;
	}
	rc = submit_ready(r);
	t0 = bench_now_ns();
	while (!rc && !over(&warm, t0, 0, r, stop))
		rc = step(r);
	if (!rc)
		rc = window(r, span, probe, stop, c);
	/* Drain: what is in flight completes before the next run. */
	r->draining = true;
	while (!rc && blkdrv_inflight(&d->g->blk, 0))
		rc = step(r);
	free(r);
	return rc;
}
