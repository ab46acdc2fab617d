// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-console backend (backends/console/) as a well-behaved driver
 * uses it: layout, output and input through a unix socket client, a log
 * file and a pty, back-pressure both ways (nothing buffered in the
 * daemon), one client at a time, and creation through the registry.
 * Fixture: test-console-fixture.h.
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
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "registry.h"
#include "test-console-fixture.h"
#include "vdev.h"

static const struct setup_cfg cfg_unix = { .kind = CONSOLE_UNIX };
static const struct setup_cfg cfg_file = { .kind = CONSOLE_FILE };
static const struct setup_cfg cfg_pty = { .kind = CONSOLE_PTY };

#define CFG_OFF(field) offsetof(struct virtio_console_config, field)

/* §5.3.2-5.3.4: two queues, no feature of its own, a zeroed config. */
static void test_layout(void **state)
{
	struct fix *f = *state;
	uint64_t v = 1;

	assert_int_equal(f->vdev->ops->device_id, VIRTIO_ID_CONSOLE);
	assert_int_equal(vdev_queue_read(f->vdev, 1, VDEV_QUEUE_NUM_MAX), QNUM);
	assert_int_equal(vdev_queue_read(f->vdev, 2, VDEV_QUEUE_NUM_MAX), 0);
	assert_int_equal(vdev_get_host_features(f->vdev, 0) &
				 ((1u << VIRTIO_CONSOLE_F_SIZE) |
				  (1u << VIRTIO_CONSOLE_F_MULTIPORT) |
				  (1u << VIRTIO_CONSOLE_F_EMERG_WRITE)),
			 0);
	assert_int_equal(vdev_config_read(f->vdev, CFG_OFF(cols), 2, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vdev_config_read(f->vdev, CFG_OFF(rows), 2, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(
		vdev_config_read(f->vdev, CFG_OFF(max_nr_ports), 4, &v), 0);
	assert_int_equal(v, 0);
	/* Read-only: an emergency write is ignored. */
	assert_int_equal(vdev_config_write(f->vdev, CFG_OFF(emerg_wr), 4, 'x'),
			 0);
	assert_int_equal(vdev_config_read(f->vdev, CFG_OFF(emerg_wr), 4, &v),
			 0);
	assert_int_equal(v, 0);
	assert_null(console_pty_path(f->vdev));
}

static void test_unix_output(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b[2] = { { BUF_GPA, 6, false },
					 { BUF_GPA + 0x1000, 5, false } };
	char got[11];

	f->client = cf_connect(f);
	memcpy(cf_ptr(f, BUF_GPA, 6), "hello ", 6);
	memcpy(cf_ptr(f, BUF_GPA + 0x1000, 5), "world", 5);
	assert_int_equal(cf_wait_used(f, TXQ, cf_kick(f, TXQ, b, 2)), 0);
	cf_read_all(f, f->client, got, sizeof(got));
	assert_memory_equal(got, "hello world", 11);
}

/* Nobody connected: output is dropped, not kept for the next client. */
static void test_unix_no_client_drops(void **state)
{
	struct fix *f = *state;
	char got;

	assert_int_equal(cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "lost", 4)), 0);
	f->client = cf_connect(f);
	cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "x", 1));
	cf_read_all(f, f->client, &got, 1);
	assert_int_equal(got, 'x');
	cf_assert_silent(f, f->client);
}

static void test_unix_input(void **state)
{
	struct fix *f = *state;
	uint16_t head;

	f->client = cf_connect(f);
	head = cf_rx(f, BUF_GPA, 64);
	assert_int_equal(write(f->client, "abc", 3), 3);
	assert_int_equal(cf_wait_used(f, RXQ, head), 3);
	assert_memory_equal(cf_ptr(f, BUF_GPA, 3), "abc", 3);
}

/* Input sent before the guest posted a buffer waits in the socket. */
static void test_input_waits_for_buffers(void **state)
{
	struct fix *f = *state;
	uint32_t id, len;

	f->client = cf_connect(f);
	assert_int_equal(write(f->client, "early", 5), 5);
	assert_false(cf_used(f, RXQ, 20, &id, &len));
	assert_int_equal(cf_wait_used(f, RXQ, cf_rx(f, BUF_GPA, 64)), 5);
	assert_memory_equal(cf_ptr(f, BUF_GPA, 5), "early", 5);
}

/*
 * Without receive buffers the device does not read: the client's socket
 * fills up (bounded by the kernel, not by us), then drains in order.
 */
