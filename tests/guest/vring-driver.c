/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueue, driver side, after Linux's virtio_ring.c (behaviour, not
 * code). Rings are little-endian (virtio 1.2 §2.7 with VIRTIO_F_VERSION_1).
 * Fields the device reads while we write them, or writes while we read them,
 * go through relaxed atomics so the compiler neither tears nor caches them;
 * ordering comes from the explicit fences, as Linux's virtio_wmb/rmb/mb with
 * weak barriers (the device is another CPU, not a DMA engine).
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "vring-driver.h"

/* virtio-mmio aligns the used ring to the page (VIRTIO_MMIO_VRING_ALIGN). */
#define VRING_ALIGN 4096u

static inline void wr16(__virtio16 *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static inline uint16_t rd16(const __virtio16 *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline uint32_t rd32(const __virtio32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline __virtio16 *used_event(struct vrdrv *vq)
{
	return &vq->avail->ring[vq->num];
}

static inline __virtio16 *avail_event(struct vrdrv *vq)
{
	return (__virtio16 *)(void *)&vq->used->ring[vq->num];
}

static void printf_like(2, 3) bad_ring(struct vrdrv *vq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vq->error, sizeof(vq->error), fmt, ap);
	va_end(ap);
	vq->broken = true;
}

size_t vrdrv_ring_size(unsigned num)
{
	return vring_size(num, VRING_ALIGN);
}

/* vring_init()'s arithmetic on guest-physical addresses. */
static void layout(struct vrdrv *vq, uint8_t *host)
{
	uint64_t used_off;

	vq->desc_gpa = vq->ring_gpa;
	vq->avail_gpa = vq->desc_gpa + sizeof(struct vring_desc) * vq->num;
	used_off = vq->avail_gpa - vq->ring_gpa +
		   sizeof(__virtio16) * (3u + vq->num);
	used_off = (used_off + VRING_ALIGN - 1) & ~(uint64_t)(VRING_ALIGN - 1);
	vq->used_gpa = vq->ring_gpa + used_off;
	vq->desc = (struct vring_desc *)(void *)host;
	vq->avail = (struct vring_avail *)(void *)(host + (vq->avail_gpa -
							   vq->ring_gpa));
	vq->used = (struct vring_used *)(void *)(host + used_off);
}

/* Halves num while the rings do not fit, like vring_create_virtqueue_split. */
static int alloc_rings(struct vrdrv *vq, unsigned num)
{
	const struct guest_bus *bus = vq->bus;
	bool got = false;
	void *host;

	for (; num && vrdrv_ring_size(num) > VRING_ALIGN; num /= 2) {
		if (!gpa_pool_alloc(vq->pool, vrdrv_ring_size(num), VRING_ALIGN,
				    &vq->ring_gpa)) {
			got = true;
			break;
		}
	}
	if (!num)
		return -ENOMEM;
	if (!got && gpa_pool_alloc(vq->pool, vrdrv_ring_size(num), VRING_ALIGN,
				   &vq->ring_gpa))
		return -ENOMEM;
	vq->num = (uint16_t)num;
	vq->ring_size = vrdrv_ring_size(num);
	host = bus->ram(bus->opaque, vq->ring_gpa, vq->ring_size);
	if (!host) {
		gpa_pool_free(vq->pool, vq->ring_gpa, vq->ring_size);
		vq->ring_size = 0;
		return -EFAULT;
	}
	memset(host, 0, vq->ring_size);
	layout(vq, host);
	return 0;
}

int vrdrv_create(const struct vrdrv_params *p, struct vrdrv **out)
{
	struct vrdrv *vq;
	unsigned i;
	int rc;

	/* Linux: "Bad virtqueue length" unless a power of two. */
	if (!p->num || (p->num & (p->num - 1)) || p->num > 32768)
		return -EINVAL;
	vq = calloc(1, sizeof(*vq));
	if (!vq)
		return -ENOMEM;
	vq->index = p->index;
	vq->bus = p->bus;
	vq->pool = p->pool;
	vq->notify = p->notify;
	vq->notify_opaque = p->notify_opaque;
	vq->callback = p->callback;
	vq->opaque = p->opaque;
	vq->event = (p->features >> VIRTIO_RING_F_EVENT_IDX) & 1;
	vq->indirect = (p->features >> VIRTIO_RING_F_INDIRECT_DESC) & 1;
	rc = alloc_rings(vq, p->num);
	if (rc)
		goto err;
	vq->state = calloc(vq->num, sizeof(*vq->state));
	vq->extra = calloc(vq->num, sizeof(*vq->extra));
	if (!vq->state || !vq->extra) {
		rc = -ENOMEM;
		goto err;
	}
	for (i = 0; i + 1 < vq->num; i++)
		vq->extra[i].next = (uint16_t)(i + 1);
	vq->num_free = vq->num;
	/* No callback: the driver polls and asks for no interrupts. */
	if (!vq->callback) {
		vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
		if (!vq->event)
			wr16(&vq->avail->flags, vq->avail_flags_shadow);
	}
	*out = vq;
	return 0;
err:
	vrdrv_free(vq);
	return rc;
}

void vrdrv_free(struct vrdrv *vq)
{
	unsigned i;

	if (!vq)
		return;
	for (i = 0; vq->state && i < vq->num; i++)
		if (vq->state[i].indir_len)
			gpa_pool_free(vq->pool, vq->state[i].indir_gpa,
				      vq->state[i].indir_len);
	if (vq->ring_size)
		gpa_pool_free(vq->pool, vq->ring_gpa, vq->ring_size);
	free(vq->state);
	free(vq->extra);
	free(vq);
}

/* Fills ring descriptor i and our copy; returns the next free one. */
static uint16_t add_desc(struct vrdrv *vq, uint16_t i, uint64_t addr,
			 uint32_t len, uint16_t flags)
{
	struct vrdrv_extra *e = &vq->extra[i];

	vq->desc[i].flags = htole16(flags);
	vq->desc[i].addr = htole64(addr);
	vq->desc[i].len = htole32(len);
	vq->desc[i].next = htole16(e->next);
	e->addr = addr;
	e->len = len;
	e->flags = flags;
	return e->next;
}

static uint16_t sg_flags(unsigned j, unsigned out_num, unsigned total)
{
	uint16_t f = j + 1 < total ? VRING_DESC_F_NEXT : 0;

	return f | (j >= out_num ? VRING_DESC_F_WRITE : 0);
}

/* An indirect table in guest RAM; on failure Linux falls back to direct. */
static bool fill_indirect(struct vrdrv *vq, const struct vrdrv_sg *sg,
			  unsigned out_num, unsigned total, uint64_t *gpa)
{
	uint32_t size = total * (uint32_t)sizeof(struct vring_desc);
	struct vring_desc *t;
	unsigned j;

	if (gpa_pool_alloc(vq->pool, size, 16, gpa))
		return false;
	t = vq->bus->ram(vq->bus->opaque, *gpa, size);
	if (!t) {
		gpa_pool_free(vq->pool, *gpa, size);
		return false;
	}
	for (j = 0; j < total; j++) {
		t[j].addr = htole64(sg[j].gpa);
		t[j].len = htole32(sg[j].len);
		t[j].flags = htole16(sg_flags(j, out_num, total));
		t[j].next = htole16((uint16_t)(j + 1));
	}
	return true;
}

static void expose(struct vrdrv *vq, uint16_t head)
{
	uint16_t slot = vq->avail_idx_shadow & (vq->num - 1);

	wr16(&vq->avail->ring[slot], head);
	/* The descriptors and the ring entry before avail->idx covers them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail_idx_shadow++;
	wr16(&vq->avail->idx, vq->avail_idx_shadow);
	vq->num_added++;
	vq->outstanding++;
}

int vrdrv_add(struct vrdrv *vq, const struct vrdrv_sg *sg, unsigned out_num,
	      unsigned in_num, void *data)
{
	unsigned j, total = out_num + in_num, used;
	uint64_t table = 0, in_bytes = 0;
	uint16_t head = vq->free_head, i, prev = 0;
	bool indirect = false;

	assert(total && data);
	if (vq->broken)
		return -EIO;
	if (vq->indirect && total > 1 && vq->num_free)
		indirect = fill_indirect(vq, sg, out_num, total, &table);
	used = indirect ? 1 : total;
	if (vq->num_free < used) {
		/* Linux kicks a full queue when the buffer has output. */
		if (out_num && vq->notify)
			(void)vq->notify(vq, vq->notify_opaque);
		if (indirect)
			gpa_pool_free(vq->pool, table,
				      total * sizeof(struct vring_desc));
		return -ENOSPC;
	}
	for (j = out_num; j < total; j++)
		in_bytes += sg[j].len;
	if (indirect) {
		add_desc(vq, head, table, total * sizeof(struct vring_desc),
			 VRING_DESC_F_INDIRECT);
		vq->free_head = vq->extra[head].next;
		vq->stats.added_indirect++;
	} else {
		for (i = head, j = 0; j < total; j++) {
			prev = i;
			i = add_desc(vq, i, sg[j].gpa, sg[j].len,
				     sg_flags(j, out_num, total) |
					     VRING_DESC_F_NEXT);
		}
		/* The last one does not continue. */
		vq->desc[prev].flags &= htole16((uint16_t)~VRING_DESC_F_NEXT);
		vq->extra[prev].flags &= (uint16_t)~VRING_DESC_F_NEXT;
		vq->free_head = i;
	}
	vq->num_free = (uint16_t)(vq->num_free - used);
	vq->state[head] = (struct vrdrv_state){
		.data = data,
		.indir_gpa = table,
		.indir_len =
			indirect ? total * (uint32_t)sizeof(struct vring_desc) :
				   0,
		.in_bytes =
			in_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)in_bytes,
	};
	expose(vq, head);
	vq->stats.added++;
	/* Unlikely but possible: never let num_added wrap. */
	if (vq->num_added == 0xffff)
		vrdrv_kick(vq);
	return 0;
}

