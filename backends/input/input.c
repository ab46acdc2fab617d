// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-input (virtio 1.2 §5.8) from a host evdev device or a socket
 * client: eventq 0 gets the host's events one per buffer, statusq 1 brings
 * LED changes back.
 *
 * Events go through a ring of INPUT_RING entries and only whole frames
 * (up to and including a SYN_REPORT) are handed to the guest, so the
 * guest never sees half an update (§5.8.6.2 "SHOULD NOT drop individual
 * input events if they are part of a sequence"). A full ring stops the
 * reads: the backlog stays in the kernel, which inserts SYN_DROPPED when
 * its buffer overflows; then the unfinished frame is dropped and so is
 * the rest of the host's, up to its SYN_REPORT, as evdev asks of readers.
 * A socket client has no kernel buffer behind it, so the socket is read
 * whatever the ring holds: a frame that does not fit, or that holds an
 * event the device does not have, is dropped whole with a log line.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "evloop.h"
#include "input.h"
#include "iov.h"
#include "vdev.h"

#define EVENTQ 0
#define STATUSQ 1
/* Events moved per loop turn; the kick brings the rest. */
#define TURN_MAX (4 * INPUT_RING)
#define READ_MAX 32
#define EV_SIZE sizeof(struct virtio_input_event)

struct input {
	struct vdev vdev;
	bool vdev_ready;
	struct virtio_input_config cfg;
	struct input_caps caps;
	char *path;
	int fd;	     /* evdev */
	bool socket; /* fed by sock instead */
	struct input_sock sock;
	uint64_t frames_dropped; /* socket frames */
	struct evloop_fd *watch; /* NULL once the host device is gone */
	bool watching;
	struct evloop_notifier *kick;
	struct virtio_input_event ring[INPUT_RING];
	unsigned head, count; /* queued events from head on */
	unsigned whole;	      /* of them, those in complete frames */
	bool skipping;	      /* after SYN_DROPPED: until a SYN_REPORT */
};

static void watch(struct input *in, bool on)
{
	int rc;

	if (in->socket) {
		input_sock_watch(&in->sock, on);
		return;
	}
	if (!in->watch || in->watching == on)
		return;
	rc = evloop_mod_fd(in->watch, on ? EPOLLIN : 0);
	if (rc)
		vdev_fail(&in->vdev, "input: epoll: %s", strerror(-rc));
	else
		in->watching = on;
}

/* Drops the queued events that are not part of a complete frame. */
static void drop_partial(struct input *in, const char *why)
{
	if (in->count > in->whole)
		log_guest(&in->vdev.log, LOG_WARN,
			  "input: %u events dropped: %s", in->count - in->whole,
			  why);
	in->count = in->whole;
	in->skipping = true;
}

static void enqueue(struct input *in, const struct input_event *ev)
{
	struct virtio_input_event *v;

	if (ev->type == EV_SYN && ev->code == SYN_DROPPED) {
		drop_partial(in, "the host's buffer overflowed");
		return;
	}
	if (in->skipping) {
		if (ev->type == EV_SYN && ev->code == SYN_REPORT)
			in->skipping = false;
		return;
	}
	assert(in->count < INPUT_RING); /* read_host() reads what fits */
	v = &in->ring[(in->head + in->count++) % INPUT_RING];
	v->type = htole16(ev->type);
	v->code = htole16(ev->code);
	v->value = htole32((uint32_t)ev->value);
	if (ev->type == EV_SYN && ev->code == SYN_REPORT)
		in->whole = in->count;
}

/* Whether e is an eventq buffer the device may write; if not, failed. */
static bool event_buf_ok(struct input *in, struct vq_elem *e)
{
	/*
	 * virtio 1.2 §5.8.6.1: eventq buffers MUST be device-writable and
	 * at least the size of struct virtio_input_event.
	 */
	if (e->out_num || e->out_len || e->in_len < EV_SIZE) {
		vdev_fail(&in->vdev,
			  "eventq: head %u: %u readable, %u writable bytes "
			  "(virtio 1.2 §5.8.6.1)",
			  e->head, e->out_len, e->in_len);
		vdev_push(&in->vdev, EVENTQ, e, 0); /* only released */
		return false;
	}
	return true;
}

/* Hands complete frames to the guest; the number of events moved. */
static unsigned deliver(struct input *in, bool *pushed)
{
	unsigned moved = 0;

	while (in->whole && vdev_is_live(&in->vdev)) {
		struct vq_elem *e = vdev_pop(&in->vdev, EVENTQ);
		struct iov_cursor c;

		if (!e || !event_buf_ok(in, e))
			break;
		iov_cursor_init(&c, e->in, e->in_num);
		iov_cursor_write(&c, &in->ring[in->head], EV_SIZE);
		vdev_push(&in->vdev, EVENTQ, e, EV_SIZE);
		*pushed = true;
		in->head = (in->head + 1) % INPUT_RING;
		in->count--;
		in->whole--;
		moved++;
	}
	return moved;
}

/* Reads what fits in the ring: the number of events, 0 or -errno. */
static int read_evdev(struct input *in)
{
	struct input_event evs[READ_MAX];
	size_t room = INPUT_RING - in->count, want;
	ssize_t n;

	/* One frame larger than the ring: it can never go whole. */
	if (!room && !in->whole) {
		drop_partial(in, "a frame larger than the ring");
		room = INPUT_RING;
	}
	want = room < READ_MAX ? room : READ_MAX;
	if (!want || !in->watch)
		return 0;
	do
		n = read(in->fd, evs, want * sizeof(evs[0]));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		int err = n < 0 ? errno : 0;

		/* Unplugged (ENODEV) or closed: the device cannot go on. */
		evloop_del_fd(in->watch);
		in->watch = NULL;
		vdev_fail(&in->vdev, "input %s: %s", in->path,
			  err ? strerror(err) : "end of file");
		return err ? -err : -ENODEV;
	}
	for (size_t i = 0; i < (size_t)n / sizeof(evs[0]); i++)
		enqueue(in, &evs[i]);
	return (int)((size_t)n / sizeof(evs[0]));
}

