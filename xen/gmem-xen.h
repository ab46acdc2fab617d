/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory on Xen, behind src/gmem.h.
 *
 * Foreign mode (gmem-foreign.c): guest-physical addresses mapped with
 * xenforeignmemory through a cache of large buckets (GMEM_BUCKET_SIZE of
 * guest address space each, mapped on first use and kept), so steady-state
 * I/O makes no map or unmap hypercall. A bucket is reference-counted by the
 * iovecs that point into it and is only evicted (least recently used, when
 * the cache is full) or dropped (invalidate) when unreferenced. Pages that are
 * not guest RAM fail their bucket's per-page error array and any access to
 * them is -EFAULT. Rings get their own exact mappings for the queue's life.
 *
 * Grant mode (gmem-grant.c): Linux's grant DMA addresses (bit 63 set,
 * (gref << 12) | offset, consecutive grefs for a contiguous range) mapped
 * with xengnttab_map_domain_grant_refs per request and unmapped at
 * unmap_iov; rings mapped for the queue's life.
 *
 * Counters let tests and benchmarks prove the hot path makes no hypercall.
 */
#ifndef XVDM_XEN_GMEM_H
#define XVDM_XEN_GMEM_H

#include <stdint.h>

#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "compiler.h"
#include "gmem.h"

struct log_src;

#define GMEM_BUCKET_SHIFT 21 /* 2 MiB of guest address space per bucket */
#define GMEM_BUCKET_SIZE (1ull << GMEM_BUCKET_SHIFT)
#define GMEM_GRANT_ADDR_BIT (1ull << 63)

struct gmem_xen_stats {
	uint64_t map_calls;   /* map hypercalls (buckets, rings, grants) */
	uint64_t unmap_calls; /* unmap hypercalls */
	uint64_t live_maps;   /* mappings held now */
};

/* max_buckets bounds the address space mapped at once (0: 512 = 1 GiB). */
int gmem_foreign_new(xenforeignmemory_handle *fmem, uint32_t domid,
		     unsigned max_buckets, struct log_src *log,
		     struct gmem **out) must_check;
/* Drops every unreferenced bucket (IOREQ_TYPE_INVALIDATE). */
void gmem_foreign_invalidate(struct gmem *mem);

int gmem_grant_new(xengnttab_handle *gnttab, uint32_t domid,
		   struct log_src *log, struct gmem **out) must_check;

/* Either kind. NULL-safe; every iovec and ring must be unmapped before. */
void gmem_xen_free(struct gmem *mem);
void gmem_xen_stats(const struct gmem *mem, struct gmem_xen_stats *out);

#endif
