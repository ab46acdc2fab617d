// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user message codec: one table of the requests we send (from
 * VU_REQUESTS), builders that fill them, and the reply dispatcher that holds
 * every reply to the table before a kind-specific check looks at the payload.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vu-msg.h"

static const struct vu_msg_type types[] = {
#define VU_ROW(n, id, rq, rp, f) \
	{ .name = #n, .request = id, .req = rq, .reply = rp, .fds = f },
	VU_REQUESTS(VU_ROW)
#undef VU_ROW
};

/* Payload sizes of the fixed kinds; MEM and CONFIG depend on the content. */
static const uint32_t kind_size[] = {
	[VU_K_NONE] = 0,
	[VU_K_U64] = sizeof(uint64_t),
	[VU_K_STATE] = sizeof(struct vhost_vring_state),
	[VU_K_ADDR] = sizeof(struct vhost_vring_addr),
	[VU_K_INFLIGHT] = sizeof(struct vu_inflight),
};

#define MEM_HDR 8u

const struct vu_msg_type *vu_msg_type(uint32_t request)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i].request == request)
			return &types[i];
	}
	return NULL;
}

const char *vu_msg_name(uint32_t request, char *buf, size_t len)
{
	const struct vu_msg_type *t = vu_msg_type(request);

	if (t)
		return t->name;
	snprintf(buf, len, "request %u", request);
	return buf;
}

/* Starts a message of the right kind, or -EINVAL. */
static int start(struct vu_msg *m, uint32_t request, enum vu_kind kind,
		 uint32_t size)
{
	const struct vu_msg_type *t = vu_msg_type(request);

	if (!t || t->req != kind)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->hdr.request = request;
	m->hdr.flags = VU_VERSION;
	m->hdr.size = size;
	return 0;
}

int vu_msg_none(struct vu_msg *m, uint32_t request)
{
	return start(m, request, VU_K_NONE, 0);
}

int vu_msg_u64(struct vu_msg *m, uint32_t request, uint64_t v)
{
	int rc = start(m, request, VU_K_U64, kind_size[VU_K_U64]);

	if (!rc)
		m->p.u64 = v;
	return rc;
}

int vu_msg_state(struct vu_msg *m, uint32_t request, uint32_t index,
		 uint32_t num)
{
	int rc = start(m, request, VU_K_STATE, kind_size[VU_K_STATE]);

	if (rc)
		return rc;
	m->p.state.index = index;
	m->p.state.num = num;
	return 0;
}

int vu_msg_addr(struct vu_msg *m, uint32_t index, uint64_t desc, uint64_t used,
		uint64_t avail)
{
	int rc = start(m, VU_SET_VRING_ADDR, VU_K_ADDR, kind_size[VU_K_ADDR]);

	if (rc)
		return rc;
	m->p.addr.index = index;
	m->p.addr.desc_user_addr = desc;
	m->p.addr.used_user_addr = used;
	m->p.addr.avail_user_addr = avail;
	return 0;
}

int vu_msg_vring_fd(struct vu_msg *m, uint32_t request, uint32_t index,
		    bool has_fd)
{
	const struct vu_msg_type *t = vu_msg_type(request);

	if (!t || t->fds != VU_FDS_VRING || index > VU_VRING_IDX_MASK)
		return -EINVAL;
	return vu_msg_u64(m, request, index | (has_fd ? 0 : VU_VRING_NOFD));
}

static bool region_ok(const struct vu_mem_region *r)
{
	return r->size && r->guest_addr + r->size > r->guest_addr &&
	       r->user_addr + r->size > r->user_addr &&
	       r->mmap_offset + r->size > r->mmap_offset;
}

int vu_msg_mem_table(struct vu_msg *m, const struct vu_mem_region *r,
		     unsigned n)
{
	int rc;

	if (n == 0 || n > VU_MAX_REGIONS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (!region_ok(&r[i]))
			return -EINVAL;
	}
	rc = start(m, VU_SET_MEM_TABLE, VU_K_MEM,
		   MEM_HDR + n * (uint32_t)sizeof(*r));
	if (rc)
		return rc;
	m->p.mem.nregions = n;
	memcpy(m->p.mem.regions, r, n * sizeof(*r));
	return 0;
}

/* rust-vmm's MmapXenFlags::is_valid(), which the back-end applies. */
static bool xen_flags_ok(uint32_t f)
{
	const uint32_t known = VU_XEN_MMAP_FOREIGN | VU_XEN_MMAP_GRANT |
			       VU_XEN_MMAP_NO_ADVANCE_MAP;

	if (f & ~known)
		return false;
	if (f & VU_XEN_MMAP_GRANT)
		return !(f & VU_XEN_MMAP_FOREIGN);
	return (f & VU_XEN_MMAP_FOREIGN) && !(f & VU_XEN_MMAP_NO_ADVANCE_MAP);
}

