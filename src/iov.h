/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A cursor over an iovec array. Drivers may split a request's header, data
 * and status across descriptors any way they like (virtio 1.2 §2.7.4), so
 * backends read headers and write status bytes through this, never by
 * assuming iov[0] holds the header.
 */
#ifndef XVDM_IOV_H
#define XVDM_IOV_H

#include <stddef.h>
#include <sys/uio.h>

#include "compiler.h"

struct iov_cursor {
	const struct iovec *iov;
	unsigned cnt;
	unsigned idx; /* current iovec */
	size_t off;   /* offset in iov[idx] */
	size_t left;  /* bytes from the cursor to the end */
};

size_t iov_size(const struct iovec *iov, unsigned cnt);

void iov_cursor_init(struct iov_cursor *c, const struct iovec *iov,
		     unsigned cnt);
static inline size_t iov_cursor_left(const struct iov_cursor *c)
{
	return c->left;
}
/* Each copies min(len, left) bytes, advances, and returns the count. */
size_t iov_cursor_read(struct iov_cursor *c, void *dst, size_t len);
size_t iov_cursor_write(struct iov_cursor *c, const void *src, size_t len);
size_t iov_cursor_skip(struct iov_cursor *c, size_t len);
/*
 * Describes the next min(len, left) bytes as iovecs into out (at most max)
 * without copying, and advances past them. Returns the number of iovecs, or
 * -ENOBUFS (cursor unchanged) if max is too small.
 */
int iov_cursor_slice(struct iov_cursor *c, size_t len, struct iovec *out,
		     unsigned max) must_check;

/*
 * Splits off the last n bytes of an iovec array (a status byte, a trailer):
 * on success *cnt and the last iovecs are shortened so the array ends before
 * them, and tail (at most tail_max iovecs) describes them. Returns the number
 * of tail iovecs, or -EINVAL if the array holds fewer than n bytes, or
 * -ENOBUFS if tail_max is too small; the array is unchanged on error.
 */
int iov_split_tail(struct iovec *iov, unsigned *cnt, size_t n,
		   struct iovec *tail, unsigned tail_max) must_check;

#endif
