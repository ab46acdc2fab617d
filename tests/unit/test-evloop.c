/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the event loop. Timeouts here are only upper bounds so that a
 * broken loop fails instead of hanging; no assertion depends on how fast
 * the machine is. Deletion from callbacks is proven under ASan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "evloop.h"

/* Long enough never to be hit on a loaded machine, short enough to fail. */
#define WAIT_MS 10000

static struct evloop *loop_new(void)
{
	struct evloop *loop = NULL;

	assert_int_equal(evloop_new(&loop), 0);
	assert_non_null(loop);
	return loop;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void make_pipe(int fds[2])
{
	assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
}

static void put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

/* What fd callbacks saw. */
struct fd_rec {
	int calls;
	int fd;
	uint32_t events;
	bool drain;
};

static void fd_cb(void *opaque, int fd, uint32_t events)
{
	struct fd_rec *rec = opaque;
	char buf[64];

	rec->calls++;
	rec->fd = fd;
	rec->events = events;
	if (rec->drain)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
}

static void test_new_free_idle(void **state)
{
	struct evloop *loop = loop_new();

	assert_int_equal(evloop_run_once(loop, 0), 0);
	evloop_free(loop);
	evloop_free(NULL);
	evloop_del_fd(NULL);
	evloop_del_timer(NULL);
	evloop_del_notifier(NULL);
	evloop_del_signals(NULL);
}

static void test_fd_readable(void **state)
{
	struct evloop *loop = loop_new();
	struct fd_rec rec = { .drain = true };
	struct evloop_fd *w = NULL;
	int p[2];

	make_pipe(p);
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w),
			 0);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 0);

	put_byte(p[1]);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(rec.fd, p[0]);
	assert_true(rec.events & EPOLLIN);
	/* Drained: level-triggered epoll has nothing more to say. */
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 1);

	/* Closing the writer reports a hang-up. */
	close(p[1]);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_true(rec.events & EPOLLHUP);

	evloop_del_fd(w);
	evloop_free(loop);
	close(p[0]);
}

static void test_mod_fd(void **state)
{
	struct evloop *loop = loop_new();
	struct fd_rec rd = { 0 }, wr = { 0 };
	struct evloop_fd *wrd, *wwr;
	int p[2];

	make_pipe(p);
	put_byte(p[1]);
	assert_int_equal(evloop_add_fd(loop, p[0], 0, fd_cb, &rd, &wrd), 0);
	assert_int_equal(evloop_add_fd(loop, p[1], 0, fd_cb, &wr, &wwr), 0);
	/* Readable and writable, but nobody asked. */
	assert_int_equal(evloop_run_once(loop, 0), 0);

	assert_int_equal(evloop_mod_fd(wrd, EPOLLIN), 0);
	assert_int_equal(evloop_mod_fd(wwr, EPOLLOUT), 0);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 2);
	assert_int_equal(rd.calls, 1);
	assert_true(rd.events & EPOLLIN);
	assert_int_equal(wr.calls, 1);
	assert_true(wr.events & EPOLLOUT);

	assert_int_equal(evloop_mod_fd(wrd, 0), 0);
	assert_int_equal(evloop_mod_fd(wwr, 0), 0);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rd.calls + wr.calls, 2);

	evloop_del_fd(wrd);
	evloop_del_fd(wwr);
	evloop_free(loop);
	close(p[0]);
	close(p[1]);
}

static void test_add_fd_errors(void **state)
{
	struct evloop *loop = loop_new();
	struct evloop_fd *w = NULL, *w2 = NULL;
	struct fd_rec rec = { 0 };
	int p[2], fd;

	assert_int_equal(evloop_add_fd(loop, -1, EPOLLIN, fd_cb, &rec, &w),
			 -EBADF);
	assert_null(w);
	make_pipe(p);
	close(p[0]);
	close(p[1]);
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w),
			 -EBADF);
	assert_null(w);

	/* epoll refuses regular files. */
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(evloop_add_fd(loop, fd, EPOLLIN, fd_cb, &rec, &w),
			 -EPERM);
	close(fd);

	/* The same fd twice: the second watch is refused (and not leaked). */
	make_pipe(p);
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w),
			 0);
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w2),
			 -EEXIST);
	assert_null(w2);
	/* The kernel refuses EPOLLEXCLUSIVE on an existing watch. */
	assert_int_equal(evloop_mod_fd(w, EPOLLIN | EPOLLEXCLUSIVE), -EINVAL);
	evloop_del_fd(w);
	evloop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* What timer callbacks saw. */
