/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture shared by the virtqueue tests (test-vq*.c): a vq over flat
 * guest RAM, the driver's side played by driver-ring.c, and a log pipe to
 * read what the queue logged. Every test runs twice (BOTH): with guest RAM
 * mapped in whole regions and split at every 4 KiB page, as a
 * foreign-mapping provider may hand it out.
 */
#ifndef XVDM_TESTS_VQ_FIXTURE_H
#define XVDM_TESTS_VQ_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"
#include "vq.h"

/*
 * Guest RAM: two adjacent regions, a hole, a third region.
 *   [0x10000, 0x30000)[0x30000, 0x38000) hole [0x40000, 0x48000)
 */
#define RING_GPA 0x10000ull
#define TABLE_GPA 0x11000ull
#define BUF_GPA 0x20000ull
#define BOUNDARY_GPA 0x30000ull /* between two adjacent regions */
#define HOLE_GPA 0x38000ull
#define R2_GPA 0x40000ull
#define RAM_END 0x48000ull

#define NUM 16
#define NUM_MAX 32
#define MAX_IOV 16

#define F_EVENT_IDX (1ull << VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT (1ull << VIRTIO_RING_F_INDIRECT_DESC)

struct fix {
	struct gmem_flat flat;
	struct vq vq;
	struct driver_ring dr;
	struct logger lg;
	struct log_src src;
	int log_pipe[2];
	uint8_t *ram_copy; /* guest RAM before a hostile pop */
};

/*
 * cmocka set-ups (guest RAM in whole regions, or split at every page), and
 * the teardown, which checks that every mapping was released.
 */
int fix_setup_plain(void **state);
int fix_setup_split(void **state);
int fix_teardown(void **state);

/* Starts the queue on the driver's rings; asserts it worked. */
void fix_start(struct fix *f, uint64_t features);
/* A host pointer to len bytes of guest RAM at gpa; asserts it is RAM. */
void *fix_gptr(struct fix *f, uint64_t gpa, uint64_t len);
/* Writes a descriptor by hand, as a hostile driver would. */
void fix_set_desc(struct vring_desc *d, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next);
/* The next pop must return a chain / find the ring empty. */
struct vq_elem *fix_pop_ok(struct fix *f);
void fix_pop_empty(struct fix *f);
/* Adds a chain of n buffers and makes it available; returns its head. */
uint16_t fix_add(struct fix *f, const struct driver_buf *bufs, unsigned n);
/* What was logged since the last read, NUL-terminated; returns its length. */
size_t fix_read_log(struct fix *f, char *buf, size_t size);
/*
 * The next pop must fail: -EBADMSG, queue broken for good, partial mappings
 * released, guest RAM unchanged, one log line mentioning what.
 */
void fix_expect_hostile(struct fix *f, const char *what);

/* The test fn once per way of mapping guest RAM. */
#define BOTH(fn)                                                            \
	{ #fn, fn, fix_setup_plain, fix_teardown, NULL },                   \
	{                                                                   \
#fn "/split-pages", fn, fix_setup_split, fix_teardown, NULL \
	}

#endif
