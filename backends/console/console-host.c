// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host side of a virtio console (console-host.h): a pty, a unix socket
 * with one client at a time, or an append-only file.
 *
 * The pty's slave is held open by us: a master whose slave is closed
 * reports a hang-up on every epoll_wait(), and its output would be lost.
 * Held open, output waits in the pty's (bounded) kernel buffer until
 * someone reads the slave, and a full buffer is back-pressure like any
 * other. The slave is put in raw mode: bytes pass unchanged and are not
 * echoed back to the guest.
 *
 * While a client is connected the listener is not watched, so a second
 * client waits in the backlog until the first leaves. A client that hangs
 * up while the guest has no receive buffer posted loses what it sent last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "console-host.h"
#include "evloop.h"
#include "log.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The watch on fd for what the console wants now. */
static void update_events(struct console_host *h)
{
	uint32_t ev = (h->want_in ? EPOLLIN : 0) | (h->want_out ? EPOLLOUT : 0);
	int rc;

	if (!h->io || ev == h->events)
		return;
	rc = evloop_mod_fd(h->io, ev);
	if (rc)
		log_err(h->log, "epoll: %s", strerror(-rc));
	else
		h->events = ev;
}

/* The client is gone: listen for the next one. Does not call fn. */
static void drop_client(struct console_host *h)
{
	int rc;

	if (h->kind != CONSOLE_UNIX || h->fd < 0)
		return;
	evloop_del_fd(h->io);
	h->io = NULL;
	close_fd(&h->fd);
	rc = evloop_mod_fd(h->listen, EPOLLIN);
	if (rc)
		log_err(h->log, "epoll: %s", strerror(-rc));
	log_info(h->log, "client of %s left", h->path);
}

static void on_io(void *opaque, int fd, uint32_t events)
{
	struct console_host *h = opaque;

	if (!(events & (EPOLLHUP | EPOLLERR))) {
		h->fn(h->opaque, events & (EPOLLIN | EPOLLOUT));
		return;
	}
	/* Hung up: reported whatever we asked for, so act on it now. */
	if (h->kind != CONSOLE_UNIX) {
		log_err(h->log, "%s hung up", h->path);
		evloop_del_fd(h->io);
		h->io = NULL;
		return;
	}
	/* What the guest has room for now; then the next client. */
	if (events & EPOLLIN)
		h->fn(h->opaque, EPOLLIN);
	drop_client(h);
	h->fn(h->opaque, EPOLLIN | EPOLLOUT);
}

static int watch_io(struct console_host *h)
{
	int rc;

	h->events = (h->want_in ? EPOLLIN : 0) | (h->want_out ? EPOLLOUT : 0);
	rc = evloop_add_fd(h->loop, h->fd, h->events, on_io, h, &h->io);
	/* Regular files have no poll(): never full, never watched. */
	if (rc == -EPERM) {
		h->io = NULL;
		rc = 0;
	}
	return rc;
}

static void on_listen(void *opaque, int fd, uint32_t events)
{
	struct console_host *h = opaque;
	int c, rc;

	if (h->fd >= 0)
		return;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_err(h->log, "accept on %s: %s", h->path,
				strerror(errno));
		return;
	}
	h->fd = c;
	rc = watch_io(h);
	if (!rc)
		rc = evloop_mod_fd(h->listen, 0);
	if (rc) {
		log_err(h->log, "epoll: %s", strerror(-rc));
		drop_client(h);
		return;
	}
	log_info(h->log, "client of %s connected", h->path);
	h->fn(h->opaque, EPOLLIN | EPOLLOUT);
}

static int fail(char *err, size_t err_len, const char *what, const char *path)
{
	int rc = -errno;

	snprintf(err, err_len, "console %s %s: %s", what, path, strerror(-rc));
	return rc;
}

static int open_pty(struct console_host *h, char *err, size_t err_len)
{
	struct termios t;
	int r;

	h->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->fd < 0 || grantpt(h->fd) || unlockpt(h->fd))
		return fail(err, err_len, "pty", "/dev/ptmx");
	r = ptsname_r(h->fd, h->path, sizeof(h->path));
	if (r) {
		errno = r;
		return fail(err, err_len, "pty", "name");
	}
	h->slave_fd = open(h->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->slave_fd < 0 || tcgetattr(h->slave_fd, &t))
		return fail(err, err_len, "pty", h->path);
	cfmakeraw(&t);
	if (tcsetattr(h->slave_fd, TCSANOW, &t) ||
	    fcntl(h->fd, F_SETFL, O_RDWR | O_NONBLOCK))
		return fail(err, err_len, "pty", h->path);
	log_info(h->log, "console on %s", h->path);
	return watch_io(h);
}

