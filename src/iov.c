/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An iovec cursor. The driver decides how a request is cut into descriptors
 * (virtio 1.2 §2.7.4: "the device MUST NOT make assumptions about the
 * particular arrangement of descriptors"), so headers may straddle iovecs and
 * zero-length iovecs may appear anywhere; everything here copes with both.
 *
 * Invariant kept between calls: while left > 0, iov[idx] has bytes at off.
 */
#include <errno.h>
#include <string.h>

#include "iov.h"

size_t iov_size(const struct iovec *iov, unsigned cnt)
{
	size_t total = 0;

	for (unsigned i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

/* Moves past exhausted and zero-length iovecs. */
static void settle(struct iov_cursor *c)
{
	while (c->idx < c->cnt && c->off == c->iov[c->idx].iov_len) {
		c->idx++;
		c->off = 0;
	}
}

void iov_cursor_init(struct iov_cursor *c, const struct iovec *iov,
		     unsigned cnt)
{
	c->iov = iov;
	c->cnt = cnt;
	c->idx = 0;
	c->off = 0;
	c->left = iov_size(iov, cnt);
	settle(c);
}

/*
 * Advances by min(len, left) bytes; with dst, copies them out, with src,
 * copies them in (at most one of the two).
 */
static size_t advance(struct iov_cursor *c, void *dst, const void *src,
		      size_t len)
{
	size_t n = len < c->left ? len : c->left;

	for (size_t done = 0; done < n;) {
		const struct iovec *v = &c->iov[c->idx];
		size_t chunk = v->iov_len - c->off;
		char *at = (char *)v->iov_base + c->off;

		if (chunk > n - done)
			chunk = n - done;
		if (dst)
			memcpy((char *)dst + done, at, chunk);
		else if (src)
			memcpy(at, (const char *)src + done, chunk);
		done += chunk;
		c->off += chunk;
		settle(c);
	}
	c->left -= n;
	return n;
}

size_t iov_cursor_read(struct iov_cursor *c, void *dst, size_t len)
{
	return advance(c, dst, NULL, len);
}

size_t iov_cursor_write(struct iov_cursor *c, const void *src, size_t len)
{
	return advance(c, NULL, src, len);
}

size_t iov_cursor_skip(struct iov_cursor *c, size_t len)
{
	return advance(c, NULL, NULL, len);
}

int iov_cursor_slice(struct iov_cursor *c, size_t len, struct iovec *out,
		     unsigned max)
{
	struct iov_cursor t = *c;
	size_t n = len < t.left ? len : t.left;
	unsigned k = 0;

	/* Work on a copy and commit at the end: on -ENOBUFS c is unchanged. */
	for (size_t done = 0; done < n; k++) {
		const struct iovec *v = &t.iov[t.idx];
		size_t chunk = v->iov_len - t.off;

		if (k == max)
			return -ENOBUFS;
		if (chunk > n - done)
			chunk = n - done;
		out[k].iov_base = (char *)v->iov_base + t.off;
		out[k].iov_len = chunk;
		done += chunk;
		t.off += chunk;
		settle(&t);
	}
	t.left -= n;
	*c = t;
	return (int)k;
}

int iov_split_tail(struct iovec *iov, unsigned *cnt, size_t n,
		   struct iovec *tail, unsigned tail_max)
{
	size_t need = n, take = 0, keep;
	unsigned i = *cnt, pieces = 0, k = 0;

	if (n == 0)
		return 0;
	/* Find the iovec the tail starts in, counting the pieces it takes. */
	while (need && i > 0) {
		i--;
		if (iov[i].iov_len == 0)
			continue;
		take = need < iov[i].iov_len ? need : iov[i].iov_len;
		need -= take;
		pieces++;
	}
	if (need)
		return -EINVAL;
	if (pieces > tail_max)
		return -ENOBUFS;

	keep = iov[i].iov_len - take;
	tail[k].iov_base = (char *)iov[i].iov_base + keep;
	tail[k++].iov_len = take;
	for (unsigned j = i + 1; j < *cnt; j++) {
		if (iov[j].iov_len)
			tail[k++] = iov[j];
	}
	iov[i].iov_len = keep;
	*cnt = keep ? i + 1 : i;
	return (int)k;
}
