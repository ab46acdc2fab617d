/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory as the core sees it. Every guest address the device model
 * touches goes through this interface, which hands back bounded iovecs (never
 * a bare pointer without its length). A guest address outside guest RAM is an
 * error (-EFAULT), never a crash and never another guest's or the host's data.
 *
 * Providers: gmem-flat.c (guest RAM in a memfd, for tests), and in xen/ the
 * foreign-mapping cache and the grant mapper.
 */
#ifndef XVDM_GMEM_H
#define XVDM_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "compiler.h"

struct gmem;

struct gmem_ops {
	/*
	 * Translates [gpa, gpa + len) into at most max iovecs appended at iov.
	 * A range the provider maps in pieces (regions, pages, cache buckets)
	 * yields several iovecs. writable: the device will write to it.
	 * Returns the number of iovecs used (>= 1 for len > 0, 0 for len == 0),
	 * -EFAULT when any byte is outside guest RAM or gpa + len overflows,
	 * -ENOBUFS when more than max iovecs would be needed.
	 * Mappings stay valid until unmap_iov() on the same iovecs.
	 */
	int (*map_iov)(struct gmem *mem, uint64_t gpa, uint64_t len,
		       bool writable, struct iovec *iov, unsigned max);
	/* Releases what map_iov() returned. May be NULL: nothing to release. */
	void (*unmap_iov)(struct gmem *mem, const struct iovec *iov,
			  unsigned cnt);
	/*
	 * Maps [gpa, gpa + len) contiguously for a long time (a ring, for the
	 * queue's lifetime). Returns the address or NULL with *err set
	 * (-EFAULT outside guest RAM, -ENOMEM, ...).
	 */
	void *(*map_ring)(struct gmem *mem, uint64_t gpa, size_t len,
			  bool writable, int *err);
	void (*unmap_ring)(struct gmem *mem, void *host, size_t len);
};

struct gmem {
	const struct gmem_ops *ops;
};

static inline int must_check gmem_map_iov(struct gmem *mem, uint64_t gpa,
					  uint64_t len, bool writable,
					  struct iovec *iov, unsigned max)
{
	return mem->ops->map_iov(mem, gpa, len, writable, iov, max);
}

static inline void gmem_unmap_iov(struct gmem *mem, const struct iovec *iov,
				  unsigned cnt)
{
	if (mem->ops->unmap_iov && cnt)
		mem->ops->unmap_iov(mem, iov, cnt);
}

static inline void *gmem_map_ring(struct gmem *mem, uint64_t gpa, size_t len,
				  bool writable, int *err)
{
	return mem->ops->map_ring(mem, gpa, len, writable, err);
}

static inline void gmem_unmap_ring(struct gmem *mem, void *host, size_t len)
{
	if (host)
		mem->ops->unmap_ring(mem, host, len);
}

/*
 * The flat provider: guest RAM is one memfd holding up to GMEM_FLAT_MAX_REGIONS
 * regions of guest-physical address space (like Arm guests' two RAM banks).
 * With split_pages set, map_iov splits every range at 4 KiB page boundaries
 * as a foreign-mapping provider may, so tests cover scattered buffers.
 * Counts of live mappings let tests prove nothing leaks.
 */
#define GMEM_FLAT_MAX_REGIONS 4

struct gmem_flat_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t offset; /* in the memfd; set by gmem_flat_init() */
};

struct gmem_flat {
	struct gmem mem;
	int fd;
	uint8_t *base; /* the whole memfd, mapped once */
	uint64_t fd_size;
	unsigned nr_regions;
	struct gmem_flat_region regions[GMEM_FLAT_MAX_REGIONS];
	bool split_pages;
	long live_iov; /* iovecs mapped and not yet unmapped */
	long live_rings;
};

/* regions must not overlap; sizes are multiples of 4 KiB. */
int gmem_flat_init(struct gmem_flat *flat,
		   const struct gmem_flat_region *regions,
		   unsigned nr_regions) must_check;
void gmem_flat_fini(struct gmem_flat *flat);
/* Test access to guest RAM: a host pointer for [gpa, gpa + len), or NULL. */
void *gmem_flat_ptr(struct gmem_flat *flat, uint64_t gpa, uint64_t len);

#endif
