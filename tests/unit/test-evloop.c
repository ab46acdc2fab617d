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

/* For calls returning 0/-errno. */
#define OK(call) assert_int_equal((call), 0)

/* Each test gets a fresh loop; freeing it asserts no watch was leaked. */
static int setup(void **state)
{
	return evloop_new((struct evloop **)state);
}

static int teardown(void **state)
{
	evloop_free(*state);
	return 0;
}

static void make_pipe(int fds[2])
{
	OK(pipe2(fds, O_CLOEXEC | O_NONBLOCK));
}

static void put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static void close_pipe(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static sigset_t sigset_of(int signo)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, signo);
	return set;
}

/* What a callback saw; one record type serves every kind of watch. */
struct rec {
	int calls;
	int fd;
	uint32_t events;
	uint64_t expirations;
	int signo;
	bool drain;
};

static void fd_cb(void *opaque, int fd, uint32_t events)
{
	struct rec *rec = opaque;
	char buf[64];

	rec->calls++;
	rec->fd = fd;
	rec->events = events;
	while (rec->drain && read(fd, buf, sizeof(buf)) > 0)
		;
}

static void timer_cb(void *opaque, uint64_t expirations)
{
	struct rec *rec = opaque;

	rec->calls++;
	rec->expirations = expirations;
	assert_true(expirations >= 1);
}

static void notify_cb(void *opaque)
{
	((struct rec *)opaque)->calls++;
}

static void signal_cb(void *opaque, int signo)
{
	struct rec *rec = opaque;

	rec->calls++;
	rec->signo = signo;
}

static bool blocked(int signo)
{
	sigset_t cur;

	OK(pthread_sigmask(SIG_BLOCK, NULL, &cur));
	return sigismember(&cur, signo) == 1;
}

static void test_fd_readable(void **state)
{
	struct evloop *loop = *state;
	struct rec rec = { .drain = true };
	struct evloop_fd *w = NULL;
	int p[2];

	make_pipe(p);
	OK(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w));
	assert_int_equal(evloop_run_once(loop, 0), 0);

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
	close(p[0]);
}

static void test_mod_fd(void **state)
{
	struct evloop *loop = *state;
	struct rec rd = { 0 }, wr = { 0 };
	struct evloop_fd *wrd, *wwr;
	int p[2];

	make_pipe(p);
	put_byte(p[1]);
	OK(evloop_add_fd(loop, p[0], 0, fd_cb, &rd, &wrd));
	OK(evloop_add_fd(loop, p[1], 0, fd_cb, &wr, &wwr));
	/* Readable and writable, but nobody asked. */
	assert_int_equal(evloop_run_once(loop, 0), 0);

	OK(evloop_mod_fd(wrd, EPOLLIN));
	OK(evloop_mod_fd(wwr, EPOLLOUT));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 2);
	assert_true(rd.calls == 1 && (rd.events & EPOLLIN));
	assert_true(wr.calls == 1 && (wr.events & EPOLLOUT));

	OK(evloop_mod_fd(wrd, 0));
	OK(evloop_mod_fd(wwr, 0));
	assert_int_equal(evloop_run_once(loop, 0), 0);
	evloop_del_fd(wrd);
	evloop_del_fd(wwr);
	close_pipe(p);
}

static void test_errors_and_null(void **state)
{
	struct evloop *loop = *state;
	struct evloop_fd *w = NULL, *w2 = NULL;
	struct rec rec = { 0 };
	int p[2], fd;

	assert_int_equal(evloop_add_fd(loop, -1, EPOLLIN, fd_cb, &rec, &w),
			 -EBADF);
	make_pipe(p);
	close_pipe(p);
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w),
			 -EBADF);
	assert_null(w);
	/* epoll refuses regular files. */
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	assert_int_equal(evloop_add_fd(loop, fd, EPOLLIN, fd_cb, &rec, &w),
			 -EPERM);
	close(fd);

	/* The same fd twice: the second watch is refused (and not leaked). */
	make_pipe(p);
	OK(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w));
	assert_int_equal(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, &rec, &w2),
			 -EEXIST);
	assert_null(w2);
	/* The kernel refuses EPOLLEXCLUSIVE on an existing watch. */
	assert_int_equal(evloop_mod_fd(w, EPOLLIN | EPOLLEXCLUSIVE), -EINVAL);
	evloop_del_fd(w);
	close_pipe(p);

	evloop_free(NULL);
	evloop_del_fd(NULL);
	evloop_del_timer(NULL);
	evloop_del_notifier(NULL);
	evloop_del_signals(NULL);
	assert_int_equal(rec.calls, 0);
}

