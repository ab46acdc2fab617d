// SPDX-License-Identifier: GPL-2.0-only
/* The virtio-net tests' fixture: see test-net-fixture.h. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_config.h>

#include "driver-probe.h"
#include "evloop.h"
#include "test-net-fixture.h"
#include "vdev.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint8_t *nf_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	uint8_t *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

void nf_require(struct fix *f)
{
	if (!f->ok) {
		print_message("[ SKIP     ] no tap in a new network namespace "
			      "(needs root and /dev/net/tun)\n");
		skip();
	}
}

/* Linux's probe: features minus the declined ones, both queues, DRIVER_OK. */
static void probe(struct fix *f, uint64_t decline)
{
	driver_probe_features(f->vdev, decline);
	driver_probe_queue(f->vdev, 0, &f->rx, &f->flat, QNUM, RXR_GPA);
	driver_probe_queue(f->vdev, 1, &f->tx, &f->flat, QNUM, TXR_GPA);
	driver_probe_live(f->vdev);
}

/* Quiet namespace: no IPv6 chatter (router solicitations, MLD). */
static void quiet_ipv6(void)
{
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
		      O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			print_message("cannot disable IPv6 (harmless)\n");
		close(fd);
	}
}

/* The test's end of the tap: MTU, up, and a packet socket bound to it. */
static void plug(struct fix *f)
{
	struct ifreq ifr = { .ifr_name = TAP_NAME, .ifr_mtu = TAP_MTU };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(s >= 0);
	assert_int_equal(ioctl(s, SIOCSIFMTU, &ifr), 0);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	f->psock = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  htons(ETH_P_ALL));
	assert_true(f->psock >= 0);
	sll.sll_ifindex = (int)if_nametoindex(TAP_NAME);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(f->psock, (struct sockaddr *)&sll, sizeof(sll)),
			 0);
	/* What we send is not what the device sent. */
	assert_int_equal(setsockopt(f->psock, SOL_PACKET,
				    PACKET_IGNORE_OUTGOING, &one, sizeof(one)),
			 0);
}

int nf_setup(void **state)
{
	const struct setup_cfg *cfg = *state;
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct net_params p = { .tap = TAP_NAME,
				.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "net0" };
	char err[256];

	assert_non_null(f);
	*state = f;
	f->psock = -1;
	memcpy(f->mac, p.mac, sizeof(f->mac));
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	vp.mem = &f->flat.mem;
	log_init(&f->logger, memfd_create("test-net-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	if (unshare(CLONE_NEWNET) < 0)
		return 0;
	quiet_ipv6();
	if (net_new(&p, &vp, f->loop, &f->net, err, sizeof(err))) {
		print_message("net_new: %s\n", err);
		return 0;
	}
	f->vdev = net_vdev(f->net);
	plug(f);
	probe(f, cfg->decline);
	f->ok = true;
	return 0;
}

int nf_teardown(void **state)
{
	struct fix *f = *state;

	net_free(f->net);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	if (f->psock >= 0)
		close(f->psock);
	evloop_free(f->loop);
	close(f->logger.fd);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

bool nf_log_has(struct fix *f, const char *needle)
{
	char buf[8192];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

uint16_t nf_kick(struct fix *f, unsigned qidx, const struct driver_buf *b,
		 unsigned n)
{
	struct driver_ring *r = qidx ? &f->tx : &f->rx;
	uint16_t head = driver_ring_add_chain(r, b, n);

	driver_ring_make_avail(r, head);
	vdev_queue_notify(f->vdev, qidx);
	return head;
}

bool nf_used(struct fix *f, struct driver_ring *r, unsigned ms, uint32_t *id,
	     uint32_t *len)
{
	uint64_t end = now_ms() + ms;

	do {
		if (driver_ring_get_used(r, id, len))
			return true;
		assert_true(evloop_run_once(f->loop, 5) >= 0);
	} while (now_ms() < end);
	return driver_ring_get_used(r, id, len);
}

void nf_frame(struct fix *f, uint8_t *buf, size_t len, uint8_t seed)
{
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 1 };

	assert_true(len >= ETH_HLEN);
	memcpy(buf, f->mac, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = TEST_ETHERTYPE >> 8;
	buf[13] = TEST_ETHERTYPE & 0xff;
	for (size_t i = ETH_HLEN; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
}

void nf_send(struct fix *f, const uint8_t *frame, size_t len)
{
	assert_int_equal(send(f->psock, frame, len, 0), (ssize_t)len);
}

long nf_recv(struct fix *f, uint8_t *buf, size_t max, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	ssize_t n;

	do {
		n = recv(f->psock, buf, max, 0);
		if (n >= ETH_HLEN && buf[12] == (TEST_ETHERTYPE >> 8) &&
		    buf[13] == (TEST_ETHERTYPE & 0xff))
			return (long)n;
		if (n < 0)
			assert_true(evloop_run_once(f->loop, 5) >= 0);
	} while (now_ms() < end);
	return -1;
}

void nf_assert_needs_reset(struct fix *f)
{
	uint32_t id, len;

	assert_false(nf_used(f, &f->rx, 20, &id, &len));
	assert_false(nf_used(f, &f->tx, 20, &id, &len));
	assert_true(vdev_get_status(f->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(vdev_is_live(f->vdev));
}
