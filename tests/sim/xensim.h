/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim: a simulated Xen for testing the unmodified daemon binary.
 *
 * The harness (this API, libxensim-host.a) plays the hypervisor, the
 * toolstack and the guest. The process under test runs with
 * LD_PRELOAD=libxensim.so and XENSIM_SOCKET=<socket_path>: every libxen*
 * call it makes lands here, over one unix socket connection per handle.
 *
 * It follows Xen 4.17 on Arm (the ioreq slot state machine of
 * xen/common/ioreq.c, try_fwd_ioserv() of xen/arch/arm/ioreq.c, the
 * set_irq_level checks of xen/arch/arm/dm.c, xenstored's path rules,
 * watches and transactions) and is strict: whatever a correct device model
 * never does is recorded as a misuse (and printed to stderr), so a test
 * asserts xensim_misuse_count(h, XENSIM_MISUSE_ANY) == 0.
 *
 * Every function is thread-safe: a test may run vCPU threads in parallel.
 * Functions return 0 or -errno.
 */
#ifndef XENSIM_H
#define XENSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct xensim;

enum xensim_misuse {
	XENSIM_MISUSE_PROTOCOL,	  /* malformed message from the preload */
	XENSIM_MISUSE_NO_DOMAIN,  /* a call for a domain that never existed */
	XENSIM_MISUSE_BAD_SERVER, /* a call on a destroyed/unknown server */
	XENSIM_MISUSE_RANGE_OVERLAP,   /* an MMIO range mapped twice */
	XENSIM_MISUSE_MAP_OUTSIDE_RAM, /* a foreign map of a non-RAM gfn */
	XENSIM_MISUSE_BAD_UNMAP,       /* unmap of something never mapped */
	XENSIM_MISUSE_BAD_PORT,	       /* bind to a port that is no vp_eport */
	XENSIM_MISUSE_BIND_BEFORE_ENABLE, /* vp_eport used before state 1 */
	XENSIM_MISUSE_BAD_NOTIFY, /* notify/unbind of a port not bound */
	XENSIM_MISUSE_SLOT_STATE, /* a response without a request, ... */
	XENSIM_MISUSE_SLOT_PORT,  /* the device model wrote vp_eport */
	XENSIM_MISUSE_TIMEOUT,	  /* a vCPU got no response in time */
	XENSIM_MISUSE_BAD_IRQ,	  /* set_irq_level on a non-SPI, level > 1 */
	XENSIM_MISUSE_BAD_PATH,	  /* a xenstore path xenstored refuses */
	XENSIM_MISUSE_BAD_GRANT,  /* a map of a reference not granted */
	XENSIM_MISUSE_RESTRICTED, /* a call for another domain after
				     restrict */
	XENSIM_MISUSE_LEAK,	  /* a mapping, server or port left at close */
	XENSIM_MISUSE_ANY	  /* counts them all */
};

/* Arm's GUEST_RAM0_BASE: where libxl puts a guest's first RAM bank. */
#define XENSIM_RAM0_BASE 0x40000000ULL
#define XENSIM_MAX_VCPUS 128 /* ioreq_t slots in one shared page */
#define XENSIM_MAX_BANKS 2

struct xensim_domain_cfg {
	uint32_t domid;	       /* 1..DOMID_FIRST_RESERVED-1 */
	unsigned int nr_vcpus; /* 1..XENSIM_MAX_VCPUS */
	struct {
		uint64_t base, size; /* page aligned; size 0 ends the list */
	} ram[XENSIM_MAX_BANKS];
	unsigned int nr_spis; /* lines 32..32+nr_spis-1; 0 means 32 */
	const char *name;     /* xenstore "name"; NULL gives "dom<N>" */
	bool paused;	      /* created paused, like xl create -p */
};

int xensim_new(const char *socket_path, struct xensim **out);
/* Stops the harness; the process under test should have exited. */
void xensim_free(struct xensim *h);
/* How long a vCPU waits for a response before XENSIM_MISUSE_TIMEOUT. */
void xensim_set_timeout(struct xensim *h, unsigned int ms);

/*
 * Creates the domain with zeroed RAM, writes /local/domain/<id>/{name,domid}
 * and fires @introduceDomain.
 */
int xensim_domain_create(struct xensim *h, const struct xensim_domain_cfg *c);
int xensim_domain_pause(struct xensim *h, uint32_t domid, bool paused);
/*
 * The domain dies as under xl destroy: its ioreq servers are torn down,
 * /local/domain/<id> is removed and @releaseDomain fires. Calls for it then
 * fail with ESRCH; foreign mappings stay valid until unmapped.
 */
int xensim_domain_destroy(struct xensim *h, uint32_t domid);
/* The guest's view of its RAM: NULL unless [gpa, gpa+len) is RAM. */
void *xensim_guest_mem(struct xensim *h, uint32_t domid, uint64_t gpa,
		       size_t len);

