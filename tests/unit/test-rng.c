// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-rng backend (backends/rng/) as a well-behaved driver uses it:
 * layout, bytes from the source in order, a source that runs dry or ends,
 * the rate limit, bad parameters, and creation through the registry with
 * the daemon config's keys. Fixture: test-rng-fixture.h.
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

#include "cfg.h"
#include "daemon-cfg.h"
#include "evloop.h"
#include "registry.h"
#include "test-rng-fixture.h"
#include "vdev.h"

static const struct setup_cfg cfg_file = { .src = SRC_FILE };
static const struct setup_cfg cfg_fifo = { .src = SRC_FIFO };
static const struct setup_cfg cfg_urandom = { .src = SRC_URANDOM };
static const struct setup_cfg cfg_rate = { .src = SRC_URANDOM, .rate = 1000 };

/* §5.4.2-5.4.4: one queue, no features of its own, no configuration. */
static void test_layout(void **state)
{
	struct fix *f = *state;
	uint64_t v;

	assert_int_equal(f->vdev->ops->device_id, VIRTIO_ID_RNG);
	assert_int_equal(vdev_queue_read(f->vdev, 0, VDEV_QUEUE_NUM_MAX), QNUM);
	assert_int_equal(vdev_queue_read(f->vdev, 1, VDEV_QUEUE_NUM_MAX), 0);
	assert_int_equal(vdev_get_host_features(f->vdev, 0) & 0xffffff, 0);
	assert_int_not_equal(vdev_config_read(f->vdev, 0, 1, &v), 0);
	assert_true(rf_log_has(f, "entropy from"));
}

/* The source's bytes in order, across descriptors (§2.7.4). */
static void test_file_bytes(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b[3] = { { BUF_GPA + 0x1000, 10, true },
					 { BUF_GPA + 0x2000, 20, true },
					 { BUF_GPA + 0x3000, 30, true } };
	uint8_t want[64];

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = rf_pat(i);
	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 64)), 64);
	assert_memory_equal(rf_ptr(f, BUF_GPA, 64), want, 64);
	assert_int_equal(rf_wait_used(f, rf_kick(f, b, 3)), 60);
	for (unsigned i = 0, off = 64; i < 3; off += b[i].len, i++) {
		for (size_t j = 0; j < b[i].len; j++)
			want[j] = rf_pat(off + j);
		assert_memory_equal(rf_ptr(f, b[i].gpa, b[i].len), want,
				    b[i].len);
	}
}

/* The source ends: what is left, then the device fails (a backend fault). */
static void test_file_end_fails_device(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 4096)),
			 FILE_LEN);
	rf_request(f, BUF_GPA, 64);
	rf_assert_needs_reset(f);
	assert_true(rf_log_has(f, "end of file"));
}

/* A source that runs dry: the request waits, then gets what came. */
static void test_fifo_waits_for_source(void **state)
{
	struct fix *f = *state;
	uint32_t id, len;
	uint16_t head = rf_request(f, BUF_GPA, 64);

	assert_false(rf_used(f, 50, &id, &len));
	assert_int_equal(write(f->wfd, "0123456789", 10), 10);
	assert_int_equal(rf_wait_used(f, head), 10);
	assert_memory_equal(rf_ptr(f, BUF_GPA, 10), "0123456789", 10);
	/* The writer leaves with a request waiting: the source has ended. */
	rf_request(f, BUF_GPA, 64);
	assert_false(rf_used(f, 20, &id, &len));
	close(f->wfd);
	f->wfd = -1;
	rf_assert_needs_reset(f);
	/* The hung-up source is no longer watched: the loop is idle. */
	assert_int_equal(evloop_run_once(f->loop, 0), 0);
}

/* Reset with a request waiting for the source: nothing stays mapped. */
static void test_reset_while_waiting(void **state)
{
	struct fix *f = *state;
	uint32_t id, len;

	rf_request(f, BUF_GPA, 64);
	assert_false(rf_used(f, 20, &id, &len));
	vdev_set_status(f->vdev, 0);
	assert_int_equal(f->flat.live_iov, 0);
	rf_probe(f);
	assert_int_equal(write(f->wfd, "ab", 2), 2);
	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 64)), 2);
}

