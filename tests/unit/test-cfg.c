/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for the daemon config parser (src/cfg.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"

static const char *const levels[] = { "error", "warn", "info", "debug", NULL };

static const struct cfg_section_def sections[] = {
	{ .type = "daemon" },
	{ .type = "device", .labeled = true },
};

static const struct cfg_key keys[] = {
	{ "daemon", "log-level", CFG_CHOICE, 0, 0, levels },
	{ "daemon", "io-threads", CFG_INT, 1, 64, NULL },
	{ "daemon", "offset", CFG_INT, 0, 0, NULL },
	{ "daemon", "name", CFG_STRING, 0, 0, NULL },
	{ "daemon", "tap", CFG_STRING, 1, 15, NULL },
	{ "device", "image", CFG_PATH, 0, 0, NULL },
	{ "device", "socket", CFG_PATH, 2, 107, NULL },
	{ "device", "readonly", CFG_BOOL, 0, 0, NULL },
	{ "device", "cache", CFG_SIZE, 0, 0, NULL },
	{ "device", "seg-max", CFG_SIZE, 512, 1048576, NULL },
	{ "device", "serial", CFG_STRING, 0, 0, NULL },
};

static const struct cfg_schema schema = {
	.sections = sections,
	.n_sections = sizeof(sections) / sizeof(sections[0]),
	.keys = keys,
	.n_keys = sizeof(keys) / sizeof(keys[0]),
};

/* What a failed load must leave in *out: the caller's previous config. */
#define SENTINEL ((struct cfg *)0x5a5a)

static struct cfg *load_ok(const char *text)
{
	struct cfg_errors errs;
	struct cfg *cfg = NULL;
	int rc = cfg_load_string("test.conf", text, &schema, &cfg, &errs);

	if (rc)
		print_error("unexpected: %s\n", errs.count ? errs.msg[0] : "-");
	assert_int_equal(rc, 0);
	assert_int_equal(errs.count, 0);
	assert_non_null(cfg);
	return cfg;
}

/* Loads text that must fail; returns the errors, checks *out untouched. */
static void load_bad(const char *text, int want_rc, struct cfg_errors *errs)
{
	struct cfg *cfg = SENTINEL;

	assert_int_equal(
		cfg_load_string("test.conf", text, &schema, &cfg, errs),
		want_rc);
	assert_ptr_equal(cfg, SENTINEL);
	assert_true(errs->count > 0);
}

/* text must fail with exactly one error, msg. */
static void expect_error(const char *text, const char *msg)
{
	struct cfg_errors errs;

	load_bad(text, -EINVAL, &errs);
	for (unsigned i = 0; errs.count != 1 && i < errs.count; i++)
		print_message("  error %u: %s\n", i, errs.msg[i]);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.dropped, 0);
	assert_string_equal(errs.msg[0], msg);
}

static void test_all_types(void **state)
{
	struct cfg *cfg = load_ok("[daemon]\n"
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
	struct cfg *cfg = load_ok("[daemon]\nname = x\n");
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
		cfg = load_ok(text);
		assert_true(cfg_get_bool(cfg_section(cfg, "device", "a"),
					 "readonly", false));
		cfg_free(cfg);
		snprintf(text, sizeof(text), "[device \"a\"]\nreadonly=%s\n",
			 no[i]);
		cfg = load_ok(text);
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
		cfg = load_ok(text);
		assert_true(cfg_get_size(cfg_section(cfg, "device", "a"),
					 "cache", 1) == cases[i].value);
		cfg_free(cfg);
	}
}

static void test_comments_and_blanks(void **state)
{
	struct cfg *cfg = load_ok("# comment\n"
				  "; another\n"
				  "\n"
				  "   \t\n"
				  "  # indented comment\n"
				  "[daemon]   # after a header\n"
				  "name = a  b \t # trailing comment\n"
				  "tap=t0;comment\n"
				  "\t io-threads\t=\t3\t\n");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);

	assert_string_equal(cfg_get_string(d, "name", NULL), "a  b");
	assert_string_equal(cfg_get_string(d, "tap", NULL), "t0");
	assert_int_equal(cfg_get_int(d, "io-threads", 0), 3);
	assert_int_equal(cfg_key_line(d, "io-threads"), 9);
	cfg_free(cfg);
}

