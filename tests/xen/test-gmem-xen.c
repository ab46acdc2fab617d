// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory on Xen (xen/gmem-foreign.c, xen/gmem-grant.c) against the
 * simulated Xen: gmem-client runs each scenario under LD_PRELOAD=
 * libxensim.so in a guest with two RAM banks filled with a known pattern,
 * and exits 0 when what it saw held. Here: the guest RAM it wrote, and the
 * misuses the harness recorded (leaks at the client's exit included).
 */
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "gmem-client.h"
#include "xensim.h"

#define WAIT_MS 5000

#ifndef GMEM_ASAN_RT
#define GMEM_ASAN_RT ""
#endif

struct fixture {
	struct xensim *h;
	char dir[64], sock[96], bindir[PATH_MAX];
};

static void fill(struct fixture *f, uint64_t gpa, uint64_t size)
{
	uint8_t *p = xensim_guest_mem(f->h, GMT_DOM, gpa, size);

	assert_non_null(p);
	for (uint64_t off = 0; off < size; off += 8) {
		uint64_t w = gmt_word(gpa + off, 0);

		memcpy(p + off, &w, sizeof(w));
	}
}

static void grant_all(struct fixture *f)
{
	uint32_t ref;

	for (ref = 100; ref < 104; ref++)
		assert_int_equal(xensim_grant(f->h, GMT_DOM, ref,
					      gmt_ref_gpa(ref) >> 12, false),
				 0);
	assert_int_equal(
		xensim_grant(f->h, GMT_DOM, GMT_RO_REF, GMT_RO_GPA >> 12, true),
		0);
	for (ref = GMT_RUN_REF; ref < GMT_RUN_REF + GMT_RUN_PAGES; ref++)
		assert_int_equal(xensim_grant(f->h, GMT_DOM, ref,
					      gmt_ref_gpa(ref) >> 12, false),
				 0);
}

static int setup(void **state)
{
	struct xensim_domain_cfg dom = {
		.domid = GMT_DOM,
		.nr_vcpus = 1,
		.ram = { { GMT_RAM0, GMT_RAM0_SIZE },
			 { GMT_RAM1, GMT_RAM1_SIZE } },
	};
	struct fixture *f = calloc(1, sizeof(*f));
	ssize_t n;

	assert_non_null(f);
	n = readlink("/proc/self/exe", f->bindir, sizeof(f->bindir) - 1);
	assert_true(n > 0);
	*strrchr(f->bindir, '/') = '\0';
	strcpy(f->dir, "/tmp/gmem-xen-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	assert_int_equal(xensim_new(f->sock, &f->h), 0);
	assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	fill(f, GMT_RAM0, GMT_RAM0_SIZE);
	fill(f, GMT_RAM1, GMT_RAM1_SIZE);
	grant_all(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	xensim_free(f->h);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Runs gmem-client <scenario> to its end; returns its exit status. */
static int run(struct fixture *f, const char *scenario)
{
	char exe[PATH_MAX + 16], preload[2 * PATH_MAX + 64], sock[128];
	char *argv[] = { exe, (char *)scenario, NULL };
	char *envp[256];
	size_t n = 0, i;
	pid_t pid;
	int status;

	snprintf(exe, sizeof(exe), "%s/gmem-client", f->bindir);
	/* An ASan client needs the ASan runtime first (tests/sim/README). */
	snprintf(preload, sizeof(preload),
		 "LD_PRELOAD=%s %s/../sim/libxensim.so", GMEM_ASAN_RT,
		 f->bindir);
	snprintf(sock, sizeof(sock), "XENSIM_SOCKET=%s", f->sock);
	for (i = 0; environ[i] && n < ARRAY_SIZE(envp) - 3; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], "XENSIM_SOCKET=", 14))
			envp[n++] = environ[i];
	envp[n++] = preload;
	envp[n++] = sock;
	envp[n] = NULL;
	assert_int_equal(posix_spawn(&pid, exe, NULL, NULL, argv, envp), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Leaks are recorded as the client's handles close. */
	assert_int_equal(xensim_wait_clients(f->h, 0, WAIT_MS), 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Exactly n misuses, all of this kind (dumps them otherwise). */
static void assert_misuses(struct fixture *f, enum xensim_misuse kind,
			   unsigned n)
{
	unsigned got = xensim_misuse_count(f->h, kind),
		 all = xensim_misuse_count(f->h, XENSIM_MISUSE_ANY);

	if (got != n || all != n) {
		fprintf(stderr, "wanted %u %s misuse(s), got %u of %u:\n", n,
			xensim_misuse_name(kind), got, all);
		xensim_misuse_dump(f->h, stderr);
	}
	assert_int_equal(got, n);
	assert_int_equal(all, n);
}

/* The map and unmap calls the harness saw: the client cannot fake these. */
static void assert_calls(struct fixture *f, uint64_t foreign, uint64_t grant)
{
	struct xensim_map_stats s;

	xensim_map_stats(f->h, &s);
	assert_int_equal(s.foreign_maps, foreign);
	assert_int_equal(s.foreign_unmaps, foreign);
	assert_int_equal(s.grant_maps, grant);
	assert_int_equal(s.grant_unmaps, grant);
}

static void run_clean(void **state, const char *scenario)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, scenario), 0);
	assert_misuses(f, XENSIM_MISUSE_LEAK, 0);
}

/* [gpa, gpa + len) of guest RAM holds seed's pattern. */
static void assert_ram(struct fixture *f, uint64_t gpa, uint64_t len,
		       unsigned seed)
{
	const uint8_t *p = xensim_guest_mem(f->h, GMT_DOM, gpa, len);

	assert_non_null(p);
	for (uint64_t i = 0; i < len; i++)
		assert_int_equal(p[i], gmt_byte(gpa + i, seed));
}

static void test_foreign_read(void **state)
{
	run_clean(state, "read");
	assert_calls(*state, 6, 0);
}

static void test_foreign_write(void **state)
{
	struct fixture *f = *state;

	run_clean(state, "write");
	assert_ram(f, GMT_WRITE_GPA - 64, 64, 0);
	assert_ram(f, GMT_WRITE_GPA, GMT_WRITE_LEN, 1);
	assert_ram(f, GMT_WRITE_GPA + GMT_WRITE_LEN, 64, 0);
}

static void test_foreign_ring(void **state)
{
	struct fixture *f = *state;

	run_clean(state, "ring");
	assert_ram(f, GMT_RING_GPA - 64, 64, 0);
	assert_ram(f, GMT_RING_GPA, GMT_RING_LEN, 2);
	assert_ram(f, GMT_RING_GPA + GMT_RING_LEN, 64, 0);
}

/* 10000 requests over 8 buckets: 8 maps, and 8 unmaps at the end. */
static void test_foreign_steady_state(void **state)
{
	run_clean(state, "steady");
	assert_calls(*state, 8, 0);
}

static void test_foreign_invalidate(void **state)
{
	run_clean(state, "invalidate");
}

static void test_foreign_evict(void **state)
{
	run_clean(state, "evict");
}

static void test_foreign_churn(void **state)
{
	run_clean(state, "churn");
}

static void test_hostile_foreign_bounds(void **state)
{
	run_clean(state, "bounds");
	assert_calls(*state, 0, 0);
}

/*
 * Buckets over a hole in guest RAM are mapped with err[], as Xen allows:
 * the bad pages are reported per page and never touched, so the sim sees
 * no misuse while the client checks that every access there is -EFAULT.
 */
static void test_hostile_foreign_hole(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "hole"), 0);
	assert_misuses(f, XENSIM_MISUSE_MAP_OUTSIDE_RAM, 0);
}

static void test_grant(void **state)
{
	struct fixture *f = *state;

	run_clean(state, "grant");
	/* Written through refs 101 (from 0x800) and 102 (up to 0x800). */
	assert_ram(f, gmt_ref_gpa(101), 0x800, 0);
	assert_ram(f, gmt_ref_gpa(101) + 0x800, 0x800, 3);
	assert_ram(f, gmt_ref_gpa(102), 0x800, 3);
	assert_ram(f, gmt_ref_gpa(102) + 0x800, 0x800, 0);
	assert_ram(f, gmt_ref_gpa(GMT_RUN_REF) + 0x40, 16, 4);
	assert_ram(f, gmt_ref_gpa(GMT_RUN_REF) + 0x50, 64, 0);
	assert_calls(f, 0, 6);
}

static void test_hostile_grant(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "grant-hostile"), 0);
	assert_misuses(f, XENSIM_MISUSE_BAD_GRANT, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_foreign_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_ring, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_steady_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_invalidate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_evict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_churn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile_foreign_bounds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_foreign_hole,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_grant, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
