// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings of guest memory into the client: foreign maps of gfns (privcmd
 * IOCTL_PRIVCMD_MMAPBATCH_V2), the ioreq server's page
 * (IOCTL_PRIVCMD_MMAP_RESOURCE) and grant maps (gntdev). The harness only
 * checks and records them; the preload maps the memfds it is handed. A
 * mapping outlives its domain, as in Xen; it must be unmapped before the
 * handle closes, or it is a leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim-host.h"

#include <xen/memory.h>

static const char *const kind_names[] = {
	[MAP_FOREIGN] = "foreign",
	[MAP_RESOURCE] = "resource",
	[MAP_GRANT] = "grant",
};

static int add_map(struct conn *c, enum map_kind kind, uint64_t addr,
		   uint64_t pages, uint32_t domid)
{
	struct mapping *mp = calloc(1, sizeof(*mp));

	if (!mp)
		return -ENOMEM;
	mp->kind = kind;
	mp->addr = addr;
	mp->pages = pages;
	mp->domid = domid;
	mp->next = c->maps;
	c->maps = mp;
	return 0;
}

/* munmap() of exactly what was mapped; anything else is a misuse. */
static int del_map(struct conn *c, enum map_kind kind, uint64_t addr,
		   uint64_t pages)
{
	struct mapping **pp, *mp;

	for (pp = &c->maps; (mp = *pp); pp = &mp->next) {
		if (mp->kind != kind || mp->addr != addr)
			continue;
		if (mp->pages != pages)
			break;
		*pp = mp->next;
		free(mp);
		return 0;
	}
	misuse(c->h, XENSIM_MISUSE_BAD_UNMAP,
	       "%s unmap of %#llx (%llu pages): not a mapping this handle made",
	       kind_names[kind], (unsigned long long)addr,
	       (unsigned long long)pages);
	return -EINVAL;
}

void maps_release(struct conn *c)
{
	while (c->maps) {
		struct mapping *mp = c->maps;

		misuse(c->h, XENSIM_MISUSE_LEAK,
		       "%s mapping of %llu pages of dom%u at %#llx never "
		       "unmapped",
		       kind_names[mp->kind], (unsigned long long)mp->pages,
		       mp->domid, (unsigned long long)mp->addr);
		c->maps = mp->next;
		free(mp);
	}
}

/* The chunk fields of a map message: n entries of `each` bytes. */
static int chunk(struct conn *c, const struct sim_msg *m, size_t each,
		 uint64_t total, size_t *n)
{
	*n = m->len / each;
	if (m->len % each || !*n || *n > SIM_MAP_CHUNK || m->arg[2] > total ||
	    *n > total - m->arg[2]) {
		misuse(c->h, XENSIM_MISUSE_PROTOCOL, "bad map chunk");
		return -EPROTO;
	}
	return 0;
}

int fm_map(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	   struct reply *r)
{
	int64_t *res = (int64_t *)(void *)r->payload;
	uint64_t gfn, bad = 0, first_bad = 0;
	struct domain *d;
	size_t n, i;
	int rc = chunk(c, m, sizeof(gfn), m->arg[1], &n);

	if (rc)
		return rc;
	rc = dom_for_call(c, m->dom, &d);
	if (rc == -EPERM)
		return rc; /* privcmd's restriction fails the whole call */
	/* A missing domain fails each page (-ESRCH from get_pg_owner()). */
	for (i = 0; i < n; i++) {
		memcpy(&gfn, payload + i * sizeof(gfn), sizeof(gfn));
		res[i] = rc ? rc : dom_gfn_offset(d, gfn);
		if (res[i] == -EINVAL && !bad++)
			first_bad = gfn;
	}
	/*
	 * With an err[] array Xen reports each bad page and maps the rest:
	 * a device model may map a range with holes and keep away from them.
	 * Without one, a bad page fails the whole call: a misuse.
	 */
	if (bad && !m->arg[4])
		misuse(c->h, XENSIM_MISUSE_MAP_OUTSIDE_RAM,
		       "foreign map of dom%u: %llu of %zu pages are not RAM "
		       "(first gfn %#llx)",
		       m->dom, (unsigned long long)bad, n,
		       (unsigned long long)first_bad);
	r->m.len = (uint32_t)(n * sizeof(*res));
	r->fd = rc ? -1 : d->ram_fd;
	if (m->arg[2] == 0) {
		/* A call comes in chunks: count its first. */
		c->h->map_stats.foreign_maps++;
		return add_map(c, MAP_FOREIGN, m->arg[0], m->arg[1], m->dom);
	}
	return 0;
}

