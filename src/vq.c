/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The split virtqueue, device side (virtio 1.2 §2.7): ring set-up, the
 * available ring, the used ring and notification suppression. The chain walk
 * itself is in vq-chain.c.
 *
 * Memory ordering. The driver runs on other CPUs and talks to us through
 * guest memory only, so every shared index is accessed with __atomic builtins
 * and every barrier below names the write it orders against which read.
 * All ring fields are little-endian (virtio 1.2 §2.7, non-legacy).
 *
 * Allocation happens in vq_init() only; pop, push and flush never allocate.
 *
 * Notification policy with VIRTIO_RING_F_EVENT_IDX. avail_event tells the
 * driver "notify me when you make available the entry at this index"
 * (§2.7.10). Like Linux vhost, we do not move it on every pop: while we are
 * draining the ring it stays behind, so the driver does not notify for
 * entries we will find anyway. It is re-armed to last_avail, followed by a
 * full barrier and a re-check of avail->idx, at the two points where we stop
 * looking at the ring: when vq_pop() finds the ring empty (unless
 * notifications are disabled) and in vq_enable_notify(). Without
 * EVENT_IDX, VRING_USED_F_NO_NOTIFY does the same job, set only between
 * vq_disable_notify() and vq_enable_notify().
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gmem.h"
#include "vq-chain.h"
#include "vq.h"

size_t vq_desc_size(uint16_t num)
{
	return sizeof(struct vring_desc) * (size_t)num;
}

/* flags, idx, ring[num], used_event: the table in §2.7. */
size_t vq_avail_size(uint16_t num)
{
	return 6 + 2 * (size_t)num;
}

/* flags, idx, ring[num], avail_event: the table in §2.7. */
size_t vq_used_size(uint16_t num)
{
	return 6 + 8 * (size_t)num;
}

static bool is_pow2(unsigned x)
{
	return x && !(x & (x - 1));
}

/* The driver's used_event, after the available ring (§2.7.6). */
static uint16_t *used_event(const struct vq *vq)
{
	return &vq->avail->ring[vq->num];
}

/* Our avail_event, after the used ring (§2.7.8). */
static uint16_t *avail_event(const struct vq *vq)
{
	return (uint16_t *)(void *)&vq->used->ring[vq->num];
}

int vq_init(struct vq *vq, struct gmem *mem, struct log_src *log,
	    uint16_t num_max, uint16_t max_iov)
{
	memset(vq, 0, sizeof(*vq));
	if (!is_pow2(num_max) || num_max > VQ_NUM_MAX || max_iov == 0 ||
	    max_iov > VQ_IOV_MAX)
		return -EINVAL;
	vq->mem = mem;
	vq->log = log;
	vq->num_max = num_max;
	vq->max_iov = max_iov;
	/* calloc: only the pages requests actually touch become resident. */
	vq->elems = calloc(num_max, sizeof(*vq->elems));
	vq->iov_store =
		calloc((size_t)num_max * max_iov, sizeof(*vq->iov_store));
	if (!vq->elems || !vq->iov_store) {
		vq_fini(vq);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < num_max; i++) {
		struct vq_elem *elem = &vq->elems[i];

		elem->head = (uint16_t)i;
		elem->iov = vq->iov_store + (size_t)i * max_iov;
		elem->out = elem->iov;
		elem->in = elem->iov;
	}
	return 0;
}

void vq_fini(struct vq *vq)
{
	vq_stop(vq);
	free(vq->elems);
	free(vq->iov_store);
	vq->elems = NULL;
	vq->iov_store = NULL;
}

static int map_rings(struct vq *vq, uint64_t desc_gpa, uint64_t avail_gpa,
		     uint64_t used_gpa)
{
	int err = 0;

	vq->desc_len = vq_desc_size(vq->num);
	vq->avail_len = vq_avail_size(vq->num);
	vq->used_len = vq_used_size(vq->num);
	vq->desc = gmem_map_ring(vq->mem, desc_gpa, vq->desc_len, false, &err);
	if (!vq->desc)
		goto fail;
	/* Read-only: we only read the avail ring, used_event included. */
	vq->avail =
		gmem_map_ring(vq->mem, avail_gpa, vq->avail_len, false, &err);
	if (!vq->avail)
		goto fail;
	/* Writable: the used ring, avail_event included, is ours to write. */
	vq->used = gmem_map_ring(vq->mem, used_gpa, vq->used_len, true, &err);
	if (!vq->used)
		goto fail;
	return 0;

fail:
	gmem_unmap_ring(vq->mem, vq->avail, vq->avail_len);
	gmem_unmap_ring(vq->mem, vq->desc, vq->desc_len);
	vq->desc = NULL;
	vq->avail = NULL;
	return err ? err : -EFAULT;
}

