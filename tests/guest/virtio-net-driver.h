/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-net driver (virtio 1.2 §5.1), one queue pair, behaving
 * like Linux's drivers/net/virtio_net.c: it negotiates MAC, STATUS,
 * MRG_RXBUF, CSUM/GUEST_CSUM and the TSO features the device offers, reads
 * the MAC byte by byte inside the generation loop and the link status,
 * keeps the receiveq full of buffers (mergeable: one 1536-byte buffer per
 * descriptor, the header inside it; without MRG_RXBUF: "small" buffers of
 * header + 1518 bytes), refills once more than half the ring is used, and
 * transmits each frame as the 12-byte struct virtio_net_hdr_v1 pushed in
 * front of the frame, split at 4 KiB like an skb's page fragments,
 * batching kicks (xmit_more) and reclaiming sent buffers as it goes.
 *
 * The device is not trusted: a received buffer shorter than a header plus
 * an Ethernet header, a num_buffers of 0 or beyond what is outstanding, a
 * frame missing buffers, or a gso_type the driver did not negotiate is an
 * rx_length_errors/rx_bad_hdr count and the frame is dropped, as Linux
 * does; a used length beyond a buffer breaks the queue (vring driver).
 */
#ifndef XVDM_GUEST_VIRTIO_NET_DRIVER_H
#define XVDM_GUEST_VIRTIO_NET_DRIVER_H

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

#define F_(bit) (1ull << (bit))
/* The part of Linux's feature table this driver implements. */
#define NETDRV_FEATURES                                             \
	(F_(VIRTIO_NET_F_MAC) | F_(VIRTIO_NET_F_STATUS) |           \
	 F_(VIRTIO_NET_F_MRG_RXBUF) | F_(VIRTIO_NET_F_CSUM) |       \
	 F_(VIRTIO_NET_F_GUEST_CSUM) | F_(VIRTIO_NET_F_HOST_TSO4) | \
	 F_(VIRTIO_NET_F_HOST_TSO6) | F_(VIRTIO_NET_F_GUEST_TSO4) | \
	 F_(VIRTIO_NET_F_GUEST_TSO6) | VMDRV_TRANSPORT_FEATURES)
#define NETDRV_HDR_LEN 12u     /* struct virtio_net_hdr_v1 */
#define NETDRV_MRG_BUF 1536u   /* hdr + GOOD_PACKET_LEN, cache aligned */
#define NETDRV_SMALL_BUF 1530u /* hdr + GOOD_PACKET_LEN */
#define NETDRV_FRAME_MAX 65550u

struct netdrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features; /* 0: NETDRV_FEATURES */
	int timeout_ms;	   /* for waits; 0: 10 s */
};

struct netdrv_stats {
	uint64_t tx_frames, tx_bytes, tx_kicks;
	uint64_t rx_frames, rx_bytes, rx_bufs;
	uint64_t rx_length_errors; /* short frame, bad num_buffers */
	uint64_t rx_bad_hdr;	   /* gso_type not negotiated */
	uint64_t rx_too_big;	   /* larger than the caller's buffer */
	uint64_t refills;
};

struct netdrv_rxbuf {
	uint64_t gpa;
	uint8_t *host;
};

struct netdrv_txslot {
	uint64_t gpa;
	uint32_t len; /* allocated bytes */
};

struct netdrv {
	struct vmdrv vm;
	struct netdrv_params p;
	struct vrdrv *rxq, *txq;
	uint8_t mac[6];
	uint16_t status; /* VIRTIO_NET_S_* (LINK_UP without F_STATUS) */
	bool mergeable;
	uint32_t buf_len;
	struct netdrv_rxbuf *rx; /* one per receiveq entry */
	unsigned nr_rx;
	struct netdrv_rxbuf **spare; /* consumed, not yet posted again */
	unsigned nr_spare;
	struct netdrv_txslot *tx; /* one per transmitq entry */
	unsigned *tx_free, nr_tx_free;
	unsigned tx_pending; /* added, not yet reclaimed */
	bool config_changed;
	bool live;
	struct netdrv_stats stats;
};

/* virtnet_probe + virtnet_open: -ENODEV when not a network device. */
int netdrv_probe(struct netdrv *n, const struct netdrv_params *p) must_check;
/* virtnet_remove: reset, buffers taken back, queues torn down. */
void netdrv_remove(struct netdrv *n);
/* Re-reads the link status (virtnet_config_changed_work). */
int netdrv_read_status(struct netdrv *n) must_check;

/*
 * start_xmit: hdr (NULL: all zero) then len bytes of frame. more: another
 * frame follows at once (xmit_more), so the kick waits. 0, -ENOSPC when
 * the ring stayed full for timeout_ms, -EIO (broken).
 */
int netdrv_send(struct netdrv *n, const struct virtio_net_hdr_v1 *hdr,
		const void *frame, size_t len, bool more) must_check;
/* Kicks what is unkicked and waits until the device used every frame. */
int netdrv_tx_flush(struct netdrv *n) must_check;
/*
 * One received frame into buf (its header into hdr if not NULL), waiting
 * at most timeout_ms. Its length, 0 on timeout, -EIO (broken).
 */
ssize_t netdrv_recv(struct netdrv *n, struct virtio_net_hdr_v1 *hdr, void *buf,
		    size_t max, int timeout_ms) must_check;

#endif
