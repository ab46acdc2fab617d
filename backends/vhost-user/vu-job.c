// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user control path's engine: a queue of jobs run from the event
 * loop, one exchange in flight at a time (vhost-user.rst: the front-end
 * waits for a reply before it sends the next request that wants one).
 *
 * A request that wants a reply (a reply body, or an ack asked for with
 * REPLY_ACK) leaves the job waiting: the reply is read as it arrives, in
 * any number of pieces, when the socket becomes readable; a deadline timer
 * armed at the send drops the back-end if the whole reply has not come
 * within timeout_ms. Requests without a reply go out back to back. Any
 * error ends the connection through vu_link_lost() (NEEDS_RESET, a log
 * line, reconnection): its state is then unknown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "evloop.h"
#include "vu-dev.h"

static void on_deadline(void *opaque, uint64_t expirations)
{
	struct vu_dev *d = opaque;
	char buf[32];

	if (!d->waiting)
		return;
	d->fail_rc = -ETIMEDOUT;
	vu_link_lost(d, "%s: no reply within %d ms",
		     vu_msg_name(d->req.hdr.request, buf, sizeof(buf)),
		     d->timeout_ms);
}

int vu_job_init(struct vu_dev *d)
{
	vu_rx_init(&d->rx);
	return evloop_add_timer(d->loop, on_deadline, d, &d->deadline);
}

void vu_job_fini(struct vu_dev *d)
{
	vu_job_clear(d);
	evloop_del_timer(d->deadline);
	d->deadline = NULL;
}

bool vu_job_busy(const struct vu_dev *d)
{
	return d->njobs || d->waiting;
}

static void arm(struct vu_dev *d, uint64_t ms)
{
	if (evloop_timer_arm(d->deadline, ms * 1000000, 0))
		log_err(&d->vdev.log, "vhost-user %s: deadline timer", d->path);
}

void vu_job_clear(struct vu_dev *d)
{
	d->njobs = 0;
	d->job_head = 0;
	d->waiting = false;
	vu_rx_reset(&d->rx);
	if (d->deadline)
		arm(d, 0);
}

static struct vu_job *job_at(struct vu_dev *d, unsigned i)
{
	return &d->jobs[(d->job_head + i) % VU_JOBS];
}

int vu_job_push(struct vu_dev *d, const struct vu_job_ops *ops, uint32_t lo,
		uint32_t hi)
{
	struct vu_job *j;

	/* Configuration writes the back-end has not seen yet become one. */
	if (d->njobs && lo != hi) {
		j = job_at(d, d->njobs - 1);
		if (j->ops == ops &&
		    (d->njobs > 1 || (!j->step && !d->waiting))) {
			j->lo = lo < j->lo ? lo : j->lo;
			j->hi = hi > j->hi ? hi : j->hi;
			return 0;
		}
	}
	if (d->njobs == VU_JOBS)
		return -ENOSPC;
	j = job_at(d, d->njobs++);
	*j = (struct vu_job){ .ops = ops, .lo = lo, .hi = hi };
	vu_job_run(d);
	return 0;
}

static void fail(struct vu_dev *d, int rc)
{
	d->fail_rc = rc;
	vu_link_lost(d, "%s", d->why);
}

/* REPLY_ACK: every request without a reply body asks for an ack. */
static void want_ack(struct vu_dev *d, struct vu_msg *m)
{
	const struct vu_msg_type *t = vu_msg_type(m->hdr.request);

	if (t && t->reply == VU_K_NONE &&
	    ((d->protocol >> VU_PROTOCOL_F_REPLY_ACK) & 1))
		vu_msg_need_reply(m);
}

/* Runs jobs until one waits for a reply, the queue is empty, or an error. */
void vu_job_run(struct vu_dev *d)
{
	int fds[VU_MAX_REGIONS];
	unsigned nfds;
	char buf[32];
	int rc;

	while (d->sock >= 0 && !d->waiting && d->njobs) {
		struct vu_job *j = job_at(d, 0);

		nfds = 0;
		rc = j->ops->next(d, j, &d->req, fds, &nfds);
		if (rc < 0) {
			fail(d, rc);
			return;
		}
		if (rc == 0) {
			struct vu_job done = *j;

			d->job_head = (d->job_head + 1) % VU_JOBS;
			d->njobs--;
			if (done.ops->done)
				done.ops->done(d, &done);
			continue;
		}
		want_ack(d, &d->req);
		rc = vu_conn_send(d->sock, &d->req, fds, nfds);
		if (rc) {
			snprintf(d->why, sizeof(d->why), "%s: %s",
				 vu_msg_name(d->req.hdr.request, buf,
					     sizeof(buf)),
				 strerror(-rc));
			fail(d, rc);
			return;
		}
		if (vu_msg_wants_reply(&d->req)) {
			d->waiting = true;
			vu_rx_reset(&d->rx);
			arm(d, (uint64_t)d->timeout_ms);
		}
	}
}

/* Unasked-for data, or the back-end closed the connection. */
static void unsolicited(struct vu_dev *d)
{
	char c;

	if (recv(d->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
		d->fail_rc = -EPROTO;
		vu_link_lost(d, "unsolicited message");
	} else {
		d->fail_rc = -ECONNRESET;
		vu_link_lost(d, "connection closed");
	}
}

void vu_job_on_sock(struct vu_dev *d)
{
	struct vu_job *j;
	char buf[32];
	int rc;

	if (!d->waiting) {
		unsolicited(d);
		return;
	}
	rc = vu_conn_recv(d->sock, &d->req, &d->rx);
	if (rc == -EAGAIN)
		return; /* the rest comes later, or the deadline does */
	d->waiting = false;
	arm(d, 0);
	j = job_at(d, 0);
	snprintf(d->why, sizeof(d->why), "%s: %s",
		 vu_msg_name(d->req.hdr.request, buf, sizeof(buf)),
		 strerror(-rc));
	if (rc && rc != -EREMOTEIO) {
		fail(d, rc);
		return;
	}
	if (j->ops->reply)
		rc = j->ops->reply(d, j, &d->req, &d->rx, rc);
	vu_rx_reset(&d->rx);
	if (rc) {
		fail(d, rc);
		return;
	}
	vu_job_run(d);
}
