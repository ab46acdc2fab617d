/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the split virtqueue (src/vq.c, src/vq-chain.c), driven by the
 * test driver in driver-ring.c over flat guest RAM (vq-fixture.c): set-up,
 * requests, stop and restart. Notifications are in test-vq-notify.c, hostile
 * drivers in test-vq-hostile.c.
 *
 * vq.c and vq-chain.c allocate only in vq_init() (grep calloc/malloc: the
 * only hits are in vq_init), so pop/push/flush are allocation-free.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "iov.h"
#include "vq-fixture.h"

static void read_all(struct vq_elem *e, void *dst, size_t len)
{
	struct iov_cursor c;

	iov_cursor_init(&c, e->out, e->out_num);
	assert_int_equal(iov_cursor_left(&c), len);
	assert_int_equal(iov_cursor_read(&c, dst, len), len);
}

/* ---- set-up ---- */

static void test_sizes(void **state)
{
	assert_int_equal(vq_desc_size(256), 4096);
	assert_int_equal(vq_avail_size(256), 518);
	assert_int_equal(vq_used_size(256), 2054);
	assert_int_equal(vq_used_size(32768), 6 + 8 * 32768);
}

static void test_init_rejects(void **state)
{
	struct fix *f = *state;
	struct vq vq;

	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 0, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 24, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 2048, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 16, 0), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 16, 1025), -EINVAL);
	vq_fini(&vq);
	assert_int_equal(
		vq_init(&vq, &f->flat.mem, NULL, VQ_NUM_MAX, VQ_IOV_MAX), 0);
	assert_ptr_equal(vq.elems[3].iov, vq.iov_store + 3 * VQ_IOV_MAX);
	vq_fini(&vq);
	vq_fini(&vq);
}

static void test_stop_before_start_and_twice(void **state)
{
	struct fix *f = *state;

	vq_stop(&f->vq);
	vq_stop(&f->vq);
	fix_pop_empty(f);
	assert_false(vq_flush(&f->vq));
	fix_start(f, 0);
	vq_stop(&f->vq);
	vq_stop(&f->vq);
	assert_int_equal(f->flat.live_rings, 0);
	assert_false(f->vq.started);
}

static void test_start_twice(void **state)
{
	struct fix *f = *state;

	fix_start(f, 0);
	assert_int_equal(vq_start(&f->vq, NUM, f->dr.desc_gpa, f->dr.avail_gpa,
				  f->dr.used_gpa, 0),
			 -EINVAL);
	assert_int_equal(f->flat.live_rings, 3);
}

/* ---- requests ---- */

static void test_simple_out_in(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x100, .len = 32 },
		{ .gpa = BUF_GPA + 0x1000, .len = 1, .writable = true },
	};
	uint8_t *hdr = fix_gptr(f, BUF_GPA, 16), got[48], status = 0x5a;
	uint32_t id, len;
	struct vq_elem *e;
	struct iov_cursor c;
	uint16_t head;

	fix_start(f, 0);
	for (unsigned i = 0; i < 16; i++)
		hdr[i] = (uint8_t)i;
	head = fix_add(f, bufs, 3);
	e = fix_pop_ok(f);
	assert_int_equal(e->head, head);
	assert_int_equal(e->out_num, 2);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->out_len, 48);
	assert_int_equal(e->in_len, 1);
	assert_ptr_equal(e->in, e->iov + 2);
	assert_int_equal(f->vq.inflight, 1);
	read_all(e, got, 48);
	assert_memory_equal(got, hdr, 16);
	iov_cursor_init(&c, e->in, e->in_num);
	assert_int_equal(iov_cursor_write(&c, &status, 1), 1);
	fix_pop_empty(f);

	/* More than in_len written is reported as in_len. */
	vq_push(&f->vq, e, 1000);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(driver_ring_get_used(&f->dr, &id, &len));
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 1);
	assert_int_equal(*(uint8_t *)fix_gptr(f, BUF_GPA + 0x1000, 1), 0x5a);
	assert_false(driver_ring_get_used(&f->dr, &id, &len));
}

static void test_only_in_and_zero_length(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 0 },
		{ .gpa = BUF_GPA, .len = 0, .writable = true },
		{ .gpa = BUF_GPA + 0x10, .len = 100, .writable = true },
		{ .gpa = 0xdead0000, .len = 0, .writable = true },
	};
	uint32_t id, len;
	struct vq_elem *e;

	fix_start(f, 0);
	fix_add(f, bufs, 4);
	e = fix_pop_ok(f);
	assert_int_equal(e->out_num, 0);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->in_len, 100);
	assert_ptr_equal(e->in[0].iov_base, fix_gptr(f, BUF_GPA + 0x10, 1));
	vq_push(&f->vq, e, 60);
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(len, 60);
}

