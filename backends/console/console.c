// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.2 §5.3), one port: its receiveq and transmitq,
 * moved to and from the host side (console-host.c) without a buffer of
 * our own.
 *
 * Transmit: a popped buffer is written to the host side, from the guest's
 * memory, as far as the host side takes it; if it is full the element is
 * held (with how much of it went) and nothing more is popped until the
 * host side has room again. Receive: a popped buffer is read into straight
 * from the host side; with nothing to read it is held and the host side
 * watched; with no buffer posted, the host side is not read at all.
 *
 * Each loop turn does a bounded amount of work per queue (buffers and
 * bytes); a notifier brings the next turn, so a guest cannot hold the
 * thread other devices share.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "console-host.h"
#include "console.h"
#include "evloop.h"
#include "iov.h"
#include "vdev.h"

#define RXQ 0 /* §5.3.2: receiveq(port0) */
#define TXQ 1 /* transmitq(port0) */
#define TURN_BUFS (CONSOLE_QUEUE_SIZE / 2)
#define TURN_BYTES (256u * 1024)
#define WRITE_MAX (64u * 1024) /* per write call */

struct console {
	struct vdev vdev;
	bool vdev_ready;
	struct virtio_console_config config; /* §5.3.4: all zero */
	struct console_host host;
	struct evloop_notifier *kick; /* the next turn */
	struct vq_elem *rx;	      /* a receive buffer waiting for input */
	struct vq_elem *tx;	      /* output not yet all written */
	uint32_t tx_off;	      /* how much of tx was */
	bool rx_blocked;	      /* rx held: the host side had nothing */
	bool tx_blocked;	      /* tx held: the host side was full */
};

static const struct vdev_ops console_ops;

static void want(struct console *c)
{
	console_host_want(&c->host, c->rx_blocked, c->tx_blocked);
}

/* virtio 1.2 §5.3.6.1: the direction each queue's buffers must have. */
static bool usable(struct console *c, unsigned q, struct vq_elem *e)
{
	bool bad = q == RXQ ? e->out_num || e->out_len : e->in_num || e->in_len;

	if (!bad)
		return true;
	vdev_fail(&c->vdev,
		  "%s: head %u: device-%s buffer (virtio 1.2 "
		  "§5.3.6.1)",
		  q == RXQ ? "receiveq" : "transmitq", e->head,
		  q == RXQ ? "readable" : "writable");
	vdev_push(&c->vdev, q, e, 0); /* broken queue: only released */
	return false;
}

/*
 * Writes what is left of c->tx: 0 once all of it went (or was dropped),
 * -EAGAIN when the host side is full, -EBUSY when this turn's bytes are
 * spent.
 */
static int tx_write(struct console *c, size_t *bytes)
{
	struct iovec iov[CONSOLE_MAX_IOV];
	struct iov_cursor cur;
	size_t left;
	ssize_t n;
	int cnt;

	while (c->tx_off < c->tx->out_len) {
		if (*bytes >= TURN_BYTES)
			return -EBUSY;
		left = c->tx->out_len - c->tx_off;
		iov_cursor_init(&cur, c->tx->out, c->tx->out_num);
		iov_cursor_skip(&cur, c->tx_off);
		/* out_num <= max_iov == CONSOLE_MAX_IOV: it always fits. */
		cnt = iov_cursor_slice(&cur,
				       left < WRITE_MAX ? left : WRITE_MAX, iov,
				       CONSOLE_MAX_IOV);
		assert(cnt > 0);
		n = console_host_write(&c->host, iov, (unsigned)cnt);
		if (n == -EAGAIN)
			return -EAGAIN;
		if (n <= 0) {
			if (n != -ENOTCONN)
				log_guest(&c->vdev.log, LOG_WARN,
					  "console output lost: %s",
					  n ? strerror((int)-n) :
					      "no progress");
			return 0;
		}
		c->tx_off += (uint32_t)n;
		*bytes += (size_t)n;
	}
	return 0;
}

static void process_tx(struct console *c)
{
	unsigned bufs = 0;
	bool pushed = false;
	size_t bytes = 0;
	int rc = 0;

	c->tx_blocked = false;
	while (vdev_is_live(&c->vdev)) {
		if (!c->tx) {
			if (bufs >= TURN_BUFS || bytes >= TURN_BYTES) {
				evloop_notifier_signal(c->kick);
				break;
			}
			c->tx = vdev_pop(&c->vdev, TXQ);
			c->tx_off = 0;
			if (!c->tx)
				break;
			if (!usable(c, TXQ, c->tx)) {
				c->tx = NULL;
				break;
			}
		}
		rc = tx_write(c, &bytes);
		if (rc == -EBUSY)
			evloop_notifier_signal(c->kick);
		if (rc) {
			c->tx_blocked = rc == -EAGAIN;
			break;
		}
		/* The transmitq's buffers are only read: 0 bytes written. */
		vdev_push(&c->vdev, TXQ, c->tx, 0);
		c->tx = NULL;
		pushed = true;
		bufs++;
	}
	want(c);
	if (pushed)
		vdev_notify(&c->vdev, TXQ);
}

