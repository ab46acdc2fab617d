// SPDX-License-Identifier: GPL-2.0-only
/* The virtio-rng tests' fixture: see test-rng-fixture.h. */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "driver-probe.h"
#include "evloop.h"
#include "test-rng-fixture.h"
#include "vdev.h"

uint8_t rf_pat(size_t i)
{
	return (uint8_t)(i * 31 + 7);
}

uint64_t rf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t *rf_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

static void make_source(struct fix *f, enum src_kind kind)
{
	uint8_t buf[FILE_LEN];
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/source", f->dir);
	f->wfd = -1;
	if (kind == SRC_FIFO) {
		/* The writer opens once the device has it open to read. */
		assert_int_equal(mkfifo(f->path, 0600), 0);
		return;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = rf_pat(i);
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
}

/* Linux's probe: reset, ACK, DRIVER, features, the requestq, DRIVER_OK. */
void rf_probe(struct fix *f)
{
	driver_probe_features(f->vdev, 0);
	driver_probe_queue(f->vdev, 0, &f->ring, &f->flat, QNUM, RAM_GPA);
	driver_probe_live(f->vdev);
}

int rf_setup(void **state)
{
	const struct setup_cfg *cfg = *state;
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct rng_params p = { .rate = cfg->rate };
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "rng0" };
	char err[256];

	assert_non_null(f);
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	vp.mem = &f->flat.mem;
	log_init(&f->logger, memfd_create("test-rng-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	snprintf(f->dir, sizeof(f->dir), "%s/test-rng-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	make_source(f, cfg->src);
	if (cfg->src != SRC_URANDOM)
		p.source = f->path;
	assert_int_equal(rng_new(&p, &vp, f->loop, &f->rng, err, sizeof(err)),
			 0);
	f->vdev = rng_vdev(f->rng);
	/*
	 * A writer that opens after the reader: when it closes, the reader
	 * sees a hang-up (pipe_poll() hides those of earlier writers).
	 */
	if (cfg->src == SRC_FIFO) {
		f->wfd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		assert_true(f->wfd >= 0);
	}
	rf_probe(f);
	*state = f;
	return 0;
}

int rf_teardown(void **state)
{
	struct fix *f = *state;

	rng_free(f->rng);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	evloop_free(f->loop);
	close(f->logger.fd);
	if (f->wfd >= 0)
		close(f->wfd);
	unlink(f->path);
	rmdir(f->dir);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

bool rf_log_has(struct fix *f, const char *needle)
{
	char buf[8192];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* A chain of n buffers made available and notified; its head. */
uint16_t rf_kick(struct fix *f, const struct driver_buf *b, unsigned n)
{
	uint16_t head = driver_ring_add_chain(&f->ring, b, n);

	driver_ring_make_avail(&f->ring, head);
	vdev_queue_notify(f->vdev, 0);
	return head;
}

uint16_t rf_request(struct fix *f, uint64_t gpa, uint32_t len)
{
	struct driver_buf b = { gpa, len, true };

	return rf_kick(f, &b, 1);
}

/* Runs the loop until a used entry shows (at most ms); false if none. */
bool rf_used(struct fix *f, unsigned ms, uint32_t *id, uint32_t *len)
{
	uint64_t end = rf_now_ms() + ms;

	do {
		if (driver_ring_get_used(&f->ring, id, len))
			return true;
		assert_true(evloop_run_once(f->loop, 5) >= 0);
	} while (rf_now_ms() < end);
	return driver_ring_get_used(&f->ring, id, len);
}

uint32_t rf_wait_used(struct fix *f, uint16_t head)
{
	uint32_t id, len;

	assert_true(rf_used(f, 5000, &id, &len));
	assert_int_equal(id, head);
	return len;
}

void rf_assert_needs_reset(struct fix *f)
{
	uint32_t id, len;

	assert_false(rf_used(f, 20, &id, &len));
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
}
