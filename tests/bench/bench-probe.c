// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon seen from outside during a measurement window: its CPU time
 * (utime + stime of every thread, /proc/<pid>/stat), and, when the tools
 * work here, `perf stat -p` for syscalls (the raw_syscalls:sys_enter
 * tracepoint), task-clock, context switches and instructions, bracketed
 * exactly by perf's control FIFO, or `strace -c -f -p` for which syscalls
 * (a window of its own: ptrace slows the daemon down, so strace windows
 * are never the timed ones).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define TOOL_WAIT_MS 10000

/* Runs argv (PATH searched), stdout and stderr to out; its exit status. */
static int run_tool(const char *const argv[], const char *out, pid_t *bg)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, r;

	if (posix_spawn_file_actions_init(&fa))
		return -1;
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -1;
	if (bg) {
		*bg = pid;
		return 0;
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool file_has(const char *path, const char *what)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

void bench_probe_detect(struct bench_env *env, char *notes, size_t len)
{
	char out[] = "/tmp/xvdm-bench-probe-XXXXXX";
	const char *const perf_sys[] = {
		"perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter",
		"true", NULL
	};
	const char *const perf_ins[] = { "perf",	 "stat", "-x,", "-e",
					 "instructions", "true", NULL };
	const char *const strace[] = { "strace", "-c", "-f", "true", NULL };
	size_t used = 0;
	int fd = mkstemp(out);

	if (fd >= 0)
		close(fd);
	env->use_perf = fd >= 0 && run_tool(perf_sys, out, NULL) == 0 &&
			file_has(out, "raw_syscalls:sys_enter") &&
			!file_has(out, "<not supported>");
	env->perf_instr = env->use_perf && run_tool(perf_ins, out, NULL) == 0 &&
			  !file_has(out, "<not supported>") &&
			  !file_has(out, "<not counted>");
	env->use_strace = fd >= 0 && run_tool(strace, out, NULL) == 0;
	unlink(out);
	notes[0] = 0;
	if (!env->use_perf)
		used += (size_t)snprintf(
			notes + used, len - used,
			"perf stat -e raw_syscalls:sys_enter does not work "
			"here (tests/bench/setup installs linux-perf): "
			"syscalls only from strace, no task-clock\n");
	else if (!env->perf_instr && used < len)
		used += (size_t)snprintf(
			notes + used, len - used,
			"perf stat -e instructions: <not supported> here (no "
			"hardware PMU in this VM): instructions not "
			"reported; task-clock is\n");
	if (!env->use_strace && used < len)
		snprintf(notes + used, len - used,
			 "strace does not work here (tests/bench/setup "
			 "installs it): no per-syscall breakdown\n");
}

/* utime + stime of the whole process, in clock ticks. */
static uint64_t cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* Fields 14 and 15, counted after the command's closing paren. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
			 "%llu",
			 &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* Sends a command on perf's control FIFO and waits for its ack. */
static int perf_cmd(struct bench_probe *p, const char *cmd)
{
	struct pollfd pfd = { .fd = p->ack, .events = POLLIN };
	char ack[16];

	if (write(p->ctl, cmd, strlen(cmd)) < 0)
		return -errno;
	if (poll(&pfd, 1, TOOL_WAIT_MS) != 1)
		return -ETIMEDOUT;
	return read(p->ack, ack, sizeof(ack)) > 0 ? 0 : -EIO;
}

static int perf_begin(struct bench_probe *p)
{
	char pid[16], ctl[128], ackp[128], out[128], log[128], control[300];
	char events[96] = "raw_syscalls:sys_enter,task-clock,context-switches";
	const char *const argv[] = { "perf",	  "stat",  "-x,", "-D",	  "-1",
				     "--control", control, "-e",  events, "-p",
				     pid,	  "-o",	   out,	  NULL };

	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	snprintf(ctl, sizeof(ctl), "%s/perf.ctl", p->dir);
	snprintf(ackp, sizeof(ackp), "%s/perf.ack", p->dir);
	snprintf(out, sizeof(out), "%s/perf.out", p->dir);
	snprintf(control, sizeof(control), "fifo:%s,%s", ctl, ackp);
	if (p->instr)
		strcat(events, ",instructions");
	unlink(ctl);
	unlink(ackp);
	if (mkfifo(ctl, 0600) || mkfifo(ackp, 0600))
		return -errno;
	/* O_RDWR: opening a FIFO does not wait for the other end. */
	p->ctl = open(ctl, O_RDWR | O_CLOEXEC);
	p->ack = open(ackp, O_RDWR | O_CLOEXEC);
	if (p->ctl < 0 || p->ack < 0)
		return -errno;
	snprintf(log, sizeof(log), "%s/perf.log", p->dir);
	if (run_tool(argv, log, &p->tool))
		return -ENOEXEC;
	return perf_cmd(p, "enable\n");
}

static double perf_value(const char *path, const char *event)
{
	char line[256], *comma;
	double v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		comma = strchr(line, ',');
		/* value,unit,event,...: "<not supported>" is no number. */
		if (comma && strstr(line, event) && line[0] != '<')
			v = strtod(line, NULL);
	}
	fclose(f);
	return v;
}