int fm_unmap(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	     struct reply *r)
{
	c->h->map_stats.foreign_unmaps++;
	return del_map(c, MAP_FOREIGN, m->arg[0], m->arg[1]);
}

int fm_map_resource(struct conn *c, const struct sim_msg *m,
		    const uint8_t *payload, struct reply *r)
{
	uint64_t type = m->arg[0], id = m->arg[1], frame = m->arg[2],
		 nr = m->arg[3], addr = m->arg[4];
	struct domain *d;
	int rc = dom_for_call(c, m->dom, &d);

	if (rc)
		return rc;
	if (type != XENMEM_resource_ioreq_server)
		return -EOPNOTSUPP; /* grant table frames: not simulated */
	if (id >= MAX_SERVERS || !d->srv[id]) {
		misuse(c->h, XENSIM_MISUSE_BAD_SERVER,
		       "map_resource of ioreq server %llu of dom%u, which does "
		       "not exist",
		       (unsigned long long)id, d->domid);
		return -ENOENT;
	}
	if (!nr && !addr) {
		/* Size query: the bufioreq frame and one ioreq frame. */
		r->m.arg[0] = 2;
		return 0;
	}
	/* ioreq_server_get_frame(): no buffered ioreqs on Arm. */
	if (frame == XENMEM_resource_ioreq_server_frame_bufioreq)
		return -ENOENT;
	if (frame != XENMEM_resource_ioreq_server_frame_ioreq(0) || nr != 1)
		return -EINVAL;
	rc = add_map(c, MAP_RESOURCE, addr, nr, d->domid);
	r->fd = d->srv[id]->page_fd;
	r->m.arg[0] = 0;
	return rc;
}

int fm_unmap_resource(struct conn *c, const struct sim_msg *m,
		      const uint8_t *payload, struct reply *r)
{
	return del_map(c, MAP_RESOURCE, m->arg[0], m->arg[1]);
}

/* One grant reference to map: its page's offset in the RAM fd. */
static int64_t grant_offset(struct conn *c, struct domain *d, uint32_t ref,
			    bool write)
{
	struct grant *g;

	if (!d || d->dead)
		return -EINVAL; /* GNTST_bad_domain */
	for (g = d->grants; g && g->ref != ref; g = g->next)
		;
	if (!g || (g->readonly && write)) {
		misuse(c->h, XENSIM_MISUSE_BAD_GRANT,
		       "%s map of dom%u grant %u, which is %s",
		       write ? "writable" : "read-only", d->domid, ref,
		       g ? "read-only" : "not granted");
		return -EINVAL;
	}
	return dom_gfn_offset(d, g->gfn);
}

int gt_map(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	   struct reply *r)
{
	int64_t *res = (int64_t *)(void *)r->payload;
	uint32_t pair[2], domid = 0;
	struct domain *d = NULL;
	size_t n, i;
	int rc = chunk(c, m, sizeof(pair), m->arg[4], &n);

	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		memcpy(pair, payload + i * sizeof(pair), sizeof(pair));
		if (i == 0) {
			domid = pair[0];
			d = dom_find(c->h, domid);
		} else if (pair[0] != domid) {
			return -EOPNOTSUPP; /* one domain per call, here */
		}
		res[i] = grant_offset(c, d, pair[1],
				      (m->arg[3] & PROT_WRITE) != 0);
	}
	r->m.len = (uint32_t)(n * sizeof(*res));
	r->fd = d && !d->dead ? d->ram_fd : -1;
	if (m->arg[2] == 0) {
		c->h->map_stats.grant_maps++;
		return add_map(c, MAP_GRANT, m->arg[0], m->arg[4], domid);
	}
	return 0;
}

int gt_unmap(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	     struct reply *r)
{
	c->h->map_stats.grant_unmaps++;
	return del_map(c, MAP_GRANT, m->arg[0], m->arg[1]);
}

void xensim_map_stats(struct xensim *h, struct xensim_map_stats *out)
{
	pthread_mutex_lock(&h->lock);
	*out = h->map_stats;
	pthread_mutex_unlock(&h->lock);
}

int gt_set_max(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	       struct reply *r)
{
	return 0; /* current Linux gntdev has no per-handle limit */
}
