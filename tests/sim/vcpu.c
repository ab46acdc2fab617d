// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest side of a trapped MMIO access, as Xen handles it on Arm:
 * try_fwd_ioserv() builds the ioreq, ioreq_server_select() picks the most
 * recently created enabled server whose range covers every byte,
 * ioreq_send() fills the vCPU's slot and signals vp_eport, and
 * wait_for_io() sleeps until the device model's notification shows
 * STATE_IORESP_READY, then takes the data and frees the slot.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim-host.h"

/* The state nibble shares its byte with data_is_ptr, dir and df. */
#define STATE_BYTE (offsetof(ioreq_t, type) - 1)
_Static_assert(sizeof(ioreq_t) == 32, "ioreq_t layout");

/* What a read returns before the device model fills data: the register's
 * old content, on Arm. A device model that forgets data is caught. */
#define STALE_DATA 0x5a5a5a5a5a5a5a5aULL

static unsigned int slot_state(const ioreq_t *slot)
{
	ioreq_t tmp = { 0 };

	/* Acquire: pairs with the device model's write barrier before it
	 * published STATE_IORESP_READY, so `data` is read after it. */
	((uint8_t *)&tmp)[STATE_BYTE] = __atomic_load_n(
		(const uint8_t *)slot + STATE_BYTE, __ATOMIC_ACQUIRE);
	return tmp.state;
}

static void slot_set_state(ioreq_t *slot, unsigned int state)
{
	uint8_t *b = (uint8_t *)slot + STATE_BYTE;
	ioreq_t tmp = { 0 };

	((uint8_t *)&tmp)[STATE_BYTE] = __atomic_load_n(b, __ATOMIC_RELAXED);
	tmp.state = state & 0xf;
	/* Release: the request's fields are written before the state that
	 * hands them over (Xen: prepare_wait_on_xen_event_channel()). */
	__atomic_store_n(b, ((uint8_t *)&tmp)[STATE_BYTE], __ATOMIC_RELEASE);
}

static struct server *select_server(struct domain *d, const ioreq_t *p)
{
	unsigned int id = MAX_SERVERS;

	/* Backwards: more recently created servers are favoured. */
	while (id--) {
		struct server *s = d->srv[id];

		if (s && s->enabled &&
		    range_contains(&s->ranges[XEN_DMOP_IO_RANGE_MEMORY],
				   p->addr, p->addr + p->size - 1))
			return s;
	}
	return NULL;
}

static int send_req(struct domain *d, struct server *s, unsigned int vcpu,
		    ioreq_t *p)
{
	ioreq_t *slot = &s->page->vcpu_ioreq[vcpu];
	unsigned int state = slot_state(slot);

	if (state != STATE_IOREQ_NONE) {
		if (!d->vcpus[vcpu].hung[s->id])
			misuse(d->h, XENSIM_MISUSE_SLOT_STATE,
			       "dom%u vCPU%u: new request but the slot of "
			       "server %u is in state %u (device model set bad "
			       "IO state)",
			       d->domid, vcpu, s->id, state);
		return -EIO;
	}
	if (slot->vp_eport != s->ports[vcpu]) {
		misuse(d->h, XENSIM_MISUSE_SLOT_PORT,
		       "dom%u vCPU%u: slot vp_eport is %u, not %u (device "
		       "model set bad event channel)",
		       d->domid, vcpu, slot->vp_eport, s->ports[vcpu]);
		return -EIO;
	}
	p->state = STATE_IOREQ_NONE;
	p->vp_eport = s->ports[vcpu];
	memcpy(slot, p, sizeof(*p));
	slot_set_state(slot, STATE_IOREQ_READY);
	evtchn_raise(d->h, d, s->ports[vcpu]);
	return 0;
}

