/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test fixture: a backing file with random contents, an in-memory copy of it
 * (the reference model), the in-process device and the guest's virtio-blk
 * driver on top. Used by test-guest-blk.c.
 */
#ifndef XVDM_GUEST_FIXTURE_H
#define XVDM_GUEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inproc.h"
#include "virtio-blk-driver.h"

#define FIX_DISK_SIZE (8u << 20)
#define FIX_SECTOR 512u

struct fixture {
	char path[64];
	uint8_t *model; /* what the disk must contain */
	size_t disk_size;
	uint64_t rng;
	struct inproc_params ipp;
	struct blkdrv_params bp;
	struct inproc *ip;
	struct blkdrv blk;
	bool probed;
};

/* An asynchronous request with its data in guest RAM. */
struct fix_op {
	struct blkdrv_req req;
	struct vrdrv_sg seg[BLKDRV_MAX_SEGS];
	uint64_t gpa;
	uint32_t len;
	bool write;
};

uint64_t fix_rand(struct fixture *f);
/* A fixture with defaults; tests adjust ipp/bp and call fix_start(). */
struct fixture *fix_new(void);
/* Creates the device and probes it; 0 or the probe's error. */
int fix_start(struct fixture *f);
/* The two halves of fix_start(), for tests that hook the bus in between. */
int fix_device(struct fixture *f);
int fix_probe(struct fixture *f);
/* Removes the driver (if probed) and frees everything. */
void fix_free(struct fixture *f);

/* Host view of guest memory. */
void *fix_ram(struct fixture *f, uint64_t gpa, uint64_t len);
/*
 * Prepares op: a random length up to max_sectors at sector, data in guest
 * RAM split into random segments within the driver's limits; a write takes
 * random data (not yet applied to the model).
 */
void fix_op_init(struct fixture *f, struct fix_op *op, bool write,
		 uint64_t sector, unsigned max_sectors);
/* The same with exactly nsectors in nseg equal segments (nseg divides it). */
void fix_op_init_exact(struct fixture *f, struct fix_op *op, bool write,
		       uint64_t sector, unsigned nsectors, unsigned nseg);
void fix_op_fini(struct fixture *f, struct fix_op *op);
/* A completed op: applies a write to the model, checks a read against it. */
bool fix_op_check(struct fixture *f, struct fix_op *op);
/* Reads the whole disk through the driver and compares it with the model. */
bool fix_verify_disk(struct fixture *f, unsigned qidx);

/* The hostile_ tests (test-guest-hostile.c), run by test-guest-blk's main. */
int run_hostile_tests(void);

#endif
