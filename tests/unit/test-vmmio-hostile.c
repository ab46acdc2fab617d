/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio register file (src/vmmio.c) against every access shape a
 * guest must not use: wrong sizes, misaligned, reads of write-only and
 * writes of read-only registers, undefined offsets, beyond the window. Each
 * is refused (a refused read returns all ones) or ignored, and changes
 * nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "vmmio-fixture.h"

static void rd_refused(struct fake *f, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	uint64_t ones = size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;

	assert_int_equal(vmmio_read(&f->mmio, off, size, &v), -EINVAL);
	assert_int_equal(v, ones);
}

static void wr_refused(struct fake *f, uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(vmmio_write(&f->mmio, off, size, v), -EINVAL);
}

/* Every control register of §4.2.2's table, readable or not. */
static const uint32_t readable[] = {
	VIRTIO_MMIO_MAGIC_VALUE,
	VIRTIO_MMIO_VERSION,
	VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID,
	VIRTIO_MMIO_DEVICE_FEATURES,
	VIRTIO_MMIO_QUEUE_NUM_MAX,
	VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_INTERRUPT_STATUS,
	VIRTIO_MMIO_STATUS,
	VIRTIO_MMIO_SHM_LEN_LOW,
	VIRTIO_MMIO_SHM_LEN_HIGH,
	VIRTIO_MMIO_SHM_BASE_LOW,
	VIRTIO_MMIO_SHM_BASE_HIGH,
	QUEUE_RESET,
	VIRTIO_MMIO_CONFIG_GENERATION,
};

static const uint32_t write_only[] = {
	VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM,		 VIRTIO_MMIO_QUEUE_NOTIFY,
	VIRTIO_MMIO_INTERRUPT_ACK,	 VIRTIO_MMIO_QUEUE_DESC_LOW,
	VIRTIO_MMIO_QUEUE_DESC_HIGH,	 VIRTIO_MMIO_QUEUE_AVAIL_LOW,
	VIRTIO_MMIO_QUEUE_AVAIL_HIGH,	 VIRTIO_MMIO_QUEUE_USED_LOW,
	VIRTIO_MMIO_QUEUE_USED_HIGH,	 VIRTIO_MMIO_SHM_SEL,
};

static const uint32_t read_only[] = {
	VIRTIO_MMIO_MAGIC_VALUE,      VIRTIO_MMIO_VERSION,
	VIRTIO_MMIO_DEVICE_ID,	      VIRTIO_MMIO_VENDOR_ID,
	VIRTIO_MMIO_DEVICE_FEATURES,  VIRTIO_MMIO_QUEUE_NUM_MAX,
	VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_SHM_LEN_LOW,
	VIRTIO_MMIO_SHM_LEN_HIGH,     VIRTIO_MMIO_SHM_BASE_LOW,
	VIRTIO_MMIO_SHM_BASE_HIGH,    VIRTIO_MMIO_CONFIG_GENERATION,
};

/* Legacy (version 1) registers and holes in the table. */
static const uint32_t undefined[] = {
	VIRTIO_MMIO_GUEST_PAGE_SIZE,
	VIRTIO_MMIO_QUEUE_ALIGN,
	VIRTIO_MMIO_QUEUE_PFN,
	0x018,
	0x048,
	0x054,
	0x068,
	0x088,
	0x0a8,
	0x0c4,
	0x0f8,
};

/* What a guest could have changed, to prove a refused write did not. */
struct snap {
	struct vmmio mmio;
	uint8_t status;
	uint64_t guest_features;
	uint32_t isr, gen;
	struct vdev_queue q0;
	uint8_t config[24];
};

static void snap(struct fake *f, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->mmio = f->mmio;
	s->status = f->vdev.status;
	s->guest_features = f->vdev.guest_features;
	s->isr = f->vdev.isr;
	s->gen = f->vdev.config_generation;
	memcpy(&s->q0, &f->vdev.queues[0], sizeof(s->q0));
	memcpy(s->config, f->config, sizeof(s->config));
}

static void assert_unchanged(struct fake *f, const struct snap *before)
{
	struct snap now;

	snap(f, &now);
	assert_memory_equal(&now, before, sizeof(now));
}

/* Past ACK and DRIVER, queue 0 selected, so writes would change things. */
static void half_probe(struct fake *f)
{
	fake_wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	fake_status_add(f, VIRTIO_CONFIG_S_DRIVER);
	vdev_config_changed(&f->vdev);
}

static void test_hostile_access_sizes(void **state)
{
	struct fake *f = *state;
	const unsigned sizes[] = { 1, 2, 8, 0, 3, 16 };
	struct snap before;

	half_probe(f);
	snap(f, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (unsigned r = 0; r < ARRAY_SIZE(readable); r++)
			rd_refused(f, readable[r], sizes[i]);
		for (unsigned r = 0; r < ARRAY_SIZE(write_only); r++)
			wr_refused(f, write_only[r], sizes[i], 1);
		wr_refused(f, VIRTIO_MMIO_STATUS, sizes[i], 0);
		wr_refused(f, VIRTIO_MMIO_QUEUE_READY, sizes[i], 1);
	}
	assert_unchanged(f, &before);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
}

