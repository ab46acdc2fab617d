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

static void exec_qsd(const struct qsd *q)
{
	char file[256], exp[512];
	int fd = open("/dev/null", O_RDWR);

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s",
		 q->image);
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=export0,node-name=disk0,"
		 "addr.type=unix,addr.path=%s,writable=on,num-queues=%u",
		 q->sock, q->num_queues ? q->num_queues : 1);
	if (fd >= 0 && !getenv("VUH_QSD_VERBOSE")) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execlp("qemu-storage-daemon", "qemu-storage-daemon", "--blockdev", file,
	       "--blockdev", "driver=raw,node-name=disk0,file=file0",
	       "--export", exp, (char *)NULL);
	_exit(127);
}

int qsd_start(struct qsd *q)
{
	int64_t deadline = now_ms() + 5000;
	struct stat st;
	int status;

	unlink(q->sock);
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (q->pid == 0)
		exec_qsd(q);
	while (now_ms() < deadline) {
		if (waitpid(q->pid, &status, WNOHANG) == q->pid) {
			q->pid = 0;
			return -ECHILD;
		}
		if (!stat(q->sock, &st) && S_ISSOCK(st.st_mode)) {
			/* bind() made the file; give listen() a moment. */
			usleep(20000);
			return 0;
		}
		usleep(5000);
	}
	qsd_stop(q, SIGKILL);
	return -ETIMEDOUT;
}

void qsd_stop(struct qsd *q, int sig)
{
	if (q->pid <= 0)
		return;
	kill(q->pid, sig);
	waitpid(q->pid, NULL, 0);
	q->pid = 0;
}
