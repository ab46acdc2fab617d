// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock, guest side: the socket calls (connect, listen and accept,
 * send within the peer's credit, receive with Linux's credit update,
 * shutdown and close) over the transport of virtio-vsock-driver.c.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio-vsock-driver.h"
#include "virtio-vsock-int.h"

#define SHUT_ALL (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)

static struct vsdrv_sock *sock(struct vsdrv *d, int s)
{
	return s >= 0 && s < VSDRV_MAX_SOCKS ? &d->socks[s] : NULL;
}

int vsdrv_connect(struct vsdrv *d, uint32_t port)
{
	struct vsdrv_sock *s = vsdrv_new_sock(d, d->next_port++, port);
	int64_t end = vsdrv_deadline(d);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_REQUEST, 0, NULL, 0);
	while (!rc && s->state == VSDRV_CONNECTING)
		rc = vsdrv_wait_until(d, end);
	if (!rc && s->state != VSDRV_CONNECTED)
		rc = -ECONNRESET;
	if (rc) {
		vsdrv_free_sock(s);
		return rc;
	}
	return (int)(s - d->socks);
}

int vsdrv_listen(struct vsdrv *d, uint32_t port)
{
	for (unsigned i = 0; i < VSDRV_MAX_LISTEN; i++) {
		if (!d->listening[i]) {
			d->listening[i] = port;
			return 0;
		}
	}
	return -ENOSPC;
}

int vsdrv_accept(struct vsdrv *d, uint32_t port)
{
	int64_t end = vsdrv_deadline(d);
	int rc = 0;

	while (!rc) {
		for (unsigned i = 0; i < VSDRV_MAX_SOCKS; i++) {
			struct vsdrv_sock *s = &d->socks[i];

			if (s->state == VSDRV_CONNECTED &&
			    s->local_port == port && !s->accepted) {
				s->accepted = true;
				return (int)i;
			}
		}
		rc = vsdrv_wait_until(d, end);
	}
	return rc;
}

int vsdrv_send(struct vsdrv *d, int si, const void *buf, size_t len)
{
	struct vsdrv_sock *s = sock(d, si);
	int64_t end = vsdrv_deadline(d);
	size_t sent = 0;
	uint32_t n;
	int rc = 0;

	while (!rc && sent < len) {
		if (s->state != VSDRV_CONNECTED ||
		    (s->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_RCV))
			return -EPIPE;
		/* virtio_transport_get_credit */
		n = s->peer_buf_alloc - (s->tx_cnt - s->peer_fwd_cnt);
		if (n > len - sent)
			n = (uint32_t)(len - sent);
		if (n > VSDRV_MAX_PKT)
			n = VSDRV_MAX_PKT;
		if (!n) {
			d->stats.credit_waits++;
			rc = vsdrv_wait_until(d, end);
			continue;
		}
		rc = vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_RW, 0,
				   (const uint8_t *)buf + sent, n);
		s->tx_cnt += n;
		sent += n;
		d->stats.bytes_out += n;
		end = vsdrv_deadline(d);
	}
	return rc;
}

/* virtio_transport_stream_do_dequeue */
static size_t dequeue(struct vsdrv *d, struct vsdrv_sock *s, uint8_t *buf,
		      size_t len)
{
	uint32_t n = len < s->rx_bytes ? (uint32_t)len : s->rx_bytes;
	uint32_t first =
		s->buf_alloc - s->rx_head < n ? s->buf_alloc - s->rx_head : n;

	memcpy(buf, s->rx + s->rx_head, first);
	memcpy(buf + first, s->rx, n - first);
	s->rx_head = (s->rx_head + n) % s->buf_alloc;
	s->rx_bytes -= n;
	s->fwd_cnt += n;
	/* The peer's view of our free space: tell it before it stalls. */
	if (s->buf_alloc - (s->fwd_cnt - s->last_fwd_cnt) < VSDRV_MAX_PKT &&
	    !vsdrv_send_op(d, s, NULL, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, NULL,
			   0))
		d->stats.credit_updates_sent++;
	return n;
}

ssize_t vsdrv_recv(struct vsdrv *d, int si, void *buf, size_t len)
{
	struct vsdrv_sock *s = sock(d, si);
	int64_t end = vsdrv_deadline(d);
	int rc = 0;

	while (!rc) {
		if (s->rx_bytes)
			return (ssize_t)dequeue(d, s, buf, len);
		if (s->state != VSDRV_CONNECTED ||
		    (s->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_SEND))
			return 0;
		rc = vsdrv_wait_until(d, end);
	}
	return rc;
}

int vsdrv_shutdown(struct vsdrv *d, int si, uint32_t flags)
{
	return vsdrv_send_op(d, sock(d, si), NULL, VIRTIO_VSOCK_OP_SHUTDOWN,
			     flags, NULL, 0);
}

int vsdrv_close(struct vsdrv *d, int si)
{
	struct vsdrv_sock *s = sock(d, si);
	int64_t end = vsdrv_deadline(d);
	int rc = 0;

	/* virtio_transport_close: SHUTDOWN both ways, wait for the RST. */
	if (s->state == VSDRV_CONNECTED)
		rc = vsdrv_shutdown(d, si, SHUT_ALL);
	while (!rc && s->state == VSDRV_CONNECTED)
		rc = vsdrv_wait_until(d, end);
	vsdrv_free_sock(s);
	return rc;
}
