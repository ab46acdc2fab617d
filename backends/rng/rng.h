/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio entropy device (virtio 1.2 §5.4): one requestq whose
 * device-writable buffers are filled from a host source (/dev/urandom by
 * default, or a hardware RNG), read non-blocking in the device's loop
 * straight into the guest's buffers, optionally at a limited rate.
 *
 * What one guest can take is bounded: one request is being filled at a
 * time, at most RNG_REQ_MAX bytes go into a request (§5.4.6.2 lets the
 * device use less than the buffer), at most RNG_TURN_MAX bytes per loop
 * turn (the rest waits for the next turn, so other devices on the thread
 * run), and with a rate the long-run average is `rate` bytes per second
 * with bursts of at most a tenth of a second's worth.
 */
#ifndef XVDM_RNG_H
#define XVDM_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct evloop;
struct rng;
struct vdev;
struct vdev_params;

#define RNG_DEFAULT_SOURCE "/dev/urandom"
#define RNG_QUEUE_SIZE 64
#define RNG_MAX_IOV 16
#define RNG_REQ_MAX 4096u
#define RNG_TURN_MAX (64u * 1024)
#define RNG_RATE_MAX (1ll << 30) /* bytes per second */

struct rng_params {
	const char *source; /* NULL: RNG_DEFAULT_SOURCE */
	uint64_t rate;	    /* bytes per second, <= RNG_RATE_MAX; 0: no limit */
};

/*
 * Opens the source and creates the device; vp supplies mem, logger,
 * domid, name and the transport's features. On error -errno with a
 * message naming the source in err.
 */
int rng_new(const struct rng_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct rng **out, char *err,
	    size_t err_len) must_check;
void rng_free(struct rng *r); /* NULL-safe; resets the device first */
struct vdev *rng_vdev(struct rng *r);
/* The device embedding vdev, which must be one rng_vdev() returned. */
struct rng *rng_of(struct vdev *vdev);

#endif
