// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net, guest side, one queue pair, after Linux's
 * drivers/net/virtio_net.c (behaviour and order of device accesses, not
 * code): virtnet_probe, virtnet_open / try_fill_recv, receive_mergeable /
 * receive_small, start_xmit / xmit_skb / free_old_xmit_skbs.
 */
#include <endian.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-net-driver.h"

#define CFG(field) offsetof(struct virtio_net_config, field)
#define FRAG 4096u	/* an skb page fragment */
#define MAX_SG 17u	/* MAX_SKB_FRAGS + 1 for a 64 KiB frame */
#define NAPI_BUDGET 64u /* refill threshold as virtnet_receive's */

/* NAPI polls the rings itself; the callbacks only mark work. */
static void rx_intr(struct vrdrv *vq, void *opaque)
{
}

static void tx_intr(struct vrdrv *vq, void *opaque)
{
}

static void config_changed(struct vmdrv *dev, void *opaque)
{
	struct netdrv *n = opaque;

	n->config_changed = true;
}

/* try_fill_recv: every spare buffer to the device, one kick. */
static void refill(struct netdrv *n)
{
	bool added = false;

	while (n->nr_spare) {
		struct netdrv_rxbuf *b = n->spare[n->nr_spare - 1];
		struct vrdrv_sg sg = { b->gpa, n->buf_len };

		if (vrdrv_add(n->rxq, &sg, 0, 1, b))
			break;
		n->nr_spare--;
		added = true;
	}
	if (added) {
		n->stats.refills++;
		vrdrv_kick(n->rxq);
	}
}

static int alloc_rx(struct netdrv *n)
{
	const struct guest_bus *bus = n->p.bus;
	unsigned num = n->rxq->num;

	n->rx = calloc(num, sizeof(*n->rx));
	n->spare = calloc(num, sizeof(*n->spare));
	if (!n->rx || !n->spare)
		return -ENOMEM;
	for (; n->nr_rx < num; n->nr_rx++) {
		struct netdrv_rxbuf *b = &n->rx[n->nr_rx];

		if (gpa_pool_alloc(n->p.pool, n->buf_len, 64, &b->gpa))
			return -ENOMEM;
		b->host = bus->ram(bus->opaque, b->gpa, n->buf_len);
		if (!b->host) {
			gpa_pool_free(n->p.pool, b->gpa, n->buf_len);
			return -EFAULT;
		}
		n->spare[n->nr_spare++] = b;
	}
	return 0;
}

static int alloc_tx(struct netdrv *n)
{
	unsigned num = n->txq->num;

	n->tx = calloc(num, sizeof(*n->tx));
	n->tx_free = calloc(num, sizeof(*n->tx_free));
	if (!n->tx || !n->tx_free)
		return -ENOMEM;
	for (unsigned i = 0; i < num; i++)
		n->tx_free[n->nr_tx_free++] = num - 1 - i;
	return 0;
}

static void free_bufs(struct netdrv *n)
{
	for (unsigned i = 0; i < n->nr_rx; i++)
		gpa_pool_free(n->p.pool, n->rx[i].gpa, n->buf_len);
	if (n->tx && n->txq)
		for (unsigned i = 0; i < n->txq->num; i++)
			if (n->tx[i].len)
				gpa_pool_free(n->p.pool, n->tx[i].gpa,
					      n->tx[i].len);
	free(n->rx);
	free(n->spare);
	free(n->tx);
	free(n->tx_free);
	n->rx = NULL;
	n->spare = NULL;
	n->tx = NULL;
	n->tx_free = NULL;
	n->nr_rx = n->nr_spare = n->nr_tx_free = 0;
}

int netdrv_read_status(struct netdrv *n)
{
	uint16_t v = 0;
	int rc;

	n->config_changed = false;
	if (!vmdrv_has_feature(&n->vm, VIRTIO_NET_F_STATUS)) {
		n->status = VIRTIO_NET_S_LINK_UP;
		return 0;
	}
	rc = vmdrv_cread(&n->vm, CFG(status), &v, 2);
	n->status = le16toh(v) & (VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE);
	return rc;
}

/* virtnet_probe after the features: MAC, queues, DRIVER_OK, status. */
static int virtnet_probe(struct netdrv *n)
{
	static vrdrv_callback_fn *const cbs[] = { rx_intr, tx_intr };
	int rc = 0;

	n->mergeable = vmdrv_has_feature(&n->vm, VIRTIO_NET_F_MRG_RXBUF);
	n->buf_len = n->mergeable ? NETDRV_MRG_BUF : NETDRV_SMALL_BUF;
	if (vmdrv_has_feature(&n->vm, VIRTIO_NET_F_MAC))
		rc = vmdrv_cread_many(&n->vm, CFG(mac), n->mac, 6, 1);
	if (!rc)
		rc = vmdrv_find_vqs(&n->vm, 2, cbs, n, 0);
	if (rc)
		return rc;
	n->rxq = n->vm.vqs[0];
	n->txq = n->vm.vqs[1];
	rc = vmdrv_ready(&n->vm);
	if (!rc)
		rc = netdrv_read_status(n);
	if (!rc)
		rc = alloc_tx(n);
	/* virtnet_open: the receiveq filled. */
	if (!rc)
		rc = alloc_rx(n);
	if (!rc)
		refill(n);
	if (rc) {
		(void)vmdrv_reset(&n->vm);
		vmdrv_del_vqs(&n->vm);
		free_bufs(n);
	}
	return rc;
}

