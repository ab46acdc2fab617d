/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the virtio-blk backend (backends/blk/): a temporary file is the
 * disk, flat guest RAM holds the rings and buffers, a real loop reaps the
 * io_uring completions. The driver's side is played through the vdev calls
 * in the order Linux makes them (blk-fixture.c).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include "blk/blk.h"
#include "blk-fixture.h"
#include "evloop.h"
#include "vdev.h"

static const struct setup_cfg cfg_plain = { .num_queues = 1 };
static const struct setup_cfg cfg_split = { .num_queues = 1,
					    .split_pages = true };
static const struct setup_cfg cfg_ro = { .num_queues = 1, .readonly = true };
static const struct setup_cfg cfg_mq = { .num_queues = 2 };
/* The disk on tmpfs: the storage reads and writes it inline. */
static const struct setup_cfg cfg_ram = { .num_queues = 1, .in_ram = true };
static const struct setup_cfg cfg_ram_mq = { .num_queues = 2, .in_ram = true };
static const struct setup_cfg cfg_ram_split = { .num_queues = 1,
						.split_pages = true,
						.in_ram = true };

static void test_config(void **state)
{
	struct fix *f = *state;

	assert_int_equal(CFG(f, capacity), DISK_SECTORS);
	assert_int_equal(CFG(f, blk_size), 512);
	assert_true(CFG(f, seg_max) >= 1);
	assert_true(CFG(f, size_max) >= 512);
	assert_int_equal(CFG(f, discard_sector_alignment), 1);
	assert_true(CFG(f, max_discard_seg) >= 1);
	assert_true(CFG(f, max_write_zeroes_seg) >= 1);
	assert_int_equal(CFG(f, write_zeroes_may_unmap), 1);
	assert_true(fx_offered(f, VIRTIO_BLK_F_FLUSH));
	assert_true(fx_offered(f, VIRTIO_BLK_F_SEG_MAX));
	assert_true(fx_offered(f, VIRTIO_BLK_F_SIZE_MAX));
	assert_true(fx_offered(f, VIRTIO_BLK_F_BLK_SIZE));
	assert_true(fx_offered(f, VIRTIO_BLK_F_DISCARD));
	assert_true(fx_offered(f, VIRTIO_BLK_F_WRITE_ZEROES));
	assert_false(fx_offered(f, VIRTIO_BLK_F_RO));
	assert_false(fx_offered(f, VIRTIO_BLK_F_MQ));
}

static void test_read(void **state)
{
	struct fix *f = *state;
	uint8_t want[1024];
	uint32_t used;

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = fx_pattern(3 * 512 + i);
	memset(fx_ptr(f, DATA_GPA, 1024), 0, 1024);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 3, 1024, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1024 + 1);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 1024), want, 1024);
	/* The last sector, exactly up to the capacity. */
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 512, NULL),
		VIRTIO_BLK_S_OK);
}

static void test_write(void **state)
{
	struct fix *f = *state;
	uint32_t used;

	fx_fill_guest(f, DATA_GPA, 2048, 5);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_OUT, 5, 2048, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
	fx_assert_disk(f, 5 * 512, fx_ptr(f, DATA_GPA, 2048), 2048);
	fx_assert_pattern(f, 0, 5 * 512);
	fx_assert_pattern(f, 9 * 512, 512);
}

/*
 * Data in three descriptors, each crossing a page: with split_pages the
 * provider hands out one iovec per page piece.
 */
