// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user socket I/O, non-blocking. A request goes out in one sendmsg()
 * (header and payload as two iovecs, fds as SCM_RIGHTS), because back-ends
 * such as libvhost-user read the payload with a single read() right after
 * the header. A reply is read in two steps, header then exactly the payload
 * size the dispatcher allows, each in as many pieces as arrive, so a hostile
 * size never makes us read past the message or into our own memory, and a
 * back-end that sends half a message makes us wait, not block.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vu-conn.h"

int vu_conn_connect(const char *path, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, r;

	*fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0) {
		r = -errno;
		close(s);
		/* A full backlog: the back-end is there but busy; retry. */
		return r == -EAGAIN ? -ECONNREFUSED : r;
	}
	*fd = s;
	return 0;
}

int vu_conn_send(int fd, const struct vu_msg *m, const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2] = {
		{ (void *)&m->hdr, VU_HDR_SIZE },
		{ (void *)&m->p, m->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t r;

	if (nfds > VU_MAX_REGIONS || vu_msg_check_request(m, nfds))
		return -EINVAL;
	memset(&ctl, 0, sizeof(ctl));
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do {
		r = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	/*
	 * We wait for each reply before the next request that wants one, so
	 * the socket buffer only fills when the back-end stopped reading.
	 */
	return (size_t)r == VU_HDR_SIZE + m->hdr.size ? 0 : -EAGAIN;
}

void vu_rx_init(struct vu_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->fd = -1;
}

void vu_rx_reset(struct vu_rx *rx)
{
	if (rx->fd >= 0)
		close(rx->fd);
	vu_rx_init(rx);
}

/*
 * Takes the descriptors that came with a piece: one is kept when want is
 * set and none is held yet; any other is closed and the reply refused.
 */
static int take_fds(struct msghdr *mh, struct vu_rx *rx, bool want)
{
	struct cmsghdr *c;
	int rc = 0;

	if (mh->msg_flags & MSG_CTRUNC)
		rc = -EPROTO;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (!rc && want && rx->fd < 0 && n == 1) {
				rx->fd = fd;
				continue;
			}
			close(fd);
			rc = -EPROTO;
		}
	}
	return rc;
}

/* Reads up to len bytes into buf: the count, -EAGAIN, or an error. */
static ssize_t recv_piece(int fd, void *buf, size_t len, struct vu_rx *rx,
			  bool want_fd)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t r;
	int rc;

	do {
		r = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	rc = take_fds(&mh, rx, want_fd);
	if (rc)
		return rc;
	return r == 0 ? -ECONNRESET : r;
}

int vu_conn_recv(int fd, const struct vu_msg *req, struct vu_rx *rx)
{
	bool want_fd = vu_msg_reply_fds(req) == 1;
	ssize_t r;
	int rc;

	while (rx->got < VU_HDR_SIZE) {
		r = recv_piece(fd, (char *)&rx->msg.hdr + rx->got,
			       VU_HDR_SIZE - rx->got, rx, want_fd);
		if (r < 0)
			return (int)r;
		rx->got += (uint32_t)r;
		if (rx->got < VU_HDR_SIZE)
			continue;
		rc = vu_msg_check_reply_hdr(req, &rx->msg.hdr, &rx->size);
		if (rc)
			return rc;
	}
	while (rx->got < VU_HDR_SIZE + rx->size) {
		uint32_t off = rx->got - VU_HDR_SIZE;

		r = recv_piece(fd, (char *)&rx->msg.p + off, rx->size - off, rx,
			       want_fd);
		if (r < 0)
			return (int)r;
		rx->got += (uint32_t)r;
	}
	rc = vu_msg_check_reply(req, &rx->msg);
	/* A failure report carries nothing; a success its descriptor. */
	if (!rc && want_fd && rx->fd < 0)
		rc = -EPROTO;
	return rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vu_conn_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t deadline = now_ms() + timeout_ms, left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int vu_conn_call(int fd, const struct vu_msg *req, const int *fds,
		 unsigned nfds, struct vu_msg *reply, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct vu_rx rx;
	int rc;

	rc = vu_conn_send(fd, req, fds, nfds);
	if (rc || !vu_msg_wants_reply(req))
		return rc;
	vu_rx_init(&rx);
	while ((rc = vu_conn_recv(fd, req, &rx)) == -EAGAIN) {
		rc = vu_conn_wait(fd, (int)(deadline - now_ms()));
		if (rc)
			break;
	}
	*reply = rx.msg;
	vu_rx_reset(&rx);
	return rc;
}
