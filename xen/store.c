// SPDX-License-Identifier: GPL-2.0-only
/*
 * The xenstore side of libxl's contract (see store.h): our handle, the
 * watches on our backend directories and @releaseDomain, and what their
 * events mean. Each device's own life is in store-device.c.
 *
 * The watches are set on the two kind directories, which need not exist
 * yet; each fires once when set, and that first event scans the directory.
 * Events are drained with xs_check_watch() when xs_fileno() is readable:
 * libxenstore keeps a byte in that pipe while its event list is not empty.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "evloop.h"
#include "store-int.h"

#define DRAIN_MAX 64 /* watch events per wake-up, then back to the loop */
#define TOKEN "xvdm-store"
#define RELEASE "@releaseDomain"

/* Checks one backend path: <kind dir>/<domid>/<devid> names a device. */
static void listed_device(struct store *st, const char *dir, const char *dom,
			  const char *dev)
{
	char path[PATH_LEN];
	enum layout_kind kind;
	unsigned domid, devid;
	const char *node;
	int n = snprintf(path, sizeof(path), "%s/%s/%s", dir, dom, dev);

	if (n > 0 && (size_t)n < sizeof(path) &&
	    !layout_parse_backend_path(path, st->self, &kind, &domid, &devid,
				       &node) &&
	    !store_find_device(st, kind, domid, devid))
		store_device_event(st, kind, domid, devid, "");
}

static void scan_guest(struct store *st, const char *dir, const char *dom)
{
	char path[PATH_LEN];
	unsigned num = 0;
	char **devs;

	snprintf(path, sizeof(path), "%s/%s", dir, dom);
	devs = xs_directory(st->xs, XBT_NULL, path, &num);
	if (!devs && errno != ENOENT)
		log_err(&st->log, "xs_directory %s: %s", path, strerror(errno));
	for (unsigned i = 0; devs && i < num; i++)
		listed_device(st, dir, dom, devs[i]);
	free(devs);
}

/*
 * A directory above the devices changed (first event of a watch, a guest
 * directory made or removed): our devices in it are checked, then the
 * devices it holds that we do not know.
 */
static void rescan(struct store *st, enum layout_kind kind, int domid)
{
	const char *dir = st->kind_dir[kind];
	char dom[16], **doms;
	unsigned i, num = 0;

	for (i = st->nr_devices; i-- > 0;) {
		struct device *d = &st->devices[i];

		if (d->kind == kind &&
		    (domid < 0 || d->domid == (unsigned)domid))
			store_device_event(st, kind, d->domid, d->devid, "");
	}
	if (domid >= 0) {
		snprintf(dom, sizeof(dom), "%d", domid);
		scan_guest(st, dir, dom);
		return;
	}
	doms = xs_directory(st->xs, XBT_NULL, dir, &num);
	if (!doms && errno != ENOENT)
		log_err(&st->log, "xs_directory %s: %s", dir, strerror(errno));
	for (i = 0; doms && i < num; i++)
		scan_guest(st, dir, doms[i]);
	free(doms);
}

/* path is our backend, a kind or a guest directory (-ENOENT above). */
static void rescan_path(struct store *st, const char *path)
{
	char probe[PATH_LEN];
	enum layout_kind kind;
	unsigned domid, devid;
	const char *node;

	for (unsigned k = 0; k < ARRAY_SIZE(st->kind_dir); k++) {
		if (!strcmp(path, st->kind_dir[k]) ||
		    !strcmp(path, st->backend))
			rescan(st, (enum layout_kind)k, -1);
	}
	/* A guest directory: complete it to a device path to parse it. */
	snprintf(probe, sizeof(probe), "%s/0", path);
	if (!layout_parse_backend_path(probe, st->self, &kind, &domid, &devid,
				       &node) &&
	    !node[0])
		rescan(st, kind, (int)domid);
}

static void domain_gone(struct store *st, unsigned domid)
{
	char dir[PATH_LEN];
	struct log_src log;

	log_src_init(&log, st->p.logger, (int)domid, NULL);
	log_info(&log, "domain gone");
	st->p.ops->domain_gone(st->p.opaque, domid);
	for (unsigned i = st->nr_devices; i-- > 0;) {
		struct device *d = &st->devices[i];

		if (d->domid != domid)
			continue;
		/* So that libxl's late removal does not wait 10 s. */
		store_dev_dir(st, d->kind, domid, d->devid, dir);
		if (d->phase == PHASE_ATTACHED)
			(void)store_put_state(st, &d->log, dir,
					      LAYOUT_STATE_CLOSED, NULL);
		store_forget(st, d);
	}
	st->domains[domid / 64] &= ~(1ull << (domid % 64));
}

static void release_event(struct store *st)
{
	for (unsigned w = 0; w < ARRAY_SIZE(st->domains); w++) {
		for (unsigned b = 0; st->domains[w] && b < 64; b++) {
			unsigned domid = w * 64 + b;

			if (!(st->domains[w] & (1ull << b)))
				continue;
			/* false also means "could not ask": errno tells. */
			errno = 0;
			if (xs_is_domain_introduced(st->xs, domid))
				continue;
			if (errno)
				log_err(&st->log,
					"xs_is_domain_introduced(%u): %s",
					domid, strerror(errno));
			else
				domain_gone(st, domid);
		}
	}
}

