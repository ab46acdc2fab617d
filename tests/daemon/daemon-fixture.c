// SPDX-License-Identifier: GPL-2.0-only
/* The harness, temporary files and the daemon process (daemon-fixture.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "daemon-fixture.h"

#ifndef XVDM_DAEMON_EXE
#error "XVDM_DAEMON_EXE: the daemon binary (set by tests/daemon/local.mk)"
#endif
#ifndef XENSIM_PRELOAD
#error "XENSIM_PRELOAD: libxensim.so (set by tests/daemon/local.mk)"
#endif

/* The file alloc-count.so counts the daemon's allocations in. */
static void alloc_counter(struct dfix *f)
{
	char path[128];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/allocs", f->dir);
	snprintf(f->allocs_env, sizeof(f->allocs_env), "XVDM_ALLOC_COUNT=%s",
		 path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, sizeof(*f->allocs)), 0);
	p = mmap(NULL, sizeof(*f->allocs), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	assert_true(p != MAP_FAILED);
	f->allocs = p;
}

uint64_t df_allocs(const struct dfix *f)
{
	return __atomic_load_n(f->allocs, __ATOMIC_RELAXED);
}

struct dfix *df_new(void)
{
	struct dfix *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/xvdm-daemon-XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	snprintf(f->cfg, sizeof(f->cfg), "%s/xen-virtio-dm.conf", f->dir);
	snprintf(f->err_path, sizeof(f->err_path), "%s/stderr", f->dir);
	snprintf(f->exe, sizeof(f->exe), "%s", XVDM_DAEMON_EXE);
	snprintf(f->preload, sizeof(f->preload), "LD_PRELOAD=%s %s",
		 XENSIM_PRELOAD, ALLOC_COUNT_PRELOAD);
	alloc_counter(f);
	f->daemon = -1;
	assert_int_equal(xensim_new(f->sock, &f->h), 0);
	/* A vCPU's answer may be slow on a loaded machine, never lost. */
	xensim_set_timeout(f->h, DF_WAIT_MS);
	return f;
}

