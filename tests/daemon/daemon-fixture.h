/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenarios that run the unmodified daemon binary (./xen-virtio-dm) under
 * the simulated Xen (tests/sim): this test process is the hypervisor, the
 * toolstack (libxl's xenstore nodes, as xl writes them) and the guests
 * (tests/guest's Linux-like virtio-mmio and virtio-blk drivers over a bus of
 * simulated vCPU exits).
 *
 * struct dfix: the harness, a temporary directory (socket, config, images,
 *   the daemon's captured stderr) and the daemon process.
 * struct dguest: one virtio-blk device of one guest: its image and the
 *   reference model of what the image must hold, its libxl declaration,
 *   the guest bus (tests/xen/sim-bus.c per vCPU, under a bus that picks
 *   the calling thread's vCPU), a guest-physical pool and the driver.
 *
 * Timeouts are upper bounds for a loaded machine, never sleeps. Worker
 * threads report errors by return value (cmocka asserts only in the test's
 * own thread).
 */
#ifndef XVDM_TESTS_DAEMON_FIXTURE_H
#define XVDM_TESTS_DAEMON_FIXTURE_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "sim-bus.h"
#include "virtio-blk-driver.h"
#include "xensim.h"

#define DF_WAIT_MS 30000 /* upper bound for anything to happen */
#define DF_SECTOR 512u
#define DF_DISK_SIZE (4u << 20)
#define DF_RAM_SIZE (64ull << 20)
#define DF_MMIO_BASE 0x2000000ull /* GUEST_VIRTIO_MMIO_BASE */
#define DF_MMIO_STEP 0x200ull	  /* libxl's VIRTIO_MMIO_DEV_SIZE */
#define DF_IRQ 33		  /* GUEST_VIRTIO_MMIO_SPI_FIRST */
#define DF_XVDA 51712		  /* xvda's devid */
#define DF_MAX_VCPUS 2
#define DF_POOL_SIZE (16ull << 20) /* per device, after the first MiB */

struct dfix {
	struct xensim *h;
	char dir[64];
	char sock[96];
	char cfg[128];
	char err_path[128]; /* the daemon's stderr, when captured */
	char exe[PATH_MAX];
	char preload[2 * PATH_MAX];
	char allocs_env[160]; /* XVDM_ALLOC_COUNT=<file> */
	uint64_t *allocs;     /* the daemon's heap allocations so far */
	pid_t daemon;	      /* -1: none */
	int status;	      /* its wait status, once reaped */
};

struct ddisk {
	char path[128];
	uint8_t *model; /* what the image must hold */
	size_t size;
};

/* One vCPU, and the guest thread bound to it. */
struct dcpu {
	struct sim_bus sb; /* its exits and its view of the line */
	pthread_t thread;
	bool bound;
};

struct dguest {
	struct dfix *f;
	struct xensim_libxl_dev dev; /* as xl declares it */
	unsigned nr_vcpus;
	unsigned slot; /* device number: window, SPI and pool */
	struct ddisk disk;
	/*
	 * smp: several threads drive the device; they hold `lock` (the guest
	 * kernel's lock) around driver calls, and the bus drops it during a
	 * vCPU exit or an interrupt wait, as Linux notifies outside its
	 * queue lock. Each thread binds to its own vCPU (df_guest_bind_cpu).
	 */
	bool smp;
	pthread_mutex_t lock;
	struct dcpu cpu[DF_MAX_VCPUS];
	/*
	 * The device is gone (domain destroyed, device removed, daemon
	 * stopped): bus accesses fail at once with -ENODEV, waits give up.
	 */
	bool gone;
	struct guest_bus bus;
	struct gpa_pool pool;
	struct blkdrv blk;
	bool probed;
};

/* What one thread does to a disk: random requests checked on the model. */
struct dwork {
	struct dguest *g;
	unsigned qidx;
	unsigned vcpu;	       /* smp guests: the thread's vCPU */
	uint64_t first, nsect; /* the sectors this worker owns */
	unsigned ops;
	unsigned max_sectors; /* per request; 0: 64 */
	uint64_t rng;
	bool expect_ro;	  /* writes must fail with -EIO, the image stays */
	const bool *stop; /* set (atomically) to end early */
	/* Results. */
	unsigned reads, writes, flushes;
	unsigned done; /* requests done so far (atomic) */
	char error[256];
};

/* daemon-fixture.c: the harness, files and the daemon process. */
struct dfix *df_new(void);
void df_free(struct dfix *f); /* kills a daemon still running */
uint64_t df_rand(uint64_t *state);
void df_fill(uint64_t *rng, void *buf, size_t len);
/* A temp image of size bytes of random data, and its model. */
void df_disk_init(struct dfix *f, struct ddisk *d, const char *name,
		  size_t size, uint64_t seed);
void df_disk_fini(struct ddisk *d);
/* Does the image on disk equal the model? Prints the first difference. */
bool df_disk_matches(const struct ddisk *d);
/* Writes the daemon config; text may be "". */
void df_config(struct dfix *f, const char *text);
/*
 * Spawns the daemon: xen-virtio-dm --config <cfg> args... (NULL-ended),
 * under LD_PRELOAD=libxensim.so; stderr goes to err_path if capture.
 */
void df_spawn(struct dfix *f, const char *const *args, bool capture);
/* Waits (at most timeout_ms) for the daemon to exit: its exit status,
 * 128 + signal, or -1 if it did not exit in time (then it is killed). */
int df_wait_exit(struct dfix *f, unsigned timeout_ms);
/* Still running? */
bool df_alive(struct dfix *f);
/* SIGTERM; the exit status, once every handle is closed. */
int df_stop(struct dfix *f);
/* What the daemon wrote to its stderr (captured), malloc'd. */
char *df_stderr(struct dfix *f);
/* Waits (at most DF_WAIT_MS) until the captured stderr holds text. */
void df_wait_stderr(struct dfix *f, const char *text);
/* Heap allocations the daemon has made so far (alloc-count.so). */
uint64_t df_allocs(const struct dfix *f);
/* Asserts exactly no misuse (dumping them otherwise). */
void df_assert_clean(struct dfix *f);
/* xenstore value at path, malloc'd, or NULL. */
char *df_xs_read(struct dfix *f, const char *path);

/* daemon-guest.c: guests and their devices. */
/*
 * A device of guest domid: a 4.17 virtio disk (kind VIRTIO_DISK, devid
 * 51712 + 16 * slot, image in params) or a 4.18+ virtio device (kind
 * VIRTIO, devid `slot`, image from the config: df_device_section()).
 */
void df_guest_init(struct dfix *f, struct dguest *g, uint32_t domid,
		   enum xensim_libxl_kind kind, unsigned slot, uint64_t seed);
void df_guest_fini(struct dguest *g); /* driver removed, image deleted */
/* `[device "<domid>/<devid>"]\nimage = <path>\n` for 4.18+ devices. */
void df_device_section(const struct dguest *g, char *buf, size_t len,
		       const char *extra);
void df_domain_create(struct dfix *f, uint32_t domid, unsigned nr_vcpus);
/* xl's order: libxl's nodes, then wait for the backend to be Connected. */
void df_device_add(struct dguest *g);
/* /local/domain/0/backend/<kind>/<domid>/<devid>/<node> */
void df_backend_path(const struct dguest *g, const char *node, char *buf,
		     size_t len);
/* Waits for the backend state node to hold state; asserts. */
void df_wait_state(struct dguest *g, const char *state);
/* Domain paused, device added and Connected, domain unpaused. */
void df_guest_boot(struct dguest *g, unsigned nr_vcpus);
/* The driver probes the device; 0 or its error. */
int df_guest_probe(struct dguest *g, unsigned max_queues);
/* The calling thread runs on vCPU vcpu of the guest from now on. */
void df_guest_bind_cpu(struct dguest *g, unsigned vcpu);
/* Marks the device gone (see dguest.gone) and destroys the domain. */
void df_guest_destroy(struct dguest *g);
/* One MMIO register of the device, from vCPU vcpu. 0 or -errno. */
int df_reg_read(struct dguest *g, unsigned vcpu, uint32_t off, uint32_t *val);
int df_reg_write(struct dguest *g, unsigned vcpu, uint32_t off, uint32_t val);
/* Reads Status until it has bits (or timeout_ms): the last value read. */
uint32_t df_wait_status(struct dguest *g, uint32_t bits, unsigned timeout_ms);

/* Random reads, writes and flushes; 0, or -1 with w->error. */
int df_work(struct dwork *w);
void df_work_init(struct dwork *w, struct dguest *g, unsigned ops,
		  uint64_t seed);
/* A pthread start routine running df_work (smp guests take the lock). */
void *df_work_thread(void *w);
/* Reads the whole disk through the driver and compares with the model. */
int df_verify(struct dguest *g, unsigned qidx);

#endif
