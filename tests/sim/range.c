// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen's rangeset (xen/common/rangeset.c) as an ioreq server uses it:
 * inclusive ranges kept sorted and merged, so "contains" means one range
 * covers it all, and removing the middle of a range splits it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-host.h"

bool range_overlaps(const struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].start <= e && s <= rs->r[i].end)
			return true;
	return false;
}

bool range_contains(const struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		if (rs->r[i].start <= s && e <= rs->r[i].end)
			return true;
	return false;
}

static int insert_at(struct rangeset *rs, unsigned int i, uint64_t s,
		     uint64_t e)
{
	struct range *r;

	if (rs->n >= MAX_RANGES)
		return -ENOSPC;
	r = realloc(rs->r, (rs->n + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	rs->r = r;
	memmove(&r[i + 1], &r[i], (rs->n - i) * sizeof(*r));
	r[i].start = s;
	r[i].end = e;
	rs->n++;
	return 0;
}

static void delete_at(struct rangeset *rs, unsigned int i)
{
	memmove(&rs->r[i], &rs->r[i + 1], (rs->n - i - 1) * sizeof(*rs->r));
	rs->n--;
}

/* The caller has checked that [s, e] overlaps nothing. */
int range_add(struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int i = 0;
	int rc;

	while (i < rs->n && rs->r[i].end < s)
		i++;
	rc = insert_at(rs, i, s, e);
	if (rc)
		return rc;
	/* Merge with adjacent neighbours. */
	if (i + 1 < rs->n && e != UINT64_MAX && rs->r[i + 1].start == e + 1) {
		rs->r[i].end = rs->r[i + 1].end;
		delete_at(rs, i + 1);
	}
	if (i > 0 && rs->r[i - 1].end + 1 == s) {
		rs->r[i - 1].end = rs->r[i].end;
		delete_at(rs, i);
	}
	return 0;
}

/* The caller has checked range_contains(). */
int range_remove(struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int i;

	for (i = 0; i < rs->n; i++) {
		struct range *r = &rs->r[i];

		if (r->start > s || e > r->end)
			continue;
		if (r->start == s && r->end == e) {
			delete_at(rs, i);
		} else if (r->start == s) {
			r->start = e + 1;
		} else if (r->end == e) {
			r->end = s - 1;
		} else {
			uint64_t end = r->end;

			r->end = s - 1;
			return insert_at(rs, i + 1, e + 1, end);
		}
		return 0;
	}
	return -ENOENT;
}

void range_free(struct rangeset *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}
