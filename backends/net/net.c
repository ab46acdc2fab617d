// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2 §5.1) on a tap: see net.h.
 *
 * Receive keeps a stash of popped receive buffers: a frame's size is known
 * only once it has been read, so before each read the stash holds room for
 * the largest frame the tap can hand us (rx_need), and what a frame did not
 * use stays stashed for the next one. The stash and the readv iovec array
 * live in struct net: nothing is allocated per frame.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <endian.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "evloop.h"
#include "iov.h"
#include "net.h"
#include "vdev.h"

#define RXQ 0 /* receiveq1 (§5.1.2) */
#define TXQ 1 /* transmitq1 */
#define ETH_VLAN_HLEN 18u

#define F(bit) (1ull << (bit))
#define NET_FEATURES                                              \
	(F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |           \
	 F(VIRTIO_NET_F_MRG_RXBUF) | F(VIRTIO_NET_F_CSUM) |       \
	 F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) | \
	 F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_GUEST_TSO4) | \
	 F(VIRTIO_NET_F_GUEST_TSO6))

struct net {
	struct vdev vdev;
	bool vdev_ready;
	struct virtio_net_config cfg;
	char *tap;
	int fd;
	struct evloop_fd *watch;
	bool watching;		      /* watch armed for EPOLLIN */
	struct evloop_notifier *kick; /* activation, the rest of a batch */
	uint32_t rx_need; /* room a frame may need, header included */
	uint64_t rx_room; /* writable bytes in the stash */
	unsigned nstash;
	struct vq_elem *stash[NET_QUEUE_SIZE];
	struct iovec rx_iov[NET_RX_IOV];
};

static void watch_tap(struct net *n, bool on)
{
	int rc;

	if (!n->watch || n->watching == on)
		return;
	rc = evloop_mod_fd(n->watch, on ? EPOLLIN : 0);
	if (rc)
		vdev_fail(&n->vdev, "net: epoll: %s", strerror(-rc));
	else
		n->watching = on;
}

/* Whether e can take frames; if not, the device has been failed. */
static bool rx_usable(struct net *n, struct vq_elem *e)
{
	/* virtio 1.2 §5.1.6.3: receive buffers are device-writable. */
	if (e->out_num || e->out_len) {
		vdev_fail(&n->vdev,
			  "receiveq: head %u: %u device-readable bytes "
			  "(virtio 1.2 §5.1.6.3)",
			  e->head, e->out_len);
		vdev_push(&n->vdev, RXQ, e, 0); /* broken device: released */
		return false;
	}
	/* virtio 1.2 §5.1.6.3.1: each buffer holds at least the header. */
	if (e->in_len < NET_HDR_LEN) {
		vdev_fail(&n->vdev,
			  "receiveq: head %u: %u bytes, less than the "
			  "header (virtio 1.2 §5.1.6.3.1)",
			  e->head, e->in_len);
		vdev_push(&n->vdev, RXQ, e, 0);
		return false;
	}
	return true;
}

/*
 * Pops until the stash has room for any frame; false if it has not. A
 * stash holding the whole ring is used as it is: the driver cannot add
 * more (virtio 1.2 §5.1.6.3.1 only asks it for buffers of 1526 bytes with
 * MRG_RXBUF), and a frame too large for it is truncated.
 */
static bool rx_fill(struct net *n)
{
	bool mrg = vdev_has_feature(&n->vdev, VIRTIO_NET_F_MRG_RXBUF);
	unsigned cap = n->vdev.queues[RXQ].vq.num;
	struct vq_elem *e;

	if (cap > ARRAY_SIZE(n->stash))
		cap = ARRAY_SIZE(n->stash);
	/* Without MRG_RXBUF a frame gets one buffer, whatever its size. */
	while (mrg ? n->rx_room < n->rx_need : !n->nstash) {
		if (n->nstash >= cap)
			return n->nstash > 0;
		e = vdev_pop(&n->vdev, RXQ);
		if (!e || !rx_usable(n, e))
			return false;
		n->stash[n->nstash++] = e;
		n->rx_room += e->in_len;
	}
	return true;
}

/* The stash's buffers as one iovec array, up to rx_need bytes. */
static unsigned rx_gather(struct net *n, size_t *room)
{
	bool mrg = vdev_has_feature(&n->vdev, VIRTIO_NET_F_MRG_RXBUF);
	unsigned cnt = 0;

	*room = 0;
	for (unsigned i = 0; i < n->nstash && *room < n->rx_need; i++) {
		struct vq_elem *e = n->stash[i];

		if (cnt + e->in_num > NET_RX_IOV)
			break;
		memcpy(&n->rx_iov[cnt], e->in, e->in_num * sizeof(*e->in));
		cnt += e->in_num;
		*room += e->in_len;
		if (!mrg)
			break;
	}
	return cnt;
}

