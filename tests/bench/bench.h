/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `make bench`: the unmodified daemon serving virtio-blk under the simulated
 * Xen (tests/sim), driven by the Linux-like guest driver's asynchronous API
 * at a queue depth, on a raw image in tmpfs; the same workloads issued
 * directly on the image (the physical limit); the per-request costs seen
 * from outside the daemon (exits, interrupts, map calls, allocations,
 * syscalls, CPU time); and a guest next to a throttled neighbour.
 *
 * bench.c       options, the runs, in order
 * bench-guest.c the guest side: a timed bus, the request loop, windows
 * bench-host.c  the physical limit: preadv/pwritev and io_uring
 * bench-probe.c the daemon seen from outside: /proc, perf, strace
 * bench-slow.c  the slow neighbour: loop device + blkio throttle
 * bench-report.c the table and the JSON file
 *
 * No timing assertions anywhere: the bench reports, it does not judge.
 */
#ifndef XVDM_TESTS_BENCH_H
#define XVDM_TESTS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon-fixture.h"

#define BENCH_MAX_QD 32
#define BENCH_MAX_BS (64u << 10)
#define BENCH_MAX_SEGS (BENCH_MAX_BS / 512u)
#define BENCH_NR_WL 6
#define BENCH_NR_SYS 6 /* syscalls named per workload (strace -c) */

/* One workload, as fio would name it: rw, bs, iodepth. */
struct bench_wl {
	const char *name; /* "randread-4k" */
	unsigned bs;	  /* bytes */
	unsigned qd;
	bool write;
	bool seq;
};

/* How long a phase lasts: whichever limit comes first (0: no limit). */
struct bench_span {
	double secs;
	uint64_t ops;
};

/* Latency samples (ns), and their summary (us). */
struct bench_lat {
	uint64_t *ns;
	size_t n, cap;
};

struct bench_pct {
	double p50, p99, p999, max, mean;
	size_t n;
};

/* Counters over one measurement window; -1 where a tool was missing. */
struct bench_counts {
	uint64_t reqs;
	double secs;
	uint64_t notifies;  /* QueueNotify writes */
	uint64_t exits;	    /* every MMIO exit of the guest */
	uint64_t exit_ns;   /* guest time inside exits */
	uint64_t notify_ns; /* ... of which QueueNotify writes */
	double notify_p50;  /* one QueueNotify exit, median (us) */
	double null_p50;    /* a MagicValue read in the window, median (us) */
	uint64_t wait_ns;   /* guest time waiting for the interrupt */
	uint64_t irq_edges; /* rising edges on the SPI */
	uint64_t irq_sets;  /* set_irq_level calls */
	uint64_t maps, unmaps; /* foreign map/unmap calls */
	uint64_t allocs;       /* the daemon's heap allocations */
	double cpu_s;	       /* daemon utime + stime, /proc/<pid>/stat */
	double syscalls;       /* perf raw_syscalls:sys_enter */
	double task_ms;	       /* perf task-clock */
	double ctxsw;	       /* perf context-switches */
	double instructions;   /* perf instructions */
	uint64_t errors;       /* requests that failed */
};

/* One syscall of the strace -c summary. */
struct bench_sys {
	char name[24];
	uint64_t calls;
};

/* The daemon seen from outside during a window (bench-probe.c). */
struct bench_probe {
	pid_t pid;
	bool perf;   /* perf stat -e raw_syscalls:sys_enter works */
	bool instr;  /* ... and -e instructions is supported */
	bool strace; /* strace -c -f -p works (this window uses it) */
	char dir[96];
	/* While a window runs. */
	pid_t tool;
	int ctl, ack;
	uint64_t ticks;
	/* strace results of the last window. */
	struct bench_sys sys[BENCH_NR_SYS];
	unsigned nsys;
	uint64_t sys_total;
};

