/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the virtio-vsock device: the device and its rx queue (vsock.c),
 * the tx queue's packets (vsock-tx.c), the connections' data and credit
 * (vsock-conn.c) and their host sockets (vsock-host.c). Everything here
 * runs in the device's loop thread.
 */
#ifndef XVDM_VSOCK_CONN_H
#define XVDM_VSOCK_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_vsock.h>

#include "iov.h"
#include "vdev.h"
#include "vsock.h"

struct evloop;
struct evloop_fd;
struct evloop_notifier;

#define VSOCK_HDR_LEN ((uint32_t)sizeof(struct virtio_vsock_hdr))
#define VSOCK_SHUT_ALL (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)
/* The host side's buffer: the guest's credit plus an "OK <port>\n" line. */
#define VSOCK_CONN_BUF (VSOCK_BUF_ALLOC + 16)
#define VSOCK_LINE_MAX 24 /* "CONNECT 4294967295\n" and a little */

enum vsock_state {
	VS_LINE,       /* host-initiated: reading "CONNECT <port>\n" */
	VS_REQUEST,    /* host-initiated: REQUEST sent, waiting for the guest */
	VS_CONNECTING, /* guest-initiated: connect() to <path>_<port> pending */
	VS_OPEN,       /* established */
};

/* Control packets a connection owes the guest. */
#define PEND_REQUEST 0x1u
#define PEND_RESPONSE 0x2u
#define PEND_CREDIT 0x4u
#define PEND_SHUTDOWN 0x8u

struct vsock_conn {
	struct vsock *vs;
	enum vsock_state state;
	int fd;
	struct evloop_fd *w; /* NULL once the host hung up */
	uint32_t events;     /* what w waits for now */
	uint32_t host_port;  /* our side: src_port of what we send */
	uint32_t guest_port;
	uint32_t pend; /* PEND_* */
	/* In the device's list of connections with something for the rx queue. */
	bool queued;
	struct vsock_conn *prev, *next;
	bool readable;	     /* the host socket may have data: read it */
	bool host_eof;	     /* it said end of file: SHUTDOWN(SEND) owed/sent */
	bool hup;	     /* it hung up entirely */
	bool shut_wr;	     /* shutdown(SHUT_WR) done */
	uint32_t guest_shut; /* VIRTIO_VSOCK_SHUTDOWN_* the guest sent */
	uint32_t shut_flags; /* what our SHUTDOWN says */
	/* Guest to host: held bytes of buf (a ring), credit counters. */
	uint8_t *buf;
	uint32_t head, len; /* ring start, bytes held */
	uint32_t ctl_len;   /* leading held bytes that are ours ("OK ...") */
	uint32_t rx_cnt;    /* bytes the guest sent us */
	uint32_t fwd_cnt;   /* ... that went to the host socket */
	uint32_t fwd_sent;  /* fwd_cnt as the guest last heard it */
	/* Host to guest: the guest's credit (§5.10.6.3). */
	uint32_t tx_cnt; /* bytes we sent the guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	char line[VSOCK_LINE_MAX];
	uint32_t line_len;
};

/* A RST owed to the guest for a connection that is already gone. */
struct vsock_rst {
	uint32_t host_port, guest_port;
};

struct vsock {
	struct vdev vdev;
	bool vdev_ready;
	struct virtio_vsock_config config; /* §5.10.4 */
	uint64_t cid;
	struct evloop *loop;
	struct evloop_notifier *kick; /* the next turn */
	char path[VSOCK_PATH_MAX + 1];
	int listen_fd;
	struct evloop_fd *listen;
	bool listening; /* the listener's watch is armed */
	bool unlink;
	unsigned max_conns, nr_conns;
	struct vsock_conn **conns;	 /* max_conns slots */
	struct vsock_conn *first, *last; /* the rx work list */
	struct vsock_rst *rst;		 /* max_conns + 1 entries, a ring */
	unsigned rst_head, rst_len;
	uint32_t next_port; /* next host port to try for CONNECT */
	struct vq_elem *rx; /* an rx buffer popped and not yet filled */
};

/* vsock-host.c: the listener, host sockets and their events. */
int vsock_listen(struct vsock *vs, char *err, size_t err_len) must_check;
void vsock_unlisten(struct vsock *vs);
/* Accept host programs or not (not while the device is full). */
void vsock_set_listening(struct vsock *vs, bool on);
/* A guest REQUEST: connect to <path>_<host_port>; RST owed on failure. */
void vsock_conn_connect(struct vsock *vs, const struct virtio_vsock_hdr *h);

/* vsock-conn.c: connections' data and credit. */
struct vsock_conn *vsock_conn_find(struct vsock *vs, uint32_t host_port,
				   uint32_t guest_port);
/* Frees c; with rst, a RST for it is owed to the guest. */
void vsock_conn_close(struct vsock_conn *c, bool rst);
/* Closes every connection without telling the guest (a reset). */
void vsock_conn_close_all(struct vsock *vs);
/* The guest's credit fields of a packet for c: false if they are bogus. */
bool vsock_conn_peer_credit(struct vsock_conn *c,
			    const struct virtio_vsock_hdr *h);
/* How many more bytes the guest can take on c now. */
uint32_t vsock_conn_credit(const struct vsock_conn *c);
/*
 * Payload of an OP_RW from the guest: written to the host socket, the rest
 * held. -ENOSPC: beyond the credit; another -errno: the host side failed.
 */
int vsock_conn_from_guest(struct vsock_conn *c, struct iov_cursor *cur,
			  uint32_t len) must_check;
/*
 * Writes held bytes to the host socket: 0; 1 when the guest's shutdown is
 * now complete, or -errno when the host socket failed: c is then closed
 * (RST owed) and freed.
 */
int vsock_conn_flush(struct vsock_conn *c) must_check;
/* The guest's RESPONSE to our REQUEST: "OK <port>\n" for the program. */
void vsock_conn_accepted(struct vsock_conn *c);
/* The guest's SHUTDOWN flags, acted upon once the held bytes are out. */
void vsock_conn_shutdown(struct vsock_conn *c, uint32_t flags);
/*
 * Reads the host socket into the payload iovecs (after a header): the
 * count, 0 at end of file, -EAGAIN, or another -errno.
 */
ssize_t vsock_conn_read(struct vsock_conn *c, const struct iovec *iov,
			unsigned cnt);
/* What c waits for on its host socket, from its state. */
void vsock_conn_update(struct vsock_conn *c);

/* vsock.c */
/* c has something for the rx queue (pend or readable): queue it. */
void vsock_want_rx(struct vsock *vs, struct vsock_conn *c);
void vsock_unqueue(struct vsock *vs, struct vsock_conn *c);
/* A RST owed for a pair without a connection. */
void vsock_owe_rst(struct vsock *vs, uint32_t host_port, uint32_t guest_port);
/* vsock-tx.c: the tx queue's packets (bounded per turn). */
void vsock_process_tx(struct vsock *vs);

/* Fills rx buffers with what is owed to the guest (bounded per turn). */
void vsock_run_rx(struct vsock *vs);

#endif
