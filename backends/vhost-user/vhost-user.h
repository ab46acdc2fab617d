/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vhost-user front-end as a device backend: the guest sees an ordinary
 * virtio device (its type, features and configuration come from the
 * back-end), and an external daemon behind a unix socket (vhost-user.rst)
 * does the work, on shadow virtqueues in memory we share with it
 * (vu-shadow.h), since Xen guest memory cannot be passed as a descriptor.
 *
 * The back-end must be there when the device is created: its features and
 * configuration are what the guest is offered. If it goes away later, the
 * device goes to DEVICE_NEEDS_RESET with a log line, the front-end tries to
 * reconnect (with backoff, in the event loop), and the device works again
 * once the back-end is back and the guest has reset it. A back-end that
 * comes back offering less than before is refused until it offers as much.
 *
 * Nothing waits for the back-end once the device exists: control-path
 * exchanges (reconnection, DRIVER_OK, reset, configuration writes) run as
 * jobs in the event loop, each reply awaited as socket events with a
 * timeout_ms deadline that drops the back-end (NEEDS_RESET); the data path's
 * kicks and calls are eventfds. Only vu_dev_new() waits, up to timeout_ms in
 * all, for the first handshake: the guest is offered what it returns.
 */
#ifndef XVDM_VHOST_USER_H
#define XVDM_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct vdev;
struct vdev_params;
struct vu_dev;

/* Defaults. */
#define VU_QUEUE_SIZE_MAX 512 /* shadow rings stay within 1024 */
#define VU_MAX_QUEUES 16
#define VU_TIMEOUT_MS 1000
#define VU_RECONNECT_MIN_MS 100
#define VU_RECONNECT_MAX_MS 5000

/*
 * XEN_MMAP (rust-vmm back-ends): the guest RAM a back-end may map itself by
 * foreign mapping, so requests need no copy. Offered only when the daemon
 * describes the guest's RAM.
 */
#define VU_XEN_RAM_MAX 4

struct vu_xen_ram {
	unsigned nregions; /* 0: XEN_MMAP is not taken */
	struct {
		uint64_t gpa, size;
	} region[VU_XEN_RAM_MAX];
	const char *privcmd; /* the descriptor passed; NULL: /dev/xen/privcmd */
};

struct vu_params {
	const char *path;    /* the back-end's unix socket */
	uint32_t device_id;  /* VIRTIO_ID_*: what the guest expects */
	uint16_t num_queues; /* request queues; 0: 1 */
	/* A power of two <= VU_QUEUE_SIZE_MAX; 0: the type's (blk 128, fs 64) */
	uint16_t queue_size;
	const char *tag; /* virtio-fs: the tag to mount; NULL: "virtiofs" */
	int timeout_ms;	 /* 0: VU_TIMEOUT_MS */
	uint32_t reconnect_min_ms; /* 0: VU_RECONNECT_MIN_MS */
	uint32_t reconnect_max_ms; /* 0: VU_RECONNECT_MAX_MS */
	bool no_event_idx; /* never EVENT_IDX on the shadow rings (bench) */
	const struct vu_xen_ram *xen_ram; /* NULL: no XEN_MMAP */
};

/* True when the front-end serves device_id (virtio-blk, virtio-fs). */
bool vu_supports(uint32_t device_id);

/*
 * Connects, negotiates and creates the device. vp supplies mem, logger,
 * domid, name and the transport's features. On error -errno and a message
 * naming the socket and the reason in err.
 */
int vu_dev_new(const struct vu_params *p, const struct vdev_params *vp,
	       struct evloop *loop, struct vu_dev **out, char *err,
	       size_t err_len) must_check;
/* Resets the device, disconnects and frees it. NULL-safe. */
void vu_dev_free(struct vu_dev *d);
struct vdev *vu_dev_vdev(struct vu_dev *d);
/* True while a back-end is connected, its handshake through. */
bool vu_dev_connected(const struct vu_dev *d);

/* Notification counts since creation (for the benchmark). */
struct vu_stats {
	uint64_t requests; /* forwarded to the back-end */
	uint64_t kicks;	   /* eventfd writes to the back-end */
	uint64_t calls;	   /* call eventfd signals from it */
	uint64_t wakeups;  /* ... and how many times we woke for them */
};
void vu_dev_stats(const struct vu_dev *d, struct vu_stats *out);

#endif