static void test_multi_segment_page_crossing(void **state)
{
	struct fix *f = *state;
	const uint64_t d[3] = { DATA_GPA + 0xe00, DATA_GPA + 0x2f00,
				DATA_GPA + 0x4c00 };
	const uint32_t len[3] = { 0x400, 0x600, 0x800 };
	struct chain c = { .n = 0 };
	uint8_t want[0x1200];
	size_t at = 0;

	/* Write from three scattered buffers... */
	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_OUT, 16);
	fx_add(&c, HDR_GPA, 16, false);
	for (int i = 0; i < 3; i++) {
		fx_fill_guest(f, d[i], len[i], (uint8_t)(i * 40));
		memcpy(want + at, fx_ptr(f, d[i], len[i]), len[i]);
		at += len[i];
		fx_add(&c, d[i], len[i], false);
	}
	fx_add(&c, ST_GPA, 1, true);
	assert_int_equal(fx_wait_used(f, 0, fx_kick(f, 0, &c)), 1);
	assert_int_equal(*(uint8_t *)fx_ptr(f, ST_GPA, 1), VIRTIO_BLK_S_OK);
	fx_assert_disk(f, 16 * 512, want, sizeof(want));

	/* ... and read it back into them, cleared. */
	c.n = 0;
	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 16);
	fx_add(&c, HDR_GPA, 16, false);
	for (int i = 0; i < 3; i++) {
		memset(fx_ptr(f, d[i], len[i]), 0, len[i]);
		fx_add(&c, d[i], len[i], true);
	}
	fx_add(&c, ST_GPA, 1, true);
	assert_int_equal(fx_wait_used(f, 0, fx_kick(f, 0, &c)),
			 sizeof(want) + 1);
	at = 0;
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(fx_ptr(f, d[i], len[i]), want + at, len[i]);
		at += len[i];
	}
}

/* §2.7.4: the header in two pieces, or sharing a descriptor with data. */
static void test_header_split(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };
	uint8_t want[512];

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 7);
	fx_add(&c, HDR_GPA, 10, false);
	fx_add(&c, HDR_GPA + 10, 6, false);
	fx_add(&c, DATA_GPA, 512, true);
	fx_add(&c, ST_GPA, 1, true);
	assert_int_equal(fx_wait_used(f, 0, fx_kick(f, 0, &c)), 513);
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = fx_pattern(7 * 512 + i);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 512), want, 512);

	/* Header and data of a write in one descriptor. */
	c.n = 0;
	fx_put_hdr(f, DATA_GPA, VIRTIO_BLK_T_OUT, 9);
	fx_fill_guest(f, DATA_GPA + 16, 1024, 77);
	fx_add(&c, DATA_GPA, 16 + 1024, false);
	fx_add(&c, ST_GPA, 1, true);
	assert_int_equal(fx_wait_used(f, 0, fx_kick(f, 0, &c)), 1);
	assert_int_equal(*(uint8_t *)fx_ptr(f, ST_GPA, 1), VIRTIO_BLK_S_OK);
	fx_assert_disk(f, 9 * 512, fx_ptr(f, DATA_GPA + 16, 1024), 1024);
}

/* The status byte at the end of the data's own descriptor. */
static void test_status_shares_iovec(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };
	uint8_t want[1024];
	uint8_t *p = fx_ptr(f, DATA_GPA, 1025);

	memset(p, 0xee, 1025);
	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 20);
	fx_add(&c, HDR_GPA, 16, false);
	fx_add(&c, DATA_GPA, 1025, true);
	assert_int_equal(fx_wait_used(f, 0, fx_kick(f, 0, &c)), 1025);
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = fx_pattern(20 * 512 + i);
	assert_memory_equal(p, want, 1024);
	assert_int_equal(p[1024], VIRTIO_BLK_S_OK);
}

static void test_flush(void **state)
{
	struct fix *f = *state;
	uint32_t used;

	fx_fill_guest(f, DATA_GPA, 512, 1);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_OUT, 0, 512, NULL),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_FLUSH, 0, 0, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
}

static void test_get_id(void **state)
{
	struct fix *f = *state;
	char want[VIRTIO_BLK_ID_BYTES] = SERIAL;
	uint32_t used;

	memset(fx_ptr(f, DATA_GPA, 32), 0xee, 32);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_GET_ID, 0, 20, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 21);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 20), want, 20);
	/* A smaller buffer gets what fits, and nothing beyond it. */
	memset(fx_ptr(f, DATA_GPA, 32), 0xee, 32);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_GET_ID, 0, 8, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 9);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 8), want, 8);
	assert_int_equal(*(uint8_t *)fx_ptr(f, DATA_GPA + 8, 1), 0xee);
}

