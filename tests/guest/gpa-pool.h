/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest-physical allocator for the test drivers: rings, request headers,
 * indirect tables and data buffers all live in the guest RAM range a test
 * hands over. First fit over a sorted free list kept in host memory (never
 * in guest RAM, where a buggy device could corrupt it); frees coalesce.
 */
#ifndef XVDM_GPA_POOL_H
#define XVDM_GPA_POOL_H

#include <stdint.h>

#include "compiler.h"

struct gpa_extent {
	uint64_t gpa;
	uint64_t len;
};

struct gpa_pool {
	uint64_t base;
	uint64_t size;
	struct gpa_extent *free; /* sorted by gpa, never adjacent */
	unsigned nr_free;
	unsigned cap;
	uint64_t in_use; /* bytes handed out and not yet freed */
};

/* [base, base + size) must be guest RAM; base and size multiples of 16. */
int gpa_pool_init(struct gpa_pool *pool, uint64_t base,
		  uint64_t size) must_check;
void gpa_pool_fini(struct gpa_pool *pool);
/* align: a power of two. Returns 0 and *gpa, or -ENOMEM. */
int gpa_pool_alloc(struct gpa_pool *pool, uint64_t len, uint64_t align,
		   uint64_t *gpa) must_check;
/* len must be what was allocated at gpa. */
void gpa_pool_free(struct gpa_pool *pool, uint64_t gpa, uint64_t len);

#endif
