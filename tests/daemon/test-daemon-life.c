// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's life cycle under the simulated Xen, with the unmodified
 * binary: a guest that resets its device in the middle of I/O, a domain
 * destroyed with requests in flight, devices removed by the toolstack,
 * SIGTERM with I/O in flight, and --domid mode ending with its guest. Each
 * ends with the daemon's handles checked by the harness (no mapping, port
 * or server left behind) and the images checked against their models.
 */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "daemon-fixture.h"

#define BATCH 16
#define SEGS 4
#define SEG_LEN 4096u
#define REQ_LEN (SEGS * SEG_LEN)
#define CANARY 0xa5

/* Requests submitted and never waited for: what a reset or death cuts. */
struct batch {
	struct blkdrv_req req[BATCH];
	struct vrdrv_sg sg[BATCH][SEGS];
	uint8_t data[BATCH][REQ_LEN]; /* what each write carries */
	unsigned n;
};

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

static uint64_t batch_sector(unsigned i)
{
	return (uint64_t)i * (REQ_LEN / DF_SECTOR);
}

static uint8_t *seg_ram(struct dguest *g, const struct vrdrv_sg *sg)
{
	uint8_t *p = g->bus.ram(g->bus.opaque, sg->gpa, sg->len);

	assert_non_null(p);
	return p;
}

/*
 * Writes (even) and reads (odd) of REQ_LEN at disjoint sectors, queued on
 * queue 0 and notified once, never waited for.
 */
static void batch_submit(struct dguest *g, struct batch *b, uint64_t seed)
{
	uint64_t rng = seed | 1;
	unsigned i, s;

	assert_true(g->blk.max_size >= SEG_LEN && g->blk.sg_elems >= SEGS);
	memset(b, 0, sizeof(*b));
	for (i = 0; i < BATCH; i++) {
		df_fill(&rng, b->data[i], REQ_LEN);
		for (s = 0; s < SEGS; s++) {
			struct vrdrv_sg *sg = &b->sg[i][s];

			sg->len = SEG_LEN;
			assert_int_equal(gpa_pool_alloc(&g->pool, SEG_LEN,
							DF_SECTOR, &sg->gpa),
					 0);
			memcpy(seg_ram(g, sg), b->data[i] + s * SEG_LEN,
			       SEG_LEN);
		}
		b->req[i] = (struct blkdrv_req){
			.type = i % 2 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
			.sector = batch_sector(i),
			.seg = b->sg[i],
			.nseg = SEGS,
		};
		assert_int_equal(
			blkdrv_submit(&g->blk, 0, &b->req[i], i == BATCH - 1),
			0);
		b->n++;
	}
}

static void batch_free(struct dguest *g, struct batch *b)
{
	unsigned i, s;

	for (i = 0; i < b->n; i++)
		for (s = 0; s < SEGS; s++)
			gpa_pool_free(&g->pool, b->sg[i][s].gpa, SEG_LEN);
	b->n = 0;
}

/* After a reset: the reads' buffers get a canary the device must spare. */
static void batch_canary(struct dguest *g, struct batch *b, bool check)
{
	unsigned i, s, k;
	uint8_t *p;

	for (i = 1; i < b->n; i += 2)
		for (s = 0; s < SEGS; s++) {
			p = seg_ram(g, &b->sg[i][s]);
			for (k = 0; check && k < SEG_LEN; k++)
				assert_int_equal(p[k], CANARY);
			if (!check)
				memset(p, CANARY, SEG_LEN);
		}
}

/*
 * A write cut by a reset happened or not, sector by sector: each sector
 * holds the old data or the new, nothing else. The model learns which.
 */
static void batch_settle(struct dguest *g, struct batch *b)
{
	uint8_t buf[REQ_LEN], *old;
	unsigned i, s;

	for (i = 0; i < b->n; i += 2) {
		old = g->disk.model + batch_sector(i) * DF_SECTOR;
		assert_int_equal(blkdrv_read(&g->blk, 0, batch_sector(i), buf,
					     REQ_LEN, 1),
				 0);
		for (s = 0; s < REQ_LEN; s += DF_SECTOR)
			assert_true(
				!memcmp(buf + s, old + s, DF_SECTOR) ||
				!memcmp(buf + s, b->data[i] + s, DF_SECTOR));
		memcpy(old, buf, REQ_LEN);
	}
}

static void work(struct dguest *g, unsigned ops, uint64_t seed)
{
	struct dwork w;

	df_work_init(&w, g, ops, seed);
	assert_int_equal(df_work(&w), 0);
}

