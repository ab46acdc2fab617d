/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio device, transport-neutral: the device status state machine
 * (virtio 1.2 §2.1, §3.1), feature negotiation (§2.2), the queues' driver-side
 * configuration, the interrupt status with a level-triggered line, and the
 * device configuration space with its generation counter.
 *
 * Backends embed struct vdev, fill a const struct vdev_ops, and recover
 * themselves with container_of(). They reach rings only through vdev_pop(),
 * vdev_push() and vdev_notify().
 *
 * Guest mistakes are refused with a rate-limited log line: an illegal status
 * transition leaves the status as it was, features not offered are masked,
 * queue configuration is ignored once the queue is ready or the driver is OK.
 * A broken ring or a failing backend puts the device in DEVICE_NEEDS_RESET
 * (with a configuration-change interrupt once DRIVER_OK is set) until the
 * driver resets it.
 *
 * A device belongs to one thread: the one that answers its MMIO accesses.
 */
#ifndef XVDM_VDEV_H
#define XVDM_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "log.h"
#include "vq.h"

struct gmem;
struct vdev;

struct vdev_ops {
	const char *type;   /* "blk", "net", ...: for logs and configs */
	uint32_t device_id; /* VIRTIO_ID_* */
	/*
	 * Optional. The driver set FEATURES_OK with these features (already
	 * masked to what was offered); a non-zero return refuses them, so
	 * FEATURES_OK does not stick (§3.1.1 step 6).
	 */
	int (*validate_features)(struct vdev *vdev, uint64_t features);
	/*
	 * The driver set DRIVER_OK; every ready queue is started. A non-zero
	 * return fails the device.
	 */
	int (*activate)(struct vdev *vdev);
	/* The driver notified queue qidx (started, device live). */
	void (*queue_notify)(struct vdev *vdev, unsigned qidx);
	/*
	 * The device is being reset or torn down. On return the backend holds
	 * no element and no I/O on guest buffers is in progress (cancel or wait
	 * for it). Called even if activate() never was; must be idempotent.
	 */
	void (*reset)(struct vdev *vdev);
	/*
	 * Optional: the driver wrote len bytes at offset of the configuration
	 * space (bounds already checked, vdev->config already updated). NULL
	 * makes the configuration space read-only: writes are ignored.
	 */
	void (*config_written)(struct vdev *vdev, uint32_t offset,
			       uint32_t len);
};

/* How the transport drives the interrupt line (level-triggered). */
typedef void vdev_irq_fn(void *opaque, bool level);
/* The driver set DRIVER_OK and the backend started: the device is live. */
typedef void vdev_live_fn(void *opaque, struct vdev *vdev);

/* The registers the driver writes to set up one queue (§4.2.2). */
struct vdev_queue {
	struct vq vq;
	uint16_t num;	 /* QueueNum */
	bool ready;	 /* QueueReady */
	uint64_t desc;	 /* QueueDesc */
	uint64_t driver; /* QueueDriver: the available ring */
	uint64_t device; /* QueueDevice: the used ring */
};

enum vdev_queue_reg {
	VDEV_QUEUE_NUM_MAX, /* read-only */
	VDEV_QUEUE_NUM,
	VDEV_QUEUE_READY,
	VDEV_QUEUE_DESC_LOW,
	VDEV_QUEUE_DESC_HIGH,
	VDEV_QUEUE_DRIVER_LOW,
	VDEV_QUEUE_DRIVER_HIGH,
	VDEV_QUEUE_DEVICE_LOW,
	VDEV_QUEUE_DEVICE_HIGH,
};

/* The interrupt status bits (§4.2.2: InterruptStatus). */
#define VDEV_ISR_QUEUE 0x1u
#define VDEV_ISR_CONFIG 0x2u

struct vdev_params {
	const struct vdev_ops *ops;
	struct gmem *mem;
	struct logger *logger;
	int domid;	  /* for log prefixes */
	const char *name; /* "blk0": for log prefixes */
	/*
	 * Feature bits offered: the backend's own, plus the transport's and
	 * platform's (VIRTIO_F_ACCESS_PLATFORM for grant mappings).
	 * VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC and
	 * VIRTIO_RING_F_EVENT_IDX are always added.
	 */
	uint64_t features;
	unsigned num_queues;	/* >= 1 */
	uint16_t queue_num_max; /* power of two, <= VQ_NUM_MAX */
	uint16_t max_iov;	/* per request, <= VQ_IOV_MAX */
	void *config;		/* device configuration space, little-endian */
	uint32_t config_len;
};

