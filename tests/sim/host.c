// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness's socket side: one thread accepts the preloaded library's
 * connections (one per libxen* handle) and answers their requests under
 * the harness lock. A connection that goes away is checked for leaks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sim-host.h"
#include "wire.h"

struct op_desc {
	enum sim_kind kind;
	bool oneway; /* no reply: the caller does not wait */
	op_fn *fn;
};

static op_fn hello, close_handle, restrict_handle, restrict_all;

static const struct op_desc ops[SIM_OP_MAX] = {
	[SIM_OP_HELLO] = { 0, false, hello },
	[SIM_OP_CLOSE] = { 0, false, close_handle },
	[SIM_OP_RESTRICT] = { 0, false, restrict_handle },
	[SIM_OP_RESTRICT_ALL] = { SIM_KIND_TOOLCORE, false, restrict_all },
	[SIM_OP_DM_CREATE] = { SIM_KIND_DM, false, dm_create },
	[SIM_OP_DM_DESTROY] = { SIM_KIND_DM, false, dm_destroy },
	[SIM_OP_DM_INFO] = { SIM_KIND_DM, false, dm_info },
	[SIM_OP_DM_MAP_RANGE] = { SIM_KIND_DM, false, dm_map_range },
	[SIM_OP_DM_UNMAP_RANGE] = { SIM_KIND_DM, false, dm_unmap_range },
	[SIM_OP_DM_SET_STATE] = { SIM_KIND_DM, false, dm_set_state },
	[SIM_OP_DM_SET_IRQ] = { SIM_KIND_DM, false, dm_set_irq },
	[SIM_OP_DM_SET_ISA_IRQ] = { SIM_KIND_DM, false, dm_set_isa_irq },
	[SIM_OP_DM_NR_VCPUS] = { SIM_KIND_DM, false, dm_nr_vcpus },
	[SIM_OP_FM_MAP] = { SIM_KIND_FMEM, false, fm_map },
	[SIM_OP_FM_UNMAP] = { SIM_KIND_FMEM, false, fm_unmap },
	[SIM_OP_FM_MAP_RESOURCE] = { SIM_KIND_FMEM, false, fm_map_resource },
	[SIM_OP_FM_UNMAP_RESOURCE] = { SIM_KIND_FMEM, false,
				       fm_unmap_resource },
	[SIM_OP_EV_BIND] = { SIM_KIND_EVTCHN, false, ev_bind },
	[SIM_OP_EV_UNBIND] = { SIM_KIND_EVTCHN, false, ev_unbind },
	[SIM_OP_EV_NOTIFY] = { SIM_KIND_EVTCHN, true, ev_notify },
	[SIM_OP_EV_UNMASK] = { SIM_KIND_EVTCHN, true, ev_unmask },
	[SIM_OP_GT_MAP] = { SIM_KIND_GNTTAB, false, gt_map },
	[SIM_OP_GT_UNMAP] = { SIM_KIND_GNTTAB, false, gt_unmap },
	[SIM_OP_GT_SET_MAX] = { SIM_KIND_GNTTAB, false, gt_set_max },
	[SIM_OP_XS_READ] = { SIM_KIND_XS, false, xs_op_read },
	[SIM_OP_XS_WRITE] = { SIM_KIND_XS, false, xs_op_write },
	[SIM_OP_XS_MKDIR] = { SIM_KIND_XS, false, xs_op_mkdir },
	[SIM_OP_XS_RM] = { SIM_KIND_XS, false, xs_op_rm },
	[SIM_OP_XS_DIRECTORY] = { SIM_KIND_XS, false, xs_op_directory },
	[SIM_OP_XS_GET_PERMS] = { SIM_KIND_XS, false, xs_op_get_perms },
	[SIM_OP_XS_SET_PERMS] = { SIM_KIND_XS, false, xs_op_set_perms },
	[SIM_OP_XS_WATCH] = { SIM_KIND_XS, false, xs_op_watch },
	[SIM_OP_XS_UNWATCH] = { SIM_KIND_XS, false, xs_op_unwatch },
	[SIM_OP_XS_WATCH_NEXT] = { SIM_KIND_XS, false, xs_op_watch_next },
	[SIM_OP_XS_TXN_START] = { SIM_KIND_XS, false, xs_op_txn_start },
	[SIM_OP_XS_TXN_END] = { SIM_KIND_XS, false, xs_op_txn_end },
	[SIM_OP_XS_INTRODUCED] = { SIM_KIND_XS, false, xs_op_introduced },
};

void deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void waiter_add(struct xensim *h, struct waiter *w, enum wait_kind kind,
		uint32_t domid, unsigned int idx)
{
	pthread_cond_init(&w->cond, &h->condattr);
	w->kind = kind;
	w->domid = domid;
	w->idx = idx;
	w->next = h->waiters;
	w->pprev = &h->waiters;
	if (w->next)
		w->next->pprev = &w->next;
	h->waiters = w;
}