static void test_buffer_across_pages_and_regions(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xff0, .len = 0x2020 },
		{ .gpa = BOUNDARY_GPA - 0x10, .len = 0x20, .writable = true },
	};
	struct vq_elem *e;

	fix_start(f, 0);
	fix_add(f, bufs, 2);
	e = fix_pop_ok(f);
	assert_int_equal(e->out_len, 0x2020);
	assert_int_equal(e->in_len, 0x20);
	/* Pages split: 0x10 + 0x1000 + 0x1000 + 0x10 bytes. */
	assert_int_equal(e->out_num, f->flat.split_pages ? 4 : 1);
	/* Two regions: two iovecs whatever the mode. */
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->in[0].iov_len, 0x10);
	assert_ptr_equal(e->in[1].iov_base, fix_gptr(f, BOUNDARY_GPA, 1));
	assert_int_equal(f->flat.live_iov, e->out_num + e->in_num);
	vq_push(&f->vq, e, 0);
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_max_iov_exactly(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV];
	struct vq_elem *e;

	for (unsigned i = 0; i < MAX_IOV; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA + 0x100 * i,
					       .len = 8 };
	fix_start(f, 0);
	fix_add(f, bufs, MAX_IOV);
	e = fix_pop_ok(f);
	assert_int_equal(e->out_num, MAX_IOV);
	assert_int_equal(e->out_len, 8 * MAX_IOV);
	vq_push(&f->vq, e, 0);
}

static void test_indirect_chain(void **state)
{
	struct fix *f = *state;
	/* The table straddles a page boundary. */
	uint64_t table = TABLE_GPA + 0x1000 - 0x10;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x2000, .len = 512, .writable = true },
		{ .gpa = BUF_GPA + 0x3000, .len = 1, .writable = true },
	};
	uint32_t id, len;
	struct vq_elem *e;
	uint16_t head;

	fix_start(f, F_INDIRECT);
	head = driver_ring_add_indirect(&f->dr, table, bufs, 3);
	driver_ring_make_avail(&f->dr, head);
	e = fix_pop_ok(f);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->out_len, 16);
	assert_int_equal(e->in_len, 513);
	assert_ptr_equal(e->in[1].iov_base, fix_gptr(f, BUF_GPA + 0x3000, 1));
	/* The table itself is not kept mapped. */
	assert_int_equal(f->flat.live_iov, 3);
	vq_push(&f->vq, e, 513);
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 513);
}

static void test_indirect_of_num_entries(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[NUM];
	struct vq_elem *e;
	uint16_t head;

	for (unsigned i = 0; i < NUM; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA + 0x10 * i,
					       .len = 1 };
	fix_start(f, F_INDIRECT);
	head = driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, NUM);
	driver_ring_make_avail(&f->dr, head);
	e = fix_pop_ok(f);
	assert_int_equal(e->out_num, NUM);
	vq_push(&f->vq, e, 0);
}

/* §2.7.5.3.2: direct descriptors may precede one indirect descriptor. */
static void test_direct_then_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = fix_gptr(f, TABLE_GPA, 32);
	struct vq_elem *e;

	fix_start(f, F_INDIRECT);
	fix_set_desc(&f->dr.desc[5], BUF_GPA, 16, VRING_DESC_F_NEXT, 9);
	/* The WRITE flag of an indirect descriptor is ignored. */
	fix_set_desc(&f->dr.desc[9], TABLE_GPA, 32,
		     VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	fix_set_desc(&table[0], BUF_GPA + 0x100, 8, VRING_DESC_F_NEXT, 1);
	fix_set_desc(&table[1], BUF_GPA + 0x200, 4, VRING_DESC_F_WRITE, 0);
	driver_ring_make_avail(&f->dr, 5);
	e = fix_pop_ok(f);
	assert_int_equal(e->head, 5);
	assert_int_equal(e->out_num, 2);
	assert_int_equal(e->out_len, 24);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->in_len, 4);
	vq_push(&f->vq, e, 4);
}

static void test_descriptor_copied_once(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 64 };
	struct vq_elem *e;
	uint16_t head;

	fix_start(f, 0);
	head = fix_add(f, &buf, 1);
	e = fix_pop_ok(f);
	/* The guest rewrites the descriptor: our copy does not change. */
	fix_set_desc(&f->dr.desc[head], 0xffffffff0000ull, 0x100000, 0, 0);
	assert_int_equal(e->out_len, 64);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->out[0].iov_len, 64);
	assert_ptr_equal(e->out[0].iov_base, fix_gptr(f, BUF_GPA, 1));
	vq_push(&f->vq, e, 0);
}

