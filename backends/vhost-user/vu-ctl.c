// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user control path on an established connection, as jobs for
 * vu-job.c: starting the rings at DRIVER_OK, stopping them at reset,
 * configuration writes. What happens when the back-end is lost is in
 * vu-lost.c.
 *
 * Ring indexes run on across guest resets within one connection: a stopped
 * ring restarts at the avail index GET_VRING_BASE returned, over the same
 * used ring. If the back-end still holds requests when the guest resets
 * (their guest buffers are gone, the slots orphaned), we reconnect instead,
 * so the new session starts from rings nobody else writes to.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <string.h>

#include "vu-dev.h"

static bool has_protocol(const struct vu_dev *d, unsigned bit)
{
	return (d->protocol >> bit) & 1;
}

static int built(struct vu_dev *d, int rc)
{
	if (rc)
		snprintf(d->why, sizeof(d->why), "building a request: %s",
			 strerror(-rc));
	return rc ? rc : 1;
}

/* The features we set: what the guest accepted of what was offered. */
static uint64_t features(const struct vu_dev *d)
{
	uint64_t f = (d->vdev.guest_features & d->offered) |
		     (1ull << VIRTIO_F_VERSION_1);

	if (d->be_features & (1ull << VU_F_PROTOCOL_FEATURES))
		f |= 1ull << VU_F_PROTOCOL_FEATURES;
	if (d->xen.on)
		return f | vu_xen_features(d);
	if (d->shadow->q[0].indirect)
		f |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (d->shadow->q[0].event_idx)
		f |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	return f;
}

/*
 * EVENT_IDX on the shadow rings (§2.7.10) when the back-end offers it and
 * the guest took it for its own rings: kicks and calls then come only when
 * the other side has caught up, as between the guest and us.
 */
static void set_event_idx(struct vu_dev *d)
{
	bool on = !d->no_event_idx &&
		  (d->be_features & (1ull << VIRTIO_RING_F_EVENT_IDX)) &&
		  vdev_has_feature(&d->vdev, VIRTIO_RING_F_EVENT_IDX);

	for (unsigned i = 0; i < d->num_queues; i++)
		d->shadow->q[i].event_idx = on;
}

enum ring_step {
	R_NUM,
	R_BASE,
	R_ADDR,
	R_KICK,
	R_CALL,
	R_ERR,
	R_ENABLE,
	R_END,
};

/* One message of starting ring i; 0 when the ring is through. */
static int ring_next(struct vu_dev *d, unsigned step, unsigned i,
		     struct vu_msg *m, int *fds, unsigned *nfds)
{
	struct vu_sq *sq = &d->shadow->q[i];
	struct vu_queue *q = &d->q[i];

	switch (step) {
	case R_NUM:
		if (d->xen.on)
			return built(d, vu_xen_ring_next(d, 0, i, m));
		return built(d, vu_msg_state(m, VU_SET_VRING_NUM, i, sq->num));
	case R_BASE:
		/* The guest's own ring starts at 0 after each reset. */
		return built(d, vu_msg_state(m, VU_SET_VRING_BASE, i,
					     d->xen.on ? 0 : q->base));
	case R_ADDR:
		if (d->xen.on)
			return built(d, vu_xen_ring_next(d, 1, i, m));
		return built(d, vu_msg_addr(m, i, vu_sq_desc_addr(sq),
					    vu_sq_used_addr(sq),
					    vu_sq_avail_addr(sq)));
	case R_KICK:
	case R_CALL:
	case R_ERR:
		fds[0] = step == R_KICK ? q->kick_fd :
			 step == R_CALL ? q->call_fd :
					  q->err_fd;
		*nfds = 1;
		return built(
			d, vu_msg_vring_fd(m,
					   step == R_KICK ? VU_SET_VRING_KICK :
					   step == R_CALL ? VU_SET_VRING_CALL :
							    VU_SET_VRING_ERR,
					   i, true));
	case R_ENABLE:
		/* With protocol features a ring starts disabled. */
		if (d->be_features & (1ull << VU_F_PROTOCOL_FEATURES))
			return built(
				d, vu_msg_state(m, VU_SET_VRING_ENABLE, i, 1));
		return 0;
	default:
		return 0;
	}
}