void waiter_del(struct xensim *h, struct waiter *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	pthread_cond_destroy(&w->cond);
}

void wake_all(struct xensim *h)
{
	for (struct waiter *w = h->waiters; w; w = w->next)
		pthread_cond_signal(&w->cond);
}

void wake_some(struct xensim *h, enum wait_kind kind, uint32_t domid,
	       unsigned int idx)
{
	for (struct waiter *w = h->waiters; w; w = w->next)
		if (w->kind == kind && w->domid == domid && w->idx == idx)
			pthread_cond_signal(&w->cond);
}

int wait_until_for(struct xensim *h, enum wait_kind kind, uint32_t domid,
		   unsigned int idx,
		   bool (*pred)(struct xensim *, const void *), const void *arg,
		   unsigned int timeout_ms)
{
	struct waiter w;
	struct timespec ts;
	int rc = 0;

	deadline_in(&ts, timeout_ms);
	waiter_add(h, &w, kind, domid, idx);
	while (!pred(h, arg)) {
		if (pthread_cond_timedwait(&w.cond, &h->lock, &ts) ==
		    ETIMEDOUT) {
			rc = pred(h, arg) ? 0 : -ETIMEDOUT;
			break;
		}
	}
	waiter_del(h, &w);
	return rc;
}

int wait_until(struct xensim *h, bool (*pred)(struct xensim *, const void *),
	       const void *arg, unsigned int timeout_ms)
{
	return wait_until_for(h, WAIT_ANY, 0, 0, pred, arg, timeout_ms);
}

static bool few_clients(struct xensim *h, const void *arg)
{
	return h->nr_conns <= *(const unsigned int *)arg;
}

int xensim_wait_clients(struct xensim *h, unsigned int n,
			unsigned int timeout_ms)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = wait_until(h, few_clients, &n, timeout_ms);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* The handle is closing (or its process went away): check for leaks. */
static void release(struct conn *c)
{
	if (c->released)
		return;
	c->released = true;
	switch (c->kind) {
	case SIM_KIND_DM:
		dm_release(c);
		break;
	case SIM_KIND_FMEM:
	case SIM_KIND_GNTTAB:
		maps_release(c);
		break;
	case SIM_KIND_EVTCHN:
		evtchn_release(c);
		break;
	case SIM_KIND_XS:
		xs_release(c);
		break;
	default:
		break;
	}
}

static int hello(struct conn *c, const struct sim_msg *m,
		 const uint8_t *payload, struct reply *r)
{
	int sv[2];

	if (c->kind || !m->arg[0] || m->arg[0] >= SIM_KIND_MAX)
		return -EPROTO;
	c->kind = (enum sim_kind)m->arg[0];
	c->flags = m->arg[1];
	if (c->kind == SIM_KIND_EVTCHN) {
		/* Ports arrive on their own socket, as reads of the device. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
			return -errno;
		c->ev_fd = sv[0];
		r->fd = sv[1];
		r->close_fd = true;
		return 0;
	}
	if (c->kind == SIM_KIND_XS) {
		/* Readable while watch events are queued (xs_fileno). */
		c->ev_fd =
			eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
		if (c->ev_fd < 0)
			return -errno;
		r->fd = c->ev_fd;
	}
	return 0;
}

static int close_handle(struct conn *c, const struct sim_msg *m,
			const uint8_t *payload, struct reply *r)
{
	release(c);
	return 0;
}

static int restrict_handle(struct conn *c, const struct sim_msg *m,
			   const uint8_t *payload, struct reply *r)
{
	c->restricted = true;
	c->restrict_dom = m->dom;
	return 0;
}

/* xentoolcore_restrict_all(): every handle of the calling process. */
static int restrict_all(struct conn *c, const struct sim_msg *m,
			const uint8_t *payload, struct reply *r)
{
	struct conn *k;

	for (k = c->h->conns; k; k = k->next)
		if (k->pid == c->pid)
			restrict_handle(k, m, payload, r);
	return 0;
}

static void dispatch(struct conn *c, struct sim_msg *m, const uint8_t *payload)
{
	struct xensim *h = c->h;
	const struct op_desc *d = m->op < SIM_OP_MAX ? &ops[m->op] : NULL;
	uint8_t out[SIM_PAYLOAD_MAX];
	struct reply r = { .payload = out, .fd = -1 };
	int rc;

	if (!d || !d->fn || (d->kind && d->kind != c->kind) ||
	    (!c->kind && m->op != SIM_OP_HELLO) || c->released) {
		misuse(h, XENSIM_MISUSE_PROTOCOL,
		       "op %u on a handle of kind %u%s", m->op, c->kind,
		       c->released ? " after it was closed" : "");
		rc = -EPROTO;
	} else {
		rc = d->fn(c, m, payload, &r);
	}
	if (d && d->oneway)
		return;
	r.m.op = m->op;
	r.m.rc = rc;
	if (rc)
		r.m.len = 0;
	rc = wire_send(c->fd, &r.m, out, rc ? -1 : r.fd);
	if (rc && rc != -EPIPE)
		fprintf(stderr, "xensim: reply to op %u: %s\n", m->op,
			strerror(-rc));
	if (r.close_fd && r.fd >= 0)
		close(r.fd);
}

