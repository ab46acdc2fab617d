// SPDX-License-Identifier: GPL-2.0-only
/* qemu-storage-daemon as a child process (see qsd.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qsd.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool qsd_available(void)
{
	return system("qemu-storage-daemon --version >/dev/null 2>&1") == 0;
}

/* The child's stdout and stderr go to /dev/null unless VUH_VERBOSE. */
static void quiet(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0 && !getenv("VUH_VERBOSE")) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
}

static void exec_qsd(const struct qsd *q)
{
	char file[256], exp[512];

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s",
		 q->image);
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=export0,node-name=disk0,"
		 "addr.type=unix,addr.path=%s,writable=on,num-queues=%u",
		 q->sock, q->num_queues ? q->num_queues : 1);
	quiet();
	execlp("qemu-storage-daemon", "qemu-storage-daemon", "--blockdev", file,
	       "--blockdev", "driver=raw,node-name=disk0,file=file0",
	       "--export", exp, (char *)NULL);
	_exit(127);
}

/* Waits for the child to bind its socket; 0, -ECHILD or -ETIMEDOUT. */
static int wait_socket(pid_t *pid, const char *sock)
{
	int64_t deadline = now_ms() + 5000;
	struct stat st;
	int status;

	while (now_ms() < deadline) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return -ECHILD;
		}
		if (!stat(sock, &st) && S_ISSOCK(st.st_mode)) {
			/* bind() made the file; give listen() a moment. */
			usleep(20000);
			return 0;
		}
		usleep(5000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
	return -ETIMEDOUT;
}

int qsd_start(struct qsd *q)
{
	unlink(q->sock);
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (q->pid == 0)
		exec_qsd(q);
	return wait_socket(&q->pid, q->sock);
}

void qsd_stop(struct qsd *q, int sig)
{
	if (q->pid <= 0)
		return;
	kill(q->pid, sig);
	waitpid(q->pid, NULL, 0);
	q->pid = 0;
}

bool vfsd_available(void)
{
	return access(VFSD_PATH, X_OK) == 0;
}

int vfsd_start(struct vfsd *v)
{
	char sock[160], src[160];

	unlink(v->sock);
	snprintf(sock, sizeof(sock), "--socket-path=%s", v->sock);
	snprintf(src, sizeof(src), "source=%s", v->dir);
	v->pid = fork();
	if (v->pid < 0)
		return -errno;
	if (v->pid == 0) {
		quiet();
		/* chroot: no namespaces needed, as in a container. */
		execl(VFSD_PATH, VFSD_PATH, sock, "-o", src, "-o",
		      "sandbox=chroot", "-o", "cache=none", "-o",
		      "log_level=err", (char *)NULL);
		_exit(127);
	}
	return wait_socket(&v->pid, v->sock);
}

void vfsd_stop(struct vfsd *v, int sig)
{
	if (v->pid <= 0)
		return;
	kill(v->pid, sig);
	waitpid(v->pid, NULL, 0);
	v->pid = 0;
}
