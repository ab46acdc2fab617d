/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scripted vhost-user back-end the front-end's unit tests talk to: a
 * thread behind a unix socket that answers the handshake and the control
 * path as told (leave things out, refuse, hang, talk out of turn, hand out
 * an in-flight area or get it wrong), noting what it was sent; and the
 * fixture around a device on it (guest RAM, event loop, a guest driver's
 * queue 0).
 */
#ifndef XVDM_TEST_VHOST_USER_FIXTURE_H
#define XVDM_TEST_VHOST_USER_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"
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
	enum { IF_GOOD, IF_NO_FD, IF_PIPE, IF_SMALL } inflight_mode;
	/* What it saw (atomic): per connection (total), 1-based, up to 3. */
	int get_inflight[4], set_inflight[4];
	ino_t set_inflight_ino[4], mem_ino[4], area_ino;
	int started[4];		 /* SET_VRING_KICK count */
	struct vu_msg mem, addr; /* the last SET_MEM_TABLE, SET_VRING_ADDR */
	size_t mem_nfds;
	int conns; /* accepted so far (atomic) */
	int total; /* ... by every instance, never reset (atomic) */
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
	struct driver_ring ring; /* the guest's queue 0 */
};

int vuf_setup(void **state);
int vuf_teardown(void **state);
void vuf_fake_start(struct fake *k);
/* The back-end dies: its connection goes with it. */
void vuf_fake_stop(struct fake *k);
/* vu_dev_new() with f->p into f->d; the reason in f->err. */
int vuf_create(struct fx *f);
/* Runs the loop for ms, or until the connection state is want. */
bool vuf_wait_connected(struct fx *f, bool want, int ms);
/* The driver's side of §3.1.1 with queue 0 (f->ring), up to DRIVER_OK. */
void vuf_drive(struct fx *f);
bool vuf_needs_reset(struct fx *f);
/* Runs the loop until queue 0 runs on the back-end, or ms. */
bool vuf_wait_started(struct fx *f, int ms);

#endif
