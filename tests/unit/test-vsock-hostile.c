// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-vsock backend against a hostile driver: one test per rule a
 * guest can break. Buffer directions and rx buffers too small for a
 * header break the queue (DEVICE_NEEDS_RESET); a packet with the wrong
 * source is dropped; any other bad packet gets a RST, and the connection
 * it names is closed on the host side too; each is logged. Ring rules
 * (looping or huge chains) are the vq's and tested there. Fixture:
 * test-vsock-fixture.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vm_sockets.h>

#include "driver-ring.h"
#include "test-vsock-fixture.h"
#include "vdev.h"

static const struct setup_cfg cfg_no_rx = { .no_rx = true };
static const struct setup_cfg cfg_limit = { .max_conns = 4 };
static const struct setup_cfg cfg_small_no_rx = { .max_conns = 4,
						  .no_rx = true };

/* A connection the guest made to port 5000, and its host side. */
static int open_conn(struct fix *f, struct vf_conn *c, int *lfd)
{
	*lfd = vf_listen(f, 5000);
	return vf_guest_connect(f, c, 1100, 5000, *lfd);
}

/* The device answers RST, closes the host side, and says why. */
static void assert_reset(struct fix *f, const struct vf_conn *c, int fd,
			 const char *why)
{
	struct vf_pkt p;

	vf_expect(f, &p, VIRTIO_VSOCK_OP_RST, c);
	if (fd >= 0)
		vf_assert_eof(f, fd, 5000);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	assert_true(vdev_is_live(f->vdev));
	if (why && !vf_log_has(f, why))
		fail_msg("no log line with \"%s\"", why);
}

/* Sends a header and payload_len bytes, whatever h->len says. */
static void send_raw(struct fix *f, const struct vf_hdr *h,
		     uint32_t payload_len)
{
	struct driver_buf b[2] = { { TX_GPA, VF_HDR, false },
				   { TX_GPA + 0x100, payload_len, false } };
	uint32_t id, len;
	uint16_t head;

	vf_put_hdr(f, TX_GPA, h);
	memset(vf_ptr(f, TX_GPA + 0x100, payload_len ? payload_len : 1), 'p',
	       payload_len ? payload_len : 1);
	head = vf_kick(f, TXQ, b, payload_len ? 2 : 1);
	assert_true(driver_ring_get_used(&f->ring[TXQ], &id, &len));
	assert_int_equal(id, head);
}

/* virtio 1.2 §5.10.6.4: no device-writable buffer in the tx queue. */
static void test_hostile_tx_writable(void **state)
{
	struct fix *f = *state;
	struct vf_conn c = { .gport = 1, .hport = 5000 };
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_REQUEST, 0, 0);
	const struct driver_buf b[2] = { { TX_GPA, VF_HDR, false },
					 { SCRATCH_GPA, 64, true } };
	uint8_t *p = vf_ptr(f, SCRATCH_GPA, 64);
	uint32_t id, len;

	vf_put_hdr(f, TX_GPA, &h);
	memset(p, 0xaa, 64);
	vf_kick(f, TXQ, b, 2);
	vf_assert_needs_reset(f);
	assert_true(vf_log_has(f, "§5.10.6.4"));
	assert_false(driver_ring_get_used(&f->ring[TXQ], &id, &len));
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(p[i], 0xaa);
}

/* ... and no device-readable buffer in the rx queue. */
static void test_hostile_rx_readable(void **state)
{
	struct fix *f = *state;
	struct vf_conn c = { .gport = 1, .hport = 6000 };
	const struct driver_buf b[2] = { { SCRATCH_GPA, 8, false },
					 { SCRATCH_GPA + 0x100, VF_RXBUF,
					   true } };
	uint8_t *p = vf_ptr(f, SCRATCH_GPA + 0x100, VF_RXBUF);
	uint32_t id, len;

	memset(p, 0xaa, VF_RXBUF);
	vf_kick(f, RXQ, b, 2);
	/* Nobody listens at port 6000: the device has a RST to send. */
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	vf_assert_needs_reset(f);
	assert_true(vf_log_has(f, "device-readable buffer"));
	assert_false(driver_ring_get_used(&f->ring[RXQ], &id, &len));
	for (size_t i = 0; i < VF_RXBUF; i++)
		assert_int_equal(p[i], 0xaa);
}

/* An rx buffer with no room for a header cannot carry any packet. */
static void test_hostile_rx_too_small(void **state)
{
	struct fix *f = *state;
	struct vf_conn c = { .gport = 1, .hport = 6000 };
	const struct driver_buf b = { SCRATCH_GPA, VF_HDR - 1, true };
	uint8_t *p = vf_ptr(f, SCRATCH_GPA, VF_HDR);

	memset(p, 0xaa, VF_HDR);
	vf_kick(f, RXQ, &b, 1);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	vf_assert_needs_reset(f);
	assert_true(vf_log_has(f, "no room for a header"));
	for (size_t i = 0; i < VF_HDR; i++)
		assert_int_equal(p[i], 0xaa);
}

