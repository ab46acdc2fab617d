// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-client: the well-behaved foreign-mapping scenarios and main().
 *
 * usage: gmem-client <scenario>
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gmem-client-int.h"

uint64_t gmc_gpa(uint64_t addr)
{
	return addr;
}

bool gmc_check(const struct iovec *iov, int n, uint64_t addr, uint64_t len,
	       unsigned seed, gmc_xlate_fn *xlate)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;

		for (size_t k = 0; k < iov[i].iov_len; k++, addr++)
			if (p[k] != gmt_byte(xlate(addr), seed)) {
				fprintf(stderr,
					"gmem-client: byte %#llx: %#x, not %#x\n",
					(unsigned long long)addr, p[k],
					gmt_byte(xlate(addr), seed));
				return false;
			}
		total += iov[i].iov_len;
	}
	return total == len;
}

void gmc_fill(const struct iovec *iov, int n, uint64_t addr, unsigned seed,
	      gmc_xlate_fn *xlate)
{
	for (int i = 0; i < n; i++) {
		uint8_t *p = iov[i].iov_base;

		for (size_t k = 0; k < iov[i].iov_len; k++, addr++)
			p[k] = gmt_byte(xlate(addr), seed);
	}
}

struct gmem *gmc_foreign(struct gmc *c, unsigned max_buckets)
{
	struct gmem *mem = NULL;

	if (gmem_foreign_new(c->xh.fmem, GMT_DOM, max_buckets, &c->src, &mem))
		abort();
	return mem;
}

struct gmem_xen_stats gmc_stats(const struct gmem *mem)
{
	struct gmem_xen_stats s;

	gmem_xen_stats(mem, &s);
	return s;
}

/* Maps, checks and unmaps one range; returns the iovecs it took. */
static int read_range(struct gmc *c, struct gmem *mem, uint64_t gpa,
		      uint64_t len)
{
	struct iovec iov[GMC_IOV_MAX];
	int n = gmem_map_iov(mem, gpa, len, false, iov, GMC_IOV_MAX);

	EXPECT(c, n > 0 && gmc_check(iov, n, gpa, len, 0, gmc_gpa));
	if (n > 0)
		gmem_unmap_iov(mem, iov, (unsigned)n);
	return n;
}

/* What map_iov shows is guest RAM, one iovec per bucket piece. */
static void scenario_read(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 0);
	struct gmem_xen_stats s;
	struct iovec iov[GMC_IOV_MAX];

	for (int pass = 0; pass < 2; pass++) {
		EXPECT(c, read_range(c, mem, GMT_RAM0 + 0x1000, 100) == 1);
		EXPECT(c, read_range(c, mem, GMT_RAM0 + 6 * GMT_MB + 0x123,
				     GMT_MB) == 1);
		EXPECT(c,
		       read_range(c, mem, GMT_RAM0 + GMT_MB, 6 * GMT_MB) == 4);
		EXPECT(c, read_range(c, mem, GMT_RAM1, 2 * GMT_MB) == 1);
		EXPECT(c, read_range(c, mem, GMT_RAM0 + GMT_RAM0_SIZE - 1, 1) ==
				  1);
		/* Buckets 0-3 and 7 of bank 0, 0 of bank 1: mapped once. */
		s = gmc_stats(mem);
		EXPECT(c, s.map_calls == 6 && s.unmap_calls == 0);
		EXPECT(c, s.live_maps == 6);
	}
	/* A piece on each side of a bucket boundary. */
	EXPECT(c, gmem_map_iov(mem, GMT_RAM0 + 2 * GMT_MB - 50, 100, false, iov,
			       GMC_IOV_MAX) == 2);
	EXPECT(c, iov[0].iov_len == 50 && iov[1].iov_len == 50);
	EXPECT(c,
	       gmc_check(iov, 2, GMT_RAM0 + 2 * GMT_MB - 50, 100, 0, gmc_gpa));
	gmem_unmap_iov(mem, iov, 2);
	gmem_xen_free(mem);
}