static void perf_end(struct bench_probe *p, struct bench_counts *c)
{
	char out[128];
	int status;

	(void)perf_cmd(p, "disable\n");
	kill(p->tool, SIGINT);
	waitpid(p->tool, &status, 0);
	p->tool = -1;
	close(p->ctl);
	close(p->ack);
	snprintf(out, sizeof(out), "%s/perf.out", p->dir);
	c->syscalls = perf_value(out, "raw_syscalls:sys_enter");
	c->task_ms = perf_value(out, "task-clock");
	c->ctxsw = perf_value(out, "context-switches");
	if (p->instr)
		c->instructions = perf_value(out, "instructions");
}

static int strace_begin(struct bench_probe *p)
{
	char pid[16], out[128], log[128];
	const char *const argv[] = { "strace", "-c", "-f", "-p",
				     pid,      "-o", out,  NULL };

	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	snprintf(out, sizeof(out), "%s/strace.out", p->dir);
	snprintf(log, sizeof(log), "%s/strace.log", p->dir);
	if (run_tool(argv, log, &p->tool))
		return -ENOEXEC;
	/* Attached once it says so; every thread is stopped by then. */
	for (int i = 0; i < TOOL_WAIT_MS / 10; i++) {
		if (file_has(log, "attached"))
			return 0;
		usleep(10 * 1000);
	}
	return -ETIMEDOUT;
}

static void sys_add(struct bench_probe *p, const char *name, uint64_t calls)
{
	unsigned i = p->nsys;

	if (i == BENCH_NR_SYS) {
		if (calls <= p->sys[i - 1].calls)
			return;
		i--;
	} else {
		p->nsys++;
	}
	/* Kept sorted, most calls first. */
	for (; i > 0 && p->sys[i - 1].calls < calls; i--)
		p->sys[i] = p->sys[i - 1];
	snprintf(p->sys[i].name, sizeof(p->sys[i].name), "%.23s", name);
	p->sys[i].calls = calls;
}

/* strace -c: "% time seconds usecs/call calls [errors] syscall". */
static void strace_parse(struct bench_probe *p, const char *path)
{
	char line[256], name[64];
	unsigned long long calls, e;
	double pct, secs;
	unsigned long usecs;
	FILE *f = fopen(path, "re");

	p->nsys = 0;
	p->sys_total = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lf %lf %lu %llu %llu %63s", &pct, &secs,
			   &usecs, &calls, &e, name) != 6 &&
		    sscanf(line, "%lf %lf %lu %llu %63s", &pct, &secs, &usecs,
			   &calls, name) != 5)
			continue;
		if (!strcmp(name, "total"))
			p->sys_total = calls;
		else
			sys_add(p, name, calls);
	}
	fclose(f);
}

static void strace_end(struct bench_probe *p)
{
	char out[128];
	int status;

	kill(p->tool, SIGINT);
	waitpid(p->tool, &status, 0);
	p->tool = -1;
	snprintf(out, sizeof(out), "%s/strace.out", p->dir);
	strace_parse(p, out);
}

int bench_probe_begin(struct bench_probe *p)
{
	int rc = 0;

	p->tool = -1;
	p->ctl = p->ack = -1;
	if (p->strace)
		rc = strace_begin(p);
	else if (p->perf)
		rc = perf_begin(p);
	if (rc) {
		fprintf(stderr, "bench: %s did not start: %s\n",
			p->strace ? "strace" : "perf", strerror(-rc));
		if (p->tool > 0) {
			kill(p->tool, SIGKILL);
			waitpid(p->tool, NULL, 0);
		}
		if (p->ctl >= 0)
			close(p->ctl);
		if (p->ack >= 0)
			close(p->ack);
		return rc;
	}
	p->ticks = cpu_ticks(p->pid);
	return 0;
}

void bench_probe_end(struct bench_probe *p, struct bench_counts *c)
{
	long hz = sysconf(_SC_CLK_TCK);

	c->cpu_s = (double)(cpu_ticks(p->pid) - p->ticks) /
		   (double)(hz > 0 ? hz : 100);
	if (p->strace)
		strace_end(p);
	else if (p->perf)
		perf_end(p, c);
}
