// SPDX-License-Identifier: GPL-2.0-only
/*
 * sim-client's hostile scenarios: each breaks one rule a real Xen (or a
 * careful reading of it) imposes, and checks that the call fails the way
 * Xen fails it. test-sim checks that the harness recorded the misuse.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xentoolcore.h>

#include "sim-client.h"

static int map_outside_ram(struct client *c)
{
	xen_pfn_t pfn = 0x10; /* below the guest's RAM */
	int err = 0;
	void *p =
		xenforeignmemory_map(c->fm, c->domid, PROT_READ, 1, &pfn, &err);

	/* With err[], the call succeeds and the page reports the error. */
	EXPECT(c, p && err == -EINVAL);
	if (p)
		EXPECT(c, !xenforeignmemory_unmap(c->fm, p, 1));
	p = xenforeignmemory_map(c->fm, c->domid, PROT_READ, 1, &pfn, NULL);
	EXPECT(c, !p && errno == EINVAL);
	return 0;
}

static int bind_wrong_port(struct client *c)
{
	EXPECT(c, !client_attach(c));
	EXPECT(c, xenevtchn_bind_interdomain(c->xce, c->domid,
					     c->sp->vcpu_ioreq[0].vp_eport +
						     100) < 0 &&
			  errno == EINVAL);
	client_detach(c);
	return 0;
}

static int bind_before_enable(struct client *c)
{
	void *page = NULL;

	EXPECT(c,
	       !xendevicemodel_create_ioreq_server(c->dm, c->domid, 0, &c->id));
	c->have_server = true;
	c->res = xenforeignmemory_map_resource(
		c->fm, c->domid, XENMEM_resource_ioreq_server, c->id,
		XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &page,
		PROT_READ | PROT_WRITE, 0);
	c->sp = page;
	EXPECT(c, c->res && c->sp->vcpu_ioreq[0].vp_eport == 0);
	if (c->res)
		EXPECT(c, xenevtchn_bind_interdomain(
				  c->xce, c->domid,
				  c->sp->vcpu_ioreq[0].vp_eport) < 0);
	client_detach(c);
	return 0;
}

static int unasked_response(struct client *c)
{
	EXPECT(c, !client_attach(c));
	c->sp->vcpu_ioreq[0].state = STATE_IORESP_READY;
	EXPECT(c, !xenevtchn_notify(c->xce, c->port[0]));
	EXPECT(c, !client_serve(c, 0));
	client_detach(c);
	return 0;
}

static int clobber_port(struct client *c)
{
	EXPECT(c, !client_attach(c));
	c->sp->vcpu_ioreq[0].vp_eport = 999;
	EXPECT(c, !client_serve(c, 0));
	client_detach(c);
	return 0;
}

static int overlap(struct client *c)
{
	ioservid_t a, b;
	uint64_t s = c->base, e = c->base + CLIENT_WINDOW - 1;

	EXPECT(c, !xendevicemodel_create_ioreq_server(c->dm, c->domid, 0, &a));
	EXPECT(c, !xendevicemodel_create_ioreq_server(c->dm, c->domid, 0, &b));
	EXPECT(c, !xendevicemodel_map_io_range_to_ioreq_server(c->dm, c->domid,
							       a, 1, s, e));
	/* Xen lets another server take the same range... */
	EXPECT(c, !xendevicemodel_map_io_range_to_ioreq_server(c->dm, c->domid,
							       b, 1, s, e));
	/* ... but not the same server twice. */
	EXPECT(c, xendevicemodel_map_io_range_to_ioreq_server(c->dm, c->domid,
							      a, 1, s, s) &&
			  errno == EEXIST);
	EXPECT(c, !xendevicemodel_destroy_ioreq_server(c->dm, c->domid, a));
	EXPECT(c, !xendevicemodel_destroy_ioreq_server(c->dm, c->domid, b));
	return 0;
}

static int destroyed_server(struct client *c)
{
	ioservid_t id;

	EXPECT(c, !xendevicemodel_create_ioreq_server(c->dm, c->domid, 0, &id));
	EXPECT(c, !xendevicemodel_destroy_ioreq_server(c->dm, c->domid, id));
	EXPECT(c,
	       xendevicemodel_set_ioreq_server_state(c->dm, c->domid, id, 1) &&
		       errno == ENOENT);
	return 0;
}

