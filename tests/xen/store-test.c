// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen/store.c against the simulated Xen: the harness plays libxl
 * (xensim_libxl_add/close/remove) and the hypervisor (domains dying);
 * store-client runs the store with recording ops, whose lines the test reads
 * back from HOME/log/<n>. Every test ends with no misuse.
 */
#include <errno.h>
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
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "store-test.h"
#include "xensim.h"

/* The ASan runtime, preloaded first when the client is sanitized. */
#ifndef STORE_ASAN_RT
#define STORE_ASAN_RT ""
#endif
#define WAIT_MS 5000
#define BACKEND "/local/domain/0/backend"

struct fx {
	struct xensim *h;
	char dir[64], sock[96], bindir[PATH_MAX];
	pid_t client;
};

static const struct xensim_libxl_dev disk1 = {
	.kind = XENSIM_LIBXL_VIRTIO_DISK,
	.domid = 1,
	.devid = 51712,
	.base = 0x2000000,
	.irq = 33,
	.vdev = "xvda",
	.params = "/tmp/d1.img",
};
static const struct xensim_libxl_dev virtio1 = {
	.kind = XENSIM_LIBXL_VIRTIO,
	.domid = 1,
	.devid = 0,
	.base = 0x2000200,
	.irq = 34,
	.type = "virtio,device1a",
	.grant_usage = true,
};
static const struct xensim_libxl_dev disk2 = {
	.kind = XENSIM_LIBXL_VIRTIO_DISK,
	.domid = 2,
	.devid = 51712,
	.base = 0x2000000,
	.irq = 33,
	.vdev = "xvda",
	.params = "/tmp/d2.img",
	.readonly = true,
};

#define ATTACH_DISK1                                                          \
	"attach 1 51712 virtio_disk id=2 base=0x2000000 irq=33 grant=0 ro=0 " \
	"target=/tmp/d1.img state=1"
#define ATTACH_DISK2                                                          \
	"attach 2 51712 virtio_disk id=2 base=0x2000000 irq=33 grant=0 ro=1 " \
	"target=/tmp/d2.img state=1"
#define ATTACH_VIRTIO1                                                        \
	"attach 1 0 virtio id=26 base=0x2000200 irq=34 grant=1 ro=0 target= " \
	"state=1"

static int setup(void **state)
{
	struct xensim_domain_cfg dom = {
		.nr_vcpus = 1,
		.ram = { { XENSIM_RAM0_BASE, 16 << 20 } },
	};
	struct fx *f = calloc(1, sizeof(*f));
	ssize_t n;

	assert_non_null(f);
	n = readlink("/proc/self/exe", f->bindir, sizeof(f->bindir) - 1);
	assert_true(n > 0);
	*strrchr(f->bindir, '/') = '\0';
	strcpy(f->dir, "/tmp/xvdm-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	assert_int_equal(xensim_new(f->sock, &f->h), 0);
	for (dom.domid = 1; dom.domid <= 2; dom.domid++)
		assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	f->client = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->client > 0) {
		kill(f->client, SIGKILL);
		waitpid(f->client, NULL, 0);
	}
	xensim_free(f->h);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Waits for path to hold want (NULL: to exist); says what it held. */
static void expect(struct fx *f, const char *path, const char *want)
{
	int rc = xensim_xs_wait(f->h, path, want, WAIT_MS);
	char *v = NULL;

	if (rc) {
		xensim_xs_read(f->h, path, &v);
		fprintf(stderr, "%s: \"%s\", wanted \"%s\"\n", path,
			v ? v : "(none)", want ? want : "(any)");
		free(v);
	}
	assert_int_equal(rc, 0);
}

static void expect_absent(struct fx *f, const char *path)
{
	char *v = NULL;

	assert_int_equal(xensim_xs_read(f->h, path, &v), -ENOENT);
}

static const char *be(const struct xensim_libxl_dev *d, const char *node)
{
	static char path[8][128];
	static unsigned next;
	char *p = path[next++ % ARRAY_SIZE(path)];

	snprintf(p, sizeof(path[0]), BACKEND "/%s/%u/%u/%s",
		 d->kind == XENSIM_LIBXL_VIRTIO ? "virtio" : "virtio_disk",
		 d->domid, d->devid, node);
	return p;
}

static const char *log_path(unsigned n)
{
	static char path[8][64];
	static unsigned next;
	char *p = path[next++ % ARRAY_SIZE(path)];

	snprintf(p, sizeof(path[0]), HOME "/log/%u", n);
	return p;
}

static void spawn(struct fx *f, int only_domid)
{
	char exe[PATH_MAX + 16], preload[2 * PATH_MAX], sock[128], only[16];
	char *argv[] = { exe, only, NULL };
	char *envp[256];
	size_t n = 0;

	snprintf(exe, sizeof(exe), "%s/store-client", f->bindir);
	snprintf(preload, sizeof(preload),
		 "LD_PRELOAD=%s %s/../sim/libxensim.so", STORE_ASAN_RT,
		 f->bindir);
	snprintf(sock, sizeof(sock), "XENSIM_SOCKET=%s", f->sock);
	snprintf(only, sizeof(only), "%d", only_domid);
	for (size_t i = 0; environ[i] && n < ARRAY_SIZE(envp) - 3; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], "XENSIM_SOCKET=", 14))
			envp[n++] = environ[i];
	envp[n++] = preload;
	envp[n++] = sock;
	envp[n] = NULL;
	assert_int_equal(posix_spawn(&f->client, exe, NULL, NULL, argv, envp),
			 0);
	expect(f, HOME "/ready", "1");
	expect(f, HOME "/self", "0");
}

