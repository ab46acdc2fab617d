// SPDX-License-Identifier: GPL-2.0-only
/* The virtio-input tests' fixture: see test-input-fixture.h. */
#include <dirent.h>
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/uinput.h>
#include <linux/virtio_config.h>

#include "driver-probe.h"
#include "evloop.h"
#include "test-input-fixture.h"
#include "vdev.h"

uint64_t if_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t *if_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

static void set_bit8(uint8_t *b, unsigned bit)
{
	b[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* A keyboard with LEDs and one absolute axis, made up. */
static void fake_caps(struct input_caps *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->name, "fake keyboard");
	c->id.bustype = BUS_VIRTUAL;
	set_bit8(c->ev[0], EV_SYN);
	set_bit8(c->ev[0], EV_KEY);
	set_bit8(c->ev[0], EV_ABS);
	set_bit8(c->ev[0], EV_LED);
	set_bit8(c->ev[EV_KEY], KEY_A);
	set_bit8(c->ev[EV_ABS], ABS_X);
	set_bit8(c->ev[EV_LED], LED_CAPSL);
	c->abs[ABS_X].maximum = 1000;
}

/*
 * Makes a node for the evdev device under sysfs dir in tmp: containers
 * have no udev to make /dev/input/eventN.
 */
static int make_node(struct fix *f, const char *dir)
{
	char path[512];
	struct dirent *d;
	unsigned maj, min;
	DIR *dp = opendir(dir);
	FILE *fp = NULL;

	if (!dp)
		return -errno;
	while ((d = readdir(dp)) && strncmp(d->d_name, "event", 5))
		;
	if (d) {
		snprintf(path, sizeof(path), "%s/%.32s/dev", dir, d->d_name);
		fp = fopen(path, "r");
		snprintf(f->evpath, sizeof(f->evpath), "/tmp/xvdm-%d-%.16s",
			 (int)getpid(), d->d_name);
	}
	closedir(dp);
	if (!fp)
		return -ENOENT;
	assert_int_equal(fscanf(fp, "%u:%u", &maj, &min), 2);
	fclose(fp);
	unlink(f->evpath);
	assert_int_equal(mknod(f->evpath, S_IFCHR | 0600, makedev(maj, min)),
			 0);
	return 0;
}

/* A uinput keyboard with an LED and an axis, and its evdev node. */
static void uinput_make(struct fix *f)
{
	struct uinput_setup us = { .id = { BUS_USB, 0x1234, 0x5678, 3 } };
	struct uinput_abs_setup abs = { .code = ABS_X,
					.absinfo = { .minimum = -100,
						     .maximum = 900,
						     .fuzz = 2,
						     .flat = 4,
						     .resolution = 7 } };
	static const int keys[] = { KEY_A, KEY_B };
	char sys[64], dir[128];

	f->host = open("/dev/uinput", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f->host < 0) {
		f->skipped = true;
		return;
	}
	assert_int_equal(ioctl(f->host, UI_SET_EVBIT, EV_KEY), 0);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		assert_int_equal(ioctl(f->host, UI_SET_KEYBIT, keys[i]), 0);
	assert_int_equal(ioctl(f->host, UI_SET_EVBIT, EV_LED), 0);
	assert_int_equal(ioctl(f->host, UI_SET_LEDBIT, LED_CAPSL), 0);
	assert_int_equal(ioctl(f->host, UI_SET_EVBIT, EV_ABS), 0);
	assert_int_equal(ioctl(f->host, UI_SET_ABSBIT, ABS_X), 0);
	assert_int_equal(ioctl(f->host, UI_ABS_SETUP, &abs), 0);
	strcpy(us.name, UI_NAME);
	assert_int_equal(ioctl(f->host, UI_DEV_SETUP, &us), 0);
	assert_int_equal(ioctl(f->host, UI_DEV_CREATE), 0);
	assert_true(ioctl(f->host, UI_GET_SYSNAME(sizeof(sys)), sys) >= 0);
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sys);
	for (int i = 0; i < 200; i++) {
		if (make_node(f, dir) == 0)
			return;
		usleep(10000);
	}
	fail_msg("no event device under %s", dir);
}

/* Linux's probe: reset, ACK, DRIVER, features, both queues, DRIVER_OK. */
void if_probe(struct fix *f)
{
	driver_probe_features(f->vdev, 0);
	driver_probe_queue(f->vdev, 0, &f->evq, &f->flat, QNUM, RAM_GPA);
	driver_probe_queue(f->vdev, 1, &f->stq, &f->flat, QNUM,
			   RAM_GPA + 0x8000);
	driver_probe_live(f->vdev);
}

