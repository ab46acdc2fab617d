// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-input fed by a unix socket (input-sock.c, input-kinds.c): the
 * fixed capability sets answer every select/subsel Linux asks, records
 * arrive in order and frame by frame (also when split across writes), LED
 * statuses go back to the client, a client that leaves mid-frame leaves
 * nothing behind, the config keys are checked with file, line, key and
 * value. Hostile clients: events the device does not have, a flood while
 * the guest takes nothing (bounded; whole frames dropped with a log line),
 * a frame larger than the ring, bytes that never make a record.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "evloop.h"
#include "registry.h"
#include "test-input-fixture.h"
#include "vdev.h"

#define EVSZ sizeof(struct virtio_input_event)

static const enum fix_kind kind_sock = FIX_SOCKET;

static void frame(struct fix *f, uint16_t type, uint16_t code, int32_t v)
{
	if_host_event(f, type, code, v);
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
}

static void expect(struct fix *f, uint16_t type, uint16_t code, int32_t v)
{
	struct virtio_input_event ev;

	assert_true(if_next_event(f, 1000, &ev));
	assert_int_equal(le16toh(ev.type), type);
	assert_int_equal(le16toh(ev.code), code);
	assert_int_equal((int32_t)le32toh(ev.value), v);
}

static void expect_frame(struct fix *f, uint16_t type, uint16_t code, int32_t v)
{
	expect(f, type, code, v);
	expect(f, EV_SYN, SYN_REPORT, 0);
}

static void expect_none(struct fix *f)
{
	struct virtio_input_event ev;

	assert_false(if_next_event(f, 20, &ev));
}

/* What select/subsel answer for caps; size and the union into u. */
static uint8_t answer(const struct input_caps *c, uint8_t sel, uint8_t sub,
		      struct virtio_input_config *cfg)
{
	memset(cfg, 0xee, sizeof(*cfg));
	cfg->select = sel;
	cfg->subsel = sub;
	input_cfg_answer(c, cfg);
	return cfg->size;
}

static bool bit(const struct virtio_input_config *c, unsigned b)
{
	return (c->u.bitmap[b / 8] >> (b % 8)) & 1;
}

/* Every select Linux's virtinput_probe makes, for the three kinds. */
static void test_kind_caps(void **state)
{
	struct virtio_input_config c;
	struct input_caps k, m, t;

	input_kind_caps(INPUT_KEYBOARD, "kbd-1", &k);
	input_kind_caps(INPUT_MOUSE, "mouse-1", &m);
	input_kind_caps(INPUT_TABLET, "tab-1", &t);
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_ID_NAME, 0, &c), 22);
	assert_memory_equal(c.u.string, "xen-virtio-dm keyboard", 22);
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_ID_SERIAL, 0, &c), 7);
	assert_memory_equal(c.u.string, "mouse-1", 7);
	assert_int_equal(answer(&t, VIRTIO_INPUT_CFG_ID_DEVIDS, 0, &c), 8);
	assert_int_equal(le16toh(c.u.ids.bustype), BUS_VIRTUAL);
	assert_int_equal(le16toh(c.u.ids.vendor), 0x5853);
	assert_int_equal(le16toh(c.u.ids.product), 3);
	/* Properties: pointers only. */
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_PROP_BITS, 0, &c), 0);
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_PROP_BITS, 0, &c), 1);
	assert_true(bit(&c, INPUT_PROP_POINTER));
	/* Keyboard: keys up to KEY_MICMUTE, LEDs, EV_REP; no motion. */
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, &c),
			 KEY_MICMUTE / 8 + 1);
	assert_true(bit(&c, KEY_A) && bit(&c, KEY_ESC) && !bit(&c, 0));
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, &c), 1);
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, &c), 1);
	assert_true(bit(&c, LED_CAPSL) && bit(&c, LED_NUML));
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, &c), 0);
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, &c), 0);
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, &c), 0);
	/* Mouse: buttons and relative axes, no keys, no LEDs. */
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, &c),
			 BTN_EXTRA / 8 + 1);
	assert_true(bit(&c, BTN_LEFT) && !bit(&c, KEY_A));
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, &c), 2);
	assert_true(bit(&c, REL_X) && bit(&c, REL_Y) && bit(&c, REL_WHEEL));
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, &c), 0);
	assert_int_equal(answer(&m, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, &c), 0);
	/* Tablet: absolute X and Y in 0..32767. */
	assert_int_equal(answer(&t, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, &c), 1);
	assert_true(bit(&c, ABS_X) && bit(&c, ABS_Y));
	assert_int_equal(answer(&t, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y, &c),
			 sizeof(c.u.abs));
	assert_int_equal(le32toh(c.u.abs.min), 0);
	assert_int_equal(le32toh(c.u.abs.max), 32767);
	assert_int_equal(answer(&t, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Z, &c), 0);
	/* §5.8.5.2: EV_SYN (subsel 0) and unknown selects: size 0. */
	assert_int_equal(answer(&k, VIRTIO_INPUT_CFG_EV_BITS, EV_SYN, &c), 0);
	assert_int_equal(answer(&k, 0x42, 0, &c), 0);
}