static void remove_dir(const char *path)
{
	char file[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	closedir(d);
	rmdir(path);
}

void df_free(struct dfix *f)
{
	if (!f)
		return;
	if (f->daemon > 0) {
		kill(f->daemon, SIGKILL);
		waitpid(f->daemon, NULL, 0);
	}
	xensim_free(f->h);
	munmap(f->allocs, sizeof(*f->allocs));
	remove_dir(f->dir);
	free(f);
}

uint64_t df_rand(uint64_t *s)
{
	/* xorshift64*: reproducible runs from fixed seeds. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

void df_fill(uint64_t *rng, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v;
	size_t i;

	for (i = 0; i < len; i += sizeof(v)) {
		v = df_rand(rng);
		memcpy(p + i, &v, len - i < sizeof(v) ? len - i : sizeof(v));
	}
}

void df_disk_init(struct dfix *f, struct ddisk *d, const char *name,
		  size_t size, uint64_t seed)
{
	uint64_t rng = seed | 1;
	int fd;

	snprintf(d->path, sizeof(d->path), "%s/%s", f->dir, name);
	d->size = size;
	d->model = malloc(size);
	assert_non_null(d->model);
	df_fill(&rng, d->model, size);
	fd = open(d->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, d->model, size), (ssize_t)size);
	close(fd);
}

void df_disk_fini(struct ddisk *d)
{
	if (d->path[0])
		unlink(d->path);
	free(d->model);
	d->model = NULL;
}

bool df_disk_matches(const struct ddisk *d)
{
	uint8_t *buf = malloc(d->size);
	bool same = false;
	size_t i;
	int fd = open(d->path, O_RDONLY | O_CLOEXEC);

	if (buf && fd >= 0 && pread(fd, buf, d->size, 0) == (ssize_t)d->size) {
		for (i = 0; i < d->size && buf[i] == d->model[i]; i++)
			;
		same = i == d->size;
		if (!same)
			fprintf(stderr,
				"%s: byte %zu is %#x, the model has %#x\n",
				d->path, i, buf[i], d->model[i]);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}

void df_config(struct dfix *f, const char *text)
{
	FILE *fp = fopen(f->cfg, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

void df_spawn(struct dfix *f, const char *const *args, bool capture)
{
	char sock[160], *argv[16], *envp[256];
	posix_spawn_file_actions_t fa;
	size_t n = 0, i;

	argv[n++] = f->exe;
	argv[n++] = (char *)"--config";
	argv[n++] = f->cfg;
	for (i = 0; args && args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	snprintf(sock, sizeof(sock), "XENSIM_SOCKET=%s", f->sock);
	n = 0;
	for (i = 0; environ[i] && n < ARRAY_SIZE(envp) - 4; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], "XENSIM_SOCKET=", 14) &&
		    strncmp(environ[i], "XVDM_ALLOC_COUNT=", 17))
			envp[n++] = environ[i];
	envp[n++] = f->preload;
	envp[n++] = f->allocs_env;
	envp[n++] = sock;
	envp[n] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	if (capture)
		assert_int_equal(posix_spawn_file_actions_addopen(
					 &fa, STDERR_FILENO, f->err_path,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600),
				 0);
	assert_int_equal(posix_spawn(&f->daemon, f->exe, &fa, NULL, argv, envp),
			 0);
	posix_spawn_file_actions_destroy(&fa);
}

static int decode(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int df_wait_exit(struct dfix *f, unsigned timeout_ms)
{
	int pidfd, status, r;
	struct pollfd p;

	assert_true(f->daemon > 0);
	pidfd = (int)syscall(SYS_pidfd_open, f->daemon, 0);
	assert_true(pidfd >= 0);
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	do {
		r = poll(&p, 1, (int)timeout_ms);
	} while (r < 0 && errno == EINTR);
	close(pidfd);
	if (r == 0) {
		fprintf(stderr, "the daemon did not exit within %u ms\n",
			timeout_ms);
		kill(f->daemon, SIGKILL);
	}
	assert_int_equal(waitpid(f->daemon, &status, 0), f->daemon);
	f->daemon = -1;
	f->status = status;
	return r == 0 ? -1 : decode(status);
}

bool df_alive(struct dfix *f)
{
	int status;

	if (f->daemon <= 0)
		return false;
	if (waitpid(f->daemon, &status, WNOHANG) == 0)
		return true;
	fprintf(stderr, "the daemon exited early: status %d\n", decode(status));
	f->daemon = -1;
	f->status = status;
	return false;
}

int df_stop(struct dfix *f)
{
	int rc;

	assert_int_equal(kill(f->daemon, SIGTERM), 0);
	rc = df_wait_exit(f, DF_WAIT_MS);
	/* The harness saw every handle go (and checked them for leaks). */
	assert_int_equal(xensim_wait_clients(f->h, 0, DF_WAIT_MS), 0);
	return rc;
}

char *df_stderr(struct dfix *f)
{
	char *buf = calloc(1, 65536);
	int fd = open(f->err_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(buf);
	assert_true(fd >= 0);
	n = read(fd, buf, 65535);
	close(fd);
	assert_true(n >= 0);
	return buf;
}

void df_wait_stderr(struct dfix *f, const char *text)
{
	for (unsigned waited = 0;; waited += 10) {
		char *err = df_stderr(f);
		bool found = strstr(err, text) != NULL;

		free(err);
		if (found)
			return;
		assert_true(waited < DF_WAIT_MS);
		usleep(10 * 1000);
	}
}

void df_assert_clean(struct dfix *f)
{
	unsigned n = xensim_misuse_count(f->h, XENSIM_MISUSE_ANY);

	if (n) {
		fprintf(stderr, "%u misuse(s) by the daemon:\n", n);
		xensim_misuse_dump(f->h, stderr);
	}
	assert_int_equal(n, 0);
}

char *df_xs_read(struct dfix *f, const char *path)
{
	char *v = NULL;

	return xensim_xs_read(f->h, path, &v) ? NULL : v;
}
