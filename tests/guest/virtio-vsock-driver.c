// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock, guest side, after Linux's net/vmw_vsock/virtio_transport.c
 * and virtio_transport_common.c (behaviour and order of device accesses,
 * not code): virtio_vsock_probe, virtio_vsock_rx_fill / event_fill,
 * virtio_transport_rx_work, virtio_transport_recv_pkt and its per-state
 * handlers, virtio_transport_send_pkt_info with the credit of
 * virtio_transport_get_credit, and stream_do_dequeue's credit update.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-vsock-driver.h"
#include "virtio-vsock-int.h"

#define RXB_LEN (VSDRV_HDR + VSDRV_RX_BUF)
#define TXB_LEN (VSDRV_HDR + VSDRV_MAX_PKT)
#define SHUT_ALL (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bad(struct vsdrv *d, const char *what)
{
	d->errors++;
	snprintf(d->error, sizeof(d->error), "%s", what);
}

static int alloc_slot(struct vsdrv *d, struct vsdrv_slot *s, uint32_t len)
{
	const struct guest_bus *bus = d->p.bus;

	if (gpa_pool_alloc(d->p.pool, len, 64, &s->gpa))
		return -ENOMEM;
	s->host = bus->ram(bus->opaque, s->gpa, len);
	if (!s->host) {
		gpa_pool_free(d->p.pool, s->gpa, len);
		return -EFAULT;
	}
	return 0;
}

static void free_slot(struct vsdrv *d, struct vsdrv_slot *s, uint32_t len)
{
	if (s->host)
		gpa_pool_free(d->p.pool, s->gpa, len);
	s->host = NULL;
}

void vsdrv_free_sock(struct vsdrv_sock *s)
{
	free(s->rx);
	memset(s, 0, sizeof(*s));
}

/* Tx buffers the device has used are ours again. */
static void reclaim_tx(struct vsdrv *d)
{
	struct vsdrv_slot *s;
	uint32_t len;
	void *data;

	while (vrdrv_get_buf(d->tx_vq, &data, &len) == 1) {
		s = data;
		s->busy = false;
	}
}

int64_t vsdrv_deadline(const struct vsdrv *d)
{
	return now_ms() + d->p.timeout_ms;
}

int vsdrv_wait_until(struct vsdrv *d, int64_t end)
{
	int64_t left = end - now_ms();

	if (left <= 0)
		return -ETIMEDOUT;
	return vsdrv_poll(d, (int)left);
}

/* virtio_transport_send_pkt: header and payload, two descriptors. */
static int send_pkt(struct vsdrv *d, const struct virtio_vsock_hdr *h,
		    const void *payload, uint32_t len)
{
	int64_t end = vsdrv_deadline(d);
	struct vsdrv_slot *s = NULL;
	struct vrdrv_sg sg[2];
	int rc;

	while (!s) {
		reclaim_tx(d);
		for (unsigned i = 0; i < VSDRV_TX_SLOTS && !s; i++)
			s = d->tx[i].busy ? NULL : &d->tx[i];
		if (!s && (rc = vsdrv_wait_until(d, end)) < 0)
			return rc;
		if (d->tx_vq->broken)
			return -EIO;
	}
	memcpy(s->host, h, VSDRV_HDR);
	if (len)
		memcpy(s->host + VSDRV_HDR, payload, len);
	sg[0] = (struct vrdrv_sg){ s->gpa, VSDRV_HDR };
	sg[1] = (struct vrdrv_sg){ s->gpa + VSDRV_HDR, len };
	rc = vrdrv_add(d->tx_vq, sg, len ? 2 : 1, 0, s);
	if (rc)
		return rc;
	s->busy = true;
	vrdrv_kick(d->tx_vq);
	d->stats.tx_pkts++;
	return 0;
}

/* A packet on s (or, s NULL, a reply to the ports of h). */
int vsdrv_send_op(struct vsdrv *d, struct vsdrv_sock *s,
		  const struct virtio_vsock_hdr *rh, uint16_t op,
		  uint32_t flags, const void *payload, uint32_t len)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(d->guest_cid),
		.dst_cid = htole64(VMADDR_CID_HOST),
		.src_port = s ? htole32(s->local_port) : rh->dst_port,
		.dst_port = s ? htole32(s->peer_port) : rh->src_port,
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
	};

	if (s) {
		/* virtio_transport_inc_tx_pkt: our credit rides along. */
		h.buf_alloc = htole32(s->buf_alloc);
		h.fwd_cnt = htole32(s->fwd_cnt);
		s->last_fwd_cnt = s->fwd_cnt;
	}
	return send_pkt(d, &h, payload, len);
}

