// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench's one table (a column per workload, a row per metric, "n/a"
 * where a tool is missing) with the notes under it, and the same numbers
 * as JSON for machines.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

typedef double metric_fn(const struct bench_result *r,
			 const struct bench_env *env);

struct row {
	const char *label; /* a section heading when fn is NULL */
	int prec;	   /* decimals */
	metric_fn *fn;
	const char *key; /* JSON name; NULL: not in the per-request object */
};

static double per_req(double v, const struct bench_counts *c)
{
	return v < 0 || !c->reqs ? -1 : v / (double)c->reqs;
}

static double iops(const struct bench_counts *c)
{
	return c->secs > 0 ? (double)c->reqs / c->secs : -1;
}

#define M(name, expr)                                    \
	static double name(const struct bench_result *r, \
			   const struct bench_env *env)  \
	{                                                \
		(void)env;                               \
		return (expr);                           \
	}

M(m_reqs, (double)r->c.reqs)
M(m_iops, iops(&r->c))
M(m_mbps, iops(&r->c) * r->wl->bs / 1e6)
M(m_p50, r->lat.p50)
M(m_p99, r->lat.p99)
M(m_p999, r->lat.p999)
M(m_max, r->lat.max)
M(m_notify, per_req((double)r->c.notifies, &r->c))
M(m_exits, per_req((double)r->c.exits, &r->c))
M(m_irqs, per_req((double)r->c.irq_edges, &r->c))
M(m_sets, per_req((double)r->c.irq_sets, &r->c))
M(m_maps, per_req((double)r->c.maps, &r->c))
M(m_unmaps, per_req((double)r->c.unmaps, &r->c))
M(m_allocs, per_req((double)r->c.allocs, &r->c))
M(m_sys_perf, per_req(r->c.syscalls, &r->c))
M(m_sys_strace, r->sys_per_req)
M(m_cpu, r->c.cpu_s < 0 ? -1 : per_req(r->c.cpu_s * 1e6, &r->c))
M(m_task, r->c.task_ms < 0 ? -1 : per_req(r->c.task_ms * 1e3, &r->c))
M(m_ctxsw, per_req(r->c.ctxsw, &r->c))
M(m_instr, per_req(r->c.instructions, &r->c))
M(m_load, r->c.cpu_s < 0 || r->c.secs <= 0 ? -1 : 100 * r->c.cpu_s / r->c.secs)
M(m_exit_us, per_req((double)r->c.exit_ns / 1e3, &r->c))
M(m_notify_us, r->c.notifies ? r->c.notify_p50 : -1)
M(m_wait_us, per_req((double)r->c.wait_ns / 1e3, &r->c))
M(m_null_us, r->c.null_p50)
M(m_sim_us, r->c.reqs && r->c.null_p50 >= 0 ?
		    (r->c.null_p50 * (double)r->c.exits) / (double)r->c.reqs :
		    -1)
M(m_added_us, r->wl->qd != 1 || !r->c.reqs ? -1 : r->lat.p50 - m_sim_us(r, env))
M(m_host_iops, iops(&r->host_c))
M(m_host_mbps, iops(&r->host_c) * r->wl->bs / 1e6)
M(m_host_p50, r->host_lat.p50)
M(m_host_p99, r->host_lat.p99)
M(m_ratio, iops(&r->host_c) > 0 ? iops(&r->c) / iops(&r->host_c) : -1)

