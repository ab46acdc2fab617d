// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock's tx queue (virtio 1.2 §5.10.6.4): each packet the guest
 * sends is checked before anything acts on it, in this order:
 *
 * - the chain is device-readable only (else the queue is broken);
 * - it holds a whole header, wherever the descriptors split it (§2.7.4);
 * - src_cid is the guest's own CID (else dropped: there is nobody to
 *   answer) and dst_cid the host's (else RST), §5.10.6.2;
 * - len is exactly the payload the chain carries, type is STREAM (no
 *   SEQPACKET was offered), op is known, flags are only SHUTDOWN's
 *   (else RST), §5.10.6;
 * - its fwd_cnt does not run ahead of what we sent, or back (else RST),
 *   and an OP_RW stays within our credit (else RST), §5.10.6.3;
 * - its op fits the connection's state (else RST), §5.10.6.5.
 *
 * Every chain is consumed and returned at once with 0 bytes written.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

/* <linux/vm_sockets.h> uses struct sockaddr without including it. */
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include "evloop.h"
#include "iov.h"
#include "vsock-conn.h"

#define TXQ 1
#define TURN_BUFS (VSOCK_QUEUE_SIZE / 2)

struct pkt {
	struct virtio_vsock_hdr h; /* as the guest sent it */
	uint32_t host_port, guest_port, len, flags;
	uint16_t op;
};

/* A guest mistake on a connection (or a pair): log, then RST. */
static void reset(struct vsock *vs, struct vsock_conn *c, const struct pkt *p,
		  const char *why)
{
	log_guest(&vs->vdev.log, LOG_WARN, "vsock %u->%u op %u: %s, reset",
		  p->guest_port, p->host_port, p->op, why);
	if (c)
		vsock_conn_close(c, true);
	else
		vsock_owe_rst(vs, p->host_port, p->guest_port);
}

/*
 * The header's own rules; false when p is dealt with (dropped, or RST and
 * c, the connection it names if any, closed).
 */
static bool check_hdr(struct vsock *vs, struct vsock_conn *c,
		      const struct pkt *p, uint32_t payload)
{
	uint64_t src = le64toh(p->h.src_cid), dst = le64toh(p->h.dst_cid);
	const char *why = NULL;

	if (src != vs->cid) {
		log_guest(&vs->vdev.log, LOG_WARN,
			  "vsock: src_cid %llu is not the guest's %llu "
			  "(virtio 1.2 §5.10.6.2): dropped",
			  (unsigned long long)src, (unsigned long long)vs->cid);
		return false;
	}
	if (dst != VMADDR_CID_HOST)
		why = "dst_cid is not the host (virtio 1.2 §5.10.6.2)";
	else if (p->len != payload)
		why = "len differs from the payload (virtio 1.2 §5.10.6)";
	else if (le16toh(p->h.type) != VIRTIO_VSOCK_TYPE_STREAM)
		why = "type is not STREAM (virtio 1.2 §5.10.6)";
	else if (p->op < VIRTIO_VSOCK_OP_REQUEST ||
		 p->op > VIRTIO_VSOCK_OP_CREDIT_REQUEST)
		why = "unknown op (virtio 1.2 §5.10.6)";
	else if (p->flags && (p->op != VIRTIO_VSOCK_OP_SHUTDOWN ||
			      (p->flags & ~(uint32_t)VSOCK_SHUT_ALL)))
		why = "unknown flags (virtio 1.2 §5.10.6)";
	if (!why)
		return true;
	/* §5.10.6.5: a RST is never answered, whatever else is wrong. */
	if (p->op == VIRTIO_VSOCK_OP_RST) {
		log_guest(&vs->vdev.log, LOG_WARN, "vsock: RST: %s", why);
		if (c)
			vsock_conn_close(c, false);
		return false;
	}
	reset(vs, c, p, why);
	return false;
}

static void request(struct vsock *vs, struct vsock_conn *c, const struct pkt *p)
{
	if (c) {
		reset(vs, c, p, "request for an open connection");
		return;
	}
	vsock_conn_connect(vs, &p->h);
}

