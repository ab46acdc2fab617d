// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-input backend against a hostile driver and a flooding host:
 * §5.8.6.1's buffer rules, LED events for what the host lacks, selects
 * the device does not know (§5.8.5.2: size 0), writes to the read-only
 * part of the configuration space, and the bounded event ring that hands
 * out only whole frames. The host is the fixture's made-up device.
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

#include "evloop.h"
#include "test-input-fixture.h"
#include "vdev.h"

#define EVSZ sizeof(struct virtio_input_event)

static const enum fix_kind kind_fake = FIX_FAKE;

static void host_frame(struct fix *f, uint16_t code, int32_t v)
{
	if_host_event(f, EV_KEY, code, v);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
}

/* virtio 1.2 §5.8.6.1: eventq buffers MUST be device-writable. */
static void test_hostile_readable_event_buf(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, EVSZ, false };
	uint8_t *p = if_ptr(f, BUF_GPA, EVSZ);

	memset(p, 0xaa, EVSZ);
	if_kick(f, 0, &b, 1);
	host_frame(f, KEY_A, 1);
	if_assert_needs_reset(f);
	assert_true(if_log_has(f, "§5.8.6.1"));
	for (size_t i = 0; i < EVSZ; i++)
		assert_int_equal(p[i], 0xaa);
}

/* §5.8.6.1: at least the size of struct virtio_input_event. */
static void test_hostile_short_event_buf(void **state)
{
	struct fix *f = *state;
	uint8_t *p = if_ptr(f, BUF_GPA, 16);

	memset(p, 0xaa, 16);
	if_post_events(f, 1, EVSZ - 1);
	host_frame(f, KEY_A, 1);
	if_assert_needs_reset(f);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(p[i], 0xaa);
}

/* §5.8.6.1: statusq buffers at least one event long. */
static void test_hostile_short_status_buf(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, 4, false };

	if_kick(f, 1, &b, 1);
	if_assert_needs_reset(f);
}

static void status(struct fix *f, uint16_t type, uint16_t code, bool wr)
{
	struct virtio_input_event *v = (void *)if_ptr(f, BUF_GPA, EVSZ);
	struct driver_buf b[2] = { { BUF_GPA, EVSZ, false },
				   { BUF_GPA + 0x100, 8, true } };

	*v = (struct virtio_input_event){ htole16(type), htole16(code),
					  htole32(1) };
	if_kick(f, 1, b, wr ? 2 : 1);
	if_run(f, 10);
}

