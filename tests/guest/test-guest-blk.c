/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * End to end, in one process: the guest's virtio-mmio + virtio-blk drivers
 * (behaving like Linux's) against the real core (vmmio, vdev, vq) and the
 * real blk backend over a file, checked against an in-memory model of the
 * disk. The hostile_ tests play a buggy device and check that the driver
 * reports it instead of crashing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-fixture.h"
#include "vdev.h"

#define OK_STATUS                                               \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK)
#define MAX_OPS 64

static int setup(void **state)
{
	*state = fix_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	fix_free(*state);
	return 0;
}

static void start(struct fixture *f)
{
	assert_int_equal(fix_start(f), 0);
}

static void assert_clean(struct fixture *f)
{
	if (f->blk.vm.errors)
		fail_msg("driver noticed: %s", f->blk.vm.error);
	assert_int_equal(f->blk.stats.bad_status, 0);
	for (unsigned i = 0; i < f->blk.nq; i++)
		assert_false(f->blk.q[i].vq->broken);
}

static void test_pool(void **state)
{
	struct gpa_pool p;
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(gpa_pool_init(&p, 0x1000, 0x10000), 0);
	assert_int_equal(gpa_pool_alloc(&p, 100, 16, &a), 0);
	assert_int_equal(gpa_pool_alloc(&p, 0x1000, 0x1000, &b), 0);
	assert_int_equal(b & 0xfff, 0);
	assert_int_equal(gpa_pool_alloc(&p, 16, 16, &c), 0);
	assert_true(c >= a + 100 && c + 16 <= 0x11000);
	assert_int_equal(gpa_pool_alloc(&p, 0x10000, 16, &c), -ENOMEM);
	gpa_pool_free(&p, b, 0x1000);
	gpa_pool_free(&p, a, 100);
	gpa_pool_free(&p, c, 16);
	assert_int_equal(p.in_use, 0);
	assert_int_equal(p.nr_free, 1); /* everything coalesced */
	assert_int_equal(gpa_pool_alloc(&p, 0x10000, 16, &a), 0);
	gpa_pool_fini(&p);
}

/* What Linux negotiates: the device's offer within its feature table. */
static void test_probe_linux_features(void **state)
{
	struct fixture *f = *state;
	struct blkdrv *b = &f->blk;
	char id[VIRTIO_BLK_ID_BYTES];

	start(f);
	assert_int_equal(b->vm.version, 2);
	assert_int_equal(b->vm.device_id, VIRTIO_ID_BLOCK);
	assert_int_equal(b->vm.features,
			 b->vm.device_features & BLKDRV_FEATURES_LINUX);
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_F_VERSION_1));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_RING_F_EVENT_IDX));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_RING_F_INDIRECT_DESC));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_FLUSH));
	/* The device agrees on what was negotiated. */
	assert_int_equal(f->ip->vdev->guest_features, b->vm.features);
	assert_int_equal(vdev_get_status(f->ip->vdev), OK_STATUS);
	assert_int_equal(b->capacity, FIX_DISK_SIZE / FIX_SECTOR);
	assert_int_equal(b->nq, 1);
	assert_true(b->writeback);
	assert_false(b->ro);
	/* With indirect descriptors the queue depth fills the ring. */
	assert_int_equal(b->queue_depth, b->q[0].vq->num);
	assert_int_equal(blkdrv_get_id(b, 0, id), 0);
	assert_clean(f);
}

