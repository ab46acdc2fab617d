// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-input under the simulated Xen, the
 * device declared the 4.18+ way (virtio = [ "type=virtio,device12" ]) and
 * fed by an injector on the unix socket the daemon listens on
 * (input-socket, input-kind), the guest played by tests/guest's Linux-like
 * virtio-input driver: the configuration Linux reads (name, serial, ids,
 * every bitmap, absinfo), keys arriving in order frame by frame, a caps
 * lock LED from the guest reaching the injector, a tablet's absolute axes,
 * config errors naming file, line and key, and a hostile guest that fails
 * only its own device while another guest types on.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "daemon-devices.h"
#include "daemon-fixture.h"
#include "virtio-input-driver.h"

struct scene {
	struct dguest g;
	struct indrv in;
	char sock[128];
	int client;
};

static int setup(void **state)
{
	*state = df_new();
	return 0;
}

static int teardown(void **state)
{
	df_free(*state);
	return 0;
}

/* Appends guest domid's input section (socket in the test's dir). */
static void prepare(struct dfix *f, struct scene *s, uint32_t domid,
		    const char *kind, char *cfg, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->client = -1;
	df_virtio_guest_init(f, &s->g, domid, 0, VIRTIO_ID_INPUT);
	snprintf(s->sock, sizeof(s->sock), "%s/input%u.sock", f->dir, domid);
	snprintf(cfg + strlen(cfg), len - strlen(cfg),
		 "[device \"%u/0\"]\ninput-socket = %s\ninput-kind = %s\n",
		 domid, s->sock, kind);
}

