// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2 §5.4): one requestq of device-writable buffers,
 * each filled with up to RNG_REQ_MAX bytes read from the source straight
 * into the guest's buffers.
 *
 * The source is read non-blocking. When it has nothing (EAGAIN) the element
 * is held and the loop waits for the source to be readable; sources whose
 * driver has no poll() (hw_random's /dev/hwrng, regular files) are retried
 * on a timer instead. With a rate, a token bucket decides how many bytes a
 * request may get; an empty bucket holds the element until a timer says
 * enough has accumulated. Either way at most one element is held, so the
 * rest of the ring waits in the guest's memory, not in ours.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "evloop.h"
#include "iov.h"
#include "rng.h"
#include "vdev.h"

#define NSEC 1000000000ull
/* A drained source that cannot be polled is tried again this much later. */
#define RETRY_NS (10ull * 1000 * 1000)
/* The bucket holds a tenth of a second's worth. */
#define BURST_DIV 10

struct rng {
	struct vdev vdev;
	bool vdev_ready;
	char *source;
	int fd;
	struct evloop_fd *watch; /* NULL: the source cannot be polled */
	bool watching;		 /* watch armed for EPOLLIN */
	struct evloop_timer *timer;
	struct evloop_notifier *kick; /* the next turn of a long batch */
	struct vq_elem *cur; /* popped, waiting for the source or the bucket */
	uint64_t rate;	     /* bytes per second; 0: no limit */
	uint64_t burst;	     /* bucket size in bytes */
	uint64_t credit;     /* in byte-nanoseconds: NSEC per byte */
	uint64_t last_ns;    /* when credit was last brought up to date */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/*
 * The bytes the bucket allows now. One second refills any bucket (burst
 * <= rate), so dt is capped there and dt * rate cannot overflow:
 * rate <= 2^30 makes credit <= 2^61.
 */
static uint64_t bucket_bytes(struct rng *r)
{
	uint64_t now = now_ns(), dt = now - r->last_ns;
	uint64_t cap = r->burst * NSEC;

	r->last_ns = now;
	if (dt > NSEC)
		dt = NSEC;
	r->credit += dt * r->rate;
	if (r->credit > cap)
		r->credit = cap;
	return r->credit / NSEC;
}

static void arm_timer(struct rng *r, uint64_t ns)
{
	int rc = evloop_timer_arm(r->timer, ns ? ns : 1, 0);

	if (rc)
		vdev_fail(&r->vdev, "rng: timer: %s", strerror(-rc));
}

/* Sleeps until the bucket holds want bytes, or all it can hold. */
static void wait_bucket(struct rng *r, uint64_t want)
{
	uint64_t need = (want < r->burst ? want : r->burst) * NSEC;

	arm_timer(r, (need - r->credit + r->rate - 1) / r->rate);
}

static void watch_source(struct rng *r, bool on)
{
	int rc;

	if (!r->watch || r->watching == on)
		return;
	rc = evloop_mod_fd(r->watch, on ? EPOLLIN : 0);
	if (rc)
		vdev_fail(&r->vdev, "rng: epoll: %s", strerror(-rc));
	else
		r->watching = on;
}

static void wait_source(struct rng *r)
{
	if (r->watch)
		watch_source(r, true);
	else
		arm_timer(r, RETRY_NS);
}

/*
 * Reads into e's writable part: 0 with *got > 0, -EAGAIN (a wake-up is
 * armed), or -errno after failing the device (the source failed or ended).
 */
static int fill(struct rng *r, struct vq_elem *e, uint32_t *got)
{
	struct iovec iov[RNG_MAX_IOV];
	size_t want = e->in_len < RNG_REQ_MAX ? e->in_len : RNG_REQ_MAX;
	struct iov_cursor c;
	ssize_t n;
	int cnt, err;

	if (r->rate) {
		uint64_t avail = bucket_bytes(r);

		if (!avail) {
			wait_bucket(r, want);
			return -EAGAIN;
		}
		if (want > avail)
			want = avail;
	}
	iov_cursor_init(&c, e->in, e->in_num);
	/* in_num <= max_iov == RNG_MAX_IOV: the slice always fits. */
	cnt = iov_cursor_slice(&c, want, iov, RNG_MAX_IOV);
	assert(cnt > 0);
	do
		n = readv(r->fd, iov, cnt);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		if (r->rate)
			r->credit -= (uint64_t)n * NSEC;
		*got = (uint32_t)n;
		return 0;
	}
	err = n < 0 ? errno : 0;
	if (err == EAGAIN || err == EWOULDBLOCK) {
		wait_source(r);
		return -EAGAIN;
	}
	vdev_fail(&r->vdev, "rng source %s: %s", r->source,
		  err ? strerror(err) : "end of file");
	return err ? -err : -ENODATA;
}

/* Whether e can be filled; if not, it has been given back. */
static bool usable(struct rng *r, struct vq_elem *e)
{
	/* virtio 1.2 §5.4.6.1: no device-readable buffers in the requestq. */
	if (e->out_num || e->out_len) {
		vdev_fail(&r->vdev,
			  "requestq: head %u: %u device-readable bytes "
			  "(virtio 1.2 §5.4.6.1)",
			  e->head, e->out_len);
		vdev_push(&r->vdev, 0, e, 0); /* broken queue: released */
		return false;
	}
	/*
	 * Only zero-length descriptors: §5.4.6.2's "one or more bytes"
	 * cannot be met, so the buffer goes back empty.
	 */
	if (!e->in_len) {
		log_guest(&r->vdev.log, LOG_WARN,
			  "requestq: head %u: no room for a byte", e->head);
		vdev_push(&r->vdev, 0, e, 0);
		return false;
	}
	return true;
}

static void process(struct rng *r)
{
	bool pushed = false;
	size_t turn = 0;
	uint32_t n = 0;
	int rc;

	while (vdev_is_live(&r->vdev)) {
		if (!r->cur) {
			/* Bounded work per turn; the kick brings the rest. */
			if (turn >= RNG_TURN_MAX) {
				evloop_notifier_signal(r->kick);
				break;
			}
			r->cur = vdev_pop(&r->vdev, 0);
			if (!r->cur)
				break;
			if (!usable(r, r->cur)) {
				r->cur = NULL;
				pushed = true;
				continue;
			}
		}
		rc = fill(r, r->cur, &n);
		if (rc == -EAGAIN)
			break;
		/* On a failed device this only releases the element. */
		vdev_push(&r->vdev, 0, r->cur, rc ? 0 : n);
		r->cur = NULL;
		if (rc)
			break;
		pushed = true;
		turn += n;
	}
	if (pushed)
		vdev_notify(&r->vdev, 0);
}

static void on_readable(void *opaque, int fd, uint32_t events)
{
	struct rng *r = opaque;

	/*
	 * A hung-up source (a FIFO whose writer left) is reported even with
	 * no events asked for: stop watching it for good; the read below
	 * or the next one sees the end and fails the device.
	 */
	if (events & (EPOLLHUP | EPOLLERR)) {
		evloop_del_fd(r->watch);
		r->watch = NULL;
	} else {
		watch_source(r, false);
	}
	process(r);
}

static void on_timer(void *opaque, uint64_t expirations)
{
	process(opaque);
}

static void on_kick(void *opaque)
{
	process(opaque);
}

static int rng_activate(struct vdev *vdev)
{
	struct rng *r = container_of(vdev, struct rng, vdev);

	/* Buffers the driver made available before DRIVER_OK. */
	evloop_notifier_signal(r->kick);
	return 0;
}

static void rng_queue_notify(struct vdev *vdev, unsigned qidx)
{
	process(container_of(vdev, struct rng, vdev));
}

/*
 * virtio 1.2 §2.4: nothing is written after a reset. The held element is
 * the vdev layer's to take back (vq_stop()). The bucket keeps its credit:
 * a reset must not buy a guest a fresh burst.
 */
static void rng_reset(struct vdev *vdev)
{
	struct rng *r = container_of(vdev, struct rng, vdev);

	r->cur = NULL;
	watch_source(r, false);
	if (evloop_timer_arm(r->timer, 0, 0))
		log_warn(&r->vdev.log, "rng: cannot disarm the timer");
}

static const struct vdev_ops rng_ops = {
	.type = "rng",
	.device_id = VIRTIO_ID_RNG,
	.activate = rng_activate,
	.queue_notify = rng_queue_notify,
	.reset = rng_reset,
};

static int open_source(struct rng *r, struct evloop *loop, char *err,
		       size_t err_len)
{
	struct stat st;
	int rc;

	r->fd = open(r->source, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		rc = -errno;
		snprintf(err, err_len, "rng source %s: %s", r->source,
			 strerror(-rc));
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "rng source %s: a directory", r->source);
		return -EISDIR;
	}
	rc = evloop_add_fd(loop, r->fd, 0, on_readable, r, &r->watch);
	/* epoll refuses files without poll(): they are retried on a timer. */
	if (rc == -EPERM) {
		r->watch = NULL;
		rc = 0;
	}
	if (rc)
		snprintf(err, err_len, "rng source %s: epoll: %s", r->source,
			 strerror(-rc));
	return rc;
}