struct timer_rec {
	int calls;
	uint64_t expirations;
	uint64_t min_expirations;
};

static void timer_cb(void *opaque, uint64_t expirations)
{
	struct timer_rec *rec = opaque;

	rec->calls++;
	rec->expirations += expirations;
	if (!rec->min_expirations || expirations < rec->min_expirations)
		rec->min_expirations = expirations;
}

static void test_timer_one_shot(void **state)
{
	struct evloop *loop = loop_new();
	struct timer_rec rec = { 0 };
	struct evloop_timer *t;

	assert_int_equal(evloop_add_timer(loop, timer_cb, &rec, &t), 0);
	/* A new timer is disarmed. */
	sleep_ms(2);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	assert_int_equal(evloop_timer_arm(t, 1000000, 0), 0);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(rec.expirations, 1);
	/* One-shot: it cannot fire again. */
	sleep_ms(5);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 1);

	/* Re-arming a spent one-shot timer works. */
	assert_int_equal(evloop_timer_arm(t, 1, 0), 0);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 2);

	evloop_del_timer(t);
	evloop_free(loop);
}

static void test_timer_periodic_and_disarm(void **state)
{
	struct evloop *loop = loop_new();
	struct timer_rec rec = { 0 };
	struct evloop_timer *t;

	assert_int_equal(evloop_add_timer(loop, timer_cb, &rec, &t), 0);
	assert_int_equal(evloop_timer_arm(t, 1000000, 1000000), 0);
	/* At least 20 periods pass while nobody runs the loop. */
	sleep_ms(20);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	assert_true(rec.expirations >= 2);

	/* Periodic: it fires again. */
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 2);

	/* Disarmed, it never fires, even with expirations pending before. */
	sleep_ms(3);
	assert_int_equal(evloop_timer_arm(t, 0, 0), 0);
	sleep_ms(5);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 2);

	/* first_ns == 0 disarms whatever the interval. */
	assert_int_equal(evloop_timer_arm(t, 0, 1000000), 0);
	sleep_ms(5);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_true(rec.min_expirations >= 1); /* never called with 0 */

	evloop_del_timer(t);
	evloop_free(loop);
}

static void notify_cb(void *opaque)
{
	(*(int *)opaque)++;
}

static void test_notifier_collapses(void **state)
{
	struct evloop *loop = loop_new();
	struct evloop_notifier *n;
	uint64_t one = 1;
	int calls = 0;

	assert_int_equal(evloop_add_notifier(loop, notify_cb, &calls, &n), 0);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	evloop_notifier_signal(n);
	evloop_notifier_signal(n);
	evloop_notifier_signal(n);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(calls, 1);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(calls, 1);

	/* The fd is an eventfd another component may write to directly. */
	assert_true(evloop_notifier_fd(n) >= 0);
	assert_int_equal(write(evloop_notifier_fd(n), &one, sizeof(one)),
			 sizeof(one));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(calls, 2);

	evloop_del_notifier(n);
	evloop_free(loop);
}

struct poke {
	struct evloop *loop;
	struct evloop_notifier *n;
};

static void *notifier_thread(void *opaque)
{
	struct poke *p = opaque;

	/* Give the loop a chance to block first; correctness needs no sleep. */
	sleep_ms(20);
	evloop_notifier_signal(p->n);
	evloop_notifier_signal(p->n);
	return NULL;
}

