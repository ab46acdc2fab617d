/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio register file, version 2 (virtio 1.2 §4.2.2, table "MMIO
 * Device Register Layout"). Decodes one guest access into vdev calls; the
 * vdev refuses values that are illegal in its state, this file refuses
 * accesses that are illegal in shape: wrong size, misaligned, a read of a
 * write-only register, a write to a read-only one, or outside the window.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include <linux/virtio_mmio.h>

#include "vdev.h"
#include "vmmio.h"

/* §4.2.2: MagicValue reads "virt" in little-endian; Version 2 is modern. */
#define MMIO_MAGIC 0x74726976u
#define MMIO_VERSION 2u
/* §4.2.2: "no such shared memory region" reads as -1. */
#define MMIO_SHM_NONE 0xffffffffu

/* QueueReset came with virtio 1.2; older kernel headers lack it. */
#ifndef VIRTIO_MMIO_QUEUE_RESET
#define VIRTIO_MMIO_QUEUE_RESET 0x0c0
#endif

void vmmio_init(struct vmmio *mmio, struct vdev *vdev)
{
	*mmio = (struct vmmio){ .vdev = vdev };
}

static uint64_t all_ones(unsigned size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static void refuse(struct vmmio *mmio, const char *what, uint64_t offset,
		   unsigned size)
{
	log_guest(&mmio->vdev->log, LOG_WARN,
		  "mmio: %u-byte %s at %#" PRIx64 " refused", size, what,
		  offset);
}

/* §4.2.2.2: control registers take only 32-bit aligned accesses. */
static bool reg_access_ok(uint64_t offset, unsigned size)
{
	return size == 4 && offset % 4 == 0;
}

/* The configuration space runs from 0x100 to the end of the window. */
static bool config_access_ok(uint64_t offset, unsigned size)
{
	return offset < VMMIO_WINDOW_SIZE && size <= VMMIO_WINDOW_SIZE - offset;
}

/* Maps the per-queue registers (of QueueSel's queue) to the vdev's names. */
static bool queue_reg(uint32_t offset, bool write, enum vdev_queue_reg *reg)
{
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		*reg = VDEV_QUEUE_NUM_MAX;
		return !write;
	case VIRTIO_MMIO_QUEUE_READY:
		*reg = VDEV_QUEUE_READY;
		return true;
	case VIRTIO_MMIO_QUEUE_NUM:
		*reg = VDEV_QUEUE_NUM;
		return write;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		*reg = VDEV_QUEUE_DESC_LOW;
		return write;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		*reg = VDEV_QUEUE_DESC_HIGH;
		return write;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		*reg = VDEV_QUEUE_DRIVER_LOW;
		return write;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		*reg = VDEV_QUEUE_DRIVER_HIGH;
		return write;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		*reg = VDEV_QUEUE_DEVICE_LOW;
		return write;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		*reg = VDEV_QUEUE_DEVICE_HIGH;
		return write;
	}
	return false;
}

/* The readable registers (R and RW in §4.2.2's table); false for others. */
static bool reg_read(struct vmmio *mmio, uint32_t offset, uint32_t *v)
{
	struct vdev *vdev = mmio->vdev;
	enum vdev_queue_reg reg;

	if (queue_reg(offset, false, &reg)) {
		*v = vdev_queue_read(vdev, mmio->queue_sel, reg);
		return true;
	}
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		*v = MMIO_MAGIC;
		return true;
	case VIRTIO_MMIO_VERSION:
		*v = MMIO_VERSION;
		return true;
	case VIRTIO_MMIO_DEVICE_ID:
		*v = vdev->ops->device_id;
		return true;
	case VIRTIO_MMIO_VENDOR_ID:
		*v = VMMIO_VENDOR_ID;
		return true;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		*v = vdev_get_host_features(vdev, mmio->device_features_sel);
		return true;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		*v = vdev_read_isr(vdev);
		return true;
	case VIRTIO_MMIO_STATUS:
		*v = vdev_get_status(vdev);
		return true;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		*v = MMIO_SHM_NONE;
		return true;
	case VIRTIO_MMIO_QUEUE_RESET:
		/* VIRTIO_F_RING_RESET is not offered: never in reset. */
		*v = 0;
		return true;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		*v = vdev_config_generation(vdev);
		return true;
	}
	return false;
}

