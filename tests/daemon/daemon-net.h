/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network side of the virtio-net daemon scenarios (test-daemon-net.c):
 * a guest with a net device on a tap of a unique name, probed by the
 * Linux-like driver, and the host's end of that tap (up, a packet socket
 * bound to it); test frames with a sequence number and a pattern, a TCP
 * segment for TSO, and the tap's drop counter. Every tap is gone when the
 * daemon stops (deleted if not).
 */
#ifndef XVDM_TESTS_DAEMON_NET_H
#define XVDM_TESTS_DAEMON_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon-fixture.h"
#include "virtio-net-driver.h"

#define ETHERTYPE 0x88b5 /* IEEE local experimental */
#define BURST 10000u
#define FRAME 1514u
#define JUMBO_MTU 9000
#define GSO_MSS 1448u
#define GSO_PAYLOAD (44u * GSO_MSS) /* 63712 bytes of TCP data */
#define RAM_END (XENSIM_RAM0_BASE + DF_RAM_SIZE)

extern const uint8_t dn_guest_mac[6]; /* the config's mac */
extern const uint8_t dn_host_mac[6];

struct host {
	char tap[IFNAMSIZ];
	int ifindex;
	int ps; /* packet socket on the tap */
};

struct scene {
	struct dfix *f;
	struct dguest g;
	struct netdrv net;
	uint64_t features; /* the driver's; 0: NETDRV_FEATURES */
	struct host h;
};

int64_t dn_now_us(void);
/* A packet socket bound to the tap (vnet: with PACKET_VNET_HDR). */
int dn_host_socket(const struct host *h, bool vnet);
/* A frame of len bytes: dst, src, ETHERTYPE, seq, a pattern from seq. */
void dn_frame_fill(uint8_t *buf, size_t len, uint32_t seq, const uint8_t *dst,
		   const uint8_t *src);
uint64_t dn_fnv(uint64_t h, const uint8_t *p, size_t len);
/* A test frame from the tap, or -1 after ms. */
ssize_t dn_host_recv(int s, uint8_t *buf, size_t max, int ms);
/* A test frame in the guest, or 0 after ms. */
ssize_t dn_guest_recv(struct netdrv *n, struct virtio_net_hdr_v1 *hdr,
		      uint8_t *buf, size_t max, int ms);
/* Guest domid's device on a new tap: appends its section to cfg. */
void dn_scene_prepare(struct dfix *f, struct scene *s, uint32_t domid,
		      char *cfg, size_t len);
void dn_guest_probe(struct scene *s);
/* The guest boots and probes; the host side of its tap goes up. */
void dn_scene_boot(struct scene *s);
/* One guest, one daemon. */
void dn_scene_start(struct dfix *f, struct scene *s, uint32_t domid);
/* The driver clean and removed, the packet socket closed. */
void dn_scene_end(struct scene *s);
/* The daemon stops; its taps are gone with it. */
void dn_finish(struct dfix *f, struct scene *s, unsigned n);
uint64_t dn_tap_tx_dropped(const char *tap);
/* Ethernet + IPv4 + TCP with GSO_PAYLOAD bytes; its length. */
size_t dn_tcp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src);
void dn_tso_hdr(struct virtio_net_hdr *h);
void dn_assert_tso_hdr(const struct virtio_net_hdr *h);
/*
 * A CHECKSUM_PARTIAL frame from dn_tcp_frame(): completes its checksum
 * as a NIC would (sum from csum_start, into csum_offset) and checks the
 * result against the full TCP checksum with its pseudo-header.
 */
bool dn_tcp_csum_completes(uint8_t *f, size_t len);
/* One frame each way between guest s and its tap. */
void dn_exchange(struct scene *s, uint32_t seq);

#endif
