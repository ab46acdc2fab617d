// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "preload.h"
#include "wire.h"

int sim_fail(int rc)
{
	errno = -rc;
	return -1;
}

static int connect_harness(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv(SIM_ENV_SOCKET);
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		/* As if /dev/xen/privcmd were missing. */
		fprintf(stderr, "libxensim: %s is not set\n", SIM_ENV_SOCKET);
		return -ENOENT;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

int chan_open(struct sim_chan *ch, enum sim_kind kind, unsigned long flags,
	      int *ev_fd)
{
	struct sim_msg m = { .op = SIM_OP_HELLO, .arg = { kind, flags } };
	int rc;

	ch->fd = connect_harness();
	if (ch->fd < 0)
		return ch->fd;
	pthread_mutex_init(&ch->lock, NULL);
	rc = chan_call(ch, &m, NULL, 0, NULL, 0, ev_fd);
	if (!rc && ev_fd && *ev_fd < 0)
		rc = -EPROTO;
	if (rc) {
		close(ch->fd);
		pthread_mutex_destroy(&ch->lock);
	}
	return rc;
}

void chan_close(struct sim_chan *ch)
{
	struct sim_msg m = { .op = SIM_OP_CLOSE };

	(void)chan_call(ch, &m, NULL, 0, NULL, 0, NULL);
	close(ch->fd);
	pthread_mutex_destroy(&ch->lock);
}

int chan_call(struct sim_chan *ch, struct sim_msg *m, const void *in,
	      size_t in_len, void *out, size_t cap, int *fd)
{
	uint32_t op = m->op;
	int rc;

	m->len = (uint32_t)in_len;
	m->rc = 0;
	pthread_mutex_lock(&ch->lock);
	rc = wire_send(ch->fd, m, in, -1);
	if (!rc)
		rc = wire_recv(ch->fd, m, out, cap, fd, 0);
	pthread_mutex_unlock(&ch->lock);
	if (rc)
		return rc == -EPIPE ? -EIO : rc; /* the harness went away */
	if (m->op != op)
		return -EPROTO;
	return m->rc;
}

int chan_post(struct sim_chan *ch, struct sim_msg *m)
{
	int rc;

	m->len = 0;
	pthread_mutex_lock(&ch->lock);
	rc = wire_send(ch->fd, m, NULL, -1);
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

void *reserve_pages(void *hint, size_t pages, int flags)
{
	void *p = mmap(hint, pages << SIM_XC_PAGE_SHIFT, PROT_NONE,
		       (flags & MAP_FIXED) | MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_NORESERVE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int map_run(void *base, size_t page, size_t run, int64_t off, int fd,
		   int prot)
{
	void *at = (char *)base + (page << SIM_XC_PAGE_SHIFT);

	if (mmap(at, run << SIM_XC_PAGE_SHIFT, prot, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)off) == MAP_FAILED)
		return -errno;
	return 0;
}

size_t map_runs(void *base, size_t first, size_t n, const int64_t *offs, int fd,
		int prot, int *err)
{
	size_t i, k, run, failed = 0;
	int r;

	for (i = 0; i < n; i += run) {
		run = 1;
		r = (int)offs[i];
		if (offs[i] >= 0) {
			while (i + run < n &&
			       offs[i + run] ==
				       offs[i] +
					       (int64_t)(run
							 << SIM_XC_PAGE_SHIFT))
				run++;
			r = map_run(base, first + i, run, offs[i], fd, prot);
		}
		for (k = 0; k < run; k++)
			err[first + i + k] = r;
		if (r)
			failed += run;
	}
	return failed;
}
