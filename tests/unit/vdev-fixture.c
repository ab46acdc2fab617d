/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake backend and driver steps shared by the device tests
 * (test-vdev*.c): see vdev-fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "vdev-fixture.h"

static struct fake *to_fake(struct vdev *vdev)
{
	return container_of(vdev, struct fake, vdev);
}

static int fake_validate(struct vdev *vdev, uint64_t features)
{
	struct fake *f = to_fake(vdev);

	f->validates++;
	f->validated = features;
	return f->validate_rc;
}

static int fake_activate(struct vdev *vdev)
{
	to_fake(vdev)->activations++;
	return to_fake(vdev)->activate_rc;
}

/* Completes every request with its whole writable part, or holds it. */
static void fake_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct fake *f = to_fake(vdev);
	struct vq_elem *e;

	f->notifies++;
	while ((e = vdev_pop(vdev, qidx))) {
		if (f->hold && f->nheld < HELD_MAX) {
			f->held[f->nheld++] = e;
			continue;
		}
		vdev_push(vdev, qidx, e, e->in_len);
	}
	vdev_notify(vdev, qidx);
}

/* Drops what it holds: vq_stop() takes the elements back. */
static void fake_reset(struct vdev *vdev)
{
	struct fake *f = to_fake(vdev);

	f->resets++;
	if (f->nheld) {
		memcpy(f->dropped, f->held, sizeof(f->held));
		f->ndropped = f->nheld;
		f->nheld = 0;
	}
}

static void fake_config_written(struct vdev *vdev, uint32_t off, uint32_t len)
{
	struct fake *f = to_fake(vdev);

	f->config_writes++;
	f->written_off = off;
	f->written_len = len;
}

static const struct vdev_ops fake_ops = {
	.type = "fake",
	.device_id = 4,
	.validate_features = fake_validate,
	.activate = fake_activate,
	.queue_notify = fake_queue_notify,
	.reset = fake_reset,
	.config_written = fake_config_written,
};

static const struct vdev_ops ro_ops = {
	.type = "fake-ro",
	.device_id = 4,
	.activate = fake_activate,
	.queue_notify = fake_queue_notify,
	.reset = fake_reset,
};

static void fake_irq(void *opaque, bool level)
{
	struct fake *f = opaque;

	f->irq_calls++;
	f->irq = level;
}

struct vdev_params fake_params(struct fake *f)
{
	return (struct vdev_params){
		.ops = &fake_ops,
		.mem = &f->flat.mem,
		.logger = &f->logger,
		.domid = 1,
		.name = "fake0",
		.features = DEV_FEATURES,
		.num_queues = NQUEUES,
		.queue_num_max = QNUM,
		.max_iov = 8,
		.config = f->config,
		.config_len = sizeof(f->config),
	};
}

static int setup_ops(void **state, const struct vdev_ops *ops)
{
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fake *f = calloc(1, sizeof(*f));
	struct vdev_params p;
	int fd = memfd_create("vdev-log", 0);

	if (!f || fd < 0 || gmem_flat_init(&f->flat, &ram, 1))
		return -1;
	log_init(&f->logger, fd, LOG_DEBUG);
	for (unsigned i = 0; i < sizeof(f->config); i++)
		f->config[i] = (uint8_t)(0x10 + i);
	p = fake_params(f);
	p.ops = ops;
	if (vdev_init(&f->vdev, &p))
		return -1;
	vdev_set_irq(&f->vdev, fake_irq, f);
	*state = f;
	return 0;
}

int fake_setup(void **state)
{
	return setup_ops(state, &fake_ops);
}

int fake_setup_ro(void **state)
{
	return setup_ops(state, &ro_ops);
}

int fake_teardown(void **state)
{
	struct fake *f = *state;

	vdev_fini(&f->vdev);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	close(f->logger.fd);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

void fake_status_add(struct fake *f, uint8_t bit)
{
	vdev_set_status(&f->vdev, vdev_get_status(&f->vdev) | bit);
}

/* Linux's probe up to FEATURES_OK: reset, ACK, DRIVER, features. */
void fake_negotiate(struct fake *f, uint64_t accept)
{
	uint64_t offered;

	vdev_set_status(&f->vdev, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER);
	offered = vdev_get_host_features(&f->vdev, 0) |
		  (uint64_t)vdev_get_host_features(&f->vdev, 1) << 32;
	vdev_set_guest_features(&f->vdev, 1,
				(uint32_t)((accept & offered) >> 32));
	vdev_set_guest_features(&f->vdev, 0, (uint32_t)(accept & offered));
	fake_status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
}

void fake_queue_config(struct fake *f, uint32_t q, uint16_t num, uint64_t desc,
		       uint64_t driver, uint64_t device)
{
	struct vdev *v = &f->vdev;

	vdev_queue_write(v, q, VDEV_QUEUE_NUM, num);
	vdev_queue_write(v, q, VDEV_QUEUE_DESC_LOW, (uint32_t)desc);
	vdev_queue_write(v, q, VDEV_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vdev_queue_write(v, q, VDEV_QUEUE_DRIVER_LOW, (uint32_t)driver);
	vdev_queue_write(v, q, VDEV_QUEUE_DRIVER_HIGH,
			 (uint32_t)(driver >> 32));
	vdev_queue_write(v, q, VDEV_QUEUE_DEVICE_LOW, (uint32_t)device);
	vdev_queue_write(v, q, VDEV_QUEUE_DEVICE_HIGH,
			 (uint32_t)(device >> 32));
}

/* §4.2.3.2: check the queue, size it, place the rings, enable it. */
void fake_queue_setup(struct fake *f, uint32_t q)
{
	struct driver_ring *r = &f->ring[q];

	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_READY), 0);
	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_NUM_MAX),
			 QNUM);
	driver_ring_init(r, &f->flat, QNUM, RING_GPA(q));
	fake_queue_config(f, q, QNUM, r->desc_gpa, r->avail_gpa, r->used_gpa);
	vdev_queue_write(&f->vdev, q, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_READY), 1);
}

void fake_bring_up(struct fake *f)
{
	fake_negotiate(f, ~0ull);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (uint32_t q = 0; q < NQUEUES; q++)
		fake_queue_setup(f, q);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_true(vdev_is_live(&f->vdev));
}

/* A request: 16 readable bytes, then 64 writable ones. */
uint16_t fake_add_request(struct fake *f, uint32_t q, unsigned n)
{
	const struct driver_buf bufs[] = {
		{ BUF_GPA + 0x1000 * n, 16, false },
		{ BUF_GPA + 0x1000 * n + 0x100, 64, true },
	};
	uint16_t head = driver_ring_add_chain(&f->ring[q], bufs, 2);

	driver_ring_make_avail(&f->ring[q], head);
	return head;
}

void fake_assert_needs_reset(struct fake *f)
{
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(&f->vdev));
}
