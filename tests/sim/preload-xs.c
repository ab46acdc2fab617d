// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxenstore, simulated. Results are allocated as tools/libs/store/xs.c
 * allocates them (one block per vector, freed with one free()). xs_fileno()
 * is an eventfd the harness counts queued watch events on.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "preload.h"

#define PAYLOAD_MAX 4096 /* XENSTORE_PAYLOAD_MAX */

struct xs_handle {
	struct sim_chan ch;
	int ev_fd;
	unsigned long flags;
};

struct xs_handle *xs_open(unsigned long flags)
{
	struct xs_handle *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return NULL;
	rc = chan_open(&h->ch, SIM_KIND_XS, flags, &h->ev_fd);
	if (rc) {
		free(h);
		sim_fail(rc);
		return NULL;
	}
	h->flags = flags;
	return h;
}

void xs_close(struct xs_handle *h)
{
	if (!h)
		return;
	chan_close(&h->ch);
	close(h->ev_fd);
	free(h);
}

struct xs_handle *xs_daemon_open(void)
{
	return xs_open(0);
}

struct xs_handle *xs_daemon_open_readonly(void)
{
	return xs_open(XS_OPEN_READONLY);
}

void xs_daemon_close(struct xs_handle *h)
{
	xs_close(h);
}

int xs_fileno(struct xs_handle *h)
{
	return h->ev_fd;
}

/*
 * One request: path NUL, then `extra`; the reply's payload lands in a
 * malloc'd buffer with a NUL after it (*out, *out_len) when out is given.
 * Returns 0 or -errno.
 */
static int xs_call(struct xs_handle *h, struct sim_msg *m, const char *path,
		   const void *extra, size_t extra_len, char **out,
		   size_t *out_len)
{
	size_t plen = strlen(path) + 1;
	char *in, *buf = NULL;
	int rc;

	if (plen + extra_len > PAYLOAD_MAX)
		return -E2BIG; /* xs_talkv() */
	in = malloc(plen + extra_len);
	if (out)
		buf = malloc(SIM_MSG_MAX);
	if (!in || (out && !buf)) {
		free(in);
		free(buf);
		return -ENOMEM;
	}
	memcpy(in, path, plen);
	memcpy(in + plen, extra, extra_len);
	rc = chan_call(&h->ch, m, in, plen + extra_len, buf,
		       out ? SIM_MSG_MAX - 1 : 0, NULL);
	free(in);
	if (rc || !out) {
		free(buf);
		return rc;
	}
	buf[m->len] = '\0';
	*out = buf;
	*out_len = m->len;
	return 0;
}

static bool xs_bool(int rc)
{
	if (rc)
		sim_fail(rc);
	return !rc;
}

