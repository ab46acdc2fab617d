/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the harness. One lock (xensim.lock) covers everything below; the
 * socket thread takes it around each request, the test's threads around
 * each API call. A thread that blocks in the harness waits on a condition
 * variable of its own (struct waiter), and a change wakes only the threads
 * it concerns: a device model's notification the vCPU it answers, a line's
 * new level that line's waiters; every other change wakes all of them.
 */
#ifndef XENSIM_SIM_HOST_H
#define XENSIM_SIM_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/hvm/dm_op.h> /* needs __XEN_TOOLS__ (see local.mk) */
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/ioreq.h>

#include "compiler.h"
#include "protocol.h"
#include "store.h"
#include "xensim.h"

#define SIM_PAYLOAD_MAX (SIM_MSG_MAX - sizeof(struct sim_msg))
#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE (1UL << SIM_PAGE_SHIFT)

/* Xen's MAX_NR_IOREQ_SERVERS, MAX_NR_IO_RANGES, NR_IO_RANGE_TYPES. */
#define MAX_SERVERS 8
#define MAX_RANGES 256
#define NR_RANGE_TYPES 3
#define NR_LOCAL_IRQS 32 /* SGIs and PPIs: not for set_irq_level */

struct conn;

struct range {
	uint64_t start, end; /* inclusive */
};

/* Xen's rangeset: sorted, merged, at most MAX_RANGES entries. */
struct rangeset {
	struct range *r;
	unsigned int n;
};

struct server {
	uint16_t id;
	uint64_t serial; /* tells a new server from an old one at the same id */
	bool enabled;
	struct conn *owner; /* the handle that created it: leak check */
	int page_fd;
	shared_iopage_t *page;
	evtchn_port_t *ports; /* the guest-side port of each vCPU */
	struct rangeset ranges[NR_RANGE_TYPES];
};

struct vcpu {
	bool busy; /* a request is outstanding on server `srv` */
	unsigned int srv;
	unsigned int kicks; /* notifications from the device model */
	/* Timed out on that server: its late answer is no second answer. */
	bool hung[MAX_SERVERS];
};

struct irq_line {
	bool level;
	unsigned int edges, sets;
};

struct grant {
	uint32_t ref;
	uint64_t gfn;
	bool readonly;
	struct grant *next;
};

struct bank {
	uint64_t base, size, offset; /* offset in the RAM memfd */
};

struct domain {
	struct domain *next;
	struct xensim *h;
	uint32_t domid;
	unsigned int nr_vcpus, nr_spis;
	bool paused, dead;
	int ram_fd;
	uint8_t *ram;
	size_t ram_bytes;
	struct bank bank[XENSIM_MAX_BANKS];
	unsigned int nr_banks;
	struct server *srv[MAX_SERVERS];
	unsigned int destroyed_ids; /* bit per id the device model destroyed */
	uint64_t next_serial;
	struct vcpu *vcpus;
	struct irq_line *irqs;
	evtchn_port_t next_port;
	struct grant *grants;
};

enum map_kind { MAP_FOREIGN, MAP_RESOURCE, MAP_GRANT };

/* A mapping made in the client's address space. */
struct mapping {
	struct mapping *next;
	enum map_kind kind;
	uint64_t addr, pages;
	uint32_t domid;
};

/* A port in the backend's (dom0's) port space bound by a client. */
struct binding {
	struct binding *next;
	struct conn *conn;
	evtchn_port_t local, remote;
	uint32_t domid;
	bool remote_closed, masked, pending;
};

struct xs_watch {
	struct xs_watch *next;
	char *path, *token;
	unsigned int rel_prefix;
};

struct xs_event {
	struct xs_event *next;
	char *path, *token;
};

struct conn {
	struct conn *next;
	struct xensim *h;
	int fd;
	enum sim_kind kind; /* 0 until HELLO */
	pid_t pid;
	unsigned long flags;
	int ev_fd; /* evtchn: our end of the event socket; xs: eventfd */
	bool restricted, released;
	uint32_t restrict_dom;
	struct mapping *maps;
	struct xs_watch *watches;
	struct xs_event *events, **events_tail;
};

/* What a blocked thread waits for: which changes wake it. */
enum wait_kind {
	WAIT_ANY,  /* only the changes that wake everyone (wake_all) */
	WAIT_VCPU, /* also the notifications on vCPU idx of domid */
	WAIT_IRQ,  /* also the level changes of line idx of domid */
};

/* One blocked thread; on its stack, listed in xensim.waiters meanwhile. */
struct waiter {
	struct waiter *next, **pprev;
	pthread_cond_t cond;
	enum wait_kind kind;
	uint32_t domid;
	unsigned int idx;
};

struct misuse_rec {
	struct misuse_rec *next;
	enum xensim_misuse kind;
	char *msg;
};

struct xensim {
	pthread_mutex_t lock;
	pthread_condattr_t condattr; /* CLOCK_MONOTONIC, for the waiters */
	struct waiter *waiters;
	pthread_t thread;
	bool thread_started;
	int listen_fd, epoll_fd, wake_fd;
	char *socket_path;
	uint8_t *rx; /* the socket thread's receive buffer */
	unsigned int timeout_ms;
	struct domain *doms;
	struct conn *conns;
	unsigned int nr_conns;
	struct binding *bindings;
	evtchn_port_t next_local_port;
	struct store *store;
	unsigned int misuse[XENSIM_MISUSE_ANY];
	struct misuse_rec *misuse_log, **misuse_tail;
	unsigned int unhandled;
	struct xensim_map_stats map_stats; /* fmem.c */
};