static void test_discard(void **state)
{
	struct fix *f = *state;
	const uint64_t sector[2] = { 8, 64 };
	const uint32_t num[2] = { 8, 16 }, flags[2] = { 0, 0 };

	fx_put_segs(f, sector, num, flags, 2);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, 32, NULL),
			 VIRTIO_BLK_S_OK);
	fx_assert_zero(f, 8 * 512, 8 * 512);
	fx_assert_zero(f, 64 * 512, 16 * 512);
	fx_assert_pattern(f, 0, 8 * 512);
	fx_assert_pattern(f, 16 * 512, 48 * 512);
	fx_assert_pattern(f, 80 * 512, DISK_SIZE - 80 * 512);
}

static void test_write_zeroes(void **state)
{
	struct fix *f = *state;
	const uint64_t sector[2] = { 3, 100 };
	const uint32_t num[2] = { 2, 5 };
	const uint32_t flags[2] = { VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, 0 };
	uint8_t st;

	/* With unmap: punched. */
	fx_put_segs(f, sector, num, flags, 1);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, NULL),
		VIRTIO_BLK_S_OK);
	fx_assert_zero(f, 3 * 512, 2 * 512);
	fx_assert_pattern(f, 0, 3 * 512);
	fx_assert_pattern(f, 5 * 512, 512);
	/* Without: FALLOC_FL_ZERO_RANGE, or a clean IOERR where missing. */
	fx_put_segs(f, sector + 1, num + 1, flags + 1, 1);
	st = fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, NULL);
	if (f->zero_range) {
		assert_int_equal(st, VIRTIO_BLK_S_OK);
		fx_assert_zero(f, 100 * 512, 5 * 512);
	} else {
		assert_int_equal(st, VIRTIO_BLK_S_IOERR);
	}
	fx_assert_pattern(f, 105 * 512, 512);
}

/* §5.2.6.2: unknown flags, and unmap on a discard, are UNSUPP. */
static void test_dwz_flags_unsupp(void **state)
{
	struct fix *f = *state;
	const uint64_t sector[2] = { 0, 4 };
	const uint32_t num[2] = { 4, 4 };
	const uint32_t unmap[2] = { 0, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP };
	const uint32_t unknown[2] = { 0, 0x2 };

	fx_put_segs(f, sector, num, unmap, 2);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, 32, NULL),
			 VIRTIO_BLK_S_UNSUPP);
	fx_put_segs(f, sector, num, unknown, 2);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 32, NULL),
		VIRTIO_BLK_S_UNSUPP);
	/* Checked before anything ran: the good first segment too. */
	fx_assert_pattern(f, 0, DISK_SIZE);
	assert_true(vdev_is_live(f->vdev));
}

static void test_readonly(void **state)
{
	struct fix *f = *state;
	const uint64_t sector[1] = { 0 };
	const uint32_t num[1] = { 8 }, flags[1] = { 0 };

	assert_true(fx_offered(f, VIRTIO_BLK_F_RO));
	assert_false(fx_offered(f, VIRTIO_BLK_F_DISCARD));
	assert_false(fx_offered(f, VIRTIO_BLK_F_WRITE_ZEROES));
	assert_int_equal(CFG(f, write_zeroes_may_unmap), 0);
	fx_fill_guest(f, DATA_GPA, 512, 9);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_OUT, 0, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	fx_put_segs(f, sector, num, flags, 1);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, 16, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, NULL),
		VIRTIO_BLK_S_IOERR);
	fx_assert_pattern(f, 0, DISK_SIZE);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 0, 512, NULL),
			 VIRTIO_BLK_S_OK);
	assert_true(vdev_is_live(f->vdev));
}

