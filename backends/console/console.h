/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio console device (virtio 1.2 §5.3) with a single port: no
 * VIRTIO_CONSOLE_F_MULTIPORT (so no control queues), no F_SIZE (cols and
 * rows read 0), no F_EMERG_WRITE. Queue 0 is port 0's receiveq, queue 1 its
 * transmitq (§5.3.2).
 *
 * The host side is one of:
 * - a pty (posix_openpt): its slave's path is logged and returned by
 *   console_pty_path(), so the Xen layer can publish it;
 * - a unix socket listener: one client at a time; output while nobody is
 *   connected is dropped, like a serial line with nothing plugged in;
 * - a log file, appended to: output only.
 *
 * Nothing is buffered in the daemon. Guest output goes from the guest's
 * buffers to the host side; when the host side is slow the device stops
 * taking transmit buffers until it can write again (back-pressure). Host
 * input is read straight into receive buffers the guest posted; while it
 * posted none, the host side is not read.
 */
#ifndef XVDM_CONSOLE_H
#define XVDM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct console;
struct evloop;
struct vdev;
struct vdev_params;

#define CONSOLE_QUEUE_SIZE 64
#define CONSOLE_MAX_IOV 64

enum console_kind {
	CONSOLE_PTY,
	CONSOLE_UNIX,
	CONSOLE_FILE,
};

struct console_params {
	enum console_kind kind;
	const char *path; /* CONSOLE_UNIX, CONSOLE_FILE: absolute */
};

/*
 * Parses the config's spelling: "pty", "unix:<path>" or "file:<path>",
 * path absolute. out->path points into spec. 0 or -EINVAL.
 */
int console_parse(const char *spec, struct console_params *out) must_check;

/*
 * Opens the host side and creates the device; vp supplies mem, logger,
 * domid, name and the transport's features. On error -errno with a
 * message naming the host side in err.
 */
int console_new(const struct console_params *p, const struct vdev_params *vp,
		struct evloop *loop, struct console **out, char *err,
		size_t err_len) must_check;
/* Resets the device, closes the host side (unlinks the socket). NULL-safe. */
void console_free(struct console *c);
struct vdev *console_vdev(struct console *c);
/* The device embedding vdev, which must be one console_vdev() returned. */
struct console *console_of(struct vdev *vdev);
/*
 * The pty slave's path ("/dev/pts/N") for a pty console, else NULL (also
 * for a vdev that is not a console's).
 */
const char *console_pty_path(const struct vdev *vdev);

#endif