/* Quits the client: store_free() runs, then it records "freed". */
static void finish(struct fx *f, unsigned nlog)
{
	int status;

	assert_int_equal(xensim_xs_write(f->h, HOME "/quit", "1"), 0);
	assert_int_equal(waitpid(f->client, &status, 0), f->client);
	f->client = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(xensim_wait_clients(f->h, 0, WAIT_MS), 0);
	expect(f, log_path(nlog), "freed");
	expect_absent(f, log_path(nlog + 1));
	if (xensim_misuse_count(f->h, XENSIM_MISUSE_ANY))
		xensim_misuse_dump(f->h, stderr);
	assert_int_equal(xensim_misuse_count(f->h, XENSIM_MISUSE_ANY), 0);
}

static void add_served(struct fx *f, const struct xensim_libxl_dev *d,
		       unsigned n, const char *line)
{
	assert_int_equal(xensim_libxl_add(f->h, d), 0);
	expect(f, be(d, "state"), "2");
	expect(f, log_path(n), line);
}

/* A 4.17 disk: attached while Initialising (the line says state=1), then InitWait. */
static void test_disk_417(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	expect_absent(f, be(&disk1, "error"));
	finish(f, 1);
	expect(f, be(&disk1, "state"), "6"); /* store_free() */
}

static void test_virtio_418(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &virtio1, 0, ATTACH_VIRTIO1);
	finish(f, 1);
	expect(f, be(&virtio1, "state"), "6");
}

/* Devices already there when the store starts are found by the scan. */
static void test_existing_devices_at_start(void **state)
{
	struct fx *f = *state;

	assert_int_equal(xensim_libxl_add(f->h, &disk1), 0);
	spawn(f, -1);
	expect(f, be(&disk1, "state"), "2");
	expect(f, log_path(0), ATTACH_DISK1);
	finish(f, 1);
}

/* store_free() closes every attached device, and only those. */
static void test_two_guests_three_devices(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	add_served(f, &virtio1, 1, ATTACH_VIRTIO1);
	add_served(f, &disk2, 2, ATTACH_DISK2);
	finish(f, 3);
	expect(f, be(&disk1, "state"), "6");
	expect(f, be(&virtio1, "state"), "6");
	expect(f, be(&disk2, "state"), "6");
}

static void test_only_domid(void **state)
{
	struct fx *f = *state;

	spawn(f, 2);
	assert_int_equal(xensim_libxl_add(f->h, &disk1), 0);
	add_served(f, &disk2, 0, ATTACH_DISK2);
	/* disk1's events came first, on the same handle. */
	expect(f, be(&disk1, "state"), "1");
	expect_absent(f, log_path(1));
	xensim_domain_destroy(f->h, 1); /* not ours: no domain_gone */
	finish(f, 1);
	expect(f, be(&disk1, "state"), "1");
}

