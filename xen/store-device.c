// SPDX-License-Identifier: GPL-2.0-only
/*
 * One device's backend state, driven the way libxl expects it (read in
 * tools/libs/light/libxl_device.c and libxl_event.c):
 *  - it waits (10 s) for a disk's backend state to become exactly 2
 *    (InitWait, libxl__wait_device_connection); any other value keeps it
 *    waiting, only the node vanishing ends the wait early;
 *  - to remove a device it writes online = 0 and, unless the state is
 *    already 6, state = 5 (Closing) in one transaction, then waits (10 s)
 *    for 6 (Closed) before removing the directories itself;
 *  - it reads no error node from a backend (only hotplug scripts'
 *    hotplug-error). Ours goes in the device's backend directory, formatted
 *    as Linux's xenbus_dev_error() does ("<errno> <message>"), so that
 *    libxl's own cleanup of the directory removes it: nothing we write lives
 *    outside the directories libxl created.
 * A device we refuse or fail goes to Closed, so a later removal does not
 * wait for us.
 *
 * A device's nodes are read in one transaction, so it is never seen
 * half-written; our writes check, in a transaction, that the directory
 * still exists, because xs_write() would create it again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define TXN_TRIES 8 /* attempts at one transaction before giving up */

enum parse_want { PARSE_NEW, PARSE_ALWAYS };

/* Read by layout_parse() through read_node(), inside a transaction. */
struct reader {
	struct store *st;
	xs_transaction_t t;
	const char *dir;
	char *last;
	int err;
};

void store_dev_dir(const struct store *st, enum layout_kind kind,
		   unsigned domid, unsigned devid, char *buf)
{
	snprintf(buf, PATH_LEN, "%s/%u/%u", st->kind_dir[kind], domid, devid);
}

/* xs_read() of dir/name: NULL and errno ENOENT when absent. */
static char *read_at(struct store *st, xs_transaction_t t, const char *dir,
		     const char *name)
{
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_read(st->xs, t, path, NULL);
}

static const char *read_node(void *opaque, const char *name)
{
	struct reader *r = opaque;

	free(r->last);
	r->last = read_at(r->st, r->t, r->dir, name);
	if (!r->last && errno != ENOENT && !r->err)
		r->err = neg_errno();
	return r->last;
}

static int snapshot_once(struct store *st, xs_transaction_t t,
			 enum layout_kind kind, unsigned domid, unsigned devid,
			 enum parse_want want)
{
	struct snapshot *s = &st->snap;
	struct reader r = { .st = st, .t = t };
	char dir[PATH_LEN], *v;
	const char *node;

	store_dev_dir(st, kind, domid, devid, dir);
	r.dir = dir;
	s->exists = s->has_state = s->offline = false;
	s->parse_rc = 1;
	v = xs_read(st->xs, t, dir, NULL);
	if (!v)
		return errno == ENOENT ? 0 : neg_errno();
	free(v);
	s->exists = true;
	node = read_node(&r, "state");
	s->has_state = node && !layout_parse_state(node, &s->state);
	node = read_node(&r, "online");
	s->offline = node && !strcmp(node, "0");
	if (want == PARSE_ALWAYS || (want == PARSE_NEW && s->has_state &&
				     s->state == LAYOUT_STATE_INITIALISING))
		s->parse_rc =
			layout_parse(kind, st->self, domid, devid, read_node,
				     &r, &s->dev, s->err, sizeof(s->err));
	free(r.last);
	return r.err;
}

/* Reads a device's nodes into st->snap, consistently. */
static int snapshot(struct store *st, enum layout_kind kind, unsigned domid,
		    unsigned devid, enum parse_want want)
{
	xs_transaction_t t;
	unsigned tries;
	int rc;

	for (tries = 0; tries < TXN_TRIES; tries++) {
		t = xs_transaction_start(st->xs);
		if (t == XBT_NULL) {
			rc = neg_errno();
			log_err(&st->log, "xs_transaction_start: %s",
				strerror(-rc));
			return rc;
		}
		rc = snapshot_once(st, t, kind, domid, devid, want);
		if (rc) {
			log_err(&st->log, "xs_read under %s/%u/%u: %s",
				layout_kind_name(kind), domid, devid,
				strerror(-rc));
			(void)xs_transaction_end(st->xs, t, true);
			return rc;
		}
		if (xs_transaction_end(st->xs, t, false))
			return 0;
		if (errno != EAGAIN) {
			rc = neg_errno();
			log_err(&st->log, "xs_transaction_end: %s",
				strerror(-rc));
			return rc;
		}
	}
	log_err(&st->log, "%s/%u/%u kept changing (%u tries): left for now",
		layout_kind_name(kind), domid, devid, TXN_TRIES);
	return -EAGAIN;
}

/* One node to write: <dir>/<name> = value. */
struct node_value {
	const char *name;
	const char *value;
};