static void test_quoting(void **state)
{
	struct cfg *cfg = load_ok("[device \"we \\\"quote\\\" \\\\ it\"]\n"
				  "serial = \"  a #b; \\\"c\\\" \\\\ \"  # x\n"
				  "image = \"/path with spaces/#1;2\"\n"
				  "[daemon]\n"
				  "name = \"\"\n"
				  "tap = a\"b\n");
	const struct cfg_section *v =
		cfg_section(cfg, "device", "we \"quote\" \\ it");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);

	assert_non_null(v);
	assert_string_equal(cfg_section_label(v), "we \"quote\" \\ it");
	assert_string_equal(cfg_get_string(v, "serial", NULL),
			    "  a #b; \"c\" \\ ");
	assert_string_equal(cfg_get_string(v, "image", NULL),
			    "/path with spaces/#1;2");
	assert_string_equal(cfg_get_string(d, "name", NULL), "");
	/* A quote inside an unquoted value is just a character. */
	assert_string_equal(cfg_get_string(d, "tap", NULL), "a\"b");
	cfg_free(cfg);
}

static void test_crlf(void **state)
{
	struct cfg *cfg = load_ok("# dos\r\n[daemon]\r\nname = x y\r\n"
				  "tap = \"q\"\r\n\r\nio-threads = 2\r\n");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);

	assert_string_equal(cfg_get_string(d, "name", NULL), "x y");
	assert_string_equal(cfg_get_string(d, "tap", NULL), "q");
	assert_int_equal(cfg_get_int(d, "io-threads", 0), 2);
	assert_int_equal(cfg_key_line(d, "io-threads"), 6);
	cfg_free(cfg);
	/* Errors in a CRLF file show no stray '\r'. */
	expect_error(
		"[daemon]\r\nio-threads = x\r\n",
		"test.conf:2: [daemon] key 'io-threads': value 'x' is not an integer");
}

static void test_no_final_newline(void **state)
{
	struct cfg *cfg = load_ok("[daemon]\nname = last");

	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "daemon", NULL), "name", NULL),
		"last");
	cfg_free(cfg);
	cfg = load_ok("[daemon]\r\nname = \"last\"");
	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "daemon", NULL), "name", NULL),
		"last");
	cfg_free(cfg);
	expect_error(
		"[daemon]\nio-threads = 0",
		"test.conf:2: [daemon] key 'io-threads': value '0' is out of range (1..64)");
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "\n", "\n\n  \n",
					     "# only a comment",
					     "# a\r\n; b\r\n" };

	for (size_t i = 0; i < 5; i++) {
		struct cfg *cfg = load_ok(texts[i]);

		assert_null(cfg_next_section(cfg, NULL, NULL));
		assert_null(cfg_section(cfg, "daemon", NULL));
		assert_int_equal(cfg_get_int(cfg_section(cfg, "daemon", NULL),
					     "io-threads", 4),
				 4);
		cfg_free(cfg);
	}
}