static void test_notifier_from_thread(void **state)
{
	struct poke p = { .loop = loop_new() };
	pthread_t th;
	int calls = 0;

	assert_int_equal(evloop_add_notifier(p.loop, notify_cb, &calls, &p.n),
			 0);
	assert_int_equal(pthread_create(&th, NULL, notifier_thread, &p), 0);
	/* Blocks until the thread signals (or the bound says it never did). */
	assert_int_equal(evloop_run_once(p.loop, WAIT_MS), 1);
	assert_true(calls == 1);
	pthread_join(th, NULL);
	/* Whatever was left pending collapses into at most one more call. */
	assert_true(evloop_run_once(p.loop, 0) <= 1);
	assert_true(calls <= 2);

	evloop_del_notifier(p.n);
	evloop_free(p.loop);
}

static void *stop_thread(void *opaque)
{
	sleep_ms(20);
	evloop_stop(opaque);
	return NULL;
}

static void stop_from_timer_cb(void *opaque, uint64_t expirations)
{
	evloop_stop(opaque);
}

static void test_stop(void **state)
{
	struct evloop *loop = loop_new();
	struct evloop_timer *t;
	pthread_t th;

	/* From another thread: the watchdog alarm fails us if it hangs. */
	assert_int_equal(pthread_create(&th, NULL, stop_thread, loop), 0);
	assert_int_equal(evloop_run(loop), 0);
	pthread_join(th, NULL);

	/* From a callback of the loop itself. */
	assert_int_equal(evloop_add_timer(loop, stop_from_timer_cb, loop, &t),
			 0);
	assert_int_equal(evloop_timer_arm(t, 1000000, 1000000), 0);
	assert_int_equal(evloop_run(loop), 0);

	/* A stop before the run ends that run; the stop is then spent. */
	assert_int_equal(evloop_timer_arm(t, 0, 0), 0);
	evloop_stop(loop);
	evloop_stop(loop);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	evloop_del_timer(t);
	evloop_free(loop);
}

struct sig_rec {
	int calls;
	int signo;
};

static void signal_cb(void *opaque, int signo)
{
	struct sig_rec *rec = opaque;

	rec->calls++;
	rec->signo = signo;
}

static bool blocked(int signo)
{
	sigset_t cur;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, signo) == 1;
}

static void test_signals(void **state)
{
	struct evloop *loop = loop_new();
	struct evloop_signals *s, *s2;
	struct sig_rec rec = { 0 }, rec2 = { 0 };
	sigset_t set, set2;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	assert_false(blocked(SIGUSR1));
	assert_int_equal(evloop_add_signals(loop, &set, signal_cb, &rec, &s),
			 0);
	assert_true(blocked(SIGUSR1));

	/* Blocked, so it waits for the signalfd instead of killing us. */
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(rec.signo, SIGUSR1);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	/* A second watch on SIGUSR2; deleting the first keeps SIGUSR2. */
	sigemptyset(&set2);
	sigaddset(&set2, SIGUSR2);
	assert_int_equal(evloop_add_signals(loop, &set2, signal_cb, &rec2, &s2),
			 0);
	evloop_del_signals(s);
	assert_false(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec2.signo, SIGUSR2);
	evloop_del_signals(s2);
	assert_false(blocked(SIGUSR2));

	/* A signal blocked before stays blocked after the watch is gone. */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, NULL), 0);
	assert_int_equal(evloop_add_signals(loop, &set, signal_cb, &rec, &s),
			 0);
	evloop_del_signals(s);
	assert_true(blocked(SIGUSR1));
	assert_int_equal(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);

	evloop_free(loop);
}

