// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data path of a virtio-vsock connection (vsock-conn.h): per
 * connection, the bytes the guest sent that its host socket has not taken
 * yet (a ring of the size of the credit we gave, so a guest within its
 * credit always fits), the credit counters both ways, the guest's
 * shutdown, and reading the host socket into the guest's rx buffers.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "vsock-conn.h"

uint32_t vsock_conn_credit(const struct vsock_conn *c)
{
	uint32_t inflight = c->tx_cnt - c->peer_fwd_cnt;

	return inflight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - inflight;
}

void vsock_conn_update(struct vsock_conn *c)
{
	uint32_t ev = 0;
	int rc;

	switch (c->state) {
	case VS_LINE:
		ev = EPOLLIN;
		break;
	case VS_REQUEST:
		break; /* a hang-up is reported anyway */
	case VS_CONNECTING:
		ev = EPOLLOUT;
		break;
	case VS_OPEN:
		if (!c->readable && !c->host_eof &&
		    !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
		    vsock_conn_credit(c))
			ev |= EPOLLIN;
		if (c->len)
			ev |= EPOLLOUT;
		break;
	}
	if (!c->w || ev == c->events)
		return;
	rc = evloop_mod_fd(c->w, ev);
	if (rc)
		log_err(&c->vs->vdev.log, "epoll: %s", strerror(-rc));
	else
		c->events = ev;
}

void vsock_conn_close(struct vsock_conn *c, bool rst)
{
	struct vsock *vs = c->vs;

	if (rst)
		vsock_owe_rst(vs, c->host_port, c->guest_port);
	vsock_unqueue(vs, c);
	evloop_del_fd(c->w);
	close(c->fd);
	for (unsigned i = 0; i < vs->max_conns; i++) {
		if (vs->conns[i] == c)
			vs->conns[i] = NULL;
	}
	vs->nr_conns--;
	free(c->buf);
	free(c);
	vsock_set_listening(vs, true);
}

void vsock_conn_close_all(struct vsock *vs)
{
	for (unsigned i = 0; i < vs->max_conns; i++) {
		if (vs->conns[i])
			vsock_conn_close(vs->conns[i], false);
	}
}

struct vsock_conn *vsock_conn_find(struct vsock *vs, uint32_t host_port,
				   uint32_t guest_port)
{
	struct vsock_conn *c;

	for (unsigned i = 0; i < vs->max_conns; i++) {
		c = vs->conns[i];
		if (c && c->host_port == host_port &&
		    c->guest_port == guest_port && c->state != VS_LINE)
			return c;
	}
	return NULL;
}

/*
 * With the guest's shutdown, once every held byte is out. True when c is
 * closed (and freed).
 */
static bool finish_shutdown(struct vsock_conn *c)
{
	if (c->len || c->state != VS_OPEN)
		return false;
	if ((c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && !c->shut_wr) {
		shutdown(c->fd, SHUT_WR);
		c->shut_wr = true;
	}
	/*
	 * virtio 1.2 §5.10.6.5: a peer that shut down both ways waits
	 * for our RST before it considers the connection closed.
	 */
	if (c->guest_shut != VSOCK_SHUT_ALL)
		return false;
	vsock_conn_close(c, true);
	return true;
}

/*
 * fwd_cnt moved: the guest's view of our free space lags by fwd_cnt -
 * fwd_sent. Past a quarter of the buffer it hears of it, so it never waits
 * for room we have (§5.10.6.3).
 */
static void forwarded(struct vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	if (c->fwd_cnt - c->fwd_sent >= VSOCK_BUF_ALLOC / 4) {
		c->pend |= PEND_CREDIT;
		vsock_want_rx(c->vs, c);
	}
}

int vsock_conn_flush(struct vsock_conn *c)
{
	struct iovec iov[2];
	uint32_t first, n_guest;
	ssize_t n;

	while (c->len) {
		first = VSOCK_CONN_BUF - c->head;
		if (first > c->len)
			first = c->len;
		iov[0] = (struct iovec){ c->buf + c->head, first };
		iov[1] = (struct iovec){ c->buf, c->len - first };
		struct msghdr m = { .msg_iov = iov,
				    .msg_iovlen = c->len > first ? 2 : 1 };
		do
			n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;

			vsock_conn_close(c, true);
			return rc;
		}
		c->head = (c->head + (uint32_t)n) % VSOCK_CONN_BUF;
		c->len -= (uint32_t)n;
		n_guest = (uint32_t)n;
		if (c->ctl_len) {
			uint32_t ctl =
				c->ctl_len < n_guest ? c->ctl_len : n_guest;

			c->ctl_len -= ctl;
			n_guest -= ctl;
		}
		forwarded(c, n_guest);
	}
	vsock_conn_update(c);
	return finish_shutdown(c) ? 1 : 0;
}

