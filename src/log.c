/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The logger. A line is built in a stack buffer and handed to the kernel with
 * one write(2): that is what keeps lines from concurrent threads whole, and
 * it needs no lock. Nothing here allocates.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * Longest line, '\n' included. Below PIPE_BUF (4096), so a line written to a
 * pipe or socket shared with other processes (journald, a supervisor) is
 * atomic there too.
 */
#define LOG_LINE_LEN 1024

/* What replaces the end of a message that did not fit. */
#define LOG_TRUNC_MARK "..."

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

/* A line being built: buf[0..len) is the text, the '\n' is added last. */
struct line {
	size_t len;
	char buf[LOG_LINE_LEN];
};

void log_init(struct logger *lg, int fd, enum log_level level)
{
	lg->fd = fd;
	lg->clock = NULL;
	lg->clock_opaque = NULL;
	log_set_level(lg, level);
}

/*
 * Relaxed is enough: the level is a filter on its own, no other data is
 * published through it.
 */
void log_set_level(struct logger *lg, enum log_level level)
{
	__atomic_store_n(&lg->level, (int)level, __ATOMIC_RELAXED);
}

enum log_level log_get_level(const struct logger *lg)
{
	return (enum log_level)__atomic_load_n(&lg->level, __ATOMIC_RELAXED);
}

static bool level_enabled(const struct logger *lg, enum log_level level)
{
	return (int)level <= __atomic_load_n(&lg->level, __ATOMIC_RELAXED);
}

int log_parse_level(const char *name, enum log_level *out)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((size_t)level >= ARRAY_SIZE(level_names))
		return "unknown";
	return level_names[level];
}

static uint64_t now_ns(const struct logger *lg)
{
	struct timespec ts;

	if (lg->clock)
		return lg->clock(lg->clock_opaque);
	/* Cannot fail: CLOCK_MONOTONIC always exists and &ts is valid. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void log_src_init(struct log_src *src, struct logger *lg, int domid,
		  const char *dev)
{
	size_t n = sizeof(src->prefix);

	src->logger = lg;
	if (dev && !dev[0])
		dev = NULL;
	/* A prefix too long for the buffer is cut, which snprintf does. */
	if (domid >= 0 && dev)
		snprintf(src->prefix, n, "dom%d/%s", domid, dev);
	else if (domid >= 0)
		snprintf(src->prefix, n, "dom%d", domid);
	else if (dev)
		snprintf(src->prefix, n, "%s", dev);
	else
		src->prefix[0] = '\0';

	src->guest_rl.interval_ns = LOG_RL_INTERVAL_NS;
	src->guest_rl.burst = LOG_RL_BURST;
	src->guest_rl.tokens = LOG_RL_BURST;
	src->guest_rl.last_refill_ns = now_ns(lg);
	src->guest_rl.suppressed = 0;
}

/*
 * Appends formatted text, leaving `reserve` bytes free for what must follow
 * (the suppressed-count suffix). vsnprintf's NUL lands where the '\n' will
 * go. Returns false when the text was cut.
 */
static printf_like(3, 0) bool line_vadd(struct line *l, size_t reserve,
					const char *fmt, va_list ap)
{
	size_t room = sizeof(l->buf) - l->len - reserve;
	int r;

	assert(l->len + reserve < sizeof(l->buf));
	r = vsnprintf(l->buf + l->len, room, fmt, ap);
	if (r < 0) {
		/* Encoding error (e.g. %ls): the line keeps what came before. */
		return true;
	}
	if ((size_t)r >= room) {
		l->len += room - 1;
		return false;
	}
	l->len += (size_t)r;
	return true;
}

static printf_like(3, 4) bool line_add(struct line *l, size_t reserve,
				       const char *fmt, ...)
{
	va_list ap;
	bool fit;

	va_start(ap, fmt);
	fit = line_vadd(l, reserve, fmt, ap);
	va_end(ap);
	return fit;
}

