// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile guests against the unmodified daemon: a ring outside guest RAM
 * at QueueReady, a looping descriptor chain, a buffer running past the end
 * of RAM. The hostile guest's device must end in DEVICE_NEEDS_RESET (read
 * from its Status register), come back after a reset, and a second guest
 * of the same daemon must do its I/O meanwhile as if nothing happened.
 * Also read-only disks: writes fail with IOERR and the image stays as it
 * was.
 *
 * The daemon cannot know a guest's RAM layout: a ring or buffer outside it
 * makes a foreign map whose pages fail one by one (err[]), which is no
 * misuse; each scenario ends with none at all.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
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

#define BYSTANDER_OPS 100000 /* until stopped */
#define RAM_END (XENSIM_RAM0_BASE + DF_RAM_SIZE)
#define NOT_RAM 0x1000ull /* below RAM0: nothing there */

struct scene {
	struct dfix *f;
	struct dguest bad, good;
	struct dwork w; /* the good guest's, in its own thread */
	pthread_t t;
	bool stop;
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

/* Both guests up; the good one starts its I/O and is seen making progress. */
static void scene_start(struct dfix *f, struct scene *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->f = f;
	df_guest_init(f, &s->bad, 20, XENSIM_LIBXL_VIRTIO_DISK, 0, 20);
	df_guest_init(f, &s->good, 21, XENSIM_LIBXL_VIRTIO_DISK, 0, 21);
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&s->bad, 1);
	df_guest_boot(&s->good, 1);
	assert_int_equal(df_guest_probe(&s->good, 1), 0);
	df_work_init(&s->w, &s->good, BYSTANDER_OPS, 21);
	s->w.stop = &s->stop;
	assert_int_equal(pthread_create(&s->t, NULL, df_work_thread, &s->w), 0);
	for (i = 0; i < DF_WAIT_MS &&
		    __atomic_load_n(&s->w.done, __ATOMIC_ACQUIRE) < 20;
	     i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
}

/*
 * The hostile guest's device failed; after a reset it works again; the
 * good guest never noticed; the daemon ends clean.
 */
static void scene_finish(struct scene *s)
{
	unsigned done_before = __atomic_load_n(&s->w.done, __ATOMIC_ACQUIRE);
	struct dwork w;
	void *res;

	if (s->bad.probed) {
		blkdrv_remove(&s->bad.blk);
		s->bad.probed = false;
	}
	assert_int_equal(df_guest_probe(&s->bad, 1), 0);
	df_work_init(&w, &s->bad, 200, 20);
	assert_int_equal(df_work(&w), 0);
	assert_int_equal(df_verify(&s->bad, 0), 0);
	/* The good guest went on while all this happened. */
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(s->t, &res), 0);
	assert_null(res);
	fprintf(stderr, "the good guest: %u requests, %u after the attack\n",
		s->w.done, s->w.done - done_before);
	assert_true(done_before >= 20);
	assert_int_equal(df_verify(&s->good, 0), 0);
	assert_int_equal(s->good.blk.vm.errors, 0);
	blkdrv_remove(&s->bad.blk);
	blkdrv_remove(&s->good.blk);
	s->bad.probed = s->good.probed = false;
	assert_true(df_alive(s->f));
	assert_int_equal(df_stop(s->f), 0);
	assert_true(df_disk_matches(&s->bad.disk));
	assert_true(df_disk_matches(&s->good.disk));
	df_guest_fini(&s->bad);
	df_guest_fini(&s->good);
	df_assert_clean(s->f);
}

static void wr(struct dguest *g, uint32_t off, uint32_t v)
{
	assert_int_equal(df_reg_write(g, 0, off, v), 0);
}

static void assert_needs_reset(struct dguest *g)
{
	uint32_t status =
		df_wait_status(g, VIRTIO_CONFIG_S_NEEDS_RESET, DF_WAIT_MS);

	fprintf(stderr, "dom%u: Status %#x\n", g->dev.domid, status);
	assert_true(status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* QueueDesc names memory that is not RAM; QueueReady = 1 (§4.2.2). */
static void test_hostile_ring_outside_ram(void **state)
{
	struct scene s;
	struct vmdrv vm = { 0 };
	uint64_t ring;
	uint32_t max = 0;

	scene_start(*state, &s);
	assert_int_equal(
		vmdrv_probe(&vm, &s.bad.bus, s.bad.dev.base, &s.bad.pool), 0);
	assert_int_equal(vmdrv_negotiate(&vm, 1ull << VIRTIO_F_VERSION_1), 0);
	assert_int_equal(gpa_pool_alloc(&s.bad.pool, 8192, 4096, &ring), 0);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(
		df_reg_read(&s.bad, 0, VIRTIO_MMIO_QUEUE_NUM_MAX, &max), 0);
	assert_true(max >= 8);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)NOT_RAM);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)ring);
	wr(&s.bad, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(ring >> 32));
	wr(&s.bad, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(ring + 4096));
	wr(&s.bad, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(ring >> 32));
	wr(&s.bad, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_needs_reset(&s.bad);
	gpa_pool_free(&s.bad.pool, ring, 8192);
	scene_finish(&s);
}