enum start_step {
	S_FEATURES,
	S_INFLIGHT,
	S_MEM,
	S_RINGS,
	S_STATUS,
	S_END,
};

static int start_next(struct vu_dev *d, struct vu_job *j, struct vu_msg *m,
		      int *fds, unsigned *nfds)
{
	struct vu_mem_region r;
	int rc;

	switch (j->step) {
	case S_FEATURES:
		j->step++;
		set_event_idx(d);
		return built(d, vu_msg_u64(m, VU_SET_FEATURES, features(d)));
	case S_INFLIGHT:
		/* GET_INFLIGHT_FD once, SET_INFLIGHT_FD once per connection. */
		rc = vu_inflight_next(d, m, fds, nfds);
		if (rc)
			return rc;
		j->step++;
		return start_next(d, j, m, fds, nfds);
	case S_MEM:
		j->step++;
		if (d->mem_sent)
			return start_next(d, j, m, fds, nfds);
		/*
		 * Once per connection: a back-end remaps on every
		 * SET_MEM_TABLE, under requests it may still be processing.
		 */
		d->mem_sent = true;
		if (d->xen.on)
			return vu_xen_mem_next(d, m, fds, nfds);
		vu_shadow_region(d->shadow, &r);
		fds[0] = d->shadow->fd;
		*nfds = 1;
		return built(d, vu_msg_mem_table(m, &r, 1));
	case S_RINGS:
		/* j->ring: the ring, j->u64: its step. */
		for (; j->ring < d->num_queues; j->ring++, j->u64 = 0) {
			if (!d->vdev.queues[j->ring].ready)
				continue;
			rc = ring_next(d, (unsigned)j->u64++, j->ring, m, fds,
				       nfds);
			if (rc)
				return rc;
		}
		j->step++;
		return start_next(d, j, m, fds, nfds);
	case S_STATUS:
		j->step++;
		if (has_protocol(d, VU_PROTOCOL_F_STATUS))
			return built(d, vu_msg_u64(m, VU_SET_STATUS,
						   d->vdev.status));
		return 0;
	default:
		return 0;
	}
}

/* Every ready ring is the back-end's now; requests flow if still live. */
static void start_done(struct vu_dev *d, struct vu_job *j)
{
	bool live = vdev_is_live(&d->vdev);

	for (unsigned i = 0; i < d->num_queues; i++) {
		if (!d->vdev.queues[i].ready)
			continue;
		d->q[i].running = true;
		d->q[i].started = live;
		/*
		 * A ring restarted with entries the back-end has not taken
		 * (its avail_event may be stale with EVENT_IDX): one kick.
		 */
		if (live)
			vu_dev_kick(d, i);
	}
	if (live)
		vu_dev_resume(d);
}

static int start_reply(struct vu_dev *d, struct vu_job *j,
		       const struct vu_msg *m, struct vu_rx *rx, int rc)
{
	if (!rc && m->hdr.request == VU_GET_INFLIGHT_FD)
		return vu_inflight_reply(d, rx);
	return rc;
}

static const struct vu_job_ops start_job = {
	.name = "start",
	.next = start_next,
	.reply = start_reply,
	.done = start_done,
};

int vu_link_start(struct vu_dev *d)
{
	if (d->sock < 0) {
		log_guest(&d->vdev.log, LOG_WARN,
			  "vhost-user back-end %s not connected", d->path);
		return -ENOTCONN;
	}
	if (vu_job_push(d, &start_job, 0, 0)) {
		vu_link_lost(d, "too many control requests queued");
		return -ENOSPC;
	}
	return 0;
}

static unsigned held(const struct vu_dev *d)
{
	unsigned n = 0;

	for (unsigned i = 0; d->shadow && i < d->num_queues; i++)
		n += d->shadow->q[i].inflight;
	return n;
}

enum stop_step {
	T_RINGS,
	T_RESET,
	T_STATUS,
	T_END,
};

