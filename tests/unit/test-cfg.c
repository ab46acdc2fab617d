/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the daemon config parser (src/cfg.c): syntax, sections,
 * error reports and reading files. Typed values are in test-cfg-value.c,
 * hostile input in test-cfg-hostile.c.
 */
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
#include "cfg-fixture.h"

static void test_comments_and_blanks(void **state)
{
	struct cfg *cfg = fix_load_ok("# comment\n"
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
	struct cfg *cfg =
		fix_load_ok("[device \"we \\\"quote\\\" \\\\ it\"]\n"
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
	struct cfg *cfg = fix_load_ok("# dos\r\n[daemon]\r\nname = x y\r\n"
				      "tap = \"q\"\r\n\r\nio-threads = 2\r\n");
	const struct cfg_section *d = cfg_section(cfg, "daemon", NULL);

	assert_string_equal(cfg_get_string(d, "name", NULL), "x y");
	assert_string_equal(cfg_get_string(d, "tap", NULL), "q");
	assert_int_equal(cfg_get_int(d, "io-threads", 0), 2);
	assert_int_equal(cfg_key_line(d, "io-threads"), 6);
	cfg_free(cfg);
	/* Errors in a CRLF file show no stray '\r'. */
	fix_expect_error(
		"[daemon]\r\nio-threads = x\r\n",
		"test.conf:2: [daemon] key 'io-threads': value 'x' is not an integer");
}

static void test_no_final_newline(void **state)
{
	struct cfg *cfg = fix_load_ok("[daemon]\nname = last");

	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "daemon", NULL), "name", NULL),
		"last");
	cfg_free(cfg);
	cfg = fix_load_ok("[daemon]\r\nname = \"last\"");
	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "daemon", NULL), "name", NULL),
		"last");
	cfg_free(cfg);
	fix_expect_error(
		"[daemon]\nio-threads = 0",
		"test.conf:2: [daemon] key 'io-threads': value '0' is out of range (1..64)");
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "\n", "\n\n  \n",
					     "# only a comment",
					     "# a\r\n; b\r\n" };

	for (size_t i = 0; i < 5; i++) {
		struct cfg *cfg = fix_load_ok(texts[i]);

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
	struct cfg *cfg = fix_load_ok("[device \"b\"]\n"
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

static void test_structure_errors(void **state)
{
	fix_expect_error(
		"[daemon]\nname = a\nname = b\n",
		"test.conf:3: [daemon] key 'name': value 'b' sets the key again (first at line 2)");
	fix_expect_error(
		"[device \"a\"]\n[device \"b\"]\n[device \"a\"]\n",
		"test.conf:3: section [device \"a\"] is defined again (first at line 1)");
	fix_expect_error(
		"[daemon]\n[daemon]\n",
		"test.conf:2: section [daemon] is defined again (first at line 1)");
	fix_expect_error("[network]\nkey = value\nother = 1\n",
			 "test.conf:1: unknown section type 'network'");
	fix_expect_error(
		"[daemon]\nlog-levle = info\n",
		"test.conf:2: [daemon] key 'log-levle': unknown key (value 'info')");
	/* A key of another section type is unknown here. */
	fix_expect_error(
		"[daemon]\nimage = /x\n",
		"test.conf:2: [daemon] key 'image': unknown key (value '/x')");
	fix_expect_error(
		"name = x\n[daemon]\n",
		"test.conf:1: key 'name' is outside of any [section] (value 'x')");
	fix_expect_error(
		"[device]\n",
		"test.conf:1: section [device] needs a label: [device \"name\"]");
	fix_expect_error(
		"[device \"\"]\n",
		"test.conf:1: section [device] needs a label: [device \"name\"]");
	fix_expect_error(
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
		fix_expect_error(
			text,
			"test.conf:2: section header is not [type] or [type \"label\"] (type: a-z, 0-9, '-')");
	}
	fix_expect_error("[device \"a]\n",
			 "test.conf:1: section header has no closing quote");
	fix_expect_error(
		"[device \"a\\tb\"]\n",
		"test.conf:1: section header has an unknown escape (only \\\" and \\\\)");
	fix_expect_error(
		"[daemon]\nName = x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not 'Name = x'");
	fix_expect_error(
		"[daemon]\nname x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not 'name x'");
	fix_expect_error(
		"[daemon]\n= x\n",
		"test.conf:2: expected 'key = value' (key: a-z, 0-9, '-'), not '= x'");
	fix_expect_error(
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
	cfg = fix_load_ok(text);
	assert_int_equal(strlen(cfg_get_string(cfg_section(cfg, "daemon", NULL),
					       "name", NULL)),
			 CFG_LINE_MAX - 7);
	cfg_free(cfg);
	/* One more is an error, and the line is not taken. */
	memset(text + head, 'x', CFG_LINE_MAX - 6);
	strcpy(text + head + CFG_LINE_MAX - 6, "\nio-threads = 0\n");
	{
		struct cfg_errors errs;

		fix_load_bad(text, -EINVAL, &errs);
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

	fix_load_bad("[daemon]\n"
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
	fix_load_bad(text, -EINVAL, &errs);
	assert_int_equal(errs.count, CFG_ERRORS_MAX);
	assert_int_equal(errs.dropped, 5);
	assert_string_equal(
		errs.msg[0],
		"test.conf:2: [daemon] key 'bad0': unknown key (value '1')");
	assert_string_equal(
		errs.msg[CFG_ERRORS_MAX - 1],
		"test.conf:21: [daemon] key 'bad19': unknown key (value '1')");
	/* A new load starts with an empty list. */
	fix_expect_error(
		"[daemon]\nio-threads = 0\n",
		"test.conf:2: [daemon] key 'io-threads': value '0' is out of range (1..64)");
}

static void test_failed_reload_keeps_config(void **state)
{
	struct cfg *cfg = fix_load_ok("[daemon]\nio-threads = 4\n");
	struct cfg *cur = cfg;
	struct cfg_errors errs;

	assert_int_equal(cfg_load_string("test.conf",
					 "[daemon]\nio-threads = 8\nbad = 1\n",
					 &fix_schema, &cfg, &errs),
			 -EINVAL);
	assert_ptr_equal(cfg, cur);
	assert_int_equal(errs.count, 1);
	assert_int_equal(
		cfg_get_int(cfg_section(cfg, "daemon", NULL), "io-threads", 0),
		4);
	/* Without an error list too. */
	assert_int_equal(
		cfg_load_string("test.conf", "[x]\n", &fix_schema, &cfg, NULL),
		-EINVAL);
	assert_ptr_equal(cfg, cur);
	/* A good reload hands out a new config; the old one stays valid. */
	assert_int_equal(cfg_load_string("test.conf", "[daemon]\nio-threads=8",
					 &fix_schema, &cfg, &errs),
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

static void test_file(void **state)
{
	static const char text[] = "[device \"guest1/51712\"]\n"
				   "image = /srv/disk.img\n"
				   "readonly = maybe\n";
	char *path =
		fix_write_tmp(text, (size_t)(strstr(text, "readonly") - text));
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;
	char msg[CFG_ERROR_LEN];

	assert_int_equal(cfg_load_file(path, &fix_schema, &cfg, &errs), 0);
	unlink(path);
	assert_string_equal(cfg_name(cfg), path);
	assert_string_equal(
		cfg_get_string(cfg_section(cfg, "device", "guest1/51712"),
			       "image", NULL),
		"/srv/disk.img");
	cfg_free(cfg);
	free(path);

	path = fix_write_tmp(text, strlen(text));
	cfg = SENTINEL;
	assert_int_equal(cfg_load_file(path, &fix_schema, &cfg, &errs),
			 -EINVAL);
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

	assert_int_equal(cfg_load_file("/nonexistent/xvdm.conf", &fix_schema,
				       &cfg, &errs),
			 -ENOENT);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(
		errs.msg[0],
		"/nonexistent/xvdm.conf: cannot open: No such file or directory");
	assert_int_equal(cfg_load_file("/tmp", &fix_schema, &cfg, &errs),
			 -EISDIR);
	assert_ptr_equal(cfg, SENTINEL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "/tmp: cannot read: Is a directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_iteration),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_failed_reload_keeps_config),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
