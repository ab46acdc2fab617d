// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net in the backend table. The daemon config names the tap
 * (`tap`, created or attached by name), may put it on a bridge (`bridge`,
 * what Xen's vif-bridge hotplug script does for a PV NIC) and may set the
 * MAC address (`mac`); the default one is locally administered, derived
 * from the domain and device ids so it is stable across restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "cfg.h"
#include "net.h"
#include "registry.h"
#include "vdev.h"

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6)
		return -EINVAL;
	/* A unicast address: the group bit of the first octet is clear. */
	if (b[0] & 1)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int net_create(const struct backend_spec *spec, struct vdev **out,
		      char *err, size_t err_len)
{
	const struct cfg_section *o = spec->options;
	const char *mac = cfg_get_string(o, "mac", NULL);
	const char *bridge = cfg_get_string(o, "bridge", NULL);
	struct net_params p = {
		.tap = cfg_get_string(o, "tap", NULL),
		.mac = { 0x52, 0x54, 0x00, (uint8_t)(spec->domid >> 8),
			 (uint8_t)spec->domid, (uint8_t)spec->devid },
	};
	struct vdev_params vp = backend_vdev_params(spec);
	char where[256];
	struct net *n;
	int rc;

	if (!p.tap) {
		snprintf(err, err_len, "net: no tap interface (key 'tap')");
		return -EINVAL;
	}
	if (mac && parse_mac(mac, p.mac)) {
		snprintf(err, err_len, "%s: '%s' is not a unicast MAC address",
			 cfg_where(o, "mac", where, sizeof(where)), mac);
		return -EINVAL;
	}
	rc = net_new(&p, &vp, spec->loop, &n, err, err_len);
	if (rc)
		return rc;
	rc = bridge ? net_tap_bridge(p.tap, bridge) : 0;
	if (rc) {
		snprintf(err, err_len,
			 "%s: cannot put tap %s on bridge '%s': %s",
			 cfg_where(o, "bridge", where, sizeof(where)), p.tap,
			 bridge, strerror(-rc));
		net_free(n);
		return rc;
	}
	*out = net_vdev(n);
	return 0;
}

static void net_destroy(struct vdev *vdev)
{
	net_free(net_of(vdev));
}

const struct backend net_backend = {
	.type = "net",
	.device_id = VIRTIO_ID_NET,
	.create = net_create,
	.destroy = net_destroy,
};
