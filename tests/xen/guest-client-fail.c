// SPDX-License-Identifier: GPL-2.0-only
/*
 * Failure injection for guest-client: the calls guest.c makes to set a
 * guest up, wrapped with -Wl,--wrap so one of them can fail on demand and
 * the test can check that guest_new() undoes exactly what it had done.
 * State is process-wide: this is a test program's, not the daemon's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>

#include "evloop.h"
#include "guest-client.h"

static char fail_call[64];
static unsigned fail_nth, fail_seen;
static bool fail_armed;

int fail_parse(const char *spec)
{
	if (sscanf(spec, "%63[a-z_]:%u", fail_call, &fail_nth) != 2 ||
	    !fail_nth)
		return -EINVAL;
	return 0;
}

void fail_arm(bool armed)
{
	fail_armed = armed;
}

static bool fail_now(const char *call)
{
	if (!fail_armed || strcmp(call, fail_call) || ++fail_seen != fail_nth)
		return false;
	fprintf(stderr, "guest-client: injected failure of %s #%u\n", call,
		fail_nth);
	errno = EIO;
	return true;
}

/* The real functions, and their wrappers (declared for -Wmissing-*). */
int __real_xendevicemodel_nr_vcpus(xendevicemodel_handle *dm, domid_t domid,
				   unsigned int *vcpus);
int __wrap_xendevicemodel_nr_vcpus(xendevicemodel_handle *dm, domid_t domid,
				   unsigned int *vcpus);
int __real_xendevicemodel_create_ioreq_server(xendevicemodel_handle *dm,
					      domid_t domid,
					      int handle_bufioreq,
					      ioservid_t *id);
int __wrap_xendevicemodel_create_ioreq_server(xendevicemodel_handle *dm,
					      domid_t domid,
					      int handle_bufioreq,
					      ioservid_t *id);
xenforeignmemory_resource_handle *__real_xenforeignmemory_map_resource(
	xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
	unsigned int id, unsigned long frame, unsigned long nr_frames,
	void **paddr, int prot, int flags);
xenforeignmemory_resource_handle *__wrap_xenforeignmemory_map_resource(
	xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
	unsigned int id, unsigned long frame, unsigned long nr_frames,
	void **paddr, int prot, int flags);
xenevtchn_handle *__real_xenevtchn_open(struct xentoollog_logger *logger,
					unsigned int flags);
xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *logger,
					unsigned int flags);
int __real_evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
			 evloop_fd_fn *fn, void *opaque,
			 struct evloop_fd **out);
int __wrap_evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
			 evloop_fd_fn *fn, void *opaque,
			 struct evloop_fd **out);
int __real_xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dm,
						 domid_t domid, ioservid_t id,
						 int enabled);
int __wrap_xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dm,
						 domid_t domid, ioservid_t id,
						 int enabled);
xenevtchn_port_or_error_t
__real_xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
				  evtchn_port_t remote_port);
xenevtchn_port_or_error_t
__wrap_xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
				  evtchn_port_t remote_port);
int __real_xendevicemodel_map_io_range_to_ioreq_server(
	xendevicemodel_handle *dm, domid_t domid, ioservid_t id, int is_mmio,
	uint64_t start, uint64_t end);
int __wrap_xendevicemodel_map_io_range_to_ioreq_server(
	xendevicemodel_handle *dm, domid_t domid, ioservid_t id, int is_mmio,
	uint64_t start, uint64_t end);

int __wrap_xendevicemodel_nr_vcpus(xendevicemodel_handle *dm, domid_t domid,
				   unsigned int *vcpus)
{
	if (fail_now("nr_vcpus"))
		return -1;
	return __real_xendevicemodel_nr_vcpus(dm, domid, vcpus);
}

int __wrap_xendevicemodel_create_ioreq_server(xendevicemodel_handle *dm,
					      domid_t domid,
					      int handle_bufioreq,
					      ioservid_t *id)
{
	if (fail_now("create_ioreq_server"))
		return -1;
	return __real_xendevicemodel_create_ioreq_server(dm, domid,
							 handle_bufioreq, id);
}

xenforeignmemory_resource_handle *__wrap_xenforeignmemory_map_resource(
	xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
	unsigned int id, unsigned long frame, unsigned long nr_frames,
	void **paddr, int prot, int flags)
{
	if (fail_now("map_resource"))
		return NULL;
	return __real_xenforeignmemory_map_resource(
		fmem, domid, type, id, frame, nr_frames, paddr, prot, flags);
}

xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *logger,
					unsigned int flags)
{
	if (fail_now("evtchn_open"))
		return NULL;
	return __real_xenevtchn_open(logger, flags);
}

int __wrap_evloop_add_fd(struct evloop *loop, int fd, uint32_t events,
			 evloop_fd_fn *fn, void *opaque, struct evloop_fd **out)
{
	if (fail_now("evloop_add_fd"))
		return -EIO;
	return __real_evloop_add_fd(loop, fd, events, fn, opaque, out);
}

int __wrap_xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dm,
						 domid_t domid, ioservid_t id,
						 int enabled)
{
	if (fail_now("set_ioreq_server_state"))
		return -1;
	return __real_xendevicemodel_set_ioreq_server_state(dm, domid, id,
							    enabled);
}

xenevtchn_port_or_error_t
__wrap_xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
				  evtchn_port_t remote_port)
{
	if (fail_now("bind_interdomain"))
		return -1;
	return __real_xenevtchn_bind_interdomain(xce, domid, remote_port);
}

int __wrap_xendevicemodel_map_io_range_to_ioreq_server(
	xendevicemodel_handle *dm, domid_t domid, ioservid_t id, int is_mmio,
	uint64_t start, uint64_t end)
{
	if (fail_now("map_io_range"))
		return -1;
	return __real_xendevicemodel_map_io_range_to_ioreq_server(
		dm, domid, id, is_mmio, start, end);
}
