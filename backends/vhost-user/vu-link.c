// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connection to a vhost-user back-end (vhost-user.rst "Communication"):
 * the handshake, ring start and stop, and what happens when the back-end
 * goes away.
 *
 * Handshake, once per connection: GET_FEATURES (VIRTIO_F_VERSION_1 is
 * required: the guest only gets a modern device), GET/SET_PROTOCOL_FEATURES
 * (we take REPLY_ACK, CONFIG, MQ, RESET_DEVICE and STATUS where offered),
 * GET_QUEUE_NUM with MQ, SET_OWNER, GET_CONFIG. Then fresh shadow memory
 * and eventfds: a back-end never sees memory a previous one had.
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
#include <unistd.h>

#include "evloop.h"
#include "vu-conn.h"
#include "vu-dev.h"

#define PROTOCOL_WANTED                                                   \
	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) | \
	 (1ull << VU_PROTOCOL_F_CONFIG) |                                 \
	 (1ull << VU_PROTOCOL_F_RESET_DEVICE) |                           \
	 (1ull << VU_PROTOCOL_F_STATUS))

static bool has_protocol(const struct vu_dev *d, unsigned bit)
{
	return (d->protocol >> bit) & 1;
}

int vu_link_call(struct vu_dev *d, struct vu_msg *m, const int *fds,
		 unsigned nfds, struct vu_msg *reply, char *err, size_t err_len)
{
	const struct vu_msg_type *t = vu_msg_type(m->hdr.request);
	struct vu_msg ack;
	int rc;

	if (t && t->reply == VU_K_NONE &&
	    has_protocol(d, VU_PROTOCOL_F_REPLY_ACK))
		vu_msg_need_reply(m);
	rc = vu_conn_call(d->sock, m, fds, nfds, reply ? reply : &ack,
			  d->timeout_ms);
	if (rc)
		snprintf(err, err_len, "%s: %s", t ? t->name : "?",
			 strerror(-rc));
	return rc;
}

static int get_u64(struct vu_dev *d, uint32_t request, uint64_t *v, char *err,
		   size_t err_len)
{
	struct vu_msg m, r;
	int rc = vu_msg_none(&m, request);

	if (!rc)
		rc = vu_link_call(d, &m, NULL, 0, &r, err, err_len);
	if (!rc)
		*v = r.p.u64;
	return rc;
}

static int send_u64(struct vu_dev *d, uint32_t request, uint64_t v, char *err,
		    size_t err_len)
{
	struct vu_msg m;
	int rc = vu_msg_u64(&m, request, v);

	return rc ? rc : vu_link_call(d, &m, NULL, 0, NULL, err, err_len);
}

static int send_none(struct vu_dev *d, uint32_t request, char *err,
		     size_t err_len)
{
	struct vu_msg m;
	int rc = vu_msg_none(&m, request);

	return rc ? rc : vu_link_call(d, &m, NULL, 0, NULL, err, err_len);
}

static int negotiate(struct vu_dev *d, char *err, size_t err_len)
{
	uint64_t pf, n;
	int rc;

	rc = get_u64(d, VU_GET_FEATURES, &d->be_features, err, err_len);
	if (rc)
		return rc;
	if (!(d->be_features & (1ull << VIRTIO_F_VERSION_1))) {
		snprintf(err, err_len, "no VIRTIO_F_VERSION_1 in %#llx",
			 (unsigned long long)d->be_features);
		return -ENOTSUP;
	}
	if (d->be_features & (1ull << VU_F_PROTOCOL_FEATURES)) {
		rc = get_u64(d, VU_GET_PROTOCOL_FEATURES, &pf, err, err_len);
		if (!rc)
			rc = send_u64(d, VU_SET_PROTOCOL_FEATURES,
				      pf & PROTOCOL_WANTED, err, err_len);
		if (rc)
			return rc;
		d->protocol = pf & PROTOCOL_WANTED;
	}
	if (has_protocol(d, VU_PROTOCOL_F_MQ)) {
		rc = get_u64(d, VU_GET_QUEUE_NUM, &n, err, err_len);
		if (rc)
			return rc;
	} else {
		n = 1;
	}
	if (n < d->num_queues) {
		snprintf(err, err_len,
			 "%u queues wanted, the back-end has %llu",
			 d->num_queues, (unsigned long long)n);
		return -ENOTSUP;
	}
	return send_none(d, VU_SET_OWNER, err, err_len);
}

