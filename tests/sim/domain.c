// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest domains: RAM in a memfd (so the process under test can map it),
 * vCPUs, interrupt lines, grants, life and death.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim-host.h"

#define DOMID_MAX 0x7fef   /* DOMID_FIRST_RESERVED - 1 */
#define FIRST_GUEST_PORT 5 /* xenstore, console... come first */
#define MAX_SPIS 988	   /* GICv3: INTIDs 32..1019 */

struct domain *dom_find(struct xensim *h, uint32_t domid)
{
	struct domain *d;

	for (d = h->doms; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

int dom_for_call(struct conn *c, uint32_t domid, struct domain **d)
{
	struct xensim *h = c->h;

	*d = NULL;
	if (c->restricted && domid != c->restrict_dom) {
		misuse(h, XENSIM_MISUSE_RESTRICTED,
		       "call for dom%u on a handle restricted to dom%u", domid,
		       c->restrict_dom);
		return -EPERM;
	}
	*d = dom_find(h, domid);
	if (!*d) {
		/* rcu_lock_remote_domain_by_id(): no such domain, or self. */
		misuse(h, XENSIM_MISUSE_NO_DOMAIN,
		       "call for dom%u, which never existed", domid);
		return domid == 0 ? -EPERM : -ESRCH;
	}
	/* A domain that died under us: expected, not a misuse. */
	return (*d)->dead ? -ESRCH : 0;
}

int64_t dom_gfn_offset(const struct domain *d, uint64_t gfn)
{
	uint64_t gpa = gfn << SIM_PAGE_SHIFT;
	unsigned int i;

	if (gfn >> (64 - SIM_PAGE_SHIFT))
		return -EINVAL;
	for (i = 0; i < d->nr_banks; i++)
		if (gpa >= d->bank[i].base &&
		    gpa - d->bank[i].base < d->bank[i].size)
			return (int64_t)(d->bank[i].offset + gpa -
					 d->bank[i].base);
	return -EINVAL;
}

static int check_cfg(struct xensim *h, const struct xensim_domain_cfg *c)
{
	struct domain *old = dom_find(h, c->domid);
	unsigned int i;

	if (!c->domid || c->domid > DOMID_MAX || (old && !old->dead))
		return -EEXIST;
	if (!c->nr_vcpus || c->nr_vcpus > XENSIM_MAX_VCPUS ||
	    c->nr_spis > MAX_SPIS || !c->ram[0].size)
		return -EINVAL;
	for (i = 0; i < XENSIM_MAX_BANKS && c->ram[i].size; i++)
		if ((c->ram[i].base | c->ram[i].size) & (SIM_PAGE_SIZE - 1) ||
		    c->ram[i].base + c->ram[i].size < c->ram[i].base)
			return -EINVAL;
	return 0;
}

static int alloc_ram(struct domain *d, const struct xensim_domain_cfg *c)
{
	char name[32];
	unsigned int i;

	for (i = 0; i < XENSIM_MAX_BANKS && c->ram[i].size; i++) {
		d->bank[i].base = c->ram[i].base;
		d->bank[i].size = c->ram[i].size;
		d->bank[i].offset = d->ram_bytes;
		d->ram_bytes += c->ram[i].size;
	}
	d->nr_banks = i;
	snprintf(name, sizeof(name), "xensim-dom%u-ram", c->domid);
	d->ram_fd = memfd_create(name, MFD_CLOEXEC);
	if (d->ram_fd < 0 || ftruncate(d->ram_fd, (off_t)d->ram_bytes))
		return -errno;
	d->ram = mmap(NULL, d->ram_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->ram_fd, 0);
	if (d->ram == MAP_FAILED) {
		d->ram = NULL;
		return -errno;
	}
	return 0;
}

static void dom_free(struct domain *d)
{
	struct grant *g;

	if (d->ram)
		munmap(d->ram, d->ram_bytes);
	if (d->ram_fd >= 0)
		close(d->ram_fd);
	while ((g = d->grants)) {
		d->grants = g->next;
		free(g);
	}
	free(d->vcpus);
	free(d->irqs);
	free(d);
}

static void unlink_dom(struct xensim *h, struct domain *d)
{
	struct domain **pp;

	for (pp = &h->doms; *pp != d; pp = &(*pp)->next)
		;
	*pp = d->next;
}

static int announce(struct xensim *h, const struct domain *d, const char *name)
{
	char path[64], val[32];
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/name", d->domid);
	if (name)
		snprintf(val, sizeof(val), "%s", name);
	else
		snprintf(val, sizeof(val), "dom%u", d->domid);
	rc = store_write(h->store, 0, path, val, (unsigned int)strlen(val));
	snprintf(path, sizeof(path), "/local/domain/%u/domid", d->domid);
	snprintf(val, sizeof(val), "%u", d->domid);
	if (!rc)
		rc = store_write(h->store, 0, path, val,
				 (unsigned int)strlen(val));
	if (!rc)
		xs_fire_special(h, "@introduceDomain");
	return rc;
}

int xensim_domain_create(struct xensim *h, const struct xensim_domain_cfg *c)
{
	struct domain *d, *old;
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = check_cfg(h, c);
	d = rc ? NULL : calloc(1, sizeof(*d));
	if (!rc && !d)
		rc = -ENOMEM;
	if (rc)
		goto out;
	d->ram_fd = -1;
	d->h = h;
	d->domid = c->domid;
	d->nr_vcpus = c->nr_vcpus;
	d->nr_spis = c->nr_spis ? c->nr_spis : 32;
	d->paused = c->paused;
	d->next_port = FIRST_GUEST_PORT;
	d->vcpus = calloc(d->nr_vcpus, sizeof(*d->vcpus));
	d->irqs = calloc(d->nr_spis, sizeof(*d->irqs));
	rc = d->vcpus && d->irqs ? alloc_ram(d, c) : -ENOMEM;
	if (rc) {
		dom_free(d);
		goto out;
	}
	/* A dead domain's id may be reused, as Xen does eventually. */
	old = dom_find(h, c->domid);
	if (old) {
		unlink_dom(h, old);
		dom_free(old);
	}
	d->next = h->doms;
	h->doms = d;
	rc = announce(h, d, c->name);
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int xensim_domain_pause(struct xensim *h, uint32_t domid, bool paused)
{
	struct domain *d;
	int rc = -ESRCH;

	pthread_mutex_lock(&h->lock);
	d = dom_find(h, domid);
	if (d && !d->dead) {
		d->paused = paused;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static void kill_dom(struct xensim *h, struct domain *d)
{
	char path[32];
	unsigned int i;

	/* domain_kill() -> ioreq_server_destroy_all() */
	d->dead = true;
	for (i = 0; i < MAX_SERVERS; i++)
		if (d->srv[i])
			server_teardown(d, i);
	/* The toolstack removes the domain's home; xenstored announces it. */
	snprintf(path, sizeof(path), "/local/domain/%u", d->domid);
	(void)store_rm(h->store, 0, path);
	xs_fire_special(h, "@releaseDomain");
	wake_all(h);
}

int xensim_domain_destroy(struct xensim *h, uint32_t domid)
{
	struct domain *d;
	int rc = -ESRCH;

	pthread_mutex_lock(&h->lock);
	d = dom_find(h, domid);
	if (d && !d->dead) {
		kill_dom(h, d);
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void dom_free_all(struct xensim *h)
{
	pthread_mutex_lock(&h->lock);
	while (h->doms) {
		struct domain *d = h->doms;

		if (!d->dead)
			kill_dom(h, d);
		h->doms = d->next;
		dom_free(d);
	}
	pthread_mutex_unlock(&h->lock);
}

void *xensim_guest_mem(struct xensim *h, uint32_t domid, uint64_t gpa,
		       size_t len)
{
	struct domain *d;
	void *p = NULL;
	unsigned int i;

	pthread_mutex_lock(&h->lock);
	d = dom_find(h, domid);
	for (i = 0; d && i < d->nr_banks; i++) {
		const struct bank *b = &d->bank[i];

		if (gpa >= b->base && len <= b->size &&
		    gpa - b->base <= b->size - len)
			p = d->ram + b->offset + (gpa - b->base);
	}
	pthread_mutex_unlock(&h->lock);
	return p;
}

static int set_grant(struct domain *d, uint32_t ref, uint64_t gfn,
		     bool readonly)
{
	struct grant *g;

	if (dom_gfn_offset(d, gfn) < 0)
		return -EINVAL;
	for (g = d->grants; g && g->ref != ref; g = g->next)
		;
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		g->ref = ref;
		g->next = d->grants;
		d->grants = g;
	}
	g->gfn = gfn;
	g->readonly = readonly;
	return 0;
}

int xensim_grant(struct xensim *h, uint32_t domid, uint32_t ref, uint64_t gfn,
		 bool readonly)
{
	struct domain *d;
	int rc = -ESRCH;

	pthread_mutex_lock(&h->lock);
	d = dom_find(h, domid);
	if (d && !d->dead)
		rc = set_grant(d, ref, gfn, readonly);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int xensim_ungrant(struct xensim *h, uint32_t domid, uint32_t ref)
{
	struct domain *d;
	struct grant **pp, *g;
	int rc = -ESRCH;

	pthread_mutex_lock(&h->lock);
	d = dom_find(h, domid);
	for (pp = d ? &d->grants : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->ref != ref)
			continue;
		g = *pp;
		*pp = g->next;
		free(g);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
