// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user message codec: builders, the request check, and the reply
 * dispatcher against every malformed reply a hostile back-end could send.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vhost-user/vu-msg.h"

#define REPLY (VU_VERSION | VU_FLAG_REPLY)

/* A well-formed reply to req, as a conforming back-end would send it. */
static struct vu_msg reply_to(const struct vu_msg *req, uint32_t size)
{
	struct vu_msg r;

	memset(&r, 0, sizeof(r));
	r.hdr.request = req->hdr.request;
	r.hdr.flags = REPLY;
	r.hdr.size = size;
	return r;
}

static void test_table(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(vu_msg_name(VU_GET_FEATURES, buf, sizeof(buf)),
			    "GET_FEATURES");
	assert_string_equal(vu_msg_name(VU_GET_STATUS, buf, sizeof(buf)),
			    "GET_STATUS");
	assert_string_equal(vu_msg_name(999, buf, sizeof(buf)), "request 999");
	assert_null(vu_msg_type(0));
	assert_int_equal(vu_msg_type(VU_SET_MEM_TABLE)->fds, VU_FDS_REGIONS);
	assert_int_equal(vu_msg_type(VU_GET_CONFIG)->reply, VU_K_CONFIG);
	assert_int_equal(vu_msg_type(VU_SET_VRING_KICK)->fds, VU_FDS_VRING);
}

static void test_build(void **state)
{
	struct vu_mem_region r = { 0x1000, 0x2000, 0x7f0000000000, 0 };
	struct vu_msg m;

	(void)state;
	assert_int_equal(vu_msg_u64(&m, VU_SET_FEATURES, 0x1234), 0);
	assert_int_equal(m.hdr.request, VU_SET_FEATURES);
	assert_int_equal(m.hdr.flags, VU_VERSION);
	assert_int_equal(m.hdr.size, 8);
	assert_int_equal(m.p.u64, 0x1234);
	assert_int_equal(vu_msg_state(&m, VU_SET_VRING_NUM, 3, 256), 0);
	assert_int_equal(m.hdr.size, 8);
	assert_int_equal(m.p.state.index, 3);
	assert_int_equal(m.p.state.num, 256);
	assert_int_equal(vu_msg_addr(&m, 1, 0x10, 0x30, 0x20), 0);
	assert_int_equal(m.hdr.size, 40);
	assert_int_equal(m.p.addr.used_user_addr, 0x30);
	assert_int_equal(m.p.addr.avail_user_addr, 0x20);
	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_VRING_CALL, 5, false), 0);
	assert_int_equal(m.p.u64, 5 | VU_VRING_NOFD);
	assert_int_equal(vu_msg_mem_table(&m, &r, 1), 0);
	assert_int_equal(m.hdr.size, 8 + 32);
	assert_int_equal(m.p.mem.nregions, 1);
	assert_int_equal(vu_msg_config(&m, VU_GET_CONFIG, 0, 60, NULL), 0);
	assert_int_equal(m.hdr.size, 12 + 60);
	assert_int_equal(vu_msg_none(&m, VU_SET_OWNER), 0);
	assert_int_equal(m.hdr.size, 0);
	vu_msg_need_reply(&m);
	assert_int_equal(m.hdr.flags, VU_VERSION | VU_FLAG_NEED_REPLY);
}

static void test_build_refuses_bad_arguments(void **state)
{
	struct vu_mem_region r[VU_MAX_REGIONS + 1];
	struct vu_msg m;

	(void)state;
	memset(r, 0, sizeof(r));
	for (unsigned i = 0; i <= VU_MAX_REGIONS; i++)
		r[i] = (struct vu_mem_region){ i << 20, 4096, i << 20, 0 };
	/* A request of another payload kind. */
	assert_int_equal(vu_msg_u64(&m, VU_GET_FEATURES, 1), -EINVAL);
	assert_int_equal(vu_msg_state(&m, VU_SET_FEATURES, 0, 0), -EINVAL);
	assert_int_equal(vu_msg_none(&m, VU_SET_VRING_ADDR), -EINVAL);
	assert_int_equal(vu_msg_none(&m, 12345), -EINVAL);
	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_FEATURES, 0, true),
			 -EINVAL);
	/* Ring index beyond bits 0-7. */
	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_VRING_KICK, 256, true),
			 -EINVAL);
	assert_int_equal(vu_msg_mem_table(&m, r, 0), -EINVAL);
	assert_int_equal(vu_msg_mem_table(&m, r, VU_MAX_REGIONS + 1), -EINVAL);
	r[1].size = 0;
	assert_int_equal(vu_msg_mem_table(&m, r, 2), -EINVAL);
	r[1] = (struct vu_mem_region){ UINT64_MAX - 10, 4096, 0, 0 };
	assert_int_equal(vu_msg_mem_table(&m, r, 2), -EINVAL);
	assert_int_equal(vu_msg_config(&m, VU_GET_CONFIG, 0, 0, NULL), -EINVAL);
	assert_int_equal(vu_msg_config(&m, VU_GET_CONFIG, 0, 257, NULL),
			 -EINVAL);
	assert_int_equal(vu_msg_config(&m, VU_SET_CONFIG, 250, 8, "x"),
			 -EINVAL);
	assert_int_equal(vu_msg_config(&m, VU_SET_FEATURES, 0, 8, NULL),
			 -EINVAL);
}

