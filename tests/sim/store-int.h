/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by store.c (the tree) and store-txn.c (transactions). */
#ifndef XENSIM_STORE_INT_H
#define XENSIM_STORE_INT_H

#include "store.h"

struct node {
	char *name; /* one path component; "" for the root */
	char *value;
	unsigned int len;
	struct xs_permissions *perms;
	unsigned int nperms;
	/* store->gen when this node, its value, perms or children changed */
	uint64_t gen;
	struct node *parent, *child, *next; /* children in creation order */
};

struct txn;

struct store {
	struct node *root;
	uint64_t gen;
	struct txn *txns;
	uint32_t next_txn;
	unsigned int fail_commits;
	struct store_fire fire;
};

enum op_kind { OP_WRITE, OP_MKDIR, OP_RM, OP_PERMS };

/* One modification, applied to the live tree or a transaction's copy. */
struct op {
	enum op_kind kind;
	const char *path;
	const void *data; /* value, or struct xs_permissions[] */
	unsigned int len; /* bytes of data */
};

struct node *node_lookup(struct node *root, const char *path);
/* Deep copy (generations included); NULL when out of memory. */
struct node *node_copy(const struct node *n, struct node *parent);
void node_free(struct node *n);
/* Applies op to the tree at root; fires watches when live. */
int op_apply(struct store *s, struct node *root, const struct op *op,
	     bool live);

/* The transaction's tree, or NULL when txn is unknown. */
struct node *txn_root(struct store *s, uint32_t txn);
/*
 * Remembers the generation of path (and of its parent when `parent`) at
 * first touch, so that commit can tell whether someone else changed it.
 */
int txn_touch(struct store *s, uint32_t txn, const char *path, bool parent);
/* Appends an applied op to the transaction's replay log. */
int txn_log(struct store *s, uint32_t txn, const struct op *op);
void txn_free_all(struct store *s);

#endif
