/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the virtio-mmio register file (src/vmmio.c): every register
 * through vmmio_read()/vmmio_write() as a guest's loads and stores would
 * reach it, and every access shape a guest must not use.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "driver-ring.h"
#include "gmem.h"
#include "vdev.h"
#include "vmmio.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x100000ull
#define BUF_GPA (RAM_GPA + 0x80000)
#define QNUM 8
#define NQUEUES 2
#define DEV_ID 26
#define MAGIC 0x74726976u
/* Not in every kernel's <linux/virtio_mmio.h>: virtio 1.2 §4.2.2 table. */
#define QUEUE_RESET 0x0c0

struct fake {
	struct vdev vdev;
	struct vmmio mmio;
	struct gmem_flat flat;
	struct logger logger;
	uint8_t config[24];
	struct driver_ring ring;
	unsigned notifies, activations;
	bool irq;
};

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

static int setup(void **state)
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

static int teardown(void **state)
{
	struct fake *f = *state;

	vdev_fini(&f->vdev);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

static uint32_t rd(struct fake *f, uint64_t off)
{
	uint64_t v = 0;

	assert_int_equal(vmmio_read(&f->mmio, off, 4, &v), 0);
	assert_true(v <= UINT32_MAX);
	return (uint32_t)v;
}

static void wr(struct fake *f, uint64_t off, uint32_t v)
{
	assert_int_equal(vmmio_write(&f->mmio, off, 4, v), 0);
}

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

static void status_add(struct fake *f, uint32_t bit)
{
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | bit);
}

/* Linux's vm_setup_vq() for queue q, rings in r. */
static void setup_queue(struct fake *f, uint32_t q, struct driver_ring *r)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, QNUM);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc_gpa);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r->desc_gpa >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)r->avail_gpa);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(r->avail_gpa >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)r->used_gpa);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(r->used_gpa >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Linux's probe: reset, ACK, DRIVER, features, FEATURES_OK, queue 1. */
static void probe(struct fake *f)
{
	uint64_t features;

	wr(f, VIRTIO_MMIO_STATUS, 0);
	status_add(f, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status_add(f, VIRTIO_CONFIG_S_DRIVER);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	features = (uint64_t)rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	features |= rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
	assert_int_equal(features, f->vdev.host_features);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	driver_ring_init(&f->ring, &f->flat, QNUM, RAM_GPA);
	setup_queue(f, 1, &f->ring);
	status_add(f, VIRTIO_CONFIG_S_DRIVER_OK);
}

static void test_identity(void **state)
{
	struct fake *f = *state;

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), DEV_ID);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), VMMIO_VENDOR_ID);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void test_probe_and_interrupt(void **state)
{
	struct fake *f = *state;
	const struct driver_buf buf = { BUF_GPA, 32, true };
	uint32_t id, len;
	uint16_t head;

	probe(f);
	assert_int_equal(f->vdev.guest_features, f->vdev.host_features);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_FEATURES_OK |
				 VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->activations, 1);
	head = driver_ring_add_chain(&f->ring, &buf, 1);
	driver_ring_make_avail(&f->ring, head);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->notifies, 1);
	assert_true(driver_ring_get_used(&f->ring, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 32);
	assert_true(f->irq);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(f->irq);
	/* QueueNotify of the queue not set up: ignored. */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notifies, 1);
}

static void test_device_features_sel(void **state)
{
	struct fake *f = *state;
	uint64_t host = f->vdev.host_features;

	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)host);
	assert_true(rd(f, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << 3));
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), host >> 32);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, UINT32_MAX);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_driver_features(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status_add(f, VIRTIO_CONFIG_S_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1u << 3);
	assert_int_equal(f->vdev.guest_features,
			 1ull << VIRTIO_F_VERSION_1 | 1ull << 3);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 7);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(f->vdev.guest_features,
			 1ull << VIRTIO_F_VERSION_1 | 1ull << 3);
}

static void test_queue_registers(void **state)
{
	struct fake *f = *state;
	struct vdev_queue *q = &f->vdev.queues[0];

	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x11110000);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x1);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x22220000);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0x2);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, 0x33330000);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, 0x3);
	assert_int_equal(q->num, 4);
	assert_int_equal(q->desc, 0x111110000ull);
	assert_int_equal(q->driver, 0x222220000ull);
	assert_int_equal(q->device, 0x333330000ull);
	assert_int_equal(f->vdev.queues[1].num, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_status_reset_clears_selects(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_SHM_SEL, 1);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(f->mmio.queue_sel, 0);
	assert_int_equal(f->mmio.device_features_sel, 0);
	assert_int_equal(f->mmio.driver_features_sel, 0);
	assert_int_equal(f->mmio.shm_sel, 0);
	assert_ptr_equal(f->mmio.vdev, &f->vdev);
}

static void test_shm_and_queue_reset(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
	assert_int_equal(rd(f, QUEUE_RESET), 0);
	probe(f);
	wr(f, QUEUE_RESET, 1);
	assert_int_equal(rd(f, QUEUE_RESET), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_true(vdev_is_live(&f->vdev));
}

static void test_config_generation(void **state)
{
	struct fake *f = *state;
	uint32_t gen = rd(f, VIRTIO_MMIO_CONFIG_GENERATION);

	vdev_config_changed(&f->vdev);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
	assert_false(f->irq);
	probe(f);
	vdev_config_changed(&f->vdev);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen + 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->irq);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
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
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status_add(f, VIRTIO_CONFIG_S_DRIVER);
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
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
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

	probe(f);
	vdev_config_changed(&f->vdev);
	snap(f, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(read_only); i++) {
		wr_refused(f, read_only[i], 4, 0);
		wr_refused(f, read_only[i], 4, 0xffffffff);
	}
	assert_unchanged(f, &before);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
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
	status_add(f, VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
		wr(f, VIRTIO_MMIO_QUEUE_SEL, sels[i]);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		wr(f, VIRTIO_MMIO_QUEUE_NUM, QNUM);
		wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
		wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, sels[i]);
	}
	for (unsigned q = 0; q < NQUEUES; q++) {
		assert_int_equal(f->vdev.queues[q].num, 0);
		assert_int_equal(f->vdev.queues[q].desc, 0);
		assert_false(f->vdev.queues[q].ready);
	}
	assert_int_equal(f->notifies, 0);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
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
	wr(f, VIRTIO_MMIO_STATUS, 0x100);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(f, VIRTIO_MMIO_STATUS, 0xffffff07);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

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