static void test_iteration(void **state)
{
	struct cfg *cfg = load_ok("[device \"b\"]\n"
				  "[daemon]\n"
				  "[device \"a\"]\n"
				  "[device \"c\"]\n"
				  "image = /c\n");
	const char *want[] = { "b", "a", "c" };
	const struct cfg_section *s = NULL;
	unsigned n = 0;

	while ((s = cfg_next_section(cfg, "device", s))) {
		assert_true(n < 3);
		assert_string_equal(cfg_section_type(s), "device");
		assert_string_equal(cfg_section_label(s), want[n]);
		n++;
	}
	assert_int_equal(n, 3);
	for (s = cfg_next_section(cfg, NULL, NULL), n = 0; s;
	     s = cfg_next_section(cfg, NULL, s))
		n++;
	assert_int_equal(n, 4);
	s = cfg_section(cfg, "daemon", NULL);
	assert_null(cfg_section_label(s));
	assert_int_equal(cfg_section_line(s), 2);
	assert_null(cfg_section(cfg, "device", NULL));
	assert_null(cfg_section(cfg, "device", "d"));
	assert_null(cfg_section(cfg, "daemon", "b"));
	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "device", "c"), "image", NULL),
		"/c");
	assert_null(cfg_next_section(cfg, "nothing", NULL));
	cfg_free(cfg);
}

static void test_where(void **state)
{
	struct cfg *cfg = load_ok("[daemon]\n\n[device \"guest1/51712\"]\n"
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
		expect_error(text, msg);
	}
}

static void test_daemon_value_errors(void **state)
{
	expect_error(
		"[daemon]\nlog-level = loud\n",
		"test.conf:2: [daemon] key 'log-level': value 'loud' is not one of: error, warn, info, debug");
	expect_error(
		"[daemon]\nlog-level = Info\n",
		"test.conf:2: [daemon] key 'log-level': value 'Info' is not one of: error, warn, info, debug");
	expect_error(
		"[daemon]\nio-threads = two\n",
		"test.conf:2: [daemon] key 'io-threads': value 'two' is not an integer");
	expect_error(
		"[daemon]\nio-threads = 2x\n",
		"test.conf:2: [daemon] key 'io-threads': value '2x' is not an integer");
	expect_error(
		"[daemon]\nio-threads = \" 2\"\n",
		"test.conf:2: [daemon] key 'io-threads': value ' 2' is not an integer");
	expect_error(
		"[daemon]\nio-threads = 65\n",
		"test.conf:2: [daemon] key 'io-threads': value '65' is out of range (1..64)");
	expect_error(
		"[daemon]\nio-threads = -1\n",
		"test.conf:2: [daemon] key 'io-threads': value '-1' is out of range (1..64)");
	expect_error(
		"[daemon]\nio-threads = 99999999999999999999\n",
		"test.conf:2: [daemon] key 'io-threads': value '99999999999999999999' is out of range (1..64)");
	expect_error(
		"[daemon]\noffset = 9223372036854775808\n",
		"test.conf:2: [daemon] key 'offset': value '9223372036854775808' is out of range");
	expect_error(
		"[daemon]\ntap = 0123456789abcdef\n",
		"test.conf:2: [daemon] key 'tap': value '0123456789abcdef' is not 1..15 characters long");
	expect_error(
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
	expect_error(text, msg);
}

static void test_structure_errors(void **state)
{
	expect_error(
		"[daemon]\nname = a\nname = b\n",
		"test.conf:3: [daemon] key 'name': value 'b' sets the key again (first at line 2)");
	expect_error(
		"[device \"a\"]\n[device \"b\"]\n[device \"a\"]\n",
		"test.conf:3: section [device \"a\"] is defined again (first at line 1)");
	expect_error(
		"[daemon]\n[daemon]\n",
		"test.conf:2: section [daemon] is defined again (first at line 1)");
	expect_error("[network]\nkey = value\nother = 1\n",
		     "test.conf:1: unknown section type 'network'");
	expect_error(
		"[daemon]\nlog-levle = info\n",
		"test.conf:2: [daemon] key 'log-levle': unknown key (value 'info')");
	/* A key of another section type is unknown here. */
	expect_error(
		"[daemon]\nimage = /x\n",
		"test.conf:2: [daemon] key 'image': unknown key (value '/x')");
	expect_error(
		"name = x\n[daemon]\n",
		"test.conf:1: key 'name' is outside of any [section] (value 'x')");
	expect_error(
		"[device]\n",
		"test.conf:1: section [device] needs a label: [device \"name\"]");
	expect_error(
		"[device \"\"]\n",
		"test.conf:1: section [device] needs a label: [device \"name\"]");
	expect_error(
		"[daemon \"x\"]\n",
		"test.conf:1: section [daemon] takes no label (found \"x\")");
}

static void test_syntax_errors(void **state)
{
	static const char *const headers[] = {
		"[daemon",	 "[]",
		"[Daemon]",	 "[daemon] x",
		"[device a]",	 "[device \"a\" b]",
		"[device\"a\"]", "[device \"a\"",
		"[dev ice]",
	};
	char text[64];

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		snprintf(text, sizeof(text), "\n%s\n", headers[i]);
		expect_error(
			text,
			"test.conf:2: section header is not [type] or [type \"label\"] (type: a-z, 0-9, '-')");
	}
	expect_error("[device \"a]\n",
		     "test.conf:1: section header has no closing quote");
	expect_error(
		"[device \"a\\tb\"]\n",
		"test.conf:1: section header has an unknown escape (only \\\" and \\\\)");
	expect_error(
		"[daemon]\nName = x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not 'Name = x'");
	expect_error(
		"[daemon]\nname x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not 'name x'");
	expect_error(
		"[daemon]\n= x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not '= x'");
	expect_error(
		"[daemon]\nna_me = x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not 'na_me = x'");
}

