/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The queue half of struct vdev: the registers the driver writes to set up
 * each virtqueue (virtio 1.2 §4.2.2, §4.2.3.2), its notifications, and the
 * backend's access to the rings. The queue index and every register value
 * come from the driver: an index out of range reads 0 and is otherwise
 * ignored, configuration written at the wrong time is ignored, and a ring
 * that cannot be used fails the device.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <linux/virtio_config.h>

#include "vdev.h"

static const char *const reg_names[] = {
	[VDEV_QUEUE_NUM_MAX] = "QueueNumMax",
	[VDEV_QUEUE_NUM] = "QueueNum",
	[VDEV_QUEUE_READY] = "QueueReady",
	[VDEV_QUEUE_DESC_LOW] = "QueueDescLow",
	[VDEV_QUEUE_DESC_HIGH] = "QueueDescHigh",
	[VDEV_QUEUE_DRIVER_LOW] = "QueueDriverLow",
	[VDEV_QUEUE_DRIVER_HIGH] = "QueueDriverHigh",
	[VDEV_QUEUE_DEVICE_LOW] = "QueueDeviceLow",
	[VDEV_QUEUE_DEVICE_HIGH] = "QueueDeviceHigh",
};

static const char *reg_name(enum vdev_queue_reg reg)
{
	if ((unsigned)reg < ARRAY_SIZE(reg_names) && reg_names[reg])
		return reg_names[reg];
	return "unknown queue register";
}

static uint32_t lo32(uint64_t v)
{
	return (uint32_t)v;
}

static uint32_t hi32(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static void set_lo32(uint64_t *v, uint32_t lo)
{
	*v = (*v & ~0xffffffffull) | lo;
}

static void set_hi32(uint64_t *v, uint32_t hi)
{
	*v = (*v & 0xffffffffull) | ((uint64_t)hi << 32);
}

uint32_t vdev_queue_read(struct vdev *vdev, uint32_t qidx,
			 enum vdev_queue_reg reg)
{
	const struct vdev_queue *q;

	/* §4.2.3.2 step 3: QueueNumMax 0 says the queue does not exist. */
	if (qidx >= vdev->num_queues)
		return 0;
	q = &vdev->queues[qidx];
	switch (reg) {
	case VDEV_QUEUE_NUM_MAX:
		return vdev->queue_num_max;
	case VDEV_QUEUE_NUM:
		return q->num;
	case VDEV_QUEUE_READY:
		return q->ready;
	case VDEV_QUEUE_DESC_LOW:
		return lo32(q->desc);
	case VDEV_QUEUE_DESC_HIGH:
		return hi32(q->desc);
	case VDEV_QUEUE_DRIVER_LOW:
		return lo32(q->driver);
	case VDEV_QUEUE_DRIVER_HIGH:
		return hi32(q->driver);
	case VDEV_QUEUE_DEVICE_LOW:
		return lo32(q->device);
	case VDEV_QUEUE_DEVICE_HIGH:
		return hi32(q->device);
	}
	return 0;
}

/* QueueReady = 1: validate and map what the driver configured. */
static void queue_enable(struct vdev *vdev, uint32_t qidx)
{
	struct vdev_queue *q = &vdev->queues[qidx];
	uint8_t s = vdev->status;
	int rc;

	/* §3.1.1 step 7: queues are set up after FEATURES_OK. */
	if (!(s & VIRTIO_CONFIG_S_FEATURES_OK) ||
	    (s & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED))) {
		log_guest(&vdev->log, LOG_WARN,
			  "queue %u: QueueReady in status %#x refused", qidx,
			  s);
		return;
	}
	rc = vq_start(&q->vq, q->num, q->desc, q->driver, q->device,
		      vdev->guest_features);
	if (rc) {
		vdev_fail(vdev,
			  "queue %u: cannot start (%s): num %u desc %#llx "
			  "driver %#llx device %#llx",
			  qidx, strerror(-rc), q->num,
			  (unsigned long long)q->desc,
			  (unsigned long long)q->driver,
			  (unsigned long long)q->device);
		return;
	}
	q->ready = true;
}

