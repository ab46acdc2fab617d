// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-rng under the simulated Xen, the
 * device declared the 4.18+ way (virtio = [ "type=virtio,device4" ]) and
 * the guest played by tests/guest's Linux-like virtio-rng driver: the
 * bytes look random, the config's rng-source is what the guest reads, and
 * rng-rate measurably slows a guest down while another, unlimited guest
 * of the same daemon is not.
 */
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

#include <linux/virtio_ids.h>

#include "daemon-devices.h"
#include "daemon-fixture.h"
#include "virtio-rng-driver.h"

#define RATE 2048 /* bytes per second */

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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void probe(struct dguest *g, struct rngdrv *rng)
{
	struct rngdrv_params p = { .bus = &g->bus,
				   .base = g->dev.base,
				   .pool = &g->pool,
				   .timeout_ms = DF_WAIT_MS };

	assert_int_equal(rngdrv_probe(rng, &p), 0);
}

/* Reads len bytes; how long it took, in ms. */
static int64_t timed_read(struct rngdrv *rng, uint8_t *buf, size_t len)
{
	int64_t t0 = now_ms();

	assert_int_equal(rngdrv_read(rng, buf, len, true), (int)len);
	return now_ms() - t0;
}

static void finish(struct dfix *f, struct dguest *g, struct rngdrv *rng,
		   unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(rng[i].vm.errors, 0);
		assert_int_equal(rng[i].stats.empty, 0);
		rngdrv_remove(&rng[i]);
	}
	assert_int_equal(df_stop(f), 0);
	for (unsigned i = 0; i < n; i++) {
		df_wait_state(&g[i], "6");
		df_guest_fini(&g[i]);
	}
	df_assert_clean(f);
}

/*
 * /dev/urandom through the guest's driver: 16 KiB whose byte counts pass
 * a chi-square test with 255 degrees of freedom (mean 255, sd 22.6: the
 * bound 400 is more than six sd away, so a real source never fails it).
 */
static void test_rng_random(void **state)
{
	struct dfix *f = *state;
	const size_t len = 16384;
	unsigned counts[256] = { 0 };
	uint8_t *buf = malloc(len);
	double chi2 = 0, expect = (double)len / 256;
	struct rngdrv rng;
	struct dguest g;

	assert_non_null(buf);
	df_virtio_guest_init(f, &g, 1, 0, VIRTIO_ID_RNG);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	probe(&g, &rng);
	fprintf(stderr, "16 KiB of entropy: %lld ms\n",
		(long long)timed_read(&rng, buf, len));
	for (size_t i = 0; i < len; i++)
		counts[buf[i]]++;
	for (unsigned i = 0; i < 256; i++)
		chi2 += (counts[i] - expect) * (counts[i] - expect) / expect;
	fprintf(stderr, "chi-square over 256 byte values: %.1f\n", chi2);
	assert_true(chi2 < 400);
	assert_true(rng.stats.requests >= len / RNGDRV_BUF);
	free(buf);
	finish(f, &g, &rng, 1);
}

/*
 * rng-source: the guest reads exactly the file's bytes, in order (the
 * file holds more than it reads: a source that ends fails the device).
 */
static void test_rng_source(void **state)
{
	struct dfix *f = *state;
	uint8_t want[4096], got[512];
	char path[160], extra[256], cfg[512];
	struct rngdrv rng;
	struct dguest g;
	uint64_t seed = 7;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/entropy.bin", f->dir);
	df_fill(&seed, want, sizeof(want));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(want, 1, sizeof(want), fp), sizeof(want));
	fclose(fp);
	df_virtio_guest_init(f, &g, 2, 0, VIRTIO_ID_RNG);
	snprintf(extra, sizeof(extra), "rng-source = %s\n", path);
	df_virtio_section(&g, cfg, sizeof(cfg), extra);
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	probe(&g, &rng);
	assert_int_equal(rngdrv_read(&rng, got, sizeof(got), true),
			 (int)sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	finish(f, &g, &rng, 1);
}

/*
 * Two guests of one daemon, one with rng-rate = 2048: it needs at least
 * (2048 - 204) / 2048 s for 2048 bytes (its bucket holds a tenth of a
 * second's worth), while the other takes a fraction of that.
 */
static void test_rng_rate(void **state)
{
	struct dfix *f = *state;
	uint8_t buf[RATE];
	struct dguest g[2];
	struct rngdrv rng[2];
	int64_t fast, slow;
	char cfg[256];

	df_virtio_guest_init(f, &g[0], 3, 0, VIRTIO_ID_RNG);
	df_virtio_guest_init(f, &g[1], 4, 0, VIRTIO_ID_RNG);
	df_virtio_section(&g[1], cfg, sizeof(cfg), "rng-rate = 2048\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	for (unsigned i = 0; i < 2; i++) {
		df_guest_boot(&g[i], 1);
		probe(&g[i], &rng[i]);
	}
	fast = timed_read(&rng[0], buf, sizeof(buf));
	slow = timed_read(&rng[1], buf, sizeof(buf));
	fprintf(stderr, "%d bytes: %lld ms unlimited, %lld ms at %d bytes/s\n",
		RATE, (long long)fast, (long long)slow, RATE);
	assert_true(slow >= 800);
	assert_true(slow > 3 * fast);
	finish(f, g, rng, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_rng_random),
		T(test_rng_source),
		T(test_rng_rate),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
