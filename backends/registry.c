// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>

#include "cfg.h"
#include "registry.h"
#include "vdev.h"

/* Every backend this build serves; one entry per virtio device id. */
static const struct backend *const backends[] = {
	&blk_backend,	     /* VIRTIO_ID_BLOCK */
	&net_backend,	     /* VIRTIO_ID_NET */
	&console_backend,    /* VIRTIO_ID_CONSOLE */
	&rng_backend,	     /* VIRTIO_ID_RNG */
	&input_backend,	     /* VIRTIO_ID_INPUT */
	&vsock_backend,	     /* VIRTIO_ID_VSOCK */
	&vhost_user_backend, /* any type, chosen by configuration */
};

const struct backend *backend_find(uint32_t device_id)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (backends[i]->device_id == device_id)
			return backends[i];
	}
	return NULL;
}

const struct backend *backend_find_for(uint32_t device_id,
				       const struct cfg_section *options)
{
	if (options && cfg_get_string(options, "vhost-user", NULL))
		return &vhost_user_backend;
	return backend_find(device_id);
}

struct vdev_params backend_vdev_params(const struct backend_spec *spec)
{
	return (struct vdev_params){
		.mem = spec->mem,
		.logger = spec->logger,
		.domid = (int)spec->domid,
		.name = spec->name,
		.features = spec->features,
	};
}

const struct backend *backend_at(size_t i)
{
	return i < ARRAY_SIZE(backends) ? backends[i] : NULL;
}
