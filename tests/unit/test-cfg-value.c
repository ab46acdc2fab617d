/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for config values and their getters (src/cfg-value.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cfg-fixture.h"

static void test_all_types(void **state)
{
	struct cfg *cfg = fix_load_ok("[daemon]\n"
				      "log-level = debug\n"
				      "io-threads = 64\n"
				      "offset = -9223372036854775808\n"
				      "name = my daemon\n"
				      "tap = vif1.0-emu\n"
				      "[device \"guest1/51712\"]\n"
				      "image = /srv/disk.img\n"
				      "socket = /run/vhost.sock\n"
				      "readonly = yes\n"
				      "cache = 64M\n"
				      "seg-max = 1M\n"
				      "serial = \"SN 1\"\n");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);
	const struct cfg_section *v =
		cfg_section(cfg, "device", "guest1/51712");

	assert_non_null(d);
	assert_non_null(v);
	assert_string_equal(cfg_get_string(d, "log-level", "x"), "debug");
	assert_int_equal(cfg_get_choice(d, "log-level", -1), 3);
	assert_int_equal(cfg_get_int(d, "io-threads", 0), 64);
	assert_true(cfg_get_int(d, "offset", 0) == INT64_MIN);
	assert_string_equal(cfg_get_string(d, "name", NULL), "my daemon");
	assert_string_equal(cfg_get_string(d, "tap", NULL), "vif1.0-emu");
	assert_string_equal(cfg_get_string(v, "image", NULL), "/srv/disk.img");
	assert_string_equal(cfg_get_string(v, "socket", NULL),
			    "/run/vhost.sock");
	assert_true(cfg_get_bool(v, "readonly", false));
	assert_true(cfg_get_size(v, "cache", 0) == 64ull << 20);
	assert_true(cfg_get_size(v, "seg-max", 0) == 1ull << 20);
	assert_string_equal(cfg_get_string(v, "serial", NULL), "SN 1");
	assert_string_equal(cfg_name(cfg), "test.conf");
	cfg_free(cfg);
}

static void test_defaults(void **state)
{
	struct cfg *cfg = fix_load_ok("[daemon]\nname = x\n");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);
	const struct cfg_section *none = cfg_section(cfg, "device", "a");

	assert_null(none);
	assert_int_equal(cfg_get_int(d, "io-threads", 7), 7);
	assert_string_equal(cfg_get_string(d, "tap", "dflt"), "dflt");
	assert_int_equal(cfg_get_choice(d, "log-level", 2), 2);
	/* A missing section reads as all defaults. */
	assert_true(cfg_get_bool(none, "readonly", true));
	assert_false(cfg_get_bool(none, "readonly", false));
	assert_true(cfg_get_size(none, "cache", 4096) == 4096);
	assert_null(cfg_get_string(none, "image", NULL));
	assert_int_equal(cfg_key_line(none, "image"), 0);
	cfg_free(cfg);
	cfg_free(NULL);
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char text[64];

	for (size_t i = 0; i < 4; i++) {
		struct cfg *cfg;

		snprintf(text, sizeof(text), "[device \"a\"]\nreadonly=%s\n",
			 yes[i]);
		cfg = fix_load_ok(text);
		assert_true(cfg_get_bool(cfg_section(cfg, "device", "a"),
					 "readonly", false));
		cfg_free(cfg);
		snprintf(text, sizeof(text), "[device \"a\"]\nreadonly=%s\n",
			 no[i]);
		cfg = fix_load_ok(text);
		assert_false(cfg_get_bool(cfg_section(cfg, "device", "a"),
					  "readonly", true));
		cfg_free(cfg);
	}
}

static void test_size_suffixes(void **state)
{
	static const struct {
		const char *text;
		uint64_t value;
	} cases[] = {
		{ "0", 0 },
		{ "512", 512 },
		{ "4k", 4096 },
		{ "4K", 4096 },
		{ "64M", 64ull << 20 },
		{ "1g", 1ull << 30 },
		{ "2T", 2ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ull << 40 },
	};
	char text[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *cfg;

		snprintf(text, sizeof(text), "[device \"a\"]\ncache = %s\n",
			 cases[i].text);
		cfg = fix_load_ok(text);
		assert_true(cfg_get_size(cfg_section(cfg, "device", "a"),
					 "cache", 1) == cases[i].value);
		cfg_free(cfg);
	}
}

static void test_where(void **state)
{
	struct cfg *cfg =
		fix_load_ok("[daemon]\n\n[device \"guest1/51712\"]\n"
			    "readonly = no\n\nimage = /srv/disk.img\n");
	const struct cfg_section *v =
		cfg_section(cfg, "device", "guest1/51712");
	char buf[128];

	assert_int_equal(cfg_key_line(v, "image"), 6);
	assert_int_equal(cfg_key_line(v, "readonly"), 4);
	assert_int_equal(cfg_key_line(v, "cache"), 0);
	assert_string_equal(
		cfg_where(v, "image", buf, sizeof(buf)),
		"test.conf:6: [device \"guest1/51712\"] key 'image'");
	/* An unset key points at its section. */
	assert_string_equal(
		cfg_where(v, "cache", buf, sizeof(buf)),
		"test.conf:3: [device \"guest1/51712\"] key 'cache'");
	assert_string_equal(
		cfg_where(cfg_section(cfg, "daemon", NULL), "tap", buf, 16),
		"test.conf:1: [d");
	cfg_free(cfg);
}