/* Writes the nodes in order, unless the directory is gone. */
static int write_once(struct store *st, xs_transaction_t t, const char *dir,
		      const struct node_value *nodes, unsigned n)
{
	char path[PATH_LEN], *v = xs_read(st->xs, t, dir, NULL);

	if (!v)
		return neg_errno();
	free(v);
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, nodes[i].name);
		if (!xs_write(st->xs, t, path, nodes[i].value,
			      (unsigned)strlen(nodes[i].value)))
			return neg_errno();
	}
	return 0;
}

/* write_once() in a transaction, retried while xenstored says EAGAIN. */
static int put_nodes(struct store *st, const char *dir,
		     const struct node_value *nodes, unsigned n)
{
	xs_transaction_t t;
	unsigned tries;
	int rc = -EAGAIN;

	for (tries = 0; rc == -EAGAIN && tries < TXN_TRIES; tries++) {
		t = xs_transaction_start(st->xs);
		if (t == XBT_NULL)
			return neg_errno();
		rc = write_once(st, t, dir, nodes, n);
		if (rc)
			(void)xs_transaction_end(st->xs, t, true);
		else if (!xs_transaction_end(st->xs, t, false))
			rc = neg_errno();
	}
	return rc;
}

int store_put_state(struct store *st, const struct log_src *log,
		    const char *dir, enum layout_state state, const char *error)
{
	char value[4];
	struct node_value nodes[2];
	unsigned n = 0;
	int rc;

	snprintf(value, sizeof(value), "%d", (int)state);
	if (error)
		nodes[n++] = (struct node_value){ "error", error };
	nodes[n++] = (struct node_value){ "state", value };
	rc = put_nodes(st, dir, nodes, n);
	/* The toolstack removed the device or the domain: nothing to say. */
	if (rc && rc != -ENOENT)
		log_err(log, "writing state %s: %s", value, strerror(-rc));
	return rc;
}

int store_device_publish(struct store *st, uint32_t domid, uint32_t devid,
			 const char *node, const char *value)
{
	char dir[PATH_LEN];
	struct node_value nv = { node, value };
	int rc = -ENOENT;

	for (unsigned i = 0; i < st->nr_devices; i++) {
		struct device *d = &st->devices[i];

		if (d->domid != domid || d->devid != devid)
			continue;
		store_dev_dir(st, d->kind, domid, devid, dir);
		rc = put_nodes(st, dir, &nv, 1);
		if (rc && rc != -ENOENT)
			log_err(&d->log, "writing %s: %s", node, strerror(-rc));
	}
	return rc;
}

struct device *store_find_device(struct store *st, enum layout_kind kind,
				 unsigned domid, unsigned devid)
{
	for (unsigned i = 0; i < st->nr_devices; i++) {
		struct device *d = &st->devices[i];

		if (d->kind == kind && d->domid == domid && d->devid == devid)
			return d;
	}
	return NULL;
}

void store_forget(struct store *st, struct device *d)
{
	*d = st->devices[--st->nr_devices];
}

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static void describe(const struct layout_device *dev, struct desc *out)
{
	*out = (struct desc){
		.base = dev->base,
		.target_hash = hash(dev->target),
		.irq = dev->irq,
		.device_id = dev->device_id,
		.grant_usage = dev->grant_usage,
		.readonly = dev->readonly,
		.discard = dev->discard,
		.cdrom = dev->cdrom,
	};
}

static bool same_desc(const struct desc *a, const struct desc *b)
{
	return a->base == b->base && a->target_hash == b->target_hash &&
	       a->irq == b->irq && a->device_id == b->device_id &&
	       a->grant_usage == b->grant_usage && a->readonly == b->readonly &&
	       a->discard == b->discard && a->cdrom == b->cdrom;
}

/* Moves a device we will not (or no longer) serve to Closed. */
static void fail(struct store *st, struct device *d, int rc, const char *msg)
{
	char dir[PATH_LEN], text[ERR_LEN + 16];

	store_dev_dir(st, d->kind, d->domid, d->devid, dir);
	snprintf(text, sizeof(text), "%d %s", -rc, msg);
	log_err(&d->log, "%s: closed", msg);
	d->phase = PHASE_CLOSED;
	(void)store_put_state(st, &d->log, dir, LAYOUT_STATE_CLOSED, text);
}

static struct device *add_device(struct store *st, enum layout_kind kind,
				 unsigned domid, unsigned devid)
{
	char name[32];
	struct device *d;

	if (st->nr_devices == MAX_DEVICES)
		return NULL;
	d = &st->devices[st->nr_devices++];
	*d = (struct device){ .kind = kind, .domid = domid, .devid = devid };
	snprintf(name, sizeof(name), "%s/%u", layout_kind_name(kind), devid);
	log_src_init(&d->log, st->p.logger, (int)domid, name);
	st->domains[domid / 64] |= 1ull << (domid % 64);
	return d;
}

