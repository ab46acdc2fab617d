// SPDX-License-Identifier: GPL-2.0-only
/*
 * Losing a vhost-user back-end, and finding one again: the device goes to
 * NEEDS_RESET with a log line (unless INFLIGHT_SHMFD lets the next back-end
 * resume its requests), and the front-end reconnects on an event-loop timer
 * with exponential backoff; the handshake then runs as a job (vu-link.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evloop.h"
#include "vu-dev.h"

static void arm(struct vu_dev *d, uint32_t ms)
{
	int rc = evloop_timer_arm(d->timer, (uint64_t)ms * 1000000, 0);

	if (rc)
		log_err(&d->vdev.log, "vhost-user %s: reconnection timer: %s",
			d->path, strerror(-rc));
}

static void backoff(struct vu_dev *d)
{
	arm(d, d->backoff_ms);
	d->backoff_ms = d->backoff_ms * 2 > d->reconnect_max_ms ?
				d->reconnect_max_ms :
				d->backoff_ms * 2;
}

static void try_reconnect(struct vu_dev *d)
{
	char err[256];

	if (d->sock >= 0)
		return; /* already on it */
	/* The handshake goes on as a job; it calls vu_link_up() or fails. */
	if (!vu_link_connect(d, err, sizeof(err)))
		return;
	log_debug(&d->vdev.log, "vhost-user back-end %s: %s; retry in %u ms",
		  d->path, err, d->backoff_ms);
	backoff(d);
}

void vu_link_up(struct vu_dev *d)
{
	log_info(&d->vdev.log, "vhost-user back-end %s connected", d->path);
	d->backoff_ms = d->reconnect_min_ms;
	/* The rings of a live device resume where the last back-end was. */
	if (d->kept && vdev_is_live(&d->vdev) && vu_link_start(d))
		return; /* dropped again */
	d->kept = false;
}

static void on_timer(void *opaque, uint64_t expirations)
{
	try_reconnect(opaque);
}

int vu_link_timer_init(struct vu_dev *d)
{
	d->backoff_ms = d->reconnect_min_ms;
	return evloop_add_timer(d->loop, on_timer, d, &d->timer);
}

/*
 * INFLIGHT_SHMFD: a back-end that went away (its connection closed, not a
 * protocol error or a hang: it may still write) from a live device is
 * succeeded by the next one, which resubmits what the area says it held.
 * What it completed before it went is taken now.
 */
static bool suspend(struct vu_dev *d, const char *why)
{
	unsigned n = 0;
	char bad[128];

	if (d->fail_rc != -ECONNRESET || !d->up || !d->inflight.sent ||
	    d->xen.on || !vdev_is_live(&d->vdev))
		return false;
	for (unsigned i = 0; i < d->num_queues; i++) {
		if (vu_dev_take_used(d, i, bad, sizeof(bad)))
			return false;
		n += d->shadow->q[i].inflight;
	}
	vu_link_suspend(d);
	log_warn(&d->vdev.log,
		 "vhost-user back-end %s: %s; %u request(s) kept for the next "
		 "one (INFLIGHT_SHMFD)",
		 d->path, why, n);
	return true;
}

static void drop(struct vu_dev *d, bool fail, const char *why)
{
	bool was_up = d->up;

	if (d->creating) {
		vu_link_close(d);
		return; /* vu_dev_new() reports it */
	}
	if (fail && suspend(d, why)) {
		d->fail_rc = 0;
		d->backoff_ms = d->reconnect_min_ms;
		backoff(d);
		return;
	}
	d->fail_rc = 0;
	vu_link_close(d);
	log_warn(&d->vdev.log, "vhost-user back-end %s: %s%s", d->path, why,
		 fail ? "; the device needs a reset once it is back" : "");
	if (fail && vdev_get_status(&d->vdev))
		vdev_fail(&d->vdev, "vhost-user back-end lost");
	/* A session that was up retries at once; a failed handshake backs off. */
	if (was_up)
		d->backoff_ms = d->reconnect_min_ms;
	backoff(d);
}

void vu_link_lost(struct vu_dev *d, const char *fmt, ...)
{
	char why[sizeof(d->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memcpy(d->why, why, sizeof(why));
	drop(d, true, why);
}

void vu_link_reconnect(struct vu_dev *d, bool now)
{
	vu_link_close(d);
	d->backoff_ms = d->reconnect_min_ms;
	if (now)
		try_reconnect(d);
	else
		backoff(d);
}
