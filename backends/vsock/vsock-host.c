// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host side of virtio-vsock connections (vsock-conn.h): the listener
 * host programs connect to (and their "CONNECT <port>" line), the sockets
 * to "<path>_<port>" guests connect to, and the watch on each socket.
 *
 * Every socket is non-blocking and watched in the device's loop (level
 * triggered): a connection waits for input only while its guest peer has
 * credit and nothing read is pending, for output only while it holds
 * bytes. A host socket that hangs up is no longer watched (epoll would
 * report the hang-up forever); what it still holds is read out, then the
 * guest hears SHUTDOWN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "evloop.h"
#include "log.h"
#include "vsock-conn.h"

#define FIRST_HOST_PORT 1024u

void vsock_set_listening(struct vsock *vs, bool on)
{
	int rc;

	if (!vs->listen || vs->listening == on)
		return;
	rc = evloop_mod_fd(vs->listen, on ? EPOLLIN : 0);
	if (rc)
		log_err(&vs->vdev.log, "epoll: %s", strerror(-rc));
	else
		vs->listening = on;
}

static void on_hup(struct vsock_conn *c)
{
	/* Nobody reads what the guest sends any more. */
	c->len = c->ctl_len = 0;
	c->hup = true;
	evloop_del_fd(c->w);
	c->w = NULL;
	if (c->host_eof)
		return;
	c->readable = true; /* what is left, then end of file */
	vsock_want_rx(c->vs, c);
}

/* VS_CONNECTING: connect() finished, one way or the other. */
static void connected(struct vsock_conn *c)
{
	int e = 0;
	socklen_t l = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l) || e) {
		vsock_conn_close(c, true);
		return;
	}
	c->state = VS_OPEN;
	c->pend |= PEND_RESPONSE;
	vsock_want_rx(c->vs, c);
	vsock_conn_update(c);
}

static int parse_line(const char *s, uint32_t *port)
{
	unsigned long v;
	char *end;

	if (strncmp(s, "CONNECT ", 8) || s[8] < '0' || s[8] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s + 8, &end, 10);
	if (errno || strcmp(end, "\n") || v >= VMADDR_PORT_ANY)
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}

/* A host port no connection to guest_port uses. */
static uint32_t pick_port(struct vsock *vs, uint32_t guest_port)
{
	uint32_t p;

	do {
		p = vs->next_port++;
		if (vs->next_port >= VMADDR_PORT_ANY)
			vs->next_port = FIRST_HOST_PORT;
	} while (vsock_conn_find(vs, p, guest_port));
	return p;
}

/* VS_LINE: one byte at a time, so nothing after the line is taken. */
static void read_line(struct vsock_conn *c)
{
	struct vsock *vs = c->vs;
	ssize_t n;

	while (c->line_len < VSOCK_LINE_MAX - 1) {
		n = recv(c->fd, c->line + c->line_len, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			vsock_conn_close(c, false);
			return;
		}
		if (c->line[c->line_len++] != '\n')
			continue;
		c->line[c->line_len] = '\0';
		if (parse_line(c->line, &c->guest_port))
			break;
		c->host_port = pick_port(vs, c->guest_port);
		c->state = VS_REQUEST;
		c->pend |= PEND_REQUEST;
		vsock_want_rx(vs, c);
		vsock_conn_update(c);
		return;
	}
	log_info(&vs->vdev.log, "%s: not a CONNECT <port> line", vs->path);
	vsock_conn_close(c, false);
}

static void handle_io(struct vsock_conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		vsock_conn_close(c, c->state != VS_LINE);
		return;
	}
	switch (c->state) {
	case VS_LINE:
		read_line(c);
		return;
	case VS_REQUEST:
		/* The host program left before the guest answered. */
		vsock_conn_close(c, true);
		return;
	case VS_CONNECTING:
		connected(c);
		return;
	case VS_OPEN:
		break;
	}
	if ((events & EPOLLOUT) && vsock_conn_flush(c))
		return;
	if (events & EPOLLHUP) {
		on_hup(c);
		return;
	}
	if (events & EPOLLIN) {
		c->readable = true;
		vsock_want_rx(c->vs, c);
		vsock_conn_update(c);
	}
}

static void on_io(void *opaque, int fd, uint32_t events)
{
	struct vsock_conn *c = opaque;
	struct vsock *vs = c->vs;

	handle_io(c, events); /* may free c */
	vsock_run_rx(vs);
}

