// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user socket layer over a socketpair: the test holds the
 * back-end's end, writes replies (well-formed, slow, or hostile) and reads
 * what the front-end sent, descriptors included.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vhost-user/vu-conn.h"

struct pair {
	int fe; /* ours: non-blocking, as vu_conn_connect makes it */
	int be;
};

static int setup(void **state)
{
	static struct pair p;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	p.fe = sv[0];
	p.be = sv[1];
	fcntl(p.fe, F_SETFL, O_NONBLOCK);
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	close(p->fe);
	if (p->be >= 0)
		close(p->be);
	return 0;
}

/* The lowest free descriptor: a leaked one would take it. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void be_write(struct pair *p, const void *buf, size_t len)
{
	assert_int_equal(write(p->be, buf, len), (ssize_t)len);
}

static void be_reply_u64(struct pair *p, uint32_t request, uint32_t flags,
			 uint32_t size, uint64_t v)
{
	struct vu_hdr h = { request, flags, size };

	be_write(p, &h, sizeof(h));
	be_write(p, &v, sizeof(v));
}

/* Reads one request on the back-end's side, with its descriptors. */
static ssize_t be_read(struct pair *p, void *buf, size_t len, int *fds,
		       unsigned *nfds)
{
	char ctl[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t r = recvmsg(p->be, &mh, MSG_DONTWAIT);

	*nfds = 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		*nfds = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), *nfds * sizeof(int));
	}
	return r;
}

static void test_call_with_reply(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;
	uint8_t buf[64];
	unsigned nfds;
	int fds[8];

	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	be_reply_u64(p, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8,
		     0x140000000ull);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), 0);
	assert_int_equal(r.p.u64, 0x140000000ull);
	assert_int_equal(be_read(p, buf, sizeof(buf), fds, &nfds), 12);
	assert_int_equal(nfds, 0);
	assert_memory_equal(buf, &m.hdr, 12);
}

static void test_sends_fds(void **state)
{
	struct pair *p = *state;
	struct vu_mem_region reg = { 0x1000, 0x1000, 0x7f0000000000, 0 };
	int efd = eventfd(0, EFD_CLOEXEC), fds[8];
	struct vu_msg m, r;
	uint8_t buf[128];
	unsigned nfds;

	assert_int_equal(vu_msg_vring_fd(&m, VU_SET_VRING_KICK, 3, true), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, &efd, 1, &r, 1000), 0);
	assert_int_equal(be_read(p, buf, sizeof(buf), fds, &nfds), 20);
	assert_int_equal(nfds, 1);
	assert_memory_equal(buf + 12, &m.p.u64, 8);
	close(fds[0]);
	assert_int_equal(vu_msg_mem_table(&m, &reg, 1), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, &efd, 1, &r, 1000), 0);
	assert_int_equal(be_read(p, buf, sizeof(buf), fds, &nfds), 12 + 40);
	assert_int_equal(nfds, 1);
	close(fds[0]);
	/* The table says how many descriptors go with a request. */
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), -EINVAL);
	close(efd);
}

static void *slow_backend(void *opaque)
{
	struct pair *p = opaque;
	struct vu_hdr h = { VU_GET_VRING_BASE, VU_VERSION | VU_FLAG_REPLY, 8 };
	uint32_t state[2] = { 1, 77 };
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	if (write(p->be, &h, 5) != 5)
		return NULL;
	nanosleep(&ts, NULL);
	if (write(p->be, (char *)&h + 5, 7) != 7)
		return NULL;
	nanosleep(&ts, NULL);
	if (write(p->be, state, sizeof(state)) != sizeof(state))
		return NULL;
	return NULL;
}

/* A reply that trickles in, byte ranges at a time. */
static void test_reply_in_pieces(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;
	pthread_t t;

	assert_int_equal(vu_msg_state(&m, VU_GET_VRING_BASE, 1, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, slow_backend, p), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 2000), 0);
	pthread_join(t, NULL);
	assert_int_equal(r.p.state.num, 77);
}

