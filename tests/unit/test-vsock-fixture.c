// SPDX-License-Identifier: GPL-2.0-only
/* The virtio-vsock tests' fixture: see test-vsock-fixture.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/vm_sockets.h>

#include "driver-probe.h"
#include "evloop.h"
#include "test-vsock-fixture.h"
#include "vdev.h"

#define WAIT_MS 5000

uint64_t vf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t *vf_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

uint64_t vf_fnv(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

void vf_fill(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (uint8_t)(seed >> 56);
	}
}

void vf_post_rx(struct fix *f, unsigned slot)
{
	struct driver_buf b = { RX_GPA + RX_STRIDE * slot, VF_RXBUF, true };
	uint16_t head = driver_ring_add_chain(&f->ring[RXQ], &b, 1);

	f->rx_slot[head] = (uint16_t)slot;
	driver_ring_make_avail(&f->ring[RXQ], head);
	vdev_queue_notify(f->vdev, RXQ);
}

void vf_probe(struct fix *f)
{
	driver_probe_features(f->vdev, 0);
	for (unsigned q = 0; q < 3; q++)
		driver_probe_queue(f->vdev, q, &f->ring[q], &f->flat, QNUM,
				   RING_GPA(q));
	driver_probe_live(f->vdev);
}

int vf_setup(void **state)
{
	const struct setup_cfg *cfg = *state;
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct vsock_params p = { .guest_cid = VF_CID };
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "vsock0" };
	char err[256];

	assert_non_null(f);
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	vp.mem = &f->flat.mem;
	log_init(&f->logger, memfd_create("test-vsock-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	snprintf(f->dir, sizeof(f->dir), "%s/test-vsock-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vsock", f->dir);
	p.path = f->path;
	p.max_conns = cfg ? cfg->max_conns : 0;
	if (vsock_new(&p, &vp, f->loop, &f->vs, err, sizeof(err)))
		fail_msg("vsock_new: %s", err);
	f->vdev = vsock_vdev(f->vs);
	vf_probe(f);
	for (unsigned i = 0; i < VF_NRX && !(cfg && cfg->no_rx); i++)
		vf_post_rx(f, i);
	*state = f;
	return 0;
}

int vf_teardown(void **state)
{
	struct fix *f = *state;

	vsock_free(f->vs);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	/* The listener goes with the device. */
	assert_int_not_equal(access(f->path, F_OK), 0);
	for (unsigned i = 0; i < f->nr_lpath; i++)
		unlink(f->lpath[i]);
	assert_int_equal(rmdir(f->dir), 0);
	evloop_free(f->loop);
	close(f->logger.fd);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

bool vf_log_has(struct fix *f, const char *needle)
{
	char buf[16384];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

void vf_run(struct fix *f, unsigned ms)
{
	uint64_t end = vf_now_ms() + ms;

	do
		assert_true(evloop_run_once(f->loop, 1) >= 0);
	while (vf_now_ms() < end);
}

void vf_assert_needs_reset(struct fix *f)
{
	vf_run(f, 10);
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
}

uint16_t vf_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n)
{
	uint16_t head = driver_ring_add_chain(&f->ring[q], b, n);

	driver_ring_make_avail(&f->ring[q], head);
	vdev_queue_notify(f->vdev, q);
	return head;
}

void vf_put_hdr(struct fix *f, uint64_t gpa, const struct vf_hdr *h)
{
	struct virtio_vsock_hdr w = {
		.src_cid = htole64(h->src_cid),
		.dst_cid = htole64(h->dst_cid),
		.src_port = htole32(h->src_port),
		.dst_port = htole32(h->dst_port),
		.len = htole32(h->len),
		.type = htole16(h->type),
		.op = htole16(h->op),
		.flags = htole32(h->flags),
		.buf_alloc = htole32(h->buf_alloc),
		.fwd_cnt = htole32(h->fwd_cnt),
	};

	memcpy(vf_ptr(f, gpa, VF_HDR), &w, VF_HDR);
}

