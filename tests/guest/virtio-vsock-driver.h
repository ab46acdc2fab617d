/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-vsock transport (virtio 1.2 §5.10), stream sockets
 * only, behaving like Linux's net/vmw_vsock/virtio_transport.c and
 * virtio_transport_common.c: probe in Linux's order (queues, guest_cid
 * read with one 8-byte config get, DRIVER_OK, the rx queue filled with
 * header + 4 KiB buffers until it is full, 8 event buffers); each used rx
 * buffer posted again at once; packets sent with the header and the
 * payload in separate descriptors, at most 64 KiB of payload each, never
 * more than the peer's credit; our buf_alloc 256 KiB with a credit update
 * once our free space as the peer knows it falls below 64 KiB; incoming
 * REQUESTs to a listening port answered with RESPONSE; a SHUTDOWN of both
 * directions answered with RST; CREDIT_REQUEST answered.
 *
 * The device is checked, not trusted: a used length that is not header +
 * len, a packet not from CID 2 to our CID, or data beyond our credit is
 * counted in errors (with a message), so tests can assert a clean run.
 *
 * Blocking calls wait on the device's interrupt (bus->wait_irq), at most
 * their timeout. One thread drives a vsdrv at a time.
 */
#ifndef XVDM_GUEST_VIRTIO_VSOCK_DRIVER_H
#define XVDM_GUEST_VIRTIO_VSOCK_DRIVER_H

#include <linux/virtio_vsock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

#define VSDRV_HDR ((uint32_t)sizeof(struct virtio_vsock_hdr))
#define VSDRV_RX_BUF 4096u	      /* VIRTIO_VSOCK_DEFAULT_RX_BUF_SIZE */
#define VSDRV_MAX_PKT (64u * 1024)    /* VIRTIO_VSOCK_MAX_PKT_BUF_SIZE */
#define VSDRV_BUF_ALLOC (256u * 1024) /* Linux's default buffer size */
#define VSDRV_TX_SLOTS 16
#define VSDRV_EVENTS 8
#define VSDRV_MAX_SOCKS 16
#define VSDRV_MAX_LISTEN 4

enum vsdrv_state {
	VSDRV_FREE,
	VSDRV_CONNECTING,
	VSDRV_CONNECTED,
	VSDRV_CLOSED, /* RST received or sent */
};

struct vsdrv_sock {
	enum vsdrv_state state;
	uint32_t local_port, peer_port;
	bool refused;		/* RST while connecting */
	bool accepted;		/* vsdrv_accept() returned it */
	uint32_t peer_shutdown; /* VIRTIO_VSOCK_SHUTDOWN_* received */
	/* Ours (virtio_vsock_sock's rx side): what the peer may send. */
	uint32_t buf_alloc, fwd_cnt, last_fwd_cnt;
	uint8_t *rx; /* buf_alloc bytes, a ring */
	uint32_t rx_head, rx_bytes;
	/* Theirs (the tx side). */
	uint32_t tx_cnt, peer_buf_alloc, peer_fwd_cnt;
};

struct vsdrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features; /* 0: VMDRV_TRANSPORT_FEATURES */
	int timeout_ms;	   /* for blocking calls; 0: 10 s */
};

struct vsdrv_stats {
	uint64_t rx_pkts, tx_pkts;
	uint64_t bytes_in, bytes_out;
	uint64_t credit_updates_sent, credit_waits;
	uint64_t rsts_received;
};

struct vsdrv_slot {
	uint64_t gpa;
	uint8_t *host;
	bool busy;
};

struct vsdrv {
	struct vmdrv vm;
	struct vsdrv_params p;
	struct vrdrv *rx_vq, *tx_vq, *ev_vq;
	uint64_t guest_cid;
	struct vsdrv_slot *rxb; /* rx_vq->num buffers */
	unsigned nr_rxb;
	struct vsdrv_slot tx[VSDRV_TX_SLOTS];
	struct vsdrv_slot ev; /* VSDRV_EVENTS events */
	struct vsdrv_sock socks[VSDRV_MAX_SOCKS];
	uint32_t listening[VSDRV_MAX_LISTEN]; /* 0: none */
	uint32_t next_port;
	bool live;
	unsigned errors;
	char error[160];
	struct vsdrv_stats stats;
};

/* virtio_vsock_probe. -ENODEV: not a vsock device. */
int vsdrv_probe(struct vsdrv *d, const struct vsdrv_params *p) must_check;
/* virtio_vsock_remove: reset, buffers taken back, sockets freed. */
void vsdrv_remove(struct vsdrv *d);

/* connect() to CID 2, port: a socket index, -ECONNRESET, -ETIMEDOUT. */
int vsdrv_connect(struct vsdrv *d, uint32_t port) must_check;
int vsdrv_listen(struct vsdrv *d, uint32_t port) must_check;
/* A connection made to a listening port: its index, or -ETIMEDOUT. */
int vsdrv_accept(struct vsdrv *d, uint32_t port) must_check;
/* Sends all of buf within the peer's credit: 0, -EPIPE, -ETIMEDOUT. */
int vsdrv_send(struct vsdrv *d, int s, const void *buf, size_t len) must_check;
/* Up to len bytes: the count, 0 at the peer's end of file, -errno. */
ssize_t vsdrv_recv(struct vsdrv *d, int s, void *buf, size_t len) must_check;
/* shutdown(): SHUTDOWN with flags to the peer. */
int vsdrv_shutdown(struct vsdrv *d, int s, uint32_t flags) must_check;
/* close(): SHUTDOWN both ways, then the peer's RST (at most the timeout). */
int vsdrv_close(struct vsdrv *d, int s) must_check;
/* A packet exactly as given (a hostile guest): 0 or -errno. */
int vsdrv_send_raw(struct vsdrv *d, const struct virtio_vsock_hdr *h,
		   const void *payload, uint32_t len) must_check;
/* Handles what has arrived, waiting at most timeout_ms for an interrupt. */
int vsdrv_poll(struct vsdrv *d, int timeout_ms) must_check;

#endif
