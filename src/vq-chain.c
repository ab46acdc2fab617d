/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The descriptor chain walker (virtio 1.2 §2.7.5). The guest can rewrite
 * descriptors while we walk them, so each one is copied exactly once into a
 * local struct desc and only that copy is checked and used (no
 * time-of-check/time-of-use gap). Every rule a driver can break is checked
 * here, with the clause it breaks:
 *
 *  - next < queue size (direct) or < table size (indirect)      §2.7.5
 *  - at most `num` buffer descriptors in a chain, direct and
 *    indirect together; this also ends loops                    §2.7.5.3.1
 *  - INDIRECT only if negotiated, never with NEXT, never inside
 *    a table; table length a non-zero multiple of 16, at most
 *    `num` entries (a bigger table could not be walked anyway)  §2.7.5.3.1
 *  - device-readable buffers before device-writable ones        §2.7.4.2
 *  - addr + len does not wrap, every byte inside guest RAM
 *  - at most 2^32 - 1 bytes in the whole chain                  §2.7.5.2
 *  - at most max_iov iovecs (a device limit, §2.7.4.1 allows it)
 *
 * Zero-length descriptors are legal and produce no iovec. A chain may be
 * direct descriptors followed by one indirect descriptor (§2.7.5.3.2), whose
 * own WRITE flag is ignored.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gmem.h"
#include "iov.h"
#include "log.h"
#include "vq-chain.h"

/* A descriptor copied out of guest memory, in host byte order. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * An indirect table holds at most VQ_NUM_MAX descriptors (16 KiB): 5 pieces
 * for a provider that splits at 4 KiB pages, with room to spare.
 */
#define TABLE_IOV_MAX 8

struct walk {
	struct vq *vq;
	struct vq_elem *elem;
	unsigned nbuf; /* buffer descriptors so far, direct and indirect */
	unsigned niov; /* iovecs filled in elem->iov */
	unsigned nout; /* of which device-readable */
	bool writing;  /* a device-writable descriptor was seen */
	uint64_t out_len, in_len;
};

int vq_guest_error(struct vq *vq, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	vq->broken = true;
	if (!vq->log)
		return -EBADMSG;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_guest(vq->log, LOG_WARN, "queue: %s", what);
	return -EBADMSG;
}

/*
 * The ring's descriptor table is 16-byte aligned (checked by vq_start), so
 * each field is loaded once, whole; relaxed is enough as the acquire load
 * of avail->idx in vq_pop() already ordered these loads after it.
 */
static void read_ring_desc(const struct vring_desc *d, struct desc *out)
{
	out->addr = le64toh(__atomic_load_n(&d->addr, __ATOMIC_RELAXED));
	out->len = le32toh(__atomic_load_n(&d->len, __ATOMIC_RELAXED));
	out->flags = le16toh(__atomic_load_n(&d->flags, __ATOMIC_RELAXED));
	out->next = le16toh(__atomic_load_n(&d->next, __ATOMIC_RELAXED));
}

/* Entry i of an indirect table mapped at tiov (it may cross pages). */
static void read_table_desc(const struct iovec *tiov, unsigned cnt, unsigned i,
			    struct desc *out)
{
	struct vring_desc raw;
	struct iov_cursor c;
	size_t got;

	iov_cursor_init(&c, tiov, cnt);
	iov_cursor_skip(&c, (size_t)i * sizeof(raw));
	got = iov_cursor_read(&c, &raw, sizeof(raw));
	assert(got == sizeof(raw));
	out->addr = le64toh(raw.addr);
	out->len = le32toh(raw.len);
	out->flags = le16toh(raw.flags);
	out->next = le16toh(raw.next);
}

static int map_error(struct walk *w, const char *kind, unsigned idx,
		     const struct desc *d, int err)
{
	if (err == -EFAULT)
		return vq_guest_error(
			w->vq, "head %u: %s %u: 0x%llx+%u outside guest RAM",
			w->elem->head, kind, idx, (unsigned long long)d->addr,
			d->len);
	if (err == -ENOBUFS)
		return vq_guest_error(w->vq,
				      "head %u: %s %u: more than %u iovecs",
				      w->elem->head, kind, idx, w->vq->max_iov);
	/* Not the guest's fault, but the request cannot be served. */
	return vq_guest_error(w->vq, "head %u: %s %u: cannot map 0x%llx+%u: %s",
			      w->elem->head, kind, idx,
			      (unsigned long long)d->addr, d->len,
			      strerror(-err));
}

/* Does [addr, addr + len) wrap around the address space? (len > 0) */
static bool wraps(const struct desc *d)
{
	return d->len - 1 > UINT64_MAX - d->addr;
}