static void test_check_request(void **state)
{
	struct vu_mem_region r = { 0, 4096, 0x1000, 0 };
	struct vu_msg m;

	(void)state;
	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_VRING_KICK, 0, true), 0);
	assert_int_equal(vu_msg_check_request(&m, 1), 0);
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_VRING_KICK, 0, false), 0);
	assert_int_equal(vu_msg_check_request(&m, 0), 0);
	assert_int_equal(vu_msg_check_request(&m, 1), -EINVAL);
	assert_int_equal(vu_msg_mem_table(&m, &r, 1), 0);
	assert_int_equal(vu_msg_check_request(&m, 1), 0);
	assert_int_equal(vu_msg_check_request(&m, 2), -EINVAL);
	m.p.mem.nregions = 9;
	assert_int_equal(vu_msg_check_request(&m, 9), -EINVAL);
	assert_int_equal(vu_msg_u64(&m, VU_SET_FEATURES, 1), 0);
	vu_msg_need_reply(&m);
	assert_int_equal(vu_msg_check_request(&m, 0), 0);
	m.hdr.size = 4;
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
	m.hdr.size = 8;
	m.hdr.flags |= VU_FLAG_REPLY;
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
	m.hdr.flags = 2;
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
	m.hdr.flags = VU_VERSION;
	m.hdr.request = 77;
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
}

static void test_wants_reply(void **state)
{
	struct vu_msg m;

	(void)state;
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_true(vu_msg_wants_reply(&m));
	assert_int_equal(vu_msg_u64(&m, VU_SET_FEATURES, 0), 0);
	assert_false(vu_msg_wants_reply(&m));
	vu_msg_need_reply(&m);
	assert_true(vu_msg_wants_reply(&m));
}

static void test_good_replies(void **state)
{
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	r = reply_to(&req, 8);
	r.p.u64 = 1ull << 32;
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), 0);
	assert_int_equal(size, 8);
	assert_int_equal(vu_msg_check_reply(&req, &r), 0);

	assert_int_equal(vu_msg_state(&req, VU_GET_VRING_BASE, 2, 0), 0);
	r = reply_to(&req, 8);
	r.p.state.index = 2;
	r.p.state.num = 65535;
	assert_int_equal(vu_msg_check_reply(&req, &r), 0);

	assert_int_equal(vu_msg_config(&req, VU_GET_CONFIG, 0, 60, NULL), 0);
	r = reply_to(&req, 72);
	r.p.config.size = 60;
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), 0);
	assert_int_equal(size, 72);
	assert_int_equal(vu_msg_check_reply(&req, &r), 0);

	/* REPLY_ACK: a u64, zero for success. */
	assert_int_equal(vu_msg_u64(&req, VU_SET_FEATURES, 1), 0);
	vu_msg_need_reply(&req);
	r = reply_to(&req, 8);
	assert_int_equal(vu_msg_check_reply(&req, &r), 0);
}

static void test_failure_replies(void **state)
{
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	assert_int_equal(vu_msg_u64(&req, VU_SET_VRING_ENABLE, 0), -EINVAL);
	assert_int_equal(vu_msg_state(&req, VU_SET_VRING_ENABLE, 0, 1), 0);
	vu_msg_need_reply(&req);
	r = reply_to(&req, 8);
	r.p.u64 = 1;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EREMOTEIO);
	/* vhost-user.rst GET_CONFIG: an empty payload reports an error. */
	assert_int_equal(vu_msg_config(&req, VU_GET_CONFIG, 0, 60, NULL), 0);
	r = reply_to(&req, 0);
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(vu_msg_check_reply(&req, &r), -EREMOTEIO);
}

