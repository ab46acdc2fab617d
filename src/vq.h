/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The split virtqueue (virtio 1.2 §2.7), device side.
 *
 * Everything in the rings is written by a guest that may be hostile, and may
 * change while we read it. Every descriptor is copied once into local memory
 * and validated there (index < size, chain length bound, indirect rules,
 * readable before writable, address + length overflow, buffer inside guest
 * RAM) before any of it is used. A violation makes vq_pop() fail with
 * -EBADMSG and marks the queue broken; the device layer then sets
 * DEVICE_NEEDS_RESET. Nothing outside guest RAM is ever touched.
 *
 * Requests live in a pool of elements allocated when the queue is set up and
 * indexed by head descriptor, so popping and completing a request never
 * allocates. vq_push() fills a used entry without publishing it; vq_flush()
 * publishes a whole batch with one used->idx update and tells whether the
 * driver wants an interrupt (VIRTIO_RING_F_EVENT_IDX or
 * VRING_AVAIL_F_NO_INTERRUPT).
 *
 * A queue belongs to one thread at a time.
 */
#ifndef XVDM_VQ_H
#define XVDM_VQ_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "compiler.h"

struct gmem;
struct log_src;

/* Largest queue we offer; virtio 1.2 §2.7 allows 32768. */
#define VQ_NUM_MAX 1024
/* Default per-request iovec bound: UIO_MAXIOV, what preadv() accepts. */
#define VQ_IOV_MAX 1024

struct vq_elem {
	uint16_t head;	   /* descriptor index the chain starts at */
	uint16_t out_num;  /* device-readable iovecs: iov[0 .. out_num) */
	uint16_t in_num;   /* device-writable iovecs: after them */
	bool busy;	   /* popped and not yet pushed */
	uint32_t gen;	   /* vq->gen at pop time */
	uint32_t out_len;  /* bytes in the readable part */
	uint32_t in_len;   /* bytes in the writable part */
	struct iovec *out; /* == iov */
	struct iovec *in;  /* == iov + out_num */
	struct iovec *iov; /* max_iov entries, owned by the pool */
};

struct vq {
	struct gmem *mem;
	struct log_src *log;

	/* Limits fixed at vq_init(). */
	uint16_t num_max;
	uint16_t max_iov;

	/* Set by vq_start() from what the driver configured. */
	uint16_t num;
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool started;
	bool broken;	/* the guest violated the ring rules */
	bool no_notify; /* between vq_disable_notify() and enable */

	struct vring_desc *desc; /* mapped for the queue's lifetime */
	struct vring_avail *avail;
	struct vring_used *used;
	size_t desc_len, avail_len, used_len;

	uint16_t last_avail;	 /* next avail->ring entry to pop */
	uint16_t used_idx;	 /* our used->idx, including unflushed pushes */
	uint16_t signalled_used; /* used->idx at the last vq_flush() */
	bool signalled_used_valid; /* false until the first flush after start */
	uint16_t inflight;	   /* popped, not yet pushed */
	uint32_t gen;		   /* bumped by vq_stop() */

	struct vq_elem *elems;	 /* num_max entries, indexed by head */
	struct iovec *iov_store; /* num_max * max_iov entries */
};

/*
 * Allocates the element pool for queues of up to num_max entries (a power of
 * two, <= VQ_NUM_MAX) and requests of up to max_iov iovecs (<= VQ_IOV_MAX).
 */
int vq_init(struct vq *vq, struct gmem *mem, struct log_src *log,
	    uint16_t num_max, uint16_t max_iov) must_check;
void vq_fini(struct vq *vq);

/*
 * Validates what the driver configured and maps the rings: num a power of two
 * and <= num_max (virtio 1.2 §2.7), desc 16-byte, avail 2-byte and used
 * 4-byte aligned (the table in §2.7), every ring inside guest RAM.
 * features: the negotiated feature bits. Returns -EINVAL or -EFAULT.
 */
int vq_start(struct vq *vq, uint16_t num, uint64_t desc_gpa, uint64_t avail_gpa,
	     uint64_t used_gpa, uint64_t features) must_check;
/*
 * Takes back every element (in flight or not, unmapping its buffers) and
 * unmaps the rings. After this, elements popped before are stale: pushing one
 * is ignored. Safe on a queue that was never started.
 */
void vq_stop(struct vq *vq);

/*
 * Takes the next available chain. Returns 0 and *out == NULL when the ring is
 * empty, 0 and an element, or -EBADMSG (queue now broken) on a guest error.
 * Unless notifications are disabled, finding the ring empty re-arms them, so
 * popping until empty never misses the driver's next notification.
 */
int vq_pop(struct vq *vq, struct vq_elem **out) must_check;
/*
 * Returns elem to the driver with `written` bytes written to its writable
 * part (clamped to in_len). Not visible to the driver until vq_flush().
 * On a broken queue, or for an element made stale by vq_stop(), the element
 * is only released: nothing is written to the used ring.
 */
void vq_push(struct vq *vq, struct vq_elem *elem, uint32_t written);
/*
 * Publishes every pushed element. Returns true when the driver asked to be
 * interrupted for them.
 */
bool vq_flush(struct vq *vq) must_check;

/*
 * Driver-to-device notification suppression (virtio 1.2 §2.7.10): disable
 * while draining the ring; enable returns true when buffers arrived in the
 * meantime, in which case the caller must pop again.
 */
void vq_disable_notify(struct vq *vq);
bool vq_enable_notify(struct vq *vq) must_check;

/* Bytes of guest memory each ring takes for a queue of num entries. */
size_t vq_desc_size(uint16_t num);
size_t vq_avail_size(uint16_t num);
size_t vq_used_size(uint16_t num);

#endif
