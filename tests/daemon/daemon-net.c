// SPDX-License-Identifier: GPL-2.0-only
/* The network side of the virtio-net scenarios: see daemon-net.h. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_ids.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "daemon-devices.h"
#include "daemon-net.h"

const uint8_t dn_guest_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
const uint8_t dn_host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

int64_t dn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void tap_name(char *buf)
{
	static unsigned n;

	snprintf(buf, IFNAMSIZ, "xvdt%u.%u", (unsigned)getpid() % 100000,
		 n++ % 100);
}

/* A tap the daemon left behind is deleted (TUNSETPERSIST 0). */
static void tap_delete(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd;

	if (!if_nametoindex(name))
		return;
	fprintf(stderr, "%s outlived the daemon: deleting it\n", name);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (fd >= 0 && !ioctl(fd, TUNSETIFF, &ifr))
		(void)ioctl(fd, TUNSETPERSIST, 0);
	if (fd >= 0)
		close(fd);
}

/* Up (with mtu if non-zero), and a packet socket bound to it. */
int dn_host_socket(const struct host *h, bool vnet)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = h->ifindex };
	int one = 1, big = 64 << 20, s;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(s >= 0);
	if (vnet)
		assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_VNET_HDR,
					    &one, sizeof(one)),
				 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	/* Only what the guest sent; room for the whole burst. */
	assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
				    sizeof(one)),
			 0);
	assert_int_equal(
		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)),
		0);
	return s;
}

static void host_up(struct host *h, int mtu)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", h->tap);
	h->ifindex = (int)if_nametoindex(h->tap);
	assert_true(h->ifindex > 0);
	if (mtu) {
		ifr.ifr_mtu = mtu;
		assert_int_equal(ioctl(s, SIOCSIFMTU, &ifr), 0);
	}
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	h->ps = dn_host_socket(h, false);
}

void dn_frame_fill(uint8_t *buf, size_t len, uint32_t seq, const uint8_t *dst,
		   const uint8_t *src)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = ETHERTYPE >> 8;
	buf[13] = ETHERTYPE & 0xff;
	memcpy(buf + 14, &seq, 4);
	for (size_t i = 18; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i * 7);
}

static bool is_test_frame(const uint8_t *buf, ssize_t len)
{
	return len >= 18 && buf[12] == (ETHERTYPE >> 8) &&
	       buf[13] == (ETHERTYPE & 0xff);
}

uint64_t dn_fnv(uint64_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A test frame from the tap, or -1 after ms. */
ssize_t dn_host_recv(int s, uint8_t *buf, size_t max, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, ms) != 1)
			return -1;
		n = recv(s, buf, max, 0);
		if (is_test_frame(buf, n))
			return n;
	}
}

/* A test frame in the guest, or 0 after ms. */
ssize_t dn_guest_recv(struct netdrv *n, struct virtio_net_hdr_v1 *hdr,
		      uint8_t *buf, size_t max, int ms)
{
	ssize_t len;

	do
		len = netdrv_recv(n, hdr, buf, max, ms);
	while (len > 0 && !is_test_frame(buf, len));
	assert_true(len >= 0);
	return len;
}

/* Guest domid's net device on a new tap: its config section. */
void dn_scene_prepare(struct dfix *f, struct scene *s, uint32_t domid,
		      char *cfg, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	tap_name(s->h.tap);
	df_virtio_guest_init(f, &s->g, domid, 0, VIRTIO_ID_NET);
	snprintf(cfg + strlen(cfg), len - strlen(cfg),
		 "[device \"%u/0\"]\ntap = %s\nmac = 52:54:00:ab:cd:ef\n",
		 domid, s->h.tap);
}

void dn_guest_probe(struct scene *s)
{
	struct netdrv_params p = { .bus = &s->g.bus,
				   .base = s->g.dev.base,
				   .pool = &s->g.pool,
				   .features = s->features,
				   .timeout_ms = DF_WAIT_MS };

	assert_int_equal(netdrv_probe(&s->net, &p), 0);
}

/* The guest boots and probes; the host side of its tap goes up. */
void dn_scene_boot(struct scene *s)
{
	df_guest_boot(&s->g, 1);
	host_up(&s->h, JUMBO_MTU);
	dn_guest_probe(s);
}

/* One guest, one daemon. */
void dn_scene_start(struct dfix *f, struct scene *s, uint32_t domid)
{
	char cfg[512] = "";

	dn_scene_prepare(f, s, domid, cfg, sizeof(cfg));
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	dn_scene_boot(s);
}

