/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libxl layout parser (xen/libxl-layout.c) against backend nodes that
 * are missing, junk or out of range, and watch paths that name no device of
 * ours: each is refused, a bad node with a message naming it, and no value
 * is kept across reads or shown raw.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libxl-layout-fixture.h"

/*
 * Sets node=value in the loaded directory, parses, and checks the error and
 * that the message starts with the node's path.
 */
static void expect_bad(struct fixture *fx, enum layout_kind kind,
		       const char *name, const char *value, int want)
{
	unsigned devid = kind == LAYOUT_VIRTIO_DISK ? DISK_DEVID : VIRTIO_DEVID;
	char prefix[128];
	int rc;

	fake_set(&fx->fake, name, value);
	rc = fx_parse(fx, kind);
	if (rc != want)
		print_error("%s=\"%s\": rc %d, want %d (%s)\n", name,
			    value ? value : "(absent)", rc, want, fx->err);
	assert_int_equal(rc, want);
	snprintf(prefix, sizeof(prefix),
		 "backend/%s/%u/%u/%s: ", layout_kind_name(kind), DOMID, devid,
		 name);
	if (strncmp(fx->err, prefix, strlen(prefix)))
		print_error("message \"%s\" does not start with \"%s\"\n",
			    fx->err, prefix);
	assert_memory_equal(fx->err, prefix, strlen(prefix));
	assert_non_null(memchr(fx->err, '\0', sizeof(fx->err)));
}

/* Each value in values[] (NULL-terminated) must fail on its own. */
static void expect_all_bad(void **state, enum layout_kind kind,
			   const char *name, const char *const *values)
{
	for (; *values; values++) {
		struct fixture *fx = kind == LAYOUT_VIRTIO_DISK ?
					     fx_disk(state) :
					     fx_virtio(state);

		expect_bad(fx, kind, name, *values, -EINVAL);
	}
}

/* Missing, junk and out-of-range nodes. */

static void test_hostile_disk_missing_node(void **state)
{
	static const char *const required[] = {
		"frontend-id", "online",	 "transport",	  "base",
		"irq",	       "type",		 "specification", "mode",
		"device-type", "discard-enable", "params",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		expect_bad(fx_disk(state), LAYOUT_VIRTIO_DISK, required[i],
			   NULL, -ENOENT);
}

static void test_hostile_virtio_missing_node(void **state)
{
	static const char *const required[] = {
		"frontend-id", "online", "transport",	"base",
		"irq",	       "type",	 "grant_usage",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		expect_bad(fx_virtio(state), LAYOUT_VIRTIO, required[i], NULL,
			   -ENOENT);
}

static void test_hostile_junk_base(void **state)
{
	static const char *const bad[] = {
		"",	     "12x",	   " 33554432",	 "33554432 ",
		"+33554432", "-33554432",  "033554432",	 "0x",
		"0X2000000", "0x2000000g", "0x-2000000", "0x 2000000",
		"3.3e7",     "33554432\n", "\xd9\xa3",	 NULL,
	};

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "base", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "base", bad);
}

static void test_hostile_overflow_base(void **state)
{
	static const char *const bad[] = {
		"18446744073709551616",	    "99999999999999999999999999",
		"0x10000000000000000",	    "0xffffffffffffffff",
		"0xfffffffffffffe01",	    "18446744073709551615",
		"0x1000000000000000000000", NULL,
	};

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "base", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "base", bad);
}

/* libxl hands out non-zero bases in 0x200 steps (libxl_arm.c). */
static void test_hostile_unaligned_or_zero_base(void **state)
{
	static const char *const bad[] = { "0",		"0x0",	    "0x2000100",
					   "0x2000001", "33554433", "0x1ff",
					   NULL };

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "base", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "base", bad);
}

static void test_hostile_irq(void **state)
{
	static const char *const bad[] = {
		"",	"0",	      "16",	    "31",
		"1020", "4294967295", "4294967296", "99999999999999999999",
		"033",	"0x21",	      "33 ",	    "-33",
		"+33",	"33x",	      NULL,
	};

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "irq", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "irq", bad);
}

static void test_hostile_frontend_id(void **state)
{
	static const char *const bad[] = {
		"6",	 "0",	  "05",		"5 ", "0x5", "-5",
		"32752", "65535", "4294967301", "",   NULL,
	};

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "frontend-id", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "frontend-id", bad);
}

static void test_hostile_bool_nodes(void **state)
{
	static const char *const bad[] = { "",	  "2",	"01", "00", "true",
					   "yes", "1 ", " 0", "-1", NULL };

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "online", bad);
	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "discard-enable", bad);
	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "grant_usage", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "online", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "grant_usage", bad);
}

static void test_hostile_transport(void **state)
{
	static const char *const bad[] = { "",	    "pci",   "MMIO", "mmio ",
					   " mmio", "mmio0", "mmi",  NULL };

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "transport", bad);
	expect_all_bad(state, LAYOUT_VIRTIO, "transport", bad);
}

