// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock (virtio 1.2 §5.10): the queues and the packets on them;
 * the connections' host side is vsock-conn.c.
 *
 * tx: every packet is checked field by field before it touches a
 * connection, then consumed at once: its payload goes to the host socket
 * or into the connection's buffer (within the credit we gave), so one slow
 * host program never holds the queue the other connections share. A
 * packet that breaks a stream rule resets its connection; one whose
 * addresses are not the guest's and the host's is dropped; a buffer in the
 * wrong direction breaks the queue (DEVICE_NEEDS_RESET). Each has a
 * rate-limited log line.
 *
 * rx: what the guest is owed (RSTs for connections already gone, then the
 * connections queued in a list, one packet each in turn) goes into the
 * buffers the guest posted; payload is read from the host socket straight
 * into them, never more than the guest's credit.
 *
 * Each loop turn does a bounded amount of work per queue; a notifier
 * brings the next turn.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ids.h>
/* <linux/vm_sockets.h> uses struct sockaddr without including it. */
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include "evloop.h"
#include "iov.h"
#include "vsock-conn.h"

#define RXQ 0 /* §5.10.2 */
#define TXQ 1
#define EVQ 2
#define TURN_BUFS (VSOCK_QUEUE_SIZE / 2)

static const struct vdev_ops vsock_ops;

void vsock_want_rx(struct vsock *vs, struct vsock_conn *c)
{
	if (c->queued)
		return;
	c->queued = true;
	c->next = NULL;
	c->prev = vs->last;
	if (vs->last)
		vs->last->next = c;
	else
		vs->first = c;
	vs->last = c;
}

void vsock_unqueue(struct vsock *vs, struct vsock_conn *c)
{
	if (!c->queued)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		vs->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		vs->last = c->prev;
	c->queued = false;
	c->prev = c->next = NULL;
}

void vsock_owe_rst(struct vsock *vs, uint32_t host_port, uint32_t guest_port)
{
	unsigned cap = vs->max_conns + 1;

	if (vs->rst_len == cap) {
		log_guest(&vs->vdev.log, LOG_WARN,
			  "vsock: %u RSTs unsent (no rx buffers): one dropped",
			  cap);
		return;
	}
	vs->rst[(vs->rst_head + vs->rst_len++) % cap] =
		(struct vsock_rst){ host_port, guest_port };
}

/* Writes the header of a packet from host_port to guest_port. */
static void put_hdr(struct vsock *vs, struct vq_elem *e, uint32_t host_port,
		    uint32_t guest_port, uint16_t op, uint32_t len,
		    uint32_t flags, const struct vsock_conn *c)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(VMADDR_CID_HOST),
		.dst_cid = htole64(vs->cid),
		.src_port = htole32(host_port),
		.dst_port = htole32(guest_port),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(c ? VSOCK_BUF_ALLOC : 0),
		.fwd_cnt = htole32(c ? c->fwd_cnt : 0),
	};
	struct iov_cursor cur;

	iov_cursor_init(&cur, e->in, e->in_num);
	iov_cursor_write(&cur, &h, VSOCK_HDR_LEN);
}

/* Payload for c read from its host socket into e: its length, or 0. */
static uint32_t read_payload(struct vsock_conn *c, struct vq_elem *e,
			     bool *gone)
{
	uint32_t room = e->in_len - VSOCK_HDR_LEN, credit;
	struct iovec iov[VSOCK_MAX_IOV];
	struct iov_cursor cur;
	ssize_t n;
	int cnt;

	credit = vsock_conn_credit(c);
	if (c->state != VS_OPEN || !c->readable || !credit ||
	    (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) || !room)
		return 0;
	iov_cursor_init(&cur, e->in, e->in_num);
	iov_cursor_skip(&cur, VSOCK_HDR_LEN);
	/* in_num <= VSOCK_MAX_IOV: the slice always fits. */
	cnt = iov_cursor_slice(&cur, room < credit ? room : credit, iov,
			       VSOCK_MAX_IOV);
	assert(cnt > 0);
	n = vsock_conn_read(c, iov, (unsigned)cnt);
	if (n > 0) {
		c->tx_cnt += (uint32_t)n;
		return (uint32_t)n;
	}
	if (n == 0) {
		/* §5.10.6.5: end of file: the host will send no more. */
		c->pend |= PEND_SHUTDOWN;
		c->shut_flags |= VIRTIO_VSOCK_SHUTDOWN_SEND;
		if (c->hup)
			c->shut_flags |= VIRTIO_VSOCK_SHUTDOWN_RCV;
	} else if (n != -EAGAIN) {
		vsock_conn_close(c, true);
		*gone = true;
	}
	return 0;
}

