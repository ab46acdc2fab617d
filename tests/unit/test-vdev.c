/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the transport-neutral device (src/vdev.c, src/vdev-queue.c): the
 * driver's side is played by calling the vdev_* functions in the order Linux
 * does, the backend is a fake that pops, holds and completes requests.
 */
#include <errno.h>
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
#include <linux/virtio_ring.h>

#include "driver-ring.h"
#include "gmem.h"
#include "vdev.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x100000ull
#define RING_GPA(q) (RAM_GPA + 0x10000 * (q))
#define BUF_GPA (RAM_GPA + 0x80000)
#define QNUM 16
#define NQUEUES 2
#define DEV_FEATURES ((1ull << 0) | (1ull << 5))
#define HELD_MAX 8

struct fake {
	struct vdev vdev;
	struct gmem_flat flat;
	struct logger logger;
	uint8_t config[16];
	struct driver_ring ring[NQUEUES];
	int validate_rc, activate_rc;
	uint64_t validated;
	unsigned validates, activations, resets, notifies, config_writes;
	uint32_t written_off, written_len;
	bool hold; /* queue_notify keeps what it pops */
	struct vq_elem *held[HELD_MAX];
	unsigned nheld;
	struct vq_elem *dropped[HELD_MAX]; /* held at the last reset */
	unsigned ndropped;
	unsigned irq_calls;
	bool irq;
};

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

static struct vdev_params params_of(struct fake *f)
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
	p = params_of(f);
	p.ops = ops;
	if (vdev_init(&f->vdev, &p))
		return -1;
	vdev_set_irq(&f->vdev, fake_irq, f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_ops(state, &fake_ops);
}

static int setup_ro(void **state)
{
	return setup_ops(state, &ro_ops);
}

static int teardown(void **state)
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

/* The log written since the last call, NUL-terminated; resets the limiter. */
static const char *log_take(struct fake *f)
{
	static char buf[4096];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_int_equal(ftruncate(f->logger.fd, 0), 0);
	assert_int_equal(lseek(f->logger.fd, 0, SEEK_SET), 0);
	f->vdev.log.guest_rl.tokens = f->vdev.log.guest_rl.burst;
	return buf;
}

static void status_add(struct fake *f, uint8_t bit)
{
	vdev_set_status(&f->vdev, vdev_get_status(&f->vdev) | bit);
}

/* Linux's probe up to FEATURES_OK: reset, ACK, DRIVER, features. */
static void negotiate(struct fake *f, uint64_t accept)
{
	uint64_t offered;

	vdev_set_status(&f->vdev, 0);
	status_add(f, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status_add(f, VIRTIO_CONFIG_S_DRIVER);
	offered = vdev_get_host_features(&f->vdev, 0) |
		  (uint64_t)vdev_get_host_features(&f->vdev, 1) << 32;
	vdev_set_guest_features(&f->vdev, 1,
				(uint32_t)((accept & offered) >> 32));
	vdev_set_guest_features(&f->vdev, 0, (uint32_t)(accept & offered));
	status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
}

static void queue_config(struct fake *f, uint32_t q, uint16_t num,
			 uint64_t desc, uint64_t driver, uint64_t device)
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
static void queue_setup(struct fake *f, uint32_t q)
{
	struct driver_ring *r = &f->ring[q];

	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_READY), 0);
	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_NUM_MAX),
			 QNUM);
	driver_ring_init(r, &f->flat, QNUM, RING_GPA(q));
	queue_config(f, q, QNUM, r->desc_gpa, r->avail_gpa, r->used_gpa);
	vdev_queue_write(&f->vdev, q, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_READY), 1);
}

static void bring_up(struct fake *f)
{
	negotiate(f, ~0ull);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (uint32_t q = 0; q < NQUEUES; q++)
		queue_setup(f, q);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_true(vdev_is_live(&f->vdev));
}

/* A request: 16 readable bytes, then 64 writable ones. */
static uint16_t add_request(struct fake *f, uint32_t q, unsigned n)
{
	const struct driver_buf bufs[] = {
		{ BUF_GPA + 0x1000 * n, 16, false },
		{ BUF_GPA + 0x1000 * n + 0x100, 64, true },
	};
	uint16_t head = driver_ring_add_chain(&f->ring[q], bufs, 2);

	driver_ring_make_avail(&f->ring[q], head);
	return head;
}

