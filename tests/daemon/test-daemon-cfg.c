// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the unmodified daemon says when it cannot serve: a bad config value
 * (exit 2, the message names file:line, key and value), devices it cannot
 * attach (the backend's error node holds a message, the state is Closed,
 * and the daemon goes on serving others), and the export check: every
 * libxen* function the binary calls is one the simulation implements.
 */
#include <errno.h>
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
#include "daemon-fixture.h"

#ifndef XENSIM_CHECK_EXPORTS
#error "XENSIM_CHECK_EXPORTS: tests/sim/check-exports.sh (local.mk)"
#endif

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

/* Runs the daemon on config text; its exit status, stderr in *err. */
static int run_config(struct dfix *f, const char *text, const char *const *args,
		      char **err)
{
	int rc;

	df_config(f, text);
	df_spawn(f, args, true);
	rc = df_wait_exit(f, DF_WAIT_MS);
	*err = df_stderr(f);
	fprintf(stderr, "exit %d: %s", rc, *err);
	return rc;
}

/* "<cfg>:<line>" appears in the message, with the key and the value. */
static void assert_names(const struct dfix *f, const char *err, int line,
			 const char *key, const char *value)
{
	char where[160];

	snprintf(where, sizeof(where), "%s:%d", f->cfg, line);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, key));
	assert_non_null(strstr(err, value));
}

/* Scenario 10: values out of range, not a power of two, not a choice. */
static void test_bad_config(void **state)
{
	struct dfix *f = *state;
	char *err;

	assert_int_equal(run_config(f,
				    "[daemon]\n"
				    "log-level = info\n"
				    "[device \"1/51712\"]\n"
				    "queues = 99\n",
				    NULL, &err),
			 2);
	assert_names(f, err, 4, "queues", "99");
	free(err);
	assert_int_equal(run_config(f,
				    "[device \"1/51712\"]\n"
				    "# the ring size\n"
				    "queue-size = 100\n",
				    NULL, &err),
			 2);
	assert_names(f, err, 3, "queue-size", "100");
	free(err);
	assert_int_equal(
		run_config(f, "[daemon]\nlog-level = loud\n", NULL, &err), 2);
	assert_names(f, err, 2, "log-level", "loud");
	free(err);
	/* --check-config of a good file: exit 0, nothing served. */
	{
		static const char *const args[] = { "--check-config", NULL };

		assert_int_equal(run_config(f,
					    "[device \"1/51712\"]\n"
					    "queues = 4\nqueue-size = 128\n",
					    args, &err),
				 0);
		free(err);
	}
	assert_int_equal(xensim_wait_clients(f->h, 0, DF_WAIT_MS), 0);
	df_assert_clean(f);
}

/* The device's error node holds "<errno> <message>" naming what failed. */
static void assert_attach_failed(struct dguest *g, const char *what)
{
	char path[128], *v;

	df_backend_path(g, "error", path, sizeof(path));
	assert_int_equal(xensim_xs_wait(g->f->h, path, NULL, DF_WAIT_MS), 0);
	v = df_xs_read(g->f, path);
	assert_non_null(v);
	fprintf(stderr, "%s: \"%s\"\n", path, v);
	assert_true(v[0] >= '1' && v[0] <= '9'); /* a positive errno */
	assert_non_null(strstr(v, what));
	free(v);
	df_wait_state(g, "6"); /* Closed: libxl's removal will not wait */
}

/*
 * Scenario 10: a 4.17 disk whose image is missing, a 4.18+ device with no
 * image at all; the daemon keeps serving a third guest.
 */
static void test_attach_failure(void **state)
{
	struct dfix *f = *state;
	struct dguest missing, none, good;
	char gone[160];
	struct dwork w;

	df_guest_init(f, &missing, 30, XENSIM_LIBXL_VIRTIO_DISK, 0, 30);
	df_guest_init(f, &none, 31, XENSIM_LIBXL_VIRTIO, 0, 31);
	df_guest_init(f, &good, 32, XENSIM_LIBXL_VIRTIO_DISK, 0, 32);
	snprintf(gone, sizeof(gone), "%s/no-such.img", f->dir);
	missing.dev.params = gone;
	df_config(f, "");
	df_spawn(f, NULL, false);
	df_domain_create(f, 30, 1);
	df_domain_create(f, 31, 1);
	assert_int_equal(xensim_libxl_add(f->h, &missing.dev), 0);
	assert_int_equal(xensim_libxl_add(f->h, &none.dev), 0);
	assert_attach_failed(&missing, "no-such.img");
	assert_attach_failed(&none, "image");
	/* Nothing was set up for them: their windows abort. */
	assert_int_equal(xensim_domain_pause(f->h, 30, false), 0);
	assert_int_equal(xensim_mmio_read(f->h, 30, 0, missing.dev.base, 4,
					  &(uint64_t){ 0 }),
			 -EFAULT);
	df_guest_boot(&good, 1);
	assert_int_equal(df_guest_probe(&good, 1), 0);
	df_work_init(&w, &good, 200, 32);
	assert_int_equal(df_work(&w), 0);
	blkdrv_remove(&good.blk);
	good.probed = false;
	assert_int_equal(df_stop(f), 0);
	df_guest_fini(&missing);
	df_guest_fini(&none);
	df_guest_fini(&good);
	df_assert_clean(f);
}

/* Scenario 11: tests/sim/check-exports.sh <daemon> <libxensim.so>. */
static void test_exports(void **state)
{
	struct dfix *f = *state;
	char *argv[] = { (char *)"/bin/sh", (char *)XENSIM_CHECK_EXPORTS,
			 f->exe, (char *)XENSIM_PRELOAD, NULL };
	int status;
	pid_t pid;

	assert_int_equal(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ),
			 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_bad_config),
		T(test_attach_failure),
		T(test_exports),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