static void test_overlong_line(void **state)
{
	size_t n = CFG_LINE_MAX + 64;
	char *text = malloc(n);
	struct cfg *cfg;
	size_t head;

	assert_non_null(text);
	/* Exactly CFG_LINE_MAX characters, also with a CRLF end: fine. */
	head = (size_t)snprintf(text, n, "[daemon]\nname = ");
	memset(text + head, 'x', CFG_LINE_MAX - 7);
	strcpy(text + head + CFG_LINE_MAX - 7, "\r\n");
	cfg = load_ok(text);
	assert_int_equal(strlen(cfg_get_string(cfg_section(cfg, "daemon", NULL),
					       "name", NULL)),
			 CFG_LINE_MAX - 7);
	cfg_free(cfg);
	/* One more is an error, and the line is not taken. */
	memset(text + head, 'x', CFG_LINE_MAX - 6);
	strcpy(text + head + CFG_LINE_MAX - 6, "\nio-threads = 0\n");
	{
		struct cfg_errors errs;

		load_bad(text, -EINVAL, &errs);
		assert_int_equal(errs.count, 2);
		assert_string_equal(
			errs.msg[0],
			"test.conf:2: line is longer than 4095 characters");
		assert_string_equal(
			errs.msg[1],
			"test.conf:3: [daemon] key 'io-threads': value '0' is out of range (1..64)");
	}
	free(text);
}

static void test_all_errors_reported(void **state)
{
	struct cfg_errors errs;

	load_bad("[daemon]\n"
		 "io-threads = 0\n"
		 "log-level = loud\n"
		 "[bogus]\n"
		 "ignored = because the section is unknown\n"
		 "[device \"d\"]\n"
		 "readonly = maybe\n"
		 "image = /ok\n"
		 "image = /again\n"
		 "[device \"d\"]\n"
		 "cache = 1x\n",
		 -EINVAL, &errs);
	assert_int_equal(errs.count, 7);
	assert_int_equal(errs.dropped, 0);
	assert_string_equal(
		errs.msg[0],
		"test.conf:2: [daemon] key 'io-threads': value '0' is out of range (1..64)");
	assert_string_equal(
		errs.msg[1],
		"test.conf:3: [daemon] key 'log-level': value 'loud' is not one of: error, warn, info, debug");
	assert_string_equal(errs.msg[2],
			    "test.conf:4: unknown section type 'bogus'");
	assert_string_equal(
		errs.msg[3],
		"test.conf:7: [device \"d\"] key 'readonly': value 'maybe' is not a boolean (yes/no)");
	assert_string_equal(
		errs.msg[4],
		"test.conf:9: [device \"d\"] key 'image': value '/again' sets the key again (first at line 8)");
	assert_string_equal(
		errs.msg[5],
		"test.conf:10: section [device \"d\"] is defined again (first at line 6)");
	/* The keys of a duplicate section are still checked. */
	assert_string_equal(
		errs.msg[6],
		"test.conf:11: [device \"d\"] key 'cache': value '1x' is not a size (like 512, 4k, 64M, 1G)");
}

