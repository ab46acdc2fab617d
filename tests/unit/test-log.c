/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the logger: line format and prefixes, levels, truncation, the
 * guest rate limit (driven by a fake clock) and whole lines under threads.
 * Lines are read back from a pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define READ_MAX 65536

struct fixture {
	int rfd, wfd;
	uint64_t now;
	struct logger lg;
	struct log_src src;
	char out[READ_MAX + 1];
};

static uint64_t fake_clock(void *opaque)
{
	return *(const uint64_t *)opaque;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fds[2];

	/*
	 * Non-blocking both ways: reading "nothing" must work, and a logger
	 * writing more than the pipe holds must fail a test, not hang it.
	 */
	if (!f || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	f->rfd = fds[0];
	f->wfd = fds[1];
	log_init(&f->lg, f->wfd, LOG_DEBUG);
	f->lg.clock = fake_clock;
	f->lg.clock_opaque = &f->now;
	f->now = 1000;
	log_src_init(&f->src, &f->lg, 3, "blk0");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->rfd);
	close(f->wfd);
	free(f);
	return 0;
}

/* Everything written since the last call, NUL-terminated in f->out. */
static const char *drain(struct fixture *f)
{
	size_t len = 0;
	ssize_t r;

	for (;;) {
		r = read(f->rfd, f->out + len, READ_MAX - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	assert_true(r == 0 || errno == EAGAIN);
	f->out[len] = '\0';
	return f->out;
}

static unsigned count_char(const char *s, char c)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void test_level_names(void **state)
{
	assert_string_equal(log_level_name(LOG_ERR), "error");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name((enum log_level)42), "unknown");
}

static void test_parse_level(void **state)
{
	static const char *const bad[] = { "",	      "err",   "WARN",
					   "verbose", "info ", "debug2" };
	enum log_level lv = LOG_INFO;
	size_t i;

	assert_int_equal(log_parse_level("error", &lv), 0);
	assert_int_equal(lv, LOG_ERR);
	assert_int_equal(log_parse_level("warn", &lv), 0);
	assert_int_equal(lv, LOG_WARN);
	assert_int_equal(log_parse_level("debug", &lv), 0);
	assert_int_equal(lv, LOG_DEBUG);
	assert_int_equal(log_parse_level("info", &lv), 0);
	assert_int_equal(lv, LOG_INFO);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(log_parse_level(bad[i], &lv), -EINVAL);
		assert_int_equal(lv, LOG_INFO); /* untouched on error */
	}
	assert_int_equal(log_parse_level(NULL, &lv), -EINVAL);
}

static void test_line_format(void **state)
{
	struct fixture *f = *state;
	struct log_src plain;

	log_warn(&f->src, "queue %u: %s", 0u, "looped descriptor chain");
	assert_string_equal(
		drain(f),
		"warn: dom3/blk0: queue 0: looped descriptor chain\n");

	log_src_init(&plain, &f->lg, -1, NULL);
	log_err(&plain, "cannot open %s", "/dev/xen/privcmd");
	log_info(&plain, "started");
	assert_string_equal(drain(f), "error: cannot open /dev/xen/privcmd\n"
				      "info: started\n");
}

static void test_prefixes(void **state)
{
	struct fixture *f = *state;
	struct log_src s;

	log_src_init(&s, &f->lg, 3, "blk0");
	assert_string_equal(s.prefix, "dom3/blk0");
	log_src_init(&s, &f->lg, 7, NULL);
	assert_string_equal(s.prefix, "dom7");
	log_debug(&s, "x");
	assert_string_equal(drain(f), "debug: dom7: x\n");
	log_src_init(&s, &f->lg, 0, "");
	assert_string_equal(s.prefix, "dom0");
	log_src_init(&s, &f->lg, -1, "ctl");
	assert_string_equal(s.prefix, "ctl");
	log_info(&s, "y");
	assert_string_equal(drain(f), "info: ctl: y\n");
	log_src_init(&s, &f->lg, -1, NULL);
	assert_string_equal(s.prefix, "");
	/* A huge domid and a long name are cut, still NUL-terminated. */
	log_src_init(&s, &f->lg, 2147483647,
		     "a-very-long-device-name-that-does-not-fit-anywhere");
	assert_int_equal(strlen(s.prefix), LOG_PREFIX_MAX - 1);
	assert_memory_equal(s.prefix, "dom2147483647/a-very", 20);
}

static void test_level_filter(void **state)
{
	struct fixture *f = *state;

	log_set_level(&f->lg, LOG_WARN);
	assert_int_equal(log_get_level(&f->lg), LOG_WARN);
	log_debug(&f->src, "d");
	log_info(&f->src, "i");
	log_warn(&f->src, "w");
	log_err(&f->src, "e");
	assert_false(log_guest(&f->src, LOG_INFO, "g"));
	assert_string_equal(drain(f), "warn: dom3/blk0: w\n"
				      "error: dom3/blk0: e\n");

	log_set_level(&f->lg, LOG_ERR);
	log_warn(&f->src, "w");
	assert_string_equal(drain(f), "");
	log_set_level(&f->lg, LOG_DEBUG);
	log_debug(&f->src, "d");
	assert_string_equal(drain(f), "debug: dom3/blk0: d\n");
}

