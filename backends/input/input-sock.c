// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unix-socket host side of a virtio-input device (input.h): the
 * daemon listens; one client at a time (an injector: a remote-desktop
 * bridge, a test) writes struct virtio_input_event records, little-endian,
 * and reads back the status events (LEDs) the guest sends.
 *
 * Listening rather than connecting: the daemon starts before any guest
 * and serves a device for the guest's whole life, while injectors come
 * and go; a listener needs no reconnect timer and no injector running at
 * attach time, and it matches the console's unix: socket. While a client
 * is connected the listener is not watched, so a second one waits in the
 * backlog until the first leaves.
 *
 * The stream is cut into 8-byte records; a record split across reads is
 * kept (at most 7 bytes) until its end comes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "input.h"
#include "log.h"

#define REC sizeof(struct virtio_input_event)

static void set_watch(struct input_sock *s, struct evloop_fd *w, uint32_t ev)
{
	int rc = evloop_mod_fd(w, ev);

	if (rc)
		log_err(s->log, "input socket %s: epoll: %s", s->path,
			strerror(-rc));
}

/* The client is gone: listen for the next one. */
static void drop_client(struct input_sock *s, const char *why)
{
	if (s->fd < 0)
		return;
	evloop_del_fd(s->io);
	s->io = NULL;
	close(s->fd);
	s->fd = -1;
	s->npart = 0;
	s->watching = false;
	set_watch(s, s->listen, EPOLLIN);
	log_info(s->log, "input socket %s: client left (%s)", s->path, why);
}

static void on_io(void *opaque, int fd, uint32_t events)
{
	struct input_sock *s = opaque;

	/*
	 * A hang-up is reported even with no events asked for: unwatched
	 * (no live device to read for), the client goes at once; watched,
	 * input_sock_read() reads what is left, then end of file.
	 */
	if ((events & (EPOLLHUP | EPOLLERR)) && !s->watching)
		drop_client(s, "hung up");
	s->fn(s->opaque);
}

static void on_listen(void *opaque, int fd, uint32_t events)
{
	struct input_sock *s = opaque;
	int c, rc;

	if (s->fd >= 0)
		return;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_err(s->log, "input socket %s: accept: %s", s->path,
				strerror(errno));
		return;
	}
	s->fd = c;
	rc = evloop_add_fd(s->loop, c, 0, on_io, s, &s->io);
	if (rc) {
		log_err(s->log, "input socket %s: epoll: %s", s->path,
			strerror(-rc));
		close(c);
		s->fd = -1;
		return;
	}
	set_watch(s, s->listen, 0);
	log_info(s->log, "input socket %s: client connected", s->path);
	s->fn(s->opaque);
}

/* A socket an earlier run left behind is replaced; anything else is not. */
static int bind_unix(struct input_sock *s, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(s->path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "input socket %s: longer than %zu",
			 s->path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, s->path, strlen(s->path));
	if (!lstat(s->path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len,
				 "input socket %s: exists, not a socket",
				 s->path);
			return -EEXIST;
		}
		unlink(s->path);
	}
	s->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	s->unlink = true;
	/* Keystrokes into a guest are nobody else's business. */
	if (chmod(s->path, 0600) || listen(s->listen_fd, 1))
		goto fail;
	return 0;
fail:
	snprintf(err, err_len, "input socket %s: %s", s->path, strerror(errno));
	return -errno;
}

int input_sock_open(struct input_sock *s, const struct input_sock_params *p,
		    char *err, size_t err_len)
{
	int rc;

	*s = (struct input_sock){ .fd = -1,
				  .listen_fd = -1,
				  .loop = p->loop,
				  .log = p->log,
				  .fn = p->fn,
				  .opaque = p->opaque };
	snprintf(s->path, sizeof(s->path), "%s", p->path);
	rc = bind_unix(s, err, err_len);
	if (rc)
		return rc;
	rc = evloop_add_fd(s->loop, s->listen_fd, EPOLLIN, on_listen, s,
			   &s->listen);
	if (rc)
		snprintf(err, err_len, "input socket %s: epoll: %s", s->path,
			 strerror(-rc));
	return rc;
}

void input_sock_close(struct input_sock *s)
{
	evloop_del_fd(s->io);
	evloop_del_fd(s->listen);
	s->io = s->listen = NULL;
	if (s->fd >= 0)
		close(s->fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->fd = s->listen_fd = -1;
	if (s->unlink)
		unlink(s->path);
	s->unlink = false;
}

void input_sock_watch(struct input_sock *s, bool on)
{
	if (!s->io || s->watching == on)
		return;
	set_watch(s, s->io, on ? EPOLLIN : 0);
	s->watching = on;
}

int input_sock_read(struct input_sock *s, struct virtio_input_event *ev,
		    unsigned max)
{
	uint8_t buf[INPUT_SOCK_READ * REC];
	size_t want, have;
	ssize_t n;

	if (s->fd < 0)
		return 0;
	if (max > INPUT_SOCK_READ)
		max = INPUT_SOCK_READ;
	memcpy(buf, s->part, s->npart);
	want = max * REC - s->npart;
	do
		n = read(s->fd, buf + s->npart, want);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		drop_client(s, n ? strerror(errno) : "end of file");
		return -ENOTCONN;
	}
	have = s->npart + (size_t)n;
	memcpy(ev, buf, have / REC * REC);
	s->npart = (unsigned)(have % REC);
	memcpy(s->part, buf + have - s->npart, s->npart);
	return (int)(have / REC);
}

int input_sock_write(struct input_sock *s, const struct virtio_input_event *ev)
{
	ssize_t n;

	if (s->fd < 0)
		return -ENOTCONN;
	/* A record goes whole or not at all: never half of one. */
	n = send(s->fd, ev, REC, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)REC)
		return 0;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (n >= 0) {
		drop_client(s, "short write");
		return -EIO;
	}
	n = -errno;
	drop_client(s, strerror(errno));
	return (int)n;
}
