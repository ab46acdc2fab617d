/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory through grant mappings, for guests that use Linux's grant
 * DMA ops (a restricted-memory virtio device, libxl's grant_usage=1).
 *
 * Such a guest never hands us a guest-physical address. drivers/xen/
 * grant-dma-ops.c builds each DMA address as GMEM_GRANT_ADDR_BIT |
 * (gref << 12) + offset, and a buffer of n pages gets n consecutive grant
 * references (gnttab_alloc_grant_reference_seq()), so a descriptor maps
 * with one xengnttab_map_domain_grant_refs() call and comes back as one
 * iovec. Data buffers are mapped per request and unmapped at unmap_iov():
 * the guest revokes its grants when the request completes, so they cannot
 * be cached. Rings are mapped for the queue's life.
 *
 * One mapping covers at most GRANT_MAX_PAGES pages; a longer descriptor
 * becomes several mappings and as many iovecs. Each iovec is exactly one
 * mapping, so unmap_iov() finds the mapping's start and page count from the
 * iovec alone, with no table to keep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gmem-xen-int.h"
#include "log.h"

/* 1 MiB: a large block request in one mapping, and 1 KiB of refs on stack. */
#define GRANT_MAX_PAGES 256u

struct gmem_grant {
	struct gmem_xen gx;
	xengnttab_handle *gnttab;
	unsigned live_iov, live_rings;
};

static struct gmem_grant *to_grant(struct gmem *mem)
{
	return container_of(to_gmem_xen(mem), struct gmem_grant, gx);
}

/*
 * The grant offset of a guest DMA address: -EFAULT unless it carries the
 * grant bit and [gpa, gpa + len), len > 0, stays in 32-bit grant references.
 */
static int grant_range(struct gmem_grant *gg, uint64_t gpa, uint64_t len,
		       uint64_t *addr)
{
	uint64_t a = gpa & ~GMEM_GRANT_ADDR_BIT,
		 limit = ((uint64_t)UINT32_MAX + 1) << GMEM_PAGE_SHIFT;

	if (!(gpa & GMEM_GRANT_ADDR_BIT)) {
		log_guest(
			gg->gx.log, LOG_ERR,
			"%#llx+%llu is not a grant address: the guest does not use grants for this device",
			(unsigned long long)gpa, (unsigned long long)len);
		return -EFAULT;
	}
	if (a >= limit || len > limit - a) {
		log_guest(gg->gx.log, LOG_ERR,
			  "%#llx+%llu: grant references beyond 32 bits",
			  (unsigned long long)gpa, (unsigned long long)len);
		return -EFAULT;
	}
	*addr = a;
	return 0;
}

static void unmap_one(struct gmem_grant *gg, void *host, size_t len)
{
	uintptr_t at = (uintptr_t)host;
	uint64_t pages = gmem_span_pages(at, len);
	int r;

	r = xengnttab_unmap(gg->gnttab, (void *)(at & ~GMEM_PAGE_MASK),
			    (uint32_t)pages);
	gg->gx.stats.unmap_calls++;
	gg->gx.stats.live_maps--;
	if (r < 0)
		log_err(gg->gx.log, "xengnttab_unmap of %llu pages: %s",
			(unsigned long long)pages, strerror(errno));
}

/*
 * Maps the pages of grants [a >> 12, ...) covering [a, a + len), at most
 * GRANT_MAX_PAGES of them; *done is how much of len that covers.
 */
static void *map_refs(struct gmem_grant *gg, uint64_t a, uint64_t len,
		      bool writable, uint64_t *done, int *err)
{
	uint32_t refs[GRANT_MAX_PAGES],
		first = (uint32_t)(a >> GMEM_PAGE_SHIFT);
	uint64_t off = a & GMEM_PAGE_MASK, pages = gmem_span_pages(a, len);
	int prot = PROT_READ | (writable ? PROT_WRITE : 0), e;
	uint8_t *p;

	if (pages > GRANT_MAX_PAGES)
		pages = GRANT_MAX_PAGES;
	for (uint32_t i = 0; i < pages; i++)
		refs[i] = first + i;
	p = xengnttab_map_domain_grant_refs(gg->gnttab, (uint32_t)pages,
					    gg->gx.domid, refs, prot);
	gg->gx.stats.map_calls++;
	if (!p) {
		e = errno;
		log_guest(
			gg->gx.log, LOG_ERR,
			"xengnttab_map_domain_grant_refs of grants %u..%llu %s: %s",
			first, (unsigned long long)(first + pages - 1),
			writable ? "writable" : "read-only", strerror(e));
		/* gntdev: EINVAL for a reference not granted (so) to us. */
		*err = e == EINVAL || e == EFAULT || e == ESRCH ? -EFAULT : -e;
		return NULL;
	}
	gg->gx.stats.live_maps++;
	*done = pages * GMEM_PAGE_SIZE - off;
	if (*done > len)
		*done = len;
	return p + off;
}

static void grant_unmap_iov(struct gmem *mem, const struct iovec *iov,
			    unsigned cnt)
{
	struct gmem_grant *gg = to_grant(mem);

	for (unsigned i = 0; i < cnt; i++)
		unmap_one(gg, iov[i].iov_base, iov[i].iov_len);
	gg->live_iov -= cnt;
}

static int grant_map_iov(struct gmem *mem, uint64_t gpa, uint64_t len,
			 bool writable, struct iovec *iov, unsigned max)
{
	struct gmem_grant *gg = to_grant(mem);
	uint64_t a, done;
	unsigned n = 0;
	int rc;

	if (len == 0)
		return 0;
	rc = grant_range(gg, gpa, len, &a);
	if (rc)
		return rc;
	if ((gmem_span_pages(a, len) + GRANT_MAX_PAGES - 1) / GRANT_MAX_PAGES >
	    max)
		return -ENOBUFS;
	while (len) {
		iov[n].iov_base = map_refs(gg, a, len, writable, &done, &rc);
		if (!iov[n].iov_base)
			break;
		iov[n++].iov_len = done;
		a += done;
		len -= done;
	}
	gg->live_iov += n;
	if (len) {
		grant_unmap_iov(mem, iov, n);
		return rc;
	}
	return (int)n;
}

static void *grant_map_ring(struct gmem *mem, uint64_t gpa, size_t len,
			    bool writable, int *err)
{
	struct gmem_grant *gg = to_grant(mem);
	uint64_t a, done;
	void *p;

	if (len == 0) {
		*err = -EINVAL;
		return NULL;
	}
	*err = grant_range(gg, gpa, len, &a);
	if (*err)
		return NULL;
	/* A ring is one contiguous mapping; virtio's largest is 128 pages. */
	if (gmem_span_pages(a, len) > GRANT_MAX_PAGES) {
		*err = -EINVAL;
		return NULL;
	}
	p = map_refs(gg, a, len, writable, &done, err);
	if (p)
		gg->live_rings++;
	return p;
}

static void grant_unmap_ring(struct gmem *mem, void *host, size_t len)
{
	struct gmem_grant *gg = to_grant(mem);

	unmap_one(gg, host, len);
	gg->live_rings--;
}

static const struct gmem_ops grant_ops = {
	.map_iov = grant_map_iov,
	.unmap_iov = grant_unmap_iov,
	.map_ring = grant_map_ring,
	.unmap_ring = grant_unmap_ring,
};

static void grant_free(struct gmem_xen *gx)
{
	struct gmem_grant *gg = container_of(gx, struct gmem_grant, gx);

	/* The mappings are not ours to find: whoever holds them leaked. */
	if (gg->live_iov || gg->live_rings)
		log_err(gx->log, "grant mappings leaked: %u iovecs, %u rings",
			gg->live_iov, gg->live_rings);
	free(gg);
}

int gmem_grant_new(xengnttab_handle *gnttab, uint32_t domid,
		   struct log_src *log, struct gmem **out)
{
	struct gmem_grant *gg;

	if (!gnttab) {
		log_err(log,
			"the device uses grants, but xengnttab could not be opened (is the gntdev driver loaded?)");
		return -ENODEV;
	}
	gg = calloc(1, sizeof(*gg));
	if (!gg)
		return -ENOMEM;
	gg->gx = (struct gmem_xen){ .mem.ops = &grant_ops,
				    .log = log,
				    .domid = domid,
				    .free = grant_free };
	gg->gnttab = gnttab;
	*out = &gg->gx.mem;
	return 0;
}
