// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vhost-user back-end that stops answering holds up its own device only.
 *
 * Two devices share one event loop, as all devices of a daemon thread do:
 * "A", a virtio-blk disk served by a real qemu-storage-daemon through the
 * front-end and driven by the guest's Linux-like driver, and "B", a
 * vhost-user-blk device whose back-end is a script (a thread behind a unix
 * socket) that answers the handshake, then at one request of the control
 * path never answers, sends half a reply and stalls, or sends the reply one
 * byte at a time. While B waits for its reply, A's requests must complete:
 * the test counts them (no timing), then checks how B ends: NEEDS_RESET with
 * a log line naming the request when the deadline passes, or live once the
 * dribbled reply is complete.
 *
 * Skipped when qemu-storage-daemon is not installed.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "vdev.h"
#include "vhost-user/vu-dev.h"
#include "vu-harness.h"

#define DISK_SIZE (4u << 20)
#define A_REQUESTS 200u /* A's reads while B waits */
/*
 * B's deadline while A is counted: far beyond what A's reads take, so the
 * counts do not depend on timing; the deadline itself has its own test.
 */
#define LONG_MS 60000
#define SHORT_MS 300

enum mode {
	M_NEVER,   /* the reply never comes */
	M_HALF,	   /* half the reply header, then nothing */
	M_DRIBBLE, /* the whole reply, one byte every few ms */
};

/* The scripted back-end of device B. */
struct script {
	char path[108];
	int lfd;
	pthread_t thread;
	enum mode mode;
	uint32_t trigger; /* the request it misbehaves at */
	int trigger_conn; /* on that connection (1, 2, ...); 0: any */
	int conns;	  /* connections accepted (atomic) */
	int conn;	  /* the one served, or -1 (atomic) */
	bool stop;	  /* (atomic) */
	bool stalled;	  /* reached the trigger (atomic) */
};

struct fx {
	char dir[64];
	struct qsd qsd;
	struct evloop *loop;
	struct vuh *h; /* device A */
	struct script s;
	struct logger logger; /* device B's, into a memfd */
	int logfd;
	struct vu_dev *b;
};

static bool read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Writes the reply as the mode says. */
static void reply(struct script *s, int fd, const struct vu_hdr *req,
		  const void *p, uint32_t size)
{
	struct {
		struct vu_hdr h;
		uint8_t p[VU_HDR_SIZE + VU_CONFIG_MAX];
	} m = { { req->request, VU_VERSION | VU_FLAG_REPLY, size }, { 0 } };
	size_t len = VU_HDR_SIZE + size;
	bool trig = req->request == s->trigger &&
		    (!s->trigger_conn ||
		     __atomic_load_n(&s->conns, 0) == s->trigger_conn);

	memcpy(m.p, p, size);
	if (trig)
		__atomic_store_n(&s->stalled, true, __ATOMIC_SEQ_CST);
	if (!trig || s->mode == M_DRIBBLE) {
		for (size_t i = 0; i < len; i++) {
			if (write(fd, (uint8_t *)&m + i, 1) != 1)
				return;
			if (trig)
				usleep(10000);
		}
		return;
	}
	if (s->mode == M_HALF && write(fd, &m, VU_HDR_SIZE / 2) < 0)
		return;
	/* Stalled: whatever follows goes unanswered too. */
	s->trigger = UINT32_MAX - 1;
}