static void test_out_of_range(void **state)
{
	struct fix *f = *state;

	fx_fill_guest(f, DATA_GPA, 1024, 3);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 1024, NULL),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_OUT, DISK_SECTORS, 512, NULL),
		VIRTIO_BLK_S_IOERR);
	/* §5.2.6.1: data in whole sectors only. */
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_OUT, 0, 100, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 0, 700, NULL),
			 VIRTIO_BLK_S_IOERR);
	fx_assert_pattern(f, 0, DISK_SIZE);
	assert_int_equal(lseek(f->fd, 0, SEEK_END), DISK_SIZE);
	assert_true(vdev_is_live(f->vdev));
}

static void test_unknown_type(void **state)
{
	struct fix *f = *state;
	uint32_t used;

	assert_int_equal(fx_request(f, 0, 0x77, 0, 512, &used),
			 VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(used, 1);
	/* VIRTIO_BLK_T_SECURE_ERASE is not offered either. */
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_SECURE_ERASE, 0, 16, NULL),
		VIRTIO_BLK_S_UNSUPP);
	assert_true(vdev_is_live(f->vdev));
}

/* Both queues busy at once; each completes on its own ring. */
static void test_multiqueue(void **state)
{
	struct fix *f = *state;
	struct chain c[2] = { { .n = 0 }, { .n = 0 } };
	uint16_t head[2];

	assert_true(fx_offered(f, VIRTIO_BLK_F_MQ));
	assert_int_equal(CFG(f, num_queues), 2);
	for (unsigned q = 0; q < 2; q++) {
		uint64_t base = BUF_GPA + 0x10000 * q;

		fx_put_hdr(f, base, VIRTIO_BLK_T_OUT, 32 + q);
		fx_fill_guest(f, base + 0x1000, 512, (uint8_t)(q + 50));
		*(uint8_t *)fx_ptr(f, base + 0x800, 1) = 0xee;
		fx_add(&c[q], base, 16, false);
		fx_add(&c[q], base + 0x1000, 512, false);
		fx_add(&c[q], base + 0x800, 1, true);
		head[q] = driver_ring_add_chain(&f->ring[q], c[q].b, c[q].n);
		driver_ring_make_avail(&f->ring[q], head[q]);
	}
	vdev_queue_notify(f->vdev, 1);
	vdev_queue_notify(f->vdev, 0);
	for (unsigned q = 0; q < 2; q++) {
		uint64_t base = BUF_GPA + 0x10000 * q;

		assert_int_equal(fx_wait_used(f, q, head[q]), 1);
		assert_int_equal(*(uint8_t *)fx_ptr(f, base + 0x800, 1),
				 VIRTIO_BLK_S_OK);
		fx_assert_disk(f, (32 + q) * 512, fx_ptr(f, base + 0x1000, 512),
			       512);
	}
}

/*
 * The file shrinks under the device: a read across the new end is short,
 * resubmitted, then fails; the device goes on.
 */
static void test_io_error(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ftruncate(f->fd, 64 * 512), 0);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 62, 4096, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 200, 512, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_true(vdev_is_live(f->vdev));
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 0, 512, NULL),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 16), "\x01\x08\x0f\x16", 4);
}

/*
 * A read that comes back short, as a filesystem may return less than asked
 * (the fixture cuts the first transfer to 512 bytes): the rest is
 * resubmitted from the middle of an iovec and lands where it belongs.
 */
static void test_short_read_resubmitted(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };
	uint8_t want[1024];
	uint16_t head;

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 62);
	memset(fx_ptr(f, DATA_GPA, 0x2000), 0, 0x2000);
	fx_add(&c, HDR_GPA, 16, false);
	fx_add(&c, DATA_GPA, 768, true);
	fx_add(&c, DATA_GPA + 0x1000, 256, true);
	fx_add(&c, ST_GPA, 1, true);
	fx_short_next(512);
	head = fx_kick(f, 0, &c);
	assert_int_equal(fx_wait_used(f, 0, head), 1025);
	assert_int_equal(fx_short_count(), 1);
	assert_int_equal(*(uint8_t *)fx_ptr(f, ST_GPA, 1), VIRTIO_BLK_S_OK);
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = fx_pattern(62 * 512 + i);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 768), want, 768);
	assert_memory_equal(fx_ptr(f, DATA_GPA + 0x1000, 256), want + 768, 256);
}

