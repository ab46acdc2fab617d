/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory through foreign mappings, cached in buckets.
 *
 * Mapping and unmapping guest pages costs a hypercall, TLB shootdowns and a
 * privcmd VMA each time: too much per request. Instead the guest space
 * is cut in buckets of GMEM_BUCKET_SIZE; the first access to a bucket maps
 * it whole with one xenforeignmemory_map() call, and the mapping stays until
 * the cache is full (least recently used unreferenced bucket goes) or Xen
 * asks us to drop what we hold (IOREQ_TYPE_INVALIDATE, after the guest gave
 * memory back). Steady-state I/O then makes no hypercall at all.
 *
 * A bucket may cover pages that are not RAM (holes between banks, the end of
 * a bank not aligned to GMEM_BUCKET_SIZE, MMIO). xenforeignmemory_map()
 * reports them in err[] and leaves them unmapped: touching one would be
 * SIGBUS, so they are kept in a bitmap and any range over them is -EFAULT.
 * A bucket that failed entirely is cached too, so a guest hammering a hole
 * costs one hypercall, not one per request. A page that becomes RAM later
 * (ballooned in) stays -EFAULT until its bucket is evicted or invalidated.
 *
 * Buckets are mapped read-write once, whatever the first request wanted.
 * When every bucket is held by in-flight iovecs, map_iov() is -ENOMEM (and
 * a rate-limited line): the queue then fails with NEEDS_RESET (vq-chain.c),
 * so max_buckets must exceed what a guest's queues can hold in flight.
 *
 * One thread per guest: nothing here is locked.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gmem-xen-int.h"
#include "log.h"

#define BUCKET_PAGES (GMEM_BUCKET_SIZE >> GMEM_PAGE_SHIFT)
#define BUCKET_MASK (GMEM_BUCKET_SIZE - 1)
#define DEFAULT_BUCKETS 512u
#define MAX_BUCKETS 65536u /* 128 GiB mapped: far more than a backend needs */

/*
 * No guest address is at or beyond this: Arm guests get a 40-bit IPA space
 * by default (1 TiB, GUEST_RAM1 ends below it), and it keeps every bucket
 * index and pfn far from overflow. Checked before any hypercall.
 */
#define FOREIGN_GPA_LIMIT (1ull << 40)

struct bucket {
	uint64_t idx;	   /* gpa >> GMEM_BUCKET_SHIFT */
	uint8_t *host;	   /* the mapping; NULL: this pool entry is free */
	uint32_t refs;	   /* iovecs pointing into it */
	uint64_t last_use; /* LRU clock */
	bool has_holes;
	bool stale; /* invalidated while in use: out of the table */
	uint64_t holes[BUCKET_PAGES / 64]; /* pages that failed to map */
};

struct gmem_foreign {
	struct gmem_xen gx;
	xenforeignmemory_handle *fmem;
	unsigned max_buckets, nr_buckets;
	struct bucket *pool;	 /* max_buckets entries */
	struct bucket **table;	 /* open addressing on idx, NULL: empty */
	unsigned table_mask;	 /* size - 1, size >= 2 * max_buckets */
	struct bucket **by_host; /* nr_buckets entries sorted by host */
	uint64_t clock;
	unsigned live_rings;
	xen_pfn_t pfns[BUCKET_PAGES]; /* one map call's frames and errors */
	int err[BUCKET_PAGES];
};

static struct gmem_foreign *to_foreign(struct gmem *mem)
{
	return container_of(to_gmem_xen(mem), struct gmem_foreign, gx);
}

/* [gpa, gpa + len), len > 0, below the limit and without wrapping? */
static bool range_ok(uint64_t gpa, uint64_t len)
{
	return gpa < FOREIGN_GPA_LIMIT && len <= FOREIGN_GPA_LIMIT - gpa;
}

static unsigned slot_of(const struct gmem_foreign *gf, uint64_t idx)
{
	/* Fibonacci hashing: neighbouring buckets land far apart. */
	return (unsigned)((idx * 0x9e3779b97f4a7c15ull) >> 32) & gf->table_mask;
}

static struct bucket *lookup(const struct gmem_foreign *gf, uint64_t idx)
{
	unsigned i = slot_of(gf, idx);

	/* The table is at most half full: the probe ends at a NULL. */
	for (; gf->table[i]; i = (i + 1) & gf->table_mask)
		if (gf->table[i]->idx == idx)
			return gf->table[i];
	return NULL;
}