static void test_timer_one_shot(void **state)
{
	struct evloop *loop = *state;
	struct rec rec = { 0 };
	struct evloop_timer *t;

	OK(evloop_add_timer(loop, timer_cb, &rec, &t));
	/* A new timer is disarmed. */
	usleep(2 * 1000);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	OK(evloop_timer_arm(t, 1000000, 0));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(rec.expirations, 1);
	/* One-shot: it cannot fire again. */
	usleep(5 * 1000);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	/* Re-arming a spent one-shot timer works. */
	OK(evloop_timer_arm(t, 1, 0));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 2);
	evloop_del_timer(t);
}

static void test_timer_periodic_and_disarm(void **state)
{
	struct evloop *loop = *state;
	struct rec rec = { 0 };
	struct evloop_timer *t;

	OK(evloop_add_timer(loop, timer_cb, &rec, &t));
	OK(evloop_timer_arm(t, 1000000, 1000000));
	/* At least 20 periods pass while nobody runs the loop. */
	usleep(20 * 1000);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_true(rec.calls == 1 && rec.expirations >= 2);
	/* Periodic: it fires again. */
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 2);

	/* Disarmed, it never fires, even with expirations pending before. */
	usleep(3 * 1000);
	OK(evloop_timer_arm(t, 0, 0));
	usleep(5 * 1000);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	/* first_ns == 0 disarms whatever the interval. */
	OK(evloop_timer_arm(t, 0, 1000000));
	usleep(5 * 1000);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 2);
	evloop_del_timer(t);
}

static void test_notifier_collapses(void **state)
{
	struct evloop *loop = *state;
	struct evloop_notifier *n;
	struct rec rec = { 0 };
	uint64_t one = 1;

	OK(evloop_add_notifier(loop, notify_cb, &rec, &n));
	assert_int_equal(evloop_run_once(loop, 0), 0);
	evloop_notifier_signal(n);
	evloop_notifier_signal(n);
	evloop_notifier_signal(n);
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(rec.calls, 1);

	/* The fd is an eventfd another component may write to directly. */
	assert_int_equal(write(evloop_notifier_fd(n), &one, sizeof(one)),
			 sizeof(one));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 2);
	evloop_del_notifier(n);
}

static void *notifier_thread(void *n)
{
	/* Give the loop a chance to block first; correctness needs no sleep. */
	usleep(20 * 1000);
	evloop_notifier_signal(n);
	evloop_notifier_signal(n);
	return NULL;
}

static void test_notifier_from_thread(void **state)
{
	struct evloop *loop = *state;
	struct evloop_notifier *n;
	struct rec rec = { 0 };
	pthread_t th;

	OK(evloop_add_notifier(loop, notify_cb, &rec, &n));
	OK(pthread_create(&th, NULL, notifier_thread, n));
	/* Blocks until the thread signals (or the bound says it never did). */
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec.calls, 1);
	pthread_join(th, NULL);
	/* Whatever was left pending collapses into at most one more call. */
	assert_true(evloop_run_once(loop, 0) <= 1);
	assert_true(rec.calls <= 2);
	evloop_del_notifier(n);
}

static void *stop_thread(void *loop)
{
	usleep(20 * 1000);
	evloop_stop(loop);
	return NULL;
}

static void stop_from_timer_cb(void *loop, uint64_t expirations)
{
	evloop_stop(loop);
}