static struct vsdrv_sock *find(struct vsdrv *d, uint32_t local, uint32_t peer)
{
	for (unsigned i = 0; i < VSDRV_MAX_SOCKS; i++) {
		struct vsdrv_sock *s = &d->socks[i];

		if (s->state != VSDRV_FREE && s->local_port == local &&
		    s->peer_port == peer)
			return s;
	}
	return NULL;
}

struct vsdrv_sock *vsdrv_new_sock(struct vsdrv *d, uint32_t local,
				  uint32_t peer)
{
	for (unsigned i = 0; i < VSDRV_MAX_SOCKS; i++) {
		struct vsdrv_sock *s = &d->socks[i];

		if (s->state != VSDRV_FREE)
			continue;
		*s = (struct vsdrv_sock){ .local_port = local,
					  .peer_port = peer,
					  .buf_alloc = VSDRV_BUF_ALLOC,
					  .rx = malloc(VSDRV_BUF_ALLOC) };
		if (!s->rx)
			return NULL;
		s->state = VSDRV_CONNECTING;
		return s;
	}
	return NULL;
}

static bool listening(const struct vsdrv *d, uint32_t port)
{
	for (unsigned i = 0; i < VSDRV_MAX_LISTEN; i++) {
		if (d->listening[i] == port && port)
			return true;
	}
	return false;
}

/* virtio_transport_recv_listen: a new connection, accepted at once. */
static void recv_listen(struct vsdrv *d, const struct virtio_vsock_hdr *h)
{
	struct vsdrv_sock *s = NULL;

	if (le16toh(h->op) == VIRTIO_VSOCK_OP_REQUEST)
		s = vsdrv_new_sock(d, le32toh(h->dst_port),
				   le32toh(h->src_port));
	if (!s) {
		(void)vsdrv_send_op(d, NULL, h, VIRTIO_VSOCK_OP_RST, 0, NULL,
				    0);
		return;
	}
	s->state = VSDRV_CONNECTED;
	s->peer_buf_alloc = le32toh(h->buf_alloc);
	s->peer_fwd_cnt = le32toh(h->fwd_cnt);
	(void)vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_RESPONSE, 0, NULL, 0);
}

static void enqueue(struct vsdrv *d, struct vsdrv_sock *s, const uint8_t *p,
		    uint32_t len)
{
	uint32_t tail, first;

	/* The device must keep to our credit (§5.10.6.3). */
	if (len > s->buf_alloc - s->rx_bytes) {
		bad(d, "data beyond our credit");
		return;
	}
	tail = (s->rx_head + s->rx_bytes) % s->buf_alloc;
	first = s->buf_alloc - tail < len ? s->buf_alloc - tail : len;
	memcpy(s->rx + tail, p, first);
	memcpy(s->rx, p + first, len - first);
	s->rx_bytes += len;
	d->stats.bytes_in += len;
}

/* virtio_transport_recv_connected and friends. */
static void recv_sock(struct vsdrv *d, struct vsdrv_sock *s,
		      const struct virtio_vsock_hdr *h, const uint8_t *p)
{
	uint16_t op = le16toh(h->op);

	s->peer_buf_alloc = le32toh(h->buf_alloc);
	s->peer_fwd_cnt = le32toh(h->fwd_cnt);
	if (op == VIRTIO_VSOCK_OP_RST) {
		d->stats.rsts_received++;
		s->refused = s->state == VSDRV_CONNECTING;
		s->state = VSDRV_CLOSED;
		return;
	}
	if (s->state == VSDRV_CONNECTING) {
		if (op == VIRTIO_VSOCK_OP_RESPONSE)
			s->state = VSDRV_CONNECTED;
		return;
	}
	if (s->state != VSDRV_CONNECTED)
		return;
	switch (op) {
	case VIRTIO_VSOCK_OP_RW:
		enqueue(d, s, p, le32toh(h->len));
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		(void)vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_CREDIT_UPDATE,
				    0, NULL, 0);
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		s->peer_shutdown |= le32toh(h->flags) & SHUT_ALL;
		if (s->peer_shutdown == SHUT_ALL && !s->rx_bytes) {
			(void)vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_RST, 0,
					    NULL, 0);
			s->state = VSDRV_CLOSED;
		}
		break;
	default: /* CREDIT_UPDATE: taken above */
		break;
	}
}

