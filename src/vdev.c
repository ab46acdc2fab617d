/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The transport-neutral virtio device: status state machine (virtio 1.2
 * §2.1, §3.1), feature negotiation (§2.2), the queues' driver-side registers,
 * the interrupt status and its level-triggered line, and the configuration
 * space. Every value here comes from the driver and may be hostile: illegal
 * requests are refused with a rate-limited log line and leave the state as it
 * was; ring errors put the device in DEVICE_NEEDS_RESET.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vdev.h"

/* Features every device offers, whatever the backend (see vdev.h). */
#define VDEV_BASE_FEATURES                       \
	((1ull << VIRTIO_F_VERSION_1) |          \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX))

/* Status bits only the device sets, or that virtio 1.2 §2.1 leaves unused. */
#define STATUS_DRIVER_BITS                                         \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |    \
	 VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FEATURES_OK | \
	 VIRTIO_CONFIG_S_FAILED)

#define VDEV_ISR_ALL (VDEV_ISR_QUEUE | VDEV_ISR_CONFIG)

static bool is_pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

static int check_params(const struct vdev_params *p)
{
	const struct vdev_ops *ops = p->ops;

	if (!ops || !ops->activate || !ops->queue_notify || !ops->reset)
		return -EINVAL;
	if (!p->mem || !p->logger || p->num_queues == 0)
		return -EINVAL;
	if (!is_pow2(p->queue_num_max) || p->queue_num_max > VQ_NUM_MAX)
		return -EINVAL;
	if (p->max_iov == 0 || p->max_iov > VQ_IOV_MAX)
		return -EINVAL;
	if (!p->config != !p->config_len)
		return -EINVAL;
	return 0;
}

int vdev_init(struct vdev *vdev, const struct vdev_params *params)
{
	unsigned done;
	int rc;

	rc = check_params(params);
	if (rc)
		return rc;
	*vdev = (struct vdev){
		.ops = params->ops,
		.mem = params->mem,
		.host_features = params->features | VDEV_BASE_FEATURES,
		.config = params->config,
		.config_len = params->config_len,
		.num_queues = params->num_queues,
		.queue_num_max = params->queue_num_max,
	};
	log_src_init(&vdev->log, params->logger, params->domid, params->name);
	vdev->queues = calloc(params->num_queues, sizeof(*vdev->queues));
	if (!vdev->queues)
		return -ENOMEM;
	for (done = 0; done < params->num_queues; done++) {
		rc = vq_init(&vdev->queues[done].vq, vdev->mem, &vdev->log,
			     params->queue_num_max, params->max_iov);
		if (rc)
			goto out_fini_queues;
	}
	return 0;

out_fini_queues:
	while (done--)
		vq_fini(&vdev->queues[done].vq);
	free(vdev->queues);
	vdev->queues = NULL;
	return rc;
}

/* Drives the line; irq_fn hears only of level changes. */
static void set_line(struct vdev *vdev, bool level)
{
	if (vdev->irq_level == level)
		return;
	vdev->irq_level = level;
	if (vdev->irq_fn)
		vdev->irq_fn(vdev->irq_opaque, level);
}

/*
 * virtio 1.2 §4.2.2.1: an event's bit stays set in InterruptStatus until the
 * driver acknowledges it; the line is high while any bit is.
 */
static void vdev_raise(struct vdev *vdev, uint32_t bits)
{
	vdev->isr |= bits;
	if (vdev->isr)
		set_line(vdev, true);
}

/*
 * virtio 1.2 §2.4.1, §4.2.2.1: reset returns every register to its initial
 * state. The backend goes first, so no I/O is left on the guest buffers that
 * vq_stop() then unmaps. QueueNum goes back to 0, not QueueNumMax: the driver
 * must write it before enabling the queue (§4.2.2.2, §4.2.3.2 step 5), and a
 * driver that does not gets a failed device rather than a ring larger than
 * the memory it allocated.
 */
