/* SPDX-License-Identifier: GPL-2.0-only */
/* First-fit guest-physical allocator with a sorted, coalescing free list. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpa-pool.h"

static int grow(struct gpa_pool *pool)
{
	unsigned cap = pool->cap ? pool->cap * 2 : 16;
	struct gpa_extent *n;

	n = realloc(pool->free, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	pool->free = n;
	pool->cap = cap;
	return 0;
}

static int insert_at(struct gpa_pool *pool, unsigned i, uint64_t gpa,
		     uint64_t len)
{
	int rc;

	if (pool->nr_free == pool->cap) {
		rc = grow(pool);
		if (rc)
			return rc;
	}
	memmove(&pool->free[i + 1], &pool->free[i],
		(pool->nr_free - i) * sizeof(pool->free[0]));
	pool->free[i].gpa = gpa;
	pool->free[i].len = len;
	pool->nr_free++;
	return 0;
}

static void remove_at(struct gpa_pool *pool, unsigned i)
{
	pool->nr_free--;
	memmove(&pool->free[i], &pool->free[i + 1],
		(pool->nr_free - i) * sizeof(pool->free[0]));
}

int gpa_pool_init(struct gpa_pool *pool, uint64_t base, uint64_t size)
{
	memset(pool, 0, sizeof(*pool));
	if (!size || base + size < base)
		return -EINVAL;
	pool->base = base;
	pool->size = size;
	return insert_at(pool, 0, base, size);
}

void gpa_pool_fini(struct gpa_pool *pool)
{
	free(pool->free);
	memset(pool, 0, sizeof(*pool));
}

/* Carves [start, start + len) out of free extent i. */
static int carve(struct gpa_pool *pool, unsigned i, uint64_t start,
		 uint64_t len)
{
	struct gpa_extent *e = &pool->free[i];
	uint64_t head = start - e->gpa;
	uint64_t tail = e->gpa + e->len - (start + len);
	int rc = 0;

	if (!head && !tail)
		remove_at(pool, i);
	else if (!head)
		*e = (struct gpa_extent){ .gpa = start + len, .len = tail };
	else if (!tail)
		e->len = head;
	else {
		rc = insert_at(pool, i + 1, start + len, tail);
		if (!rc)
			pool->free[i].len = head;
	}
	if (!rc)
		pool->in_use += len;
	return rc;
}

int gpa_pool_alloc(struct gpa_pool *pool, uint64_t len, uint64_t align,
		   uint64_t *gpa)
{
	unsigned i;

	assert(align && !(align & (align - 1)));
	if (!len)
		return -EINVAL;
	for (i = 0; i < pool->nr_free; i++) {
		const struct gpa_extent *e = &pool->free[i];
		uint64_t start = (e->gpa + align - 1) & ~(align - 1);

		if (start < e->gpa || start - e->gpa > e->len ||
		    e->len - (start - e->gpa) < len)
			continue;
		if (carve(pool, i, start, len))
			return -ENOMEM;
		*gpa = start;
		return 0;
	}
	return -ENOMEM;
}

void gpa_pool_free(struct gpa_pool *pool, uint64_t gpa, uint64_t len)
{
	struct gpa_extent *prev, *next;
	unsigned i = 0;

	if (!len)
		return;
	assert(gpa >= pool->base && gpa + len <= pool->base + pool->size);
	while (i < pool->nr_free && pool->free[i].gpa < gpa)
		i++;
	prev = i ? &pool->free[i - 1] : NULL;
	next = i < pool->nr_free ? &pool->free[i] : NULL;
	/* A double free or a wrong length is our own bug. */
	assert(!prev || prev->gpa + prev->len <= gpa);
	assert(!next || gpa + len <= next->gpa);
	pool->in_use -= len;
	if (prev && prev->gpa + prev->len == gpa) {
		prev->len += len;
		if (next && prev->gpa + prev->len == next->gpa) {
			prev->len += next->len;
			remove_at(pool, i);
		}
		return;
	}
	if (next && gpa + len == next->gpa) {
		next->gpa = gpa;
		next->len += len;
		return;
	}
	/* Out of host memory: the range stays counted in in_use, a leak. */
	if (insert_at(pool, i, gpa, len))
		pool->in_use += len;
}
