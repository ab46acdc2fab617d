// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ioreq servers as xen/common/ioreq.c keeps them: up to MAX_SERVERS per
 * domain, each with one shared page of ioreq_t slots (one per vCPU), an
 * unbound event channel per vCPU offered to the device model, and
 * rangesets of the addresses it serves. vp_eport is published in the page
 * only when the server is enabled (ioreq_server_update_evtchn()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim-host.h"

static const char *why_missing(const struct domain *d, uint64_t id)
{
	if (id < MAX_SERVERS && (d->destroyed_ids & (1u << id)))
		return "was destroyed";
	return "was never created";
}

/* The server a dm_op names, as ioreq_server_* look it up. */
static int srv_for_call(struct conn *c, const struct sim_msg *m,
			const char *what, struct domain **d, struct server **s)
{
	uint64_t id = m->arg[0];
	int rc = dom_for_call(c, m->dom, d);

	*s = NULL;
	if (rc)
		return rc;
	if (id >= MAX_SERVERS || !(*d)->srv[id]) {
		misuse(c->h, XENSIM_MISUSE_BAD_SERVER,
		       "%s on ioreq server %llu of dom%u, which %s", what,
		       (unsigned long long)id, m->dom, why_missing(*d, id));
		return -ENOENT;
	}
	*s = (*d)->srv[id];
	return 0;
}

static int alloc_page(struct domain *d, struct server *s)
{
	char name[40];

	snprintf(name, sizeof(name), "xensim-dom%u-ioreq%u", d->domid, s->id);
	s->page_fd = memfd_create(name, MFD_CLOEXEC);
	if (s->page_fd < 0 || ftruncate(s->page_fd, SIM_PAGE_SIZE))
		return -errno;
	s->page = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->page_fd, 0);
	if (s->page == MAP_FAILED) {
		s->page = NULL;
		return -errno;
	}
	return 0;
}

static void free_server(struct server *s)
{
	unsigned int i;

	if (s->page)
		munmap(s->page, SIM_PAGE_SIZE);
	if (s->page_fd >= 0)
		close(s->page_fd);
	for (i = 0; i < NR_RANGE_TYPES; i++)
		range_free(&s->ranges[i]);
	free(s->ports);
	free(s);
}

int dm_create(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	      struct reply *r)
{
	struct domain *d;
	struct server *s;
	unsigned int id, v;
	int rc = dom_for_call(c, m->dom, &d);

	if (rc)
		return rc;
	/* ioreq_server_create(): no buffered ioreqs outside x86. */
	if (m->arg[0] != HVM_IOREQSRV_BUFIOREQ_OFF)
		return -EINVAL;
	for (id = 0; id < MAX_SERVERS && d->srv[id]; id++)
		;
	if (id == MAX_SERVERS)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->id = (uint16_t)id;
	s->page_fd = -1;
	s->ports = calloc(d->nr_vcpus, sizeof(*s->ports));
	rc = s->ports ? alloc_page(d, s) : -ENOMEM;
	if (rc) {
		free_server(s);
		return rc;
	}
	for (v = 0; v < d->nr_vcpus; v++)
		s->ports[v] = d->next_port++;
	s->serial = ++d->next_serial;
	s->owner = c;
	d->srv[id] = s;
	d->destroyed_ids &= ~(1u << id);
	r->m.arg[0] = id;
	return 0;
}

void server_teardown(struct domain *d, unsigned int id)
{
	struct server *s = d->srv[id];
	unsigned int v;

	s->enabled = false;
	for (v = 0; v < d->nr_vcpus; v++)
		evtchn_close_remote(d->h, d->domid, s->ports[v]);
	d->srv[id] = NULL;
	free_server(s);
	/* A vCPU waiting on it sees it gone. */
	wake_all(d->h);
}

int dm_destroy(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	       struct reply *r)
{
	struct domain *d;
	struct server *s;
	int rc = srv_for_call(c, m, "destroy", &d, &s);

	if (rc)
		return rc;
	server_teardown(d, s->id);
	d->destroyed_ids |= 1u << m->arg[0];
	return 0;
}