/* The same for a write: all of it reaches the disk, in place. */
static void test_short_write_resubmitted(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };
	uint8_t want[1024];
	uint16_t head;

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_OUT, 10);
	fx_fill_guest(f, DATA_GPA, 768, 7);
	fx_fill_guest(f, DATA_GPA + 0x1000, 256, 9);
	memcpy(want, fx_ptr(f, DATA_GPA, 768), 768);
	memcpy(want + 768, fx_ptr(f, DATA_GPA + 0x1000, 256), 256);
	fx_add(&c, HDR_GPA, 16, false);
	fx_add(&c, DATA_GPA, 768, false);
	fx_add(&c, DATA_GPA + 0x1000, 256, false);
	fx_add(&c, ST_GPA, 1, true);
	fx_short_next(512);
	head = fx_kick(f, 0, &c);
	assert_int_equal(fx_wait_used(f, 0, head), 1);
	assert_int_equal(fx_short_count(), 1);
	assert_int_equal(*(uint8_t *)fx_ptr(f, ST_GPA, 1), VIRTIO_BLK_S_OK);
	fx_assert_disk(f, 10 * 512, want, sizeof(want));
	fx_assert_pattern(f, 10 * 512 + sizeof(want), 512);
}

/*
 * More bytes in one batch (6 x 56 KiB) than a disk in RAM copies inline in
 * one turn: the rest goes through the ring, and every request gets its
 * data.
 */
#define BIG_REQS 6
#define BIG_SEGS 14u /* + header + status: at most QNUM (§2.7.5.3.1) */
#define BIG_LEN (BIG_SEGS * 4096u)
#define BIG_GPA(i) (BUF_GPA + (uint64_t)BIG_LEN * (i))
#define BIG_META(i) (RAM_GPA + 0x40000ull + 0x1000ull * (i))

static void test_big_batch(void **state)
{
	struct fix *f = *state;
	struct driver_buf b[BIG_SEGS + 2];
	uint32_t id, len;
	unsigned done = 0;

	for (unsigned i = 0; i < BIG_REQS; i++) {
		memset(fx_ptr(f, BIG_GPA(i), BIG_LEN), 0, BIG_LEN);
		fx_put_hdr(f, BIG_META(i), VIRTIO_BLK_T_IN, 0);
		b[0] = (struct driver_buf){ BIG_META(i), 16, false };
		for (unsigned k = 0; k < BIG_SEGS; k++)
			b[k + 1] =
				(struct driver_buf){ BIG_GPA(i) + 4096ull * k,
						     4096, true };
		b[BIG_SEGS + 1] =
			(struct driver_buf){ BIG_META(i) + 0x20, 1, true };
		driver_ring_make_avail(&f->ring[0],
				       driver_ring_add_indirect(
					       &f->ring[0], BIG_META(i) + 0x100,
					       b, BIG_SEGS + 2));
	}
	vdev_queue_notify(f->vdev, 0);
	for (int i = 0; i < 500 && done < BIG_REQS; i++) {
		while (driver_ring_get_used(&f->ring[0], &id, &len)) {
			assert_int_equal(len, BIG_LEN + 1);
			done++;
		}
		if (done < BIG_REQS)
			assert_true(evloop_run_once(f->loop, 10) >= 0);
	}
	assert_int_equal(done, BIG_REQS);
	for (unsigned i = 0; i < BIG_REQS; i++) {
		assert_int_equal(*(uint8_t *)fx_ptr(f, BIG_META(i) + 0x20, 1),
				 VIRTIO_BLK_S_OK);
		for (size_t k = 0; k < BIG_LEN; k += 509)
			assert_int_equal(
				*(uint8_t *)fx_ptr(f, BIG_GPA(i) + k, 1),
				fx_pattern(k));
	}
}