int netdrv_probe(struct netdrv *n, const struct netdrv_params *p)
{
	uint64_t f, dev_f = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	n->p = *p;
	if (!n->p.features)
		n->p.features = NETDRV_FEATURES;
	if (!n->p.timeout_ms)
		n->p.timeout_ms = 10000;
	rc = vmdrv_probe(&n->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	if (n->vm.device_id != VIRTIO_ID_NET)
		return -ENODEV;
	f = n->p.features;
	/*
	 * Without mergeable buffers Linux posts "big" 64 KiB buffers for
	 * GUEST_TSO; this driver has small buffers only, so it declines.
	 * (Linux decides in virtnet_validate, after the core read the
	 * features; vmdrv_negotiate has no such hook: one extra read.)
	 */
	rc = p->bus->mmio_write(p->bus->opaque,
				p->base + VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4,
				0);
	if (!rc)
		rc = p->bus->mmio_read(p->bus->opaque,
				       p->base + VIRTIO_MMIO_DEVICE_FEATURES, 4,
				       &dev_f);
	if (rc)
		return rc;
	if (!(dev_f & f & F_(VIRTIO_NET_F_MRG_RXBUF)))
		f &= ~(F_(VIRTIO_NET_F_GUEST_TSO4) |
		       F_(VIRTIO_NET_F_GUEST_TSO6));
	n->vm.config_changed = config_changed;
	n->vm.opaque = n;
	rc = vmdrv_negotiate(&n->vm, f);
	if (!rc)
		rc = virtnet_probe(n);
	if (rc) {
		vmdrv_fail(&n->vm);
		return rc;
	}
	n->live = true;
	return 0;
}

void netdrv_remove(struct netdrv *n)
{
	if (!n->live)
		return;
	(void)vmdrv_reset(&n->vm);
	while (vrdrv_detach_unused(n->rxq))
		;
	while (vrdrv_detach_unused(n->txq))
		;
	free_bufs(n);
	vmdrv_del_vqs(&n->vm);
	n->live = false;
	vmdrv_remove(&n->vm);
}

static void tx_slot_free(struct netdrv *n, struct netdrv_txslot *s)
{
	gpa_pool_free(n->p.pool, s->gpa, s->len);
	s->len = 0;
	n->tx_free[n->nr_tx_free++] = (unsigned)(s - n->tx);
}

/* free_old_xmit_skbs */
static void reclaim(struct netdrv *n)
{
	uint32_t len;
	void *data;

	while (vrdrv_get_buf(n->txq, &data, &len) == 1) {
		tx_slot_free(n, data);
		n->tx_pending--;
	}
}

/*
 * A transmit slot with len bytes of guest memory, reclaiming and waiting
 * (at most timeout_ms) while the ring or the pool is full.
 */
static int tx_slot(struct netdrv *n, uint32_t len, struct netdrv_txslot **out)
{
	int64_t deadline = vmdrv_now_ms() + n->p.timeout_ms;
	struct netdrv_txslot *s;
	uint64_t gpa;
	int rc;

	for (;;) {
		reclaim(n);
		if (n->txq->broken)
			return -EIO;
		if (n->nr_tx_free && n->txq->num_free >= MAX_SG &&
		    !gpa_pool_alloc(n->p.pool, len, 64, &gpa))
			break;
		/* netif_stop_subqueue: what was added goes out first. */
		vrdrv_kick(n->txq);
		n->stats.tx_kicks++;
		rc = vmdrv_wait_irq(&n->vm, deadline);
		if (rc)
			return rc > 0 ? -ENOSPC : rc;
	}
	s = &n->tx[n->tx_free[--n->nr_tx_free]];
	s->gpa = gpa;
	s->len = len;
	*out = s;
	return 0;
}

int netdrv_send(struct netdrv *n, const struct virtio_net_hdr_v1 *hdr,
		const void *frame, size_t len, bool more)
{
	static const struct virtio_net_hdr_v1 zero;
	const struct guest_bus *bus = n->p.bus;
	uint32_t total = NETDRV_HDR_LEN + (uint32_t)len, off;
	struct vrdrv_sg sg[MAX_SG];
	struct netdrv_txslot *s;
	unsigned nsg = 0;
	uint8_t *host;
	int rc;

	if (!n->live)
		return -ENODEV;
	if (len > NETDRV_FRAME_MAX)
		return -EMSGSIZE;
	rc = tx_slot(n, total, &s);
	if (rc)
		return rc;
	host = bus->ram(bus->opaque, s->gpa, total);
	if (!host) {
		tx_slot_free(n, s);
		return -EFAULT;
	}
	/* xmit_skb: the header pushed in front of the frame (VERSION_1). */
	memcpy(host, hdr ? hdr : &zero, NETDRV_HDR_LEN);
	memcpy(host + NETDRV_HDR_LEN, frame, len);
	for (off = 0; off < total; off += FRAG)
		sg[nsg++] = (struct vrdrv_sg){
			s->gpa + off, total - off < FRAG ? total - off : FRAG
		};
	rc = vrdrv_add(n->txq, sg, nsg, 0, s);
	if (rc) {
		tx_slot_free(n, s);
		return rc;
	}
	n->tx_pending++;
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	if (!more || n->txq->num_free < MAX_SG) {
		vrdrv_kick(n->txq);
		n->stats.tx_kicks++;
	}
	return 0;
}

int netdrv_tx_flush(struct netdrv *n)
{
	int64_t deadline = vmdrv_now_ms() + n->p.timeout_ms;
	int rc;

	vrdrv_kick(n->txq);
	for (;;) {
		reclaim(n);
		if (n->txq->broken)
			return -EIO;
		if (!n->tx_pending)
			return 0;
		rc = vmdrv_wait_irq(&n->vm, deadline);
		if (rc)
			return rc > 0 ? -ETIMEDOUT : rc;
	}
}

/* A gso_type/flags the driver negotiated (virtio_net_hdr_to_skb). */
static bool hdr_ok(struct netdrv *n, const struct virtio_net_hdr_v1 *h)
{
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!vmdrv_has_feature(&n->vm, VIRTIO_NET_F_GUEST_TSO4))
			return false;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!vmdrv_has_feature(&n->vm, VIRTIO_NET_F_GUEST_TSO6))
			return false;
		break;
	default:
		return false;
	}
	return !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	       vmdrv_has_feature(&n->vm, VIRTIO_NET_F_GUEST_CSUM);
}

