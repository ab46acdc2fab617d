/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user message codec (QEMU docs/interop/vhost-user.rst), front-end
 * side: builds requests and checks replies. Pure: no I/O, no allocation.
 *
 * A message is a 12-byte header (request, flags, size) and a payload of
 * `size` bytes, in host byte order. Every request type we send is a row of
 * VU_REQUESTS below with its request and reply payload kinds and the file
 * descriptors it carries; one dispatcher checks any reply against that table
 * before a type-specific check runs, so a reply is only ever read as the
 * payload kind its request calls for.
 *
 * The back-end is another process and may be hostile: a reply is refused
 * (-EPROTO) unless its version is 1, the reply flag is set, no unknown flag
 * is set, it answers the request that was sent, and its size is exactly what
 * that request's reply kind allows. A well-formed reply that reports a
 * failure (a non-zero REPLY_ACK, an empty GET_CONFIG) is -EREMOTEIO.
 */
#ifndef XVDM_VU_MSG_H
#define XVDM_VU_MSG_H

#include <linux/vhost_types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Header flags (vhost-user.rst "Header"). */
#define VU_VERSION 0x1u
#define VU_FLAG_VERSION_MASK 0x3u
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_HDR_SIZE 12u

/* Feature bit 30 announces GET/SET_PROTOCOL_FEATURES. */
#define VU_F_PROTOCOL_FEATURES 30

/* Protocol feature bits ("Protocol features"). */
enum vu_protocol_feature {
	VU_PROTOCOL_F_MQ = 0,
	VU_PROTOCOL_F_REPLY_ACK = 3,
	VU_PROTOCOL_F_CONFIG = 9,
	VU_PROTOCOL_F_INFLIGHT_SHMFD = 12,
	VU_PROTOCOL_F_RESET_DEVICE = 13,
	VU_PROTOCOL_F_STATUS = 16,
	VU_PROTOCOL_F_XEN_MMAP = 17,
};

/*
 * XEN_MMAP: how a back-end maps a region (rust-vmm vm-memory's
 * MmapXenFlags): foreign mapping of the guest's frames through the privcmd
 * descriptor passed with the region (mapped in advance), or grant mapping
 * through gntdev (optionally on demand). Exactly one of FOREIGN and GRANT.
 */
#define VU_XEN_MMAP_FOREIGN 0x1u
#define VU_XEN_MMAP_GRANT 0x2u
#define VU_XEN_MMAP_NO_ADVANCE_MAP 0x8u

/* SET_VRING_KICK/CALL/ERR payload: ring index in bits 0-7, bit 8 no fd. */
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD (1u << 8)

/* At most this many regions (and fds) in SET_MEM_TABLE. */
#define VU_MAX_REGIONS 8u
/* QEMU's VHOST_USER_MAX_CONFIG_SIZE: the largest config we exchange. */
#define VU_CONFIG_MAX 256u
#define VU_CONFIG_HDR 12u

/* What a payload holds. */
enum vu_kind {
	VU_K_NONE,  /* no payload */
	VU_K_U64,   /* a 64-bit integer */
	VU_K_STATE, /* struct vhost_vring_state */
	VU_K_ADDR,  /* struct vhost_vring_addr */
	/*
	 * struct vu_mem_table, 8 + 32 bytes per region, or with XEN_MMAP
	 * struct vu_mem_table_xen, 8 + 40 bytes per region
	 */
	VU_K_MEM,
	VU_K_CONFIG,   /* struct vu_config, 12 + config bytes */
	VU_K_INFLIGHT, /* struct vu_inflight */
};

/* File descriptors a request carries. */
enum vu_fds {
	VU_FDS_NONE,
	VU_FDS_VRING,	/* one, unless VU_VRING_NOFD is set */
	VU_FDS_REGIONS, /* one per region */
	VU_FDS_ONE,	/* exactly one */
	VU_FDS_REPLY,	/* none; the reply carries exactly one */
};