/*
 * One trapped MMIO access from a vCPU, as Xen forwards it: blocks until the
 * device model answers. -EFAULT: no ioreq server covers the address (Xen on
 * Arm injects a data abort; counted by xensim_unhandled_count), -EAGAIN:
 * domain paused, -EBUSY: that vCPU already waits, -ETIMEDOUT / -EIO: the
 * device model misbehaved (recorded as a misuse).
 */
int xensim_mmio_read(struct xensim *h, uint32_t domid, unsigned int vcpu,
		     uint64_t addr, unsigned int size, uint64_t *value);
int xensim_mmio_write(struct xensim *h, uint32_t domid, unsigned int vcpu,
		      uint64_t addr, unsigned int size, uint64_t value);
/* IOREQ_TYPE_INVALIDATE to every enabled server, from one vCPU. */
int xensim_invalidate(struct xensim *h, uint32_t domid, unsigned int vcpu);
unsigned int xensim_unhandled_count(struct xensim *h);

struct xensim_irq {
	bool level;
	unsigned int edges; /* 0 -> 1 transitions: what an edge-triggered
			       guest sees */
	unsigned int sets;  /* set_irq_level calls */
};

int xensim_irq_get(struct xensim *h, uint32_t domid, unsigned int irq,
		   struct xensim_irq *out);
/* Waits until the line has seen at least `edges` rising edges. */
int xensim_irq_wait_edges(struct xensim *h, uint32_t domid, unsigned int irq,
			  unsigned int edges, unsigned int timeout_ms);

/* The guest grants (or revokes) one of its pages to the backend. */
int xensim_grant(struct xensim *h, uint32_t domid, uint32_t ref, uint64_t gfn,
		 bool readonly);
int xensim_ungrant(struct xensim *h, uint32_t domid, uint32_t ref);

/* Xenstore as the toolstack sees it (absolute paths; fires watches). */
int xensim_xs_write(struct xensim *h, const char *path, const char *value);
/* *value is malloc'd. */
int xensim_xs_read(struct xensim *h, const char *path, char **value);
int xensim_xs_rm(struct xensim *h, const char *path);
/* Waits until path exists (value NULL) or holds value. */
int xensim_xs_wait(struct xensim *h, const char *path, const char *value,
		   unsigned int timeout_ms);
/* The next n transaction commits fail with EAGAIN, as under contention. */
void xensim_xs_fail_commits(struct xensim *h, unsigned int n);

/* A virtio device as the toolstack declares it to the backend domain. */
enum xensim_libxl_kind {
	XENSIM_LIBXL_VIRTIO_DISK, /* 4.17: disk=[..., specification=virtio] */
	XENSIM_LIBXL_VIRTIO, /* 4.18+: virtio=["type=virtio,deviceN", ...] */
};

struct xensim_libxl_dev {
	enum xensim_libxl_kind kind;
	uint32_t backend_domid, domid, devid; /* disk xvda: devid 51712 */
	uint64_t base;		   /* GUEST_VIRTIO_MMIO_BASE + 0x200 * n */
	unsigned int irq;	   /* SPI 33.. */
	const char *vdev, *params; /* disks: "xvda", the image */
	bool readonly;		   /* disks */
	const char *type;	   /* generic: "virtio,device2" */
	bool grant_usage;	   /* generic */
};

/*
 * Writes the nodes libxl writes for the device (backend, frontend and
 * /libxl copies, values, permissions), in one transaction as libxl does:
 * watchers see them all at once.
 */
int xensim_libxl_add(struct xensim *h, const struct xensim_libxl_dev *dev);
/* libxl's removal: backend online = 0, state = 5 (Closing). */
int xensim_libxl_close(struct xensim *h, const struct xensim_libxl_dev *dev);
/* ... once the backend reached state 6: the device's nodes go. */
int xensim_libxl_remove(struct xensim *h, const struct xensim_libxl_dev *dev);

/* Waits until the domain has an enabled server with every vCPU bound. */
int xensim_wait_ioreq_ready(struct xensim *h, uint32_t domid,
			    unsigned int timeout_ms);
/* Waits until at most n handles are open (after the process exits: 0). */
int xensim_wait_clients(struct xensim *h, unsigned int n,
			unsigned int timeout_ms);

/*
 * Map and unmap calls the process under test made (one per libxen* call,
 * whatever its page count), for tests that prove a hot path makes none.
 */
struct xensim_map_stats {
	uint64_t foreign_maps, foreign_unmaps; /* xenforeignmemory_map2/unmap */
	uint64_t grant_maps, grant_unmaps;     /* xengnttab_map_.../unmap */
};

void xensim_map_stats(struct xensim *h, struct xensim_map_stats *out);

unsigned int xensim_misuse_count(struct xensim *h, enum xensim_misuse kind);
const char *xensim_misuse_name(enum xensim_misuse kind);
void xensim_misuse_dump(struct xensim *h, FILE *out);
void xensim_misuse_clear(struct xensim *h);

#endif
