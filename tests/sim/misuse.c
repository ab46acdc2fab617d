// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the process under test did wrong: counted per kind, kept in order
 * with a message, and printed to stderr as it happens.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-host.h"

static const char *const misuse_names[XENSIM_MISUSE_ANY + 1] = {
	[XENSIM_MISUSE_PROTOCOL] = "protocol",
	[XENSIM_MISUSE_NO_DOMAIN] = "no-domain",
	[XENSIM_MISUSE_BAD_SERVER] = "bad-server",
	[XENSIM_MISUSE_RANGE_OVERLAP] = "range-overlap",
	[XENSIM_MISUSE_MAP_OUTSIDE_RAM] = "map-outside-ram",
	[XENSIM_MISUSE_BAD_UNMAP] = "bad-unmap",
	[XENSIM_MISUSE_BAD_PORT] = "bad-port",
	[XENSIM_MISUSE_BIND_BEFORE_ENABLE] = "bind-before-enable",
	[XENSIM_MISUSE_BAD_NOTIFY] = "bad-notify",
	[XENSIM_MISUSE_SLOT_STATE] = "slot-state",
	[XENSIM_MISUSE_SLOT_PORT] = "slot-port",
	[XENSIM_MISUSE_TIMEOUT] = "timeout",
	[XENSIM_MISUSE_BAD_IRQ] = "bad-irq",
	[XENSIM_MISUSE_BAD_PATH] = "bad-path",
	[XENSIM_MISUSE_BAD_GRANT] = "bad-grant",
	[XENSIM_MISUSE_RESTRICTED] = "restricted",
	[XENSIM_MISUSE_LEAK] = "leak",
	[XENSIM_MISUSE_ANY] = "any",
};

const char *xensim_misuse_name(enum xensim_misuse kind)
{
	return kind <= XENSIM_MISUSE_ANY ? misuse_names[kind] : "?";
}

void misuse(struct xensim *h, enum xensim_misuse kind, const char *fmt, ...)
{
	struct misuse_rec *rec = calloc(1, sizeof(*rec));
	va_list ap;

	va_start(ap, fmt);
	if (rec && vasprintf(&rec->msg, fmt, ap) < 0)
		rec->msg = NULL;
	va_end(ap);
	fprintf(stderr, "xensim: MISUSE (%s): %s\n", misuse_names[kind],
		rec && rec->msg ? rec->msg : "(out of memory)");
	h->misuse[kind]++;
	if (rec) {
		rec->kind = kind;
		*h->misuse_tail = rec;
		h->misuse_tail = &rec->next;
	}
	wake_all(h);
}

unsigned int xensim_misuse_count(struct xensim *h, enum xensim_misuse kind)
{
	unsigned int n = 0, i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < XENSIM_MISUSE_ANY; i++)
		if (kind == XENSIM_MISUSE_ANY || kind == i)
			n += h->misuse[i];
	pthread_mutex_unlock(&h->lock);
	return n;
}

void xensim_misuse_dump(struct xensim *h, FILE *out)
{
	struct misuse_rec *r;

	pthread_mutex_lock(&h->lock);
	for (r = h->misuse_log; r; r = r->next)
		fprintf(out, "  %s: %s\n", misuse_names[r->kind],
			r->msg ? r->msg : "?");
	pthread_mutex_unlock(&h->lock);
}

void xensim_misuse_clear(struct xensim *h)
{
	pthread_mutex_lock(&h->lock);
	while (h->misuse_log) {
		struct misuse_rec *r = h->misuse_log;

		h->misuse_log = r->next;
		free(r->msg);
		free(r);
	}
	h->misuse_tail = &h->misuse_log;
	memset(h->misuse, 0, sizeof(h->misuse));
	pthread_mutex_unlock(&h->lock);
}
