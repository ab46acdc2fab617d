// SPDX-License-Identifier: GPL-2.0-only
/*
 * `make bench` (see bench.h): one daemon, one guest with one virtio-blk
 * disk on a tmpfs image; the null MMIO round trip; each workload measured
 * (then once more under strace, untimed); the physical limit on the same
 * image; the slow neighbour; the table and the JSON file.
 *
 * bench --smoke is what `make check` runs: a few hundred requests per
 * workload, no external tools, no throttle; it checks that everything runs
 * and the table and JSON come out, never how fast.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "bench.h"

#define IMAGE_SIZE (64ull << 20)
#define SMOKE_IMAGE_SIZE (8ull << 20)
#define SMOKE_OPS 300
#define STRACE_OPS 3000

const struct bench_wl bench_wls[BENCH_NR_WL] = {
	{ "randread-4k", 4096, 1, false, false },
	{ "randread-4k", 4096, 32, false, false },
	{ "randwrite-4k", 4096, 1, true, false },
	{ "randwrite-4k", 4096, 32, true, false },
	{ "seqread-64k", 65536, 1, false, true },
	{ "seqread-64k", 65536, 32, false, true },
};

struct opts {
	bool neighbour, strace, perf, only_neighbour;
	const char *dir; /* --dir: where the images go */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench [--smoke] [--json FILE] [--seconds S] "
		"[--no-neighbour | --neighbour-only] [--no-strace] [--no-perf] "
		"[--dir DIR]\n"
		"  --smoke        a few hundred requests per workload, no "
		"tools, no throttle\n"
		"  --json FILE    also write the results as JSON\n"
		"  --seconds S    length of each measurement window "
		"(default 4)\n"
		"  --dir DIR      images in DIR instead of /dev/shm (another "
		"filesystem)\n");
}

static void parse(int argc, char **argv, struct bench_env *env, struct opts *o)
{
	static const struct option longs[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 't' },
		{ "no-neighbour", no_argument, NULL, 'n' },
		{ "neighbour-only", no_argument, NULL, 'N' },
		{ "no-strace", no_argument, NULL, 'S' },
		{ "no-perf", no_argument, NULL, 'P' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct opts){ true, true, true, false, NULL };
	env->secs = 4;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			env->smoke = true;
			break;
		case 'j':
			env->json = optarg;
			break;
		case 't':
			env->secs = strtod(optarg, NULL);
			break;
		case 'n':
			o->neighbour = false;
			break;
		case 'N':
			o->only_neighbour = true;
			break;
		case 'S':
			o->strace = false;
			break;
		case 'P':
			o->perf = false;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc || env->secs <= 0 || env->secs > 600) {
		usage(stderr);
		exit(2);
	}
}

/*
 * The images go to dir if given, else to /dev/shm when it is tmpfs (df_new
 * uses TMPDIR).
 */
static void pick_tmpdir(struct bench_env *env, const char *dir)
{
	struct statfs s;
	const char *t = getenv("TMPDIR");

	if (dir && strlen(dir) < sizeof(env->tmpdir))
		t = dir;
	else if (!statfs("/dev/shm", &s) && s.f_type == TMPFS_MAGIC &&
		 !access("/dev/shm", W_OK))
		t = "/dev/shm";
	else if (!t || strlen(t) >= sizeof(env->tmpdir))
		t = "/tmp";
	snprintf(env->tmpdir, sizeof(env->tmpdir), "%s", t);
	setenv("TMPDIR", env->tmpdir, 1);
	env->tmpfs = !statfs(env->tmpdir, &s) && s.f_type == TMPFS_MAGIC;
}

static void fail(struct dfix *f, const char *what, int rc)
{
	char *err = f && f->daemon > 0 ? df_stderr(f) : NULL;

	fprintf(stderr, "bench: %s failed: %s\n%s%s", what, strerror(-rc),
		err ? "the daemon's stderr:\n" : "", err ? err : "");
	free(err);
	exit(1);
}