static void test_value_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "readonly = maybe",
		  "value 'maybe' is not a boolean (yes/no)" },
		{ "readonly = YES", "value 'YES' is not a boolean (yes/no)" },
		{ "readonly =", "value '' is not a boolean (yes/no)" },
		{ "cache = 4x",
		  "value '4x' is not a size (like 512, 4k, 64M, 1G)" },
		{ "cache = 4kb",
		  "value '4kb' is not a size (like 512, 4k, 64M, 1G)" },
		{ "cache = -1",
		  "value '-1' is not a size (like 512, 4k, 64M, 1G)" },
		{ "cache = k",
		  "value 'k' is not a size (like 512, 4k, 64M, 1G)" },
		{ "cache = 1.5G",
		  "value '1.5G' is not a size (like 512, 4k, 64M, 1G)" },
		{ "cache = 99999999999999G",
		  "value '99999999999999G' is too large" },
		{ "cache = 16777216T", "value '16777216T' is too large" },
		{ "cache = 18446744073709551616",
		  "value '18446744073709551616' is too large" },
		{ "seg-max = 511",
		  "value '511' is out of range (512..1048576)" },
		{ "seg-max = 1025k",
		  "value '1025k' is out of range (512..1048576)" },
		{ "seg-max = 99999999999999G",
		  "value '99999999999999G' is out of range (512..1048576)" },
		{ "image = disk.img",
		  "value 'disk.img' is not an absolute path" },
		{ "image =", "value '' is not an absolute path" },
		{ "socket = /", "value '/' is not 2..107 characters long" },
		{ "serial = \"abc", "value '\"abc' has no closing quote" },
		{ "serial = \"a\\nb\"",
		  "value '\"a\\nb\"' has an unknown escape (only \\\" and \\\\)" },
		{ "serial = \"a\" b",
		  "value '\"a\" b' has text after the closing quote" },
		{ "serial = \"a\"\"b\"",
		  "value '\"a\"\"b\"' has text after the closing quote" },
	};
	char text[256], msg[CFG_ERROR_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *key = cases[i].text;

		snprintf(text, sizeof(text),
			 "# x\n[device \"guest1/51712\"]\n%s\n", cases[i].text);
		snprintf(
			msg, sizeof(msg),
			"test.conf:3: [device \"guest1/51712\"] key '%.*s': %s",
			(int)strcspn(key, " ="), key, cases[i].msg);
		fix_expect_error(text, msg);
	}
}

static void test_daemon_value_errors(void **state)
{
	fix_expect_error(
		"[daemon]\nlog-level = loud\n",
		"test.conf:2: [daemon] key 'log-level': value 'loud' is not one of: error, warn, info, debug");
	fix_expect_error(
		"[daemon]\nlog-level = Info\n",
		"test.conf:2: [daemon] key 'log-level': value 'Info' is not one of: error, warn, info, debug");
	fix_expect_error(
		"[daemon]\nio-threads = two\n",
		"test.conf:2: [daemon] key 'io-threads': value 'two' is not an integer");
	fix_expect_error(
		"[daemon]\nio-threads = 2x\n",
		"test.conf:2: [daemon] key 'io-threads': value '2x' is not an integer");
	fix_expect_error(
		"[daemon]\nio-threads = \" 2\"\n",
		"test.conf:2: [daemon] key 'io-threads': value ' 2' is not an integer");
	fix_expect_error(
		"[daemon]\nio-threads = 65\n",
		"test.conf:2: [daemon] key 'io-threads': value '65' is out of range (1..64)");
	fix_expect_error(
		"[daemon]\nio-threads = -1\n",
		"test.conf:2: [daemon] key 'io-threads': value '-1' is out of range (1..64)");
	fix_expect_error(
		"[daemon]\nio-threads = 99999999999999999999\n",
		"test.conf:2: [daemon] key 'io-threads': value '99999999999999999999' is out of range (1..64)");
	fix_expect_error(
		"[daemon]\noffset = 9223372036854775808\n",
		"test.conf:2: [daemon] key 'offset': value '9223372036854775808' is out of range");
	fix_expect_error(
		"[daemon]\ntap = 0123456789abcdef\n",
		"test.conf:2: [daemon] key 'tap': value '0123456789abcdef' is not 1..15 characters long");
	fix_expect_error(
		"[daemon]\ntap =\n",
		"test.conf:2: [daemon] key 'tap': value '' is not 1..15 characters long");
}

static void test_long_value_shortened(void **state)
{
	char text[256], msg[CFG_ERROR_LEN];
	char value[101];

	memset(value, 'v', 100);
	value[100] = '\0';
	snprintf(text, sizeof(text), "[daemon]\nio-threads = %s\n", value);
	snprintf(
		msg, sizeof(msg),
		"test.conf:2: [daemon] key 'io-threads': value '%.64s...' is not an integer",
		value);
	fix_expect_error(text, msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_daemon_value_errors),
		cmocka_unit_test(test_long_value_shortened),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