int vu_msg_mem_table_xen(struct vu_msg *m, const struct vu_mem_region *r,
			 unsigned n, uint32_t xen_flags, uint32_t domid)
{
	int rc;

	if (n == 0 || n > VU_MAX_REGIONS || !xen_flags_ok(xen_flags))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		if (!region_ok(&r[i]))
			return -EINVAL;
	}
	rc = start(m, VU_SET_MEM_TABLE, VU_K_MEM,
		   MEM_HDR + n * (uint32_t)sizeof(struct vu_mem_region_xen));
	if (rc)
		return rc;
	m->p.xmem.nregions = n;
	for (unsigned i = 0; i < n; i++) {
		m->p.xmem.regions[i] = (struct vu_mem_region_xen){
			.guest_addr = r[i].guest_addr,
			.size = r[i].size,
			.user_addr = r[i].user_addr,
			.mmap_offset = r[i].mmap_offset,
			.xen_mmap_flags = xen_flags,
			.xen_mmap_data = domid,
		};
	}
	return 0;
}

int vu_msg_inflight(struct vu_msg *m, uint32_t request,
		    const struct vu_inflight *in)
{
	int rc;

	/* vhost-user.rst "Inflight description": both counts non-zero. */
	if (!in->num_queues || !in->queue_size)
		return -EINVAL;
	if (request == VU_SET_INFLIGHT_FD &&
	    (!in->mmap_size ||
	     in->mmap_offset + in->mmap_size < in->mmap_offset))
		return -EINVAL;
	rc = start(m, request, VU_K_INFLIGHT, kind_size[VU_K_INFLIGHT]);
	if (rc)
		return rc;
	m->p.inflight = *in;
	if (request == VU_GET_INFLIGHT_FD)
		m->p.inflight.mmap_size = m->p.inflight.mmap_offset = 0;
	return 0;
}

int vu_msg_config(struct vu_msg *m, uint32_t request, uint32_t offset,
		  uint32_t len, const void *data)
{
	int rc;

	if (len == 0 || len > VU_CONFIG_MAX || offset > VU_CONFIG_MAX - len)
		return -EINVAL;
	rc = start(m, request, VU_K_CONFIG, VU_CONFIG_HDR + len);
	if (rc)
		return rc;
	m->p.config.offset = offset;
	m->p.config.size = len;
	if (data)
		memcpy(m->p.config.data, data, len);
	return 0;
}

void vu_msg_need_reply(struct vu_msg *m)
{
	m->hdr.flags |= VU_FLAG_NEED_REPLY;
}

/* The size a payload of this kind must have in m, or UINT32_MAX. */
static uint32_t payload_size(enum vu_kind kind, const struct vu_msg *m)
{
	switch (kind) {
	case VU_K_MEM:
		if (m->p.mem.nregions == 0 ||
		    m->p.mem.nregions > VU_MAX_REGIONS)
			return UINT32_MAX;
		/* The XEN_MMAP layout is told apart by its size alone. */
		if (m->hdr.size ==
		    MEM_HDR +
			    m->p.mem.nregions *
				    (uint32_t)sizeof(struct vu_mem_region_xen))
			return m->hdr.size;
		return MEM_HDR + m->p.mem.nregions *
					 (uint32_t)sizeof(struct vu_mem_region);
	case VU_K_CONFIG:
		if (m->p.config.size == 0 || m->p.config.size > VU_CONFIG_MAX)
			return UINT32_MAX;
		return VU_CONFIG_HDR + m->p.config.size;
	default:
		return kind_size[kind];
	}
}

static unsigned fds_needed(const struct vu_msg_type *t, const struct vu_msg *m)
{
	switch (t->fds) {
	case VU_FDS_VRING:
		return (m->p.u64 & VU_VRING_NOFD) ? 0 : 1;
	case VU_FDS_REGIONS:
		return m->p.mem.nregions;
	case VU_FDS_ONE:
		return 1;
	default:
		return 0;
	}
}

int vu_msg_check_request(const struct vu_msg *m, unsigned nfds)
{
	const struct vu_msg_type *t = vu_msg_type(m->hdr.request);
	uint32_t flags = m->hdr.flags & ~VU_FLAG_NEED_REPLY;

	if (!t || flags != VU_VERSION)
		return -EINVAL;
	if (m->hdr.size != payload_size(t->req, m))
		return -EINVAL;
	return nfds == fds_needed(t, m) ? 0 : -EINVAL;
}