static int stop_next(struct vu_dev *d, struct vu_job *j, struct vu_msg *m,
		     int *fds, unsigned *nfds)
{
	switch (j->step) {
	case T_RINGS:
		for (; j->ring < d->num_queues; j->ring++) {
			if (d->q[j->ring].running)
				return built(d,
					     vu_msg_state(m, VU_GET_VRING_BASE,
							  j->ring++, 0));
		}
		j->step++;
		return stop_next(d, j, m, fds, nfds);
	case T_RESET:
		j->step++;
		if (has_protocol(d, VU_PROTOCOL_F_RESET_DEVICE))
			return built(d, vu_msg_none(m, VU_RESET_DEVICE));
		return stop_next(d, j, m, fds, nfds);
	case T_STATUS:
		j->step++;
		if (has_protocol(d, VU_PROTOCOL_F_STATUS))
			return built(d, vu_msg_u64(m, VU_SET_STATUS, 0));
		return 0;
	default:
		return 0;
	}
}

static int stop_reply(struct vu_dev *d, struct vu_job *j,
		      const struct vu_msg *m, struct vu_rx *rx, int rc)
{
	unsigned i = m->p.state.index;
	uint32_t base = rx->msg.p.state.num;

	if (rc || m->hdr.request != VU_GET_VRING_BASE)
		return rc;
	d->q[i].running = false;
	if (d->xen.on)
		return 0; /* the guest's ring: it starts over after the reset */
	/* The codec made sure the reply is for ring i, base < 2^16. */
	rc = vu_sq_check_base(&d->shadow->q[i], (uint16_t)base);
	if (rc) {
		snprintf(d->why, sizeof(d->why),
			 "GET_VRING_BASE: base %u of queue %u "
			 "is not between what was completed and published",
			 base, i);
		return rc;
	}
	d->q[i].base = (uint16_t)base;
	d->q[i].running = false;
	return 0;
}

/* Stopped: what the back-end completed meanwhile was orphaned. */
static void stop_done(struct vu_dev *d, struct vu_job *j)
{
	for (unsigned i = 0; d->shadow && i < d->num_queues; i++)
		vu_dev_drain(d, i);
	if (d->shadow && held(d)) {
		log_info(&d->vdev.log,
			 "vhost-user back-end %s holds %u "
			 "requests at reset: reconnecting",
			 d->path, held(d));
		vu_link_reconnect(d, true);
	}
}

static const struct vu_job_ops stop_job = {
	.name = "stop",
	.next = stop_next,
	.reply = stop_reply,
	.done = stop_done,
};

void vu_link_stop(struct vu_dev *d)
{
	bool running = false;

	/* The area tracked requests the guest just took back. */
	vu_inflight_free(d);
	if (d->kept) {
		/* Kept for a back-end that is not back: start afresh. */
		vu_link_reconnect(d, false);
		return;
	}
	if (d->sock < 0)
		return;
	/* From here on nothing the back-end completes reaches the guest. */
	for (unsigned i = 0; i < d->num_queues; i++) {
		d->q[i].started = false;
		d->q[i].resched = false;
		running |= d->q[i].running;
		if (d->shadow)
			vu_sq_orphan_all(&d->shadow->q[i]);
	}
	if (!running)
		return;
	if (vu_job_push(d, &stop_job, 0, 0))
		vu_link_lost(d, "too many control requests queued");
}

static int config_next(struct vu_dev *d, struct vu_job *j, struct vu_msg *m,
		       int *fds, unsigned *nfds)
{
	if (j->step++)
		return 0;
	/* The bytes as they are now: later writes merged into this job. */
	return built(d, vu_msg_config(m, VU_SET_CONFIG, j->lo, j->hi - j->lo,
				      d->config + j->lo));
}

/* A refused write is the guest's problem, not the connection's. */
static int config_reply(struct vu_dev *d, struct vu_job *j,
			const struct vu_msg *m, struct vu_rx *rx, int rc)
{
	if (rc == -EREMOTEIO) {
		log_guest(&d->vdev.log, LOG_WARN, "vhost-user: %s", d->why);
		return 0;
	}
	return rc;
}

static const struct vu_job_ops config_job = {
	.name = "configuration write",
	.next = config_next,
	.reply = config_reply,
};

void vu_link_set_config(struct vu_dev *d, uint32_t offset, uint32_t len)
{
	if (d->sock < 0 || !len || !has_protocol(d, VU_PROTOCOL_F_CONFIG))
		return;
	if (vu_job_push(d, &config_job, offset, offset + len))
		vu_link_lost(d, "too many control requests queued");
}
