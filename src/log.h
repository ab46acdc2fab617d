/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One logger per daemon, many sources. A source carries the "dom<N>/<dev>:"
 * prefix of the object that logs, and the rate limiter for the lines a guest
 * can trigger, so a hostile guest cannot flood the backend domain's log.
 *
 * Each line is written with a single write(2), so lines from different
 * threads never interleave. The logger itself is immutable after
 * log_init() except for its level, which is an atomic.
 */
#ifndef XVDM_LOG_H
#define XVDM_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Monotonic clock in nanoseconds; tests substitute their own. */
typedef uint64_t log_clock_fn(void *opaque);

struct logger {
	int fd;		     /* where lines go, usually 2 */
	int level;	     /* enum log_level, read and written atomically */
	log_clock_fn *clock; /* NULL means CLOCK_MONOTONIC */
	void *clock_opaque;
};

/*
 * Token bucket for guest-triggered lines: up to `burst` lines, then one more
 * every `interval_ns`. Suppressed lines are counted and reported with the next
 * line that gets through.
 */
struct log_ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint32_t tokens;
	uint64_t last_refill_ns;
	uint64_t suppressed;
};

#define LOG_PREFIX_MAX 48

struct log_src {
	struct logger *logger;
	char prefix[LOG_PREFIX_MAX]; /* "dom3/blk0" or "" */
	struct log_ratelimit guest_rl;
};

/* Defaults: 10 lines, then one every 5 s. */
#define LOG_RL_BURST 10
#define LOG_RL_INTERVAL_NS (5ull * 1000 * 1000 * 1000)

void log_init(struct logger *lg, int fd, enum log_level level);
void log_set_level(struct logger *lg, enum log_level level);
enum log_level log_get_level(const struct logger *lg);
/* Parses "error", "warn", "info", "debug"; returns -EINVAL otherwise. */
int log_parse_level(const char *name, enum log_level *out) must_check;
const char *log_level_name(enum log_level level);

/*
 * Names a source. domid < 0 means "no guest" (daemon-wide lines); dev may be
 * NULL. The prefix becomes "dom<N>/<dev>", "dom<N>", "<dev>" or "".
 */
void log_src_init(struct log_src *src, struct logger *lg, int domid,
		  const char *dev);

void log_msg(const struct log_src *src, enum log_level level, const char *fmt,
	     ...) printf_like(3, 4);
void log_vmsg(const struct log_src *src, enum log_level level, const char *fmt,
	      va_list ap) printf_like(3, 0);

/*
 * For lines a guest can cause: rate limited per source. Returns true when the
 * line was written. Not thread-safe per source: a source belongs to one thread.
 */
bool log_guest(struct log_src *src, enum log_level level, const char *fmt, ...)
	printf_like(3, 4);

#define log_err(src, ...) log_msg((src), LOG_ERR, __VA_ARGS__)
#define log_warn(src, ...) log_msg((src), LOG_WARN, __VA_ARGS__)
#define log_info(src, ...) log_msg((src), LOG_INFO, __VA_ARGS__)
#define log_debug(src, ...) log_msg((src), LOG_DEBUG, __VA_ARGS__)

#endif
