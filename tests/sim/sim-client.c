// SPDX-License-Identifier: GPL-2.0-only
/*
 * The well-behaved part of sim-client: the reference ioreq sequence and a
 * register file that proves each path (magic value, interrupts, foreign
 * mapping of a guest page).
 *
 * usage: sim-client <scenario> <domid> <base> <nr_vcpus> <irq>
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sim-client.h"

/*
 * Variants of the serve loop: LATE_UNMASK is legal (unmask after the
 * answer, slowly: the next event arrives while masked and must wait);
 * the others break a rule.
 */
enum {
	SERVE_OK,
	SERVE_LATE_UNMASK,
	SERVE_SILENT,
	SERVE_TWICE,
	SERVE_NO_UNMASK
};

int client_open(struct client *c)
{
	c->dm = xendevicemodel_open(NULL, 0);
	c->fm = xenforeignmemory_open(NULL, 0);
	c->xce = xenevtchn_open(NULL, 0);
	c->xs = xs_open(0);
	if (!c->dm || !c->fm || !c->xce || !c->xs) {
		perror("sim-client: open");
		return -1;
	}
	return 0;
}

void client_close(struct client *c)
{
	xs_close(c->xs);
	xenevtchn_close(c->xce);
	xenforeignmemory_close(c->fm);
	xendevicemodel_close(c->dm);
}

int client_attach(struct client *c)
{
	void *page = NULL;
	unsigned int v;
	int p;

	if (xendevicemodel_create_ioreq_server(
		    c->dm, c->domid, HVM_IOREQSRV_BUFIOREQ_OFF, &c->id))
		return -1;
	c->have_server = true;
	c->res = xenforeignmemory_map_resource(
		c->fm, c->domid, XENMEM_resource_ioreq_server, c->id,
		XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &page,
		PROT_READ | PROT_WRITE, 0);
	if (!c->res)
		return -1;
	c->sp = page;
	if (xendevicemodel_map_io_range_to_ioreq_server(
		    c->dm, c->domid, c->id, 1, c->base,
		    c->base + CLIENT_WINDOW - 1) ||
	    xendevicemodel_set_ioreq_server_state(c->dm, c->domid, c->id, 1))
		return -1;
	/* vp_eport is valid only now that the server is enabled. */
	for (v = 0; v < c->nr_vcpus; v++) {
		p = xenevtchn_bind_interdomain(c->xce, c->domid,
					       c->sp->vcpu_ioreq[v].vp_eport);
		if (p < 0)
			return -1;
		c->port[c->nbound++] = (evtchn_port_t)p;
	}
	return 0;
}

/* After the domain died, calls for it may fail with ESRCH. */
#define EXPECT_OK_OR_GONE(c, r) EXPECT(c, !(r) || ((c)->dead && errno == ESRCH))

void client_detach(struct client *c)
{
	int r;

	if (c->page) {
		EXPECT(c, !xenforeignmemory_unmap(c->fm, c->page, 1));
		c->page = NULL;
	}
	while (c->nbound)
		EXPECT(c, !xenevtchn_unbind(c->xce, c->port[--c->nbound]));
	if (c->have_server) {
		r = xendevicemodel_set_ioreq_server_state(c->dm, c->domid,
							  c->id, 0);
		EXPECT_OK_OR_GONE(c, r);
	}
	if (c->res) {
		EXPECT(c, !xenforeignmemory_unmap_resource(c->fm, c->res));
		c->res = NULL;
	}
	if (c->have_server) {
		r = xendevicemodel_destroy_ioreq_server(c->dm, c->domid, c->id);
		EXPECT_OK_OR_GONE(c, r);
		c->have_server = false;
	}
}

/* Maps the guest page at qdesc and answers its first 16 bytes inverted. */
static void map_page(struct client *c)
{
	xen_pfn_t pfn = c->qdesc >> 12; /* XC_PAGE_SHIFT */
	int err = -1, i;

	if (c->page)
		EXPECT(c, !xenforeignmemory_unmap(c->fm, c->page, 1));
	c->page = xenforeignmemory_map(c->fm, c->domid, PROT_READ | PROT_WRITE,
				       1, &pfn, &err);
	EXPECT(c, c->page && !err);
	for (i = 0; c->page && i < 16; i++)
		c->page[16 + i] = (uint8_t)~c->page[i];
}

static uint64_t reg_read(struct client *c, uint64_t off)
{
	uint64_t sum = 0;
	int i;

	switch (off) {
	case 0x000:
		return 0x74726976; /* "virt" */
	case 0x004:
		return 2;
	case 0x008:
		return 2;
	case 0x070:
		return c->status;
	case 0x100:
		for (i = 0; c->page && i < 16; i++)
			sum += c->page[i];
		return sum;
	default:
		return 0;
	}
}

static void reg_write(struct client *c, uint64_t off, uint64_t v)
{
	switch (off) {
	case 0x050: /* QueueNotify: "complete" and interrupt */
		EXPECT(c, !xendevicemodel_set_irq_level(c->dm, c->domid, c->irq,
							1));
		break;
	case 0x064: /* InterruptACK */
		EXPECT(c, !xendevicemodel_set_irq_level(c->dm, c->domid, c->irq,
							0));
		break;
	case 0x070:
		c->status = (uint32_t)v;
		break;
	case 0x080:
		c->qdesc = (c->qdesc & ~0xffffffffULL) | v;
		break;
	case 0x084:
		c->qdesc = (c->qdesc & 0xffffffffULL) | (v << 32);
		map_page(c);
		break;
	default:
		break;
	}
}