static void conn_drop(struct conn *c)
{
	struct xensim *h = c->h;
	struct conn **pp;

	pthread_mutex_lock(&h->lock);
	release(c);
	for (pp = &h->conns; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	h->nr_conns--;
	wake_all(h);
	pthread_mutex_unlock(&h->lock);
	epoll_ctl(h->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->ev_fd >= 0)
		close(c->ev_fd);
	free(c);
}

static void conn_readable(struct conn *c)
{
	struct xensim *h = c->h;
	struct sim_msg m;
	int rc = wire_recv(c->fd, &m, h->rx, SIM_PAYLOAD_MAX, NULL,
			   MSG_DONTWAIT);

	if (rc == -EAGAIN)
		return;
	if (rc) {
		if (rc == -EMSGSIZE) {
			pthread_mutex_lock(&h->lock);
			misuse(h, XENSIM_MISUSE_PROTOCOL, "malformed packet");
			pthread_mutex_unlock(&h->lock);
		}
		conn_drop(c);
		return;
	}
	pthread_mutex_lock(&h->lock);
	dispatch(c, &m, h->rx);
	pthread_mutex_unlock(&h->lock);
}

static void conn_accept(struct xensim *h)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c = calloc(1, sizeof(*c));
	int fd =
		accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0 || !c ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		if (fd >= 0)
			close(fd);
		free(c);
		return;
	}
	c->h = h;
	c->fd = fd;
	c->ev_fd = -1;
	c->pid = cred.pid;
	c->events_tail = &c->events;
	ev.data.ptr = c;
	pthread_mutex_lock(&h->lock);
	c->next = h->conns;
	h->conns = c;
	h->nr_conns++;
	pthread_mutex_unlock(&h->lock);
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		conn_drop(c);
}

static void *loop(void *arg)
{
	struct xensim *h = arg;
	struct epoll_event evs[16];

	for (;;) {
		int n = epoll_wait(h->epoll_fd, evs, ARRAY_SIZE(evs), -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &h->wake_fd)
				return NULL;
			if (evs[i].data.ptr == &h->listen_fd)
				conn_accept(h);
			else
				conn_readable(evs[i].data.ptr);
		}
	}
}

static int listen_on(struct xensim *h, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 ||
	    bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(h->listen_fd, 64))
		return -errno;
	h->socket_path = strdup(path);
	ev.data.ptr = &h->listen_fd;
	if (!h->socket_path ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->listen_fd, &ev))
		return -ENOMEM;
	ev.data.ptr = &h->wake_fd;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->wake_fd, &ev))
		return -errno;
	return 0;
}

static int init(struct xensim *h, const char *path)
{
	int rc;

	h->listen_fd = h->epoll_fd = h->wake_fd = -1;
	h->misuse_tail = &h->misuse_log;
	h->timeout_ms = 5000;
	h->next_local_port = 40; /* dom0's kernel holds the lower ports */
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&h->condattr);
	pthread_condattr_setclock(&h->condattr, CLOCK_MONOTONIC);
	h->rx = malloc(SIM_PAYLOAD_MAX);
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	h->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (!h->rx || h->epoll_fd < 0 || h->wake_fd < 0)
		return -ENOMEM;
	rc = xs_init(h);
	if (!rc)
		rc = listen_on(h, path);
	if (!rc)
		rc = -pthread_create(&h->thread, NULL, loop, h);
	h->thread_started = !rc;
	return rc;
}

int xensim_new(const char *socket_path, struct xensim **out)
{
	struct xensim *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	rc = init(h, socket_path);
	if (rc) {
		xensim_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void xensim_set_timeout(struct xensim *h, unsigned int ms)
{
	pthread_mutex_lock(&h->lock);
	h->timeout_ms = ms;
	pthread_mutex_unlock(&h->lock);
}

void xensim_free(struct xensim *h)
{
	if (!h)
		return;
	if (h->thread_started) {
		uint64_t one = 1;

		if (write(h->wake_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(h->thread, NULL);
	}
	while (h->conns)
		conn_drop(h->conns);
	dom_free_all(h);
	xensim_misuse_clear(h);
	store_free(h->store);
	if (h->socket_path)
		unlink(h->socket_path);
	free(h->socket_path);
	free(h->rx);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	pthread_condattr_destroy(&h->condattr);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
