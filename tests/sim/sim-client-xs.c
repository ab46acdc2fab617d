// SPDX-License-Identifier: GPL-2.0-only
/*
 * sim-client's xenstore and grant scenarios: what a device model relies on
 * from libxenstore (paths, watches, transactions) and libxengnttab.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim-client.h"

/* The next watch event must be (path, token). */
static void expect_event(struct client *c, struct xs_handle *xs,
			 const char *path, const char *token)
{
	unsigned int num = 0;
	char **vec = xs_read_watch(xs, &num);

	EXPECT(c, vec && num == 2);
	if (!vec)
		return;
	if (strcmp(vec[XS_WATCH_PATH], path) ||
	    strcmp(vec[XS_WATCH_TOKEN], token)) {
		fprintf(stderr, "sim-client: event (%s, %s), wanted (%s, %s)\n",
			vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN], path, token);
		c->failures++;
	}
	free(vec);
}

static void expect_value(struct client *c, xs_transaction_t t, const char *path,
			 const char *want)
{
	unsigned int len = 0;
	char *v = xs_read(c->xs, t, path, &len);

	EXPECT(c, v && len == strlen(want) && !strcmp(v, want));
	free(v);
}

static void nodes(struct client *c)
{
	char *home = xs_get_domain_path(c->xs, 0);
	unsigned int num = 0;
	char **dir;

	EXPECT(c, home && !strcmp(home, "/local/domain/0"));
	free(home);
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/a", "hello", 5));
	expect_value(c, XBT_NULL, CLIENT_HOME "/a", "hello");
	/* Relative to the caller's home, /local/domain/0. */
	expect_value(c, XBT_NULL, "xensim-client/a", "hello");
	EXPECT(c, !xs_read(c->xs, XBT_NULL, CLIENT_HOME "/none", NULL) &&
			  errno == ENOENT);
	EXPECT(c, xs_mkdir(c->xs, XBT_NULL, CLIENT_HOME "/dir"));
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/dir/x", "1", 1));
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/dir/y", "2", 1));
	dir = xs_directory(c->xs, XBT_NULL, CLIENT_HOME "/dir", &num);
	EXPECT(c,
	       dir && num == 2 && !strcmp(dir[0], "x") && !strcmp(dir[1], "y"));
	free(dir);
	/* Removing a missing child of an existing node is fine. */
	EXPECT(c, xs_rm(c->xs, XBT_NULL, CLIENT_HOME "/dir/none"));
	EXPECT(c, !xs_rm(c->xs, XBT_NULL, CLIENT_HOME "/none/none") &&
			  errno == ENOENT);
	EXPECT(c, xs_is_domain_introduced(c->xs, c->domid));
	EXPECT(c, !xs_is_domain_introduced(c->xs, 999));
}

static void watches(struct client *c)
{
	EXPECT(c, xs_watch(c->xs, CLIENT_HOME "/w", "tw"));
	expect_event(c, c->xs, CLIENT_HOME "/w", "tw"); /* fired up front */
	EXPECT(c, !xs_watch(c->xs, CLIENT_HOME "/w", "tw") && errno == EEXIST);
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/w/sub", "v", 1));
	expect_event(c, c->xs, CLIENT_HOME "/w/sub", "tw");
	EXPECT(c, !xs_check_watch(c->xs) && errno == EAGAIN);
	/* A relative watch gets relative paths. */
	EXPECT(c, xs_watch(c->xs, "xensim-client/w", "rel"));
	expect_event(c, c->xs, "xensim-client/w", "rel");
	EXPECT(c, xs_rm(c->xs, XBT_NULL, CLIENT_HOME "/w"));
	/* delnode_sub(): the child first (exact), then the node itself. */
	expect_event(c, c->xs, CLIENT_HOME "/w", "tw");
	expect_event(c, c->xs, "xensim-client/w", "rel");
	EXPECT(c, xs_unwatch(c->xs, "xensim-client/w", "rel"));
	EXPECT(c, xs_unwatch(c->xs, CLIENT_HOME "/w", "tw"));
	EXPECT(c,
	       !xs_unwatch(c->xs, CLIENT_HOME "/w", "tw") && errno == ENOENT);
}

static void unwatch_filter(struct client *c)
{
	struct xs_handle *xs = xs_open(XS_UNWATCH_FILTER);

	EXPECT(c, xs != NULL);
	if (!xs)
		return;
	EXPECT(c, xs_watch(xs, CLIENT_HOME "/f", "tf"));
	EXPECT(c, xs_unwatch(xs, CLIENT_HOME "/f", "tf"));
	/* The up-front event went with the watch. */
	EXPECT(c, !xs_check_watch(xs) && errno == EAGAIN);
	xs_close(xs);
}

