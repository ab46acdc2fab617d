/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the two Xen guest-memory providers share: the part of the object
 * that gmem_xen_free() and gmem_xen_stats() see, whatever the kind.
 */
#ifndef XVDM_XEN_GMEM_INT_H
#define XVDM_XEN_GMEM_INT_H

#include <stdint.h>

#include "gmem-xen.h"

/* Xen's page: 4 KiB on Arm and x86 alike (XC_PAGE_SHIFT). */
#define GMEM_PAGE_SHIFT 12
#define GMEM_PAGE_SIZE (1ull << GMEM_PAGE_SHIFT)
#define GMEM_PAGE_MASK (GMEM_PAGE_SIZE - 1)

struct gmem_xen {
	struct gmem mem;
	struct log_src *log; /* the guest's; outlives us */
	uint32_t domid;
	struct gmem_xen_stats stats;
	void (*free)(struct gmem_xen *gx);
};

static inline struct gmem_xen *to_gmem_xen(struct gmem *mem)
{
	return container_of(mem, struct gmem_xen, mem);
}

/* How many pages [addr, addr + len) touches (no overflow: callers bound). */
static inline uint64_t gmem_span_pages(uint64_t addr, uint64_t len)
{
	return ((addr & GMEM_PAGE_MASK) + len + GMEM_PAGE_MASK) >>
	       GMEM_PAGE_SHIFT;
}

#endif