/* Completes the buffers a frame of len bytes filled. */
static void rx_complete(struct net *n, size_t len)
{
	uint16_t used = 0, le;
	struct iov_cursor c;
	size_t left = len;

	while (left) {
		uint32_t w = n->stash[used]->in_len;

		left -= w < left ? w : left;
		used++;
	}
	/*
	 * virtio 1.2 §5.1.6.4: the device sets num_buffers (1 without
	 * MRG_RXBUF); the tap leaves those two header bytes alone.
	 */
	le = htole16(used);
	iov_cursor_init(&c, n->stash[0]->in, n->stash[0]->in_num);
	iov_cursor_skip(&c,
			offsetof(struct virtio_net_hdr_mrg_rxbuf, num_buffers));
	iov_cursor_write(&c, &le, sizeof(le));
	left = len;
	for (unsigned i = 0; i < used; i++) {
		struct vq_elem *e = n->stash[i];
		uint32_t w = e->in_len < left ? e->in_len : (uint32_t)left;

		n->rx_room -= e->in_len;
		vdev_push(&n->vdev, RXQ, e, w);
		left -= w;
	}
	n->nstash -= used;
	memmove(n->stash, n->stash + used, n->nstash * sizeof(n->stash[0]));
}

/* Reads one frame: 0, -EAGAIN (the tap is empty) or -errno (failed). */
static int rx_one(struct net *n)
{
	size_t room;
	unsigned cnt = rx_gather(n, &room);
	ssize_t r;

	assert(cnt > 0);
	do
		r = readv(n->fd, n->rx_iov, (int)cnt);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (r <= 0) {
		int err = r < 0 ? errno : EIO;

		vdev_fail(&n->vdev, "tap %s: read: %s", n->tap, strerror(err));
		return -err;
	}
	/* The tap reports a truncated frame's full length: clamp. */
	if ((size_t)r > room)
		r = (ssize_t)room;
	if ((size_t)r < NET_HDR_LEN)
		return 0; /* no frame: the buffers stay stashed */
	rx_complete(n, (size_t)r);
	return 0;
}

static void rx_process(struct net *n)
{
	bool pushed = false;
	int rc = 0;

	/*
	 * A failed or stopped device takes no frames: the level-triggered
	 * watch goes off until activation, or a readable tap would wake the
	 * loop again and again.
	 */
	if (!vdev_is_live(&n->vdev)) {
		watch_tap(n, false);
		return;
	}

	for (unsigned i = 0; i < NET_RX_BURST && vdev_is_live(&n->vdev); i++) {
		/* No room: the tap waits until the driver adds buffers. */
		if (!rx_fill(n)) {
			watch_tap(n, false);
			break;
		}
		rc = rx_one(n);
		if (rc)
			break;
		pushed = true;
	}
	/* The rest of a burst comes with the next turn (level-triggered). */
	if ((!rc || rc == -EAGAIN) && vdev_is_live(&n->vdev) && rx_fill(n))
		watch_tap(n, true);
	if (pushed)
		vdev_notify(&n->vdev, RXQ);
}

/* Sends one chain; false if it failed the device. */
static bool tx_one(struct net *n, struct vq_elem *e)
{
	ssize_t r;

	/*
	 * virtio 1.2 §5.1.6.2: a transmitted packet is the header followed
	 * by the frame, all device-readable.
	 */
	if (e->in_num || e->out_len < NET_HDR_LEN) {
		vdev_fail(&n->vdev,
			  "transmitq: head %u: %u readable, %u writable "
			  "bytes (virtio 1.2 §5.1.6.2)",
			  e->head, e->out_len, e->in_len);
		vdev_push(&n->vdev, TXQ, e, 0);
		return false;
	}
	do
		r = writev(n->fd, e->out, e->out_num);
	while (r < 0 && errno == EINTR);
	/* A frame the tap refuses (bad header, too long) is dropped. */
	if (r < 0)
		log_guest(&n->vdev.log, LOG_WARN,
			  "transmitq: head %u: %u bytes dropped: %s", e->head,
			  e->out_len, strerror(errno));
	vdev_push(&n->vdev, TXQ, e, 0);
	return true;
}

static void tx_process(struct net *n)
{
	struct vq_elem *e = NULL;
	unsigned i;

	for (i = 0; i < NET_TX_BURST && vdev_is_live(&n->vdev); i++) {
		e = vdev_pop(&n->vdev, TXQ);
		if (!e || !tx_one(n, e))
			break;
	}
	if (i)
		vdev_notify(&n->vdev, TXQ);
	if (i == NET_TX_BURST)
		evloop_notifier_signal(n->kick);
}

static void on_readable(void *opaque, int fd, uint32_t events)
{
	struct net *n = opaque;

	/*
	 * The interface went away: errors are reported even with no events
	 * asked for, so the watch goes for good and the device fails.
	 */
	if (events & (EPOLLERR | EPOLLHUP)) {
		evloop_del_fd(n->watch);
		n->watch = NULL;
		vdev_fail(&n->vdev, "tap %s: hung up", n->tap);
		return;
	}
	rx_process(n);
}

static void on_kick(void *opaque)
{
	struct net *n = opaque;

	tx_process(n);
	rx_process(n);
}

