// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console in the backend table. xl gives no target for it; the
 * daemon config's `console` picks the host side: pty (the default),
 * unix:<path> or file:<path>.
 */
#include <errno.h>
#include <stdio.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "console.h"
#include "registry.h"
#include "vdev.h"

static int console_create(const struct backend_spec *spec, struct vdev **out,
			  char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	const char *v = cfg_get_string(o, "console", "pty");
	struct vdev_params vp = backend_vdev_params(spec);
	struct console_params p;
	struct console *c;
	char where[256];
	int rc;

	if (console_parse(v, &p)) {
		snprintf(err, err_len,
			 "%s: value '%s' is not pty, unix:<absolute path> or "
			 "file:<absolute path>",
			 cfg_where(o, "console", where, sizeof(where)), v);
		return -EINVAL;
	}
	rc = console_new(&p, &vp, spec->loop, &c, err, err_len);
	if (rc)
		return rc;
	*out = console_vdev(c);
	return 0;
}

static void console_destroy(struct vdev *vdev)
{
	console_free(console_of(vdev));
}

const struct backend console_backend = {
	.type = "console",
	.device_id = VIRTIO_ID_CONSOLE,
	.create = console_create,
	.destroy = console_destroy,
	.tty_path = console_pty_path,
};