/* The order Linux touches the registers in at probe, access by access. */
static void test_probe_register_order(void **state)
{
	struct fixture *f = *state;
	struct blkdrv *b = &f->blk;
	struct expect {
		bool w;
		uint32_t off;
	} e[64];
	const uint32_t cfg = VIRTIO_MMIO_CONFIG;
	unsigned n = 0, i, qnum_at;

#define R(o) (e[n++] = (struct expect){ false, (o) })
#define W(o) (e[n++] = (struct expect){ true, (o) })
	R(0x000), R(0x004), R(0x008), R(0x00c);
	W(0x070), R(0x070), W(0x070), R(0x070), W(0x070);
	W(0x014), R(0x010), W(0x014), R(0x010);
	W(0x024), W(0x020), W(0x024), W(0x020);
	R(0x070), W(0x070), R(0x070);
	R(cfg + 12);		      /* seg_max */
	W(0x030), R(0x044), R(0x034); /* vm_setup_vq */
	qnum_at = n;
	W(0x038);
	W(0x080), W(0x084), W(0x090), W(0x094), W(0x0a0), W(0x0a4), W(0x044);
	R(cfg + 8), R(cfg + 20);		    /* size_max, blk_size */
	R(cfg + 44), R(cfg + 36), R(cfg + 40);	    /* discard */
	R(cfg + 48);				    /* write zeroes */
	R(0x0fc), R(cfg + 0), R(cfg + 4), R(0x0fc); /* capacity */
	R(0x070), W(0x070); /* virtblk_probe: virtio_device_ready */
	R(0x070);	    /* virtio_dev_probe: DRIVER_OK already set */
#undef R
#undef W
	f->ipp.queue_size = 64;
	assert_int_equal(fix_device(f), 0);
	inproc_trace_start(f->ip);
	assert_int_equal(fix_probe(f), 0);
	inproc_trace_stop(f->ip);
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_DISCARD));
	assert_true(vmdrv_has_feature(&b->vm, VIRTIO_BLK_F_WRITE_ZEROES));
	assert_int_equal(f->ip->trace_len, n);
	for (i = 0; i < n; i++) {
		const struct inproc_access *a = &f->ip->trace[i];

		if (a->write != e[i].w || a->off != e[i].off)
			fail_msg("access %u: %c %#x, expected %c %#x", i,
				 a->write ? 'W' : 'R', a->off,
				 e[i].w ? 'W' : 'R', e[i].off);
		/* Control registers: 32-bit only; config fields: their size. */
		assert_true(a->off < cfg ? a->size == 4 : a->size <= 4);
	}
	assert_int_equal(f->ip->trace[qnum_at].val, 64); /* QueueNum */
	assert_int_equal(f->ip->trace[n - 2].val, OK_STATUS);
	assert_clean(f);
}

static void run_random_io(struct fixture *f, unsigned nops)
{
	struct blkdrv *b = &f->blk;
	const uint64_t sectors = FIX_DISK_SIZE / FIX_SECTOR;
	uint8_t *buf = malloc(64 * 1024);
	uint64_t sector;
	unsigned i, n, nseg, q;
	size_t len;

	assert_non_null(buf);
	for (i = 0; i < nops; i++) {
		n = (unsigned)(1 + fix_rand(f) % 128);
		sector = fix_rand(f) % (sectors - n + 1);
		len = (size_t)n * FIX_SECTOR;
		nseg = (unsigned)(1 + fix_rand(f) % 8);
		q = (unsigned)(fix_rand(f) % b->nq);
		switch (fix_rand(f) % 8) {
		case 0:
			assert_int_equal(blkdrv_flush(b, q), 0);
			break;
		case 1 ... 3:
			memcpy(buf, f->model + sector * FIX_SECTOR, len);
			for (size_t j = 0; j < len; j += 61)
				buf[j] ^= (uint8_t)(i + 1);
			assert_int_equal(
				blkdrv_write(b, q, sector, buf, len, nseg), 0);
			memcpy(f->model + sector * FIX_SECTOR, buf, len);
			break;
		default:
			assert_int_equal(
				blkdrv_read(b, q, sector, buf, len, nseg), 0);
			assert_memory_equal(buf, f->model + sector * FIX_SECTOR,
					    len);
		}
	}
	free(buf);
	assert_true(fix_verify_disk(f, 0));
	assert_clean(f);
}

static void test_random_io(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_random_io(f, 3000);
}

