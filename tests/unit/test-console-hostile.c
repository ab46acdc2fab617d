// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-console backend against a hostile driver: the device's own
 * checks (§5.3.6.1: buffer directions per queue) and its bounds (buffers
 * and bytes per loop turn, nothing held across a reset). Ring rules
 * (looping or huge chains) are the vq's and tested there. Fixture:
 * test-console-fixture.h.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "driver-ring.h"
#include "test-console-fixture.h"
#include "vdev.h"

static const struct setup_cfg cfg_unix = { .kind = CONSOLE_UNIX };
static const struct setup_cfg cfg_file = { .kind = CONSOLE_FILE };

/* virtio 1.2 §5.3.6.1: no device-readable buffer in a receiveq. */
static void test_hostile_rx_readable(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b[2] = { { BUF_GPA, 8, false },
					 { BUF_GPA + 0x100, 64, true } };
	uint8_t *p = cf_ptr(f, BUF_GPA + 0x100, 64);
	uint32_t id, len;

	f->client = cf_connect(f);
	memset(p, 0xaa, 64);
	assert_int_equal(write(f->client, "input", 5), 5);
	cf_kick(f, RXQ, b, 2);
	cf_assert_needs_reset(f);
	assert_true(cf_log_has(f, "§5.3.6.1"));
	assert_false(cf_used(f, RXQ, 10, &id, &len));
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], 0xaa);
}

/* ... and no device-writable buffer in a transmitq. */
static void test_hostile_tx_writable(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b[2] = { { BUF_GPA, 4, false },
					 { BUF_GPA + 0x100, 64, true } };
	uint8_t *p = cf_ptr(f, BUF_GPA + 0x100, 64);
	uint32_t id, len;

	f->client = cf_connect(f);
	memcpy(cf_ptr(f, BUF_GPA, 4), "data", 4);
	memset(p, 0xaa, 64);
	cf_kick(f, TXQ, b, 2);
	cf_assert_needs_reset(f);
	assert_false(cf_used(f, TXQ, 10, &id, &len));
	cf_assert_silent(f, f->client);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], 0xaa);
}

/* A zero-length receive buffer goes back empty; the device goes on. */
static void test_hostile_rx_no_room(void **state)
{
	struct fix *f = *state;

	f->client = cf_connect(f);
	assert_int_equal(cf_wait_used(f, RXQ, cf_rx(f, BUF_GPA, 0)), 0);
	assert_true(vdev_is_live(f->vdev));
	assert_int_equal(write(f->client, "k", 1), 1);
	assert_int_equal(cf_wait_used(f, RXQ, cf_rx(f, BUF_GPA, 8)), 1);
}

/*
 * A full ring of output: one notification handles half a ring at most;
 * the rest comes on the next loop turn.
 */
static void test_hostile_tx_flood_bounded(void **state)
{
	struct fix *f = *state;
	unsigned n = 0;
	uint32_t id, len;

	for (unsigned i = 0; i < QNUM; i++) {
		struct driver_buf b = { BUF_GPA + i, 1, false };

		driver_ring_make_avail(
			&f->ring[TXQ],
			driver_ring_add_chain(&f->ring[TXQ], &b, 1));
	}
	vdev_queue_notify(f->vdev, TXQ);
	while (driver_ring_get_used(&f->ring[TXQ], &id, &len))
		n++;
	assert_int_equal(n, QNUM / 2);
	while (n < QNUM && cf_used(f, TXQ, 1000, &id, &len))
		n++;
	assert_int_equal(n, QNUM);
}

/*
 * 1 MiB of output in one chain (to a file, which never pushes back): one
 * notification writes a bounded part; loop turns write the rest.
 */
static void test_hostile_tx_huge_chain(void **state)
{
	struct fix *f = *state;
	const uint32_t len = 1 << 20;
	struct driver_buf b[4];
	uint32_t id, ulen;
	struct stat st;

	for (unsigned i = 0; i < 4; i++) {
		b[i] = (struct driver_buf){ BUF_GPA + i * (len / 4), len / 4,
					    false };
		memset(cf_ptr(f, b[i].gpa, b[i].len), 'a' + (int)i, b[i].len);
	}
	cf_kick(f, TXQ, b, 4);
	assert_false(driver_ring_get_used(&f->ring[TXQ], &id, &ulen));
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size < 4 + len);
	assert_true(cf_used(f, TXQ, 2000, &id, &ulen));
	assert_int_equal(ulen, 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 4 + len);
}

/*
 * A reset with output held by back-pressure and a receive buffer held
 * for input: both let go at once, nothing written afterwards.
 */
static void test_hostile_reset_while_held(void **state)
{
	struct fix *f = *state;
	const uint32_t len = 512 * 1024;
	uint8_t *rx = cf_ptr(f, BUF_GPA + len, 64);
	uint32_t id, ulen;

	f->client = cf_connect(f);
	memset(cf_ptr(f, BUF_GPA, len), 'q', len);
	cf_kick(f, TXQ, &(struct driver_buf){ BUF_GPA, len, false }, 1);
	cf_rx(f, BUF_GPA + len, 64);
	cf_run(f, 20);
	assert_true(f->flat.live_iov > 0);
	vdev_set_status(f->vdev, 0);
	assert_int_equal(f->flat.live_iov, 0);
	memset(rx, 0xaa, 64);
	assert_int_equal(write(f->client, "after", 5), 5);
	cf_run(f, 20);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(rx[i], 0xaa);
	assert_false(driver_ring_get_used(&f->ring[RXQ], &id, &ulen));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, cf_setup, cf_teardown, \
						 (void *)&cfg)
		T(test_hostile_rx_readable, cfg_unix),
		T(test_hostile_tx_writable, cfg_unix),
		T(test_hostile_rx_no_room, cfg_unix),
		T(test_hostile_tx_flood_bounded, cfg_unix),
		T(test_hostile_tx_huge_chain, cfg_file),
		T(test_hostile_reset_while_held, cfg_unix),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
