// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-vsock under the simulated Xen, the
 * device declared the 4.18+ way (virtio = [ "type=virtio,device13" ]) and
 * the guest played by tests/guest's Linux-like vsock transport: the guest
 * connects to a host listener at <path>_<port> and 4 MiB go each way,
 * checked (FNV-1a 64 and byte for byte), with the throughput printed; a
 * host program connects with "CONNECT <port>" to a guest listener; a
 * hostile guest gets a RST for a bad packet and DEVICE_NEEDS_RESET for a
 * bad ring while the daemon goes on; and bad config values are refused
 * naming the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/vm_sockets.h>

#include "daemon-devices.h"
#include "daemon-fixture.h"
#include "virtio-vsock-driver.h"

#define BIG (4u << 20)
#define CID 5

static int setup(void **state)
{
	*state = df_new();
	return 0;
}

static int teardown(void **state)
{
	df_free(*state);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A host program's side of a transfer, in its own thread. */
struct job {
	int fd;
	uint8_t *buf;
	size_t len;
	int err; /* errno, 0: done */
};

static void *reader(void *opaque)
{
	struct job *j = opaque;
	size_t got = 0;
	ssize_t n;

	while (got < j->len) {
		n = read(j->fd, j->buf + got, j->len - got);
		if (n <= 0) {
			j->err = n ? errno : EPIPE;
			return NULL;
		}
		got += (size_t)n;
	}
	return NULL;
}

static void *writer(void *opaque)
{
	struct job *j = opaque;
	size_t put = 0;
	ssize_t n;

	while (put < j->len) {
		n = write(j->fd, j->buf + put, j->len - put);
		if (n <= 0) {
			j->err = n ? errno : EPIPE;
			return NULL;
		}
		put += (size_t)n;
	}
	return NULL;
}

/* The daemon with one vsock device for guest domid; probed. */
static void boot(struct dfix *f, struct dguest *g, uint32_t domid,
		 struct vsdrv *d, char *sock, size_t len)
{
	struct vsdrv_params p;
	char extra[256], cfg[320];

	df_virtio_guest_init(f, g, domid, 0, VIRTIO_ID_VSOCK);
	snprintf(sock, len, "%s/vsock.sock", f->dir);
	snprintf(extra, sizeof(extra), "vsock = %s\nguest-cid = %d\n", sock,
		 CID);
	df_virtio_section(g, cfg, sizeof(cfg), extra);
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(g, 1);
	p = (struct vsdrv_params){ .bus = &g->bus,
				   .base = g->dev.base,
				   .pool = &g->pool,
				   .timeout_ms = DF_WAIT_MS };
	assert_int_equal(vsdrv_probe(d, &p), 0);
	assert_int_equal(d->guest_cid, CID);
	/* Not offered, so not negotiated: streams only. */
	assert_false(vmdrv_has_feature(&d->vm, VIRTIO_VSOCK_F_SEQPACKET));
}

static void finish(struct dfix *f, struct dguest *g, struct vsdrv *d)
{
	if (d->errors)
		fail_msg("guest driver: %u errors, last: %s", d->errors,
			 d->error);
	assert_int_equal(d->vm.errors, 0);
	vsdrv_remove(d);
	assert_int_equal(df_stop(f), 0);
	df_wait_state(g, "6");
	df_guest_fini(g);
	df_assert_clean(f);
}

static int listen_at(const char *sock, uint32_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", sock, port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static int accept_within(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, DF_WAIT_MS), 1);
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* The guest sends len bytes while a host thread reads them: seconds. */
static double to_host(struct vsdrv *d, int s, int fd, const uint8_t *a,
		      uint8_t *b, size_t len)
{
	struct job j = { .fd = fd, .buf = b, .len = len };
	pthread_t t;
	double t0 = now_s();

	assert_int_equal(pthread_create(&t, NULL, reader, &j), 0);
	assert_int_equal(vsdrv_send(d, s, a, len), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(j.err, 0);
	t0 = now_s() - t0;
	assert_int_equal(fnv(b, len), fnv(a, len));
	assert_memory_equal(a, b, len);
	return t0;
}

/* A host thread writes len bytes while the guest reads them: seconds. */
static double to_guest(struct vsdrv *d, int s, int fd, uint8_t *a, uint8_t *b,
		       size_t len)
{
	struct job j = { .fd = fd, .buf = a, .len = len };
	size_t got = 0;
	pthread_t t;
	double t0 = now_s();
	ssize_t n;

	assert_int_equal(pthread_create(&t, NULL, writer, &j), 0);
	while (got < len) {
		n = vsdrv_recv(d, s, b + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(j.err, 0);
	t0 = now_s() - t0;
	assert_int_equal(fnv(b, len), fnv(a, len));
	assert_memory_equal(a, b, len);
	return t0;
}

/*
 * The guest connects to CID 2 port 5000 (a listener at <path>_5000):
 * 4 MiB each way, checked, without heap allocations per packet.
 */
static void test_vsock_guest_connects(void **state)
{
	struct dfix *f = *state;
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	double up, down;
	uint64_t seed = 21, allocs;
	char sock[128];
	struct dguest g;
	struct vsdrv d;
	int lfd, fd, s;

	assert_true(a && b);
	boot(f, &g, 1, &d, sock, sizeof(sock));
	lfd = listen_at(sock, 5000);
	s = vsdrv_connect(&d, 5000);
	assert_true(s >= 0);
	fd = accept_within(lfd);
	assert_true(fd >= 0);
	df_fill(&seed, a, BIG);
	up = to_host(&d, s, fd, a, b, BIG);
	df_fill(&seed, a, BIG);
	allocs = df_allocs(f);
	down = to_guest(&d, s, fd, a, b, BIG);
	allocs = df_allocs(f) - allocs;
	fprintf(stderr,
		"vsock throughput: guest->host %.1f MB/s, host->guest %.1f "
		"MB/s (4 MiB each, simulated Xen); %llu rx / %llu tx packets, "
		"%llu credit waits; %llu daemon heap allocations host->guest\n",
		BIG / up / 1e6, BIG / down / 1e6,
		(unsigned long long)d.stats.rx_pkts,
		(unsigned long long)d.stats.tx_pkts,
		(unsigned long long)d.stats.credit_waits,
		(unsigned long long)allocs);
	/* Over a thousand packets: nothing allocated per packet. */
	assert_true(allocs < 16);
	/* close(): SHUTDOWN both ways, the daemon's RST, the host's EOF. */
	assert_int_equal(vsdrv_close(&d, s), 0);
	assert_int_equal(read(fd, a, 1), 0);
	close(fd);
	close(lfd);
	free(a);
	free(b);
	finish(f, &g, &d);
}

/* A host program connects with "CONNECT 1234" to a guest listener. */
static void test_vsock_host_connects(void **state)
{
	struct dfix *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t *a = malloc(BIG / 4), *b = malloc(BIG / 4);
	char sock[128], line[32], want[32];
	uint64_t seed = 22;
	struct dguest g;
	struct vsdrv d;
	int c, s, n;

	assert_true(a && b);
	boot(f, &g, 2, &d, sock, sizeof(sock));
	assert_int_equal(vsdrv_listen(&d, 1234), 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(c, "CONNECT 1234\n", 13), 13);
	s = vsdrv_accept(&d, 1234);
	assert_true(s >= 0);
	n = snprintf(want, sizeof(want), "OK %u\n", d.socks[s].peer_port);
	assert_int_equal(read(c, line, (size_t)n), n);
	assert_memory_equal(line, want, (size_t)n);
	df_fill(&seed, a, BIG / 4);
	(void)to_guest(&d, s, c, a, b, BIG / 4);
	df_fill(&seed, a, BIG / 4);
	(void)to_host(&d, s, c, a, b, BIG / 4);
	/* The program leaves: the guest reads end of file, then closes. */
	close(c);
	assert_int_equal(vsdrv_recv(&d, s, b, 1), 0);
	assert_int_equal(vsdrv_close(&d, s), 0);
	free(a);
	free(b);
	finish(f, &g, &d);
}

/*
 * A hostile guest: a packet whose len is not its payload gets a RST (the
 * host program reads end of file) and the device goes on; a writable
 * buffer in the tx queue fails the device (NEEDS_RESET), not the daemon.
 */
static void test_vsock_hostile(void **state)
{
	struct dfix *f = *state;
	struct virtio_vsock_hdr h;
	struct vrdrv_sg sg[2];
	uint64_t rsts, gpa;
	char sock[128], buf[8];
	struct dguest g;
	struct vsdrv d;
	int lfd, fd, s;

	boot(f, &g, 3, &d, sock, sizeof(sock));
	lfd = listen_at(sock, 5001);
	s = vsdrv_connect(&d, 5001);
	assert_true(s >= 0);
	fd = accept_within(lfd);
	h = (struct virtio_vsock_hdr){
		.src_cid = htole64(CID),
		.dst_cid = htole64(VMADDR_CID_HOST),
		.src_port = htole32(d.socks[s].local_port),
		.dst_port = htole32(5001),
		.len = htole32(100),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(VIRTIO_VSOCK_OP_RW),
	};
	rsts = d.stats.rsts_received;
	assert_int_equal(vsdrv_send_raw(&d, &h, "short", 5), 0);
	while (d.socks[s].state == VSDRV_CONNECTED)
		assert_int_equal(vsdrv_poll(&d, DF_WAIT_MS), 0);
	assert_int_equal(d.stats.rsts_received, rsts + 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	assert_int_equal(vsdrv_close(&d, s), 0);
	/* The device still serves the guest. */
	s = vsdrv_connect(&d, 5001);
	assert_true(s >= 0);
	fd = accept_within(lfd);
	assert_int_equal(vsdrv_send(&d, s, "again", 5), 0);
	assert_int_equal(read(fd, buf, 5), 5);
	assert_memory_equal(buf, "again", 5);
	/* §5.10.6.4: a device-writable buffer in the tx queue. */
	assert_int_equal(gpa_pool_alloc(&g.pool, 128, 64, &gpa), 0);
	sg[0] = (struct vrdrv_sg){ gpa, 44 };
	sg[1] = (struct vrdrv_sg){ gpa + 64, 64 };
	assert_int_equal(vrdrv_add(d.tx_vq, sg, 1, 1, &d), 0);
	vrdrv_kick(d.tx_vq);
	assert_true(
		df_wait_status(&g, VIRTIO_CONFIG_S_NEEDS_RESET, DF_WAIT_MS) &
		VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(df_alive(f));
	close(fd);
	close(lfd);
	finish(f, &g, &d);
}

/* guest-cid = 2 (the host's): the daemon refuses the config, naming it. */
static void test_vsock_bad_cid(void **state)
{
	struct dfix *f = *state;
	char *err;

	df_config(f, "[device \"1/0\"]\nvsock = /tmp/x.sock\nguest-cid = 2\n");
	df_spawn(f, NULL, true);
	assert_int_equal(df_wait_exit(f, DF_WAIT_MS), 2);
	err = df_stderr(f);
	fprintf(stderr, "%s", err);
	assert_non_null(strstr(err, ":3:"));
	assert_non_null(strstr(err, "guest-cid"));
	assert_non_null(strstr(err, "'2'"));
	free(err);
}

/* No vsock key: the attach fails with a message naming it. */
static void test_vsock_no_path(void **state)
{
	struct dfix *f = *state;
	struct dguest g;
	char cfg[256];

	df_virtio_guest_init(f, &g, 4, 0, VIRTIO_ID_VSOCK);
	df_virtio_section(&g, cfg, sizeof(cfg), "guest-cid = 9\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_domain_create(f, 4, 1);
	assert_int_equal(xensim_libxl_add(f->h, &g.dev), 0);
	df_assert_attach_failed(&g, "vsock = <socket path>");
	assert_true(df_alive(f));
	assert_int_equal(df_stop(f), 0);
	df_guest_fini(&g);
	df_assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_vsock_guest_connects), T(test_vsock_host_connects),
		T(test_vsock_hostile),	      T(test_vsock_bad_cid),
		T(test_vsock_no_path),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
