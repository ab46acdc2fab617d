// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-vsock backend through its queues, with real unix sockets on
 * the host side: both connection directions, data both ways with
 * checksums, credit stall and resume, shutdown, RST, the connection
 * limit, and a reset with connections open. Fixture:
 * test-vsock-fixture.h.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/vm_sockets.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "registry.h"
#include "test-vsock-fixture.h"
#include "vdev.h"

#define BIG (1024u * 1024)

static const struct setup_cfg cfg_limit = { .max_conns = 4 };

/* §5.10.4: the CID in the configuration space; §5.10.3: no SEQPACKET. */
static void test_config(void **state)
{
	struct fix *f = *state;
	uint64_t v = 0;

	assert_int_equal(vdev_config_read(f->vdev, 0, 8, &v), 0);
	assert_int_equal(v, VF_CID);
	assert_int_equal(vdev_config_read(f->vdev, 0, 4, &v), 0);
	assert_int_equal(v, VF_CID);
	assert_false(vdev_get_host_features(f->vdev, 0) &
		     (1u << VIRTIO_VSOCK_F_SEQPACKET));
	/* Read-only: a write changes nothing. */
	assert_int_equal(vdev_config_write(f->vdev, 0, 4, 7), 0);
	assert_int_equal(vdev_config_read(f->vdev, 0, 8, &v), 0);
	assert_int_equal(v, VF_CID);
	assert_ptr_equal(backend_find(VIRTIO_ID_VSOCK), &vsock_backend);
	assert_true(vf_log_has(f, "vsock CID 42 on unix socket"));
}

/* The guest connects to the host's port 5000: data both ways, checked. */
static void test_guest_connect(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5000), fd;
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct vf_conn c;

	assert_true(a && b);
	fd = vf_guest_connect(f, &c, 1025, 5000, lfd);
	assert_int_equal(vsock_nr_conns(f->vs), 1);
	vf_fill(a, BIG, 1);
	vf_stream_to_host(f, &c, fd, a, b, BIG);
	assert_int_equal(vf_fnv(b, BIG), vf_fnv(a, BIG));
	vf_fill(a, BIG, 2);
	memset(b, 0, BIG);
	vf_stream_to_guest(f, &c, fd, a, b, BIG);
	assert_int_equal(vf_fnv(b, BIG), vf_fnv(a, BIG));
	close(fd);
	close(lfd);
	free(a);
	free(b);
}

/* Nobody listens at <path>_<port>: RST, and nothing stays open. */
static void test_guest_connect_refused(void **state)
{
	struct fix *f = *state;
	struct vf_conn c = { .gport = 1025, .hport = 6000, .buf_alloc = 4096 };
	struct vf_pkt p;

	vf_send_op(f, &c, VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RST, &c);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
}

/* A host program: CONNECT, REQUEST, RESPONSE, OK, then data both ways. */
static void test_host_connect(void **state)
{
	struct fix *f = *state;
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct vf_conn c;
	int fd;

	assert_true(a && b);
	fd = vf_host_connect(f, &c, 7000);
	assert_true(c.hport >= 1024);
	vf_fill(a, BIG, 3);
	vf_stream_to_guest(f, &c, fd, a, b, BIG);
	assert_int_equal(vf_fnv(b, BIG), vf_fnv(a, BIG));
	vf_fill(a, BIG, 4);
	vf_stream_to_host(f, &c, fd, a, b, BIG);
	assert_int_equal(vf_fnv(b, BIG), vf_fnv(a, BIG));
	close(fd);
	free(a);
	free(b);
}

/* The guest refuses a host program's CONNECT: its socket is closed. */
static void test_host_connect_refused(void **state)
{
	struct fix *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct vf_conn c = { .gport = 7001 };
	struct vf_pkt p;

	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "CONNECT 7001\n", 13), 13);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_REQUEST, NULL);
	c.hport = p.h.src_port;
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RST, NULL, 0, 0);
	vf_assert_eof(f, fd, 5000);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	close(fd);
}

/* Not a CONNECT line: the host program is dropped, the guest hears nothing. */
static void test_host_bad_line(void **state)
{
	struct fix *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, "CONNECT x\n", 10), 10);
	vf_assert_eof(f, fd, 5000);
	vf_assert_quiet(f, 20);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	close(fd);
}