static void test_connect(void **state)
{
	char path[200];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, l;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	assert_int_equal(vu_conn_connect(path, &fd), -ENAMETOOLONG);
	assert_int_equal(fd, -1);
	assert_int_equal(vu_conn_connect("/nonexistent/x.sock", &fd), -ENOENT);
	snprintf(path, sizeof(path), "/tmp/xvdm-vu-conn-%d.sock", getpid());
	unlink(path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(vu_conn_connect(path, &fd), -ECONNREFUSED);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(vu_conn_connect(path, &fd), 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(l);
	unlink(path);
}

/* A reply carrying descriptors: refused, and they are closed. */
static void test_hostile_reply_with_fds(void **state)
{
	struct pair *p = *state;
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	uint8_t buf[20];
	int efd = eventfd(0, EFD_CLOEXEC), before;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct vu_msg m, r;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &efd, sizeof(int));
	assert_int_equal(sendmsg(p->be, &mh, 0), 20);
	close(efd);
	before = lowest_free_fd();
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), -EPROTO);
	assert_int_equal(lowest_free_fd(), before);
}

/* The back-end's side: len bytes with nfds descriptors in one sendmsg. */
static void be_send(struct pair *p, const void *buf, size_t len, const int *fds,
		    unsigned nfds)
{
	char ctl[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(ctl));
	if (nfds) {
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(p->be, &mh, 0), (ssize_t)len);
}

/* A GET_INFLIGHT_FD reply: header and payload, as one buffer. */
static void inflight_reply(uint8_t *buf, uint16_t nq)
{
	struct vu_hdr h = { VU_GET_INFLIGHT_FD, VU_VERSION | VU_FLAG_REPLY,
			    24 };
	struct vu_inflight in = { 4096, 0, nq, 128 };

	memcpy(buf, &h, 12);
	memcpy(buf + 12, &in, 24);
}

static void send_get_inflight(struct pair *p, struct vu_msg *m)
{
	struct vu_inflight in = { 0, 0, 1, 128 };

	assert_int_equal(vu_msg_inflight(m, VU_GET_INFLIGHT_FD, &in), 0);
	assert_int_equal(vu_conn_send(p->fe, m, NULL, 0), 0);
}

/* The one reply that brings a descriptor: taken, then the caller's. */
static void test_recv_inflight_fd(void **state)
{
	struct pair *p = *state;
	int mfd = memfd_create("area", MFD_CLOEXEC), before;
	uint8_t buf[36];
	struct vu_rx rx;
	struct vu_msg m;

	send_get_inflight(p, &m);
	inflight_reply(buf, 1);
	vu_rx_init(&rx);
	/* Non-blocking: nothing yet, then the header, then the rest. */
	assert_int_equal(vu_conn_recv(p->fe, &m, &rx), -EAGAIN);
	be_send(p, buf, 12, &mfd, 1);
	close(mfd);
	assert_int_equal(vu_conn_recv(p->fe, &m, &rx), -EAGAIN);
	assert_true(rx.fd >= 0);
	be_send(p, buf + 12, 24, NULL, 0);
	assert_int_equal(vu_conn_recv(p->fe, &m, &rx), 0);
	assert_int_equal(rx.msg.p.inflight.mmap_size, 4096);
	before = rx.fd;
	vu_rx_reset(&rx); /* not taken: closed */
	assert_int_equal(lowest_free_fd(), before);
}

static void hostile_inflight(struct pair *p, const int *fds1, unsigned n1,
			     const int *fds2, unsigned n2, uint16_t nq)
{
	uint8_t buf[36];
	struct vu_rx rx;
	struct vu_msg m;
	int before, rc;

	send_get_inflight(p, &m);
	inflight_reply(buf, nq);
	be_send(p, buf, 12, fds1, n1);
	be_send(p, buf + 12, 24, fds2, n2);
	before = lowest_free_fd();
	vu_rx_init(&rx);
	rc = vu_conn_recv(p->fe, &m, &rx);
	vu_rx_reset(&rx);
	assert_int_equal(rc, -EPROTO);
	/* Whatever came, nothing is left open. */
	assert_int_equal(lowest_free_fd(), before);
}

static void test_hostile_inflight_without_fd(void **state)
{
	hostile_inflight(*state, NULL, 0, NULL, 0, 1);
}

