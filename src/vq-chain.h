/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the virtqueue (vq.c, vq-chain.c): the descriptor chain walker,
 * the one place that turns guest descriptors into iovecs.
 */
#ifndef XVDM_VQ_CHAIN_H
#define XVDM_VQ_CHAIN_H

#include "compiler.h"
#include "vq.h"

/*
 * Validates the chain starting at elem->head and maps its buffers into
 * elem->iov, filling out_num, in_num, out, in, out_len and in_len. On a
 * guest error everything mapped for this chain is released, the queue is
 * broken and -EBADMSG returned.
 */
int vq_chain_walk(struct vq *vq, struct vq_elem *elem) must_check;

/*
 * Marks the queue broken and logs what the guest did wrong (one rate-limited
 * line; vq->log may be NULL). Returns -EBADMSG.
 */
int vq_guest_error(struct vq *vq, const char *fmt, ...) printf_like(2, 3);

#endif