/* A socket an earlier run left behind is replaced; anything else is not. */
static int bind_unix(struct console_host *h, char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(h->path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "console socket %s: longer than %zu",
			 h->path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, h->path, strlen(h->path));
	if (!lstat(h->path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len,
				 "console socket %s: exists, not a socket",
				 h->path);
			return -EEXIST;
		}
		unlink(h->path);
	}
	h->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 ||
	    bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail(err, err_len, "socket", h->path);
	h->unlink = true;
	/* The guest's console is nobody else's business. */
	if (chmod(h->path, 0600) || listen(h->listen_fd, 1))
		return fail(err, err_len, "socket", h->path);
	return 0;
}

static int open_unix(struct console_host *h, char *err, size_t err_len)
{
	int rc = bind_unix(h, err, err_len);

	if (rc)
		return rc;
	rc = evloop_add_fd(h->loop, h->listen_fd, EPOLLIN, on_listen, h,
			   &h->listen);
	if (rc) {
		snprintf(err, err_len, "console socket %s: epoll: %s", h->path,
			 strerror(-rc));
		return rc;
	}
	log_info(h->log, "console on unix socket %s", h->path);
	return 0;
}

static int open_file(struct console_host *h, char *err, size_t err_len)
{
	h->fd = open(h->path,
		     O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_NONBLOCK |
			     O_CLOEXEC,
		     0600);
	if (h->fd < 0)
		return fail(err, err_len, "file", h->path);
	log_info(h->log, "console output to %s", h->path);
	return watch_io(h);
}

int console_host_open(struct console_host *h,
		      const struct console_host_params *p, char *err,
		      size_t err_len)
{
	int rc;

	if (err_len)
		err[0] = '\0';
	*h = (struct console_host){ .kind = p->kind,
				    .loop = p->loop,
				    .log = p->log,
				    .fn = p->fn,
				    .opaque = p->opaque,
				    .fd = -1,
				    .listen_fd = -1,
				    .slave_fd = -1 };
	if (p->kind != CONSOLE_PTY) {
		if (!p->path || strlen(p->path) >= sizeof(h->path)) {
			snprintf(err, err_len, "console: bad path");
			return -EINVAL;
		}
		strcpy(h->path, p->path);
	}
	switch (p->kind) {
	case CONSOLE_PTY:
		rc = open_pty(h, err, err_len);
		break;
	case CONSOLE_UNIX:
		rc = open_unix(h, err, err_len);
		break;
	default:
		rc = open_file(h, err, err_len);
		break;
	}
	if (rc < 0 && !err[0])
		snprintf(err, err_len, "console %s: %s", h->path,
			 strerror(-rc));
	return rc;
}

void console_host_close(struct console_host *h)
{
	evloop_del_fd(h->io);
	evloop_del_fd(h->listen);
	h->io = h->listen = NULL;
	close_fd(&h->fd);
	close_fd(&h->listen_fd);
	close_fd(&h->slave_fd);
	if (h->unlink)
		unlink(h->path);
	h->unlink = false;
}

ssize_t console_host_read(struct console_host *h, const struct iovec *iov,
			  unsigned cnt)
{
	ssize_t n;
	int err;

	if (h->kind == CONSOLE_FILE || h->fd < 0)
		return -ENOTCONN;
	do
		n = readv(h->fd, iov, (int)cnt);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	err = n < 0 ? errno : 0;
	if (err == EAGAIN || err == EWOULDBLOCK)
		return -EAGAIN;
	if (h->kind == CONSOLE_UNIX) {
		drop_client(h); /* end of file, or reset by the peer */
		return -ENOTCONN;
	}
	log_err(h->log, "read from %s: %s", h->path,
		err ? strerror(err) : "end of file");
	return err ? -err : -EIO;
}

ssize_t console_host_write(struct console_host *h, const struct iovec *iov,
			   unsigned cnt)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt };
	ssize_t n;

	if (h->fd < 0)
		return -ENOTCONN;
	/* A client that left must not SIGPIPE the daemon. */
	do
		n = h->kind == CONSOLE_UNIX ?
			    sendmsg(h->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) :
			    writev(h->fd, iov, (int)cnt);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return h->io ? -EAGAIN : -EIO; /* nothing to wait with */
	if (h->kind == CONSOLE_UNIX &&
	    (errno == EPIPE || errno == ECONNRESET)) {
		drop_client(h);
		return -ENOTCONN;
	}
	return -errno;
}

void console_host_want(struct console_host *h, bool in, bool out)
{
	h->want_in = in && h->kind != CONSOLE_FILE;
	h->want_out = out;
	update_events(h);
}
