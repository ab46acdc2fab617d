/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the iovec cursor (src/iov.c). A driver may cut a request into
 * descriptors any way it likes (virtio 1.2 §2.7.4), so each layout a guest
 * can choose gets a test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "iov.h"

/* A request buffer of 64 bytes holding 0, 1, 2, ... */
struct buf {
	uint8_t b[64];
};

static void fill(struct buf *buf)
{
	for (unsigned i = 0; i < sizeof(buf->b); i++)
		buf->b[i] = (uint8_t)i;
}

static struct iovec at(struct buf *buf, size_t off, size_t len)
{
	return (struct iovec){ .iov_base = buf->b + off, .iov_len = len };
}

static void test_size(void **state)
{
	struct buf buf;
	struct iovec iov[3] = { at(&buf, 0, 5), at(&buf, 5, 0),
				at(&buf, 5, 11) };

	assert_int_equal(iov_size(iov, 3), 16);
	assert_int_equal(iov_size(iov, 0), 0);
}

static void test_header_across_three(void **state)
{
	struct buf buf;
	struct iovec iov[4] = { at(&buf, 0, 5), at(&buf, 5, 7), at(&buf, 12, 4),
				at(&buf, 16, 48) };
	struct iov_cursor c;
	uint8_t hdr[16], data[48];

	fill(&buf);
	iov_cursor_init(&c, iov, 4);
	assert_int_equal(iov_cursor_left(&c), 64);
	assert_int_equal(iov_cursor_read(&c, hdr, sizeof(hdr)), 16);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(hdr[i], i);
	assert_int_equal(iov_cursor_left(&c), 48);
	assert_int_equal(c.idx, 3);
	assert_int_equal(c.off, 0);
	/* Asking for more than is left copies what is left. */
	assert_int_equal(iov_cursor_read(&c, data, 100), 48);
	assert_int_equal(data[47], 63);
	assert_int_equal(iov_cursor_left(&c), 0);
	assert_int_equal(iov_cursor_read(&c, data, 1), 0);
}

