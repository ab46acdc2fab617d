/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the libxl xenstore layout parser (xen/libxl-layout.c), fed with
 * the nodes libxl writes (tools/libs/light/libxl_disk.c, libxl_virtio.c).
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

#include <linux/virtio_ids.h>

#include "libxl-layout.h"

#define DOMID 5u
#define DISK_DEVID 51712u /* xvda */
#define VIRTIO_DEVID 0u
#define MAX_NODES 32

struct node {
	const char *name;
	const char *value;
};

/* What xl 4.17 wrote for "specification=virtio, target=/tmp/disk.img". */
static const struct node disk_4_17[] = {
	{ "frontend", "/local/domain/5/device/virtio_disk/51712" },
	{ "params", "/tmp/disk.img" },
	{ "frontend-id", "5" },
	{ "online", "1" },
	{ "removable", "0" },
	{ "bootable", "1" },
	{ "state", "1" },
	{ "dev", "xvda" },
	{ "type", "standalone" },
	{ "mode", "w" },
	{ "device-type", "disk" },
	{ "discard-enable", "1" },
	{ "specification", "virtio" },
	{ "transport", "mmio" },
	{ "base", "33554432" },
	{ "irq", "33" },
};

/* What xl 4.18+ writes for virtio = [ "type=virtio,device22, ..." ]. */
static const struct node virtio_4_18[] = {
	{ "frontend", "/local/domain/5/device/virtio/0" },
	{ "frontend-id", "5" },
	{ "online", "1" },
	{ "state", "1" },
	{ "irq", "34" },
	{ "base", "0x2000200" },
	{ "type", "virtio,device22" },
	{ "transport", "mmio" },
	{ "grant_usage", "0" },
};

/*
 * An in-memory backend directory. Each read copies the value into buf,
 * poisoned first, so a parser that keeps a value past the next read sees
 * garbage (the contract of layout_read_fn).
 */
struct fake {
	struct node nodes[MAX_NODES];
	size_t n;
	unsigned reads;
	char buf[PATH_MAX + 64];
};

struct fixture {
	struct fake fake;
	struct layout_device dev;
	char err[256];
};

static const char *fake_read(void *opaque, const char *name)
{
	struct fake *f = opaque;
	size_t i, len;

	f->reads++;
	memset(f->buf, '#', sizeof(f->buf));
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->nodes[i].name, name))
			continue;
		len = strlen(f->nodes[i].value);
		assert_true(len < sizeof(f->buf));
		memcpy(f->buf, f->nodes[i].value, len + 1);
		return f->buf;
	}
	return NULL;
}

static void fake_load(struct fake *f, const struct node *nodes, size_t n)
{
	assert_true(n <= MAX_NODES);
	memcpy(f->nodes, nodes, n * sizeof(*nodes));
	f->n = n;
	f->reads = 0;
}

/* Sets a node, adding it if needed; a NULL value removes it. */
static void fake_set(struct fake *f, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->nodes[i].name, name))
			break;
	}
	if (!value) {
		if (i < f->n)
			f->nodes[i] = f->nodes[--f->n];
		return;
	}
	if (i == f->n) {
		assert_true(f->n < MAX_NODES);
		f->nodes[f->n++].name = name;
	}
	f->nodes[i].value = value;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct fixture *disk(void **state)
{
	struct fixture *fx = *state;

	fake_load(&fx->fake, disk_4_17, ARRAY_SIZE(disk_4_17));
	return fx;
}

static struct fixture *virtio(void **state)
{
	struct fixture *fx = *state;

	fake_load(&fx->fake, virtio_4_18, ARRAY_SIZE(virtio_4_18));
	return fx;
}

static int parse_as(struct fixture *fx, enum layout_kind kind,
		    unsigned backend_domid)
{
	unsigned devid = kind == LAYOUT_VIRTIO_DISK ? DISK_DEVID : VIRTIO_DEVID;

	memset(fx->err, 'E', sizeof(fx->err));
	return layout_parse(kind, backend_domid, DOMID, devid, fake_read,
			    &fx->fake, &fx->dev, fx->err, sizeof(fx->err));
}

static int parse(struct fixture *fx, enum layout_kind kind)
{
	return parse_as(fx, kind, 0);
}

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
	rc = parse(fx, kind);
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
		struct fixture *fx = kind == LAYOUT_VIRTIO_DISK ? disk(state) :
								  virtio(state);

		expect_bad(fx, kind, name, *values, -EINVAL);
	}
}

/* Well-formed devices. */

static void test_disk_4_17(void **state)
{
	struct fixture *fx = disk(state);

	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
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
	struct fixture *fx = disk(state);

	fake_set(&fx->fake, "mode", "r");
	fake_set(&fx->fake, "device-type", "cdrom");
	fake_set(&fx->fake, "discard-enable", "0");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_true(fx->dev.readonly);
	assert_true(fx->dev.cdrom);
	assert_false(fx->dev.discard);
}

static void test_disk_hex_base(void **state)
{
	struct fixture *fx = disk(state);

	fake_set(&fx->fake, "base", "0x2000400");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_int_equal(fx->dev.base, 0x2000400);
}

/* 4.17 and 4.18 write no grant_usage for disks: libxl's default applies. */
static void test_disk_default_grants(void **state)
{
	struct fixture *fx = disk(state);

	assert_int_equal(parse_as(fx, LAYOUT_VIRTIO_DISK, 0), 0);
	assert_false(fx->dev.grant_usage);
	assert_int_equal(parse_as(fx, LAYOUT_VIRTIO_DISK, 3), 0);
	assert_true(fx->dev.grant_usage);
}