/* X(name, id, request kind, reply kind, fds): the requests we send. */
#define VU_REQUESTS(X)                                                     \
	X(GET_FEATURES, 1, VU_K_NONE, VU_K_U64, VU_FDS_NONE)               \
	X(SET_FEATURES, 2, VU_K_U64, VU_K_NONE, VU_FDS_NONE)               \
	X(SET_OWNER, 3, VU_K_NONE, VU_K_NONE, VU_FDS_NONE)                 \
	X(SET_MEM_TABLE, 5, VU_K_MEM, VU_K_NONE, VU_FDS_REGIONS)           \
	X(SET_VRING_NUM, 8, VU_K_STATE, VU_K_NONE, VU_FDS_NONE)            \
	X(SET_VRING_ADDR, 9, VU_K_ADDR, VU_K_NONE, VU_FDS_NONE)            \
	X(SET_VRING_BASE, 10, VU_K_STATE, VU_K_NONE, VU_FDS_NONE)          \
	X(GET_VRING_BASE, 11, VU_K_STATE, VU_K_STATE, VU_FDS_NONE)         \
	X(SET_VRING_KICK, 12, VU_K_U64, VU_K_NONE, VU_FDS_VRING)           \
	X(SET_VRING_CALL, 13, VU_K_U64, VU_K_NONE, VU_FDS_VRING)           \
	X(SET_VRING_ERR, 14, VU_K_U64, VU_K_NONE, VU_FDS_VRING)            \
	X(GET_PROTOCOL_FEATURES, 15, VU_K_NONE, VU_K_U64, VU_FDS_NONE)     \
	X(SET_PROTOCOL_FEATURES, 16, VU_K_U64, VU_K_NONE, VU_FDS_NONE)     \
	X(GET_QUEUE_NUM, 17, VU_K_NONE, VU_K_U64, VU_FDS_NONE)             \
	X(SET_VRING_ENABLE, 18, VU_K_STATE, VU_K_NONE, VU_FDS_NONE)        \
	X(GET_CONFIG, 24, VU_K_CONFIG, VU_K_CONFIG, VU_FDS_NONE)           \
	X(SET_CONFIG, 25, VU_K_CONFIG, VU_K_NONE, VU_FDS_NONE)             \
	X(GET_INFLIGHT_FD, 31, VU_K_INFLIGHT, VU_K_INFLIGHT, VU_FDS_REPLY) \
	X(SET_INFLIGHT_FD, 32, VU_K_INFLIGHT, VU_K_NONE, VU_FDS_ONE)       \
	X(RESET_DEVICE, 34, VU_K_NONE, VU_K_NONE, VU_FDS_NONE)             \
	X(SET_STATUS, 39, VU_K_U64, VU_K_NONE, VU_FDS_NONE)                \
	X(GET_STATUS, 40, VU_K_NONE, VU_K_U64, VU_FDS_NONE)

enum vu_request {
#define VU_ENUM(name, id, req, reply, fds) VU_##name = id,
	VU_REQUESTS(VU_ENUM)
#undef VU_ENUM
};

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_mem_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VU_MAX_REGIONS];
};

/* XEN_MMAP: each region carries how to map it and the domain. */
struct vu_mem_region_xen {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
	uint32_t xen_mmap_flags; /* VU_XEN_MMAP_* */
	uint32_t xen_mmap_data;	 /* the domain id */
};

struct vu_mem_table_xen {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region_xen regions[VU_MAX_REGIONS];
};

/* GET/SET_INFLIGHT_FD: the back-end's in-flight tracking area. */
struct vu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags; /* 0: a front-end write (not migration) */
	uint8_t data[VU_CONFIG_MAX];
};

/*
 * A message in memory: the header and the payload travel as two iovecs of
 * one sendmsg(), so neither needs packing.
 */
struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vhost_vring_state state;
		struct vhost_vring_addr addr;
		struct vu_mem_table mem;
		struct vu_mem_table_xen xmem;
		struct vu_config config;
		struct vu_inflight inflight;
	} p;
};

/* One row of the table. */
struct vu_msg_type {
	const char *name; /* "GET_FEATURES" */
	uint32_t request;
	enum vu_kind req, reply;
	enum vu_fds fds;
};

/* The row for request, or NULL for a request we never send. */
const struct vu_msg_type *vu_msg_type(uint32_t request);
/* "GET_FEATURES", or "request <n>" kept in buf. */
const char *vu_msg_name(uint32_t request, char *buf, size_t len);

/*
 * Builders: each fills a whole message (flags = version 1) and returns 0, or
 * -EINVAL when request is not of that payload kind or an argument does not
 * fit the wire format.
 */
int vu_msg_none(struct vu_msg *m, uint32_t request) must_check;
int vu_msg_u64(struct vu_msg *m, uint32_t request, uint64_t v) must_check;
int vu_msg_state(struct vu_msg *m, uint32_t request, uint32_t index,
		 uint32_t num) must_check;
int vu_msg_addr(struct vu_msg *m, uint32_t index, uint64_t desc, uint64_t used,
		uint64_t avail) must_check;
/* KICK, CALL or ERR for ring index; has_fd false sets VU_VRING_NOFD. */
int vu_msg_vring_fd(struct vu_msg *m, uint32_t request, uint32_t index,
		    bool has_fd) must_check;
int vu_msg_mem_table(struct vu_msg *m, const struct vu_mem_region *r,
		     unsigned n) must_check;
/*
 * SET_MEM_TABLE in the XEN_MMAP layout (only once XEN_MMAP is negotiated):
 * each region with xen_mmap_flags and the domain id; -EINVAL for flags
 * rust-vmm would refuse (not exactly one of FOREIGN and GRANT, or FOREIGN
 * without advance mapping, or unknown bits).
 */
int vu_msg_mem_table_xen(struct vu_msg *m, const struct vu_mem_region *r,
			 unsigned n, uint32_t xen_flags,
			 uint32_t domid) must_check;
/* GET_INFLIGHT_FD (num_queues, queue_size) or SET_INFLIGHT_FD (all). */
int vu_msg_inflight(struct vu_msg *m, uint32_t request,
		    const struct vu_inflight *in) must_check;
/* GET_CONFIG (data NULL: zeroes) or SET_CONFIG of len bytes at offset. */
int vu_msg_config(struct vu_msg *m, uint32_t request, uint32_t offset,
		  uint32_t len, const void *data) must_check;
/* Asks for a REPLY_ACK (only meaningful once REPLY_ACK is negotiated). */
void vu_msg_need_reply(struct vu_msg *m);

/*
 * Checks an outgoing request against the table: known type, its payload
 * size, and nfds against what it must carry. 0 or -EINVAL.
 */
int vu_msg_check_request(const struct vu_msg *m, unsigned nfds) must_check;
/* True when the back-end will answer req: a reply kind or NEED_REPLY. */
bool vu_msg_wants_reply(const struct vu_msg *req);

/*
 * The dispatcher, in two steps because the payload is read after the header:
 * vu_msg_check_reply_hdr() decides from the header alone whether h can be
 * the reply to req (and so how many payload bytes may follow, in *size);
 * vu_msg_check_reply() then checks the payload. 0, -EPROTO or -EREMOTEIO.
 */
int vu_msg_check_reply_hdr(const struct vu_msg *req, const struct vu_hdr *h,
			   uint32_t *size) must_check;
int vu_msg_check_reply(const struct vu_msg *req,
		       const struct vu_msg *reply) must_check;
/* How many descriptors the reply to req must carry (0 or 1). */
unsigned vu_msg_reply_fds(const struct vu_msg *req);

#endif