static void assert_needs_reset(struct fake *f)
{
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(&f->vdev));
}

static void test_init_offers_features(void **state)
{
	struct fake *f = *state;
	uint64_t want = DEV_FEATURES | 1ull << VIRTIO_F_VERSION_1 |
			1ull << VIRTIO_RING_F_INDIRECT_DESC |
			1ull << VIRTIO_RING_F_EVENT_IDX;

	assert_int_equal(f->vdev.host_features, want);
	assert_int_equal(vdev_get_host_features(&f->vdev, 0), (uint32_t)want);
	assert_int_equal(vdev_get_host_features(&f->vdev, 1), 1);
	assert_int_equal(vdev_get_host_features(&f->vdev, 2), 0);
	assert_int_equal(vdev_get_status(&f->vdev), 0);
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_false(vdev_is_live(&f->vdev));
}

static void test_init_rejects(void **state)
{
	struct fake *f = *state;
	struct vdev v;
	struct vdev_params p;

	p = params_of(f), p.ops = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.num_queues = 0;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.queue_num_max = 12;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.queue_num_max = 2 * VQ_NUM_MAX;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.max_iov = 0;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.config = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = params_of(f), p.mem = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
}

static void test_probe_sequence(void **state)
{
	struct fake *f = *state;
	uint32_t id, len;
	uint16_t head;

	bring_up(f);
	assert_int_equal(f->validates, 1);
	assert_int_equal(f->validated, f->vdev.host_features);
	assert_int_equal(f->activations, 1);
	assert_int_equal(f->vdev.guest_features, f->vdev.host_features);
	assert_int_equal(vdev_get_guest_features(&f->vdev, 1), 1);

	head = add_request(f, 1, 0);
	vdev_queue_notify(&f->vdev, 1);
	assert_int_equal(f->notifies, 1);
	assert_true(driver_ring_get_used(&f->ring[1], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 64);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_QUEUE);
	assert_true(f->irq);
	assert_int_equal(f->irq_calls, 1);

	/* A second completion while the line is high: no level change. */
	driver_ring_set_used_event(&f->ring[1], 1);
	add_request(f, 1, 1);
	vdev_queue_notify(&f->vdev, 1);
	assert_true(driver_ring_get_used(&f->ring[1], &id, &len));
	assert_int_equal(f->irq_calls, 1);

	vdev_ack_isr(&f->vdev, VDEV_ISR_QUEUE);
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_false(f->irq);
	assert_int_equal(f->irq_calls, 2);
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_isr_config_and_queue(void **state)
{
	struct fake *f = *state;

	bring_up(f);
	vdev_config_changed(&f->vdev);
	add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(vdev_read_isr(&f->vdev),
			 VDEV_ISR_QUEUE | VDEV_ISR_CONFIG);
	vdev_ack_isr(&f->vdev, VDEV_ISR_QUEUE);
	assert_true(f->irq);
	vdev_ack_isr(&f->vdev, VDEV_ISR_CONFIG);
	assert_false(f->irq);
	assert_int_equal(f->irq_calls, 2);
}

static void test_config_read_sizes(void **state)
{
	struct fake *f = *state;
	uint64_t v;

	assert_int_equal(vdev_config_read(&f->vdev, 3, 1, &v), 0);
	assert_int_equal(v, 0x13);
	assert_int_equal(vdev_config_read(&f->vdev, 2, 2, &v), 0);
	assert_int_equal(v, 0x1312);
	assert_int_equal(vdev_config_read(&f->vdev, 12, 4, &v), 0);
	assert_int_equal(v, 0x1f1e1d1c);
	assert_int_equal(vdev_config_read(&f->vdev, 8, 8, &v), 0);
	assert_int_equal(v, 0x1f1e1d1c1b1a1918ull);
	assert_int_equal(vdev_config_read(&f->vdev, 1, 2, &v), -EINVAL);
	assert_int_equal(v, 0xffff);
	assert_int_equal(vdev_config_read(&f->vdev, 4, 8, &v), -EINVAL);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(vdev_config_read(&f->vdev, 0, 3, &v), -EINVAL);
	assert_int_equal(vdev_config_read(&f->vdev, 16, 1, &v), -EINVAL);
	assert_int_equal(v, 0xff);
	assert_int_equal(vdev_config_read(&f->vdev, 0xfffffff8u, 8, &v),
			 -EINVAL);
	assert_int_equal(vdev_config_read(&f->vdev, 0, 0, &v), -EINVAL);
}

static void test_config_write(void **state)
{
	struct fake *f = *state;
	uint64_t v;

	assert_int_equal(vdev_config_write(&f->vdev, 4, 2, 0xbeef), 0);
	assert_int_equal(f->config[4], 0xef);
	assert_int_equal(f->config[5], 0xbe);
	assert_int_equal(f->config_writes, 1);
	assert_int_equal(f->written_off, 4);
	assert_int_equal(f->written_len, 2);
	assert_int_equal(vdev_config_write(&f->vdev, 8, 8, 0x0102030405060708),
			 0);
	assert_int_equal(vdev_config_read(&f->vdev, 8, 8, &v), 0);
	assert_int_equal(v, 0x0102030405060708);
	assert_int_equal(f->config[8], 0x08);
	assert_int_equal(vdev_config_write(&f->vdev, 0, 1, 0x1ff), 0);
	assert_int_equal(f->config[0], 0xff);
	assert_int_equal(f->config[1], 0x11);
	assert_int_equal(vdev_config_write(&f->vdev, 12, 4, 0xa1b2c3d4), 0);
	assert_int_equal(vdev_config_read(&f->vdev, 12, 4, &v), 0);
	assert_int_equal(v, 0xa1b2c3d4);
	assert_int_equal(vdev_config_write(&f->vdev, 15, 2, 0), -EINVAL);
	assert_int_equal(vdev_config_write(&f->vdev, 16, 1, 0), -EINVAL);
	assert_int_equal(f->config_writes, 4);
}

static void test_config_read_only(void **state)
{
	struct fake *f = *state;

	assert_int_equal(vdev_config_write(&f->vdev, 4, 4, 0), 0);
	assert_int_equal(f->config[4], 0x14);
	assert_int_equal(f->config_writes, 0);
}

static void test_config_changed(void **state)
{
	struct fake *f = *state;
	uint32_t gen = vdev_config_generation(&f->vdev);

	vdev_config_changed(&f->vdev);
	assert_int_equal(vdev_config_generation(&f->vdev), gen + 1);
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_false(f->irq);
	bring_up(f);
	vdev_config_changed(&f->vdev);
	assert_int_equal(vdev_config_generation(&f->vdev), gen + 2);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
}

static void test_reset_returns_inflight(void **state)
{
	struct fake *f = *state;
	uint32_t id, len;

	bring_up(f);
	f->hold = true;
	add_request(f, 0, 0);
	add_request(f, 0, 1);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->nheld, 2);
	assert_true(f->flat.live_iov > 0);
	vdev_config_changed(&f->vdev);

	f->resets = 0;
	vdev_set_status(&f->vdev, 0);
	assert_int_equal(f->resets, 1);
	assert_int_equal(f->ndropped, 2);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	assert_int_equal(vdev_get_status(&f->vdev), 0);
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_false(f->irq);
	assert_int_equal(f->vdev.guest_features, 0);
	for (uint32_t q = 0; q < NQUEUES; q++) {
		assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_READY),
				 0);
		assert_int_equal(vdev_queue_read(&f->vdev, q, VDEV_QUEUE_NUM),
				 0);
		assert_int_equal(
			vdev_queue_read(&f->vdev, q, VDEV_QUEUE_DESC_LOW), 0);
	}

	/* A backend completing late: released, never written to the ring. */
	vdev_push(&f->vdev, 0, f->dropped[0], 64);
	vdev_notify(&f->vdev, 0);
	assert_false(driver_ring_get_used(&f->ring[0], &id, &len));
	assert_int_equal(f->ring[0].used->idx, 0);
	assert_int_equal(f->flat.live_iov, 0);
	assert_false(f->irq);
}