/*
 * A dropped line is never formatted: the argument points nowhere, and
 * reading it would fault (or be reported by ASan).
 */
static void test_dropped_line_not_formatted(void **state)
{
	struct fixture *f = *state;
	const char *poison = (const char *)(uintptr_t)8;

	log_set_level(&f->lg, LOG_INFO);
	log_debug(&f->src, "%s", poison);
	assert_false(log_guest(&f->src, LOG_DEBUG, "%s", poison));
	assert_string_equal(drain(f), "");
}

static void test_vmsg_helper(struct log_src *src, const char *fmt, ...)
	printf_like(2, 3);
static void test_vmsg_helper(struct log_src *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(src, LOG_INFO, fmt, ap);
	va_end(ap);
}

static void test_vmsg(void **state)
{
	struct fixture *f = *state;

	test_vmsg_helper(&f->src, "%d-%s", 42, "x");
	assert_string_equal(drain(f), "info: dom3/blk0: 42-x\n");
}

static void test_long_message_truncated(void **state)
{
	struct fixture *f = *state;
	const char *out;
	char *big = malloc(8192);
	size_t len;

	assert_non_null(big);
	memset(big, 'x', 8191);
	big[8191] = '\0';
	log_info(&f->src, "%s", big);
	out = drain(f);
	len = strlen(out);
	assert_true(len > 512 && len <= 4096); /* one atomic pipe write */
	assert_int_equal(count_char(out, '\n'), 1);
	assert_int_equal(out[len - 1], '\n');
	assert_memory_equal(out, "info: dom3/blk0: xxx", 20);
	assert_memory_equal(out + len - 4, "...\n", 4);

	/* The suppressed count survives a long message. */
	f->src.guest_rl.tokens = 0;
	assert_false(log_guest(&f->src, LOG_WARN, "short"));
	f->now += LOG_RL_INTERVAL_NS;
	assert_true(log_guest(&f->src, LOG_WARN, "%s", big));
	out = drain(f);
	len = strlen(out);
	assert_int_equal(count_char(out, '\n'), 1);
	assert_non_null(strstr(out, "... (1 similar messages suppressed)\n"));
	free(big);
}

/* A guest-supplied string must not end our line and forge another. */
static void test_hostile_control_chars_in_message(void **state)
{
	struct fixture *f = *state;
	const char *evil = "name\nerror: dom0: forged\r\x1b[2J\x7f\tok";

	assert_true(log_guest(&f->src, LOG_WARN, "bad device %s", evil));
	assert_string_equal(drain(f), "warn: dom3/blk0: bad device "
				      "name?error: dom0: forged??[2J?\tok\n");
}

static void test_ratelimit_burst_and_refill(void **state)
{
	struct fixture *f = *state;
	const char *out;
	int i;

	for (i = 0; i < LOG_RL_BURST; i++)
		assert_true(log_guest(&f->src, LOG_WARN, "line %d", i));
	for (i = 0; i < 12; i++)
		assert_false(log_guest(&f->src, LOG_WARN, "drop %d", i));
	out = drain(f);
	assert_int_equal(count_char(out, '\n'), LOG_RL_BURST);
	assert_null(strstr(out, "drop"));

	/* Just short of an interval: still nothing. */
	f->now += LOG_RL_INTERVAL_NS - 1;
	assert_false(log_guest(&f->src, LOG_WARN, "drop"));
	f->now += 1;
	assert_true(log_guest(&f->src, LOG_WARN, "again"));
	assert_false(log_guest(&f->src, LOG_WARN, "drop"));
	assert_string_equal(drain(f), "warn: dom3/blk0: again "
				      "(13 similar messages suppressed)\n");

	/* Three intervals give three lines; the count restarts. */
	f->now += 3 * LOG_RL_INTERVAL_NS;
	assert_true(log_guest(&f->src, LOG_WARN, "a"));
	assert_true(log_guest(&f->src, LOG_WARN, "b"));
	assert_true(log_guest(&f->src, LOG_WARN, "c"));
	assert_false(log_guest(&f->src, LOG_WARN, "drop"));
	assert_string_equal(drain(f), "warn: dom3/blk0: a "
				      "(1 similar messages suppressed)\n"
				      "warn: dom3/blk0: b\n"
				      "warn: dom3/blk0: c\n");

	/* A long quiet spell refills up to the burst, not beyond. */
	f->now += 1000 * LOG_RL_INTERVAL_NS;
	for (i = 0; i < LOG_RL_BURST; i++)
		assert_true(log_guest(&f->src, LOG_WARN, "line %d", i));
	assert_false(log_guest(&f->src, LOG_WARN, "drop"));
	drain(f);
}