static void test_wraparound(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x100, .len = 16 },
		{ .gpa = BUF_GPA + 0x200, .len = 1, .writable = true },
	};
	uint32_t id, len;

	fix_start(f, 0);
	/* 40 chains of 3 in a ring of 16: descriptors and entries wrap. */
	for (unsigned i = 0; i < 40; i++) {
		uint16_t head = fix_add(f, bufs, 3);
		struct vq_elem *e = fix_pop_ok(f);

		assert_int_equal(e->head, head);
		assert_int_equal(e->out_num, 2);
		assert_int_equal(e->in_num, 1);
		vq_push(&f->vq, e, 1);
		assert_true(vq_flush(&f->vq));
		assert_true(driver_ring_get_used(&f->dr, &id, &len));
		assert_int_equal(id, head);
		assert_int_equal(len, 1);
	}
	assert_int_equal(f->vq.last_avail, 40);
	assert_int_equal(le16toh(f->dr.used->idx), 40);
}

/* ---- stop, restart, broken ---- */

static void test_stop_reclaims_inflight(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xf00, .len = 0x200 },
		{ .gpa = BUF_GPA + 0x2000, .len = 1, .writable = true },
	};
	struct vq_elem *e[3];
	uint8_t used_before[6 + 8 * NUM];

	fix_start(f, 0);
	for (unsigned i = 0; i < 3; i++)
		fix_add(f, bufs, 2);
	for (unsigned i = 0; i < 3; i++)
		e[i] = fix_pop_ok(f);
	vq_push(&f->vq, e[0], 1);
	assert_true(vq_flush(&f->vq));
	assert_true(f->flat.live_iov > 0);
	memcpy(used_before, f->dr.used, sizeof(used_before));

	vq_stop(&f->vq);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(e[1]->busy);
	/* A backend finishing late: ignored, nothing written or unmapped. */
	vq_push(&f->vq, e[1], 1);
	vq_push(&f->vq, e[2], 1);
	assert_int_equal(f->flat.live_iov, 0);
	assert_memory_equal(used_before, f->dr.used, sizeof(used_before));
	assert_false(vq_flush(&f->vq));

	/* The driver resets its ring and starts again from index 0. */
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	fix_start(f, 0);
	fix_add(f, bufs, 2);
	e[0] = fix_pop_ok(f);
	assert_int_equal(e[0]->head, 0);
	assert_ptr_equal(e[0], &f->vq.elems[0]);
	vq_push(&f->vq, e[0], 0);
	assert_true(vq_flush(&f->vq));
}

static void test_broken_queue_releases_without_writing(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8, .writable = true };
	uint8_t used_before[6 + 8 * NUM];
	struct vq_elem *good, *e;

	fix_start(f, 0);
	fix_add(f, &buf, 1);
	good = fix_pop_ok(f);
	driver_ring_make_avail(&f->dr, NUM + 3);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	memset(f->dr.used->ring, 0xee, 8 * NUM);
	memcpy(used_before, f->dr.used, sizeof(used_before));
	vq_push(&f->vq, good, 8);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(vq_flush(&f->vq));
	assert_memory_equal(used_before, f->dr.used, sizeof(used_before));
	/* vq_stop() clears broken; a restart works. */
	vq_stop(&f->vq);
	assert_false(f->vq.broken);
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	fix_start(f, 0);
	fix_add(f, &buf, 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
}

static void test_log_null(void **state)
{
	struct fix *f = *state;

	/* Some users have no log source: errors still break the queue. */
	struct vq_elem *e;
	char log[64];

	f->vq.log = NULL;
	fix_start(f, 0);
	driver_ring_make_avail(&f->dr, NUM);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(fix_read_log(f, log, sizeof(log)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		BOTH(test_init_rejects),
		BOTH(test_stop_before_start_and_twice),
		BOTH(test_start_twice),
		BOTH(test_simple_out_in),
		BOTH(test_only_in_and_zero_length),
		BOTH(test_buffer_across_pages_and_regions),
		BOTH(test_max_iov_exactly),
		BOTH(test_indirect_chain),
		BOTH(test_indirect_of_num_entries),
		BOTH(test_direct_then_indirect),
		BOTH(test_descriptor_copied_once),
		BOTH(test_wraparound),
		BOTH(test_stop_reclaims_inflight),
		BOTH(test_broken_queue_releases_without_writing),
		BOTH(test_log_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
