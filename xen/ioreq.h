/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One vCPU's synchronous ioreq slot (xen/include/public/hvm/ioreq.h): Xen
 * fills it when the vCPU traps on an MMIO window we serve, sets
 * STATE_IOREQ_READY and signals the vCPU's event channel; we take it
 * (STATE_IOREQ_INPROCESS), answer, publish STATE_IORESP_READY and signal
 * back. Xen has one request outstanding per vCPU, so a slot never holds two.
 *
 * On a virtio-mmio window only single, direct MMIO accesses of 1, 2, 4 or 8
 * bytes can occur (IOREQ_TYPE_COPY, count 1, data in the slot). Anything else
 * is answered without crashing: reads see all ones, writes are dropped, and a
 * rate-limited line is logged. IOREQ_TYPE_INVALIDATE (drop mapping caches) is
 * completed at once.
 */
#ifndef XVDM_XEN_IOREQ_H
#define XVDM_XEN_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

#include "compiler.h"

struct log_src;

/*
 * Where accesses go: addr is the guest-physical address. A handler returns
 * 0, or -errno when nothing decodes the access (reads then see all ones).
 */
struct mmio_handler {
	int (*read)(void *opaque, uint64_t addr, unsigned size,
		    uint64_t *value);
	int (*write)(void *opaque, uint64_t addr, unsigned size,
		     uint64_t value);
	/* IOREQ_TYPE_INVALIDATE: forget cached guest mappings. May be NULL. */
	void (*invalidate)(void *opaque);
	void *opaque;
};

/*
 * Serves the slot if Xen has a request ready in it. Returns true when a
 * response was published: the caller then notifies the vCPU's event channel.
 * False: the event was spurious (the slot holds no ready request).
 */
bool mmio_req_serve(ioreq_t *slot, const struct mmio_handler *handler,
		    struct log_src *log);

#endif
