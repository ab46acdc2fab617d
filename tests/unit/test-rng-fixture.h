/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the virtio-rng tests (test-rng*.c): flat guest RAM holds
 * the ring and buffers, a real loop runs the source's wake-ups and the rate
 * limiter's timer. Sources: a file of known bytes (what the guest gets can
 * be checked byte for byte), a FIFO the test writes to (a source that runs
 * dry), and /dev/urandom.
 */
#ifndef XVDM_TEST_RNG_FIXTURE_H
#define XVDM_TEST_RNG_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"
#include "rng/rng.h"

struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x200000ull
#define BUF_GPA (RAM_GPA + 0x10000ull)
#define QNUM RNG_QUEUE_SIZE
#define FILE_LEN 1000u /* bytes in the file source */

enum src_kind { SRC_FILE, SRC_FIFO, SRC_URANDOM };

/* The prestate of rf_setup(). */
struct setup_cfg {
	enum src_kind src;
	uint64_t rate;
};

struct fix {
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	struct rng *rng;
	struct vdev *vdev;
	struct driver_ring ring;
	char dir[64];
	char path[96]; /* the source (file or FIFO) */
	int wfd;       /* the FIFO's writer, or -1 */
};

/* The file source's byte at offset i. */
uint8_t rf_pat(size_t i);
uint64_t rf_now_ms(void);
/* A host pointer to guest RAM; fails the test outside it. */
uint8_t *rf_ptr(struct fix *f, uint64_t gpa, uint64_t len);
/* Linux's probe: reset, ACK, DRIVER, features, requestq, DRIVER_OK. */
void rf_probe(struct fix *f);
int rf_setup(void **state);
int rf_teardown(void **state);
bool rf_log_has(struct fix *f, const char *needle);
/* A chain of n buffers made available and notified; its head. */
uint16_t rf_kick(struct fix *f, const struct driver_buf *b, unsigned n);
/* One device-writable buffer. */
uint16_t rf_request(struct fix *f, uint64_t gpa, uint32_t len);
/* Runs the loop until a used entry shows (at most ms); false if none. */
bool rf_used(struct fix *f, unsigned ms, uint32_t *id, uint32_t *len);
/* Waits for head's used entry (asserting it comes); its length. */
uint32_t rf_wait_used(struct fix *f, uint16_t head);
/* After a few loop turns: nothing more used, NEEDS_RESET, not live. */
void rf_assert_needs_reset(struct fix *f);

#endif
