/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-mmio transport, guest side, after Linux's virtio_mmio.c and the
 * generic parts of virtio.c (behaviour and access order, not code).
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest-bus.h"
#include "virtio-mmio-driver.h"

/* "virt", as Linux builds it. */
#define MMIO_MAGIC ('v' | 'i' << 8 | 'r' << 16 | (uint32_t)'t' << 24)
/* How often the config generation may change under one read. */
#define GENERATION_TRIES 64

static void printf_like(2, 3) note(struct vmdrv *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->error, sizeof(dev->error), fmt, ap);
	va_end(ap);
	dev->errors++;
}

static int rd(struct vmdrv *dev, uint32_t off, unsigned size, uint64_t *v)
{
	int rc;

	dev->stats.mmio_reads++;
	rc = dev->bus->mmio_read(dev->bus->opaque, dev->base + off, size, v);
	if (rc)
		note(dev, "read %#x/%u: %d", off, size, rc);
	return rc;
}

static int wr(struct vmdrv *dev, uint32_t off, unsigned size, uint64_t v)
{
	int rc;

	dev->stats.mmio_writes++;
	rc = dev->bus->mmio_write(dev->bus->opaque, dev->base + off, size, v);
	if (rc)
		note(dev, "write %#x/%u: %d", off, size, rc);
	return rc;
}

/* readl: control registers are 32-bit (virtio 1.2 §4.2.2.2). */
static int rd32(struct vmdrv *dev, uint32_t off, uint32_t *v)
{
	uint64_t val = 0;
	int rc = rd(dev, off, 4, &val);

	*v = (uint32_t)val;
	return rc;
}

static int wr32(struct vmdrv *dev, uint32_t off, uint32_t v)
{
	return wr(dev, off, 4, v);
}

int vmdrv_get_status(struct vmdrv *dev, uint8_t *status)
{
	uint32_t v;
	int rc = rd32(dev, VIRTIO_MMIO_STATUS, &v);

	*status = (uint8_t)(v & 0xff);
	return rc;
}

/* virtio_add_status: read, OR, write back. A failure is noted. */
static int add_status(struct vmdrv *dev, uint8_t bits)
{
	uint8_t status;
	int rc = vmdrv_get_status(dev, &status);

	if (rc)
		return rc;
	return wr32(dev, VIRTIO_MMIO_STATUS, status | bits);
}

int vmdrv_add_status(struct vmdrv *dev, uint8_t bits)
{
	return add_status(dev, bits);
}

int vmdrv_reset(struct vmdrv *dev)
{
	/* 0 status means a reset; virtio-mmio does not poll it back. */
	return wr32(dev, VIRTIO_MMIO_STATUS, 0);
}

int vmdrv_ready(struct vmdrv *dev)
{
	return vmdrv_add_status(dev, VIRTIO_CONFIG_S_DRIVER_OK);
}

void vmdrv_fail(struct vmdrv *dev)
{
	add_status(dev, VIRTIO_CONFIG_S_FAILED);
}

int vmdrv_probe(struct vmdrv *dev, const struct guest_bus *bus, uint64_t base,
		struct gpa_pool *pool)
{
	uint32_t magic;
	int rc;

	memset(dev, 0, sizeof(*dev));
	dev->bus = bus;
	dev->base = base;
	dev->pool = pool;
	rc = rd32(dev, VIRTIO_MMIO_MAGIC_VALUE, &magic);
	if (rc)
		return rc;
	if (magic != MMIO_MAGIC) {
		note(dev, "wrong magic value %#010x", magic);
		return -ENODEV;
	}
	rc = rd32(dev, VIRTIO_MMIO_VERSION, &dev->version);
	if (rc)
		return rc;
	/* Linux also takes legacy version 1; this driver does not. */
	if (dev->version != 2) {
		note(dev, "version %u not supported", dev->version);
		return -ENXIO;
	}
	rc = rd32(dev, VIRTIO_MMIO_DEVICE_ID, &dev->device_id);
	if (rc)
		return rc;
	/* A placeholder: Linux ends probing without an error message. */
	if (!dev->device_id)
		return -ENODEV;
	rc = rd32(dev, VIRTIO_MMIO_VENDOR_ID, &dev->vendor_id);
	if (rc)
		return rc;
	/* register_virtio_device: reset, in case a previous driver left it. */
	rc = vmdrv_reset(dev);
	if (rc)
		return rc;
	return vmdrv_add_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
}

static int get_features(struct vmdrv *dev, uint64_t *features)
{
	uint32_t hi, lo;
	int rc;

	rc = wr32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	if (!rc)
		rc = rd32(dev, VIRTIO_MMIO_DEVICE_FEATURES, &hi);
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	if (!rc)
		rc = rd32(dev, VIRTIO_MMIO_DEVICE_FEATURES, &lo);
	if (!rc)
		*features = (uint64_t)hi << 32 | lo;
	return rc;
}

