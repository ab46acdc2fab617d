// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock in the backend table. xl gives no target for it; the daemon
 * config's `vsock` names the host side's unix socket (required) and
 * `guest-cid` the guest's CID (default 3; the schema refuses 0, 1, 2 and
 * 0xffffffff and above).
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "registry.h"
#include "vdev.h"
#include "vsock.h"

static int vsock_create(const struct backend_spec *spec, struct vdev **out,
			char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	struct vdev_params vp = backend_vdev_params(spec);
	struct vsock_params p = {
		.path = cfg_get_string(o, "vsock", NULL),
		.guest_cid = (uint64_t)cfg_get_int(o, "guest-cid", 3),
	};
	struct vsock *vs;
	char where[256];
	int rc;

	if (!p.path) {
		if (o)
			snprintf(err, err_len,
				 "%s: a vsock device needs vsock = <socket "
				 "path>",
				 cfg_where(o, "vsock", where, sizeof(where)));
		else
			snprintf(err, err_len,
				 "a vsock device needs [device \"%u/%u\"] "
				 "vsock = <socket path>",
				 spec->domid, spec->devid);
		return -EINVAL;
	}
	if (vsock_check_cid(p.guest_cid)) {
		snprintf(err, err_len, "%s: value '%llu' is a reserved CID",
			 cfg_where(o, "guest-cid", where, sizeof(where)),
			 (unsigned long long)p.guest_cid);
		return -EINVAL;
	}
	rc = vsock_new(&p, &vp, spec->loop, &vs, err, err_len);
	if (rc)
		return rc;
	*out = vsock_vdev(vs);
	return 0;
}

static void vsock_destroy(struct vdev *vdev)
{
	vsock_free(vsock_of(vdev));
}

const struct backend vsock_backend = {
	.type = "vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.create = vsock_create,
	.destroy = vsock_destroy,
};
