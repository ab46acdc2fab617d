/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest driver against a buggy device: the real core with its used
 * rings, status bytes or registers tampered with on the way to the driver.
 * The driver must report the problem (a broken queue with a reason, an
 * error, a failed probe with FAILED set) and never crash or touch memory it
 * does not own (ASan watches).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-fixture.h"
#include "vdev.h"

enum tamper {
	TAMPER_ID_RANGE,
	TAMPER_ID_NOT_HEAD,
	TAMPER_LEN,
	TAMPER_IDX_AHEAD,
	TAMPER_STATUS,
};

struct hostile {
	struct fixture *f;
	enum tamper what;
	bool done;
	uint32_t read_off; /* register to lie about */
	uint64_t read_val;
	bool count_up; /* ... with a value that changes on every read */
};

static int setup(void **state)
{
	struct hostile *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	h->f = fix_new();
	*state = h;
	return h->f ? 0 : -1;
}

static int teardown(void **state)
{
	struct hostile *h = *state;

	fix_free(h->f);
	free(h);
	return 0;
}

/* Rewrites the used entry the driver reads next, once. */
static void tamper_used(struct inproc *ip, void *opaque)
{
	struct hostile *h = opaque;
	struct vrdrv *vq = h->f->blk.q[0].vq;
	vring_used_elem_t *e =
		&vq->used->ring[vq->last_used_idx & (vq->num - 1)];
	unsigned i;

	if (h->done)
		return;
	h->done = true;
	switch (h->what) {
	case TAMPER_ID_RANGE:
		e->id = htole32(vq->num + 7);
		break;
	case TAMPER_ID_NOT_HEAD:
		e->id = htole32((le32toh(e->id) + 1) & (vq->num - 1));
		break;
	case TAMPER_LEN:
		e->len = htole32(le32toh(e->len) + 2);
		break;
	case TAMPER_IDX_AHEAD:
		vq->used->idx = htole16((uint16_t)(le16toh(vq->used->idx) + 3));
		break;
	case TAMPER_STATUS:
		for (i = 0; i < h->f->blk.queue_depth; i++)
			if (h->f->blk.q[0].slots[i].req)
				*h->f->blk.q[0].slots[i].status = 0xff;
		break;
	}
}

/* One read whose completion is tampered with; returns the wait's result. */
static int tampered_read(struct hostile *h, enum tamper what, struct fix_op *op)
{
	struct fixture *f = h->f;

	assert_int_equal(fix_start(f), 0);
	h->what = what;
	f->ip->on_irq = tamper_used;
	f->ip->hook_opaque = h;
	fix_op_init(f, op, false, 16, 8);
	assert_int_equal(blkdrv_submit(&f->blk, 0, &op->req, true), 0);
	return blkdrv_wait(&f->blk, &op->req);
}

static void expect_broken(struct hostile *h, enum tamper what, const char *why)
{
	struct fixture *f = h->f;
	struct fix_op op, more;

	assert_int_equal(tampered_read(h, what, &op), -EIO);
	assert_true(f->blk.q[0].vq->broken);
	if (!strstr(f->blk.q[0].vq->error, why))
		fail_msg("error \"%s\", expected \"%s\"", f->blk.q[0].vq->error,
			 why);
	assert_false(op.req.completed);
	/* A broken queue takes nothing more. */
	fix_op_init(f, &more, false, 0, 1);
	assert_int_equal(blkdrv_submit(&f->blk, 0, &more.req, true), -EIO);
	fix_op_fini(f, &more);
	/* Removing the driver takes the request back. */
	blkdrv_remove(&f->blk);
	f->probed = false;
	assert_true(op.req.completed);
	assert_int_equal(op.req.error, -ECANCELED);
	fix_op_fini(f, &op);
}

static void test_hostile_used_id_out_of_range(void **state)
{
	expect_broken(*state, TAMPER_ID_RANGE, "out of range");
}

static void test_hostile_used_id_not_a_head(void **state)
{
	expect_broken(*state, TAMPER_ID_NOT_HEAD, "not a head");
}

static void test_hostile_used_len_too_large(void **state)
{
	expect_broken(*state, TAMPER_LEN, "used len");
}

static void test_hostile_used_idx_runs_ahead(void **state)
{
	expect_broken(*state, TAMPER_IDX_AHEAD, "ahead");
}

static void test_hostile_status_not_written(void **state)
{
	struct hostile *h = *state;
	struct fix_op op;

	assert_int_equal(tampered_read(h, TAMPER_STATUS, &op), 0);
	assert_int_equal(op.req.error, -EIO);
	assert_int_equal(op.req.status, 0xff);
	assert_int_equal(h->f->blk.stats.bad_status, 1);
	assert_false(h->f->blk.q[0].vq->broken);
	fix_op_fini(h->f, &op);
}

static void lie(struct inproc *ip, uint32_t off, unsigned size, uint64_t *val,
		void *opaque)
{
	struct hostile *h = opaque;

	if (off != h->read_off)
		return;
	*val = h->count_up ? h->read_val++ : h->read_val;
}