/* Less than a header: dropped (nothing to answer), the device goes on. */
static void test_hostile_short_header(void **state)
{
	struct fix *f = *state;
	const struct driver_buf b = { TX_GPA, VF_HDR - 4, false };
	uint32_t id, len;
	uint16_t head;

	memset(vf_ptr(f, TX_GPA, VF_HDR), 0, VF_HDR);
	head = vf_kick(f, TXQ, &b, 1);
	assert_true(driver_ring_get_used(&f->ring[TXQ], &id, &len));
	assert_int_equal(id, head);
	vf_assert_quiet(f, 10);
	assert_true(vdev_is_live(f->vdev));
	assert_true(vf_log_has(f, "no whole header"));
}

/*
 * §2.7.4: a header split over three descriptors (and the payload in a
 * fourth) is the same packet: the device must not assume the layout.
 */
static void test_hostile_split_header(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_RW, 5, 0);
	const struct driver_buf b[4] = { { SCRATCH_GPA, 10, false },
					 { SCRATCH_GPA + 0x100, 20, false },
					 { SCRATCH_GPA + 0x200, VF_HDR - 30,
					   false },
					 { SCRATCH_GPA + 0x300, 5, false } };
	uint8_t raw[VF_HDR];
	char buf[5];

	vf_put_hdr(f, TX_GPA, &h);
	memcpy(raw, vf_ptr(f, TX_GPA, VF_HDR), VF_HDR);
	memcpy(vf_ptr(f, SCRATCH_GPA, 10), raw, 10);
	memcpy(vf_ptr(f, SCRATCH_GPA + 0x100, 20), raw + 10, 20);
	memcpy(vf_ptr(f, SCRATCH_GPA + 0x200, VF_HDR - 30), raw + 30,
	       VF_HDR - 30);
	memcpy(vf_ptr(f, SCRATCH_GPA + 0x300, 5), "split", 5);
	vf_kick(f, TXQ, b, 4);
	vf_read_all(f, fd, buf, 5);
	assert_memory_equal(buf, "split", 5);
	close(fd);
	close(lfd);
}

/* §5.10.6.2: src_cid not the guest's: dropped, no connection, no RST. */
static void test_hostile_src_cid(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5000);
	struct vf_conn c = { .gport = 1, .hport = 5000 };
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_REQUEST, 0, 0);

	h.src_cid = VF_CID + 1;
	vf_send(f, &h, NULL);
	vf_assert_quiet(f, 20);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	assert_true(vf_log_has(f, "src_cid 43"));
	close(lfd);
}

/* §5.10.6.2: a packet not for the host: RST, no connection. */
static void test_hostile_dst_cid(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5000);
	struct vf_conn c = { .gport = 1, .hport = 5000 };
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_REQUEST, 0, 0);

	h.dst_cid = 7;
	vf_send(f, &h, NULL);
	assert_reset(f, &c, -1, "dst_cid");
	close(lfd);
}

/* §5.10.6: len must be the payload's size: smaller payload. */
static void test_hostile_len_mismatch(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_RW, 100, 0);

	send_raw(f, &h, 50);
	assert_reset(f, &c, fd, "len differs");
	close(fd);
	close(lfd);
}

/* ... a len no chain can have. */
static void test_hostile_len_huge(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_RW, 0xffffffffu, 0);

	send_raw(f, &h, 10);
	assert_reset(f, &c, fd, "len differs");
	close(fd);
	close(lfd);
}

/* §5.10.3: SEQPACKET was not offered: a SEQPACKET request is reset. */
static void test_hostile_type_seqpacket(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5000);
	struct vf_conn c = { .gport = 1, .hport = 5000 };
	struct vf_hdr h = vf_hdr(&c, VIRTIO_VSOCK_OP_REQUEST, 0, 0);

	h.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	vf_send(f, &h, NULL);
	assert_reset(f, &c, -1, "type is not STREAM");
	close(lfd);
}

/* An op the spec does not have, on an open connection. */
static void test_hostile_unknown_op(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, 99, NULL, 0, 0);
	assert_reset(f, &c, fd, "unknown op");
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_INVALID, NULL, 0, 0);
	assert_reset(f, &c, -1, NULL);
	close(fd);
	close(lfd);
}

/* Flags belong to SHUTDOWN (and SEQPACKET's RW): on a stream RW, RST. */
static void test_hostile_rw_flags(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "eom", 3, VIRTIO_VSOCK_SEQ_EOM);
	assert_reset(f, &c, fd, "unknown flags");
	close(fd);
	close(lfd);
}

/* SHUTDOWN with a bit the spec does not define. */
static void test_hostile_shutdown_flags(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_SHUTDOWN, NULL, 0, 0x4);
	assert_reset(f, &c, fd, "unknown flags");
	close(fd);
	close(lfd);
}

/*
 * §5.10.6.3.1: more than the credit we gave (the host program does not
 * read, so the device holds everything): RST, the memory stays bounded.
 */
