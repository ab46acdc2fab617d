// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end's handshake and reconnection against a scripted
 * back-end (a thread behind a unix socket) that can leave things out, refuse,
 * hang, talk out of turn, or come back offering less than before.
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
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "gmem.h"
#include "vhost-user/vu-dev.h"

#define FULL_FEATURES                                                      \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VU_F_PROTOCOL_FEATURES) | \
	 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_SEG_MAX) |   \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC))
#define FULL_PROTOCOL                                                  \
	((1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_CONFIG) | \
	 (1ull << VU_PROTOCOL_F_REPLY_ACK) | (1ull << 1) /* LOG_SHMFD */)

/* The scripted back-end. */
struct fake {
	char path[108];
	int lfd;
	pthread_t thread;
	uint64_t features, protocol, queues;
	bool config_fails, hang, unsolicited;
	int conns; /* accepted so far (atomic) */
	int conn;  /* the one being served, or -1 (atomic) */
	bool stop; /* (atomic) */
};

struct fx {
	struct fake fake;
	struct logger logger;
	struct gmem_flat flat;
	struct evloop *loop;
	struct vu_params p;
	struct vu_dev *d;
	char err[256];
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

static void reply(int fd, const struct vu_hdr *req, const void *p,
		  uint32_t size)
{
	struct vu_hdr h = { req->request, VU_VERSION | VU_FLAG_REPLY, size };

	if (write(fd, &h, sizeof(h)) != sizeof(h) ||
	    (size && write(fd, p, size) != (ssize_t)size))
		return;
}

static void answer(struct fake *k, int fd, const struct vu_hdr *h,
		   struct vu_msg *m)
{
	struct virtio_blk_config c = { .capacity = htole64(2048),
				       .seg_max = htole32(1000) };
	uint64_t v = 0;

	switch (h->request) {
	case VU_GET_FEATURES:
		reply(fd, h, &k->features, 8);
		break;
	case VU_GET_PROTOCOL_FEATURES:
		reply(fd, h, &k->protocol, 8);
		break;
	case VU_GET_QUEUE_NUM:
		reply(fd, h, &k->queues, 8);
		break;
	case VU_GET_CONFIG:
		memcpy(m->p.config.data, &c, m->p.config.size);
		reply(fd, h, &m->p, k->config_fails ? 0 : h->size);
		if (k->unsolicited && __atomic_load_n(&k->conns, 0) == 1)
			reply(fd, h, &v, 8); /* and again, unasked */
		break;
	case VU_GET_VRING_BASE:
		m->p.state.num = 0;
		reply(fd, h, &m->p, 8);
		break;
	default:
		if (h->flags & VU_FLAG_NEED_REPLY)
			reply(fd, h, &v, 8);
	}
}

/* Serves one connection until the front-end closes it. */
static void serve(struct fake *k, int fd)
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
		if (!k->hang)
			answer(k, fd, &m.hdr, &m);
	}
}