static int no_domain(struct client *c)
{
	ioservid_t id;

	EXPECT(c, xendevicemodel_create_ioreq_server(c->dm, 77, 0, &id) &&
			  errno == ESRCH);
	return 0;
}

static int bad_path(struct client *c)
{
	EXPECT(c, !xs_watch(c->xs, "/local//domain", "t") && errno == EINVAL);
	EXPECT(c, !xs_read(c->xs, XBT_NULL, "/trailing/", NULL) &&
			  errno == EINVAL);
	EXPECT(c, !xs_write(c->xs, XBT_NULL, "/bad path", "v", 1) &&
			  errno == EINVAL);
	return 0;
}

static int leak_mapping(struct client *c)
{
	xen_pfn_t pfn = 0x40000; /* the guest's first RAM page */

	EXPECT(c, xenforeignmemory_map(c->fm, c->domid, PROT_READ, 1, &pfn,
				       NULL) != NULL);
	return 0;
}

static int leak_server(struct client *c)
{
	EXPECT(c,
	       !xendevicemodel_create_ioreq_server(c->dm, c->domid, 0, &c->id));
	return 0;
}

static int leak_port(struct client *c)
{
	EXPECT(c, !client_attach(c));
	c->nbound = 0; /* forget to unbind */
	client_detach(c);
	return 0;
}

static int unmap_unknown(struct client *c)
{
	void *p =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT(c, xenforeignmemory_unmap(c->fm, p, 1) && errno == EINVAL);
	munmap(p, 4096);
	return 0;
}

static int bad_irq(struct client *c)
{
	EXPECT(c, xendevicemodel_set_irq_level(c->dm, c->domid, 5, 1) &&
			  errno == EINVAL);
	EXPECT(c, xendevicemodel_set_irq_level(c->dm, c->domid, c->irq, 2) &&
			  errno == EINVAL);
	return 0;
}

static int notify_unbound(struct client *c)
{
	EXPECT(c, xenevtchn_notify(c->xce, 12345) && errno == ENOTCONN);
	return 0;
}

static int bad_grant(struct client *c)
{
	xengnttab_handle *g = xengnttab_open(NULL, 0);

	EXPECT(c, g != NULL);
	if (!g)
		return 0;
	EXPECT(c, !xengnttab_map_grant_ref(g, c->domid, 8,
					   PROT_READ | PROT_WRITE) &&
			  errno == EINVAL);
	EXPECT(c, !xengnttab_map_grant_ref(g, c->domid, 99, PROT_READ) &&
			  errno == EINVAL);
	xengnttab_close(g);
	return 0;
}

static int restricted(struct client *c)
{
	ioservid_t id;

	EXPECT(c, !xentoolcore_restrict_all(c->domid));
	EXPECT(c, xendevicemodel_create_ioreq_server(c->dm, c->domid + 1, 0,
						     &id) &&
			  errno == EPERM);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct client *c);
} hostile[] = {
	{ "map-outside-ram", map_outside_ram },
	{ "bind-wrong-port", bind_wrong_port },
	{ "bind-before-enable", bind_before_enable },
	{ "unasked-response", unasked_response },
	{ "clobber-port", clobber_port },
	{ "overlap", overlap },
	{ "destroyed-server", destroyed_server },
	{ "no-domain", no_domain },
	{ "bad-path", bad_path },
	{ "leak-mapping", leak_mapping },
	{ "leak-server", leak_server },
	{ "leak-port", leak_port },
	{ "unmap-unknown", unmap_unknown },
	{ "bad-irq", bad_irq },
	{ "notify-unbound", notify_unbound },
	{ "bad-grant", bad_grant },
	{ "restricted", restricted },
};

int scenario_hostile(struct client *c, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		if (!strcmp(hostile[i].name, name))
			return hostile[i].fn(c);
	fprintf(stderr, "sim-client: no scenario %s\n", name);
	return 2;
}
