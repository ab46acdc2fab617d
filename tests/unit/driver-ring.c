/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A well-behaved driver for split virtqueues in flat guest RAM, as Linux's
 * virtio_ring lays them out. Tests that play a hostile guest start from what
 * this writes and then corrupt it through the host pointers.
 */
#include <endian.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "driver-ring.h"
#include "gmem.h"

void driver_ring_init(struct driver_ring *r, struct gmem_flat *flat,
		      uint16_t num, uint64_t ring_gpa)
{
	size_t desc_len = 16 * (size_t)num;
	size_t avail_len = 6 + 2 * (size_t)num;
	size_t used_len = 6 + 8 * (size_t)num;

	memset(r, 0, sizeof(*r));
	r->flat = flat;
	r->num = num;
	r->desc_gpa = ring_gpa;
	r->avail_gpa = ring_gpa + desc_len;
	r->used_gpa = (r->avail_gpa + avail_len + 3) & ~3ull;
	r->desc = gmem_flat_ptr(flat, r->desc_gpa, desc_len);
	r->avail = gmem_flat_ptr(flat, r->avail_gpa, avail_len);
	r->used = gmem_flat_ptr(flat, r->used_gpa, used_len);
	assert_non_null(r->desc);
	assert_non_null(r->avail);
	assert_non_null(r->used);
	memset(r->desc, 0, desc_len);
	memset(r->avail, 0, avail_len);
	memset(r->used, 0, used_len);
}

static void put_desc(struct vring_desc *d, const struct driver_buf *b,
		     uint16_t flags, uint16_t next)
{
	d->addr = htole64(b->gpa);
	d->len = htole32(b->len);
	d->flags = htole16(
		(uint16_t)(flags | (b->writable ? VRING_DESC_F_WRITE : 0)));
	d->next = htole16(next);
}

uint16_t driver_ring_add_chain(struct driver_ring *r,
			       const struct driver_buf *bufs, unsigned n)
{
	uint16_t head = r->next_free, idx = head;

	assert_true(n > 0 && n <= r->num);
	for (unsigned i = 0; i < n; i++) {
		uint16_t next = (uint16_t)((idx + 1) % r->num);
		bool last = i + 1 == n;

		put_desc(&r->desc[idx], &bufs[i], last ? 0 : VRING_DESC_F_NEXT,
			 last ? 0 : next);
		idx = next;
	}
	r->next_free = idx;
	return head;
}

uint16_t driver_ring_add_indirect(struct driver_ring *r, uint64_t table_gpa,
				  const struct driver_buf *bufs, unsigned n)
{
	struct vring_desc *table;
	struct driver_buf ind = { .gpa = table_gpa, .len = 16 * n };
	uint16_t head = r->next_free;

	assert_true(n > 0);
	table = gmem_flat_ptr(r->flat, table_gpa, 16 * (uint64_t)n);
	assert_non_null(table);
	for (unsigned i = 0; i < n; i++) {
		bool last = i + 1 == n;

		put_desc(&table[i], &bufs[i], last ? 0 : VRING_DESC_F_NEXT,
			 last ? 0 : (uint16_t)(i + 1));
	}
	put_desc(&r->desc[head], &ind, VRING_DESC_F_INDIRECT, 0);
	r->next_free = (uint16_t)((head + 1) % r->num);
	return head;
}

void driver_ring_make_avail(struct driver_ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % r->num] = htole16(head);
	r->avail_idx++;
	/* Orders the ring entry before the index the device reads first. */
	__atomic_store_n(&r->avail->idx, htole16(r->avail_idx),
			 __ATOMIC_RELEASE);
}

bool driver_ring_get_used(struct driver_ring *r, uint32_t *id, uint32_t *len)
{
	/* Pairs with the device's release of used->idx: entries before it. */
	uint16_t used_idx =
		le16toh(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE));

	if (used_idx == r->last_used)
		return false;
	*id = le32toh(r->used->ring[r->last_used % r->num].id);
	*len = le32toh(r->used->ring[r->last_used % r->num].len);
	r->last_used++;
	return true;
}

void driver_ring_set_used_event(struct driver_ring *r, uint16_t idx)
{
	/* virtio 1.2 §2.7.6: used_event trails the available ring. */
	__atomic_store_n(&r->avail->ring[r->num], htole16(idx),
			 __ATOMIC_SEQ_CST);
}

uint16_t driver_ring_avail_event(const struct driver_ring *r)
{
	/* virtio 1.2 §2.7.8: avail_event trails the used ring. */
	const uint16_t *ev = (const uint16_t *)&r->used->ring[r->num];

	return le16toh(__atomic_load_n(ev, __ATOMIC_SEQ_CST));
}
