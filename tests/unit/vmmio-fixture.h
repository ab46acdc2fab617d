/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture shared by the virtio-mmio tests (test-vmmio*.c): a vmmio
 * register file on a vdev with NQUEUES queues over flat guest RAM, whose fake
 * backend completes every request, and the driver's side as 32-bit register
 * accesses in the order Linux's virtio_mmio.c makes them.
 */
#ifndef XVDM_TESTS_VMMIO_FIXTURE_H
#define XVDM_TESTS_VMMIO_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "vdev.h"
#include "vmmio.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x100000ull
#define BUF_GPA (RAM_GPA + 0x80000)
#define QNUM 8
#define NQUEUES 2
#define DEV_ID 26
#define MAGIC 0x74726976u
/* Not in every kernel's <linux/virtio_mmio.h>: virtio 1.2 §4.2.2 table. */
#define QUEUE_RESET 0x0c0

struct fake {
	struct vdev vdev;
	struct vmmio mmio;
	struct gmem_flat flat;
	struct logger logger;
	uint8_t config[24];
	struct driver_ring ring;
	unsigned notifies, activations;
	bool irq;
};

/* cmocka set-up and teardown; the teardown checks nothing is left mapped. */
int fake_setup(void **state);
int fake_teardown(void **state);

/* A 32-bit register read or write that must succeed. */
uint32_t fake_rd(struct fake *f, uint64_t off);
void fake_wr(struct fake *f, uint64_t off, uint32_t v);
/* Sets one more status bit, as Linux's add_status does. */
void fake_status_add(struct fake *f, uint32_t bit);
/* Linux's probe: reset, ACK, DRIVER, features, FEATURES_OK, queue 1. */
void fake_probe(struct fake *f);

#endif