static void write_status(struct vmmio *mmio, uint32_t v)
{
	struct vdev *vdev = mmio->vdev;

	/* §2.1: the status is 8 bits; more cannot be a driver's value. */
	if (v > UINT8_MAX) {
		log_guest(&vdev->log, LOG_WARN,
			  "mmio: Status %#x ignored: not 8 bits", v);
		return;
	}
	vdev_set_status(vdev, (uint8_t)v);
	/* A reset returns the transport's registers to their start too. */
	if (v == 0)
		vmmio_init(mmio, vdev);
}

/* The writable registers (W and RW in §4.2.2's table); false for others. */
static bool reg_write(struct vmmio *mmio, uint32_t offset, uint32_t v)
{
	struct vdev *vdev = mmio->vdev;
	enum vdev_queue_reg reg;

	if (queue_reg(offset, true, &reg)) {
		vdev_queue_write(vdev, mmio->queue_sel, reg, v);
		return true;
	}
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		mmio->device_features_sel = v;
		return true;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		vdev_set_guest_features(vdev, mmio->driver_features_sel, v);
		return true;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		mmio->driver_features_sel = v;
		return true;
	case VIRTIO_MMIO_QUEUE_SEL:
		/* Checked when used: a queue out of range reads 0. */
		mmio->queue_sel = v;
		return true;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* No VIRTIO_F_NOTIFICATION_DATA: the value is the index. */
		vdev_queue_notify(vdev, v);
		return true;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vdev_ack_isr(vdev, v);
		return true;
	case VIRTIO_MMIO_STATUS:
		write_status(mmio, v);
		return true;
	case VIRTIO_MMIO_SHM_SEL:
		mmio->shm_sel = v;
		return true;
	case VIRTIO_MMIO_QUEUE_RESET:
		/* §4.2.2.2: only with VIRTIO_F_RING_RESET, not offered. */
		log_guest(&vdev->log, LOG_WARN,
			  "mmio: QueueReset = %#x ignored: not offered", v);
		return true;
	}
	return false;
}

int vmmio_read(struct vmmio *mmio, uint64_t offset, unsigned size,
	       uint64_t *value)
{
	uint32_t v;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!config_access_ok(offset, size)) {
			refuse(mmio, "config read", offset, size);
			*value = all_ones(size);
			return -EINVAL;
		}
		return vdev_config_read(mmio->vdev,
					(uint32_t)(offset - VIRTIO_MMIO_CONFIG),
					size, value);
	}
	/* §4.2.2.2: no reads of write-only or undefined registers. */
	if (!reg_access_ok(offset, size) ||
	    !reg_read(mmio, (uint32_t)offset, &v)) {
		refuse(mmio, "read", offset, size);
		*value = all_ones(size);
		return -EINVAL;
	}
	*value = v;
	return 0;
}

int vmmio_write(struct vmmio *mmio, uint64_t offset, unsigned size,
		uint64_t value)
{
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!config_access_ok(offset, size)) {
			refuse(mmio, "config write", offset, size);
			return -EINVAL;
		}
		return vdev_config_write(
			mmio->vdev, (uint32_t)(offset - VIRTIO_MMIO_CONFIG),
			size, value);
	}
	/* §4.2.2.2: no writes to read-only or undefined registers. */
	if (!reg_access_ok(offset, size) ||
	    !reg_write(mmio, (uint32_t)offset, (uint32_t)value)) {
		refuse(mmio, "write", offset, size);
		return -EINVAL;
	}
	return 0;
}
