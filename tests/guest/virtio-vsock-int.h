/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside the guest's virtio-vsock driver: what its two files share. */
#ifndef XVDM_GUEST_VIRTIO_VSOCK_INT_H
#define XVDM_GUEST_VIRTIO_VSOCK_INT_H

#include <stdint.h>

#include "virtio-vsock-driver.h"

void vsdrv_free_sock(struct vsdrv_sock *s);
/* A socket from local to peer, CONNECTING, or NULL when none is free. */
struct vsdrv_sock *vsdrv_new_sock(struct vsdrv *d, uint32_t local,
				  uint32_t peer);
int64_t vsdrv_deadline(const struct vsdrv *d); /* now + the timeout */
/* One vsdrv_poll() bounded by end: 0, -ETIMEDOUT or -errno. */
int vsdrv_wait_until(struct vsdrv *d, int64_t end);
/* A packet on s, or (s NULL) a reply to the ports of rh. */
int vsdrv_send_op(struct vsdrv *d, struct vsdrv_sock *s,
		  const struct virtio_vsock_hdr *rh, uint16_t op,
		  uint32_t flags, const void *payload, uint32_t len);

#endif