static void make_input(struct fix *f, const struct vdev_params *vp)
{
	struct input_caps caps; /* input_new() keeps a copy */
	struct input_params p = { .fd = -1 };
	char err[256];
	int sv[2];

	if (f->kind == FIX_SOCKET) {
		snprintf(f->evpath, sizeof(f->evpath),
			 "/tmp/xvdm-%d-input.sock", (int)getpid());
		p.socket = f->evpath;
		p.kind = INPUT_KEYBOARD;
		p.serial = "test-serial";
	} else if (f->kind == FIX_FAKE) {
		fake_caps(&caps);
		assert_int_equal(socketpair(AF_UNIX,
					    SOCK_SEQPACKET | SOCK_NONBLOCK |
						    SOCK_CLOEXEC,
					    0, sv),
				 0);
		f->host = sv[1];
		p.caps = &caps;
		p.fd = sv[0];
	} else {
		p.path = f->evpath;
		p.grab = f->kind == FIX_UINPUT_GRAB;
	}
	assert_int_equal(
		input_new(&p, vp, f->loop, &f->input, err, sizeof(err)), 0);
	f->vdev = input_vdev(f->input);
}

int if_setup(void **state)
{
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "input0" };

	assert_non_null(f);
	f->kind = *(const enum fix_kind *)*state;
	f->host = -1;
	f->next_buf = BUF_GPA;
	*state = f;
	if (f->kind == FIX_UINPUT || f->kind == FIX_UINPUT_GRAB) {
		uinput_make(f);
		if (f->skipped)
			return 0;
	}
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	vp.mem = &f->flat.mem;
	log_init(&f->logger, memfd_create("test-input-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	make_input(f, &vp);
	if_probe(f);
	if (f->kind == FIX_SOCKET)
		f->host = if_connect(f);
	return 0;
}

int if_connect(struct fix *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, f->evpath, strlen(f->evpath));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if_run(f, 5); /* accepted */
	return fd;
}

int if_teardown(void **state)
{
	struct fix *f = *state;

	if (!f->skipped) {
		input_free(f->input);
		assert_int_equal(f->flat.live_iov, 0);
		assert_int_equal(f->flat.live_rings, 0);
		evloop_free(f->loop);
		close(f->logger.fd);
		gmem_flat_fini(&f->flat);
	}
	if (f->host >= 0 &&
	    (f->kind == FIX_UINPUT || f->kind == FIX_UINPUT_GRAB))
		ioctl(f->host, UI_DEV_DESTROY);
	if (f->host >= 0)
		close(f->host);
	if (f->kind != FIX_FAKE && f->evpath[0])
		unlink(f->evpath);
	free(f);
	return 0;
}

void if_need_host(struct fix *f)
{
	if (f->skipped) {
		print_message("no /dev/uinput (uinput module not loaded?): "
			      "skipped\n");
		skip();
	}
}

bool if_log_has(struct fix *f, const char *needle)
{
	char buf[16384];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

uint8_t if_cfg(struct fix *f, uint8_t select, uint8_t subsel, void *u)
{
	uint8_t *p = u;
	uint64_t v;

	assert_int_equal(vdev_config_write(f->vdev, 0, 1, select), 0);
	assert_int_equal(vdev_config_write(f->vdev, 1, 1, subsel), 0);
	assert_int_equal(vdev_config_read(f->vdev, 2, 1, &v), 0);
	for (uint32_t i = 0; i < 128; i++) {
		uint64_t b;

		assert_int_equal(vdev_config_read(f->vdev, 8 + i, 1, &b), 0);
		p[i] = (uint8_t)b;
	}
	return (uint8_t)v;
}

uint16_t if_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n)
{
	struct driver_ring *r = q ? &f->stq : &f->evq;
	uint16_t head = driver_ring_add_chain(r, b, n);

	driver_ring_make_avail(r, head);
	vdev_queue_notify(f->vdev, q);
	return head;
}

void if_post_events(struct fix *f, unsigned n, uint32_t len)
{
	for (unsigned i = 0; i < n; i++) {
		struct driver_buf b = { f->next_buf, len, true };

		if_kick(f, 0, &b, 1);
		f->next_buf += 0x40;
	}
}

void if_host_event(struct fix *f, uint16_t type, uint16_t code, int32_t v)
{
	struct input_event ev = { .type = type, .code = code, .value = v };
	struct virtio_input_event rec = { .type = htole16(type),
					  .code = htole16(code),
					  .value = htole32((uint32_t)v) };

	if (f->kind == FIX_SOCKET)
		assert_int_equal(write(f->host, &rec, sizeof(rec)),
				 sizeof(rec));
	else
		assert_int_equal(write(f->host, &ev, sizeof(ev)), sizeof(ev));
}

void if_run(struct fix *f, unsigned ms)
{
	uint64_t end = if_now_ms() + ms;

	do
		assert_true(evloop_run_once(f->loop, 2) >= 0);
	while (if_now_ms() < end);
}

bool if_next_event(struct fix *f, unsigned ms, struct virtio_input_event *ev)
{
	uint64_t end = if_now_ms() + ms;
	uint32_t id, len;

	for (;;) {
		if (driver_ring_get_used(&f->evq, &id, &len)) {
			assert_int_equal(len, sizeof(*ev));
			memcpy(ev,
			       if_ptr(f, le64toh(f->evq.desc[id].addr),
				      sizeof(*ev)),
			       sizeof(*ev));
			return true;
		}
		if (if_now_ms() >= end)
			return false;
		assert_true(evloop_run_once(f->loop, 5) >= 0);
	}
}

void if_assert_needs_reset(struct fix *f)
{
	if_run(f, 20);
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
}
