// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interdomain event channels between a guest's vp_eports and the backend's
 * (dom0's) port space, delivered like Linux's /dev/xen/evtchn: a port that
 * fires is queued once on the handle's fd and then masked until the handle
 * unmasks it; what fires meanwhile stays pending and comes on unmask.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sim-host.h"

static struct binding *find_local(struct conn *c, evtchn_port_t port)
{
	struct binding *b;

	for (b = c->h->bindings; b; b = b->next)
		if (b->conn == c && b->local == port)
			return b;
	return NULL;
}

static struct binding *find_remote(struct xensim *h, uint32_t domid,
				   evtchn_port_t port)
{
	struct binding *b;

	for (b = h->bindings; b; b = b->next)
		if (!b->remote_closed && b->domid == domid && b->remote == port)
			return b;
	return NULL;
}

bool evtchn_is_bound(struct xensim *h, uint32_t domid, evtchn_port_t port)
{
	return find_remote(h, domid, port) != NULL;
}

static void deliver(struct binding *b)
{
	uint32_t port = b->local;

	if (b->masked) {
		b->pending = true;
		return;
	}
	b->masked = true;
	/* At most one message per bound port is queued: never blocks. */
	(void)send(b->conn->ev_fd, &port, sizeof(port),
		   MSG_DONTWAIT | MSG_NOSIGNAL);
}

void evtchn_raise(struct xensim *h, struct domain *d, evtchn_port_t port)
{
	struct binding *b = find_remote(h, d->domid, port);

	/* An unbound port: the event is lost, the vCPU will wait. */
	if (b)
		deliver(b);
}

void evtchn_close_remote(struct xensim *h, uint32_t domid, evtchn_port_t port)
{
	struct binding *b = find_remote(h, domid, port);

	/* Xen: the local end stays allocated; notifications are dropped. */
	if (b)
		b->remote_closed = true;
}

static void unlink_binding(struct xensim *h, struct binding *b)
{
	struct binding **pp;

	for (pp = &h->bindings; *pp != b; pp = &(*pp)->next)
		;
	*pp = b->next;
	free(b);
}

static bool has_disabled_server(const struct domain *d)
{
	unsigned int i;

	for (i = 0; i < MAX_SERVERS; i++)
		if (d->srv[i] && !d->srv[i]->enabled)
			return true;
	return false;
}

int ev_bind(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	    struct reply *r)
{
	evtchn_port_t rport = (evtchn_port_t)m->arg[0];
	struct domain *d;
	struct server *s;
	struct binding *b;
	unsigned int vcpu;
	int rc = dom_for_call(c, m->dom, &d);

	if (rc)
		return rc;
	s = server_by_port(d, rport, &vcpu);
	if (!s && rport == 0 && has_disabled_server(d)) {
		/* The page holds 0 until ioreq_server_enable() fills it. */
		misuse(c->h, XENSIM_MISUSE_BIND_BEFORE_ENABLE,
		       "bind to dom%u port 0: vp_eport was read before "
		       "set_ioreq_server_state(1) published it",
		       d->domid);
		return -EINVAL;
	}
	if (!s || find_remote(c->h, d->domid, rport)) {
		/* evtchn_bind_interdomain(): not an unbound port for us. */
		misuse(c->h, XENSIM_MISUSE_BAD_PORT,
		       "bind to dom%u port %u, which is %s", d->domid, rport,
		       s ? "bound already" : "no vCPU's vp_eport");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->conn = c;
	b->domid = d->domid;
	b->remote = rport;
	b->local = c->h->next_local_port++;
	b->next = c->h->bindings;
	c->h->bindings = b;
	r->m.arg[0] = b->local;
	wake_all(c->h);
	return 0;
}

static struct binding *owned(struct conn *c, const struct sim_msg *m,
			     const char *what)
{
	struct binding *b = find_local(c, (evtchn_port_t)m->arg[0]);

	if (!b)
		misuse(c->h, XENSIM_MISUSE_BAD_NOTIFY,
		       "%s of port %llu, which this handle has not bound", what,
		       (unsigned long long)m->arg[0]);
	return b;
}

int ev_unbind(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	      struct reply *r)
{
	struct binding *b = owned(c, m, "unbind");

	if (!b)
		return -ENOTCONN;
	unlink_binding(c->h, b);
	return 0;
}

int ev_notify(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	      struct reply *r)
{
	struct binding *b = owned(c, m, "notify");
	struct domain *d;
	struct server *s;
	unsigned int vcpu;

	if (!b)
		return -ENOTCONN;
	if (b->remote_closed)
		return 0; /* evtchn_send() on a closed port: dropped */
	d = dom_find(c->h, b->domid);
	s = d ? server_by_port(d, b->remote, &vcpu) : NULL;
	if (s)
		vcpu_kick(d, s, vcpu);
	return 0;
}

int ev_unmask(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	      struct reply *r)
{
	struct binding *b = find_local(c, (evtchn_port_t)m->arg[0]);

	/* Linux ignores unmasking a port the handle does not own. */
	if (!b)
		return 0;
	b->masked = false;
	if (b->pending) {
		b->pending = false;
		deliver(b);
	}
	return 0;
}

void evtchn_release(struct conn *c)
{
	struct binding *b = c->h->bindings, *next;

	for (; b; b = next) {
		next = b->next;
		if (b->conn != c)
			continue;
		misuse(c->h, XENSIM_MISUSE_LEAK,
		       "port %u (dom%u port %u) still bound at close", b->local,
		       b->domid, b->remote);
		unlink_binding(c->h, b);
	}
	wake_all(c->h);
}
