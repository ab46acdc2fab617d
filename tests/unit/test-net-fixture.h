/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the virtio-net tests (test-net*.c): each test runs in a
 * fresh network namespace (unshare(CLONE_NEWNET)), so the tap the device
 * creates never touches the host's network. The test plays the network
 * through a packet socket bound to the tap: what it sends comes out of the
 * tap's fd to the device, what the device writes arrives at the socket.
 * Without the privileges for that, every test is skipped.
 */
#ifndef XVDM_TEST_NET_FIXTURE_H
#define XVDM_TEST_NET_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"
#include "net/net.h"

struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x200000ull
#define RXR_GPA RAM_GPA
#define TXR_GPA (RAM_GPA + 0x8000ull)
#define BUF_GPA (RAM_GPA + 0x20000ull)
#define QNUM 64
#define TAP_NAME "vnt0"
#define TAP_MTU 9000
#define TEST_ETHERTYPE 0x88b5 /* IEEE local experimental */

/* The prestate: feature bits the driver declines. */
struct setup_cfg {
	uint64_t decline;
};

struct fix {
	bool ok; /* the namespace and the tap exist */
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	struct net *net;
	struct vdev *vdev;
	struct driver_ring rx, tx;
	uint8_t mac[6];
	int psock; /* packet socket on the tap */
};

int nf_setup(void **state);
int nf_teardown(void **state);
/* Skips the test (with a message) when the fixture could not be built. */
void nf_require(struct fix *f);
uint8_t *nf_ptr(struct fix *f, uint64_t gpa, uint64_t len);
bool nf_log_has(struct fix *f, const char *needle);
/* A chain made available on the queue's ring and notified; its head. */
uint16_t nf_kick(struct fix *f, unsigned qidx, const struct driver_buf *b,
		 unsigned n);
/* Runs the loop until the ring shows a used entry (at most ms). */
bool nf_used(struct fix *f, struct driver_ring *r, unsigned ms, uint32_t *id,
	     uint32_t *len);
/* Writes a test frame of len bytes (pattern from seed) into the network. */
void nf_frame(struct fix *f, uint8_t *buf, size_t len, uint8_t seed);
void nf_send(struct fix *f, const uint8_t *frame, size_t len);
/* A test frame the device sent, or -1 after ms; runs the loop meanwhile. */
long nf_recv(struct fix *f, uint8_t *buf, size_t max, unsigned ms);
/* After a few loop turns: nothing more used, NEEDS_RESET, not live. */
void nf_assert_needs_reset(struct fix *f);

#endif
