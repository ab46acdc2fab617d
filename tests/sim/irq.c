// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt lines as XEN_DMOP_set_irq_level drives them on Arm
 * (xen/arch/arm/dm.c): SPIs only, level 0 or 1. Each line keeps its level
 * and counts its rising edges: the guest's device tree declares virtio
 * interrupts edge-triggered, so an event that raises no new edge is lost.
 */
#include <errno.h>

#include "sim-host.h"

int dm_set_irq(struct conn *c, const struct sim_msg *m, const uint8_t *payload,
	       struct reply *r)
{
	uint64_t irq = m->arg[0], level = m->arg[1];
	struct irq_line *line;
	struct domain *d;
	int rc = dom_for_call(c, m->dom, &d);

	if (rc)
		return rc;
	if (irq < NR_LOCAL_IRQS || irq - NR_LOCAL_IRQS >= d->nr_spis ||
	    level > 1) {
		misuse(c->h, XENSIM_MISUSE_BAD_IRQ,
		       "set_irq_level(dom%u, %llu, %llu): lines are SPIs "
		       "%u..%u, levels 0 and 1",
		       d->domid, (unsigned long long)irq,
		       (unsigned long long)level, NR_LOCAL_IRQS,
		       NR_LOCAL_IRQS + d->nr_spis - 1);
		return -EINVAL;
	}
	line = &d->irqs[irq - NR_LOCAL_IRQS];
	if (level && !line->level)
		line->edges++;
	line->level = level != 0;
	line->sets++;
	/* Only the threads waiting on this line: see sim-host.h. */
	wake_some(c->h, WAIT_IRQ, d->domid, (unsigned int)irq);
	return 0;
}

/* Arm's dm_op() table has no XEN_DMOP_set_isa_irq_level. */
int dm_set_isa_irq(struct conn *c, const struct sim_msg *m,
		   const uint8_t *payload, struct reply *r)
{
	struct domain *d;
	int rc = dom_for_call(c, m->dom, &d);

	return rc ? rc : -EOPNOTSUPP;
}

static struct irq_line *line_of(struct xensim *h, uint32_t domid,
				unsigned int irq)
{
	struct domain *d = dom_find(h, domid);

	if (!d || irq < NR_LOCAL_IRQS || irq - NR_LOCAL_IRQS >= d->nr_spis)
		return NULL;
	return &d->irqs[irq - NR_LOCAL_IRQS];
}

int xensim_irq_get(struct xensim *h, uint32_t domid, unsigned int irq,
		   struct xensim_irq *out)
{
	struct irq_line *line;

	pthread_mutex_lock(&h->lock);
	line = line_of(h, domid, irq);
	if (line) {
		out->level = line->level;
		out->edges = line->edges;
		out->sets = line->sets;
	}
	pthread_mutex_unlock(&h->lock);
	return line ? 0 : -EINVAL;
}

struct edge_wait {
	uint32_t domid;
	unsigned int irq, edges;
};

static bool enough_edges(struct xensim *h, const void *arg)
{
	const struct edge_wait *w = arg;
	struct irq_line *line = line_of(h, w->domid, w->irq);

	return !line || line->edges >= w->edges;
}

int xensim_irq_wait_edges(struct xensim *h, uint32_t domid, unsigned int irq,
			  unsigned int edges, unsigned int timeout_ms)
{
	struct edge_wait w = { domid, irq, edges };
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = wait_until_for(h, WAIT_IRQ, domid, irq, enough_edges, &w,
			    timeout_ms);
	if (!rc && !line_of(h, domid, irq))
		rc = -EINVAL;
	pthread_mutex_unlock(&h->lock);
	return rc;
}