/* One state seen on a notification: 1 to keep waiting, 0 done, -EIO. */
static int check_state(struct domain *d, struct server *s, unsigned int vcpu,
		       unsigned int *prev, ioreq_t *p)
{
	ioreq_t *slot = &s->page->vcpu_ioreq[vcpu];
	unsigned int state = slot_state(slot);

	if (state == STATE_IORESP_READY) {
		p->data = slot->data;
		slot_set_state(slot, STATE_IOREQ_NONE);
		return 0;
	}
	if ((state == STATE_IOREQ_READY || state == STATE_IOREQ_INPROCESS) &&
	    state >= *prev) {
		*prev = state; /* a notification before the answer */
		return 1;
	}
	/* wait_for_io(): Xen crashes the domain here. */
	misuse(d->h, XENSIM_MISUSE_SLOT_STATE,
	       "dom%u vCPU%u: slot of server %u went from state %u to %u "
	       "(weird HVM ioreq state transition)",
	       d->domid, vcpu, s->id, *prev, state);
	return -EIO;
}

/* w is listed as this vCPU's waiter from before the request was sent. */
static int wait_resp(struct domain *d, struct server *s, unsigned int vcpu,
		     ioreq_t *p, struct waiter *w)
{
	struct xensim *h = d->h;
	struct vcpu *v = &d->vcpus[vcpu];
	unsigned int seen = v->kicks, prev = STATE_IOREQ_READY, id = s->id;
	uint64_t serial = s->serial;
	bool timed_out = false;
	struct timespec ts;
	int rc;

	deadline_in(&ts, h->timeout_ms);
	for (;;) {
		/* The lock was dropped while waiting: look again. */
		if (d->dead)
			return -ESRCH;
		if (!d->srv[id] || d->srv[id]->serial != serial)
			return -EIO; /* destroyed while the vCPU waited */
		if (v->kicks != seen) {
			seen = v->kicks;
			rc = check_state(d, s, vcpu, &prev, p);
			if (rc <= 0)
				return rc;
		}
		if (timed_out)
			break;
		timed_out = pthread_cond_timedwait(&w->cond, &h->lock, &ts) ==
			    ETIMEDOUT;
	}
	v->hung[id] = true;
	misuse(h, XENSIM_MISUSE_TIMEOUT,
	       "dom%u vCPU%u: no response from server %u to %s of %u bytes at "
	       "%#llx within %u ms (slot state %u%s)",
	       d->domid, vcpu, id, p->dir == IOREQ_READ ? "a read" : "a write",
	       p->size, (unsigned long long)p->addr, h->timeout_ms,
	       slot_state(&s->page->vcpu_ioreq[vcpu]),
	       evtchn_is_bound(h, d->domid, s->ports[vcpu]) ?
		       "" :
		       ", vp_eport not bound");
	return -ETIMEDOUT;
}

void vcpu_kick(struct domain *d, struct server *s, unsigned int vcpu)
{
	struct vcpu *v = &d->vcpus[vcpu];
	ioreq_t *slot = &s->page->vcpu_ioreq[vcpu];
	unsigned int state;

	if (v->busy && v->srv == s->id) {
		v->kicks++;
		/* Only this vCPU waits for it: see sim-host.h. */
		wake_some(d->h, WAIT_VCPU, d->domid, vcpu);
		return;
	}
	state = slot_state(slot);
	if (state == STATE_IOREQ_NONE)
		return; /* a spurious notification is harmless */
	if (v->hung[s->id]) {
		/* The late answer to a request that timed out. */
		if (state == STATE_IORESP_READY) {
			slot_set_state(slot, STATE_IOREQ_NONE);
			v->hung[s->id] = false;
		}
		return;
	}
	misuse(d->h, XENSIM_MISUSE_SLOT_STATE,
	       "dom%u vCPU%u: notified with the slot of server %u in state %u "
	       "but no request outstanding (a response without a request, or "
	       "a second response)",
	       d->domid, vcpu, s->id, state);
}

static int roundtrip(struct domain *d, struct server *s, unsigned int vcpu,
		     ioreq_t *p)
{
	struct vcpu *v = &d->vcpus[vcpu];
	struct waiter w;
	int rc;

	v->busy = true;
	v->srv = s->id;
	waiter_add(d->h, &w, WAIT_VCPU, d->domid, vcpu);
	rc = send_req(d, s, vcpu, p);
	if (!rc)
		rc = wait_resp(d, s, vcpu, p, &w);
	waiter_del(d->h, &w);
	v->busy = false;
	return rc;
}

