// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shadow virtqueues in a sealed memfd: layout, submission of guest requests
 * into slots, and the checked reading of what the back-end puts in the used
 * rings. See vu-shadow.h for the rules.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vq.h"
#include "vu-msg.h"
#include "vu-shadow.h"

#define PAGE 4096u
#define MAX_SLOTS 512u

static size_t page_align(size_t v)
{
	return (v + PAGE - 1) & ~(size_t)(PAGE - 1);
}

static bool is_pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

/* Places one queue's rings, tables and buffers from *off on. */
static void layout(struct vu_sq *sq, const struct vu_shadow_params *p,
		   size_t *off)
{
	sq->nslots = p->nslots;
	sq->indirect = p->indirect;
	sq->event_idx = p->event_idx;
	/* Direct chains take two descriptors: readable, writable. */
	sq->num = p->indirect ? p->nslots : (uint16_t)(2 * p->nslots);
	/* §2.7.5.3.1: no chain longer than the queue size. */
	sq->descs =
		p->indirect ? (p->max_iov < sq->num ? p->max_iov : sq->num) : 2;
	sq->slot_bytes = p->slot_bytes;
	sq->desc_off = *off;
	*off = page_align(*off + vq_desc_size(sq->num));
	sq->avail_off = *off;
	*off = page_align(*off + vq_avail_size(sq->num));
	sq->used_off = *off;
	*off = page_align(*off + vq_used_size(sq->num));
	sq->tables_off = *off;
	if (sq->indirect)
		*off = page_align(*off + (size_t)sq->nslots * sq->descs *
						 sizeof(struct vring_desc));
	sq->bufs_off = *off;
	*off += (size_t)sq->nslots * sq->slot_bytes;
}

static int init_queue(struct vu_sq *sq, uint8_t *base)
{
	sq->base = base;
	sq->desc = (struct vring_desc *)(void *)(base + sq->desc_off);
	sq->avail = (struct vring_avail *)(void *)(base + sq->avail_off);
	sq->used = (struct vring_used *)(void *)(base + sq->used_off);
	sq->tables = (struct vring_desc *)(void *)(base + sq->tables_off);
	sq->bufs = base + sq->bufs_off;
	sq->slots = calloc(sq->nslots, sizeof(*sq->slots));
	sq->free = calloc(sq->nslots, sizeof(*sq->free));
	if (!sq->slots || !sq->free)
		return -ENOMEM;
	/* Lowest slot on top, so a light load touches few buffer pages. */
	for (uint16_t i = 0; i < sq->nslots; i++)
		sq->free[i] = (uint16_t)(sq->nslots - 1 - i);
	sq->nfree = sq->nslots;
	return 0;
}