/* A probe with one register lying; returns blkdrv_probe's result. */
static int lying_probe(struct hostile *h, uint32_t off, uint64_t val,
		       bool count_up)
{
	struct fixture *f = h->f;

	assert_int_equal(fix_device(f), 0);
	h->read_off = off;
	h->read_val = val;
	h->count_up = count_up;
	f->ip->on_read = lie;
	f->ip->hook_opaque = h;
	inproc_trace_start(f->ip);
	return fix_probe(f);
}

/* The last value the driver wrote to the Status register. */
static uint64_t last_status_write(const struct inproc *ip)
{
	size_t i = ip->trace_len;

	while (i--)
		if (ip->trace[i].write &&
		    ip->trace[i].off == VIRTIO_MMIO_STATUS)
			return ip->trace[i].val;
	return 0;
}

/* The probe failed after DRIVER: FAILED is set, no queue left live. */
static void assert_failed(struct hostile *h)
{
	struct vdev *vdev = h->f->ip->vdev;

	assert_true(last_status_write(h->f->ip) & VIRTIO_CONFIG_S_FAILED);
	assert_true(vdev_get_status(vdev) & VIRTIO_CONFIG_S_FAILED);
	assert_false(vdev_get_status(vdev) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vdev->queues[0].ready);
	assert_int_equal(h->f->blk.vm.nvqs, 0);
}

static void test_hostile_bad_magic(void **state)
{
	struct hostile *h = *state;

	assert_int_equal(lying_probe(h, VIRTIO_MMIO_MAGIC_VALUE, 0x1234, false),
			 -ENODEV);
	/* Nothing was written to a device that is not virtio. */
	assert_int_equal(h->f->blk.vm.stats.mmio_writes, 0);
}

static void test_hostile_generation_never_settles(void **state)
{
	struct hostile *h = *state;

	assert_int_equal(lying_probe(h, VIRTIO_MMIO_CONFIG_GENERATION, 0, true),
			 -EIO);
	assert_non_null(strstr(h->f->blk.vm.error, "generation"));
	assert_failed(h);
}

static void test_hostile_features_ok_refused(void **state)
{
	struct hostile *h = *state;

	/* Status always reads ACK | DRIVER: FEATURES_OK never sticks. */
	assert_int_equal(lying_probe(h, VIRTIO_MMIO_STATUS,
				     VIRTIO_CONFIG_S_ACKNOWLEDGE |
					     VIRTIO_CONFIG_S_DRIVER,
				     false),
			 -ENODEV);
	assert_non_null(strstr(h->f->blk.vm.error, "refuses features"));
	/*
	 * The driver says FAILED on top of what it read; the device may
	 * refuse that write, since it would also clear FEATURES_OK.
	 */
	assert_int_equal(last_status_write(h->f->ip),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				 VIRTIO_CONFIG_S_FAILED);
}

static void test_hostile_queue_already_ready(void **state)
{
	struct hostile *h = *state;

	assert_int_equal(lying_probe(h, VIRTIO_MMIO_QUEUE_READY, 1, false),
			 -ENOENT);
	assert_failed(h);
}

static void test_hostile_queue_num_max_zero(void **state)
{
	struct hostile *h = *state;

	assert_int_equal(lying_probe(h, VIRTIO_MMIO_QUEUE_NUM_MAX, 0, false),
			 -ENOENT);
	assert_failed(h);
}

static void test_hostile_queue_num_max_not_pow2(void **state)
{
	struct hostile *h = *state;

	/* Linux's "Bad virtqueue length": the ring cannot be created. */
	assert_int_equal(lying_probe(h, VIRTIO_MMIO_QUEUE_NUM_MAX, 100, false),
			 -ENOMEM);
	assert_failed(h);
}

static void test_hostile_bad_block_size(void **state)
{
	struct hostile *h = *state;

	assert_int_equal(lying_probe(h,
				     VIRTIO_MMIO_CONFIG +
					     offsetof(struct virtio_blk_config,
						      blk_size),
				     1000, false),
			 -EINVAL);
	assert_failed(h);
}

static void test_hostile_mq_zero_queues(void **state)
{
	struct hostile *h = *state;

	h->f->ipp.num_queues = 2;
	assert_int_equal(lying_probe(h,
				     VIRTIO_MMIO_CONFIG +
					     offsetof(struct virtio_blk_config,
						      num_queues),
				     0, false),
			 -EINVAL);
	assert_failed(h);
}

int run_hostile_tests(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hostile_used_id_out_of_range),
		T(test_hostile_used_id_not_a_head),
		T(test_hostile_used_len_too_large),
		T(test_hostile_used_idx_runs_ahead),
		T(test_hostile_status_not_written),
		T(test_hostile_bad_magic),
		T(test_hostile_generation_never_settles),
		T(test_hostile_features_ok_refused),
		T(test_hostile_queue_already_ready),
		T(test_hostile_queue_num_max_zero),
		T(test_hostile_queue_num_max_not_pow2),
		T(test_hostile_bad_block_size),
		T(test_hostile_mq_zero_queues),
	};
#undef T
	return cmocka_run_group_tests_name("guest-blk-hostile", tests, NULL,
					   NULL);
}