/*
 * The device configuration (the back-end's, or made up by the type) and the
 * back-end's feature bits we may offer (be_bits), then both limited as the
 * guest will see them.
 */
static int fetch_config(struct vu_dev *d, uint8_t *config, uint64_t *be_bits,
			uint64_t *guest_bits, uint16_t *max_iov, char *err,
			size_t err_len)
{
	const struct vu_type *t = d->type;
	struct vu_msg m, r;
	int rc;

	memset(config, 0, VU_CONFIG_MAX);
	if (t->backend_config) {
		if (!has_protocol(d, VU_PROTOCOL_F_CONFIG)) {
			snprintf(err, err_len,
				 "no CONFIG protocol feature: nothing to "
				 "show the guest as configuration");
			return -ENOTSUP;
		}
		rc = vu_msg_config(&m, VU_GET_CONFIG, 0, t->config_len, NULL);
		if (!rc)
			rc = vu_link_call(d, &m, NULL, 0, &r, err, err_len);
		if (rc)
			return rc;
		memcpy(config, r.p.config.data, t->config_len);
	}
	*be_bits = d->be_features & t->device_features;
	*guest_bits = *be_bits;
	*max_iov = t->limit(d, guest_bits, config);
	return 0;
}

static void on_call(void *opaque, int fd, uint32_t events)
{
	struct vu_queue *q = opaque;
	uint64_t v;

	/* Clears the counter; a spurious call just finds nothing. */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	vu_dev_drain(q->dev, q->idx);
}

static void on_err(void *opaque, int fd, uint32_t events)
{
	struct vu_queue *q = opaque;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	vu_link_lost(q->dev, "error signalled on queue %u", q->idx);
}

/* We sent nothing that wants an answer: anything readable is wrong. */
static void on_sock(void *opaque, int fd, uint32_t events)
{
	struct vu_dev *d = opaque;
	char c;

	if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		vu_link_lost(d, "unsolicited message");
	else
		vu_link_lost(d, "connection closed");
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

static int setup(struct vu_dev *d, char *err, size_t err_len)
{
	struct vu_shadow_params sp = {
		.nq = d->num_queues,
		.nslots = d->queue_size,
		.max_iov = d->max_iov,
		.slot_bytes = d->type->slot_bytes,
		.indirect =
			d->be_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC),
	};
	int rc;

	rc = vu_shadow_new(&sp, &d->shadow);
	for (unsigned i = 0; !rc && i < d->num_queues; i++)
		rc = add_queue(d, &d->q[i]);
	if (!rc)
		rc = evloop_add_fd(d->loop, d->sock, EPOLLIN | EPOLLRDHUP,
				   on_sock, d, &d->sock_w);
	if (rc)
		snprintf(err, err_len, "shadow memory and eventfds: %s",
			 strerror(-rc));
	return rc;
}

/*
 * A back-end that comes back must offer at least what the guest was offered;
 * a configuration that changed is shown to the guest.
 */
static int recheck(struct vu_dev *d, const uint8_t *config, uint64_t be_bits,
		   char *err, size_t err_len)
{
	uint64_t missing = d->offered & ~be_bits;

	if (missing) {
		snprintf(err, err_len, "features %#llx no longer offered",
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

int vu_link_connect(struct vu_dev *d, char *err, size_t err_len)
{
	uint8_t config[VU_CONFIG_MAX];
	uint64_t be_bits, guest_bits;
	uint16_t max_iov;
	int rc;

	rc = vu_conn_connect(d->path, &d->sock);
	if (rc) {
		snprintf(err, err_len, "connect: %s", strerror(-rc));
		return rc;
	}
	rc = negotiate(d, err, err_len);
	if (!rc)
		rc = fetch_config(d, config, &be_bits, &guest_bits, &max_iov,
				  err, err_len);
	if (!rc && d->vdev_ready) {
		rc = recheck(d, config, be_bits, err, err_len);
	} else if (!rc) {
		memcpy(d->config, config, sizeof(config));
		d->offered = be_bits;
		d->guest_offer = guest_bits;
		d->max_iov = max_iov;
	}
	if (!rc)
		rc = setup(d, err, err_len);
	if (rc)
		vu_link_close(d);
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vu_link_close(struct vu_dev *d)
{
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
		q->resched = false;
		q->base = 0;
	}
	/* Slots still held by the back-end die with it: nothing to give. */
	vu_shadow_free(d->shadow);
	d->shadow = NULL;
	d->mem_sent = false;
	d->protocol = 0;
	d->be_features = 0;
}
