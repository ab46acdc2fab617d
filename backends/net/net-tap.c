// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tap side of virtio-net: opening the interface and telling it which
 * offloads the guest accepts. The tap's vnet header is virtio 1.x's
 * little-endian struct virtio_net_hdr_mrg_rxbuf, so frames pass between the
 * guest and the tap without translation (hosts we run on are
 * little-endian, where the tap's header already is).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>

#include "net.h"

int net_tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = NET_HDR_LEN;
	int fd, rc;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, name, strlen(name));
	/* Creates the interface, or attaches to the one of that name. */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int net_tap_set_offload(int fd, uint64_t f)
{
	unsigned flags = 0;

	/*
	 * What the tap may hand the guest (virtio 1.2 §5.1.3.1): partial
	 * checksums only with GUEST_CSUM, TSO frames only with GUEST_TSO*.
	 * What the guest sends needs no setting: the tap takes any valid
	 * header and the kernel checks it.
	 */
	if (f & (1ull << VIRTIO_NET_F_GUEST_CSUM)) {
		flags |= TUN_F_CSUM;
		if (f & (1ull << VIRTIO_NET_F_GUEST_TSO4))
			flags |= TUN_F_TSO4;
		if (f & (1ull << VIRTIO_NET_F_GUEST_TSO6))
			flags |= TUN_F_TSO6;
	}
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0)
		return -errno;
	return 0;
}

int net_tap_mtu(const char *name)
{
	struct ifreq ifr = { 0 };
	int s, rc;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	memcpy(ifr.ifr_name, name, strlen(name));
	/* Any socket answers interface ioctls, in the caller's namespace. */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	rc = ioctl(s, SIOCGIFMTU, &ifr) < 0 ? -errno : ifr.ifr_mtu;
	close(s);
	return rc;
}

/* Whether tap already is a port of bridge (sysfs names its bridge). */
static bool on_bridge(const char *tap, const char *bridge)
{
	char path[64], target[PATH_MAX];
	const char *base;
	ssize_t r;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brport/bridge", tap);
	r = readlink(path, target, sizeof(target) - 1);
	if (r < 0)
		return false;
	target[r] = '\0';
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, bridge);
}

int net_tap_bridge(const char *tap, const char *bridge)
{
	struct ifreq ifr = { 0 };
	unsigned idx = if_nametoindex(tap);
	int s, rc = 0;

	if (!idx)
		return -errno;
	if (strlen(bridge) >= IFNAMSIZ)
		return -EINVAL;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memcpy(ifr.ifr_name, bridge, strlen(bridge));
	ifr.ifr_ifindex = (int)idx;
	/* A tap we attached to may be on it already (EBUSY): that is fine. */
	if (ioctl(s, SIOCBRADDIF, &ifr) < 0 &&
	    !(errno == EBUSY && on_bridge(tap, bridge)))
		rc = -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tap, strlen(tap));
	if (!rc && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}
