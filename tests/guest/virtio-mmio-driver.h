/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-mmio transport driver (virtio 1.2 §4.2, version 2 only),
 * behaving like Linux's drivers/virtio/virtio_mmio.c plus the generic steps
 * of drivers/virtio/virtio.c: the same registers, in the same order, with
 * the same access sizes (32-bit for control registers; 1, 2 or 4 bytes for
 * configuration fields, 8-byte fields as two 32-bit reads inside the
 * generation loop).
 *
 * Lifecycle, as Linux drives it:
 *   vmdrv_probe()      MagicValue, Version, DeviceID, VendorID; reset; ACK
 *   vmdrv_negotiate()  DRIVER; features; FEATURES_OK and its re-read
 *   (device driver reads its configuration, then)
 *   vmdrv_find_vqs()   per queue: vm_setup_vq
 *   vmdrv_ready()      DRIVER_OK
 *   vmdrv_interrupt()  on each interrupt: InterruptStatus, InterruptACK, rings
 *   vmdrv_reset(), vmdrv_del_vqs(), vmdrv_remove()
 * On a probe failure the device driver calls vmdrv_fail() (FAILED).
 *
 * Anything odd the device does (a register that reads back wrong, a config
 * generation that never settles) is counted in errors with a message in
 * error, so tests can assert a clean run.
 */
#ifndef XVDM_GUEST_VIRTIO_MMIO_DRIVER_H
#define XVDM_GUEST_VIRTIO_MMIO_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "vring-driver.h"

struct gpa_pool;
struct guest_bus;
struct vmdrv;

/* The device's configuration changed (InterruptStatus bit 1). */
typedef void vmdrv_config_fn(struct vmdrv *dev, void *opaque);

struct vmdrv_stats {
	uint64_t mmio_reads;
	uint64_t mmio_writes;
	uint64_t irqs;	    /* vmdrv_interrupt() calls */
	uint64_t irqs_none; /* ... that found nothing to do */
	uint64_t config_irqs;
	uint64_t generation_retries;
};

struct vmdrv {
	const struct guest_bus *bus;
	uint64_t base;
	struct gpa_pool *pool;

	uint32_t version;
	uint32_t device_id;
	uint32_t vendor_id;
	uint64_t device_features; /* as last read */
	uint64_t features;	  /* negotiated */

	unsigned nvqs;
	struct vrdrv **vqs;

	vmdrv_config_fn *config_changed;
	void *opaque;

	unsigned errors;
	char error[160]; /* the last one */
	struct vmdrv_stats stats;
};

/* Transport bits a split-ring driver keeps (vring_transport_features). */
#define VMDRV_TRANSPORT_FEATURES                                            \
	((1ull << VIRTIO_RING_F_INDIRECT_DESC) |                            \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_F_VERSION_1) | \
	 (1ull << VIRTIO_F_ACCESS_PLATFORM) |                               \
	 (1ull << VIRTIO_F_ORDER_PLATFORM))

/*
 * virtio_mmio_probe + register_virtio_device. -ENODEV: bad magic or device
 * ID 0; -ENXIO: a version other than 2; -EIO: the bus failed.
 */
int vmdrv_probe(struct vmdrv *dev, const struct guest_bus *bus, uint64_t base,
		struct gpa_pool *pool) must_check;
/*
 * virtio_dev_probe's feature part: accepts device_features & driver_features
 * (transport bits outside VMDRV_TRANSPORT_FEATURES dropped). -EINVAL without
 * VIRTIO_F_VERSION_1, -ENODEV when FEATURES_OK does not stick.
 */
int vmdrv_negotiate(struct vmdrv *dev, uint64_t driver_features) must_check;
/*
 * virtio_device_restore's transport part: reset, ACK, DRIVER, the features
 * negotiated before written again, FEATURES_OK and its re-read.
 */
int vmdrv_restore(struct vmdrv *dev) must_check;
/*
 * vm_find_vqs: queues 0 .. nvqs-1, each QueueNumMax entries (capped to
 * max_num if non-zero, a test knob Linux does not have). callbacks[i] may be
 * NULL (a polled queue). -ENOENT: queue already live or QueueNumMax 0.
 */
int vmdrv_find_vqs(struct vmdrv *dev, unsigned nvqs,
		   vrdrv_callback_fn *const *callbacks, void *opaque,
		   unsigned max_num) must_check;
/* vm_del_vqs: QueueReady = 0 for each queue, and frees the rings. */
void vmdrv_del_vqs(struct vmdrv *dev);
int vmdrv_ready(struct vmdrv *dev) must_check; /* DRIVER_OK */
void vmdrv_fail(struct vmdrv *dev);	       /* FAILED */
int vmdrv_reset(struct vmdrv *dev); /* Status = 0; a failure is noted */
/* virtio_dev_remove after the device driver's remove: check 0, ACK. */
void vmdrv_remove(struct vmdrv *dev);

int vmdrv_get_status(struct vmdrv *dev, uint8_t *status) must_check;
int vmdrv_add_status(struct vmdrv *dev, uint8_t bits) must_check;
static inline bool vmdrv_has_feature(const struct vmdrv *dev, unsigned bit)
{
	return (dev->features >> bit) & 1;
}

/* vm_get / vm_set: len 1, 2, 4 or 8 (two 32-bit accesses); no generation. */
int vmdrv_get(struct vmdrv *dev, uint32_t off, void *buf,
	      unsigned len) must_check;
int vmdrv_set(struct vmdrv *dev, uint32_t off, const void *buf,
	      unsigned len) must_check;
/*
 * __virtio_cread_many: count fields of size bytes inside the generation
 * loop. Gives up with -EIO (and an error) if the generation never settles.
 */
int vmdrv_cread_many(struct vmdrv *dev, uint32_t off, void *buf, unsigned count,
		     unsigned bytes) must_check;
/* virtio_cread for a field of len bytes (8: generation loop). */
int vmdrv_cread(struct vmdrv *dev, uint32_t off, void *buf,
		unsigned len) must_check;

/* vm_interrupt: 1 handled, 0 nothing to do, -errno on a bus error. */
int vmdrv_interrupt(struct vmdrv *dev);
/* CLOCK_MONOTONIC in ms: the drivers' deadlines. */
int64_t vmdrv_now_ms(void);
/*
 * Waits for one interrupt (at most until deadline, a vmdrv_now_ms() time)
 * and handles it: 0, 1 on timeout, -errno.
 */
int vmdrv_wait_irq(struct vmdrv *dev, int64_t deadline);

#endif
