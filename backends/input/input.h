/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio input device (virtio 1.2 §5.8) fed by a host evdev device
 * (/dev/input/eventN), optionally grabbed (EVIOCGRAB) so the host no longer
 * sees its events.
 *
 * The host device's capabilities are read once at creation (struct
 * input_caps) and answer every select/subsel of the configuration space.
 * Events are read non-blocking into a small fixed ring and written one per
 * eventq buffer; when the ring is full (the guest gives no buffers) the
 * device stops reading, so the kernel's own evdev buffer is the only
 * backlog. Status events (LEDs) from the statusq go to the evdev device.
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
struct input;
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

struct input_params {
	const char *path; /* /dev/input/eventN */
	bool grab;
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

int input_new(const struct input_params *p, const struct vdev_params *vp,
	      struct evloop *loop, struct input **out, char *err,
	      size_t err_len) must_check;
void input_free(struct input *in); /* NULL-safe; resets the device first */
struct vdev *input_vdev(struct input *in);
struct input *input_of(struct vdev *vdev);

#endif
