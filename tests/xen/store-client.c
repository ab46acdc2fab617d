// SPDX-License-Identifier: GPL-2.0-only
/*
 * store-client: runs xen/store.c under the simulated Xen with recording
 * ops, for store-test. Each callback appends a line to xenstore, at
 * HOME/log/<n>, through a handle of its own; the attach line also records
 * the device's backend state at that moment, to prove InitWait came first.
 * Devices with devid FAIL_DEVID fail to attach.
 *
 * usage: store-client <only_domid, -1 for all>
 * Writes HOME/ready once the store watches; exits 0 when HOME/quit appears,
 * after store_free().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <xenstore.h>

#include "evloop.h"
#include "log.h"
#include "store.h"
#include "store-test.h"

struct client {
	struct evloop *loop;
	struct xs_handle *xs; /* the recorder's own handle */
	struct evloop_fd *quit_watch;
	unsigned nlog;
	int failures;
};

static void put(struct client *c, const char *path, const char *value)
{
	if (!xs_write(c->xs, XBT_NULL, path, value, (unsigned)strlen(value))) {
		fprintf(stderr, "store-client: xs_write %s: %s\n", path,
			strerror(errno));
		c->failures++;
	}
}

static void record(struct client *c, const char *line)
{
	char path[64];

	snprintf(path, sizeof(path), HOME "/log/%u", c->nlog++);
	put(c, path, line);
}

static int on_attach(void *opaque, const struct layout_device *dev, char *err,
		     size_t err_len)
{
	struct client *c = opaque;
	char path[128], line[512], *state;

	snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u/%u/state",
		 layout_kind_name(dev->kind), dev->frontend_domid, dev->devid);
	state = xs_read(c->xs, XBT_NULL, path, NULL);
	snprintf(line, sizeof(line),
		 "attach %u %u %s id=%u base=%#llx irq=%u grant=%d ro=%d "
		 "target=%.64s state=%.8s",
		 dev->frontend_domid, dev->devid, layout_kind_name(dev->kind),
		 dev->device_id, (unsigned long long)dev->base, dev->irq,
		 dev->grant_usage, dev->readonly, dev->target,
		 state ? state : "none");
	free(state);
	record(c, line);
	if (dev->devid == FAIL_DEVID) {
		snprintf(err, err_len, "fake: devid %u refuses", FAIL_DEVID);
		return -ENODEV;
	}
	return 0;
}

static void on_detach(void *opaque, uint32_t domid, uint32_t devid)
{
	char line[64];

	snprintf(line, sizeof(line), "detach %u %u", domid, devid);
	record(opaque, line);
}

static void on_domain_gone(void *opaque, uint32_t domid)
{
	char line[64];

	snprintf(line, sizeof(line), "gone %u", domid);
	record(opaque, line);
}

static const struct store_ops recording_ops = {
	.attach = on_attach,
	.detach = on_detach,
	.domain_gone = on_domain_gone,
};

static void on_quit_event(void *opaque, int fd, uint32_t events)
{
	struct client *c = opaque;
	char **vec, *v;

	while ((vec = xs_check_watch(c->xs)))
		free(vec);
	v = xs_read(c->xs, XBT_NULL, HOME "/quit", NULL);
	if (v)
		evloop_stop(c->loop);
	free(v);
}

static int serve(struct client *c, struct store_params *sp)
{
	struct store *st;
	char self[16];
	int rc;

	rc = store_new(sp, &st);
	if (rc) {
		fprintf(stderr, "store-client: store_new: %s\n", strerror(-rc));
		return 1;
	}
	snprintf(self, sizeof(self), "%u", store_self_domid(st));
	put(c, HOME "/self", self);
	put(c, HOME "/ready", "1");
	rc = evloop_run(c->loop);
	store_free(st);
	record(c, "freed");
	return rc || c->failures;
}

int main(int argc, char **argv)
{
	struct client c = { .nlog = 0 };
	struct logger lg;
	struct store_params sp = { .ops = &recording_ops, .opaque = &c };
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: store-client <only_domid>\n");
		return 2;
	}
	sp.only_domid = atoi(argv[1]);
	log_init(&lg, 2, LOG_DEBUG);
	sp.logger = &lg;
	c.xs = xs_open(0);
	if (!c.xs || evloop_new(&c.loop))
		return 1;
	sp.loop = c.loop;
	if (!xs_watch(c.xs, HOME "/quit", "quit") ||
	    evloop_add_fd(c.loop, xs_fileno(c.xs), EPOLLIN, on_quit_event, &c,
			  &c.quit_watch))
		goto out;
	rc = serve(&c, &sp);
	evloop_del_fd(c.quit_watch);
	if (!xs_unwatch(c.xs, HOME "/quit", "quit"))
		rc = 1;
out:
	evloop_free(c.loop);
	xs_close(c.xs);
	return rc;
}
