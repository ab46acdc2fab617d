// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-client: foreign-mapping scenarios at the edges: addresses a hostile
 * guest names (overflow, beyond the address space, holes, the end of a
 * bank) and a cache too small for what is in flight.
 */
#include <errno.h>

#include "gmem-client-int.h"

#define GPA_LIMIT (1ull << 40)

/* Refused before any hypercall. */
void scenario_bounds(struct gmc *c)
{
	static const struct {
		uint64_t gpa, len;
		unsigned max;
		int want;
	} cases[] = {
		{ UINT64_MAX - 10, 100, GMC_IOV_MAX, -EFAULT }, /* wraps */
		{ GPA_LIMIT, 1, GMC_IOV_MAX, -EFAULT },
		{ GPA_LIMIT - 10, 20, GMC_IOV_MAX, -EFAULT },
		{ GMT_RAM0, UINT64_MAX, GMC_IOV_MAX, -EFAULT },
		/* A grant address in foreign mode is far beyond RAM. */
		{ GMEM_GRANT_ADDR_BIT | GMT_RAM0, 16, GMC_IOV_MAX, -EFAULT },
		{ GMT_RAM0, 0, GMC_IOV_MAX, 0 },
		/* Three buckets, two iovecs. */
		{ GMT_RAM0 + 2 * GMT_MB - 1, 2 * GMT_MB + 2, 2, -ENOBUFS },
		{ GMT_RAM0, 1, 0, -ENOBUFS },
	};
	struct gmem *mem = gmc_foreign(c, 0);
	struct iovec iov[GMC_IOV_MAX];
	int err = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = gmem_map_iov(mem, cases[i].gpa, cases[i].len, true, iov,
				     cases[i].max);

		if (n != cases[i].want)
			fprintf(stderr, "gmem-client: case %u: %d\n", i, n);
		EXPECT(c, n == cases[i].want);
	}
	EXPECT(c,
	       !gmem_map_ring(mem, GMT_RAM0, 0, false, &err) && err == -EINVAL);
	EXPECT(c, !gmem_map_ring(mem, UINT64_MAX - 10, 100, false, &err) &&
			  err == -EFAULT);
	EXPECT(c, !gmem_map_ring(mem, GPA_LIMIT - 4096, 8192, false, &err) &&
			  err == -EFAULT);
	EXPECT(c,
	       !gmem_map_ring(mem, GMT_RAM0 + 0x800, 2 * GMT_MB, true, &err) &&
		       err == -EINVAL);
	EXPECT(c, gmc_stats(mem).map_calls == 0);
	gmem_xen_free(mem);
}

/*
 * Pages that are not RAM are never touched (that would be SIGBUS): a
 * range over one is -EFAULT, including inside a bucket that is partly
 * RAM. Each bucket is asked for once, holes included.
 */
void scenario_hole(struct gmc *c)
{
	uint64_t edge = GMT_RAM1 + GMT_RAM1_SIZE;
	struct gmem *mem = gmc_foreign(c, 0);
	struct iovec iov[GMC_IOV_MAX];
	struct gmem_xen_stats s;
	int n, err = 0;

	EXPECT(c, gmem_map_iov(mem, GMT_HOLE, 64, false, iov, GMC_IOV_MAX) ==
			  -EFAULT);
	EXPECT(c, gmem_map_iov(mem, GMT_HOLE + 0x1000, 64, true, iov,
			       GMC_IOV_MAX) == -EFAULT);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 1 && s.live_maps == 1);

	/* The RAM half of the bucket at the end of bank 1 works. */
	n = gmem_map_iov(mem, edge - 100, 100, false, iov, GMC_IOV_MAX);
	EXPECT(c, n == 1 && gmc_check(iov, n, edge - 100, 100, 0, gmc_gpa));
	if (n > 0)
		gmem_unmap_iov(mem, iov, (unsigned)n);
	EXPECT(c, gmem_map_iov(mem, edge - 100, 200, false, iov, GMC_IOV_MAX) ==
			  -EFAULT);
	EXPECT(c,
	       gmem_map_iov(mem, edge, 1, false, iov, GMC_IOV_MAX) == -EFAULT);
	/* From RAM in bucket 0 of bank 1 into the hole of bucket 1. */
	EXPECT(c, gmem_map_iov(mem, GMT_RAM1 + GMT_MB, 2 * GMT_MB + 1, true,
			       iov, GMC_IOV_MAX) == -EFAULT);
	EXPECT(c, !gmem_map_ring(mem, GMT_HOLE + 0x2000, 4096, true, &err) &&
			  err == -EFAULT);
	EXPECT(c, !gmem_map_ring(mem, edge - 4096, 8192, false, &err) &&
			  err == -EFAULT);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 5 && s.unmap_calls == 2 && s.live_maps == 3);
	/* No failed map_iov kept a reference: everything can go. */
	gmem_foreign_invalidate(mem);
	EXPECT(c, gmc_stats(mem).live_maps == 0);
	gmem_xen_free(mem);
}

static uint64_t bucket(unsigned i)
{
	return GMT_RAM0 + i * (2 * GMT_MB) + 0x100;
}

