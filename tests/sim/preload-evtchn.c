// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxenevtchn, simulated. The fd the caller polls is a socket on which
 * the harness queues fired ports (4 bytes each), as reads of
 * /dev/xen/evtchn return them; a fired port stays masked until unmasked.
 * Notify and unmask are one-way, like the ioctl and write they stand for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "preload.h"

struct xenevtchn_handle {
	struct sim_chan ch;
	int ev_fd;
	pthread_mutex_t lock; /* bound[] */
	evtchn_port_t *bound;
	size_t nbound;
};

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	xenevtchn_handle *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return NULL;
	rc = chan_open(&h->ch, SIM_KIND_EVTCHN, flags, &h->ev_fd);
	if (rc) {
		free(h);
		sim_fail(rc);
		return NULL;
	}
	if (flags & XENEVTCHN_NO_CLOEXEC)
		fcntl(h->ev_fd, F_SETFD, 0);
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

int xenevtchn_close(xenevtchn_handle *h)
{
	if (!h)
		return 0;
	chan_close(&h->ch);
	close(h->ev_fd);
	pthread_mutex_destroy(&h->lock);
	free(h->bound);
	free(h);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *h)
{
	return h->ev_fd;
}

static bool is_bound(xenevtchn_handle *h, evtchn_port_t port)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->nbound && !found; i++)
		found = h->bound[i] == port;
	pthread_mutex_unlock(&h->lock);
	return found;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	struct sim_msg m = { .op = SIM_OP_EV_NOTIFY };
	int rc;

	m.arg[0] = port;
	/* Sent even when not bound: the harness records the misuse. */
	rc = chan_post(&h->ch, &m);
	if (rc)
		return sim_fail(rc);
	/* Linux's IOCTL_EVTCHN_NOTIFY */
	return is_bound(h, port) ? 0 : sim_fail(-ENOTCONN);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
						     uint32_t domid,
						     evtchn_port_t remote_port)
{
	struct sim_msg m = { .op = SIM_OP_EV_BIND, .dom = domid };
	evtchn_port_t *b;
	int rc;

	m.arg[0] = remote_port;
	rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);
	if (rc)
		return sim_fail(rc);
	pthread_mutex_lock(&h->lock);
	b = realloc(h->bound, (h->nbound + 1) * sizeof(*b));
	if (b) {
		h->bound = b;
		b[h->nbound++] = (evtchn_port_t)m.arg[0];
	}
	pthread_mutex_unlock(&h->lock);
	return (xenevtchn_port_or_error_t)m.arg[0];
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
	struct sim_msg m = { .op = SIM_OP_EV_UNBIND };
	size_t i;
	int rc;

	m.arg[0] = port;
	rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);
	if (rc)
		return sim_fail(rc);
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->nbound; i++) {
		if (h->bound[i] == port) {
			h->bound[i] = h->bound[--h->nbound];
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
	uint32_t port;
	ssize_t r = recv(h->ev_fd, &port, sizeof(port), 0);

	if (r == sizeof(port))
		return (xenevtchn_port_or_error_t)port;
	if (r >= 0)
		errno = EIO; /* the harness went away */
	return -1;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	struct sim_msg m = { .op = SIM_OP_EV_UNMASK };
	int rc;

	m.arg[0] = port;
	rc = chan_post(&h->ch, &m);
	return rc ? sim_fail(rc) : 0;
}

int xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
	struct sim_msg m = { .op = SIM_OP_RESTRICT, .dom = domid };
	int rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);

	return rc ? sim_fail(rc) : 0;
}