/*
 * A full ring is drained half a ring per turn of the loop: the rest waits
 * for the next turn, without a notification from the driver.
 */
static void test_pop_budget(void **state)
{
	struct fix *f = *state;
	struct driver_buf b[3];
	uint32_t id, len;
	unsigned done = 0;

	for (unsigned i = 0; i < QNUM; i++) {
		uint64_t base = BUF_GPA + 0x100ull * i;

		fx_put_hdr(f, base, VIRTIO_BLK_T_GET_ID, 0);
		b[0] = (struct driver_buf){ base, 16, false };
		b[1] = (struct driver_buf){ base + 0x20, 20, true };
		b[2] = (struct driver_buf){ base + 0x40, 1, true };
		driver_ring_make_avail(&f->ring[0],
				       driver_ring_add_indirect(
					       &f->ring[0], base + 0x80, b, 3));
	}
	vdev_queue_notify(f->vdev, 0);
	while (driver_ring_get_used(&f->ring[0], &id, &len))
		done++;
	assert_int_equal(done, QNUM / 2);
	for (int i = 0; i < 50 && done < QNUM; i++) {
		assert_true(evloop_run_once(f->loop, 10) >= 0);
		while (driver_ring_get_used(&f->ring[0], &id, &len))
			done++;
	}
	assert_int_equal(done, QNUM);
	assert_memory_equal(fx_ptr(f, BUF_GPA + 0x100 * (QNUM - 1) + 0x20, 20),
			    SERIAL "\0\0\0\0\0\0", 20);
}

/*
 * Reset with eight requests submitted: afterwards nothing is mapped, and
 * nothing completes into guest memory or the used ring. A request the
 * kernel finished at submit time (a buffered write to the page cache, or a
 * read from a fast disk) may have been completed before the reset: that
 * one is in the used ring by the time the reset returns, and is left out
 * of the checks. A disk in RAM has nothing in flight: its I/O is done at
 * the notify.
 */
static void test_reset_inflight(void **state)
{
	struct fix *f = *state;
	struct driver_buf b[3];
	uint16_t heads[8];
	bool done[8] = { false };
	uint32_t id, len;
	unsigned ndone = 0;

	if (f->in_ram)
		skip();
	for (unsigned i = 0; i < 8; i++) {
		uint64_t base = BUF_GPA + 0x2000ull * i;
		uint32_t type = i % 2 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;

		fx_put_hdr(f, base, type, 8ull * i);
		fx_fill_guest(f, base + 0x1000, 4096, (uint8_t)i);
		b[0] = (struct driver_buf){ base, 16, false };
		b[1] = (struct driver_buf){ base + 0x1000, 4096,
					    type == VIRTIO_BLK_T_IN };
		b[2] = (struct driver_buf){ base + 0x800, 1, true };
		heads[i] = driver_ring_add_indirect(&f->ring[0], base + 0x1800,
						    b, 3);
		driver_ring_make_avail(&f->ring[0], heads[i]);
	}
	/* Out of the page cache: the reads have to wait for the disk. */
	assert_int_equal(fsync(f->fd), 0);
	assert_int_equal(posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	vdev_queue_notify(f->vdev, 0);
	vdev_set_status(f->vdev, 0);
	assert_int_equal(f->flat.live_iov, 0);
	while (driver_ring_get_used(&f->ring[0], &id, &len)) {
		for (unsigned i = 0; i < 8; i++) {
			if (heads[i] == id && !done[i]) {
				done[i] = true;
				ndone++;
			}
		}
	}
	for (unsigned i = 0; i < 8; i++) {
		if (!done[i])
			memset(fx_ptr(f, BUF_GPA + 0x2000ull * i, 0x1800), 0xaa,
			       0x1800);
	}
	for (int i = 0; i < 5; i++)
		assert_true(evloop_run_once(f->loop, 20) >= 0);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t *p = fx_ptr(f, BUF_GPA + 0x2000ull * i, 0x1800);

		for (size_t j = 0; !done[i] && j < 0x1800; j++)
			assert_int_equal(p[j], 0xaa);
	}
	assert_false(driver_ring_get_used(&f->ring[0], &id, &len));
	fprintf(stderr, "completed before the reset: %u of 8\n", ndone);
	fx_probe(f);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 1, 512, NULL),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(fx_ptr(f, DATA_GPA, 1), "\x02", 1);
}