static void reset(struct vdev *vdev)
{
	vdev->ops->reset(vdev);
	for (unsigned i = 0; i < vdev->num_queues; i++) {
		struct vdev_queue *q = &vdev->queues[i];

		vq_stop(&q->vq);
		q->num = 0;
		q->ready = false;
		q->desc = 0;
		q->driver = 0;
		q->device = 0;
	}
	vdev->guest_features = 0;
	vdev->isr = 0;
	set_line(vdev, false);
	vdev->status = 0;
}

void vdev_fini(struct vdev *vdev)
{
	if (!vdev->queues)
		return;
	reset(vdev);
	for (unsigned i = 0; i < vdev->num_queues; i++)
		vq_fini(&vdev->queues[i].vq);
	free(vdev->queues);
	vdev->queues = NULL;
}

void vdev_set_irq(struct vdev *vdev, vdev_irq_fn *fn, void *opaque)
{
	vdev->irq_fn = fn;
	vdev->irq_opaque = opaque;
	/* A new line starts low: tell it if an event is pending. */
	if (fn && vdev->irq_level)
		fn(opaque, true);
}

void vdev_set_live_notifier(struct vdev *vdev, vdev_live_fn *fn, void *opaque)
{
	vdev->live_fn = fn;
	vdev->live_opaque = opaque;
}

uint8_t vdev_get_status(const struct vdev *vdev)
{
	return vdev->status;
}

bool vdev_is_live(const struct vdev *vdev)
{
	return (vdev->status &
		(VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FAILED |
		 VIRTIO_CONFIG_S_NEEDS_RESET)) == VIRTIO_CONFIG_S_DRIVER_OK;
}

/*
 * virtio 1.2 §2.2.2: the device may refuse the features the driver accepted
 * by not setting FEATURES_OK. We offer no legacy interface, so a driver that
 * did not accept VIRTIO_F_VERSION_1 is refused (§6.2).
 */
static bool features_acceptable(struct vdev *vdev)
{
	const struct vdev_ops *ops = vdev->ops;
	uint64_t f = vdev->guest_features;

	if (!(f & (1ull << VIRTIO_F_VERSION_1))) {
		log_guest(
			&vdev->log, LOG_WARN,
			"FEATURES_OK refused: VIRTIO_F_VERSION_1 not accepted");
		return false;
	}
	if (ops->validate_features && ops->validate_features(vdev, f)) {
		log_guest(&vdev->log, LOG_WARN,
			  "FEATURES_OK refused: features %#llx rejected",
			  (unsigned long long)f);
		return false;
	}
	return true;
}

/*
 * Checks the bits a status write adds (virtio 1.2 §3.1.1 gives their order).
 * Returns the reason to refuse the whole write, or NULL; *status loses
 * FEATURES_OK if the features are refused (§3.1.1 step 6: the driver's
 * re-read then sees it clear).
 */
static const char *check_added(struct vdev *vdev, uint8_t old, uint8_t *status)
{
	uint8_t added = *status & ~old;

	/* §2.1.1: after FAILED the driver must reset before anything else. */
	if (old & VIRTIO_CONFIG_S_FAILED)
		return "bits set after FAILED without a reset";
	if ((added & VIRTIO_CONFIG_S_DRIVER) &&
	    !(*status & VIRTIO_CONFIG_S_ACKNOWLEDGE))
		return "DRIVER without ACKNOWLEDGE";
	if (added & VIRTIO_CONFIG_S_FEATURES_OK) {
		if (!(*status & VIRTIO_CONFIG_S_DRIVER))
			return "FEATURES_OK without DRIVER";
		if (!features_acceptable(vdev))
			*status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(*status & VIRTIO_CONFIG_S_FEATURES_OK))
		return "DRIVER_OK without FEATURES_OK";
	return NULL;
}