/* Writes through iovecs land in guest RAM (the test checks). */
static void scenario_write(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 0);
	struct iovec iov[GMC_IOV_MAX], back[GMC_IOV_MAX];
	int n = gmem_map_iov(mem, GMT_WRITE_GPA, GMT_WRITE_LEN, true, iov,
			     GMC_IOV_MAX);
	int m;

	EXPECT(c, n == 2);
	if (n > 0) {
		gmc_fill(iov, n, GMT_WRITE_GPA, 1, gmc_gpa);
		/* A second mapping of the same bytes sees the write. */
		m = gmem_map_iov(mem, GMT_WRITE_GPA, GMT_WRITE_LEN, false, back,
				 GMC_IOV_MAX);
		EXPECT(c, m == 2 && gmc_check(back, m, GMT_WRITE_GPA,
					      GMT_WRITE_LEN, 1, gmc_gpa));
		EXPECT(c, m == 2 && back[0].iov_base == iov[0].iov_base);
		if (m > 0)
			gmem_unmap_iov(mem, back, (unsigned)m);
		gmem_unmap_iov(mem, iov, (unsigned)n);
	}
	gmem_xen_free(mem);
}

/* A ring across a page and a bucket boundary is one contiguous mapping. */
static void scenario_ring(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 0);
	struct iovec iov;
	struct gmem_xen_stats s;
	uint8_t *rw, *ro;
	int err = 0;

	rw = gmem_map_ring(mem, GMT_RING_GPA, GMT_RING_LEN, true, &err);
	ro = gmem_map_ring(mem, GMT_RAM0 + 0x3010, 0x100, false, &err);
	EXPECT(c, rw && ro && err == 0);
	if (!rw || !ro)
		abort();
	iov = (struct iovec){ rw, GMT_RING_LEN };
	EXPECT(c, gmc_check(&iov, 1, GMT_RING_GPA, GMT_RING_LEN, 0, gmc_gpa));
	gmc_fill(&iov, 1, GMT_RING_GPA, 2, gmc_gpa);
	iov = (struct iovec){ ro, 0x100 };
	EXPECT(c, gmc_check(&iov, 1, GMT_RAM0 + 0x3010, 0x100, 0, gmc_gpa));
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 2 && s.live_maps == 2);
	/* Rings do not pin buckets: invalidate leaves them alone. */
	gmem_foreign_invalidate(mem);
	EXPECT(c, gmc_check(&iov, 1, GMT_RAM0 + 0x3010, 0x100, 0, gmc_gpa));
	gmem_unmap_ring(mem, rw, GMT_RING_LEN);
	gmem_unmap_ring(mem, ro, 0x100);
	s = gmc_stats(mem);
	EXPECT(c, s.unmap_calls == 2 && s.live_maps == 0);
	gmem_xen_free(mem);
}

/*
 * Many short requests over a working set the cache holds (all 8 buckets of
 * bank 0), up to 64 in flight at once: after the warm-up, no hypercall.
 */
static void scenario_steady(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 8);
	struct iovec iov[64][4];
	struct gmem_xen_stats s0, s1;
	uint64_t gpa, len;
	int n[64];

	for (unsigned b = 0; b < 8; b++)
		read_range(c, mem, GMT_RAM0 + b * (2 * GMT_MB), 4096);
	s0 = gmc_stats(mem);
	for (unsigned i = 0; i < 10000; i += 64) {
		for (unsigned j = 0; j < 64; j++) {
			gpa = GMT_RAM0 +
			      ((i + j) * 2654435761u) % (GMT_RAM0_SIZE - 65536);
			len = 1 + ((i + j) * 40503u) % 65536;
			n[j] = i + j < 10000 ? gmem_map_iov(mem, gpa, len,
							    j & 1, iov[j], 4) :
					       0;
			EXPECT(c, n[j] >= 0);
			EXPECT(c, n[j] <= 0 || *(uint8_t *)iov[j][0].iov_base ==
						       gmt_byte(gpa, 0));
		}
		for (unsigned j = 0; j < 64; j++)
			if (n[j] > 0)
				gmem_unmap_iov(mem, iov[j], (unsigned)n[j]);
	}
	s1 = gmc_stats(mem);
	printf("gmem-client: steady: warm-up made %llu map and %llu unmap "
	       "calls; 10000 map_iov/unmap_iov pairs then made %llu and %llu\n",
	       (unsigned long long)s0.map_calls,
	       (unsigned long long)s0.unmap_calls,
	       (unsigned long long)(s1.map_calls - s0.map_calls),
	       (unsigned long long)(s1.unmap_calls - s0.unmap_calls));
	EXPECT(c, s0.map_calls == 8 && s1.map_calls == s0.map_calls);
	EXPECT(c, s1.unmap_calls == 0 && s1.live_maps == 8);
	gmem_xen_free(mem);
}