/*
 * Host to guest with a guest that gives 8 KiB of credit: exactly 8 KiB
 * arrive, then nothing, until its CREDIT_UPDATE; then the next 8 KiB.
 */
static void test_credit_stall_to_guest(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5001), fd;
	uint8_t a[32768], got[16384];
	uint32_t n = 0;
	struct vf_conn c;
	struct vf_pkt p;

	fd = vf_guest_connect(f, &c, 1026, 5001, lfd);
	c.buf_alloc = 8192;
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, NULL, 0, 0);
	vf_fill(a, sizeof(a), 5);
	assert_int_equal(write(fd, a, sizeof(a)), sizeof(a));
	while (n < 8192) {
		vf_expect(f, &p, VIRTIO_VSOCK_OP_RW, &c);
		memcpy(got + n, p.data, p.h.len);
		n += p.h.len;
		assert_true(n <= 8192);
	}
	vf_assert_quiet(f, 50);
	/* The application read it all: the credit comes back. */
	c.fwd_cnt = n;
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, NULL, 0, 0);
	while (n < 16384) {
		vf_expect(f, &p, VIRTIO_VSOCK_OP_RW, &c);
		memcpy(got + n, p.data, p.h.len);
		n += p.h.len;
		assert_true(n <= 16384);
	}
	vf_assert_quiet(f, 20);
	assert_memory_equal(got, a, sizeof(got));
	close(fd);
	close(lfd);
}

/*
 * Guest to host while the host program does not read: the guest's credit
 * runs out once the socket and the device's buffer are full (the stall:
 * no credit update comes), and comes back as the program reads.
 */
static void test_credit_stall_to_host(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5002), fd;
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct vf_conn c;
	size_t sent;

	assert_true(a && b);
	fd = vf_guest_connect(f, &c, 1027, 5002, lfd);
	vf_fill(a, BIG, 6);
	sent = vf_fill_credit(f, &c, a, BIG);
	/* At least our whole buf_alloc is held beyond the socket's share. */
	assert_true(sent >= VSOCK_BUF_ALLOC);
	assert_int_equal(c.tx_cnt - c.peer_fwd_cnt, c.peer_buf_alloc);
	vf_assert_quiet(f, 30);
	/* The program reads: the rest streams, credit coming back. */
	vf_read_all(f, fd, b, sent);
	assert_memory_equal(a, b, sent);
	vf_stream_to_host(f, &c, fd, a + sent, b, BIG - sent);
	assert_memory_equal(a + sent, b, BIG - sent);
	close(fd);
	close(lfd);
	free(a);
	free(b);
}

/* CREDIT_REQUEST is answered with our buf_alloc and fwd_cnt. */
static void test_credit_request(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5003), fd;
	struct vf_conn c;
	struct vf_pkt p;
	char buf[100];

	fd = vf_guest_connect(f, &c, 1028, 5003, lfd);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "0123456789", 10, 0);
	vf_read_all(f, fd, buf, 10);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_CREDIT_REQUEST, NULL, 0, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_CREDIT_UPDATE, &c);
	assert_int_equal(p.h.buf_alloc, VSOCK_BUF_ALLOC);
	assert_int_equal(p.h.fwd_cnt, 10);
	close(fd);
	close(lfd);
}

/*
 * Half-closes both ways: the guest's SHUTDOWN(SEND) is the program's end
 * of file while it can still write; the program's shutdown(SHUT_WR) is
 * the guest's SHUTDOWN(SEND); the guest's full shutdown gets a RST.
 */