int vq_start(struct vq *vq, uint16_t num, uint64_t desc_gpa, uint64_t avail_gpa,
	     uint64_t used_gpa, uint64_t features)
{
	int rc;

	assert(vq->elems);
	if (vq->started)
		return -EINVAL;
	/* §2.7: the queue size is a power of two; we offered num_max. */
	if (!is_pow2(num) || num > vq->num_max)
		return -EINVAL;
	/* §2.7.1: each part aligned as the table in §2.7 says. */
	if (desc_gpa % VRING_DESC_ALIGN_SIZE ||
	    avail_gpa % VRING_AVAIL_ALIGN_SIZE ||
	    used_gpa % VRING_USED_ALIGN_SIZE)
		return -EINVAL;
	vq->num = num;
	rc = map_rings(vq, desc_gpa, avail_gpa, used_gpa);
	if (rc) {
		vq->num = 0;
		return rc;
	}
	vq->event_idx = features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	vq->indirect = features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->inflight = 0;
	vq->broken = false;
	vq->no_notify = false;
	/*
	 * §2.7.10.2: flags 0 (notifications wanted), and with EVENT_IDX
	 * avail_event 0: notify us for the first entry. The driver zeroed the
	 * used ring already (§2.7.10.1); this makes a fresh start explicit.
	 */
	__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&vq->used->idx, 0, __ATOMIC_RELAXED);
	__atomic_store_n(avail_event(vq), 0, __ATOMIC_RELAXED);
	vq->started = true;
	return 0;
}

static void release(struct vq *vq, struct vq_elem *elem)
{
	gmem_unmap_iov(vq->mem, elem->iov, elem->out_num + elem->in_num);
	elem->out_num = 0;
	elem->in_num = 0;
	elem->busy = false;
}

void vq_stop(struct vq *vq)
{
	if (vq->elems) {
		for (unsigned i = 0; i < vq->num_max; i++) {
			if (vq->elems[i].busy)
				release(vq, &vq->elems[i]);
		}
	}
	vq->inflight = 0;
	/* Elements still held by a backend are stale from now on. */
	vq->gen++;
	gmem_unmap_ring(vq->mem, vq->used, vq->used_len);
	gmem_unmap_ring(vq->mem, vq->avail, vq->avail_len);
	gmem_unmap_ring(vq->mem, vq->desc, vq->desc_len);
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->started = false;
	vq->broken = false;
	vq->no_notify = false;
}

/*
 * How many entries the driver has made available beyond last_avail.
 * Acquire: pairs with the driver's barrier before its avail->idx update
 * (§2.7.13.3.1), so the ring entries and descriptors written before the
 * index are visible to the loads that follow.
 */
