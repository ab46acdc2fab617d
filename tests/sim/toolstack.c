// SPDX-License-Identifier: GPL-2.0-only
/*
 * The toolstack's side of a virtio device: the xenstore nodes libxl writes,
 * in the order and the single transaction libxl__device_generic_add()
 * writes them (tools/libs/light/libxl_device.c), for Xen 4.17's virtio
 * disks (libxl_disk.c: disk=[..., specification=virtio]) and Xen 4.18+'s
 * generic devices (libxl_virtio.c: virtio=[...]).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "sim-host.h"

#define MAX_KEYS 20
#define TXN_RETRIES 10 /* libxl retries on EAGAIN without limit */

struct kv {
	const char *key;
	char value[96];
};

struct kvs {
	struct kv kv[MAX_KEYS];
	unsigned int n;
};

static void add(struct kvs *l, const char *key, const char *fmt, ...)
	printf_like(3, 4);

static void add(struct kvs *l, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (l->n == MAX_KEYS)
		return;
	l->kv[l->n].key = key;
	va_start(ap, fmt);
	vsnprintf(l->kv[l->n].value, sizeof(l->kv[0].value), fmt, ap);
	va_end(ap);
	l->n++;
}

static const char *kind_of(const struct xensim_libxl_dev *dev)
{
	return dev->kind == XENSIM_LIBXL_VIRTIO_DISK ? "virtio_disk" : "virtio";
}

/* libxl__device_{backend,frontend,libxl}_path() */
static void paths(const struct xensim_libxl_dev *dev, char *be, char *fe,
		  char *lx, size_t len)
{
	snprintf(be, len, "/local/domain/%u/backend/%s/%u/%u",
		 dev->backend_domid, kind_of(dev), dev->domid, dev->devid);
	snprintf(fe, len, "/local/domain/%u/device/%s/%u", dev->domid,
		 kind_of(dev), dev->devid);
	snprintf(lx, len, "/libxl/%u/device/%s/%u", dev->domid, kind_of(dev),
		 dev->devid);
}

/* libxl_disk.c, device_disk_add(), backendtype=standalone */
static void disk_nodes(const struct xensim_libxl_dev *dev, struct kvs *back,
		       struct kvs *front)
{
	add(back, "params", "%s", dev->params ? dev->params : "");
	add(back, "frontend-id", "%u", dev->domid);
	add(back, "online", "1");
	add(back, "removable", "0");
	add(back, "bootable", "1");
	add(back, "state", "%d", XenbusStateInitialising);
	add(back, "dev", "%s", dev->vdev ? dev->vdev : "xvda");
	add(back, "type", "standalone");
	add(back, "mode", "%s", dev->readonly ? "r" : "w");
	add(back, "device-type", "disk");
	/* discard_enable defaults to readwrite */
	add(back, "discard-enable", "%s", dev->readonly ? "0" : "1");
	add(back, "specification", "virtio");
	add(back, "transport", "mmio");
	add(back, "base", "%" PRIu64, dev->base); /* decimal */
	add(back, "irq", "%u", dev->irq);
	add(front, "backend-id", "%u", dev->backend_domid);
	add(front, "state", "%d", XenbusStateInitialising);
	add(front, "virtual-device", "%u", dev->devid);
	add(front, "device-type", "disk");
	add(front, "trusted", "1");
}

/* libxl__device_add_async() + libxl__set_xenstore_virtio() */
static void virtio_nodes(const struct xensim_libxl_dev *dev, struct kvs *back,
			 struct kvs *front)
{
	add(back, "frontend-id", "%u", dev->domid);
	add(back, "online", "1");
	add(back, "state", "%d", XenbusStateInitialising);
	add(front, "backend-id", "%u", dev->backend_domid);
	add(front, "state", "%d", XenbusStateInitialising);
	add(back, "irq", "%u", dev->irq);
	add(back, "base", "%#" PRIx64, dev->base); /* hex */
	add(back, "type", "%s", dev->type ? dev->type : "virtio,device2");
	add(back, "transport", "mmio");
	add(back, "grant_usage", "%s", dev->grant_usage ? "1" : "0");
}

static int put(struct xensim *h, uint32_t t, const char *dir, const char *key,
	       const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return store_write(h->store, t, path, value,
			   (unsigned int)strlen(value));
}

static int put_all(struct xensim *h, uint32_t t, const char *dir,
		   const struct kvs *l, const struct xs_permissions *perms)
{
	char path[256];
	unsigned int i;
	int rc = 0;

	for (i = 0; !rc && i < l->n; i++) {
		rc = put(h, t, dir, l->kv[i].key, l->kv[i].value);
		snprintf(path, sizeof(path), "%s/%s", dir, l->kv[i].key);
		if (!rc && perms)
			rc = store_set_perms(h->store, t, path, perms, 2);
	}
	return rc;
}

/* A fresh directory with its permissions (rm, mkdir, set_permissions). */
static int fresh_dir(struct xensim *h, uint32_t t, const char *dir,
		     const struct xs_permissions *perms)
{
	int rc = store_rm(h->store, t, dir);

	if (rc == -ENOENT)
		rc = 0;
	if (!rc)
		rc = store_mkdir(h->store, t, dir);
	if (!rc)
		rc = store_set_perms(h->store, t, dir, perms, 2);
	return rc;
}

