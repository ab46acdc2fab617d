/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the virtio-mmio register file (src/vmmio.c): every register
 * through vmmio_read()/vmmio_write() as a guest's loads and stores would
 * reach it. Access shapes a guest must not use are in test-vmmio-hostile.c.
 */
#include <endian.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "vmmio-fixture.h"

static void test_identity(void **state)
{
	struct fake *f = *state;

	assert_int_equal(fake_rd(f, VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_VENDOR_ID), VMMIO_VENDOR_ID);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void test_probe_and_interrupt(void **state)
{
	struct fake *f = *state;
	const struct driver_buf buf = { BUF_GPA, 32, true };
	uint32_t id, len;
	uint16_t head;

	fake_probe(f);
	assert_int_equal(f->vdev.guest_features, f->vdev.host_features);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_FEATURES_OK |
				 VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 1);
	head = driver_ring_add_chain(&f->ring, &buf, 1);
	driver_ring_make_avail(&f->ring, head);
	fake_wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->notifies, 1);
	assert_true(driver_ring_get_used(&f->ring, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 32);
	assert_true(f->irq);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING);
	fake_wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(f->irq);
	/* QueueNotify of the queue not set up: ignored. */
	fake_wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notifies, 1);
}

static void test_device_features_sel(void **state)
{
	struct fake *f = *state;
	uint64_t host = f->vdev.host_features;

	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES),
			 (uint32_t)host);
	assert_true(fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << 3));
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES), host >> 32);
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, UINT32_MAX);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_driver_features(void **state)
{
	struct fake *f = *state;

	fake_wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1u << 3);
	assert_int_equal(f->vdev.guest_features,
			 1ull << VIRTIO_F_VERSION_1 | 1ull << 3);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 7);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(f->vdev.guest_features,
			 1ull << VIRTIO_F_VERSION_1 | 1ull << 3);
}

static void test_queue_registers(void **state)
{
	struct fake *f = *state;
	struct vdev_queue *q = &f->vdev.queues[0];

	fake_wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	fake_wr(f, VIRTIO_MMIO_QUEUE_NUM, 4);
	fake_wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x11110000);
	fake_wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x1);
	fake_wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x22220000);
	fake_wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0x2);
	fake_wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, 0x33330000);
	fake_wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, 0x3);
	assert_int_equal(q->num, 4);
	assert_int_equal(q->desc, 0x111110000ull);
	assert_int_equal(q->driver, 0x222220000ull);
	assert_int_equal(q->device, 0x333330000ull);
	assert_int_equal(f->vdev.queues[1].num, 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_status_reset_clears_selects(void **state)
{
	struct fake *f = *state;

	fake_wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fake_wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_SHM_SEL, 1);
	fake_wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(f->mmio.queue_sel, 0);
	assert_int_equal(f->mmio.device_features_sel, 0);
	assert_int_equal(f->mmio.driver_features_sel, 0);
	assert_int_equal(f->mmio.shm_sel, 0);
	assert_ptr_equal(f->mmio.vdev, &f->vdev);
}

static void test_shm_and_queue_reset(void **state)
{
	struct fake *f = *state;

	fake_wr(f, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffff);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
	assert_int_equal(fake_rd(f, QUEUE_RESET), 0);
	fake_probe(f);
	fake_wr(f, QUEUE_RESET, 1);
	assert_int_equal(fake_rd(f, QUEUE_RESET), 0);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_true(vdev_is_live(&f->vdev));
}

static void test_config_generation(void **state)
{
	struct fake *f = *state;
	uint32_t gen = fake_rd(f, VIRTIO_MMIO_CONFIG_GENERATION);

	vdev_config_changed(&f->vdev);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
	assert_false(f->irq);
	fake_probe(f);
	vdev_config_changed(&f->vdev);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen + 2);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->irq);
	fake_wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_false(f->irq);
}

static void test_config_space(void **state)
{
	struct fake *f = *state;
	uint32_t word;
	uint64_t v;

	assert_int_equal(vmmio_read(&f->mmio, 0x101, 1, &v), 0);
	assert_int_equal(v, 0xa1);
	assert_int_equal(vmmio_read(&f->mmio, 0x102, 2, &v), 0);
	assert_int_equal(v, 0xa3a2);
	assert_int_equal(vmmio_read(&f->mmio, 0x104, 4, &v), 0);
	assert_int_equal(v, 0xa7a6a5a4);
	assert_int_equal(vmmio_read(&f->mmio, 0x110, 8, &v), 0);
	assert_int_equal(v, 0xb7b6b5b4b3b2b1b0ull);
	assert_int_equal(vmmio_write(&f->mmio, 0x100, 1, 0x5a), 0);
	assert_int_equal(vmmio_write(&f->mmio, 0x106, 2, 0x1234), 0);
	assert_int_equal(vmmio_write(&f->mmio, 0x108, 4, 0xdeadbeef), 0);
	assert_int_equal(vmmio_write(&f->mmio, 0x110, 8, 0x0123456789abcdef),
			 0);
	assert_int_equal(f->config[0], 0x5a);
	assert_int_equal(f->config[6], 0x34);
	assert_int_equal(f->config[7], 0x12);
	memcpy(&word, &f->config[8], sizeof(word));
	assert_int_equal(le32toh(word), 0xdeadbeef);
	assert_int_equal(vmmio_read(&f->mmio, 0x110, 8, &v), 0);
	assert_int_equal(v, 0x0123456789abcdefull);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_probe_and_interrupt),
		T(test_device_features_sel),
		T(test_driver_features),
		T(test_queue_registers),
		T(test_status_reset_clears_selects),
		T(test_shm_and_queue_reset),
		T(test_config_generation),
		T(test_config_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