/* virtio_transport_recv_pkt, with the checks of a careful driver. */
static void recv_pkt(struct vsdrv *d, const uint8_t *buf, uint32_t used)
{
	struct virtio_vsock_hdr h;
	struct vsdrv_sock *s;

	d->stats.rx_pkts++;
	if (used < VSDRV_HDR) {
		bad(d, "rx: used length shorter than a header");
		return;
	}
	memcpy(&h, buf, VSDRV_HDR);
	if (used != VSDRV_HDR + le32toh(h.len)) {
		bad(d, "rx: used length is not header + len");
		return;
	}
	if (le64toh(h.src_cid) != VMADDR_CID_HOST ||
	    le64toh(h.dst_cid) != d->guest_cid ||
	    le16toh(h.type) != VIRTIO_VSOCK_TYPE_STREAM) {
		bad(d, "rx: not a stream packet from the host to us");
		return;
	}
	s = find(d, le32toh(h.dst_port), le32toh(h.src_port));
	if (!s && listening(d, le32toh(h.dst_port)))
		recv_listen(d, &h);
	else if (!s && le16toh(h.op) == VIRTIO_VSOCK_OP_RST)
		d->stats.rsts_received++;
	else if (!s)
		(void)vsdrv_send_op(d, NULL, &h, VIRTIO_VSOCK_OP_RST, 0, NULL,
				    0);
	else
		recv_sock(d, s, &h, buf + VSDRV_HDR);
}

/* virtio_transport_rx_work: every used buffer handled and posted again. */
static void rx_work(struct vrdrv *vq, void *opaque)
{
	struct vsdrv *d = opaque;
	struct vsdrv_slot *b;
	struct vrdrv_sg sg;
	bool added = false;
	uint32_t len;
	void *data;

	while (vrdrv_get_buf(d->rx_vq, &data, &len) == 1) {
		b = data;
		recv_pkt(d, b->host, len);
		sg = (struct vrdrv_sg){ b->gpa, RXB_LEN };
		if (!vrdrv_add(d->rx_vq, &sg, 0, 1, b))
			added = true;
	}
	if (added)
		vrdrv_kick(d->rx_vq);
}

static void tx_done(struct vrdrv *vq, void *opaque)
{
	reclaim_tx(opaque);
}

/* No event but TRANSPORT_RESET exists; buffers go back as they come. */
static void event_work(struct vrdrv *vq, void *opaque)
{
	struct vsdrv *d = opaque;
	struct vrdrv_sg sg = { d->ev.gpa, 4 };
	uint32_t len;
	void *data;

	while (vrdrv_get_buf(d->ev_vq, &data, &len) == 1) {
		bad(d, "an event, though the CID never changes");
		if (vrdrv_add(d->ev_vq, &sg, 0, 1, &d->ev))
			break;
	}
}

int vsdrv_poll(struct vsdrv *d, int timeout_ms)
{
	const struct guest_bus *bus = d->p.bus;
	int rc;

	rx_work(d->rx_vq, d);
	reclaim_tx(d);
	rc = bus->wait_irq(bus->opaque, timeout_ms);
	if (rc > 0)
		rc = vmdrv_interrupt(&d->vm);
	if (d->rx_vq->broken || d->tx_vq->broken)
		return -EIO;
	return rc < 0 ? rc : 0;
}

