// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk in the backend table: a disk's image comes from the toolstack
 * (xl's target=) or, for devices declared with the generic virtio list, from
 * the daemon config's `image`; the config may also force read-only and set
 * the serial and the queues.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "blk-req.h"
#include "blk.h"
#include "cfg.h"
#include "registry.h"
#include "vdev.h"

static int blk_create(const struct backend_spec *spec, struct vdev **out,
		      char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	struct blk_params p = {
		.path = cfg_get_string(o, "image", spec->target),
		.readonly =
			spec->readonly || cfg_get_bool(o, "readonly", false),
		.serial = cfg_get_string(o, "serial", NULL),
		.num_queues = (uint16_t)cfg_get_int(o, "queues", 1),
		.queue_size = (uint16_t)cfg_get_int(o, "queue-size", 0),
	};
	struct vdev_params vp = backend_vdev_params(spec);
	struct blk *b;
	int rc;

	if (!p.path || !p.path[0]) {
		snprintf(err, err_len,
			 "no disk image: the toolstack gave no target and the "
			 "daemon config has no [device \"%u/%u\"] image",
			 spec->domid, spec->devid);
		return -EINVAL;
	}
	rc = blk_new(&p, &vp, spec->loop, &b, err, err_len);
	if (rc)
		return rc;
	*out = blk_vdev(b);
	return 0;
}

static void blk_destroy(struct vdev *vdev)
{
	blk_free(container_of(vdev, struct blk, vdev));
}

const struct backend blk_backend = {
	.type = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.create = blk_create,
	.destroy = blk_destroy,
};