static int avail_pending(struct vq *vq, uint16_t *pending)
{
	uint16_t idx =
		le16toh(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	/*
	 * §2.7.13: the driver cannot have more than num entries outstanding,
	 * and never moves idx back (§2.7.6.1).
	 */
	if (n > vq->num)
		return vq_guest_error(vq, "avail index moved from %u to %u",
				      vq->last_avail, idx);
	*pending = n;
	return 0;
}

/*
 * Asks the driver to notify us for the entry at last_avail (§2.7.10), then
 * re-checks the ring. Full barrier: orders our avail_event store before our
 * avail->idx load, the mirror image of the driver's idx store, barrier,
 * avail_event load (§2.7.13.4.1). Without it both sides could read the
 * other's old value and the notification for that entry would be lost.
 */
static int rearm(struct vq *vq, uint16_t *pending)
{
	if (vq->event_idx)
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->used->flags, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return avail_pending(vq, pending);
}

int vq_pop(struct vq *vq, struct vq_elem **out)
{
	struct vq_elem *elem;
	uint16_t pending = 0, head;
	int rc;

	*out = NULL;
	if (vq->broken)
		return -EBADMSG;
	if (!vq->started)
		return 0;
	rc = avail_pending(vq, &pending);
	/*
	 * Found empty: re-arm avail_event (see the top of this file), unless
	 * the caller disabled notifications. Without EVENT_IDX the
	 * NO_NOTIFY flag is already clear, nothing to re-arm.
	 */
	if (!rc && !pending && vq->event_idx && !vq->no_notify)
		rc = rearm(vq, &pending);
	if (rc || !pending)
		return rc;

	head = le16toh(__atomic_load_n(
		&vq->avail->ring[vq->last_avail & (vq->num - 1)],
		__ATOMIC_RELAXED));
	/* §2.7.6: a head indexes the descriptor table. */
	if (head >= vq->num)
		return vq_guest_error(vq, "avail entry %u: head %u >= size %u",
				      vq->last_avail, head, vq->num);
	/* §2.7.13.1: chains are built from free descriptors only. */
	elem = &vq->elems[head];
	if (elem->busy)
		return vq_guest_error(vq, "avail entry %u: head %u in flight",
				      vq->last_avail, head);
	rc = vq_chain_walk(vq, elem);
	if (rc)
		return rc;
	elem->busy = true;
	elem->gen = vq->gen;
	vq->inflight++;
	vq->last_avail++;
	*out = elem;
	return 0;
}

void vq_push(struct vq *vq, struct vq_elem *elem, uint32_t written)
{
	struct vring_used_elem *u;

	/* vq_stop() already took the element back and unmapped it. */
	if (elem->gen != vq->gen)
		return;
	assert(vq->started && elem->busy && elem == &vq->elems[elem->head]);
	if (!vq->broken) {
		/*
		 * §2.7.8.2: len is what was written, never more than the
		 * writable part. Not visible before vq_flush() moves idx.
		 */
		u = &vq->used->ring[vq->used_idx & (vq->num - 1)];
		u->id = htole32(elem->head);
		u->len = htole32(written < elem->in_len ? written :
							  elem->in_len);
		vq->used_idx++;
	}
	release(vq, elem);
	vq->inflight--;
}

bool vq_flush(struct vq *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx;
	bool valid = vq->signalled_used_valid;
	uint16_t flags, event;

	if (!vq->started || vq->broken || new == old)
		return false;
	/*
	 * Release: orders the used entries written by vq_push(), and the
	 * buffer contents written before it, before the index the driver
	 * reads (§2.7.8.2: len is set before idx is updated).
	 */
	__atomic_store_n(&vq->used->idx, htole16(new), __ATOMIC_RELEASE);
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	/*
	 * Full barrier: orders the used->idx store before the load of
	 * avail->flags or used_event. The driver re-enables interrupts by
	 * writing used_event (or clearing the flag), then a barrier, then
	 * reads used->idx again; without ours, we could read its old
	 * used_event while it reads our old idx: the classic lost wake-up.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		/* §2.7.7.2: flags 0 means the driver wants the interrupt. */
		flags = le16toh(
			__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED));
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (!valid)
		return true;
	/* §2.7.7.2: interrupt if we just wrote the entry at used_event. */
	event = le16toh(__atomic_load_n(used_event(vq), __ATOMIC_RELAXED));
	return vring_need_event(event, new, old);
}

void vq_disable_notify(struct vq *vq)
{
	if (!vq->started)
		return;
	vq->no_notify = true;
	/*
	 * With EVENT_IDX the flags must stay 0 (§2.7.10.2); avail_event is
	 * left where it is, behind the entries being drained, so the driver
	 * does not notify again until it is re-armed.
	 */
	if (!vq->event_idx)
		__atomic_store_n(&vq->used->flags,
				 htole16(VRING_USED_F_NO_NOTIFY),
				 __ATOMIC_RELAXED);
}

bool vq_enable_notify(struct vq *vq)
{
	uint16_t pending = 0;

	if (!vq->started || vq->broken)
		return false;
	vq->no_notify = false;
	/*
	 * Entries the driver added while notifications were off did not
	 * notify; rearm() re-checks after a full barrier so that each one is
	 * either seen here or notified. A jump of avail->idx is reported as
	 * pending so that the caller's vq_pop() fails the queue.
	 */
	if (rearm(vq, &pending))
		return true;
	return pending != 0;
}