static void test_urandom(void **state)
{
	struct fix *f = *state;
	unsigned counts[256] = { 0 }, distinct = 0;
	uint8_t *p = rf_ptr(f, BUF_GPA, 1024);

	memset(p, 0, 1024);
	assert_int_equal(rf_wait_used(f, rf_request(f, BUF_GPA, 1024)), 1024);
	for (size_t i = 0; i < 1024; i++)
		counts[p[i]]++;
	for (size_t i = 0; i < 256; i++)
		distinct += counts[i] != 0;
	assert_true(distinct > 200);
}

/*
 * rate 1000 bytes/s, bucket 100 bytes: 400 bytes take at least
 * (400 - 100) / 1000 s, and no request gets more than the bucket.
 */
static void test_rate_limit(void **state)
{
	struct fix *f = *state;
	uint64_t t0 = rf_now_ms(), ms;
	uint32_t total = 0, len;

	while (total < 400) {
		len = rf_wait_used(f, rf_request(f, BUF_GPA, 256));
		assert_true(len >= 1 && len <= 100);
		total += len;
	}
	ms = rf_now_ms() - t0;
	fprintf(stderr, "400 bytes at 1000 bytes/s: %llu ms\n",
		(unsigned long long)ms);
	assert_true(ms >= 250);
	assert_true(ms < 3000);
}

static void test_bad_params(void **state)
{
	struct vdev_params vp = { 0 };
	struct rng_params p = { .source = "/nonexistent/rng" };
	struct evloop *loop;
	struct rng *r;
	char err[256];

	assert_int_equal(evloop_new(&loop), 0);
	assert_int_equal(rng_new(&p, &vp, loop, &r, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/rng"));
	assert_null(r);
	p.source = "/";
	assert_int_equal(rng_new(&p, &vp, loop, &r, err, sizeof(err)), -EISDIR);
	p.source = NULL;
	p.rate = RNG_RATE_MAX + 1;
	assert_int_equal(rng_new(&p, &vp, loop, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rate"));
	evloop_free(loop);
}

/* The registry creates it from the daemon config's keys. */
static void test_registry(void **state)
{
	struct fix *f = *state;
	const struct backend *be = backend_find(VIRTIO_ID_RNG);
	char text[256], err[256];
	struct backend_spec spec = {
		.domid = 1,
		.device_id = VIRTIO_ID_RNG,
		.name = "rng0",
		.target = "",
		.mem = &f->flat.mem,
		.logger = &f->logger,
		.loop = f->loop,
	};
	struct cfg_errors errs;
	struct vdev *vdev;
	struct cfg *cfg;

	assert_non_null(be);
	assert_string_equal(be->type, "rng");
	snprintf(text, sizeof(text),
		 "[device \"1/0\"]\nrng-source = %s\nrng-rate = 5000\n",
		 f->path);
	assert_int_equal(cfg_load_string("t.conf", text, &daemon_cfg_schema,
					 &cfg, &errs),
			 0);
	spec.options = cfg_section(cfg, "device", "1/0");
	assert_int_equal(be->create(&spec, &vdev, err, sizeof(err)), 0);
	assert_int_equal(vdev->ops->device_id, VIRTIO_ID_RNG);
	be->destroy(vdev);
	assert_true(rf_log_has(f, "5000 bytes/s"));
	cfg_free(cfg);
	assert_int_not_equal(
		cfg_load_string("t.conf", "[device \"1/0\"]\nrng-rate = -1\n",
				&daemon_cfg_schema, &cfg, &errs),
		0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, rf_setup, rf_teardown, \
						 (void *)&cfg)
		T(test_layout, cfg_file),
		T(test_file_bytes, cfg_file),
		T(test_file_end_fails_device, cfg_file),
		T(test_fifo_waits_for_source, cfg_fifo),
		T(test_reset_while_waiting, cfg_fifo),
		T(test_urandom, cfg_urandom),
		T(test_rate_limit, cfg_rate),
		cmocka_unit_test(test_bad_params),
		T(test_registry, cfg_file),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
