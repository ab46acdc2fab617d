// SPDX-License-Identifier: GPL-2.0-only
/*
 * One guest: its ioreq server, the vCPUs' event channels in the event loop,
 * and the MMIO windows of its virtio devices.
 *
 * Set-up follows Xen's order (create the server, map its ioreq page, enable
 * it, then bind each vCPU's vp_eport, which enabling publishes). Each step
 * reached is recorded in struct guest, and guest_free() undoes exactly
 * those, in reverse, so a guest_new() that fails half-way leaves nothing
 * behind. After the domain died, Xen answers ESRCH for it: tolerated.
 */
/*
 * HVM_IOREQSRV_BUFIOREQ_OFF is in the toolstack-only part of the public
 * headers (hvm/dm_op.h); a tools build says so, as xenctrl.h does.
 */
#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include <linux/virtio_mmio.h>
#include <xenevtchn.h>
#include <xen/memory.h>

#include "evloop.h"
#include "gmem-xen.h"
#include "guest.h"
#include "ioreq.h"
#include "irq.h"
#include "log.h"
#include "vdev.h"
#include "vmmio.h"
#include "xen-handles.h"

/* One ioreq page holds the slots of this many vCPUs (4 KiB / 32 bytes). */
#define MAX_VCPUS (4096u / sizeof(ioreq_t))

struct guest_dev {
	struct guest *g;
	uint32_t devid;
	uint64_t base;
	struct vdev *vdev;
	struct vmmio mmio;
	struct irq_line line;
	struct log_src log;
};

struct guest {
	struct xen_handles *xh;
	struct evloop *loop;
	struct logger *logger;
	uint32_t domid;
	unsigned nr_vcpus;
	struct log_src log;
	struct mmio_handler handler;

	/* Set-up steps reached, in order; guest_free() undoes them. */
	bool have_server;
	ioservid_t id;
	xenforeignmemory_resource_handle *res;
	ioreq_t *slots; /* the ioreq page: one slot per vCPU */
	xenevtchn_handle *xce;
	struct evloop_fd *watch;
	bool enabled;
	unsigned nr_bound;
	evtchn_port_t *ports; /* [vcpu]: our local port, bound in order */

	struct guest_dev **devs; /* [nr_devs] */
	unsigned nr_devs;
	struct gmem *foreign, *grant;

	/* A QueueNotify write answered but not yet run (serve_port()). */
	struct guest_dev *kick_dev;
	unsigned kick_size;
	uint64_t kick_value;
};

/* Logs a failed call; returns its -errno. */
static int call_failed(struct guest *g, const char *call)
{
	int rc = -errno;

	log_err(&g->log, "%s: %s", call, strerror(-rc));
	return rc;
}

/* Teardown: after the domain died, Xen answers ESRCH. */
static void undo_failed(struct guest *g, const char *call)
{
	if (errno == ESRCH)
		log_debug(&g->log, "%s: domain gone", call);
	else
		log_err(&g->log, "%s: %s", call, strerror(errno));
}

/*
 * A guest has a handful of devices (libxl gives Arm guests 11 SPIs for
 * them): a linear search is enough. Windows never overlap.
 */
static struct guest_dev *dev_at(const struct guest *g, uint64_t addr)
{
	for (unsigned i = 0; i < g->nr_devs; i++)
		if (addr - g->devs[i]->base < VMMIO_WINDOW_SIZE)
			return g->devs[i];
	return NULL;
}

static int mmio_read(void *opaque, uint64_t addr, unsigned size,
		     uint64_t *value)
{
	struct guest_dev *d = dev_at(opaque, addr);

	return d ? vmmio_read(&d->mmio, addr - d->base, size, value) : -ENODEV;
}

static int mmio_write(void *opaque, uint64_t addr, unsigned size,
		      uint64_t value)
{
	struct guest *g = opaque;
	struct guest_dev *d = dev_at(g, addr);

	if (!d)
		return -ENODEV;
	/* Run once the vCPU is answered: see serve_port(). */
	if (addr - d->base == VIRTIO_MMIO_QUEUE_NOTIFY) {
		g->kick_dev = d;
		g->kick_size = size;
		g->kick_value = value;
		return 0;
	}
	return vmmio_write(&d->mmio, addr - d->base, size, value);
}

static void invalidate(void *opaque)
{
	struct guest *g = opaque;

	if (g->foreign)
		gmem_foreign_invalidate(g->foreign);
}