/* Maps, checks and unmaps 64 bytes of bucket i. */
static void touch(struct gmc *c, struct gmem *mem, unsigned i)
{
	struct iovec iov;
	int n = gmem_map_iov(mem, bucket(i), 64, false, &iov, 1);

	EXPECT(c, n == 1 && gmc_check(&iov, 1, bucket(i), 64, 0, gmc_gpa));
	if (n == 1)
		gmem_unmap_iov(mem, &iov, 1);
}

/* Two buckets: the least recently used unreferenced one goes. */
void scenario_evict(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 2);
	struct iovec a, b, x[GMC_IOV_MAX];
	struct gmem_xen_stats s;

	EXPECT(c, gmem_map_iov(mem, bucket(0), 64, false, &a, 1) == 1);
	EXPECT(c, gmem_map_iov(mem, bucket(1), 64, false, &b, 1) == 1);
	/* Both referenced: nothing can be evicted. */
	EXPECT(c, gmem_map_iov(mem, bucket(2), 64, false, x, 1) == -ENOMEM);
	gmem_unmap_iov(mem, &a, 1);
	touch(c, mem, 2); /* evicts bucket 0 */
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 3 && s.unmap_calls == 1 && s.live_maps == 2);
	gmem_unmap_iov(mem, &b, 1);
	touch(c, mem, 1); /* now bucket 2 is the least recently used */
	touch(c, mem, 3);
	EXPECT(c, gmc_stats(mem).map_calls == 4);
	touch(c, mem, 1);
	EXPECT(c, gmc_stats(mem).map_calls == 4);
	touch(c, mem, 2);
	EXPECT(c, gmc_stats(mem).map_calls == 5);

	/* Three buckets in turn through two: each access maps one. */
	for (unsigned i = 0; i < 300; i++)
		touch(c, mem, i % 3);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 305 && s.unmap_calls == 303);
	EXPECT(c, s.live_maps == 2);

	/* A range over three buckets cannot be held by two, and lets go. */
	EXPECT(c, gmem_map_iov(mem, bucket(4), 4 * GMT_MB, false, x,
			       GMC_IOV_MAX) == -ENOMEM);
	gmem_foreign_invalidate(mem);
	EXPECT(c, gmc_stats(mem).live_maps == 0);
	gmem_xen_free(mem);
}

/* The cache as it should behave: LRU among unreferenced entries. */
struct model {
	struct {
		uint64_t idx, last;
		unsigned refs;
		bool used;
	} e[4];
	uint64_t clock, misses;
};

static unsigned model_get(struct model *m, uint64_t idx)
{
	unsigned i, pick = ARRAY_SIZE(m->e);

	for (i = 0; i < ARRAY_SIZE(m->e); i++)
		if (m->e[i].used && m->e[i].idx == idx)
			break;
	if (i == ARRAY_SIZE(m->e)) {
		for (i = 0; i < ARRAY_SIZE(m->e); i++) {
			if (!m->e[i].used)
				break;
			if (!m->e[i].refs && (pick == ARRAY_SIZE(m->e) ||
					      m->e[i].last < m->e[pick].last))
				pick = i;
		}
		if (i == ARRAY_SIZE(m->e))
			i = pick;
		m->e[i].used = true;
		m->e[i].idx = idx;
		m->misses++;
	}
	m->e[i].refs++;
	m->e[i].last = ++m->clock;
	return i;
}

/*
 * Random requests over the nine buckets of RAM through a cache of four,
 * up to three held at a time: each iovec shows its own bucket's bytes, and
 * the cache maps exactly when the model misses (a lost hash entry would
 * map a bucket twice).
 */
void scenario_churn(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, ARRAY_SIZE(((struct model *)0)->e));
	struct model m = { 0 };
	struct iovec held[3];
	unsigned slot[3] = { 0 };
	uint64_t gpa, x = 1;
	bool busy[3] = { false };

	for (unsigned i = 0; i < 5000; i++) {
		unsigned h = i % 3;

		if (busy[h]) {
			gmem_unmap_iov(mem, &held[h], 1);
			m.e[slot[h]].refs--;
		}
		x = gmt_mix(x + i);
		gpa = (x >> 32) % 9 < 8 ?
			      GMT_RAM0 + (x >> 32) % 8 * 2 * GMT_MB :
			      GMT_RAM1;
		gpa += x % (2 * GMT_MB - 64);
		busy[h] = gmem_map_iov(mem, gpa, 64, h & 1, &held[h], 1) == 1;
		EXPECT(c,
		       busy[h] && gmc_check(&held[h], 1, gpa, 64, 0, gmc_gpa));
		slot[h] = model_get(&m, gpa >> GMEM_BUCKET_SHIFT);
		EXPECT(c, gmc_stats(mem).map_calls == m.misses);
	}
	for (unsigned h = 0; h < 3; h++)
		if (busy[h])
			gmem_unmap_iov(mem, &held[h], 1);
	EXPECT(c, m.misses > 1000 && gmc_stats(mem).live_maps == 4);
	gmem_foreign_invalidate(mem);
	EXPECT(c, gmc_stats(mem).live_maps == 0);
	gmem_xen_free(mem);
}
