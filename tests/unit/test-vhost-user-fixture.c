// SPDX-License-Identifier: GPL-2.0-only
/* The scripted vhost-user back-end and its fixture (see the header). */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "driver-ring.h"
#include "evloop.h"
#include "gmem.h"
#include "test-vhost-user-fixture.h"

static bool vuf_read_full(int fd, void *buf, size_t len)
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

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* GET_INFLIGHT_FD: an area, or one of the ways to get it wrong. */
static void give_inflight(struct fake *k, int fd, const struct vu_hdr *h,
			  struct vu_msg *m)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct vu_hdr rh = { h->request, VU_VERSION | VU_FLAG_REPLY,
			     sizeof(m->p.inflight) };
	struct iovec iov[2] = { { &rh, sizeof(rh) },
				{ &m->p.inflight, sizeof(m->p.inflight) } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	int pfd[2] = { -1, -1 }, area = memfd_create("inflight", 0);
	struct cmsghdr *c;

	m->p.inflight.mmap_size = 4096;
	m->p.inflight.mmap_offset = 0;
	if (ftruncate(area, k->inflight_mode == IF_SMALL ? 100 : 4096) < 0)
		return;
	k->area_ino = ino_of(area);
	if (k->inflight_mode == IF_PIPE && pipe(pfd) == 0) {
		close(area);
		area = pfd[0];
	}
	if (k->inflight_mode != IF_NO_FD) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &area, sizeof(int));
	}
	/* A front-end that went away: nothing to do. */
	(void)!sendmsg(fd, &mh, MSG_NOSIGNAL);
	close(area);
	if (pfd[1] >= 0)
		close(pfd[1]);
}

/* Notes what a request carried, per connection. */
static void note(struct fake *k, const struct vu_msg *m, const int *fds,
		 size_t nfds)
{
	const struct vu_hdr *h = &m->hdr;

	int c = __atomic_load_n(&k->total, __ATOMIC_SEQ_CST);

	if (c < 1 || c > 3)
		return;
	switch (h->request) {
	case VU_GET_INFLIGHT_FD:
		__atomic_add_fetch(&k->get_inflight[c], 1, __ATOMIC_SEQ_CST);
		break;
	case VU_SET_INFLIGHT_FD:
		if (nfds == 1)
			k->set_inflight_ino[c] = ino_of(fds[0]);
		__atomic_add_fetch(&k->set_inflight[c], 1, __ATOMIC_SEQ_CST);
		break;
	case VU_SET_MEM_TABLE:
		if (nfds >= 1)
			k->mem_ino[c] = ino_of(fds[0]);
		k->mem = *m;
		k->mem_nfds = nfds;
		break;
	case VU_SET_VRING_ADDR:
		k->addr = *m;
		break;
	case VU_SET_VRING_KICK:
		__atomic_add_fetch(&k->started[c], 1, __ATOMIC_SEQ_CST);
		break;
	default:
		break;
	}
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
	case VU_GET_INFLIGHT_FD:
		give_inflight(k, fd, h, m);
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
		    !vuf_read_full(fd, &m.p, m.hdr.size))
			return;
		c = CMSG_FIRSTHDR(&mh);
		if (!c)
			note(k, &m, NULL, 0);
		for (; c; c = CMSG_NXTHDR(&mh, c)) {
			int *fds = (int *)(void *)CMSG_DATA(c);
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			note(k, &m, fds, n);
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
		__atomic_add_fetch(&k->total, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&k->conn, fd, __ATOMIC_SEQ_CST);
		/*
		 * vuf_fake_stop() stores stop, then loads conn; we store conn,
		 * then load stop (all seq_cst): one of us sees the other, so
		 * a connection accepted while it stops is not served forever.
		 */
		if (__atomic_load_n(&k->stop, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&k->conn, -1, __ATOMIC_SEQ_CST);
			close(fd);
			break;
		}
		serve(k, fd);
		__atomic_store_n(&k->conn, -1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return NULL;
}

void vuf_fake_start(struct fake *k)
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

void vuf_fake_stop(struct fake *k)
{
	int fd;

	if (k->lfd < 0)
		return;
	__atomic_store_n(&k->stop, true, __ATOMIC_SEQ_CST);
	/* The back-end dies: its connection goes with it. */
	fd = __atomic_load_n(&k->conn, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	pthread_join(k->thread, NULL);
	close(k->lfd);
	k->lfd = -1;
	unlink(k->path);
}

int vuf_setup(void **state)
{
	static struct fx f; /* one test at a time */
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

int vuf_teardown(void **state)
{
	struct fx *f = *state;

	vu_dev_free(f->d);
	vuf_fake_stop(&f->fake);
	evloop_free(f->loop);
	gmem_flat_fini(&f->flat);
	return 0;
}

int vuf_create(struct fx *f)
{
	struct vdev_params vp = { .mem = &f->flat.mem,
				  .logger = &f->logger,
				  .domid = 1,
				  .name = "vu0" };

	f->err[0] = 0;
	return vu_dev_new(&f->p, &vp, f->loop, &f->d, f->err, sizeof(f->err));
}

/* Runs the loop for ms, or until the connection state is `want`. */
bool vuf_wait_connected(struct fx *f, bool want, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (vu_dev_connected(f->d) == want)
			return true;
		if (evloop_run_once(f->loop, 10) < 0)
			return false;
	}
	return vu_dev_connected(f->d) == want;
}

/* The driver's side of §3.1.1, queue 0 in guest RAM, up to DRIVER_OK. */
void vuf_drive(struct fx *f)
{
	struct vdev *v = vu_dev_vdev(f->d);
	uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	struct driver_ring *r = &f->ring;

	driver_ring_init(r, &f->flat, 16, 0x40000000);
	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdev_set_status(v, st);
	vdev_set_guest_features(v, 1, 1); /* VIRTIO_F_VERSION_1 */
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	vdev_set_status(v, st);
	vdev_queue_write(v, 0, VDEV_QUEUE_NUM, 16);
	vdev_queue_write(v, 0, VDEV_QUEUE_DESC_LOW, (uint32_t)r->desc_gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_DRIVER_LOW, (uint32_t)r->avail_gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_DEVICE_LOW, (uint32_t)r->used_gpa);
	vdev_queue_write(v, 0, VDEV_QUEUE_READY, 1);
	vdev_set_status(v, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

bool vuf_needs_reset(struct fx *f)
{
	return vdev_get_status(vu_dev_vdev(f->d)) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

/* Runs the loop until queue 0 runs on the back-end, or ms. */
bool vuf_wait_started(struct fx *f, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (f->d->q[0].started && !vu_job_busy(f->d))
			return true;
		if (evloop_run_once(f->loop, 10) < 0)
			return false;
	}
	return false;
}
