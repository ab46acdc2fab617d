// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen/guest.c under the simulated Xen: guest-client serves a domain with
 * fake devices, and every access here is a real ioreq round trip from a
 * vCPU. The harness records any misuse of Xen's interfaces, including
 * leaks when the client exits, so clean scenarios assert none.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "guest-client.h"
#include "guest-fixture.h"
#include "vmmio.h"

#define MAGIC 0x74726976 /* "virt" (virtio 1.2 §4.2.2) */

static void check_ids(struct gfix *f, unsigned vcpu, uint64_t base)
{
	assert_int_equal(gfix_read(f, vcpu, base + VIRTIO_MMIO_MAGIC_VALUE, 4),
			 MAGIC);
	assert_int_equal(gfix_read(f, vcpu, base + VIRTIO_MMIO_VERSION, 4), 2);
	assert_int_equal(gfix_read(f, vcpu, base + VIRTIO_MMIO_DEVICE_ID, 4),
			 FAKE_DEVICE_ID);
	assert_int_equal(gfix_read(f, vcpu, base + VIRTIO_MMIO_VENDOR_ID, 4),
			 VMMIO_VENDOR_ID);
}

/* ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK, DRIVER_OK (§3.1.1). */
static void drive_ok(struct gfix *f, uint64_t base)
{
	uint64_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE;

	gfix_write(f, 0, base + VIRTIO_MMIO_STATUS, s);
	gfix_write(f, 0, base + VIRTIO_MMIO_STATUS,
		   s |= VIRTIO_CONFIG_S_DRIVER);
	gfix_write(f, 0, base + VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	gfix_write(f, 0, base + VIRTIO_MMIO_DRIVER_FEATURES,
		   1u << (VIRTIO_F_VERSION_1 - 32));
	gfix_write(f, 1, base + VIRTIO_MMIO_STATUS,
		   s |= VIRTIO_CONFIG_S_FEATURES_OK);
	gfix_write(f, 1, base + VIRTIO_MMIO_STATUS,
		   s |= VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(gfix_read(f, 0, base + VIRTIO_MMIO_STATUS, 4), s);
}

static struct xensim_irq irq_state(struct gfix *f, unsigned irq)
{
	struct xensim_irq st;

	assert_int_equal(xensim_irq_get(f->h, DOM, irq, &st), 0);
	return st;
}

static void test_ids_from_each_vcpu(void **state)
{
	struct gfix *f = *state;

	gfix_attach(f);
	for (unsigned v = 0; v < NR_VCPUS; v++)
		check_ids(f, v, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_config_space(void **state)
{
	struct gfix *f = *state;
	uint64_t cfg = BASE + VIRTIO_MMIO_CONFIG, want = 0;

	gfix_attach(f);
	for (unsigned i = 0; i < 8; i++)
		want |= (uint64_t)FAKE_CONFIG(1, i) << (8 * i);
	assert_int_equal(gfix_read(f, 0, cfg, 1), FAKE_CONFIG(1, 0));
	assert_int_equal(gfix_read(f, 1, cfg + 2, 2), want >> 16 & 0xffff);
	assert_int_equal(gfix_read(f, 0, cfg + 4, 4), want >> 32);
	assert_int_equal(gfix_read(f, 1, cfg, 8), want);
	assert_int_equal(gfix_read(f, 0, cfg + FAKE_CONFIG_LEN - 1, 1),
			 FAKE_CONFIG(1, FAKE_CONFIG_LEN - 1));
	/* Past the end: refused by vmmio, all ones through the ioreq. */
	assert_int_equal(gfix_read(f, 0, cfg + FAKE_CONFIG_LEN, 4), 0xffffffff);
	/* No config_written op: read-only, the write is dropped. */
	gfix_write(f, 1, cfg, 0);
	assert_int_equal(gfix_read(f, 0, cfg, 1), FAKE_CONFIG(1, 0));
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_irq_raised_and_lowered(void **state)
{
	struct gfix *f = *state;
	struct xensim_irq st;
	uint64_t gen;

	gfix_attach(f);
	drive_ok(f, BASE);
	gen = gfix_read(f, 0, BASE + VIRTIO_MMIO_CONFIG_GENERATION, 4);
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	assert_int_equal(xensim_irq_wait_edges(f->h, DOM, IRQ, 1, WAIT_MS), 0);
	assert_true(irq_state(f, IRQ).level);
	assert_int_equal(
		gfix_read(f, 1, BASE + VIRTIO_MMIO_INTERRUPT_STATUS, 4),
		VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(
		gfix_read(f, 1, BASE + VIRTIO_MMIO_CONFIG_GENERATION, 4),
		gen + 1);
	gfix_write(f, 1, BASE + VIRTIO_MMIO_INTERRUPT_ACK,
		   VIRTIO_MMIO_INT_CONFIG);
	assert_false(irq_state(f, IRQ).level);
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	st = irq_state(f, IRQ);
	assert_true(st.level);
	assert_int_equal(st.edges, 2);
	assert_int_equal(st.sets, 3); /* only changes reach Xen */
	gfix_quit(f);
	/* Teardown lowered the line it had left high. */
	assert_false(irq_state(f, IRQ).level);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_two_devices(void **state)
{
	struct gfix *f = *state;
	unsigned long long base2 = BASE + VMMIO_WINDOW_SIZE;

	gfix_attach(f);
	assert_int_equal(gfix_cmd(f, "fake 2 %#llx %d", base2, IRQ + 1), 0);
	assert_int_equal(gfix_cmd(f, "nr"), 2);
	check_ids(f, 1, base2);
	assert_int_equal(gfix_read(f, 0, BASE + VIRTIO_MMIO_CONFIG, 1),
			 FAKE_CONFIG(1, 0));
	assert_int_equal(gfix_read(f, 1, base2 + VIRTIO_MMIO_CONFIG, 1),
			 FAKE_CONFIG(2, 0));
	/* Separate state and separate lines. */
	drive_ok(f, base2);
	assert_int_equal(gfix_read(f, 0, BASE + VIRTIO_MMIO_STATUS, 4), 0);
	assert_int_equal(gfix_cmd(f, "event 2"), 0);
	assert_int_equal(irq_state(f, IRQ + 1).edges, 1);
	assert_int_equal(irq_state(f, IRQ).edges, 0);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* The toolstack's values are refused before Xen sees them. */
static void test_refuses_clashing_devices(void **state)
{
	struct gfix *f = *state;

	gfix_attach(f);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx 40", BASE + 0x1000),
			 -EEXIST);
	assert_int_equal(gfix_cmd(f, "fake 3 %#llx 40", BASE + 0x100), -EEXIST);
	assert_int_equal(gfix_cmd(f, "fake 3 %#llx 40", BASE - 0x100), -EEXIST);
	assert_int_equal(gfix_cmd(f, "fake 3 0xffffffffffffff00 40"), -EINVAL);
	assert_int_equal(gfix_cmd(f, "nr"), 1);
	check_ids(f, 0, BASE);
	gfix_quit(f);
	/* No range-overlap misuse: nothing clashing was sent to Xen. */
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* Xen on Arm injects a data abort: our process never sees the access. */
static void test_unmapped_window_aborts(void **state)
{
	struct gfix *f = *state;
	uint64_t v;

	gfix_attach(f);
	assert_int_equal(
		xensim_mmio_read(f->h, DOM, 0, BASE + VMMIO_WINDOW_SIZE, 4, &v),
		-EFAULT);
	assert_int_equal(xensim_mmio_write(f->h, DOM, 1, BASE - 4, 4, 0),
			 -EFAULT);
	assert_int_equal(xensim_unhandled_count(f->h), 2);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_removed_device_aborts(void **state)
{
	struct gfix *f = *state;
	uint64_t v;

	gfix_attach(f);
	drive_ok(f, BASE);
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	assert_true(irq_state(f, IRQ).level);
	assert_int_equal(gfix_cmd(f, "rm 1"), 0);
	assert_int_equal(gfix_cmd(f, "nr"), 0);
	assert_false(irq_state(f, IRQ).level); /* lowered on removal */
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v), -EFAULT);
	assert_int_equal(xensim_unhandled_count(f->h), 1);
	/* The range went back to Xen: the window can be served again. */
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), 0);
	check_ids(f, 1, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* After a failed step, the same client sets the guest up cleanly. */
static void fail_once(struct gfix *f, const char *spec)
{
	assert_int_equal(xensim_domain_pause(f->h, DOM, true), 0);
	gfix_spawn(f, spec);
	assert_int_equal(gfix_cmd(f, "new"), -EIO);
	assert_int_equal(gfix_cmd(f, "nr"), -ENOENT);
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), 0);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
	check_ids(f, NR_VCPUS - 1, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

static void test_setup_fails_at_each_step(void **state)
{
	static const char *const steps[] = {
		"nr_vcpus:1",	      "create_ioreq_server:1",
		"map_resource:1",     "evtchn_open:1",
		"evloop_add_fd:1",    "set_ioreq_server_state:1",
		"bind_interdomain:1", "bind_interdomain:2",
	};
	struct gfix *f = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++)
		fail_once(f, steps[i]);
	/* A window Xen refused is not served, and nothing is left of it. */
	gfix_spawn(f, "map_io_range:1");
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), -EIO);
	assert_int_equal(gfix_cmd(f, "nr"), 0);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), 0);
	check_ids(f, 0, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* guest_free with a device still in, then the client runs on. */
static void test_free_with_devices(void **state)
{
	struct gfix *f = *state;
	uint64_t v;

	gfix_attach(f);
	drive_ok(f, BASE);
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	assert_int_equal(gfix_cmd(f, "free"), 0);
	assert_false(irq_state(f, IRQ).level);
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v), -EFAULT);
	assert_int_equal(gfix_cmd(f, "nr"), -ENOENT);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* What the clean scenarios' zero means: a client that leaves is caught. */
static void test_leaks_are_caught(void **state)
{
	struct gfix *f = *state;

	gfix_attach(f);
	assert_int_equal(write(f->to_client, "crash\n", 6), 6);
	assert_int_equal(gfix_finish(f), 0);
	/* The server, the ioreq page, and one port per vCPU. */
	assert_true(xensim_misuse_count(f->h, XENSIM_MISUSE_LEAK) >= 2);
	xensim_misuse_clear(f->h);
}

static void test_domain_destroyed_while_attached(void **state)
{
	struct gfix *f = *state;
	uint64_t v;

	gfix_attach(f);
	drive_ok(f, BASE);
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	gfix_write(f, 0, BASE + VIRTIO_MMIO_INTERRUPT_ACK,
		   VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(xensim_domain_destroy(f->h, DOM), 0);
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v), -ESRCH);
	/* set_irq_level fails with ESRCH now: logged, not fatal. */
	assert_int_equal(gfix_cmd(f, "event 1"), 0);
	assert_int_equal(gfix_cmd(f, "free"), 0);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

struct hammer {
	struct gfix *f;
	unsigned vcpu, n, bad;
};

static void *hammer(void *arg)
{
	struct hammer *t = arg;
	uint64_t cfg = BASE + VIRTIO_MMIO_CONFIG + t->vcpu, v;

	for (unsigned i = 0; i < t->n; i++) {
		if (xensim_mmio_read(t->f->h, DOM, t->vcpu, BASE, 4, &v) ||
		    v != MAGIC)
			t->bad++;
		if (xensim_mmio_read(t->f->h, DOM, t->vcpu, cfg, 1, &v) ||
		    v != FAKE_CONFIG(1, t->vcpu))
			t->bad++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Both vCPUs at once: one request each in flight, answers never mixed. */
static void test_parallel_vcpus(void **state)
{
	struct gfix *f = *state;
	struct hammer t[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	double start;

	gfix_attach(f);
	start = now_s();
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		t[i] = (struct hammer){ f, i, 2000, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &t[i]),
				 0);
	}
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].bad, 0);
	}
	print_message("%u round trips on %u vCPUs: %.0f/s\n",
		      2 * 2000 * NR_VCPUS, NR_VCPUS,
		      2 * 2000 * NR_VCPUS / (now_s() - start));
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* IOREQ_TYPE_INVALIDATE is completed, with or without guest memory. */
static void test_invalidate(void **state)
{
	struct gfix *f = *state;

	gfix_spawn(f, NULL);
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
	assert_int_equal(xensim_invalidate(f->h, DOM, 0), 0);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), 0);
	assert_int_equal(xensim_invalidate(f->h, DOM, 1), 0);
	check_ids(f, 1, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* Both kinds of guest memory, created once, freed with the guest. */
static void test_gmem_kinds(void **state)
{
	struct gfix *f = *state;

	gfix_spawn(f, NULL);
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(gfix_cmd(f, "gmem 1"), 0);
	assert_int_equal(gfix_cmd(f, "gmem 0"), 0);
	assert_int_equal(gfix_cmd(f, "gmem 1"), 0);
	assert_int_equal(gfix_cmd(f, "stats"), 0); /* foreign: nothing mapped */
	assert_int_equal(f->reply[2], 0);
	assert_int_equal(gfix_cmd(f, "free"), 0);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/* Register accesses a driver must not make: vmmio refuses, we answer. */
static void test_hostile_bad_sizes(void **state)
{
	struct gfix *f = *state;

	gfix_attach(f);
	/* virtio 1.2 §4.2.2.2: control registers take 32-bit accesses. */
	assert_int_equal(gfix_read(f, 0, BASE + VIRTIO_MMIO_MAGIC_VALUE, 1),
			 0xff);
	assert_int_equal(gfix_read(f, 1, BASE + VIRTIO_MMIO_MAGIC_VALUE, 8),
			 UINT64_MAX);
	assert_int_equal(xensim_mmio_write(f->h, DOM, 0,
					   BASE + VIRTIO_MMIO_STATUS, 2, 1),
			 0);
	assert_int_equal(gfix_read(f, 0, BASE + VIRTIO_MMIO_STATUS, 4), 0);
	check_ids(f, 1, BASE);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

/*
 * A driver that never acknowledges: events keep coming, the line stays
 * high, and Xen hears of it once (no hypercall, no log line per event).
 */
static void test_hostile_never_acks(void **state)
{
	struct gfix *f = *state;
	struct xensim_irq st;

	gfix_attach(f);
	drive_ok(f, BASE);
	for (int i = 0; i < 50; i++)
		assert_int_equal(gfix_cmd(f, "event 1"), 0);
	st = irq_state(f, IRQ);
	assert_true(st.level);
	assert_int_equal(st.edges, 1);
	assert_int_equal(st.sets, 1);
	gfix_quit(f);
	gfix_assert_misuses(f, XENSIM_MISUSE_ANY, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, gfix_setup, gfix_teardown)
		T(test_ids_from_each_vcpu),
		T(test_config_space),
		T(test_irq_raised_and_lowered),
		T(test_two_devices),
		T(test_refuses_clashing_devices),
		T(test_unmapped_window_aborts),
		T(test_removed_device_aborts),
		T(test_setup_fails_at_each_step),
		T(test_free_with_devices),
		T(test_leaks_are_caught),
		T(test_domain_destroyed_while_attached),
		T(test_parallel_vcpus),
		T(test_invalidate),
		T(test_gmem_kinds),
		T(test_hostile_bad_sizes),
		T(test_hostile_never_acks),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
