// SPDX-License-Identifier: GPL-2.0-only
/* The virtio-console tests' fixture: see test-console-fixture.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "driver-probe.h"
#include "evloop.h"
#include "test-console-fixture.h"
#include "vdev.h"

uint8_t cf_pat(size_t i)
{
	return (uint8_t)(i * 13 + i / 251);
}

uint64_t cf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t *cf_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

void cf_probe(struct fix *f)
{
	driver_probe_features(f->vdev, 0);
	for (unsigned q = 0; q < 2; q++)
		driver_probe_queue(f->vdev, q, &f->ring[q], &f->flat, QNUM,
				   RING_GPA(q));
	driver_probe_live(f->vdev);
}

int cf_setup(void **state)
{
	const struct setup_cfg *cfg = *state;
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct console_params p = { .kind = cfg->kind };
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "console0" };
	char err[256];

	assert_non_null(f);
	f->client = -1;
	f->kind = cfg->kind;
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	vp.mem = &f->flat.mem;
	log_init(&f->logger, memfd_create("test-console-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	snprintf(f->dir, sizeof(f->dir), "%s/test-con-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir,
		 cfg->kind == CONSOLE_UNIX ? "sock" : "log");
	p.path = f->path;
	if (cfg->kind == CONSOLE_FILE) {
		int fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		assert_int_equal(write(fd, "old\n", 4), 4);
		close(fd);
	}
	if (console_new(&p, &vp, f->loop, &f->con, err, sizeof(err)))
		fail_msg("console_new: %s", err);
	f->vdev = console_vdev(f->con);
	cf_probe(f);
	*state = f;
	return 0;
}

int cf_teardown(void **state)
{
	struct fix *f = *state;

	if (f->client >= 0)
		close(f->client);
	console_free(f->con);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	/* The socket goes with the device; the log file stays. */
	if (f->kind == CONSOLE_UNIX)
		assert_int_not_equal(access(f->path, F_OK), 0);
	unlink(f->path);
	assert_int_equal(rmdir(f->dir), 0);
	evloop_free(f->loop);
	close(f->logger.fd);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

bool cf_log_has(struct fix *f, const char *needle)
{
	char buf[8192];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

void cf_run(struct fix *f, unsigned ms)
{
	uint64_t end = cf_now_ms() + ms;

	do
		assert_true(evloop_run_once(f->loop, 2) >= 0);
	while (cf_now_ms() < end);
}

int cf_connect(struct fix *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, f->path, strlen(f->path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
	cf_run(f, 10);
	return fd;
}

uint16_t cf_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n)
{
	uint16_t head = driver_ring_add_chain(&f->ring[q], b, n);

	driver_ring_make_avail(&f->ring[q], head);
	vdev_queue_notify(f->vdev, q);
	return head;
}

uint16_t cf_tx(struct fix *f, uint64_t gpa, const void *data, uint32_t len)
{
	struct driver_buf b = { gpa, len, false };

	memcpy(cf_ptr(f, gpa, len), data, len);
	return cf_kick(f, TXQ, &b, 1);
}

uint16_t cf_rx(struct fix *f, uint64_t gpa, uint32_t len)
{
	struct driver_buf b = { gpa, len, true };

	return cf_kick(f, RXQ, &b, 1);
}

bool cf_used(struct fix *f, unsigned q, unsigned ms, uint32_t *id,
	     uint32_t *len)
{
	uint64_t end = cf_now_ms() + ms;

	do {
		if (driver_ring_get_used(&f->ring[q], id, len))
			return true;
		assert_true(evloop_run_once(f->loop, 2) >= 0);
	} while (cf_now_ms() < end);
	return driver_ring_get_used(&f->ring[q], id, len);
}

uint32_t cf_wait_used(struct fix *f, unsigned q, uint16_t head)
{
	uint32_t id, len;

	assert_true(cf_used(f, q, 5000, &id, &len));
	assert_int_equal(id, head);
	return len;
}

void cf_read_all(struct fix *f, int fd, void *buf, size_t len)
{
	uint64_t end = cf_now_ms() + 5000;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		assert_true(n < 0 && errno == EAGAIN);
		if (cf_now_ms() > end)
			fail_msg("read %zu of %zu bytes", got, len);
		assert_true(evloop_run_once(f->loop, 2) >= 0);
	}
}

void cf_assert_silent(struct fix *f, int fd)
{
	char c;

	cf_run(f, 20);
	assert_int_equal(read(fd, &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
}

void cf_assert_needs_reset(struct fix *f)
{
	cf_run(f, 10);
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
}
