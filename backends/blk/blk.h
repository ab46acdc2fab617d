/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-blk device (virtio 1.2 §5.2) over raw storage (storage.h).
 *
 * Each request gets a slot allocated up front, one per (queue, head), so
 * nothing is allocated per request. Reads and writes go from/to the guest's
 * buffers directly. All queues share the storage's single io_uring: the
 * device belongs to one thread, which submits and reaps for all of them.
 */
#ifndef XVDM_BLK_H
#define XVDM_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct blk;
struct evloop;
struct vdev;
struct vdev_params;

/* QueueNumMax offered when blk_params.queue_size is 0. */
#define BLK_QUEUE_SIZE 256
#define BLK_MAX_QUEUES 64

struct blk_params {
	const char *path;    /* regular file or block device */
	bool readonly;	     /* open O_RDONLY, offer VIRTIO_BLK_F_RO */
	const char *serial;  /* GET_ID string, <= 20 bytes; NULL: empty */
	uint16_t num_queues; /* 0 means 1; > 1 offers VIRTIO_BLK_F_MQ */
	uint16_t queue_size; /* power of two <= VQ_NUM_MAX; 0: default */
};

/*
 * Opens the storage and creates the device. vp supplies mem, logger, domid,
 * name and the transport's features; blk fills in the rest. Completions are
 * reaped in loop, which must be the device's thread. On error returns
 * -errno with a message naming the path and the reason in err.
 */
int blk_new(const struct blk_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct blk **out, char *err,
	    size_t err_len) must_check;
/* Resets the device (waiting for I/O in flight) and frees it. NULL-safe. */
void blk_free(struct blk *b);
struct vdev *blk_vdev(struct blk *b);

#endif
