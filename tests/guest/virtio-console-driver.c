// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console, guest side, one port, after Linux's
 * drivers/char/virtio_console.c (behaviour and order of device accesses,
 * not code): virtcons_probe, fill_queue, in_intr / get_inbuf,
 * fill_readbuf and __send_to_port.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-console-driver.h"

#define CFG(field) offsetof(struct virtio_console_config, field)

static int alloc_buf(struct condrv *c, struct condrv_buf *b)
{
	const struct guest_bus *bus = c->p.bus;

	if (gpa_pool_alloc(c->p.pool, CONDRV_BUF, 64, &b->gpa))
		return -ENOMEM;
	b->host = bus->ram(bus->opaque, b->gpa, CONDRV_BUF);
	if (!b->host) {
		gpa_pool_free(c->p.pool, b->gpa, CONDRV_BUF);
		return -EFAULT;
	}
	return 0;
}

/* add_inbuf: one device-writable page, kicked at once. */
static int add_inbuf(struct condrv *c, struct condrv_buf *b)
{
	struct vrdrv_sg sg = { b->gpa, CONDRV_BUF };
	int rc = vrdrv_add(c->in_vq, &sg, 0, 1, b);

	vrdrv_kick(c->in_vq);
	return rc;
}

/* get_inbuf: the next used receive buffer, unless one is being read. */
static void get_inbuf(struct condrv *c)
{
	struct condrv_buf *b;
	uint32_t len;
	void *data;

	while (!c->inbuf && vrdrv_get_buf(c->in_vq, &data, &len) == 1) {
		b = data;
		b->len = len;
		b->off = 0;
		c->stats.bufs_in++;
		c->stats.bytes_in += len;
		if (len) {
			c->inbuf = b;
		} else {
			c->stats.empty++;
			(void)add_inbuf(c, b);
		}
	}
}

static void in_intr(struct vrdrv *vq, void *opaque)
{
	get_inbuf(opaque);
}

/* out_intr: the writer polls for its buffer itself (put_chars). */
static void out_intr(struct vrdrv *vq, void *opaque)
{
}

static void free_bufs(struct condrv *c)
{
	for (unsigned i = 0; i < c->nr_in; i++)
		gpa_pool_free(c->p.pool, c->in[i].gpa, CONDRV_BUF);
	free(c->in);
	c->in = NULL;
	c->nr_in = 0;
	if (c->out.host)
		gpa_pool_free(c->p.pool, c->out.gpa, CONDRV_BUF);
	c->out.host = NULL;
}

/* fill_queue: receive buffers until the ring is full. */
static int fill_queue(struct condrv *c)
{
	unsigned n = c->in_vq->num;
	int rc;

	c->in = calloc(n, sizeof(*c->in));
	if (!c->in)
		return -ENOMEM;
	while (c->nr_in < n) {
		rc = alloc_buf(c, &c->in[c->nr_in]);
		if (rc)
			return rc;
		c->nr_in++;
		rc = add_inbuf(c, &c->in[c->nr_in - 1]);
		if (rc)
			return rc;
	}
	return 0;
}

/* virtcons_probe for a device without MULTIPORT: port 0 only. */
static int virtcons_probe(struct condrv *c)
{
	static vrdrv_callback_fn *const cbs[] = { in_intr, out_intr };
	uint16_t v = 0;
	int rc;

	rc = vmdrv_find_vqs(&c->vm, 2, cbs, c, 0);
	if (rc)
		return rc;
	c->in_vq = c->vm.vqs[0];
	c->out_vq = c->vm.vqs[1];
	rc = vmdrv_ready(&c->vm);
	if (!rc && vmdrv_has_feature(&c->vm, VIRTIO_CONSOLE_F_SIZE)) {
		rc = vmdrv_cread(&c->vm, CFG(cols), &v, 2);
		c->cols = le16toh(v);
		if (!rc)
			rc = vmdrv_cread(&c->vm, CFG(rows), &v, 2);
		c->rows = le16toh(v);
	}
	if (!rc)
		rc = fill_queue(c);
	if (!rc)
		rc = alloc_buf(c, &c->out);
	if (rc) {
		(void)vmdrv_reset(&c->vm);
		vmdrv_del_vqs(&c->vm);
		free_bufs(c);
	}
	return rc;
}