static void answer(struct client *c, unsigned int v)
{
	__sync_synchronize();
	c->sp->vcpu_ioreq[v].state = STATE_IORESP_READY;
	xenevtchn_notify(c->xce, c->port[v]);
}

/* SERVE_TWICE: once the guest took the answer, answer again. */
static void answer_again(struct client *c, unsigned int v)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 2000 && c->sp->vcpu_ioreq[v].state; i++)
		nanosleep(&ts, NULL);
	answer(c, v);
}

static void handle(struct client *c, unsigned int v, int mode)
{
	ioreq_t *r = &c->sp->vcpu_ioreq[v];
	uint64_t mask;

	if (r->state != STATE_IOREQ_READY)
		return;
	__sync_synchronize();
	r->state = STATE_IOREQ_INPROCESS;
	if (r->type == IOREQ_TYPE_COPY && !r->data_is_ptr && r->count == 1) {
		mask = r->size >= 8 ? ~0ULL : (1ULL << (r->size * 8)) - 1;
		if (r->dir == IOREQ_READ)
			r->data = reg_read(c, r->addr - c->base) & mask;
		else
			reg_write(c, r->addr - c->base, r->data & mask);
	}
	if (mode == SERVE_SILENT)
		return;
	answer(c, v);
	if (mode == SERVE_TWICE)
		answer_again(c, v);
}

static void late_unmask(struct client *c, evtchn_port_t port)
{
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
	xenevtchn_unmask(c->xce, port);
}

/* A watch fired: 1 to stop serving. */
static int watch_event(struct client *c)
{
	unsigned int num;
	char **vec = xs_read_watch(c->xs, &num);
	char *quit;
	int stop = 0;

	if (!vec)
		return 0;
	if (!strcmp(vec[XS_WATCH_TOKEN], "quit")) {
		quit = xs_read(c->xs, XBT_NULL, CLIENT_HOME "/quit", NULL);
		stop = quit != NULL;
		free(quit);
	} else if (!strcmp(vec[XS_WATCH_TOKEN], "release")) {
		c->dead = !xs_is_domain_introduced(c->xs, c->domid);
		stop = c->dead;
	}
	free(vec);
	return stop;
}

int client_serve(struct client *c, int mode)
{
	struct pollfd pfd[2] = {
		{ .fd = xenevtchn_fd(c->xce), .events = POLLIN },
		{ .fd = xs_fileno(c->xs), .events = POLLIN },
	};
	int port;
	unsigned int v;

	if (!xs_watch(c->xs, CLIENT_HOME "/quit", "quit") ||
	    !xs_watch(c->xs, "@releaseDomain", "release") ||
	    !xs_write(c->xs, XBT_NULL, CLIENT_HOME "/ready", "1", 1))
		return -1;
	for (;;) {
		if (poll(pfd, 2, 20000) <= 0)
			return -1; /* the test would have told us to quit */
		if (pfd[1].revents & POLLIN && watch_event(c))
			return 0;
		if (!(pfd[0].revents & POLLIN))
			continue;
		port = xenevtchn_pending(c->xce);
		if (port < 0)
			continue;
		if (mode != SERVE_LATE_UNMASK && mode != SERVE_NO_UNMASK)
			xenevtchn_unmask(c->xce, (evtchn_port_t)port);
		for (v = 0; v < c->nbound; v++)
			if (c->port[v] == (evtchn_port_t)port)
				handle(c, v, mode);
		if (mode == SERVE_LATE_UNMASK)
			late_unmask(c, (evtchn_port_t)port);
	}
}

/* The serving scenarios: attach, serve, and check what death leaves. */
static int scenario_serve(struct client *c, int mode)
{
	if (client_attach(c) || client_serve(c, mode)) {
		perror("sim-client: serve");
		c->failures++;
	}
	if (c->dead) {
		EXPECT(c, xendevicemodel_set_irq_level(c->dm, c->domid, c->irq,
						       1) == -1 &&
				  errno == ESRCH);
		/* Foreign mappings outlive the domain. */
		EXPECT(c,
		       !c->page || (uint8_t)(c->page[16] + c->page[0]) == 0xff);
	}
	client_detach(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct client c = { 0 };
	const char *what;
	int rc;

	if (argc < 6) {
		fprintf(stderr, "usage: %s scenario domid base nr_vcpus irq\n",
			argv[0]);
		return 2;
	}
	what = argv[1];
	c.domid = (domid_t)strtoul(argv[2], NULL, 0);
	c.base = strtoull(argv[3], NULL, 0);
	c.nr_vcpus = (unsigned int)strtoul(argv[4], NULL, 0);
	c.irq = (unsigned int)strtoul(argv[5], NULL, 0);
	if (c.nr_vcpus > CLIENT_MAX_VCPUS || client_open(&c))
		return 2;
	if (!strcmp(what, "probe"))
		rc = scenario_serve(&c, SERVE_OK);
	else if (!strcmp(what, "silent"))
		rc = scenario_serve(&c, SERVE_SILENT);
	else if (!strcmp(what, "twice"))
		rc = scenario_serve(&c, SERVE_TWICE);
	else if (!strcmp(what, "late-unmask"))
		rc = scenario_serve(&c, SERVE_LATE_UNMASK);
	else if (!strcmp(what, "no-unmask"))
		rc = scenario_serve(&c, SERVE_NO_UNMASK);
	else if (!strcmp(what, "xs"))
		rc = scenario_xs(&c);
	else if (!strcmp(what, "grant"))
		rc = scenario_grant(&c);
	else if (!strcmp(what, "backend"))
		rc = scenario_backend(&c);
	else
		rc = scenario_hostile(&c, what);
	client_close(&c);
	return rc || c.failures ? 1 : 0;
}
