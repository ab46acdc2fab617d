// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "store-int.h"

/* xenstored's limits (xen/include/public/io/xs_wire.h). */
#define ABS_PATH_MAX 3072
#define REL_PATH_MAX 2048
#define LOCAL_PREFIX "/local/domain/"

static bool valid_chars(const char *p)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";

	return strspn(p, ok) == strlen(p);
}

int store_canonical(const char *path, uint32_t domid, bool allow_special,
		    char **out, unsigned int *rel_prefix)
{
	size_t n = path ? strlen(path) : 0;
	char *abs;
	int r;

	*out = NULL;
	if (!path || !valid_chars(path) || (path[0] == '@' && !allow_special))
		return -EINVAL;
	if (path[0] == '/' || path[0] == '@') {
		if (n > ABS_PATH_MAX)
			return -EINVAL;
		abs = strdup(path);
		*rel_prefix = 0;
	} else {
		if (n > REL_PATH_MAX)
			return -EINVAL;
		r = asprintf(&abs, LOCAL_PREFIX "%u/%s", domid, path);
		if (r < 0)
			return -ENOMEM;
		*rel_prefix = (unsigned int)r - (unsigned int)n;
	}
	if (!abs)
		return -ENOMEM;
	n = strlen(abs);
	/* No trailing '/' (but "/" itself), no empty component. */
	if ((n > 1 && abs[n - 1] == '/') || strstr(abs, "//")) {
		free(abs);
		return -EINVAL;
	}
	*out = abs;
	return 0;
}

/* A copy of len bytes and a NUL (values are read as strings). */
static void *dup_bytes(const void *src, size_t len)
{
	char *v = malloc(len + 1);

	if (v) {
		memcpy(v, src, len);
		v[len] = '\0';
	}
	return v;
}

static struct node *find_child(struct node *n, const char *name, size_t len)
{
	struct node *c;

	for (c = n->child; c; c = c->next)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

struct node *node_lookup(struct node *root, const char *path)
{
	struct node *n = root;
	const char *p = path + 1;

	if (path[0] != '/')
		return NULL; /* '@' names are never nodes */
	while (n && *p) {
		size_t len = strcspn(p, "/");

		n = find_child(n, p, len);
		p += len + (p[len] == '/');
	}
	return n;
}

void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;

		node_free(n->child);
		free(n->name);
		free(n->value);
		free(n->perms);
		free(n);
		n = next;
	}
}

static struct node *node_new(const char *name, size_t len,
			     const struct node *perms_from)
{
	struct node *n = calloc(1, sizeof(*n));
	size_t pbytes = perms_from ? perms_from->nperms * sizeof(*n->perms) : 0;

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	n->value = calloc(1, 1);
	n->perms = malloc(pbytes ? pbytes : sizeof(*n->perms));
	if (!n->name || !n->value || !n->perms) {
		node_free(n);
		return NULL;
	}
	if (pbytes)
		memcpy(n->perms, perms_from->perms, pbytes);
	n->nperms = perms_from ? perms_from->nperms : 0;
	return n;
}

struct node *node_copy(const struct node *n, struct node *parent)
{
	struct node *c = node_new(n->name, strlen(n->name), n);
	const struct node *k;
	struct node **tail;
	char *v = dup_bytes(n->value, n->len);

	if (!c || !v) {
		free(v);
		node_free(c);
		return NULL;
	}
	free(c->value);
	c->value = v;
	c->len = n->len;
	c->gen = n->gen;
	c->parent = parent;
	tail = &c->child;
	for (k = n->child; k; k = k->next) {
		*tail = node_copy(k, c);
		if (!*tail) {
			node_free(c);
			return NULL;
		}
		tail = &(*tail)->next;
	}
	return c;
}

static void touch(struct store *s, struct node *n)
{
	n->gen = ++s->gen;
}

/* Finds path, creating missing nodes (with their parent's permissions). */
static int create(struct store *s, struct node *root, const char *path,
		  struct node **out, bool *created)
{
	struct node *n = root;
	const char *p = path + 1;

	*created = false;
	while (*p) {
		size_t len = strcspn(p, "/");
		struct node *c = find_child(n, p, len);

		if (!c) {
			struct node **tail = &n->child;

			c = node_new(p, len, n);
			if (!c)
				return -ENOMEM;
			while (*tail)
				tail = &(*tail)->next;
			*tail = c;
			c->parent = n;
			touch(s, n);
			touch(s, c);
			*created = true;
		}
		n = c;
		p += len + (p[len] == '/');
	}
	*out = n;
	return 0;
}

/* Removes n's subtree, firing as xenstored's delnode_sub() does. */
static void rm_fire(struct store *s, struct node *n, char *path, size_t cap,
		    bool top)
{
	size_t len = strlen(path);
	struct node *c;

	for (c = n->child; c; c = c->next) {
		snprintf(path + len, cap - len, "%s%s", len > 1 ? "/" : "",
			 c->name);
		rm_fire(s, c, path, cap, false);
		path[len] = '\0';
	}
	s->fire.fn(s->fire.opaque, path, !top);
}

static int apply_rm(struct store *s, struct node *root, const char *path,
		    bool live)
{
	struct node *n = node_lookup(root, path), **pp;
	char buf[ABS_PATH_MAX * 2];

	if (!strcmp(path, "/"))
		return -EINVAL;
	if (!n) {
		/* do_rm(): a missing node is fine if its parent exists. */
		char *parent = strdup(path);
		int rc = -ENOENT;

		if (!parent)
			return -ENOMEM;
		*strrchr(parent, '/') = '\0';
		if (node_lookup(root, parent[0] ? parent : "/"))
			rc = 0;
		free(parent);
		return rc;
	}
	if (live) {
		snprintf(buf, sizeof(buf), "%s", path);
		rm_fire(s, n, buf, sizeof(buf), true);
	}
	for (pp = &n->parent->child; *pp != n; pp = &(*pp)->next)
		;
	*pp = n->next;
	n->next = NULL;
	touch(s, n->parent);
	node_free(n);
	return 0;
}

