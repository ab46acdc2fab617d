// SPDX-License-Identifier: GPL-2.0-only
/* Guests with generic virtio devices: see daemon-devices.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "daemon-devices.h"

void df_virtio_guest_init(struct dfix *f, struct dguest *g, uint32_t domid,
			  unsigned slot, uint32_t device_id)
{
	/* xl.cfg(5): the id in lower-case hex, as the device tree has it. */
	static const char *const types[] = {
		[1] = "virtio,device1",	    [2] = "virtio,device2",
		[3] = "virtio,device3",	    [4] = "virtio,device4",
		[5] = "virtio,device5",	    [0x12] = "virtio,device12",
		[0x13] = "virtio,device13",
	};

	assert_true(device_id < sizeof(types) / sizeof(types[0]) &&
		    types[device_id]);
	df_guest_init(f, g, domid, XENSIM_LIBXL_VIRTIO, slot, domid);
	g->dev.type = types[device_id];
}

void df_virtio_section(const struct dguest *g, char *buf, size_t len,
		       const char *extra)
{
	snprintf(buf, len, "[device \"%u/%u\"]\n%s", g->dev.domid, g->dev.devid,
		 extra);
}

void df_assert_attach_failed(struct dguest *g, const char *what)
{
	char path[128], *v;

	df_backend_path(g, "error", path, sizeof(path));
	assert_int_equal(xensim_xs_wait(g->f->h, path, NULL, DF_WAIT_MS), 0);
	v = df_xs_read(g->f, path);
	assert_non_null(v);
	fprintf(stderr, "%s: \"%s\"\n", path, v);
	assert_non_null(strstr(v, what));
	free(v);
	df_wait_state(g, "6");
}
