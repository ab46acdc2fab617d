/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user socket, front-end side: connect, and one request/reply
 * exchange at a time with file descriptors passed as SCM_RIGHTS.
 *
 * The socket is non-blocking; an exchange waits in poll() for at most the
 * caller's timeout. Exchanges happen only on the control path (connecting,
 * the guest's DRIVER_OK and reset), never per request, and a back-end that
 * does not answer in time is treated as gone. Replies pass the codec's
 * dispatcher (vu-msg.h) before anything in them is used; a reply carrying
 * file descriptors is refused and the descriptors closed.
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
 * Sends req with nfds descriptors and, when req wants a reply, waits up to
 * timeout_ms for it into *reply. Returns 0; -EINVAL if req breaks the table;
 * -EPIPE / -ECONNRESET when the back-end went away; -ETIMEDOUT; -EPROTO for
 * a malformed reply; -EREMOTEIO when the back-end reports a failure.
 * After any error but -EINVAL and -EREMOTEIO the connection is unusable.
 */
int vu_conn_call(int fd, const struct vu_msg *req, const int *fds,
		 unsigned nfds, struct vu_msg *reply,
		 int timeout_ms) must_check;

#endif
