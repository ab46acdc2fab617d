/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The config parser (src/cfg.c, src/cfg-value.c) fed files no one should
 * write: too big, binary, random.
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
	path = fix_write_tmp(text, len);
	assert_int_equal(cfg_load_file(path, &fix_schema, &cfg, &errs), -EFBIG);
	unlink(path);
	assert_ptr_equal(cfg, SENTINEL);
	snprintf(msg, sizeof(msg), "%s: is larger than 1048576 bytes", path);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], msg);
	fix_load_bad(text, -EFBIG, &errs);
	assert_string_equal(errs.msg[0],
			    "test.conf: is larger than 1048576 bytes");
	/* Exactly the limit is fine. */
	text[CFG_FILE_MAX] = '\0';
	cfg = fix_load_ok(text);
	cfg_free(cfg);
	free(path);
	free(text);
}

static void test_hostile_nul_and_control_bytes(void **state)
{
	static const char text[] = "[daemon]\nname = /ok\0/evil\ntap = a\x1b"
				   "b\n";
	char *path = fix_write_tmp(text, sizeof(text) - 1);
	struct cfg *cfg = SENTINEL;
	struct cfg_errors errs;
	char msg[CFG_ERROR_LEN];

	/* A NUL would silently cut "/ok\0/evil" to "/ok": refuse it. */
	assert_int_equal(cfg_load_file(path, &fix_schema, &cfg, &errs),
			 -EINVAL);
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
	fix_expect_error("[daemon]\nname = a\rb\n",
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
		rc = cfg_load_string("fuzz", text, &fix_schema, &cfg, &errs);
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
		cmocka_unit_test(test_hostile_file_too_big),
		cmocka_unit_test(test_hostile_nul_and_control_bytes),
		cmocka_unit_test(test_hostile_random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
