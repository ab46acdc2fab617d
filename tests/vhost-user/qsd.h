/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qemu-storage-daemon exporting a raw image as a vhost-user-blk socket, as a
 * child process the vhost-user tests start, kill and restart under a live
 * device (vhost-user.rst's back-end; /work/shared/lab/README.md has the
 * command line).
 */
#ifndef XVDM_TESTS_QSD_H
#define XVDM_TESTS_QSD_H

#include <stdbool.h>
#include <sys/types.h>

#include "compiler.h"

/* A qemu-storage-daemon exporting image on sock with num_queues queues. */
struct qsd {
	pid_t pid;
	char sock[108];
	char image[128];
	unsigned num_queues;
};

/* Starts it and waits (<= 5 s) for the socket. 0 or -errno. */
int qsd_start(struct qsd *q) must_check;
/* Sends sig (SIGKILL: a crash, SIGTERM: a clean exit) and reaps it. */
void qsd_stop(struct qsd *q, int sig);
/* Is qemu-storage-daemon on PATH? */
bool qsd_available(void);

/* QEMU's C virtiofsd sharing dir on sock (a vhost-user-fs back-end). */
struct vfsd {
	pid_t pid;
	char sock[108];
	char dir[128];
};

#define VFSD_PATH "/usr/lib/qemu/virtiofsd"

bool vfsd_available(void);
int vfsd_start(struct vfsd *v) must_check;
void vfsd_stop(struct vfsd *v, int sig);

#endif
