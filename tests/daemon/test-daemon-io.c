// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-blk I/O under the simulated Xen:
 * devices declared the Xen 4.17 way (virtio_disk, image from xl) and the
 * 4.18+ way (virtio, image from the daemon config), thousands of random
 * requests checked against a model of the image, two vCPUs on two queues,
 * and two guests of one daemon. Also measures the foreign map calls of
 * steady-state I/O (the mapping cache must make none).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "daemon-fixture.h"

#define WARMUP_OPS 300
#define OPS 2000

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

/* Random I/O on queue 0, the foreign map calls it took, and a full check. */
static void serve_and_check(struct dfix *f, struct dguest *g)
{
	struct xensim_map_stats before, after;
	uint64_t n, allocs;
	struct dwork w;

	assert_int_equal(df_guest_probe(g, 1), 0);
	/* The driver set DRIVER_OK: the backend reports Connected. */
	df_wait_state(g, "4");
	assert_int_equal(g->blk.capacity, DF_DISK_SIZE / DF_SECTOR);
	assert_false(g->blk.ro);
	/* Warm-up: the mapping cache fills with the pool's buckets. */
	df_work_init(&w, g, WARMUP_OPS, 0x5eed0000u + g->dev.domid);
	assert_int_equal(df_work(&w), 0);
	xensim_map_stats(f->h, &before);
	assert_true(before.foreign_maps > 0); /* rings and buckets counted */
	allocs = df_allocs(f);
	assert_true(allocs > 0); /* the counter sees the daemon's set-up */
	w.ops = OPS;
	assert_int_equal(df_work(&w), 0);
	xensim_map_stats(f->h, &after);
	allocs = df_allocs(f) - allocs;
	n = w.reads + w.writes + w.flushes - WARMUP_OPS;
	fprintf(stderr,
		"dom%u: %llu requests (%u reads, %u writes, %u flushes in "
		"all): %llu foreign maps, %llu unmaps in steady state "
		"(%.4f / %.4f per request); %llu heap allocations; %.2f MMIO "
		"exits per request\n",
		g->dev.domid, (unsigned long long)n, w.reads, w.writes,
		w.flushes,
		(unsigned long long)(after.foreign_maps - before.foreign_maps),
		(unsigned long long)(after.foreign_unmaps -
				     before.foreign_unmaps),
		(double)(after.foreign_maps - before.foreign_maps) / (double)n,
		(double)(after.foreign_unmaps - before.foreign_unmaps) /
			(double)n,
		(unsigned long long)allocs,
		(double)(g->blk.vm.stats.mmio_reads +
			 g->blk.vm.stats.mmio_writes) /
			(double)(w.reads + w.writes + w.flushes));
	/* Per request it would be >= 1 without the cache; allow a stray
	 * bucket or two, never one per request. */
	assert_true(after.foreign_maps - before.foreign_maps <= n / 100);
	assert_true(after.foreign_unmaps - before.foreign_unmaps <= n / 100);
	/* The hot path allocates nothing: not one malloc per request. */
	assert_true(allocs == 0);
	assert_int_equal(df_verify(g, 0), 0);
	assert_int_equal(g->blk.stats.bad_status, 0);
	assert_int_equal(g->blk.vm.errors, 0);
}

static void finish(struct dfix *f, struct dguest *g, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		blkdrv_remove(&g[i].blk);
		g[i].probed = false;
	}
	assert_int_equal(df_stop(f), 0);
	for (i = 0; i < n; i++) {
		assert_true(df_disk_matches(&g[i].disk));
		df_wait_state(&g[i], "6");
		df_guest_fini(&g[i]);
	}
	df_assert_clean(f);
}

/* xl 4.17: disk = ['vdev=xvda, target=<image>, specification=virtio'] */
static void test_disk_4_17(void **state)
{
	struct dfix *f = *state;
	struct dguest g;

	df_guest_init(f, &g, 1, XENSIM_LIBXL_VIRTIO_DISK, 0, 1);
	df_config(f, "[daemon]\nlog-level = info\n");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	serve_and_check(f, &g);
	finish(f, &g, 1);
}

