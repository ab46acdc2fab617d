/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event loop: one epoll instance per thread. Each watch is a small heap
 * object whose address is the epoll data, so an event is matched to its
 * watch by pointer, never by an fd number that may have been reused.
 *
 * Deleting a watch unregisters it and closes the fds the loop owns at once,
 * but while a batch is being dispatched its memory stays: it is marked dead,
 * later events of the batch that point to it are skipped, and it is freed
 * when the batch is over. That is what makes deleting any watch from any
 * callback safe. Nothing on the dispatch path allocates.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "evloop.h"

/* Events taken per epoll_wait: a fair share, small enough for the stack. */
#define EVLOOP_BATCH 32

#define NSEC_PER_SEC 1000000000ull

struct watch;
typedef void watch_dispatch_fn(struct watch *w, uint32_t events);

/* The part every kind of watch shares; always the first member. */
struct watch {
	struct evloop *loop;
	watch_dispatch_fn *dispatch;
	int fd;
	bool owns_fd; /* timerfd, eventfd, signalfd: closed on delete */
	bool dead;    /* deleted during the current batch */
	struct watch *next_dead;
};

struct evloop {
	int epfd;
	bool dispatching;      /* inside evloop_run_once's batch */
	bool stop_requested;   /* set by the stop watch, read by evloop_run */
	unsigned int nwatches; /* live user watches, for evloop_free */
	struct watch *dead;    /* deleted during the batch, freed after it */
	struct watch stop;     /* the eventfd evloop_stop() writes */
};

struct evloop_fd {
	struct watch w;
	evloop_fd_fn *fn;
	void *opaque;
};

struct evloop_timer {
	struct watch w;
	evloop_timer_fn *fn;
	void *opaque;
};

struct evloop_notifier {
	struct watch w;
	evloop_notifier_fn *fn;
	void *opaque;
};

struct evloop_signals {
	struct watch w;
	evloop_signal_fn *fn;
	void *opaque;
	sigset_t unblock; /* the signals we blocked, to unblock on delete */
};

/* watch_free() frees the outer object through its struct watch. */
_Static_assert(offsetof(struct evloop_fd, w) == 0, "watch first");
_Static_assert(offsetof(struct evloop_timer, w) == 0, "watch first");
_Static_assert(offsetof(struct evloop_notifier, w) == 0, "watch first");
_Static_assert(offsetof(struct evloop_signals, w) == 0, "watch first");

/* Reads an eventfd or timerfd counter; false if there was nothing to read. */
static bool read_counter(int fd, uint64_t *count)
{
	ssize_t r = read(fd, count, sizeof(*count));

	return r == (ssize_t)sizeof(*count) && *count;
}

static void stop_dispatch(struct watch *w, uint32_t events)
{
	uint64_t count;

	if (read_counter(w->fd, &count))
		w->loop->stop_requested = true;
}

int evloop_new(struct evloop **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct evloop *loop;
	int rc;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->stop.fd = -1;
	loop->stop.loop = loop;
	loop->stop.dispatch = stop_dispatch;

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		rc = -errno;
		goto out;
	}
	loop->stop.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->stop.fd < 0) {
		rc = -errno;
		goto out;
	}
	ev.data.ptr = &loop->stop;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->stop.fd, &ev) < 0) {
		rc = -errno;
		goto out;
	}
	*out = loop;
	return 0;

out:
	evloop_free(loop);
	return rc;
}

static void reap(struct evloop *loop)
{
	struct watch *w;

	while ((w = loop->dead)) {
		loop->dead = w->next_dead;
		free(w);
	}
}

