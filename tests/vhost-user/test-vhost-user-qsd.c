// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end against a back-end nobody here wrote:
 * qemu-storage-daemon exporting a disk image as vhost-user-blk. In one
 * process: the guest's Linux-like virtio-blk driver, our vmmio + vdev + vq
 * core, the front-end, and the daemon as a child process we can kill and
 * restart. Every read is checked against an in-memory model of the disk.
 *
 * Skipped when qemu-storage-daemon is not installed (scripts/setup installs
 * it with qemu-system-common).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdev.h"
#include "vhost-user/vu-dev.h"
#include "vu-harness.h"

#define DISK_SIZE (8u << 20)
#define SECTOR 512u
#define OK_STATUS                                               \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)

struct fx {
	char dir[64];
	struct qsd qsd;
	uint8_t *model;
	uint64_t rng;
	struct vuh_params hp;
	struct vuh *h;
};

static uint64_t rnd(struct fx *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	FILE *img;

	if (!f)
		return -1;
	*state = f;
	f->rng = 0x243f6a8885a308d3ull;
	snprintf(f->dir, sizeof(f->dir), "/tmp/xvdm-vu-XXXXXX");
	f->model = malloc(DISK_SIZE);
	if (!f->model || !mkdtemp(f->dir))
		return -1;
	for (size_t i = 0; i < DISK_SIZE; i += 8) {
		uint64_t v = rnd(f);

		memcpy(f->model + i, &v, 8);
	}
	snprintf(f->qsd.image, sizeof(f->qsd.image), "%s/disk.raw", f->dir);
	snprintf(f->qsd.sock, sizeof(f->qsd.sock), "%s/blk.sock", f->dir);
	img = fopen(f->qsd.image, "we");
	if (!img || fwrite(f->model, 1, DISK_SIZE, img) != DISK_SIZE)
		return -1;
	fclose(img);
	f->hp.socket = f->qsd.sock;
	f->hp.timeout_ms = 2000;
	f->hp.reconnect_ms = 20;
	f->hp.log_level = getenv("VUH_DEBUG") ? LOG_DEBUG : LOG_ERR;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[128];

	vuh_free(f->h);
	qsd_stop(&f->qsd, SIGTERM);
	unlink(f->qsd.sock);
	unlink(f->qsd.image);
	snprintf(path, sizeof(path), "%s", f->dir);
	rmdir(path);
	free(f->model);
	free(f);
	return 0;
}

static void start(struct fx *f)
{
	char err[256] = "";

	if (!qsd_available())
		skip();
	assert_int_equal(qsd_start(&f->qsd), 0);
	if (vuh_new(&f->hp, &f->h, err, sizeof(err)))
		fail_msg("vuh_new: %s", err);
	assert_int_equal(vuh_probe(f->h, 3000), 0);
}

static void assert_clean(struct fx *f)
{
	if (f->h->drv.vm.errors)
		fail_msg("driver noticed: %s", f->h->drv.vm.error);
	assert_int_equal(f->h->drv.stats.bad_status, 0);
	assert_int_equal(vdev_get_status(f->h->vdev), OK_STATUS);
}

static void verify_disk(struct fx *f)
{
	const size_t chunk = 64 * 1024;
	uint8_t *buf = malloc(chunk);

	assert_non_null(buf);
	for (size_t off = 0; off < DISK_SIZE; off += chunk) {
		assert_int_equal(
			blkdrv_read(&f->h->drv, 0, off / SECTOR, buf, chunk, 4),
			0);
		if (memcmp(buf, f->model + off, chunk))
			fail_msg("disk differs from the model at %zu", off);
	}
	free(buf);
}

static void random_io(struct fx *f, unsigned nops)
{
	struct blkdrv *b = &f->h->drv;
	const uint64_t sectors = DISK_SIZE / SECTOR;
	uint8_t *buf = malloc(64 * 1024);

	assert_non_null(buf);
	for (unsigned i = 0; i < nops; i++) {
		unsigned n = (unsigned)(1 + rnd(f) % 128);
		uint64_t sector = rnd(f) % (sectors - n + 1);
		size_t len = (size_t)n * SECTOR;
		unsigned nseg = (unsigned)(1 + rnd(f) % 8);
		unsigned q = (unsigned)(rnd(f) % b->nq);

		switch (rnd(f) % 8) {
		case 0:
			assert_int_equal(blkdrv_flush(b, q), 0);
			break;
		case 1 ... 3:
			for (size_t j = 0; j < len; j += 8) {
				uint64_t v = rnd(f);

				memcpy(buf + j, &v, 8);
			}
			assert_int_equal(
				blkdrv_write(b, q, sector, buf, len, nseg), 0);
			memcpy(f->model + sector * SECTOR, buf, len);
			break;
		default:
			assert_int_equal(
				blkdrv_read(b, q, sector, buf, len, nseg), 0);
			if (memcmp(buf, f->model + sector * SECTOR, len))
				fail_msg("op %u: read of %u sectors at %llu "
					 "differs from the model",
					 i, n, (unsigned long long)sector);
		}
	}
	free(buf);
}

