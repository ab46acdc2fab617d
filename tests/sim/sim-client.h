/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim-client: a device model written against the real libxen* API, the
 * way ../shared/lab/reference/ioreq-virtio-probe.c uses it, run by
 * test-sim under LD_PRELOAD=libxensim.so. Each scenario either behaves
 * (exit 0 when every expectation held) or breaks one rule on purpose.
 */
#ifndef XENSIM_SIM_CLIENT_H
#define XENSIM_SIM_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#define CLIENT_MAX_VCPUS 8
#define CLIENT_WINDOW 0x200 /* one virtio-mmio window */
#define CLIENT_HOME "/local/domain/0/xensim-client"

struct client {
	domid_t domid;
	uint64_t base;
	unsigned int nr_vcpus, irq;
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fm;
	xenevtchn_handle *xce;
	struct xs_handle *xs;
	ioservid_t id;
	bool have_server;
	xenforeignmemory_resource_handle *res;
	shared_iopage_t *sp;
	evtchn_port_t port[CLIENT_MAX_VCPUS];
	unsigned int nbound;
	/* device state */
	uint32_t status;
	uint64_t qdesc;
	uint8_t *page; /* the guest page at qdesc, mapped */
	bool dead;     /* the guest domain died */
	int failures;
};

#define EXPECT(c, cond)                                                     \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "sim-client: %s:%d: expected %s\n", \
				__FILE__, __LINE__, #cond);                 \
			(c)->failures++;                                    \
		}                                                           \
	} while (0)

int client_open(struct client *c);
void client_close(struct client *c);
/* The reference sequence: create, map page, map range, enable, bind. */
int client_attach(struct client *c);
/* Undoes what client_attach did (tolerates a dead domain). */
void client_detach(struct client *c);
/*
 * Serves events until CLIENT_HOME/quit is written or the domain dies.
 * `mode` selects a misbehaviour (see sim-client.c), 0 for none.
 */
int client_serve(struct client *c, int mode);

int scenario_xs(struct client *c);
int scenario_grant(struct client *c);
int scenario_backend(struct client *c);
int scenario_hostile(struct client *c, const char *name);

#endif
