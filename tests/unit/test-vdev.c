/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the transport-neutral device (src/vdev.c, src/vdev-queue.c): the
 * driver's side is played by calling the vdev_* functions in the order Linux
 * does, the backend is a fake that pops, holds and completes requests
 * (vdev-fixture.c). A driver breaking the rules is in test-vdev-hostile.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vdev-fixture.h"

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

	p = fake_params(f), p.ops = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.num_queues = 0;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.queue_num_max = 12;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.queue_num_max = 2 * VQ_NUM_MAX;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.max_iov = 0;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.config = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
	p = fake_params(f), p.mem = NULL;
	assert_int_equal(vdev_init(&v, &p), -EINVAL);
}

static void test_probe_sequence(void **state)
{
	struct fake *f = *state;
	uint32_t id, len;
	uint16_t head;

	fake_bring_up(f);
	assert_int_equal(f->validates, 1);
	assert_int_equal(f->validated, f->vdev.host_features);
	assert_int_equal(f->activations, 1);
	assert_int_equal(f->vdev.guest_features, f->vdev.host_features);
	assert_int_equal(vdev_get_guest_features(&f->vdev, 1), 1);

	head = fake_add_request(f, 1, 0);
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
	fake_add_request(f, 1, 1);
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

	fake_bring_up(f);
	vdev_config_changed(&f->vdev);
	fake_add_request(f, 0, 0);
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
	fake_bring_up(f);
	vdev_config_changed(&f->vdev);
	assert_int_equal(vdev_config_generation(&f->vdev), gen + 2);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
}

static void test_reset_returns_inflight(void **state)
{
	struct fake *f = *state;
	uint32_t id, len;

	fake_bring_up(f);
	f->hold = true;
	fake_add_request(f, 0, 0);
	fake_add_request(f, 0, 1);
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

	fake_bring_up(f);
	vdev_fail(&f->vdev, "test %d", 1);
	fake_assert_needs_reset(f);
	fake_bring_up(f);
	assert_int_equal(f->activations, 2);
	fake_add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_true(driver_ring_get_used(&f->ring[0], &id, &len));
}

static void test_fail_releases_inflight(void **state)
{
	struct fake *f = *state;

	fake_bring_up(f);
	f->hold = true;
	fake_add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->nheld, 1);
	vdev_fail(&f->vdev, "backend error");
	fake_assert_needs_reset(f);
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

	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
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
	fake_negotiate(f, ~0ull);
	assert_int_equal(f->validates, 1);
	assert_int_equal(vdev_get_status(&f->vdev),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 0);
	/* Linux gives up with FAILED. */
	fake_status_add(f, VIRTIO_CONFIG_S_FAILED);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_FAILED);
}

static void test_activate_failure(void **state)
{
	struct fake *f = *state;

	f->activate_rc = -EIO;
	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 1);
	fake_assert_needs_reset(f);
	assert_true(vdev_get_status(&f->vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(vdev_read_isr(&f->vdev), VDEV_ISR_CONFIG);
	assert_true(f->irq);
	fake_add_request(f, 0, 0);
	vdev_queue_notify(&f->vdev, 0);
	assert_int_equal(f->notifies, 0);
	assert_null(vdev_pop(&f->vdev, 0));
}

static void count_live(void *opaque, struct vdev *vdev)
{
	struct fake *f = opaque;

	assert_ptr_equal(vdev, &f->vdev);
	f->lives++;
}

/* The platform hears of DRIVER_OK once per bring-up, not of a failed one. */
static void test_live_notifier(void **state)
{
	struct fake *f = *state;

	vdev_set_live_notifier(&f->vdev, count_live, f);
	fake_bring_up(f);
	assert_int_equal(f->lives, 1);
	vdev_set_status(&f->vdev, 0);
	fake_bring_up(f);
	assert_int_equal(f->lives, 2);
	vdev_set_status(&f->vdev, 0);
	f->activate_rc = -EIO;
	fake_negotiate(f, ~0ull);
	fake_queue_setup(f, 0);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->lives, 2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_offers_features),
		T(test_init_rejects),
		T(test_probe_sequence),
		T(test_isr_config_and_queue),
		T(test_config_read_sizes),
		T(test_config_write),
		cmocka_unit_test_setup_teardown(test_config_read_only,
						fake_setup_ro, fake_teardown),
		T(test_config_changed),
		T(test_reset_returns_inflight),
		T(test_reset_then_bring_up_again),
		T(test_fail_releases_inflight),
		T(test_queue_disable_before_driver_ok),
		T(test_validate_features_refusal),
		T(test_activate_failure),
		T(test_live_notifier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
