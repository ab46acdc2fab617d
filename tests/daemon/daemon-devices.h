/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Daemon scenarios for devices other than disks: a guest whose device is
 * declared the Xen 4.18+ way with any virtio device id (xl's
 * virtio = [ "type=virtio,device<hex id>, transport=mmio" ]), driven by
 * its own guest driver over the dguest's bus and pool.
 */
#ifndef XVDM_TESTS_DAEMON_DEVICES_H
#define XVDM_TESTS_DAEMON_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "daemon-fixture.h"

/*
 * df_guest_init() for a XENSIM_LIBXL_VIRTIO device (devid `slot`) whose
 * libxl type is "virtio,device<device_id in hex>". Its disk image is
 * unused (df_guest_fini() deletes it).
 */
void df_virtio_guest_init(struct dfix *f, struct dguest *g, uint32_t domid,
			  unsigned slot, uint32_t device_id);
/* `[device "<domid>/<devid>"]\n<extra>` */
void df_virtio_section(const struct dguest *g, char *buf, size_t len,
		       const char *extra);
/*
 * Waits for the device's error node (the attach failed) and asserts it
 * names what, and the backend is Closed.
 */
void df_assert_attach_failed(struct dguest *g, const char *what);

#endif
