// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connection to a vhost-user back-end (vhost-user.rst "Communication"):
 * connecting, the handshake job, the eventfds, and closing.
 *
 * Handshake, once per connection, a job run from the event loop (vu-job.c):
 * GET_FEATURES (VIRTIO_F_VERSION_1 is required: the guest only gets a
 * modern device), GET/SET_PROTOCOL_FEATURES (we take REPLY_ACK, CONFIG, MQ,
 * RESET_DEVICE, STATUS, INFLIGHT_SHMFD, and XEN_MMAP when the daemon
 * described the guest's RAM, where offered), GET_QUEUE_NUM with MQ,
 * SET_OWNER, GET_CONFIG into new_config (the guest reads the cached
 * configuration meanwhile). Then fresh shadow memory and eventfds: a
 * back-end never sees memory a previous one had, except the successor of
 * one that died with requests in flight under INFLIGHT_SHMFD, which gets
 * the same shadow to resume them.
 *
 * With REPLY_ACK every request without a reply body asks for one, so a
 * refusal stops us there instead of showing up later as a hung queue. Any
 * failed exchange drops the connection: the back-end's state is then
 * unknown, and reconnecting gives a clean session.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "vu-conn.h"
#include "vu-dev.h"

#define PROTOCOL_WANTED                                                   \
	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VU_PROTOCOL_F_CONFIG) |                                 \
	 (1ull << VU_PROTOCOL_F_RESET_DEVICE) |                           \
	 (1ull << VU_PROTOCOL_F_STATUS) |                                 \
	 (1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD))

static bool has_protocol(const struct vu_dev *d, unsigned bit)
{
	return (d->protocol >> bit) & 1;
}

/* What we take of the back-end's protocol features. */
static uint64_t protocol_wanted(const struct vu_dev *d)
{
	uint64_t w = PROTOCOL_WANTED;

	if (d->xen.enabled)
		w |= 1ull << VU_PROTOCOL_F_XEN_MMAP;
	return w;
}

enum hs_step {
	HS_FEATURES,
	HS_GET_PROTOCOL,
	HS_SET_PROTOCOL,
	HS_QUEUES,
	HS_OWNER,
	HS_CONFIG,
	HS_END,
};

/* A builder's result as next() returns it. */
static int built(struct vu_dev *d, int rc)
{
	if (rc)
		snprintf(d->why, sizeof(d->why), "building a request: %s",
			 strerror(-rc));
	return rc ? rc : 1;
}

static int hs_queues(struct vu_dev *d, uint64_t n)
{
	if (n >= d->num_queues)
		return 0;
	snprintf(d->why, sizeof(d->why),
		 "%u queues wanted, the back-end has %llu", d->num_queues,
		 (unsigned long long)n);
	return -ENOTSUP;
}

static int hs_next(struct vu_dev *d, struct vu_job *j, struct vu_msg *m,
		   int *fds, unsigned *nfds)
{
	bool pf = d->be_features & (1ull << VU_F_PROTOCOL_FEATURES);
	int rc;

	switch (j->step++) {
	case HS_FEATURES:
		return built(d, vu_msg_none(m, VU_GET_FEATURES));
	case HS_GET_PROTOCOL:
		if (pf)
			return built(d,
				     vu_msg_none(m, VU_GET_PROTOCOL_FEATURES));
		j->step = HS_QUEUES;
		return hs_next(d, j, m, fds, nfds);
	case HS_SET_PROTOCOL:
		j->u64 &= protocol_wanted(d);
		return built(d,
			     vu_msg_u64(m, VU_SET_PROTOCOL_FEATURES, j->u64));
	case HS_QUEUES:
		/* From here on (not for SET_PROTOCOL_FEATURES itself). */
		d->protocol = pf ? j->u64 : 0;
		if (has_protocol(d, VU_PROTOCOL_F_MQ))
			return built(d, vu_msg_none(m, VU_GET_QUEUE_NUM));
		rc = hs_queues(d, 1);
		if (rc)
			return rc;
		return hs_next(d, j, m, fds, nfds);
	case HS_OWNER:
		return built(d, vu_msg_none(m, VU_SET_OWNER));
	case HS_CONFIG:
		memset(d->new_config, 0, sizeof(d->new_config));
		if (!d->type->backend_config)
			return 0;
		if (!has_protocol(d, VU_PROTOCOL_F_CONFIG)) {
			snprintf(d->why, sizeof(d->why),
				 "no CONFIG protocol feature: nothing to "
				 "show the guest as configuration");
			return -ENOTSUP;
		}
		return built(d, vu_msg_config(m, VU_GET_CONFIG, 0,
					      d->type->config_len, NULL));
	default:
		return 0;
	}
}

