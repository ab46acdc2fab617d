// SPDX-License-Identifier: GPL-2.0-only
/* The guest drivers' bus over the simulated Xen (sim-bus.h). */
#include <errno.h>
#include <limits.h>

#include "sim-bus.h"

static int mmio_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
	struct sim_bus *sb = opaque;
	int rc = xensim_mmio_read(sb->h, sb->domid, sb->vcpu, addr, size, val);

	sb->round_trips += !rc;
	return rc;
}

static int mmio_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
	struct sim_bus *sb = opaque;
	int rc = xensim_mmio_write(sb->h, sb->domid, sb->vcpu, addr, size, val);

	sb->round_trips += !rc;
	return rc;
}

static void *ram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct sim_bus *sb = opaque;

	if (len > SIZE_MAX)
		return NULL;
	return xensim_guest_mem(sb->h, sb->domid, gpa, (size_t)len);
}

/*
 * An interrupt is pending if the line rose since we last looked, or is
 * still high (a GIC calls the handler again for a level that stays up).
 */
static int pending(struct sim_bus *sb)
{
	struct xensim_irq st;
	int rc = xensim_irq_get(sb->h, sb->domid, sb->irq, &st);

	if (rc)
		return rc;
	if (st.edges == sb->edges_seen && !st.level)
		return 0;
	sb->edges_seen = st.edges;
	return 1;
}

static int wait_irq(void *opaque, int timeout_ms)
{
	struct sim_bus *sb = opaque;
	int rc = pending(sb);

	if (rc)
		return rc;
	/* An edge between pending() and here still counts: edges only grow. */
	rc = xensim_irq_wait_edges(
		sb->h, sb->domid, sb->irq, sb->edges_seen + 1,
		timeout_ms < 0 ? UINT_MAX : (unsigned)timeout_ms);
	if (rc == -ETIMEDOUT)
		return 0;
	return rc ? rc : pending(sb);
}

void sim_bus_init(struct sim_bus *sb, struct xensim *h, uint32_t domid,
		  unsigned vcpu, unsigned irq)
{
	*sb = (struct sim_bus){
		.bus = {
			.mmio_read = mmio_read,
			.mmio_write = mmio_write,
			.ram = ram,
			.wait_irq = wait_irq,
			.opaque = sb,
		},
		.h = h,
		.domid = domid,
		.vcpu = vcpu,
		.irq = irq,
	};
}