static const struct row rows[] = {
	{ "requests measured", 0, m_reqs, NULL },
	{ "IOPS", 0, m_iops, NULL },
	{ "MB/s", 1, m_mbps, NULL },
	{ "latency p50 (us)", 1, m_p50, NULL },
	{ "latency p99 (us)", 1, m_p99, NULL },
	{ "latency p99.9 (us)", 1, m_p999, NULL },
	{ "latency max (us)", 1, m_max, NULL },
	{ "per request, steady state", 0, NULL, NULL },
	{ "notifications (QueueNotify)", 3, m_notify, "notifications" },
	{ "MMIO exits, all", 3, m_exits, "mmio_exits" },
	{ "interrupts (SPI rising edges)", 3, m_irqs, "interrupts" },
	{ "set_irq_level calls", 3, m_sets, "set_irq_level_calls" },
	{ "foreign map calls", 4, m_maps, "foreign_maps" },
	{ "foreign unmap calls", 4, m_unmaps, "foreign_unmaps" },
	{ "daemon heap allocations", 4, m_allocs, "heap_allocs" },
	{ "daemon syscalls (perf)", 2, m_sys_perf, "syscalls_perf" },
	{ "daemon syscalls (strace -c)", 2, m_sys_strace, "syscalls_strace" },
	{ "daemon CPU us (utime+stime)", 2, m_cpu, "cpu_us" },
	{ "daemon CPU us (task-clock)", 2, m_task, "task_clock_us" },
	{ "daemon context switches", 3, m_ctxsw, "context_switches" },
	{ "daemon instructions", 0, m_instr, "instructions" },
	{ "daemon CPU load (%)", 1, m_load, NULL },
	{ "the simulator's share", 0, NULL, NULL },
	{ "guest time in MMIO exits (us)", 1, m_exit_us, "exit_time_us" },
	{ "QueueNotify exit p50 (us)", 1, m_notify_us, NULL },
	{ "guest waiting for the irq (us)", 1, m_wait_us, "irq_wait_us" },
	{ "null round trip p50 (us)", 1, m_null_us, "null_exit_p50_us" },
	{ "exits x null round trip (us)", 1, m_sim_us, "sim_cost_us" },
	{ "QD1: p50 - that (us)", 1, m_added_us, NULL },
	{ "physical limit (same file, this process)", 0, NULL, NULL },
	{ "physical IOPS", 0, m_host_iops, NULL },
	{ "physical MB/s", 1, m_host_mbps, NULL },
	{ "physical latency p50 (us)", 1, m_host_p50, NULL },
	{ "physical latency p99 (us)", 1, m_host_p99, NULL },
	{ "ours / physical (IOPS)", 3, m_ratio, NULL },
};

static const char *rw_name(const struct bench_wl *wl)
{
	return wl->seq ? "seqread" : wl->write ? "randwrite" : "randread";
}

static void cell(int prec, double v)
{
	char buf[32];

	if (v < 0 || !isfinite(v))
		snprintf(buf, sizeof(buf), "n/a");
	else
		snprintf(buf, sizeof(buf), "%.*f", prec, v);
	printf(" %11s", buf);
}

