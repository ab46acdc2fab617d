/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon config file's schema: what xl cannot express.
 *
 *   [daemon]
 *   log-level = error | warn | info | debug
 *
 *   [device "<domid>/<devid>"]     the device libxl numbered devid (51712
 *   image = /srv/disk.img          for xvda) in guest domid
 *   readonly = yes | no
 *   serial = "disk-0001"           GET_ID, up to 20 characters
 *   queues = 1..64
 *   queue-size = 1..1024 (a power of two)
 *   rng-source = /dev/hwrng        virtio-rng (default /dev/urandom)
 *   rng-rate = <bytes per second>  virtio-rng, 0: no limit
 *   console = pty | unix:<path> | file:<path>   virtio-console
 *   tap = <ifname>, mac = <aa:bb:cc:dd:ee:ff>   virtio-net
 *   input = /dev/input/eventN, input-grab = yes | no   virtio-input
 *   vhost-user = <socket>          an external vhost-user back-end serves
 *                                  the device, whatever its type
 *   vhost-user-tag = <tag>         virtio-fs over vhost-user: the mount tag
 */
#ifndef XVDM_DAEMON_CFG_H
#define XVDM_DAEMON_CFG_H

#include "cfg.h"
#include "log.h"

#define DAEMON_CFG_DEFAULT_PATH "/etc/xen-virtio-dm/xen-virtio-dm.conf"

extern const struct cfg_schema daemon_cfg_schema;

/*
 * Checks what the schema cannot say (queue-size a power of two); messages
 * go to errs like the parser's. Returns 0 or -EINVAL.
 */
int daemon_cfg_check(const struct cfg *cfg, struct cfg_errors *errs) must_check;
/* [daemon] log-level, or def. */
enum log_level daemon_cfg_log_level(const struct cfg *cfg, enum log_level def);

#endif