/* Other load on the machine shows in every number: the header says it. */
static double loadavg(void)
{
	double v = -1;
	FILE *f = fopen("/proc/loadavg", "re");

	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* The untimed strace window: which syscalls, per request. */
static void strace_window(const struct bench_env *env, struct bench_probe *p,
			  struct bench_dev *d, struct bench_result *r)
{
	struct bench_span warm = { .ops = 4u * r->wl->qd };
	struct bench_span span = { .secs = 3, .ops = STRACE_OPS };
	struct bench_lat lat = { 0 };
	struct bench_counts c;
	int rc;

	p->perf = false;
	p->strace = true;
	rc = bench_run(d, r->wl, warm, span, p, NULL, &c, &lat);
	bench_lat_free(&lat);
	if (rc)
		fail(d->g->f, "the strace window", rc);
	memcpy(r->sys, p->sys, sizeof(r->sys));
	r->nsys = p->nsys;
	r->sys_reqs = c.reqs;
	if (c.reqs && p->sys_total)
		r->sys_per_req = (double)p->sys_total / (double)c.reqs;
}

static void measure(const struct bench_env *env, struct bench_dev *d,
		    struct bench_result *r)
{
	struct dfix *f = d->g->f;
	struct bench_probe p = { .pid = f->daemon,
				 .perf = env->use_perf,
				 .instr = env->perf_instr };
	struct bench_span warm = { .secs = 0.5 }, span = { .secs = env->secs };
	struct bench_lat lat = { 0 };
	int rc;

	snprintf(p.dir, sizeof(p.dir), "%s", f->dir);
	if (env->smoke) {
		warm = (struct bench_span){ .ops = 2u * r->wl->qd };
		span = (struct bench_span){ .ops = SMOKE_OPS };
	}
	rc = bench_run(d, r->wl, warm, span, &p, NULL, &r->c, &lat);
	if (rc)
		fail(f, r->wl->name, rc);
	bench_lat_summary(&lat, &r->lat);
	bench_lat_free(&lat);
	r->sys_per_req = -1;
	if (env->use_strace && !env->smoke)
		strace_window(env, &p, d, r);
	fprintf(stderr, "bench: %s QD%u: %.0f IOPS, p50 %.1f us\n", r->wl->name,
		r->wl->qd, (double)r->c.reqs / r->c.secs, r->lat.p50);
}

static void physical(const struct bench_env *env, const char *path,
		     uint64_t size, struct bench_result *r)
{
	struct bench_span warm = { .secs = 0.2 };
	struct bench_span span = { .secs = env->secs < 2 ? env->secs : 2 };
	struct bench_lat lat = { 0 };
	int rc;

	if (env->smoke) {
		warm = (struct bench_span){ .ops = 20 };
		span = (struct bench_span){ .ops = SMOKE_OPS };
	}
	rc = bench_host_run(path, size, r->wl, warm, span, &r->host_c, &lat);
	if (rc)
		fail(NULL, "the physical limit", rc);
	bench_lat_summary(&lat, &r->host_lat);
	bench_lat_free(&lat);
}

/* One daemon, one guest: the null round trip, then every workload. */
static void guest_runs(struct bench_env *env, struct bench_result *r)
{
	uint64_t size = env->smoke ? SMOKE_IMAGE_SIZE : IMAGE_SIZE;
	struct bench_lat lat = { 0 };
	struct dfix *f = df_new();
	struct bench_dev d;
	struct dguest g;
	unsigned i;
	int rc;

	df_guest_init(f, &g, 1, XENSIM_LIBXL_VIRTIO_DISK, 0, 1);
	bench_grow_image(&g, size);
	df_config(f, "[daemon]\nlog-level = warn\n");
	df_spawn(f, NULL, true);
	df_guest_boot(&g, 1);
	rc = bench_dev_probe(&d, &g);
	if (rc)
		fail(f, "the probe", rc);
	rc = bench_null_exits(&d, env->smoke ? 100 : 5000, &lat);
	if (rc)
		fail(f, "the null round trips", rc);
	bench_lat_summary(&lat, &env->null_exit);
	bench_lat_free(&lat);
	for (i = 0; i < BENCH_NR_WL; i++)
		measure(env, &d, &r[i]);
	bench_dev_fini(&d);
	rc = df_stop(f);
	if (rc || xensim_misuse_count(f->h, XENSIM_MISUSE_ANY)) {
		xensim_misuse_dump(f->h, stderr);
		fail(f, "the daemon's clean exit", -EPROTO);
	}
	/* The daemon is gone: the image is all this process's. */
	for (i = 0; i < BENCH_NR_WL; i++)
		physical(env, g.disk.path, size, &r[i]);
	df_guest_fini(&g);
	df_free(f);
}

int main(int argc, char **argv)
{
	struct bench_result r[BENCH_NR_WL] = { 0 };
	struct bench_env env = { 0 };
	struct bench_nb nb = { 0 };
	char notes[1024];
	struct opts o;
	unsigned n;
	size_t len;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	parse(argc, argv, &env, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	env.cpus = cpus > 0 ? (unsigned)cpus : 1;
	pick_tmpdir(&env, o.dir);
	env.load = loadavg();
	bench_probe_detect(&env, notes, sizeof(notes));
	if (env.smoke)
		snprintf(notes, sizeof(notes),
			 "--smoke: no perf, no strace, no throttle\n");
	env.use_perf = env.use_perf && o.perf && !env.smoke;
	env.perf_instr = env.perf_instr && env.use_perf;
	env.use_strace = env.use_strace && o.strace && !env.smoke;
	len = strlen(notes);
	snprintf(notes + len, sizeof(notes) - len,
		 "syscalls include libxensim.so's: each simulated libxen* call "
		 "is a socket round trip where Xen has one ioctl/read/write "
		 "on /dev/xen/*; the null round trip is sampled once per 32 "
		 "interrupts inside each window (its exits are not counted, "
		 "its ~5 daemon syscalls are)\n");
	for (unsigned i = 0; i < BENCH_NR_WL; i++)
		r[i].wl = &bench_wls[i];
	if (!o.only_neighbour)
		guest_runs(&env, r);
	if (o.neighbour)
		bench_neighbour(&env, &nb);
	n = o.only_neighbour ? 0 : BENCH_NR_WL;
	bench_report(&env, r, n, &nb, notes);
	if (env.json && bench_write_json(&env, r, n, &nb, notes)) {
		fprintf(stderr, "bench: cannot write %s\n", env.json);
		return 1;
	}
	return (o.neighbour && !nb.ran) ? 1 : 0;
}
