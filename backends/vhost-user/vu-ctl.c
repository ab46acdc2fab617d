// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user control path on an established connection: starting the
 * rings at DRIVER_OK, stopping them at reset, configuration writes, and
 * what happens when the back-end is lost (NEEDS_RESET, reconnection with
 * exponential backoff on an event-loop timer).
 *
 * Ring indexes run on across guest resets within one connection: a stopped
 * ring restarts at the avail index GET_VRING_BASE returned, over the same
 * used ring. If the back-end still holds requests when the guest resets
 * (their guest buffers are gone, the slots orphaned), we reconnect instead,
 * so the new session starts from rings nobody else writes to.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evloop.h"
#include "vu-dev.h"

#define ERR_LEN 160

static int send_state(struct vu_dev *d, uint32_t request, unsigned index,
		      uint32_t num, char *err)
{
	struct vu_msg m;
	int rc = vu_msg_state(&m, request, index, num);

	return rc ? rc : vu_link_call(d, &m, NULL, 0, NULL, err, ERR_LEN);
}

static int send_u64(struct vu_dev *d, uint32_t request, uint64_t v, char *err)
{
	struct vu_msg m;
	int rc = vu_msg_u64(&m, request, v);

	return rc ? rc : vu_link_call(d, &m, NULL, 0, NULL, err, ERR_LEN);
}

static int send_none(struct vu_dev *d, uint32_t request, char *err)
{
	struct vu_msg m;
	int rc = vu_msg_none(&m, request);

	return rc ? rc : vu_link_call(d, &m, NULL, 0, NULL, err, ERR_LEN);
}

static int send_fd(struct vu_dev *d, uint32_t request, unsigned index, int fd,
		   char *err)
{
	struct vu_msg m;
	int rc = vu_msg_vring_fd(&m, request, index, true);

	return rc ? rc : vu_link_call(d, &m, &fd, 1, NULL, err, ERR_LEN);
}

static int start_ring(struct vu_dev *d, unsigned i, bool enable, char *err)
{
	struct vu_sq *sq = &d->shadow->q[i];
	struct vu_queue *q = &d->q[i];
	struct vu_msg m;
	int rc;

	rc = send_state(d, VU_SET_VRING_NUM, i, sq->num, err);
	if (!rc)
		rc = send_state(d, VU_SET_VRING_BASE, i, q->base, err);
	if (!rc)
		rc = vu_msg_addr(&m, i, vu_sq_desc_addr(sq),
				 vu_sq_used_addr(sq), vu_sq_avail_addr(sq));
	if (!rc)
		rc = vu_link_call(d, &m, NULL, 0, NULL, err, ERR_LEN);
	if (!rc)
		rc = send_fd(d, VU_SET_VRING_KICK, i, q->kick_fd, err);
	if (!rc)
		rc = send_fd(d, VU_SET_VRING_CALL, i, q->call_fd, err);
	if (!rc)
		rc = send_fd(d, VU_SET_VRING_ERR, i, q->err_fd, err);
	/* With protocol features a ring starts disabled. */
	if (!rc && enable)
		rc = send_state(d, VU_SET_VRING_ENABLE, i, 1, err);
	if (!rc)
		q->started = true;
	return rc;
}

static int send_mem(struct vu_dev *d, char *err)
{
	struct vu_mem_region r;
	struct vu_msg m;
	int rc;

	vu_shadow_region(d->shadow, &r);
	rc = vu_msg_mem_table(&m, &r, 1);
	if (!rc)
		rc = vu_link_call(d, &m, &d->shadow->fd, 1, NULL, err, ERR_LEN);
	/*
	 * Once per connection: a back-end remaps on every SET_MEM_TABLE,
	 * under requests it may still be processing.
	 */
	d->mem_sent = !rc;
	return rc;
}

int vu_link_start(struct vu_dev *d)
{
	bool pf = d->be_features & (1ull << VU_F_PROTOCOL_FEATURES);
	char err[ERR_LEN] = "";
	uint64_t f;
	int rc;

	if (d->sock < 0) {
		log_guest(&d->vdev.log, LOG_WARN,
			  "vhost-user back-end %s not connected", d->path);
		return -ENOTCONN;
	}
	/* What the guest accepted, of what came from the back-end. */
	f = (d->vdev.guest_features & d->offered) |
	    (1ull << VIRTIO_F_VERSION_1);
	if (pf)
		f |= 1ull << VU_F_PROTOCOL_FEATURES;
	if (d->shadow->q[0].indirect)
		f |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	rc = send_u64(d, VU_SET_FEATURES, f, err);
	if (!rc && !d->mem_sent)
		rc = send_mem(d, err);
	for (unsigned i = 0; !rc && i < d->num_queues; i++) {
		if (d->vdev.queues[i].ready)
			rc = start_ring(d, i, pf, err);
	}
	if (!rc && ((d->protocol >> VU_PROTOCOL_F_STATUS) & 1))
		rc = send_u64(d, VU_SET_STATUS, d->vdev.status, err);
	if (rc)
		vu_link_lost(d, "starting the device: %s", err);
	return rc;
}