/* What the guest negotiates with qemu-storage-daemon behind us. */
static void test_probe(void **state)
{
	struct fx *f = *state;
	struct blkdrv *b;
	char id[VIRTIO_BLK_ID_BYTES];

	start(f);
	b = &f->h->drv;
	assert_int_equal(b->vm.device_id, VIRTIO_ID_BLOCK);
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_F_VERSION_1));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_FLUSH));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_SEG_MAX));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_SIZE_MAX));
	assert_int_equal(b->capacity, DISK_SIZE / SECTOR);
	/* The limits that keep every request within a bounce slot. */
	assert_int_equal(b->max_size, 4096);
	assert_true(b->sg_elems >= 1 && b->sg_elems <= 32);
	assert_true(vuh_connected(f->h));
	assert_int_equal(blkdrv_get_id(b, 0, id), 0);
	assert_memory_equal(id, "vhost_user_blk", 14);
	assert_clean(f);
}

static void test_random_io(void **state)
{
	struct fx *f = *state;

	start(f);
	random_io(f, 2000);
	verify_disk(f);
	assert_clean(f);
}

/*
 * A guest that ignores the limits we offered (seg_max * size_max) builds a
 * request no slot holds: it fails with IOERR, the device goes on.
 */
static void test_oversized_request_fails(void **state)
{
	struct fx *f = *state;
	const uint32_t len = 512 * 1024;
	struct blkdrv_req req;
	struct vrdrv_sg seg;
	uint64_t gpa;

	start(f);
	assert_int_equal(gpa_pool_alloc(&f->h->pool, len, 4096, &gpa), 0);
	seg = (struct vrdrv_sg){ gpa, len };
	for (unsigned type = 0; type < 2; type++) {
		req = (struct blkdrv_req){ .type = type ? VIRTIO_BLK_T_OUT :
							  VIRTIO_BLK_T_IN,
					   .seg = &seg,
					   .nseg = 1 };
		assert_int_equal(blkdrv_submit(&f->h->drv, 0, &req, true), 0);
		assert_int_equal(blkdrv_wait(&f->h->drv, &req), 0);
		assert_int_equal(req.error, -EIO);
		assert_int_equal(req.status, VIRTIO_BLK_S_IOERR);
	}
	gpa_pool_free(&f->h->pool, gpa, len);
	random_io(f, 100);
	verify_disk(f);
	assert_clean(f);
}

static bool is_down(struct vuh *h)
{
	return !vuh_connected(h) && vuh_needs_reset(h);
}

/*
 * The daemon crashes under a live device: NEEDS_RESET; it comes back: the
 * front-end reconnects by itself and the guest's reset revives the disk.
 */
static void test_backend_killed_and_back(void **state)
{
	struct fx *f = *state;

	start(f);
	random_io(f, 200);
	qsd_stop(&f->qsd, SIGKILL);
	assert_true(vuh_run_until(f->h, is_down, 3000));
	/* A reset while the daemon is gone: DRIVER_OK fails visibly. */
	assert_int_equal(blkdrv_restart(&f->h->drv), 0);
	assert_true(vuh_needs_reset(f->h));
	assert_int_equal(qsd_start(&f->qsd), 0);
	assert_true(vuh_run_until(f->h, vuh_connected, 5000));
	assert_int_equal(blkdrv_restart(&f->h->drv), 0);
	assert_clean(f);
	random_io(f, 300);
	verify_disk(f);
	/* And once more, with a clean exit this time. */
	qsd_stop(&f->qsd, SIGTERM);
	assert_true(vuh_run_until(f->h, is_down, 3000));
	assert_int_equal(qsd_start(&f->qsd), 0);
	assert_true(vuh_run_until(f->h, vuh_connected, 5000));
	assert_int_equal(blkdrv_restart(&f->h->drv), 0);
	random_io(f, 100);
	verify_disk(f);
	assert_clean(f);
}