/* Which vCPU's port fired: a few compares, beside two system calls. */
static uint32_t vcpu_of(const struct guest *g, evtchn_port_t port)
{
	uint32_t v = 0;

	while (v < g->nr_bound && g->ports[v] != port)
		v++;
	return v;
}

/*
 * A QueueNotify write is answered before it runs, so the vCPU goes on
 * while the device pops and submits the batch (which may take long):
 * - the response to a write carries no data (Xen's handle_ioserv() only
 *   copies data back for reads), and QueueNotify has no effect the guest
 *   could observe through the register file: writing it "notifies the
 *   device that there are new buffers to process in a queue" (virtio 1.2
 *   §4.2.2), which answers through the used ring and an interrupt;
 * - the kick runs before this callback returns, so every later MMIO
 *   access, of this vCPU or another (one event per callback), reaches the
 *   device after it, in the order Xen delivered them;
 * - the slot is not touched after STATE_IORESP_READY: the vCPU may put
 *   its next request there while the kick runs.
 * Other writes run first: an InterruptACK, say, must lower the line before
 * the vCPU resumes, or its GIC would take the level as a new interrupt.
 */
static void run_kick(struct guest *g)
{
	struct guest_dev *d = g->kick_dev;

	g->kick_dev = NULL;
	/* Its errors are the device's (NEEDS_RESET), not the access's. */
	(void)!vmmio_write(&d->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, g->kick_size,
			   g->kick_value);
}

/* The hot path: no allocation, no log line unless something failed. */
static void serve_port(struct guest *g, evtchn_port_t port)
{
	uint32_t v = vcpu_of(g, port);

	if (unlikely(v == g->nr_bound)) {
		log_guest(&g->log, LOG_WARN, "event on unknown port %u", port);
		return;
	}
	if (mmio_req_serve(&g->slots[v], &g->handler, &g->log) &&
	    unlikely(xenevtchn_notify(g->xce, g->ports[v]) < 0))
		log_guest(&g->log, LOG_ERR, "xenevtchn_notify(vcpu %u): %s", v,
			  strerror(errno));
	/* The port was masked when it fired; what came since is delivered. */
	if (unlikely(xenevtchn_unmask(g->xce, g->ports[v]) < 0))
		log_guest(&g->log, LOG_ERR, "xenevtchn_unmask(vcpu %u): %s", v,
			  strerror(errno));
	if (g->kick_dev)
		run_kick(g);
}

/*
 * One event per wake-up, as QEMU's cpu_handle_ioreq() does: the fd is
 * watched level-triggered, so the loop comes straight back while more are
 * queued, and the other fds get their turn in between. Reading on until
 * EAGAIN would cost a system call on every wake-up that had one event,
 * the usual case (each vCPU has one request outstanding).
 */
static void on_events(void *opaque, int fd, uint32_t events)
{
	struct guest *g = opaque;
	xenevtchn_port_or_error_t p = xenevtchn_pending(g->xce);

	if (p >= 0) {
		serve_port(g, (evtchn_port_t)p);
		return;
	}
	if (errno == EAGAIN || errno == EINTR)
		return;
	/*
	 * The event device is broken: left in the loop it would stay
	 * readable and spin. The vCPUs now wait for a teardown.
	 */
	log_err(&g->log, "xenevtchn_pending: %s", strerror(errno));
	evloop_del_fd(g->watch);
	g->watch = NULL;
}

static int count_vcpus(struct guest *g)
{
	unsigned n = 0;

	if (xendevicemodel_nr_vcpus(g->xh->dm, (domid_t)g->domid, &n))
		return call_failed(g, "xendevicemodel_nr_vcpus");
	if (n == 0 || n > MAX_VCPUS) {
		log_err(&g->log, "%u vCPUs: one ioreq page serves 1 to %zu", n,
			MAX_VCPUS);
		return -EOPNOTSUPP;
	}
	g->nr_vcpus = n;
	g->ports = calloc(n, sizeof(*g->ports));
	return g->ports ? 0 : -ENOMEM;
}

/* The server and its synchronous ioreq page (Arm has no buffered one). */
static int create_server(struct guest *g)
{
	void *page = NULL;

	if (xendevicemodel_create_ioreq_server(g->xh->dm, (domid_t)g->domid,
					       HVM_IOREQSRV_BUFIOREQ_OFF,
					       &g->id))
		return call_failed(g, "xendevicemodel_create_ioreq_server");
	g->have_server = true;
	g->res = xenforeignmemory_map_resource(
		g->xh->fmem, (domid_t)g->domid, XENMEM_resource_ioreq_server,
		g->id, XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &page,
		PROT_READ | PROT_WRITE, 0);
	if (!g->res)
		return call_failed(g, "xenforeignmemory_map_resource");
	g->slots = page;
	return 0;
}