/* xl 4.18+: virtio = ['type=virtio,device2, transport=mmio'] + config */
static void test_virtio_4_18(void **state)
{
	struct dfix *f = *state;
	char cfg[512], id[VIRTIO_BLK_ID_BYTES];
	struct dguest g;

	df_guest_init(f, &g, 2, XENSIM_LIBXL_VIRTIO, 0, 2);
	df_device_section(&g, cfg, sizeof(cfg), "serial = \"disk-0002\"\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	serve_and_check(f, &g);
	/* The config's serial is what the guest reads as the disk's id. */
	assert_int_equal(blkdrv_get_id(&g.blk, 0, id), 0);
	assert_memory_equal(id, "disk-0002", 10);
	finish(f, &g, 1);
}

/* Two threads, one per vCPU, each on its own queue of one disk. */
static void test_two_vcpus(void **state)
{
	struct dfix *f = *state;
	struct dwork w[2];
	pthread_t t[2];
	struct dguest g;
	char cfg[512];
	void *res;
	unsigned i;

	df_guest_init(f, &g, 3, XENSIM_LIBXL_VIRTIO_DISK, 0, 3);
	snprintf(cfg, sizeof(cfg), "[device \"3/%u\"]\nqueues = 2\n",
		 g.dev.devid);
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 2);
	g.smp = true;
	pthread_mutex_lock(&g.lock);
	assert_int_equal(df_guest_probe(&g, 2), 0);
	pthread_mutex_unlock(&g.lock);
	assert_int_equal(g.blk.nq, 2);
	for (i = 0; i < 2; i++) {
		df_work_init(&w[i], &g, OPS, 0xc0u + i);
		/* Each thread owns half the disk: the model stays exact. */
		w[i].nsect /= 2;
		w[i].first = i * w[i].nsect;
		w[i].qidx = i;
		w[i].vcpu = i;
		assert_int_equal(
			pthread_create(&t[i], NULL, df_work_thread, &w[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	for (i = 0; i < 2; i++) {
		fprintf(stderr, "vCPU%u: %llu exits, queue %u: %llu used\n", i,
			(unsigned long long)g.cpu[i].sb.round_trips, i,
			(unsigned long long)g.blk.q[i].vq->stats.used);
		assert_true(g.cpu[i].sb.round_trips > 0);
		assert_true(g.blk.q[i].vq->stats.used >= OPS - w[i].flushes);
	}
	g.smp = false;
	assert_int_equal(df_verify(&g, 1), 0);
	assert_int_equal(g.blk.vm.errors, 0);
	finish(f, &g, 1);
}

/* One daemon, two guests at once (4.17 and 4.18+), each its own disk. */
static void test_two_guests(void **state)
{
	struct dfix *f = *state;
	struct dguest g[2];
	struct dwork w[2];
	pthread_t t[2];
	char cfg[512];
	void *res;
	unsigned i;

	df_guest_init(f, &g[0], 4, XENSIM_LIBXL_VIRTIO_DISK, 0, 4);
	df_guest_init(f, &g[1], 5, XENSIM_LIBXL_VIRTIO, 0, 5);
	df_device_section(&g[1], cfg, sizeof(cfg), NULL);
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	for (i = 0; i < 2; i++) {
		df_guest_boot(&g[i], 1);
		assert_int_equal(df_guest_probe(&g[i], 1), 0);
		df_work_init(&w[i], &g[i], OPS, 0xd0u + i);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(
			pthread_create(&t[i], NULL, df_work_thread, &w[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(df_verify(&g[i], 0), 0);
	finish(f, g, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_disk_4_17),
		T(test_virtio_4_18),
		T(test_two_vcpus),
		T(test_two_guests),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