/* The device is failed and waits for a reset, after which it works. */
static void assert_failed_then_recovers(struct fix *f)
{
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
	vdev_set_status(f->vdev, 0);
	assert_int_equal(f->flat.live_iov, 0);
	fx_probe(f);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_IN, 0, 512, NULL),
			 VIRTIO_BLK_S_OK);
}

/* §5.2.6.1: a write whose chain has no writable byte for the status. */
static void test_hostile_no_status(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	fx_fill_guest(f, DATA_GPA, 512, 1);
	fx_add(&c, HDR_GPA, 16, false);
	fx_add(&c, DATA_GPA, 512, false);
	fx_kick(f, 0, &c);
	fx_assert_pattern(f, 0, 512);
	assert_failed_then_recovers(f);
}

/* A read whose buffers are all device-readable: nowhere to put anything. */
static void test_hostile_readable_only_in(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	memset(fx_ptr(f, DATA_GPA, 513), 0xee, 513);
	fx_add(&c, HDR_GPA, 16, false);
	fx_add(&c, DATA_GPA, 513, false);
	fx_kick(f, 0, &c);
	assert_int_equal(*(uint8_t *)fx_ptr(f, DATA_GPA + 512, 1), 0xee);
	assert_failed_then_recovers(f);
}

/* §5.2.6.1: a header shorter than 16 bytes. */
static void test_hostile_short_header(void **state)
{
	struct fix *f = *state;
	struct chain c = { .n = 0 };

	fx_put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	*(uint8_t *)fx_ptr(f, ST_GPA, 1) = 0xee;
	fx_add(&c, HDR_GPA, 8, false);
	fx_add(&c, ST_GPA, 1, true);
	fx_kick(f, 0, &c);
	assert_int_equal(*(uint8_t *)fx_ptr(f, ST_GPA, 1), 0xee);
	assert_failed_then_recovers(f);
}

/* §5.2.6.1: more segments than max_discard_seg, or a partial one. */
static void test_hostile_discard_segments(void **state)
{
	struct fix *f = *state;
	uint32_t max = (uint32_t)CFG(f, max_discard_seg);
	uint64_t sector[64];
	uint32_t num[64], flags[64];

	assert_true(max < 64);
	for (unsigned i = 0; i <= max; i++) {
		sector[i] = i;
		num[i] = 1;
		flags[i] = 0;
	}
	fx_put_segs(f, sector, num, flags, max + 1);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, (max + 1) * 16, NULL),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 24, NULL),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, 0, NULL),
			 VIRTIO_BLK_S_IOERR);
	fx_assert_pattern(f, 0, DISK_SIZE);
	assert_true(vdev_is_live(f->vdev));
}

/* sector + length wrapping around 2^64 (or sector * 512 doing so). */
static void test_hostile_sector_overflow(void **state)
{
	struct fix *f = *state;
	const uint64_t sector[2] = { UINT64_MAX - 3, 1ull << 55 };
	const uint32_t num[2] = { 8, 8 }, flags[2] = { 0, 0 };

	fx_fill_guest(f, DATA_GPA, 1024, 4);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_IN, UINT64_MAX - 1, 1024, NULL),
		VIRTIO_BLK_S_IOERR);
	/* Refused by the device's own check, not by the kernel. */
	assert_true(fx_log_has(f, "capacity"));
	assert_false(fx_log_has(f, "storage error"));
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_OUT, 1ull << 55, 1024, NULL),
		VIRTIO_BLK_S_IOERR);
	fx_put_segs(f, sector, num, flags, 1);
	assert_int_equal(fx_request(f, 0, VIRTIO_BLK_T_DISCARD, 0, 16, NULL),
			 VIRTIO_BLK_S_IOERR);
	assert_true(fx_log_has(f, "beyond the limits"));
	assert_false(fx_log_has(f, "storage error"));
	fx_put_segs(f, sector + 1, num + 1, flags + 1, 1);
	assert_int_equal(
		fx_request(f, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, NULL),
		VIRTIO_BLK_S_IOERR);
	fx_assert_pattern(f, 0, DISK_SIZE);
	assert_true(vdev_is_live(f->vdev));
}