/* What a socket client may send, per kind. */
static void test_event_valid(void **state)
{
	struct input_caps k, m, t;

	input_kind_caps(INPUT_KEYBOARD, NULL, &k);
	input_kind_caps(INPUT_MOUSE, NULL, &m);
	input_kind_caps(INPUT_TABLET, NULL, &t);
	assert_true(input_event_valid(&k, EV_KEY, KEY_A, 2));
	assert_false(input_event_valid(&k, EV_KEY, KEY_A, 3));
	assert_false(input_event_valid(&k, EV_KEY, KEY_A, -1));
	assert_false(input_event_valid(&k, EV_KEY, BTN_LEFT, 1));
	assert_true(input_event_valid(&k, EV_LED, LED_CAPSL, 1));
	assert_false(input_event_valid(&k, EV_LED, LED_CAPSL, 2));
	assert_false(input_event_valid(&k, EV_REP, REP_DELAY, 250));
	assert_true(input_event_valid(&k, EV_SYN, SYN_REPORT, 0));
	assert_false(input_event_valid(&k, EV_SYN, SYN_DROPPED, 0));
	assert_false(input_event_valid(&k, EV_SYN, SYN_MT_REPORT, 0));
	assert_true(input_event_valid(&m, EV_REL, REL_X, -1000));
	assert_false(input_event_valid(&m, EV_REL, REL_Z, 1));
	assert_false(input_event_valid(&m, EV_ABS, ABS_X, 0));
	assert_true(input_event_valid(&t, EV_ABS, ABS_Y, 32767));
	assert_false(input_event_valid(&t, EV_ABS, ABS_Y, 32768));
	assert_false(input_event_valid(&t, EV_ABS, ABS_X, -1));
	assert_false(input_event_valid(&t, EV_ABS, ABS_Z, 0));
	assert_false(input_event_valid(&t, EV_CNT, 0, 0));
	assert_false(input_event_valid(&t, EV_KEY, 0xffff, 1));
}

/* The device's config space, through the transport, from the backend. */
static void test_sock_config_space(void **state)
{
	struct fix *f = *state;
	uint8_t u[128];

	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_ID_SERIAL, 0, u), 11);
	assert_memory_equal(u, "test-serial", 11);
	assert_int_equal(if_cfg(f, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, u), 1);
	assert_int_equal(u[0], 7);
}

static void test_sock_keys_in_order(void **state)
{
	struct fix *f = *state;
	static const uint16_t keys[] = { KEY_H, KEY_E, KEY_L, KEY_L, KEY_O };

	if_post_events(f, 8, EVSZ);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		frame(f, EV_KEY, keys[i], 1);
		frame(f, EV_KEY, keys[i], 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (i % 2)
			if_post_events(f, 4, EVSZ);
		expect_frame(f, EV_KEY, keys[i], 1);
		if_post_events(f, 2, EVSZ);
		expect_frame(f, EV_KEY, keys[i], 0);
	}
	expect_none(f);
}

/* A record split over three writes is one event. */
static void test_sock_split_record(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event r[2] = {
		{ htole16(EV_KEY), htole16(KEY_Q), htole32(1) },
		{ htole16(EV_SYN), htole16(SYN_REPORT), 0 },
	};
	const uint8_t *p = (const uint8_t *)r;

	if_post_events(f, 2, EVSZ);
	assert_int_equal(write(f->host, p, 3), 3);
	if_run(f, 5);
	assert_int_equal(write(f->host, p + 3, 7), 7);
	if_run(f, 5);
	assert_int_equal(write(f->host, p + 10, 6), 6);
	expect_frame(f, EV_KEY, KEY_Q, 1);
}

