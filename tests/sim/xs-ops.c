// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xenstore requests on nodes (read, write, mkdir, rm, directory,
 * permissions, transactions): decode, check the path as xenstored would,
 * hand to the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-host.h"

#define PAYLOAD_MAX 4096 /* XENSTORE_PAYLOAD_MAX */
#define SELF_DOMID 0	 /* every client runs in dom0 */

int xs_req_parse(struct conn *c, const struct sim_msg *m,
		 const uint8_t *payload, const char *what, bool special,
		 struct xs_req *q)
{
	const uint8_t *nul = memchr(payload, '\0', m->len);
	int rc;

	memset(q, 0, sizeof(*q));
	q->txn = (uint32_t)m->arg[0];
	/* A transaction belongs to the connection that started it. */
	if (q->txn && store_txn_owner(c->h->store, q->txn) != c)
		return -ENOENT;
	if (!nul) {
		misuse(c->h, XENSIM_MISUSE_PROTOCOL, "%s: no path", what);
		return -EPROTO;
	}
	q->given = (const char *)payload;
	rc = store_canonical(q->given, SELF_DOMID, special, &q->path,
			     &q->rel_prefix);
	if (rc == -EINVAL)
		misuse(c->h, XENSIM_MISUSE_BAD_PATH,
		       "%s(\"%s\"): xenstored refuses this path", what,
		       q->given);
	q->rest = nul + 1;
	q->rest_len = m->len - (size_t)(nul + 1 - payload);
	if (memchr(q->rest, '\0', q->rest_len))
		q->token = (const char *)q->rest;
	return rc;
}

int xs_op_read(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	       struct reply *r)
{
	struct xs_req q;
	unsigned int len;
	char *value = NULL;
	int rc = xs_req_parse(c, m, payload, "xs_read", false, &q);

	if (!rc)
		rc = store_read(c->h->store, q.txn, q.path, &value, &len);
	if (!rc) {
		memcpy(r->payload, value, len);
		r->m.len = len;
	}
	free(value);
	free(q.path);
	return rc;
}

int xs_op_write(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
		struct reply *r)
{
	struct xs_req q;
	int rc = xs_req_parse(c, m, payload, "xs_write", false, &q);

	if (!rc && q.rest_len > PAYLOAD_MAX)
		rc = -E2BIG;
	if (!rc)
		rc = store_write(c->h->store, q.txn, q.path, q.rest,
				 (unsigned int)q.rest_len);
	free(q.path);
	return rc;
}

int xs_op_mkdir(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
		struct reply *r)
{
	struct xs_req q;
	int rc = xs_req_parse(c, m, payload, "xs_mkdir", false, &q);

	if (!rc)
		rc = store_mkdir(c->h->store, q.txn, q.path);
	free(q.path);
	return rc;
}

int xs_op_rm(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	     struct reply *r)
{
	struct xs_req q;
	int rc = xs_req_parse(c, m, payload, "xs_rm", false, &q);

	if (!rc)
		rc = store_rm(c->h->store, q.txn, q.path);
	free(q.path);
	return rc;
}

int xs_op_directory(struct conn *c, const struct sim_msg *m,
		    const uint8_t *payload, struct reply *r)
{
	struct xs_req q;
	unsigned int len, num;
	char *names = NULL;
	int rc = xs_req_parse(c, m, payload, "xs_directory", false, &q);

	if (!rc)
		rc = store_directory(c->h->store, q.txn, q.path, &names, &len,
				     &num);
	if (!rc && len > SIM_PAYLOAD_MAX)
		rc = -E2BIG;
	if (!rc) {
		memcpy(r->payload, names, len);
		r->m.len = len;
	}
	free(names);
	free(q.path);
	return rc;
}

int xs_op_get_perms(struct conn *c, const struct sim_msg *m,
		    const uint8_t *payload, struct reply *r)
{
	struct xs_req q;
	struct xs_permissions *perms = NULL;
	unsigned int num;
	int rc = xs_req_parse(c, m, payload, "xs_get_permissions", false, &q);

	if (!rc)
		rc = store_get_perms(c->h->store, q.txn, q.path, &perms, &num);
	if (!rc && num * sizeof(*perms) > SIM_PAYLOAD_MAX)
		rc = -E2BIG;
	if (!rc) {
		memcpy(r->payload, perms, num * sizeof(*perms));
		r->m.len = (uint32_t)(num * sizeof(*perms));
	}
	free(perms);
	free(q.path);
	return rc;
}

int xs_op_set_perms(struct conn *c, const struct sim_msg *m,
		    const uint8_t *payload, struct reply *r)
{
	struct xs_req q;
	struct xs_permissions *perms = NULL;
	size_t num = 0;
	int rc = xs_req_parse(c, m, payload, "xs_set_permissions", false, &q);

	if (!rc) {
		num = q.rest_len / sizeof(*perms);
		if (!num || q.rest_len % sizeof(*perms))
			rc = -EINVAL;
	}
	/* The payload is not aligned for struct xs_permissions. */
	if (!rc && !(perms = malloc(q.rest_len)))
		rc = -ENOMEM;
	if (!rc) {
		memcpy(perms, q.rest, q.rest_len);
		rc = store_set_perms(c->h->store, q.txn, q.path, perms,
				     (unsigned int)num);
	}
	free(perms);
	free(q.path);
	return rc;
}

int xs_op_txn_start(struct conn *c, const struct sim_msg *m,
		    const uint8_t *payload, struct reply *r)
{
	uint32_t txn;
	int rc = store_txn_start(c->h->store, c, &txn);

	r->m.arg[0] = txn;
	return rc;
}

int xs_op_txn_end(struct conn *c, const struct sim_msg *m,
		  const uint8_t *payload, struct reply *r)
{
	uint32_t txn = (uint32_t)m->arg[0];

	if (!txn || store_txn_owner(c->h->store, txn) != c)
		return -ENOENT;
	return store_txn_end(c->h->store, txn, m->arg[1] != 0);
}

int xs_op_introduced(struct conn *c, const struct sim_msg *m,
		     const uint8_t *payload, struct reply *r)
{
	struct domain *d = dom_find(c->h, m->dom);

	r->m.arg[0] = m->dom == SELF_DOMID || (d && !d->dead);
	return 0;
}
