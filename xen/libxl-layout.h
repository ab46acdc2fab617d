/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxl's xenstore layout for virtio-mmio devices, parsed without touching
 * xenstore: the caller hands in a function that reads one node of a device's
 * backend directory, and gets back a checked device description.
 *
 * Two layouts exist (tools/libs/light/ of the Xen release):
 *  - virtio disks, Xen 4.17+ (libxl_disk.c, backend "standalone",
 *    specification "virtio"):
 *      /local/domain/<bdom>/backend/virtio_disk/<dom>/<devid>/
 *        frontend frontend-id online removable bootable state dev
 *        type="standalone" mode="r"|"w" device-type="disk"|"cdrom"
 *        discard-enable params specification="virtio" transport="mmio"
 *        base (decimal) irq (decimal) [grant_usage="0"|"1", 4.19+]
 *  - generic virtio devices, Xen 4.18+ (libxl_virtio.c):
 *      /local/domain/<bdom>/backend/virtio/<dom>/<devid>/
 *        frontend frontend-id online state irq (decimal) base ("%#" PRIx64)
 *        type="virtio,device[<hex id>]" transport="mmio" grant_usage
 *
 * Everything read is checked strictly: numbers fully parsed and in range,
 * strings from the closed sets libxl writes. Errors name the node and quote
 * its value (sanitised and truncated: the text ends up in logs).
 */
#ifndef XVDM_LIBXL_LAYOUT_H
#define XVDM_LIBXL_LAYOUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* Which backend directory a device lives in. */
enum layout_kind {
	LAYOUT_VIRTIO_DISK, /* backend/virtio_disk/: disks, 4.17+ */
	LAYOUT_VIRTIO,	    /* backend/virtio/: virtio=[...], 4.18+ */
};

/*
 * XenbusState, mirrored from enum xenbus_state in
 * xen/include/public/io/xenbus.h (we include no Xen header here).
 */
enum layout_state {
	LAYOUT_STATE_UNKNOWN = 0,
	LAYOUT_STATE_INITIALISING = 1,
	LAYOUT_STATE_INIT_WAIT = 2,
	LAYOUT_STATE_INITIALISED = 3,
	LAYOUT_STATE_CONNECTED = 4,
	LAYOUT_STATE_CLOSING = 5,
	LAYOUT_STATE_CLOSED = 6,
	LAYOUT_STATE_RECONFIGURING = 7,
	LAYOUT_STATE_RECONFIGURED = 8,
};

/*
 * Size of each device's MMIO window: libxl hands out bases in steps of this
 * (VIRTIO_MMIO_DEV_SIZE in tools/libs/light/libxl_arm.c) and puts it in the
 * guest device tree's reg property. The device owns [base, base + 0x200).
 */
#define LAYOUT_MMIO_SIZE 0x200u

/*
 * type="virtio,device" without an id is valid for libxl (xl.cfg(5)): the
 * device tree then names no device type, and the daemon's configuration has
 * to. 0 is the reserved, invalid device ID (virtio 1.2 §5).
 */
#define LAYOUT_DEVICE_ID_UNSPECIFIED 0u

struct layout_device {
	enum layout_kind kind;
	unsigned frontend_domid;
	unsigned devid;
	uint32_t device_id;    /* VIRTIO_ID_BLOCK for disks, else from type= */
	uint64_t base;	       /* MMIO window, LAYOUT_MMIO_SIZE bytes */
	uint32_t irq;	       /* Arm SPI, GIC INTID */
	bool grant_usage;      /* the guest puts grant refs in the rings */
	char target[PATH_MAX]; /* disks: params; "" otherwise */
	bool readonly;	       /* disks: mode="r" */
	bool discard;	       /* disks: discard-enable="1" */
	bool cdrom;	       /* disks: device-type="cdrom" */
	bool online;	       /* "0" once libxl asks us to let go */
};

/*
 * Reads the node `name` (e.g. "base") of the device's backend directory:
 * returns its value, which the caller does not free and which stays valid
 * until the next call, or NULL if the node is absent.
 */
typedef const char *layout_read_fn(void *opaque, const char *name);

/*
 * Parses the backend directory of device `devid` of guest `domid`, served
 * by `backend_domid` (us: the default of a disk's grant_usage depends on it,
 * as in libxl). Returns 0 and fills *out, -ENOENT if a required node is
 * missing, -EINVAL if a node holds a value libxl would not write. On error
 * *out is unspecified and err (if err_len > 0) holds a message such as
 * `backend/virtio_disk/5/51712/base: "12x" is not a number`.
 */
must_check int layout_parse(enum layout_kind kind, unsigned backend_domid,
			    unsigned domid, unsigned devid,
			    layout_read_fn *read, void *opaque,
			    struct layout_device *out, char *err,
			    size_t err_len);

/*
 * Splits a watch event path under /local/domain/<self_domid>/backend/:
 *   "/local/domain/0/backend/virtio_disk/5/51712/state"
 *     -> LAYOUT_VIRTIO_DISK, domid 5, devid 51712, node "state"
 *   "/local/domain/0/backend/virtio/5/0"
 *     -> LAYOUT_VIRTIO, domid 5, devid 0, node "" (the directory itself)
 * *node points into path. Returns 0 for a device path; -ENOENT for our
 * backend directory, a kind directory or a guest directory (ours, but no
 * device: the caller rescans); -EINVAL for anything else (other domains,
 * other kinds, nodes below a device's own nodes, trailing or doubled
 * slashes, numbers that are not canonical decimal or out of range, a guest
 * domid that is reserved or our own). Outputs are only written on success.
 */
must_check int layout_parse_backend_path(const char *path, unsigned self_domid,
					 enum layout_kind *kind,
					 unsigned *domid, unsigned *devid,
					 const char **node);

/* Parses a state node's value ("0".."8", canonical decimal). */
must_check int layout_parse_state(const char *value, enum layout_state *state);

/* "virtio_disk" or "virtio": the directory name under backend/. */
const char *layout_kind_name(enum layout_kind kind);

#endif