void evloop_free(struct evloop *loop)
{
	if (!loop)
		return;
	assert(!loop->dispatching);
	assert(!loop->nwatches);
	reap(loop);
	if (loop->stop.fd >= 0)
		close(loop->stop.fd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event ev[EVLOOP_BATCH];
	struct watch *w;
	int i, n = 0, r;

	/* A callback must not run the loop it is called from. */
	assert(!loop->dispatching);
	r = epoll_wait(loop->epfd, ev, EVLOOP_BATCH, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;

	loop->dispatching = true;
	for (i = 0; i < r; i++) {
		w = ev[i].data.ptr;
		if (w->dead)
			continue;
		w->dispatch(w, ev[i].events);
		if (w != &loop->stop)
			n++;
	}
	loop->dispatching = false;
	reap(loop);
	return n;
}

int evloop_run(struct evloop *loop)
{
	int rc;

	while (!loop->stop_requested) {
		rc = evloop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	}
	loop->stop_requested = false;
	return 0;
}

void evloop_stop(struct evloop *loop)
{
	uint64_t one = 1;
	/* Only fails with EAGAIN, when a stop is already pending. */
	ssize_t r = write(loop->stop.fd, &one, sizeof(one));

	(void)r;
}

/*
 * Allocates a watch of `size` bytes for fd and registers it. On failure an
 * owned fd is closed, so callers have nothing to undo.
 */
static int watch_new(struct evloop *loop, size_t size, int fd, bool owns_fd,
		     uint32_t events, watch_dispatch_fn *dispatch,
		     struct watch **out)
{
	struct epoll_event ev = { .events = events };
	struct watch *w;
	int rc;

	w = calloc(1, size);
	if (!w) {
		rc = -ENOMEM;
		goto out;
	}
	w->loop = loop;
	w->dispatch = dispatch;
	w->fd = fd;
	w->owns_fd = owns_fd;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		goto out;
	}
	loop->nwatches++;
	*out = w;
	return 0;

out:
	free(w);
	if (owns_fd)
		close(fd);
	return rc;
}

static void watch_del(struct watch *w)
{
	struct evloop *loop = w->loop;

	assert(!w->dead);
	/*
	 * Fails only if the caller closed a borrowed fd too early, which
	 * removed it from the epoll set already.
	 */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	if (w->owns_fd)
		close(w->fd);
	w->dead = true;
	loop->nwatches--;
	if (loop->dispatching) {
		w->next_dead = loop->dead;
		loop->dead = w;
	} else {
		free(w);
	}
}

static void fd_dispatch(struct watch *w, uint32_t events)
{
	struct evloop_fd *f = container_of(w, struct evloop_fd, w);

	f->fn(f->opaque, w->fd, events);
}

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
		  evloop_fd_fn *fn, void *opaque, struct evloop_fd **out)
{
	struct watch *w;
	struct evloop_fd *f;
	int rc;

	rc = watch_new(loop, sizeof(*f), fd, false, events, fd_dispatch, &w);
	if (rc)
		return rc;
	f = container_of(w, struct evloop_fd, w);
	f->fn = fn;
	f->opaque = opaque;
	*out = f;
	return 0;
}

int evloop_mod_fd(struct evloop_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &f->w };

	if (epoll_ctl(f->w.loop->epfd, EPOLL_CTL_MOD, f->w.fd, &ev) < 0)
		return -errno;
	return 0;
}

void evloop_del_fd(struct evloop_fd *f)
{
	if (f)
		watch_del(&f->w);
}

static void timer_dispatch(struct watch *w, uint32_t events)
{
	struct evloop_timer *t = container_of(w, struct evloop_timer, w);
	uint64_t expirations;

	/*
	 * Nothing to read when an earlier callback of this batch re-armed
	 * or disarmed the timer: timerfd_settime() reset the count.
	 */
	if (read_counter(w->fd, &expirations))
		t->fn(t->opaque, expirations);
}

int evloop_add_timer(struct evloop *loop, evloop_timer_fn *fn, void *opaque,
		     struct evloop_timer **out)
{
	struct evloop_timer *t;
	struct watch *w;
	int fd, rc;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = watch_new(loop, sizeof(*t), fd, true, EPOLLIN, timer_dispatch, &w);
	if (rc)
		return rc;
	t = container_of(w, struct evloop_timer, w);
	t->fn = fn;
	t->opaque = opaque;
	*out = t;
	return 0;
}

static struct timespec ns_to_timespec(uint64_t ns)
{
	return (struct timespec){
		.tv_sec = (time_t)(ns / NSEC_PER_SEC),
		.tv_nsec = (long)(ns % NSEC_PER_SEC),
	};
}