static void test_reset_then_bring_up_again(void **state)
{
	struct fake *f = *state;
	uint32_t id, len;

	bring_up(f);
	vdev_fail(&f->vdev, "test %d", 1);
	assert_needs_reset(f);
	bring_up(f);
	assert_int_equal(f->activations, 2);
	add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_true(driver_ring_get_used(&f->ring[0], &id, &len));
}

static void test_fail_releases_inflight(void **state)
{
	struct fake *f = *state;

	bring_up(f);
	f->hold = true;
	add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->nheld, 1);
	vdev_fail(&f->vdev, "backend error");
	assert_needs_reset(f);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	/* Completed after the failure: released, not shown to the driver. */
	vdev_push(&f->vdev, 0, f->held[0], 64);
	vdev_notify(&f->vdev, 0);
	assert_int_equal(f->ring[0].used->idx, 0);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_int_equal(f->flat.live_iov, 0);
	f->nheld = 0;
	/* Failing again changes nothing. */
	vdev_ack_isr(&f->vdev, VDEV_ISR_CONFIG);
	vdev_fail(&f->vdev, "again");
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
}

static void test_queue_disable_before_driver_ok(void **state)
{
	struct fake *f = *state;

	negotiate(f, ~0ull);
	queue_setup(f, 0);
	assert_int_equal(f->flat.live_rings, 3);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 0);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	assert_int_equal(f->flat.live_rings, 0);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_NUM, 8);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_NUM), 8);
}