bool vrdrv_kick_prepare(struct vrdrv *vq)
{
	uint16_t new_idx, old_idx;
	bool kick;

	/* Our avail->idx write before we read avail_event / used->flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	old_idx = (uint16_t)(vq->avail_idx_shadow - vq->num_added);
	new_idx = vq->avail_idx_shadow;
	vq->num_added = 0;
	if (vq->event)
		kick = vring_need_event(rd16(avail_event(vq)), new_idx,
					old_idx);
	else
		kick = !(rd16(&vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	if (!kick)
		vq->stats.kicks_suppressed++;
	return kick;
}

bool vrdrv_notify(struct vrdrv *vq)
{
	int rc;

	if (vq->broken)
		return false;
	rc = vq->notify ? vq->notify(vq, vq->notify_opaque) : 0;
	if (rc) {
		bad_ring(vq, "notify failed: %d", rc);
		return false;
	}
	vq->stats.kicks++;
	return true;
}

bool vrdrv_kick(struct vrdrv *vq)
{
	if (vrdrv_kick_prepare(vq))
		return vrdrv_notify(vq);
	return true;
}

/* Returns a chain to the free list, from our copy of its descriptors. */
static void detach(struct vrdrv *vq, uint16_t head)
{
	struct vrdrv_state *st = &vq->state[head];
	uint16_t i = head;

	st->data = NULL;
	while (vq->extra[i].flags & VRING_DESC_F_NEXT) {
		i = vq->extra[i].next;
		vq->num_free++;
	}
	vq->extra[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free++;
	if (st->indir_len) {
		gpa_pool_free(vq->pool, st->indir_gpa, st->indir_len);
		st->indir_gpa = 0;
		st->indir_len = 0;
	}
	vq->outstanding--;
}

/* Checks what the device claims in one used entry. */
static int check_used(struct vrdrv *vq, uint16_t used_idx, uint32_t id,
		      uint32_t len)
{
	uint16_t ahead = (uint16_t)(used_idx - vq->last_used_idx);

	/* virtio 1.2 §2.7.8: only buffers we made available come back. */
	if (ahead > vq->outstanding)
		bad_ring(vq, "used idx %u is %u ahead, %u outstanding",
			 used_idx, ahead, vq->outstanding);
	else if (id >= vq->num)
		bad_ring(vq, "id %u out of range", id);
	else if (!vq->state[id].data)
		bad_ring(vq, "id %u is not a head", id);
	/* §2.7.8.1: len is what the device wrote: at most the writable part. */
	else if (len > vq->state[id].in_bytes)
		bad_ring(vq, "id %u: used len %u > %u writable bytes", id, len,
			 vq->state[id].in_bytes);
	return vq->broken ? -EIO : 0;
}

int vrdrv_get_buf(struct vrdrv *vq, void **data, uint32_t *len)
{
	uint16_t used_idx, slot;
	uint32_t id, l;

	if (vq->broken)
		return -EIO;
	used_idx = rd16(&vq->used->idx);
	if (used_idx == vq->last_used_idx)
		return 0;
	/* used->idx before the entries it covers. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	slot = vq->last_used_idx & (vq->num - 1);
	id = rd32(&vq->used->ring[slot].id);
	l = rd32(&vq->used->ring[slot].len);
	if (check_used(vq, used_idx, id, l))
		return -EIO;
	*data = vq->state[id].data;
	*len = l;
	detach(vq, (uint16_t)id);
	vq->last_used_idx++;
	vq->stats.used++;
	/*
	 * If we expect an interrupt for the next entry, say so: the used_event
	 * write before the next get_buf's read of used->idx.
	 */
	if (!(vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)) {
		wr16(used_event(vq), vq->last_used_idx);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 1;
}

void vrdrv_disable_cb(struct vrdrv *vq)
{
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT)
		return;
	vq->avail_flags_shadow |= VRING_AVAIL_F_NO_INTERRUPT;
	/* The device already fired for this batch: it will not fire again. */
	if (vq->event_triggered)
		return;
	if (vq->event)
		wr16(used_event(vq), 0); /* Linux's "hack": any stale value */
	else
		wr16(&vq->avail->flags, vq->avail_flags_shadow);
}

static uint16_t enable_cb_prepare(struct vrdrv *vq)
{
	vq->event_triggered = false;
	if (vq->avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT) {
		vq->avail_flags_shadow &= (uint16_t)~VRING_AVAIL_F_NO_INTERRUPT;
		if (!vq->event)
			wr16(&vq->avail->flags, vq->avail_flags_shadow);
	}
	wr16(used_event(vq), vq->last_used_idx);
	return vq->last_used_idx;
}

static bool poll_used(struct vrdrv *vq, uint16_t last)
{
	if (vq->broken)
		return false;
	/* used_event / avail->flags write before the used->idx read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return last != rd16(&vq->used->idx);
}

bool vrdrv_enable_cb(struct vrdrv *vq)
{
	return !poll_used(vq, enable_cb_prepare(vq));
}

bool vrdrv_interrupt(struct vrdrv *vq)
{
	if (vq->last_used_idx == rd16(&vq->used->idx)) {
		vq->stats.interrupts_empty++;
		return false;
	}
	if (vq->broken)
		return true;
	vq->stats.interrupts++;
	/* Only a hint for disable_cb. */
	if (vq->event)
		vq->event_triggered = true;
	if (vq->callback)
		vq->callback(vq, vq->opaque);
	return true;
}

void *vrdrv_detach_unused(struct vrdrv *vq)
{
	unsigned i;
	void *buf;

	for (i = 0; i < vq->num; i++) {
		buf = vq->state[i].data;
		if (!buf)
			continue;
		detach(vq, (uint16_t)i);
		vq->avail_idx_shadow--;
		wr16(&vq->avail->idx, vq->avail_idx_shadow);
		return buf;
	}
	assert(vq->num_free == vq->num);
	return NULL;
}
