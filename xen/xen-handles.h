/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libxen* handles a daemon opens once and shares between its guests.
 * Each guest opens its own event channel handle (so its fd wakes only its
 * own vCPUs' work) and xenstore stays with store.c.
 */
#ifndef XVDM_XEN_HANDLES_H
#define XVDM_XEN_HANDLES_H

#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "compiler.h"

struct xen_handles {
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fmem;
	xengnttab_handle *gnttab; /* NULL until a guest needs grants */
};

int xen_handles_open(struct xen_handles *xh) must_check;
void xen_handles_close(struct xen_handles *xh);

#endif
