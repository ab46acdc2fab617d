/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the config parser's tests (test-cfg*.c): one schema with a key
 * of every type, and helpers that load text and check the outcome.
 */
#ifndef XVDM_TESTS_CFG_FIXTURE_H
#define XVDM_TESTS_CFG_FIXTURE_H

#include <stddef.h>

#include "cfg.h"

/* What a failed load must leave in *out: the caller's previous config. */
#define SENTINEL ((struct cfg *)0x5a5a)

/*
 * [daemon]: log-level (choice), io-threads (int 1..64), offset (int),
 * name (string), tap (string of 1..15); [device "label"]: image (path),
 * socket (path of 2..107), readonly (bool), cache (size), seg-max (size
 * 512..1M), serial (string).
 */
extern const struct cfg_schema fix_schema;

/* Loads text as "test.conf", which must succeed; returns the config. */
struct cfg *fix_load_ok(const char *text);
/* Loads text that must fail; returns the errors, checks *out untouched. */
void fix_load_bad(const char *text, int want_rc, struct cfg_errors *errs);
/* text must fail with exactly one error, msg. */
void fix_expect_error(const char *text, const char *msg);
/* Writes len bytes to a new temporary file; returns its path (free it). */
char *fix_write_tmp(const char *data, size_t len);

#endif
