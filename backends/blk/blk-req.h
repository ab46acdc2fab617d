/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the virtio-blk device shared by blk.c (device set-up, queue
 * draining) and blk-req.c (one request: decode, check, I/O, completion).
 */
#ifndef XVDM_BLK_REQ_H
#define XVDM_BLK_REQ_H

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "iov.h"
#include "storage.h"
#include "vdev.h"

#define BLK_SECTOR 512u
/*
 * Limits we offer (virtio 1.2 §5.2.4). A segment of at most one page spans
 * at most two pages, so a provider that maps page by page turns it into two
 * iovecs; the header (16 bytes) and the status byte take at most three more.
 */
#define BLK_SIZE_MAX 4096u
#define BLK_SEG_MAX 254u
#define BLK_MAX_IOV (2 * BLK_SEG_MAX + 4)
/* Per discard / write zeroes segment, and segments per request. */
#define BLK_DWZ_MAX_SECTORS (1u << 22)
#define BLK_DWZ_MAX_SEG 16u

struct blk;

/* An iovec of the element shortened in place, and its original value. */
struct blk_patch {
	struct iovec *at;
	struct iovec saved;
};

/* One slot per (queue, head): never allocated per request. */
struct blk_req {
	struct storage_req sreq;
	struct blk *blk;
	struct vq_elem *elem;
	uint32_t gen;  /* the queue's generation at pop time */
	uint32_t type; /* VIRTIO_BLK_T_* */
	uint16_t qidx;
	bool busy;
	struct iovec status;   /* the status byte, in guest memory */
	struct blk_patch head; /* readable iovec shared by header and data */
	struct blk_patch tail; /* writable iovec shared by data and status */
	struct iovec *data;    /* the data iovecs (T_IN, T_OUT, GET_ID) */
	unsigned data_cnt;
	size_t data_len;
	struct iov_cursor seg; /* discard / write zeroes: next segment */
	unsigned segs_left;
};

struct blk {
	struct vdev vdev;
	struct virtio_blk_config config;
	struct storage *storage;
	struct evloop_notifier *kick; /* resumes queues out of budget */
	struct blk_req *reqs;	      /* num_queues * queue_size */
	bool *dirty;		      /* per queue: pushed, not flushed */
	bool *resched;		      /* per queue: more to pop */
	uint16_t num_queues;
	uint16_t queue_size;
	uint64_t capacity; /* 512-byte sectors */
	bool readonly;
	bool discard;	   /* DISCARD offered */
	bool write_zeroes; /* WRITE_ZEROES offered */
	bool vdev_ready;
	char serial[VIRTIO_BLK_ID_BYTES];
};

void blk_req_init(struct blk_req *req, struct blk *b);
/* Takes a popped element; completes it now or once its I/O is done. */
void blk_req_start(struct blk *b, unsigned qidx, struct vq_elem *elem);
/* Undoes the iovec patches and frees the slot, completing nothing. */
void blk_req_release(struct blk_req *req);

#endif