static int hs_reply(struct vu_dev *d, struct vu_job *j, const struct vu_msg *m,
		    struct vu_rx *rx, int rc)
{
	const struct vu_msg *r = &rx->msg;

	if (rc)
		return rc;
	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		d->be_features = r->p.u64;
		if (d->be_features & (1ull << VIRTIO_F_VERSION_1))
			return 0;
		snprintf(d->why, sizeof(d->why),
			 "no VIRTIO_F_VERSION_1 in %#llx",
			 (unsigned long long)d->be_features);
		return -ENOTSUP;
	case VU_GET_PROTOCOL_FEATURES:
		j->u64 = r->p.u64;
		return 0;
	case VU_GET_QUEUE_NUM:
		return hs_queues(d, r->p.u64);
	case VU_GET_CONFIG:
		/* Not d->config: the guest reads that meanwhile. */
		memcpy(d->new_config, r->p.config.data, d->type->config_len);
		return 0;
	default:
		return 0;
	}
}

static void hs_done(struct vu_dev *d, struct vu_job *j);

static const struct vu_job_ops handshake = {
	.name = "handshake",
	.next = hs_next,
	.reply = hs_reply,
	.done = hs_done,
};

/*
 * The back-end's feature bits we may offer (be_bits), then those and the
 * configuration limited as the guest will see them.
 */
static void limits(struct vu_dev *d, uint8_t *config, uint64_t *be_bits,
		   uint64_t *guest_bits, uint16_t *max_iov)
{
	*be_bits = d->be_features & d->type->device_features;
	*guest_bits = *be_bits;
	*max_iov = d->type->limit(d, guest_bits, config);
}

static void on_call(void *opaque, int fd, uint32_t events)
{
	struct vu_queue *q = opaque;
	uint64_t v;

	/* Clears the counter; a spurious call just finds nothing. */
	if (read(fd, &v, sizeof(v)) < 0) {
		if (errno != EAGAIN)
			return;
		v = 0;
	}
	/* The counter: how many times the back-end signalled. */
	q->dev->stats.calls += v;
	q->dev->stats.wakeups++;
	if (q->dev->xen.on)
		vu_xen_call(q->dev);
	else
		vu_dev_drain(q->dev, q->idx);
}

static void on_err(void *opaque, int fd, uint32_t events)
{
	struct vu_queue *q = opaque;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	q->dev->fail_rc = -EIO;
	vu_link_lost(q->dev, "error signalled on queue %u", q->idx);
}

static void on_sock(void *opaque, int fd, uint32_t events)
{
	vu_job_on_sock(opaque);
}

static int add_queue(struct vu_dev *d, struct vu_queue *q)
{
	int rc;

	q->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->kick_fd < 0 || q->call_fd < 0 || q->err_fd < 0)
		return -errno;
	rc = evloop_add_fd(d->loop, q->call_fd, EPOLLIN, on_call, q,
			   &q->call_w);
	if (!rc)
		rc = evloop_add_fd(d->loop, q->err_fd, EPOLLIN, on_err, q,
				   &q->err_w);
	return rc;
}

static int setup(struct vu_dev *d)
{
	struct vu_shadow_params sp = {
		.nq = d->num_queues,
		.nslots = d->queue_size,
		.max_iov = d->max_iov,
		.slot_bytes = d->type->slot_bytes,
		.indirect =
			d->be_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC),
	};
	int rc = 0;

	/* A shadow kept for this back-end (INFLIGHT_SHMFD) is reused. */
	if (!d->shadow)
		rc = vu_shadow_new(&sp, &d->shadow);
	for (unsigned i = 0; !rc && i < d->num_queues; i++)
		rc = add_queue(d, &d->q[i]);
	if (rc)
		snprintf(d->why, sizeof(d->why),
			 "shadow memory and eventfds: %s", strerror(-rc));
	return rc;
}

/*
 * A back-end that comes back must offer at least what the guest was offered;
 * a configuration that changed is shown to the guest.
 */