static void test_hostile_beyond_credit(void **state)
{
	struct fix *f = *state;
	static uint8_t a[1024 * 1024];
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	assert_true(vf_fill_credit(f, &c, a, sizeof(a)) >= VSOCK_BUF_ALLOC);
	assert_int_equal(vsock_nr_conns(f->vs), 1);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, a, 1, 0);
	assert_reset(f, &c, -1, "beyond our credit");
	close(fd);
	close(lfd);
}

/* §5.10.6.3: a fwd_cnt counting bytes we never sent. */
static void test_hostile_fwd_cnt_ahead(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	c.fwd_cnt = 1000;
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, NULL, 0, 0);
	assert_reset(f, &c, fd, "fwd_cnt");
	close(fd);
	close(lfd);
}

/* §5.10.6.5: data for a connection that does not exist: RST. */
static void test_hostile_rw_no_conn(void **state)
{
	struct fix *f = *state;
	struct vf_conn c = { .gport = 77, .hport = 88 };

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "who", 3, 0);
	assert_reset(f, &c, -1, NULL);
}

/* A RESPONSE on a connection the guest itself asked for. */
static void test_hostile_response_unasked(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RESPONSE, NULL, 0, 0);
	assert_reset(f, &c, fd, "response to no request");
	close(fd);
	close(lfd);
}

/* A second REQUEST for an open connection: both ends reset. */
static void test_hostile_duplicate_request(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	assert_reset(f, &c, fd, "request for an open connection");
	close(fd);
	close(lfd);
}

/* Data after the guest's own SHUTDOWN(SEND). */
static void test_hostile_data_after_shutdown(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	int lfd, fd = open_conn(f, &c, &lfd);

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_SHUTDOWN, NULL, 0,
		   VIRTIO_VSOCK_SHUTDOWN_SEND);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "more", 4, 0);
	assert_reset(f, &c, fd, "shut down");
	close(fd);
	close(lfd);
}

/* Requests beyond the connection limit: each reset, at most 4 open. */
static void test_hostile_request_flood(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5000);
	unsigned ok = 0, rst = 0;
	struct vf_pkt p;

	for (uint32_t i = 0; i < 12; i++) {
		struct vf_conn c = { .gport = 100 + i, .hport = 5000 };

		vf_send_op(f, &c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	}
	while (vf_recv(f, &p, 20)) {
		ok += p.h.op == VIRTIO_VSOCK_OP_RESPONSE;
		rst += p.h.op == VIRTIO_VSOCK_OP_RST;
	}
	assert_int_equal(ok, 4);
	assert_int_equal(rst, 8);
	assert_int_equal(vsock_nr_conns(f->vs), 4);
	assert_true(vf_log_has(f, "4 connections"));
	close(lfd);
}

/*
 * Bad packets while the guest posts no rx buffer: the RSTs owed are
 * bounded (max_conns + 1), the rest dropped with a log line.
 */
static void test_hostile_rst_flood(void **state)
{
	struct fix *f = *state;
	unsigned n = 0;
	struct vf_pkt p;

	for (uint32_t i = 0; i < 50; i++) {
		struct vf_conn c = { .gport = 100 + i, .hport = 9 };

		vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "x", 1, 0);
	}
	assert_true(vf_log_has(f, "RSTs unsent"));
	for (unsigned i = 0; i < VF_NRX; i++)
		vf_post_rx(f, i);
	while (vf_recv(f, &p, 20)) {
		assert_int_equal(p.h.op, VIRTIO_VSOCK_OP_RST);
		assert_int_equal(p.h.dst_port, 100 + n);
		n++;
	}
	assert_int_equal(n, 5);
	assert_true(vdev_is_live(f->vdev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, vf_setup, vf_teardown)
#define TC(fn, c)                                                           \
	cmocka_unit_test_prestate_setup_teardown(fn, vf_setup, vf_teardown, \
						 (void *)&(c))
		T(test_hostile_tx_writable),
		TC(test_hostile_rx_readable, cfg_no_rx),
		TC(test_hostile_rx_too_small, cfg_no_rx),
		T(test_hostile_short_header),
		T(test_hostile_split_header),
		T(test_hostile_src_cid),
		T(test_hostile_dst_cid),
		T(test_hostile_len_mismatch),
		T(test_hostile_len_huge),
		T(test_hostile_type_seqpacket),
		T(test_hostile_unknown_op),
		T(test_hostile_rw_flags),
		T(test_hostile_shutdown_flags),
		T(test_hostile_beyond_credit),
		T(test_hostile_fwd_cnt_ahead),
		T(test_hostile_rw_no_conn),
		T(test_hostile_response_unasked),
		T(test_hostile_duplicate_request),
		T(test_hostile_data_after_shutdown),
		TC(test_hostile_request_flood, cfg_limit),
		TC(test_hostile_rst_flood, cfg_small_no_rx),
#undef T
#undef TC
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
