/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtqueue (src/vq.c, src/vq-chain.c) against a malicious driver that
 * points at memory it does not have: addresses that wrap, buffers, tables and
 * rings outside guest RAM or across its holes, more iovecs or bytes than a
 * chain may have. The queue must end broken (or refuse to start), with
 * nothing outside guest RAM touched and every partial mapping released.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vq-fixture.h"

static void test_hostile_addr_len_overflow(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = 0xfffffffffffff000ull, .len = 0x2000 },
	};

	fix_start(f, 0);
	fix_add(f, bufs, 2);
	fix_expect_hostile(f, "wraps");
}

static void test_hostile_indirect_table_overflow(void **state)
{
	struct fix *f = *state;

	fix_start(f, F_INDIRECT);
	fix_set_desc(&f->dr.desc[0], 0xfffffffffffffff0ull, 32,
		     VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "wraps");
}

static void test_hostile_buffer_beyond_ram(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = RAM_END - 0x10, .len = 0x20, .writable = true },
	};

	fix_start(f, 0);
	fix_add(f, bufs, 2);
	fix_expect_hostile(f, "outside guest RAM");
}

static void test_hostile_buffer_in_hole(void **state)
{
	struct fix *f = *state;
	/* Several good iovecs first: all must be released. */
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xf00, .len = 0x2200 },
		{ .gpa = BOUNDARY_GPA - 8, .len = 16 },
		{ .gpa = HOLE_GPA - 8, .len = 16, .writable = true },
	};

	fix_start(f, 0);
	fix_add(f, bufs, 3);
	fix_expect_hostile(f, "0x37ff8+16 outside guest RAM");
}

static void test_hostile_buffer_in_hole_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 0x1800 },
		{ .gpa = HOLE_GPA + 0x100, .len = 1, .writable = true },
	};

	fix_start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, 2));
	fix_expect_hostile(f, "outside guest RAM");
}

static void test_hostile_indirect_table_outside_ram(void **state)
{
	struct fix *f = *state;

	fix_start(f, F_INDIRECT);
	fix_set_desc(&f->dr.desc[0], HOLE_GPA - 16, 32, VRING_DESC_F_INDIRECT,
		     0);
	driver_ring_make_avail(&f->dr, 0);
	fix_expect_hostile(f, "indirect table at descriptor 0");
}

/* Each buffer straddles two regions: two iovecs per descriptor. */
static void fill_straddling(struct driver_buf *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		bufs[i] = (struct driver_buf){ .gpa = BOUNDARY_GPA - 8,
					       .len = 16 };
}

static void test_hostile_too_many_iovecs(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV / 2 + 1];

	fill_straddling(bufs, ARRAY_SIZE(bufs));
	fix_start(f, 0);
	fix_add(f, bufs, ARRAY_SIZE(bufs));
	fix_expect_hostile(f, "descriptor 8: more than 16 iovecs");
}

static void test_hostile_too_many_iovecs_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV / 2 + 1];

	fill_straddling(bufs, ARRAY_SIZE(bufs));
	fix_start(f, F_INDIRECT);
	driver_ring_make_avail(&f->dr,
			       driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs,
							ARRAY_SIZE(bufs)));
	fix_expect_hostile(f, "indirect descriptor 8: more than 16 iovecs");
}

/*
 * §2.7.5.2: at most 4 GiB in a chain. Needs more guest RAM than the other
 * tests: 2 GiB at 4 GiB, sparse in the memfd and never touched, described
 * twice by two descriptors.
 */
static void test_hostile_chain_over_4gib(void **state)
{
	static const struct gmem_flat_region big[] = {
		{ .gpa = 0x10000, .size = 0x20000 },
		{ .gpa = 0x100000000ull, .size = 0x80000000ull },
	};
	struct fix *f = *state;
	struct vq_elem *e;
	char log[512];

	vq_fini(&f->vq);
	gmem_flat_fini(&f->flat);
	assert_int_equal(gmem_flat_init(&f->flat, big, ARRAY_SIZE(big)), 0);
	assert_int_equal(
		vq_init(&f->vq, &f->flat.mem, &f->src, NUM_MAX, MAX_IOV), 0);
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	fix_start(f, 0);
	fix_set_desc(&f->dr.desc[0], 0x100000000ull, 0x80000000u,
		     VRING_DESC_F_NEXT, 1);
	fix_set_desc(&f->dr.desc[1], 0x100000000ull, 0x80000000u, 0, 0);
	driver_ring_make_avail(&f->dr, 0);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(f->flat.live_iov, 0);
	fix_read_log(f, log, sizeof(log));
	assert_non_null(strstr(log, "chain longer than 4 GiB"));
}

static void expect_start_fails(struct fix *f, uint16_t num, uint64_t desc,
			       uint64_t avail, uint64_t used, int err)
{
	assert_int_equal(vq_start(&f->vq, num, desc, avail, used, 0), err);
	assert_false(f->vq.started);
	assert_int_equal(f->flat.live_rings, 0);
}

static void test_hostile_start_ring_outside_ram(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, NUM, HOLE_GPA, a, u, -EFAULT);
	expect_start_fails(f, NUM, d, RAM_END - 16, u, -EFAULT);
	expect_start_fails(f, NUM, d, a, RAM_END, -EFAULT);
	/* The used ring runs off the end of RAM into nothing. */
	expect_start_fails(f, NUM, d, a, RAM_END - 64, -EFAULT);
	/* Across the boundary of two regions: not contiguous. */
	expect_start_fails(f, NUM, BOUNDARY_GPA - 0x80, a, u, -EFAULT);
	expect_start_fails(f, NUM, d, a, 0xfffffffffffffff0ull, -EFAULT);
	/* Still startable afterwards. */
	fix_start(f, 0);
}

static void test_hostile_start_misaligned(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, NUM, d + 8, a, u, -EINVAL);
	expect_start_fails(f, NUM, d, a + 1, u, -EINVAL);
	expect_start_fails(f, NUM, d, a, u + 2, -EINVAL);
}

static void test_hostile_start_bad_num(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, 0, d, a, u, -EINVAL);
	expect_start_fails(f, 12, d, a, u, -EINVAL);
	expect_start_fails(f, NUM_MAX * 2, d, a, u, -EINVAL);
	expect_start_fails(f, 32768, d, a, u, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_hostile_addr_len_overflow),
		BOTH(test_hostile_indirect_table_overflow),
		BOTH(test_hostile_buffer_beyond_ram),
		BOTH(test_hostile_buffer_in_hole),
		BOTH(test_hostile_buffer_in_hole_indirect),
		BOTH(test_hostile_indirect_table_outside_ram),
		BOTH(test_hostile_too_many_iovecs),
		BOTH(test_hostile_too_many_iovecs_indirect),
		cmocka_unit_test_setup_teardown(test_hostile_chain_over_4gib,
						fix_setup_plain, fix_teardown),
		BOTH(test_hostile_start_ring_outside_ram),
		BOTH(test_hostile_start_misaligned),
		BOTH(test_hostile_start_bad_num),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
