// SPDX-License-Identifier: GPL-2.0-only
/*
 * The xenstore daemon's connection side: requests from xs_* handles go to
 * the store; watches are kept per connection and fire as xenstored's do
 * (once on registration, then on the node and its descendants, events
 * relative when the watch was); each queued event counts one on the
 * handle's eventfd, which is what xs_fileno() polls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "sim-host.h"

/* xenstored's is_child(): path is parent or below it. */
static bool is_child(const char *path, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return path[0] == '/';
	return !strncmp(path, parent, len) &&
	       (path[len] == '/' || path[len] == '\0');
}

static void queue_event(struct conn *c, const char *path, const char *token)
{
	struct xs_event *ev = calloc(1, sizeof(*ev));
	uint64_t one = 1;

	if (!ev || !(ev->path = strdup(path)) || !(ev->token = strdup(token))) {
		if (ev)
			free(ev->path);
		free(ev);
		return;
	}
	*c->events_tail = ev;
	c->events_tail = &ev->next;
	if (write(c->ev_fd, &one, sizeof(one)) != sizeof(one))
		return; /* 2^64 - 2 events queued: cannot happen */
}

static void fire(void *opaque, const char *path, bool exact)
{
	struct xensim *h = opaque;
	struct conn *c;
	struct xs_watch *w;

	for (c = h->conns; c; c = c->next) {
		if (c->kind != SIM_KIND_XS || c->released)
			continue;
		for (w = c->watches; w; w = w->next)
			if (exact ? !strcmp(path, w->path) :
				    is_child(path, w->path))
				queue_event(c, path + w->rel_prefix, w->token);
	}
	wake_all(h);
}

void xs_fire_special(struct xensim *h, const char *name)
{
	fire(h, name, true);
}

int xs_init(struct xensim *h)
{
	static const struct {
		const char *path, *value;
	} dom0[] = {
		{ "/local/domain/0/name", "Domain-0" },
		{ "/local/domain/0/domid", "0" },
	};
	struct store_fire f = { fire, h };
	unsigned int i;
	int rc = store_new(&f, &h->store);

	for (i = 0; !rc && i < ARRAY_SIZE(dom0); i++)
		rc = store_write(h->store, 0, dom0[i].path, dom0[i].value,
				 (unsigned int)strlen(dom0[i].value));
	return rc;
}

static void free_event(struct xs_event *ev)
{
	free(ev->path);
	free(ev->token);
	free(ev);
}

/* One event fewer: the eventfd counts them. */
static void uncount(struct conn *c)
{
	uint64_t v;

	if (read(c->ev_fd, &v, sizeof(v)) != sizeof(v))
		return; /* already zero */
}

int xs_op_watch(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
		struct reply *r)
{
	struct xs_req q;
	struct xs_watch *w, **pp;
	int rc = xs_req_parse(c, m, payload, "xs_watch", true, &q);

	if (!rc && !q.token)
		rc = -EINVAL;
	if (rc) {
		free(q.path);
		return rc;
	}
	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, q.path) && !strcmp(w->token, q.token))
			break;
	if (w) {
		free(q.path);
		return -EEXIST;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->token = strdup(q.token))) {
		free(w);
		free(q.path);
		return -ENOMEM;
	}
	w->path = q.path;
	w->rel_prefix = q.rel_prefix;
	/* Registration order is firing order (list_add_tail()). */
	for (pp = &c->watches; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	/* do_watch(): "We fire once up front". */
	queue_event(c, w->path + w->rel_prefix, w->token);
	return 0;
}

/* XS_UNWATCH_FILTER: drop queued events the removed watch produced. */
static void filter_events(struct conn *c, const char *given, const char *token)
{
	struct xs_event **pp = &c->events, *ev;

	while ((ev = *pp)) {
		if (!strcmp(ev->token, token) && is_child(ev->path, given)) {
			*pp = ev->next;
			free_event(ev);
			uncount(c);
		} else {
			pp = &ev->next;
		}
	}
	c->events_tail = pp;
}

int xs_op_unwatch(struct conn *c, const struct sim_msg *m,
		  const uint8_t *payload, struct reply *r)
{
	struct xs_req q;
	struct xs_watch **pp, *w;
	int rc = xs_req_parse(c, m, payload, "xs_unwatch", true, &q);

	if (!rc && !q.token)
		rc = -EINVAL;
	if (rc) {
		free(q.path);
		return rc;
	}
	rc = -ENOENT;
	for (pp = &c->watches; (w = *pp); pp = &w->next) {
		if (strcmp(w->path, q.path) || strcmp(w->token, q.token))
			continue;
		*pp = w->next;
		if (c->flags & XS_UNWATCH_FILTER)
			filter_events(c, q.given, w->token);
		free(w->path);
		free(w->token);
		free(w);
		rc = 0;
		break;
	}
	free(q.path);
	return rc;
}

int xs_op_watch_next(struct conn *c, const struct sim_msg *m,
		     const uint8_t *payload, struct reply *r)
{
	struct xs_event *ev = c->events;
	size_t plen, tlen;

	if (!ev)
		return -EAGAIN;
	plen = strlen(ev->path) + 1;
	tlen = strlen(ev->token) + 1;
	if (plen + tlen > SIM_PAYLOAD_MAX)
		return -E2BIG;
	memcpy(r->payload, ev->path, plen);
	memcpy(r->payload + plen, ev->token, tlen);
	r->m.len = (uint32_t)(plen + tlen);
	c->events = ev->next;
	if (!c->events)
		c->events_tail = &c->events;
	free_event(ev);
	uncount(c);
	return 0;
}

void xs_release(struct conn *c)
{
	while (c->watches) {
		struct xs_watch *w = c->watches;

		c->watches = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	while (c->events) {
		struct xs_event *ev = c->events;

		c->events = ev->next;
		free_event(ev);
	}
	c->events_tail = &c->events;
	store_txn_abort_owner(c->h->store, c);
}

int xensim_xs_write(struct xensim *h, const char *path, const char *value)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = store_write(h->store, 0, path, value, (unsigned int)strlen(value));
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int xensim_xs_read(struct xensim *h, const char *path, char **value)
{
	unsigned int len;
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = store_read(h->store, 0, path, value, &len);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int xensim_xs_rm(struct xensim *h, const char *path)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = store_rm(h->store, 0, path);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

struct xs_wait {
	const char *path, *value;
};

static bool has_value(struct xensim *h, const void *arg)
{
	const struct xs_wait *w = arg;
	unsigned int len;
	char *v;
	bool ok = !store_read(h->store, 0, w->path, &v, &len) &&
		  (!w->value || !strcmp(v, w->value));

	free(v);
	return ok;
}

int xensim_xs_wait(struct xensim *h, const char *path, const char *value,
		   unsigned int timeout_ms)
{
	struct xs_wait w = { path, value };
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = wait_until(h, has_value, &w, timeout_ms);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void xensim_xs_fail_commits(struct xensim *h, unsigned int n)
{
	pthread_mutex_lock(&h->lock);
	store_fail_commits(h->store, n);
	pthread_mutex_unlock(&h->lock);
}