static void print_table(const struct bench_env *env,
			const struct bench_result *r, unsigned n)
{
	char buf[32];
	unsigned i, k;

	printf("%-31s", "");
	for (i = 0; i < n; i++)
		printf(" %11s", rw_name(r[i].wl));
	printf("\n%-31s", "");
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%uk QD%u", r[i].wl->bs / 1024,
			 r[i].wl->qd);
		printf(" %11s", buf);
	}
	printf("\n");
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		if (!rows[k].fn) {
			printf("-- %s\n", rows[k].label);
			continue;
		}
		printf("%-31s", rows[k].label);
		for (i = 0; i < n; i++)
			cell(rows[k].prec, rows[k].fn(&r[i], env));
		printf("\n");
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_notes(const struct bench_env *env,
			const struct bench_result *r, unsigned n,
			const struct bench_nb *nb, const char *notes)
{
	const struct bench_pct *z = &env->null_exit;

	printf("null MMIO round trip (MagicValue read: guest, simulated Xen, "
	       "daemon, back): p50 %.1f us, p99 %.1f us, mean %.1f us\n",
	       z->p50, z->p99, z->mean);
	for (unsigned i = 0; i < n; i++) {
		if (!r[i].nsys || !r[i].sys_reqs)
			continue;
		printf("strace -c, %s QD%u, per request:", r[i].wl->name,
		       r[i].wl->qd);
		for (unsigned k = 0; k < r[i].nsys; k++)
			printf(" %s %.2f", r[i].sys[k].name,
			       (double)r[i].sys[k].calls /
				       (double)r[i].sys_reqs);
		printf("\n");
	}
	if (nb->ran) {
		printf("slow neighbour (%s): %s\n",
		       nb->throttled ? "throttled" : "NOT throttled", nb->how);
		printf("  dom12 randread-4k QD1 alone:                 p50 "
		       "%7.1f us  p99 %7.1f us  max %7.1f us\n",
		       nb->alone.p50, nb->alone.p99, nb->alone.max);
		printf("  dom12 next to dom11's QD32 on the slow disk: p50 "
		       "%7.1f us  p99 %7.1f us  max %7.1f us\n",
		       nb->with.p50, nb->with.p99, nb->with.max);
		printf("  dom12 alone again:                           p50 "
		       "%7.1f us  p99 %7.1f us  max %7.1f us\n",
		       nb->after.p50, nb->after.p99, nb->after.max);
		printf("  p99 with the slow neighbour / mean p99 alone: x%.2f\n",
		       ratio(nb->with.p99,
			     (nb->alone.p99 + nb->after.p99) / 2));
		printf("  dom11 meanwhile: %.0f IOPS, p50 %.1f ms, "
		       "max %.1f ms\n",
		       nb->slow_iops, nb->slow.p50 / 1e3, nb->slow.max / 1e3);
	}
	if (notes && notes[0])
		printf("%s", notes);
}

void bench_report(const struct bench_env *env, const struct bench_result *r,
		  unsigned n, const struct bench_nb *nb, const char *notes)
{
	printf("xen-virtio-dm bench%s: virtio-blk, raw %s image, simulated "
	       "Xen, %u CPUs (load average %.2f at start), %.1f s windows\n",
	       env->smoke ? " (--smoke: tiny, not a measurement)" : "",
	       env->tmpfs ? "tmpfs" : "NOT tmpfs", env->cpus, env->load,
	       env->smoke ? 0 : env->secs);
	if (n)
		print_table(env, r, n);
	print_notes(env, r, n, nb, notes);
}