static void test_shutdown(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5004), fd;
	struct vf_conn c;
	struct vf_pkt p;
	char buf[8];

	fd = vf_guest_connect(f, &c, 1029, 5004, lfd);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "bye", 3, 0);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_SHUTDOWN, NULL, 0,
		   VIRTIO_VSOCK_SHUTDOWN_SEND);
	vf_read_all(f, fd, buf, 3);
	assert_memory_equal(buf, "bye", 3);
	vf_assert_eof(f, fd, 5000);
	assert_int_equal(write(fd, "late", 4), 4);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RW, &c);
	assert_int_equal(p.h.len, 4);
	assert_memory_equal(p.data, "late", 4);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	/* Both ways shut on the socket now: it may say RCV as well. */
	vf_expect(f, &p, VIRTIO_VSOCK_OP_SHUTDOWN, &c);
	assert_true(p.h.flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
	assert_int_equal(vsock_nr_conns(f->vs), 1);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_SHUTDOWN, NULL, 0,
		   VIRTIO_VSOCK_SHUTDOWN_SEND | VIRTIO_VSOCK_SHUTDOWN_RCV);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RST, &c);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	close(fd);
	close(lfd);
}

/* The program closes: the guest hears SHUTDOWN both ways, then its RST. */
static void test_host_close(void **state)
{
	struct fix *f = *state;
	struct vf_conn c;
	struct vf_pkt p;
	int fd;

	fd = vf_host_connect(f, &c, 7002);
	assert_int_equal(write(fd, "last", 4), 4);
	close(fd);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RW, &c);
	assert_memory_equal(p.data, "last", 4);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_SHUTDOWN, &c);
	assert_true(p.h.flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RST, NULL, 0, 0);
	vf_run(f, 5);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
}

/* The guest's RST: the program reads end of file; later packets: RST. */
static void test_guest_rst(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5005), fd;
	struct vf_conn c;
	struct vf_pkt p;

	fd = vf_guest_connect(f, &c, 1030, 5005, lfd);
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RST, NULL, 0, 0);
	vf_assert_eof(f, fd, 5000);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	vf_assert_quiet(f, 10); /* a RST is never answered */
	vf_send_op(f, &c, VIRTIO_VSOCK_OP_RW, "x", 1, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RST, &c);
	close(fd);
	close(lfd);
}

/*
 * max_conns = 4: the fifth guest request is reset, a host program waits
 * in the backlog until a connection closes.
 */
static void test_conn_limit(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5006), fd[4], h;
	struct vf_conn c[5];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vf_pkt p;

	for (unsigned i = 0; i < 4; i++)
		fd[i] = vf_guest_connect(f, &c[i], 2000 + i, 5006, lfd);
	c[4] = (struct vf_conn){ .gport = 2004, .hport = 5006 };
	vf_send_op(f, &c[4], VIRTIO_VSOCK_OP_REQUEST, NULL, 0, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_RST, &c[4]);
	assert_true(vf_log_has(f, "4 connections"));
	h = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(connect(h, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(h, "CONNECT 9\n", 10), 10);
	vf_assert_quiet(f, 30);
	assert_int_equal(vsock_nr_conns(f->vs), 4);
	vf_send_op(f, &c[0], VIRTIO_VSOCK_OP_RST, NULL, 0, 0);
	vf_expect(f, &p, VIRTIO_VSOCK_OP_REQUEST, NULL);
	assert_int_equal(p.h.dst_port, 9);
	for (unsigned i = 0; i < 4; i++)
		close(fd[i]);
	close(h);
	close(lfd);
}

/*
 * One program that does not read does not hold up another connection:
 * the first's credit is spent and buffered, the second streams.
 */
static void test_slow_neighbour(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5007), slow, fast;
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct vf_conn cs, cf;
	size_t sent;

	assert_true(a && b);
	slow = vf_guest_connect(f, &cs, 3000, 5007, lfd);
	fast = vf_guest_connect(f, &cf, 3001, 5007, lfd);
	vf_fill(a, BIG, 7);
	sent = vf_fill_credit(f, &cs, a, BIG);
	vf_stream_to_host(f, &cf, fast, a, b, BIG);
	assert_int_equal(vf_fnv(a, BIG), vf_fnv(b, BIG));
	vf_read_all(f, slow, b, sent);
	assert_memory_equal(a, b, sent);
	close(slow);
	close(fast);
	close(lfd);
	free(a);
	free(b);
}

/*
 * A device reset with connections open in both directions closes every
 * host socket; the device works again after the driver's next probe.
 */