static int fill(struct vsdrv *d)
{
	struct vrdrv_sg sg;
	int rc;

	d->rxb = calloc(d->rx_vq->num, sizeof(*d->rxb));
	if (!d->rxb)
		return -ENOMEM;
	/* virtio_vsock_rx_fill: until the queue is full, one kick. */
	while (d->nr_rxb < d->rx_vq->num) {
		struct vsdrv_slot *b = &d->rxb[d->nr_rxb];

		rc = alloc_slot(d, b, RXB_LEN);
		if (rc)
			return rc;
		d->nr_rxb++;
		sg = (struct vrdrv_sg){ b->gpa, RXB_LEN };
		rc = vrdrv_add(d->rx_vq, &sg, 0, 1, b);
		if (rc)
			return rc;
	}
	vrdrv_kick(d->rx_vq);
	/* virtio_vsock_event_fill: 8 little buffers. */
	rc = alloc_slot(d, &d->ev, 4 * VSDRV_EVENTS);
	for (unsigned i = 0; !rc && i < VSDRV_EVENTS; i++) {
		sg = (struct vrdrv_sg){ d->ev.gpa + 4 * i, 4 };
		rc = vrdrv_add(d->ev_vq, &sg, 0, 1, &d->ev);
	}
	if (!rc)
		vrdrv_kick(d->ev_vq);
	for (unsigned i = 0; !rc && i < VSDRV_TX_SLOTS; i++)
		rc = alloc_slot(d, &d->tx[i], TXB_LEN);
	return rc;
}

static void free_all(struct vsdrv *d)
{
	for (unsigned i = 0; i < d->nr_rxb; i++)
		free_slot(d, &d->rxb[i], RXB_LEN);
	free(d->rxb);
	d->rxb = NULL;
	d->nr_rxb = 0;
	free_slot(d, &d->ev, 4 * VSDRV_EVENTS);
	for (unsigned i = 0; i < VSDRV_TX_SLOTS; i++)
		free_slot(d, &d->tx[i], TXB_LEN);
	for (unsigned i = 0; i < VSDRV_MAX_SOCKS; i++)
		vsdrv_free_sock(&d->socks[i]);
}

/* virtio_vsock_probe: queues, the CID, DRIVER_OK, then the buffers. */
static int virtio_vsock_probe(struct vsdrv *d)
{
	static vrdrv_callback_fn *const cbs[] = { rx_work, tx_done,
						  event_work };
	uint64_t cid = 0;
	int rc;

	rc = vmdrv_find_vqs(&d->vm, 3, cbs, d, 0);
	if (rc)
		return rc;
	d->rx_vq = d->vm.vqs[0];
	d->tx_vq = d->vm.vqs[1];
	d->ev_vq = d->vm.vqs[2];
	rc = vmdrv_get(&d->vm, offsetof(struct virtio_vsock_config, guest_cid),
		       &cid, 8);
	d->guest_cid = le64toh(cid);
	if (!rc)
		rc = vmdrv_ready(&d->vm);
	if (!rc)
		rc = fill(d);
	if (rc) {
		(void)vmdrv_reset(&d->vm);
		vmdrv_del_vqs(&d->vm);
		free_all(d);
	}
	return rc;
}

int vsdrv_probe(struct vsdrv *d, const struct vsdrv_params *p)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->p = *p;
	if (!d->p.features)
		d->p.features = VMDRV_TRANSPORT_FEATURES;
	if (!d->p.timeout_ms)
		d->p.timeout_ms = 10000;
	d->next_port = 49152;
	rc = vmdrv_probe(&d->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	if (d->vm.device_id != VIRTIO_ID_VSOCK)
		return -ENODEV;
	/* Linux offers SEQPACKET; this driver speaks only streams. */
	rc = vmdrv_negotiate(&d->vm, d->p.features);
	if (!rc)
		rc = virtio_vsock_probe(d);
	if (rc) {
		vmdrv_fail(&d->vm);
		return rc;
	}
	d->live = true;
	return 0;
}

void vsdrv_remove(struct vsdrv *d)
{
	if (!d->live)
		return;
	(void)vmdrv_reset(&d->vm);
	while (vrdrv_detach_unused(d->rx_vq))
		;
	while (vrdrv_detach_unused(d->tx_vq))
		;
	while (vrdrv_detach_unused(d->ev_vq))
		;
	vmdrv_del_vqs(&d->vm);
	free_all(d);
	d->live = false;
	vmdrv_remove(&d->vm);
}

int vsdrv_send_raw(struct vsdrv *d, const struct virtio_vsock_hdr *h,
		   const void *payload, uint32_t len)
{
	return send_pkt(d, h, payload, len);
}
