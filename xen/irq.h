/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device's interrupt line as a device model drives it through Xen. On Arm
 * a virtio-mmio device has one SPI (32 and up), set with
 * XEN_DMOP_set_irq_level (xen/arch/arm/dm.c accepts SPIs only, levels 0 and
 * 1). An x86 HVM guest's line is an ISA IRQ (0-15), set with
 * XEN_DMOP_set_isa_irq_level. The number the toolstack gave tells which: the
 * two ranges do not overlap, and the same daemon binary serves both.
 *
 * The line is level-triggered from the device's side (vdev raises it while
 * InterruptStatus has a bit set); what the guest's interrupt controller makes
 * of it (the device tree declares virtio interrupts edge-triggered) is Xen's.
 */
#ifndef XVDM_XEN_IRQ_H
#define XVDM_XEN_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include <xendevicemodel.h>

#include "compiler.h"

struct log_src;

struct irq_line {
	xendevicemodel_handle *dm;
	uint32_t domid;
	uint32_t irq;
	bool level;   /* what we last set successfully */
	bool failing; /* the last call failed: logged once per streak */
	struct log_src *log;
};

/* The line starts low, as Xen creates it. */
void irq_line_init(struct irq_line *line, xendevicemodel_handle *dm,
		   uint32_t domid, uint32_t irq, struct log_src *log);
/*
 * 0 or -errno. A failure is logged once until a call succeeds again (a
 * device raising its line per request must not flood the log); ESRCH, the
 * domain died, only at debug level.
 */
int irq_line_set(struct irq_line *line, bool level) must_check;

#endif