static void test_reset_closes(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5008), g, h;
	struct vf_conn c1, c2;
	char buf[4];

	g = vf_guest_connect(f, &c1, 4000, 5008, lfd);
	h = vf_host_connect(f, &c2, 4001);
	assert_int_equal(write(h, "pend", 4), 4);
	vf_run(f, 5);
	vdev_set_status(f->vdev, 0);
	assert_int_equal(vsock_nr_conns(f->vs), 0);
	vf_assert_eof(f, g, 5000);
	vf_assert_eof(f, h, 5000);
	close(g);
	close(h);
	vf_probe(f);
	for (unsigned i = 0; i < VF_NRX; i++)
		vf_post_rx(f, i);
	g = vf_guest_connect(f, &c1, 4000, 5008, lfd);
	vf_send_op(f, &c1, VIRTIO_VSOCK_OP_RW, "anew", 4, 0);
	vf_read_all(f, g, buf, 4);
	assert_memory_equal(buf, "anew", 4);
	close(g);
	close(lfd);
}

/*
 * Removal with connections open in both directions and bytes held: the
 * teardown's vsock_free() releases everything (ASan checks).
 */
static void test_free_open(void **state)
{
	struct fix *f = *state;
	int lfd = vf_listen(f, 5009), g, h;
	uint8_t *a = malloc(BIG);
	struct vf_conn c1, c2;

	assert_non_null(a);
	g = vf_guest_connect(f, &c1, 4100, 5009, lfd);
	h = vf_host_connect(f, &c2, 4101);
	vf_fill(a, BIG, 8);
	assert_true(vf_fill_credit(f, &c1, a, BIG) >= VSOCK_BUF_ALLOC);
	free(a);
	assert_int_equal(vsock_nr_conns(f->vs), 2);
	close(g);
	close(h);
	close(lfd);
}

/*
 * The config keys: guest-cid refuses the reserved CIDs with file, line,
 * key and value; vsock takes an absolute path short enough for
 * "<path>_<port>" in a sockaddr_un.
 */
static void test_config_keys(void **state)
{
	static const char *const bad[] = { "0",		 "1",  "2",
					   "4294967295", "-1", "4294967296" };
	char text[256], path[120];
	struct cfg_errors errs;
	struct cfg *cfg = NULL;

	(void)state;
	assert_int_equal(
		cfg_load_string("v.conf",
				"[device \"3/0\"]\nvsock = /run/v.sock\n"
				"guest-cid = 4294967294\n",
				&daemon_cfg_schema, &cfg, &errs),
		0);
	cfg_free(cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[device \"3/0\"]\nvsock = /run/v.sock\n"
			 "guest-cid = %s\n",
			 bad[i]);
		assert_int_equal(cfg_load_string("v.conf", text,
						 &daemon_cfg_schema, &cfg,
						 &errs),
				 -EINVAL);
		assert_int_equal(errs.count, 1);
		assert_non_null(strstr(errs.msg[0], "v.conf:3"));
		assert_non_null(strstr(errs.msg[0], "guest-cid"));
		assert_non_null(strstr(errs.msg[0], bad[i]));
	}
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "[device \"3/0\"]\nvsock = %s\n", path);
	assert_int_equal(cfg_load_string("v.conf", text, &daemon_cfg_schema,
					 &cfg, &errs),
			 -EINVAL);
	assert_non_null(strstr(errs.msg[0], "vsock"));
	assert_int_equal(vsock_check_cid(3), 0);
	assert_int_equal(vsock_check_cid(2), -EINVAL);
	assert_int_equal(vsock_check_cid(0xffffffffull), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, vf_setup, vf_teardown)
#define TC(fn, c)                                                           \
	cmocka_unit_test_prestate_setup_teardown(fn, vf_setup, vf_teardown, \
						 (void *)&(c))
		T(test_config),
		T(test_guest_connect),
		T(test_guest_connect_refused),
		T(test_host_connect),
		T(test_host_connect_refused),
		T(test_host_bad_line),
		T(test_credit_stall_to_guest),
		T(test_credit_stall_to_host),
		T(test_credit_request),
		T(test_shutdown),
		T(test_host_close),
		T(test_guest_rst),
		TC(test_conn_limit, cfg_limit),
		T(test_slow_neighbour),
		T(test_reset_closes),
		T(test_free_open),
		cmocka_unit_test(test_config_keys),
#undef T
#undef TC
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
