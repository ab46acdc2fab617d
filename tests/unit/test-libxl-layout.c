/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the libxl xenstore layout parser (xen/libxl-layout.c), fed with
 * the nodes libxl writes (tools/libs/light/libxl_disk.c, libxl_virtio.c),
 * and for its watch path parser. Missing, junk and out-of-range nodes and
 * paths that are not ours are in test-libxl-layout-hostile.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_ids.h>

#include "libxl-layout-fixture.h"

/* Well-formed devices. */

static void test_disk_4_17(void **state)
{
	struct fixture *fx = fx_disk(state);

	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_string_equal(fx->err, "");
	assert_int_equal(fx->dev.kind, LAYOUT_VIRTIO_DISK);
	assert_int_equal(fx->dev.frontend_domid, DOMID);
	assert_int_equal(fx->dev.devid, DISK_DEVID);
	assert_int_equal(fx->dev.device_id, VIRTIO_ID_BLOCK);
	assert_int_equal(fx->dev.base, 0x2000000);
	assert_int_equal(fx->dev.irq, 33);
	assert_false(fx->dev.grant_usage);
	assert_string_equal(fx->dev.target, "/tmp/disk.img");
	assert_false(fx->dev.readonly);
	assert_true(fx->dev.discard);
	assert_false(fx->dev.cdrom);
	assert_true(fx->dev.online);
}

static void test_disk_readonly_cdrom(void **state)
{
	struct fixture *fx = fx_disk(state);

	fake_set(&fx->fake, "mode", "r");
	fake_set(&fx->fake, "device-type", "cdrom");
	fake_set(&fx->fake, "discard-enable", "0");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_true(fx->dev.readonly);
	assert_true(fx->dev.cdrom);
	assert_false(fx->dev.discard);
}

static void test_disk_hex_base(void **state)
{
	struct fixture *fx = fx_disk(state);

	fake_set(&fx->fake, "base", "0x2000400");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_int_equal(fx->dev.base, 0x2000400);
}

/* 4.17 and 4.18 write no grant_usage for disks: libxl's default applies. */
static void test_disk_default_grants(void **state)
{
	struct fixture *fx = fx_disk(state);

	assert_int_equal(fx_parse_as(fx, LAYOUT_VIRTIO_DISK, 0), 0);
	assert_false(fx->dev.grant_usage);
	assert_int_equal(fx_parse_as(fx, LAYOUT_VIRTIO_DISK, 3), 0);
	assert_true(fx->dev.grant_usage);
}

/* 4.19+ writes it, and it wins over the default. */
static void test_disk_4_19_grant_usage(void **state)
{
	struct fixture *fx = fx_disk(state);

	fake_set(&fx->fake, "grant_usage", "1");
	assert_int_equal(fx_parse_as(fx, LAYOUT_VIRTIO_DISK, 0), 0);
	assert_true(fx->dev.grant_usage);
	fake_set(&fx->fake, "grant_usage", "0");
	assert_int_equal(fx_parse_as(fx, LAYOUT_VIRTIO_DISK, 3), 0);
	assert_false(fx->dev.grant_usage);
}

static void test_disk_offline(void **state)
{
	struct fixture *fx = fx_disk(state);

	fake_set(&fx->fake, "online", "0");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_false(fx->dev.online);
}

/* The longest path that fits, and nodes we do not need may be absent. */
static void test_disk_longest_target(void **state)
{
	struct fixture *fx = fx_disk(state);
	char *path = malloc(PATH_MAX);

	assert_non_null(path);
	memset(path, 'p', PATH_MAX - 1);
	path[0] = '/';
	path[PATH_MAX - 1] = '\0';
	fake_set(&fx->fake, "params", path);
	fake_set(&fx->fake, "removable", NULL);
	fake_set(&fx->fake, "bootable", NULL);
	fake_set(&fx->fake, "dev", NULL);
	fake_set(&fx->fake, "state", NULL);
	fake_set(&fx->fake, "frontend", NULL);
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_string_equal(fx->dev.target, path);
	free(path);
}

static void test_virtio_4_18(void **state)
{
	struct fixture *fx = fx_virtio(state);

	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_string_equal(fx->err, "");
	assert_int_equal(fx->dev.kind, LAYOUT_VIRTIO);
	assert_int_equal(fx->dev.frontend_domid, DOMID);
	assert_int_equal(fx->dev.devid, VIRTIO_DEVID);
	assert_int_equal(fx->dev.device_id, VIRTIO_ID_I2C_ADAPTER);
	assert_int_equal(fx->dev.base, 0x2000200);
	assert_int_equal(fx->dev.irq, 34);
	assert_false(fx->dev.grant_usage);
	assert_string_equal(fx->dev.target, "");
	assert_false(fx->dev.readonly);
	assert_false(fx->dev.discard);
	assert_false(fx->dev.cdrom);
	assert_true(fx->dev.online);
}