/*
 * Invalidate drops what no iovec uses; a bucket in use goes with its last
 * iovec, and new requests map its range afresh meanwhile.
 */
static void scenario_invalidate(struct gmc *c)
{
	struct gmem *mem = gmc_foreign(c, 0);
	struct iovec held;
	struct gmem_xen_stats s;

	read_range(c, mem, GMT_RAM0, 64);
	EXPECT(c, gmem_map_iov(mem, GMT_RAM0 + 2 * GMT_MB, 64, true, &held,
			       1) == 1);
	read_range(c, mem, GMT_RAM0 + 4 * GMT_MB, 64);
	gmem_foreign_invalidate(mem);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 3 && s.unmap_calls == 2 && s.live_maps == 1);
	EXPECT(c, gmc_check(&held, 1, GMT_RAM0 + 2 * GMT_MB, 64, 0, gmc_gpa));
	read_range(c, mem, GMT_RAM0 + 16, 64);
	read_range(c, mem, GMT_RAM0 + 2 * GMT_MB + 64, 64);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 5 && s.live_maps == 3);
	gmem_unmap_iov(mem, &held, 1);
	s = gmc_stats(mem);
	EXPECT(c, s.unmap_calls == 3 && s.live_maps == 2);
	/* The fresh mapping of that bucket is the one kept. */
	read_range(c, mem, GMT_RAM0 + 2 * GMT_MB, 64);
	EXPECT(c, gmc_stats(mem).map_calls == 5);
	gmem_foreign_invalidate(mem);
	s = gmc_stats(mem);
	EXPECT(c, s.unmap_calls == 5 && s.live_maps == 0);
	gmem_xen_free(mem);
}

static const struct {
	const char *name;
	void (*run)(struct gmc *c);
} scenarios[] = {
	{ "read", scenario_read },
	{ "write", scenario_write },
	{ "ring", scenario_ring },
	{ "steady", scenario_steady },
	{ "invalidate", scenario_invalidate },
	{ "evict", scenario_evict },
	{ "churn", scenario_churn },
	{ "bounds", scenario_bounds },
	{ "hole", scenario_hole },
	{ "grant", scenario_grant },
	{ "grant-hostile", scenario_grant_hostile },
};

int main(int argc, char **argv)
{
	struct gmc c = { 0 };
	unsigned i;
	int rc;

	for (i = 0; argc == 2 && i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(argv[1], scenarios[i].name))
			break;
	if (argc != 2 || i == ARRAY_SIZE(scenarios)) {
		fprintf(stderr, "usage: gmem-client <scenario>\n");
		return 2;
	}
	log_init(&c.lg, 2, LOG_INFO);
	log_src_init(&c.src, &c.lg, GMT_DOM, "gmem");
	rc = xen_handles_open(&c.xh);
	if (rc) {
		fprintf(stderr, "gmem-client: xen_handles_open: %s\n",
			strerror(-rc));
		return 1;
	}
	scenarios[i].run(&c);
	xen_handles_close(&c.xh);
	return c.failures ? 1 : 0;
}