static void test_validate_features_refusal(void **state)
{
	struct fake *f = *state;

	f->validate_rc = -ENOTSUP;
	negotiate(f, ~0ull);
	assert_int_equal(f->validates, 1);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	/* Linux gives up with FAILED. */
	status_add(f, VIRTIO_CONFIG_S_FAILED);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FAILED);
}

static void test_activate_failure(void **state)
{
	struct fake *f = *state;

	f->activate_rc = -EIO;
	negotiate(f, ~0ull);
	queue_setup(f, 0);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 1);
	assert_needs_reset(f);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
	add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 0);
	assert_null(vdev_pop(&f->vdev, 0));
}

static void test_hostile_driver_ok_without_features_ok(void **state)
{
	struct fake *f = *state;
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	vdev_set_status(&f->vdev, s);
	log_take(f);
	vdev_set_status(&f->vdev, s | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(vdev_get_status(&f->vdev), s);
	assert_non_null(strstr(log_take(f), "DRIVER_OK without FEATURES_OK"));
	assert_int_equal(f->activations, 0);
}

static void test_hostile_driver_without_ack(void **state)
{
	struct fake *f = *state;

	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(vdev_get_status(&f->vdev), 0);
	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
					  VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vdev_get_status(&f->vdev), 0);
	assert_int_equal(f->validates, 0);
}

static void test_hostile_clearing_bits(void **state)
{
	struct fake *f = *state;

	bring_up(f);
	f->resets = 0;
	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_true(vdev_is_live(&f->vdev));
	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_DRIVER_OK |
					  VIRTIO_CONFIG_S_FEATURES_OK |
					  VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_FEATURES_OK |
				 VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 1);
	assert_int_equal(f->resets, 0);
}