/* A read-only connection refuses changes (xenstored: EACCES). */
static int writable(struct xs_handle *h)
{
	return h->flags & XS_OPEN_READONLY ? -EACCES : 0;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len)
{
	struct sim_msg m = { .op = SIM_OP_XS_READ, .arg = { t } };
	size_t n;
	char *v;
	int rc = xs_call(h, &m, path, NULL, 0, &v, &n);

	if (rc) {
		sim_fail(rc);
		return NULL;
	}
	if (len)
		*len = (unsigned int)n;
	return v;
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	struct sim_msg m = { .op = SIM_OP_XS_WRITE, .arg = { t } };
	int rc = writable(h);

	return xs_bool(rc ? rc : xs_call(h, &m, path, data, len, NULL, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	struct sim_msg m = { .op = SIM_OP_XS_MKDIR, .arg = { t } };
	int rc = writable(h);

	return xs_bool(rc ? rc : xs_call(h, &m, path, NULL, 0, NULL, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	struct sim_msg m = { .op = SIM_OP_XS_RM, .arg = { t } };
	int rc = writable(h);

	return xs_bool(rc ? rc : xs_call(h, &m, path, NULL, 0, NULL, NULL));
}

/* NUL-terminated strings into one block: the vector, then the strings. */
static char **to_vector(const char *strs, size_t len, unsigned int *num)
{
	unsigned int n = 0, i;
	const char *p;
	char **vec, *copy;

	for (p = strs;
	     p < strs + len && (p = memchr(p, '\0', len - (size_t)(p - strs)));
	     p++)
		n++;
	vec = malloc(n * sizeof(*vec) + len + 1);
	if (!vec)
		return NULL;
	copy = (char *)(vec + n);
	memcpy(copy, strs, len);
	copy[len] = '\0';
	for (i = 0; i < n; i++) {
		vec[i] = copy;
		copy += strlen(copy) + 1;
	}
	*num = n;
	return vec;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	struct sim_msg m = { .op = SIM_OP_XS_DIRECTORY, .arg = { t } };
	char *names, **vec = NULL;
	size_t len;
	int rc = xs_call(h, &m, path, NULL, 0, &names, &len);

	if (!rc) {
		vec = to_vector(names, len, num);
		free(names);
		rc = vec ? 0 : -ENOMEM;
	}
	if (rc)
		sim_fail(rc);
	return vec;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h,
					  xs_transaction_t t, const char *path,
					  unsigned int *num)
{
	struct sim_msg m = { .op = SIM_OP_XS_GET_PERMS, .arg = { t } };
	struct xs_permissions *p = NULL;
	size_t len;
	char *raw;
	int rc = xs_call(h, &m, path, NULL, 0, &raw, &len);

	if (!rc && !(p = malloc(len ? len : 1)))
		rc = -ENOMEM;
	if (rc) {
		sim_fail(rc);
		return NULL;
	}
	memcpy(p, raw, len);
	free(raw);
	*num = (unsigned int)(len / sizeof(*p));
	return p;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
			const char *path, struct xs_permissions *perms,
			unsigned int num_perms)
{
	struct sim_msg m = { .op = SIM_OP_XS_SET_PERMS, .arg = { t } };
	int rc = writable(h);

	return xs_bool(rc ? rc :
			    xs_call(h, &m, path, perms,
				    num_perms * sizeof(*perms), NULL, NULL));
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	struct sim_msg m = { .op = SIM_OP_XS_WATCH };

	return xs_bool(
		xs_call(h, &m, path, token, strlen(token) + 1, NULL, NULL));
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	struct sim_msg m = { .op = SIM_OP_XS_UNWATCH };

	return xs_bool(
		xs_call(h, &m, path, token, strlen(token) + 1, NULL, NULL));
}

/* The next queued event as {path, token}, or NULL with errno EAGAIN. */
static char **next_watch(struct xs_handle *h, unsigned int *num)
{
	struct sim_msg m = { .op = SIM_OP_XS_WATCH_NEXT };
	char *buf = malloc(SIM_MSG_MAX), **vec;
	unsigned int n;
	int rc = buf ? chan_call(&h->ch, &m, NULL, 0, buf, SIM_MSG_MAX, NULL) :
		       -ENOMEM;

	if (rc) {
		free(buf);
		sim_fail(rc);
		return NULL;
	}
	vec = to_vector(buf, m.len, &n);
	free(buf);
	if (vec && n != 2) {
		free(vec);
		vec = NULL;
		errno = EPROTO;
	}
	if (vec && num)
		*num = n;
	return vec;
}

char **xs_check_watch(struct xs_handle *h)
{
	return next_watch(h, NULL);
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	struct pollfd pfd = { .fd = h->ev_fd, .events = POLLIN };
	char **vec;

	while (!(vec = next_watch(h, num)) && errno == EAGAIN)
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return NULL;
	return vec;
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	struct sim_msg m = { .op = SIM_OP_XS_TXN_START };
	int rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);

	if (rc) {
		sim_fail(rc);
		return XBT_NULL;
	}
	return (xs_transaction_t)m.arg[0];
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	struct sim_msg m = { .op = SIM_OP_XS_TXN_END, .arg = { t, abort } };

	return xs_bool(chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	char *path;

	if (asprintf(&path, "/local/domain/%u", domid) < 0)
		return NULL;
	return path;
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	struct sim_msg m = { .op = SIM_OP_XS_INTRODUCED, .dom = domid };
	int rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);

	if (rc)
		sim_fail(rc);
	return !rc && m.arg[0];
}

bool xs_path_is_subpath(const char *parent, const char *child)
{
	size_t plen = strlen(parent), clen = strlen(child);

	return clen >= plen && !memcmp(child, parent, plen) &&
	       (clen == plen || child[plen] == '/');
}