/* Linear probing deletion by backward shift: no tombstones to age. */
static void table_remove(struct gmem_foreign *gf, const struct bucket *b)
{
	unsigned i = slot_of(gf, b->idx), j, home;

	while (gf->table[i] != b)
		i = (i + 1) & gf->table_mask;
	for (j = i;;) {
		j = (j + 1) & gf->table_mask;
		if (!gf->table[j])
			break;
		home = slot_of(gf, gf->table[j]->idx);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home <= i || home > j) :
			     (home <= i && home > j)) {
			gf->table[i] = gf->table[j];
			i = j;
		}
	}
	gf->table[i] = NULL;
}

/* The position of the first bucket whose mapping starts above host. */
static unsigned host_upper(const struct gmem_foreign *gf, const uint8_t *host)
{
	unsigned lo = 0, hi = gf->nr_buckets, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((uintptr_t)gf->by_host[mid]->host <= (uintptr_t)host)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct bucket *find_host(const struct gmem_foreign *gf,
				const uint8_t *host)
{
	unsigned pos = host_upper(gf, host);
	struct bucket *b = pos ? gf->by_host[pos - 1] : NULL;

	if (b && (uintptr_t)host - (uintptr_t)b->host < GMEM_BUCKET_SIZE)
		return b;
	return NULL;
}

static void add_bucket(struct gmem_foreign *gf, struct bucket *b)
{
	unsigned pos = host_upper(gf, b->host), i = slot_of(gf, b->idx);

	memmove(&gf->by_host[pos + 1], &gf->by_host[pos],
		(gf->nr_buckets - pos) * sizeof(*gf->by_host));
	gf->by_host[pos] = b;
	gf->nr_buckets++;
	while (gf->table[i])
		i = (i + 1) & gf->table_mask;
	gf->table[i] = b;
	gf->gx.stats.live_maps++;
}

/* Unmaps an unreferenced bucket; its pool entry becomes free. */
static void drop_bucket(struct gmem_foreign *gf, struct bucket *b)
{
	unsigned pos = host_upper(gf, b->host) - 1;
	int r;

	assert(!b->refs && gf->by_host[pos] == b);
	if (!b->stale)
		table_remove(gf, b);
	memmove(&gf->by_host[pos], &gf->by_host[pos + 1],
		(gf->nr_buckets - pos - 1) * sizeof(*gf->by_host));
	gf->nr_buckets--;
	r = xenforeignmemory_unmap(gf->fmem, b->host, BUCKET_PAGES);
	gf->gx.stats.unmap_calls++;
	gf->gx.stats.live_maps--;
	if (r < 0)
		log_err(gf->gx.log,
			"xenforeignmemory_unmap of bucket %#llx: %s",
			(unsigned long long)b->idx << GMEM_BUCKET_SHIFT,
			strerror(errno));
	b->host = NULL;
}

/*
 * A pool entry to map a new bucket into: a free one, else the least
 * recently used unreferenced bucket, evicted. NULL when every bucket is
 * referenced by in-flight iovecs.
 */
static struct bucket *free_entry(struct gmem_foreign *gf)
{
	struct bucket *victim = NULL;

	for (unsigned i = 0; i < gf->max_buckets; i++) {
		struct bucket *b = &gf->pool[i];

		if (!b->host)
			return b;
		if (!b->refs && !b->stale &&
		    (!victim || b->last_use < victim->last_use))
			victim = b;
	}
	if (victim)
		drop_bucket(gf, victim);
	return victim;
}

/* A map call that failed as a whole: the guest's doing, or ours? */
static int map_errno(int e)
{
	return e == EINVAL || e == EFAULT || e == ESRCH ? -EFAULT : -e;
}

static int map_bucket(struct gmem_foreign *gf, struct bucket *b, uint64_t idx)
{
	uint64_t gfn = idx << (GMEM_BUCKET_SHIFT - GMEM_PAGE_SHIFT);
	void *p;

	for (unsigned i = 0; i < BUCKET_PAGES; i++)
		gf->pfns[i] = (xen_pfn_t)(gfn + i);
	p = xenforeignmemory_map(gf->fmem, gf->gx.domid, PROT_READ | PROT_WRITE,
				 BUCKET_PAGES, gf->pfns, gf->err);
	gf->gx.stats.map_calls++;
	if (!p) {
		int e = errno;

		log_guest(gf->gx.log, LOG_ERR,
			  "xenforeignmemory_map of bucket %#llx: %s",
			  (unsigned long long)idx << GMEM_BUCKET_SHIFT,
			  strerror(e));
		return map_errno(e);
	}
	*b = (struct bucket){ .idx = idx, .host = p };
	for (unsigned i = 0; i < BUCKET_PAGES; i++) {
		if (gf->err[i]) {
			b->holes[i / 64] |= 1ull << (i % 64);
			b->has_holes = true;
		}
	}
	add_bucket(gf, b);
	return 0;
}

/* The bucket idx, mapped and referenced once more. */
static int get_bucket(struct gmem_foreign *gf, uint64_t idx,
		      struct bucket **out)
{
	struct bucket *b = lookup(gf, idx);
	int rc;

	if (!b) {
		b = free_entry(gf);
		if (!b) {
			log_guest(
				gf->gx.log, LOG_ERR,
				"all %u buckets of the mapping cache are in use: request refused",
				gf->max_buckets);
			return -ENOMEM;
		}
		rc = map_bucket(gf, b, idx);
		if (rc)
			return rc;
	}
	b->refs++;
	b->last_use = ++gf->clock;
	*out = b;
	return 0;
}

/* Does [off, end) of the bucket touch a page that failed to map? */
static bool has_hole(const struct bucket *b, uint64_t off, uint64_t end)
{
	uint64_t pg = off >> GMEM_PAGE_SHIFT,
		 last = (end - 1) >> GMEM_PAGE_SHIFT;

	if (!b->has_holes)
		return false;
	for (; pg <= last; pg++)
		if (b->holes[pg / 64] & (1ull << (pg % 64)))
			return true;
	return false;
}

static void foreign_unmap_iov(struct gmem *mem, const struct iovec *iov,
			      unsigned cnt)
{
	struct gmem_foreign *gf = to_foreign(mem);

	for (unsigned i = 0; i < cnt; i++) {
		struct bucket *b = find_host(gf, iov[i].iov_base);

		/* Only what map_iov() returned comes back here. */
		assert(b && b->refs);
		if (!--b->refs && b->stale)
			drop_bucket(gf, b);
	}
}

static int foreign_map_iov(struct gmem *mem, uint64_t gpa, uint64_t len,
			   bool writable, struct iovec *iov, unsigned max)
{
	struct gmem_foreign *gf = to_foreign(mem);
	uint64_t first, last, idx, off, end;
	struct bucket *b;
	unsigned n = 0;
	int rc = 0;

	if (len == 0)
		return 0;
	if (!range_ok(gpa, len))
		return -EFAULT;
	first = gpa >> GMEM_BUCKET_SHIFT;
	last = (gpa + len - 1) >> GMEM_BUCKET_SHIFT;
	/* One iovec per bucket; refused before mapping anything. */
	if (last - first >= max)
		return -ENOBUFS;
	for (idx = first; idx <= last; idx++) {
		off = idx == first ? gpa & BUCKET_MASK : 0;
		end = idx == last ? ((gpa + len - 1) & BUCKET_MASK) + 1 :
				    GMEM_BUCKET_SIZE;
		rc = get_bucket(gf, idx, &b);
		if (rc)
			break;
		iov[n].iov_base = b->host + off;
		iov[n].iov_len = end - off;
		n++;
		if (has_hole(b, off, end)) {
			rc = -EFAULT;
			break;
		}
	}
	if (rc) {
		foreign_unmap_iov(mem, iov, n);
		return rc;
	}
	return (int)n;
}

static void foreign_unmap_ring(struct gmem *mem, void *host, size_t len)
{
	struct gmem_foreign *gf = to_foreign(mem);
	uintptr_t at = (uintptr_t)host;
	int r;

	assert(gf->live_rings);
	r = xenforeignmemory_unmap(gf->fmem, (void *)(at & ~GMEM_PAGE_MASK),
				   gmem_span_pages(at, len));
	gf->gx.stats.unmap_calls++;
	gf->gx.stats.live_maps--;
	gf->live_rings--;
	if (r < 0)
		log_err(gf->gx.log, "xenforeignmemory_unmap of a ring: %s",
			strerror(errno));
}

/*
 * A ring gets an exact mapping of its own for the queue's life: it must be
 * contiguous even across a bucket boundary, and it must not pin a bucket.
 */
static void *foreign_map_ring(struct gmem *mem, uint64_t gpa, size_t len,
			      bool writable, int *err)
{
	struct gmem_foreign *gf = to_foreign(mem);
	uint64_t pages, gfn = gpa >> GMEM_PAGE_SHIFT;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0), e;
	uint8_t *p;

	if (!range_ok(gpa, len)) {
		*err = -EFAULT;
		return NULL;
	}
	pages = gmem_span_pages(gpa, len);
	if (len == 0 || pages > BUCKET_PAGES) {
		*err = -EINVAL; /* no virtqueue part is empty or this big */
		return NULL;
	}
	for (uint64_t i = 0; i < pages; i++)
		gf->pfns[i] = (xen_pfn_t)(gfn + i);
	p = xenforeignmemory_map(gf->fmem, gf->gx.domid, prot, pages, gf->pfns,
				 gf->err);
	gf->gx.stats.map_calls++;
	if (!p) {
		e = errno;
		log_guest(gf->gx.log, LOG_ERR,
			  "xenforeignmemory_map of ring %#llx+%zu: %s",
			  (unsigned long long)gpa, len, strerror(e));
		*err = map_errno(e);
		return NULL;
	}
	gf->gx.stats.live_maps++;
	gf->live_rings++;
	p += gpa & GMEM_PAGE_MASK;
	for (uint64_t i = 0; i < pages; i++) {
		if (gf->err[i]) {
			log_guest(gf->gx.log, LOG_ERR,
				  "ring %#llx+%zu: gfn %#llx is not guest RAM",
				  (unsigned long long)gpa, len,
				  (unsigned long long)(gfn + i));
			foreign_unmap_ring(mem, p, len);
			*err = -EFAULT;
			return NULL;
		}
	}
	return p;
}