void vf_send(struct fix *f, const struct vf_hdr *h, const void *data)
{
	struct driver_buf b[2] = { { TX_GPA, VF_HDR, false },
				   { TX_GPA + 0x100, h->len, false } };
	uint32_t id, len;
	uint16_t head;

	vf_put_hdr(f, TX_GPA, h);
	if (h->len)
		memcpy(vf_ptr(f, TX_GPA + 0x100, h->len), data, h->len);
	head = vf_kick(f, TXQ, b, h->len ? 2 : 1);
	assert_true(driver_ring_get_used(&f->ring[TXQ], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
}

struct vf_hdr vf_hdr(const struct vf_conn *c, uint16_t op, uint32_t len,
		     uint32_t flags)
{
	return (struct vf_hdr){ .src_cid = VF_CID,
				.dst_cid = VMADDR_CID_HOST,
				.src_port = c->gport,
				.dst_port = c->hport,
				.len = len,
				.type = VIRTIO_VSOCK_TYPE_STREAM,
				.op = op,
				.flags = flags,
				.buf_alloc = c->buf_alloc,
				.fwd_cnt = c->fwd_cnt };
}

void vf_send_op(struct fix *f, struct vf_conn *c, uint16_t op, const void *data,
		uint32_t len, uint32_t flags)
{
	struct vf_hdr h = vf_hdr(c, op, len, flags);

	vf_send(f, &h, data);
	if (op == VIRTIO_VSOCK_OP_RW)
		c->tx_cnt += len;
	c->fwd_sent = c->fwd_cnt;
}

static bool take_used(struct fix *f, struct vf_pkt *p)
{
	struct virtio_vsock_hdr w;
	uint32_t id, len;
	uint64_t gpa;

	if (!driver_ring_get_used(&f->ring[RXQ], &id, &len))
		return false;
	assert_true(id < QNUM);
	gpa = RX_GPA + RX_STRIDE * f->rx_slot[id];
	assert_true(len >= VF_HDR && len <= VF_RXBUF);
	memcpy(&w, vf_ptr(f, gpa, VF_HDR), VF_HDR);
	p->h = (struct vf_hdr){ le64toh(w.src_cid),   le64toh(w.dst_cid),
				le32toh(w.src_port),  le32toh(w.dst_port),
				le32toh(w.len),	      le16toh(w.type),
				le16toh(w.op),	      le32toh(w.flags),
				le32toh(w.buf_alloc), le32toh(w.fwd_cnt) };
	p->used_len = len;
	/* The device says what it wrote: header and payload, no more. */
	assert_int_equal(len, VF_HDR + p->h.len);
	memcpy(p->data, vf_ptr(f, gpa + VF_HDR, p->h.len), p->h.len);
	assert_int_equal(p->h.src_cid, VMADDR_CID_HOST);
	assert_int_equal(p->h.dst_cid, VF_CID);
	assert_int_equal(p->h.type, VIRTIO_VSOCK_TYPE_STREAM);
	vf_post_rx(f, f->rx_slot[id]);
	return true;
}

bool vf_recv(struct fix *f, struct vf_pkt *p, unsigned ms)
{
	uint64_t end = vf_now_ms() + ms;

	do {
		if (take_used(f, p))
			return true;
		assert_true(evloop_run_once(f->loop, ms ? 1 : 0) >= 0);
	} while (vf_now_ms() < end);
	return take_used(f, p);
}

void vf_expect(struct fix *f, struct vf_pkt *p, uint16_t op,
	       const struct vf_conn *c)
{
	if (!vf_recv(f, p, WAIT_MS))
		fail_msg("no packet (expected op %u)", op);
	if (p->h.op != op)
		fail_msg("op %u, expected %u", p->h.op, op);
	if (c) {
		assert_int_equal(p->h.src_port, c->hport);
		assert_int_equal(p->h.dst_port, c->gport);
	}
}

void vf_assert_quiet(struct fix *f, unsigned ms)
{
	struct vf_pkt p;

	if (vf_recv(f, &p, ms))
		fail_msg("unexpected packet op %u %u->%u", p.h.op, p.h.src_port,
			 p.h.dst_port);
}

int vf_listen(struct fix *f, uint32_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0 && f->nr_lpath < 8);
	snprintf(f->lpath[f->nr_lpath], sizeof(f->lpath[0]), "%s_%u", f->path,
		 port);
	strcpy(sa.sun_path, f->lpath[f->nr_lpath++]);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

int vf_guest_connect(struct fix *f, struct vf_conn *c, uint32_t gport,
		     uint32_t port, int lfd)
{
	struct vf_pkt p;
	int fd;

	*c = (struct vf_conn){ .gport = gport,
			       .hport = port,
			       .buf_alloc = VF_BUF_ALLOC };
	vf_send_op(f, c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RESPONSE, c);
	vf_account(c, &p);
	assert_int_equal(c->peer_buf_alloc, VSOCK_BUF_ALLOC);
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

int vf_host_connect(struct fix *f, struct vf_conn *c, uint32_t gport)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char line[32], ok[32];
	struct vf_pkt p;
	int n;

	assert_true(fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
	n = snprintf(line, sizeof(line), "CONNECT %u\n", gport);
	assert_int_equal(write(fd, line, (size_t)n), n);
	*c = (struct vf_conn){ .gport = gport, .buf_alloc = VF_BUF_ALLOC };
	vf_expect(f, &p, VIRTIO_VSOCK_OP_REQUEST, NULL);
	assert_int_equal(p.h.dst_port, gport);
	c->hport = p.h.src_port;
	vf_account(c, &p);
	vf_send_op(f, c, VIRTIO_VSOCK_OP_RESPONSE, NULL, 0, 0);
	n = snprintf(ok, sizeof(ok), "OK %u\n", c->hport);
	vf_read_all(f, fd, line, (size_t)n);
	assert_memory_equal(line, ok, (size_t)n);
	return fd;
}

void vf_read_all(struct fix *f, int fd, void *buf, size_t len)
{
	uint64_t end = vf_now_ms() + WAIT_MS;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		assert_true(n < 0 && errno == EAGAIN);
		if (vf_now_ms() > end)
			fail_msg("read %zu of %zu bytes", got, len);
		assert_true(evloop_run_once(f->loop, 1) >= 0);
	}
}

void vf_assert_eof(struct fix *f, int fd, unsigned ms)
{
	uint64_t end = vf_now_ms() + ms;
	char c;
	ssize_t n;

	assert_int_equal(fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
	for (;;) {
		n = read(fd, &c, 1);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return;
		if (n > 0)
			fail_msg("data instead of end of file");
		assert_int_equal(errno, EAGAIN);
		if (vf_now_ms() > end)
			fail_msg("no end of file");
		assert_true(evloop_run_once(f->loop, 1) >= 0);
	}
}

void vf_account(struct vf_conn *c, const struct vf_pkt *p)
{
	c->peer_buf_alloc = p->h.buf_alloc;
	c->peer_fwd_cnt = p->h.fwd_cnt;
	if (p->h.op == VIRTIO_VSOCK_OP_RW)
		c->fwd_cnt += p->h.len; /* the application read it at once */
}

static uint32_t credit(const struct vf_conn *c)
{
	return c->peer_buf_alloc - (c->tx_cnt - c->peer_fwd_cnt);
}

void vf_stream_to_host(struct fix *f, struct vf_conn *c, int fd,
		       const uint8_t *data, uint8_t *out, size_t len)
{
	uint64_t end = vf_now_ms() + 4 * WAIT_MS;
	size_t sent = 0, got = 0;
	struct vf_pkt p;
	uint32_t n;
	ssize_t r;

	while (got < len) {
		n = credit(c);
		if (n > len - sent)
			n = (uint32_t)(len - sent);
		if (n > 65536)
			n = 65536;
		/* Never beyond the device's credit (§5.10.6.3). */
		assert_true(c->tx_cnt - c->peer_fwd_cnt <= c->peer_buf_alloc);
		if (n) {
			vf_send_op(f, c, VIRTIO_VSOCK_OP_RW, data + sent, n, 0);
			sent += n;
		}
		r = read(fd, out + got, len - got);
		if (r > 0)
			got += (size_t)r;
		while (vf_recv(f, &p, 0)) {
			assert_int_equal(p.h.op, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
			if (p.h.dst_port == c->gport)
				vf_account(c, &p); /* else another's */
		}
		if (vf_now_ms() > end)
			fail_msg("sent %zu, host got %zu of %zu", sent, got,
				 len);
	}
}

void vf_stream_to_guest(struct fix *f, struct vf_conn *c, int fd,
			const uint8_t *data, uint8_t *out, size_t len)
{
	uint64_t end = vf_now_ms() + 4 * WAIT_MS;
	size_t written = 0, got = 0;
	struct vf_pkt p;
	ssize_t r;

	while (got < len) {
		if (written < len) {
			r = write(fd, data + written, len - written);
			if (r > 0)
				written += (size_t)r;
		}
		if (vf_recv(f, &p, 1)) {
			assert_int_equal(p.h.op, VIRTIO_VSOCK_OP_RW);
			assert_int_equal(p.h.dst_port, c->gport);
			/* Never beyond our credit (§5.10.6.3.2). */
			assert_true(c->fwd_cnt + p.h.len - c->fwd_sent <=
				    c->buf_alloc);
			assert_true(got + p.h.len <= len);
			memcpy(out + got, p.data, p.h.len);
			got += p.h.len;
			vf_account(c, &p);
			/* Linux: a credit update once free space < 64 KiB. */
			if (c->buf_alloc - (c->fwd_cnt - c->fwd_sent) < 65536)
				vf_send_op(f, c, VIRTIO_VSOCK_OP_CREDIT_UPDATE,
					   NULL, 0, 0);
		}
		if (vf_now_ms() > end)
			fail_msg("written %zu, guest got %zu of %zu", written,
				 got, len);
	}
}

size_t vf_fill_credit(struct fix *f, struct vf_conn *c, const uint8_t *data,
		      size_t max)
{
	size_t sent = 0;
	struct vf_pkt p;
	uint32_t n;

	for (;;) {
		while (vf_recv(f, &p, credit(c) ? 0 : 20)) {
			assert_int_equal(p.h.op, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
			vf_account(c, &p);
		}
		n = credit(c) < 32768 ? credit(c) : 32768;
		if (!n)
			return sent;
		assert_true(sent + n <= max);
		vf_send_op(f, c, VIRTIO_VSOCK_OP_RW, data + sent, n, 0);
		sent += n;
	}
}
