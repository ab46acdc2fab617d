// SPDX-License-Identifier: GPL-2.0-only
/* An SPI on Arm: XEN_DMOP_set_irq_level. */
#include <errno.h>
#include <string.h>

#include "irq.h"
#include "log.h"

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
			  "xendevicemodel_set_irq_level(spi %u, %d): %s",
			  line->irq, level, strerror(err));
	line->failing = true;
	return -err;
}
