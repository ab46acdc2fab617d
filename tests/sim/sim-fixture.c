// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "sim-fixture.h"

int fixture_setup(void **state)
{
	struct xensim_domain_cfg dom = {
		.domid = DOM,
		.nr_vcpus = NR_VCPUS,
		.ram = { { XENSIM_RAM0_BASE, 16 << 20 } },
		.paused = true,
	};
	struct fixture *f = calloc(1, sizeof(*f));
	ssize_t n;

	assert_non_null(f);
	n = readlink("/proc/self/exe", f->bindir, sizeof(f->bindir) - 1);
	assert_true(n > 0);
	*strrchr(f->bindir, '/') = '\0';
	strcpy(f->dir, "/tmp/xensim-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	assert_int_equal(xensim_new(f->sock, &f->h), 0);
	assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	dom.domid = OTHER_DOM;
	dom.nr_vcpus = 1;
	assert_int_equal(xensim_domain_create(f->h, &dom), 0);
	f->client = -1;
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f->client > 0) {
		kill(f->client, SIGKILL);
		waitpid(f->client, NULL, 0);
	}
	xensim_free(f->h);
	rmdir(f->dir);
	free(f);
	return 0;
}

void fixture_spawn(struct fixture *f, const char *scenario)
{
	char exe[PATH_MAX + 16], preload[PATH_MAX + 32], sock[128];
	char dom[8], base[24], vcpus[8], irq[8];
	char *argv[] = { exe, (char *)scenario, dom, base, vcpus, irq, NULL };
	char *envp[256];
	size_t n = 0, i;

	snprintf(exe, sizeof(exe), "%s/sim-client", f->bindir);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s/libxensim.so",
		 f->bindir);
	snprintf(sock, sizeof(sock), "XENSIM_SOCKET=%s", f->sock);
	snprintf(dom, sizeof(dom), "%d", DOM);
	snprintf(base, sizeof(base), "%#llx", BASE);
	snprintf(vcpus, sizeof(vcpus), "%d", NR_VCPUS);
	snprintf(irq, sizeof(irq), "%d", IRQ);
	for (i = 0; environ[i] && n < ARRAY_SIZE(envp) - 3; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], "XENSIM_SOCKET=", 14))
			envp[n++] = environ[i];
	envp[n++] = preload;
	envp[n++] = sock;
	envp[n] = NULL;
	assert_int_equal(posix_spawn(&f->client, exe, NULL, NULL, argv, envp),
			 0);
}

int fixture_finish(struct fixture *f)
{
	int status;

	assert_int_equal(waitpid(f->client, &status, 0), f->client);
	f->client = -1;
	assert_int_equal(xensim_wait_clients(f->h, 0, WAIT_MS), 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void fixture_quit(struct fixture *f)
{
	assert_int_equal(xensim_xs_write(f->h, HOME "/quit", "1"), 0);
	assert_int_equal(fixture_finish(f), 0);
}

void fixture_serve(struct fixture *f, const char *scenario)
{
	fixture_spawn(f, scenario);
	assert_int_equal(xensim_wait_ioreq_ready(f->h, DOM, WAIT_MS), 0);
	assert_int_equal(xensim_xs_wait(f->h, HOME "/ready", "1", WAIT_MS), 0);
	assert_int_equal(xensim_domain_pause(f->h, DOM, false), 0);
}

void assert_misuses(struct fixture *f, enum xensim_misuse kind, unsigned int n)
{
	unsigned int got = xensim_misuse_count(f->h, kind),
		     all = xensim_misuse_count(f->h, XENSIM_MISUSE_ANY);

	if (got != n || all != n) {
		fprintf(stderr, "wanted %u %s misuse(s), got %u of %u:\n", n,
			xensim_misuse_name(kind), got, all);
		xensim_misuse_dump(f->h, stderr);
	}
	assert_int_equal(got, n);
	assert_int_equal(all, n);
}

uint64_t fixture_read(struct fixture *f, unsigned int vcpu, uint64_t off,
		      unsigned int size)
{
	uint64_t v = 0;

	assert_int_equal(
		xensim_mmio_read(f->h, DOM, vcpu, BASE + off, size, &v), 0);
	return v;
}

void fixture_write(struct fixture *f, unsigned int vcpu, uint64_t off,
		   uint64_t v)
{
	assert_int_equal(xensim_mmio_write(f->h, DOM, vcpu, BASE + off, 4, v),
			 0);
}

void fixture_grant_pages(struct fixture *f)
{
	memcpy(xensim_guest_mem(f->h, DOM, PAGE1, 4), "GRNT", 4);
	memcpy(xensim_guest_mem(f->h, DOM, PAGE2, 2), "RO", 2);
	assert_int_equal(xensim_grant(f->h, DOM, 7, PAGE1 >> 12, false), 0);
	assert_int_equal(xensim_grant(f->h, DOM, 8, PAGE2 >> 12, true), 0);
}

bool fixture_misuse_seen(struct fixture *f, enum xensim_misuse kind)
{
	int i;

	for (i = 0; i < WAIT_MS / 10 && !xensim_misuse_count(f->h, kind); i++)
		usleep(10000);
	return xensim_misuse_count(f->h, kind) != 0;
}