/* blk_new refuses bad parameters with a message naming the path. */
static void test_new_errors(void **state)
{
	struct fix *f = *state;
	struct blk_params bp = { .path = "/nonexistent/disk.img" };
	struct vdev_params vp = { .mem = &f->flat.mem, .logger = &f->logger };
	struct blk *b = (struct blk *)&bp;
	char err[256];

	assert_int_equal(blk_new(&bp, &vp, f->loop, &b, err, sizeof(err)),
			 -ENOENT);
	assert_null(b);
	assert_non_null(strstr(err, "/nonexistent/disk.img"));
	bp.path = "/dev/null";
	assert_int_equal(blk_new(&bp, &vp, f->loop, &b, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "/dev/null"));
	bp.path = f->path;
	bp.serial = "a serial longer than twenty bytes";
	assert_int_equal(blk_new(&bp, &vp, f->loop, &b, err, sizeof(err)),
			 -EINVAL);
	bp.serial = NULL;
	bp.queue_size = 100;
	assert_int_equal(blk_new(&bp, &vp, f->loop, &b, err, sizeof(err)),
			 -EINVAL);
}

#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, fx_setup, fx_teardown, \
						 (void *)&(cfg))
/* The same test with the disk in RAM (the storage's inline path). */
#define T_RAM(fn, cfg)                                                     \
	{                                                                  \
#fn " (in RAM)", fn, fx_setup, fx_teardown, (void *)&(cfg) \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config, cfg_plain),
		T(test_read, cfg_plain),
		T(test_write, cfg_plain),
		T(test_multi_segment_page_crossing, cfg_split),
		T(test_header_split, cfg_plain),
		T(test_status_shares_iovec, cfg_split),
		T(test_flush, cfg_plain),
		T(test_get_id, cfg_plain),
		T(test_discard, cfg_plain),
		T(test_write_zeroes, cfg_plain),
		T(test_dwz_flags_unsupp, cfg_plain),
		T(test_readonly, cfg_ro),
		T(test_out_of_range, cfg_plain),
		T(test_unknown_type, cfg_plain),
		T(test_multiqueue, cfg_mq),
		T(test_io_error, cfg_plain),
		T(test_short_read_resubmitted, cfg_plain),
		T(test_short_write_resubmitted, cfg_plain),
		T(test_big_batch, cfg_plain),
		T(test_pop_budget, cfg_plain),
		T(test_reset_inflight, cfg_split),
		T(test_new_errors, cfg_plain),
		T(test_hostile_no_status, cfg_plain),
		T(test_hostile_readable_only_in, cfg_plain),
		T(test_hostile_short_header, cfg_plain),
		T(test_hostile_discard_segments, cfg_plain),
		T(test_hostile_sector_overflow, cfg_plain),
		T_RAM(test_read, cfg_ram),
		T_RAM(test_write, cfg_ram),
		T_RAM(test_multi_segment_page_crossing, cfg_ram_split),
		T_RAM(test_multiqueue, cfg_ram_mq),
		T_RAM(test_io_error, cfg_ram),
		T_RAM(test_short_read_resubmitted, cfg_ram),
		T_RAM(test_short_write_resubmitted, cfg_ram),
		T_RAM(test_pop_budget, cfg_ram),
		T_RAM(test_big_batch, cfg_ram),
		T_RAM(test_hostile_sector_overflow, cfg_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
