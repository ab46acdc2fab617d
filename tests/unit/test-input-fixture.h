/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the virtio-input tests (test-input*.c): flat guest RAM
 * with the eventq and statusq rings, a real loop, and a host device that
 * is either a uinput device (FIX_UINPUT: the real evdev path; the tests
 * skip when /dev/uinput is missing) or a SOCK_SEQPACKET socket with
 * made-up capabilities (FIX_FAKE: the test plays the host device and can
 * misbehave at will), or the unix socket a keyboard listens on with the
 * test connected as its client (FIX_SOCKET).
 */
#ifndef XVDM_TEST_INPUT_FIXTURE_H
#define XVDM_TEST_INPUT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "driver-ring.h"
#include "gmem.h"
#include "input/input.h"
#include "log.h"

struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x200000ull
#define BUF_GPA (RAM_GPA + 0x20000ull)
#define QNUM INPUT_QUEUE_SIZE
#define UI_NAME "xvdm test keyboard"

enum fix_kind { FIX_FAKE, FIX_UINPUT, FIX_UINPUT_GRAB, FIX_SOCKET };

struct fix {
	enum fix_kind kind;
	bool skipped; /* FIX_UINPUT without /dev/uinput */
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	struct input *input;
	struct vdev *vdev;
	struct driver_ring evq, stq;
	int host;	 /* uinput fd, or the test's end of the socket */
	char evpath[64]; /* /dev/input/eventN, or FIX_SOCKET's socket */
	uint64_t next_buf;
};

uint64_t if_now_ms(void);
uint8_t *if_ptr(struct fix *f, uint64_t gpa, uint64_t len);
/* Linux's probe: reset, features, both queues, DRIVER_OK. */
void if_probe(struct fix *f);
int if_setup(void **state); /* *state: a const enum fix_kind * */
int if_teardown(void **state);
/* Skips the test when the fixture could not make a uinput device. */
void if_need_host(struct fix *f);
bool if_log_has(struct fix *f, const char *needle);
/* Selects select/subsel; returns size and copies the union into u. */
uint8_t if_cfg(struct fix *f, uint8_t select, uint8_t subsel, void *u);
/* n device-writable eventq buffers of len bytes, made available. */
void if_post_events(struct fix *f, unsigned n, uint32_t len);
/* A chain on the eventq or statusq, made available and notified. */
uint16_t if_kick(struct fix *f, unsigned q, const struct driver_buf *b,
		 unsigned n);
/* FIX_SOCKET: a new client of the device's socket (fd), accepted. */
int if_connect(struct fix *f);
/* Host side: one event (uinput write, socket message or record). */
void if_host_event(struct fix *f, uint16_t type, uint16_t code, int32_t v);
/* Runs the loop until an eventq used entry (at most ms); its event. */
bool if_next_event(struct fix *f, unsigned ms, struct virtio_input_event *ev);
/* After a few turns: NEEDS_RESET set, not live. */
void if_assert_needs_reset(struct fix *f);
void if_run(struct fix *f, unsigned ms);

#endif