static void *fake_main(void *opaque)
{
	struct fake *k = opaque;
	struct pollfd p = { .fd = k->lfd, .events = POLLIN };
	int fd;

	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 20) != 1)
			continue;
		fd = accept(k->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		__atomic_add_fetch(&k->conns, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&k->conn, fd, __ATOMIC_SEQ_CST);
		serve(k, fd);
		__atomic_store_n(&k->conn, -1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return NULL;
}

static void fake_start(struct fake *k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	unlink(k->path);
	memcpy(sa.sun_path, k->path, strlen(k->path) + 1);
	k->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(k->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(k->lfd, 4), 0);
	k->stop = false;
	k->conns = 0;
	k->conn = -1;
	assert_int_equal(pthread_create(&k->thread, NULL, fake_main, k), 0);
}

static void fake_stop(struct fake *k)
{
	int fd;

	if (k->lfd < 0)
		return;
	__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
	/* The back-end dies: its connection goes with it. */
	fd = __atomic_load_n(&k->conn, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	pthread_join(k->thread, NULL);
	close(k->lfd);
	k->lfd = -1;
	unlink(k->path);
}

static int setup(void **state)
{
	static struct fx f;
	const struct gmem_flat_region r = { 0x40000000, 1 << 20, 0 };

	memset(&f, 0, sizeof(f));
	f.fake.lfd = -1;
	snprintf(f.fake.path, sizeof(f.fake.path), "/tmp/xvdm-vu-fake-%d",
		 getpid());
	f.fake.features = FULL_FEATURES;
	f.fake.protocol = FULL_PROTOCOL;
	f.fake.queues = 1;
	log_init(&f.logger, 2, LOG_ERR);
	if (gmem_flat_init(&f.flat, &r, 1) || evloop_new(&f.loop))
		return -1;
	f.p = (struct vu_params){ .path = f.fake.path,
				  .device_id = VIRTIO_ID_BLOCK,
				  .timeout_ms = 300,
				  .reconnect_min_ms = 10,
				  .reconnect_max_ms = 40 };
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vu_dev_free(f->d);
	fake_stop(&f->fake);
	evloop_free(f->loop);
	gmem_flat_fini(&f->flat);
	return 0;
}

static int create(struct fx *f)
{
	struct vdev_params vp = { .mem = &f->flat.mem,
				  .logger = &f->logger,
				  .domid = 1,
				  .name = "vu0" };

	f->err[0] = 0;
	return vu_dev_new(&f->p, &vp, f->loop, &f->d, f->err, sizeof(f->err));
}

/* Runs the loop for ms, or until the connection state is `want`. */
static bool wait_connected(struct fx *f, bool want, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (vu_dev_connected(f->d) == want)
			return true;
		if (evloop_run_once(f->loop, 10) < 0)
			return false;
	}
	return vu_dev_connected(f->d) == want;
}

static void test_create_negotiates(void **state)
{
	struct fx *f = *state;
	struct virtio_blk_config c;

	fake_start(&f->fake);
	assert_int_equal(create(f), 0);
	/* What we take of what it offers: no LOG_SHMFD. */
	assert_int_equal(f->d->protocol,
			 (1ull << VU_PROTOCOL_F_MQ) |
				 (1ull << VU_PROTOCOL_F_CONFIG) |
				 (1ull << VU_PROTOCOL_F_REPLY_ACK));
	assert_true(f->d->vdev.host_features & (1ull << VIRTIO_BLK_F_FLUSH));
	/* Our limits are added and win over the back-end's seg_max. */
	assert_true(f->d->vdev.host_features & (1ull << VIRTIO_BLK_F_SIZE_MAX));
	memcpy(&c, f->d->config, 60);
	assert_int_equal(le64toh(c.capacity), 2048);
	assert_int_equal(le32toh(c.size_max), 4096);
	assert_int_equal(le32toh(c.seg_max), 32);
	assert_int_equal(le16toh(c.num_queues), 1);
	assert_int_equal(f->d->max_iov, 2 * 32 + 4);
	assert_true(f->d->shadow->q[0].indirect);
}

/* virtio-fs: the configuration is ours, no CONFIG protocol feature needed. */
static void test_fs_configuration_is_ours(void **state)
{
	struct fx *f = *state;
	struct virtio_fs_config c;

	f->fake.protocol = 1ull << VU_PROTOCOL_F_MQ;
	f->fake.queues = 2;
	f->p.device_id = VIRTIO_ID_FS;
	f->p.tag = "share";
	fake_start(&f->fake);
	assert_int_equal(create(f), 0);
	assert_int_equal(f->d->num_queues, 2); /* hiprio + 1 request queue */
	assert_int_equal(f->d->vdev.num_queues, 2);
	assert_int_equal(f->d->vdev.config_len, sizeof(c));
	memcpy(&c, f->d->config, sizeof(c));
	assert_memory_equal(c.tag, "share\0", 6);
	assert_int_equal(le32toh(c.num_request_queues), 1);
	/* Read-only configuration space (virtio 1.2 §5.11.4). */
	assert_null(f->d->vdev.ops->config_written);
	vu_dev_free(f->d);
	f->d = NULL;
	/* A tag that does not fit, and more queues than the back-end has. */
	f->p.tag = "0123456789012345678901234567890123456";
	assert_int_equal(create(f), -EINVAL);
	f->p.tag = NULL;
	f->p.num_queues = 2;
	assert_int_equal(create(f), -ENOTSUP);
}

static void test_backend_missing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(create(f), -ENOENT);
	assert_non_null(strstr(f->err, f->fake.path));
	assert_null(f->d);
	f->p.device_id = VIRTIO_ID_NET;
	assert_int_equal(create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "not supported"));
}

