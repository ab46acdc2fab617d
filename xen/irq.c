// SPDX-License-Identifier: GPL-2.0-only
/* An SPI on Arm (XEN_DMOP_set_irq_level) or an ISA IRQ on x86 HVM. */
#include <errno.h>
#include <string.h>

#include "irq.h"
#include "log.h"

/* x86 ISA IRQs are 0-15; Arm SPIs start at 32. */
#define ISA_IRQS 16

void irq_line_init(struct irq_line *line, xendevicemodel_handle *dm,
		   uint32_t domid, uint32_t irq, struct log_src *log)
{
	*line = (struct irq_line){
		.dm = dm,
		.domid = domid,
		.irq = irq,
		.log = log,
	};
}

int irq_line_set(struct irq_line *line, bool level)
{
	int r, err;

	if (line->irq < ISA_IRQS)
		r = xendevicemodel_set_isa_irq_level(line->dm,
						     (domid_t)line->domid,
						     (uint8_t)line->irq, level);
	else
		r = xendevicemodel_set_irq_level(line->dm, (domid_t)line->domid,
						 line->irq, level);
	if (likely(!r)) {
		line->level = level;
		line->failing = false;
		return 0;
	}
	err = errno;
	/* The guest's accesses drive the line: rate limited as theirs. */
	if (!line->failing)
		log_guest(line->log, err == ESRCH ? LOG_DEBUG : LOG_ERR,
			  "setting %s %u to %d: %s",
			  line->irq < ISA_IRQS ? "ISA IRQ" : "SPI", line->irq,
			  level, strerror(err));
	line->failing = true;
	return -err;
}
