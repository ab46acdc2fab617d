/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device (src/vdev.c, src/vdev-queue.c) against a driver that breaks the
 * rules of device initialisation, feature negotiation, queue set-up and
 * notification, one rule each: the access is ignored, or the device ends in
 * NEEDS_RESET. Same fake backend as test-vdev.c.
 */
#include <endian.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>

#include "vdev-fixture.h"

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

	fake_bring_up(f);
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
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER);
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

	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_FAILED);
	fake_queue_config(f, 1, QNUM, RING_GPA(1), RING_GPA(1) + 0x1000,
			  RING_GPA(1) + 0x2000);
	vdev_queue_write(&f->vdev, 1, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_READY), 0);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	assert_false(vdev_is_live(&f->vdev));
	/* FAILED and DRIVER_OK in one write: not activated either. */
	fake_negotiate(f, ~0ull);
	fake_status_add(f, VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_DRIVER_OK);
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
	fake_negotiate(f, accept);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
	vdev_set_guest_features(&f->vdev, 0, 1 << 5);
	vdev_set_guest_features(&f->vdev, 1, 0);
	assert_int_equal(f->vdev.guest_features, accept);
}

static void test_hostile_features_ok_without_version_1(void **state)
{
	struct fake *f = *state;

	fake_negotiate(f, DEV_FEATURES);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(f->validates, 0);
	/* The driver may fix its choice and try again. */
	vdev_set_guest_features(&f->vdev, 1, 1);
	fake_status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void test_hostile_queue_config_after_ready(void **state)
{
	struct fake *f = *state;
	struct driver_ring *r = &f->ring[0];

	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_queue_config(f, 0, 4, RAM_GPA + 0x20000, RAM_GPA + 0x21000,
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

	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	driver_ring_init(&f->ring[1], &f->flat, QNUM, RING_GPA(1));
	fake_queue_config(f, 1, QNUM, f->ring[1].desc_gpa, f->ring[1].avail_gpa,
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

	fake_negotiate(f, ~0ull);
	fake_queue_config(f, 0, QNUM, RAM_GPA + RAM_SIZE - 0x80, RAM_GPA,
			  RAM_GPA + 0x1000);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	fake_assert_needs_reset(f);
	assert_int_equal(f->flat.live_rings, 0);
	/* Not DRIVER_OK yet: no interrupt; the driver hears at DRIVER_OK. */
	assert_int_equal(vdev_read_isr(&f->vdev), 0);
	assert_int_equal(f->irq_calls, 0);
	/* A failed device starts no other queue either. */
	fake_queue_config(f, 1, QNUM, RING_GPA(1), RING_GPA(1) + 0x1000,
			  RING_GPA(1) + 0x2000);
	vdev_queue_write(&f->vdev, 1, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 1, VDEV_QUEUE_READY), 0);
	assert_int_equal(f->flat.live_rings, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
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
		fake_negotiate(f, ~0ull);
		driver_ring_init(&f->ring[0], &f->flat, QNUM, RING_GPA(0));
		fake_queue_config(f, 0, QNUM, f->ring[0].desc_gpa,
				  f->ring[0].avail_gpa, f->ring[0].used_gpa);
		vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_NUM, bad[i]);
		vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
		assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY),
				 0);
		fake_assert_needs_reset(f);
	}
	/* Misaligned descriptor table (§2.7.10: 16 bytes). */
	fake_negotiate(f, ~0ull);
	fake_queue_config(f, 0, QNUM, RING_GPA(0) + 8, RING_GPA(0) + 0x1000,
			  RING_GPA(0) + 0x2000);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	fake_assert_needs_reset(f);
}

static void test_hostile_ready_at_wrong_time(void **state)
{
	struct fake *f = *state;

	vdev_set_status(&f->vdev,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_ring_init(&f->ring[0], &f->flat, QNUM, RING_GPA(0));
	fake_queue_config(f, 0, QNUM, f->ring[0].desc_gpa, f->ring[0].avail_gpa,
			  f->ring[0].used_gpa);
	vdev_queue_write(&f->vdev, 0, VDEV_QUEUE_READY, 1);
	assert_int_equal(vdev_queue_read(&f->vdev, 0, VDEV_QUEUE_READY), 0);
	assert_int_equal(f->flat.live_rings, 0);
	vdev_set_guest_features(&f->vdev, 1, 1);
	fake_status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
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

	fake_bring_up(f);
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

	fake_bring_up(f);
	/* An available entry naming a descriptor past the table. */
	f->ring[0].avail->ring[0] = htole16(QNUM + 3);
	__atomic_store_n(&f->ring[0].avail->idx, htole16(1), __ATOMIC_RELEASE);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 1);
	fake_assert_needs_reset(f);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
	assert_int_equal(f->ring[0].used->idx, 0);

	fake_add_request(f, 1, 0);
	vdev_queue_notify(&f->vdev, 1);
	assert_int_equal(f->notifies, 1);
	assert_null(vdev_pop(&f->vdev, 1));
	assert_int_equal(f->ring[1].used->idx, 0);
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_hostile_notify_before_driver_ok(void **state)
{
	struct fake *f = *state;

	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 0);
	assert_null(vdev_pop(&f->vdev, 0));
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_hostile_ack_undefined_bits(void **state)
{
	struct fake *f = *state;

	fake_bring_up(f);
	vdev_config_changed(&f->vdev);
	vdev_ack_isr(&f->vdev, ~VDEV_ISR_CONFIG);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
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
