/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-blk driver (virtio 1.2 §5.2), behaving like Linux's
 * drivers/block/virtio_blk.c: the same feature table, the same configuration
 * reads in the same order at probe, one virtqueue per request queue, each
 * request laid out as header (device-readable), data, status byte
 * (device-writable), the same kick batching (notify on the last request of
 * a batch, and on a full ring), the same completion loop (disable_cb, drain,
 * enable_cb), reset before tearing queues down.
 *
 * Two ways to issue requests:
 * - blkdrv_submit() + blkdrv_poll(): asynchronous, data already in guest
 *   RAM, up to queue_depth requests per queue (for benchmarks);
 * - blkdrv_read(), blkdrv_write(), ...: synchronous, host buffers copied
 *   through guest RAM allocated from the pool (for tests).
 *
 * The driver checks what the device returns: a status byte it never wrote
 * or that is not a defined value counts in stats.bad_status.
 */
#ifndef XVDM_GUEST_VIRTIO_BLK_DRIVER_H
#define XVDM_GUEST_VIRTIO_BLK_DRIVER_H

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

/* The feature table of Linux's virtio_blk (zoned devices left out). */
#define BLKDRV_FEATURES_BLK                                                    \
	((1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_SIZE_MAX) |    \
	 (1ull << VIRTIO_BLK_F_GEOMETRY) | (1ull << VIRTIO_BLK_F_RO) |         \
	 (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |      \
	 (1ull << VIRTIO_BLK_F_TOPOLOGY) | (1ull << VIRTIO_BLK_F_CONFIG_WCE) | \
	 (1ull << VIRTIO_BLK_F_MQ) | (1ull << VIRTIO_BLK_F_DISCARD) |          \
	 (1ull << VIRTIO_BLK_F_WRITE_ZEROES) |                                 \
	 (1ull << VIRTIO_BLK_F_SECURE_ERASE))
#define BLKDRV_FEATURES_LINUX (BLKDRV_FEATURES_BLK | VMDRV_TRANSPORT_FEATURES)

/* Data segments per request this driver builds at most. */
#define BLKDRV_MAX_SEGS 256

struct blkdrv;
struct blkdrv_req;

typedef void blkdrv_done_fn(struct blkdrv *blk, struct blkdrv_req *req);

struct blkdrv_req {
	/* Set by the caller before blkdrv_submit(). */
	uint32_t type; /* VIRTIO_BLK_T_* */
	uint64_t sector;
	const struct vrdrv_sg *seg; /* data in guest RAM */
	unsigned nseg;
	blkdrv_done_fn *done; /* optional */
	void *opaque;
	/* Set on completion. */
	bool completed;
	int error;	/* 0, -EIO, -EOPNOTSUPP, -ECANCELED (reset) */
	uint8_t status; /* as the device wrote it */
	uint32_t used_len;
	/* Private. */
	unsigned qidx;
	unsigned slot;
};

struct blkdrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features;	 /* driver features; 0: BLKDRV_FEATURES_LINUX */
	unsigned max_queues;	 /* Linux: nr_cpu_ids; 0: all offered */
	unsigned max_queue_size; /* 0: QueueNumMax, as Linux */
	unsigned queue_depth;	 /* 0: Linux's default (fill the ring) */
	int timeout_ms;		 /* for the synchronous helpers; 0: 10 s */
};

/* Per-request memory the device sees: virtblk_req's header and status. */
struct blkdrv_slot {
	struct virtio_blk_outhdr *hdr;
	uint8_t *status;
	uint64_t gpa; /* hdr; status at gpa + 16 */
	struct blkdrv_req *req;
};

struct blkdrv_queue {
	struct vrdrv *vq;
	struct blkdrv_slot *slots;
	unsigned *free; /* stack of free slot numbers */
	unsigned nr_free;
	uint64_t area_gpa; /* all the slots' guest memory */
	size_t area_len;
	struct vrdrv_sg sg[BLKDRV_MAX_SEGS + 2];
	/*
	 * The synchronous helpers' request: owned by the driver, so a request
	 * that timed out can still complete (or be cancelled) safely later.
	 */
	struct blkdrv_req sync;
	bool sync_busy;
};

