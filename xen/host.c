// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices come and go through xenstore callbacks; this file keeps the table
 * of what is attached and the order of set-up and teardown: guest first,
 * then its guest memory, the backend, and the MMIO route; the reverse on the
 * way out, so no backend outlives the guest memory its buffers live in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <xentoolcore.h>

#include "cfg.h"
#include "guest.h"
#include "host.h"
#include "log.h"
#include "ram-layout.h"
#include "registry.h"
#include "store.h"
#include "vdev.h"
#include "vhost-user/vhost-user.h"
#include "xen-handles.h"

/* libxl gives a guest at most 11 virtio-mmio devices (SPIs 33-43). */
#define HOST_MAX_DEVICES 64
#define HOST_MAX_GUESTS 64

struct host_device {
	uint32_t domid;
	uint32_t devid;
	const struct backend *backend;
	struct vdev *vdev;
};

struct host_guest {
	uint32_t domid;
	struct guest *guest;
	unsigned devices;
};

struct host {
	struct host_params p;
	struct log_src log;
	struct xen_handles xh;
	struct store *store;
	bool restricted;
	unsigned nr_devices, nr_guests;
	struct host_device devices[HOST_MAX_DEVICES];
	struct host_guest guests[HOST_MAX_GUESTS];
};

static struct host_guest *find_guest(struct host *h, uint32_t domid)
{
	for (unsigned i = 0; i < h->nr_guests; i++) {
		if (h->guests[i].domid == domid)
			return &h->guests[i];
	}
	return NULL;
}

static struct host_device *find_device(struct host *h, uint32_t domid,
				       uint32_t devid)
{
	for (unsigned i = 0; i < h->nr_devices; i++) {
		struct host_device *d = &h->devices[i];

		if (d->domid == domid && d->devid == devid)
			return d;
	}
	return NULL;
}

/*
 * One process per guest: once the guest is set up, nothing but that domain
 * may be reached through our handles (xentoolcore_restrict_all).
 */
static int restrict_to(struct host *h, uint32_t domid, char *err,
		       size_t err_len)
{
	if (h->p.only_domid < 0 || h->restricted)
		return 0;
	if (xentoolcore_restrict_all((domid_t)domid)) {
		snprintf(err, err_len, "xentoolcore_restrict_all(%u): %s",
			 domid, strerror(errno));
		return -errno;
	}
	h->restricted = true;
	log_info(&h->log, "handles restricted to dom%u", domid);
	return 0;
}

static struct host_guest *get_guest(struct host *h, uint32_t domid, char *err,
				    size_t err_len)
{
	struct host_guest *hg = find_guest(h, domid);
	struct guest_params gp = { .loop = h->p.loop,
				   .logger = h->p.logger,
				   .xh = &h->xh,
				   .domid = domid };
	int rc;

	if (hg)
		return hg;
	if (h->nr_guests == HOST_MAX_GUESTS) {
		snprintf(err, err_len, "more than %u guests", HOST_MAX_GUESTS);
		return NULL;
	}
	hg = &h->guests[h->nr_guests];
	rc = guest_new(&gp, &hg->guest);
	if (rc) {
		snprintf(err, err_len, "cannot set up the ioreq server: %s",
			 strerror(-rc));
		return NULL;
	}
	hg->domid = domid;
	hg->devices = 0;
	h->nr_guests++;
	return hg;
}

static void put_guest(struct host *h, struct host_guest *hg)
{
	if (hg->devices)
		return;
	guest_free(hg->guest);
	*hg = h->guests[--h->nr_guests];
}

/* [device "<domid>/<devid>"] in the daemon config, if any. */
static const struct cfg_section *device_options(struct host *h, uint32_t domid,
						uint32_t devid)
{
	char label[32];

	if (!h->p.cfg)
		return NULL;
	snprintf(label, sizeof(label), "%u/%u", domid, devid);
	return cfg_section(h->p.cfg, "device", label);
}

static int create_device(struct host *h, struct host_guest *hg,
			 const struct layout_device *dev,
			 const struct backend *be, struct vdev **vdev,
			 char *err, size_t err_len)
{
	char name[32];
	struct vu_xen_ram ram;
	struct backend_spec spec = {
		.domid = dev->frontend_domid,
		.devid = dev->devid,
		.device_id = dev->device_id,
		.name = name,
		.target = dev->target,
		.readonly = dev->readonly,
		.features =
			dev->grant_usage ? 1ull << VIRTIO_F_ACCESS_PLATFORM : 0,
		.options = device_options(h, dev->frontend_domid, dev->devid),
		.mem = guest_gmem(hg->guest, dev->grant_usage),
		.logger = h->p.logger,
		.loop = h->p.loop,
	};
	int rc;

	snprintf(name, sizeof(name), "%s%u", be->type, dev->devid);
	if (!spec.mem) {
		snprintf(err, err_len, "cannot reach the guest's memory (%s)",
			 dev->grant_usage ? "grant mappings" :
					    "foreign mappings");
		return -ENOMEM;
	}
	rc = ram_layout_describe(dev, spec.options, &ram, err, err_len);
	if (rc)
		return rc;
	spec.xen_ram = ram.nregions ? &ram : NULL;
	rc = be->create(&spec, vdev, err, err_len);
	if (rc)
		return rc;
	rc = guest_add_device(hg->guest, dev->devid, dev->base, dev->irq,
			      *vdev);
	if (rc) {
		snprintf(err, err_len, "cannot route MMIO %#llx / SPI %u: %s",
			 (unsigned long long)dev->base, dev->irq,
			 strerror(-rc));
		be->destroy(*vdev);
	}
	return rc;
}