/* The vCPU as the caller may use it: 0, or why the access cannot start. */
static int vcpu_get(struct xensim *h, uint32_t domid, unsigned int vcpu,
		    struct domain **d)
{
	*d = dom_find(h, domid);
	if (!*d || (*d)->dead)
		return -ESRCH;
	if (vcpu >= (*d)->nr_vcpus)
		return -EINVAL;
	if ((*d)->paused)
		return -EAGAIN;
	return (*d)->vcpus[vcpu].busy ? -EBUSY : 0;
}

static int mmio(struct xensim *h, uint32_t domid, unsigned int vcpu, ioreq_t *p)
{
	struct domain *d;
	struct server *s;
	int rc;

	/* Arm: a device access of another size or misaligned faults in the
	 * guest and never reaches Xen. */
	if ((p->size != 1 && p->size != 2 && p->size != 4 && p->size != 8) ||
	    (p->addr & (p->size - 1)))
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	rc = vcpu_get(h, domid, vcpu, &d);
	s = rc ? NULL : select_server(d, p);
	if (!rc && !s) {
		h->unhandled++;
		fprintf(stderr,
			"xensim: dom%u vCPU%u: unhandled MMIO %s at %#llx: "
			"data abort\n",
			domid, vcpu, p->dir == IOREQ_READ ? "read" : "write",
			(unsigned long long)p->addr);
		rc = -EFAULT;
	}
	if (!rc)
		rc = roundtrip(d, s, vcpu, p);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

int xensim_mmio_read(struct xensim *h, uint32_t domid, unsigned int vcpu,
		     uint64_t addr, unsigned int size, uint64_t *value)
{
	ioreq_t p = { .addr = addr,
		      .data = STALE_DATA,
		      .count = 1,
		      .size = size,
		      .dir = IOREQ_READ,
		      .type = IOREQ_TYPE_COPY };
	int rc = mmio(h, domid, vcpu, &p);

	/* handle_ioserv(): the register gets data cut to the access size. */
	*value = rc ? 0 : p.data & mask(size);
	return rc;
}

int xensim_mmio_write(struct xensim *h, uint32_t domid, unsigned int vcpu,
		      uint64_t addr, unsigned int size, uint64_t value)
{
	ioreq_t p = { .addr = addr,
		      .data = value & mask(size),
		      .count = 1,
		      .size = size,
		      .dir = IOREQ_WRITE,
		      .type = IOREQ_TYPE_COPY };

	return mmio(h, domid, vcpu, &p);
}

/* ioreq_signal_mapcache_invalidate() -> ioreq_broadcast() */
int xensim_invalidate(struct xensim *h, uint32_t domid, unsigned int vcpu)
{
	struct domain *d;
	unsigned int id;
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = vcpu_get(h, domid, vcpu, &d);
	for (id = 0; !rc && id < MAX_SERVERS; id++) {
		ioreq_t p = { .data = ~0ULL,
			      .size = 4,
			      .dir = IOREQ_WRITE,
			      .type = IOREQ_TYPE_INVALIDATE };

		if (d->srv[id] && d->srv[id]->enabled)
			rc = roundtrip(d, d->srv[id], vcpu, &p);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

unsigned int xensim_unhandled_count(struct xensim *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->lock);
	n = h->unhandled;
	pthread_mutex_unlock(&h->lock);
	return n;
}

static bool ioreq_ready(struct xensim *h, const void *arg)
{
	struct domain *d = dom_find(h, *(const uint32_t *)arg);
	unsigned int id, v;

	for (id = 0; d && !d->dead && id < MAX_SERVERS; id++) {
		struct server *s = d->srv[id];

		for (v = 0; s && s->enabled && v < d->nr_vcpus; v++)
			if (!evtchn_is_bound(h, d->domid, s->ports[v]))
				break;
		if (s && s->enabled && v == d->nr_vcpus)
			return true;
	}
	return false;
}

int xensim_wait_ioreq_ready(struct xensim *h, uint32_t domid,
			    unsigned int timeout_ms)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = wait_until(h, ioreq_ready, &domid, timeout_ms);
	pthread_mutex_unlock(&h->lock);
	return rc;
}