static void test_hostile_virtio_type(void **state)
{
	static const char *const bad[] = {
		"",
		"virtio",
		"virtio,",
		"virtio,mmio",
		"Virtio,device22",
		"virtio,Device22",
		"virtio,device0",
		"virtio,device00",
		"virtio,device022",
		"virtio,device1A",
		"virtio,deviceg",
		"virtio,device22 ",
		"virtio,device 22",
		"virtio,device-1",
		"virtio,device0x22",
		"virtio,device100000000",
		"virtio,device123456789",
		"virtio,device22,virtio,device29",
		NULL,
	};

	expect_all_bad(state, LAYOUT_VIRTIO, "type", bad);
}

static void test_hostile_disk_strings(void **state)
{
	static const char *const bad_type[] = { "",    "phy",	     "qdisk",
						"vbd", "Standalone", NULL };
	static const char *const bad_spec[] = { "", "xen", "Virtio", "virtio ",
						NULL };
	static const char *const bad_mode[] = {
		"", "w!", "rw", "R", "ro", NULL
	};
	static const char *const bad_devtype[] = { "", "floppy", "Disk",
						   "disk ", NULL };

	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "type", bad_type);
	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "specification", bad_spec);
	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "mode", bad_mode);
	expect_all_bad(state, LAYOUT_VIRTIO_DISK, "device-type", bad_devtype);
}

static void test_hostile_params(void **state)
{
	struct fixture *fx = fx_disk(state);
	char *path = malloc(PATH_MAX + 1);

	assert_non_null(path);
	expect_bad(fx, LAYOUT_VIRTIO_DISK, "params", "", -EINVAL);
	memset(path, 'p', PATH_MAX);
	path[PATH_MAX] = '\0';
	expect_bad(fx_disk(state), LAYOUT_VIRTIO_DISK, "params", path, -EINVAL);
	free(path);
}

