// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "ioreq.h"
#include "log.h"

/* All ones in the low `size` bytes: what a read of nothing returns. */
static uint64_t all_ones(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static bool size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/*
 * The state is a 4-bit field that Xen writes from another CPU: read it
 * through a volatile lvalue so the compiler neither caches nor tears it.
 */
static unsigned slot_state(const ioreq_t *slot)
{
	return ((const volatile ioreq_t *)slot)->state;
}

static void serve_copy(const ioreq_t *req, uint64_t *data,
		       const struct mmio_handler *h, struct log_src *log)
{
	bool is_read = req->dir == IOREQ_READ;
	int rc = -EINVAL;

	if (req->data_is_ptr || req->count != 1 || !size_ok(req->size)) {
		/* Rep or indirect accesses cannot target virtio-mmio. */
		log_guest(log, LOG_WARN,
			  "unsupported MMIO %s at %#llx: size %u count %u%s",
			  is_read ? "read" : "write",
			  (unsigned long long)req->addr, req->size, req->count,
			  req->data_is_ptr ? " via pointer" : "");
	} else if (is_read) {
		rc = h->read(h->opaque, req->addr, req->size, data);
	} else {
		rc = h->write(h->opaque, req->addr, req->size,
			      req->data & all_ones(req->size));
	}
	if (is_read) {
		uint32_t size = size_ok(req->size) ? req->size : 8;

		*data = rc ? all_ones(size) : *data & all_ones(size);
	}
}

bool mmio_req_serve(ioreq_t *slot, const struct mmio_handler *h,
		    struct log_src *log)
{
	ioreq_t req;
	uint64_t data;

	if (slot_state(slot) != STATE_IOREQ_READY)
		return false;
	/*
	 * Pairs with Xen's write barrier before it set STATE_IOREQ_READY: the
	 * request's fields must be read after the state that publishes them.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	req = *slot;
	slot->state = STATE_IOREQ_INPROCESS;
	data = req.data;

	switch (req.type) {
	case IOREQ_TYPE_COPY:
		serve_copy(&req, &data, h, log);
		break;
	case IOREQ_TYPE_INVALIDATE:
		if (h->invalidate)
			h->invalidate(h->opaque);
		break;
	default:
		log_guest(log, LOG_WARN, "unexpected ioreq type %u at %#llx",
			  req.type, (unsigned long long)req.addr);
		if (req.dir == IOREQ_READ && !req.data_is_ptr)
			data = UINT64_MAX;
		break;
	}

	slot->data = data;
	/*
	 * The response data must be visible to Xen before the state that
	 * hands the slot back (Xen reads data after seeing IORESP_READY).
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = STATE_IORESP_READY;
	return true;
}
