/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio network device (virtio 1.2 §5.1) on a Linux tap interface:
 * one receiveq and one transmitq, the MAC address and link status in the
 * configuration space, mergeable receive buffers, and checksum and TSO
 * offloads passed through to the tap (its virtio_net_hdr is the guest's).
 *
 * Receive reads each frame from the tap straight into the guest's buffers
 * (readv over their iovecs, header first); with VIRTIO_NET_F_MRG_RXBUF one
 * frame spreads over as many buffers as it needs. When the guest has no
 * room for a frame the tap is no longer watched, so frames wait in the
 * tap's queue (and the kernel drops what overflows it), not in ours.
 * Transmit writes each chain to the tap with one writev, a bounded batch
 * per loop turn.
 */
#ifndef XVDM_NET_H
#define XVDM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct net;
struct vdev;
struct vdev_params;

#define NET_QUEUE_SIZE 256
#define NET_MAX_IOV 64	 /* per chain: MAX_SKB_FRAGS + 2 with room to spare */
#define NET_RX_IOV 1024	 /* iovecs of one readv: UIO_MAXIOV */
#define NET_RX_BURST 64	 /* frames received per loop turn */
#define NET_TX_BURST 256 /* chains sent per loop turn */
#define NET_HDR_LEN 12u	 /* struct virtio_net_hdr_mrg_rxbuf (§5.1.6) */
#define NET_FRAME_MAX 65550u /* a TSO frame: 64 KiB + Ethernet + VLAN */

struct net_params {
	const char *tap; /* interface created or attached by name */
	uint8_t mac[6];
};

/*
 * Opens (or creates) the tap and creates the device; vp supplies mem,
 * logger, domid, name and the transport's features. On error -errno with
 * a message naming the tap in err.
 */
int net_new(const struct net_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct net **out, char *err,
	    size_t err_len) must_check;
void net_free(struct net *n); /* NULL-safe; resets the device first */
struct vdev *net_vdev(struct net *n);
/* The device embedding vdev, which must be one net_vdev() returned. */
struct net *net_of(struct vdev *vdev);

/* The tap side (net-tap.c). */
/*
 * Creates or attaches to the tap interface name (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, a 12-byte header, non-blocking). Returns the fd or -errno.
 */
int net_tap_open(const char *name) must_check;
/* Lets the tap hand us what the negotiated guest offloads accept. */
int net_tap_set_offload(int fd, uint64_t guest_features) must_check;
/* The interface's MTU, or -errno. */
int net_tap_mtu(const char *name) must_check;
/*
 * Puts the tap on a bridge and brings it up, as Xen's vif-bridge hotplug
 * script does for a PV NIC. 0 or -errno.
 */
int net_tap_bridge(const char *tap, const char *bridge) must_check;

#endif