static void test_random_io_no_event_idx(void **state)
{
	struct fixture *f = *state;

	f->bp.features =
		BLKDRV_FEATURES_LINUX & ~(1ull << VIRTIO_RING_F_EVENT_IDX);
	start(f);
	assert_false(f->ip->vdev->guest_features &
		     (1ull << VIRTIO_RING_F_EVENT_IDX));
	assert_false(f->blk.q[0].vq->event);
	run_random_io(f, 1000);
}

static void test_random_io_no_indirect(void **state)
{
	struct fixture *f = *state;

	f->bp.features =
		BLKDRV_FEATURES_LINUX & ~(1ull << VIRTIO_RING_F_INDIRECT_DESC);
	start(f);
	assert_false(f->ip->vdev->guest_features &
		     (1ull << VIRTIO_RING_F_INDIRECT_DESC));
	/* Linux halves the depth: two descriptors a request at least. */
	assert_int_equal(f->blk.queue_depth, f->blk.q[0].vq->num / 2);
	run_random_io(f, 1000);
	assert_int_equal(f->blk.q[0].vq->stats.added_indirect, 0);
}

static void test_random_io_no_ring_features(void **state)
{
	struct fixture *f = *state;

	f->bp.features =
		BLKDRV_FEATURES_LINUX & ~(1ull << VIRTIO_RING_F_INDIRECT_DESC |
					  1ull << VIRTIO_RING_F_EVENT_IDX);
	start(f);
	run_random_io(f, 1000);
}

/*
 * Submits n async ops on random queues over distinct 64 KiB chunks (so the
 * model stays exact), kicking once per queue, then waits for all of them.
 */
static void run_batch(struct fixture *f, unsigned n)
{
	struct fix_op *ops = calloc(n, sizeof(*ops));
	const unsigned chunks = FIX_DISK_SIZE / (64 * 1024);
	uint64_t taken[FIX_DISK_SIZE / (64 * 1024) / 64] = { 0 };
	unsigned i, c, done;

	assert_non_null(ops);
	for (i = 0; i < n; i++) {
		do
			c = (unsigned)(fix_rand(f) % chunks);
		while (taken[c / 64] & (1ull << (c % 64)));
		taken[c / 64] |= 1ull << (c % 64);
		fix_op_init(f, &ops[i], fix_rand(f) % 2,
			    (uint64_t)c * 128 + fix_rand(f) % 64, 64);
		assert_int_equal(blkdrv_submit(&f->blk,
					       (unsigned)(i % f->blk.nq),
					       &ops[i].req, false),
				 0);
	}
	for (i = 0; i < f->blk.nq; i++)
		blkdrv_commit(&f->blk, i);
	for (done = 0; done < n;) {
		assert_int_equal(blkdrv_poll(&f->blk, 5000), 1);
		for (done = 0, i = 0; i < n; i++)
			done += ops[i].req.completed;
	}
	for (i = 0; i < n; i++) {
		assert_true(fix_op_check(f, &ops[i]));
		fix_op_fini(f, &ops[i]);
	}
	free(ops);
}

/* With EVENT_IDX a batch costs one notification per queue. */
static void test_async_batches(void **state)
{
	struct fixture *f = *state;
	unsigned i;

	start(f);
	for (i = 0; i < 50; i++) {
		uint64_t before = f->ip->notifies;

		run_batch(f, 1 + (unsigned)(fix_rand(f) % MAX_OPS));
		assert_int_equal(f->ip->notifies - before, 1);
	}
	assert_true(f->blk.q[0].vq->stats.added_indirect > 0);
	assert_true(fix_verify_disk(f, 0));
	assert_clean(f);
}

static void test_multiqueue(void **state)
{
	struct fixture *f = *state;
	unsigned i;

	f->ipp.num_queues = 4;
	start(f);
	assert_true(vmdrv_has_feature(&f->blk.vm, VIRTIO_BLK_F_MQ));
	assert_int_equal(f->blk.nq, 4);
	for (i = 0; i < 30; i++)
		run_batch(f, 4 + (unsigned)(fix_rand(f) % MAX_OPS));
	run_random_io(f, 500);
	for (i = 0; i < 4; i++)
		assert_true(f->blk.q[i].vq->stats.used > 0);
}