static int init_vdev(struct rng *r, const struct vdev_params *vp, char *err,
		     size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	params.ops = &rng_ops;
	params.num_queues = 1; /* §5.4.2: requestq */
	params.queue_num_max = RNG_QUEUE_SIZE;
	params.max_iov = RNG_MAX_IOV;
	params.config = NULL; /* §5.4.4: no configuration */
	params.config_len = 0;
	rc = vdev_init(&r->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "rng: device: %s", strerror(-rc));
		return rc;
	}
	r->vdev_ready = true;
	return 0;
}

static int setup(struct rng *r, const struct vdev_params *vp,
		 struct evloop *loop, char *err, size_t err_len)
{
	int rc;

	rc = open_source(r, loop, err, err_len);
	if (rc)
		return rc;
	rc = evloop_add_timer(loop, on_timer, r, &r->timer);
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, r, &r->kick);
	if (rc) {
		snprintf(err, err_len, "rng: loop: %s", strerror(-rc));
		return rc;
	}
	return init_vdev(r, vp, err, err_len);
}

int rng_new(const struct rng_params *p, const struct vdev_params *vp,
	    struct evloop *loop, struct rng **out, char *err, size_t err_len)
{
	const char *source = p->source ? p->source : RNG_DEFAULT_SOURCE;
	struct rng *r;
	int rc;