static void test_virtio_decimal_base_and_grants(void **state)
{
	struct fixture *fx = fx_virtio(state);

	fake_set(&fx->fake, "base", "33555968");
	fake_set(&fx->fake, "grant_usage", "1");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.base, 0x2000600);
	assert_true(fx->dev.grant_usage);
}

static void test_virtio_types(void **state)
{
	static const struct {
		const char *type;
		uint32_t id;
	} cases[] = {
		{ "virtio,device", LAYOUT_DEVICE_ID_UNSPECIFIED },
		{ "virtio,device1", VIRTIO_ID_NET },
		{ "virtio,device2", VIRTIO_ID_BLOCK },
		{ "virtio,device1a", VIRTIO_ID_FS },
		{ "virtio,device29", VIRTIO_ID_GPIO },
		{ "virtio,deviceffffffff", 0xffffffff },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fixture *fx = fx_virtio(state);

		fake_set(&fx->fake, "type", cases[i].type);
		assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
		assert_int_equal(fx->dev.device_id, cases[i].id);
	}
}

/* Highest aligned base and both ends of the SPI range. */
static void test_limits(void **state)
{
	struct fixture *fx = fx_virtio(state);

	fake_set(&fx->fake, "base", "0xfffffffffffffe00");
	fake_set(&fx->fake, "irq", "32");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.base, 0xfffffffffffffe00ull);
	assert_int_equal(fx->dev.irq, 32);
	fake_set(&fx->fake, "base", "18446744073709551104");
	fake_set(&fx->fake, "irq", "1019");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.base, 0xfffffffffffffe00ull);
	assert_int_equal(fx->dev.irq, 1019);
	/* x86 HVM: an ISA IRQ. */
	fake_set(&fx->fake, "irq", "5");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.irq, 5);
	fake_set(&fx->fake, "irq", "15");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.irq, 15);
}

static void test_error_message_exact(void **state)
{
	struct fixture *fx = fx_disk(state);

	fake_set(&fx->fake, "base", "12x");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO_DISK), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio_disk/5/51712/base: "
				     "\"12x\" is not a number");
	fx = fx_virtio(state);
	fake_set(&fx->fake, "irq", NULL);
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), -ENOENT);
	assert_string_equal(fx->err, "backend/virtio/5/0/irq: missing");
	fake_set(&fx->fake, "irq", "4294967296");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio/5/0/irq: \"4294967296\" "
				     "is out of range (max 4294967295)");
	fake_set(&fx->fake, "irq", "33");
	fake_set(&fx->fake, "base", "0x2000100");
	assert_int_equal(fx_parse(fx, LAYOUT_VIRTIO), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio/5/0/base: 0x2000100 is "
				     "not a non-zero multiple of 0x200");
}