static void answer(struct script *s, int fd, struct vu_msg *m)
{
	struct virtio_blk_config c = { .capacity = htole64(2048) };
	uint64_t v = 0;

	if (s->trigger == UINT32_MAX - 1)
		return;
	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		v = (1ull << VIRTIO_F_VERSION_1) |
		    (1ull << VU_F_PROTOCOL_FEATURES);
		reply(s, fd, &m->hdr, &v, 8);
		break;
	case VU_GET_PROTOCOL_FEATURES:
		v = (1ull << VU_PROTOCOL_F_CONFIG) |
		    (1ull << VU_PROTOCOL_F_REPLY_ACK);
		reply(s, fd, &m->hdr, &v, 8);
		break;
	case VU_GET_CONFIG:
		memcpy(m->p.config.data, &c, m->p.config.size);
		reply(s, fd, &m->hdr, &m->p, m->hdr.size);
		break;
	case VU_GET_VRING_BASE:
		m->p.state.num = 0;
		reply(s, fd, &m->hdr, &m->p, 8);
		break;
	default:
		if (m->hdr.flags & VU_FLAG_NEED_REPLY)
			reply(s, fd, &m->hdr, &v, 8);
	}
}

static void serve(struct script *s, int fd)
{
	char ctl[CMSG_SPACE(8 * sizeof(int))];
	struct vu_msg m;

	for (;;) {
		struct iovec iov = { &m.hdr, sizeof(m.hdr) };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		if (recvmsg(fd, &mh, MSG_WAITALL) != sizeof(m.hdr) ||
		    m.hdr.size > sizeof(m.p) ||
		    !read_full(fd, &m.p, m.hdr.size))
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			int *fds = (int *)(void *)CMSG_DATA(c);
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < n; i++)
				close(fds[i]);
		}
		answer(s, fd, &m);
	}
}

static void *script_main(void *opaque)
{
	struct script *s = opaque;
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	int fd;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 20) != 1)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		__atomic_add_fetch(&s->conns, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&s->conn, fd, __ATOMIC_SEQ_CST);
		serve(s, fd);
		__atomic_store_n(&s->conn, -1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return NULL;
}

static void script_start(struct script *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	unlink(s->path);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	s->conn = -1;
	assert_int_equal(pthread_create(&s->thread, NULL, script_main, s), 0);
}