/* A status event from the guest (caps lock on) reaches the client. */
static void test_sock_led_to_client(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event *st = (void *)if_ptr(f, BUF_GPA + 0x1000, 8);
	struct driver_buf b = { BUF_GPA + 0x1000, EVSZ, false };
	struct pollfd p = { .fd = f->host, .events = POLLIN };
	struct virtio_input_event got;
	uint32_t id, len;

	*st = (struct virtio_input_event){ htole16(EV_LED), htole16(LED_CAPSL),
					   htole32(1) };
	if_kick(f, 1, &b, 1);
	if_run(f, 5);
	assert_true(driver_ring_get_used(&f->stq, &id, &len));
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_int_equal(read(f->host, &got, sizeof(got)), sizeof(got));
	assert_memory_equal(&got, st, sizeof(got));
	/* An LED the keyboard lacks is not passed on. */
	st->code = htole16(LED_MISC);
	if_kick(f, 1, &b, 1);
	if_run(f, 5);
	assert_int_equal(poll(&p, 1, 10), 0);
}

/* A client leaving mid-frame: the next one starts clean. */
static void test_sock_client_leaves(void **state)
{
	struct fix *f = *state;

	if_post_events(f, 8, EVSZ);
	frame(f, EV_KEY, KEY_A, 1);
	if_host_event(f, EV_KEY, KEY_B, 1);
	close(f->host);
	f->host = -1;
	expect_frame(f, EV_KEY, KEY_A, 1);
	if_run(f, 5);
	assert_true(if_log_has(f, "client left"));
	f->host = if_connect(f);
	frame(f, EV_KEY, KEY_C, 1);
	expect_frame(f, EV_KEY, KEY_C, 1);
	expect_none(f);
	assert_true(vdev_is_live(f->vdev));
}

/* Through the registry: input-socket and input-kind, and their errors. */
static void create(struct fix *f, const char *text, int want, const char *msg)
{
	struct cfg *cfg = NULL;
	struct cfg_errors errs = { 0 };
	struct backend_spec spec = { .domid = 3,
				     .device_id = VIRTIO_ID_INPUT,
				     .name = "input3",
				     .target = "",
				     .mem = &f->flat.mem,
				     .logger = &f->logger,
				     .loop = f->loop };
	const struct backend *be = backend_find(VIRTIO_ID_INPUT);
	struct vdev *v = NULL;
	char err[512] = "";
	int rc = cfg_load_string("x.conf", text, &daemon_cfg_schema, &cfg,
				 &errs);

	if (rc) {
		/* The schema's own error: file, line, key and value. */
		assert_int_equal(want, rc);
		assert_non_null(strstr(errs.msg[0], msg));
		return;
	}
	spec.options = cfg_section(cfg, "device", "3/0");
	rc = be->create(&spec, &v, err, sizeof(err));
	assert_int_equal(rc, want);
	if (rc)
		assert_non_null(strstr(err, msg));
	else
		be->destroy(v);
	cfg_free(cfg);
}

static void test_sock_backend_keys(void **state)
{
	struct fix *f = *state;
	char path[64], text[256];

	snprintf(path, sizeof(path), "/tmp/xvdm-%d-t.sock", (int)getpid());
	snprintf(text, sizeof(text),
		 "[device \"3/0\"]\ninput-socket = %s\ninput-kind = tablet\n",
		 path);
	create(f, text, 0, NULL);
	assert_int_equal(access(path, F_OK), -1); /* unlinked */
	create(f, "[device \"3/0\"]\ninput-kind = mouse\n", -EINVAL,
	       "x.conf:2: [device \"3/0\"] key 'input-kind': 'mouse' needs "
	       "input-socket");
	snprintf(text, sizeof(text),
		 "[device \"3/0\"]\ninput = /dev/input/event0\n"
		 "input-socket = %s\n",
		 path);
	create(f, text, -EINVAL,
	       "x.conf:2: [device \"3/0\"] key 'input': not with");
	snprintf(text, sizeof(text),
		 "[device \"3/0\"]\ninput-socket = %s\ninput-kind = joystick\n",
		 path);
	create(f, text, -EINVAL, "x.conf:3");
	create(f, "[device \"3/0\"]\ninput-socket = relative.sock\n", -EINVAL,
	       "x.conf:2");
}