int evloop_timer_arm(struct evloop_timer *t, uint64_t first_ns,
		     uint64_t interval_ns)
{
	struct itimerspec its = { 0 };

	/* An all-zero it_value disarms, whatever the interval says. */
	if (first_ns) {
		its.it_value = ns_to_timespec(first_ns);
		its.it_interval = ns_to_timespec(interval_ns);
	}
	if (timerfd_settime(t->w.fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void evloop_del_timer(struct evloop_timer *t)
{
	if (t)
		watch_del(&t->w);
}

static void notifier_dispatch(struct watch *w, uint32_t events)
{
	struct evloop_notifier *n = container_of(w, struct evloop_notifier, w);
	uint64_t count;

	/* Reading resets the counter: many signals, one callback. */
	if (read_counter(w->fd, &count))
		n->fn(n->opaque);
}

int evloop_add_notifier(struct evloop *loop, evloop_notifier_fn *fn,
			void *opaque, struct evloop_notifier **out)
{
	struct evloop_notifier *n;
	struct watch *w;
	int fd, rc;

	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = watch_new(loop, sizeof(*n), fd, true, EPOLLIN, notifier_dispatch,
		       &w);
	if (rc)
		return rc;
	n = container_of(w, struct evloop_notifier, w);
	n->fn = fn;
	n->opaque = opaque;
	*out = n;
	return 0;
}

void evloop_notifier_signal(struct evloop_notifier *n)
{
	uint64_t one = 1;
	/* Only fails with EAGAIN, when the counter is full: still pending. */
	ssize_t r = write(n->w.fd, &one, sizeof(one));

	(void)r;
}

int evloop_notifier_fd(const struct evloop_notifier *n)
{
	return n->w.fd;
}

void evloop_del_notifier(struct evloop_notifier *n)
{
	if (n)
		watch_del(&n->w);
}

static void signals_dispatch(struct watch *w, uint32_t events)
{
	struct evloop_signals *s = container_of(w, struct evloop_signals, w);
	struct signalfd_siginfo si;
	ssize_t r;

	/*
	 * One signal per event: epoll is level-triggered and reports the
	 * rest again, and the callback may delete this watch.
	 */
	r = read(w->fd, &si, sizeof(si));
	if (r == (ssize_t)sizeof(si))
		s->fn(s->opaque, (int)si.ssi_signo);
}

/*
 * Unblocks only the signals we blocked, not the whole old mask: another
 * watch may have blocked more since, and must keep them.
 */
static void unblock_ours(const sigset_t *unblock)
{
	pthread_sigmask(SIG_UNBLOCK, unblock, NULL);
}

int evloop_add_signals(struct evloop *loop, const sigset_t *set,
		       evloop_signal_fn *fn, void *opaque,
		       struct evloop_signals **out)
{
	struct evloop_signals *s;
	sigset_t old, unblock;
	struct watch *w;
	int fd, rc, signo;

	/* Blocked first, so none is delivered the old way in between. */
	rc = -pthread_sigmask(SIG_BLOCK, set, &old);
	if (rc)
		return rc;
	sigemptyset(&unblock);
	for (signo = 1; signo < NSIG; signo++) {
		if (sigismember(set, signo) == 1 &&
		    sigismember(&old, signo) != 1)
			sigaddset(&unblock, signo);
	}

	fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = watch_new(loop, sizeof(*s), fd, true, EPOLLIN, signals_dispatch,
		       &w);
	if (rc)
		goto out;
	s = container_of(w, struct evloop_signals, w);
	s->fn = fn;
	s->opaque = opaque;
	s->unblock = unblock;
	*out = s;
	return 0;

out:
	unblock_ours(&unblock);
	return rc;
}

/*
 * Signals that arrived for this watch but were not dispatched are read and
 * dropped before the mask is restored: unblocked while still pending, a
 * second SIGTERM during teardown would kill the daemon by default action.
 * The queue is finite, so the loop ends.
 */
void evloop_del_signals(struct evloop_signals *s)
{
	struct signalfd_siginfo si;

	if (!s)
		return;
	while (read(s->w.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	unblock_ours(&s->unblock);
	watch_del(&s->w);
}
