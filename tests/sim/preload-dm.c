// SPDX-License-Identifier: GPL-2.0-only
/* libxendevicemodel, simulated: each call is one request to the harness. */
#include <errno.h>
#include <stdlib.h>

#include <xendevicemodel.h>

#include "preload.h"

struct xendevicemodel_handle {
	struct sim_chan ch;
};

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
					   unsigned int open_flags)
{
	xendevicemodel_handle *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return NULL;
	rc = chan_open(&h->ch, SIM_KIND_DM, open_flags, NULL);
	if (rc) {
		free(h);
		sim_fail(rc);
		return NULL;
	}
	return h;
}

int xendevicemodel_close(xendevicemodel_handle *h)
{
	if (!h)
		return 0;
	chan_close(&h->ch);
	free(h);
	return 0;
}

/* One dm_op: 0, or -1 with errno. The reply's args land in m. */
static int dm_op(xendevicemodel_handle *h, struct sim_msg *m)
{
	int rc = chan_call(&h->ch, m, NULL, 0, NULL, 0, NULL);

	return rc ? sim_fail(rc) : 0;
}

int xendevicemodel_create_ioreq_server(xendevicemodel_handle *h, domid_t domid,
				       int handle_bufioreq, ioservid_t *id)
{
	struct sim_msg m = { .op = SIM_OP_DM_CREATE, .dom = domid };
	int r;

	m.arg[0] = (uint64_t)(int64_t)handle_bufioreq;
	r = dm_op(h, &m);
	if (!r)
		*id = (ioservid_t)m.arg[0];
	return r;
}

int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *h,
					 domid_t domid, ioservid_t id,
					 xen_pfn_t *ioreq_gfn,
					 xen_pfn_t *bufioreq_gfn,
					 evtchn_port_t *bufioreq_port)
{
	struct sim_msg m = { .op = SIM_OP_DM_INFO, .dom = domid };
	int r;

	m.arg[0] = id;
	/* XEN_DMOP_no_gfns unless the caller wants gfns. */
	m.arg[1] = ioreq_gfn || bufioreq_gfn;
	r = dm_op(h, &m);
	if (r)
		return r;
	if (ioreq_gfn)
		*ioreq_gfn = (xen_pfn_t)m.arg[0];
	if (bufioreq_gfn)
		*bufioreq_gfn = (xen_pfn_t)m.arg[1];
	if (bufioreq_port)
		*bufioreq_port = (evtchn_port_t)m.arg[2];
	return 0;
}

static int range_op(xendevicemodel_handle *h, uint32_t op, domid_t domid,
		    ioservid_t id, int is_mmio, uint64_t start, uint64_t end)
{
	struct sim_msg m = { .op = op, .dom = domid };

	m.arg[0] = id;
	m.arg[1] = is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT;
	m.arg[2] = start;
	m.arg[3] = end;
	return dm_op(h, &m);
}

int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *h,
						domid_t domid, ioservid_t id,
						int is_mmio, uint64_t start,
						uint64_t end)
{
	return range_op(h, SIM_OP_DM_MAP_RANGE, domid, id, is_mmio, start, end);
}

int xendevicemodel_unmap_io_range_from_ioreq_server(xendevicemodel_handle *h,
						    domid_t domid,
						    ioservid_t id, int is_mmio,
						    uint64_t start,
						    uint64_t end)
{
	return range_op(h, SIM_OP_DM_UNMAP_RANGE, domid, id, is_mmio, start,
			end);
}

int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *h, domid_t domid,
					ioservid_t id)
{
	struct sim_msg m = { .op = SIM_OP_DM_DESTROY, .dom = domid };

	m.arg[0] = id;
	return dm_op(h, &m);
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *h,
					  domid_t domid, ioservid_t id,
					  int enabled)
{
	struct sim_msg m = { .op = SIM_OP_DM_SET_STATE, .dom = domid };

	m.arg[0] = id;
	m.arg[1] = enabled != 0;
	return dm_op(h, &m);
}

int xendevicemodel_set_irq_level(xendevicemodel_handle *h, domid_t domid,
				 unsigned int irq, unsigned int level)
{
	struct sim_msg m = { .op = SIM_OP_DM_SET_IRQ, .dom = domid };

	m.arg[0] = irq;
	m.arg[1] = level;
	return dm_op(h, &m);
}

int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *h, domid_t domid,
				     uint8_t irq, unsigned int level)
{
	struct sim_msg m = { .op = SIM_OP_DM_SET_ISA_IRQ, .dom = domid };

	m.arg[0] = irq;
	m.arg[1] = level;
	return dm_op(h, &m);
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *h, domid_t domid,
			    unsigned int *vcpus)
{
	struct sim_msg m = { .op = SIM_OP_DM_NR_VCPUS, .dom = domid };
	int r = dm_op(h, &m);

	if (!r)
		*vcpus = (unsigned int)m.arg[0];
	return r;
}

int xendevicemodel_restrict(xendevicemodel_handle *h, domid_t domid)
{
	struct sim_msg m = { .op = SIM_OP_RESTRICT, .dom = domid };

	return dm_op(h, &m);
}