void dn_scene_end(struct scene *s)
{
	assert_int_equal(s->net.vm.errors, 0);
	assert_int_equal(s->net.stats.rx_length_errors, 0);
	assert_int_equal(s->net.stats.rx_bad_hdr, 0);
	netdrv_remove(&s->net);
	close(s->h.ps);
}

/* The daemon stops; its taps are gone with it. */
void dn_finish(struct dfix *f, struct scene *s, unsigned n)
{
	assert_int_equal(df_stop(f), 0);
	for (unsigned i = 0; i < n; i++) {
		df_wait_state(&s[i].g, "6");
		df_guest_fini(&s[i].g);
		assert_int_equal(if_nametoindex(s[i].h.tap), 0);
		tap_delete(s[i].h.tap);
	}
	df_assert_clean(f);
}

/* The tap's tx_dropped: frames it had no room for (the guest's back-log). */
uint64_t dn_tap_tx_dropped(const char *tap)
{
	struct ifaddrs *ifa, *i;
	uint64_t v = 0;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET &&
		    i->ifa_data && !strcmp(i->ifa_name, tap))
			v = ((struct rtnl_link_stats *)i->ifa_data)->tx_dropped;
	freeifaddrs(ifa);
	return v;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Ethernet + IPv4 + TCP with GSO_PAYLOAD bytes of data, the TCP checksum
 * field holding the pseudo-header sum (what Linux leaves for CHECKSUM_
 * PARTIAL); its length.
 */
size_t dn_tcp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	uint16_t tot = (uint16_t)(20 + 20 + GSO_PAYLOAD), tcplen = tot - 20;
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t sum = 0;

	memset(f, 0, 54);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08; /* ETH_P_IP */
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6; /* TCP */
	memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 2, 10, 0, 0, 1 }, 8);
	for (unsigned i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	ip[10] = (uint8_t)(~fold(sum) >> 8);
	ip[11] = (uint8_t)~fold(sum);
	tcp[0] = 0x9c, tcp[1] = 0x40; /* port 40000 -> 5201 */
	tcp[2] = 0x14, tcp[3] = 0x51;
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH ACK */
	tcp[14] = 0xff;
	sum = 0x0a00 + 0x0002 + 0x0a00 + 0x0001 + 6 + tcplen;
	tcp[16] = (uint8_t)(fold(sum) >> 8);
	tcp[17] = (uint8_t)fold(sum);
	for (unsigned i = 0; i < GSO_PAYLOAD; i++)
		tcp[20 + i] = (uint8_t)(i * 13 + 5);
	return 54 + GSO_PAYLOAD;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < len ? p[i + 1] : 0));
	return sum;
}

bool dn_tcp_csum_completes(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t c = (uint16_t)~fold(sum16(tcp, len - 34, 0));
	uint32_t pseudo = sum16(ip + 12, 8, 0) + 6 + (uint32_t)(len - 34);

	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	return fold(sum16(tcp, len - 34, pseudo)) == 0xffff;
}

void dn_tso_hdr(struct virtio_net_hdr *h)
{
	*h = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = htole16(54),
		.gso_size = htole16(GSO_MSS),
		.csum_start = htole16(34),
		.csum_offset = htole16(16),
	};
}

void dn_assert_tso_hdr(const struct virtio_net_hdr *h)
{
	assert_int_equal(h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN,
			 VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(h->gso_size), GSO_MSS);
	assert_true(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16toh(h->csum_start), 34);
	assert_int_equal(le16toh(h->csum_offset), 16);
}

/* One frame each way between guest s and its tap. */
void dn_exchange(struct scene *s, uint32_t seq)
{
	uint8_t want[FRAME], got[2048];

	dn_frame_fill(want, FRAME, seq, dn_host_mac, dn_guest_mac);
	assert_int_equal(netdrv_send(&s->net, NULL, want, FRAME, false), 0);
	assert_int_equal(dn_host_recv(s->h.ps, got, sizeof(got), DF_WAIT_MS),
			 FRAME);
	assert_memory_equal(got, want, FRAME);
	dn_frame_fill(want, FRAME, seq, dn_guest_mac, dn_host_mac);
	assert_int_equal(send(s->h.ps, want, FRAME, 0), FRAME);
	assert_int_equal(
		dn_guest_recv(&s->net, NULL, got, sizeof(got), DF_WAIT_MS),
		FRAME);
	assert_memory_equal(got, want, FRAME);
}
