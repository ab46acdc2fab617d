// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-net under the simulated Xen, the
 * device declared the 4.18+ way (virtio = [ "type=virtio,device1" ]), the
 * guest played by tests/guest's Linux-like virtio-net driver, the network
 * by packet sockets bound to the tap the daemon creates: frames cross both
 * ways byte-exact, the MAC and link status come from the config space, a
 * burst of 10k frames each way is counted and checksummed (throughput on
 * stderr, no timing assertion), TSO frames keep their offload both ways,
 * and a hostile guest fails only its own device.
 *
 * The whole test runs in its own network namespace when it can (the
 * daemon inherits it), each tap has a unique name, and every tap is gone
 * at the end. Without /dev/net/tun the test is skipped (exit 77).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "daemon-devices.h"
#include "daemon-fixture.h"
#include "daemon-net.h"
#include "virtio-net-driver.h"

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

/* MAC and link status from the config space; what was negotiated. */
static void test_net_config(void **state)
{
	struct scene s;

	dn_scene_start(*state, &s, 1);
	assert_memory_equal(s.net.mac, dn_guest_mac, 6);
	assert_int_equal(s.net.status, VIRTIO_NET_S_LINK_UP);
	assert_int_equal(netdrv_read_status(&s.net), 0);
	assert_int_equal(s.net.status, VIRTIO_NET_S_LINK_UP);
	for (unsigned b = 0; b < 64; b++)
		if (NETDRV_FEATURES & (1ull << b) &&
		    b != VIRTIO_RING_F_EVENT_IDX &&
		    b != VIRTIO_F_ACCESS_PLATFORM &&
		    b != VIRTIO_F_ORDER_PLATFORM &&
		    b != VIRTIO_RING_F_INDIRECT_DESC)
			assert_true(vmdrv_has_feature(&s.net.vm, b));
	assert_true(s.net.mergeable);
	fprintf(stderr, "tap %s, features %#llx\n", s.h.tap,
		(unsigned long long)s.net.vm.features);
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

/* Frames of several sizes each way, byte-exact; jumbo frames merged. */
static void test_net_frames(void **state)
{
	static const size_t sizes[] = { 60, 61, 1514, 4000, 9014 };
	uint8_t *want = malloc(NETDRV_FRAME_MAX),
		*got = malloc(NETDRV_FRAME_MAX);
	struct virtio_net_hdr_v1 hdr;
	struct scene s;
	ssize_t n;

	assert_true(want && got);
	dn_scene_start(*state, &s, 2);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		dn_frame_fill(want, sizes[i], (uint32_t)i, dn_host_mac,
			      dn_guest_mac);
		assert_int_equal(
			netdrv_send(&s.net, NULL, want, sizes[i], false), 0);
		n = dn_host_recv(s.h.ps, got, NETDRV_FRAME_MAX, DF_WAIT_MS);
		assert_int_equal(n, (ssize_t)sizes[i]);
		assert_memory_equal(got, want, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		dn_frame_fill(want, sizes[i], (uint32_t)(100 + i), dn_guest_mac,
			      dn_host_mac);
		assert_int_equal(send(s.h.ps, want, sizes[i], 0),
				 (ssize_t)sizes[i]);
		n = dn_guest_recv(&s.net, &hdr, got, NETDRV_FRAME_MAX,
				  DF_WAIT_MS);
		assert_int_equal(n, (ssize_t)sizes[i]);
		assert_memory_equal(got, want, sizes[i]);
		assert_int_equal(hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	}
	/* 9014 bytes in 1536-byte buffers: at least six of them. */
	assert_true(s.net.stats.rx_bufs >= ARRAY_SIZE(sizes) + 5);
	assert_int_equal(netdrv_tx_flush(&s.net), 0);
	free(want);
	free(got);
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

/*
 * A driver without MRG_RXBUF (so without GUEST_TSO): one small buffer
 * per frame, num_buffers 1 (virtio 1.2 §5.1.6.4), frames up to an MTU.
 */
static void test_net_small_buffers(void **state)
{
	static const size_t sizes[] = { 60, 1000, 1514 };
	uint8_t want[FRAME], got[2048];
	struct virtio_net_hdr_v1 hdr;
	char cfg[512] = "";
	struct scene s;

	dn_scene_prepare(*state, &s, 9, cfg, sizeof(cfg));
	s.features = NETDRV_FEATURES & ~F_(VIRTIO_NET_F_MRG_RXBUF);
	df_config(*state, cfg);
	df_spawn(*state, NULL, false);
	dn_scene_boot(&s);
	assert_false(s.net.mergeable);
	assert_false(vmdrv_has_feature(&s.net.vm, VIRTIO_NET_F_GUEST_TSO4));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		dn_frame_fill(want, sizes[i], (uint32_t)i, dn_guest_mac,
			      dn_host_mac);
		assert_int_equal(send(s.h.ps, want, sizes[i], 0),
				 (ssize_t)sizes[i]);
		assert_int_equal(dn_guest_recv(&s.net, &hdr, got, sizeof(got),
					       DF_WAIT_MS),
				 (ssize_t)sizes[i]);
		assert_memory_equal(got, want, sizes[i]);
		assert_int_equal(le16toh(hdr.num_buffers), 1);
		dn_exchange(&s, (uint32_t)(10 + i));
	}
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

/* The host's end of a burst: counts, checks and checksums frames. */
struct reader {
	int s;
	unsigned want;
	unsigned got, bad, out_of_order;
	uint64_t sum;
	int64_t t_last;
};

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[2048], want[FRAME];
	uint32_t seq, next = 0;
	ssize_t n;

	r->sum = 0xcbf29ce484222325ull;
	while (r->got < r->want) {
		n = dn_host_recv(r->s, buf, sizeof(buf), 5000);
		if (n < 0)
			break;
		memcpy(&seq, buf + 14, 4);
		dn_frame_fill(want, FRAME, seq, dn_host_mac, dn_guest_mac);
		if (n != FRAME || memcmp(buf, want, FRAME))
			r->bad++;
		if (seq != next)
			r->out_of_order++;
		next = seq + 1;
		r->sum = dn_fnv(r->sum, buf, (size_t)n);
		r->got++;
		r->t_last = dn_now_us();
	}
	return NULL;
}

static void report(const char *dir, unsigned frames, int64_t us)
{
	double s = (double)(us > 0 ? us : 1) / 1e6;

	fprintf(stderr,
		"net throughput: %s: %u frames of %u bytes in %.1f ms: "
		"%.1f MB/s, %.0f frames/s\n",
		dir, frames, FRAME, s * 1e3, frames * (double)FRAME / s / 1e6,
		frames / s);
}

/* 10k frames from the guest: all arrive, in order, byte-exact. */
static void test_net_burst_guest_to_host(void **state)
{
	struct reader r = { .want = BURST };
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	uint64_t sum = 0xcbf29ce484222325ull;
	uint8_t buf[FRAME];
	struct scene s;
	pthread_t t;
	int64_t t0;

	dn_scene_start(*state, &s, 3);
	r.s = s.h.ps;
	assert_int_equal(pthread_create(&t, NULL, reader_thread, &r), 0);
	t0 = dn_now_us();
	for (uint32_t i = 0; i < BURST; i++) {
		dn_frame_fill(buf, FRAME, i, dn_host_mac, dn_guest_mac);
		sum = dn_fnv(sum, buf, FRAME);
		/* xmit_more: a kick per 32 frames. */
		assert_int_equal(
			netdrv_send(&s.net, NULL, buf, FRAME, i % 32 != 31), 0);
	}
	assert_int_equal(netdrv_tx_flush(&s.net), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(
		getsockopt(s.h.ps, SOL_PACKET, PACKET_STATISTICS, &st, &sl), 0);
	report("guest->host", r.got, r.t_last - t0);
	fprintf(stderr,
		"guest->host: %u sent, %u received, %u kicks, %u "
		"dropped by the packet socket\n",
		BURST, r.got, (unsigned)s.net.stats.tx_kicks, st.tp_drops);
	assert_int_equal(r.got, BURST);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.out_of_order, 0);
	assert_int_equal(st.tp_drops, 0);
	assert_true(r.sum == sum);
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

struct sender {
	int s;
	unsigned window; /* frames ahead of the guest; 0: no pacing */
	const unsigned *guest_got;
	unsigned sent, failed;
	uint64_t sum; /* over the frames sent */
};

static void *sender_thread(void *arg)
{
	struct sender *w = arg;
	uint8_t buf[FRAME];

	w->sum = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < BURST; i++) {
		while (w->window &&
		       i - __atomic_load_n(w->guest_got, __ATOMIC_ACQUIRE) >=
			       w->window)
			nanosleep(&(struct timespec){ 0, 20000 }, NULL);
		dn_frame_fill(buf, FRAME, i, dn_guest_mac, dn_host_mac);
		if (send(w->s, buf, FRAME, 0) == FRAME) {
			w->sent++;
			w->sum = dn_fnv(w->sum, buf, FRAME);
		} else
			w->failed++;
	}
	return NULL;
}

/*
 * 10k frames into the guest, paced (at most `window` ahead): none lost;
 * unpaced: whatever the guest had no buffers for waited in the tap,
 * which drops what overflows its queue (virtio 1.2 §5.1.6.3 lets a device
 * drop with no buffers): every frame is delivered in order, byte-exact, or
 * counted by the kernel; the daemon loses none of its own.
 */
static void burst_in(struct scene *s, unsigned window)
{
	unsigned got = 0, bad = 0, gaps = 0;
	uint64_t drops0 = dn_tap_tx_dropped(s->h.tap), drops;
	uint64_t sum = 0xcbf29ce484222325ull;
	struct sender w = { .s = s->h.ps, .window = window, .guest_got = &got };
	uint8_t buf[2048], want[FRAME];
	uint32_t seq, next = 0;
	int64_t t0 = dn_now_us(), t1 = t0;
	pthread_t t;
	ssize_t n;

	assert_int_equal(pthread_create(&t, NULL, sender_thread, &w), 0);
	while ((n = dn_guest_recv(&s->net, NULL, buf, sizeof(buf), 2000)) > 0) {
		memcpy(&seq, buf + 14, 4);
		dn_frame_fill(want, FRAME, seq, dn_guest_mac, dn_host_mac);
		bad += n != FRAME || memcmp(buf, want, FRAME);
		gaps += seq < next; /* out of order or repeated */
		next = seq + 1;
		sum = dn_fnv(sum, buf, (size_t)n);
		__atomic_store_n(&got, got + 1, __ATOMIC_RELEASE);
		t1 = dn_now_us();
		if (seq == BURST - 1)
			break;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	drops = dn_tap_tx_dropped(s->h.tap) - drops0;
	if (window)
		report("host->guest", got, t1 - t0);
	fprintf(stderr,
		"host->guest %s: %u sent, %u send errors, %u "
		"received, %llu dropped by the tap\n",
		window ? "paced" : "unpaced", w.sent, w.failed, got,
		(unsigned long long)drops);
	assert_int_equal(bad, 0);
	assert_int_equal(gaps, 0);
	assert_int_equal(w.sent + w.failed, BURST);
	assert_int_equal(got + drops, w.sent);
	if (window) {
		assert_int_equal(got, BURST);
		assert_true(sum == w.sum);
	}
}

static void test_net_burst_host_to_guest(void **state)
{
	struct scene s;

	dn_scene_start(*state, &s, 4);
	burst_in(&s, 128);
	burst_in(&s, 0);
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

/*
 * A 63 KiB TCP segment with NEEDS_CSUM + GSO_TCPV4 each way. On this
 * kernel a tap hands a GSO frame to packet sockets whole (segmentation
 * happens only on the way out of a device without TSO), so the host sees
 * the guest's one frame and its vnet header, and the guest (GUEST_TSO4
 * negotiated, TUNSETOFFLOAD TSO4) gets the host's frame whole, merged
 * over many receive buffers.
 */
static void test_net_tso(void **state)
{
	uint8_t *want = malloc(NETDRV_FRAME_MAX),
		*got = malloc(NETDRV_FRAME_MAX);
	struct virtio_net_hdr_v1 h1 = { 0 };
	struct virtio_net_hdr vh;
	struct scene s;
	size_t len;
	ssize_t n;
	int vs;

	assert_true(want && got);
	dn_scene_start(*state, &s, 5);
	assert_true(vmdrv_has_feature(&s.net.vm, VIRTIO_NET_F_HOST_TSO4));
	assert_true(vmdrv_has_feature(&s.net.vm, VIRTIO_NET_F_GUEST_TSO4));
	vs = dn_host_socket(&s.h, true);
	len = dn_tcp_frame(want, dn_host_mac, dn_guest_mac);
	dn_tso_hdr(&vh);
	memcpy(&h1, &vh, sizeof(vh));
	assert_int_equal(netdrv_send(&s.net, &h1, want, len, false), 0);
	assert_int_equal(netdrv_tx_flush(&s.net), 0);
	for (;;) {
		struct pollfd p = { .fd = vs, .events = POLLIN };

		assert_int_equal(poll(&p, 1, DF_WAIT_MS), 1);
		n = recv(vs, got, NETDRV_FRAME_MAX, 0);
		if (n > (ssize_t)sizeof(vh) && got[sizeof(vh) + 12] == 0x08)
			break;
	}
	fprintf(stderr,
		"guest TSO frame on the host: %zd bytes, gso_type "
		"%u, gso_size %u\n",
		n - (ssize_t)sizeof(vh), got[1], got[4] | got[5] << 8);
	assert_int_equal(n, (ssize_t)(sizeof(vh) + len));
	memcpy(&vh, got, sizeof(vh));
	dn_assert_tso_hdr(&vh);
	assert_memory_equal(got + sizeof(vh), want, len);
	assert_true(dn_tcp_csum_completes(got + sizeof(vh), len));
	/* The other way: the host's TSO frame reaches the guest whole. */
	len = dn_tcp_frame(want, dn_guest_mac, dn_host_mac);
	dn_tso_hdr(&vh);
	memcpy(got, &vh, sizeof(vh));
	memcpy(got + sizeof(vh), want, len);
	assert_int_equal(send(vs, got, sizeof(vh) + len, 0),
			 (ssize_t)(sizeof(vh) + len));
	do
		n = netdrv_recv(&s.net, &h1, got, NETDRV_FRAME_MAX, DF_WAIT_MS);
	while (n > 0 && got[12] != 0x08);
	fprintf(stderr,
		"host TSO frame in the guest: %zd bytes, %llu "
		"buffers so far\n",
		n, (unsigned long long)s.net.stats.rx_bufs);
	assert_int_equal(n, (ssize_t)len);
	memcpy(&vh, &h1, sizeof(vh));
	dn_assert_tso_hdr(&vh);
	assert_int_equal(le16toh(h1.num_buffers),
			 (NETDRV_HDR_LEN + len + NETDRV_MRG_BUF - 1) /
				 NETDRV_MRG_BUF);
	assert_memory_equal(got, want, len);
	assert_true(dn_tcp_csum_completes(got, len));
	close(vs);
	free(want);
	free(got);
	dn_scene_end(&s);
	dn_finish(*state, &s, 1);
}

/*
 * A transmit header with a gso_type no spec defines: the tap refuses the
 * frame, the device drops it and goes on. Then a transmit buffer running
 * 1 MiB past the end of RAM: the device goes to NEEDS_RESET (virtio 1.2
 * §2.7.5.3.1 via the vq walker). Another guest of the same daemon keeps
 * exchanging frames throughout; the hostile one works again after reset.
 */
static void test_hostile_net_guest(void **state)
{
	struct virtio_net_hdr_v1 h = { .gso_type = 0x42 };
	struct scene s[2];
	char cfg[512] = "";
	uint8_t buf[FRAME];
	struct vrdrv *vq;
	uint16_t head, idx;

	dn_scene_prepare(*state, &s[0], 7, cfg, sizeof(cfg));
	dn_scene_prepare(*state, &s[1], 8, cfg, sizeof(cfg));
	df_config(*state, cfg);
	df_spawn(*state, NULL, false);
	dn_scene_boot(&s[0]);
	dn_scene_boot(&s[1]);
	dn_exchange(&s[1], 1);
	dn_frame_fill(buf, FRAME, 2, dn_host_mac, dn_guest_mac);
	assert_int_equal(netdrv_send(&s[0].net, &h, buf, FRAME, false), 0);
	assert_int_equal(netdrv_tx_flush(&s[0].net), 0);
	assert_int_equal(dn_host_recv(s[0].h.ps, buf, sizeof(buf), 200), -1);
	dn_exchange(&s[0], 3); /* still live */
	dn_exchange(&s[1], 4);
	/* A descriptor past RAM, put on the transmitq behind the driver. */
	vq = s[0].net.txq;
	head = vq->free_head;
	idx = vq->avail_idx_shadow;
	vq->desc[head] = (struct vring_desc){
		.addr = htole64(RAM_END - 4096),
		.len = htole32(1 << 20),
	};
	vq->avail->ring[idx & (vq->num - 1)] = htole16(head);
	/* The entry before the index that publishes it (§2.7.13). */
	__atomic_store_n(&vq->avail->idx, htole16((uint16_t)(idx + 1)),
			 __ATOMIC_RELEASE);
	assert_int_equal(df_reg_write(&s[0].g, 0, VIRTIO_MMIO_QUEUE_NOTIFY, 1),
			 0);
	assert_true(df_wait_status(&s[0].g, VIRTIO_CONFIG_S_NEEDS_RESET,
				   DF_WAIT_MS) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	dn_exchange(&s[1], 5);
	/* Reset and probe again: the device serves the guest again. */
	netdrv_remove(&s[0].net);
	dn_guest_probe(&s[0]);
	dn_exchange(&s[0], 6);
	dn_exchange(&s[1], 7);
	assert_true(df_alive(*state));
	dn_scene_end(&s[0]);
	dn_scene_end(&s[1]);
	dn_finish(*state, s, 2);
}

/* Creates (add) or deletes a bridge, as brctl addbr/delbr do. */
static void bridge_ctl(const char *br, bool add)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	if (!add) {
		memcpy(ifr.ifr_name, br, strlen(br));
		assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
		ifr.ifr_flags &= ~IFF_UP;
		assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	}
	assert_int_equal(ioctl(s, add ? SIOCBRADDBR : SIOCBRDELBR, br), 0);
	close(s);
}

/*
 * bridge = <name>: the daemon puts its tap on the bridge, as Xen's
 * vif-bridge script does for a PV NIC: the guest's broadcast reaches the
 * bridge, and frames still pass on the tap; a
 * bridge that does not exist fails the attach, naming it.
 */
#define FRAME_LEN 128
static void test_net_bridge(void **state)
{
	struct dfix *f = *state;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char cfg[768] = "", br[IFNAMSIZ];
	uint8_t want[FRAME_LEN], got[2048];
	struct scene s, bad;
	struct ifreq ifr = { 0 };
	struct host hb;
	int fd;

	snprintf(br, sizeof(br), "xvbr%u", (unsigned)getpid() % 100000);
	bridge_ctl(br, true);
	dn_scene_prepare(f, &s, 1, cfg, sizeof(cfg));
	snprintf(cfg + strlen(cfg), sizeof(cfg) - strlen(cfg), "bridge = %s\n",
		 br);
	dn_scene_prepare(f, &bad, 2, cfg, sizeof(cfg));
	snprintf(cfg + strlen(cfg), sizeof(cfg) - strlen(cfg),
		 "bridge = nobridge0\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	dn_scene_boot(&s);
	/* A broadcast from the guest reaches the bridge's own interface. */
	hb = s.h;
	snprintf(hb.tap, sizeof(hb.tap), "%s", br);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(ifr.ifr_name, br, strlen(br));
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	hb.ifindex = (int)if_nametoindex(br);
	hb.ps = dn_host_socket(&hb, false);
	dn_frame_fill(want, FRAME_LEN, 7, bcast, dn_guest_mac);
	assert_int_equal(netdrv_send(&s.net, NULL, want, FRAME_LEN, false), 0);
	assert_int_equal(dn_host_recv(hb.ps, got, sizeof(got), DF_WAIT_MS),
			 FRAME_LEN);
	assert_memory_equal(got, want, FRAME_LEN);
	close(hb.ps);
	/* The tap's own socket saw it too. */
	assert_int_equal(dn_host_recv(s.h.ps, got, sizeof(got), DF_WAIT_MS),
			 FRAME_LEN);
	dn_exchange(&s, 1);
	df_domain_create(f, 2, 1);
	assert_int_equal(xensim_libxl_add(f->h, &bad.g.dev), 0);
	df_assert_attach_failed(&bad.g, "'nobridge0'");
	df_guest_fini(&bad.g);
	dn_scene_end(&s);
	dn_finish(f, &s, 1);
	bridge_ctl(br, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_net_config),
		T(test_net_frames),
		T(test_net_small_buffers),
		T(test_net_burst_guest_to_host),
		T(test_net_burst_host_to_guest),
		T(test_net_tso),
		T(test_hostile_net_guest),
		T(test_net_bridge),
#undef T
	};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/net/tun: %s (needs the tun module and "
		       "root)\n",
		       strerror(errno));
		return 77;
	}
	close(fd);
	/* Our taps out of the host's sight, when we may. */
	if (unshare(CLONE_NEWNET) == 0) {
		fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
			  O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, "1", 1) != 1)
			fprintf(stderr, "IPv6 stays on (harmless)\n");
		if (fd >= 0)
			close(fd);
	} else {
		fprintf(stderr, "no network namespace (%s): taps on the host\n",
			strerror(errno));
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