static bool settled(struct vuh *h)
{
	return false;
}

/*
 * The guest resets with writes in flight: the front-end orphans them and
 * starts a clean session; the disk keeps working. A cancelled write may or
 * may not have landed, so the model takes what the disk holds there.
 */
static void test_reset_with_requests_in_flight(void **state)
{
	struct fx *f = *state;
	struct blkdrv_req reqs[32];
	struct vrdrv_sg segs[32];
	uint64_t gpa;
	unsigned cancelled = 0;

	start(f);
	assert_int_equal(gpa_pool_alloc(&f->h->pool, 32 * 32768, 4096, &gpa),
			 0);
	memset(f->h->bus.ram(f->h, gpa, 32 * 32768), 0x3c, 32 * 32768);
	for (unsigned i = 0; i < 32; i++) {
		segs[i] = (struct vrdrv_sg){ gpa + i * 32768ull, 32768 };
		reqs[i] = (struct blkdrv_req){ .type = VIRTIO_BLK_T_OUT,
					       .sector = i * 256ull,
					       .seg = &segs[i],
					       .nseg = 1 };
		assert_int_equal(
			blkdrv_submit(&f->h->drv, 0, &reqs[i], i == 31), 0);
	}
	assert_int_equal(blkdrv_restart(&f->h->drv), 0);
	(void)vuh_run_until(f->h, settled, 300); /* old session drains */
	assert_true(vuh_run_until(f->h, vuh_connected, 5000));
	assert_int_equal(vdev_get_status(f->h->vdev), OK_STATUS);
	for (unsigned i = 0; i < 32; i++) {
		assert_true(reqs[i].completed);
		if (reqs[i].error == -ECANCELED)
			cancelled++;
		else
			assert_int_equal(reqs[i].error, 0);
		assert_int_equal(blkdrv_read(&f->h->drv, 0, i * 256ull,
					     f->model + i * 256ull * SECTOR,
					     32768, 2),
				 0);
	}
	print_message("%u of 32 writes cancelled by the reset\n", cancelled);
	random_io(f, 300);
	verify_disk(f);
	assert_clean(f);
}

static void test_two_queues(void **state)
{
	struct fx *f = *state;

	f->qsd.num_queues = 2;
	f->hp.num_queues = 2;
	start(f);
	assert_int_equal(f->h->drv.nq, 2);
	random_io(f, 600);
	verify_disk(f);
	assert_clean(f);
}

/*
 * A used entry for a request the back-end was never given (the test writes
 * it into the shared memory, as a hostile back-end could): the front-end
 * drops the back-end, the device needs a reset, a new session follows and
 * the guest's reset brings the disk back.
 */
static void test_hostile_used_entry_drops_backend(void **state)
{
	struct fx *f = *state;
	const uint64_t one = 1;
	struct vu_sq *sq;

	start(f);
	random_io(f, 50);
	sq = &f->h->vu->shadow->q[0];
	assert_int_equal(sq->inflight, 0);
	sq->used->ring[sq->last_used & (sq->num - 1)].id = 0;
	sq->used->ring[sq->last_used & (sq->num - 1)].len = 0;
	__atomic_store_n(&sq->used->idx, (uint16_t)(sq->last_used + 1),
			 __ATOMIC_RELEASE);
	assert_int_equal(write(f->h->vu->q[0].call_fd, &one, sizeof(one)), 8);
	assert_true(vuh_run_until(f->h, vuh_needs_reset, 2000));
	assert_true(vuh_run_until(f->h, vuh_connected, 5000));
	assert_int_equal(blkdrv_restart(&f->h->drv), 0);
	assert_clean(f);
	random_io(f, 100);
	verify_disk(f);
}

/* The back-end must not learn anything outside the shadow memory. */
static void test_shadow_is_all_it_sees(void **state)
{
	struct fx *f = *state;
	struct vu_dev *d;

	start(f);
	d = f->h->vu;
	assert_non_null(d->shadow);
	/* The region is sealed against resizing by the back-end. */
	assert_int_equal(ftruncate(d->shadow->fd, 4096), -1);
	assert_int_equal(errno, EPERM);
	random_io(f, 50);
	assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_io, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized_request_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_killed_and_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_reset_with_requests_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_queues, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shadow_is_all_it_sees,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hostile_used_entry_drops_backend, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