static void test_header_split_mid_iovec(void **state)
{
	struct buf buf;
	struct iovec iov[2] = { at(&buf, 0, 10), at(&buf, 10, 10) };
	struct iov_cursor c;
	uint8_t x[8];

	fill(&buf);
	iov_cursor_init(&c, iov, 2);
	assert_int_equal(iov_cursor_skip(&c, 6), 6);
	assert_int_equal(iov_cursor_read(&c, x, 8), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(x[i], 6 + i);
	assert_int_equal(c.idx, 1);
	assert_int_equal(c.off, 4);
	assert_int_equal(iov_cursor_left(&c), 6);
}

static void test_zero_length_iovecs(void **state)
{
	struct buf buf;
	struct iovec iov[7] = { at(&buf, 0, 0), at(&buf, 0, 0), at(&buf, 0, 3),
				at(&buf, 3, 0), at(&buf, 3, 0), at(&buf, 3, 2),
				at(&buf, 5, 0) };
	struct iov_cursor c;
	uint8_t x[8] = { 0 };

	fill(&buf);
	iov_cursor_init(&c, iov, 7);
	assert_int_equal(c.idx, 2); /* leading empties skipped */
	assert_int_equal(iov_cursor_left(&c), 5);
	assert_int_equal(iov_cursor_read(&c, x, 4), 4);
	assert_memory_equal(x, "\0\1\2\3", 4);
	assert_int_equal(c.idx, 5);
	assert_int_equal(iov_cursor_read(&c, x, 4), 1);
	assert_int_equal(x[0], 4);
	assert_int_equal(c.idx, 7); /* trailing empty skipped too */

	/* Only empties: nothing to read, no crash. */
	iov_cursor_init(&c, iov, 2);
	assert_int_equal(iov_cursor_left(&c), 0);
	assert_int_equal(iov_cursor_read(&c, x, 4), 0);
	assert_int_equal(iov_cursor_skip(&c, 4), 0);
}

static void test_write_across(void **state)
{
	struct buf buf;
	struct iovec iov[3] = { at(&buf, 0, 1), at(&buf, 10, 0),
				at(&buf, 20, 3) };
	struct iov_cursor c;

	memset(&buf, 0, sizeof(buf));
	iov_cursor_init(&c, iov, 3);
	assert_int_equal(iov_cursor_write(&c, "abcdef", 6), 4);
	assert_int_equal(buf.b[0], 'a');
	assert_memory_equal(&buf.b[20], "bcd", 3);
	assert_int_equal(buf.b[1], 0);
	assert_int_equal(buf.b[23], 0);
	assert_int_equal(iov_cursor_left(&c), 0);
}

static void test_slice(void **state)
{
	struct buf buf;
	struct iovec iov[4] = { at(&buf, 0, 4), at(&buf, 4, 0), at(&buf, 4, 8),
				at(&buf, 12, 4) };
	struct iovec out[4];
	struct iov_cursor c;
	int n;

	iov_cursor_init(&c, iov, 4);
	assert_int_equal(iov_cursor_skip(&c, 2), 2);
	n = iov_cursor_slice(&c, 8, out, 4);
	assert_int_equal(n, 2);
	assert_ptr_equal(out[0].iov_base, buf.b + 2);
	assert_int_equal(out[0].iov_len, 2);
	assert_ptr_equal(out[1].iov_base, buf.b + 4);
	assert_int_equal(out[1].iov_len, 6);
	assert_int_equal(iov_cursor_left(&c), 6);

	/* The rest: longer than what is left gives what is left. */
	n = iov_cursor_slice(&c, 100, out, 4);
	assert_int_equal(n, 2);
	assert_ptr_equal(out[0].iov_base, buf.b + 10);
	assert_int_equal(out[0].iov_len, 2);
	assert_int_equal(out[1].iov_len, 4);
	assert_int_equal(iov_cursor_left(&c), 0);
	assert_int_equal(iov_cursor_slice(&c, 1, out, 4), 0);
}

static void test_slice_too_small_max(void **state)
{
	struct buf buf;
	struct iovec iov[3] = { at(&buf, 0, 4), at(&buf, 4, 4),
				at(&buf, 8, 4) };
	struct iovec out[2];
	struct iov_cursor c, before;

	iov_cursor_init(&c, iov, 3);
	assert_int_equal(iov_cursor_skip(&c, 1), 1);
	before = c;
	assert_int_equal(iov_cursor_slice(&c, 11, out, 2), -ENOBUFS);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(iov_cursor_slice(&c, 10, out, 0), -ENOBUFS);
	assert_memory_equal(&c, &before, sizeof(c));
	/* Fits exactly. */
	assert_int_equal(iov_cursor_slice(&c, 7, out, 2), 2);
	assert_int_equal(iov_cursor_left(&c), 4);
}

static void test_tail_alone_in_last(void **state)
{
	struct buf buf;
	struct iovec iov[3] = { at(&buf, 0, 16), at(&buf, 16, 32),
				at(&buf, 48, 1) };
	struct iovec tail[2];
	unsigned cnt = 3;

	assert_int_equal(iov_split_tail(iov, &cnt, 1, tail, 2), 1);
	assert_int_equal(cnt, 2);
	assert_ptr_equal(tail[0].iov_base, buf.b + 48);
	assert_int_equal(tail[0].iov_len, 1);
	assert_int_equal(iov[1].iov_len, 32);
}

static void test_tail_shares_with_data(void **state)
{
	struct buf buf;
	struct iovec iov[2] = { at(&buf, 0, 16), at(&buf, 16, 33) };
	struct iovec tail[1];
	unsigned cnt = 2;

	assert_int_equal(iov_split_tail(iov, &cnt, 1, tail, 1), 1);
	assert_int_equal(cnt, 2);
	assert_int_equal(iov[1].iov_len, 32);
	assert_ptr_equal(tail[0].iov_base, buf.b + 48);
	assert_int_equal(tail[0].iov_len, 1);
}

static void test_tail_with_trailing_empties(void **state)
{
	struct buf buf;
	struct iovec iov[4] = { at(&buf, 0, 8), at(&buf, 8, 0), at(&buf, 8, 1),
				at(&buf, 9, 0) };
	struct iovec tail[1];
	unsigned cnt = 4;

	assert_int_equal(iov_split_tail(iov, &cnt, 1, tail, 1), 1);
	assert_int_equal(cnt, 2);
	assert_ptr_equal(tail[0].iov_base, buf.b + 8);
	assert_int_equal(iov_size(iov, cnt), 8);
}

static void test_tail_across_iovecs(void **state)
{
	struct buf buf;
	struct iovec iov[4] = { at(&buf, 0, 8), at(&buf, 8, 2), at(&buf, 10, 0),
				at(&buf, 10, 2) };
	struct iovec saved[4], tail[3];
	unsigned cnt = 4;

	memcpy(saved, iov, sizeof(iov));
	/* Three tail bytes need two pieces: one is not enough. */
	assert_int_equal(iov_split_tail(iov, &cnt, 3, tail, 1), -ENOBUFS);
	assert_int_equal(cnt, 4);
	assert_memory_equal(iov, saved, sizeof(iov));
	/* More than the array holds. */
	assert_int_equal(iov_split_tail(iov, &cnt, 13, tail, 3), -EINVAL);
	assert_int_equal(cnt, 4);
	assert_memory_equal(iov, saved, sizeof(iov));

	assert_int_equal(iov_split_tail(iov, &cnt, 3, tail, 3), 2);
	assert_int_equal(cnt, 2);
	assert_int_equal(iov[1].iov_len, 1);
	assert_ptr_equal(tail[0].iov_base, buf.b + 9);
	assert_int_equal(tail[0].iov_len, 1);
	assert_ptr_equal(tail[1].iov_base, buf.b + 10);
	assert_int_equal(tail[1].iov_len, 2);
}

static void test_tail_whole_array_and_zero(void **state)
{
	struct buf buf;
	struct iovec iov[2] = { at(&buf, 0, 1), at(&buf, 1, 1) };
	struct iovec tail[2];
	unsigned cnt = 2;

	assert_int_equal(iov_split_tail(iov, &cnt, 0, tail, 0), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(iov_split_tail(iov, &cnt, 2, tail, 2), 2);
	assert_int_equal(cnt, 0);
	assert_int_equal(iov_split_tail(iov, &cnt, 1, tail, 2), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_header_across_three),
		cmocka_unit_test(test_header_split_mid_iovec),
		cmocka_unit_test(test_zero_length_iovecs),
		cmocka_unit_test(test_write_across),
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_slice_too_small_max),
		cmocka_unit_test(test_tail_alone_in_last),
		cmocka_unit_test(test_tail_shares_with_data),
		cmocka_unit_test(test_tail_with_trailing_empties),
		cmocka_unit_test(test_tail_across_iovecs),
		cmocka_unit_test(test_tail_whole_array_and_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
