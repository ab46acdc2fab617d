// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real virtio-blk backend behind xen/guest.c, driven by the guest's
 * Linux-like virtio-blk driver through the simulated Xen: every register
 * access is an ioreq round trip (sim-bus.c), every buffer is reached with
 * foreign mappings of the guest's RAM, every completion is an SPI edge.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gpa-pool.h"
#include "guest-fixture.h"
#include "sim-bus.h"
#include "virtio-blk-driver.h"

#define DISK_SIZE (4u << 20)
#define SECTOR 512u

struct bfix {
	struct gfix *f;
	char path[64];
	uint8_t *model; /* what the disk must hold */
	struct sim_bus sb;
	struct gpa_pool pool;
	struct blkdrv blk;
	bool probed;
	uint64_t rng;
};

static uint64_t rnd(struct bfix *b)
{
	/* xorshift64*: the same run every time. */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ull;
}

static void fill(struct bfix *b, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(b);
}

static int setup(void **state)
{
	struct bfix *b = calloc(1, sizeof(*b));
	int fd;

	assert_non_null(b);
	assert_int_equal(gfix_setup((void **)&b->f), 0);
	b->rng = 0x9e3779b97f4a7c15ull;
	b->model = malloc(DISK_SIZE);
	assert_non_null(b->model);
	fill(b, b->model, DISK_SIZE);
	strcpy(b->path, "/tmp/xvdm-guest-blk-XXXXXX");
	fd = mkstemp(b->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->model, DISK_SIZE), DISK_SIZE);
	close(fd);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bfix *b = *state;

	if (b->probed)
		blkdrv_remove(&b->blk);
	gpa_pool_fini(&b->pool);
	gfix_teardown((void **)&b->f);
	unlink(b->path);
	free(b->model);
	free(b);
	return 0;
}

/* Client serving a blk device at BASE; the driver probed from vCPU 0. */
static void start(struct bfix *b)
{
	struct gfix *f = b->f;
	struct blkdrv_params p = { .bus = &b->sb.bus, .base = BASE };

	gfix_spawn(f, NULL);
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(gfix_cmd(f, "blk 1 %#llx %d %s", BASE, IRQ, b->path),
			 0);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
	sim_bus_init(&b->sb, f->h, DOM, 0, IRQ);
	assert_int_equal(gpa_pool_init(&b->pool, XENSIM_RAM0_BASE, RAM_SIZE),
			 0);
	p.pool = &b->pool;
	assert_int_equal(blkdrv_probe(&b->blk, &p), 0);
	b->probed = true;
	assert_int_equal(b->blk.capacity, DISK_SIZE / SECTOR);
}

static void stop(struct bfix *b)
{
	blkdrv_remove(&b->blk);
	b->probed = false;
	assert_int_equal(gfix_cmd(b->f, "rm 1"), 0);
	gfix_quit(b->f);
}

/* n random writes and reads of up to 64 KiB in up to 8 segments. */
static void random_io(struct bfix *b, unsigned n)
{
	uint8_t *buf = malloc(128 * SECTOR);

	assert_non_null(buf);
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = (uint32_t)(1 + rnd(b) % 128) * SECTOR;
		uint64_t sector = rnd(b) % (DISK_SIZE / SECTOR - len / SECTOR);
		unsigned nseg = 1 + (unsigned)(rnd(b) % 8);

		if (rnd(b) & 1) {
			fill(b, buf, len);
			assert_int_equal(blkdrv_write(&b->blk, 0, sector, buf,
						      len, nseg),
					 0);
			memcpy(b->model + sector * SECTOR, buf, len);
		} else {
			assert_int_equal(
				blkdrv_read(&b->blk, 0, sector, buf, len, nseg),
				0);
			assert_memory_equal(buf, b->model + sector * SECTOR,
					    len);
		}
	}
	free(buf);
}

static void check_file(struct bfix *b)
{
	uint8_t *disk = malloc(DISK_SIZE);
	int fd = open(b->path, O_RDONLY);

	assert_non_null(disk);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, disk, DISK_SIZE, 0), DISK_SIZE);
	close(fd);
	assert_memory_equal(disk, b->model, DISK_SIZE);
	free(disk);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Probe, I/O from each vCPU, and what it costs in round trips. */
static void test_blk_io(void **state)
{
	struct bfix *b = *state;
	uint8_t buf[4096];
	uint64_t trips;
	double t;

	start(b);
	random_io(b, 100);
	b->sb.vcpu = 1;
	random_io(b, 100);
	trips = b->sb.round_trips;
	t = now_s();
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(blkdrv_read(&b->blk, 0, (i * 8) % 4096, buf,
					     sizeof(buf), 1),
				 0);
	t = now_s() - t;
	print_message("4 KiB reads: %.0f/s, %.1f MMIO round trips each\n",
		      1000 / t, (double)(b->sb.round_trips - trips) / 1000);
	assert_int_equal(b->blk.stats.bad_status, 0);
	stop(b);
	check_file(b);
	gfix_assert_misuses(b->f, XENSIM_MISUSE_ANY, 0);
}

/* IOREQ_TYPE_INVALIDATE reaches the foreign mapping cache. */
static void test_blk_invalidate(void **state)
{
	struct bfix *b = *state;
	long long before[3], after[3];

	start(b);
	random_io(b, 50);
	assert_int_equal(gfix_cmd(b->f, "stats"), 0);
	memcpy(before, b->f->reply, sizeof(before));
	assert_int_equal(xensim_invalidate(b->f->h, DOM, 1), 0);
	assert_int_equal(gfix_cmd(b->f, "stats"), 0);
	memcpy(after, b->f->reply, sizeof(after));
	/* Cached buckets were dropped: unmapped, fewer mappings live. */
	assert_true(after[1] > before[1]);
	assert_true(after[2] < before[2]);
	random_io(b, 50); /* mapped again on demand */
	stop(b);
	check_file(b);
	gfix_assert_misuses(b->f, XENSIM_MISUSE_ANY, 0);
}

/* xl destroy with the device live: the daemon tears down what is left. */
static void test_blk_domain_destroyed(void **state)
{
	struct bfix *b = *state;

	start(b);
	random_io(b, 20);
	assert_int_equal(xensim_domain_destroy(b->f->h, DOM), 0);
	blkdrv_remove(&b->blk); /* the guest is gone: its accesses fail */
	b->probed = false;
	assert_int_equal(gfix_cmd(b->f, "rm 1"), 0);
	assert_int_equal(gfix_cmd(b->f, "free"), 0);
	gfix_quit(b->f);
	gfix_assert_misuses(b->f, XENSIM_MISUSE_ANY, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blk_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blk_invalidate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blk_domain_destroyed,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