static void remove_device(struct host *h, struct host_device *d)
{
	struct host_guest *hg = find_guest(h, d->domid);

	guest_remove_device(hg->guest, d->devid);
	d->backend->destroy(d->vdev);
	hg->devices--;
	*d = h->devices[--h->nr_devices];
	put_guest(h, hg);
}

/* The guest's driver brought a device live: report it Connected. */
static void on_live(void *opaque, struct vdev *vdev)
{
	struct host *h = opaque;

	for (unsigned i = 0; i < h->nr_devices; i++) {
		struct host_device *d = &h->devices[i];

		if (d->vdev == vdev)
			store_device_live(h->store, d->domid, d->devid);
	}
}

/* A console's pty, where tooling that knows xenstore finds it. */
static void publish_tty(struct host *h, const struct layout_device *dev,
			const struct backend *be, const struct vdev *vdev)
{
	const char *tty = be->tty_path ? be->tty_path(vdev) : NULL;

	if (tty)
		(void)store_device_publish(h->store, dev->frontend_domid,
					   dev->devid, "tty", tty);
}

static int on_attach(void *opaque, const struct layout_device *dev, char *err,
		     size_t err_len)
{
	struct host *h = opaque;
	const struct backend *be = backend_find_for(
		dev->device_id,
		device_options(h, dev->frontend_domid, dev->devid));
	struct host_guest *hg;
	struct vdev *vdev;
	int rc;

	if (!be) {
		snprintf(err, err_len, "no backend serves virtio device id %u",
			 dev->device_id);
		return -ENOTSUP;
	}
	if (find_device(h, dev->frontend_domid, dev->devid)) {
		snprintf(err, err_len, "device already attached");
		return -EEXIST;
	}
	if (h->nr_devices == HOST_MAX_DEVICES) {
		snprintf(err, err_len, "more than %u devices",
			 HOST_MAX_DEVICES);
		return -ENOSPC;
	}
	hg = get_guest(h, dev->frontend_domid, err, err_len);
	if (!hg)
		return -EIO;
	rc = create_device(h, hg, dev, be, &vdev, err, err_len);
	if (rc) {
		put_guest(h, hg);
		return rc;
	}
	hg->devices++;
	h->devices[h->nr_devices++] = (struct host_device){
		.domid = dev->frontend_domid,
		.devid = dev->devid,
		.backend = be,
		.vdev = vdev,
	};
	rc = restrict_to(h, dev->frontend_domid, err, err_len);
	if (rc) {
		remove_device(h, &h->devices[h->nr_devices - 1]);
		return rc;
	}
	publish_tty(h, dev, be, vdev);
	vdev_set_live_notifier(vdev, on_live, h);
	return 0;
}

static void on_detach(void *opaque, uint32_t domid, uint32_t devid)
{
	struct host *h = opaque;
	struct host_device *d = find_device(h, domid, devid);

	if (!d)
		return;
	remove_device(h, d);
	log_info(&h->log, "dom%u: device %u detached", domid, devid);
}

static void remove_domain(struct host *h, uint32_t domid)
{
	unsigned i = 0;

	while (i < h->nr_devices) {
		if (h->devices[i].domid == domid)
			remove_device(h, &h->devices[i]);
		else
			i++;
	}
}

static void on_domain_gone(void *opaque, uint32_t domid)
{
	struct host *h = opaque;

	remove_domain(h, domid);
	if (h->p.only_domid == (int)domid && h->p.done)
		h->p.done(h->p.opaque);
}

static const struct store_ops host_store_ops = {
	.attach = on_attach,
	.detach = on_detach,
	.domain_gone = on_domain_gone,
};

int host_new(const struct host_params *p, struct host **out)
{
	struct store_params sp = { .loop = p->loop,
				   .logger = p->logger,
				   .ops = &host_store_ops,
				   .only_domid = p->only_domid };
	struct host *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return -ENOMEM;
	h->p = *p;
	log_src_init(&h->log, p->logger, -1, NULL);
	rc = xen_handles_open(&h->xh);
	if (rc)
		goto out_free;
	sp.opaque = h;
	rc = store_new(&sp, &h->store);
	if (rc)
		goto out_close;
	*out = h;
	return 0;

out_close:
	xen_handles_close(&h->xh);
out_free:
	free(h);
	return rc;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	/* Closed states first, while the devices still exist. */
	store_free(h->store);
	while (h->nr_devices)
		remove_device(h, &h->devices[0]);
	xen_handles_close(&h->xh);
	free(h);
}
