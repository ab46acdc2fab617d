/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One guest served by this process: its ioreq server, the shared ioreq page,
 * one event channel per vCPU watched in the daemon's event loop, the MMIO
 * window of each virtio device routed to the device's register file, and
 * the devices' interrupt lines (xendevicemodel_set_irq_level, SPIs on Arm).
 *
 * Set-up follows the order Xen needs: create the server, map its ioreq page
 * (xenforeignmemory_map_resource), enable the server, and only then read
 * each vCPU's vp_eport and bind it. A device's window is mapped when the
 * device is added (Xen takes ranges before or after enabling). guest_free()
 * undoes exactly the steps that were reached, so a half-attached guest is
 * torn down cleanly too; a guest whose domain died tolerates ESRCH.
 */
#ifndef XVDM_XEN_GUEST_H
#define XVDM_XEN_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct gmem;
struct logger;
struct vdev;
struct xen_handles;

struct guest;

struct guest_params {
	struct evloop *loop;
	struct logger *logger;
	struct xen_handles *xh;
	uint32_t domid; /* vCPUs: xendevicemodel_nr_vcpus() */
};

int guest_new(const struct guest_params *p, struct guest **out) must_check;
/* Tears down everything guest_new() and guest_add_device() set up. */
void guest_free(struct guest *g); /* NULL-safe */

/*
 * Guest memory for this guest's devices, created on first use: foreign
 * mappings, or grant mappings when grant is true. Owned by the guest.
 * NULL on failure, logged.
 */
struct gmem *guest_gmem(struct guest *g, bool grant);

/*
 * Routes [base, base + VMMIO_WINDOW_SIZE) to vdev's register file and its
 * interrupt to SPI irq. devid names the device for removal and logs. The
 * vdev stays the caller's; it must outlive its registration.
 */
int guest_add_device(struct guest *g, uint32_t devid, uint64_t base,
		     uint32_t irq, struct vdev *vdev) must_check;
/* Unmaps the window and lowers the line; the vdev is the caller's again. */
void guest_remove_device(struct guest *g, uint32_t devid);
unsigned guest_nr_devices(const struct guest *g);
uint32_t guest_domid(const struct guest *g);

#endif