/* Replies that break the header rules, whatever the request. */
static void test_hostile_reply_bad_version(void **state)
{
	static const uint32_t flags[] = { VU_FLAG_REPLY, 2 | VU_FLAG_REPLY,
					  3 | VU_FLAG_REPLY };
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		r = reply_to(&req, 8);
		r.hdr.flags = flags[i];
		assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	}
}

static void test_hostile_reply_without_reply_flag(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	r = reply_to(&req, 8);
	r.hdr.flags = VU_VERSION;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_reply_with_need_reply(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_PROTOCOL_FEATURES), 0);
	r = reply_to(&req, 8);
	r.hdr.flags |= VU_FLAG_NEED_REPLY;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_reply_unknown_flags(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	for (unsigned bit = 4; bit < 32; bit++) {
		r = reply_to(&req, 8);
		r.hdr.flags |= 1u << bit;
		assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	}
}

static void test_hostile_reply_to_another_request(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	r = reply_to(&req, 8);
	r.hdr.request = VU_GET_PROTOCOL_FEATURES;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.hdr.request = 4242;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

/* SET_FEATURES without NEED_REPLY: nothing may come back at all. */
static void test_hostile_unasked_reply(void **state)
{
	struct vu_msg req, r;
	uint32_t size = 99;

	(void)state;
	assert_int_equal(vu_msg_u64(&req, VU_SET_FEATURES, 1), 0);
	r = reply_to(&req, 8);
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
	assert_int_equal(size, 0);
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_reply_sizes(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 4, 7, 9, 16, 4096, UINT32_MAX };
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			assert_int_equal(vu_msg_none(&req, VU_GET_QUEUE_NUM),
					 0);
		else if (k == 1)
			assert_int_equal(
				vu_msg_state(&req, VU_GET_VRING_BASE, 0, 0), 0);
		else {
			assert_int_equal(
				vu_msg_state(&req, VU_SET_VRING_NUM, 0, 8), 0);
			vu_msg_need_reply(&req); /* an ack: a u64 */
		}
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			r = reply_to(&req, sizes[i]);
			size = 99;
			assert_int_equal(
				vu_msg_check_reply_hdr(&req, &r.hdr, &size),
				-EPROTO);
			/* Nothing of the payload is to be read. */
			assert_int_equal(size, 0);
		}
	}
}

static void test_hostile_vring_base_other_ring(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_state(&req, VU_GET_VRING_BASE, 1, 0), 0);
	r = reply_to(&req, 8);
	r.p.state.index = 0;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_vring_base_beyond_16_bits(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_state(&req, VU_GET_VRING_BASE, 1, 0), 0);
	r = reply_to(&req, 8);
	r.p.state.index = 1;
	r.p.state.num = 65536;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_config_window_mismatch(void **state)
{
	struct vu_msg req, r;

	(void)state;
	assert_int_equal(vu_msg_config(&req, VU_GET_CONFIG, 0, 60, NULL), 0);
	r = reply_to(&req, 72);
	r.p.config.size = 56; /* says less than it sends */
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.p.config.size = 256;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.p.config.size = 60;
	r.p.config.offset = 4;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

static void test_hostile_config_oversized(void **state)
{
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	assert_int_equal(vu_msg_config(&req, VU_GET_CONFIG, 0, 60, NULL), 0);
	r = reply_to(&req, 12 + 256);
	r.p.config.size = 256;
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
	r.hdr.size = 12 + 257;
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
	r.hdr.size = 11;
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
}

/* A reply header checked alone, then the payload altered: still caught. */
static void test_hostile_header_changed_after_check(void **state)
{
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	assert_int_equal(vu_msg_none(&req, VU_GET_FEATURES), 0);
	r = reply_to(&req, 8);
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), 0);
	r.hdr.size = 16;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
}