/* Copies part of a frame unless it overflows max (then only counts). */
static void take(uint8_t *buf, size_t max, size_t *got, const uint8_t *src,
		 size_t len)
{
	if (*got + len <= max)
		memcpy(buf + *got, src, len);
	*got += len;
}

/*
 * receive_mergeable / receive_small for the next used buffer: the frame's
 * length, 0 when nothing is used, -EAGAIN when a frame was dropped.
 */
static ssize_t rx_one(struct netdrv *n, struct virtio_net_hdr_v1 *hdr,
		      uint8_t *buf, size_t max)
{
	struct virtio_net_hdr_v1 h;
	struct netdrv_rxbuf *b;
	size_t got = 0;
	unsigned num;
	uint32_t len;
	void *data;
	bool bad = false;

	if (vrdrv_get_buf(n->rxq, &data, &len) != 1)
		return 0;
	b = data;
	n->stats.rx_bufs++;
	n->spare[n->nr_spare++] = b;
	if (len < NETDRV_HDR_LEN + ETH_HLEN) {
		n->stats.rx_length_errors++;
		return -EAGAIN;
	}
	memcpy(&h, b->host, sizeof(h));
	num = n->mergeable ? le16toh(h.num_buffers) : 1;
	if (!num || num > n->rxq->num) {
		n->stats.rx_length_errors++;
		return -EAGAIN;
	}
	take(buf, max, &got, b->host + NETDRV_HDR_LEN, len - NETDRV_HDR_LEN);
	while (--num) {
		if (vrdrv_get_buf(n->rxq, &data, &len) != 1) {
			/* "rx error: %d buffers out of %d missing" */
			n->stats.rx_length_errors++;
			return -EAGAIN;
		}
		b = data;
		n->stats.rx_bufs++;
		n->spare[n->nr_spare++] = b;
		take(buf, max, &got, b->host, len);
	}
	if (!hdr_ok(n, &h)) {
		n->stats.rx_bad_hdr++;
		bad = true;
	} else if (got > max) {
		n->stats.rx_too_big++;
		bad = true;
	}
	if (bad)
		return -EAGAIN;
	if (hdr)
		*hdr = h;
	n->stats.rx_frames++;
	n->stats.rx_bytes += got;
	return (ssize_t)got;
}

ssize_t netdrv_recv(struct netdrv *n, struct virtio_net_hdr_v1 *hdr, void *buf,
		    size_t max, int timeout_ms)
{
	int64_t deadline = vmdrv_now_ms() + timeout_ms;
	ssize_t got;
	int rc;

	if (!n->live)
		return -ENODEV;
	for (;;) {
		got = rx_one(n, hdr, buf, max);
		if (n->nr_spare > (n->rxq->num < NAPI_BUDGET ? n->rxq->num :
							       NAPI_BUDGET) /
					  2 ||
		    n->nr_spare == n->nr_rx)
			refill(n);
		if (got > 0)
			return got;
		if (got == -EAGAIN)
			continue;
		if (n->rxq->broken)
			return -EIO;
		rc = vmdrv_wait_irq(&n->vm, deadline);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
}
