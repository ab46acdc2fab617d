/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the virtio-vsock tests (test-vsock*.c): flat guest RAM
 * holds the three rings and the buffers, a real loop runs the host side's
 * watches, and the host side is real unix sockets in a temporary
 * directory: the device's listener at `path`, and the test's listeners at
 * "<path>_<port>" for connections the guest makes.
 *
 * The test plays the guest's vsock transport by hand: rx buffers of
 * VF_RXBUF bytes posted VF_NRX at a time (each consumed one posted again
 * at once, as Linux's virtio_transport does), packets sent one at a time
 * on the tx queue (header and payload in separate descriptors, as Linux
 * sends them), and the credit bookkeeping of struct vf_conn.
 */
#ifndef XVDM_TEST_VSOCK_FIXTURE_H
#define XVDM_TEST_VSOCK_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_vsock.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"
#include "vsock/vsock.h"

struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x400000ull
#define RING_GPA(q) (RAM_GPA + 0x10000ull * (q))
#define QNUM VSOCK_QUEUE_SIZE
#define RXQ 0
#define TXQ 1
#define EVQ 2
#define VF_CID 42
#define VF_HDR ((uint32_t)sizeof(struct virtio_vsock_hdr))
#define VF_RXBUF (VF_HDR + 4096) /* Linux's rx buffer: a header and 4 KiB */
#define VF_NRX 64
#define RX_GPA (RAM_GPA + 0x40000ull) /* VF_NRX buffers, 0x1100 apart */
#define RX_STRIDE 0x1100ull
#define TX_GPA (RAM_GPA + 0x100000ull)	    /* one packet at a time */
#define SCRATCH_GPA (RAM_GPA + 0x200000ull) /* for hostile chains */
#define VF_BUF_ALLOC (256u * 1024) /* the guest's, as Linux's default */

/* The prestate of vf_setup(). */
struct setup_cfg {
	unsigned max_conns; /* 0: the default */
	bool no_rx;	    /* post no rx buffers */
};

/* A packet header, host byte order. */
struct vf_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

/* A received packet. */
struct vf_pkt {
	struct vf_hdr h;
	uint32_t used_len;
	uint8_t data[4096];
};

/* One connection as the guest sees it. */
struct vf_conn {
	uint32_t gport, hport;
	uint32_t tx_cnt;		       /* bytes sent */
	uint32_t peer_buf_alloc, peer_fwd_cnt; /* the device's credit */
	uint32_t fwd_cnt, fwd_sent, buf_alloc; /* ours */
};

struct fix {
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	struct vsock *vs;
	struct vdev *vdev;
	struct driver_ring ring[3];
	uint16_t rx_slot[QNUM]; /* which rx buffer a head is */
	char dir[64];
	char path[128];	    /* the device's listener */
	char lpath[8][160]; /* vf_listen()'s, unlinked at teardown */
	unsigned nr_lpath;
};

uint64_t vf_now_ms(void);
uint8_t *vf_ptr(struct fix *f, uint64_t gpa, uint64_t len);
uint64_t vf_fnv(const void *buf, size_t len);
void vf_fill(void *buf, size_t len, uint64_t seed);
/* Linux's probe: reset, ACK, DRIVER, features, three queues, DRIVER_OK. */
void vf_probe(struct fix *f);
void vf_post_rx(struct fix *f, unsigned slot);
int vf_setup(void **state);
int vf_teardown(void **state);
bool vf_log_has(struct fix *f, const char *needle);
void vf_run(struct fix *f, unsigned ms);
void vf_assert_needs_reset(struct fix *f);

/* A chain of n buffers on queue q, made available and notified. */
uint16_t vf_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n);
/* Writes h at gpa, little-endian, as the guest would. */
void vf_put_hdr(struct fix *f, uint64_t gpa, const struct vf_hdr *h);
/* Sends h (with data after it) on the tx queue; waits for it to be used. */
void vf_send(struct fix *f, const struct vf_hdr *h, const void *data);
/* A header for c: CIDs, ports, type STREAM, our credit. */
struct vf_hdr vf_hdr(const struct vf_conn *c, uint16_t op, uint32_t len,
		     uint32_t flags);
/* Sends op on c (RW: len bytes of data). */
void vf_send_op(struct fix *f, struct vf_conn *c, uint16_t op, const void *data,
		uint32_t len, uint32_t flags);
/* The next rx packet within ms (its buffer posted again), or false. */
bool vf_recv(struct fix *f, struct vf_pkt *p, unsigned ms);
/* The next rx packet; asserts its op and ports (c may be NULL). */
void vf_expect(struct fix *f, struct vf_pkt *p, uint16_t op,
	       const struct vf_conn *c);
/* No rx packet within ms. */
void vf_assert_quiet(struct fix *f, unsigned ms);

/* A listener at "<path>_<port>". */
int vf_listen(struct fix *f, uint32_t port);
/* The guest connects to port (listener lfd): the host side's fd. */
int vf_guest_connect(struct fix *f, struct vf_conn *c, uint32_t gport,
		     uint32_t port, int lfd);
/* A host program connects with "CONNECT <port>": its fd, OK read. */
int vf_host_connect(struct fix *f, struct vf_conn *c, uint32_t gport);
/* Reads exactly len bytes from a non-blocking fd, running the loop. */
void vf_read_all(struct fix *f, int fd, void *buf, size_t len);
/* fd reads end of file within ms (running the loop). */
void vf_assert_eof(struct fix *f, int fd, unsigned ms);

/*
 * Streams: the guest sends len bytes on c within the device's credit
 * (waiting for its CREDIT_UPDATEs) while the host side reads them from
 * fd into out; and the host writes len bytes from in into fd while the
 * guest takes them, giving credit back as Linux does.
 */
void vf_stream_to_host(struct fix *f, struct vf_conn *c, int fd,
		       const uint8_t *data, uint8_t *out, size_t len);
void vf_stream_to_guest(struct fix *f, struct vf_conn *c, int fd,
			const uint8_t *data, uint8_t *out, size_t len);
/*
 * The guest sends data[0..] on c within the device's credit, taking its
 * credit updates, while nobody reads the host side: until the credit is
 * spent and no update comes (the socket and the device's buffer are
 * full). Returns the bytes sent (asserts it is less than max).
 */
size_t vf_fill_credit(struct fix *f, struct vf_conn *c, const uint8_t *data,
		      size_t max);
/* A packet for c arrived: its credit (and our fwd_cnt for RW). */
void vf_account(struct vf_conn *c, const struct vf_pkt *p);

#endif
