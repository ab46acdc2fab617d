/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside libxensim.so, the stand-in for libxen* that is preloaded into the
 * process under test. Each handle owns one connection to the harness
 * (protocol.h); there is no process-wide state.
 */
#ifndef XENSIM_PRELOAD_H
#define XENSIM_PRELOAD_H

#include <pthread.h>
#include <stddef.h>

#include "protocol.h"

#define SIM_XC_PAGE_SHIFT 12

struct sim_chan {
	int fd;
	pthread_mutex_t lock; /* one request in flight per connection */
};

/*
 * Connects to $XENSIM_SOCKET and says hello; *ev_fd (may be NULL) gets the
 * fd the harness hands to evtchn and xenstore handles. 0 or -errno.
 */
int chan_open(struct sim_chan *ch, enum sim_kind kind, unsigned long flags,
	      int *ev_fd);
/* Tells the harness (which checks for leaks), then disconnects. */
void chan_close(struct sim_chan *ch);
/*
 * One request: m (op, dom, args) and in_len bytes of `in` go out; the reply
 * overwrites m, its payload goes to out (cap bytes), a passed fd to *fd (or
 * is closed when fd is NULL). Returns the reply's rc: 0 or -errno.
 */
int chan_call(struct sim_chan *ch, struct sim_msg *m, const void *in,
	      size_t in_len, void *out, size_t cap, int *fd);
/* A one-way message. */
int chan_post(struct sim_chan *ch, struct sim_msg *m);
/* libxen* style failure: errno = -rc, return -1. */
int sim_fail(int rc);

/*
 * Reserves pages of address space at hint (MAP_FIXED in flags honoured):
 * the harness is told the address before anything is mapped there.
 */
void *reserve_pages(void *hint, size_t pages, int flags);
/*
 * Maps page i of a reservation from fd at offs[i] (-errno: left
 * inaccessible, like a failed privcmd page) in runs of contiguous offsets.
 * err[i] gets 0 or the error. Returns how many pages failed.
 */
size_t map_runs(void *base, size_t first, size_t n, const int64_t *offs, int fd,
		int prot, int *err);

#endif
