// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-input in the backend table. xl gives no target for it; the daemon
 * config names the host evdev device (`input = /dev/input/eventN`) and
 * whether to grab it (`input-grab`, default no) so the host stops seeing
 * its events.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "input.h"
#include "registry.h"
#include "vdev.h"

static int input_create(const struct backend_spec *spec, struct vdev **out,
			char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	struct input_params p = {
		.path = cfg_get_string(o, "input", NULL),
		.grab = cfg_get_bool(o, "input-grab", false),
		.fd = -1,
	};
	struct vdev_params vp = backend_vdev_params(spec);
	struct input *in;
	int rc;

	if (!p.path || !*p.path)
		p.path = spec->target && *spec->target ? spec->target : NULL;
	if (!p.path) {
		snprintf(
			err, err_len,
			"input: no host device: set input = /dev/input/eventN");
		return -EINVAL;
	}
	rc = input_new(&p, &vp, spec->loop, &in, err, err_len);
	if (rc)
		return rc;
	*out = input_vdev(in);
	return 0;
}

static void input_destroy(struct vdev *vdev)
{
	input_free(input_of(vdev));
}

const struct backend input_backend = {
	.type = "input",
	.device_id = VIRTIO_ID_INPUT,
	.create = input_create,
	.destroy = input_destroy,
};