/* Status events other than the host's LEDs never reach the host. */
static void test_hostile_status_not_led(void **state)
{
	struct fix *f = *state;
	struct input_event ev;

	status(f, EV_KEY, KEY_A, false);
	status(f, EV_LED, LED_NUML, false); /* an LED it lacks */
	status(f, EV_LED, 0xffff, false);   /* past LED_MAX */
	status(f, EV_LED, LED_CAPSL, true); /* §5.8.6.1 SHOULD NOT: ok */
	assert_int_equal(read(f->host, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.type, EV_LED);
	assert_int_equal(ev.code, LED_CAPSL);
	assert_int_equal(read(f->host, &ev, sizeof(ev)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(*if_ptr(f, BUF_GPA + 0x100, 1), 0); /* unwritten */
	assert_true(vdev_is_live(f->vdev));
}

/* §5.8.5.2: size 0 for any select/subsel the device does not have. */
static void test_hostile_unknown_selects(void **state)
{
	static const uint8_t sel[][2] = {
		{ VIRTIO_INPUT_CFG_UNSET, 0 },
		{ 0x02, 0 },
		{ 0xff, 0xff },
		{ VIRTIO_INPUT_CFG_ID_NAME, 1 },
		{ VIRTIO_INPUT_CFG_EV_BITS, 0 },
		{ VIRTIO_INPUT_CFG_EV_BITS, 0xff },
		{ VIRTIO_INPUT_CFG_EV_BITS, EV_REL },
		{ VIRTIO_INPUT_CFG_ABS_INFO, 0xff },
		{ VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y },
		{ VIRTIO_INPUT_CFG_ID_DEVIDS, 7 },
	};
	struct fix *f = *state;
	uint8_t u[128];

	for (size_t i = 0; i < ARRAY_SIZE(sel); i++) {
		assert_int_equal(if_cfg(f, sel[i][0], sel[i][1], u), 0);
		for (size_t j = 0; j < sizeof(u); j++)
			assert_int_equal(u[j], 0);
	}
	assert_true(vdev_is_live(f->vdev));
}

/* Writes past select/subsel do not stick: the answer is recomputed. */
static void test_hostile_config_write_readonly(void **state)
{
	struct fix *f = *state;
	char s[129] = { 0 };
	uint64_t v;

	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_NAME, 0, s), 13);
	assert_int_equal(vdev_config_write(f->vdev, 2, 1, 0xff), 0);
	assert_int_equal(vdev_config_write(f->vdev, 8, 8, ~0ull), 0);
	assert_int_equal(vdev_config_write(f->vdev, 128, 8, ~0ull), 0);
	assert_int_equal(vdev_config_read(f->vdev, 2, 1, &v), 0);
	assert_int_equal(v, 13);
	assert_int_equal(vdev_config_read(f->vdev, 8, 8, &v), 0);
	assert_memory_equal(&v, "fake key", 8);
	assert_int_equal(vdev_config_read(f->vdev, 128, 8, &v), 0);
	assert_int_equal(v, 0);
}

/*
 * No buffers while the host floods: the ring fills, the device stops
 * reading (the loop goes quiet), and what the guest then gets starts at
 * a frame boundary.
 */
static void test_hostile_flood_without_buffers(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event ev;
	unsigned sent = 0;

	for (; sent < 1000; sent++) {
		struct input_event e[2] = {
			{ .type = EV_KEY, .code = KEY_A, .value = 1 },
			{ .type = EV_SYN, .code = SYN_REPORT },
		};

		if (write(f->host, &e[0], sizeof(e[0])) < 0 ||
		    write(f->host, &e[1], sizeof(e[1])) < 0)
			break;
	}
	assert_true(sent > INPUT_RING / 2);
	if_run(f, 30);
	/* Ring full, watch off: nothing left to dispatch. */
	assert_int_equal(evloop_run_once(f->loop, 20), 0);
	if_post_events(f, 4, EVSZ);
	for (int i = 0; i < 2; i++) {
		assert_true(if_next_event(f, 1000, &ev));
		assert_int_equal(le16toh(ev.type), EV_KEY);
		assert_true(if_next_event(f, 1000, &ev));
		assert_int_equal(le16toh(ev.type), EV_SYN);
	}
	assert_true(vdev_is_live(f->vdev));
}

static void expect_key(struct fix *f, uint16_t code)
{
	struct virtio_input_event ev;

	assert_true(if_next_event(f, 1000, &ev));
	assert_int_equal(le16toh(ev.type), EV_KEY);
	assert_int_equal(le16toh(ev.code), code);
	assert_true(if_next_event(f, 1000, &ev));
	assert_int_equal(le16toh(ev.code), SYN_REPORT);
}

/* A frame larger than the ring is dropped whole; the next one arrives. */
static void test_hostile_frame_larger_than_ring(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event ev;

	if_post_events(f, 8, EVSZ);
	for (unsigned i = 0; i < INPUT_RING + 10; i++) {
		if_host_event(f, EV_ABS, ABS_X, (int32_t)i);
		if (i % 32 == 0)
			if_run(f, 1);
	}
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	host_frame(f, KEY_B, 1);
	expect_key(f, KEY_B);
	assert_false(if_next_event(f, 20, &ev));
	assert_true(if_log_has(f, "larger than the ring"));
}

/* SYN_DROPPED: the unfinished frame goes, up to the host's SYN_REPORT. */
static void test_hostile_syn_dropped(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event ev;

	host_frame(f, KEY_A, 1);
	if_host_event(f, EV_KEY, KEY_B, 1);
	if_host_event(f, EV_SYN, SYN_DROPPED, 0);
	if_host_event(f, EV_KEY, KEY_B, 0);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	host_frame(f, KEY_A, 0);
	if_run(f, 10);
	if_post_events(f, 8, EVSZ);
	expect_key(f, KEY_A);
	expect_key(f, KEY_A);
	assert_false(if_next_event(f, 20, &ev));
}

/*
 * A reset in the middle of a host frame: what was held is gone (§2.4) and
 * the frame's rest is skipped, so the new driver starts at a boundary.
 */
static void test_hostile_reset_mid_frame(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event ev;

	if_post_events(f, 4, EVSZ);
	if_host_event(f, EV_KEY, KEY_A, 1);
	if_run(f, 10);
	assert_false(if_next_event(f, 10, &ev)); /* held: not whole */
	if_probe(f);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	host_frame(f, KEY_B, 1);
	if_post_events(f, 4, EVSZ);
	expect_key(f, KEY_B);
	assert_false(if_next_event(f, 20, &ev));
}

#define T(fn)                                                               \
	cmocka_unit_test_prestate_setup_teardown(fn, if_setup, if_teardown, \
						 (void *)&kind_fake)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostile_readable_event_buf),
		T(test_hostile_short_event_buf),
		T(test_hostile_short_status_buf),
		T(test_hostile_status_not_led),
		T(test_hostile_unknown_selects),
		T(test_hostile_config_write_readonly),
		T(test_hostile_flood_without_buffers),
		T(test_hostile_frame_larger_than_ring),
		T(test_hostile_syn_dropped),
		T(test_hostile_reset_mid_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