static void test_hostile_driver_sets_needs_reset(void **state)
{
	struct fake *f = *state;

	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE |
					  VIRTIO_CONFIG_S_NEEDS_RESET | 0x30);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* Written back by a driver that read it (Linux's add_status): kept. */
	vdev_fail(&f->vdev, "test");
	status_add(f, VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Nor can the driver clear it, short of a reset. */
	vdev_set_status(&f->vdev,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_hostile_bits_after_failed(void **state)
{
	struct fake *f = *state;

	negotiate(f, ~0ull);
	queue_setup(f, 0);
	status_add(f, VIRTIO_CONFIG_S_FAILED);
	queue_config(f, 1, QNUM, RING_GPA(1), RING_GPA(1) + 0x1000,
		     RING_GPA(1) + 0x2000);
	vdev_queue_write(&f->vdev, 1, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_READY), 0);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	assert_false(vdev_is_live(&f->vdev));
	/* FAILED and DRIVER_OK in one write: not activated either. */
	negotiate(f, ~0ull);
	status_add(f, VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	assert_false(vdev_is_live(&f->vdev));
}

static void test_hostile_features_not_offered(void **state)
{
	struct fake *f = *state;

	vdev_set_status(&f->vdev,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	log_take(f);
	vdev_set_guest_features(&f->vdev, 0, 0xffffffff);
	vdev_set_guest_features(&f->vdev, 1, 0xffffffff);
	vdev_set_guest_features(&f->vdev, 2, 0xffffffff);
	assert_int_equal(f->vdev.guest_features, f->vdev.host_features);
	assert_int_equal(vdev_get_guest_features(&f->vdev, 2), 0);
	assert_non_null(strstr(log_take(f), "not offered"));
}

static void test_hostile_features_at_wrong_time(void **state)
{
	struct fake *f = *state;
	uint64_t accept = 1ull << VIRTIO_F_VERSION_1;

	/* Before DRIVER (§3.1.1 step 4). */
	vdev_set_status(&f->vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdev_set_guest_features(&f->vdev, 0, 1);
	assert_int_equal(f->vdev.guest_features, 0);
	/* After FEATURES_OK (§2.2.1). */
	negotiate(f, accept);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
	vdev_set_guest_features(&f->vdev, 0, 1 << 5);
	vdev_set_guest_features(&f->vdev, 1, 0);
	assert_int_equal(f->vdev.guest_features, accept);
}

static void test_hostile_features_ok_without_version_1(void **state)
{
	struct fake *f = *state;

	negotiate(f, DEV_FEATURES);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(f->validates, 0);
	/* The driver may fix its choice and try again. */
	vdev_set_guest_features(&f->vdev, 1, 1);
	status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void test_hostile_queue_config_after_ready(void **state)
{
	struct fake *f = *state;
	struct driver_ring *r = &f->ring[0];

	negotiate(f, ~0ull);
	queue_setup(f, 0);
	queue_config(f, 0, 4, RAM_GPA + 0x20000, RAM_GPA + 0x21000,
		     RAM_GPA + 0x22000);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_NUM_MAX, 4);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_NUM), QNUM);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_NUM_MAX),
			 QNUM);
	assert_int_equal(f->vdev.queues[0].desc, r->desc_gpa);
	assert_int_equal(f->vdev.queues[0].driver, r->avail_gpa);
	assert_int_equal(f->vdev.queues[0].device, r->used_gpa);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_DESC_HIGH), 0);
}

static void test_hostile_queue_config_after_driver_ok(void **state)
{
	struct fake *f = *state;

	negotiate(f, ~0ull);
	queue_setup(f, 0);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	driver_ring_init(&f->ring[1], &f->flat, QNUM, RING_GPA(1));
	queue_config(f, 1, QNUM, f->ring[1].desc_gpa, f->ring[1].avail_gpa,
		     f->ring[1].used_gpa);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_NUM), 0);
	assert_int_equal(f->vdev.queues[1].desc, 0);
	vdev_queue_write(&f->vdev, 1, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_READY), 0);
	/* No VIRTIO_F_RING_RESET: a live queue stays enabled. */
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 0);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 1);
	assert_true(vdev_is_live(&f->vdev));
}

static void test_hostile_ready_ring_outside_ram(void **state)
{
	struct fake *f = *state;

	negotiate(f, ~0ull);
	queue_config(f, 0, QNUM, RAM_GPA + RAM_SIZE - 0x80, RAM_GPA,
		     RAM_GPA + 0x1000);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	assert_needs_reset(f);
	assert_int_equal(f->flat.live_rings, 0);
	/* Not DRIVER_OK yet: no interrupt; the driver hears at DRIVER_OK. */
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_int_equal(f->irq_calls, 0);
	/* A failed device starts no other queue either. */
	queue_config(f, 1, QNUM, RING_GPA(1), RING_GPA(1) + 0x1000,
		     RING_GPA(1) + 0x2000);
	vdev_queue_write(&f->vdev, 1, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_READY), 0);
	assert_int_equal(f->flat.live_rings, 0);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 0);
}

static void test_hostile_ready_bad_sizes(void **state)
{
	struct fake *f = *state;
	const uint32_t bad[] = { 0, 3, 2 * QNUM, 0x10000 + QNUM };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		negotiate(f, ~0ull);
		driver_ring_init(&f->ring[0], &f->flat, QNUM, RING_GPA(0));
		queue_config(f, 0, QNUM, f->ring[0].desc_gpa,
			     f->ring[0].avail_gpa, f->ring[0].used_gpa);
		vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_NUM, bad[i]);
		vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
		assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY),
				 0);
		assert_needs_reset(f);
	}
	/* Misaligned descriptor table (§2.7.10: 16 bytes). */
	negotiate(f, ~0ull);
	queue_config(f, 0, QNUM, RING_GPA(0) + 8, RING_GPA(0) + 0x1000,
		     RING_GPA(0) + 0x2000);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_needs_reset(f);
}