static void transactions(struct client *c)
{
	struct xs_handle *other = xs_open(0);
	xs_transaction_t t = xs_transaction_start(c->xs);

	EXPECT(c, other && t != XBT_NULL);
	expect_value(c, t, CLIENT_HOME "/a", "hello");
	EXPECT(c, xs_write(other, XBT_NULL, CLIENT_HOME "/a", "other", 5));
	EXPECT(c, xs_write(c->xs, t, CLIENT_HOME "/a", "mine", 4));
	expect_value(c, t, CLIENT_HOME "/a", "mine");
	EXPECT(c, !xs_transaction_end(c->xs, t, false) && errno == EAGAIN);
	expect_value(c, XBT_NULL, CLIENT_HOME "/a", "other");
	t = xs_transaction_start(c->xs);
	EXPECT(c, xs_write(c->xs, t, CLIENT_HOME "/a", "mine", 4));
	EXPECT(c, xs_transaction_end(c->xs, t, false));
	expect_value(c, XBT_NULL, CLIENT_HOME "/a", "mine");
	t = xs_transaction_start(c->xs);
	EXPECT(c, xs_write(c->xs, t, CLIENT_HOME "/a", "gone", 4));
	EXPECT(c, xs_transaction_end(c->xs, t, true));
	expect_value(c, XBT_NULL, CLIENT_HOME "/a", "mine");
	xs_close(other);
}

static void permissions(struct client *c)
{
	struct xs_permissions set[2] = { { 0, XS_PERM_NONE },
					 { 1, XS_PERM_READ } };
	struct xs_permissions *got;
	unsigned int num = 0;

	EXPECT(c,
	       xs_set_permissions(c->xs, XBT_NULL, CLIENT_HOME "/a", set, 2));
	got = xs_get_permissions(c->xs, XBT_NULL, CLIENT_HOME "/a", &num);
	EXPECT(c, got && num == 2 && got[1].id == 1 &&
			  got[1].perms == XS_PERM_READ);
	free(got);
}

/* Once we are ready, the test creates a domain and writes ping. */
static void toolstack_event(struct client *c)
{
	EXPECT(c, xs_watch(c->xs, CLIENT_HOME "/ping", "ping"));
	expect_event(c, c->xs, CLIENT_HOME "/ping", "ping");
	EXPECT(c, xs_watch(c->xs, "@introduceDomain", "intro"));
	expect_event(c, c->xs, "@introduceDomain", "intro");
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/ready", "1", 1));
	/* The test creates a domain, then pings. */
	expect_event(c, c->xs, "@introduceDomain", "intro");
	expect_event(c, c->xs, CLIENT_HOME "/ping", "ping");
	expect_value(c, XBT_NULL, CLIENT_HOME "/ping", "42");
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/pong", "43", 2));
}

int scenario_xs(struct client *c)
{
	nodes(c);
	watches(c);
	unwatch_filter(c);
	transactions(c);
	permissions(c);
	toolstack_event(c);
	return 0;
}

#define DISK "backend/virtio_disk/1/51712" /* relative to dom0's home */

static char *read_node(struct client *c, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), DISK "/%s", key);
	return xs_read(c->xs, XBT_NULL, path, NULL);
}

/* The device appeared: libxl wrote it all in one transaction. */
static void disk_appeared(struct client *c)
{
	static const char *const want[][2] = {
		{ "frontend", "/local/domain/1/device/virtio_disk/51712" },
		{ "params", "/tmp/disk.img" },
		{ "type", "standalone" },
		{ "specification", "virtio" },
		{ "transport", "mmio" },
		{ "base", "33554432" },
		{ "irq", "33" },
		{ "mode", "w" },
	};
	size_t i;
	char *v;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		v = read_node(c, want[i][0]);
		EXPECT(c, v && !strcmp(v, want[i][1]));
		free(v);
	}
	EXPECT(c, xs_write(c->xs, XBT_NULL, DISK "/state", "2", 1));
}

/*
 * A backend as the daemon will be one: watch our backend directory, take
 * a new device to InitWait (2), and a closing one (5) to Closed (6).
 */
int scenario_backend(struct client *c)
{
	unsigned int num;
	char **vec, *state;
	bool done = false;

	EXPECT(c, xs_watch(c->xs, "backend", "be"));
	EXPECT(c, xs_write(c->xs, XBT_NULL, CLIENT_HOME "/ready", "1", 1));
	while (!done && (vec = xs_read_watch(c->xs, &num))) {
		state = read_node(c, "state");
		if (state && !strcmp(state, "1"))
			disk_appeared(c);
		else if (state && !strcmp(state, "5"))
			done = xs_write(c->xs, XBT_NULL, DISK "/state", "6", 1);
		free(state);
		free(vec);
	}
	EXPECT(c, done);
	return 0;
}

/* The test granted ref 7 (read-write, "GRNT") and 8 (read-only, "RO"). */
int scenario_grant(struct client *c)
{
	xengnttab_handle *g = xengnttab_open(NULL, 0);
	uint32_t refs[2] = { 7, 8 };
	uint8_t *p;

	EXPECT(c, g && !xengnttab_set_max_grants(g, 16));
	if (!g)
		return 1;
	p = xengnttab_map_grant_ref(g, c->domid, 7, PROT_READ | PROT_WRITE);
	EXPECT(c, p && !memcmp(p, "GRNT", 4));
	if (p) {
		memcpy(p + 4, "OK!!", 4);
		EXPECT(c, !xengnttab_unmap(g, p, 1));
	}
	p = xengnttab_map_domain_grant_refs(g, 2, c->domid, refs, PROT_READ);
	EXPECT(c, p && !memcmp(p, "GRNTOK!!", 8) && !memcmp(p + 4096, "RO", 2));
	if (p)
		EXPECT(c, !xengnttab_unmap(g, p, 2));
	xengnttab_close(g);
	return 0;
}