/* Linux caps the queues it uses (nr_cpu_ids); the device must cope. */
static void test_multiqueue_fewer(void **state)
{
	struct fixture *f = *state;

	f->ipp.num_queues = 4;
	f->bp.max_queues = 2;
	start(f);
	assert_int_equal(f->blk.nq, 2);
	run_random_io(f, 300);
}

/* A reset with requests in flight, then the driver comes back. */
static void test_reset_midway(void **state)
{
	struct fixture *f = *state;
	struct fix_op ops[32];
	unsigned i, ok = 0, cancelled = 0;

	f->ipp.num_queues = 2;
	start(f);
	for (i = 0; i < 32; i++) {
		fix_op_init(f, &ops[i], true, (uint64_t)i * 256, 64);
		assert_int_equal(blkdrv_submit(&f->blk, i % 2, &ops[i].req,
					       i == 31 || i == 30),
				 0);
	}
	assert_int_equal(blkdrv_restart(&f->blk), 0);
	assert_int_equal(vdev_get_status(f->ip->vdev), OK_STATUS);
	assert_int_equal(f->ip->vdev->guest_features, f->blk.vm.features);
	for (i = 0; i < 32; i++) {
		assert_true(ops[i].req.completed);
		if (ops[i].req.error == -ECANCELED) {
			/* Written or not: put the model's data back. */
			cancelled++;
			assert_int_equal(
				blkdrv_write(&f->blk, 0, ops[i].req.sector,
					     f->model + ops[i].req.sector *
								FIX_SECTOR,
					     ops[i].len, 4),
				0);
		} else {
			ok += fix_op_check(f, &ops[i]);
		}
		fix_op_fini(f, &ops[i]);
	}
	assert_int_equal(ok + cancelled, 32);
	assert_true(cancelled > 0);
	run_random_io(f, 300);
}

static void test_readonly(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4096], zero[4096] = { 0 };

	f->ipp.readonly = true;
	start(f);
	assert_true(f->blk.ro);
	assert_true(vmdrv_has_feature(&f->blk.vm, VIRTIO_BLK_F_RO));
	assert_false(vmdrv_has_feature(&f->blk.vm, VIRTIO_BLK_F_DISCARD));
	memset(buf, 0x5a, sizeof(buf));
	/* The block layer would refuse; the device must too. */
	assert_int_equal(blkdrv_write(&f->blk, 0, 8, buf, sizeof(buf), 2),
			 -EIO);
	assert_int_not_equal(blkdrv_write_zeroes(&f->blk, 0, 8, 8, false), 0);
	assert_int_not_equal(
		blkdrv_discard(&f->blk, 0,
			       &(struct virtio_blk_discard_write_zeroes){
				       .sector = 8, .num_sectors = 8 },
			       1),
		0);
	assert_int_equal(blkdrv_read(&f->blk, 0, 8, buf, sizeof(buf), 3), 0);
	assert_memory_equal(buf, f->model + 8 * FIX_SECTOR, sizeof(buf));
	assert_memory_not_equal(buf, zero, sizeof(buf));
	assert_int_equal(blkdrv_flush(&f->blk, 0), 0);
	assert_true(fix_verify_disk(f, 0));
	assert_clean(f);
}

static void test_get_id(void **state)
{
	struct fixture *f = *state;
	char id[VIRTIO_BLK_ID_BYTES], want[VIRTIO_BLK_ID_BYTES] = "xvdm-s/n-42";

	f->ipp.serial = want;
	start(f);
	memset(id, 0x7f, sizeof(id));
	assert_int_equal(blkdrv_get_id(&f->blk, 0, id), 0);
	assert_memory_equal(id, want, sizeof(id));
	assert_clean(f);
}