static void test_stop(void **state)
{
	struct evloop *loop = *state;
	struct evloop_timer *t;
	pthread_t th;

	/* From another thread: the watchdog alarm fails us if it hangs. */
	OK(pthread_create(&th, NULL, stop_thread, loop));
	OK(evloop_run(loop));
	pthread_join(th, NULL);

	/* From a callback of the loop itself. */
	OK(evloop_add_timer(loop, stop_from_timer_cb, loop, &t));
	OK(evloop_timer_arm(t, 1000000, 1000000));
	OK(evloop_run(loop));

	/* A stop before the run ends that run; the stop is then spent. */
	OK(evloop_timer_arm(t, 0, 0));
	evloop_stop(loop);
	evloop_stop(loop);
	OK(evloop_run(loop));
	assert_int_equal(evloop_run_once(loop, 0), 0);
	evloop_del_timer(t);
}

static void test_signals(void **state)
{
	struct evloop *loop = *state;
	sigset_t set = sigset_of(SIGUSR1), set2 = sigset_of(SIGUSR2);
	struct rec rec = { 0 }, rec2 = { 0 };
	struct evloop_signals *s, *s2;

	assert_false(blocked(SIGUSR1));
	OK(evloop_add_signals(loop, &set, signal_cb, &rec, &s));
	assert_true(blocked(SIGUSR1));
	/* Blocked, so it waits for the signalfd instead of killing us. */
	OK(raise(SIGUSR1));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_true(rec.calls == 1 && rec.signo == SIGUSR1);
	assert_int_equal(evloop_run_once(loop, 0), 0);

	/* A second watch on SIGUSR2; deleting the first keeps SIGUSR2. */
	OK(evloop_add_signals(loop, &set2, signal_cb, &rec2, &s2));
	evloop_del_signals(s);
	assert_false(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));
	OK(raise(SIGUSR2));
	assert_int_equal(evloop_run_once(loop, WAIT_MS), 1);
	assert_int_equal(rec2.signo, SIGUSR2);
	evloop_del_signals(s2);
	assert_false(blocked(SIGUSR2));

	/* A signal blocked before stays blocked after the watch is gone. */
	OK(pthread_sigmask(SIG_BLOCK, &set, NULL));
	OK(evloop_add_signals(loop, &set, signal_cb, &rec, &s));
	evloop_del_signals(s);
	assert_true(blocked(SIGUSR1));
	OK(pthread_sigmask(SIG_UNBLOCK, &set, NULL));
}

/* Deleted with a signal pending: it is dropped, not delivered (fatal). */
static void test_signals_pending_dropped_on_delete(void **state)
{
	struct evloop *loop = *state;
	sigset_t set = sigset_of(SIGUSR1), pending;
	struct rec rec = { 0 };
	struct evloop_signals *s;

	OK(evloop_add_signals(loop, &set, signal_cb, &rec, &s));
	OK(raise(SIGUSR1));
	OK(sigpending(&pending));
	assert_int_equal(sigismember(&pending, SIGUSR1), 1);
	evloop_del_signals(s);
	OK(sigpending(&pending));
	assert_int_equal(sigismember(&pending, SIGUSR1), 0);
	assert_false(blocked(SIGUSR1));
	assert_int_equal(rec.calls, 0);
}

/* Watches of every kind whose callbacks delete watches. */
struct del_ctx {
	struct evloop *loop;
	bool all; /* each callback deletes every watch, not only its own */
	int calls;
	int p[2][2];
	struct evloop_fd *fd[2];
	struct evloop_fd *fresh;
	struct rec fresh_rec;
	struct evloop_timer *timer;
	struct evloop_notifier *notifier;
	struct evloop_signals *sig;
};

enum del_kind { DEL_FD, DEL_TIMER, DEL_NOTIFIER, DEL_SIG };

/* Only the first callback of a batch runs when c->all: no double delete. */
static void del_from_cb(struct del_ctx *c, enum del_kind kind)
{
	c->calls++;
	if (c->all || kind == DEL_FD)
		evloop_del_fd(c->fd[0]);
	if (c->all || kind == DEL_TIMER)
		evloop_del_timer(c->timer);
	if (c->all || kind == DEL_NOTIFIER)
		evloop_del_notifier(c->notifier);
	if (c->all || kind == DEL_SIG)
		evloop_del_signals(c->sig);
}

static void del_fd_cb(void *opaque, int fd, uint32_t events)
{
	del_from_cb(opaque, DEL_FD);
}