int condrv_probe(struct condrv *c, const struct condrv_params *p)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->p = *p;
	if (!c->p.features)
		c->p.features = CONDRV_FEATURES;
	if (!c->p.timeout_ms)
		c->p.timeout_ms = 10000;
	rc = vmdrv_probe(&c->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	if (c->vm.device_id != VIRTIO_ID_CONSOLE)
		return -ENODEV;
	rc = vmdrv_negotiate(
		&c->vm, c->p.features & ~(1ull << VIRTIO_CONSOLE_F_MULTIPORT));
	if (!rc)
		rc = virtcons_probe(c);
	if (rc) {
		vmdrv_fail(&c->vm);
		return rc;
	}
	c->live = true;
	return 0;
}

void condrv_remove(struct condrv *c)
{
	if (!c->live)
		return;
	(void)vmdrv_reset(&c->vm);
	while (vrdrv_detach_unused(c->in_vq))
		;
	while (vrdrv_detach_unused(c->out_vq))
		;
	vmdrv_del_vqs(&c->vm);
	free_bufs(c);
	c->inbuf = NULL;
	c->live = false;
	vmdrv_remove(&c->vm);
}

/* __send_to_port, blocking: wait until the device has used it. */
static int send_buf(struct condrv *c, uint32_t len)
{
	int64_t deadline = vmdrv_now_ms() + c->p.timeout_ms;
	struct vrdrv_sg sg = { c->out.gpa, len };
	uint32_t ulen;
	void *data;
	int rc;

	rc = vrdrv_add(c->out_vq, &sg, 1, 0, &c->out);
	vrdrv_kick(c->out_vq);
	if (rc)
		return rc;
	while ((rc = vrdrv_get_buf(c->out_vq, &data, &ulen)) == 0) {
		rc = vmdrv_wait_irq(&c->vm, deadline);
		if (rc)
			return rc > 0 ? -ETIMEDOUT : rc;
	}
	if (rc < 0)
		return rc;
	c->stats.bufs_out++;
	c->stats.bytes_out += len;
	return 0;
}

int condrv_write(struct condrv *c, const void *buf, size_t len)
{
	size_t sent = 0, n;
	int rc;

	if (!c->live)
		return -ENODEV;
	while (sent < len) {
		n = len - sent < CONDRV_BUF ? len - sent : CONDRV_BUF;
		memcpy(c->out.host, (const uint8_t *)buf + sent, n);
		rc = send_buf(c, (uint32_t)n);
		if (rc)
			return rc;
		sent += n;
	}
	return 0;
}

/* fill_readbuf, over as many used buffers as have arrived. */
static size_t fill_readbuf(struct condrv *c, uint8_t *buf, size_t len)
{
	struct condrv_buf *b;
	size_t got = 0, n;

	while (got < len && (b = c->inbuf)) {
		n = b->len - b->off < len - got ? b->len - b->off : len - got;
		memcpy(buf + got, b->host + b->off, n);
		b->off += (uint32_t)n;
		got += n;
		if (b->off == b->len) {
			/* Return the buffer to the host. */
			c->inbuf = NULL;
			(void)add_inbuf(c, b);
			get_inbuf(c);
		}
	}
	return got;
}

ssize_t condrv_read(struct condrv *c, void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = vmdrv_now_ms() + timeout_ms;
	int rc;

	if (!c->live)
		return -ENODEV;
	for (;;) {
		get_inbuf(c);
		if (c->inbuf)
			break;
		if (c->in_vq->broken)
			return -EIO;
		rc = vmdrv_wait_irq(&c->vm, deadline);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
	return (ssize_t)fill_readbuf(c, buf, len);
}