/*
 * One event channel handle per guest, so its fd wakes for its vCPUs only.
 * Non-blocking, so xenevtchn_pending() can drain it.
 */
static int open_events(struct guest *g)
{
	int fd, flags, rc;

	g->xce = xenevtchn_open(NULL, 0);
	if (!g->xce)
		return call_failed(g, "xenevtchn_open");
	fd = xenevtchn_fd(g->xce);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return call_failed(g, "fcntl(event channel fd)");
	rc = evloop_add_fd(g->loop, fd, EPOLLIN, on_events, g, &g->watch);
	if (rc)
		log_err(&g->log, "evloop_add_fd: %s", strerror(-rc));
	return rc;
}

/* vp_eport is in the page only once the server is enabled. */
static int enable_and_bind(struct guest *g)
{
	xenevtchn_port_or_error_t p;
	evtchn_port_t remote;
	int rc;

	if (xendevicemodel_set_ioreq_server_state(g->xh->dm, (domid_t)g->domid,
						  g->id, 1))
		return call_failed(g, "xendevicemodel_set_ioreq_server_state");
	g->enabled = true;
	for (uint32_t v = 0; v < g->nr_vcpus; v++) {
		remote = ((volatile ioreq_t *)&g->slots[v])->vp_eport;
		p = xenevtchn_bind_interdomain(g->xce, g->domid, remote);
		if (p < 0) {
			rc = -errno;
			log_err(&g->log,
				"xenevtchn_bind_interdomain(vcpu %u, port %u): %s",
				v, remote, strerror(-rc));
			return rc;
		}
		g->ports[g->nr_bound++] = (evtchn_port_t)p;
	}
	return 0;
}

