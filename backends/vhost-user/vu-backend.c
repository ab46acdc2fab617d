// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end in the backend table. It serves a device of any
 * type it supports whose daemon config section names a socket:
 *
 *	[device "3/51712"]
 *	vhost-user = /run/vhost/disk0.sock
 *	queues = 1			# optional
 *	queue-size = 128		# optional, <= 512
 *	vhost-user-tag = shared		# virtio-fs: the tag to mount
 *
 * The registry picks it by that key (backend_find_for()), whatever the
 * device's type. A device the toolstack marks read-only is only served by a
 * back-end that offers it read-only: we cannot enforce it ourselves without
 * decoding every request.
 */
#include <errno.h>
#include <stdio.h>

#include "cfg.h"
#include "registry.h"
#include "vdev.h"
#include "vhost-user.h"
#include "vu-dev.h"

static int check_readonly(struct vu_dev *d, const struct backend_spec *spec,
			  char *err, size_t err_len)
{
	uint64_t ro = d->type->readonly_features;

	if (!spec->readonly && !cfg_get_bool(spec->options, "readonly", false))
		return 0;
	if (ro && (d->offered & ro) == ro)
		return 0;
	snprintf(err, err_len,
		 "vhost-user %s: the device must be read-only and the "
		 "back-end does not offer it read-only",
		 d->path);
	return -EPERM;
}

static int vu_create(const struct backend_spec *spec, struct vdev **out,
		     char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	struct vu_params p = {
		.path = cfg_get_string(o, "vhost-user", NULL),
		.device_id = spec->device_id,
		.num_queues = (uint16_t)cfg_get_int(o, "queues", 1),
		.queue_size = (uint16_t)cfg_get_int(o, "queue-size", 0),
		.tag = cfg_get_string(o, "vhost-user-tag", NULL),
	};
	struct vdev_params vp = backend_vdev_params(spec);
	struct vu_dev *d;
	int rc;

	if (!p.path) {
		snprintf(err, err_len,
			 "no vhost-user socket in [device \"%u/%u\"]",
			 spec->domid, spec->devid);
		return -EINVAL;
	}
	rc = vu_dev_new(&p, &vp, spec->loop, &d, err, err_len);
	if (rc)
		return rc;
	rc = check_readonly(d, spec, err, err_len);
	if (rc) {
		vu_dev_free(d);
		return rc;
	}
	*out = vu_dev_vdev(d);
	return 0;
}

static void vu_destroy(struct vdev *vdev)
{
	vu_dev_free(container_of(vdev, struct vu_dev, vdev));
}

const struct backend vhost_user_backend = {
	.type = "vhost-user",
	.device_id = 0, /* any type vu_supports(): chosen by the config */
	.create = vu_create,
	.destroy = vu_destroy,
};
