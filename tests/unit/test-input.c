// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-input backend (backends/input) with a real evdev device made
 * through uinput: the configuration space answers Linux's virtio_input
 * probe asks for (virtio 1.2 §5.8.4), key events reach the guest's eventq
 * (§5.8.6), LED status goes back to the host, the grab holds. Skipped
 * without /dev/uinput. Fixture: test-input-fixture.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/uinput.h>
#include <linux/virtio_ids.h>

#include "registry.h"
#include "test-input-fixture.h"
#include "vdev.h"

static const enum fix_kind kind_uinput = FIX_UINPUT;
static const enum fix_kind kind_grab = FIX_UINPUT_GRAB;
static const enum fix_kind kind_fake = FIX_FAKE;

static bool bit(const uint8_t *b, unsigned n)
{
	return (b[n / 8] >> (n % 8)) & 1;
}

static void test_cfg_ids(void **state)
{
	struct fix *f = *state;
	union {
		char s[129];
		struct virtio_input_devids ids;
	} u;

	if_need_host(f);
	memset(&u, 0, sizeof(u));
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_NAME, 0, &u),
			 strlen(UI_NAME));
	assert_string_equal(u.s, UI_NAME);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_DEVIDS, 0, &u),
			 sizeof(u.ids));
	assert_int_equal(le16toh(u.ids.bustype), BUS_USB);
	assert_int_equal(le16toh(u.ids.vendor), 0x1234);
	assert_int_equal(le16toh(u.ids.product), 0x5678);
	assert_int_equal(le16toh(u.ids.version), 3);
	/* uinput devices have no unique id: §5.8.5.2 size 0. */
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_SERIAL, 0, &u), 0);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_PROP_BITS, 0, &u), 0);
}

static void test_cfg_ev_bits(void **state)
{
	struct fix *f = *state;
	uint8_t b[128];
	uint8_t n;

	if_need_host(f);
	n = if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, b);
	assert_int_equal(n, KEY_B / 8 + 1);
	assert_true(bit(b, KEY_A) && bit(b, KEY_B));
	assert_false(bit(b, KEY_C));
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, b), 1);
	assert_int_equal(b[0], 1u << ABS_X);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, b), 1);
	assert_int_equal(b[0], 1u << LED_CAPSL);
	/* Linux's probe also asks for these: not there, size 0. */
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, b), 0);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_SW, b), 0);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_MSC, b), 0);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_SYN, b), 0);
}

static void test_cfg_abs_info(void **state)
{
	struct fix *f = *state;
	struct virtio_input_absinfo a[4];

	if_need_host(f);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, a),
			 sizeof(a[0]));
	assert_int_equal((int32_t)le32toh(a[0].min), -100);
	assert_int_equal(le32toh(a[0].max), 900);
	assert_int_equal(le32toh(a[0].fuzz), 2);
	assert_int_equal(le32toh(a[0].flat), 4);
	assert_int_equal(le32toh(a[0].res), 7);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y, a), 0);
}

static void expect_event(struct fix *f, uint16_t type, uint16_t code,
			 int32_t value)
{
	struct virtio_input_event ev;

	assert_true(if_next_event(f, 2000, &ev));
	assert_int_equal(le16toh(ev.type), type);
	assert_int_equal(le16toh(ev.code), code);
	assert_int_equal((int32_t)le32toh(ev.value), value);
}

/* Key press and release, each a frame, reach the eventq in order. */
static void test_keys_to_guest(void **state)
{
	struct fix *f = *state;

	if_need_host(f);
	if_post_events(f, 8, sizeof(struct virtio_input_event));
	if_host_event(f, EV_KEY, KEY_A, 1);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	if_host_event(f, EV_KEY, KEY_A, 0);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	expect_event(f, EV_KEY, KEY_A, 1);
	expect_event(f, EV_SYN, SYN_REPORT, 0);
	expect_event(f, EV_KEY, KEY_A, 0);
	expect_event(f, EV_SYN, SYN_REPORT, 0);
	assert_true(vdev_is_live(f->vdev));
}