/* XEN_MMAP regions: 40 bytes each, flags and domid after the usual four. */
static void test_build_xen_mem_table(void **state)
{
	struct vu_mem_region r[2] = { { 0x40000000, 0x100000, 0x40000000, 0 },
				      { 0x80000000, 0x200000, 0x80000000, 0 } };
	struct vu_msg m;

	(void)state;
	assert_int_equal(sizeof(struct vu_mem_region_xen), 40);
	assert_int_equal(vu_msg_mem_table_xen(&m, r, 2, VU_XEN_MMAP_FOREIGN, 7),
			 0);
	assert_int_equal(m.hdr.request, VU_SET_MEM_TABLE);
	assert_int_equal(m.hdr.size, 8 + 2 * 40);
	assert_int_equal(m.p.xmem.nregions, 2);
	assert_int_equal(m.p.xmem.regions[1].guest_addr, 0x80000000);
	assert_int_equal(m.p.xmem.regions[1].size, 0x200000);
	assert_int_equal(m.p.xmem.regions[1].xen_mmap_flags,
			 VU_XEN_MMAP_FOREIGN);
	assert_int_equal(m.p.xmem.regions[1].xen_mmap_data, 7);
	/* The wire bytes: flags at 32, domid at 36 of each region. */
	assert_int_equal(*(uint32_t *)(void *)((uint8_t *)&m.p + 8 + 40 + 32),
			 VU_XEN_MMAP_FOREIGN);
	assert_int_equal(*(uint32_t *)(void *)((uint8_t *)&m.p + 8 + 40 + 36),
			 7);
	/* One descriptor per region, like the plain layout. */
	assert_int_equal(vu_msg_check_request(&m, 2), 0);
	assert_int_equal(vu_msg_check_request(&m, 1), -EINVAL);
	/* Grant mappings, mapped in advance or not. */
	assert_int_equal(vu_msg_mem_table_xen(&m, r, 1, VU_XEN_MMAP_GRANT, 7),
			 0);
	assert_int_equal(vu_msg_mem_table_xen(
				 &m, r, 1,
				 VU_XEN_MMAP_GRANT | VU_XEN_MMAP_NO_ADVANCE_MAP,
				 7),
			 0);
}

/* What rust-vmm's back-end would refuse, we never send. */
static void test_build_xen_refuses_bad_flags(void **state)
{
	static const uint32_t bad[] = {
		0,					 /* a plain mapping */
		VU_XEN_MMAP_FOREIGN | VU_XEN_MMAP_GRANT, /* both */
		VU_XEN_MMAP_FOREIGN | VU_XEN_MMAP_NO_ADVANCE_MAP,
		VU_XEN_MMAP_NO_ADVANCE_MAP,
		VU_XEN_MMAP_FOREIGN | 0x4, /* unknown bits */
		VU_XEN_MMAP_GRANT | 0x80000000,
	};
	struct vu_mem_region r = { 0x40000000, 0x100000, 0x40000000, 0 };
	struct vu_mem_region w = { UINT64_MAX - 10, 4096, 0, 0 };
	struct vu_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vu_msg_mem_table_xen(&m, &r, 1, bad[i], 1),
				 -EINVAL);
	assert_int_equal(
		vu_msg_mem_table_xen(&m, &w, 1, VU_XEN_MMAP_FOREIGN, 1),
		-EINVAL);
	assert_int_equal(
		vu_msg_mem_table_xen(&m, &r, 0, VU_XEN_MMAP_FOREIGN, 1),
		-EINVAL);
	assert_int_equal(
		vu_msg_mem_table_xen(&m, &r, 9, VU_XEN_MMAP_FOREIGN, 1),
		-EINVAL);
}

/*
 * The reply to a XEN_MMAP SET_MEM_TABLE is an ack like any other: a back-end
 * echoing the table, sending the plain layout's size, or acking another
 * request is refused; a non-zero ack is a refusal.
 */
static void test_hostile_xen_mem_table_replies(void **state)
{
	static const uint32_t sizes[] = { 0, 4, 8 + 32, 8 + 40, 16, 48 };
	struct vu_mem_region r = { 0x40000000, 0x100000, 0x40000000, 0 };
	struct vu_msg req, rep;
	uint32_t size;

	(void)state;
	assert_int_equal(
		vu_msg_mem_table_xen(&req, &r, 1, VU_XEN_MMAP_FOREIGN, 3), 0);
	assert_false(vu_msg_wants_reply(&req));
	rep = reply_to(&req, 8);
	assert_int_equal(vu_msg_check_reply_hdr(&req, &rep.hdr, &size),
			 -EPROTO); /* no ack was asked for */
	vu_msg_need_reply(&req);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		rep = reply_to(&req, sizes[i]);
		assert_int_equal(vu_msg_check_reply_hdr(&req, &rep.hdr, &size),
				 -EPROTO);
	}
	rep = reply_to(&req, 8);
	rep.p.u64 = 1;
	assert_int_equal(vu_msg_check_reply(&req, &rep), -EREMOTEIO);
	rep.p.u64 = 0;
	assert_int_equal(vu_msg_check_reply(&req, &rep), 0);
	rep.hdr.request = VU_SET_VRING_ADDR;
	assert_int_equal(vu_msg_check_reply(&req, &rep), -EPROTO);
}

