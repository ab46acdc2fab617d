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
#include "vu-conn.h"
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
	bool started;  /* we submit to it: started, and the device live */
	bool running;  /* the back-end runs it: GET_VRING_BASE to stop it */
	bool resched;  /* requests left in the guest ring */
	uint16_t base; /* avail index the ring restarts at */
};

/*
 * The control path is a queue of jobs (handshake, start, stop, a
 * configuration write), each a short sequence of exchanges run by vu-job.c
 * from the event loop: a request goes out, its reply is awaited as socket
 * events with a deadline timer, the job goes on from the reply. Nothing
 * waits, so a back-end that stops answering holds up its own device only.
 */
struct vu_job;

struct vu_job_ops {
	const char *name;
	/*
	 * Fills the job's next request (and its descriptors): 1; 0 when the
	 * job is done; -errno with a reason in d->why to drop the back-end.
	 */
	int (*next)(struct vu_dev *d, struct vu_job *j, struct vu_msg *m,
		    int *fds, unsigned *nfds);
	/*
	 * The reply to m, already checked by the codec; rc is -EREMOTEIO when
	 * the back-end refused the request. 0 goes on; -errno (reason in
	 * d->why) drops the back-end. NULL: any refusal drops it.
	 */
	int (*reply)(struct vu_dev *d, struct vu_job *j, const struct vu_msg *m,
		     struct vu_rx *rx, int rc);
	/* Optional: every exchange went through. */
	void (*done)(struct vu_dev *d, struct vu_job *j);
};

struct vu_job {
	const struct vu_job_ops *ops;
	unsigned step; /* where next() is */
	unsigned ring;
	uint32_t lo, hi; /* a configuration write: the bytes written */
	uint64_t u64;	 /* a value carried from one step to the next */
};

#define VU_JOBS 8 /* queued at most: a guest cannot queue more (coalesced) */

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
	bool up;	      /* the handshake is through */
	bool creating;	      /* vu_dev_new() runs the handshake */
	uint64_t be_features; /* what the back-end offers */
	uint64_t protocol;    /* protocol features negotiated */
	struct vu_shadow *shadow;
	bool mem_sent;
	struct vu_queue *q;
	uint8_t new_config[VU_CONFIG_MAX]; /* GET_CONFIG lands here */

	/* The control path: jobs, the request in flight, its reply. */
	struct vu_job jobs[VU_JOBS];
	unsigned job_head, njobs;
	struct vu_msg req;
	bool waiting; /* for the reply to req */
	struct vu_rx rx;
	struct evloop_timer *deadline;
	int fail_rc; /* why the last job failed, for vu_dev_new() */
	struct vu_stats stats;
	bool no_event_idx;
	/* XEN_MMAP: the guest RAM we describe, when the daemon gave it. */
	struct {
		bool enabled;
		uint32_t domid;
		unsigned nregions;
		struct vu_mem_region ram[VU_XEN_RAM_MAX];
		char privcmd[64];
		int fd;	 /* privcmd, while connected */
		bool on; /* negotiated on this connection */
	} xen;
	/* INFLIGHT_SHMFD: the area, which outlives connections. */
	struct {
		int fd;
		uint64_t size, offset;
		bool sent; /* to this connection */
	} inflight;
	bool kept;     /* the shadow outlived its back-end (INFLIGHT_SHMFD) */
	char why[192]; /* and in words */

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
/* The same without dropping the back-end on a bad entry: 0 or -EPROTO. */
int vu_dev_take_used(struct vu_dev *d, unsigned q, char *why,
		     size_t why_len) must_check;
/* Signals the back-end's kick eventfd of queue q. */
void vu_dev_kick(struct vu_dev *d, unsigned q);
/* The rings just started: takes what the guest queued meanwhile. */
void vu_dev_resume(struct vu_dev *d);

/* vu-job.c: the control path's engine. */
int vu_job_init(struct vu_dev *d) must_check;
void vu_job_fini(struct vu_dev *d);
/*
 * Queues a job (a configuration write merges into one not yet begun) and
 * runs the queue. -ENOSPC when full: the caller drops the back-end.
 */
int vu_job_push(struct vu_dev *d, const struct vu_job_ops *ops, uint32_t lo,
		uint32_t hi) must_check;