static void driver_ok(struct vdev *vdev)
{
	int rc;

	/*
	 * The device failed while the driver set it up (a bad ring at
	 * QueueReady): tell the driver now that it can hear it (§2.1.2).
	 */
	if (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET) {
		vdev_raise(vdev, VDEV_ISR_CONFIG);
		return;
	}
	/* Set in the same write: the driver gave up already (§2.1.1). */
	if (vdev->status & VIRTIO_CONFIG_S_FAILED)
		return;
	rc = vdev->ops->activate(vdev);
	if (rc)
		vdev_fail(vdev, "activate failed: %s", strerror(-rc));
	else if (vdev->live_fn)
		vdev->live_fn(vdev->live_opaque, vdev);
}

void vdev_set_status(struct vdev *vdev, uint8_t status)
{
	uint8_t old = vdev->status, keep = old & VIRTIO_CONFIG_S_NEEDS_RESET;
	const char *why;

	if (status == 0) {
		reset(vdev);
		return;
	}
	/*
	 * §2.1: DEVICE_NEEDS_RESET is the device's to set, and the unused
	 * bits are nobody's. A driver that read NEEDS_RESET and writes it
	 * back while adding a bit (as Linux does) is not at fault.
	 */
	if (status & ~(STATUS_DRIVER_BITS | keep))
		log_guest(&vdev->log, LOG_WARN,
			  "status %#x: device-only or unused bits dropped",
			  status);
	status &= STATUS_DRIVER_BITS;
	/* §2.1.1: the driver MUST NOT clear a device status bit. */
	if (old & ~keep & ~status) {
		why = "clears bits";
		goto refuse;
	}
	why = check_added(vdev, old, &status);
	if (why)
		goto refuse;
	vdev->status = status | keep;
	if ((status & ~old) & VIRTIO_CONFIG_S_DRIVER_OK)
		driver_ok(vdev);
	return;

refuse:
	log_guest(&vdev->log, LOG_WARN, "status %#x -> %#x refused: %s", old,
		  status, why);
}

uint32_t vdev_get_host_features(const struct vdev *vdev, uint32_t sel)
{
	/* §4.2.2: DeviceFeaturesSel selects 32-bit words; we have two. */
	if (sel >= 2)
		return 0;
	return (uint32_t)(vdev->host_features >> (32 * sel));
}

uint32_t vdev_get_guest_features(const struct vdev *vdev, uint32_t sel)
{
	if (sel >= 2)
		return 0;
	return (uint32_t)(vdev->guest_features >> (32 * sel));
}

void vdev_set_guest_features(struct vdev *vdev, uint32_t sel, uint32_t value)
{
	uint8_t s = vdev->status;
	uint32_t offered = vdev_get_host_features(vdev, sel);
	uint64_t mask;

	/*
	 * §3.1.1 steps 4-5: features are written after DRIVER and never
	 * after FEATURES_OK (§2.2.1: no new feature bits after that).
	 */
	if (!(s & VIRTIO_CONFIG_S_DRIVER) ||
	    (s & VIRTIO_CONFIG_S_FEATURES_OK)) {
		log_guest(&vdev->log, LOG_WARN,
			  "features written in status %#x: ignored", s);
		return;
	}
	if (sel >= 2) {
		if (value)
			log_guest(&vdev->log, LOG_WARN,
				  "features word %u = %#x not offered", sel,
				  value);
		return;
	}
	/* §2.2.1: the driver MUST NOT accept a feature not offered. */
	if (value & ~offered)
		log_guest(&vdev->log, LOG_WARN,
			  "features word %u: %#x not offered, masked", sel,
			  value & ~offered);
	mask = 0xffffffffull << (32 * sel);
	vdev->guest_features = (vdev->guest_features & ~mask) |
			       ((uint64_t)(value & offered) << (32 * sel));
}

uint32_t vdev_read_isr(const struct vdev *vdev)
{
	return vdev->isr;
}

void vdev_ack_isr(struct vdev *vdev, uint32_t bits)
{
	/* §4.2.2.2: the driver MUST NOT set undefined bits in InterruptACK. */
	if (bits & ~VDEV_ISR_ALL)
		log_guest(&vdev->log, LOG_WARN,
			  "InterruptACK %#x: undefined bits ignored", bits);
	vdev->isr &= ~bits;
	if (!vdev->isr)
		set_line(vdev, false);
}

