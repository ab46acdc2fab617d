// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated Xen, tested with sim-client: a device model built against
 * the real libxen* and run here under LD_PRELOAD=libxensim.so, exactly as
 * the daemon will be. Everything a correct device model does works, and
 * the harness records no misuse.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "sim-fixture.h"

static void check_registers(struct fixture *f)
{
	uint64_t v;

	assert_int_equal(fixture_read(f, 0, 0x000, 4), 0x74726976);
	assert_int_equal(fixture_read(f, 1, 0x000, 4), 0x74726976);
	assert_int_equal(fixture_read(f, 0, 0x000, 1), 0x76);
	assert_int_equal(fixture_read(f, 1, 0x004, 4), 2);
	fixture_write(f, 0, 0x070, 0xf);
	assert_int_equal(fixture_read(f, 1, 0x070, 4), 0xf);
	/* Misaligned: the guest faults, Xen never sees it. */
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE + 2, 4, &v),
			 -EINVAL);
}

static void check_irq(struct fixture *f)
{
	struct xensim_irq irq;

	fixture_write(f, 0, 0x050,
		      0); /* QueueNotify: the client raises the line */
	assert_int_equal(xensim_irq_wait_edges(f->h, DOM, IRQ, 1, WAIT_MS), 0);
	fixture_write(f, 1, 0x064, 1); /* InterruptACK: lowered */
	assert_int_equal(xensim_irq_get(f->h, DOM, IRQ, &irq), 0);
	assert_false(irq.level);
	fixture_write(f, 0, 0x050, 0);
	assert_int_equal(xensim_irq_get(f->h, DOM, IRQ, &irq), 0);
	assert_true(irq.level);
	assert_int_equal(irq.edges, 2);
	assert_int_equal(irq.sets, 3);
}

/* The client maps the page the guest names and inverts 16 bytes. */
static void check_foreign_map(struct fixture *f)
{
	uint8_t *page = xensim_guest_mem(f->h, DOM, PAGE1, 32);
	int i;

	assert_non_null(page);
	for (i = 0; i < 16; i++)
		page[i] = (uint8_t)(i + 1);
	fixture_write(f, 0, 0x080, (uint32_t)PAGE1);
	fixture_write(f, 0, 0x084, PAGE1 >> 32);
	for (i = 0; i < 16; i++)
		assert_int_equal(page[16 + i], (uint8_t) ~(i + 1));
	assert_int_equal(fixture_read(f, 1, 0x100, 4), 136); /* 1 + ... + 16 */
}

struct hammer {
	struct fixture *f;
	unsigned int vcpu;
	int bad;
};

static void *hammer(void *arg)
{
	struct hammer *t = arg;
	uint64_t v;
	int i;

	for (i = 0; i < 300; i++)
		if (xensim_mmio_read(t->f->h, DOM, t->vcpu, BASE, 4, &v) ||
		    v != 0x74726976)
			t->bad++;
	return NULL;
}

/* Both vCPUs at once: one outstanding request each, never mixed up. */
static void check_parallel(struct fixture *f)
{
	struct hammer t[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++) {
		t[i] = (struct hammer){ f, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &t[i]),
				 0);
	}
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
	}
}

