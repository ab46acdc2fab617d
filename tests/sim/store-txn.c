// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transactions as xenstored runs them: work on a private copy of the tree,
 * remember the generation of every node touched, and at commit fail with
 * EAGAIN if any of them changed meanwhile; otherwise replay the changes on
 * the live tree, which fires the watches they queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

struct access {
	char *path;
	uint64_t gen; /* 0: the node did not exist */
	struct access *next;
};

struct logged {
	struct op op;
	char *path;
	void *data;
	struct logged *next;
};

struct txn {
	uint32_t id;
	const void *owner;
	struct node *root;
	struct access *acc;
	struct logged *log, **tail;
	struct txn *next;
};

static struct txn *find(struct store *s, uint32_t id)
{
	struct txn *t;

	for (t = s->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void txn_free(struct txn *t)
{
	while (t->acc) {
		struct access *a = t->acc;

		t->acc = a->next;
		free(a->path);
		free(a);
	}
	while (t->log) {
		struct logged *l = t->log;

		t->log = l->next;
		free(l->path);
		free(l->data);
		free(l);
	}
	node_free(t->root);
	free(t);
}

static uint64_t gen_of(struct node *root, const char *path)
{
	struct node *n = node_lookup(root, path);

	return n ? n->gen : 0;
}

struct node *txn_root(struct store *s, uint32_t txn)
{
	struct txn *t = find(s, txn);

	return t ? t->root : NULL;
}

static int record(struct txn *t, const char *path, size_t len)
{
	struct access *a;

	for (a = t->acc; a; a = a->next)
		if (strlen(a->path) == len && !strncmp(a->path, path, len))
			return 0;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->path = strndup(path, len))) {
		free(a);
		return -ENOMEM;
	}
	a->gen = gen_of(t->root, a->path);
	a->next = t->acc;
	t->acc = a;
	return 0;
}

int txn_touch(struct store *s, uint32_t txn, const char *path, bool parent)
{
	struct txn *t = find(s, txn);
	size_t plen = strrchr(path, '/') - path;
	int rc;

	if (!t)
		return -ENOENT;
	rc = record(t, path, strlen(path));
	/* Creating or removing a child changes the parent's child list. */
	if (!rc && parent && strcmp(path, "/"))
		rc = record(t, plen ? path : "/", plen ? plen : 1);
	return rc;
}

int txn_log(struct store *s, uint32_t txn, const struct op *op)
{
	struct txn *t = find(s, txn);
	struct logged *l = calloc(1, sizeof(*l));

	if (!t || !l)
		goto nomem;
	l->op = *op;
	l->path = strdup(op->path);
	l->data = malloc(op->len ? op->len : 1);
	if (!l->path || !l->data)
		goto nomem;
	memcpy(l->data, op->data ? op->data : "", op->len);
	l->op.path = l->path;
	l->op.data = l->data;
	*t->tail = l;
	t->tail = &l->next;
	return 0;
nomem:
	if (l) {
		free(l->path);
		free(l->data);
	}
	free(l);
	return t ? -ENOMEM : -ENOENT;
}

int store_txn_start(struct store *s, const void *owner, uint32_t *txn)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->root = node_copy(s->root, NULL);
	if (!t->root) {
		free(t);
		return -ENOMEM;
	}
	t->owner = owner;
	t->tail = &t->log;
	do
		t->id = s->next_txn++;
	while (!t->id || find(s, t->id));
	t->next = s->txns;
	s->txns = t;
	*txn = t->id;
	return 0;
}

const void *store_txn_owner(struct store *s, uint32_t txn)
{
	struct txn *t = find(s, txn);

	return t ? t->owner : NULL;
}

static int commit(struct store *s, struct txn *t)
{
	struct access *a;
	struct logged *l;

	if (s->fail_commits) {
		s->fail_commits--;
		return -EAGAIN;
	}
	for (a = t->acc; a; a = a->next)
		if (gen_of(s->root, a->path) != a->gen)
			return -EAGAIN;
	/* Nothing it read changed: replaying gives the same result. */
	for (l = t->log; l; l = l->next)
		(void)op_apply(s, s->root, &l->op, true);
	return 0;
}

int store_txn_end(struct store *s, uint32_t txn, bool abort)
{
	struct txn **pp, *t;
	int rc = 0;

	for (pp = &s->txns; *pp && (*pp)->id != txn; pp = &(*pp)->next)
		;
	t = *pp;
	if (!t)
		return -ENOENT;
	*pp = t->next;
	if (!abort)
		rc = commit(s, t);
	txn_free(t);
	return rc;
}

void store_txn_abort_owner(struct store *s, const void *owner)
{
	struct txn **pp = &s->txns;

	while (*pp) {
		struct txn *t = *pp;

		if (t->owner == owner) {
			*pp = t->next;
			txn_free(t);
		} else {
			pp = &t->next;
		}
	}
}

void txn_free_all(struct store *s)
{
	while (s->txns) {
		struct txn *t = s->txns;

		s->txns = t->next;
		txn_free(t);
	}
}

void store_fail_commits(struct store *s, unsigned int n)
{
	s->fail_commits = n;
}