static int recheck(struct vu_dev *d, const uint8_t *config, uint64_t be_bits)
{
	uint64_t missing = d->offered & ~be_bits;

	/* Requests kept in the shadow are described the way it was. */
	if (d->shadow && d->shadow->q[0].indirect)
		missing |=
			~d->be_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	if (missing) {
		snprintf(d->why, sizeof(d->why),
			 "features %#llx no longer offered",
			 (unsigned long long)missing);
		return -ENOTSUP;
	}
	if (memcmp(config, d->config, d->type->config_len)) {
		log_warn(&d->vdev.log, "vhost-user %s: configuration changed",
			 d->path);
		memcpy(d->config, config, d->type->config_len);
		vdev_config_changed(&d->vdev);
	}
	return 0;
}

/* The handshake went through: the limits, then memory and eventfds. */
static void hs_done(struct vu_dev *d, struct vu_job *j)
{
	uint8_t *config = d->new_config;
	uint64_t be_bits, guest_bits;
	uint16_t max_iov;
	int rc = 0;

	limits(d, config, &be_bits, &guest_bits, &max_iov);
	if (d->vdev_ready) {
		rc = recheck(d, config, be_bits);
	} else {
		memcpy(d->config, config, sizeof(d->config));
		d->offered = be_bits;
		d->guest_offer = guest_bits;
		d->max_iov = max_iov;
	}
	if (!rc)
		rc = setup(d);
	if (rc) {
		d->fail_rc = rc;
		vu_link_lost(d, "%s", d->why);
		return;
	}
	d->up = true;
	d->xen.on = vu_xen_usable(d);
	if (!d->creating)
		vu_link_up(d);
}

int vu_link_connect(struct vu_dev *d, char *err, size_t err_len)
{
	int rc;

	rc = vu_conn_connect(d->path, &d->sock);
	if (!rc)
		rc = evloop_add_fd(d->loop, d->sock, EPOLLIN | EPOLLRDHUP,
				   on_sock, d, &d->sock_w);
	if (!rc)
		rc = vu_job_push(d, &handshake, 0, 0);
	if (rc) {
		snprintf(err, err_len, "connect: %s", strerror(-rc));
		vu_link_close(d);
	}
	return rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vu_link_connect_sync(struct vu_dev *d, char *err, size_t err_len)
{
	int64_t deadline = now_ms() + d->timeout_ms;
	char buf[32];
	int rc;

	d->creating = true;
	rc = vu_link_connect(d, err, err_len);
	while (!rc && d->sock >= 0 && !d->up) {
		rc = vu_conn_wait(d->sock, (int)(deadline - now_ms()));
		if (rc) {
			snprintf(err, err_len, "%s: no reply within %d ms",
				 vu_msg_name(d->req.hdr.request, buf,
					     sizeof(buf)),
				 d->timeout_ms);
			vu_link_close(d);
			break;
		}
		vu_job_on_sock(d);
	}
	if (!rc && !d->up) {
		snprintf(err, err_len, "%s", d->why);
		rc = d->fail_rc ? d->fail_rc : -EPROTO;
	}
	d->creating = false;
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_conn(struct vu_dev *d, bool keep)
{
	vu_job_clear(d);
	d->up = false;
	evloop_del_fd(d->sock_w);
	d->sock_w = NULL;
	close_fd(&d->sock);
	for (unsigned i = 0; d->q && i < d->num_queues; i++) {
		struct vu_queue *q = &d->q[i];

		evloop_del_fd(q->call_w);
		evloop_del_fd(q->err_w);
		q->call_w = q->err_w = NULL;
		close_fd(&q->kick_fd);
		close_fd(&q->call_fd);
		close_fd(&q->err_fd);
		q->started = false;
		q->running = false;
		q->resched = false;
		/* A kept ring restarts where the back-end's completions end. */
		q->base = keep ? d->shadow->q[i].last_used : 0;
	}
	d->kept = keep;
	d->mem_sent = false;
	d->protocol = 0;
	d->be_features = 0;
	d->inflight.sent = false;
	vu_xen_close(d);
	if (keep)
		return;
	/* Slots still held by the back-end die with it: nothing to give. */
	vu_shadow_free(d->shadow);
	d->shadow = NULL;
}

void vu_link_close(struct vu_dev *d)
{
	close_conn(d, false);
}

void vu_link_suspend(struct vu_dev *d)
{
	close_conn(d, true);
}