static void test_discard_write_zeroes(void **state)
{
	struct fixture *f = *state;
	struct virtio_blk_discard_write_zeroes r[3] = {
		{ .sector = 0, .num_sectors = 8 },
		{ .sector = 64, .num_sectors = 16 },
		{ .sector = 1024, .num_sectors = 8 },
	};
	uint8_t buf[16 * 512];
	unsigned i;

	start(f);
	assert_true(vmdrv_has_feature(&f->blk.vm, VIRTIO_BLK_F_WRITE_ZEROES));
	assert_int_equal(blkdrv_write_zeroes(&f->blk, 0, 200, 16, false), 0);
	assert_int_equal(blkdrv_write_zeroes(&f->blk, 0, 300, 16, true), 0);
	memset(f->model + 200 * FIX_SECTOR, 0, 16 * FIX_SECTOR);
	memset(f->model + 300 * FIX_SECTOR, 0, 16 * FIX_SECTOR);
	if (vmdrv_has_feature(&f->blk.vm, VIRTIO_BLK_F_DISCARD)) {
		assert_int_equal(blkdrv_discard(&f->blk, 0, r, 3), 0);
		/* Discarded contents are unspecified: adopt what reads back. */
		for (i = 0; i < 3; i++) {
			size_t len = r[i].num_sectors * FIX_SECTOR;

			assert_int_equal(blkdrv_read(&f->blk, 0, r[i].sector,
						     buf, len, 1),
					 0);
			memcpy(f->model + r[i].sector * FIX_SECTOR, buf, len);
		}
	}
	assert_true(fix_verify_disk(f, 0));
	run_random_io(f, 200);
}

/* virtblk_remove + virtio_dev_remove, then a second probe. */
static void test_remove_reprobe(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_random_io(f, 100);
	blkdrv_remove(&f->blk);
	f->probed = false;
	assert_int_equal(vdev_get_status(f->ip->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(blkdrv_probe(&f->blk, &f->bp), 0);
	f->probed = true;
	run_random_io(f, 100);
}

/* Without indirect tables a full ring refuses, and Linux kicks it. */
static void test_ring_full_kicks(void **state)
{
	struct fixture *f = *state;
	struct fix_op a, b;
	uint64_t before;

	f->ipp.queue_size = 16;
	f->bp.features =
		BLKDRV_FEATURES_LINUX & ~(1ull << VIRTIO_RING_F_INDIRECT_DESC);
	start(f);
	/* 12 segments: 14 descriptors of 16; then 3 more do not fit. */
	fix_op_init_exact(f, &a, true, 0, 12, 12);
	fix_op_init_exact(f, &b, true, 64, 1, 1);
	assert_int_equal(blkdrv_submit(&f->blk, 0, &a.req, false), 0);
	before = f->ip->notifies;
	assert_int_equal(blkdrv_submit(&f->blk, 0, &b.req, false), -ENOSPC);
	assert_int_equal(f->ip->notifies, before + 1);
	assert_int_equal(blkdrv_wait(&f->blk, &a.req), 0);
	assert_int_equal(a.req.error, 0);
	assert_int_equal(blkdrv_submit(&f->blk, 0, &b.req, true), 0);
	assert_int_equal(blkdrv_wait(&f->blk, &b.req), 0);
	assert_true(fix_op_check(f, &a));
	assert_true(fix_op_check(f, &b));
	fix_op_fini(f, &a);
	fix_op_fini(f, &b);
	assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_probe_linux_features),
		T(test_probe_register_order),
		T(test_random_io),
		T(test_random_io_no_event_idx),
		T(test_random_io_no_indirect),
		T(test_random_io_no_ring_features),
		T(test_async_batches),
		T(test_multiqueue),
		T(test_multiqueue_fewer),
		T(test_reset_midway),
		T(test_readonly),
		T(test_get_id),
		T(test_discard_write_zeroes),
		T(test_remove_reprobe),
		T(test_ring_full_kicks),
#undef T
	};
	int rc = cmocka_run_group_tests_name("guest-blk", tests, NULL, NULL);

	return rc | run_hostile_tests();
}