int guest_new(const struct guest_params *p, struct guest **out)
{
	struct guest *g;
	int rc;

	*out = NULL;
	if (p->domid == 0 || p->domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->xh = p->xh;
	g->loop = p->loop;
	g->logger = p->logger;
	g->domid = p->domid;
	g->handler = (struct mmio_handler){
		.read = mmio_read,
		.write = mmio_write,
		.invalidate = invalidate,
		.opaque = g,
	};
	log_src_init(&g->log, p->logger, (int)p->domid, NULL);
	rc = count_vcpus(g);
	if (!rc)
		rc = create_server(g);
	if (!rc)
		rc = open_events(g);
	if (!rc)
		rc = enable_and_bind(g);
	if (rc) {
		guest_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

static void remove_at(struct guest *g, unsigned i);

void guest_free(struct guest *g)
{
	if (!g)
		return;
	while (g->nr_devs)
		remove_at(g, g->nr_devs - 1);
	while (g->nr_bound)
		if (xenevtchn_unbind(g->xce, g->ports[--g->nr_bound]))
			undo_failed(g, "xenevtchn_unbind");
	evloop_del_fd(g->watch);
	if (g->xce && xenevtchn_close(g->xce))
		undo_failed(g, "xenevtchn_close");
	if (g->enabled && xendevicemodel_set_ioreq_server_state(
				  g->xh->dm, (domid_t)g->domid, g->id, 0))
		undo_failed(g, "xendevicemodel_set_ioreq_server_state");
	/* Mappings outlive the domain: unmapped whether it lives or not. */
	if (g->res && xenforeignmemory_unmap_resource(g->xh->fmem, g->res))
		undo_failed(g, "xenforeignmemory_unmap_resource");
	if (g->have_server && xendevicemodel_destroy_ioreq_server(
				      g->xh->dm, (domid_t)g->domid, g->id))
		undo_failed(g, "xendevicemodel_destroy_ioreq_server");
	/* The devices that used them are gone: no ring is mapped any more. */
	gmem_xen_free(g->foreign);
	gmem_xen_free(g->grant);
	free(g->devs);
	free(g->ports);
	free(g);
}

struct gmem *guest_gmem(struct guest *g, bool grant)
{
	struct gmem **mem = grant ? &g->grant : &g->foreign;
	int rc;

	if (*mem)
		return *mem;
	/* gnttab is NULL if it could not be opened: gmem_grant_new says so. */
	if (grant)
		rc = gmem_grant_new(g->xh->gnttab, g->domid, &g->log, mem);
	else
		rc = gmem_foreign_new(g->xh->fmem, g->domid, 0, &g->log, mem);
	if (rc) {
		log_err(&g->log, "%s guest memory: %s",
			grant ? "grant" : "foreign", strerror(-rc));
		*mem = NULL;
	}
	return *mem;
}

static void dev_irq(void *opaque, bool level)
{
	struct guest_dev *d = opaque;

	/*
	 * Nothing to do on failure but what irq_line_set() does: log it.
	 * The vdev keeps its InterruptStatus for the guest to read.
	 */
	(void)!irq_line_set(&d->line, level);
}

static unsigned dev_index(const struct guest *g, uint32_t devid)
{
	unsigned i = 0;

	while (i < g->nr_devs && g->devs[i]->devid != devid)
		i++;
	return i;
}

/* Windows are all VMMIO_WINDOW_SIZE long. */
static bool overlaps(const struct guest *g, uint64_t base)
{
	for (unsigned i = 0; i < g->nr_devs; i++)
		if (base - g->devs[i]->base < VMMIO_WINDOW_SIZE ||
		    g->devs[i]->base - base < VMMIO_WINDOW_SIZE)
			return true;
	return false;
}

static int check_new_dev(struct guest *g, uint32_t devid, uint64_t base)
{
	struct guest_dev **devs;
	const char *why = NULL;
	int rc = -EEXIST;

	if (base > UINT64_MAX - VMMIO_WINDOW_SIZE) {
		why = "the window wraps";
		rc = -EINVAL;
	} else if (dev_index(g, devid) < g->nr_devs) {
		why = "devid in use";
	} else if (overlaps(g, base)) {
		why = "the window overlaps another";
	}
	if (why) {
		log_err(&g->log, "device %u at %#llx: %s", devid,
			(unsigned long long)base, why);
		return rc;
	}
	/* Grown before mapping, so a failure leaves nothing to undo. */
	devs = realloc(g->devs, (g->nr_devs + 1) * sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	g->devs = devs;
	return 0;
}

int guest_add_device(struct guest *g, uint32_t devid, uint64_t base,
		     uint32_t irq, struct vdev *vdev)
{
	struct guest_dev *d;
	char name[16];
	int rc;

	rc = check_new_dev(g, devid, base);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (xendevicemodel_map_io_range_to_ioreq_server(
		    g->xh->dm, (domid_t)g->domid, g->id, 1, base,
		    base + VMMIO_WINDOW_SIZE - 1)) {
		rc = -errno;
		log_err(&g->log,
			"xendevicemodel_map_io_range_to_ioreq_server(%#llx): %s",
			(unsigned long long)base, strerror(-rc));
		free(d);
		return rc;
	}
	d->g = g;
	d->devid = devid;
	d->base = base;
	d->vdev = vdev;
	snprintf(name, sizeof(name), "dev%u", devid);
	log_src_init(&d->log, g->logger, (int)g->domid, name);
	irq_line_init(&d->line, g->xh->dm, g->domid, irq, &d->log);
	vmmio_init(&d->mmio, vdev);
	g->devs[g->nr_devs++] = d;
	/* Raises the line at once if the device has an event pending. */
	vdev_set_irq(vdev, dev_irq, d);
	return 0;
}

static void remove_at(struct guest *g, unsigned i)
{
	struct guest_dev *d = g->devs[i];

	if (d->line.level)
		(void)!irq_line_set(&d->line, false);
	vdev_set_irq(d->vdev, NULL, NULL);
	if (xendevicemodel_unmap_io_range_from_ioreq_server(
		    g->xh->dm, (domid_t)g->domid, g->id, 1, d->base,
		    d->base + VMMIO_WINDOW_SIZE - 1))
		undo_failed(g,
			    "xendevicemodel_unmap_io_range_from_ioreq_server");
	g->devs[i] = g->devs[--g->nr_devs];
	free(d);
}

void guest_remove_device(struct guest *g, uint32_t devid)
{
	unsigned i = dev_index(g, devid);

	if (i < g->nr_devs)
		remove_at(g, i);
	else
		log_warn(&g->log, "no device %u to remove", devid);
}

unsigned guest_nr_devices(const struct guest *g)
{
	return g->nr_devs;
}

uint32_t guest_domid(const struct guest *g)
{
	return g->domid;
}
