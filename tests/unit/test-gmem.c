/* SPDX-License-Identifier: GPL-2.0-only */
/* Tests for the flat guest-memory provider (src/gmem-flat.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gmem.h"

/*
 * Two banks with a hole, then a third bank right after the second, so tests
 * cover a hole and a boundary between two adjacent regions:
 *   [0x10000, 0x20000) hole [0x40000, 0x50000)[0x50000, 0x52000)
 */
static const struct gmem_flat_region layout[] = {
	{ .gpa = 0x10000, .size = 0x10000 },
	{ .gpa = 0x40000, .size = 0x10000 },
	{ .gpa = 0x50000, .size = 0x2000 },
};

static int setup(void **state)
{
	struct gmem_flat *flat = malloc(sizeof(*flat));

	if (!flat || gmem_flat_init(flat, layout, ARRAY_SIZE(layout))) {
		free(flat);
		return -1;
	}
	*state = flat;
	return 0;
}

static int teardown(void **state)
{
	gmem_flat_fini(*state);
	free(*state);
	return 0;
}

static void test_init_layout(void **state)
{
	struct gmem_flat *flat = *state;

	assert_int_equal(flat->nr_regions, 3);
	assert_int_equal(flat->regions[0].offset, 0);
	assert_int_equal(flat->regions[1].offset, 0x10000);
	assert_int_equal(flat->regions[2].offset, 0x20000);
	assert_int_equal(flat->fd_size, 0x22000);
	assert_true(flat->fd >= 0);
	assert_ptr_equal(gmem_flat_ptr(flat, 0x10000, 1), flat->base);
	assert_ptr_equal(gmem_flat_ptr(flat, 0x50000, 0x2000),
			 flat->base + 0x20000);
	assert_null(gmem_flat_ptr(flat, 0x20000, 1));
	assert_null(gmem_flat_ptr(flat, 0x1f000, 0x2000));
	assert_null(gmem_flat_ptr(flat, 0xf000, 1));
	assert_null(gmem_flat_ptr(flat, UINT64_MAX, 2));
}

static void expect_init_fails(const struct gmem_flat_region *r, unsigned n)
{
	struct gmem_flat flat;

	assert_int_equal(gmem_flat_init(&flat, r, n), -EINVAL);
	gmem_flat_fini(&flat);
}

static void test_init_rejects(void **state)
{
	const struct gmem_flat_region overlap[] = {
		{ .gpa = 0x0, .size = 0x3000 },
		{ .gpa = 0x2000, .size = 0x1000 },
	};
	const struct gmem_flat_region unaligned_size[] = {
		{ .gpa = 0x0, .size = 0x1800 },
	};
	const struct gmem_flat_region unaligned_gpa[] = {
		{ .gpa = 0x800, .size = 0x1000 },
	};
	const struct gmem_flat_region empty[] = {
		{ .gpa = 0x0, .size = 0 },
	};
	const struct gmem_flat_region wraps[] = {
		{ .gpa = 0xfffffffffffff000ull, .size = 0x2000 },
	};
	const struct gmem_flat_region five[5] = {
		{ .gpa = 0x0000, .size = 0x1000 },
		{ .gpa = 0x1000, .size = 0x1000 },
		{ .gpa = 0x2000, .size = 0x1000 },
		{ .gpa = 0x3000, .size = 0x1000 },
		{ .gpa = 0x4000, .size = 0x1000 },
	};

	expect_init_fails(overlap, 2);
	expect_init_fails(unaligned_size, 1);
	expect_init_fails(unaligned_gpa, 1);
	expect_init_fails(empty, 1);
	expect_init_fails(wraps, 1);
	expect_init_fails(five, 5);
	expect_init_fails(five, 0);
}

static void test_map_simple(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[4];
	int n;

	n = gmem_map_iov(&flat->mem, 0x10100, 0x200, true, iov, 4);
	assert_int_equal(n, 1);
	assert_ptr_equal(iov[0].iov_base, gmem_flat_ptr(flat, 0x10100, 1));
	assert_int_equal(iov[0].iov_len, 0x200);
	assert_int_equal(flat->live_iov, 1);
	/* The mapping is guest RAM itself: writes show through. */
	memset(iov[0].iov_base, 0xa5, 0x200);
	assert_int_equal(*(uint8_t *)gmem_flat_ptr(flat, 0x102ff, 1), 0xa5);
	gmem_unmap_iov(&flat->mem, iov, (unsigned)n);
	assert_int_equal(flat->live_iov, 0);

	/* Zero length maps nothing, wherever it points. */
	assert_int_equal(gmem_map_iov(&flat->mem, 0x30000, 0, false, iov, 4),
			 0);
	assert_int_equal(flat->live_iov, 0);
}

static void test_map_region_boundary(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[4];
	int n;

	/* [0x4f000, 0x51000) spans regions 1 and 2: two pieces. */
	n = gmem_map_iov(&flat->mem, 0x4f000, 0x2000, false, iov, 4);
	assert_int_equal(n, 2);
	assert_ptr_equal(iov[0].iov_base, gmem_flat_ptr(flat, 0x4f000, 1));
	assert_int_equal(iov[0].iov_len, 0x1000);
	assert_ptr_equal(iov[1].iov_base, gmem_flat_ptr(flat, 0x50000, 1));
	assert_int_equal(iov[1].iov_len, 0x1000);
	assert_int_equal(flat->live_iov, 2);
	gmem_unmap_iov(&flat->mem, iov, (unsigned)n);
	assert_int_equal(flat->live_iov, 0);
}