static void test_error_limit(void **state)
{
	struct cfg_errors errs;
	char text[1024];
	size_t n = (size_t)snprintf(text, sizeof(text), "[daemon]\n");

	for (int i = 0; i < CFG_ERRORS_MAX + 5; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bad%d = 1\n",
				      i);
	load_bad(text, -EINVAL, &errs);
	assert_int_equal(errs.count, CFG_ERRORS_MAX);
	assert_int_equal(errs.dropped, 5);
	assert_string_equal(
		errs.msg[0],
		"test.conf:2: [daemon] key 'bad0': unknown key (value '1')");
	assert_string_equal(
		errs.msg[CFG_ERRORS_MAX - 1],
		"test.conf:21: [daemon] key 'bad19': unknown key (value '1')");
	/* A new load starts with an empty list. */
	expect_error(
		"[daemon]\nio-threads = 0\n",
		"test.conf:2: [daemon] key 'io-threads': value '0' is out of range (1..64)");
}

static void test_failed_reload_keeps_config(void **state)
{
	struct cfg *cfg = load_ok("[daemon]\nio-threads = 4\n");
	struct cfg *cur = cfg;
	struct cfg_errors errs;

	assert_int_equal(cfg_load_string("test.conf",
					 "[daemon]\nio-threads = 8\nbad = 1\n",
					 &schema, &cfg, &errs),
			 -EINVAL);
	assert_ptr_equal(cfg, cur);
	assert_int_equal(errs.count, 1);
	assert_int_equal(
		cfg_get_int(cfg_section(cfg, "daemon", NULL), "io-threads", 0),
		4);
	/* Without an error list too. */
	assert_int_equal(
		cfg_load_string("test.conf", "[x]\n", &schema, &cfg, NULL),
		-EINVAL);
	assert_ptr_equal(cfg, cur);
	/* A good reload hands out a new config; the old one stays valid. */
	assert_int_equal(cfg_load_string("test.conf", "[daemon]\nio-threads=8",
					 &schema, &cfg, &errs),
			 0);
	assert_ptr_not_equal(cfg, cur);
	assert_int_equal(
		cfg_get_int(cfg_section(cfg, "daemon", NULL), "io-threads", 0),
		8);
	assert_int_equal(
		cfg_get_int(cfg_section(cur, "daemon", NULL), "io-threads", 0),
		4);
	cfg_free(cur);
	cfg_free(cfg);
}

/* Writes len bytes to a new temporary file; returns its path (free it). */
static char *write_tmp(const char *data, size_t len)
{
	char *path = strdup("/tmp/test-cfg-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_file(void **state)
{
	static const char text[] = "[device \"guest1/51712\"]\n"
				   "image = /srv/disk.img\n"
				   "readonly = maybe\n";
	char *path = write_tmp(text, (size_t)(strstr(text, "readonly") - text));
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;
	char msg[CFG_ERROR_LEN];

	assert_int_equal(cfg_load_file(path, &schema, &cfg, &errs), 0);
	unlink(path);
	assert_string_equal(cfg_name(cfg), path);
	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "device", "guest1/51712"),
			       "image", NULL),
		"/srv/disk.img");
	cfg_free(cfg);
	free(path);

	path = write_tmp(text, strlen(text));
	cfg = SENTINEL;
	assert_int_equal(cfg_load_file(path, &schema, &cfg, &errs), -EINVAL);
	unlink(path);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 1);
	snprintf(
		msg, sizeof(msg),
		"%s:3: [device \"guest1/51712\"] key 'readonly': value 'maybe' is not a boolean (yes/no)",
		path);
	assert_string_equal(errs.msg[0], msg);
	free(path);
}