/* What a request handler answers. */
struct reply {
	struct sim_msg m; /* op and rc are filled in by the dispatcher */
	uint8_t *payload; /* SIM_PAYLOAD_MAX bytes; set m.len */
	int fd;		  /* passed along when >= 0 */
	bool close_fd;	  /* ... and closed after sending */
};

typedef int op_fn(struct conn *c, const struct sim_msg *m,
		  const uint8_t *payload, struct reply *r);

/* misuse.c: records one (the lock is held) */
void misuse(struct xensim *h, enum xensim_misuse kind, const char *fmt, ...)
	printf_like(3, 4);

/* host.c */
/* Blocks until pred holds or timeout_ms pass: 0 / -ETIMEDOUT (WAIT_ANY). */
int wait_until(struct xensim *h, bool (*pred)(struct xensim *, const void *),
	       const void *arg, unsigned int timeout_ms);
/* The same, also woken by the changes that kind, domid and idx name. */
int wait_until_for(struct xensim *h, enum wait_kind kind, uint32_t domid,
		   unsigned int idx,
		   bool (*pred)(struct xensim *, const void *), const void *arg,
		   unsigned int timeout_ms);
/* A waiter listed / unlisted (the lock is held throughout its wait). */
void waiter_add(struct xensim *h, struct waiter *w, enum wait_kind kind,
		uint32_t domid, unsigned int idx);
void waiter_del(struct xensim *h, struct waiter *w);
/* Wakes every waiter: a change anyone may be waiting for. */
void wake_all(struct xensim *h);
/* Wakes the waiters of kind for (domid, idx). */
void wake_some(struct xensim *h, enum wait_kind kind, uint32_t domid,
	       unsigned int idx);
/* Deadline arithmetic for pthread_cond_timedwait on CLOCK_MONOTONIC. */
void deadline_in(struct timespec *ts, unsigned int ms);

/* domain.c */
struct domain *dom_find(struct xensim *h, uint32_t domid);
/* The target of a client call: ESRCH/EPERM and misuses as Xen would. */
int dom_for_call(struct conn *c, uint32_t domid, struct domain **d);
/* Destroys and frees every domain (the harness is going away). */
void dom_free_all(struct xensim *h);
/* Offset of gfn in the RAM memfd, or -EINVAL when it is not RAM. */
int64_t dom_gfn_offset(const struct domain *d, uint64_t gfn);

/* range.c */
bool range_overlaps(const struct rangeset *rs, uint64_t s, uint64_t e);
bool range_contains(const struct rangeset *rs, uint64_t s, uint64_t e);
int range_add(struct rangeset *rs, uint64_t s, uint64_t e);
int range_remove(struct rangeset *rs, uint64_t s, uint64_t e);
void range_free(struct rangeset *rs);

/* ioreq-server.c */
op_fn dm_create, dm_destroy, dm_info, dm_map_range, dm_unmap_range,
	dm_set_state, dm_nr_vcpus;
void server_teardown(struct domain *d, unsigned int id);
void dm_release(struct conn *c);
/* The server and vCPU that own guest-side port `port`, if any. */
struct server *server_by_port(struct domain *d, evtchn_port_t port,
			      unsigned int *vcpu);

/* irq.c */
op_fn dm_set_irq, dm_set_isa_irq;

/* vcpu.c: a device model's notification on a slot's port */
void vcpu_kick(struct domain *d, struct server *s, unsigned int vcpu);

/* evtchn.c */
op_fn ev_bind, ev_unbind, ev_notify, ev_unmask;
/* Xen raises guest-side port `port` of d towards the device model. */
void evtchn_raise(struct xensim *h, struct domain *d, evtchn_port_t port);
bool evtchn_is_bound(struct xensim *h, uint32_t domid, evtchn_port_t port);
/* The guest-side port is gone (server destroyed, domain dead). */
void evtchn_close_remote(struct xensim *h, uint32_t domid, evtchn_port_t port);
void evtchn_release(struct conn *c);

/* fmem.c */
op_fn fm_map, fm_unmap, fm_map_resource, fm_unmap_resource, gt_map, gt_unmap,
	gt_set_max;
void maps_release(struct conn *c);

/* xs-ops.c: a decoded xenstore request */
struct xs_req {
	uint32_t txn;
	const char *given; /* the path as the client wrote it */
	char *path;	   /* canonical, malloc'd */
	unsigned int rel_prefix;
	const uint8_t *rest; /* what follows the path */
	size_t rest_len;
	const char *token; /* rest, when it is a string (watches) */
};

/* -EINVAL (and a misuse) for a path xenstored refuses. Free q->path. */
int xs_req_parse(struct conn *c, const struct sim_msg *m,
		 const uint8_t *payload, const char *what, bool special,
		 struct xs_req *q);
op_fn xs_op_read, xs_op_write, xs_op_mkdir, xs_op_rm, xs_op_directory,
	xs_op_get_perms, xs_op_set_perms, xs_op_txn_start, xs_op_txn_end,
	xs_op_introduced;

/* xs.c */
op_fn xs_op_watch, xs_op_unwatch, xs_op_watch_next;
int xs_init(struct xensim *h);
/* Watches on a special name ("@releaseDomain") fire. */
void xs_fire_special(struct xensim *h, const char *name);
void xs_release(struct conn *c);

#endif