static void test_hostile_inflight_two_fds(void **state)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	int fds[2] = { a, b };

	hostile_inflight(*state, fds, 2, NULL, 0, 1);
	close(a);
	close(b);
}

static void test_hostile_inflight_fd_in_each_piece(void **state)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);

	hostile_inflight(*state, &a, 1, &b, 1, 1);
	close(a);
	close(b);
}

/* A descriptor with an area for other queues: both refused, fd closed. */
static void test_hostile_inflight_other_queues(void **state)
{
	int a = eventfd(0, EFD_CLOEXEC);

	hostile_inflight(*state, &a, 1, NULL, 0, 2);
	close(a);
}

static void test_hostile_no_reply(void **state)
{
	struct pair *p = *state;
	struct timespec a, b;
	struct vu_msg m, r;
	long ms;

	assert_int_equal(vu_msg_none(&m, VU_GET_PROTOCOL_FEATURES), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 100), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 90 && ms < 1000);
}

static void test_hostile_eof_in_header(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;

	be_write(p, "\x01\x00\x00\x00\x05", 5);
	shutdown(p->be, SHUT_WR); /* the request still goes through */
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000),
			 -ECONNRESET);
}

static void test_hostile_eof_in_payload(void **state)
{
	struct pair *p = *state;
	struct vu_hdr h = { VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8 };
	struct vu_msg m, r;

	be_write(p, &h, sizeof(h));
	be_write(p, "abc", 3);
	shutdown(p->be, SHUT_WR); /* the request still goes through */
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000),
			 -ECONNRESET);
}

/* A size out of bounds: refused from the header, the payload never read. */
static void test_hostile_huge_size(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;
	uint8_t junk[64];
	char c;

	memset(junk, 0x5a, sizeof(junk));
	be_reply_u64(p, VU_GET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 65536, 1);
	be_write(p, junk, sizeof(junk));
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), -EPROTO);
	/* The 8 + 64 bytes after the header are still in the socket. */
	assert_int_equal(recv(p->fe, &c, 1, MSG_PEEK | MSG_DONTWAIT), 1);
	assert_int_equal(r.hdr.size, 65536);
	assert_int_equal(r.p.u64, 0);
}

static void test_hostile_reply_to_other_request(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;

	be_reply_u64(p, VU_GET_QUEUE_NUM, VU_VERSION | VU_FLAG_REPLY, 8, 64);
	assert_int_equal(vu_msg_none(&m, VU_GET_FEATURES), 0);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), -EPROTO);
}

static void test_hostile_refused_ack(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;

	be_reply_u64(p, VU_SET_FEATURES, VU_VERSION | VU_FLAG_REPLY, 8, 22);
	assert_int_equal(vu_msg_u64(&m, VU_SET_FEATURES, 1), 0);
	vu_msg_need_reply(&m);
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000),
			 -EREMOTEIO);
}

static void test_hostile_backend_gone(void **state)
{
	struct pair *p = *state;
	struct vu_msg m, r;

	close(p->be);
	p->be = -1;
	assert_int_equal(vu_msg_u64(&m, VU_SET_FEATURES, 1), 0);
	/* MSG_NOSIGNAL: an error, not SIGPIPE. */
	assert_int_equal(vu_conn_call(p->fe, &m, NULL, 0, &r, 1000), -EPIPE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_recv_inflight_fd),
		T(test_hostile_inflight_without_fd),
		T(test_hostile_inflight_two_fds),
		T(test_hostile_inflight_fd_in_each_piece),
		T(test_hostile_inflight_other_queues),
		T(test_call_with_reply),
		T(test_sends_fds),
		T(test_reply_in_pieces),
		cmocka_unit_test(test_connect),
		T(test_hostile_reply_with_fds),
		T(test_hostile_no_reply),
		T(test_hostile_eof_in_header),
		T(test_hostile_eof_in_payload),
		T(test_hostile_huge_size),
		T(test_hostile_reply_to_other_request),
		T(test_hostile_refused_ack),
		T(test_hostile_backend_gone),
	};

	/*
	 * The scripted back-end may write to a connection the frontend
	 * just closed (as the daemon does, a closed peer is an error, not a
	 * signal).
	 */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
