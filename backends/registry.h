/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table of device backends. The daemon knows a device by what the
 * toolstack said (its virtio device id, a target, read-only) plus the
 * options in the daemon's config file; the registry picks the backend that
 * serves that device id and creates it. Hypervisor-neutral.
 */
#ifndef XVDM_BACKENDS_REGISTRY_H
#define XVDM_BACKENDS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct cfg_section;
struct evloop;
struct gmem;
struct logger;
struct vdev;
struct vu_xen_ram;

/* What the daemon knows of one device when it creates its backend. */
struct backend_spec {
	uint32_t domid;
	uint32_t devid;
	uint32_t device_id; /* VIRTIO_ID_* */
	const char *name;   /* "blk51712": log prefix */
	const char *target; /* from the toolstack ("" if none) */
	bool readonly;	    /* from the toolstack */
	uint64_t features;  /* transport/platform features to offer */
	const struct cfg_section *options; /* [device "..."] or NULL */
	struct gmem *mem;
	struct logger *logger;
	struct evloop *loop;
	/* Guest RAM a vhost-user back-end may map (XEN_MMAP); NULL: none */
	const struct vu_xen_ram *xen_ram;
};

struct backend {
	const char *type;   /* "blk": config and log name */
	uint32_t device_id; /* VIRTIO_ID_* it serves */
	/*
	 * Creates the device; on error -errno and a message in err that
	 * names the option or path at fault.
	 */
	int (*create)(const struct backend_spec *spec, struct vdev **out,
		      char *err, size_t err_len);
	/* Resets the device (waiting for its I/O) and frees it. */
	void (*destroy)(struct vdev *vdev);
	/*
	 * Optional: the host-side path a user attaches to (a console's pty),
	 * or NULL; the Xen layer publishes it as the backend's "tty" node,
	 * where xl-style tooling looks for a console's pty.
	 */
	const char *(*tty_path)(const struct vdev *vdev);
};

/*
 * The vdev_params every backend starts from: guest memory, logger, names
 * and the transport's features from spec; the backend adds its ops, queues
 * and configuration space.
 */
struct vdev_params backend_vdev_params(const struct backend_spec *spec);

/* The backends, each defined in its own folder. */
extern const struct backend blk_backend;
extern const struct backend rng_backend;
extern const struct backend console_backend;
extern const struct backend vhost_user_backend;
extern const struct backend net_backend;
extern const struct backend input_backend;
extern const struct backend vsock_backend;

/* The backend serving device_id, or NULL. */
const struct backend *backend_find(uint32_t device_id);
/*
 * The backend for a device with these config options (may be NULL): the
 * vhost-user front-end when the section has a vhost-user key, whatever the
 * type; otherwise backend_find(device_id).
 */
const struct backend *backend_find_for(uint32_t device_id,
				       const struct cfg_section *options);
/* The i-th backend of the table, NULL past its end (for tests of all). */
const struct backend *backend_at(size_t i);

#endif