/* virtio 1.2 §5.1.3.1: the TSO features need their checksum feature. */
static int net_validate_features(struct vdev *vdev, uint64_t f)
{
	if ((f & (F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6))) &&
	    !(f & F(VIRTIO_NET_F_GUEST_CSUM)))
		return -EINVAL;
	if ((f & (F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6))) &&
	    !(f & F(VIRTIO_NET_F_CSUM)))
		return -EINVAL;
	return 0;
}

static int net_activate(struct vdev *vdev)
{
	struct net *n = container_of(vdev, struct net, vdev);
	int rc, mtu;

	if (!n->watch) {
		log_err(&vdev->log, "tap %s: gone", n->tap);
		return -EIO;
	}
	rc = net_tap_set_offload(n->fd, vdev->guest_features);
	if (rc) {
		log_err(&vdev->log, "tap %s: TUNSETOFFLOAD: %s", n->tap,
			strerror(-rc));
		return rc;
	}
	/*
	 * The largest frame the tap may hand us: a TSO frame, or one MTU.
	 * A frame above an MTU raised later is truncated, as it would be
	 * by a guest posting small buffers.
	 */
	mtu = net_tap_mtu(n->tap);
	if (mtu <= 0 || (unsigned)mtu > NET_FRAME_MAX - ETH_VLAN_HLEN)
		mtu = (int)(NET_FRAME_MAX - ETH_VLAN_HLEN);
	if (vdev->guest_features &
	    (F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6)))
		mtu = (int)(NET_FRAME_MAX - ETH_VLAN_HLEN);
	n->rx_need = NET_HDR_LEN + ETH_VLAN_HLEN + (uint32_t)mtu;
	/* Buffers the driver made available before DRIVER_OK. */
	evloop_notifier_signal(n->kick);
	return 0;
}

static void net_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct net *n = container_of(vdev, struct net, vdev);

	if (qidx == TXQ)
		tx_process(n);
	else
		rx_process(n);
}

/* The stashed elements are the vdev layer's to take back (vq_stop()). */
static void net_reset(struct vdev *vdev)
{
	struct net *n = container_of(vdev, struct net, vdev);

	n->nstash = 0;
	n->rx_room = 0;
	watch_tap(n, false);
}

static const struct vdev_ops net_ops = {
	.type = "net",
	.device_id = VIRTIO_ID_NET,
	.validate_features = net_validate_features,
	.activate = net_activate,
	.queue_notify = net_queue_notify,
	.reset = net_reset,
};

static int setup(struct net *n, const struct vdev_params *vp,
		 struct evloop *loop, char *err, size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	n->fd = net_tap_open(n->tap);
	if (n->fd < 0) {
		rc = n->fd;
		snprintf(err, err_len, "net: tap %s: %s", n->tap,
			 strerror(-rc));
		return rc;
	}
	rc = evloop_add_fd(loop, n->fd, 0, on_readable, n, &n->watch);
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, n, &n->kick);
	if (rc) {
		snprintf(err, err_len, "net: loop: %s", strerror(-rc));
		return rc;
	}
	params.ops = &net_ops;
	params.features |= NET_FEATURES;
	params.num_queues = 2; /* §5.1.2: receiveq1, transmitq1 */
	params.queue_num_max = NET_QUEUE_SIZE;
	params.max_iov = NET_MAX_IOV;
	params.config = &n->cfg;
	/* §5.1.4: mac and status; max_virtqueue_pairs needs VIRTIO_NET_F_MQ. */
	params.config_len =
		offsetof(struct virtio_net_config, max_virtqueue_pairs);
	rc = vdev_init(&n->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "net: device: %s", strerror(-rc));
		return rc;
	}
	n->vdev_ready = true;
	return 0;
}

int net_new(const struct net_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct net **out, char *err, size_t err_len)
{
	struct net *n;
	int rc;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->tap = strdup(p->tap ? p->tap : ""))) {
		free(n);
		snprintf(err, err_len, "net: out of memory");
		return -ENOMEM;
	}
	n->fd = -1;
	memcpy(n->cfg.mac, p->mac, sizeof(n->cfg.mac));
	n->cfg.status = htole16(VIRTIO_NET_S_LINK_UP);
	rc = setup(n, vp, loop, err, err_len);
	if (rc) {
		net_free(n);
		return rc;
	}
	log_info(&n->vdev.log, "tap %s, mac %02x:%02x:%02x:%02x:%02x:%02x",
		 n->tap, p->mac[0], p->mac[1], p->mac[2], p->mac[3], p->mac[4],
		 p->mac[5]);
	*out = n;
	return 0;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	if (n->vdev_ready)
		vdev_fini(&n->vdev);
	evloop_del_fd(n->watch);
	evloop_del_notifier(n->kick);
	if (n->fd >= 0)
		close(n->fd);
	free(n->tap);
	free(n);
}

struct vdev *net_vdev(struct net *n)
{
	return &n->vdev;
}

struct net *net_of(struct vdev *vdev)
{
	assert(vdev->ops == &net_ops);
	return container_of(vdev, struct net, vdev);
}