/* Drops the socket client's current frame, up to its SYN_REPORT. */
static void drop_frame(struct input *in, const char *why, uint16_t type,
		       uint16_t code, int32_t value)
{
	in->frames_dropped++;
	log_guest(&in->vdev.log, LOG_WARN,
		  "input %s: frame dropped (%u events of it held): %s "
		  "(type %u code %u value %d); %llu frames dropped so far",
		  in->path, in->count - in->whole, why, type, code, value,
		  (unsigned long long)in->frames_dropped);
	in->count = in->whole;
	in->skipping = true;
}

static void sock_event(struct input *in, const struct virtio_input_event *v)
{
	struct input_event ev = { .type = le16toh(v->type),
				  .code = le16toh(v->code),
				  .value = (int32_t)le32toh(v->value) };
	bool valid = input_event_valid(&in->caps, ev.type, ev.code, ev.value);
	const char *why = NULL;

	if (!valid)
		why = "an event the device does not have";
	else if (in->count == INPUT_RING && !in->skipping)
		why = "the guest takes no events";
	if (why && !in->skipping)
		drop_frame(in, why, ev.type, ev.code, ev.value);
	/* A malformed event never ends a frame; skipping ends at a valid one. */
	if (valid)
		enqueue(in, &ev);
}

/* Reads the socket client whatever the ring holds (see the top). */
static int read_socket(struct input *in)
{
	struct virtio_input_event v[INPUT_SOCK_READ];
	int n = input_sock_read(&in->sock, v, INPUT_SOCK_READ);

	if (n == -ENOTCONN) {
		/* Its unfinished frame never ends; the next client's starts. */
		drop_partial(in, "the client went away");
		in->skipping = false;
		return 0;
	}
	for (int i = 0; i < n; i++)
		sock_event(in, &v[i]);
	return n;
}

static int read_host(struct input *in)
{
	return in->socket ? read_socket(in) : read_evdev(in);
}