/* Checks one buffer descriptor and maps it after what is mapped so far. */
static int add_buf(struct walk *w, const struct desc *d, const char *kind,
		   unsigned idx)
{
	struct vq *vq = w->vq;
	struct vq_elem *elem = w->elem;
	bool wr = d->flags & VRING_DESC_F_WRITE;
	int n;

	/* §2.7.5.3.1: no chain longer than the queue; this bounds loops. */
	if (++w->nbuf > vq->num)
		return vq_guest_error(
			vq, "head %u: chain longer than queue size %u (loop?)",
			elem->head, vq->num);
	/* §2.7.4.2: device-writable descriptors after device-readable ones. */
	if (wr && !w->writing) {
		w->writing = true;
		w->nout = w->niov;
	} else if (!wr && w->writing) {
		return vq_guest_error(vq,
				      "head %u: %s %u: readable after writable",
				      elem->head, kind, idx);
	}
	if (d->len == 0)
		return 0;
	if (wraps(d))
		return vq_guest_error(vq, "head %u: %s %u: 0x%llx+%u wraps",
				      elem->head, kind, idx,
				      (unsigned long long)d->addr, d->len);
	n = gmem_map_iov(vq->mem, d->addr, d->len, wr, elem->iov + w->niov,
			 vq->max_iov - w->niov);
	if (n < 0)
		return map_error(w, kind, idx, d, n);
	w->niov += (unsigned)n;
	if (wr)
		w->in_len += d->len;
	else
		w->out_len += d->len;
	/* §2.7.5.2: a chain holds less than 4 GiB (out_len/in_len are u32). */
	if (w->out_len + w->in_len > UINT32_MAX)
		return vq_guest_error(vq, "head %u: chain longer than 4 GiB",
				      elem->head);
	return 0;
}

static int check_table(struct walk *w, unsigned idx, const struct desc *d)
{
	struct vq *vq = w->vq;
	unsigned head = w->elem->head;

	if (!vq->indirect)
		return vq_guest_error(
			vq, "head %u: descriptor %u: INDIRECT not negotiated",
			head, idx);
	if (d->flags & VRING_DESC_F_NEXT)
		return vq_guest_error(
			vq, "head %u: descriptor %u: INDIRECT with NEXT", head,
			idx);
	/* §2.7.5.3: len is the table's size, 16 bytes per descriptor. */
	if (d->len == 0 || d->len % sizeof(struct vring_desc))
		return vq_guest_error(
			vq, "head %u: descriptor %u: indirect table length %u",
			head, idx, d->len);
	if (d->len / sizeof(struct vring_desc) > vq->num)
		return vq_guest_error(
			vq,
			"head %u: descriptor %u: indirect table of %zu > %u entries",
			head, idx, d->len / sizeof(struct vring_desc), vq->num);
	if (wraps(d))
		return vq_guest_error(
			vq,
			"head %u: descriptor %u: indirect table 0x%llx+%u wraps",
			head, idx, (unsigned long long)d->addr, d->len);
	return 0;
}

/* Walks the indirect table d points at: the end of the chain. */
static int walk_table(struct walk *w, unsigned idx, const struct desc *d)
{
	struct vq *vq = w->vq;
	struct iovec tiov[TABLE_IOV_MAX];
	unsigned count, i = 0;
	struct desc e;
	int n, rc;

	rc = check_table(w, idx, d);
	if (rc)
		return rc;
	count = d->len / sizeof(struct vring_desc);
	n = gmem_map_iov(vq->mem, d->addr, d->len, false, tiov,
			 ARRAY_SIZE(tiov));
	if (n == -ENOBUFS)
		return vq_guest_error(
			vq,
			"head %u: descriptor %u: indirect table in more than %u pieces",
			w->elem->head, idx, TABLE_IOV_MAX);
	if (n < 0)
		return map_error(w, "indirect table at descriptor", idx, d, n);
	for (;;) {
		read_table_desc(tiov, (unsigned)n, i, &e);
		/* §2.7.5.3.1: one table per descriptor, no nesting. */
		if (e.flags & VRING_DESC_F_INDIRECT) {
			rc = vq_guest_error(
				vq,
				"head %u: indirect descriptor %u: nested INDIRECT",
				w->elem->head, i);
			break;
		}
		rc = add_buf(w, &e, "indirect descriptor", i);
		if (rc || !(e.flags & VRING_DESC_F_NEXT))
			break;
		if (e.next >= count) {
			rc = vq_guest_error(
				vq,
				"head %u: indirect descriptor %u: next %u >= table size %u",
				w->elem->head, i, e.next, count);
			break;
		}
		i = e.next;
	}
	/* The table was copied entry by entry: no need to keep it mapped. */
	gmem_unmap_iov(vq->mem, tiov, (unsigned)n);
	return rc;
}

int vq_chain_walk(struct vq *vq, struct vq_elem *elem)
{
	struct walk w = { .vq = vq, .elem = elem };
	unsigned idx = elem->head;
	struct desc d;
	int rc;

	for (;;) {
		read_ring_desc(&vq->desc[idx], &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			rc = walk_table(&w, idx, &d);
			break;
		}
		rc = add_buf(&w, &d, "descriptor", idx);
		if (rc || !(d.flags & VRING_DESC_F_NEXT))
			break;
		/* §2.7.5: next indexes the queue's descriptor table. */
		if (d.next >= vq->num) {
			rc = vq_guest_error(
				vq,
				"head %u: descriptor %u: next %u >= queue size %u",
				elem->head, idx, d.next, vq->num);
			break;
		}
		idx = d.next;
	}
	if (rc) {
		gmem_unmap_iov(vq->mem, elem->iov, w.niov);
		return rc;
	}
	if (!w.writing)
		w.nout = w.niov;
	elem->out_num = (uint16_t)w.nout;
	elem->in_num = (uint16_t)(w.niov - w.nout);
	elem->out = elem->iov;
	elem->in = elem->iov + w.nout;
	elem->out_len = (uint32_t)w.out_len;
	elem->in_len = (uint32_t)w.in_len;
	return 0;
}
