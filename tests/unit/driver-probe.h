/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver's steps of Linux's virtio probe (virtio 1.2 §3.1.1), made on a
 * vdev directly: what every backend's unit fixture does to bring its
 * device up.
 */
#ifndef XVDM_TESTS_DRIVER_PROBE_H
#define XVDM_TESTS_DRIVER_PROBE_H

#include <stdint.h>

#include "driver-ring.h"
#include "vdev.h"

/*
 * Reset, ACKNOWLEDGE, DRIVER, every feature offered but those in decline,
 * FEATURES_OK; asserts the device kept FEATURES_OK.
 */
void driver_probe_features(struct vdev *v, uint64_t decline);
/* Queue q: ring r of num entries at gpa in flat, then QueueReady. */
void driver_probe_queue(struct vdev *v, unsigned q, struct driver_ring *r,
			struct gmem_flat *flat, uint16_t num, uint64_t gpa);
/* DRIVER_OK; asserts the device is live. */
void driver_probe_live(struct vdev *v);

#endif