static void test_map_split_pages(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[8];
	int n;

	flat->split_pages = true;
	n = gmem_map_iov(&flat->mem, 0x10ff0, 0x2020, true, iov, 8);
	assert_int_equal(n, 4);
	assert_int_equal(iov[0].iov_len, 0x10);
	assert_int_equal(iov[1].iov_len, 0x1000);
	assert_int_equal(iov[2].iov_len, 0x1000);
	assert_int_equal(iov[3].iov_len, 0x10);
	assert_ptr_equal(iov[3].iov_base, gmem_flat_ptr(flat, 0x13000, 1));
	gmem_unmap_iov(&flat->mem, iov, (unsigned)n);

	/* Exactly one page, aligned: one piece. */
	n = gmem_map_iov(&flat->mem, 0x11000, 0x1000, true, iov, 1);
	assert_int_equal(n, 1);
	gmem_unmap_iov(&flat->mem, iov, (unsigned)n);

	/* Too many pages for max: -ENOBUFS, nothing counted. */
	n = gmem_map_iov(&flat->mem, 0x10ff0, 0x2020, true, iov, 3);
	assert_int_equal(n, -ENOBUFS);
	assert_int_equal(flat->live_iov, 0);
	flat->split_pages = false;
}

static void test_map_efault(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[4];

	/* Below RAM, in the hole, beyond the end, partly outside. */
	assert_int_equal(gmem_map_iov(&flat->mem, 0x0, 0x10, false, iov, 4),
			 -EFAULT);
	assert_int_equal(gmem_map_iov(&flat->mem, 0x30000, 0x10, false, iov, 4),
			 -EFAULT);
	assert_int_equal(gmem_map_iov(&flat->mem, 0x52000, 1, false, iov, 4),
			 -EFAULT);
	assert_int_equal(
		gmem_map_iov(&flat->mem, 0x1ff00, 0x200, false, iov, 4),
		-EFAULT);
	assert_int_equal(gmem_map_iov(&flat->mem, 0x51fff, 2, false, iov, 4),
			 -EFAULT);
	/* gpa + len wraps around the address space. */
	assert_int_equal(
		gmem_map_iov(&flat->mem, 0x10000, UINT64_MAX, false, iov, 4),
		-EFAULT);
	assert_int_equal(gmem_map_iov(&flat->mem, 0xfffffffffffff000ull, 0x2000,
				      false, iov, 4),
			 -EFAULT);
	assert_int_equal(flat->live_iov, 0);
}

static void test_map_enobufs(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[2] = { { NULL, 0 }, { NULL, 0 } };

	assert_int_equal(
		gmem_map_iov(&flat->mem, 0x4f000, 0x2000, false, iov, 1),
		-ENOBUFS);
	assert_int_equal(gmem_map_iov(&flat->mem, 0x10000, 1, false, iov, 0),
			 -ENOBUFS);
	/* Outside RAM beats too scattered: the guest error is reported. */
	assert_int_equal(
		gmem_map_iov(&flat->mem, 0x4f000, 0x4000, false, iov, 1),
		-EFAULT);
	assert_int_equal(flat->live_iov, 0);
	/* Nothing is written past max. */
	assert_null(iov[1].iov_base);
}

static void test_map_ring(void **state)
{
	struct gmem_flat *flat = *state;
	int err = 0;
	void *p;

	p = gmem_map_ring(&flat->mem, 0x10000, 0x1000, true, &err);
	assert_ptr_equal(p, flat->base);
	assert_int_equal(flat->live_rings, 1);
	gmem_unmap_ring(&flat->mem, p, 0x1000);
	assert_int_equal(flat->live_rings, 0);

	/* A ring across two adjacent regions is not contiguous. */
	p = gmem_map_ring(&flat->mem, 0x4fff0, 0x20, true, &err);
	assert_null(p);
	assert_int_equal(err, -EFAULT);
	p = gmem_map_ring(&flat->mem, 0x30000, 0x20, true, &err);
	assert_null(p);
	assert_int_equal(err, -EFAULT);
	p = gmem_map_ring(&flat->mem, UINT64_MAX - 8, 0x20, true, &err);
	assert_null(p);
	assert_int_equal(err, -EFAULT);
	err = 0;
	p = gmem_map_ring(&flat->mem, 0x10000, 0, true, &err);
	assert_null(p);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(flat->live_rings, 0);

	/* The very last bytes of RAM are fine. */
	p = gmem_map_ring(&flat->mem, 0x51ff0, 0x10, false, &err);
	assert_ptr_equal(p, gmem_flat_ptr(flat, 0x51ff0, 0x10));
	gmem_unmap_ring(&flat->mem, p, 0x10);
	assert_int_equal(flat->live_rings, 0);
}

static void test_unmap_too_much_is_visible(void **state)
{
	struct gmem_flat *flat = *state;
	struct iovec iov[1];

	assert_int_equal(gmem_map_iov(&flat->mem, 0x10000, 8, false, iov, 1),
			 1);
	gmem_unmap_iov(&flat->mem, iov, 1);
	gmem_unmap_iov(&flat->mem, iov, 1);
	assert_int_equal(flat->live_iov, -1);
	flat->live_iov = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_layout, setup,
						teardown),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test_setup_teardown(test_map_simple, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_region_boundary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_split_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_efault, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_enobufs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_too_much_is_visible,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