/* Appends up to len bytes at the cursor to the ring (room checked). */
static void hold(struct vsock_conn *c, struct iov_cursor *cur, uint32_t len)
{
	uint32_t tail = (c->head + c->len) % VSOCK_CONN_BUF;
	uint32_t first = VSOCK_CONN_BUF - tail;

	/* The credit check keeps this within the ring. */
	assert(c->len + len <= VSOCK_CONN_BUF);
	if (first > len)
		first = len;
	iov_cursor_read(cur, c->buf + tail, first);
	iov_cursor_read(cur, c->buf, len - first);
	c->len += len;
}

int vsock_conn_from_guest(struct vsock_conn *c, struct iov_cursor *cur,
			  uint32_t len)
{
	struct iovec iov[VSOCK_MAX_IOV];
	struct iov_cursor probe = *cur;
	ssize_t n = 0;
	int cnt;

	/*
	 * virtio 1.2 §5.10.6.3.1: never more than the credit we gave, as
	 * the guest last heard it (fwd_sent <= fwd_cnt, so what we hold
	 * stays within the buffer too).
	 */
	if (c->rx_cnt - c->fwd_sent + (uint64_t)len > VSOCK_BUF_ALLOC)
		return -ENOSPC;
	c->rx_cnt += len;
	if (!c->len && len) {
		/* The payload's iovecs are a part of the chain's: they fit. */
		cnt = iov_cursor_slice(&probe, len, iov, VSOCK_MAX_IOV);
		if (cnt > 0) {
			struct msghdr m = { .msg_iov = iov,
					    .msg_iovlen = (size_t)cnt };
			do
				n = sendmsg(c->fd, &m,
					    MSG_NOSIGNAL | MSG_DONTWAIT);
			while (n < 0 && errno == EINTR);
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (n < 0)
			n = 0;
		iov_cursor_skip(cur, (size_t)n);
		forwarded(c, (uint32_t)n);
	}
	hold(c, cur, len - (uint32_t)n);
	vsock_conn_update(c);
	return 0;
}

void vsock_conn_accepted(struct vsock_conn *c)
{
	char ok[16];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->host_port);
	struct iovec iov = { ok, (size_t)n };
	struct iov_cursor cur;

	c->state = VS_OPEN;
	iov_cursor_init(&cur, &iov, 1);
	hold(c, &cur, (uint32_t)n);
	c->ctl_len = (uint32_t)n;
	vsock_conn_update(c); /* out when the socket says it has room */
}

void vsock_conn_shutdown(struct vsock_conn *c, uint32_t flags)
{
	if ((flags & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
	    !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV)) {
		shutdown(c->fd, SHUT_RD);
		c->readable = false; /* nothing more is read for it */
	}
	c->guest_shut |= flags;
	vsock_conn_update(c);
	(void)finish_shutdown(c);
}

bool vsock_conn_peer_credit(struct vsock_conn *c,
			    const struct virtio_vsock_hdr *h)
{
	uint32_t fwd = le32toh(h->fwd_cnt);
	bool had = vsock_conn_credit(c) > 0;

	/* It cannot have forwarded what we never sent, nor forget some. */
	if (c->tx_cnt - fwd > c->tx_cnt - c->peer_fwd_cnt)
		return false;
	c->peer_fwd_cnt = fwd;
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	if (!had && vsock_conn_credit(c) && c->readable)
		vsock_want_rx(c->vs, c);
	vsock_conn_update(c);
	return true;
}

ssize_t vsock_conn_read(struct vsock_conn *c, const struct iovec *iov,
			unsigned cnt)
{
	ssize_t n;

	do
		n = readv(c->fd, iov, (int)cnt);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	c->readable = false;
	if (n == 0) {
		c->host_eof = true;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		vsock_conn_update(c);
		return -EAGAIN;
	}
	return -errno;
}
