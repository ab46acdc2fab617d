/* SPDX-License-Identifier: GPL-2.0-only */
/* The schema and load helpers shared by the config parser's tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg-fixture.h"

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

const struct cfg_schema fix_schema = {
	.sections = sections,
	.n_sections = sizeof(sections) / sizeof(sections[0]),
	.keys = keys,
	.n_keys = sizeof(keys) / sizeof(keys[0]),
};

struct cfg *fix_load_ok(const char *text)
{
	struct cfg_errors errs;
	struct cfg *cfg = NULL;
	int rc = cfg_load_string("test.conf", text, &fix_schema, &cfg, &errs);

	if (rc)
		print_error("unexpected: %s\n", errs.count ? errs.msg[0] : "-");
	assert_int_equal(rc, 0);
	assert_int_equal(errs.count, 0);
	assert_non_null(cfg);
	return cfg;
}

/* Loads text that must fail; returns the errors, checks *out untouched. */
void fix_load_bad(const char *text, int want_rc, struct cfg_errors *errs)
{
	struct cfg *cfg = SENTINEL;

	assert_int_equal(
		cfg_load_string("test.conf", text, &fix_schema, &cfg, errs),
		want_rc);
	assert_ptr_equal(cfg, SENTINEL);
	assert_true(errs->count > 0);
}

/* text must fail with exactly one error, msg. */
void fix_expect_error(const char *text, const char *msg)
{
	struct cfg_errors errs;

	fix_load_bad(text, -EINVAL, &errs);
	for (unsigned i = 0; errs.count != 1 && i < errs.count; i++)
		print_message("  error %u: %s\n", i, errs.msg[i]);
	assert_int_equal(errs.count, 1);
	assert_int_equal(errs.dropped, 0);
	assert_string_equal(errs.msg[0], msg);
}

/* Writes len bytes to a new temporary file; returns its path (free it). */
char *fix_write_tmp(const char *data, size_t len)
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