static void queue_set_ready(struct vdev *vdev, uint32_t qidx, uint32_t value)
{
	struct vdev_queue *q = &vdev->queues[qidx];

	if (value > 1) {
		log_guest(&vdev->log, LOG_WARN,
			  "queue %u: QueueReady = %#x ignored", qidx, value);
		return;
	}
	if (value == q->ready)
		return;
	/*
	 * Without VIRTIO_F_RING_RESET (not offered) a live queue is only
	 * stopped by a device reset (§2.6.1): the backend may have I/O on
	 * its buffers.
	 */
	if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		log_guest(&vdev->log, LOG_WARN,
			  "queue %u: QueueReady = %u after DRIVER_OK ignored",
			  qidx, value);
		return;
	}
	if (value) {
		queue_enable(vdev, qidx);
		return;
	}
	/* §4.2.2.2: the driver disables a queue it no longer wants. */
	vq_stop(&q->vq);
	q->ready = false;
}

/*
 * A size that does not fit QueueNum cannot be valid; 0 makes sure
 * QueueReady refuses it rather than using a truncated size.
 */
static uint16_t queue_num(struct vdev *vdev, uint32_t qidx, uint32_t value)
{
	if (value <= UINT16_MAX)
		return (uint16_t)value;
	log_guest(&vdev->log, LOG_WARN, "queue %u: QueueNum %#x out of range",
		  qidx, value);
	return 0;
}

void vdev_queue_write(struct vdev *vdev, uint32_t qidx, enum vdev_queue_reg reg,
		      uint32_t value)
{
	struct vdev_queue *q;

	if (qidx >= vdev->num_queues) {
		log_guest(&vdev->log, LOG_WARN,
			  "%s of queue %u written: no such queue",
			  reg_name(reg), qidx);
		return;
	}
	q = &vdev->queues[qidx];
	if (reg == VDEV_QUEUE_READY) {
		queue_set_ready(vdev, qidx, value);
		return;
	}
	/*
	 * §4.2.2.2: the driver MUST NOT touch QueueNum, QueueDesc,
	 * QueueDriver or QueueDevice while QueueReady is non-zero; and
	 * without VIRTIO_F_RING_RESET nothing changes after DRIVER_OK.
	 */
	if (reg == VDEV_QUEUE_NUM_MAX || q->ready ||
	    (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		log_guest(
			&vdev->log, LOG_WARN,
			"queue %u: %s written (ready %u, status %#x): ignored",
			qidx, reg_name(reg), q->ready, vdev->status);
		return;
	}
	switch (reg) {
	case VDEV_QUEUE_NUM:
		q->num = queue_num(vdev, qidx, value);
		break;
	case VDEV_QUEUE_DESC_LOW:
		set_lo32(&q->desc, value);
		break;
	case VDEV_QUEUE_DESC_HIGH:
		set_hi32(&q->desc, value);
		break;
	case VDEV_QUEUE_DRIVER_LOW:
		set_lo32(&q->driver, value);
		break;
	case VDEV_QUEUE_DRIVER_HIGH:
		set_hi32(&q->driver, value);
		break;
	case VDEV_QUEUE_DEVICE_LOW:
		set_lo32(&q->device, value);
		break;
	case VDEV_QUEUE_DEVICE_HIGH:
		set_hi32(&q->device, value);
		break;
	case VDEV_QUEUE_NUM_MAX:
	case VDEV_QUEUE_READY:
		break;
	}
}

void vdev_queue_notify(struct vdev *vdev, uint32_t qidx)
{
	if (qidx >= vdev->num_queues) {
		log_guest(&vdev->log, LOG_WARN,
			  "notify of queue %u: no such queue", qidx);
		return;
	}
	/* §2.1.2: the device does not consume buffers before DRIVER_OK. */
	if (!vdev_is_live(vdev) || !vdev->queues[qidx].ready) {
		log_guest(&vdev->log, LOG_DEBUG,
			  "notify of queue %u ignored (status %#x, ready %u)",
			  qidx, vdev->status, vdev->queues[qidx].ready);
		return;
	}
	vdev->ops->queue_notify(vdev, qidx);
}

struct vq_elem *vdev_pop(struct vdev *vdev, unsigned qidx)
{
	struct vdev_queue *q;
	struct vq_elem *elem;
	int rc;

	assert(qidx < vdev->num_queues);
	q = &vdev->queues[qidx];
	if (!vdev_is_live(vdev) || !q->ready)
		return NULL;
	rc = vq_pop(&q->vq, &elem);
	if (rc) {
		vdev_fail(vdev, "queue %u: malformed ring (%s)", qidx,
			  strerror(-rc));
		return NULL;
	}
	return elem;
}

void vdev_push(struct vdev *vdev, unsigned qidx, struct vq_elem *elem,
	       uint32_t written)
{
	assert(qidx < vdev->num_queues);
	vq_push(&vdev->queues[qidx].vq, elem, written);
}
