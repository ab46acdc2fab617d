/* SPDX-License-Identifier: GPL-2.0-only */
/* What store.c and store-device.c share; not part of the contract. */
#ifndef XVDM_XEN_STORE_INT_H
#define XVDM_XEN_STORE_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <xenstore.h>

#include "log.h"
#include "store.h"

/* DOMID_FIRST_RESERVED, xen/include/public/xen.h. */
#define DOMID_LIMIT 0x7ff0u
#define MAX_DEVICES 256
#define PATH_LEN 128
#define ERR_LEN 256

enum phase {
	PHASE_ATTACHED, /* attach() succeeded, Connected written */
	PHASE_CLOSED,	/* refused, failed or closed: waits for removal */
};

/* What a device was attached with, to tell a real change from a replay. */
struct desc {
	uint64_t base, target_hash;
	uint32_t irq, device_id;
	bool grant_usage, readonly, discard, cdrom;
};

struct device {
	enum layout_kind kind;
	unsigned domid, devid;
	enum phase phase;
	bool connected; /* Connected written: the guest's driver is up */
	bool warned;
	struct desc desc;
	struct log_src log;
};

struct snapshot {
	bool exists, has_state, offline;
	enum layout_state state;
	int parse_rc; /* 1: not parsed */
	struct layout_device dev;
	char err[ERR_LEN];
};

struct store {
	struct store_params p;
	struct log_src log;
	struct xs_handle *xs;
	struct evloop_fd *watch;
	unsigned nr_watches;
	uint32_t self;
	char backend[48];	    /* /local/domain/<self>/backend */
	char kind_dir[2][PATH_LEN]; /* indexed by enum layout_kind */
	/* Guests we acted for: domain_gone() is owed when they die. */
	uint64_t domains[(DOMID_LIMIT + 63) / 64];
	unsigned nr_devices;
	struct device devices[MAX_DEVICES];
	struct snapshot snap; /* scratch: a layout_device is PATH_MAX big */
};

static inline int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

/* Writes <kind dir>/<domid>/<devid> into buf (PATH_LEN bytes). */
void store_dev_dir(const struct store *st, enum layout_kind kind,
		   unsigned domid, unsigned devid, char *buf);
/*
 * Writes state (and an error node first, if error is not NULL) unless the
 * directory is gone: then -ENOENT, silently. Other errors are logged.
 */
int store_put_state(struct store *st, const struct log_src *log,
		    const char *dir, enum layout_state state,
		    const char *error);
struct device *store_find_device(struct store *st, enum layout_kind kind,
				 unsigned domid, unsigned devid);
/* Drops d from the table (the last entry takes its place). */
void store_forget(struct store *st, struct device *d);
/*
 * Something changed at <device>/<node> (node "" for the directory itself):
 * reads the device and moves it along (attach, detach, Closed).
 */
void store_device_event(struct store *st, enum layout_kind kind, unsigned domid,
			unsigned devid, const char *node);

#endif