static void jnum(FILE *f, double v)
{
	if (v < 0 || !isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.6g", v);
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void jpct(FILE *f, const struct bench_pct *p)
{
	fputs("{\"p50\": ", f);
	jnum(f, p->n ? p->p50 : -1);
	fputs(", \"p99\": ", f);
	jnum(f, p->n ? p->p99 : -1);
	fputs(", \"p99_9\": ", f);
	jnum(f, p->n ? p->p999 : -1);
	fputs(", \"max\": ", f);
	jnum(f, p->n ? p->max : -1);
	fputs(", \"mean\": ", f);
	jnum(f, p->n ? p->mean : -1);
	fprintf(f, ", \"samples\": %zu}", p->n);
}

/* "key": value, for a metric of the table. */
static void jmetric(FILE *f, const char *key, metric_fn *fn,
		    const struct bench_result *r, const struct bench_env *env)
{
	fprintf(f, "\"%s\": ", key);
	jnum(f, fn(r, env));
}

static void json_workload(FILE *f, const struct bench_result *r,
			  const struct bench_env *env)
{
	unsigned k;

	fprintf(f,
		"    {\"name\": \"%s\", \"rw\": \"%s\", \"bs\": %u, "
		"\"qd\": %u, \"seconds\": ",
		r->wl->name, rw_name(r->wl), r->wl->bs, r->wl->qd);
	jnum(f, r->c.secs);
	fputs(",\n     ", f);
	jmetric(f, "requests", m_reqs, r, env);
	fputs(", ", f);
	jmetric(f, "iops", m_iops, r, env);
	fputs(", ", f);
	jmetric(f, "mb_s", m_mbps, r, env);
	fputs(", ", f);
	jmetric(f, "cpu_load_pct", m_load, r, env);
	fputs(", ", f);
	jmetric(f, "notify_exit_p50_us", m_notify_us, r, env);
	fputs(", ", f);
	jmetric(f, "qd1_p50_minus_sim_us", m_added_us, r, env);
	fputs(",\n     \"latency_us\": ", f);
	jpct(f, &r->lat);
	fputs(",\n     \"per_request\": {", f);
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		if (!rows[k].key)
			continue;
		jmetric(f, rows[k].key, rows[k].fn, r, env);
		fputs(", ", f);
	}
	fprintf(f, "\"errors\": %llu},\n     \"syscalls_top\": [",
		(unsigned long long)r->c.errors);
	for (k = 0; k < r->nsys && r->sys_reqs; k++) {
		fprintf(f,
			"%s{\"name\": \"%s\", \"per_request\": ", k ? ", " : "",
			r->sys[k].name);
		jnum(f, (double)r->sys[k].calls / (double)r->sys_reqs);
		fputc('}', f);
	}
	fputs("],\n     \"physical\": {", f);
	jmetric(f, "iops", m_host_iops, r, env);
	fputs(", ", f);
	jmetric(f, "mb_s", m_host_mbps, r, env);
	fputs(", \"latency_us\": ", f);
	jpct(f, &r->host_lat);
	fputs("},\n     ", f);
	jmetric(f, "ratio_iops", m_ratio, r, env);
	fputs("}", f);
}

static void json_neighbour(FILE *f, const struct bench_nb *nb)
{
	fprintf(f,
		"  \"neighbour\": {\"ran\": %s, \"throttled\": %s, "
		"\"iops_limit\": %u, \"how\": ",
		nb->ran ? "true" : "false", nb->throttled ? "true" : "false",
		nb->iops_limit);
	jstr(f, nb->how);
	fputs(",\n    \"fast_alone_us\": ", f);
	jpct(f, &nb->alone);
	fputs(",\n    \"fast_with_slow_neighbour_us\": ", f);
	jpct(f, &nb->with);
	fputs(",\n    \"fast_alone_again_us\": ", f);
	jpct(f, &nb->after);
	fputs(",\n    \"slow_us\": ", f);
	jpct(f, &nb->slow);
	fputs(", \"slow_iops\": ", f);
	jnum(f, nb->ran ? nb->slow_iops : -1);
	fputs("},\n", f);
}

int bench_write_json(const struct bench_env *env, const struct bench_result *r,
		     unsigned n, const struct bench_nb *nb, const char *notes)
{
	FILE *f = fopen(env->json, "we");

	if (!f)
		return -1;
	fprintf(f,
		"{\n  \"bench\": \"xen-virtio-dm virtio-blk, simulated Xen\","
		"\n  \"smoke\": %s, \"tmpfs\": %s, \"cpus\": %u, "
		"\"window_s\": ",
		env->smoke ? "true" : "false", env->tmpfs ? "true" : "false",
		env->cpus);
	jnum(f, env->secs);
	fputs(", \"loadavg_start\": ", f);
	jnum(f, env->load);
	fprintf(f, ", \"perf\": %s, \"strace\": %s, \"instructions\": %s,\n",
		env->use_perf ? "true" : "false",
		env->use_strace ? "true" : "false",
		env->perf_instr ? "true" : "false");
	fputs("  \"null_exit_us\": ", f);
	jpct(f, &env->null_exit);
	fputs(",\n  \"workloads\": [\n", f);
	for (unsigned i = 0; i < n; i++) {
		json_workload(f, &r[i], env);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ],\n", f);
	json_neighbour(f, nb);
	fputs("  \"notes\": ", f);
	jstr(f, notes ? notes : "");
	fputs("\n}\n", f);
	return fclose(f) ? -1 : 0;
}
