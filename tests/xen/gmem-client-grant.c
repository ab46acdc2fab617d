// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-client: grant mode, with the grants test-gmem-xen made (see
 * gmem-client.h): DMA addresses as Linux's grant-dma-ops builds them.
 */
#include <errno.h>
#include <stdlib.h>

#include "gmem-client-int.h"

#define GRANT_PAGES_MAX 256 /* one mapping, as gmem-grant.c splits */

static uint64_t dma(uint32_t ref, uint64_t off)
{
	return GMEM_GRANT_ADDR_BIT | ((uint64_t)ref << 12) | off;
}

/* A DMA address's byte: the page of its grant reference. */
uint64_t gmc_grant_gpa(uint64_t addr)
{
	uint64_t a = addr & ~GMEM_GRANT_ADDR_BIT;

	return gmt_ref_gpa((uint32_t)(a >> 12)) + (a & 0xfff);
}

static struct gmem *grant_mem(struct gmc *c)
{
	struct gmem *mem = NULL;

	if (gmem_grant_new(c->xh.gnttab, GMT_DOM, &c->src, &mem))
		abort();
	return mem;
}

/* Maps [addr, addr + len) and checks it holds seed 0; -errno or iovecs. */
static int grant_read(struct gmc *c, struct gmem *mem, uint64_t addr,
		      uint64_t len)
{
	struct iovec iov[GMC_IOV_MAX];
	int n = gmem_map_iov(mem, addr, len, false, iov, GMC_IOV_MAX);

	if (n > 0) {
		EXPECT(c, gmc_check(iov, n, addr, len, 0, gmc_grant_gpa));
		gmem_unmap_iov(mem, iov, (unsigned)n);
	}
	return n;
}

void scenario_grant(struct gmc *c)
{
	struct gmem *mem = grant_mem(c);
	struct iovec iov[GMC_IOV_MAX];
	struct gmem_xen_stats s;
	uint8_t *ring;
	int n, err = 0;

	/* Four scattered pages, one descriptor: one mapping, one iovec. */
	EXPECT(c, grant_read(c, mem, dma(100, 0x10), 4 * 4096 - 0x18) == 1);
	EXPECT(c, gmc_stats(mem).map_calls == 1);
	/* The device writes into the guest's pages 101 and 102. */
	n = gmem_map_iov(mem, dma(101, 0x800), 4096, true, iov, GMC_IOV_MAX);
	EXPECT(c, n == 1);
	if (n == 1) {
		gmc_fill(iov, n, dma(101, 0x800), 3, gmc_grant_gpa);
		gmem_unmap_iov(mem, iov, 1);
	}
	/* A read-only grant mapped read-only. */
	EXPECT(c, grant_read(c, mem, dma(GMT_RO_REF, 0), 4096) == 1);
	/* 300 pages: split in mappings of at most 256 pages. */
	EXPECT(c, grant_read(c, mem, dma(GMT_RUN_REF, 0),
			     GMT_RUN_PAGES * 4096ull) == 2);
	ring = gmem_map_ring(mem, dma(GMT_RUN_REF, 0x40), 3 * 4096, true, &err);
	EXPECT(c, ring && err == 0);
	if (ring) {
		iov[0] = (struct iovec){ ring, 16 };
		gmc_fill(iov, 1, dma(GMT_RUN_REF, 0x40), 4, gmc_grant_gpa);
		gmem_unmap_ring(mem, ring, 3 * 4096);
	}
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 6 && s.unmap_calls == 6 && s.live_maps == 0);
	gmem_xen_free(mem);
}

void scenario_grant_hostile(struct gmc *c)
{
	struct gmem *mem = grant_mem(c), *none = NULL;
	struct iovec iov[GMC_IOV_MAX];
	struct gmem_xen_stats s;
	int err = 0;

	/* Refused before any hypercall. */
	EXPECT(c, grant_read(c, mem, GMT_RAM0, 16) == -EFAULT);
	EXPECT(c, grant_read(c, mem, dma(0, 0) | (1ull << 44), 16) == -EFAULT);
	EXPECT(c, grant_read(c, mem, dma(UINT32_MAX, 0xff0), 32) == -EFAULT);
	EXPECT(c, grant_read(c, mem, UINT64_MAX, 2) == -EFAULT);
	EXPECT(c, gmem_map_iov(mem, dma(GMT_RUN_REF, 0), 3 * 256 * 4096, false,
			       iov, 2) == -ENOBUFS);
	EXPECT(c, !gmem_map_ring(mem, GMT_RAM0, 4096, true, &err) &&
			  err == -EFAULT);
	EXPECT(c, !gmem_map_ring(mem, dma(GMT_RUN_REF, 0),
				 (GRANT_PAGES_MAX + 1) * 4096, false, &err) &&
			  err == -EINVAL);
	EXPECT(c, gmc_stats(mem).map_calls == 0);

	/* Xen refuses each of these: a misuse the test counts. */
	EXPECT(c, gmem_map_iov(mem, dma(GMT_RO_REF, 0), 16, true, iov,
			       GMC_IOV_MAX) == -EFAULT);
	EXPECT(c, grant_read(c, mem, dma(300, 0), 16) == -EFAULT);
	/* The second mapping fails (1300 is not granted): the first goes. */
	EXPECT(c, grant_read(c, mem, dma(GMT_RUN_REF, 0),
			     (GMT_RUN_PAGES + 1) * 4096ull) == -EFAULT);
	s = gmc_stats(mem);
	EXPECT(c, s.map_calls == 4 && s.unmap_calls == 1 && s.live_maps == 0);
	gmem_xen_free(mem);

	/* No gntdev: grant mode cannot start, and says why. */
	EXPECT(c, gmem_grant_new(NULL, GMT_DOM, &c->src, &none) == -ENODEV);
	EXPECT(c, none == NULL);
}