static void dispatch(struct store *st, const char *path)
{
	enum layout_kind kind;
	unsigned domid, devid;
	const char *node;
	int rc;

	if (!strcmp(path, RELEASE)) {
		release_event(st);
		return;
	}
	rc = layout_parse_backend_path(path, st->self, &kind, &domid, &devid,
				       &node);
	if (!rc)
		store_device_event(st, kind, domid, devid, node);
	else if (rc == -ENOENT)
		rescan_path(st, path);
	else
		log_debug(&st->log, "ignored: %s", path);
}

static void on_readable(void *opaque, int fd, uint32_t events)
{
	struct store *st = opaque;
	char **vec;

	/* Bounded: our own writes fire more events; the fd stays readable. */
	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		vec = xs_check_watch(st->xs);
		if (!vec) {
			if (errno == EAGAIN)
				return;
			log_err(&st->log, "xs_check_watch: %s: deaf from now",
				strerror(errno));
			evloop_del_fd(st->watch);
			st->watch = NULL;
			return;
		}
		dispatch(st, vec[XS_WATCH_PATH]);
		free(vec);
	}
}

/* Our domid, as libxl__get_domid() reads it (xen-init-dom0 writes it). */
static int read_self(struct store *st)
{
	char *v = xs_read(st->xs, XBT_NULL, "domid", NULL), *end;
	unsigned long id;
	int rc = 0;

	if (!v) {
		rc = neg_errno();
		log_err(&st->log, "xs_read domid: %s", strerror(-rc));
		return rc;
	}
	errno = 0;
	id = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || id >= DOMID_LIMIT ||
	    (v[0] == '0' && v[1])) {
		log_err(&st->log, "domid: \"%.16s\" is not a domain id", v);
		rc = -EINVAL;
	}
	st->self = (uint32_t)id;
	free(v);
	return rc;
}

static int watch_all(struct store *st)
{
	const char *paths[] = { st->kind_dir[0], st->kind_dir[1], RELEASE };
	int fd = xs_fileno(st->xs), rc;

	if (fd < 0) {
		rc = neg_errno();
		log_err(&st->log, "xs_fileno: %s", strerror(-rc));
		return rc;
	}
	rc = evloop_add_fd(st->p.loop, fd, EPOLLIN, on_readable, st,
			   &st->watch);
	if (rc)
		return rc;
	/* xenstored allows watching paths that do not exist yet. */
	for (; st->nr_watches < ARRAY_SIZE(paths); st->nr_watches++) {
		if (!xs_watch(st->xs, paths[st->nr_watches], TOKEN)) {
			rc = neg_errno();
			log_err(&st->log, "xs_watch %s: %s",
				paths[st->nr_watches], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void unwatch_all(struct store *st)
{
	const char *paths[] = { st->kind_dir[0], st->kind_dir[1], RELEASE };

	while (st->nr_watches) {
		const char *path = paths[--st->nr_watches];

		if (!xs_unwatch(st->xs, path, TOKEN))
			log_err(&st->log, "xs_unwatch %s: %s", path,
				strerror(errno));
	}
	evloop_del_fd(st->watch);
	st->watch = NULL;
}

int store_new(const struct store_params *p, struct store **out)
{
	struct store *st;
	int rc;

	assert(p->ops->attach && p->ops->detach && p->ops->domain_gone);
	if (p->only_domid < -1 || p->only_domid >= (int)DOMID_LIMIT)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->p = *p;
	log_src_init(&st->log, p->logger, -1, "xenstore");
	st->xs = xs_open(0);
	if (!st->xs) {
		rc = neg_errno();
		log_err(&st->log, "xs_open: %s", strerror(-rc));
		goto out_free;
	}
	rc = read_self(st);
	if (rc)
		goto out_close;
	snprintf(st->backend, sizeof(st->backend), "/local/domain/%u/backend",
		 st->self);
	for (unsigned k = 0; k < ARRAY_SIZE(st->kind_dir); k++)
		snprintf(st->kind_dir[k], PATH_LEN, "%s/%s", st->backend,
			 layout_kind_name((enum layout_kind)k));
	rc = watch_all(st);
	if (rc)
		goto out_unwatch;
	*out = st;
	return 0;

out_unwatch:
	unwatch_all(st);
out_close:
	xs_close(st->xs);
out_free:
	free(st);
	return rc;
}

void store_free(struct store *st)
{
	char dir[PATH_LEN];

	if (!st)
		return;
	for (unsigned i = 0; i < st->nr_devices; i++) {
		struct device *d = &st->devices[i];

		if (d->phase != PHASE_ATTACHED)
			continue;
		store_dev_dir(st, d->kind, d->domid, d->devid, dir);
		(void)store_put_state(st, &d->log, dir, LAYOUT_STATE_CLOSED,
				      NULL);
	}
	unwatch_all(st);
	xs_close(st->xs);
	free(st);
}

uint32_t store_self_domid(const struct store *st)
{
	return st->self;
}