static void test_hostile_backend_without_version_1(void **state)
{
	struct fx *f = *state;

	f->fake.features &= ~(1ull << VIRTIO_F_VERSION_1);
	fake_start(&f->fake);
	assert_int_equal(create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "VIRTIO_F_VERSION_1"));
}

static void test_hostile_backend_without_config(void **state)
{
	struct fx *f = *state;

	f->fake.protocol &= ~(1ull << VU_PROTOCOL_F_CONFIG);
	fake_start(&f->fake);
	assert_int_equal(create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "CONFIG"));
}

static void test_hostile_backend_refuses_config(void **state)
{
	struct fx *f = *state;

	f->fake.config_fails = true;
	fake_start(&f->fake);
	assert_int_equal(create(f), -EREMOTEIO);
	assert_non_null(strstr(f->err, "GET_CONFIG"));
}

static void test_hostile_backend_too_few_queues(void **state)
{
	struct fx *f = *state;

	f->p.num_queues = 2;
	fake_start(&f->fake);
	assert_int_equal(create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "2 queues"));
}

static void test_hostile_backend_hangs(void **state)
{
	struct fx *f = *state;

	f->fake.hang = true;
	fake_start(&f->fake);
	assert_int_equal(create(f), -ETIMEDOUT);
	assert_non_null(strstr(f->err, "GET_FEATURES"));
}

/* A message nobody asked for: dropped, then a clean session. */
static void test_hostile_backend_talks_out_of_turn(void **state)
{
	struct fx *f = *state;

	f->fake.unsolicited = true;
	fake_start(&f->fake);
	assert_int_equal(create(f), 0);
	assert_true(wait_connected(f, false, 1000));
	assert_true(wait_connected(f, true, 1000));
	assert_true(__atomic_load_n(&f->fake.conns, 0) >= 2);
}

/* Back with less than the guest was offered: refused until it has it. */
static void test_hostile_backend_back_with_fewer_features(void **state)
{
	struct fx *f = *state;
	int conns;

	fake_start(&f->fake);
	assert_int_equal(create(f), 0);
	fake_stop(&f->fake);
	assert_true(wait_connected(f, false, 1000));
	f->fake.features &= ~(1ull << VIRTIO_BLK_F_FLUSH);
	fake_start(&f->fake);
	assert_false(wait_connected(f, true, 300));
	conns = __atomic_load_n(&f->fake.conns, 0);
	assert_true(conns >= 2); /* it kept trying, with backoff */
	fake_stop(&f->fake);
	f->fake.features |= 1ull << VIRTIO_BLK_F_FLUSH;
	fake_start(&f->fake);
	assert_true(wait_connected(f, true, 1000));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_negotiates),
		T(test_fs_configuration_is_ours),
		T(test_backend_missing),
		T(test_hostile_backend_without_version_1),
		T(test_hostile_backend_without_config),
		T(test_hostile_backend_refuses_config),
		T(test_hostile_backend_too_few_queues),
		T(test_hostile_backend_hangs),
		T(test_hostile_backend_talks_out_of_turn),
		T(test_hostile_backend_back_with_fewer_features),
	};
#undef T

	/*
	 * The scripted back-end may write to a connection the frontend
	 * just closed (as the daemon does, a closed peer is an error, not a
	 * signal).
	 */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