/* Values land in logs: no control characters, bounded length. */
static void test_hostile_message_sanitised(void **state)
{
	struct fixture *fx = fx_disk(state);
	char value[300];
	size_t i;

	memset(value, 'A', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	memcpy(value, "1\n\x1b[31m\"\\\x7f\xff", 11);
	expect_bad(fx, LAYOUT_VIRTIO_DISK, "base", value, -EINVAL);
	for (i = 0; fx->err[i]; i++) {
		assert_true(fx->err[i] >= 0x20 && fx->err[i] <= 0x7e);
		assert_true(fx->err[i] != '\\');
	}
	assert_true(i < 160);
	assert_non_null(strstr(fx->err, "\"1??[31m????AAA"));
	assert_non_null(strstr(fx->err, "\"... is not a number"));
}

/* The parser never holds a value across reads (layout_read_fn contract). */
static void test_hostile_values_not_kept(void **state)
{
	struct fixture *fx = fx_disk(state);

	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_true(fx->fake.reads >= 11);
	assert_string_equal(fx->dev.target, "/tmp/disk.img");
	assert_null(strchr(fx->dev.target, '#'));
}

/* Watch paths that are not ours. */

/* Each path must be refused with -EINVAL and leave the outputs alone. */
static void expect_bad_paths(const char *const *paths, unsigned self)
{
	for (; *paths; paths++) {
		enum layout_kind kind = LAYOUT_VIRTIO;
		unsigned domid = 99, devid = 99;
		const char *node = NULL;
		int rc = layout_parse_backend_path(*paths, self, &kind, &domid,
						   &devid, &node);

		if (rc != -EINVAL)
			print_error("\"%s\": rc %d\n", *paths, rc);
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(kind, LAYOUT_VIRTIO);
		assert_int_equal(domid, 99);
		assert_int_equal(devid, 99);
		assert_null(node);
	}
}

static void test_hostile_path_other_domain(void **state)
{
	static const char *const bad[] = {
		"/local/domain/1/backend/virtio_disk/5/51712/state",
		"/local/domain/10/backend/virtio_disk/5/51712/state",
		"/local/domain/00/backend/virtio_disk/5/51712/state",
		"/local/domain//backend/virtio_disk/5/51712/state",
		"/local/domain/0x0/backend/virtio_disk/5/51712/state",
		"/local/domain/18446744073709551616/backend/virtio/5/0",
		"/local/domain/4294967296/backend/virtio/5/0",
		"/local/domain/5/device/virtio_disk/51712/state",
		"/local/domain/0/device/virtio/0/state",
		"/libxl/5/device/virtio_disk/51712/state",
		"/local/domain/1",
		NULL,
	};

	expect_bad_paths(bad, 0);
}

static void test_hostile_path_other_kind(void **state)
{
	static const char *const bad[] = {
		"/local/domain/0/backend/vbd/5/51712/state",
		"/local/domain/0/backend/qdisk/5/51712/state",
		"/local/domain/0/backend/virtio_disks/5/51712/state",
		"/local/domain/0/backend/virtio_/5/51712/state",
		"/local/domain/0/backend/virti/5/0/state",
		"/local/domain/0/backend/VIRTIO/5/0/state",
		"/local/domain/0/backend/virtio_disk5/51712",
		"/local/domain/0/backendvirtio/5/0",
		"/local/domain/0/backends/virtio/5/0",
		"/local/domain/0/frontend/virtio/5/0",
		"/local/domain/0/backend/vbd",
		NULL,
	};

	expect_bad_paths(bad, 0);
}

static void test_hostile_path_slashes(void **state)
{
	static const char *const bad[] = {
		"",
		"/",
		"//",
		"local/domain/0/backend/virtio/5/0",
		"//local/domain/0/backend/virtio/5/0",
		"/local//domain/0/backend/virtio/5/0",
		"/local/domain/0//backend/virtio/5/0",
		"/local/domain/0/backend//virtio/5/0",
		"/local/domain/0/backend/virtio//5/0",
		"/local/domain/0/backend/virtio/5//0",
		"/local/domain/0/backend/virtio/5/0//state",
		"/local/domain/0/backend/",
		"/local/domain/0/backend/virtio/",
		"/local/domain/0/backend/virtio/5/",
		"/local/domain/0/backend/virtio/5/0/",
		"/local/domain/0/backend/virtio/5/0/state/",
		"/local/domain/0/",
		"/local/domain",
		"/local",
		"/Local/domain/0/backend/virtio/5/0",
		"/local/domainx/0/backend/virtio/5/0",
		"/localx/domain/0/backend/virtio/5/0",
		NULL,
	};

	expect_bad_paths(bad, 0);
}

static void test_hostile_path_extra_components(void **state)
{
	static const char *const bad[] = {
		"/local/domain/0/backend/virtio/5/0/state/x",
		"/local/domain/0/backend/virtio_disk/5/51712/a/b/c",
		"/local/domain/0/backend/virtio/5/0/../../6/0",
		NULL,
	};

	expect_bad_paths(bad, 0);
}

static void test_hostile_path_numbers(void **state)
{
	static const char *const bad[] = {
		/* reserved domids (DOMID_FIRST_RESERVED = 0x7ff0) and beyond */
		"/local/domain/0/backend/virtio/32752/0",
		"/local/domain/0/backend/virtio/65535/0",
		"/local/domain/0/backend/virtio/4294967296/0",
		"/local/domain/0/backend/virtio/99999999999999999999999/0",
		/* our own domain as the guest */
		"/local/domain/0/backend/virtio/0/0",
		/* devid beyond libxl's int */
		"/local/domain/0/backend/virtio/5/2147483648",
		"/local/domain/0/backend/virtio/5/4294967296/state",
		"/local/domain/0/backend/virtio/5/18446744073709551616",
		/* not canonical decimal */
		"/local/domain/0/backend/virtio/05/0",
		"/local/domain/0/backend/virtio/5/00",
		"/local/domain/0/backend/virtio/5/051712",
		"/local/domain/0/backend/virtio/+5/0",
		"/local/domain/0/backend/virtio/-5/0",
		"/local/domain/0/backend/virtio/ 5/0",
		"/local/domain/0/backend/virtio/5 /0",
		"/local/domain/0/backend/virtio/0x5/0",
		"/local/domain/0/backend/virtio/5/-1",
		"/local/domain/0/backend/virtio/5/0x0",
		"/local/domain/0/backend/virtio/5/1e3",
		"/local/domain/0/backend/virtio/five/0",
		NULL,
	};

	expect_bad_paths(bad, 0);
}

/* A driver domain: dom0's paths and its own domid as guest are not ours. */
static void test_hostile_path_driver_domain(void **state)
{
	static const char *const bad[] = {
		"/local/domain/0/backend/virtio/5/0/state",
		"/local/domain/7/backend/virtio/7/0/state",
		"/local/domain/07/backend/virtio/5/0/state",
		"/local/domain/70/backend/virtio/5/0/state",
		NULL,
	};
	enum layout_kind kind;
	unsigned domid, devid;
	const char *node;

	expect_bad_paths(bad, 7);
	assert_int_equal(layout_parse_backend_path(
				 "/local/domain/7/backend/virtio/0/0/state", 7,
				 &kind, &domid, &devid, &node),
			 0);
	assert_int_equal(domid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_disk_missing_node),
		cmocka_unit_test(test_hostile_virtio_missing_node),
		cmocka_unit_test(test_hostile_junk_base),
		cmocka_unit_test(test_hostile_overflow_base),
		cmocka_unit_test(test_hostile_unaligned_or_zero_base),
		cmocka_unit_test(test_hostile_irq),
		cmocka_unit_test(test_hostile_frontend_id),
		cmocka_unit_test(test_hostile_bool_nodes),
		cmocka_unit_test(test_hostile_transport),
		cmocka_unit_test(test_hostile_virtio_type),
		cmocka_unit_test(test_hostile_disk_strings),
		cmocka_unit_test(test_hostile_params),
		cmocka_unit_test(test_hostile_message_sanitised),
		cmocka_unit_test(test_hostile_values_not_kept),
		cmocka_unit_test(test_hostile_path_other_domain),
		cmocka_unit_test(test_hostile_path_other_kind),
		cmocka_unit_test(test_hostile_path_slashes),
		cmocka_unit_test(test_hostile_path_extra_components),
		cmocka_unit_test(test_hostile_path_numbers),
		cmocka_unit_test(test_hostile_path_driver_domain),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