/* Puts the chain at head 0 on queue 0's avail ring behind the driver's
 * back and notifies the device. */
static void post_raw_chain(struct dguest *g, const struct vring_desc *d,
			   unsigned n)
{
	struct vrdrv *vq = g->blk.q[0].vq;
	uint16_t idx = vq->avail_idx_shadow;

	assert_true(n <= vq->num_free);
	memcpy(vq->desc, d, n * sizeof(*d));
	vq->avail->ring[idx & (vq->num - 1)] = 0;
	/* The entry before the index that publishes it (§2.7.13). */
	__atomic_store_n(&vq->avail->idx, htole16((uint16_t)(idx + 1)),
			 __ATOMIC_RELEASE);
	wr(g, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static struct vring_desc desc(uint64_t addr, uint32_t len, uint16_t flags,
			      uint16_t next)
{
	return (struct vring_desc){ .addr = htole64(addr),
				    .len = htole32(len),
				    .flags = htole16(flags),
				    .next = htole16(next) };
}

/* Descriptor 1 chains back to 0: the walk must stop (§2.7.5.3.1). */
static void test_hostile_looped_chain(void **state)
{
	struct vring_desc d[2];
	struct scene s;
	uint64_t buf;

	scene_start(*state, &s);
	assert_int_equal(df_guest_probe(&s.bad, 1), 0);
	assert_int_equal(gpa_pool_alloc(&s.bad.pool, 64, 16, &buf), 0);
	d[0] = desc(buf, 16, VRING_DESC_F_NEXT, 1);
	d[1] = desc(buf + 16, 16, VRING_DESC_F_NEXT, 0);
	post_raw_chain(&s.bad, d, 2);
	assert_needs_reset(&s.bad);
	gpa_pool_free(&s.bad.pool, buf, 64);
	scene_finish(&s);
}

/* A read whose data buffer starts in RAM and runs 1 MiB past its end. */
static void test_hostile_desc_past_ram(void **state)
{
	struct virtio_blk_outhdr *hdr;
	struct vring_desc d[3];
	struct scene s;
	uint64_t buf;

	scene_start(*state, &s);
	assert_int_equal(df_guest_probe(&s.bad, 1), 0);
	assert_int_equal(gpa_pool_alloc(&s.bad.pool, 64, 16, &buf), 0);
	hdr = s.bad.bus.ram(s.bad.bus.opaque, buf, sizeof(*hdr));
	assert_non_null(hdr);
	*hdr = (struct virtio_blk_outhdr){ .type = htole32(VIRTIO_BLK_T_IN) };
	d[0] = desc(buf, sizeof(*hdr), VRING_DESC_F_NEXT, 1);
	d[1] = desc(RAM_END - 4096, 1 << 20,
		    VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	d[2] = desc(buf + 32, 1, VRING_DESC_F_WRITE, 0);
	post_raw_chain(&s.bad, d, 3);
	assert_needs_reset(&s.bad);
	gpa_pool_free(&s.bad.pool, buf, 64);
	scene_finish(&s);
}

/* Scenario 7: every write fails with IOERR, reads see the image as was. */
static void read_only_io(struct dfix *f, struct dguest *g)
{
	struct dwork w;

	assert_int_equal(df_guest_probe(g, 1), 0);
	assert_true(g->blk.ro);
	df_work_init(&w, g, 400, g->dev.domid);
	w.expect_ro = true;
	assert_int_equal(df_work(&w), 0);
	assert_true(w.writes > 0 && w.reads > 0);
	assert_int_equal(g->blk.stats.errors, w.writes);
	assert_int_equal(g->blk.stats.bad_status, 0);
	assert_int_equal(df_verify(g, 0), 0);
	blkdrv_remove(&g->blk);
	g->probed = false;
	assert_int_equal(df_stop(f), 0);
	assert_true(df_disk_matches(&g->disk)); /* the model never changed */
	df_guest_fini(g);
	df_assert_clean(f);
}

/* xl: disk = ['..., access=ro, specification=virtio'] (mode "r") */
static void test_readonly_disk(void **state)
{
	struct dfix *f = *state;
	struct dguest g;

	df_guest_init(f, &g, 22, XENSIM_LIBXL_VIRTIO_DISK, 0, 22);
	g.dev.readonly = true;
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	read_only_io(f, &g);
}

/* A 4.18+ device the daemon config makes read-only. */
static void test_readonly_config(void **state)
{
	struct dfix *f = *state;
	struct dguest g;
	char cfg[512];

	df_guest_init(f, &g, 23, XENSIM_LIBXL_VIRTIO, 0, 23);
	df_device_section(&g, cfg, sizeof(cfg), "readonly = yes\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	read_only_io(f, &g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_hostile_ring_outside_ram), T(test_hostile_looped_chain),
		T(test_hostile_desc_past_ram),	  T(test_readonly_disk),
		T(test_readonly_config),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