static const struct gmem_ops foreign_ops = {
	.map_iov = foreign_map_iov,
	.unmap_iov = foreign_unmap_iov,
	.map_ring = foreign_map_ring,
	.unmap_ring = foreign_unmap_ring,
};

/*
 * The guest gave memory back: our mappings may pin frames that are no
 * longer its RAM. A bucket still in use cannot go yet, but it leaves the
 * table so that new requests map afresh, and goes with its last iovec.
 */
void gmem_foreign_invalidate(struct gmem *mem)
{
	struct gmem_foreign *gf = to_foreign(mem);
	unsigned busy = 0;

	for (unsigned i = 0; i < gf->max_buckets; i++) {
		struct bucket *b = &gf->pool[i];

		if (b->host && !b->refs) {
			drop_bucket(gf, b);
		} else if (b->host && !b->stale) {
			table_remove(gf, b);
			b->stale = true;
			busy++;
		}
	}
	log_debug(gf->gx.log, "invalidate: %u buckets in use kept until done",
		  busy);
}

static void foreign_free(struct gmem_xen *gx)
{
	struct gmem_foreign *gf = container_of(gx, struct gmem_foreign, gx);

	for (unsigned i = 0; gf->pool && i < gf->max_buckets; i++) {
		struct bucket *b = &gf->pool[i];

		/* Unmapping under a live iovec would turn a leak into a crash. */
		if (b->host && b->refs)
			log_err(gx->log,
				"bucket %#llx still has %u users: leaked",
				(unsigned long long)b->idx << GMEM_BUCKET_SHIFT,
				b->refs);
		else if (b->host)
			drop_bucket(gf, b);
	}
	if (gf->live_rings)
		log_err(gx->log, "%u ring mappings leaked", gf->live_rings);
	free(gf->by_host);
	free(gf->table);
	free(gf->pool);
	free(gf);
}