/* Sends what can be sent now. */
void vu_job_run(struct vu_dev *d);
/* The socket is readable: the reply awaited, or a protocol error. */
void vu_job_on_sock(struct vu_dev *d);
/* Forgets every job and the exchange in flight (the connection closes). */
void vu_job_clear(struct vu_dev *d);
/* True while jobs are queued or an exchange is in flight. */
bool vu_job_busy(const struct vu_dev *d);

/* vu-link.c: the connection. */
/*
 * Connects and queues the handshake (features, protocol features, owner,
 * queues, configuration into d->new_config; then shadow memory and
 * eventfds). -errno when the socket cannot even be connected.
 */
int vu_link_connect(struct vu_dev *d, char *err, size_t err_len) must_check;
/*
 * vu_dev_new(): connects and runs the handshake to its end, waiting on
 * the socket for at most timeout_ms in all (the guest cannot see the
 * device yet). On error the connection is closed, -errno, a reason in err.
 */
int vu_link_connect_sync(struct vu_dev *d, char *err,
			 size_t err_len) must_check;
/* Closes the connection and frees what belongs to it. Idempotent. */
void vu_link_close(struct vu_dev *d);
/*
 * Closes the connection but keeps the shadow memory and the requests in
 * it, for the next back-end to resume (INFLIGHT_SHMFD).
 */
void vu_link_suspend(struct vu_dev *d);

/*
 * vu-inflight.c: INFLIGHT_SHMFD. The back-end's in-flight tracking area is
 * ours to keep across its restarts: taken once (GET_INFLIGHT_FD), handed to
 * every later connection (SET_INFLIGHT_FD), so a restarted back-end
 * resubmits what its predecessor had not completed.
 */
/* The start job's next request about it: 1 and *m, or 0: nothing (more). */
int vu_inflight_next(struct vu_dev *d, struct vu_msg *m, int *fds,
		     unsigned *nfds) must_check;
/* GET_INFLIGHT_FD's reply: maps the area. 0 or -errno (reason in why). */
int vu_inflight_reply(struct vu_dev *d, struct vu_rx *rx) must_check;
/* True while we hold an area. */
bool vu_inflight_held(const struct vu_dev *d);
/* Drops the area (a guest reset: what it tracked is gone). */
void vu_inflight_free(struct vu_dev *d);

/* vu-xen.c: XEN_MMAP, the guest's rings straight to the back-end. */
/* The back-end offers it and all it takes: the mode of this connection. */
bool vu_xen_usable(const struct vu_dev *d);
/* SET_FEATURES in that mode: the guest's, ring features included. */
uint64_t vu_xen_features(const struct vu_dev *d);
/* SET_MEM_TABLE with the guest's RAM: 1 and *m, or -errno. */
int vu_xen_mem_next(struct vu_dev *d, struct vu_msg *m, int *fds,
		    unsigned *nfds) must_check;
/* Ring i's SET_VRING_NUM (step 0) or SET_VRING_ADDR: the guest's ring. */
int vu_xen_ring_next(struct vu_dev *d, unsigned step, unsigned i,
		     struct vu_msg *m) must_check;
/* A call: the guest's queue interrupt. */
void vu_xen_call(struct vu_dev *d);
/* The connection closed. */
void vu_xen_close(struct vu_dev *d);

/* vu-lost.c: losing the back-end, and reconnecting. */
/*
 * Drops the back-end: log line, NEEDS_RESET (unless the guest has not
 * touched the device), reconnection armed. d->fail_rc says why
 * (-ECONNRESET: it went away, and may be succeeded under INFLIGHT_SHMFD).
 */
void vu_link_lost(struct vu_dev *d, const char *fmt, ...) printf_like(2, 3);
/* Closes the connection and reconnects: now, or after the first backoff. */
void vu_link_reconnect(struct vu_dev *d, bool now);
int vu_link_timer_init(struct vu_dev *d) must_check;
/* The handshake of a reconnection went through. */
void vu_link_up(struct vu_dev *d);

/* vu-ctl.c: what runs on an established connection. */
/*
 * DRIVER_OK: queues features, memory, every ready ring; the rings take
 * requests once the back-end has them all.
 */
int vu_link_start(struct vu_dev *d) must_check;
/*
 * Reset: no request reaches the guest any more (at once), then the rings
 * are stopped (GET_VRING_BASE) and the back-end reset, as a job.
 */
void vu_link_stop(struct vu_dev *d);
void vu_link_set_config(struct vu_dev *d, uint32_t offset, uint32_t len);

#endif
