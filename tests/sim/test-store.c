// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated xenstore's rules, against what xenstored does: path
 * syntax, which changes fire which watches (and in which order), and
 * transaction conflicts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store.h"

#define MAX_FIRES 16

struct fires {
	unsigned int n;
	char path[MAX_FIRES][64];
	bool exact[MAX_FIRES];
};

static void record(void *opaque, const char *path, bool exact)
{
	struct fires *f = opaque;

	assert_true(f->n < MAX_FIRES);
	strncpy(f->path[f->n], path, sizeof(f->path[0]) - 1);
	f->exact[f->n++] = exact;
}

struct ctx {
	struct store *s;
	struct fires f;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct store_fire fire = { record, NULL };

	assert_non_null(c);
	fire.opaque = &c->f;
	assert_int_equal(store_new(&fire, &c->s), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	store_free(c->s);
	free(c);
	return 0;
}

static void put(struct ctx *c, uint32_t txn, const char *path, const char *v)
{
	assert_int_equal(
		store_write(c->s, txn, path, v, (unsigned int)strlen(v)), 0);
}

static void expect(struct ctx *c, uint32_t txn, const char *path,
		   const char *want)
{
	unsigned int len;
	char *v;

	assert_int_equal(store_read(c->s, txn, path, &v, &len), 0);
	assert_string_equal(v, want);
	assert_int_equal(len, strlen(want));
	free(v);
}

static void test_canonical_paths(void **state)
{
	static const char *const bad[] = {
		"/a//b", "/a/", "", "/a b", "/a\\b", "a/", "@x",
	};
	unsigned int rel;
	char *p;
	size_t i;

	assert_int_equal(store_canonical("/a/b-c_d@e", 0, false, &p, &rel), 0);
	assert_string_equal(p, "/a/b-c_d@e");
	assert_int_equal(rel, 0);
	free(p);
	assert_int_equal(store_canonical("backend/x", 3, false, &p, &rel), 0);
	assert_string_equal(p, "/local/domain/3/backend/x");
	assert_int_equal(rel, strlen("/local/domain/3/"));
	free(p);
	assert_int_equal(store_canonical("/", 0, false, &p, &rel), 0);
	free(p);
	assert_int_equal(store_canonical("@releaseDomain", 0, true, &p, &rel),
			 0);
	free(p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(store_canonical(bad[i], 0, false, &p, &rel),
				 -EINVAL);
}

static void test_write_creates_parents(void **state)
{
	struct ctx *c = *state;
	unsigned int len, num;
	char *names;

	put(c, 0, "/a/b/c", "v");
	/* xenstored fires for the written node only. */
	assert_int_equal(c->f.n, 1);
	assert_string_equal(c->f.path[0], "/a/b/c");
	assert_false(c->f.exact[0]);
	expect(c, 0, "/a/b", "");
	assert_int_equal(store_directory(c->s, 0, "/a", &names, &len, &num), 0);
	assert_int_equal(num, 1);
	assert_string_equal(names, "b");
	free(names);
}

static void test_mkdir_existing_is_silent(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(store_mkdir(c->s, 0, "/d"), 0);
	assert_int_equal(store_mkdir(c->s, 0, "/d"), 0);
	assert_int_equal(c->f.n, 1);
}

static void test_rm_fires_children_exact_first(void **state)
{
	struct ctx *c = *state;
	unsigned int len;
	char *v;

	put(c, 0, "/a/x", "1");
	put(c, 0, "/a/y/z", "2");
	c->f.n = 0;
	assert_int_equal(store_rm(c->s, 0, "/a"), 0);
	assert_int_equal(c->f.n, 4);
	assert_string_equal(c->f.path[0], "/a/x");
	assert_true(c->f.exact[0]);
	assert_string_equal(c->f.path[1], "/a/y/z");
	assert_string_equal(c->f.path[2], "/a/y");
	assert_true(c->f.exact[2]);
	assert_string_equal(c->f.path[3], "/a");
	assert_false(c->f.exact[3]);
	assert_int_equal(store_read(c->s, 0, "/a/x", &v, &len), -ENOENT);
}

static void test_rm_missing(void **state)
{
	struct ctx *c = *state;

	put(c, 0, "/a", "1");
	/* do_rm(): fine when the parent exists */
	assert_int_equal(store_rm(c->s, 0, "/a/none"), 0);
	assert_int_equal(store_rm(c->s, 0, "/none/none"), -ENOENT);
	assert_int_equal(store_rm(c->s, 0, "/"), -EINVAL);
}

static void test_permissions_inherited(void **state)
{
	struct ctx *c = *state;
	struct xs_permissions set[2] = { { 0, XS_PERM_NONE },
					 { 5, XS_PERM_READ } };
	struct xs_permissions *got;
	unsigned int num;

	put(c, 0, "/p", "");
	assert_int_equal(store_set_perms(c->s, 0, "/p", set, 2), 0);
	put(c, 0, "/p/child", "");
	assert_int_equal(store_get_perms(c->s, 0, "/p/child", &got, &num), 0);
	assert_int_equal(num, 2);
	assert_int_equal(got[1].id, 5);
	free(got);
}

static void test_txn_isolated_until_commit(void **state)
{
	struct ctx *c = *state;
	uint32_t t;
	char *v;
	unsigned int len;
	int owner = 0;

	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	assert_ptr_equal(store_txn_owner(c->s, t), &owner);
	put(c, t, "/t/a", "1");
	assert_int_equal(c->f.n, 0); /* queued until commit */
	assert_int_equal(store_read(c->s, 0, "/t/a", &v, &len), -ENOENT);
	expect(c, t, "/t/a", "1");
	assert_int_equal(store_txn_end(c->s, t, false), 0);
	assert_int_equal(c->f.n, 1);
	expect(c, 0, "/t/a", "1");
	assert_null(store_txn_owner(c->s, t));
}

static void test_txn_conflict(void **state)
{
	struct ctx *c = *state;
	uint32_t t;
	int owner = 0;

	put(c, 0, "/k", "0");
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	expect(c, t, "/k", "0");
	put(c, 0, "/k", "other");
	put(c, t, "/k", "mine");
	assert_int_equal(store_txn_end(c->s, t, false), -EAGAIN);
	expect(c, 0, "/k", "other");
}

static void test_txn_sibling_created_conflicts(void **state)
{
	struct ctx *c = *state;
	uint32_t t;
	int owner = 0;

	put(c, 0, "/dir/a", "");
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	put(c, t, "/dir/b", "1");
	/* The parent's child list changed under the transaction. */
	put(c, 0, "/dir/c", "1");
	assert_int_equal(store_txn_end(c->s, t, false), -EAGAIN);
}

static void test_txn_unrelated_change_commits(void **state)
{
	struct ctx *c = *state;
	uint32_t t;
	int owner = 0;

	put(c, 0, "/x/a", "");
	put(c, 0, "/y/a", "");
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	put(c, t, "/x/a", "1");
	put(c, 0, "/y/a", "2");
	assert_int_equal(store_txn_end(c->s, t, false), 0);
	expect(c, 0, "/x/a", "1");
}

static void test_txn_forced_failures_and_abort(void **state)
{
	struct ctx *c = *state;
	uint32_t t;
	int owner = 0;

	store_fail_commits(c->s, 1);
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	put(c, t, "/f", "1");
	assert_int_equal(store_txn_end(c->s, t, false), -EAGAIN);
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	put(c, t, "/f", "1");
	assert_int_equal(store_txn_end(c->s, t, true), 0);
	assert_int_equal(store_txn_start(c->s, &owner, &t), 0);
	put(c, t, "/f", "2");
	store_txn_abort_owner(c->s, &owner);
	assert_int_equal(store_txn_end(c->s, t, false), -ENOENT);
	assert_int_equal(c->f.n, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_paths),
		T(test_write_creates_parents),
		T(test_mkdir_existing_is_silent),
		T(test_rm_fires_children_exact_first),
		T(test_rm_missing),
		T(test_permissions_inherited),
		T(test_txn_isolated_until_commit),
		T(test_txn_conflict),
		T(test_txn_sibling_created_conflicts),
		T(test_txn_unrelated_change_commits),
		T(test_txn_forced_failures_and_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