/* attach fails: error node "<errno> <message>", then Closed. */
static void test_attach_failure(void **state)
{
	struct xensim_libxl_dev bad = disk1;
	struct fx *f = *state;

	bad.devid = FAIL_DEVID;
	spawn(f, -1);
	assert_int_equal(xensim_libxl_add(f->h, &bad), 0);
	expect(f, be(&bad, "state"), "6");
	expect(f, be(&bad, "error"), "19 fake: devid 13 refuses");
	expect(f, log_path(0),
	       "attach 1 13 virtio_disk id=2 base=0x2000000 irq=33 grant=0 "
	       "ro=0 target=/tmp/d1.img state=1");
	/* Removal: Closed again at once, and nothing to detach. */
	assert_int_equal(xensim_libxl_close(f->h, &bad), 0);
	expect(f, be(&bad, "state"), "6");
	assert_int_equal(xensim_libxl_remove(f->h, &bad), 0);
	add_served(f, &disk2, 1, ATTACH_DISK2);
	finish(f, 2);
	expect_absent(f, BACKEND "/virtio_disk/1");
}

/* Nodes libxl would never write: refused with the parser's message. */
static void test_bad_base_refused(void **state)
{
	struct xensim_libxl_dev bad = disk1;
	struct fx *f = *state;
	char *v = NULL;

	bad.base = 0x2000100;
	spawn(f, -1);
	assert_int_equal(xensim_libxl_add(f->h, &bad), 0);
	expect(f, be(&bad, "state"), "6");
	assert_int_equal(xensim_xs_read(f->h, be(&bad, "error"), &v), 0);
	assert_non_null(strstr(v, "base"));
	assert_int_equal(strncmp(v, "22 ", 3), 0);
	free(v);
	add_served(f, &disk2, 0, ATTACH_DISK2);
	finish(f, 1);
	expect(f, be(&bad, "state"), "6");
}

/* Nodes written one by one: nothing until the last one is there. */
static void test_incomplete_device_waits(void **state)
{
	static const char *const nodes[][2] = {
		{ "frontend-id", "1" },
		{ "online", "1" },
		{ "state", "1" },
		{ "type", "standalone" },
		{ "mode", "w" },
		{ "device-type", "disk" },
		{ "discard-enable", "1" },
		{ "specification", "virtio" },
		{ "transport", "mmio" },
		{ "irq", "33" },
		{ "params", "/tmp/d1.img" },
	};
	struct fx *f = *state;

	spawn(f, -1);
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++)
		assert_int_equal(xensim_xs_write(f->h, be(&disk1, nodes[i][0]),
						 nodes[i][1]),
				 0);
	add_served(f, &disk2, 0, ATTACH_DISK2);
	expect(f, be(&disk1, "state"), "1");
	assert_int_equal(xensim_xs_write(f->h, be(&disk1, "base"), "33554432"),
			 0);
	expect(f, be(&disk1, "state"), "2");
	expect(f, log_path(1), ATTACH_DISK1);
	finish(f, 2);
}

/* libxl's removal: online 0 + Closing -> detach, Closed; then rm. */
static void test_close_detaches(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	assert_int_equal(xensim_libxl_close(f->h, &disk1), 0);
	expect(f, be(&disk1, "state"), "6");
	expect(f, log_path(1), "detach 1 51712");
	assert_int_equal(xensim_libxl_remove(f->h, &disk1), 0);
	finish(f, 2);
	/* Nothing written back into the removed directories. */
	expect_absent(f, BACKEND "/virtio_disk");
}

/* The directory vanishing without a close detaches too. */
static void test_removed_detaches(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &virtio1, 0, ATTACH_VIRTIO1);
	assert_int_equal(xensim_libxl_remove(f->h, &virtio1), 0);
	expect(f, log_path(1), "detach 1 0");
	finish(f, 2);
	expect_absent(f, BACKEND "/virtio");
}