static void test_file_open_errors(void **state)
{
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;

	assert_int_equal(
		cfg_load_file("/nonexistent/xvdm.conf", &schema, &cfg, &errs),
		-ENOENT);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(
		errs.msg[0],
		"/nonexistent/xvdm.conf: cannot open: No such file or directory");
	assert_int_equal(cfg_load_file("/tmp", &schema, &cfg, &errs), -EISDIR);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "/tmp: cannot read: Is a directory");
}

static void test_hostile_file_too_big(void **state)
{
	size_t len = CFG_FILE_MAX + 1;
	char *text = malloc(len + 1);
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;
	char *path, msg[CFG_ERROR_LEN];

	assert_non_null(text);
	memset(text, '\n', len);
	text[len] = '\0';
	path = write_tmp(text, len);
	assert_int_equal(cfg_load_file(path, &schema, &cfg, &errs), -EFBIG);
	unlink(path);
	assert_ptr_equal(cfg, SENTINEL);
	snprintf(msg, sizeof(msg), "%s: is larger than 1048576 bytes", path);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], msg);
	load_bad(text, -EFBIG, &errs);
	assert_string_equal(errs.msg[0],
			    "test.conf: is larger than 1048576 bytes");
	/* Exactly the limit is fine. */
	text[CFG_FILE_MAX] = '\0';
	cfg = load_ok(text);
	cfg_free(cfg);
	free(path);
	free(text);
}

static void test_hostile_nul_and_control_bytes(void **state)
{
	static const char text[] = "[daemon]\nname = /ok\0/evil\ntap = a\x1b"
				   "b\n";
	char *path = write_tmp(text, sizeof(text) - 1);
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;
	char msg[CFG_ERROR_LEN];

	/* A NUL would silently cut "/ok\0/evil" to "/ok": refuse it. */
	assert_int_equal(cfg_load_file(path, &schema, &cfg, &errs), -EINVAL);
	unlink(path);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 2);
	snprintf(msg, sizeof(msg), "%s:2: line contains control character 0x00",
		 path);
	assert_string_equal(errs.msg[0], msg);
	snprintf(msg, sizeof(msg), "%s:3: line contains control character 0x1b",
		 path);
	assert_string_equal(errs.msg[1], msg);
	free(path);
	/* A lone CR that is not part of CRLF is a control character too. */
	expect_error("[daemon]\nname = a\rb\n",
		     "test.conf:2: line contains control character 0x0d");
}

/* Random lines made of the characters that matter must never crash. */
static void test_hostile_random_garbage(void **state)
{
	static const char alphabet[] =
		"[]\"\\=#; \t\r\nadeimnovc-/0123456789kGT";
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	char text[512];

	for (int round = 0; round < 20000; round++) {
		struct cfg *cfg = SENTINEL;
		struct cfg_errors errs;
		size_t n = (size_t)round % (sizeof(text) - 1);
		int rc;

		for (size_t i = 0; i < n; i++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			text[i] = alphabet[rng % (sizeof(alphabet) - 1)];
		}
		text[n] = '\0';
		rc = cfg_load_string("fuzz", text, &schema, &cfg, &errs);
		if (rc) {
			assert_int_equal(rc, -EINVAL);
			assert_ptr_equal(cfg, SENTINEL);
			assert_true(errs.count > 0);
			assert_true(strncmp(errs.msg[0], "fuzz:", 5) == 0);
		} else {
			assert_int_equal(errs.count, 0);
			cfg_free(cfg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_iteration),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_daemon_value_errors),
		cmocka_unit_test(test_long_value_shortened),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_failed_reload_keeps_config),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_open_errors),
		cmocka_unit_test(test_hostile_file_too_big),
		cmocka_unit_test(test_hostile_nul_and_control_bytes),
		cmocka_unit_test(test_hostile_random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
