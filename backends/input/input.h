/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio input device (virtio 1.2 §5.8) fed by a host evdev device
 * (/dev/input/eventN), optionally grabbed (EVIOCGRAB) so the host no longer
 * sees its events, or by a unix socket the daemon listens on, where an
 * injector writes struct virtio_input_event records (input-sock.c) for a
 * keyboard, mouse or tablet with a fixed capability set (input-kinds.c).
 *
 * The host device's capabilities are read once at creation (struct
 * input_caps) and answer every select/subsel of the configuration space.
 * Events are read non-blocking into a small fixed ring and written one per
 * eventq buffer. When the ring is full (the guest gives no buffers) an
 * evdev device is no longer read, so the kernel's own evdev buffer is the
 * only backlog; a socket is still read, and frames that do not fit are
 * dropped whole, as are frames with an event the device does not have.
 * Status events (LEDs) from the statusq go back to the host device.
 */
#ifndef XVDM_INPUT_H
#define XVDM_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/input.h>
#include <linux/virtio_input.h>

#include "compiler.h"

struct evloop;
struct evloop_fd;
struct input;
struct log_src;
struct vdev;
struct vdev_params;

#define INPUT_QUEUE_SIZE 64
#define INPUT_MAX_IOV 4
#define INPUT_RING 128	 /* host events held for the guest */
#define INPUT_BITMAP 128 /* bytes: sizeof(virtio_input_config.u.bitmap) */
#define INPUT_STR 128	 /* bytes: sizeof(virtio_input_config.u.string) */

/* What the host device is, as the configuration space tells it. */
struct input_caps {
	char name[INPUT_STR + 1];
	char serial[INPUT_STR + 1];
	struct input_id id;
	uint8_t props[INPUT_BITMAP];
	uint8_t ev[EV_CNT][INPUT_BITMAP]; /* [0]: the event types */
	struct input_absinfo abs[ABS_CNT];
};

/* Socket-fed devices, in the order of the config's input-kind choices. */
enum input_kind { INPUT_KEYBOARD, INPUT_MOUSE, INPUT_TABLET, INPUT_KINDS };

#define INPUT_SOCK_READ 32 /* records per read */

struct input_sock_params {
	const char *path;
	struct evloop *loop;
	struct log_src *log;
	void (*fn)(void *opaque); /* a client came, wrote or went */
	void *opaque;
};

/* The unix-socket host side (input-sock.c). */
struct input_sock {
	int listen_fd, fd; /* fd: the client, -1 when none */
	struct evloop *loop;
	struct evloop_fd *listen, *io;
	struct log_src *log;
	void (*fn)(void *opaque);
	void *opaque;
	bool watching; /* io armed for EPOLLIN */
	bool unlink;   /* path is our socket */
	uint8_t part[sizeof(struct virtio_input_event)];
	unsigned npart; /* bytes of a record split across reads */
	char path[108]; /* sun_path */
};

struct input_params {
	const char *path; /* /dev/input/eventN */
	bool grab;
	/* Instead of path: a socket of that kind, serial in the config. */
	const char *socket;
	enum input_kind kind;
	const char *serial;
	/*
	 * Tests only: with caps set, path is not opened; fd (owned by the
	 * device from then on) delivers struct input_event records.
	 */
	const struct input_caps *caps;
	int fd;
};

/* Reads the capabilities of the evdev device fd; -errno. */
int input_caps_read(int fd, struct input_caps *caps) must_check;
/*
 * Fills cfg's size and union for cfg->select and cfg->subsel (virtio 1.2
 * §5.8.5.2: size 0 for what the device does not support).
 */
void input_cfg_answer(const struct input_caps *caps,
		      struct virtio_input_config *cfg);

/* The fixed capabilities of a socket-fed device of that kind. */
void input_kind_caps(enum input_kind kind, const char *serial,
		     struct input_caps *caps);
/*
 * Whether a socket client's event is one a device with caps can send: a
 * type and code it has, SYN_REPORT as the only EV_SYN, key values 0-2,
 * absolute values within their range.
 */
bool input_event_valid(const struct input_caps *caps, uint16_t type,
		       uint16_t code, int32_t value);

/* Listens on p->path; -errno with a message naming the path in err. */
int input_sock_open(struct input_sock *s, const struct input_sock_params *p,
		    char *err, size_t err_len) must_check;
void input_sock_close(struct input_sock *s); /* idempotent; unlinks */
/* Watches the client (if any) for input, or stops. */
void input_sock_watch(struct input_sock *s, bool on);
/*
 * Up to max whole records from the client: their number, 0 (nothing now,
 * or no client), -ENOTCONN (the client went; listening again).
 */
int input_sock_read(struct input_sock *s, struct virtio_input_event *ev,
		    unsigned max) must_check;
/* One status record to the client: 0, -ENOTCONN, -EAGAIN (full), -errno. */
int input_sock_write(struct input_sock *s,
		     const struct virtio_input_event *ev) must_check;

int input_new(const struct input_params *p, const struct vdev_params *vp,
	      struct evloop *loop, struct input **out, char *err,
	      size_t err_len) must_check;
void input_free(struct input *in); /* NULL-safe; resets the device first */
struct vdev *input_vdev(struct input *in);
struct input *input_of(struct vdev *vdev);

#endif