/* Events wait in the ring until the guest gives buffers. */
static void test_events_wait_for_buffers(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event ev;

	if_need_host(f);
	if_host_event(f, EV_KEY, KEY_B, 1);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	assert_false(if_next_event(f, 50, &ev));
	if_post_events(f, 1, sizeof(ev));
	expect_event(f, EV_KEY, KEY_B, 1);
	assert_false(if_next_event(f, 20, &ev)); /* one buffer, one event */
	if_post_events(f, 1, sizeof(ev));
	expect_event(f, EV_SYN, SYN_REPORT, 0);
}

/* An EV_LED status event turns the host's LED on (uinput reports it). */
static void test_led_to_host(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event *v;
	struct driver_buf b = { BUF_GPA + 0x8000, sizeof(*v), false };
	struct input_event ev;
	uint64_t end = if_now_ms() + 2000;
	ssize_t n;

	if_need_host(f);
	v = (void *)if_ptr(f, BUF_GPA + 0x8000, sizeof(*v));
	*v = (struct virtio_input_event){ htole16(EV_LED), htole16(LED_CAPSL),
					  htole32(1) };
	if_kick(f, 1, &b, 1);
	do {
		n = read(f->host, &ev, sizeof(ev));
		if (n < 0)
			usleep(1000);
	} while (n < 0 && errno == EAGAIN && if_now_ms() < end);
	assert_int_equal(n, sizeof(ev));
	assert_int_equal(ev.type, EV_LED);
	assert_int_equal(ev.code, LED_CAPSL);
	assert_int_equal(ev.value, 1);
	assert_true(vdev_is_live(f->vdev));
}

/* input-grab: nobody else can grab the device while the backend has it. */
static void test_grab(void **state)
{
	struct fix *f = *state;
	int fd;

	if_need_host(f);
	fd = open(f->evpath, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, EVIOCGRAB, 1), -1);
	assert_int_equal(errno, EBUSY);
	close(fd);
}

/* The made-up device: its name and axis come back as given. */
static void test_fake_caps(void **state)
{
	struct fix *f = *state;
	char s[129] = { 0 };

	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_NAME, 0, s), 13);
	assert_string_equal(s, "fake keyboard");
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, s), 20);
}

/* Frames from the fake host reach the guest in order. */
static void test_fake_frames(void **state)
{
	struct fix *f = *state;

	if_post_events(f, 4, sizeof(struct virtio_input_event));
	if_host_event(f, EV_KEY, KEY_A, 1);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	expect_event(f, EV_KEY, KEY_A, 1);
	expect_event(f, EV_SYN, SYN_REPORT, 0);
}

/* The host device going away puts the device in NEEDS_RESET. */
static void test_host_gone(void **state)
{
	struct fix *f = *state;

	close(f->host);
	f->host = -1;
	if_assert_needs_reset(f);
	assert_true(if_log_has(f, "end of file"));
}

/* The registry's glue: no host device named, or not an evdev device. */
static void test_backend_bad_paths(void **state)
{
	struct fix *f = *state;
	const struct backend *b = backend_find(VIRTIO_ID_INPUT);
	struct backend_spec spec = { .name = "input9",
				     .target = "",
				     .mem = &f->flat.mem,
				     .logger = &f->logger,
				     .loop = f->loop };
	struct vdev *v = NULL;
	char err[256] = "";

	assert_non_null(b);
	assert_string_equal(b->type, "input");
	assert_int_equal(b->create(&spec, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "input = /dev/input/eventN"));
	spec.target = "/dev/null";
	assert_true(b->create(&spec, &v, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not an evdev device"));
	spec.target = "/nonexistent/event0";
	assert_int_equal(b->create(&spec, &v, err, sizeof(err)), -ENOENT);
	assert_null(v);
}

#define T(fn, kind)                                                         \
	cmocka_unit_test_prestate_setup_teardown(fn, if_setup, if_teardown, \
						 (void *)&kind)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cfg_ids, kind_uinput),
		T(test_cfg_ev_bits, kind_uinput),
		T(test_cfg_abs_info, kind_uinput),
		T(test_keys_to_guest, kind_uinput),
		T(test_events_wait_for_buffers, kind_uinput),
		T(test_led_to_host, kind_uinput),
		T(test_grab, kind_grab),
		T(test_fake_caps, kind_fake),
		T(test_fake_frames, kind_fake),
		T(test_host_gone, kind_fake),
		T(test_backend_bad_paths, kind_fake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
