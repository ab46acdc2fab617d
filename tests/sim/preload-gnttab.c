// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxengnttab, simulated: grant references the harness's guest granted
 * map to its RAM pages. As with gntdev, one bad reference fails the whole
 * map (EINVAL).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xengnttab.h>

#include "preload.h"

struct xengntdev_handle {
	struct sim_chan ch;
};

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned int open_flags)
{
	xengnttab_handle *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return NULL;
	rc = chan_open(&h->ch, SIM_KIND_GNTTAB, open_flags, NULL);
	if (rc) {
		free(h);
		sim_fail(rc);
		return NULL;
	}
	return h;
}

int xengnttab_close(xengnttab_handle *h)
{
	if (!h)
		return 0;
	chan_close(&h->ch);
	free(h);
	return 0;
}

int xengnttab_fd(xengnttab_handle *h)
{
	return h->ch.fd;
}

int xengnttab_unmap(xengnttab_handle *h, void *start_address, uint32_t count)
{
	struct sim_msg m = { .op = SIM_OP_GT_UNMAP };
	int rc;

	m.arg[0] = (uintptr_t)start_address;
	m.arg[1] = count;
	rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);
	if (rc)
		return sim_fail(rc);
	return munmap(start_address, (size_t)count << SIM_XC_PAGE_SHIFT);
}

/* One map call: count references, from domids[i] or all from domid. */
struct grant_map {
	void *base;
	uint32_t count;
	const uint32_t *domids, *refs;
	uint32_t domid;
	int prot;
	int *err;
	int64_t *buf; /* a chunk's {domid, ref} pairs, then the answer */
	size_t failed;
};

/* Up to SIM_MAP_CHUNK references from `first`; returns the harness's rc. */
static int map_chunk(xengnttab_handle *h, struct grant_map *g, uint32_t first,
		     uint32_t n)
{
	struct sim_msg m = { .op = SIM_OP_GT_MAP };
	uint32_t *pairs = (uint32_t *)g->buf, i;
	int fd = -1, rc;

	for (i = 0; i < n; i++) {
		pairs[2 * i] = g->domids ? g->domids[first + i] : g->domid;
		pairs[2 * i + 1] = g->refs[first + i];
	}
	m.arg[0] = (uintptr_t)g->base;
	m.arg[1] = n;
	m.arg[2] = first;
	m.arg[3] = (uint64_t)g->prot;
	m.arg[4] = g->count;
	rc = chan_call(&h->ch, &m, pairs, n * 2 * sizeof(*pairs), g->buf,
		       SIM_MAP_CHUNK * sizeof(*g->buf), &fd);
	if (!rc && m.len != n * sizeof(*g->buf))
		rc = -EPROTO;
	if (!rc)
		g->failed += map_runs(g->base, first, n, g->buf, fd, g->prot,
				      g->err);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void *map_refs(xengnttab_handle *h, struct grant_map *g)
{
	bool recorded = false; /* the harness knows the mapping */
	uint32_t first, n;
	int rc = 0;

	g->err = calloc(g->count ? g->count : 1, sizeof(*g->err));
	g->buf = malloc(SIM_MAP_CHUNK * sizeof(*g->buf));
	if (!g->err || !g->buf)
		rc = -ENOMEM;
	else if (!g->count)
		rc = -EINVAL;
	else if (!(g->base = reserve_pages(NULL, g->count, 0)))
		rc = -errno;
	for (first = 0; !rc && first < g->count; first += n) {
		n = g->count - first < SIM_MAP_CHUNK ? g->count - first :
						       SIM_MAP_CHUNK;
		rc = map_chunk(h, g, first, n);
		recorded |= !rc;
	}
	free(g->err);
	free(g->buf);
	if (!rc && g->failed)
		rc = -EINVAL; /* gntdev: the mmap() fails as a whole */
	if (rc && recorded)
		(void)xengnttab_unmap(h, g->base, g->count);
	else if (rc && g->base)
		munmap(g->base, (size_t)g->count << SIM_XC_PAGE_SHIFT);
	if (rc) {
		sim_fail(rc);
		return NULL;
	}
	return g->base;
}

void *xengnttab_map_grant_refs(xengnttab_handle *h, uint32_t count,
			       uint32_t *domids, uint32_t *refs, int prot)
{
	struct grant_map g = {
		.count = count, .domids = domids, .refs = refs, .prot = prot
	};

	return map_refs(h, &g);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
				      uint32_t domid, uint32_t *refs, int prot)
{
	struct grant_map g = {
		.count = count, .domid = domid, .refs = refs, .prot = prot
	};

	return map_refs(h, &g);
}

void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid, uint32_t ref,
			      int prot)
{
	struct grant_map g = {
		.count = 1, .domid = domid, .refs = &ref, .prot = prot
	};

	return map_refs(h, &g);
}

int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr_grants)
{
	struct sim_msg m = { .op = SIM_OP_GT_SET_MAX };
	int rc;

	m.arg[0] = nr_grants;
	rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);
	return rc ? sim_fail(rc) : 0;
}