/* vm_finalize_features, with vring_transport_features before it. */
static int finalize_features(struct vmdrv *dev)
{
	uint64_t transport = 0;
	unsigned bit;
	int rc;

	for (bit = VIRTIO_TRANSPORT_F_START; bit < VIRTIO_TRANSPORT_F_END;
	     bit++)
		transport |= 1ull << bit;
	dev->features &= ~transport | VMDRV_TRANSPORT_FEATURES;
	/* "New virtio-mmio devices (version 2) must provide VERSION_1". */
	if (!vmdrv_has_feature(dev, VIRTIO_F_VERSION_1)) {
		note(dev, "no VIRTIO_F_VERSION_1 in %#llx",
		     (unsigned long long)dev->device_features);
		return -EINVAL;
	}
	rc = wr32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)(dev->features >> 32));
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_DRIVER_FEATURES,
			  (uint32_t)dev->features);
	return rc;
}

/* virtio_features_ok: virtio 1.2 §3.1.1 steps 5 and 6. */
static int features_ok(struct vmdrv *dev)
{
	uint8_t status;
	int rc;

	rc = vmdrv_add_status(dev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!rc)
		rc = vmdrv_get_status(dev, &status);
	if (rc)
		return rc;
	if (!(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		note(dev, "device refuses features: status %#x", status);
		return -ENODEV;
	}
	return 0;
}

int vmdrv_negotiate(struct vmdrv *dev, uint64_t driver_features)
{
	int rc;

	rc = vmdrv_add_status(dev, VIRTIO_CONFIG_S_DRIVER);
	if (!rc)
		rc = get_features(dev, &dev->device_features);
	if (rc)
		return rc;
	dev->features = dev->device_features & driver_features;
	rc = finalize_features(dev);
	if (rc)
		return rc;
	return features_ok(dev);
}

int vmdrv_restore(struct vmdrv *dev)
{
	int rc;

	rc = vmdrv_reset(dev);
	if (!rc)
		rc = vmdrv_add_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (!rc)
		rc = vmdrv_add_status(dev, VIRTIO_CONFIG_S_DRIVER);
	if (!rc)
		rc = finalize_features(dev);
	if (rc)
		return rc;
	return features_ok(dev);
}

static int vm_notify(struct vrdrv *vq, void *opaque)
{
	struct vmdrv *dev = opaque;

	/* The queue's selector into the notification register. */
	return wr32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

/* Deactivates the selected queue: QueueReady 0, and it must read back 0. */
static void deactivate(struct vmdrv *dev)
{
	uint32_t ready = 0;

	if (wr32(dev, VIRTIO_MMIO_QUEUE_READY, 0))
		return;
	if (!rd32(dev, VIRTIO_MMIO_QUEUE_READY, &ready) && ready)
		note(dev, "QueueReady reads %u after writing 0", ready);
}

static int write_addr(struct vmdrv *dev, uint32_t low_off, uint64_t addr)
{
	int rc = wr32(dev, low_off, (uint32_t)addr);

	return rc ? rc : wr32(dev, low_off + 4, (uint32_t)(addr >> 32));
}

static int activate(struct vmdrv *dev, const struct vrdrv *vq)
{
	int rc;

	rc = wr32(dev, VIRTIO_MMIO_QUEUE_NUM, vq->num);
	if (!rc)
		rc = write_addr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_gpa);
	if (!rc)
		rc = write_addr(dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW,
				vq->avail_gpa);
	if (!rc)
		rc = write_addr(dev, VIRTIO_MMIO_QUEUE_USED_LOW, vq->used_gpa);
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	return rc;
}

/* vm_setup_vq. */
static int setup_vq(struct vmdrv *dev, unsigned index, vrdrv_callback_fn *cb,
		    void *opaque, unsigned max_num, struct vrdrv **out)
{
	struct vrdrv_params p = {
		.index = index,
		.features = dev->features,
		.bus = dev->bus,
		.pool = dev->pool,
		.notify = vm_notify,
		.notify_opaque = dev,
		.callback = cb,
		.opaque = opaque,
	};
	uint32_t ready, num;
	int rc;

	rc = wr32(dev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (!rc)
		rc = rd32(dev, VIRTIO_MMIO_QUEUE_READY, &ready);
	if (rc)
		return rc;
	/* The queue should not already be set up. */
	if (ready)
		return -ENOENT;
	rc = rd32(dev, VIRTIO_MMIO_QUEUE_NUM_MAX, &num);
	if (!rc && !num)
		rc = -ENOENT;
	if (rc)
		goto err;
	p.num = max_num && num > max_num ? max_num : num;
	/* Linux turns any failure to create the ring into -ENOMEM. */
	if (vrdrv_create(&p, out)) {
		rc = -ENOMEM;
		goto err;
	}
	rc = activate(dev, *out);
	if (!rc)
		return 0;
	vrdrv_free(*out);
	*out = NULL;
err:
	deactivate(dev);
	return rc;
}

int vmdrv_find_vqs(struct vmdrv *dev, unsigned nvqs,
		   vrdrv_callback_fn *const *callbacks, void *opaque,
		   unsigned max_num)
{
	unsigned i;
	int rc;

	dev->vqs = calloc(nvqs, sizeof(*dev->vqs));
	if (!dev->vqs)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		rc = setup_vq(dev, i, callbacks[i], opaque, max_num,
			      &dev->vqs[i]);
		if (rc) {
			vmdrv_del_vqs(dev);
			return rc;
		}
		dev->nvqs = i + 1;
	}
	return 0;
}

void vmdrv_del_vqs(struct vmdrv *dev)
{
	unsigned i;

	for (i = 0; i < dev->nvqs; i++) {
		/* Select and deactivate the queue. */
		if (!wr32(dev, VIRTIO_MMIO_QUEUE_SEL, i))
			deactivate(dev);
		vrdrv_free(dev->vqs[i]);
	}
	free(dev->vqs);
	dev->vqs = NULL;
	dev->nvqs = 0;
}

void vmdrv_remove(struct vmdrv *dev)
{
	uint8_t status;

	/* The device driver should have reset the device. */
	if (!vmdrv_get_status(dev, &status) && status)
		note(dev, "status %#x after the driver's remove", status);
	/* Acknowledge the device's existence again. */
	add_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
}

/* The configuration space is little-endian (virtio 1.2 §4.2.2). */
static void put_le(void *buf, uint64_t v, unsigned len)
{
	uint8_t *p = buf;
	unsigned i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const void *buf, unsigned len)
{
	const uint8_t *p = buf;
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int vmdrv_get(struct vmdrv *dev, uint32_t off, void *buf, unsigned len)
{
	uint32_t at = VIRTIO_MMIO_CONFIG + off;
	uint64_t v = 0, hi = 0;
	int rc;

	switch (len) {
	case 1:
	case 2:
	case 4:
		rc = rd(dev, at, len, &v);
		break;
	case 8:
		/* Two 32-bit reads, low word first. */
		rc = rd(dev, at, 4, &v);
		if (!rc)
			rc = rd(dev, at + 4, 4, &hi);
		v = (v & 0xffffffffu) | hi << 32;
		break;
	default:
		return -EINVAL;
	}
	put_le(buf, v, len);
	return rc;
}

int vmdrv_set(struct vmdrv *dev, uint32_t off, const void *buf, unsigned len)
{
	uint32_t at = VIRTIO_MMIO_CONFIG + off;
	uint64_t v = 0;
	int rc;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	v = get_le(buf, len);
	if (len != 8)
		return wr(dev, at, len, v);
	rc = wr(dev, at, 4, v & 0xffffffffu);
	return rc ? rc : wr(dev, at + 4, 4, v >> 32);
}

int vmdrv_cread_many(struct vmdrv *dev, uint32_t off, void *buf, unsigned count,
		     unsigned bytes)
{
	uint32_t old, gen;
	unsigned i, tries;
	int rc;

	rc = rd32(dev, VIRTIO_MMIO_CONFIG_GENERATION, &gen);
	for (tries = 0; !rc && tries < GENERATION_TRIES; tries++) {
		old = gen;
		for (i = 0; !rc && i < count; i++)
			rc = vmdrv_get(dev, off + bytes * i,
				       (uint8_t *)buf + bytes * i, bytes);
		if (!rc)
			rc = rd32(dev, VIRTIO_MMIO_CONFIG_GENERATION, &gen);
		if (!rc && gen == old)
			return 0;
		dev->stats.generation_retries++;
	}
	if (!rc) {
		note(dev, "config generation never settled at %#x", off);
		rc = -EIO;
	}
	return rc;
}

int vmdrv_cread(struct vmdrv *dev, uint32_t off, void *buf, unsigned len)
{
	/* virtio_cread: a single get for 1, 2 and 4 bytes. */
	if (len == 8)
		return vmdrv_cread_many(dev, off, buf, 1, 8);
	return vmdrv_get(dev, off, buf, len);
}

int vmdrv_interrupt(struct vmdrv *dev)
{
	bool handled = false;
	uint32_t status;
	unsigned i;
	int rc;

	dev->stats.irqs++;
	/* Read and acknowledge interrupts, then look at the rings. */
	rc = rd32(dev, VIRTIO_MMIO_INTERRUPT_STATUS, &status);
	if (!rc)
		rc = wr32(dev, VIRTIO_MMIO_INTERRUPT_ACK, status);
	if (rc)
		return rc;
	if (status & VIRTIO_MMIO_INT_CONFIG) {
		dev->stats.config_irqs++;
		if (dev->config_changed)
			dev->config_changed(dev, dev->opaque);
		handled = true;
	}
	/* Linux keeps its list newest first. */
	if (status & VIRTIO_MMIO_INT_VRING)
		for (i = dev->nvqs; i-- > 0;)
			handled |= vrdrv_interrupt(dev->vqs[i]);
	if (!handled)
		dev->stats.irqs_none++;
	return handled;
}

int64_t vmdrv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vmdrv_wait_irq(struct vmdrv *dev, int64_t deadline)
{
	int64_t left = deadline - vmdrv_now_ms();
	int rc;

	if (left <= 0)
		return 1;
	rc = dev->bus->wait_irq(dev->bus->opaque, (int)left);
	if (rc > 0)
		rc = vmdrv_interrupt(dev);
	return rc < 0 ? rc : 0;
}