static void probe(struct scene *s)
{
	struct indrv_params p = { .bus = &s->g.bus,
				  .base = s->g.dev.base,
				  .pool = &s->g.pool,
				  .timeout_ms = DF_WAIT_MS };

	assert_int_equal(indrv_probe(&s->in, &p), 0);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The guest boots and probes; the injector connects. */
static void boot(struct scene *s)
{
	df_guest_boot(&s->g, 1);
	probe(s);
	s->client = connect_to(s->sock);
}

static void start(struct dfix *f, struct scene *s, uint32_t domid,
		  const char *kind)
{
	char cfg[512] = "";

	prepare(f, s, domid, kind, cfg, sizeof(cfg));
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	boot(s);
}

static void inject(struct scene *s, uint16_t type, uint16_t code, int32_t v)
{
	struct virtio_input_event r = { htole16(type), htole16(code),
					htole32((uint32_t)v) };

	assert_int_equal(write(s->client, &r, sizeof(r)), sizeof(r));
}

static void inject_frame(struct scene *s, uint16_t type, uint16_t code,
			 int32_t v)
{
	inject(s, type, code, v);
	inject(s, EV_SYN, SYN_REPORT, 0);
}

static void expect(struct scene *s, uint16_t type, uint16_t code, int32_t v)
{
	struct input_event ev;

	assert_int_equal(indrv_read(&s->in, &ev, DF_WAIT_MS), 1);
	assert_int_equal(ev.type, type);
	assert_int_equal(ev.code, code);
	assert_int_equal(ev.value, v);
}

static void expect_frame(struct scene *s, uint16_t type, uint16_t code,
			 int32_t v)
{
	expect(s, type, code, v);
	expect(s, EV_SYN, SYN_REPORT, 0);
}

/* "hello" typed: press and release, each its own frame, in order. */
static void type_hello(struct scene *s)
{
	static const uint16_t keys[] = { KEY_H, KEY_E, KEY_L, KEY_L, KEY_O };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		inject_frame(s, EV_KEY, keys[i], 1);
		inject_frame(s, EV_KEY, keys[i], 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		expect_frame(s, EV_KEY, keys[i], 1);
		expect_frame(s, EV_KEY, keys[i], 0);
	}
}

static void scene_end(struct scene *s)
{
	struct input_event ev;

	assert_int_equal(indrv_read(&s->in, &ev, 20), 0); /* nothing more */
	assert_int_equal(s->in.vm.errors, 0);
	assert_int_equal(s->in.stats.bad_len, 0);
	indrv_remove(&s->in);
	close(s->client);
}

static void finish(struct dfix *f, struct scene *s, unsigned n)
{
	assert_int_equal(df_stop(f), 0);
	for (unsigned i = 0; i < n; i++) {
		df_wait_state(&s[i].g, "6");
		df_guest_fini(&s[i].g);
		/* The daemon's socket went with the device. */
		assert_int_equal(access(s[i].sock, F_OK), -1);
	}
	df_assert_clean(f);
}

/* A keyboard: what Linux reads at probe, typing, and the caps lock LED. */
static void test_input_keyboard(void **state)
{
	struct pollfd p;
	struct virtio_input_event led;
	struct scene s;
	const struct indrv_dev *d = &s.in.dev;

	start(*state, &s, 1, "keyboard");
	assert_string_equal(d->name, "xen-virtio-dm keyboard");
	assert_string_equal(d->serial, "xvdm-1-0");
	assert_int_equal(d->id.bustype, BUS_VIRTUAL);
	assert_int_equal(d->id.vendor, 0x5853);
	assert_int_equal(d->id.product, 1);
	assert_true(indrv_test_bit(d->evbit, EV_KEY));
	assert_true(indrv_test_bit(d->evbit, EV_REP));
	assert_true(indrv_test_bit(d->evbit, EV_LED));
	assert_false(indrv_test_bit(d->evbit, EV_ABS));
	assert_false(indrv_test_bit(d->evbit, EV_REL));
	assert_true(indrv_test_bit(d->keybit, KEY_A));
	assert_true(indrv_test_bit(d->keybit, KEY_MICMUTE));
	assert_false(indrv_test_bit(d->keybit, BTN_LEFT));
	assert_true(indrv_test_bit(d->ledbit, LED_CAPSL));
	/* name, serial, ids, props, EV_REP, seven types: one select each. */
	assert_int_equal(s.in.stats.selects, 12);
	type_hello(&s);
	/* Caps lock on, from the guest's input core. */
	assert_int_equal(indrv_send_status(&s.in, EV_LED, LED_CAPSL, 1), 0);
	assert_int_equal(indrv_status_flush(&s.in, DF_WAIT_MS), 0);
	p = (struct pollfd){ .fd = s.client, .events = POLLIN };
	assert_int_equal(poll(&p, 1, DF_WAIT_MS), 1);
	assert_int_equal(read(s.client, &led, sizeof(led)), sizeof(led));
	assert_int_equal(le16toh(led.type), EV_LED);
	assert_int_equal(le16toh(led.code), LED_CAPSL);
	assert_int_equal(le32toh(led.value), 1);
	/* A frame with a key a keyboard lacks is dropped whole. */
	inject(&s, EV_KEY, KEY_A, 1);
	inject(&s, EV_REL, REL_X, 5);
	inject(&s, EV_SYN, SYN_REPORT, 0);
	inject_frame(&s, EV_KEY, KEY_B, 1);
	expect_frame(&s, EV_KEY, KEY_B, 1);
	scene_end(&s);
	finish(*state, &s, 1);
}

/* A tablet: absinfo for X and Y, an absolute move and a click. */
static void test_input_tablet(void **state)
{
	struct scene s;
	const struct indrv_dev *d = &s.in.dev;

	start(*state, &s, 2, "tablet");
	assert_string_equal(d->name, "xen-virtio-dm tablet");
	assert_true(indrv_test_bit(d->evbit, EV_ABS));
	assert_true(indrv_test_bit(d->absbit, ABS_X));
	assert_true(indrv_test_bit(d->absbit, ABS_Y));
	assert_int_equal(d->abs[ABS_X].maximum, 32767);
	assert_int_equal(d->abs[ABS_Y].minimum, 0);
	assert_false(indrv_test_bit(d->evbit, EV_LED));
	inject(&s, EV_ABS, ABS_X, 16384);
	inject(&s, EV_ABS, ABS_Y, 100);
	inject(&s, EV_KEY, BTN_LEFT, 1);
	inject(&s, EV_SYN, SYN_REPORT, 0);
	expect(&s, EV_ABS, ABS_X, 16384);
	expect(&s, EV_ABS, ABS_Y, 100);
	expect_frame(&s, EV_KEY, BTN_LEFT, 1);
	scene_end(&s);
	finish(*state, &s, 1);
}

/* input-kind without input-socket: the attach fails naming the key. */
static void test_input_bad_config(void **state)
{
	struct dfix *f = *state;
	const char *args[] = { "--check-config", NULL };
	struct dguest g;
	char cfg[256], *err;

	df_virtio_guest_init(f, &g, 3, 0, VIRTIO_ID_INPUT);
	df_virtio_section(&g, cfg, sizeof(cfg), "input-kind = mouse\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_domain_create(f, 3, 1);
	assert_int_equal(xensim_libxl_add(f->h, &g.dev), 0);
	df_assert_attach_failed(&g, "key 'input-kind'");
	assert_true(df_alive(f));
	assert_int_equal(df_stop(f), 0);
	df_guest_fini(&g);
	/* A kind no one knows: the config is refused, naming the line. */
	df_config(f, "[device \"3/0\"]\ninput-socket = /tmp/x.sock\n"
		     "input-kind = joystick\n");
	df_spawn(f, args, true);
	assert_int_equal(df_wait_exit(f, DF_WAIT_MS), 2);
	err = df_stderr(f);
	fprintf(stderr, "%s", err);
	assert_non_null(strstr(err, ":3:"));
	assert_non_null(strstr(err, "joystick"));
	free(err);
	df_assert_clean(f);
}

/*
 * §5.8.6.1: eventq buffers are device-writable. The hostile guest turns
 * its posted buffers device-readable; the next key fails its device
 * (NEEDS_RESET). Another guest of the daemon types on; after a reset the
 * hostile guest's keyboard works again.
 */
static void test_hostile_input_guest(void **state)
{
	struct dfix *f = *state;
	struct scene s[2];
	char cfg[512] = "";
	struct vrdrv *vq;

	prepare(f, &s[0], 4, "keyboard", cfg, sizeof(cfg));
	prepare(f, &s[1], 5, "keyboard", cfg, sizeof(cfg));
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	boot(&s[0]);
	boot(&s[1]);
	type_hello(&s[1]);
	vq = s[0].in.evt;
	for (unsigned i = 0; i < vq->num; i++)
		vq->desc[i].flags &= htole16((uint16_t)~VRING_DESC_F_WRITE);
	inject_frame(&s[0], EV_KEY, KEY_A, 1);
	assert_true(df_wait_status(&s[0].g, VIRTIO_CONFIG_S_NEEDS_RESET,
				   DF_WAIT_MS) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	type_hello(&s[1]);
	indrv_remove(&s[0].in);
	probe(&s[0]);
	type_hello(&s[0]);
	type_hello(&s[1]);
	assert_true(df_alive(f));
	scene_end(&s[0]);
	scene_end(&s[1]);
	finish(f, s, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_input_keyboard),
		T(test_input_tablet),
		T(test_input_bad_config),
		T(test_hostile_input_guest),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