/* libxl__device_generic_add(), inside one transaction. */
static int generic_add(struct xensim *h, uint32_t t,
		       const struct xensim_libxl_dev *dev,
		       const struct kvs *back, const struct kvs *front)
{
	const struct xs_permissions fe_perms[2] = {
		{ dev->domid, XS_PERM_NONE },
		{ dev->backend_domid, XS_PERM_READ },
	};
	const struct xs_permissions be_perms[2] = {
		{ dev->backend_domid, XS_PERM_NONE },
		{ dev->domid, XS_PERM_READ },
	};
	char be[128], fe[128], lx[128];
	int rc;

	paths(dev, be, fe, lx, sizeof(be));
	rc = store_rm(h->store, t, lx);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc)
		rc = put(h, t, lx, "frontend", fe);
	if (!rc)
		rc = put(h, t, lx, "backend", be);
	if (!rc)
		rc = fresh_dir(h, t, fe, fe_perms);
	if (!rc)
		rc = put(h, t, fe, "backend", be);
	if (!rc)
		rc = put_all(h, t, fe, front, fe_perms);
	if (!rc)
		rc = fresh_dir(h, t, be, be_perms);
	if (!rc)
		rc = put(h, t, be, "frontend", fe);
	if (!rc)
		rc = put_all(h, t, be, back, NULL);
	if (!rc)
		rc = put_all(h, t, lx, back, NULL); /* libxl's own copy */
	return rc;
}

/* Runs one change in a transaction, retrying on EAGAIN as libxl does. */
static int in_txn(struct xensim *h, const struct xensim_libxl_dev *dev,
		  int (*change)(struct xensim *, uint32_t,
				const struct xensim_libxl_dev *))
{
	unsigned int tries;
	uint32_t t;
	int rc = -EAGAIN;

	pthread_mutex_lock(&h->lock);
	for (tries = 0; rc == -EAGAIN && tries < TXN_RETRIES; tries++) {
		rc = store_txn_start(h->store, h, &t);
		if (rc)
			break;
		rc = change(h, t, dev);
		if (rc)
			(void)store_txn_end(h->store, t, true);
		else
			rc = store_txn_end(h->store, t, false);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static int add_dev(struct xensim *h, uint32_t t,
		   const struct xensim_libxl_dev *dev)
{
	struct kvs back = { .n = 0 }, front = { .n = 0 };

	if (dev->kind == XENSIM_LIBXL_VIRTIO_DISK)
		disk_nodes(dev, &back, &front);
	else
		virtio_nodes(dev, &back, &front);
	return generic_add(h, t, dev, &back, &front);
}

int xensim_libxl_add(struct xensim *h, const struct xensim_libxl_dev *dev)
{
	return in_txn(h, dev, add_dev);
}

/* libxl__initiate_device_generic_remove(): online 0, state Closing. */
static int close_dev(struct xensim *h, uint32_t t,
		     const struct xensim_libxl_dev *dev)
{
	char be[128], fe[128], lx[128], state[8];
	int rc;

	paths(dev, be, fe, lx, sizeof(be));
	snprintf(state, sizeof(state), "%d", XenbusStateClosing);
	rc = put(h, t, be, "online", "0");
	if (!rc)
		rc = put(h, t, be, "state", state);
	return rc;
}

int xensim_libxl_close(struct xensim *h, const struct xensim_libxl_dev *dev)
{
	return in_txn(h, dev, close_dev);
}

/* libxl__xs_path_cleanup(): the node, then parents left empty. */
static int path_cleanup(struct xensim *h, uint32_t t, const char *node)
{
	char path[128], *last, *v, *names;
	unsigned int len, num;
	bool empty;
	int rc;

	snprintf(path, sizeof(path), "%s", node);
	rc = store_rm(h->store, t, path);
	while (!rc && (last = strrchr(path, '/')) && last != path) {
		*last = '\0';
		if (store_read(h->store, t, path, &v, &len))
			break;
		empty = !len;
		free(v);
		if (!empty ||
		    store_directory(h->store, t, path, &names, &len, &num))
			break;
		free(names);
		if (num)
			break;
		rc = store_rm(h->store, t, path);
	}
	return rc == -ENOENT ? 0 : rc;
}

/* libxl__device_destroy(): frontend, libxl's copy, backend. */
static int remove_dev(struct xensim *h, uint32_t t,
		      const struct xensim_libxl_dev *dev)
{
	char be[128], fe[128], lx[128];
	int rc;

	paths(dev, be, fe, lx, sizeof(be));
	rc = path_cleanup(h, t, fe);
	if (!rc)
		rc = path_cleanup(h, t, lx);
	if (!rc)
		rc = path_cleanup(h, t, be);
	return rc;
}

int xensim_libxl_remove(struct xensim *h, const struct xensim_libxl_dev *dev)
{
	return in_txn(h, dev, remove_dev);
}