/* Scenario 4: reset mid-stream (remove + probe, or freeze + restore). */
static void test_reset_during_io(void **state)
{
	struct dfix *f = *state;
	struct batch *b = malloc(sizeof(*b));
	struct dguest g;
	unsigned round, i, cut = 0;

	assert_non_null(b);
	df_guest_init(f, &g, 6, XENSIM_LIBXL_VIRTIO_DISK, 0, 6);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	assert_int_equal(df_guest_probe(&g, 1), 0);
	for (round = 0; round < 6; round++) {
		batch_submit(&g, b, 100 + round);
		if (round % 2) {
			assert_int_equal(blkdrv_restart(&g.blk), 0);
		} else {
			blkdrv_remove(&g.blk);
			g.probed = false;
			assert_int_equal(df_guest_probe(&g, 1), 0);
		}
		/* Each request came back or was taken back by the reset. */
		for (i = 0; i < BATCH; i++) {
			assert_true(b->req[i].completed);
			cut += b->req[i].error == -ECANCELED;
		}
		batch_canary(&g, b, false);
		batch_settle(&g, b);
		work(&g, 100, 200 + round);
		batch_canary(&g, b, true);
		batch_free(&g, b);
	}
	fprintf(stderr, "%u of %u requests cut by a reset\n", cut, 6 * BATCH);
	assert_int_equal(df_verify(&g, 0), 0);
	assert_int_equal(g.blk.vm.errors, 0);
	blkdrv_remove(&g.blk);
	g.probed = false;
	assert_int_equal(df_stop(f), 0);
	assert_true(df_disk_matches(&g.disk));
	df_guest_fini(&g);
	free(b);
	df_assert_clean(f);
}

/* Handles the daemon holds open now. */
static unsigned open_handles(struct dfix *f)
{
	unsigned n;

	for (n = 0; n < 64; n++)
		if (!xensim_wait_clients(f->h, n, 0))
			break;
	return n;
}

/* Every foreign mapping made is unmapped again (bounded wait). */
static bool maps_balanced(struct dfix *f)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct xensim_map_stats st;
	unsigned i;

	for (i = 0; i < DF_WAIT_MS / 10; i++) {
		xensim_map_stats(f->h, &st);
		if (st.foreign_maps == st.foreign_unmaps)
			return true;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "%llu foreign maps, %llu unmaps\n",
		(unsigned long long)st.foreign_maps,
		(unsigned long long)st.foreign_unmaps);
	return false;
}

struct spinner {
	struct dguest *g;
	unsigned reads;
	int rc;
};

/* vCPU 1 reads a register until the domain dies under it. */
static void *spin(void *arg)
{
	struct spinner *s = arg;
	uint32_t v;

	do {
		s->rc = df_reg_read(s->g, 1, VIRTIO_MMIO_MAGIC_VALUE, &v);
		if (!s->rc)
			__atomic_add_fetch(&s->reads, 1, __ATOMIC_RELEASE);
	} while (!s->rc);
	return NULL;
}

/* A guest that comes after: the daemon still serves. */
static void serve_new_guest(struct dfix *f, struct dguest *g, uint32_t domid)
{
	df_guest_init(f, g, domid, XENSIM_LIBXL_VIRTIO_DISK, 0, domid);
	df_guest_boot(g, 1);
	assert_int_equal(df_guest_probe(g, 1), 0);
	work(g, 300, domid);
	assert_int_equal(df_verify(g, 0), 0);
	blkdrv_remove(&g->blk);
	g->probed = false;
}

/* Scenario 5: xl destroy while requests are in flight. */
static void test_destroy_during_io(void **state)
{
	struct dfix *f = *state;
	struct batch *b = malloc(sizeof(*b));
	struct spinner s = { 0 };
	struct dguest g, next;
	unsigned handles, i;
	pthread_t t;

	assert_non_null(b);
	df_guest_init(f, &g, 7, XENSIM_LIBXL_VIRTIO_DISK, 0, 7);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 2);
	assert_int_equal(df_guest_probe(&g, 1), 0);
	work(&g, 100, 7);
	handles = open_handles(f);
	s.g = &g;
	assert_int_equal(pthread_create(&t, NULL, spin, &s), 0);
	for (i = 0; i < 1000 && !__atomic_load_n(&s.reads, __ATOMIC_ACQUIRE);
	     i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	batch_submit(&g, b, 7);
	df_guest_destroy(&g);
	assert_int_equal(pthread_join(t, NULL), 0);
	fprintf(stderr, "vCPU1: %u reads, then %d\n", s.reads, s.rc);
	/* The vCPU waiting at the moment of death, or the next access. */
	assert_true(s.rc == -ESRCH || s.rc == -EIO);
	assert_true(df_alive(f));
	/* xl's clean-up of the dead guest's nodes. */
	assert_int_equal(xensim_libxl_remove(f->h, &g.dev), 0);
	/* The guest's event channel handle closes with it; its mappings go. */
	assert_int_equal(xensim_wait_clients(f->h, handles - 1, DF_WAIT_MS), 0);
	assert_true(maps_balanced(f));
	df_assert_clean(f);
	serve_new_guest(f, &next, 8);
	assert_int_equal(df_stop(f), 0);
	assert_true(df_disk_matches(&next.disk));
	df_guest_fini(&next);
	blkdrv_remove(&g.blk); /* the batch is cancelled, never completed */
	g.probed = false;
	batch_free(&g, b);
	df_guest_fini(&g);
	free(b);
	df_assert_clean(f);
}