struct blkdrv_stats {
	uint64_t submitted;
	uint64_t completed;
	uint64_t errors;     /* completed with a non-OK status */
	uint64_t bad_status; /* status not written or undefined */
	uint64_t cancelled;  /* taken back after a reset */
	uint64_t ring_full;  /* -ENOSPC from the ring */
	uint64_t config_changes;
};

struct blkdrv {
	struct vmdrv vm;
	struct blkdrv_params p;
	unsigned nq;
	struct blkdrv_queue *q;
	unsigned queue_depth;
	bool live;
	bool config_pending;

	/* The configuration, as virtblk_probe reads it. */
	uint64_t capacity; /* 512-byte sectors */
	uint32_t sg_elems;
	uint32_t max_size;
	uint32_t blk_size;
	bool ro;
	bool writeback;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint32_t max_discard_sectors;
	uint32_t max_discard_segs;
	uint32_t discard_granularity;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_secure_erase_sectors;

	struct blkdrv_stats stats;
};

/*
 * Linux's probe: virtio_mmio_probe, virtio_dev_probe, virtblk_probe, up to
 * DRIVER_OK. -ENODEV if the device is not a block device.
 */
int blkdrv_probe(struct blkdrv *blk, const struct blkdrv_params *p) must_check;
/* virtblk_remove: reset, queues torn down, requests in flight cancelled. */
void blkdrv_remove(struct blkdrv *blk);
/*
 * virtblk_freeze + virtblk_restore: resets the device with whatever is in
 * flight (cancelled) and brings it back with the same features.
 */
int blkdrv_restart(struct blkdrv *blk) must_check;
/* virtblk_update_capacity. */
int blkdrv_update_capacity(struct blkdrv *blk) must_check;

/*
 * virtio_queue_rq: queues req on queue qidx; notifies the device when last
 * is set and it wants a notification. -EBUSY: queue_depth requests already
 * in flight; -ENOSPC: ring full (the queue was kicked); -EIO: broken.
 */
int blkdrv_submit(struct blkdrv *blk, unsigned qidx, struct blkdrv_req *req,
		  bool last) must_check;
/* virtio_commit_rqs: the notification a batch without "last" still owes. */
void blkdrv_commit(struct blkdrv *blk, unsigned qidx);
/*
 * Waits for one interrupt (at most timeout_ms) and handles it: completed
 * requests get their done callback. 1 handled, 0 timeout, -errno.
 */
int blkdrv_poll(struct blkdrv *blk, int timeout_ms) must_check;
/* Polls until req completes; -ETIMEDOUT, or -EIO if its queue broke. */
int blkdrv_wait(struct blkdrv *blk, struct blkdrv_req *req) must_check;
/* Requests in flight on queue qidx. */
unsigned blkdrv_inflight(const struct blkdrv *blk, unsigned qidx);

/*
 * Synchronous helpers. Data moves between buf and guest buffers split into
 * up to nseg segments (each separately allocated, as a scatter list).
 * Return 0 or the request's error (-EIO, -EOPNOTSUPP), or a local -errno.
 */
int blkdrv_read(struct blkdrv *blk, unsigned qidx, uint64_t sector, void *buf,
		size_t len, unsigned nseg) must_check;
int blkdrv_write(struct blkdrv *blk, unsigned qidx, uint64_t sector,
		 const void *buf, size_t len, unsigned nseg) must_check;
int blkdrv_flush(struct blkdrv *blk, unsigned qidx) must_check;
/* Several ranges in one request, as Linux's multi-range discard. */
int blkdrv_discard(struct blkdrv *blk, unsigned qidx,
		   const struct virtio_blk_discard_write_zeroes *ranges,
		   unsigned n) must_check;
int blkdrv_write_zeroes(struct blkdrv *blk, unsigned qidx, uint64_t sector,
			uint32_t nsectors, bool unmap) must_check;
/* id: VIRTIO_BLK_ID_BYTES, not NUL-terminated when full. */
int blkdrv_get_id(struct blkdrv *blk, unsigned qidx, char *id) must_check;

#endif