int op_apply(struct store *s, struct node *root, const struct op *op, bool live)
{
	struct node *n;
	bool created;
	int rc;

	if (op->kind == OP_RM)
		return apply_rm(s, root, op->path, live);
	if (op->kind == OP_PERMS) {
		struct xs_permissions *p;

		n = node_lookup(root, op->path);
		if (!n)
			return -ENOENT;
		p = dup_bytes(op->data, op->len);
		if (!p)
			return -ENOMEM;
		free(n->perms);
		n->perms = p;
		n->nperms = op->len / (unsigned int)sizeof(*p);
	} else {
		rc = create(s, root, op->path, &n, &created);
		if (rc)
			return rc;
		if (op->kind == OP_MKDIR && !created)
			return 0; /* do_mkdir(): exists already, no event */
		if (op->kind == OP_WRITE) {
			char *v = dup_bytes(op->data, op->len);

			if (!v)
				return -ENOMEM;
			free(n->value);
			n->value = v;
			n->len = op->len;
		}
	}
	touch(s, n);
	if (live)
		s->fire.fn(s->fire.opaque, op->path, false);
	return 0;
}

/* The tree an access works on, remembering what it touched. */
static int view(struct store *s, uint32_t txn, const char *path, bool parent,
		struct node **root)
{
	if (path[0] != '/')
		return -EINVAL; /* '@' names only exist for watches */
	if (!txn) {
		*root = s->root;
		return 0;
	}
	*root = txn_root(s, txn);
	if (!*root)
		return -ENOENT; /* xenstored: unknown transaction id */
	return txn_touch(s, txn, path, parent);
}

static int modify(struct store *s, uint32_t txn, const struct op *op)
{
	struct node *root;
	int rc = view(s, txn, op->path, true, &root);

	if (rc)
		return rc;
	rc = op_apply(s, root, op, !txn);
	if (!rc && txn)
		rc = txn_log(s, txn, op);
	return rc;
}

int store_write(struct store *s, uint32_t txn, const char *path,
		const void *value, unsigned int len)
{
	struct op op = { OP_WRITE, path, value, len };

	return modify(s, txn, &op);
}

int store_mkdir(struct store *s, uint32_t txn, const char *path)
{
	struct op op = { OP_MKDIR, path, NULL, 0 };

	return modify(s, txn, &op);
}

int store_rm(struct store *s, uint32_t txn, const char *path)
{
	struct op op = { OP_RM, path, NULL, 0 };

	return modify(s, txn, &op);
}

int store_set_perms(struct store *s, uint32_t txn, const char *path,
		    const struct xs_permissions *perms, unsigned int num)
{
	struct op op = { OP_PERMS, path, perms, num * sizeof(*perms) };

	if (!num)
		return -EINVAL;
	return modify(s, txn, &op);
}

static int lookup(struct store *s, uint32_t txn, const char *path,
		  struct node **n)
{
	struct node *root;
	int rc = view(s, txn, path, false, &root);

	if (rc)
		return rc;
	*n = node_lookup(root, path);
	return *n ? 0 : -ENOENT;
}

int store_read(struct store *s, uint32_t txn, const char *path, char **value,
	       unsigned int *len)
{
	struct node *n;
	int rc = lookup(s, txn, path, &n);

	*value = NULL;
	*len = 0;
	if (rc)
		return rc;
	*value = dup_bytes(n->value, n->len);
	if (!*value)
		return -ENOMEM;
	*len = n->len;
	return 0;
}

int store_directory(struct store *s, uint32_t txn, const char *path,
		    char **names, unsigned int *len, unsigned int *num)
{
	struct node *n, *c;
	size_t total = 0;
	char *p;
	int rc = lookup(s, txn, path, &n);

	*names = NULL;
	*len = *num = 0;
	if (rc)
		return rc;
	for (c = n->child; c; c = c->next)
		total += strlen(c->name) + 1;
	*names = p = malloc(total + 1);
	if (!p)
		return -ENOMEM;
	for (c = n->child; c; c = c->next, ++*num)
		p = stpcpy(p, c->name) + 1;
	*len = (unsigned int)total;
	return 0;
}

int store_get_perms(struct store *s, uint32_t txn, const char *path,
		    struct xs_permissions **perms, unsigned int *num)
{
	struct node *n;
	int rc = lookup(s, txn, path, &n);

	*perms = NULL;
	*num = 0;
	if (rc)
		return rc;
	*perms = dup_bytes(n->perms, n->nperms * sizeof(**perms));
	if (!*perms)
		return -ENOMEM;
	*num = n->nperms;
	return 0;
}

int store_new(const struct store_fire *fire, struct store **out)
{
	/* xenstored's initial tree: "/" owned by dom0, no access for others */
	static const struct xs_permissions root_perm = { 0, XS_PERM_NONE };
	struct store *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->fire = *fire;
	s->next_txn = 1;
	s->root = node_new("", 0, NULL);
	if (!s->root) {
		store_free(s);
		return -ENOMEM;
	}
	s->root->perms[0] = root_perm;
	s->root->nperms = 1;
	*out = s;
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	txn_free_all(s);
	node_free(s->root);
	free(s);
}