static void test_change_after_attach_ignored(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	assert_int_equal(xensim_xs_write(f->h, be(&disk1, "base"), "33555968"),
			 0);
	add_served(f, &disk2, 1, ATTACH_DISK2);
	expect(f, be(&disk1, "state"), "2");
	finish(f, 2);
}

/* The domain dies: domain_gone once, its devices Closed, others kept. */
static void test_domain_destroyed(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	add_served(f, &virtio1, 1, ATTACH_VIRTIO1);
	add_served(f, &disk2, 2, ATTACH_DISK2);
	assert_int_equal(xensim_domain_destroy(f->h, 1), 0);
	expect(f, log_path(3), "gone 1");
	expect(f, be(&disk1, "state"), "6");
	expect(f, be(&virtio1, "state"), "6");
	expect(f, be(&disk2, "state"), "2");
	assert_int_equal(xensim_domain_destroy(f->h, 2), 0);
	expect(f, log_path(4), "gone 2");
	finish(f, 5);
}

/* Devices removed before the domain dies: domain_gone is still owed. */
static void test_domain_gone_after_removal(void **state)
{
	struct fx *f = *state;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	assert_int_equal(xensim_libxl_close(f->h, &disk1), 0);
	expect(f, log_path(1), "detach 1 51712");
	assert_int_equal(xensim_libxl_remove(f->h, &disk1), 0);
	assert_int_equal(xensim_domain_destroy(f->h, 1), 0);
	expect(f, log_path(2), "gone 1");
	finish(f, 3);
}

/* A device already Closing that we never attached: Closed at once. */
static void test_closing_unknown_device(void **state)
{
	struct fx *f = *state;

	assert_int_equal(xensim_libxl_add(f->h, &disk1), 0);
	assert_int_equal(xensim_libxl_close(f->h, &disk1), 0);
	spawn(f, -1);
	expect(f, be(&disk1, "state"), "6");
	add_served(f, &disk2, 0, ATTACH_DISK2);
	finish(f, 1);
}

/* Commits failing with EAGAIN: each read is retried, not dropped. */
static void test_transaction_retried(void **state)
{
	struct fx *f = *state;
	int status;

	spawn(f, -1);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	/*
	 * Let the client drain the add's events (a pause too short only
	 * weakens the test), so that the five failures land on the two
	 * events of the close (online, state): only retries get through.
	 */
	usleep(300 * 1000);
	assert_int_equal(kill(f->client, SIGSTOP), 0);
	assert_int_equal(waitpid(f->client, &status, WUNTRACED), f->client);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(xensim_libxl_close(f->h, &disk1), 0);
	xensim_xs_fail_commits(f->h, 5);
	assert_int_equal(kill(f->client, SIGCONT), 0);
	expect(f, be(&disk1, "state"), "6");
	expect(f, log_path(1), "detach 1 51712");
	finish(f, 2);
}

/* Paths in our backend directory that name no device are ignored. */
static void test_junk_paths_ignored(void **state)
{
	static const char *const junk[] = {
		BACKEND "/virtio_disk/01/5/state", /* not canonical */
		BACKEND "/virtio_disk/0/5/state",  /* our own domid */
		BACKEND "/virtio_disk/1/x/state",
		BACKEND "/virtio_disk/1/7/state/deeper",
		BACKEND "/virtio_gpu/1/0/state", /* not a virtio kind */
	};
	struct fx *f = *state;

	spawn(f, -1);
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		assert_int_equal(xensim_xs_write(f->h, junk[i], "1"), 0);
	add_served(f, &disk1, 0, ATTACH_DISK1);
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++)
		expect(f, junk[i], "1");
	expect(f, BACKEND "/virtio_disk/1/7/state", "");
	finish(f, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_disk_417),
		T(test_virtio_418),
		T(test_existing_devices_at_start),
		T(test_two_guests_three_devices),
		T(test_only_domid),
		T(test_attach_failure),
		T(test_bad_base_refused),
		T(test_incomplete_device_waits),
		T(test_close_detaches),
		T(test_removed_detaches),
		T(test_change_after_attach_ignored),
		T(test_domain_destroyed),
		T(test_domain_gone_after_removal),
		T(test_closing_unknown_device),
		T(test_transaction_retried),
		T(test_junk_paths_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
