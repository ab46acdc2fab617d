// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user socket I/O. A request goes out in one sendmsg() (header and
 * payload as two iovecs, fds as SCM_RIGHTS), because back-ends such as
 * libvhost-user read the payload with a single read() right after the
 * header. A reply is read in two steps, header then exactly the payload size
 * the dispatcher allows, so a hostile size never makes us read past the
 * message or into our own memory.
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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static void close_fds(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

/*
 * Reads exactly len bytes. No reply we ask for carries descriptors: any that
 * arrive are closed and the reply refused.
 */
static int recv_exact(int fd, void *buf, size_t len, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_REGIONS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t got = 0;
	ssize_t r;
	int rc;

	while (got < len) {
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};

		r = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc)
				return rc;
			continue;
		}
		if (r < 0)
			return -errno;
		if (mh.msg_controllen) {
			close_fds(&mh);
			return -EPROTO;
		}
		if (mh.msg_flags & MSG_CTRUNC)
			return -EPROTO;
		if (r == 0)
			return -ECONNRESET;
		got += (size_t)r;
	}
	return 0;
}

static int send_msg(int fd, const struct vu_msg *m, const int *fds,
		    unsigned nfds, int64_t deadline)
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
	size_t left = VU_HDR_SIZE + m->hdr.size;
	ssize_t r;
	int rc;

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
	while (left) {
		r = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc)
				return rc;
			continue;
		}
		if (r < 0)
			return -errno;
		/* Descriptors go with the first byte only. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		left -= (size_t)r;
		while (r > 0 && mh.msg_iovlen) {
			size_t n = (size_t)r < mh.msg_iov->iov_len ?
					   (size_t)r :
					   mh.msg_iov->iov_len;

			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= n;
			r -= (ssize_t)n;
			if (!mh.msg_iov->iov_len) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return 0;
}

int vu_conn_call(int fd, const struct vu_msg *req, const int *fds,
		 unsigned nfds, struct vu_msg *reply, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint32_t size;
	int rc;

	if (nfds > VU_MAX_REGIONS || vu_msg_check_request(req, nfds))
		return -EINVAL;
	rc = send_msg(fd, req, fds, nfds, deadline);
	if (rc || !vu_msg_wants_reply(req))
		return rc;
	memset(reply, 0, sizeof(*reply));
	rc = recv_exact(fd, &reply->hdr, VU_HDR_SIZE, deadline);
	if (rc)
		return rc;
	rc = vu_msg_check_reply_hdr(req, &reply->hdr, &size);
	if (rc)
		return rc;
	if (size) {
		rc = recv_exact(fd, &reply->p, size, deadline);
		if (rc)
			return rc;
	}
	return vu_msg_check_reply(req, reply);
}
