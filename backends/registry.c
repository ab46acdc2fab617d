// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>

#include "registry.h"

/* Every backend this build serves; one entry per virtio device id. */
static const struct backend *const backends[] = {
	&blk_backend,
};

const struct backend *backend_find(uint32_t device_id)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (backends[i]->device_id == device_id)
			return backends[i];
	}
	return NULL;
}
