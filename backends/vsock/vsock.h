/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio socket device (virtio 1.2 §5.10): stream sockets between the
 * guest (its CID from the configuration space) and the host (CID 2), with
 * the host side as unix sockets, the way Firecracker and vhost-device-vsock
 * expose it:
 *
 * - host-initiated: a host program connects to <path> and writes
 *   "CONNECT <port>\n"; the guest gets a REQUEST to that port from a free
 *   host port; when it answers RESPONSE the program reads "OK <host
 *   port>\n" and the stream follows; a RST closes the program's socket.
 * - guest-initiated: a guest connecting to CID 2 port P makes the device
 *   connect (non-blocking) to "<path>_<P>": RESPONSE when that works, RST
 *   when nobody listens there.
 *
 * Queues: rx (device to driver), tx (driver to device), event (never
 * consumed: no CID ever changes). No feature bits: VIRTIO_VSOCK_F_SEQPACKET
 * is not offered.
 *
 * Flow control is the spec's credit (§5.10.6.3): each connection owns a
 * receive buffer of VSOCK_BUF_ALLOC bytes, allocated at connect time, that
 * holds what the guest sent and the host socket has not taken yet, so the
 * shared tx queue never waits for one slow host program; a guest sending
 * beyond the credit it was given has its connection reset. Towards the
 * guest we never send more than its own buf_alloc minus what it has not
 * yet forwarded; a host program whose guest peer is out of credit is not
 * read. At most VSOCK_MAX_CONNS connections per device; beyond that the
 * listener is not accepted from and guest requests are reset. So a device
 * holds at most VSOCK_MAX_CONNS * VSOCK_BUF_ALLOC bytes (64 MiB), and only
 * while host programs do not read what their guest peers send.
 */
#ifndef XVDM_VSOCK_H
#define XVDM_VSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct vdev;
struct vdev_params;
struct vsock;

#define VSOCK_QUEUE_SIZE 256
#define VSOCK_MAX_IOV 64
#define VSOCK_MAX_CONNS 256
#define VSOCK_BUF_ALLOC (256u * 1024) /* our buf_alloc, as Linux's */
/* "<path>_<port>" must fit sockaddr_un's 108 bytes with the port. */
#define VSOCK_PATH_MAX (107 - 11)

struct vsock_params {
	const char *path;   /* the host side's listener; absolute */
	uint64_t guest_cid; /* 3 .. 0xfffffffe */
	unsigned max_conns; /* 0: VSOCK_MAX_CONNS */
};

/* May the guest be given this CID? (0, 1, 2 and -1U are reserved.) */
int vsock_check_cid(uint64_t cid) must_check;

/*
 * Binds the listener and creates the device; vp supplies mem, logger,
 * domid, name and the transport's features. On error -errno with a message
 * naming the path in err.
 */
int vsock_new(const struct vsock_params *p, const struct vdev_params *vp,
	      struct evloop *loop, struct vsock **out, char *err,
	      size_t err_len) must_check;
/* Resets the device, closes every connection and the listener. NULL-safe. */
void vsock_free(struct vsock *vs);
struct vdev *vsock_vdev(struct vsock *vs);
/* The device embedding vdev, which must be one vsock_vdev() returned. */
struct vsock *vsock_of(struct vdev *vdev);
/* Connections open now (any state). */
unsigned vsock_nr_conns(const struct vsock *vs);

#endif
