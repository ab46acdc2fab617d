// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-rng backend against a hostile driver: the device's own checks
 * (§5.4.6.1 device-readable buffers, no room for a byte) and its bounds
 * (bytes per request, per loop turn, no fresh burst after a reset). The
 * ring rules are the vq's and tested there. Fixture: test-rng-fixture.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "driver-ring.h"
#include "test-rng-fixture.h"
#include "vdev.h"

static const struct setup_cfg cfg_file = { .src = SRC_FILE };
static const struct setup_cfg cfg_urandom = { .src = SRC_URANDOM };
static const struct setup_cfg cfg_rate = { .src = SRC_URANDOM, .rate = 1000 };

/* virtio 1.2 §5.4.6.1: only device-writable buffers in the requestq. */
static void test_hostile_readable_chain(void **state)
{
	struct fix *f = *state;
	uint8_t *p = rf_ptr(f, BUF_GPA, 64);

	memset(p, 0xaa, 64);
	{
		struct driver_buf b = { BUF_GPA, 64, false };

		rf_kick(f, &b, 1);
	}
	rf_assert_needs_reset(f);
	assert_true(rf_log_has(f, "§5.4.6.1"));
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], 0xaa);
}

/* Readable then writable: refused as a whole, nothing written. */
static void test_hostile_mixed_chain(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b[2] = { { BUF_GPA, 16, false },
					 { BUF_GPA + 0x100, 64, true } };
	uint8_t *p = rf_ptr(f, BUF_GPA + 0x100, 64);

	memset(p, 0xaa, 64);
	rf_kick(f, b, 2);
	rf_assert_needs_reset(f);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], 0xaa);
}

/* Only a zero-length buffer: given back empty, the device goes on. */
static void test_hostile_no_room(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 0)), 0);
	assert_true(vdev_is_live(f->vdev));
	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 8)), 8);
}

/* A huge buffer gets RNG_REQ_MAX bytes (§5.4.6.2: less is allowed). */
static void test_hostile_huge_buffer(void **state)
{
	struct fix *f = *state;
	uint8_t *p = rf_ptr(f, BUF_GPA, 0x10000);

	memset(p, 0, 0x10000);
	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 0x10000)),
			 RNG_REQ_MAX);
	for (size_t i = RNG_REQ_MAX; i < 0x10000; i++)
		assert_int_equal(p[i], 0);
}

/*
 * A full ring of big requests: one notification serves RNG_TURN_MAX bytes
 * at most; the rest comes on later loop turns.
 */
static void test_hostile_flood_bounded(void **state)
{
	struct fix *f = *state;
	unsigned n = 0;
	uint32_t id, len;

	for (unsigned i = 0; i < QNUM; i++) {
		struct driver_buf b = { BUF_GPA + i * RNG_REQ_MAX, RNG_REQ_MAX,
					true };

		driver_ring_make_avail(&f->ring,
				       driver_ring_add_chain(&f->ring, &b, 1));
	}
	vdev_queue_notify(f->vdev, 0);
	while (driver_ring_get_used(&f->ring, &id, &len))
		n++;
	assert_int_equal(n, RNG_TURN_MAX / RNG_REQ_MAX);
	while (n < QNUM && rf_used(f, 1000, &id, &len))
		n++;
	assert_int_equal(n, QNUM);
}

/* A reset does not refill the bucket: no fresh burst for a guest. */
static void test_hostile_reset_no_burst(void **state)
{
	struct fix *f = *state;
	uint32_t id, len;

	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 100)), 100);
	vdev_set_status(f->vdev, 0);
	rf_probe(f);
	rf_request(f, BUF_GPA, 100);
	assert_false(driver_ring_get_used(&f->ring, &id, &len));
	assert_true(rf_used(f, 2000, &id, &len));
	assert_true(len >= 1 && len <= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, rf_setup, rf_teardown, \
						 (void *)&cfg)
		T(test_hostile_readable_chain, cfg_file),
		T(test_hostile_mixed_chain, cfg_file),
		T(test_hostile_no_room, cfg_file),
		T(test_hostile_huge_buffer, cfg_urandom),
		T(test_hostile_flood_bounded, cfg_urandom),
		T(test_hostile_reset_no_burst, cfg_rate),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
