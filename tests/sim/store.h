/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated xenstore database: a tree of nodes with values and
 * permissions, transactions, and the watch-firing rules of xenstored
 * (tools/xenstored/core.c, watch.c). Pure logic: no sockets, no locks (the
 * harness lock covers it). Who watches what is the caller's business: the
 * store reports each change through `fire`.
 *
 * Paths given to store_* are canonical (see store_canonical). Transaction 0
 * is "no transaction".
 */
#ifndef XENSIM_STORE_H
#define XENSIM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenstore_lib.h>

/*
 * A change: watches on `path` fire; unless `exact`, so do watches on any
 * ancestor of it (xenstored's MATCH_EXACT / MATCH_SUBTREE).
 */
struct store_fire {
	void (*fn)(void *opaque, const char *path, bool exact);
	void *opaque;
};

struct store;

int store_new(const struct store_fire *fire, struct store **out);
void store_free(struct store *s);

/*
 * xenstored's canonicalize(): relative paths are relative to
 * /local/domain/<domid>; '@' names only where allow_special (watches);
 * characters [A-Za-z0-9-/_@] only, no "//", no trailing '/', bounded
 * length. *out is malloc'd; *rel_prefix is how many leading bytes a
 * relative path gained (watch events strip them again). -EINVAL if invalid.
 */
int store_canonical(const char *path, uint32_t domid, bool allow_special,
		    char **out, unsigned int *rel_prefix);

/* *value is malloc'd with a NUL after its *len bytes. */
int store_read(struct store *s, uint32_t txn, const char *path, char **value,
	       unsigned int *len);
int store_write(struct store *s, uint32_t txn, const char *path,
		const void *value, unsigned int len);
int store_mkdir(struct store *s, uint32_t txn, const char *path);
int store_rm(struct store *s, uint32_t txn, const char *path);
/* *names: malloc'd, each child name NUL-terminated, *len bytes in all. */
int store_directory(struct store *s, uint32_t txn, const char *path,
		    char **names, unsigned int *len, unsigned int *num);
int store_get_perms(struct store *s, uint32_t txn, const char *path,
		    struct xs_permissions **perms, unsigned int *num);
int store_set_perms(struct store *s, uint32_t txn, const char *path,
		    const struct xs_permissions *perms, unsigned int num);

/* owner: whoever may use the transaction (a client connection). */
int store_txn_start(struct store *s, const void *owner, uint32_t *txn);
/* NULL when txn is unknown. */
const void *store_txn_owner(struct store *s, uint32_t txn);
/* Aborts every transaction of owner (its connection went away). */
void store_txn_abort_owner(struct store *s, const void *owner);
/*
 * Commits (fires the queued watches) or aborts. -EAGAIN when a node the
 * transaction touched changed meanwhile: nothing is applied.
 */
int store_txn_end(struct store *s, uint32_t txn, bool abort);
/* The next n commits fail with -EAGAIN. */
void store_fail_commits(struct store *s, unsigned int n);

#endif
