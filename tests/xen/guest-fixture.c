// SPDX-License-Identifier: GPL-2.0-only
/* test-guest's harness side (guest-fixture.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "guest-fixture.h"

int gfix_setup(void **state)
{
	struct xensim_domain_cfg dom = {
		.domid = DOM,
		.nr_vcpus = NR_VCPUS,
		.ram = { { XENSIM_RAM0_BASE, RAM_SIZE } },
		.paused = true,
	};
	struct gfix *f = calloc(1, sizeof(*f));
	ssize_t n;

	assert_non_null(f);
	/* A client that died must fail the test, not kill it. */
	signal(SIGPIPE, SIG_IGN);
	n = readlink("/proc/self/exe", f->bindir, sizeof(f->bindir) - 1);
	assert_true(n > 0);
	*strrchr(f->bindir, '/') = '\0';
	strcpy(f->dir, "/tmp/xvdm-guest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	assert_int_equal(xensim_new(f->sock, &f->h), 0);
	assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	f->client = -1;
	f->to_client = f->from_client = -1;
	*state = f;
	return 0;
}

static void close_pipes(struct gfix *f)
{
	if (f->to_client >= 0)
		close(f->to_client);
	if (f->from_client >= 0)
		close(f->from_client);
	f->to_client = f->from_client = -1;
}

int gfix_teardown(void **state)
{
	struct gfix *f = *state;

	close_pipes(f);
	if (f->client > 0) {
		kill(f->client, SIGKILL);
		waitpid(f->client, NULL, 0);
	}
	xensim_free(f->h);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The client's environment: ours, plus the preload (ASan's runtime first). */
static void make_env(struct gfix *f, char **envp, size_t max, char *preload,
		     size_t preload_len, char *sock, size_t sock_len)
{
	size_t n = 0;

	snprintf(preload, preload_len, "LD_PRELOAD=%s%s%s", CLIENT_ASAN_LIB,
		 CLIENT_ASAN_LIB[0] ? " " : "", XENSIM_PRELOAD);
	snprintf(sock, sock_len, "XENSIM_SOCKET=%s", f->sock);
	for (size_t i = 0; environ[i] && n < max - 3; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], "XENSIM_SOCKET=", 14))
			envp[n++] = environ[i];
	envp[n++] = preload;
	envp[n++] = sock;
	envp[n] = NULL;
}

static int read_reply(struct gfix *f, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = f->from_client, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < len - 1) {
		if (poll(&pfd, 1, WAIT_MS) != 1)
			return -ETIMEDOUT;
		r = read(f->from_client, buf + got, 1);
		if (r != 1)
			return -EPIPE;
		if (buf[got] == '\n')
			break;
		got++;
	}
	buf[got] = '\0';
	return 0;
}

/* "ok <rc> [values]" */
static int parse_reply(struct gfix *f)
{
	char buf[256];
	int rc;

	assert_int_equal(read_reply(f, buf, sizeof(buf)), 0);
	memset(f->reply, 0, sizeof(f->reply));
	assert_true(sscanf(buf, "ok %d %lld %lld %lld %lld", &rc, &f->reply[0],
			   &f->reply[1], &f->reply[2], &f->reply[3]) >= 1);
	return rc;
}

void gfix_spawn(struct gfix *f, const char *fail)
{
	char exe[PATH_MAX + 16], preload[PATH_MAX * 2 + 32], sock[128];
	char dom[8], *argv[] = { exe, dom, (char *)fail, NULL };
	int in[2], out[2];
	posix_spawn_file_actions_t fa;
	char *envp[256];

	snprintf(exe, sizeof(exe), "%s/guest-client", f->bindir);
	snprintf(dom, sizeof(dom), "%d", DOM);
	make_env(f, envp, ARRAY_SIZE(envp), preload, sizeof(preload), sock,
		 sizeof(sock));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	assert_int_equal(posix_spawn(&f->client, exe, &fa, NULL, argv, envp),
			 0);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	f->to_client = in[1];
	f->from_client = out[0];
	assert_int_equal(parse_reply(f), 0); /* ready */
}

int gfix_cmd(struct gfix *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf) - 1);
	buf[n++] = '\n';
	assert_int_equal(write(f->to_client, buf, (size_t)n), n);
	return parse_reply(f);
}

void gfix_attach(struct gfix *f)
{
	gfix_spawn(f, NULL);
	assert_int_equal(gfix_cmd(f, "new"), 0);
	assert_int_equal(gfix_cmd(f, "fake 1 %#llx %d", BASE, IRQ), 0);
	assert_int_equal(xensim_wait_ioreq_ready(f->h, DOM, WAIT_MS), 0);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
}

int gfix_finish(struct gfix *f)
{
	int status;

	close_pipes(f);
	assert_int_equal(waitpid(f->client, &status, 0), f->client);
	f->client = -1;
	assert_int_equal(xensim_wait_clients(f->h, 0, WAIT_MS), 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void gfix_quit(struct gfix *f)
{
	assert_int_equal(gfix_cmd(f, "quit"), 0);
	assert_int_equal(gfix_finish(f), 0);
}

void gfix_assert_misuses(struct gfix *f, enum xensim_misuse kind, unsigned n)
{
	unsigned got = xensim_misuse_count(f->h, kind),
		 all = xensim_misuse_count(f->h, XENSIM_MISUSE_ANY);

	if (got != n || all != n) {
		fprintf(stderr, "wanted %u %s misuse(s), got %u of %u:\n", n,
			xensim_misuse_name(kind), got, all);
		xensim_misuse_dump(f->h, stderr);
	}
	assert_int_equal(got, n);
	assert_int_equal(all, n);
}

uint64_t gfix_read(struct gfix *f, unsigned vcpu, uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	assert_int_equal(xensim_mmio_read(f->h, DOM, vcpu, addr, size, &v), 0);
	return v;
}

void gfix_write(struct gfix *f, unsigned vcpu, uint64_t addr, uint64_t v)
{
	assert_int_equal(xensim_mmio_write(f->h, DOM, vcpu, addr, 4, v), 0);
}