struct vdev {
	const struct vdev_ops *ops;
	struct gmem *mem;
	struct log_src log;

	uint64_t host_features;	 /* offered */
	uint64_t guest_features; /* accepted by the driver, masked */
	uint8_t status;		 /* device status (§2.1) */
	uint32_t isr;		 /* VDEV_ISR_* */
	bool irq_level;		 /* what the line is at now */
	vdev_irq_fn *irq_fn;
	void *irq_opaque;
	vdev_live_fn *live_fn; /* optional: who wants to hear of DRIVER_OK */
	void *live_opaque;

	uint8_t *config;
	uint32_t config_len;
	uint32_t config_generation;

	unsigned num_queues;
	uint16_t queue_num_max;
	struct vdev_queue *queues;
};

int vdev_init(struct vdev *vdev, const struct vdev_params *params) must_check;
/* Resets the device (calling ops->reset) and frees the queues. */
void vdev_fini(struct vdev *vdev);
void vdev_set_irq(struct vdev *vdev, vdev_irq_fn *fn, void *opaque);
/*
 * Tells fn each time the driver brings the device live (DRIVER_OK with a
 * successful activate): the platform can report the device connected.
 */
void vdev_set_live_notifier(struct vdev *vdev, vdev_live_fn *fn, void *opaque);

/* Driver side: what the transport calls. */
uint8_t vdev_get_status(const struct vdev *vdev);
/* Writing 0 resets the device; other values must be legal transitions. */
void vdev_set_status(struct vdev *vdev, uint8_t status);
uint32_t vdev_get_host_features(const struct vdev *vdev, uint32_t sel);
uint32_t vdev_get_guest_features(const struct vdev *vdev, uint32_t sel);
void vdev_set_guest_features(struct vdev *vdev, uint32_t sel, uint32_t value);
/* Queue registers; qidx >= num_queues reads 0 and ignores writes. */
uint32_t vdev_queue_read(struct vdev *vdev, uint32_t qidx,
			 enum vdev_queue_reg reg);
void vdev_queue_write(struct vdev *vdev, uint32_t qidx, enum vdev_queue_reg reg,
		      uint32_t value);
void vdev_queue_notify(struct vdev *vdev, uint32_t qidx);
uint32_t vdev_read_isr(const struct vdev *vdev);
void vdev_ack_isr(struct vdev *vdev, uint32_t bits);
uint32_t vdev_config_generation(const struct vdev *vdev);
/*
 * Configuration space accesses of size 1, 2, 4 or 8, naturally aligned and
 * inside config_len; anything else returns -EINVAL (reads then see all ones).
 */
int vdev_config_read(struct vdev *vdev, uint32_t offset, unsigned size,
		     uint64_t *value) must_check;
int vdev_config_write(struct vdev *vdev, uint32_t offset, unsigned size,
		      uint64_t value) must_check;

/* Backend side. */
static inline bool vdev_has_feature(const struct vdev *vdev, unsigned bit)
{
	return (vdev->guest_features >> bit) & 1;
}
/* True while the device is live: DRIVER_OK and neither FAILED nor NEEDS_RESET. */
bool vdev_is_live(const struct vdev *vdev);
/*
 * Pops the next request of queue qidx. Returns NULL when the ring is empty,
 * the device is not live, or the ring was malformed (the device is then
 * failed, with a log line).
 */
struct vq_elem *vdev_pop(struct vdev *vdev, unsigned qidx);
void vdev_push(struct vdev *vdev, unsigned qidx, struct vq_elem *elem,
	       uint32_t written);
/* Publishes pushed requests and interrupts the driver if it asked for it. */
void vdev_notify(struct vdev *vdev, unsigned qidx);
/* The backend changed vdev->config: bump the generation, interrupt. */
void vdev_config_changed(struct vdev *vdev);
/*
 * Puts the device in DEVICE_NEEDS_RESET: queues stop, in-flight requests are
 * released without being completed, the driver gets a configuration-change
 * interrupt if DRIVER_OK is set. why: a rate-limited log line.
 */
void vdev_fail(struct vdev *vdev, const char *fmt, ...) printf_like(2, 3);

#endif
