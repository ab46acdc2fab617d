/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest drivers' bus (tests/guest/guest-bus.h) over the simulated Xen:
 * each register access is a trapped MMIO access from one vCPU, served by
 * whatever device model runs under the preload (a real ioreq round trip),
 * guest RAM is the harness's view of the domain's memory, and the device's
 * interrupt is the domain's SPI as the device model sets it.
 *
 * One bus drives one device from one vCPU; it is not thread-safe (neither
 * are the drivers). Use one bus per vCPU thread.
 */
#ifndef XVDM_TESTS_SIM_BUS_H
#define XVDM_TESTS_SIM_BUS_H

#include <stdint.h>

#include "guest-bus.h"
#include "xensim.h"

struct sim_bus {
	struct guest_bus bus; /* hand &sb->bus to a driver */
	struct xensim *h;
	uint32_t domid;
	unsigned vcpu; /* the vCPU that makes the accesses */
	unsigned irq;  /* the device's SPI */
	unsigned edges_seen;
	uint64_t round_trips; /* accesses the device model answered */
};

void sim_bus_init(struct sim_bus *sb, struct xensim *h, uint32_t domid,
		  unsigned vcpu, unsigned irq);

#endif