/* A tiny or absent error buffer is fine: truncated, always terminated. */
static void test_error_buffer_sizes(void **state)
{
	struct fixture *fx = fx_disk(state);
	char small[12];

	fake_set(&fx->fake, "irq", "x");
	assert_int_equal(layout_parse(LAYOUT_VIRTIO_DISK, 0, DOMID, DISK_DEVID,
				      fake_read, &fx->fake, &fx->dev, NULL, 0),
			 -EINVAL);
	memset(small, 'E', sizeof(small));
	assert_int_equal(layout_parse(LAYOUT_VIRTIO_DISK, 0, DOMID, DISK_DEVID,
				      fake_read, &fx->fake, &fx->dev, small,
				      sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "backend/vir");
}

static void test_state_values(void **state)
{
	static const char *const bad[] = { "",	 "9",  "10", "-1",  "01",
					   "4 ", " 4", "4x", "0x4", NULL };
	enum layout_state st = LAYOUT_STATE_UNKNOWN;
	const char *const *v;

	assert_int_equal(layout_parse_state("0", &st), 0);
	assert_int_equal(st, LAYOUT_STATE_UNKNOWN);
	assert_int_equal(layout_parse_state("2", &st), 0);
	assert_int_equal(st, LAYOUT_STATE_INIT_WAIT);
	assert_int_equal(layout_parse_state("5", &st), 0);
	assert_int_equal(st, LAYOUT_STATE_CLOSING);
	assert_int_equal(layout_parse_state("8", &st), 0);
	assert_int_equal(st, LAYOUT_STATE_RECONFIGURED);
	for (v = bad; *v; v++) {
		st = LAYOUT_STATE_CONNECTED;
		assert_int_equal(layout_parse_state(*v, &st), -EINVAL);
		assert_int_equal(st, LAYOUT_STATE_CONNECTED);
	}
	/* The numbers are the wire protocol (xen/include/public/io/xenbus.h) */
	assert_int_equal(LAYOUT_STATE_INITIALISING, 1);
	assert_int_equal(LAYOUT_STATE_INIT_WAIT, 2);
	assert_int_equal(LAYOUT_STATE_CONNECTED, 4);
	assert_int_equal(LAYOUT_STATE_CLOSING, 5);
	assert_int_equal(LAYOUT_STATE_CLOSED, 6);
}

static void test_kind_names(void **state)
{
	assert_string_equal(layout_kind_name(LAYOUT_VIRTIO_DISK),
			    "virtio_disk");
	assert_string_equal(layout_kind_name(LAYOUT_VIRTIO), "virtio");
}

/* Watch paths. */

static void test_path_devices(void **state)
{
	static const struct {
		const char *path;
		unsigned self;
		enum layout_kind kind;
		unsigned domid, devid;
		const char *node;
	} cases[] = {
		{ "/local/domain/0/backend/virtio_disk/5/51712/state", 0,
		  LAYOUT_VIRTIO_DISK, 5, 51712, "state" },
		{ "/local/domain/0/backend/virtio_disk/5/51712", 0,
		  LAYOUT_VIRTIO_DISK, 5, 51712, "" },
		{ "/local/domain/0/backend/virtio/5/0/online", 0, LAYOUT_VIRTIO,
		  5, 0, "online" },
		{ "/local/domain/7/backend/virtio/3/10/grant_usage", 7,
		  LAYOUT_VIRTIO, 3, 10, "grant_usage" },
		{ "/local/domain/7/backend/virtio_disk/0/268439552/base", 7,
		  LAYOUT_VIRTIO_DISK, 0, 268439552, "base" },
		{ "/local/domain/0/backend/virtio/32751/2147483647/x", 0,
		  LAYOUT_VIRTIO, 32751, 2147483647, "x" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum layout_kind kind = LAYOUT_VIRTIO;
		unsigned domid = 99, devid = 99;
		const char *node = NULL;

		if (layout_parse_backend_path(cases[i].path, cases[i].self,
					      &kind, &domid, &devid, &node))
			print_error("%s\n", cases[i].path);
		assert_int_equal(
			layout_parse_backend_path(cases[i].path, cases[i].self,
						  &kind, &domid, &devid, &node),
			0);
		assert_int_equal(kind, cases[i].kind);
		assert_int_equal(domid, cases[i].domid);
		assert_int_equal(devid, cases[i].devid);
		assert_string_equal(node, cases[i].node);
		/* node points into the path, at its end */
		assert_ptr_equal(node + strlen(node),
				 cases[i].path + strlen(cases[i].path));
	}
}

/* Paths of ours that name no device: the caller rescans. */
static void test_path_ancestors(void **state)
{
	static const char *const paths[] = {
		"/local/domain/0/backend",
		"/local/domain/0/backend/virtio_disk",
		"/local/domain/0/backend/virtio",
		"/local/domain/0/backend/virtio_disk/5",
		"/local/domain/0/backend/virtio/5",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		enum layout_kind kind = LAYOUT_VIRTIO;
		unsigned domid = 99, devid = 99;
		const char *node = NULL;

		assert_int_equal(layout_parse_backend_path(paths[i], 0, &kind,
							   &domid, &devid,
							   &node),
				 -ENOENT);
		assert_int_equal(domid, 99);
		assert_null(node);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_4_17),
		cmocka_unit_test(test_disk_readonly_cdrom),
		cmocka_unit_test(test_disk_hex_base),
		cmocka_unit_test(test_disk_default_grants),
		cmocka_unit_test(test_disk_4_19_grant_usage),
		cmocka_unit_test(test_disk_offline),
		cmocka_unit_test(test_disk_longest_target),
		cmocka_unit_test(test_virtio_4_18),
		cmocka_unit_test(test_virtio_decimal_base_and_grants),
		cmocka_unit_test(test_virtio_types),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_message_exact),
		cmocka_unit_test(test_error_buffer_sizes),
		cmocka_unit_test(test_state_values),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_path_devices),
		cmocka_unit_test(test_path_ancestors),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
