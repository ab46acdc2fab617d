/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtqueue (src/vq.c, src/vq-chain.c) against a malicious driver, one
 * broken rule of the ring or of a descriptor chain each (indices, loops,
 * INDIRECT, readable after writable): the queue must end broken with one log
 * line, every partial mapping released (live_iov back to 0) and guest RAM
 * untouched. Buffers outside guest RAM are in test-vq-hostile-mem.c.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vq-fixture.h"

static void test_hostile_looped_chain(void **state)
{
	struct fix *f = *state;

	fix_start(f, 0);
	fix_set_desc(&f->dr.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&f->dr.desc[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "loop");
}

static void test_hostile_self_loop_zero_length(void **state)
{
	struct fix *f = *state;

	/* Zero-length descriptors map nothing but still count. */
	fix_start(f, 0);
	fix_set_desc(&f->dr.desc[4], BUF_GPA, 0, VRING_DESC_F_NEXT, 4);
	driver_ring_make_avail(&f->dr, 4);
	fix_expect_hostile(f, "loop");
}

static void test_hostile_next_out_of_range(void **state)
{
	struct fix *f = *state;

	fix_start(f, 0);
	fix_set_desc(&f->dr.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&f->dr.desc[1], BUF_GPA, 8, VRING_DESC_F_NEXT, NUM);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "next 16 >= queue size 16");
}

static void test_hostile_head_out_of_range(void **state)
{
	struct fix *f = *state;

	fix_start(f, 0);
	driver_ring_make_avail(&f->dr, NUM);
	fix_expect_hostile(f, "head 16 >= size 16");
}

static void test_hostile_avail_idx_jump(void **state)
{
	struct fix *f = *state;

	fix_start(f, 0);
	f->dr.avail->idx = htole16(NUM + 1);
	fix_expect_hostile(f, "avail index moved from 0 to 17");
}

static void test_hostile_avail_idx_backwards(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_start(f, 0);
	fix_add(f, &buf, 1);
	fix_add(f, &buf, 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	f->dr.avail->idx = htole16(1);
	fix_expect_hostile(f, "avail index moved from 2 to 1");
}

static void test_hostile_duplicate_head(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *first, *e;
	char log[512];
	uint16_t head;

	fix_start(f, 0);
	head = fix_add(f, &buf, 1);
	driver_ring_make_avail(&f->dr, head);
	first = fix_pop_ok(f);
	/* The first stays mapped; the second must map nothing. */
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(f->flat.live_iov, 1);
	assert_true(first->busy);
	fix_read_log(f, log, sizeof(log));
	assert_non_null(strstr(log, "head 0 in flight"));
	/* Completing the first on the broken queue only releases it. */
	vq_push(&f->vq, first, 0);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->dr.used->idx, 0);
}

static void test_hostile_indirect_not_negotiated(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_start(f, 0);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, &buf, 1));
	fix_expect_hostile(f, "INDIRECT not negotiated");
}

static void test_hostile_indirect_len_not_multiple(void **state)
{
	struct fix *f = *state;

	fix_start(f, F_INDIRECT);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "indirect table length 24");
}

static void test_hostile_indirect_len_zero(void **state)
{
	struct fix *f = *state;

	fix_start(f, F_INDIRECT);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "indirect table length 0");
}

static void test_hostile_nested_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 32);

	fix_start(f, F_INDIRECT);
	fix_set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&table[1], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "nested INDIRECT");
}

static void test_hostile_indirect_with_next(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 16);

	fix_start(f, F_INDIRECT);
	fix_set_desc(&table[0], BUF_GPA, 8, 0, 0);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 16,
		     VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	fix_set_desc(&f->dr.desc[1], BUF_GPA, 8, 0, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "INDIRECT with NEXT");
}

static void test_hostile_readable_after_writable(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = BUF_GPA + 0x100, .len = 8, .writable = true },
		{ .gpa = BUF_GPA + 0x200, .len = 8 },
	};

	fix_start(f, 0);
	fix_add(f, bufs, 3);
	fix_expect_hostile(f, "readable after writable");
}

static void test_hostile_readable_after_writable_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8, .writable = true },
		{ .gpa = BUF_GPA + 0x100, .len = 8 },
	};

	fix_start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, 2));
	fix_expect_hostile(f, "readable after writable");
}

static void test_hostile_indirect_table_too_big(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[NUM + 1];

	for (unsigned i = 0; i < NUM + 1; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA, .len = 0 };
	fix_start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr,
		driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, NUM + 1));
	fix_expect_hostile(f, "indirect table of 17 > 16 entries");
}

static void test_hostile_chain_too_long_direct_plus_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 16 * 10);

	fix_start(f, F_INDIRECT);
	/* 8 direct descriptors, then a table of 10: 18 > 16 buffers. */
	for (uint16_t i = 0; i < 8; i++)
		fix_set_desc(&f->dr.desc[i], BUF_GPA, 1, VRING_DESC_F_NEXT,
			     (uint16_t)(i + 1));
	fix_set_desc(&f->dr.desc[8], TABLE_GPA, 16 * 10, VRING_DESC_F_INDIRECT,
		     0);
	for (uint16_t i = 0; i < 10; i++)
		fix_set_desc(&table[i], BUF_GPA, 1,
			     i < 9 ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "chain longer than queue size");
}

static void test_hostile_indirect_loop(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 32);

	fix_start(f, F_INDIRECT);
	fix_set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&table[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "loop");
}

static void test_hostile_indirect_next_out_of_table(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 32);

	fix_start(f, F_INDIRECT);
	fix_set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&table[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 2);
	fix_set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "next 2 >= table size 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_hostile_looped_chain),
		BOTH(test_hostile_self_loop_zero_length),
		BOTH(test_hostile_next_out_of_range),
		BOTH(test_hostile_head_out_of_range),
		BOTH(test_hostile_avail_idx_jump),
		BOTH(test_hostile_avail_idx_backwards),
		BOTH(test_hostile_duplicate_head),
		BOTH(test_hostile_indirect_not_negotiated),
		BOTH(test_hostile_indirect_len_not_multiple),
		BOTH(test_hostile_indirect_len_zero),
		BOTH(test_hostile_nested_indirect),
		BOTH(test_hostile_indirect_with_next),
		BOTH(test_hostile_readable_after_writable),
		BOTH(test_hostile_readable_after_writable_indirect),
		BOTH(test_hostile_indirect_table_too_big),
		BOTH(test_hostile_chain_too_long_direct_plus_indirect),
		BOTH(test_hostile_indirect_loop),
		BOTH(test_hostile_indirect_next_out_of_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
