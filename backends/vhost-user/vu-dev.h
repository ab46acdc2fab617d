/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the vhost-user front-end shared by vu-dev.c (the device and
 * its data path), vu-link.c (the connection: handshake, rings, reconnection)
 * and vu-type.c (what differs per device type).
 */
#ifndef XVDM_VU_DEV_H
#define XVDM_VU_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vdev.h"
#include "vhost-user.h"
#include "vu-msg.h"
#include "vu-shadow.h"

struct evloop;
struct evloop_fd;
struct evloop_notifier;
struct evloop_timer;

/* What the front-end does differently per device type. */
struct vu_type {
	const struct vdev_ops *ops;
	uint32_t config_len; /* bytes of configuration space */
	/*
	 * true: the configuration comes from the back-end (GET_CONFIG);
	 * false: the front-end makes it up (virtio-fs: tag and queues).
	 */
	bool backend_config;
	uint64_t device_features;   /* back-end bits we may offer */
	uint64_t readonly_features; /* what makes it read-only; 0: never */
	uint16_t queue_size;	    /* default QueueNumMax, slots per queue */
	uint16_t extra_queues;	    /* rings besides the request queues */
	uint32_t slot_bytes;	    /* bounce buffer per request */
	/*
	 * Bounds requests to slot_bytes: adds features and fills or clamps
	 * config fields (little-endian) so the guest never builds a larger
	 * one; returns the iovecs per request that then fit.
	 */
	uint16_t (*limit)(const struct vu_dev *d, uint64_t *features,
			  uint8_t *config);
	/*
	 * Completes a request we cannot forward (larger than a slot) with
	 * the type's error, setting *written; false when it cannot even be
	 * failed, and the device must be.
	 */
	bool (*reject)(struct vq_elem *elem, uint32_t *written);
};

const struct vu_type *vu_type_find(uint32_t device_id);

struct vu_queue {
	struct vu_dev *dev;
	unsigned idx;
	int kick_fd, call_fd, err_fd;
	struct evloop_fd *call_w, *err_w;
	bool started;  /* the back-end runs the ring */
	bool resched;  /* requests left in the guest ring */
	uint16_t base; /* avail index the ring restarts at */
};

struct vu_dev {
	struct vdev vdev;
	const struct vu_type *type;
	struct evloop *loop;
	char path[108];
	int timeout_ms;
	uint32_t reconnect_min_ms, reconnect_max_ms;
	uint16_t num_queues; /* rings: request queues and extra ones */
	uint16_t queue_size;
	uint16_t max_iov;
	char tag[36]; /* virtio-fs: what the guest mounts, NUL-padded */
	uint8_t config[VU_CONFIG_MAX];
	uint64_t offered;     /* back-end feature bits the guest was offered */
	uint64_t guest_offer; /* ... with the limits' bits: what vdev offers */
	bool vdev_ready;

	/* The connection; all of it goes when the back-end does. */
	int sock;
	struct evloop_fd *sock_w;
	uint64_t be_features; /* what the back-end offers */
	uint64_t protocol;    /* protocol features negotiated */
	struct vu_shadow *shadow;
	bool mem_sent;
	struct vu_queue *q;

	struct evloop_timer *timer; /* reconnection */
	uint32_t backoff_ms;
	struct evloop_notifier *kick; /* resumes queues out of budget */
};

/* vu-dev.c: the vdev operations every type's ops table uses. */
int vu_dev_activate(struct vdev *vdev);
void vu_dev_queue_notify(struct vdev *vdev, unsigned qidx);
void vu_dev_reset(struct vdev *vdev);
void vu_dev_config_written(struct vdev *vdev, uint32_t offset, uint32_t len);
/* Takes what the back-end completed on queue q. */
void vu_dev_drain(struct vu_dev *d, unsigned q);

/* vu-link.c: the connection. */
/*
 * Connects and negotiates (features, protocol features, owner, queues,
 * configuration into d->config), sets up the shadow memory and eventfds.
 * On error the connection is closed, -errno, a reason in err.
 */
int vu_link_connect(struct vu_dev *d, char *err, size_t err_len) must_check;
/* Closes the connection and frees what belongs to it. Idempotent. */
void vu_link_close(struct vu_dev *d);
/*
 * One exchange (reply NULL: only an ack may come back, asked for when
 * REPLY_ACK is negotiated); on error a reason naming the request in err.
 */
int vu_link_call(struct vu_dev *d, struct vu_msg *m, const int *fds,
		 unsigned nfds, struct vu_msg *reply, char *err,
		 size_t err_len) must_check;

/* vu-ctl.c: what runs on an established connection, and its loss. */
/*
 * Drops the back-end: log line, NEEDS_RESET (unless the guest has not
 * touched the device), reconnection armed.
 */
void vu_link_lost(struct vu_dev *d, const char *fmt, ...) printf_like(2, 3);
/* DRIVER_OK: features, memory, every ready ring. */
int vu_link_start(struct vu_dev *d) must_check;
/* Reset: stops the rings (GET_VRING_BASE), resets the back-end. */
int vu_link_stop(struct vu_dev *d) must_check;
int vu_link_set_config(struct vu_dev *d, uint32_t offset,
		       uint32_t len) must_check;
int vu_link_timer_init(struct vu_dev *d) must_check;

#endif
