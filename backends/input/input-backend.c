// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-input in the backend table. xl gives no target for it; the daemon
 * config names either the host evdev device (`input = /dev/input/eventN`)
 * and whether to grab it (`input-grab`, default no) so the host stops
 * seeing its events, or a unix socket the daemon listens on for an
 * injector (`input-socket = <path>`) and what the guest sees there
 * (`input-kind = keyboard | mouse | tablet`, default keyboard). The schema
 * checks each value; the combinations are checked here, naming the file,
 * line and key.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "input.h"
#include "registry.h"
#include "vdev.h"

/* Keys that only go with the other source: an error naming the first. */
static int check_keys(const struct cfg_section *o, const char *sock, char *err,
		      size_t err_len)
{
	static const char *const evdev_only[] = { "input", "input-grab" };
	char where[256];

	for (unsigned i = 0; sock && i < ARRAY_SIZE(evdev_only); i++)
		if (cfg_key_line(o, evdev_only[i])) {
			snprintf(err, err_len,
				 "%s: not with input-socket '%s': one source "
				 "per device",
				 cfg_where(o, evdev_only[i], where,
					   sizeof(where)),
				 sock);
			return -EINVAL;
		}
	if (!sock && cfg_key_line(o, "input-kind")) {
		snprintf(err, err_len,
			 "%s: '%s' needs input-socket (an evdev device "
			 "says what it is)",
			 cfg_where(o, "input-kind", where, sizeof(where)),
			 cfg_get_string(o, "input-kind", ""));
		return -EINVAL;
	}
	return 0;
}

static int input_create(const struct backend_spec *spec, struct vdev **out,
			char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	char serial[32];
	struct input_params p = {
		.path = cfg_get_string(o, "input", NULL),
		.grab = cfg_get_bool(o, "input-grab", false),
		.socket = cfg_get_string(o, "input-socket", NULL),
		.kind = (enum input_kind)cfg_get_choice(o, "input-kind",
							INPUT_KEYBOARD),
		.serial = serial,
		.fd = -1,
	};
	struct vdev_params vp = backend_vdev_params(spec);
	struct input *in;
	int rc;

	if (o) {
		rc = check_keys(o, p.socket, err, err_len);
		if (rc)
			return rc;
	}
	/* What the guest reads as ID_SERIAL: stable for the device. */
	snprintf(serial, sizeof(serial), "xvdm-%u-%u", spec->domid,
		 spec->devid);
	if (p.socket)
		p.path = NULL;
	else if (!p.path || !*p.path)
		p.path = spec->target && *spec->target ? spec->target : NULL;
	if (!p.path && !p.socket) {
		snprintf(err, err_len,
			 "input: no host device: set input = /dev/input/eventN "
			 "or input-socket = <path>");
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
