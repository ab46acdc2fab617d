// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated Xen is strict: each test_hostile_ case has sim-client
 * break one rule a device model must keep, checks that the call failed as
 * Xen fails it (sim-client's exit status), and that the harness recorded
 * that misuse and nothing else.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim-fixture.h"

/* The scenario breaks one rule n times; nothing else goes wrong. */
static void hostile(void **state, const char *scenario, enum xensim_misuse kind,
		    unsigned int n)
{
	struct fixture *f = *state;

	fixture_spawn(f, scenario);
	assert_int_equal(fixture_finish(f), 0);
	assert_misuses(f, kind, n);
}

static void test_hostile_map_outside_ram(void **state)
{
	hostile(state, "map-outside-ram", XENSIM_MISUSE_MAP_OUTSIDE_RAM, 1);
}

static void test_hostile_bind_wrong_port(void **state)
{
	hostile(state, "bind-wrong-port", XENSIM_MISUSE_BAD_PORT, 1);
}

static void test_hostile_bind_before_enable(void **state)
{
	hostile(state, "bind-before-enable", XENSIM_MISUSE_BIND_BEFORE_ENABLE,
		1);
}

static void test_hostile_range_overlap(void **state)
{
	hostile(state, "overlap", XENSIM_MISUSE_RANGE_OVERLAP, 2);
}

static void test_hostile_destroyed_server(void **state)
{
	hostile(state, "destroyed-server", XENSIM_MISUSE_BAD_SERVER, 1);
}

static void test_hostile_no_domain(void **state)
{
	hostile(state, "no-domain", XENSIM_MISUSE_NO_DOMAIN, 1);
}

static void test_hostile_bad_xenstore_path(void **state)
{
	hostile(state, "bad-path", XENSIM_MISUSE_BAD_PATH, 3);
}

static void test_hostile_leak_mapping(void **state)
{
	hostile(state, "leak-mapping", XENSIM_MISUSE_LEAK, 1);
}

static void test_hostile_leak_server(void **state)
{
	hostile(state, "leak-server", XENSIM_MISUSE_LEAK, 1);
}

static void test_hostile_leak_port(void **state)
{
	hostile(state, "leak-port", XENSIM_MISUSE_LEAK, NR_VCPUS);
}

static void test_hostile_unmap_unknown(void **state)
{
	hostile(state, "unmap-unknown", XENSIM_MISUSE_BAD_UNMAP, 1);
}

static void test_hostile_bad_irq(void **state)
{
	hostile(state, "bad-irq", XENSIM_MISUSE_BAD_IRQ, 2);
}

static void test_hostile_notify_unbound(void **state)
{
	hostile(state, "notify-unbound", XENSIM_MISUSE_BAD_NOTIFY, 1);
}

static void test_hostile_bad_grant(void **state)
{
	fixture_grant_pages(*state);
	hostile(state, "bad-grant", XENSIM_MISUSE_BAD_GRANT, 2);
}

static void test_hostile_restricted(void **state)
{
	hostile(state, "restricted", XENSIM_MISUSE_RESTRICTED, 1);
}

static void test_hostile_response_without_request(void **state)
{
	struct fixture *f = *state;

	fixture_serve(f, "unasked-response");
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_SLOT_STATE, 1);
}

static void test_hostile_second_response(void **state)
{
	struct fixture *f = *state;

	fixture_serve(f, "twice");
	assert_int_equal(fixture_read(f, 0, 0x000, 4), 0x74726976);
	assert_true(fixture_misuse_seen(f, XENSIM_MISUSE_SLOT_STATE));
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_SLOT_STATE, 1);
}

static void test_hostile_no_response(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	xensim_set_timeout(f->h, 300);
	fixture_serve(f, "silent");
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v),
			 -ETIMEDOUT);
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_TIMEOUT, 1);
}

/* A port is masked once it fired: forget to unmask, and the next hangs. */
static void test_hostile_never_unmasked(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	fixture_serve(f, "no-unmask");
	assert_int_equal(fixture_read(f, 0, 0x000, 4), 0x74726976);
	xensim_set_timeout(f->h, 300);
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v),
			 -ETIMEDOUT);
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_TIMEOUT, 1);
}

static void test_hostile_clobbered_vp_eport(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	fixture_serve(f, "clobber-port");
	assert_int_equal(xensim_mmio_read(f->h, DOM, 0, BASE, 4, &v), -EIO);
	fixture_quit(f);
	assert_misuses(f, XENSIM_MISUSE_SLOT_PORT, 1);
}

/* A daemon killed outright leaves all it held: the harness sees it. */
static void test_hostile_killed_daemon(void **state)
{
	struct fixture *f = *state;

	fixture_serve(f, "probe");
	kill(f->client, SIGKILL);
	assert_int_equal(fixture_finish(f), 128);
	/* the server, the ioreq page mapping, one port per vCPU */
	assert_misuses(f, XENSIM_MISUSE_LEAK, 2 + NR_VCPUS);
}

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostile_map_outside_ram),
		T(test_hostile_bind_wrong_port),
		T(test_hostile_bind_before_enable),
		T(test_hostile_range_overlap),
		T(test_hostile_destroyed_server),
		T(test_hostile_no_domain),
		T(test_hostile_bad_xenstore_path),
		T(test_hostile_leak_mapping),
		T(test_hostile_leak_server),
		T(test_hostile_leak_port),
		T(test_hostile_unmap_unknown),
		T(test_hostile_bad_irq),
		T(test_hostile_notify_unbound),
		T(test_hostile_bad_grant),
		T(test_hostile_restricted),
		T(test_hostile_response_without_request),
		T(test_hostile_second_response),
		T(test_hostile_no_response),
		T(test_hostile_never_unmasked),
		T(test_hostile_clobbered_vp_eport),
		T(test_hostile_killed_daemon),
	};

	/* A client that dies must not take the harness with it. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
