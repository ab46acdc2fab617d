/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How the guest-side test drivers reach their device, without knowing how
 * accesses are carried: in-process calls into vmmio, ioreq round trips through
 * a simulated Xen, or anything else a test or benchmark plugs in.
 *
 * Guest RAM is reached through ram(), which gives the host view of a
 * guest-physical range or NULL; the drivers never assume two separately
 * obtained ranges are adjacent in the host.
 */
#ifndef XVDM_GUEST_BUS_H
#define XVDM_GUEST_BUS_H

#include <stdint.h>

struct guest_bus {
	/* addr is absolute (window base + register offset). 0 or -errno. */
	int (*mmio_read)(void *opaque, uint64_t addr, unsigned size,
			 uint64_t *val);
	int (*mmio_write)(void *opaque, uint64_t addr, unsigned size,
			  uint64_t val);
	/* Host view of [gpa, gpa + len), or NULL when not all of it is RAM. */
	void *(*ram)(void *opaque, uint64_t gpa, uint64_t len);
	/*
	 * Blocks until the device's interrupt line has a new rising edge (or
	 * is still high: the line is level-triggered, so a handler that left
	 * it high is called again, as a GIC would), or timeout_ms passes.
	 * Returns 1 on interrupt, 0 on timeout, -errno.
	 */
	int (*wait_irq)(void *opaque, int timeout_ms);
	void *opaque;
};

#endif
