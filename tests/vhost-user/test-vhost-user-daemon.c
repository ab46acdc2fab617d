// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon under the simulated Xen serving a Xen 4.18 generic
 * virtio block device (virtio = ['type=virtio,device2, transport=mmio'])
 * whose daemon config section names a vhost-user socket: the registry picks
 * the vhost-user front-end, qemu-storage-daemon does the I/O on the image,
 * the guest's Linux-like driver checks it against the model. Then the
 * back-end crashes and comes back under the running daemon.
 *
 * Skipped when qemu-storage-daemon is not installed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "daemon-fixture.h"
#include "qsd.h"

#define OK_STATUS                                               \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)

struct scene {
	struct dfix *f;
	struct dguest g;
	struct qsd q;
};

static int setup(void **state)
{
	struct scene *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->f = df_new();
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scene *s = *state;

	qsd_stop(&s->q, SIGTERM);
	unlink(s->q.sock);
	df_free(s->f);
	free(s);
	return 0;
}

static void work(struct dguest *g, unsigned ops, uint64_t seed)
{
	struct dwork w;

	df_work_init(&w, g, ops, seed);
	if (df_work(&w))
		fail_msg("%s", w.error);
	assert_int_equal(df_verify(g, 0), 0);
	assert_int_equal(g->blk.stats.bad_status, 0);
}

static uint32_t status(struct dguest *g)
{
	uint32_t v = 0;

	assert_int_equal(df_reg_read(g, 0, VIRTIO_MMIO_STATUS, &v), 0);
	return v;
}

/* The guest resets the disk until the daemon has its back-end again. */
static void revive(struct dguest *g)
{
	for (int i = 0; i < 100; i++) {
		assert_int_equal(blkdrv_restart(&g->blk), 0);
		if (status(g) == OK_STATUS)
			return;
		usleep(100 * 1000);
	}
	fail_msg("the device never came back: status %#x", status(g));
}

static void test_generic_device_on_vhost_user(void **state)
{
	struct scene *s = *state;
	struct dfix *f = s->f;
	struct dguest *g = &s->g;
	char cfg[512];
	char *log;

	if (!qsd_available())
		skip();
	df_guest_init(f, g, 7, XENSIM_LIBXL_VIRTIO, 0, 7);
	snprintf(s->q.image, sizeof(s->q.image), "%s", g->disk.path);
	snprintf(s->q.sock, sizeof(s->q.sock), "%s/vu.sock", f->dir);
	assert_int_equal(qsd_start(&s->q), 0);
	snprintf(cfg, sizeof(cfg),
		 "[daemon]\nlog-level = info\n"
		 "[device \"7/0\"]\nvhost-user = %s\n",
		 s->q.sock);
	df_config(f, cfg);
	df_spawn(f, NULL, true);
	df_guest_boot(g, 1);
	assert_int_equal(df_guest_probe(g, 1), 0);
	assert_int_equal(g->blk.capacity, DF_DISK_SIZE / DF_SECTOR);
	/* Our limits, not the back-end's: every request fits a slot. */
	assert_int_equal(g->blk.max_size, 4096);
	work(g, 1000, 0x7001);

	/* The back-end crashes: NEEDS_RESET; it comes back: the disk too. */
	qsd_stop(&s->q, SIGKILL);
	assert_true(df_wait_status(g, VIRTIO_CONFIG_S_NEEDS_RESET, 5000) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(qsd_start(&s->q), 0);
	revive(g);
	work(g, 500, 0x7002);

	blkdrv_remove(&g->blk);
	g->probed = false;
	assert_int_equal(df_stop(f), 0);
	assert_true(df_disk_matches(&g->disk));
	df_wait_state(g, "6");
	log = df_stderr(f);
	fprintf(stderr, "the daemon said:\n%s", log);
	assert_non_null(strstr(log, "vhost-user back-end"));
	assert_non_null(strstr(log, "connection closed"));
	assert_non_null(strstr(log, "connected"));
	free(log);
	df_guest_fini(g);
	df_assert_clean(f);
}

/* No back-end at the socket: the device is refused with a reason. */
static void test_backend_missing(void **state)
{
	struct scene *s = *state;
	struct dfix *f = s->f;
	struct dguest *g = &s->g;
	char cfg[512], path[256], *err;

	df_guest_init(f, g, 8, XENSIM_LIBXL_VIRTIO, 0, 8);
	snprintf(cfg, sizeof(cfg), "[device \"8/0\"]\nvhost-user = %s/none\n",
		 f->dir);
	df_config(f, cfg);
	df_spawn(f, NULL, true);
	df_domain_create(f, 8, 1);
	assert_int_equal(xensim_libxl_add(f->h, &g->dev), 0);
	df_backend_path(g, "error", path, sizeof(path));
	assert_int_equal(xensim_xs_wait(f->h, path, NULL, DF_WAIT_MS), 0);
	df_wait_state(g, "6");
	err = df_xs_read(f, path);
	assert_non_null(err);
	assert_non_null(strstr(err, "vhost-user"));
	assert_non_null(strstr(err, "connect"));
	free(err);
	assert_true(df_alive(f));
	assert_int_equal(df_stop(f), 0);
	df_guest_fini(g);
	df_assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_generic_device_on_vhost_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_missing, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
