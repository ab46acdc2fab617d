/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio register file, version 2 (virtio 1.2 §4.2.2): pure logic
 * that turns one guest access into vdev calls. No I/O, no Xen.
 *
 * Access rules: control registers (offsets below 0x100) take only 32-bit,
 * 32-bit-aligned accesses (§4.2.2.2); the configuration space from 0x100
 * takes naturally aligned 1, 2, 4 and 8-byte accesses. A refused access
 * returns -EINVAL: reads then see all ones and writes are dropped, with a
 * rate-limited log line. The legacy version 1 interface is not offered.
 */
#ifndef XVDM_VMMIO_H
#define XVDM_VMMIO_H

#include <stdint.h>

#include "compiler.h"

struct vdev;

/* Size of the window a device decodes; libxl allocates 0x200 per device. */
#define VMMIO_WINDOW_SIZE 0x200u
/* "XVDM", as the VendorID register reads. */
#define VMMIO_VENDOR_ID 0x4d445658u

struct vmmio {
	struct vdev *vdev;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t shm_sel;
};

void vmmio_init(struct vmmio *mmio, struct vdev *vdev);
/* offset is relative to the window base. */
int vmmio_read(struct vmmio *mmio, uint64_t offset, unsigned size,
	       uint64_t *value) must_check;
int vmmio_write(struct vmmio *mmio, uint64_t offset, unsigned size,
		uint64_t value) must_check;

#endif