static void test_input_backpressure(void **state)
{
	struct fix *f = *state;
	uint8_t chunk[4096];
	size_t sent = 0, recvd = 0;
	ssize_t n;

	f->client = cf_connect(f);
	for (;;) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = cf_pat(sent + i);
		n = write(f->client, chunk, sizeof(chunk));
		if (n < 0)
			break;
		sent += (size_t)n;
		cf_run(f, 0);
		assert_true(sent < (64u << 20));
	}
	assert_int_equal(errno, EAGAIN);
	while (recvd < sent) {
		uint32_t len = cf_wait_used(f, RXQ, cf_rx(f, BUF_GPA, 4096));
		uint8_t *p = cf_ptr(f, BUF_GPA, len);

		assert_true(len > 0);
		for (uint32_t i = 0; i < len; i++)
			assert_int_equal(p[i], cf_pat(recvd + i));
		recvd += len;
	}
	fprintf(stderr, "%zu bytes waited in the socket\n", sent);
}

/*
 * A client that does not read: the device stops taking output once the
 * socket is full, holding one buffer; reading lets everything through.
 */
static void test_output_backpressure(void **state)
{
	struct fix *f = *state;
	const uint32_t len = 64 * 1024;
	unsigned nbuf = 16, done = 0;
	uint8_t *got = malloc((size_t)nbuf * len);
	uint32_t id, ulen;

	assert_non_null(got);
	f->client = cf_connect(f);
	for (unsigned i = 0; i < nbuf; i++) {
		uint8_t *p = cf_ptr(f, BUF_GPA + (uint64_t)i * len, len);
		struct driver_buf b = { BUF_GPA + (uint64_t)i * len, len,
					false };

		for (uint32_t j = 0; j < len; j++)
			p[j] = cf_pat((size_t)i * len + j);
		driver_ring_make_avail(
			&f->ring[TXQ],
			driver_ring_add_chain(&f->ring[TXQ], &b, 1));
	}
	vdev_queue_notify(f->vdev, TXQ);
	cf_run(f, 50);
	while (driver_ring_get_used(&f->ring[TXQ], &id, &ulen))
		done++;
	assert_true(done < nbuf);
	assert_true(f->ring[TXQ].avail_idx - done >= 2); /* not even popped */
	cf_read_all(f, f->client, got, (size_t)nbuf * len);
	for (size_t i = 0; i < (size_t)nbuf * len; i++)
		if (got[i] != cf_pat(i))
			fail_msg("byte %zu: %u", i, got[i]);
	while (done < nbuf && cf_used(f, TXQ, 1000, &id, &ulen))
		done++;
	assert_int_equal(done, nbuf);
	free(got);
}

/* One client at a time: the second is served once the first leaves. */
static void test_one_client_at_a_time(void **state)
{
	struct fix *f = *state;
	int second;
	char c;

	f->client = cf_connect(f);
	second = cf_connect(f);
	cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "1", 1));
	cf_read_all(f, f->client, &c, 1);
	assert_int_equal(c, '1');
	cf_assert_silent(f, second);
	close(f->client);
	f->client = second;
	cf_run(f, 20);
	cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "2", 1));
	cf_read_all(f, f->client, &c, 1);
	assert_int_equal(c, '2');
	assert_true(cf_log_has(f, "left"));
}

/* The client leaves while output waits for it: it is dropped. */
static void test_client_leaves_while_blocked(void **state)
{
	struct fix *f = *state;
	const uint32_t len = 256 * 1024;
	uint32_t id, ulen;
	uint16_t head;

	f->client = cf_connect(f);
	memset(cf_ptr(f, BUF_GPA, len), 'z', len);
	head = cf_kick(f, TXQ, &(struct driver_buf){ BUF_GPA, len, false }, 1);
	assert_false(cf_used(f, TXQ, 30, &id, &ulen));
	close(f->client);
	f->client = -1;
	assert_int_equal(cf_wait_used(f, TXQ, head), 0);
	assert_true(vdev_is_live(f->vdev));
}

/* Appended to what the file held; no input side. */
static void test_file_output(void **state)
{
	struct fix *f = *state;
	uint32_t id, len;
	char got[16] = { 0 };
	int fd;

	cf_rx(f, BUF_GPA + 0x1000, 64);
	assert_int_equal(cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "new\n", 4)),
			 0);
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, got, sizeof(got)), 8);
	close(fd);
	assert_string_equal(got, "old\nnew\n");
	assert_false(cf_used(f, RXQ, 20, &id, &len));
}