/* A guest device driven for the bench, through a timing bus. */
struct bench_dev {
	struct dguest *g;
	struct guest_bus tbus; /* wraps g->bus */
	uint64_t exits, exit_ns, notifies, notify_ns, wait_ns;
	struct bench_lat nlat; /* QueueNotify exits, while nrec */
	bool nrec;
	uint64_t buf_gpa; /* BENCH_MAX_QD buffers of BENCH_MAX_BS */
	uint8_t *buf;
	uint64_t cap; /* bytes */
	uint64_t rng;
};

struct bench_result {
	const struct bench_wl *wl;
	struct bench_counts c;
	struct bench_pct lat;
	/* The same workload issued directly on the image. */
	struct bench_counts host_c;
	struct bench_pct host_lat;
	/* strace -c window. */
	struct bench_sys sys[BENCH_NR_SYS];
	unsigned nsys;
	uint64_t sys_reqs;  /* requests in the strace window */
	double sys_per_req; /* -1: no strace */
};

/* The slow-neighbour run (bench-slow.c). */
struct bench_nb {
	bool ran;	/* the two guests ran */
	bool throttled; /* the first guest's disk was slowed down */
	char how[400];	/* how, or exactly why not */
	unsigned iops_limit;
	/* The second guest's latency: alone, next to it, alone again. */
	struct bench_pct alone, with, after;
	struct bench_pct slow; /* the throttled guest's latency */
	double slow_iops;
};

struct bench_env {
	bool smoke;
	bool tmpfs; /* the images are on tmpfs */
	char tmpdir[32];
	unsigned cpus;
	double secs; /* per measurement window */
	bool use_perf, use_strace;
	struct bench_pct null_exit; /* MagicValue read round trip */
	double load;		    /* /proc/loadavg before the run */
	bool perf_instr;
	const char *json;
};

extern const struct bench_wl bench_wls[BENCH_NR_WL];

/* bench-guest.c */
void bench_lat_add(struct bench_lat *l, uint64_t ns);
void bench_lat_summary(struct bench_lat *l, struct bench_pct *out);
void bench_lat_free(struct bench_lat *l);
uint64_t bench_now_ns(void);
/* Fills g's image up to size bytes with random data (before boot). */
void bench_grow_image(struct dguest *g, uint64_t size);
/* Probes the disk through the timing bus; 0 or -errno. */
int bench_dev_probe(struct bench_dev *d, struct dguest *g);
void bench_dev_fini(struct bench_dev *d);
/* MMIO round trips to MagicValue, a register that does nothing. */
int bench_null_exits(struct bench_dev *d, unsigned n, struct bench_lat *lat);
/* The next offset of wl on a disk of cap bytes. */
uint64_t bench_offset(const struct bench_wl *wl, uint64_t cap, uint64_t *rng,
		      uint64_t *next);
/*
 * Runs wl: a warm-up, then one window measured into c and lat (probe may
 * be NULL); stop (may be NULL) ends the window early when set.
 */
int bench_run(struct bench_dev *d, const struct bench_wl *wl,
	      struct bench_span warm, struct bench_span span,
	      struct bench_probe *probe, const bool *stop,
	      struct bench_counts *c, struct bench_lat *lat);

/* bench-host.c: wl on the file at path, from this process. */
int bench_host_run(const char *path, uint64_t size, const struct bench_wl *wl,
		   struct bench_span warm, struct bench_span span,
		   struct bench_counts *c, struct bench_lat *lat);

/* bench-probe.c */
/* Which tools work here; a line saying so for those that do not. */
void bench_probe_detect(struct bench_env *env, char *notes, size_t len);
int bench_probe_begin(struct bench_probe *p);
/* Fills c's cpu_s, syscalls, task_ms, ctxsw, instructions. */
void bench_probe_end(struct bench_probe *p, struct bench_counts *c);

/* bench-slow.c */
void bench_neighbour(const struct bench_env *env, struct bench_nb *nb);

/* bench-report.c */
void bench_report(const struct bench_env *env, const struct bench_result *r,
		  unsigned n, const struct bench_nb *nb, const char *notes);
int bench_write_json(const struct bench_env *env, const struct bench_result *r,
		     unsigned n, const struct bench_nb *nb, const char *notes);

#endif