/* A guest hammering an error path gets a bounded number of lines out. */
static void test_hostile_guest_log_flood(void **state)
{
	struct fixture *f = *state;
	unsigned written = 0;
	const char *out;
	int i;

	for (i = 0; i < 100000; i++)
		written += log_guest(&f->src, LOG_ERR, "bad index %d", i);
	assert_int_equal(written, LOG_RL_BURST);
	out = drain(f);
	assert_int_equal(count_char(out, '\n'), LOG_RL_BURST);

	f->now += LOG_RL_INTERVAL_NS;
	assert_true(log_guest(&f->src, LOG_ERR, "bad index"));
	assert_string_equal(drain(f), "error: dom3/blk0: bad index "
				      "(99990 similar messages suppressed)\n");
}

static void test_ratelimit_per_source(void **state)
{
	struct fixture *f = *state;
	struct log_src other;
	int i;

	log_src_init(&other, &f->lg, 4, "net0");
	for (i = 0; i < 3 * LOG_RL_BURST; i++)
		log_guest(&f->src, LOG_WARN, "flood");
	assert_true(log_guest(&other, LOG_WARN, "fine"));
	drain(f);
	/* Plain lines are never rate limited. */
	for (i = 0; i < 3 * LOG_RL_BURST; i++)
		log_warn(&f->src, "plain");
	assert_int_equal(count_char(drain(f), '\n'), 3 * LOG_RL_BURST);
}

static void test_ratelimit_zero_interval_and_clock_back(void **state)
{
	struct fixture *f = *state;

	/* No interval: the burst is never refilled (and nothing divides). */
	f->src.guest_rl.interval_ns = 0;
	f->src.guest_rl.burst = 1;
	f->src.guest_rl.tokens = 1;
	assert_true(log_guest(&f->src, LOG_WARN, "one"));
	f->now += 1000 * LOG_RL_INTERVAL_NS;
	assert_false(log_guest(&f->src, LOG_WARN, "two"));

	/* A clock that goes back restarts the period instead of refilling. */
	f->src.guest_rl.interval_ns = LOG_RL_INTERVAL_NS;
	f->now = 5;
	assert_false(log_guest(&f->src, LOG_WARN, "three"));
	f->now += LOG_RL_INTERVAL_NS;
	assert_true(log_guest(&f->src, LOG_WARN, "four"));
	assert_string_equal(drain(f), "warn: dom3/blk0: one\n"
				      "warn: dom3/blk0: four "
				      "(2 similar messages suppressed)\n");
}

static void test_real_clock_and_errno(void **state)
{
	struct fixture *f = *state;
	struct log_src s;

	f->lg.clock = NULL;
	log_src_init(&s, &f->lg, 1, "rng0");
	errno = ENOSPC;
	assert_true(log_guest(&s, LOG_INFO, "hello"));
	assert_int_equal(errno, ENOSPC); /* logging keeps the caller's errno */
	assert_string_equal(drain(f), "info: dom1/rng0: hello\n");
}

/* Two threads, long lines, a pipe: every line read back is whole. */
#define THREAD_LINES 300
#define THREAD_MSG 900

struct writer {
	struct log_src src;
	char msg[THREAD_MSG + 1];
};

static void *writer_main(void *opaque)
{
	struct writer *w = opaque;
	int i;

	for (i = 0; i < THREAD_LINES; i++)
		log_info(&w->src, "%s", w->msg);
	return NULL;
}

static void test_threads_never_interleave(void **state)
{
	struct writer w[2];
	struct logger lg;
	pthread_t th[2];
	char expect[2][THREAD_MSG + 32];
	size_t line_len, total, got = 0;
	unsigned seen[2] = { 0, 0 };
	char *buf, *p;
	int fds[2], i, k;
	ssize_t r;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	log_init(&lg, fds[1], LOG_INFO);
	for (i = 0; i < 2; i++) {
		log_src_init(&w[i].src, &lg, i, "t");
		memset(w[i].msg, 'A' + i, THREAD_MSG);
		w[i].msg[THREAD_MSG] = '\0';
		snprintf(expect[i], sizeof(expect[i]), "info: dom%d/t: %s\n", i,
			 w[i].msg);
	}
	line_len = strlen(expect[0]);
	total = 2 * THREAD_LINES * line_len;
	buf = malloc(total + 1);
	assert_non_null(buf);

	for (i = 0; i < 2; i++)
		assert_int_equal(
			pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	/* Read while they write: the pipe holds far less than `total`. */
	while (got < total) {
		r = read(fds[0], buf + got, total - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	buf[total] = '\0';

	for (p = buf; p < buf + total; p += line_len) {
		for (k = 0; k < 2; k++) {
			if (memcmp(p, expect[k], line_len) == 0)
				break;
		}
		assert_true(k < 2);
		seen[k]++;
	}
	assert_int_equal(seen[0], THREAD_LINES);
	assert_int_equal(seen[1], THREAD_LINES);
	free(buf);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_parse_level),
		cmocka_unit_test_setup_teardown(test_line_format, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dropped_line_not_formatted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message_truncated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hostile_control_chars_in_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_burst_and_refill,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_guest_log_flood,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_per_source,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ratelimit_zero_interval_and_clock_back, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_real_clock_and_errno,
						setup, teardown),
		cmocka_unit_test(test_threads_never_interleave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
