/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shadow virtqueues: the memory a vhost-user back-end can map.
 *
 * Xen guest memory cannot be handed to another process as a file descriptor,
 * so the front-end owns one sealed memfd per connection that holds, for each
 * queue, a split ring (virtio 1.2 §2.7) and a pool of request slots, each
 * with its bounce buffer (and, with indirect descriptors, its own descriptor
 * table). A guest request (a vq_elem already validated by our vq layer) is
 * copied into a slot: its readable bytes copied in, its writable bytes
 * reserved after them, one shadow descriptor per guest iovec. On completion
 * the whole writable part is copied back to the guest's iovecs: a device may
 * write more than the used length it reports (§2.7.8.2), and virtio-blk's
 * status byte sits at the very end.
 *
 * The back-end can write anything anywhere in this memory at any time. We
 * never read back what we wrote (descriptors, avail ring): our own state is
 * in private memory. The only things we read are used->idx, used->flags and
 * used entries, and each is checked before use: the index may not move past
 * what is in flight, an id must name a slot the back-end holds, a length may
 * not exceed that slot's writable size. A violation is -EPROTO and the
 * caller drops the back-end. The memfd is sealed against resizing, so a
 * back-end cannot make our accesses fault.
 *
 * Nothing is allocated or mapped per request. A slot whose guest request was
 * taken back (the guest reset the device) while the back-end still holds it
 * becomes an orphan: it is freed, silently, when the back-end completes it.
 */
#ifndef XVDM_VU_SHADOW_H
#define XVDM_VU_SHADOW_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct vq_elem;
struct vu_mem_region;

/* Guest-physical address the back-end sees the region at. */
#define VU_SHADOW_GPA 0x100000000ull

struct vu_slot {
	struct vq_elem *elem; /* NULL when free or orphaned */
	bool busy;	      /* the back-end holds it */
	uint32_t in_len;      /* writable bytes, after the readable ones */
	uint32_t out_len;
};

struct vu_sq {
	/* Fixed when the shadow memory is created. */
	uint16_t num; /* ring entries */
	uint16_t nslots;
	uint16_t descs; /* descriptors per slot */
	bool indirect;	/* one indirect table per slot, else direct chains */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX with the back-end */
	uint32_t slot_bytes;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_desc *tables; /* nslots * descs, if indirect */
	uint8_t *bufs;		   /* nslots * slot_bytes */
	uint64_t desc_off, avail_off, used_off, tables_off, bufs_off;
	uint8_t *base; /* the whole region */

	/* Ours, never read from shared memory. */
	uint16_t avail_idx; /* entries submitted */
	uint16_t pub_idx;   /* avail idx as last published */
	uint16_t last_used; /* next used entry to read */
	uint16_t inflight;  /* published, not yet completed */
	uint16_t nfree;
	uint16_t *free; /* stack of free slot numbers */
	struct vu_slot *slots;
};

struct vu_shadow_params {
	unsigned nq;
	uint16_t nslots;     /* per queue, a power of two <= 512 */
	uint16_t max_iov;    /* iovecs per request, as vdev's max_iov */
	uint32_t slot_bytes; /* bounce bytes per slot, a multiple of 4096 */
	bool indirect;	     /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;	     /* VIRTIO_RING_F_EVENT_IDX negotiated */
};

struct vu_shadow {
	int fd;
	uint8_t *base;
	size_t size;
	unsigned nq;
	struct vu_sq *q;
};

/* A completion taken from a used ring. */
struct vu_done {
	struct vq_elem *elem; /* NULL: an orphan, nothing to give back */
	uint32_t len;	      /* used length, <= the slot's in_len */
};

int vu_shadow_new(const struct vu_shadow_params *p,
		  struct vu_shadow **out) must_check;
void vu_shadow_free(struct vu_shadow *s); /* NULL-safe */
/* The one region of SET_MEM_TABLE; its fd is s->fd. */
void vu_shadow_region(const struct vu_shadow *s, struct vu_mem_region *r);

/* User addresses of a queue's rings, for SET_VRING_ADDR. */
uint64_t vu_sq_desc_addr(const struct vu_sq *sq);
uint64_t vu_sq_avail_addr(const struct vu_sq *sq);
uint64_t vu_sq_used_addr(const struct vu_sq *sq);

static inline bool vu_sq_has_free(const struct vu_sq *sq)
{
	return sq->nfree != 0;
}

/*
 * Copies elem into a free slot and adds it to the avail ring, unpublished.
 * -ENOSPC: no free slot; -EMSGSIZE: elem does not fit a slot, or has no
 * bytes at all (the caller rejects it).
 */
int vu_sq_submit(struct vu_sq *sq, struct vq_elem *elem) must_check;
/*
 * Publishes what was submitted. Returns true when the back-end wants a kick
 * (VRING_USED_F_NO_NOTIFY clear; with EVENT_IDX, its avail_event passed).
 */
bool vu_sq_publish(struct vu_sq *sq) must_check;
/*
 * With EVENT_IDX, after taking the used entries: asks for a call at the next
 * one (used_event) and returns true when entries came meanwhile (take them
 * again). Without it: false.
 */
bool vu_sq_rearm(struct vu_sq *sq) must_check;
/*
 * Takes the next used entry: 1 and *done (writable bytes already copied back
 * to the guest), 0 when there is none, -EPROTO with a reason in why when the
 * back-end broke the ring.
 */
int vu_sq_next_used(struct vu_sq *sq, struct vu_done *done, char *why,
		    size_t why_len) must_check;
/*
 * The back-end stopped the ring at avail index base (GET_VRING_BASE): checks
 * base lies between what it completed and what we published. 0 or -EPROTO.
 */
int vu_sq_check_base(const struct vu_sq *sq, uint16_t base) must_check;
/* Every slot the back-end holds loses its guest request (a device reset). */
void vu_sq_orphan_all(struct vu_sq *sq);

#endif