/* The toolstack removes one device: Closed, and its window aborts. */
static void remove_device(struct dfix *f, struct dguest *g)
{
	uint32_t v;

	assert_int_equal(xensim_libxl_close(f->h, &g->dev), 0);
	df_wait_state(g, "6");
	__atomic_store_n(&g->gone, true, __ATOMIC_RELEASE);
	assert_int_equal(df_reg_read(g, 0, VIRTIO_MMIO_MAGIC_VALUE, &v),
			 -EFAULT);
	assert_int_equal(xensim_libxl_remove(f->h, &g->dev), 0);
}

/* Scenario 8: xl block-detach of xvda, xvdb goes on, then xvdb too. */
static void test_removal(void **state)
{
	struct dfix *f = *state;
	struct dguest g[2];
	unsigned handles, i;

	for (i = 0; i < 2; i++)
		df_guest_init(f, &g[i], 9, XENSIM_LIBXL_VIRTIO_DISK, i, 90 + i);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_domain_create(f, 9, 1);
	for (i = 0; i < 2; i++)
		df_device_add(&g[i]);
	assert_int_equal(xensim_domain_pause(f->h, 9, false), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(df_guest_probe(&g[i], 1), 0);
		work(&g[i], 100, 900 + i);
	}
	handles = open_handles(f);
	remove_device(f, &g[0]);
	work(&g[1], 300, 910);
	assert_int_equal(df_verify(&g[1], 0), 0);
	/* The last device: the guest's ioreq server and handle go too. */
	remove_device(f, &g[1]);
	assert_int_equal(xensim_wait_clients(f->h, handles - 1, DF_WAIT_MS), 0);
	assert_true(maps_balanced(f));
	assert_int_equal(xensim_unhandled_count(f->h), 2);
	assert_int_equal(df_stop(f), 0);
	for (i = 0; i < 2; i++) {
		assert_true(df_disk_matches(&g[i].disk));
		df_guest_fini(&g[i]);
	}
	df_assert_clean(f);
}

/* Scenario 9: SIGTERM with requests in flight: exit 0, Closed, clean. */
static void test_sigterm(void **state)
{
	struct dfix *f = *state;
	struct batch *b = malloc(sizeof(*b));
	struct dguest g;
	uint32_t v;

	assert_non_null(b);
	df_guest_init(f, &g, 10, XENSIM_LIBXL_VIRTIO_DISK, 0, 10);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	assert_int_equal(df_guest_probe(&g, 1), 0);
	work(&g, 100, 10);
	batch_submit(&g, b, 10);
	assert_int_equal(df_stop(f), 0);
	df_wait_state(&g, "6");
	__atomic_store_n(&g.gone, true, __ATOMIC_RELEASE);
	assert_int_equal(df_reg_read(&g, 0, VIRTIO_MMIO_MAGIC_VALUE, &v),
			 -EFAULT);
	blkdrv_remove(&g.blk);
	g.probed = false;
	batch_free(&g, b);
	df_guest_fini(&g);
	free(b);
	df_assert_clean(f);
}

/* Scenario 9: --domid N serves N only and exits 0 when N is destroyed. */
static void test_domid_mode(void **state)
{
	static const char *const args[] = { "--domid", "11", NULL };
	struct dfix *f = *state;
	struct dguest g, other;
	char path[128], *v;

	df_guest_init(f, &g, 11, XENSIM_LIBXL_VIRTIO_DISK, 0, 11);
	df_guest_init(f, &other, 12, XENSIM_LIBXL_VIRTIO_DISK, 0, 12);
	df_config(f, "");
	df_spawn(f, args, false);
	/* Another guest's device, declared first: not ours to touch. */
	df_domain_create(f, 12, 1);
	assert_int_equal(xensim_libxl_add(f->h, &other.dev), 0);
	df_guest_boot(&g, 1);
	assert_int_equal(df_guest_probe(&g, 1), 0);
	work(&g, 300, 11);
	assert_int_equal(df_verify(&g, 0), 0);
	df_backend_path(&other, "state", path, sizeof(path));
	v = df_xs_read(f, path);
	assert_non_null(v);
	assert_string_equal(v, "1"); /* still as libxl wrote it */
	free(v);
	blkdrv_remove(&g.blk);
	g.probed = false;
	df_guest_destroy(&g);
	assert_int_equal(df_wait_exit(f, DF_WAIT_MS), 0);
	assert_int_equal(xensim_wait_clients(f->h, 0, DF_WAIT_MS), 0);
	assert_true(df_disk_matches(&g.disk));
	df_guest_fini(&g);
	df_guest_fini(&other);
	df_assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_reset_during_io),   T(test_removal),
		T(test_destroy_during_io), T(test_sigterm),
		T(test_domid_mode),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