/* Deleted with a signal pending: it is dropped, not delivered (fatal). */
static void test_signals_pending_dropped_on_delete(void **state)
{
	struct evloop *loop = loop_new();
	struct sig_rec rec = { 0 };
	struct evloop_signals *s;
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	assert_int_equal(evloop_add_signals(loop, &set, signal_cb, &rec, &s),
			 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(sigpending(&pending), 0);
	assert_int_equal(sigismember(&pending, SIGUSR1), 1);
	evloop_del_signals(s);
	assert_int_equal(sigpending(&pending), 0);
	assert_int_equal(sigismember(&pending, SIGUSR1), 0);
	assert_false(blocked(SIGUSR1));
	assert_int_equal(rec.calls, 0);
	evloop_free(loop);
}

/* Callbacks that delete watches: one shared record. */
struct del_ctx {
	struct evloop *loop;
	struct evloop_fd *fd[2];
	struct evloop_fd *fresh;
	struct evloop_timer *timer;
	struct evloop_notifier *notifier;
	struct evloop_signals *sig;
	struct fd_rec fresh_rec;
	int calls;
	int p[2][2];
};

static void del_self_fd_cb(void *opaque, int fd, uint32_t events)
{
	struct del_ctx *c = opaque;

	c->calls++;
	evloop_del_fd(c->fd[0]);
}

static void del_self_timer_cb(void *opaque, uint64_t expirations)
{
	struct del_ctx *c = opaque;

	c->calls++;
	evloop_del_timer(c->timer);
}

static void del_self_signal_cb(void *opaque, int signo)
{
	struct del_ctx *c = opaque;

	c->calls++;
	evloop_del_signals(c->sig);
}

static void del_self_notifier_cb(void *opaque)
{
	struct del_ctx *c = opaque;

	c->calls++;
	evloop_del_notifier(c->notifier);
}

/* Each watch deletes itself; what keeps it ready must wake nobody after. */
static void test_delete_self_in_callback(void **state)
{
	struct del_ctx c = { .loop = loop_new() };
	sigset_t set;

	make_pipe(c.p[0]);
	put_byte(c.p[0][1]);
	assert_int_equal(evloop_add_fd(c.loop, c.p[0][0], EPOLLIN,
				       del_self_fd_cb, &c, &c.fd[0]),
			 0);
	assert_int_equal(evloop_add_timer(c.loop, del_self_timer_cb, &c,
					  &c.timer),
			 0);
	assert_int_equal(evloop_timer_arm(c.timer, 1, 1000000), 0);
	assert_int_equal(evloop_add_notifier(c.loop, del_self_notifier_cb, &c,
					     &c.notifier),
			 0);
	evloop_notifier_signal(c.notifier);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	assert_int_equal(evloop_add_signals(c.loop, &set, del_self_signal_cb,
					    &c, &c.sig),
			 0);
	assert_int_equal(raise(SIGUSR1), 0);

	while (c.calls < 4)
		assert_true(evloop_run_once(c.loop, WAIT_MS) > 0);
	sleep_ms(3);
	assert_int_equal(evloop_run_once(c.loop, 0), 0);
	assert_int_equal(c.calls, 4);
	assert_false(blocked(SIGUSR1));
	evloop_free(c.loop);
	close(c.p[0][0]);
	close(c.p[0][1]);
}

/*
 * Whichever of two ready fds runs first deletes the other, closes its fd and
 * registers a fresh watch that likely gets the same fd number: the other's
 * stale event in this batch must reach neither the dead watch nor the new
 * one.
 */
static void del_other_fd_cb(void *opaque, int fd, uint32_t events)
{
	struct del_ctx *c = opaque;
	int me = fd == c->p[0][0] ? 0 : 1;
	int other = !me;
	char buf[8];

	c->calls++;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (!c->fd[other])
		return;
	evloop_del_fd(c->fd[other]);
	c->fd[other] = NULL;
	close(c->p[other][0]);
	close(c->p[other][1]);
	make_pipe(c->p[other]);
	assert_int_equal(evloop_add_fd(c->loop, c->p[other][0], EPOLLIN, fd_cb,
				       &c->fresh_rec, &c->fresh),
			 0);
}

static void test_delete_other_in_callback(void **state)
{
	struct del_ctx c = { .loop = loop_new() };
	int i;

	c.fresh_rec.drain = true;
	for (i = 0; i < 2; i++) {
		make_pipe(c.p[i]);
		put_byte(c.p[i][1]);
		assert_int_equal(evloop_add_fd(c.loop, c.p[i][0], EPOLLIN,
					       del_other_fd_cb, &c, &c.fd[i]),
				 0);
	}
	/* Both are ready, so both come in the same batch. */
	assert_int_equal(evloop_run_once(c.loop, WAIT_MS), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.fresh_rec.calls, 0);
	assert_int_equal(evloop_run_once(c.loop, 0), 0);

	/* The fresh watch works for its own events. */
	i = c.fd[0] ? 1 : 0;
	put_byte(c.p[i][1]);
	assert_int_equal(evloop_run_once(c.loop, WAIT_MS), 1);
	assert_int_equal(c.fresh_rec.calls, 1);
	assert_int_equal(c.fresh_rec.fd, c.p[i][0]);

	evloop_del_fd(c.fd[!i]);
	evloop_del_fd(c.fresh);
	evloop_free(c.loop);
	for (i = 0; i < 2; i++) {
		close(c.p[i][0]);
		close(c.p[i][1]);
	}
}

/* The first callback of a batch deletes every watch, itself included. */
static void del_all(struct del_ctx *c)
{
	c->calls++;
	evloop_del_fd(c->fd[0]);
	evloop_del_timer(c->timer);
	evloop_del_notifier(c->notifier);
	evloop_del_signals(c->sig);
}

static void del_all_fd_cb(void *opaque, int fd, uint32_t events)
{
	del_all(opaque);
}

static void del_all_timer_cb(void *opaque, uint64_t expirations)
{
	del_all(opaque);
}

static void del_all_notifier_cb(void *opaque)
{
	del_all(opaque);
}

static void del_all_signal_cb(void *opaque, int signo)
{
	del_all(opaque);
}

static void test_delete_all_in_callback(void **state)
{
	struct del_ctx c = { .loop = loop_new() };
	sigset_t set;

	make_pipe(c.p[0]);
	put_byte(c.p[0][1]);
	assert_int_equal(evloop_add_fd(c.loop, c.p[0][0], EPOLLIN,
				       del_all_fd_cb, &c, &c.fd[0]),
			 0);
	assert_int_equal(evloop_add_timer(c.loop, del_all_timer_cb, &c,
					  &c.timer),
			 0);
	assert_int_equal(evloop_timer_arm(c.timer, 1, 0), 0);
	assert_int_equal(evloop_add_notifier(c.loop, del_all_notifier_cb, &c,
					     &c.notifier),
			 0);
	evloop_notifier_signal(c.notifier);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	assert_int_equal(evloop_add_signals(c.loop, &set, del_all_signal_cb,
					    &c, &c.sig),
			 0);
	assert_int_equal(raise(SIGUSR2), 0);
	sleep_ms(2); /* the timer has expired: four events are ready */

	assert_int_equal(evloop_run_once(c.loop, WAIT_MS), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(evloop_run_once(c.loop, 0), 0);
	/* Undispatched or not, the SIGUSR2 was consumed: we are alive. */
	assert_false(blocked(SIGUSR2));
	evloop_free(c.loop);
	close(c.p[0][0]);
	close(c.p[0][1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free_idle),
		cmocka_unit_test(test_fd_readable),
		cmocka_unit_test(test_mod_fd),
		cmocka_unit_test(test_add_fd_errors),
		cmocka_unit_test(test_timer_one_shot),
		cmocka_unit_test(test_timer_periodic_and_disarm),
		cmocka_unit_test(test_notifier_collapses),
		cmocka_unit_test(test_notifier_from_thread),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_signals_pending_dropped_on_delete),
		cmocka_unit_test(test_delete_self_in_callback),
		cmocka_unit_test(test_delete_other_in_callback),
		cmocka_unit_test(test_delete_all_in_callback),
	};

	/* A loop that never wakes up fails the run instead of hanging it. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
