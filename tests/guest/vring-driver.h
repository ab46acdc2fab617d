/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver side of a split virtqueue (virtio 1.2 §2.7), behaving like
 * Linux's drivers/virtio/virtio_ring.c: the same ring layout (one block,
 * used ring aligned to 4 KiB as virtio-mmio asks), the same free list, the
 * same choice of indirect tables (more than one buffer and a free
 * descriptor), the same notification suppression (virtqueue_kick_prepare
 * with or without VIRTIO_RING_F_EVENT_IDX) and interrupt suppression
 * (disable_cb / enable_cb with used_event), and the same barriers.
 *
 * The device is not trusted: a used entry naming a descriptor that is not
 * an outstanding head, a used length larger than the chain's writable part,
 * or a used index running ahead of what is outstanding marks the queue
 * broken with a message in vq->error (Linux's BAD_RING) instead of crashing.
 * Chains are released from the driver's own copy of the descriptors, never
 * from ring memory the device could have scribbled on.
 */
#ifndef XVDM_GUEST_VRING_DRIVER_H
#define XVDM_GUEST_VRING_DRIVER_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct gpa_pool;
struct guest_bus;
struct vrdrv;

/* Writes the queue's index to QueueNotify; 0 or -errno (queue breaks). */
typedef int vrdrv_notify_fn(struct vrdrv *vq, void *notify_opaque);
/* Used buffers arrived (called from vrdrv_interrupt()). */
typedef void vrdrv_callback_fn(struct vrdrv *vq, void *opaque);

/* One buffer: guest-physical address and length. */
struct vrdrv_sg {
	uint64_t gpa;
	uint32_t len;
};

struct vrdrv_params {
	unsigned index;
	unsigned num;	   /* QueueNumMax: a power of two */
	uint64_t features; /* negotiated */
	const struct guest_bus *bus;
	struct gpa_pool *pool;
	vrdrv_notify_fn *notify;
	void *notify_opaque;	     /* the transport's */
	vrdrv_callback_fn *callback; /* NULL: VRING_AVAIL_F_NO_INTERRUPT */
	void *opaque;		     /* the device driver's */
};

struct vrdrv_state {
	void *data;	    /* the caller's token; NULL when not a head */
	uint64_t indir_gpa; /* indirect table */
	uint32_t indir_len; /* its size in bytes; 0: none */
	uint32_t in_bytes;  /* device-writable bytes: bound for used len */
};

/* The driver's private copy of each ring descriptor (Linux's desc_extra). */
struct vrdrv_extra {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vrdrv_stats {
	uint64_t added;
	uint64_t added_indirect;
	uint64_t kicks;		   /* notifications written */
	uint64_t kicks_suppressed; /* kick_prepare said no */
	uint64_t interrupts;	   /* vrdrv_interrupt() found work */
	uint64_t interrupts_empty; /* ... found none */
	uint64_t used;
};

struct vrdrv {
	unsigned index;
	uint16_t num;
	bool event;    /* VIRTIO_RING_F_EVENT_IDX */
	bool indirect; /* VIRTIO_F_INDIRECT_DESC */
	bool broken;
	bool event_triggered;
	char error[128]; /* why broken */

	const struct guest_bus *bus;
	struct gpa_pool *pool;
	vrdrv_notify_fn *notify;
	void *notify_opaque;
	vrdrv_callback_fn *callback;
	void *opaque;

	uint64_t ring_gpa;
	size_t ring_size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc; /* host views of the rings */
	struct vring_avail *avail;
	struct vring_used *used;

	uint16_t free_head;
	uint16_t num_free;
	uint16_t num_added; /* since the last kick_prepare */
	uint16_t last_used_idx;
	uint16_t avail_idx_shadow;
	uint16_t avail_flags_shadow;
	uint16_t outstanding; /* chains added and not yet used */

	struct vrdrv_state *state; /* num entries, by head */
	struct vrdrv_extra *extra; /* num entries */
	struct vrdrv_stats stats;
};

/* Layout of a queue of num entries from ring_gpa (vring_init with 4 KiB). */
size_t vrdrv_ring_size(unsigned num);

/*
 * vring_create_virtqueue: allocates the rings from the pool, halving num
 * while the allocation fails (as Linux may), and zeroes them.
 */
int vrdrv_create(const struct vrdrv_params *params,
		 struct vrdrv **out) must_check;
/* Frees the rings and indirect tables. The device must not use it anymore. */
void vrdrv_free(struct vrdrv *vq);

/*
 * virtqueue_add_sgs: sg[0 .. out_num) device-readable, then in_num
 * device-writable. Returns 0, -ENOSPC (ring full; the queue is kicked if
 * out_num, as Linux does), or -EIO (broken).
 */
int vrdrv_add(struct vrdrv *vq, const struct vrdrv_sg *sg, unsigned out_num,
	      unsigned in_num, void *data) must_check;
/* virtqueue_kick_prepare: must the device be notified? */
bool vrdrv_kick_prepare(struct vrdrv *vq);
/* virtqueue_notify: false when broken or the notification failed. */
bool vrdrv_notify(struct vrdrv *vq);
/* virtqueue_kick: kick_prepare + notify. */
bool vrdrv_kick(struct vrdrv *vq);

/*
 * virtqueue_get_buf: 1 with *data and *len, 0 when nothing is used, -EIO
 * when the queue is (or just became) broken.
 */
int vrdrv_get_buf(struct vrdrv *vq, void **data, uint32_t *len) must_check;
void vrdrv_disable_cb(struct vrdrv *vq);
/* virtqueue_enable_cb: true when no used buffer is pending. */
bool vrdrv_enable_cb(struct vrdrv *vq);
/* vring_interrupt: true when there was work (and the callback ran). */
bool vrdrv_interrupt(struct vrdrv *vq);
/*
 * virtqueue_detach_unused_buf: after a reset, takes back one chain the
 * device never returned; NULL when none is left.
 */
void *vrdrv_detach_unused(struct vrdrv *vq);

#endif