static bool has_work(const struct vsock_conn *c)
{
	return c->pend || (c->state == VS_OPEN && c->readable &&
			   !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
			   vsock_conn_credit(c));
}

/* One packet from the first queued connection into e: its size, or 0. */
static uint32_t conn_packet(struct vsock *vs, struct vq_elem *e)
{
	struct vsock_conn *c = vs->first;
	uint32_t len = 0, flags = 0;
	bool gone = false;
	uint16_t op = 0;

	vsock_unqueue(vs, c);
	if (c->pend & PEND_REQUEST) {
		op = VIRTIO_VSOCK_OP_REQUEST;
	} else if (c->pend & PEND_RESPONSE) {
		op = VIRTIO_VSOCK_OP_RESPONSE;
	} else {
		len = read_payload(c, e, &gone);
		if (gone)
			return 0;
		if (len)
			op = VIRTIO_VSOCK_OP_RW;
	}
	if (!op && (c->pend & PEND_SHUTDOWN)) {
		op = VIRTIO_VSOCK_OP_SHUTDOWN;
		flags = c->shut_flags;
	} else if (!op && (c->pend & PEND_CREDIT)) {
		op = VIRTIO_VSOCK_OP_CREDIT_UPDATE;
	}
	if (op) {
		c->pend &= ~(op == VIRTIO_VSOCK_OP_REQUEST  ? PEND_REQUEST :
			     op == VIRTIO_VSOCK_OP_RESPONSE ? PEND_RESPONSE :
			     op == VIRTIO_VSOCK_OP_SHUTDOWN ? PEND_SHUTDOWN :
							      0);
		/* Every packet tells our credit (§5.10.6.3). */
		c->pend &= ~PEND_CREDIT;
		c->fwd_sent = c->fwd_cnt;
		put_hdr(vs, e, c->host_port, c->guest_port, op, len, flags, c);
	}
	if (has_work(c))
		vsock_want_rx(vs, c);
	vsock_conn_update(c);
	return op ? VSOCK_HDR_LEN + len : 0;
}

/* virtio 1.2 §5.10.6.4: rx buffers are device-writable, room for a header. */
static bool rx_usable(struct vsock *vs, struct vq_elem *e)
{
	if (!e->out_num && e->in_len >= VSOCK_HDR_LEN)
		return true;
	vdev_fail(&vs->vdev, "rx: head %u: %s (virtio 1.2 §5.10.6.4)", e->head,
		  e->out_num ? "device-readable buffer" :
			       "no room for a header");
	vdev_push(&vs->vdev, RXQ, e, 0); /* broken queue: only released */
	return false;
}

void vsock_run_rx(struct vsock *vs)
{
	unsigned bufs = 0, cap = vs->max_conns + 1;
	bool pushed = false;
	uint32_t n;

	while (vdev_is_live(&vs->vdev) && (vs->rst_len || vs->first)) {
		if (bufs >= TURN_BUFS) {
			evloop_notifier_signal(vs->kick);
			break;
		}
		if (!vs->rx) {
			vs->rx = vdev_pop(&vs->vdev, RXQ);
			if (!vs->rx)
				break; /* held until the guest posts more */
			if (!rx_usable(vs, vs->rx)) {
				vs->rx = NULL;
				break;
			}
		}
		if (vs->rst_len) {
			struct vsock_rst r = vs->rst[vs->rst_head];

			vs->rst_head = (vs->rst_head + 1) % cap;
			vs->rst_len--;
			put_hdr(vs, vs->rx, r.host_port, r.guest_port,
				VIRTIO_VSOCK_OP_RST, 0, 0, NULL);
			n = VSOCK_HDR_LEN;
		} else {
			n = conn_packet(vs, vs->rx);
			if (!n)
				continue;
		}
		vdev_push(&vs->vdev, RXQ, vs->rx, n);
		vs->rx = NULL;
		pushed = true;
		bufs++;
	}
	if (pushed)
		vdev_notify(&vs->vdev, RXQ);
}

static void on_kick(void *opaque)
{
	vsock_process_tx(opaque);
	vsock_run_rx(opaque);
}

static int vsock_activate(struct vdev *vdev)
{
	struct vsock *vs = container_of(vdev, struct vsock, vdev);

	/* Buffers the driver made available before DRIVER_OK. */
	evloop_notifier_signal(vs->kick);
	return 0;
}

