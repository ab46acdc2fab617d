/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-console driver (virtio 1.2 §5.3) for a single port,
 * behaving like Linux's drivers/char/virtio_console.c without
 * VIRTIO_CONSOLE_F_MULTIPORT (which this driver does not negotiate): the
 * receiveq ("input") and transmitq ("output") of port 0, DRIVER_OK before
 * the receive buffers are posted, the receiveq filled with page-sized
 * buffers until it is full, each consumed buffer posted again, and output
 * sent the way the hvc console's put_chars sends it: one buffer, kicked,
 * then waited for until the device has used it.
 *
 * The device is checked: a used length beyond a buffer breaks the queue
 * (the vring driver's check); a receive buffer returned empty is counted
 * in stats.empty and posted again.
 */
#ifndef XVDM_GUEST_VIRTIO_CONSOLE_DRIVER_H
#define XVDM_GUEST_VIRTIO_CONSOLE_DRIVER_H

#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

/* Linux's feature table, less MULTIPORT (one port, no control queues). */
#define CONDRV_FEATURES                    \
	((1ull << VIRTIO_CONSOLE_F_SIZE) | \
	 (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE) | VMDRV_TRANSPORT_FEATURES)
#define CONDRV_BUF 4096u /* PAGE_SIZE */

struct condrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features; /* 0: CONDRV_FEATURES */
	int timeout_ms;	   /* for writes; 0: 10 s */
};

struct condrv_buf {
	uint64_t gpa;
	uint8_t *host;
	uint32_t len; /* used length (receive) */
	uint32_t off; /* consumed so far (receive) */
};

struct condrv_stats {
	uint64_t bytes_in, bytes_out;
	uint64_t bufs_in, bufs_out;
	uint64_t empty; /* receive buffers returned with 0 bytes */
};

struct condrv {
	struct vmdrv vm;
	struct condrv_params p;
	struct vrdrv *in_vq, *out_vq;
	struct condrv_buf *in; /* the receive buffers */
	unsigned nr_in;
	struct condrv_buf *inbuf; /* the used one being read (port->inbuf) */
	struct condrv_buf out;	  /* the transmit buffer */
	uint16_t cols, rows;	  /* with VIRTIO_CONSOLE_F_SIZE */
	bool live;
	struct condrv_stats stats;
};

/* Linux's probe, up to the filled receiveq. -ENODEV: not a console. */
int condrv_probe(struct condrv *con, const struct condrv_params *p) must_check;
/* virtcons_remove: reset, buffers taken back, queues torn down. */
void condrv_remove(struct condrv *con);
/*
 * put_chars: sends len bytes, CONDRV_BUF at a time, each waited for until
 * used. 0, -ETIMEDOUT, or -EIO (broken).
 */
int condrv_write(struct condrv *con, const void *buf, size_t len) must_check;
/*
 * get_chars: copies what has arrived, waiting at most timeout_ms for the
 * first byte. The count (0: nothing came), or -EIO (broken).
 */
ssize_t condrv_read(struct condrv *con, void *buf, size_t len,
		    int timeout_ms) must_check;

#endif
