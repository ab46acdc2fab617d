/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest drivers wired in-process to the real core: a virtio-blk backend
 * (backends/blk) behind struct vdev and the vmmio register file, guest RAM
 * in a gmem_flat, a real evloop. MMIO accesses are direct vmmio calls; the
 * interrupt line is recorded from vdev_set_irq() and wait_irq() runs the
 * event loop (so io_uring completions are reaped) until it rises.
 *
 * Hooks let tests play a buggy device or bus: on_irq runs when wait_irq()
 * is about to report an interrupt (used rings can be tampered with there),
 * on_read may rewrite any register value read. A trace records accesses.
 */
#ifndef XVDM_GUEST_INPROC_H
#define XVDM_GUEST_INPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gmem.h"
#include "gpa-pool.h"
#include "guest-bus.h"
#include "log.h"
#include "vmmio.h"

struct blk;
struct evloop;
struct inproc;

#define INPROC_RAM_BASE 0x40000000ull
#define INPROC_RAM_SIZE (64ull << 20)
#define INPROC_MMIO_BASE 0x02000000ull

struct inproc_params {
	const char *path; /* backing file */
	bool readonly;
	const char *serial;
	uint16_t num_queues;
	uint16_t queue_size;
	enum log_level log_level; /* 0 (LOG_ERR) keeps hostile runs quiet */
};

struct inproc_access {
	bool write;
	uint8_t size;
	uint32_t off;
	uint64_t val;
};

typedef void inproc_irq_fn(struct inproc *ip, void *opaque);
typedef void inproc_read_fn(struct inproc *ip, uint32_t off, unsigned size,
			    uint64_t *val, void *opaque);

struct inproc {
	struct logger logger;
	struct gmem_flat flat;
	struct evloop *loop;
	struct blk *blk;
	struct vdev *vdev;
	struct vmmio mmio;
	struct guest_bus bus;
	struct gpa_pool pool;

	unsigned edges; /* rising edges not yet reported */
	bool level;

	inproc_irq_fn *on_irq;
	inproc_read_fn *on_read;
	void *hook_opaque;

	bool tracing;
	struct inproc_access *trace;
	size_t trace_len, trace_cap;
	uint64_t notifies; /* QueueNotify writes */
};

int inproc_new(const struct inproc_params *p, struct inproc **out, char *err,
	       size_t err_len) must_check;
void inproc_free(struct inproc *ip); /* NULL-safe */
void inproc_trace_start(struct inproc *ip);
void inproc_trace_stop(struct inproc *ip);

#endif
