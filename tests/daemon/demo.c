// SPDX-License-Identifier: GPL-2.0-only
/*
 * The README's main command until the real Xen lab runs it: the unmodified
 * xen-virtio-dm binary serving a virtio-blk disk to a guest under the
 * simulated Xen, told step by step. The guest is declared as xl 4.17
 * declares a virtio disk, created paused, unpaused once the backend is
 * Connected; its Linux-like drivers probe the disk and do random I/O
 * checked against a model; the domain is destroyed and the daemon tears it
 * down; SIGTERM ends the daemon. Exits 0 only if every step checked out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon-fixture.h"

#define ROUNDS 4
#define OPS_PER_ROUND 500

static void step(const char *what)
{
	printf("== %s\n", what);
	fflush(stdout);
}

static void io_rounds(struct dfix *f, struct dguest *g)
{
	struct xensim_map_stats before, after;
	uint64_t allocs = 0;
	struct dwork w;
	unsigned total;

	df_work_init(&w, g, OPS_PER_ROUND, 0xdeb0);
	for (unsigned r = 1; r <= ROUNDS; r++) {
		if (r == 2) {
			xensim_map_stats(f->h, &before);
			allocs = df_allocs(f);
		}
		assert_int_equal(df_work(&w), 0);
		printf("   %u requests verified (%u reads, %u writes, %u "
		       "flushes)\n",
		       r * OPS_PER_ROUND, w.reads, w.writes, w.flushes);
		fflush(stdout);
	}
	xensim_map_stats(f->h, &after);
	allocs = df_allocs(f) - allocs;
	total = (ROUNDS - 1) * OPS_PER_ROUND;
	printf("   steady state: %llu foreign map and %llu unmap calls and "
	       "%llu heap allocations for %u requests; %.1f MMIO exits per "
	       "request\n",
	       (unsigned long long)(after.foreign_maps - before.foreign_maps),
	       (unsigned long long)(after.foreign_unmaps -
				    before.foreign_unmaps),
	       (unsigned long long)allocs, total,
	       (double)(g->blk.vm.stats.mmio_reads +
			g->blk.vm.stats.mmio_writes) /
		       (double)(w.reads + w.writes + w.flushes));
	assert_int_equal(df_verify(g, 0), 0);
	printf("   the whole disk read back equals the model\n");
}

/* The daemon gave back every mapping of the guest (bounded wait). */
static bool wait_unmapped(struct dfix *f)
{
	struct xensim_map_stats s;

	for (unsigned i = 0; i < DF_WAIT_MS / 10; i++) {
		xensim_map_stats(f->h, &s);
		if (s.foreign_maps == s.foreign_unmaps)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void demo(void **state)
{
	struct dfix *f = df_new();
	struct dguest g;
	char path[256], *v;

	step("starting xen-virtio-dm under the simulated Xen "
	     "(its log lines follow)");
	df_guest_init(f, &g, 1, XENSIM_LIBXL_VIRTIO_DISK, 0, 1);
	df_config(f, "[daemon]\nlog-level = info\n");
	df_spawn(f, NULL, false);

	step("xl create -p: dom1 with disk = [\"vdev=xvda, "
	     "specification=virtio, target=...\"]");
	df_guest_boot(&g, 2);
	df_backend_path(&g, "state", path, sizeof(path));
	v = df_xs_read(f, path);
	printf("   %s = %s (InitWait: served); guest unpaused\n", path,
	       v ? v : "?");
	free(v);

	step("the guest's virtio_mmio + virtio_blk drivers probe the disk");
	assert_int_equal(df_guest_probe(&g, 1), 0);
	df_wait_state(&g, "4");
	printf("   %s = 4 (Connected: the driver set DRIVER_OK)\n", path);
	printf("   %llu sectors, features %#llx\n",
	       (unsigned long long)g.blk.capacity,
	       (unsigned long long)g.blk.vm.features);

	step("random reads, writes and flushes, each checked");
	io_rounds(f, &g);
	blkdrv_remove(&g.blk);
	g.probed = false;

	step("xl destroy: the daemon tears the guest down and keeps running");
	df_guest_destroy(&g);
	assert_true(wait_unmapped(f));
	assert_true(df_alive(f));
	printf("   every guest mapping released; the daemon is still up\n");

	step("SIGTERM");
	assert_int_equal(df_stop(f), 0);
	assert_true(df_disk_matches(&g.disk));
	df_assert_clean(f);
	printf("   exit 0; no mapping, port or ioreq server left behind; "
	       "the image holds what the guest wrote\n");
	df_guest_fini(&g);
	df_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(demo) };
	int failed;

	/* Our lines and the daemon's (stderr) in the order they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	failed = cmocka_run_group_tests_name("demo", tests, NULL, NULL);

	printf("%s\n", failed ? "demo FAILED" :
				"demo passed: xen-virtio-dm "
				"served a virtio disk");
	return failed ? 1 : 0;
}