static void test_pty(void **state)
{
	struct fix *f = *state;
	const char *name = console_pty_path(f->vdev);
	uint16_t head;
	char got[4];
	int fd;

	assert_non_null(name);
	assert_memory_equal(name, "/dev/pts/", 9);
	assert_true(cf_log_has(f, name));
	fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "ping", 4));
	cf_read_all(f, fd, got, 4);
	assert_memory_equal(got, "ping", 4);
	head = cf_rx(f, BUF_GPA + 0x1000, 64);
	assert_int_equal(write(fd, "pong", 4), 4);
	assert_int_equal(cf_wait_used(f, RXQ, head), 4);
	assert_memory_equal(cf_ptr(f, BUF_GPA + 0x1000, 4), "pong", 4);
	/* Raw mode: nothing echoed back to the guest. */
	cf_assert_silent(f, fd);
	close(fd);
}

/* A reset keeps the client: output after it still arrives. */
static void test_reset_keeps_client(void **state)
{
	struct fix *f = *state;
	char c;

	f->client = cf_connect(f);
	cf_rx(f, BUF_GPA + 0x1000, 64);
	vdev_set_status(f->vdev, 0);
	assert_int_equal(f->flat.live_iov, 0);
	cf_probe(f);
	cf_wait_used(f, TXQ, cf_tx(f, BUF_GPA, "r", 1));
	cf_read_all(f, f->client, &c, 1);
	assert_int_equal(c, 'r');
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"", "serial", "unix:", "unix:a", "file:rel", "pty:x", "tcp:/x"
	};
	struct console_params p;

	assert_int_equal(console_parse("pty", &p), 0);
	assert_int_equal(p.kind, CONSOLE_PTY);
	assert_int_equal(console_parse("unix:/run/c.sock", &p), 0);
	assert_int_equal(p.kind, CONSOLE_UNIX);
	assert_string_equal(p.path, "/run/c.sock");
	assert_int_equal(console_parse("file:/var/log/c", &p), 0);
	assert_int_equal(p.kind, CONSOLE_FILE);
	assert_string_equal(p.path, "/var/log/c");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(console_parse(bad[i], &p), -EINVAL);
}

/* Through the registry: the config's key, and errors that name it. */
static void test_registry(void **state)
{
	struct fix *f = *state;
	const struct backend *be = backend_find(VIRTIO_ID_CONSOLE);
	struct backend_spec spec = { .domid = 1,
				     .device_id = VIRTIO_ID_CONSOLE,
				     .name = "console0",
				     .target = "",
				     .mem = &f->flat.mem,
				     .logger = &f->logger,
				     .loop = f->loop };
	char text[256], err[512], path[160];
	struct cfg_errors errs;
	struct vdev *vdev;
	struct cfg *cfg;

	assert_non_null(be);
	assert_string_equal(be->type, "console");
	snprintf(path, sizeof(path), "%s/other.log", f->dir);
	snprintf(text, sizeof(text),
		 "[device \"1/0\"]\nconsole = file:%s\n[device \"1/1\"]\n"
		 "console = serial0\n",
		 path);
	assert_int_equal(cfg_load_string("t.conf", text, &daemon_cfg_schema,
					 &cfg, &errs),
			 0);
	spec.options = cfg_section(cfg, "device", "1/0");
	assert_int_equal(be->create(&spec, &vdev, err, sizeof(err)), 0);
	assert_int_equal(vdev->ops->device_id, VIRTIO_ID_CONSOLE);
	be->destroy(vdev);
	assert_int_equal(unlink(path), 0);
	spec.options = cfg_section(cfg, "device", "1/1");
	assert_int_equal(be->create(&spec, &vdev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.conf:4"));
	assert_non_null(strstr(err, "console"));
	assert_non_null(strstr(err, "serial0"));
	cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, cf_setup, cf_teardown, \
						 (void *)&cfg)
		T(test_layout, cfg_unix),
		T(test_unix_output, cfg_unix),
		T(test_unix_no_client_drops, cfg_unix),
		T(test_unix_input, cfg_unix),
		T(test_input_waits_for_buffers, cfg_unix),
		T(test_input_backpressure, cfg_unix),
		T(test_output_backpressure, cfg_unix),
		T(test_one_client_at_a_time, cfg_unix),
		T(test_client_leaves_while_blocked, cfg_unix),
		T(test_file_output, cfg_file),
		T(test_pty, cfg_pty),
		T(test_reset_keeps_client, cfg_unix),
		cmocka_unit_test(test_parse),
		T(test_registry, cfg_file),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