/* Events the keyboard does not have: each one's frame goes whole. */
static void test_hostile_sock_malformed(void **state)
{
	const struct virtio_input_event bad[] = {
		{ htole16(EV_ABS), htole16(ABS_X), 0 }, /* no axes */
		{ htole16(EV_KEY), htole16(BTN_LEFT), htole32(1) },
		{ htole16(EV_KEY), htole16(KEY_A), htole32(7) }, /* value */
		{ htole16(EV_SYN), htole16(SYN_DROPPED), 0 },
		{ htole16(EV_REP), htole16(REP_DELAY), htole32(250) },
		{ htole16(0xffff), htole16(0xffff), htole32(~0u) },
	};
	struct fix *f = *state;

	if_post_events(f, 16, EVSZ);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		frame(f, EV_KEY, KEY_1, 1);
		if_host_event(f, EV_KEY, KEY_X, 1);
		assert_int_equal(write(f->host, &bad[i], EVSZ), EVSZ);
		if_host_event(f, EV_KEY, KEY_Y, 1);
		if_host_event(f, EV_SYN, SYN_REPORT, 0);
		frame(f, EV_KEY, KEY_2, 1);
		expect_frame(f, EV_KEY, KEY_1, 1);
		expect_frame(f, EV_KEY, KEY_2, 1);
		expect_none(f);
		if_post_events(f, 4, EVSZ);
	}
	assert_true(if_log_has(f, "frame dropped"));
	assert_true(if_log_has(f, "does not have"));
	assert_true(vdev_is_live(f->vdev));
}

/*
 * A client writing 5000 frames while the guest takes none: the socket
 * is still read (the client never blocks), the ring holds what fits, the
 * rest is dropped whole with a log line, and the guest then gets whole
 * frames in order.
 */
static void test_hostile_sock_flood(void **state)
{
	struct fix *f = *state;
	struct virtio_input_event r[2] = {
		{ htole16(EV_KEY), htole16(KEY_A), 0 },
		{ htole16(EV_SYN), htole16(SYN_REPORT), 0 },
	};
	int32_t last = -1;

	for (int32_t i = 0; i < 5000; i++) {
		r[0].value = htole32((uint32_t)(i & 1));
		assert_int_equal(write(f->host, r, sizeof(r)), sizeof(r));
		if (i % 64 == 0)
			if_run(f, 1);
	}
	if_run(f, 20);
	assert_true(if_log_has(f, "the guest takes no events"));
	/* Bounded: the ring, in whole frames, alternating values. */
	for (unsigned i = 0; i < INPUT_RING / 2; i++) {
		struct virtio_input_event ev;

		if_post_events(f, 2, EVSZ);
		assert_true(if_next_event(f, 1000, &ev));
		assert_int_equal(le16toh(ev.code), KEY_A);
		assert_int_not_equal((int32_t)le32toh(ev.value), last);
		last = (int32_t)le32toh(ev.value);
		expect(f, EV_SYN, SYN_REPORT, 0);
	}
	if_post_events(f, 2, EVSZ);
	expect_none(f);
	frame(f, EV_KEY, KEY_Z, 1);
	expect_frame(f, EV_KEY, KEY_Z, 1);
}

/* More events than the ring before a SYN_REPORT: dropped whole. */
static void test_hostile_sock_frame_larger_than_ring(void **state)
{
	struct fix *f = *state;

	if_post_events(f, 4, EVSZ);
	for (unsigned i = 0; i < INPUT_RING + 10; i++) {
		if_host_event(f, EV_KEY, KEY_A, (int32_t)(i & 1));
		if (i % 32 == 0)
			if_run(f, 1); /* the socket's buffer never fills */
	}
	if_host_event(f, EV_SYN, SYN_REPORT, 0);
	frame(f, EV_KEY, KEY_B, 1);
	expect_frame(f, EV_KEY, KEY_B, 1);
	expect_none(f);
	assert_true(if_log_has(f, "frame dropped"));
}

/* Five bytes, then gone: no event, no crash, still listening. */
static void test_hostile_sock_torn_record(void **state)
{
	struct fix *f = *state;

	if_post_events(f, 4, EVSZ);
	assert_int_equal(write(f->host, "\x01\x00\x1e\x00\x01", 5), 5);
	close(f->host);
	f->host = if_connect(f);
	expect_none(f);
	frame(f, EV_KEY, KEY_A, 1);
	expect_frame(f, EV_KEY, KEY_A, 1);
}

#define T(fn)                                                               \
	cmocka_unit_test_prestate_setup_teardown(fn, if_setup, if_teardown, \
						 (void *)&kind_sock)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_caps),
		cmocka_unit_test(test_event_valid),
		T(test_sock_config_space),
		T(test_sock_keys_in_order),
		T(test_sock_split_record),
		T(test_sock_led_to_client),
		T(test_sock_client_leaves),
		T(test_sock_backend_keys),
		T(test_hostile_sock_malformed),
		T(test_hostile_sock_flood),
		T(test_hostile_sock_frame_larger_than_ring),
		T(test_hostile_sock_torn_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
