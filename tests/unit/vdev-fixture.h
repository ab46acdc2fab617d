/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture shared by the device tests (test-vdev*.c): a vdev over flat
 * guest RAM with NQUEUES queues, a fake backend that counts what it is asked
 * and pops, holds and completes requests, and the steps of Linux's probe to
 * drive it.
 */
#ifndef XVDM_TESTS_VDEV_FIXTURE_H
#define XVDM_TESTS_VDEV_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "vdev.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x100000ull
#define RING_GPA(q) (RAM_GPA + 0x10000 * (q))
#define BUF_GPA (RAM_GPA + 0x80000)
#define QNUM 16
#define NQUEUES 2
#define DEV_FEATURES ((1ull << 0) | (1ull << 5))
#define HELD_MAX 8

struct fake {
	struct vdev vdev;
	struct gmem_flat flat;
	struct logger logger;
	uint8_t config[16];
	struct driver_ring ring[NQUEUES];
	int validate_rc, activate_rc;
	uint64_t validated;
	unsigned validates, activations, resets, notifies, config_writes;
	unsigned lives; /* vdev_live_fn calls */
	uint32_t written_off, written_len;
	bool hold; /* queue_notify keeps what it pops */
	struct vq_elem *held[HELD_MAX];
	unsigned nheld;
	struct vq_elem *dropped[HELD_MAX]; /* held at the last reset */
	unsigned ndropped;
	unsigned irq_calls;
	bool irq;
};

/* vdev_params of the fake backend, for a vdev_init() of one's own. */
struct vdev_params fake_params(struct fake *f);

/*
 * cmocka set-ups (the fake backend; one without validate_features and
 * config_written) and the teardown, which checks nothing is left mapped.
 */
int fake_setup(void **state);
int fake_setup_ro(void **state);
int fake_teardown(void **state);

/* Sets one more status bit, as Linux's add_status does. */
void fake_status_add(struct fake *f, uint8_t bit);
/* Linux's probe up to FEATURES_OK: reset, ACK, DRIVER, features. */
void fake_negotiate(struct fake *f, uint64_t accept);
/* Writes size and ring addresses of queue q (not QueueReady). */
void fake_queue_config(struct fake *f, uint32_t q, uint16_t num, uint64_t desc,
		       uint64_t driver, uint64_t device);
/* §4.2.3.2: check the queue, size it, place the rings, enable it. */
void fake_queue_setup(struct fake *f, uint32_t q);
/* The whole probe: features, every queue, DRIVER_OK; asserts it is live. */
void fake_bring_up(struct fake *f);
/* A request: 16 readable bytes, then 64 writable ones. */
uint16_t fake_add_request(struct fake *f, uint32_t q, unsigned n);
void fake_assert_needs_reset(struct fake *f);

#endif
