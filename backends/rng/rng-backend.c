// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng in the backend table. xl gives no target for it; the daemon
 * config may name the source (`rng-source`) and a rate (`rng-rate`, bytes
 * per second, 0 for none).
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "registry.h"
#include "rng.h"
#include "vdev.h"

static int rng_create(const struct backend_spec *spec, struct vdev **out,
		      char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	long long rate = cfg_get_int(o, "rng-rate", 0);
	struct rng_params p = {
		.source = cfg_get_string(o, "rng-source", NULL),
		.rate = rate > 0 ? (uint64_t)rate : 0,
	};
	struct vdev_params vp = backend_vdev_params(spec);
	struct rng *r;
	int rc;

	rc = rng_new(&p, &vp, spec->loop, &r, err, err_len);
	if (rc)
		return rc;
	*out = rng_vdev(r);
	return 0;
}

static void rng_destroy(struct vdev *vdev)
{
	rng_free(rng_of(vdev));
}

const struct backend rng_backend = {
	.type = "rng",
	.device_id = VIRTIO_ID_RNG,
	.create = rng_create,
	.destroy = rng_destroy,
};