static int stop_ring(struct vu_dev *d, unsigned i, char *err)
{
	struct vu_queue *q = &d->q[i];
	struct vu_msg m, r;
	int rc;

	rc = vu_msg_state(&m, VU_GET_VRING_BASE, i, 0);
	if (!rc)
		rc = vu_link_call(d, &m, NULL, 0, &r, err, ERR_LEN);
	if (rc)
		return rc;
	rc = vu_sq_check_base(&d->shadow->q[i], (uint16_t)r.p.state.num);
	if (rc) {
		snprintf(err, ERR_LEN,
			 "GET_VRING_BASE: base %u of queue %u "
			 "is not between what was completed and published",
			 r.p.state.num, i);
		return rc;
	}
	q->base = (uint16_t)r.p.state.num;
	q->started = false;
	return 0;
}

static void arm(struct vu_dev *d, uint32_t ms)
{
	int rc = evloop_timer_arm(d->timer, (uint64_t)ms * 1000000, 0);

	if (rc)
		log_err(&d->vdev.log, "vhost-user %s: reconnection timer: %s",
			d->path, strerror(-rc));
}

static void try_reconnect(struct vu_dev *d)
{
	char err[256];

	if (!vu_link_connect(d, err, sizeof(err))) {
		log_info(&d->vdev.log, "vhost-user back-end %s connected",
			 d->path);
		d->backoff_ms = d->reconnect_min_ms;
		return;
	}
	log_debug(&d->vdev.log, "vhost-user back-end %s: %s; retry in %u ms",
		  d->path, err, d->backoff_ms);
	arm(d, d->backoff_ms);
	d->backoff_ms = d->backoff_ms * 2 > d->reconnect_max_ms ?
				d->reconnect_max_ms :
				d->backoff_ms * 2;
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

static void drop(struct vu_dev *d, bool fail, const char *why)
{
	log_warn(&d->vdev.log, "vhost-user back-end %s: %s%s", d->path, why,
		 fail ? "; the device needs a reset once it is back" : "");
	vu_link_close(d);
	if (fail && vdev_get_status(&d->vdev))
		vdev_fail(&d->vdev, "vhost-user back-end lost");
	d->backoff_ms = d->reconnect_min_ms;
	arm(d, d->backoff_ms);
}

void vu_link_lost(struct vu_dev *d, const char *fmt, ...)
{
	char why[ERR_LEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	drop(d, true, why);
}

static unsigned held(const struct vu_dev *d)
{
	unsigned n = 0;

	for (unsigned i = 0; d->shadow && i < d->num_queues; i++)
		n += d->shadow->q[i].inflight;
	return n;
}

int vu_link_stop(struct vu_dev *d)
{
	bool reset_dev = (d->protocol >> VU_PROTOCOL_F_RESET_DEVICE) & 1;
	bool status = (d->protocol >> VU_PROTOCOL_F_STATUS) & 1;
	char err[ERR_LEN] = "";
	int rc = 0;

	if (d->sock < 0)
		return 0;
	/* From here on nothing the back-end completes reaches the guest. */
	for (unsigned i = 0; i < d->num_queues; i++)
		vu_sq_orphan_all(&d->shadow->q[i]);
	for (unsigned i = 0; !rc && i < d->num_queues; i++) {
		if (d->q[i].started)
			rc = stop_ring(d, i, err);
	}
	if (!rc && reset_dev)
		rc = send_none(d, VU_RESET_DEVICE, err);
	if (!rc && status)
		rc = send_u64(d, VU_SET_STATUS, 0, err);
	if (rc) {
		drop(d, false, err);
		return rc;
	}
	for (unsigned i = 0; d->shadow && i < d->num_queues; i++)
		vu_dev_drain(d, i);
	if (d->shadow && held(d)) {
		log_info(&d->vdev.log,
			 "vhost-user back-end %s holds %u "
			 "requests at reset: reconnecting",
			 d->path, held(d));
		vu_link_close(d);
		try_reconnect(d);
	}
	return 0;
}

int vu_link_set_config(struct vu_dev *d, uint32_t offset, uint32_t len)
{
	char err[ERR_LEN] = "";
	struct vu_msg m;
	int rc;

	if (d->sock < 0 || !((d->protocol >> VU_PROTOCOL_F_CONFIG) & 1))
		return 0;
	rc = vu_msg_config(&m, VU_SET_CONFIG, offset, len, d->config + offset);
	if (!rc)
		rc = vu_link_call(d, &m, NULL, 0, NULL, err, ERR_LEN);
	/* A refused write is the guest's problem, not the connection's. */
	if (rc == -EREMOTEIO)
		log_guest(&d->vdev.log, LOG_WARN, "vhost-user: %s", err);
	else if (rc)
		vu_link_lost(d, "configuration write: %s", err);
	return rc;
}