static void pump(struct input *in)
{
	unsigned turn = 0;
	bool pushed = false;
	int got = 1;

	while (vdev_is_live(&in->vdev) && got > 0) {
		if (turn >= TURN_MAX) {
			evloop_notifier_signal(in->kick);
			break;
		}
		turn += deliver(in, &pushed);
		got = read_host(in);
		turn += got > 0 ? (unsigned)got : 0;
	}
	if (pushed)
		vdev_notify(&in->vdev, EVENTQ);
	/*
	 * Level-triggered: read only while there is a guest and (evdev)
	 * room; a socket is read whatever the ring holds (see the top).
	 */
	watch(in, vdev_is_live(&in->vdev) &&
			  (in->socket || in->count < INPUT_RING));
}

/* One guest-to-device event (§5.8.6: statusq): LEDs go to the host. */
static void status_event(struct input *in, const struct virtio_input_event *v)
{
	struct input_event ev = { .type = le16toh(v->type),
				  .code = le16toh(v->code),
				  .value = (int32_t)le32toh(v->value) };
	ssize_t n;

	if (ev.type != EV_LED || ev.code >= LED_CNT ||
	    !((in->caps.ev[EV_LED][ev.code / 8] >> (ev.code % 8)) & 1))
		return; /* nothing the host device has */
	if (in->socket) {
		int rc = input_sock_write(&in->sock, v);

		if (rc && rc != -ENOTCONN)
			log_guest(&in->vdev.log, LOG_WARN,
				  "input %s: LED %u dropped: %s", in->path,
				  ev.code, strerror(-rc));
		return;
	}
	n = write(in->fd, &ev, sizeof(ev));
	if (n != (ssize_t)sizeof(ev))
		log_guest(&in->vdev.log, LOG_WARN, "input %s: LED %u: %s",
			  in->path, ev.code, n < 0 ? strerror(errno) : "short");
}

static void status_elem(struct input *in, struct vq_elem *e)
{
	struct virtio_input_event v[8];
	struct iov_cursor c;
	size_t n;

	/* virtio 1.2 §5.8.6.1: at least one struct virtio_input_event. */
	if (e->out_len < EV_SIZE) {
		vdev_fail(&in->vdev,
			  "statusq: head %u: %u readable bytes "
			  "(virtio 1.2 §5.8.6.1)",
			  e->head, e->out_len);
		return;
	}
	/* §5.8.6.1 "SHOULD NOT" place writable buffers: left unwritten. */
	if (e->in_len)
		log_guest(&in->vdev.log, LOG_WARN,
			  "statusq: head %u: writable buffers ignored",
			  e->head);
	iov_cursor_init(&c, e->out, e->out_num);
	n = iov_cursor_read(&c, v, sizeof(v)) / EV_SIZE;
	for (size_t i = 0; i < n; i++)
		status_event(in, &v[i]);
}

static void drain_status(struct input *in)
{
	struct vq_elem *e;
	bool pushed = false;

	while (vdev_is_live(&in->vdev) && (e = vdev_pop(&in->vdev, STATUSQ))) {
		status_elem(in, e);
		/* On a failed device this only releases the element. */
		vdev_push(&in->vdev, STATUSQ, e, 0);
		pushed = true;
	}
	if (pushed)
		vdev_notify(&in->vdev, STATUSQ);
}

static void on_readable(void *opaque, int fd, uint32_t events)
{
	pump(opaque);
}

static void on_kick(void *opaque)
{
	pump(opaque);
}

static int input_activate(struct vdev *vdev)
{
	struct input *in = container_of(vdev, struct input, vdev);

	evloop_notifier_signal(in->kick);
	return 0;
}

static void input_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct input *in = container_of(vdev, struct input, vdev);

	if (qidx == STATUSQ)
		drain_status(in);
	else
		pump(in);
}

/* virtio 1.2 §2.4: a reset device holds nothing for the old driver. */
static void input_reset(struct vdev *vdev)
{
	struct input *in = container_of(vdev, struct input, vdev);

	/* The rest of a frame we held part of is still to come: skipped. */
	in->skipping = in->skipping || in->count > in->whole;
	in->head = in->count = in->whole = 0;
	watch(in, false);
}

/* virtio 1.2 §5.8.5.2: the answer follows select and subsel. */
static void input_config_written(struct vdev *vdev, uint32_t offset,
				 uint32_t len)
{
	struct input *in = container_of(vdev, struct input, vdev);

	/* Recomputed whatever was written: the rest is read-only. */
	input_cfg_answer(&in->caps, &in->cfg);
}