static void test_hostile_ready_at_wrong_time(void **state)
{
	struct fake *f = *state;

	vdev_set_status(&f->vdev,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_ring_init(&f->ring[0], &f->flat, QNUM, RING_GPA(0));
	queue_config(f, 0, QNUM, f->ring[0].desc_gpa, f->ring[0].avail_gpa,
		     f->ring[0].used_gpa);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	assert_int_equal(f->flat.live_rings, 0);
	vdev_set_guest_features(&f->vdev, 1, 1);
	status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 2);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	assert_false(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 1);
}

static void test_hostile_queue_index_out_of_range(void **state)
{
	struct fake *f = *state;
	const uint32_t qs[] = { NQUEUES, 0x8000, UINT32_MAX };

	bring_up(f);
	for (unsigned i = 0; i < ARRAY_SIZE(qs); i++) {
		for (int reg = VDEV_QUEUE_NUM_MAX;
		     reg <= VDEV_QUEUE_DEVICE_HIGH; reg++) {
			vdev_queue_write(&f->vdev, qs[i], reg, 1);
			assert_int_equal(vdev_queue_read(&f->vdev, qs[i], reg),
					 0);
		}
		vdev_queue_notify(&f->vdev, qs[i]);
	}
	assert_int_equal(f->notifies, 0);
	assert_true(vdev_is_live(&f->vdev));
}

static void test_hostile_malformed_ring_on_notify(void **state)
{
	struct fake *f = *state;

	bring_up(f);
	/* An available entry naming a descriptor past the table. */
	f->ring[0].avail->ring[0] = htole16(QNUM + 3);
	__atomic_store_n(&f->ring[0].avail->idx, htole16(1), __ATOMIC_RELEASE);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 1);
	assert_needs_reset(f);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
	assert_int_equal(f->ring[0].used->idx, 0);

	add_request(f, 1, 0);
	vdev_queue_notify(&f->vdev, 1);
	assert_int_equal(f->notifies, 1);
	assert_null(vdev_pop(&f->vdev, 1));
	assert_int_equal(f->ring[1].used->idx, 0);
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_hostile_notify_before_driver_ok(void **state)
{
	struct fake *f = *state;

	negotiate(f, ~0ull);
	queue_setup(f, 0);
	add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 0);
	assert_null(vdev_pop(&f->vdev, 0));
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_hostile_ack_undefined_bits(void **state)
{
	struct fake *f = *state;

	bring_up(f);
	vdev_config_changed(&f->vdev);
	vdev_ack_isr(&f->vdev, ~VDEV_ISR_CONFIG);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_offers_features),
		T(test_init_rejects),
		T(test_probe_sequence),
		T(test_isr_config_and_queue),
		T(test_config_read_sizes),
		T(test_config_write),
		cmocka_unit_test_setup_teardown(test_config_read_only, setup_ro,
						teardown),
		T(test_config_changed),
		T(test_reset_returns_inflight),
		T(test_reset_then_bring_up_again),
		T(test_fail_releases_inflight),
		T(test_queue_disable_before_driver_ok),
		T(test_validate_features_refusal),
		T(test_activate_failure),
		T(test_hostile_driver_ok_without_features_ok),
		T(test_hostile_driver_without_ack),
		T(test_hostile_clearing_bits),
		T(test_hostile_driver_sets_needs_reset),
		T(test_hostile_bits_after_failed),
		T(test_hostile_features_not_offered),
		T(test_hostile_features_at_wrong_time),
		T(test_hostile_features_ok_without_version_1),
		T(test_hostile_queue_config_after_ready),
		T(test_hostile_queue_config_after_driver_ok),
		T(test_hostile_ready_ring_outside_ram),
		T(test_hostile_ready_bad_sizes),
		T(test_hostile_ready_at_wrong_time),
		T(test_hostile_queue_index_out_of_range),
		T(test_hostile_malformed_ring_on_notify),
		T(test_hostile_notify_before_driver_ok),
		T(test_hostile_ack_undefined_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