static void process_rx(struct console *c)
{
	unsigned bufs = 0;
	bool pushed = false;
	ssize_t n;

	c->rx_blocked = false;
	while (vdev_is_live(&c->vdev)) {
		if (!c->rx) {
			if (bufs >= TURN_BUFS) {
				evloop_notifier_signal(c->kick);
				break;
			}
			c->rx = vdev_pop(&c->vdev, RXQ);
			if (!c->rx)
				break; /* no buffer: the host side is not read */
			if (!usable(c, RXQ, c->rx)) {
				c->rx = NULL;
				break;
			}
		}
		/* A zero-length buffer reads 0 bytes: it goes back empty. */
		n = c->rx->in_len ? console_host_read(&c->host, c->rx->in,
						      c->rx->in_num) :
				    0;
		if (n == -EAGAIN)
			c->rx_blocked = true;
		if (n < 0)
			break; /* held until there is input */
		vdev_push(&c->vdev, RXQ, c->rx, (uint32_t)n);
		c->rx = NULL;
		pushed = true;
		bufs++;
	}
	want(c);
	if (pushed)
		vdev_notify(&c->vdev, RXQ);
}

static void on_host(void *opaque, uint32_t events)
{
	struct console *c = opaque;

	if (events & EPOLLOUT)
		process_tx(c);
	if (events & EPOLLIN)
		process_rx(c);
}

static void on_kick(void *opaque)
{
	process_tx(opaque);
	process_rx(opaque);
}

static int console_activate(struct vdev *vdev)
{
	struct console *c = container_of(vdev, struct console, vdev);

	/* Buffers the driver made available before DRIVER_OK. */
	evloop_notifier_signal(c->kick);
	return 0;
}

static void console_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct console *c = container_of(vdev, struct console, vdev);

	if (qidx == RXQ)
		process_rx(c);
	else
		process_tx(c);
}

/*
 * virtio 1.2 §2.4: nothing is written after a reset. The held elements are
 * the vdev layer's to take back (vq_stop()); output half written is
 * dropped. The host side stays open: a client stays connected.
 */
static void console_reset(struct vdev *vdev)
{
	struct console *c = container_of(vdev, struct console, vdev);

	c->rx = c->tx = NULL;
	c->tx_off = 0;
	c->rx_blocked = c->tx_blocked = false;
	want(c);
}

static const struct vdev_ops console_ops = {
	.type = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.activate = console_activate,
	.queue_notify = console_queue_notify,
	.reset = console_reset,
};

int console_parse(const char *spec, struct console_params *out)
{
	static const struct {
		const char *prefix;
		enum console_kind kind;
	} kinds[] = { { "unix:", CONSOLE_UNIX }, { "file:", CONSOLE_FILE } };

	if (!strcmp(spec, "pty")) {
		*out = (struct console_params){ .kind = CONSOLE_PTY };
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(spec, kinds[i].prefix, n) || spec[n] != '/')
			continue;
		*out = (struct console_params){ .kind = kinds[i].kind,
						.path = spec + n };
		return 0;
	}
	return -EINVAL;
}

static int init_vdev(struct console *c, const struct vdev_params *vp, char *err,
		     size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	params.ops = &console_ops;
	/* §5.3.3: no F_SIZE, F_MULTIPORT or F_EMERG_WRITE offered. */
	params.num_queues = 2; /* §5.3.2: receiveq(port0), transmitq(port0) */
	params.queue_num_max = CONSOLE_QUEUE_SIZE;
	params.max_iov = CONSOLE_MAX_IOV;
	params.config = &c->config;
	params.config_len = sizeof(c->config);
	rc = vdev_init(&c->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "console: device: %s", strerror(-rc));
		return rc;
	}
	c->vdev_ready = true;
	return 0;
}

int console_new(const struct console_params *p, const struct vdev_params *vp,
		struct evloop *loop, struct console **out, char *err,
		size_t err_len)
{
	struct console_host_params hp = {
		.kind = p->kind,
		.path = p->path,
		.loop = loop,
		.fn = on_host,
	};
	struct console *c;
	int rc;

	*out = NULL;
	if (err_len)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, err_len, "console: out of memory");
		return -ENOMEM;
	}
	c->host.fd = c->host.listen_fd = c->host.slave_fd = -1;
	/* The host side logs through the device's source: init it first. */
	rc = init_vdev(c, vp, err, err_len);
	if (!rc) {
		hp.log = &c->vdev.log;
		hp.opaque = c;
		rc = console_host_open(&c->host, &hp, err, err_len);
	}
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, c, &c->kick);
	if (rc) {
		if (!err[0])
			snprintf(err, err_len, "console: %s", strerror(-rc));
		console_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->vdev_ready)
		vdev_fini(&c->vdev);
	evloop_del_notifier(c->kick);
	console_host_close(&c->host);
	free(c);
}

struct vdev *console_vdev(struct console *c)
{
	return &c->vdev;
}

struct console *console_of(struct vdev *vdev)
{
	assert(vdev->ops == &console_ops);
	return container_of(vdev, struct console, vdev);
}

const char *console_pty_path(const struct vdev *vdev)
{
	const struct console *c;

	if (vdev->ops != &console_ops)
		return NULL;
	c = container_of(vdev, const struct console, vdev);
	return c->host.kind == CONSOLE_PTY ? c->host.path : NULL;
}