/* What p does to c, whose state it must fit (§5.10.6.5). */
static void on_conn(struct vsock *vs, struct vsock_conn *c, const struct pkt *p,
		    struct iov_cursor *cur)
{
	int rc;

	if (!vsock_conn_peer_credit(c, &p->h)) {
		reset(vs, c, p,
		      "fwd_cnt is not what it received (virtio 1.2 "
		      "§5.10.6.3)");
		return;
	}
	switch (p->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != VS_REQUEST)
			reset(vs, c, p, "response to no request");
		else
			vsock_conn_accepted(c);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (c->state != VS_OPEN)
			reset(vs, c, p, "shutdown before connected");
		else
			vsock_conn_shutdown(c, p->flags);
		return;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != VS_OPEN ||
		    (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND)) {
			reset(vs, c, p,
			      "data while not connected or shut down");
			return;
		}
		rc = vsock_conn_from_guest(c, cur, p->len);
		if (rc == -ENOSPC)
			reset(vs, c, p,
			      "data beyond our credit (virtio 1.2 §5.10.6.3.1)");
		else if (rc)
			vsock_conn_close(c, true); /* the host side failed */
		return;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pend |= PEND_CREDIT;
		vsock_want_rx(vs, c);
		return;
	default: /* CREDIT_UPDATE: the credit is taken above */
		return;
	}
}

static void handle(struct vsock *vs, struct vq_elem *e)
{
	struct iov_cursor cur;
	struct vsock_conn *c;
	struct pkt p;

	iov_cursor_init(&cur, e->out, e->out_num);
	if (iov_cursor_read(&cur, &p.h, VSOCK_HDR_LEN) < VSOCK_HDR_LEN) {
		log_guest(&vs->vdev.log, LOG_WARN,
			  "vsock: tx head %u: %u bytes, no whole header "
			  "(virtio 1.2 §5.10.6): dropped",
			  e->head, e->out_len);
		return;
	}
	p.host_port = le32toh(p.h.dst_port);
	p.guest_port = le32toh(p.h.src_port);
	p.len = le32toh(p.h.len);
	p.flags = le32toh(p.h.flags);
	p.op = le16toh(p.h.op);
	c = vsock_conn_find(vs, p.host_port, p.guest_port);
	if (!check_hdr(vs, c, &p, e->out_len - VSOCK_HDR_LEN))
		return;
	if (p.op == VIRTIO_VSOCK_OP_RST) {
		if (c)
			vsock_conn_close(c, false);
	} else if (p.op == VIRTIO_VSOCK_OP_REQUEST) {
		request(vs, c, &p);
	} else if (!c) {
		/* §5.10.6.5: no such connection (any more): RST. */
		vsock_owe_rst(vs, p.host_port, p.guest_port);
	} else {
		on_conn(vs, c, &p, &cur);
	}
}

/* virtio 1.2 §5.10.6.4: tx buffers are device-readable only. */
static bool tx_usable(struct vsock *vs, struct vq_elem *e)
{
	if (!e->in_num && !e->in_len)
		return true;
	vdev_fail(&vs->vdev,
		  "tx: head %u: device-writable buffer (virtio 1.2 §5.10.6.4)",
		  e->head);
	vdev_push(&vs->vdev, TXQ, e, 0); /* broken queue: only released */
	return false;
}

void vsock_process_tx(struct vsock *vs)
{
	unsigned bufs = 0;
	bool pushed = false;
	struct vq_elem *e;

	while (vdev_is_live(&vs->vdev)) {
		if (bufs >= TURN_BUFS) {
			evloop_notifier_signal(vs->kick);
			break;
		}
		e = vdev_pop(&vs->vdev, TXQ);
		if (!e || !tx_usable(vs, e))
			break;
		handle(vs, e);
		/* The tx queue's buffers are only read: 0 bytes written. */
		vdev_push(&vs->vdev, TXQ, e, 0);
		pushed = true;
		bufs++;
	}
	if (pushed)
		vdev_notify(&vs->vdev, TXQ);
}
