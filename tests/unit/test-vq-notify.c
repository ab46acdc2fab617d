/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the virtqueue's notifications both ways (src/vq.c): batched used
 * entries and when they interrupt the driver (NO_INTERRUPT, EVENT_IDX's
 * used_event, 16-bit wrap), and when the driver should notify us
 * (NO_NOTIFY, avail_event). Same fixture as test-vq.c.
 */
#include <endian.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vq-fixture.h"

static void test_batching(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8, .writable = true };
	struct vq_elem *e[4];
	uint16_t heads[4];
	uint32_t id, len;

	fix_start(f, 0);
	for (unsigned i = 0; i < 4; i++)
		heads[i] = fix_add(f, &buf, 1);
	for (unsigned i = 0; i < 4; i++)
		e[i] = fix_pop_ok(f);
	assert_int_equal(f->vq.inflight, 4);
	/* Completed out of order; nothing visible before the flush. */
	vq_push(&f->vq, e[2], 2);
	vq_push(&f->vq, e[0], 0);
	vq_push(&f->vq, e[3], 3);
	vq_push(&f->vq, e[1], 1);
	assert_int_equal(le16toh(f->dr.used->idx), 0);
	assert_true(vq_flush(&f->vq));
	assert_int_equal(le16toh(f->dr.used->idx), 4);
	for (unsigned i = 0; i < 4; i++) {
		static const unsigned order[] = { 2, 0, 3, 1 };

		assert_true(driver_ring_get_used(&f->dr, &id, &len));
		assert_int_equal(id, heads[order[i]]);
		assert_int_equal(len, order[i]);
	}
	/* Nothing pushed since: no interrupt. */
	assert_false(vq_flush(&f->vq));
}

static void test_no_interrupt_flag(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_start(f, 0);
	assert_false(vq_flush(&f->vq)); /* nothing pushed */
	f->dr.avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	fix_add(f, &buf, 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	assert_false(vq_flush(&f->vq));
	assert_int_equal(le16toh(f->dr.used->idx), 1);
	f->dr.avail->flags = 0;
	fix_add(f, &buf, 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	assert_true(vq_flush(&f->vq));
}

static void push_one(struct fix *f)
{
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_add(f, &buf, 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
}

static void test_event_idx_suppression(void **state)
{
	struct fix *f = *state;

	fix_start(f, F_EVENT_IDX);
	/* NO_INTERRUPT is ignored with EVENT_IDX (§2.7.7.2). */
	f->dr.avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	/* First flush after start: always, whatever used_event says. */
	driver_ring_set_used_event(&f->dr, 5);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* used idx 0 -> 1 */
	/* The driver wants an interrupt once entry 2 is written. */
	driver_ring_set_used_event(&f->dr, 2);
	push_one(f);
	assert_false(vq_flush(&f->vq)); /* wrote entry 1 */
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* wrote entry 2 */
	/* A batch covering used_event interrupts once. */
	driver_ring_set_used_event(&f->dr, 4);
	push_one(f);
	push_one(f);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* entries 3..5 */
	/* used_event already passed: no interrupt until it comes round. */
	push_one(f);
	assert_false(vq_flush(&f->vq));
	driver_ring_set_used_event(&f->dr, 7);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* wrote entry 7 */
}

static void test_event_idx_wrap(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *e[3];

	fix_start(f, F_EVENT_IDX);
	/* Fast-forward both sides to just before the 16-bit wrap. */
	f->vq.last_avail = f->vq.used_idx = f->vq.signalled_used = 65534;
	f->vq.signalled_used_valid = true;
	f->dr.avail_idx = f->dr.last_used = 65534;
	f->dr.avail->idx = htole16(65534);
	f->dr.used->idx = htole16(65534);
	driver_ring_set_used_event(&f->dr, 65535);
	for (unsigned i = 0; i < 3; i++)
		fix_add(f, &buf, 1);
	for (unsigned i = 0; i < 3; i++)
		e[i] = fix_pop_ok(f);
	assert_int_equal(f->vq.last_avail, 1);
	vq_push(&f->vq, e[0], 0);
	assert_false(vq_flush(&f->vq)); /* wrote entry 65534 */
	vq_push(&f->vq, e[1], 0);
	vq_push(&f->vq, e[2], 0);
	assert_true(vq_flush(&f->vq)); /* entries 65535 and 0 */
	assert_int_equal(le16toh(f->dr.used->idx), 1);
	/* used_event 0 was just covered; 1 is next. */
	driver_ring_set_used_event(&f->dr, 0);
	push_one(f);
	assert_false(vq_flush(&f->vq));
}

static void test_event_idx_rearm_on_empty(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *e;

	fix_start(f, F_EVENT_IDX);
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	fix_add(f, &buf, 1);
	fix_add(f, &buf, 1);
	e = fix_pop_ok(f);
	/* Still draining: avail_event stays behind, no notification wanted. */
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	vq_push(&f->vq, e, 0);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	/* Found empty: notify me for entry 2. */
	fix_pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 2);
	assert_int_equal(f->dr.used->flags, 0);
}

static void test_notify_flag_disable_enable(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_start(f, 0);
	vq_disable_notify(&f->vq);
	assert_int_equal(le16toh(f->dr.used->flags), VRING_USED_F_NO_NOTIFY);
	fix_pop_empty(f);
	assert_int_equal(le16toh(f->dr.used->flags), VRING_USED_F_NO_NOTIFY);
	assert_false(vq_enable_notify(&f->vq));
	assert_int_equal(f->dr.used->flags, 0);

	/* Buffers added while disabled: enable says pop again. */
	vq_disable_notify(&f->vq);
	fix_add(f, &buf, 1);
	assert_true(vq_enable_notify(&f->vq));
	assert_int_equal(f->dr.used->flags, 0);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	fix_pop_empty(f);
}

static void test_notify_event_idx_disable_enable(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	fix_start(f, F_EVENT_IDX);
	fix_add(f, &buf, 1);
	vq_disable_notify(&f->vq);
	/* §2.7.10.2: flags stay 0 with EVENT_IDX. */
	assert_int_equal(f->dr.used->flags, 0);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	/* Disabled: finding the ring empty does not re-arm. */
	fix_pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	/* The driver adds two more meanwhile, without notifying. */
	fix_add(f, &buf, 1);
	fix_add(f, &buf, 1);
	assert_true(vq_enable_notify(&f->vq));
	assert_int_equal(driver_ring_avail_event(&f->dr), 1);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	vq_push(&f->vq, fix_pop_ok(f), 0);
	fix_pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 3);
	assert_false(vq_enable_notify(&f->vq));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_batching),
		BOTH(test_no_interrupt_flag),
		BOTH(test_event_idx_suppression),
		BOTH(test_event_idx_wrap),
		BOTH(test_event_idx_rearm_on_empty),
		BOTH(test_notify_flag_disable_enable),
		BOTH(test_notify_event_idx_disable_enable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
