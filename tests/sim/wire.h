/* SPDX-License-Identifier: GPL-2.0-only */
/* Sending and receiving one protocol.h packet, with an optional fd. */
#ifndef XENSIM_WIRE_H
#define XENSIM_WIRE_H

#include <stddef.h>

#include "protocol.h"

/*
 * Sends m and m->len bytes of payload; pass_fd >= 0 rides along. Never
 * raises SIGPIPE. Returns 0 or -errno.
 */
int wire_send(int fd, const struct sim_msg *m, const void *payload,
	      int pass_fd);

/*
 * Receives one packet into m and payload (cap bytes). *got_fd (may be NULL:
 * a received fd is then closed) is -1 when none came. Returns 0, -EPIPE when
 * the peer has gone, -EMSGSIZE for a packet that does not fit or whose len
 * disagrees with its size, or -errno.
 */
int wire_recv(int fd, struct sim_msg *m, void *payload, size_t cap, int *got_fd,
	      int flags);

#endif