static void script_stop(struct script *s)
{
	int fd;

	if (s->lfd < 0)
		return;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	fd = __atomic_load_n(&s->conn, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	s->lfd = -1;
	unlink(s->path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *zero = calloc(1, DISK_SIZE);
	FILE *img;

	if (!f || !zero)
		return -1;
	*state = f;
	f->s.lfd = -1;
	f->logfd = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/xvdm-vu-stall-XXXXXX");
	if (!mkdtemp(f->dir) || evloop_new(&f->loop))
		return -1;
	snprintf(f->qsd.image, sizeof(f->qsd.image), "%s/disk.raw", f->dir);
	snprintf(f->qsd.sock, sizeof(f->qsd.sock), "%s/a.sock", f->dir);
	snprintf(f->s.path, sizeof(f->s.path), "%s/b.sock", f->dir);
	img = fopen(f->qsd.image, "we");
	if (!img || fwrite(zero, 1, DISK_SIZE, img) != DISK_SIZE)
		return -1;
	fclose(img);
	free(zero);
	f->logfd = memfd_create("vu-stall-log", MFD_CLOEXEC);
	log_init(&f->logger, f->logfd, LOG_INFO);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_dev_free(f->b);
	script_stop(&f->s);
	vuh_free(f->h);
	qsd_stop(&f->qsd, SIGTERM);
	evloop_free(f->loop);
	unlink(f->qsd.sock);
	unlink(f->qsd.image);
	rmdir(f->dir);
	if (f->logfd >= 0)
		close(f->logfd);
	free(f);
	return 0;
}

/* A on qemu-storage-daemon, B on the script, both on f->loop. */
static void start(struct fx *f, enum mode mode, uint32_t trigger,
		  int timeout_ms)
{
	struct vuh_params hp = { .socket = f->qsd.sock,
				 .timeout_ms = 5000,
				 .loop = f->loop,
				 .log_level = LOG_ERR };
	struct vu_params bp = { .path = f->s.path,
				.device_id = VIRTIO_ID_BLOCK,
				.timeout_ms = timeout_ms,
				.reconnect_min_ms = 50,
				.reconnect_max_ms = 200 };
	struct vdev_params vp;
	char err[256] = "";

	if (!qsd_available())
		skip();
	assert_int_equal(qsd_start(&f->qsd), 0);
	if (vuh_new(&hp, &f->h, err, sizeof(err)))
		fail_msg("vuh_new: %s", err);
	assert_int_equal(vuh_probe(f->h, 3000), 0);
	f->s.mode = mode;
	f->s.trigger = trigger;
	script_start(&f->s);
	vp = (struct vdev_params){ .mem = &f->h->flat.mem,
				   .logger = &f->logger,
				   .domid = 2,
				   .name = "b" };
	if (vu_dev_new(&bp, &vp, f->loop, &f->b, err, sizeof(err)))
		fail_msg("vu_dev_new: %s", err);
}

/* B's queue 0 set up in guest RAM, as a driver would, and made ready. */
static void ready_queue(struct fx *f)
{
	struct vdev *v = vu_dev_vdev(f->b);
	uint64_t gpa;

	assert_int_equal(gpa_pool_alloc(&f->h->pool, 3 * 4096, 4096, &gpa), 0);
	vdev_queue_write(v, 0, VDEV_QUEUE_NUM, 16);
	vdev_queue_write(v, 0, VDEV_QUEUE_DESC_LOW, (uint32_t)gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_DESC_HIGH, (uint32_t)(gpa >> 32));
	gpa += 4096;
	vdev_queue_write(v, 0, VDEV_QUEUE_DRIVER_LOW, (uint32_t)gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_DRIVER_HIGH, (uint32_t)(gpa >> 32));
	gpa += 4096;
	vdev_queue_write(v, 0, VDEV_QUEUE_DEVICE_LOW, (uint32_t)gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_DEVICE_HIGH, (uint32_t)(gpa >> 32));
	vdev_queue_write(v, 0, VDEV_QUEUE_READY, 1);
}

/* The driver's side of §3.1.1 on B, up to DRIVER_OK. */
static void drive_b(struct fx *f)
{
	struct vdev *v = vu_dev_vdev(f->b);
	uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdev_set_status(v, st);
	vdev_set_guest_features(v, 1, 1); /* VIRTIO_F_VERSION_1 */
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	vdev_set_status(v, st);
	ready_queue(f);
	vdev_set_status(v, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

static bool b_waiting(struct fx *f)
{
	return vu_job_busy(f->b);
}

static bool b_idle(struct fx *f)
{
	return !vu_job_busy(f->b);
}

/* A's reads, counted, each one a full round trip through its back-end. */
static unsigned a_reads(struct fx *f, unsigned n, bool (*until)(struct fx *))
{
	uint8_t buf[4096];
	unsigned done = 0;

	while (done < n && !(until && until(f))) {
		assert_int_equal(blkdrv_read(&f->h->drv, 0, (done % 64) * 8,
					     buf, sizeof(buf), 1),
				 0);
		done++;
	}
	return done;
}

static bool log_has(struct fx *f, const char *what)
{
	char buf[8192];
	ssize_t n = pread(f->logfd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

static bool b_needs_reset(struct fx *f)
{
	return vdev_get_status(vu_dev_vdev(f->b)) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

static void run_until(struct fx *f, bool (*cond)(struct fx *), int ms)
{
	for (int i = 0; i < ms / 10 && !cond(f); i++)
		assert_true(evloop_run_once(f->loop, 10) >= 0);
	assert_true(cond(f));
}

static bool stalled(struct fx *f)
{
	return __atomic_load_n(&f->s.stalled, __ATOMIC_SEQ_CST);
}

/* B's DRIVER_OK waits for an ack that never comes; A goes on. */
static void test_hostile_never_answers_driver_ok(void **state)
{
	struct fx *f = *state;

	start(f, M_NEVER, VU_SET_FEATURES, LONG_MS);
	drive_b(f); /* returns at once: the start is a job */
	run_until(f, stalled, 2000);
	assert_int_equal(a_reads(f, A_REQUESTS, NULL), A_REQUESTS);
	/* All of A's requests done, B still waiting, not failed yet. */
	assert_true(b_waiting(f));
	assert_false(b_needs_reset(f));
	assert_false(f->b->q[0].started);
}

/* Past the deadline: NEEDS_RESET, a line saying why, A unaffected. */
static void test_hostile_deadline_fails_device(void **state)
{
	struct fx *f = *state;

	start(f, M_NEVER, VU_SET_FEATURES, SHORT_MS);
	drive_b(f);
	run_until(f, b_needs_reset, 3000);
	assert_true(log_has(f, "SET_FEATURES: no reply within 300 ms"));
	assert_false(f->b->q[0].started);
	assert_int_equal(a_reads(f, 10, NULL), 10);
}

/* Half a GET_VRING_BASE reply at reset, then silence; A goes on. */
static void test_hostile_half_reply_at_reset(void **state)
{
	struct fx *f = *state;
	struct vdev *v;

	start(f, M_HALF, VU_GET_VRING_BASE, LONG_MS);
	drive_b(f);
	v = vu_dev_vdev(f->b);
	for (int i = 0; i < 200 && !f->b->q[0].started; i++)
		assert_true(evloop_run_once(f->loop, 10) >= 0);
	assert_true(f->b->q[0].started);
	vdev_set_status(v, 0); /* reset: GET_VRING_BASE, as a job */
	/* The driver starts over at once, as Linux does after a reset. */
	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	run_until(f, stalled, 2000);
	assert_int_equal(a_reads(f, A_REQUESTS, NULL), A_REQUESTS);
	assert_true(b_waiting(f));
	/* Half a header in, the rest awaited without blocking anyone. */
	assert_true(f->b->rx.got > 0 && f->b->rx.got < VU_HDR_SIZE);
	assert_false(b_needs_reset(f));
}

/* A reply one byte at a time: A is served between the bytes; B starts. */
static void test_dribbled_reply(void **state)
{
	struct fx *f = *state;
	unsigned n;

	start(f, M_DRIBBLE, VU_SET_FEATURES, LONG_MS);
	drive_b(f);
	run_until(f, stalled, 2000);
	/* 20 bytes, 10 ms apart: A reads on until B's start is through. */
	n = a_reads(f, 1000000, b_idle);
	assert_true(n >= 10);
	assert_true(f->b->q[0].started);
	assert_false(b_needs_reset(f));
	assert_true(vdev_is_live(vu_dev_vdev(f->b)));
}

static bool b_connected(struct fx *f)
{
	return vu_dev_connected(f->b);
}

/*
 * A reconnection's GET_CONFIG never answered: meanwhile the guest reads
 * the configuration it had (the cache), and A goes on.
 */
static void test_hostile_reconnect_stalls_at_get_config(void **state)
{
	struct fx *f = *state;
	struct vdev *v;
	uint64_t cap = 0;
	int fd;

	f->s.trigger_conn = 2;
	start(f, M_NEVER, VU_GET_CONFIG, LONG_MS);
	v = vu_dev_vdev(f->b);
	/* The back-end's connection breaks; the front-end reconnects. */
	fd = __atomic_load_n(&f->s.conn, __ATOMIC_SEQ_CST);
	assert_true(fd >= 0);
	shutdown(fd, SHUT_RDWR);
	run_until(f, stalled, 3000);
	assert_false(b_connected(f));
	assert_int_equal(a_reads(f, A_REQUESTS, NULL), A_REQUESTS);
	assert_true(b_waiting(f));
	assert_int_equal(vdev_config_read(v, 0, 8, &cap), 0);
	assert_int_equal(cap, 2048);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hostile_never_answers_driver_ok),
		T(test_hostile_deadline_fails_device),
		T(test_hostile_half_reply_at_reset),
		T(test_dribbled_reply),
		T(test_hostile_reconnect_stalls_at_get_config),
	};
#undef T

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
