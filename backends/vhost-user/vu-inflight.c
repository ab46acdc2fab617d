// SPDX-License-Identifier: GPL-2.0-only
/*
 * INFLIGHT_SHMFD (vhost-user.rst "Inflight I/O tracking"): the back-end
 * records in a shared area which requests it has taken and not completed;
 * the front-end keeps the area's descriptor across the back-end's restarts
 * and hands it to the next one, which resubmits what its predecessor left.
 *
 * We never read the area (its layout is the back-end's business), we only
 * hold and pass on the descriptor, so the checks are on what we hand on: a
 * memfd or regular file (never a socket, pipe or device of the back-end's
 * choosing) at least as large as the window it names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vu-dev.h"

static bool negotiated(const struct vu_dev *d)
{
	return (d->protocol >> VU_PROTOCOL_F_INFLIGHT_SHMFD) & 1;
}

int vu_inflight_next(struct vu_dev *d, struct vu_msg *m, int *fds,
		     unsigned *nfds)
{
	struct vu_inflight in = {
		.mmap_size = d->inflight.size,
		.mmap_offset = d->inflight.offset,
		.num_queues = d->num_queues,
		.queue_size = d->shadow->q[0].num,
	};
	int rc;

	if (!negotiated(d) || d->inflight.sent)
		return 0;
	if (d->inflight.fd < 0) {
		rc = vu_msg_inflight(m, VU_GET_INFLIGHT_FD, &in);
	} else {
		/* Every connection, the first one too (as QEMU does). */
		d->inflight.sent = true;
		fds[0] = d->inflight.fd;
		*nfds = 1;
		rc = vu_msg_inflight(m, VU_SET_INFLIGHT_FD, &in);
	}
	if (rc)
		snprintf(d->why, sizeof(d->why), "building a request: %s",
			 strerror(-rc));
	return rc ? rc : 1;
}

int vu_inflight_reply(struct vu_dev *d, struct vu_rx *rx)
{
	const struct vu_inflight *in = &rx->msg.p.inflight;
	struct stat st;

	/* The codec checked sizes, queues and that one descriptor came. */
	if (fstat(rx->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < in->mmap_offset + in->mmap_size) {
		snprintf(d->why, sizeof(d->why),
			 "GET_INFLIGHT_FD: not a file holding %llu bytes "
			 "at %llu",
			 (unsigned long long)in->mmap_size,
			 (unsigned long long)in->mmap_offset);
		return -EPROTO;
	}
	d->inflight.fd = rx->fd;
	rx->fd = -1; /* ours now */
	d->inflight.size = in->mmap_size;
	d->inflight.offset = in->mmap_offset;
	d->inflight.sent = false;
	return 0;
}

bool vu_inflight_held(const struct vu_dev *d)
{
	return d->inflight.fd >= 0;
}

void vu_inflight_free(struct vu_dev *d)
{
	if (d->inflight.fd >= 0)
		close(d->inflight.fd);
	d->inflight.fd = -1;
	d->inflight.size = d->inflight.offset = 0;
	d->inflight.sent = false;
}