/* A sealed memfd: the back-end cannot shrink it under our feet (SIGBUS). */
static int map_memfd(struct vu_shadow *s)
{
	void *p;

	s->fd = memfd_create("xvdm-vhost-user",
			     MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->fd < 0)
		return -errno;
	if (ftruncate(s->fd, (off_t)s->size) < 0 ||
	    fcntl(s->fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	p = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->base = p;
	return 0;
}

static bool params_ok(const struct vu_shadow_params *p)
{
	return p->nq && is_pow2(p->nslots) && p->nslots <= MAX_SLOTS &&
	       p->max_iov && p->max_iov <= VQ_IOV_MAX && p->slot_bytes &&
	       !(p->slot_bytes % PAGE);
}

int vu_shadow_new(const struct vu_shadow_params *p, struct vu_shadow **out)
{
	struct vu_shadow *s;
	size_t off = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (!params_ok(p))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->nq = p->nq;
	s->q = calloc(p->nq, sizeof(*s->q));
	if (!s->q)
		goto fail;
	for (unsigned i = 0; i < p->nq; i++)
		layout(&s->q[i], p, &off);
	s->size = page_align(off);
	rc = map_memfd(s);
	if (rc)
		goto fail;
	for (unsigned i = 0; i < p->nq; i++) {
		rc = init_queue(&s->q[i], s->base);
		if (rc)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	vu_shadow_free(s);
	return rc;
}

void vu_shadow_free(struct vu_shadow *s)
{
	if (!s)
		return;
	for (unsigned i = 0; s->q && i < s->nq; i++) {
		free(s->q[i].slots);
		free(s->q[i].free);
	}
	free(s->q);
	if (s->base)
		munmap(s->base, s->size);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

void vu_shadow_region(const struct vu_shadow *s, struct vu_mem_region *r)
{
	r->guest_addr = VU_SHADOW_GPA;
	r->size = s->size;
	r->user_addr = (uint64_t)(uintptr_t)s->base;
	r->mmap_offset = 0;
}

uint64_t vu_sq_desc_addr(const struct vu_sq *sq)
{
	return (uint64_t)(uintptr_t)sq->desc;
}

uint64_t vu_sq_avail_addr(const struct vu_sq *sq)
{
	return (uint64_t)(uintptr_t)sq->avail;
}

uint64_t vu_sq_used_addr(const struct vu_sq *sq)
{
	return (uint64_t)(uintptr_t)sq->used;
}

static void set_desc(struct vring_desc *d, uint64_t gpa, uint32_t len,
		     bool writable)
{
	d->addr = htole64(gpa);
	d->len = htole32(len);
	d->flags = htole16(writable ? VRING_DESC_F_WRITE : 0);
	d->next = 0;
}

/*
 * Describes the slot's buffer to the back-end: one descriptor per non-empty
 * guest iovec, so the request keeps its shape (a header in its own
 * descriptor, as some back-ends expect), or one readable and one writable
 * descriptor when that would not fit. Returns the head descriptor.
 */
static uint16_t build_chain(struct vu_sq *sq, uint16_t s,
			    const struct vq_elem *e)
{
	uint64_t gpa =
		VU_SHADOW_GPA + sq->bufs_off + (uint64_t)s * sq->slot_bytes;
	uint16_t head = sq->indirect ? s : (uint16_t)(2 * s);
	struct vring_desc *t = sq->indirect ?
				       sq->tables + (size_t)s * sq->descs :
				       sq->desc + head;
	uint16_t base = sq->indirect ? 0 : head, n = 0, niov = 0;
	uint64_t off = 0;

	for (unsigned i = 0; i < (unsigned)e->out_num + e->in_num; i++)
		niov = (uint16_t)(niov + (e->iov[i].iov_len != 0));
	if (niov <= sq->descs) {
		for (unsigned i = 0; i < (unsigned)e->out_num + e->in_num;
		     i++) {
			uint32_t len = (uint32_t)e->iov[i].iov_len;

			if (!len)
				continue;
			set_desc(&t[n++], gpa + off, len, i >= e->out_num);
			off += len;
		}
	} else {
		if (e->out_len)
			set_desc(&t[n++], gpa, e->out_len, false);
		if (e->in_len)
			set_desc(&t[n++], gpa + e->out_len, e->in_len, true);
	}
	for (uint16_t i = 0; i + 1 < n; i++) {
		t[i].flags |= htole16(VRING_DESC_F_NEXT);
		t[i].next = htole16((uint16_t)(base + i + 1));
	}
	if (sq->indirect) {
		uint64_t tgpa = VU_SHADOW_GPA + sq->tables_off +
				(uint64_t)s * sq->descs * sizeof(*t);

		sq->desc[s].addr = htole64(tgpa);
		sq->desc[s].len = htole32((uint32_t)(n * sizeof(*t)));
		sq->desc[s].flags = htole16(VRING_DESC_F_INDIRECT);
		sq->desc[s].next = 0;
	}
	return head;
}

int vu_sq_submit(struct vu_sq *sq, struct vq_elem *e)
{
	uint64_t total = (uint64_t)e->out_len + e->in_len;
	struct vu_slot *slot;
	uint8_t *buf;
	uint16_t s, head;

	if (!sq->nfree)
		return -ENOSPC;
	if (!total || total > sq->slot_bytes)
		return -EMSGSIZE;
	s = sq->free[--sq->nfree];
	slot = &sq->slots[s];
	buf = sq->bufs + (size_t)s * sq->slot_bytes;
	for (unsigned i = 0; i < e->out_num; i++) {
		memcpy(buf, e->out[i].iov_base, e->out[i].iov_len);
		buf += e->out[i].iov_len;
	}
	head = build_chain(sq, s, e);
	sq->avail->ring[sq->avail_idx & (sq->num - 1)] = htole16(head);
	sq->avail_idx++;
	sq->inflight++;
	*slot = (struct vu_slot){
		.elem = e,
		.busy = true,
		.out_len = e->out_len,
		.in_len = e->in_len,
	};
	return 0;
}

/* The back-end's avail_event (§2.7.10): after the used ring's entries. */
static uint16_t avail_event(const struct vu_sq *sq)
{
	const uint16_t *ev =
		(const uint16_t *)(const void *)&sq->used->ring[sq->num];

	return le16toh(__atomic_load_n(ev, __ATOMIC_RELAXED));
}

bool vu_sq_publish(struct vu_sq *sq)
{
	uint16_t old = sq->pub_idx, flags;

	sq->pub_idx = sq->avail_idx;
	/*
	 * virtio 1.2 §2.7.13.3.1: the descriptors and avail ring entries
	 * written in vu_sq_submit() must be visible before the new idx.
	 */
	__atomic_store_n(&sq->avail->idx, htole16(sq->avail_idx),
			 __ATOMIC_RELEASE);
	/*
	 * §2.7.13.4: the idx store must be visible before we read the used
	 * ring's flags or avail_event, or we could miss the back-end asking
	 * for kicks again while it finds the ring empty.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/*
	 * §2.7.10: with EVENT_IDX, a kick only when the new entries pass the
	 * index the back-end asked to be kicked at. Both are hints a hostile
	 * back-end can only use to stall its own device.
	 */
	if (sq->event_idx)
		return vring_need_event(avail_event(sq), sq->avail_idx, old);
	flags = le16toh(__atomic_load_n(&sq->used->flags, __ATOMIC_RELAXED));
	return !(flags & VRING_USED_F_NO_NOTIFY);
}

bool vu_sq_rearm(struct vu_sq *sq)
{
	uint16_t *ev = &sq->avail->ring[sq->num];
	uint16_t idx;

	if (!sq->event_idx)
		return false;
	/* §2.7.10: a call for the next entry after those we have taken. */
	__atomic_store_n(ev, htole16(sq->last_used), __ATOMIC_RELAXED);
	/*
	 * The used_event store must be visible before we read used->idx
	 * again: an entry the back-end added before it saw used_event came
	 * without a call, and we must find it now.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	idx = le16toh(__atomic_load_n(&sq->used->idx, __ATOMIC_RELAXED));
	return idx != sq->last_used;
}

static void copy_back(const uint8_t *src, const struct vq_elem *e)
{
	for (unsigned i = 0; i < e->in_num; i++) {
		memcpy(e->in[i].iov_base, src, e->in[i].iov_len);
		src += e->in[i].iov_len;
	}
}

/* The slot a used id names, or -1: heads are slot numbers (indirect) or
 * even descriptor indexes (direct chains of two). */
static int id_to_slot(const struct vu_sq *sq, uint32_t id)
{
	if (!sq->indirect) {
		if (id & 1)
			return -1;
		id /= 2;
	}
	return id < sq->nslots ? (int)id : -1;
}

int vu_sq_next_used(struct vu_sq *sq, struct vu_done *done, char *why,
		    size_t why_len)
{
	struct vring_used_elem *ue;
	struct vu_slot *slot;
	uint16_t idx, pending;
	uint32_t id, len;
	int s;

	/*
	 * virtio 1.2 §2.7.8: the entries are written before idx; the acquire
	 * load orders our reads of them after our read of idx.
	 */
	idx = le16toh(__atomic_load_n(&sq->used->idx, __ATOMIC_ACQUIRE));
	pending = (uint16_t)(idx - sq->last_used);
	if (!pending)
		return 0;
	if (pending > sq->inflight) {
		snprintf(why, why_len,
			 "used idx %u: %u new entries, %u in flight", idx,
			 pending, sq->inflight);
		return -EPROTO;
	}
	ue = &sq->used->ring[sq->last_used & (sq->num - 1)];
	/* Each read once: the back-end may change them under us. */
	id = le32toh(__atomic_load_n(&ue->id, __ATOMIC_RELAXED));
	len = le32toh(__atomic_load_n(&ue->len, __ATOMIC_RELAXED));
	s = id_to_slot(sq, id);
	if (s < 0 || !sq->slots[s].busy) {
		snprintf(why, why_len, "used id %u is not a request in flight",
			 id);
		return -EPROTO;
	}
	slot = &sq->slots[s];
	if (len > slot->in_len) {
		snprintf(why, why_len,
			 "used len %u for id %u exceeds its %u writable bytes",
			 len, id, slot->in_len);
		return -EPROTO;
	}
	if (slot->elem)
		copy_back(sq->bufs + (size_t)s * sq->slot_bytes + slot->out_len,
			  slot->elem);
	done->elem = slot->elem;
	done->len = len;
	*slot = (struct vu_slot){ 0 };
	sq->free[sq->nfree++] = (uint16_t)s;
	sq->last_used++;
	sq->inflight--;
	return 1;
}

int vu_sq_check_base(const struct vu_sq *sq, uint16_t base)
{
	return (uint16_t)(sq->avail_idx - base) <= sq->inflight ? 0 : -EPROTO;
}

void vu_sq_orphan_all(struct vu_sq *sq)
{
	for (uint16_t i = 0; i < sq->nslots; i++)
		sq->slots[i].elem = NULL;
}