static const struct vdev_ops input_ops = {
	.type = "input",
	.device_id = VIRTIO_ID_INPUT,
	.activate = input_activate,
	.queue_notify = input_queue_notify,
	.reset = input_reset,
	.config_written = input_config_written,
};

static int open_host(struct input *in, const struct input_params *p,
		     struct evloop *loop, char *err, size_t err_len)
{
	int rc;

	if (p->caps) {
		in->fd = p->fd;
		in->caps = *p->caps;
		return 0;
	}
	if (p->socket) {
		struct input_sock_params sp = { .path = p->socket,
						.loop = loop,
						.log = &in->vdev.log,
						.fn = on_kick,
						.opaque = in };

		in->socket = true;
		input_kind_caps(p->kind, p->serial, &in->caps);
		return input_sock_open(&in->sock, &sp, err, err_len);
	}
	in->fd = open(p->path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in->fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "input %s: %s", p->path, strerror(-rc));
		return rc;
	}
	rc = input_caps_read(in->fd, &in->caps);
	if (rc) {
		snprintf(err, err_len, "input %s: not an evdev device: %s",
			 p->path, strerror(-rc));
		return rc;
	}
	if (p->grab && ioctl(in->fd, EVIOCGRAB, 1) < 0) {
		rc = -errno;
		snprintf(err, err_len, "input %s: EVIOCGRAB: %s", p->path,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

static int setup(struct input *in, const struct input_params *p,
		 const struct vdev_params *vp, struct evloop *loop, char *err,
		 size_t err_len)
{
	struct vdev_params params = *vp;
	int rc;

	rc = open_host(in, p, loop, err, err_len);
	if (rc)
		return rc;
	if (!in->socket)
		rc = evloop_add_fd(loop, in->fd, 0, on_readable, in,
				   &in->watch);
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, in, &in->kick);
	if (rc) {
		snprintf(err, err_len, "input %s: loop: %s", in->path,
			 strerror(-rc));
		return rc;
	}
	params.ops = &input_ops;
	params.num_queues = 2; /* §5.8.2: eventq, statusq */
	params.queue_num_max = INPUT_QUEUE_SIZE;
	params.max_iov = INPUT_MAX_IOV;
	params.config = &in->cfg;
	params.config_len = sizeof(in->cfg);
	rc = vdev_init(&in->vdev, &params);
	if (rc) {
		snprintf(err, err_len, "input: device: %s", strerror(-rc));
		return rc;
	}
	in->vdev_ready = true;
	return 0;
}

int input_new(const struct input_params *p, const struct vdev_params *vp,
	      struct evloop *loop, struct input **out, char *err,
	      size_t err_len)
{
	struct input *in;
	int rc;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (!in || !(in->path = strdup(p->socket ? p->socket :
				       p->path	 ? p->path :
						   "(test)"))) {
		free(in);
		if (p->caps && p->fd >= 0)
			close(p->fd);
		snprintf(err, err_len, "input: out of memory");
		return -ENOMEM;
	}
	in->fd = -1;
	rc = setup(in, p, vp, loop, err, err_len);
	if (rc) {
		input_free(in);
		return rc;
	}
	input_cfg_answer(&in->caps, &in->cfg);
	log_info(&in->vdev.log, "input from %s \"%s\"%s", in->path,
		 in->caps.name, p->grab ? ", grabbed" : "");
	*out = in;
	return 0;
}

void input_free(struct input *in)
{
	if (!in)
		return;
	if (in->vdev_ready)
		vdev_fini(&in->vdev);
	evloop_del_fd(in->watch);
	evloop_del_notifier(in->kick);
	if (in->socket)
		input_sock_close(&in->sock);
	if (in->fd >= 0)
		close(in->fd); /* also ends a grab */
	free(in->path);
	free(in);
}

struct vdev *input_vdev(struct input *in)
{
	return &in->vdev;
}

struct input *input_of(struct vdev *vdev)
{
	assert(vdev->ops == &input_ops);
	return container_of(vdev, struct input, vdev);
}