static void test_build_inflight(void **state)
{
	struct vu_inflight in = { 4096, 0, 2, 256 };
	struct vu_msg m;

	(void)state;
	assert_int_equal(sizeof(struct vu_inflight), 24);
	assert_int_equal(vu_msg_inflight(&m, VU_GET_INFLIGHT_FD, &in), 0);
	assert_int_equal(m.hdr.size, 24);
	assert_int_equal(m.p.inflight.mmap_size, 0); /* the back-end's to say */
	assert_int_equal(m.p.inflight.num_queues, 2);
	assert_int_equal(m.p.inflight.queue_size, 256);
	assert_int_equal(vu_msg_check_request(&m, 0), 0);
	assert_int_equal(vu_msg_check_request(&m, 1), -EINVAL);
	assert_int_equal(vu_msg_reply_fds(&m), 1);
	assert_int_equal(vu_msg_inflight(&m, VU_SET_INFLIGHT_FD, &in), 0);
	assert_int_equal(m.p.inflight.mmap_size, 4096);
	assert_int_equal(vu_msg_check_request(&m, 1), 0);
	assert_int_equal(vu_msg_check_request(&m, 0), -EINVAL);
	assert_int_equal(vu_msg_reply_fds(&m), 0);
	in.num_queues = 0;
	assert_int_equal(vu_msg_inflight(&m, VU_GET_INFLIGHT_FD, &in), -EINVAL);
	in = (struct vu_inflight){ 0, 0, 1, 128 };
	assert_int_equal(vu_msg_inflight(&m, VU_SET_INFLIGHT_FD, &in), -EINVAL);
	in = (struct vu_inflight){ 4096, UINT64_MAX - 10, 1, 128 };
	assert_int_equal(vu_msg_inflight(&m, VU_SET_INFLIGHT_FD, &in), -EINVAL);
	assert_int_equal(vu_msg_inflight(&m, VU_SET_FEATURES, &in), -EINVAL);
}

/* GET_INFLIGHT_FD: an area for the queues asked, non-empty, not wrapping. */
static void test_hostile_inflight_replies(void **state)
{
	struct vu_inflight in = { 0, 0, 2, 256 };
	struct vu_msg req, r;
	uint32_t size;

	(void)state;
	assert_int_equal(vu_msg_inflight(&req, VU_GET_INFLIGHT_FD, &in), 0);
	r = reply_to(&req, 24);
	r.p.inflight = (struct vu_inflight){ 8192, 0, 2, 256 };
	assert_int_equal(vu_msg_check_reply(&req, &r), 0);
	r.p.inflight.num_queues = 3;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.p.inflight.num_queues = 2;
	r.p.inflight.queue_size = 128;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.p.inflight.queue_size = 256;
	r.p.inflight.mmap_size = 0;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r.p.inflight.mmap_size = 4096;
	r.p.inflight.mmap_offset = UINT64_MAX - 100;
	assert_int_equal(vu_msg_check_reply(&req, &r), -EPROTO);
	r = reply_to(&req, 20); /* the fields without the padding: 24 */
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
	r = reply_to(&req, 8); /* an ack instead */
	assert_int_equal(vu_msg_check_reply_hdr(&req, &r.hdr, &size), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_xen_mem_table),
		cmocka_unit_test(test_build_xen_refuses_bad_flags),
		cmocka_unit_test(test_hostile_xen_mem_table_replies),
		cmocka_unit_test(test_build_inflight),
		cmocka_unit_test(test_hostile_inflight_replies),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_refuses_bad_arguments),
		cmocka_unit_test(test_check_request),
		cmocka_unit_test(test_wants_reply),
		cmocka_unit_test(test_good_replies),
		cmocka_unit_test(test_failure_replies),
		cmocka_unit_test(test_hostile_reply_bad_version),
		cmocka_unit_test(test_hostile_reply_without_reply_flag),
		cmocka_unit_test(test_hostile_reply_with_need_reply),
		cmocka_unit_test(test_hostile_reply_unknown_flags),
		cmocka_unit_test(test_hostile_reply_to_another_request),
		cmocka_unit_test(test_hostile_unasked_reply),
		cmocka_unit_test(test_hostile_reply_sizes),
		cmocka_unit_test(test_hostile_vring_base_other_ring),
		cmocka_unit_test(test_hostile_vring_base_beyond_16_bits),
		cmocka_unit_test(test_hostile_config_window_mismatch),
		cmocka_unit_test(test_hostile_config_oversized),
		cmocka_unit_test(test_hostile_header_changed_after_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