int gmem_foreign_new(xenforeignmemory_handle *fmem, uint32_t domid,
		     unsigned max_buckets, struct log_src *log,
		     struct gmem **out)
{
	struct gmem_foreign *gf;
	unsigned size = 2;

	if (!max_buckets)
		max_buckets = DEFAULT_BUCKETS;
	if (max_buckets > MAX_BUCKETS)
		return -EINVAL;
	while (size < 2 * max_buckets)
		size *= 2;
	gf = calloc(1, sizeof(*gf));
	if (!gf)
		return -ENOMEM;
	gf->pool = calloc(max_buckets, sizeof(*gf->pool));
	gf->table = calloc(size, sizeof(*gf->table));
	gf->by_host = calloc(max_buckets, sizeof(*gf->by_host));
	gf->gx = (struct gmem_xen){ .mem.ops = &foreign_ops,
				    .log = log,
				    .domid = domid,
				    .free = foreign_free };
	gf->fmem = fmem;
	gf->max_buckets = max_buckets;
	gf->table_mask = size - 1;
	if (!gf->pool || !gf->table || !gf->by_host) {
		foreign_free(&gf->gx);
		return -ENOMEM;
	}
	*out = &gf->gx.mem;
	return 0;
}

void gmem_xen_free(struct gmem *mem)
{
	struct gmem_xen *gx;

	if (!mem)
		return;
	gx = to_gmem_xen(mem);
	gx->free(gx);
}

void gmem_xen_stats(const struct gmem *mem, struct gmem_xen_stats *out)
{
	*out = to_gmem_xen((struct gmem *)mem)->stats;
}