static void test_hostile_misaligned(void **state)
{
	struct fake *f = *state;
	struct snap before;

	half_probe(f);
	snap(f, &before);
	for (unsigned off = 1; off < 4; off++) {
		rd_refused(f, VIRTIO_MMIO_MAGIC_VALUE + off, 4);
		rd_refused(f, VIRTIO_MMIO_STATUS + off, 4);
		wr_refused(f, VIRTIO_MMIO_STATUS + off, 4, 0);
		wr_refused(f, VIRTIO_MMIO_QUEUE_SEL + off, 4, 1);
		rd_refused(f, VIRTIO_MMIO_STATUS + off, 2);
		rd_refused(f, VIRTIO_MMIO_STATUS + off, 1);
	}
	assert_unchanged(f, &before);
}

static void test_hostile_read_write_only(void **state)
{
	struct fake *f = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(write_only); i++)
		rd_refused(f, write_only[i], 4);
}

static void test_hostile_write_read_only(void **state)
{
	struct fake *f = *state;
	struct snap before;

	fake_probe(f);
	vdev_config_changed(&f->vdev);
	snap(f, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(read_only); i++) {
		wr_refused(f, read_only[i], 4, 0);
		wr_refused(f, read_only[i], 4, 0xffffffff);
	}
	assert_unchanged(f, &before);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_CONFIG);
}

static void test_hostile_undefined_registers(void **state)
{
	struct fake *f = *state;
	struct snap before;

	half_probe(f);
	snap(f, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(undefined); i++) {
		rd_refused(f, undefined[i], 4);
		wr_refused(f, undefined[i], 4, 1);
	}
	assert_unchanged(f, &before);
}

static void test_hostile_queue_sel_out_of_range(void **state)
{
	struct fake *f = *state;
	const uint32_t sels[] = { NQUEUES, 0x10000, UINT32_MAX };

	half_probe(f);
	fake_status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		fake_wr(f, VIRTIO_MMIO_QUEUE_SEL, sels[i]);
		assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
		assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		fake_wr(f, VIRTIO_MMIO_QUEUE_NUM, QNUM);
		fake_wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
		fake_wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(fake_rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		fake_wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, sels[i]);
	}
	for (unsigned q = 0; q < NQUEUES; q++) {
		assert_int_equal(f->vdev.queues[q].num, 0);
		assert_int_equal(f->vdev.queues[q].desc, 0);
		assert_false(f->vdev.queues[q].ready);
	}
	assert_int_equal(f->notifies, 0);
	assert_false(fake_rd(f, VIRTIO_MMIO_STATUS) &
		     VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_hostile_beyond_config_and_window(void **state)
{
	struct fake *f = *state;
	const uint64_t offs[] = {
		0x100 + sizeof(f->config), 0x1f8, VMMIO_WINDOW_SIZE, 0x1000,
		UINT64_MAX - 3,
		/* Its low 32 bits would name config byte 4. */
		0x100000104ull, UINT64_MAX - 7
	};
	uint8_t before[sizeof(f->config)];

	memcpy(before, f->config, sizeof(before));
	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
		rd_refused(f, offs[i], 4);
		rd_refused(f, offs[i], 8);
		wr_refused(f, offs[i], 4, 0);
		wr_refused(f, offs[i], 1, 0);
	}
	/* Straddling the end of the configuration space. */
	rd_refused(f, 0x100 + sizeof(f->config) - 4, 8);
	wr_refused(f, 0x100 + sizeof(f->config) - 4, 8, 0);
	assert_memory_equal(f->config, before, sizeof(before));
}

static void test_hostile_config_misaligned(void **state)
{
	struct fake *f = *state;
	uint8_t before[sizeof(f->config)];

	memcpy(before, f->config, sizeof(before));
	rd_refused(f, 0x101, 2);
	rd_refused(f, 0x102, 4);
	rd_refused(f, 0x104, 8);
	rd_refused(f, 0x100, 3);
	wr_refused(f, 0x101, 2, 0);
	wr_refused(f, 0x106, 4, 0);
	wr_refused(f, 0x10c, 8, 0);
	wr_refused(f, 0x100, 16, 0);
	assert_memory_equal(f->config, before, sizeof(before));
}

static void test_hostile_status_wide_value(void **state)
{
	struct fake *f = *state;

	half_probe(f);
	/* The low byte is 0: taken as 8 bits, this would be a reset. */
	fake_wr(f, VIRTIO_MMIO_STATUS, 0x100);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	fake_wr(f, VIRTIO_MMIO_STATUS, 0xffffff07);
	assert_int_equal(fake_rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fake_setup, fake_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostile_access_sizes),
		T(test_hostile_misaligned),
		T(test_hostile_read_write_only),
		T(test_hostile_write_read_only),
		T(test_hostile_undefined_registers),
		T(test_hostile_queue_sel_out_of_range),
		T(test_hostile_beyond_config_and_window),
		T(test_hostile_config_misaligned),
		T(test_hostile_status_wide_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