bool vu_msg_wants_reply(const struct vu_msg *req)
{
	const struct vu_msg_type *t = vu_msg_type(req->hdr.request);

	return (t && t->reply != VU_K_NONE) ||
	       (req->hdr.flags & VU_FLAG_NEED_REPLY);
}

/*
 * The payload kind of req's reply: its table row's, or a REPLY_ACK's u64
 * ("VHOST_USER_PROTOCOL_F_REPLY_ACK": for a request without a reply body).
 */
static enum vu_kind reply_kind(const struct vu_msg_type *t, bool *ack)
{
	*ack = t->reply == VU_K_NONE;
	return *ack ? VU_K_U64 : t->reply;
}

int vu_msg_check_reply_hdr(const struct vu_msg *req, const struct vu_hdr *h,
			   uint32_t *size)
{
	const struct vu_msg_type *t = vu_msg_type(req->hdr.request);
	enum vu_kind kind;
	bool ack;

	*size = 0;
	if (!t || !vu_msg_wants_reply(req))
		return -EPROTO; /* nothing may arrive now */
	/* Version 1, the reply bit, and nothing else (not even NEED_REPLY). */
	if (h->flags != (VU_VERSION | VU_FLAG_REPLY))
		return -EPROTO;
	if (h->request != req->hdr.request)
		return -EPROTO;
	kind = reply_kind(t, &ack);
	/* GET_CONFIG: an empty payload reports an error. */
	if (kind == VU_K_CONFIG && h->size == 0)
		return 0;
	if (h->size != payload_size(kind, req))
		return -EPROTO;
	*size = h->size;
	return 0;
}

typedef int check_fn(const struct vu_msg *req, const struct vu_msg *reply);

static int check_u64(const struct vu_msg *req, const struct vu_msg *reply)
{
	return 0; /* any value: its meaning is the caller's to check */
}

/* GET_VRING_BASE answers for the ring asked, with a 16-bit ring index. */
static int check_state(const struct vu_msg *req, const struct vu_msg *reply)
{
	if (reply->p.state.index != req->p.state.index ||
	    reply->p.state.num > UINT16_MAX)
		return -EPROTO;
	return 0;
}

/* The config window answered must be the one asked for. */
static int check_config(const struct vu_msg *req, const struct vu_msg *reply)
{
	if (reply->hdr.size == 0)
		return -EREMOTEIO;
	if (reply->p.config.offset != req->p.config.offset ||
	    reply->p.config.size != req->p.config.size)
		return -EPROTO;
	return 0;
}

/*
 * The back-end's in-flight area: for the queues and size asked, of a size
 * that holds them, with an offset that does not wrap (vhost-user.rst
 * "Inflight I/O tracking"); the descriptor's own size is checked on mmap.
 */
static int check_inflight(const struct vu_msg *req, const struct vu_msg *reply)
{
	const struct vu_inflight *in = &reply->p.inflight;

	if (in->num_queues != req->p.inflight.num_queues ||
	    in->queue_size != req->p.inflight.queue_size || !in->mmap_size ||
	    in->mmap_offset + in->mmap_size < in->mmap_offset)
		return -EPROTO;
	return 0;
}

static check_fn *const kind_check[] = {
	[VU_K_U64] = check_u64,
	[VU_K_STATE] = check_state,
	[VU_K_CONFIG] = check_config,
	[VU_K_INFLIGHT] = check_inflight,
};

unsigned vu_msg_reply_fds(const struct vu_msg *req)
{
	const struct vu_msg_type *t = vu_msg_type(req->hdr.request);

	return t && t->fds == VU_FDS_REPLY ? 1 : 0;
}

int vu_msg_check_reply(const struct vu_msg *req, const struct vu_msg *reply)
{
	const struct vu_msg_type *t = vu_msg_type(req->hdr.request);
	enum vu_kind kind;
	uint32_t size;
	bool ack;
	int rc;

	/* The header again: callers may hand in a reply read any way. */
	rc = vu_msg_check_reply_hdr(req, &reply->hdr, &size);
	if (rc)
		return rc;
	kind = reply_kind(t, &ack);
	/* REPLY_ACK: zero on success, anything else a failure. */
	if (ack)
		return reply->p.u64 ? -EREMOTEIO : 0;
	if (kind >= ARRAY_SIZE(kind_check) || !kind_check[kind])
		return -EPROTO;
	return kind_check[kind](req, reply);
}