int dm_info(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	    struct reply *r)
{
	struct domain *d;
	struct server *s;
	int rc = srv_for_call(c, m, "get_ioreq_server_info", &d, &s);

	if (rc)
		return rc;
	/* Arm has no legacy gfn-mapped ioreq pages: map the resource. */
	if (m->arg[1])
		return -EOPNOTSUPP;
	return 0;
}

static int range_args(struct conn *c, const struct sim_msg *m, const char *what,
		      struct domain **d, struct server **s)
{
	int rc = srv_for_call(c, m, what, d, s);

	if (rc)
		return rc;
	if (m->arg[1] >= NR_RANGE_TYPES || m->arg[2] > m->arg[3])
		return -EINVAL;
	return 0;
}

int dm_map_range(struct conn *c, const struct sim_msg *m,
		 const uint8_t *payload, struct reply *r)
{
	struct domain *d;
	struct server *s;
	uint64_t type = m->arg[1], start = m->arg[2], end = m->arg[3];
	unsigned int i;
	int rc = range_args(c, m, "map_io_range", &d, &s);

	if (rc)
		return rc;
	for (i = 0; i < MAX_SERVERS; i++) {
		struct server *o = d->srv[i];

		if (!o || !range_overlaps(&o->ranges[type], start, end))
			continue;
		misuse(c->h, XENSIM_MISUSE_RANGE_OVERLAP,
		       "dom%u: range %#llx-%#llx of server %u overlaps one of "
		       "server %u",
		       d->domid, (unsigned long long)start,
		       (unsigned long long)end, s->id, o->id);
		/* Xen refuses only an overlap within the same server. */
		if (o == s)
			return -EEXIST;
	}
	return range_add(&s->ranges[type], start, end);
}

int dm_unmap_range(struct conn *c, const struct sim_msg *m,
		   const uint8_t *payload, struct reply *r)
{
	struct domain *d;
	struct server *s;
	uint64_t type = m->arg[1], start = m->arg[2], end = m->arg[3];
	int rc = range_args(c, m, "unmap_io_range", &d, &s);

	if (rc)
		return rc;
	if (!range_contains(&s->ranges[type], start, end)) {
		misuse(c->h, XENSIM_MISUSE_BAD_UNMAP,
		       "dom%u server %u: unmap of range %#llx-%#llx, which is "
		       "not mapped",
		       d->domid, s->id, (unsigned long long)start,
		       (unsigned long long)end);
		return -ENOENT;
	}
	return range_remove(&s->ranges[type], start, end);
}

int dm_set_state(struct conn *c, const struct sim_msg *m,
		 const uint8_t *payload, struct reply *r)
{
	struct domain *d;
	struct server *s;
	unsigned int v;
	int rc = srv_for_call(c, m, "set_ioreq_server_state", &d, &s);

	if (rc)
		return rc;
	s->enabled = m->arg[1] != 0;
	/* ioreq_server_enable() -> ioreq_server_update_evtchn() */
	for (v = 0; s->enabled && v < d->nr_vcpus; v++)
		s->page->vcpu_ioreq[v].vp_eport = s->ports[v];
	wake_all(c->h);
	return 0;
}

int dm_nr_vcpus(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
		struct reply *r)
{
	struct domain *d;
	int rc = dom_for_call(c, m->dom, &d);

	if (!rc)
		r->m.arg[0] = d->nr_vcpus;
	return rc;
}

void dm_release(struct conn *c)
{
	struct domain *d;
	unsigned int i;

	for (d = c->h->doms; d; d = d->next) {
		for (i = 0; i < MAX_SERVERS; i++) {
			if (!d->srv[i] || d->srv[i]->owner != c)
				continue;
			misuse(c->h, XENSIM_MISUSE_LEAK,
			       "ioreq server %u of dom%u never destroyed", i,
			       d->domid);
			d->srv[i]->owner = NULL;
		}
	}
}

struct server *server_by_port(struct domain *d, evtchn_port_t port,
			      unsigned int *vcpu)
{
	unsigned int i, v;

	for (i = 0; i < MAX_SERVERS; i++) {
		for (v = 0; d->srv[i] && v < d->nr_vcpus; v++) {
			if (d->srv[i]->ports[v] == port) {
				*vcpu = v;
				return d->srv[i];
			}
		}
	}
	return NULL;
}