/* 4.19+ writes it, and it wins over the default. */
static void test_disk_4_19_grant_usage(void **state)
{
	struct fixture *fx = disk(state);

	fake_set(&fx->fake, "grant_usage", "1");
	assert_int_equal(parse_as(fx, LAYOUT_VIRTIO_DISK, 0), 0);
	assert_true(fx->dev.grant_usage);
	fake_set(&fx->fake, "grant_usage", "0");
	assert_int_equal(parse_as(fx, LAYOUT_VIRTIO_DISK, 3), 0);
	assert_false(fx->dev.grant_usage);
}

static void test_disk_offline(void **state)
{
	struct fixture *fx = disk(state);

	fake_set(&fx->fake, "online", "0");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_false(fx->dev.online);
}

/* The longest path that fits, and nodes we do not need may be absent. */
static void test_disk_longest_target(void **state)
{
	struct fixture *fx = disk(state);
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
	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_string_equal(fx->dev.target, path);
	free(path);
}

static void test_virtio_4_18(void **state)
{
	struct fixture *fx = virtio(state);

	assert_int_equal(parse(fx, LAYOUT_VIRTIO), 0);
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
	struct fixture *fx = virtio(state);

	fake_set(&fx->fake, "base", "33555968");
	fake_set(&fx->fake, "grant_usage", "1");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), 0);
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
		struct fixture *fx = virtio(state);

		fake_set(&fx->fake, "type", cases[i].type);
		assert_int_equal(parse(fx, LAYOUT_VIRTIO), 0);
		assert_int_equal(fx->dev.device_id, cases[i].id);
	}
}

/* Highest aligned base and both ends of the SPI range. */
static void test_limits(void **state)
{
	struct fixture *fx = virtio(state);

	fake_set(&fx->fake, "base", "0xfffffffffffffe00");
	fake_set(&fx->fake, "irq", "32");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.base, 0xfffffffffffffe00ull);
	assert_int_equal(fx->dev.irq, 32);
	fake_set(&fx->fake, "base", "18446744073709551104");
	fake_set(&fx->fake, "irq", "1019");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), 0);
	assert_int_equal(fx->dev.base, 0xfffffffffffffe00ull);
	assert_int_equal(fx->dev.irq, 1019);
}

static void test_error_message_exact(void **state)
{
	struct fixture *fx = disk(state);

	fake_set(&fx->fake, "base", "12x");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio_disk/5/51712/base: "
				     "\"12x\" is not a number");
	fx = virtio(state);
	fake_set(&fx->fake, "irq", NULL);
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), -ENOENT);
	assert_string_equal(fx->err, "backend/virtio/5/0/irq: missing");
	fake_set(&fx->fake, "irq", "4294967296");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio/5/0/irq: \"4294967296\" "
				     "is out of range (max 4294967295)");
	fake_set(&fx->fake, "irq", "33");
	fake_set(&fx->fake, "base", "0x2000100");
	assert_int_equal(parse(fx, LAYOUT_VIRTIO), -EINVAL);
	assert_string_equal(fx->err, "backend/virtio/5/0/base: 0x2000100 is "
				     "not a non-zero multiple of 0x200");
}

/* A tiny or absent error buffer is fine: truncated, always terminated. */
static void test_error_buffer_sizes(void **state)
{
	struct fixture *fx = disk(state);
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
		expect_bad(disk(state), LAYOUT_VIRTIO_DISK, required[i], NULL,
			   -ENOENT);
}

static void test_hostile_virtio_missing_node(void **state)
{
	static const char *const required[] = {
		"frontend-id", "online", "transport",	"base",
		"irq",	       "type",	 "grant_usage",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		expect_bad(virtio(state), LAYOUT_VIRTIO, required[i], NULL,
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
		"",
		"0",
		"31",
		"1020",
		"4294967295",
		"4294967296",
		"99999999999999999999",
		"033",
		"0x21",
		"33 ",
		"-33",
		"+33",
		"33x",
		NULL,
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
	struct fixture *fx = disk(state);
	char *path = malloc(PATH_MAX + 1);

	assert_non_null(path);
	expect_bad(fx, LAYOUT_VIRTIO_DISK, "params", "", -EINVAL);
	memset(path, 'p', PATH_MAX);
	path[PATH_MAX] = '\0';
	expect_bad(disk(state), LAYOUT_VIRTIO_DISK, "params", path, -EINVAL);
	free(path);
}

/* Values land in logs: no control characters, bounded length. */
static void test_hostile_message_sanitised(void **state)
{
	struct fixture *fx = disk(state);
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
	struct fixture *fx = disk(state);

	assert_int_equal(parse(fx, LAYOUT_VIRTIO_DISK), 0);
	assert_true(fx->fake.reads >= 11);
	assert_string_equal(fx->dev.target, "/tmp/disk.img");
	assert_null(strchr(fx->dev.target, '#'));
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
		cmocka_unit_test(test_path_devices),
		cmocka_unit_test(test_path_ancestors),
		cmocka_unit_test(test_hostile_path_other_domain),
		cmocka_unit_test(test_hostile_path_other_kind),
		cmocka_unit_test(test_hostile_path_slashes),
		cmocka_unit_test(test_hostile_path_extra_components),
		cmocka_unit_test(test_hostile_path_numbers),
		cmocka_unit_test(test_hostile_path_driver_domain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
