/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user socket, front-end side: connect, send a request with its
 * file descriptors (SCM_RIGHTS), and take its reply in as many pieces as the
 * back-end cares to send it in.
 *
 * Nothing here waits: the socket is non-blocking, a request goes out in one
 * sendmsg() or not at all, and vu_conn_recv() takes what has arrived and
 * says whether the reply is complete, so the event loop can wait for the
 * rest (and a deadline timer for a back-end that never sends it). Replies
 * pass the codec's dispatcher (vu-msg.h) before anything in them is used;
 * descriptors are only taken with the reply of a request that calls for
 * one, any other is closed and the reply refused.
 */
#ifndef XVDM_VU_CONN_H
#define XVDM_VU_CONN_H

#include "compiler.h"
#include "vu-msg.h"

/*
 * Connects to the unix socket at path. Returns 0 and *fd (non-blocking,
 * close-on-exec), or -errno: -ENOENT / -ECONNREFUSED while the back-end is
 * not there, -ENAMETOOLONG for a path longer than sun_path.
 */
int vu_conn_connect(const char *path, int *fd) must_check;

/*
 * Sends req with nfds descriptors in one non-blocking sendmsg(). Returns 0;
 * -EINVAL if req breaks the table; -EPIPE / -ECONNRESET when the back-end
 * went away; -EAGAIN when the socket cannot take the whole message (a
 * back-end that stopped reading: the connection is then unusable).
 */
int vu_conn_send(int fd, const struct vu_msg *req, const int *fds,
		 unsigned nfds) must_check;

/* A reply being assembled. */
struct vu_rx {
	struct vu_msg msg;
	uint32_t got;  /* bytes of header and payload so far */
	uint32_t size; /* payload bytes allowed, once the header is in */
	int fd;	       /* the descriptor that came with it, or -1 */
};

void vu_rx_init(struct vu_rx *rx);
/* Closes a descriptor still held and starts over. */
void vu_rx_reset(struct vu_rx *rx);

/*
 * Reads what has arrived of the reply to req, without waiting. Returns 0
 * when rx->msg is complete and checked (with rx->fd when req's reply
 * carries one: the caller takes it); -EAGAIN when more is to come; -EPROTO
 * for a malformed reply; -EREMOTEIO when the back-end reports a failure;
 * -ECONNRESET when it closed the connection.
 */
int vu_conn_recv(int fd, const struct vu_msg *req, struct vu_rx *rx) must_check;

/*
 * Sends req and, when it wants a reply, waits in poll() up to timeout_ms
 * for it: the two calls above put together, for tests and tools (the
 * front-end itself never waits). A descriptor in the reply is closed.
 * Errors as above, or -ETIMEDOUT.
 */
int vu_conn_call(int fd, const struct vu_msg *req, const int *fds,
		 unsigned nfds, struct vu_msg *reply,
		 int timeout_ms) must_check;

/* Waits up to timeout_ms (>= 0) for fd to be readable: 0 or -ETIMEDOUT. */
int vu_conn_wait(int fd, int timeout_ms) must_check;

#endif
