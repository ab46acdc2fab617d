/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of a virtio console: a pty, a unix socket listener with at
 * most one client, or an append-only file. Every fd is non-blocking and
 * watched in the device's loop; the console says which directions it waits
 * for (console_host_want()) and hears back through fn.
 *
 * fn is called with EPOLLIN (input may be there), EPOLLOUT (room for
 * output), or both when a client came or went. It is never called from
 * inside console_host_read() or console_host_write(), so the console may
 * call those from fn.
 */
#ifndef XVDM_CONSOLE_HOST_H
#define XVDM_CONSOLE_HOST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "compiler.h"
#include "console.h"

struct evloop;
struct evloop_fd;
struct log_src;

typedef void console_host_fn(void *opaque, uint32_t events);

struct console_host_params {
	enum console_kind kind;
	const char *path; /* unix, file */
	struct evloop *loop;
	struct log_src *log;
	console_host_fn *fn;
	void *opaque;
};

struct console_host {
	enum console_kind kind;
	struct evloop *loop;
	struct log_src *log;
	console_host_fn *fn;
	void *opaque;
	int fd;	       /* pty master, the client, or the file; -1: none */
	int listen_fd; /* unix: the listener */
	int slave_fd;  /* pty: held open, so the master never hangs up */
	struct evloop_fd *io;	  /* on fd; NULL: none, or not pollable */
	struct evloop_fd *listen; /* on listen_fd */
	bool want_in, want_out;
	uint32_t events;     /* what io waits for now */
	bool unlink;	     /* path is our socket: unlink it on close */
	char path[PATH_MAX]; /* pty slave, socket or file */
};

int console_host_open(struct console_host *h,
		      const struct console_host_params *p, char *err,
		      size_t err_len) must_check;
/* Idempotent; console_host_open() leaves h closeable even on error. */
void console_host_close(struct console_host *h);
/*
 * Reads into iov: the byte count, -EAGAIN (nothing now: want input), or
 * another -errno: no input side now (a file; no client, or the client
 * just left: -ENOTCONN), nothing will come until a client connects.
 */
ssize_t console_host_read(struct console_host *h, const struct iovec *iov,
			  unsigned cnt);
/*
 * Writes from iov: the byte count (maybe short), -EAGAIN (full: want
 * output), -ENOTCONN (nobody to write to: drop it), or another -errno (the
 * host side failed: drop it).
 */
ssize_t console_host_write(struct console_host *h, const struct iovec *iov,
			   unsigned cnt);
/* What the console waits for: input, room for output. */
void console_host_want(struct console_host *h, bool in, bool out);

#endif