/*
 * Messages carry strings that come from guests and xenstore. A control
 * character could end our line early and forge another one, so each is
 * replaced; tabs are harmless and kept.
 */
static void line_sanitize(struct line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			l->buf[i] = '?';
	}
}

/* Writes the line and its '\n'; logging never changes errno. */
static void line_write(int fd, struct line *l)
{
	int saved_errno = errno;
	const char *p = l->buf;
	size_t left;
	ssize_t r;

	l->buf[l->len] = '\n';
	left = l->len + 1;
	while (left) {
		r = write(fd, p, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* nowhere left to report it */
		/* Short only on a full disk or similar; finish the line. */
		p += r;
		left -= (size_t)r;
	}
	errno = saved_errno;
}

static printf_like(4, 0) void emit(const struct log_src *src,
				   enum log_level level, uint64_t suppressed,
				   const char *fmt, va_list ap)
{
	char suffix[64] = "";
	size_t slen = 0;
	struct line l;

	if (suppressed) {
		snprintf(suffix, sizeof(suffix),
			 " (%" PRIu64 " similar messages suppressed)",
			 suppressed);
		slen = strlen(suffix);
	}

	l.len = 0;
	/* The prefix is public and could lack its NUL: bound it. */
	if (src->prefix[0])
		line_add(&l, slen, "%s: %.*s: ", log_level_name(level),
			 (int)sizeof(src->prefix), src->prefix);
	else
		line_add(&l, slen, "%s: ", log_level_name(level));

	if (!line_vadd(&l, slen, fmt, ap)) {
		/* Mark the cut so nobody mistakes it for the whole message. */
		size_t mlen = strlen(LOG_TRUNC_MARK);

		memcpy(l.buf + l.len - mlen, LOG_TRUNC_MARK, mlen);
	}
	memcpy(l.buf + l.len, suffix, slen);
	l.len += slen;

	line_sanitize(&l);
	line_write(src->logger->fd, &l);
}

void log_vmsg(const struct log_src *src, enum log_level level, const char *fmt,
	      va_list ap)
{
	if (!level_enabled(src->logger, level))
		return;
	emit(src, level, 0, fmt, ap);
}

void log_msg(const struct log_src *src, enum log_level level, const char *fmt,
	     ...)
{
	va_list ap;

	/* Checked before va_start so a dropped line costs one load. */
	if (!level_enabled(src->logger, level))
		return;
	va_start(ap, fmt);
	emit(src, level, 0, fmt, ap);
	va_end(ap);
}

/*
 * Token bucket: tokens come back one per whole interval elapsed, up to the
 * burst. interval_ns == 0 means the burst is never refilled, which is safe
 * rather than unlimited.
 */
static bool rl_take(struct log_ratelimit *rl, uint64_t now)
{
	uint64_t periods;

	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	if (now < rl->last_refill_ns) {
		/* The clock was swapped or went back: restart the period. */
		rl->last_refill_ns = now;
	} else if (rl->interval_ns) {
		periods = (now - rl->last_refill_ns) / rl->interval_ns;
		if (periods >= rl->burst - rl->tokens)
			rl->tokens = rl->burst;
		else
			rl->tokens += (uint32_t)periods;
		/* periods * interval_ns <= now - last_refill_ns: no overflow */
		rl->last_refill_ns += periods * rl->interval_ns;
	}

	if (!rl->tokens) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	return true;
}

bool log_guest(struct log_src *src, enum log_level level, const char *fmt, ...)
{
	struct log_ratelimit *rl = &src->guest_rl;
	uint64_t suppressed;
	va_list ap;

	/* A line the level drops is not "suppressed" and costs no token. */
	if (!level_enabled(src->logger, level))
		return false;
	if (!rl_take(rl, now_ns(src->logger)))
		return false;

	suppressed = rl->suppressed;
	rl->suppressed = 0;
	va_start(ap, fmt);
	emit(src, level, suppressed, fmt, ap);
	va_end(ap);
	return true;
}
