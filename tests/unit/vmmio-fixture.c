/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake device and driver steps shared by the virtio-mmio tests
 * (test-vmmio*.c): see vmmio-fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "vmmio-fixture.h"

static struct fake *to_fake(struct vdev *vdev)
{
	return container_of(vdev, struct fake, vdev);
}

static int fake_activate(struct vdev *vdev)
{
	to_fake(vdev)->activations++;
	return 0;
}

static void fake_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct vq_elem *e;

	to_fake(vdev)->notifies++;
	while ((e = vdev_pop(vdev, qidx)))
		vdev_push(vdev, qidx, e, e->in_len);
	vdev_notify(vdev, qidx);
}

static void fake_reset(struct vdev *vdev)
{
}

static void fake_config_written(struct vdev *vdev, uint32_t off, uint32_t len)
{
}

static const struct vdev_ops fake_ops = {
	.type = "fake",
	.device_id = DEV_ID,
	.activate = fake_activate,
	.queue_notify = fake_queue_notify,
	.reset = fake_reset,
	.config_written = fake_config_written,
};

static void fake_irq(void *opaque, bool level)
{
	((struct fake *)opaque)->irq = level;
}

int fake_setup(void **state)
{
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fake *f = calloc(1, sizeof(*f));
	struct vdev_params p;

	if (!f || gmem_flat_init(&f->flat, &ram, 1))
		return -1;
	/* Only errors: the tests trigger many rate-limited warnings. */
	log_init(&f->logger, 2, LOG_ERR);
	for (unsigned i = 0; i < sizeof(f->config); i++)
		f->config[i] = (uint8_t)(0xa0 + i);
	p = (struct vdev_params){
		.ops = &fake_ops,
		.mem = &f->flat.mem,
		.logger = &f->logger,
		.domid = 2,
		.name = "mmio0",
		.features = 1ull << 3,
		.num_queues = NQUEUES,
		.queue_num_max = QNUM,
		.max_iov = 4,
		.config = f->config,
		.config_len = sizeof(f->config),
	};
	if (vdev_init(&f->vdev, &p))
		return -1;
	vdev_set_irq(&f->vdev, fake_irq, f);
	vmmio_init(&f->mmio, &f->vdev);
	*state = f;
	return 0;
}

int fake_teardown(void **state)
{
	struct fake *f = *state;

	vdev_fini(&f->vdev);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

uint32_t fake_rd(struct fake *f, uint64_t off)
{
	uint64_t v = 0;

	assert_int_equal(vmmio_read(&f->mmio, off, 4, &v), 0);
	assert_true(v <= UINT32_MAX);
	return (uint32_t)v;
}

void fake_wr(struct fake *f, uint64_t off, uint32_t v)
{
	assert_int_equal(vmmio_write(&f->mmio, off, 4, v), 0);
}

void fake_status_add(struct fake *f, uint32_t bit)
{
	fake_wr(f, VIRTIO_MMIO_STATUS, fake_rd(f, VIRTIO_MMIO_STATUS) | bit);
}

/* Linux's vm_setup_vq() for queue q, rings in r. */
static void setup_queue(struct fake *f, uint32_t q, struct driver_ring *r)
{
	fake_wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	fake_wr(f, VIRTIO_MMIO_QUEUE_NUM, QNUM);
	fake_wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc_gpa);
	fake_wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r->desc_gpa >> 32));
	fake_wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)r->avail_gpa);
	fake_wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
		(uint32_t)(r->avail_gpa >> 32));
	fake_wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)r->used_gpa);
	fake_wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(r->used_gpa >> 32));
	fake_wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Linux's probe: reset, ACK, DRIVER, features, FEATURES_OK, queue 1. */
void fake_probe(struct fake *f)
{
	uint64_t features;

	fake_wr(f, VIRTIO_MMIO_STATUS, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER);
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	features = (uint64_t)fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	features |= fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
	assert_int_equal(features, f->vdev.host_features);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	fake_status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(fake_rd(f, VIRTIO_MMIO_STATUS) &
		    VIRTIO_CONFIG_S_FEATURES_OK);
	driver_ring_init(&f->ring, &f->flat, QNUM, RAM_GPA);
	setup_queue(f, 1, &f->ring);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
}
