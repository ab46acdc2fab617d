/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the virtio-console tests (test-console*.c): flat guest
 * RAM holds both rings and the buffers, a real loop runs the host side's
 * watches, and the host side lives in a temporary directory (a unix
 * socket the test connects to, or a log file) or is a pty.
 */
#ifndef XVDM_TEST_CONSOLE_FIXTURE_H
#define XVDM_TEST_CONSOLE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/console.h"
#include "driver-ring.h"
#include "gmem.h"
#include "log.h"

struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x200000ull
#define RING_GPA(q) (RAM_GPA + 0x10000ull * (q))
#define BUF_GPA (RAM_GPA + 0x40000ull) /* up to the end of RAM */
#define QNUM CONSOLE_QUEUE_SIZE
#define RXQ 0
#define TXQ 1

/* The prestate of cf_setup(). */
struct setup_cfg {
	enum console_kind kind;
};

struct fix {
	enum console_kind kind;
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	struct console *con;
	struct vdev *vdev;
	struct driver_ring ring[2];
	char dir[64];
	char path[128]; /* the socket or the file */
	int client;	/* the test's connection, or -1 */
};

uint8_t cf_pat(size_t i);
uint64_t cf_now_ms(void);
uint8_t *cf_ptr(struct fix *f, uint64_t gpa, uint64_t len);
/* Linux's probe: reset, ACK, DRIVER, features, both queues, DRIVER_OK. */
void cf_probe(struct fix *f);
int cf_setup(void **state);
int cf_teardown(void **state);
bool cf_log_has(struct fix *f, const char *needle);
/* Runs the loop for about ms milliseconds. */
void cf_run(struct fix *f, unsigned ms);
/* A non-blocking client of the socket, accepted by the device. */
int cf_connect(struct fix *f);
/* A chain of n buffers on queue q, made available and notified. */
uint16_t cf_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n);
/* One transmit buffer at gpa holding data; one receive buffer. */
uint16_t cf_tx(struct fix *f, uint64_t gpa, const void *data, uint32_t len);
uint16_t cf_rx(struct fix *f, uint64_t gpa, uint32_t len);
/* Runs the loop until queue q has a used entry (at most ms). */
bool cf_used(struct fix *f, unsigned q, unsigned ms, uint32_t *id,
	     uint32_t *len);
uint32_t cf_wait_used(struct fix *f, unsigned q, uint16_t head);
/* Reads exactly len bytes from fd, running the loop meanwhile. */
void cf_read_all(struct fix *f, int fd, void *buf, size_t len);
/* Nothing to read on fd after a few loop turns. */
void cf_assert_silent(struct fix *f, int fd);
void cf_assert_needs_reset(struct fix *f);

#endif
