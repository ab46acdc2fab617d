/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flat guest-memory provider: guest RAM is one memfd, mapped once, that
 * holds every guest-physical region back to back. It stands in for the Xen
 * providers in tests (and in the simulated platform), and is as strict as
 * they are: a byte outside every region is -EFAULT, and it counts live
 * mappings so tests can prove that every error path releases what it mapped.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gmem.h"

#define FLAT_PAGE_SIZE 4096ull
#define FLAT_PAGE_MASK (FLAT_PAGE_SIZE - 1)

static struct gmem_flat *to_flat(struct gmem *mem)
{
	return container_of(mem, struct gmem_flat, mem);
}

/* The region holding gpa, or NULL when gpa is in a hole or beyond RAM. */
static const struct gmem_flat_region *find_region(const struct gmem_flat *flat,
						  uint64_t gpa)
{
	for (unsigned i = 0; i < flat->nr_regions; i++) {
		const struct gmem_flat_region *r = &flat->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

/* Is [gpa, gpa + len) with len > 0 free of address-space wrap-around? */
static bool range_ok(uint64_t gpa, uint64_t len)
{
	return len - 1 <= UINT64_MAX - gpa;
}

/* How many iovecs [gpa, gpa + len) takes inside one region. */
static uint64_t pieces(const struct gmem_flat *flat, uint64_t gpa, uint64_t len)
{
	if (!flat->split_pages)
		return 1;
	return ((gpa + len - 1) >> 12) - (gpa >> 12) + 1;
}

static int flat_map_iov(struct gmem *mem, uint64_t gpa, uint64_t len,
			bool writable, struct iovec *iov, unsigned max)
{
	struct gmem_flat *flat = to_flat(mem);
	uint64_t need = 0;
	unsigned n = 0;

	if (len == 0)
		return 0;
	if (!range_ok(gpa, len))
		return -EFAULT;
	/*
	 * Walk the whole range even once out of iovecs, so a range that is
	 * both too scattered and partly outside RAM reports -EFAULT.
	 */
	while (len) {
		const struct gmem_flat_region *r = find_region(flat, gpa);
		uint64_t chunk;

		if (!r)
			return -EFAULT;
		chunk = r->size - (gpa - r->gpa);
		if (chunk > len)
			chunk = len;
		need += pieces(flat, gpa, chunk);
		for (uint64_t done = 0; done < chunk && n < max;) {
			uint64_t at = gpa + done, piece = chunk - done;

			if (flat->split_pages &&
			    piece > FLAT_PAGE_SIZE - (at & FLAT_PAGE_MASK))
				piece = FLAT_PAGE_SIZE - (at & FLAT_PAGE_MASK);
			iov[n].iov_base =
				flat->base + r->offset + (at - r->gpa);
			iov[n].iov_len = piece;
			n++;
			done += piece;
		}
		gpa += chunk;
		len -= chunk;
	}
	if (need > max)
		return -ENOBUFS;
	flat->live_iov += n;
	return (int)n;
}

/*
 * Only counts: a caller releasing more than it mapped drives live_iov
 * negative, which the tests check.
 */
static void flat_unmap_iov(struct gmem *mem, const struct iovec *iov,
			   unsigned cnt)
{
	to_flat(mem)->live_iov -= cnt;
}

static void *flat_map_ring(struct gmem *mem, uint64_t gpa, size_t len,
			   bool writable, int *err)
{
	struct gmem_flat *flat = to_flat(mem);
	const struct gmem_flat_region *r;

	if (len == 0) {
		*err = -EINVAL;
		return NULL;
	}
	/* A ring must be contiguous: it may not span two regions. */
	r = find_region(flat, gpa);
	if (!range_ok(gpa, len) || !r || len > r->size - (gpa - r->gpa)) {
		*err = -EFAULT;
		return NULL;
	}
	flat->live_rings++;
	return flat->base + r->offset + (gpa - r->gpa);
}

static void flat_unmap_ring(struct gmem *mem, void *host, size_t len)
{
	to_flat(mem)->live_rings--;
}

static const struct gmem_ops flat_ops = {
	.map_iov = flat_map_iov,
	.unmap_iov = flat_unmap_iov,
	.map_ring = flat_map_ring,
	.unmap_ring = flat_unmap_ring,
};

static int check_regions(const struct gmem_flat_region *regions, unsigned nr)
{
	if (nr == 0 || nr > GMEM_FLAT_MAX_REGIONS)
		return -EINVAL;
	for (unsigned i = 0; i < nr; i++) {
		const struct gmem_flat_region *a = &regions[i];

		if (a->size == 0 || (a->gpa | a->size) & FLAT_PAGE_MASK ||
		    a->size > UINT64_MAX - a->gpa)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++) {
			const struct gmem_flat_region *b = &regions[j];

			if (a->gpa < b->gpa + b->size &&
			    b->gpa < a->gpa + a->size)
				return -EINVAL;
		}
	}
	return 0;
}

int gmem_flat_init(struct gmem_flat *flat,
		   const struct gmem_flat_region *regions, unsigned nr_regions)
{
	uint64_t total = 0;
	void *p;
	int rc, r;

	*flat = (struct gmem_flat){ .mem.ops = &flat_ops, .fd = -1 };
	rc = check_regions(regions, nr_regions);
	if (rc)
		return rc;
	for (unsigned i = 0; i < nr_regions; i++) {
		if (regions[i].size > (uint64_t)INT64_MAX - total ||
		    regions[i].size > SIZE_MAX - total)
			return -EINVAL;
		flat->regions[i] = regions[i];
		flat->regions[i].offset = total;
		total += regions[i].size;
	}
	flat->nr_regions = nr_regions;

	r = memfd_create("gmem-flat", MFD_CLOEXEC);
	if (r < 0)
		return -errno;
	flat->fd = r;
	r = ftruncate(flat->fd, (off_t)total);
	if (r < 0) {
		rc = -errno;
		goto out_close;
	}
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, flat->fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto out_close;
	}
	flat->base = p;
	flat->fd_size = total;
	return 0;

out_close:
	close(flat->fd);
	flat->fd = -1;
	flat->nr_regions = 0;
	return rc;
}

void gmem_flat_fini(struct gmem_flat *flat)
{
	if (flat->base)
		munmap(flat->base, flat->fd_size);
	if (flat->fd >= 0)
		close(flat->fd);
	flat->base = NULL;
	flat->fd = -1;
	flat->nr_regions = 0;
}

void *gmem_flat_ptr(struct gmem_flat *flat, uint64_t gpa, uint64_t len)
{
	const struct gmem_flat_region *r = find_region(flat, gpa);

	if (!r ||
	    (len && (!range_ok(gpa, len) || len > r->size - (gpa - r->gpa))))
		return NULL;
	return flat->base + r->offset + (gpa - r->gpa);
}