	*out = NULL;
	if (p->rate > RNG_RATE_MAX) {
		snprintf(err, err_len, "rng: rate %llu above %lld bytes/s",
			 (unsigned long long)p->rate, RNG_RATE_MAX);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->source = strdup(source))) {
		free(r);
		snprintf(err, err_len, "rng: out of memory");
		return -ENOMEM;
	}
	r->fd = -1;
	r->rate = p->rate;
	r->burst = p->rate / BURST_DIV ? p->rate / BURST_DIV : 1;
	r->credit = r->burst * NSEC;
	r->last_ns = now_ns();
	rc = setup(r, vp, loop, err, err_len);
	if (rc) {
		rng_free(r);
		return rc;
	}
	if (r->rate)
		log_info(&r->vdev.log, "entropy from %s, %llu bytes/s",
			 r->source, (unsigned long long)r->rate);
	else
		log_info(&r->vdev.log, "entropy from %s, no rate limit",
			 r->source);
	if (!r->watch)
		log_debug(&r->vdev.log,
			  "%s cannot be polled: retried every "
			  "%llu ms when dry",
			  r->source, RETRY_NS / 1000000);
	*out = r;
	return 0;
}

void rng_free(struct rng *r)
{
	if (!r)
		return;
	if (r->vdev_ready)
		vdev_fini(&r->vdev);
	evloop_del_fd(r->watch);
	evloop_del_timer(r->timer);
	evloop_del_notifier(r->kick);
	if (r->fd >= 0)
		close(r->fd);
	free(r->source);
	free(r);
}

struct vdev *rng_vdev(struct rng *r)
{
	return &r->vdev;
}

struct rng *rng_of(struct vdev *vdev)
{
	assert(vdev->ops == &rng_ops);
	return container_of(vdev, struct rng, vdev);
}
