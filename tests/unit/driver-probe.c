// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "driver-probe.h"

static void status_add(struct vdev *v, uint8_t bit)
{
	vdev_set_status(v, vdev_get_status(v) | bit);
}

void driver_probe_features(struct vdev *v, uint64_t decline)
{
	vdev_set_status(v, 0);
	status_add(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status_add(v, VIRTIO_CONFIG_S_DRIVER);
	vdev_set_guest_features(
		v, 0, vdev_get_host_features(v, 0) & ~(uint32_t)decline);
	vdev_set_guest_features(v, 1,
				vdev_get_host_features(v, 1) &
					~(uint32_t)(decline >> 32));
	status_add(v, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_get_status(v) & VIRTIO_CONFIG_S_FEATURES_OK);
}

void driver_probe_queue(struct vdev *v, unsigned q, struct driver_ring *r,
			struct gmem_flat *flat, uint16_t num, uint64_t gpa)
{
	driver_ring_init(r, flat, num, gpa);
	vdev_queue_write(v, q, VDEV_QUEUE_NUM, num);
	vdev_queue_write(v, q, VDEV_QUEUE_DESC_LOW, (uint32_t)r->desc_gpa);
	vdev_queue_write(v, q, VDEV_QUEUE_DRIVER_LOW, (uint32_t)r->avail_gpa);
	vdev_queue_write(v, q, VDEV_QUEUE_DEVICE_LOW, (uint32_t)r->used_gpa);
	vdev_queue_write(v, q, VDEV_QUEUE_READY, 1);
}

void driver_probe_live(struct vdev *v)
{
	status_add(v, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_true(vdev_is_live(v));
}