static void del_timer_cb(void *opaque, uint64_t expirations)
{
	del_from_cb(opaque, DEL_TIMER);
}

static void del_notifier_cb(void *opaque)
{
	del_from_cb(opaque, DEL_NOTIFIER);
}

static void del_signal_cb(void *opaque, int signo)
{
	del_from_cb(opaque, DEL_SIG);
}

/* One watch of each kind, all four ready by the time this returns. */
static void del_ctx_arm(struct del_ctx *c, int signo)
{
	sigset_t set = sigset_of(signo);

	make_pipe(c->p[0]);
	put_byte(c->p[0][1]);
	OK(evloop_add_fd(c->loop, c->p[0][0], EPOLLIN, del_fd_cb, c,
			 &c->fd[0]));
	OK(evloop_add_timer(c->loop, del_timer_cb, c, &c->timer));
	OK(evloop_timer_arm(c->timer, 1, 1000000));
	OK(evloop_add_notifier(c->loop, del_notifier_cb, c, &c->notifier));
	evloop_notifier_signal(c->notifier);
	OK(evloop_add_signals(c->loop, &set, del_signal_cb, c, &c->sig));
	OK(raise(signo));
	usleep(2 * 1000); /* for the timer */
}

/* Each watch deletes itself; what keeps it ready must wake nobody after. */
static void test_delete_self_in_callback(void **state)
{
	struct del_ctx c = { .loop = *state };

	del_ctx_arm(&c, SIGUSR1);
	while (c.calls < 4)
		assert_true(evloop_run_once(c.loop, WAIT_MS) > 0);
	usleep(3 * 1000);
	assert_int_equal(evloop_run_once(c.loop, 0), 0);
	assert_int_equal(c.calls, 4);
	assert_false(blocked(SIGUSR1));
	close_pipe(c.p[0]);
}

/*
 * The first callback of a batch of four deletes every watch, itself
 * included: the three other events of the batch are skipped. The signal,
 * dispatched or not, was consumed: were it still pending when unblocked,
 * SIGUSR2 would kill us.
 */
static void test_delete_all_in_callback(void **state)
{
	struct del_ctx c = { .loop = *state, .all = true };

	del_ctx_arm(&c, SIGUSR2);
	assert_int_equal(evloop_run_once(c.loop, WAIT_MS), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(evloop_run_once(c.loop, 0), 0);
	assert_false(blocked(SIGUSR2));
	close_pipe(c.p[0]);
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
	int other = fd == c->p[0][0] ? 1 : 0;
	char buf[8];

	c->calls++;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (!c->fd[other])
		return;
	evloop_del_fd(c->fd[other]);
	c->fd[other] = NULL;
	close_pipe(c->p[other]);
	make_pipe(c->p[other]);
	OK(evloop_add_fd(c->loop, c->p[other][0], EPOLLIN, fd_cb, &c->fresh_rec,
			 &c->fresh));
}

static void test_delete_other_in_callback(void **state)
{
	struct del_ctx c = { .loop = *state, .fresh_rec.drain = true };
	int i;

	for (i = 0; i < 2; i++) {
		make_pipe(c.p[i]);
		put_byte(c.p[i][1]);
		OK(evloop_add_fd(c.loop, c.p[i][0], EPOLLIN, del_other_fd_cb,
				 &c, &c.fd[i]));
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
	close_pipe(c.p[0]);
	close_pipe(c.p[1]);
}

#define LOOP_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		LOOP_TEST(test_fd_readable),
		LOOP_TEST(test_mod_fd),
		LOOP_TEST(test_errors_and_null),
		LOOP_TEST(test_timer_one_shot),
		LOOP_TEST(test_timer_periodic_and_disarm),
		LOOP_TEST(test_notifier_collapses),
		LOOP_TEST(test_notifier_from_thread),
		LOOP_TEST(test_stop),
		LOOP_TEST(test_signals),
		LOOP_TEST(test_signals_pending_dropped_on_delete),
		LOOP_TEST(test_delete_self_in_callback),
		LOOP_TEST(test_delete_all_in_callback),
		LOOP_TEST(test_delete_other_in_callback),
	};

	/* A loop that never wakes up fails the run instead of hanging it. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