static void test_probe_roundtrip(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	fixture_spawn(f, "probe");
	assert_int_equal(xensim_wait_ioreq_ready(f->h, DOM, WAIT_MS), 0);
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v), -EAGAIN);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
	check_registers(f);
	check_irq(f);
	check_foreign_map(f);
	check_parallel(f);
	assert_int_equal(xensim_invalidate(f->h, DOM, 1), 0);
	/* Outside every window: Xen on Arm injects a data abort. */
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE + 0x200, 4, &v),
			 -EFAULT);
	assert_int_equal(xensim_unhandled_count(f->h), 1);
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_xenstore(void **state)
{
	struct fixture *f = *state;

	struct xensim_domain_cfg dom = {
		.domid = 3,
		.nr_vcpus = 1,
		.ram = { { XENSIM_RAM0_BASE, 1 << 20 } },
	};

	fixture_spawn(f, "xs");
	assert_int_equal(xensim_xs_wait(f->h, HOME "/ready", "1", WAIT_MS), 0);
	assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	assert_int_equal(xensim_xs_write(f->h, HOME "/ping", "42"), 0);
	assert_int_equal(xensim_xs_wait(f->h, HOME "/pong", "43", WAIT_MS), 0);
	assert_int_equal(fixture_finish(f), 0);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_grant_map(void **state)
{
	struct fixture *f = *state;

	fixture_grant_pages(f);
	fixture_spawn(f, "grant");
	assert_int_equal(fixture_finish(f), 0);
	assert_memory_equal(xensim_guest_mem(f->h, DOM, PAGE1 + 4, 4), "OK!!",
			    4);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_domain_destroy(void **state)
{
	struct fixture *f = *state;
	char *v = NULL;
	uint64_t val;

	fixture_serve(f, "probe");
	check_foreign_map(f);
	assert_int_equal(xensim_domain_destroy(f->h, DOM), 0);
	/* @releaseDomain: the client checks ESRCH and its mapping, leaves. */
	assert_int_equal(fixture_finish(f), 0);
	assert_int_equal(xensim_xs_read(f->h, "/local/domain/1", &v), -ENOENT);
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &val), -ESRCH);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/*
 * The device model unmasks only well after answering: the next request's
 * event comes while the port is masked, and must be delivered on unmask.
 */
static void test_event_while_masked(void **state)
{
	struct fixture *f = *state;
	int i;

	fixture_serve(f, "late-unmask");
	for (i = 0; i < 20; i++)
		assert_int_equal(fixture_read(f, 0, 0x000, 4), 0x74726976);
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* A backend takes a libxl 4.17 virtio disk to InitWait, then to Closed. */
static void test_libxl_disk_lifecycle(void **state)
{
	struct fixture *f = *state;
	const struct xensim_libxl_dev disk = {
		.kind = XENSIM_LIBXL_VIRTIO_DISK,
		.domid = DOM,
		.devid = 51712,
		.base = BASE,
		.irq = IRQ,
		.vdev = "xvda",
		.params = "/tmp/disk.img",
	};
	const char *be = "/local/domain/0/backend/virtio_disk/1/51712";
	char path[96], *v = NULL;

	fixture_spawn(f, "backend");
	assert_int_equal(xensim_xs_wait(f->h, HOME "/ready", "1", WAIT_MS), 0);
	assert_int_equal(xensim_libxl_add(f->h, &disk), 0);
	snprintf(path, sizeof(path), "%s/state", be);
	assert_int_equal(xensim_xs_wait(f->h, path, "2", WAIT_MS), 0);
	assert_int_equal(xensim_xs_read(f->h,
					"/local/domain/1/device/virtio_disk/"
					"51712/backend",
					&v),
			 0);
	assert_string_equal(v, be);
	free(v);
	assert_int_equal(xensim_libxl_close(f->h, &disk), 0);
	assert_int_equal(xensim_xs_wait(f->h, path, "6", WAIT_MS), 0);
	assert_int_equal(fixture_finish(f), 0);
	assert_int_equal(xensim_libxl_remove(f->h, &disk), 0);
	assert_int_equal(xensim_xs_read(f->h, be, &v), -ENOENT);
	/* Emptied parents go too, as libxl__xs_path_cleanup() does. */
	assert_int_equal(xensim_xs_read(f->h, "/libxl", &v), -ENOENT);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* Xen 4.18+ generic devices: base in hex, grant_usage, no disk nodes. */
static void test_libxl_generic_nodes(void **state)
{
	struct fixture *f = *state;
	const struct xensim_libxl_dev dev = {
		.kind = XENSIM_LIBXL_VIRTIO,
		.domid = DOM,
		.devid = 0,
		.base = BASE + 0x200,
		.irq = IRQ + 1,
		.type = "virtio,device4",
	};
	static const char *const want[][2] = {
		{ "/local/domain/0/backend/virtio/1/0/base", "0x2000200" },
		{ "/local/domain/0/backend/virtio/1/0/irq", "34" },
		{ "/local/domain/0/backend/virtio/1/0/type", "virtio,device4" },
		{ "/local/domain/0/backend/virtio/1/0/grant_usage", "0" },
		{ "/local/domain/0/backend/virtio/1/0/state", "1" },
		{ "/local/domain/1/device/virtio/0/backend-id", "0" },
		{ "/libxl/1/device/virtio/0/base", "0x2000200" },
	};
	char *v;
	size_t i;

	assert_int_equal(xensim_libxl_add(f->h, &dev), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(xensim_xs_read(f->h, want[i][0], &v), 0);
		assert_string_equal(v, want[i][1]);
		free(v);
	}
	assert_int_equal(xensim_xs_read(f->h,
					"/local/domain/0/backend/virtio/1/0/"
					"params",
					&v),
			 -ENOENT);
}

static void test_unhandled_access(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
	assert_int_equal(xensim_mmio_write(f->h, DOM, 0, BASE, 4, 1), -EFAULT);
	assert_int_equal(xensim_unhandled_count(f->h), 1);
	assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static int run_script(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_exports(void **state)
{
	struct fixture *f = *state;
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd),
		 "%s/check-exports.sh %s/sim-client %s/libxensim.so",
		 XENSIM_SRCDIR, f->bindir, f->bindir);
	assert_int_equal(run_script(cmd), 0);
	/* libxendevicemodel itself calls libxencall: not simulated. */
	snprintf(cmd, sizeof(cmd),
		 "%s/check-exports.sh %s/libxendevicemodel.so %s/libxensim.so "
		 "2>/dev/null",
		 XENSIM_SRCDIR, XEN_LIBDIR, f->bindir);
	assert_int_equal(run_script(cmd), 1);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_roundtrip),
		T(test_xenstore),
		T(test_grant_map),
		T(test_domain_destroy),
		T(test_unhandled_access),
		T(test_event_while_masked),
		T(test_libxl_disk_lifecycle),
		T(test_libxl_generic_nodes),
		T(test_exports),
	};

	/* A client that dies must not take the harness with it. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