static void vsock_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct vsock *vs = container_of(vdev, struct vsock, vdev);

	/* The event queue's buffers wait for an event that never comes. */
	if (qidx == TXQ)
		vsock_process_tx(vs);
	if (qidx != EVQ)
		vsock_run_rx(vs);
}

/*
 * virtio 1.2 §2.4: nothing is written after a reset. Every connection is
 * closed (the host programs see end of file); the held rx buffer is the
 * vdev layer's to take back (vq_stop()). The listener stays.
 */
static void vsock_reset(struct vdev *vdev)
{
	struct vsock *vs = container_of(vdev, struct vsock, vdev);

	vs->rx = NULL;
	vs->rst_head = vs->rst_len = 0;
	if (vs->conns)
		vsock_conn_close_all(vs);
	vs->rst_len = 0;
}

static const struct vdev_ops vsock_ops = {
	.type = "vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.activate = vsock_activate,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
};

int vsock_check_cid(uint64_t cid)
{
	/* 0, 1, 2: hypervisor, local, host; -1U: any (vm_sockets.h). */
	return cid <= VMADDR_CID_HOST || cid >= VMADDR_CID_ANY ? -EINVAL : 0;
}

static int init_vdev(struct vsock *vs, const struct vdev_params *vp, char *err,
		     size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	params.ops = &vsock_ops;
	/* §5.10.3: VIRTIO_VSOCK_F_SEQPACKET is not offered. */
	params.num_queues = 3; /* §5.10.2: rx, tx, event */
	params.queue_num_max = VSOCK_QUEUE_SIZE;
	params.max_iov = VSOCK_MAX_IOV;
	vs->config.guest_cid = htole64(vs->cid); /* §5.10.4 */
	params.config = &vs->config;
	params.config_len = sizeof(vs->config);
	rc = vdev_init(&vs->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "vsock: device: %s", strerror(-rc));
		return rc;
	}
	vs->vdev_ready = true;
	return 0;
}

static int alloc_tables(struct vsock *vs)
{
	vs->conns = calloc(vs->max_conns, sizeof(*vs->conns));
	vs->rst = calloc(vs->max_conns + 1, sizeof(*vs->rst));
	return vs->conns && vs->rst ? 0 : -ENOMEM;
}

int vsock_new(const struct vsock_params *p, const struct vdev_params *vp,
	      struct evloop *loop, struct vsock **out, char *err,
	      size_t err_len)
{
	struct vsock *vs;
	int rc;

	*out = NULL;
	if (err_len)
		err[0] = '\0';
	if (vsock_check_cid(p->guest_cid) || !p->path || p->path[0] != '/' ||
	    strlen(p->path) > VSOCK_PATH_MAX) {
		snprintf(err, err_len, "vsock: bad CID or path");
		return -EINVAL;
	}
	vs = calloc(1, sizeof(*vs));
	if (!vs) {
		snprintf(err, err_len, "vsock: out of memory");
		return -ENOMEM;
	}
	vs->listen_fd = -1;
	vs->loop = loop;
	vs->cid = p->guest_cid;
	vs->max_conns = p->max_conns ? p->max_conns : VSOCK_MAX_CONNS;
	vs->next_port = 1024;
	strcpy(vs->path, p->path);
	rc = alloc_tables(vs);
	/* The host side logs through the device's source: init it first. */
	if (!rc)
		rc = init_vdev(vs, vp, err, err_len);
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, vs, &vs->kick);
	if (!rc)
		rc = vsock_listen(vs, err, err_len);
	if (rc) {
		if (!err[0])
			snprintf(err, err_len, "vsock: %s", strerror(-rc));
		vsock_free(vs);
		return rc;
	}
	*out = vs;
	return 0;
}

void vsock_free(struct vsock *vs)
{
	if (!vs)
		return;
	if (vs->vdev_ready)
		vdev_fini(&vs->vdev); /* resets: closes every connection */
	else if (vs->conns)
		vsock_conn_close_all(vs);
	evloop_del_notifier(vs->kick);
	vsock_unlisten(vs);
	free(vs->conns);
	free(vs->rst);
	free(vs);
}

struct vdev *vsock_vdev(struct vsock *vs)
{
	return &vs->vdev;
}

struct vsock *vsock_of(struct vdev *vdev)
{
	assert(vdev->ops == &vsock_ops);
	return container_of(vdev, struct vsock, vdev);
}

unsigned vsock_nr_conns(const struct vsock *vs)
{
	return vs->nr_conns;
}