/* A device in state Initialising: InitWait, attach, Connected. */
static void start_device(struct store *st, enum layout_kind kind,
			 unsigned domid, unsigned devid)
{
	struct snapshot *s = &st->snap;
	char dir[PATH_LEN], err[ERR_LEN] = "";
	struct device *d;
	int rc;

	if (s->parse_rc == -ENOENT || (!s->parse_rc && !s->dev.online))
		return; /* not complete yet, or already being removed */
	store_dev_dir(st, kind, domid, devid, dir);
	d = add_device(st, kind, domid, devid);
	if (!d) {
		snprintf(err, sizeof(err), "%d more than %u devices", ENOSPC,
			 MAX_DEVICES);
		log_err(&st->log, "%s: %s: refused", dir, err);
		(void)store_put_state(st, &st->log, dir, LAYOUT_STATE_CLOSED,
				      err);
		return;
	}
	if (s->parse_rc) {
		fail(st, d, s->parse_rc, s->err);
		return;
	}
	rc = st->p.ops->attach(st->p.opaque, &s->dev, err, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (rc) {
		if (!err[0])
			snprintf(err, sizeof(err), "attach: %s", strerror(-rc));
		fail(st, d, rc, err);
		return;
	}
	/*
	 * InitWait only once the device is served: libxl unpauses the guest
	 * when it reads it (libxl_device.c), and a device that cannot be
	 * served fails xl create instead of a guest's probe. Connected waits
	 * for the guest's driver (store_device_live()): libxl waits for
	 * exactly InitWait, and a Connected written right after it could be
	 * what libxl reads, leaving xl create to time out.
	 */
	if (store_put_state(st, &d->log, dir, LAYOUT_STATE_INIT_WAIT, NULL)) {
		/* Gone meanwhile: undo the attach. */
		st->p.ops->detach(st->p.opaque, domid, devid);
		store_forget(st, d);
		return;
	}
	d->phase = PHASE_ATTACHED;
	describe(&s->dev, &d->desc);
	log_info(&d->log, "attached: base %#llx, SPI %u",
		 (unsigned long long)s->dev.base, s->dev.irq);
}

void store_device_live(struct store *st, uint32_t domid, uint32_t devid)
{
	char dir[PATH_LEN];

	for (unsigned i = 0; i < st->nr_devices; i++) {
		struct device *d = &st->devices[i];

		if (d->domid != domid || d->devid != devid ||
		    d->phase != PHASE_ATTACHED || d->connected)
			continue;
		store_dev_dir(st, d->kind, domid, devid, dir);
		if (!store_put_state(st, &d->log, dir, LAYOUT_STATE_CONNECTED,
				     NULL))
			d->connected = true;
	}
}

static bool is_control(const char *node)
{
	return !node[0] || !strcmp(node, "state") || !strcmp(node, "online") ||
	       !strcmp(node, "error");
}

static void attached_event(struct store *st, struct device *d, const char *node)
{
	struct snapshot *s = &st->snap;
	char dir[PATH_LEN];
	struct desc now;

	if ((s->has_state && s->state == LAYOUT_STATE_CLOSING) || s->offline) {
		log_info(&d->log, "the toolstack closes it: detached");
		st->p.ops->detach(st->p.opaque, d->domid, d->devid);
		d->phase = PHASE_CLOSED;
		store_dev_dir(st, d->kind, d->domid, d->devid, dir);
		(void)store_put_state(st, &d->log, dir, LAYOUT_STATE_CLOSED,
				      NULL);
		return;
	}
	if (is_control(node) || d->warned)
		return;
	/* libxl's add fires one event per node: most replay what we saw. */
	if (!s->parse_rc) {
		describe(&s->dev, &now);
		if (same_desc(&now, &d->desc))
			return;
	}
	d->warned = true;
	log_warn(&d->log, "nodes changed after attach (seen at %s): ignored",
		 node);
}

void store_device_event(struct store *st, enum layout_kind kind, unsigned domid,
			unsigned devid, const char *node)
{
	struct snapshot *s = &st->snap;
	enum parse_want want;
	struct device *d;
	char dir[PATH_LEN];

	if (st->p.only_domid >= 0 && domid != (unsigned)st->p.only_domid)
		return;
	d = store_find_device(st, kind, domid, devid);
	/* An attached device is parsed again only to see what changed. */
	want = d && d->phase == PHASE_ATTACHED && !is_control(node) ?
		       PARSE_ALWAYS :
		       PARSE_NEW;
	if (snapshot(st, kind, domid, devid, want))
		return;
	if (!s->exists) {
		if (d && d->phase == PHASE_ATTACHED) {
			log_info(&d->log, "removed: detached");
			st->p.ops->detach(st->p.opaque, domid, devid);
		}
		if (d)
			store_forget(st, d);
		return;
	}
	if (d && d->phase == PHASE_ATTACHED) {
		attached_event(st, d, node);
		return;
	}
	if (!s->has_state)
		return;
	if (s->state == LAYOUT_STATE_CLOSING) {
		/* Refused, or not ours since a restart: nothing to undo. */
		store_dev_dir(st, kind, domid, devid, dir);
		(void)store_put_state(st, &st->log, dir, LAYOUT_STATE_CLOSED,
				      NULL);
		return;
	}
	if (s->state != LAYOUT_STATE_INITIALISING)
		return;
	/* Initialising again: the toolstack wrote the device anew. */
	if (d)
		store_forget(st, d);
	start_device(st, kind, domid, devid);
}