uint32_t vdev_config_generation(const struct vdev *vdev)
{
	return vdev->config_generation;
}

static uint64_t all_ones(unsigned size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

/* §4.2.2.2: naturally aligned fields of 1, 2, 4 or 8 bytes, in bounds. */
static bool config_access_ok(struct vdev *vdev, const char *what,
			     uint32_t offset, unsigned size)
{
	if ((size == 1 || size == 2 || size == 4 || size == 8) &&
	    offset % size == 0 && (uint64_t)offset + size <= vdev->config_len)
		return true;
	log_guest(&vdev->log, LOG_WARN,
		  "config %s of %u bytes at %#x refused (config is %u bytes)",
		  what, size, offset, vdev->config_len);
	return false;
}

int vdev_config_read(struct vdev *vdev, uint32_t offset, unsigned size,
		     uint64_t *value)
{
	const uint8_t *p = vdev->config + offset;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	if (!config_access_ok(vdev, "read", offset, size)) {
		*value = all_ones(size);
		return -EINVAL;
	}
	switch (size) {
	case 1:
		*value = *p;
		break;
	case 2:
		memcpy(&v16, p, sizeof(v16));
		*value = le16toh(v16);
		break;
	case 4:
		memcpy(&v32, p, sizeof(v32));
		*value = le32toh(v32);
		break;
	default:
		memcpy(&v64, p, sizeof(v64));
		*value = le64toh(v64);
		break;
	}
	return 0;
}

int vdev_config_write(struct vdev *vdev, uint32_t offset, unsigned size,
		      uint64_t value)
{
	uint8_t *p = vdev->config + offset;
	uint16_t v16 = htole16((uint16_t)value);
	uint32_t v32 = htole32((uint32_t)value);
	uint64_t v64 = htole64(value);

	if (!config_access_ok(vdev, "write", offset, size))
		return -EINVAL;
	if (!vdev->ops->config_written) {
		log_guest(&vdev->log, LOG_DEBUG,
			  "config write at %#x ignored: read-only", offset);
		return 0;
	}
	switch (size) {
	case 1:
		*p = (uint8_t)value;
		break;
	case 2:
		memcpy(p, &v16, sizeof(v16));
		break;
	case 4:
		memcpy(p, &v32, sizeof(v32));
		break;
	default:
		memcpy(p, &v64, sizeof(v64));
		break;
	}
	vdev->ops->config_written(vdev, offset, size);
	return 0;
}

void vdev_config_changed(struct vdev *vdev)
{
	/* §4.2.2.1: ConfigGeneration changes whenever the config may have. */
	vdev->config_generation++;
	/* §2.1.2: no notifications before DRIVER_OK. */
	if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		vdev_raise(vdev, VDEV_ISR_CONFIG);
}

void vdev_fail(struct vdev *vdev, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* In-flight requests are now only released, never completed. */
	for (unsigned i = 0; i < vdev->num_queues; i++)
		vdev->queues[i].vq.broken = true;
	log_guest(&vdev->log, LOG_WARN, "device needs reset: %s", why);
	/* §2.1.2: after DEVICE_NEEDS_RESET, a configuration change. */
	if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		vdev_raise(vdev, VDEV_ISR_CONFIG);
}

void vdev_notify(struct vdev *vdev, unsigned qidx)
{
	struct vdev_queue *q;

	assert(qidx < vdev->num_queues);
	q = &vdev->queues[qidx];
	/* A push after a reset only released its element: nothing to say. */
	if (!q->vq.started)
		return;
	/*
	 * §2.1.2: no used buffer notification before DRIVER_OK; a failed
	 * device's broken queues publish nothing anyway.
	 */
	if (vq_flush(&q->vq) && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK))
		vdev_raise(vdev, VDEV_ISR_QUEUE);
}