/* A connection on fd; NULL (fd closed) when the device is full. */
static struct vsock_conn *conn_new(struct vsock *vs, int fd,
				   enum vsock_state state)
{
	struct vsock_conn *c = NULL;
	unsigned slot = 0;
	int rc = -ENOSPC;

	while (slot < vs->max_conns && vs->conns[slot])
		slot++;
	if (slot == vs->max_conns)
		goto out;
	rc = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	/* Per connection, never per packet: its buffer comes now. */
	*c = (struct vsock_conn){ .vs = vs,
				  .state = state,
				  .fd = fd,
				  .events =
					  state == VS_LINE ? EPOLLIN : EPOLLOUT,
				  .buf = malloc(VSOCK_CONN_BUF) };
	if (!c->buf)
		goto out;
	rc = evloop_add_fd(vs->loop, fd, c->events, on_io, c, &c->w);
	if (rc)
		goto out;
	vs->conns[slot] = c;
	if (++vs->nr_conns == vs->max_conns)
		vsock_set_listening(vs, false);
	return c;
out:
	if (rc != -ENOSPC)
		log_err(&vs->vdev.log, "vsock connection: %s", strerror(-rc));
	if (c)
		free(c->buf);
	free(c);
	close(fd);
	return NULL;
}

void vsock_conn_connect(struct vsock *vs, const struct virtio_vsock_hdr *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint32_t port = le32toh(h->dst_port);
	struct vsock_conn *c;
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", vs->path, port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c = fd >= 0 ? conn_new(vs, fd, VS_CONNECTING) : NULL;
	if (!c) {
		if (vs->nr_conns >= vs->max_conns)
			log_guest(&vs->vdev.log, LOG_WARN,
				  "vsock: %u connections: request to port %u "
				  "reset",
				  vs->nr_conns, port);
		vsock_owe_rst(vs, port, le32toh(h->src_port));
		return;
	}
	c->host_port = port;
	c->guest_port = le32toh(h->src_port);
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	/* Counters are relative: whatever it starts from, we owe nothing. */
	c->peer_fwd_cnt = c->tx_cnt = le32toh(h->fwd_cnt);
	/* Unix sockets connect at once, or not (EAGAIN: backlog full). */
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (!r) {
		connected(c);
	} else if (errno != EINPROGRESS) {
		log_debug(&vs->vdev.log, "connect %s: %s", sa.sun_path,
			  strerror(errno));
		vsock_conn_close(c, true);
	}
}

static void on_listen(void *opaque, int fd, uint32_t events)
{
	struct vsock *vs = opaque;
	int c;

	if (vs->nr_conns >= vs->max_conns) {
		vsock_set_listening(vs, false);
		return;
	}
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_err(&vs->vdev.log, "accept on %s: %s", vs->path,
				strerror(errno));
		return;
	}
	(void)conn_new(vs, c, VS_LINE);
}

/* A socket an earlier run left behind is replaced; anything else is not. */
int vsock_listen(struct vsock *vs, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int rc;

	memcpy(sa.sun_path, vs->path, strlen(vs->path));
	if (!lstat(vs->path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len,
				 "vsock socket %s: exists, not a socket",
				 vs->path);
			return -EEXIST;
		}
		unlink(vs->path);
	}
	vs->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vs->listen_fd < 0 ||
	    bind(vs->listen_fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	vs->unlink = true;
	/* The guest's host channel is nobody else's business. */
	if (chmod(vs->path, 0600) || listen(vs->listen_fd, 16))
		goto fail;
	rc = evloop_add_fd(vs->loop, vs->listen_fd, EPOLLIN, on_listen, vs,
			   &vs->listen);
	if (rc) {
		snprintf(err, err_len, "vsock socket %s: epoll: %s", vs->path,
			 strerror(-rc));
		return rc;
	}
	vs->listening = true;
	log_info(&vs->vdev.log, "vsock CID %llu on unix socket %s",
		 (unsigned long long)vs->cid, vs->path);
	return 0;
fail:
	rc = -errno;
	snprintf(err, err_len, "vsock socket %s: %s", vs->path, strerror(-rc));
	return rc;
}

void vsock_unlisten(struct vsock *vs)
{
	evloop_del_fd(vs->listen);
	vs->listen = NULL;
	vs->listening = false;
	if (vs->listen_fd >= 0)
		close(vs->listen_fd);
	vs->listen_fd = -1;
	if (vs->unlink)
		unlink(vs->path);
	vs->unlink = false;
}
