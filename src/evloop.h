/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One epoll loop per thread. Modules are handed a loop and register what they
 * wait on: file descriptors, timers (timerfd), wake-ups from other threads
 * (eventfd) and signals (signalfd). Nothing sleeps or polls.
 *
 * Everything except evloop_notifier_signal() and evloop_stop() must be called
 * from the loop's own thread. Removing any watch from inside any callback is
 * safe, including the watch whose callback is running: the memory is released
 * only after the current batch of events has been dispatched.
 */
#ifndef XVDM_EVLOOP_H
#define XVDM_EVLOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct evloop_fd;
struct evloop_timer;
struct evloop_notifier;
struct evloop_signals;

/* events: EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP as epoll reported them. */
typedef void evloop_fd_fn(void *opaque, int fd, uint32_t events);
/* expirations: how many periods elapsed since the last call (>= 1). */
typedef void evloop_timer_fn(void *opaque, uint64_t expirations);
typedef void evloop_notifier_fn(void *opaque);
typedef void evloop_signal_fn(void *opaque, int signo);

int evloop_new(struct evloop **out) must_check;
/* NULL-safe. Every watch must have been removed before. */
void evloop_free(struct evloop *loop);

/* Runs until evloop_stop(); returns 0, or -errno if epoll_wait fails. */
int evloop_run(struct evloop *loop) must_check;
/*
 * Waits at most timeout_ms (-1: forever, 0: not at all) and dispatches one
 * batch. Returns the number of events dispatched, or -errno.
 */
int evloop_run_once(struct evloop *loop, int timeout_ms) must_check;
/*
 * Thread-safe and async-signal-safe: makes evloop_run() return. A stop that
 * arrives while no evloop_run() is active ends the next one at once.
 */
void evloop_stop(struct evloop *loop);

/* The loop does not own fd: the caller closes it after evloop_del_fd(). */
int evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
		  evloop_fd_fn *fn, void *opaque,
		  struct evloop_fd **out) must_check;
int evloop_mod_fd(struct evloop_fd *w, uint32_t events) must_check;
void evloop_del_fd(struct evloop_fd *w); /* NULL-safe */

/* A timer starts disarmed. */
int evloop_add_timer(struct evloop *loop, evloop_timer_fn *fn, void *opaque,
		     struct evloop_timer **out) must_check;
/* first_ns == 0 disarms; interval_ns == 0 makes a one-shot timer. */
int evloop_timer_arm(struct evloop_timer *t, uint64_t first_ns,
		     uint64_t interval_ns) must_check;
void evloop_del_timer(struct evloop_timer *t); /* NULL-safe */

/*
 * A wake-up another thread can send. Several signals before the loop runs
 * collapse into one callback.
 */
int evloop_add_notifier(struct evloop *loop, evloop_notifier_fn *fn,
			void *opaque, struct evloop_notifier **out) must_check;
void evloop_notifier_signal(struct evloop_notifier *n); /* thread-safe */
int evloop_notifier_fd(const struct evloop_notifier *n);
void evloop_del_notifier(struct evloop_notifier *n); /* NULL-safe */

/*
 * Blocks the signals in set for the calling thread and delivers them through
 * a signalfd. evloop_del_signals() drops those still pending and unblocks
 * the ones this call blocked, restoring the previous mask for them.
 */
int evloop_add_signals(struct evloop *loop, const sigset_t *set,
		       evloop_signal_fn *fn, void *opaque,
		       struct evloop_signals **out) must_check;
void evloop_del_signals(struct evloop_signals *s); /* NULL-safe */

#endif
