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
 *	vhost-user-xen-mmap = yes	# optional, default no
 *
 * vhost-user-xen-mmap hands the back-end the guest's RAM and rings
 * (XEN_MMAP, vu-xen.c) when the Xen layer described them (spec->xen_ram)
 * and the back-end offers it; otherwise the shadow rings serve, as they do
 * by default because they keep the back-end away from guest memory.
 *
 * The registry picks it by that key (backend_find_for()), whatever the
 * device's type. A device the toolstack marks read-only is only served by a
 * back-end that offers it read-only: we cannot enforce it ourselves without
 * decoding every request.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <stdio.h>

#include "cfg.h"
#include "log.h"
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

/*
 * XEN_MMAP passes foreign mappings of the whole RAM: a device whose guest
 * uses grants (VIRTIO_F_ACCESS_PLATFORM) must not be bypassed that way.
 */
static int check_xen(const struct backend_spec *spec, const char *path,
		     char *err, size_t err_len)
{
	if (!spec->xen_ram ||
	    !(spec->features & (1ull << VIRTIO_F_ACCESS_PLATFORM)))
		return 0;
	snprintf(err, err_len,
		 "vhost-user %s: vhost-user-xen-mmap: the guest uses grants, "
		 "XEN_MMAP would pass foreign mappings",
		 path);
	return -ENOTSUP;
}

/* Asked for, not offered: the shadow rings serve, and the log says so. */
static void note_xen(struct vu_dev *d, const struct vu_params *p)
{
	if (p->xen_ram && !d->xen.on)
		log_info(&d->vdev.log,
			 "vhost-user-xen-mmap: back-end %s does not offer "
			 "XEN_MMAP with INDIRECT_DESC and EVENT_IDX: "
			 "shadow rings (copies)",
			 d->path);
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
		.xen_ram = spec->xen_ram,
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
	rc = check_xen(spec, p.path, err, err_len);
	if (!rc)
		rc = vu_dev_new(&p, &vp, spec->loop, &d, err, err_len);
	if (rc)
		return rc;
	note_xen(d, &p);
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
