/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's virtio-input driver (virtio 1.2 §5.8), behaving like Linux's
 * drivers/virtio/virtio_input.c: queues "events" and "status" found first,
 * then every configuration select Linux makes, in its order and with its
 * access sizes (select and subsel written as bytes, size read as a byte,
 * strings and bitmaps read byte by byte inside the generation loop, ids
 * and absinfo fields as 16/32-bit reads): ID_NAME, ID_SERIAL, ID_DEVIDS,
 * PROP_BITS, EV_BITS for EV_REP (its size only), EV_KEY, EV_REL, EV_ABS,
 * EV_MSC, EV_SW, EV_LED, EV_SND, then ABS_INFO for each axis; DRIVER_OK;
 * 64 event buffers (at most the ring) posted with one kick. Used event
 * buffers are taken all at once, each posted again, one kick (as
 * virtinput_recv_events); status events (LEDs) go out one 8-byte buffer
 * each and are freed when used (virtinput_send_status / recv_status).
 *
 * The device is checked: a used length other than an event's size is
 * counted in stats.bad_len (Linux does not check it; a test can);
 * strings are cut at 64 bytes as Linux's name/serial.
 */
#ifndef XVDM_GUEST_VIRTIO_INPUT_DRIVER_H
#define XVDM_GUEST_VIRTIO_INPUT_DRIVER_H

#include <linux/input.h>
#include <linux/virtio_config.h>
#include <linux/virtio_input.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "virtio-mmio-driver.h"

#define INDRV_EVTS 64 /* Linux: ARRAY_SIZE(vi->evts) */
#define INDRV_STR 64  /* Linux: sizeof(vi->name), sizeof(vi->serial) */
#define INDRV_BITS(n) (((n) + 7) / 8)

struct indrv_params {
	const struct guest_bus *bus;
	uint64_t base; /* MMIO window */
	struct gpa_pool *pool;
	uint64_t features; /* 0: VMDRV_TRANSPORT_FEATURES (Linux has none) */
	int timeout_ms;	   /* 0: 10 s */
};

/* What Linux's input_dev ends up with. */
struct indrv_dev {
	char name[INDRV_STR + 1], serial[INDRV_STR + 1];
	struct input_id id;
	uint8_t propbit[INDRV_BITS(INPUT_PROP_CNT)];
	uint8_t evbit[INDRV_BITS(EV_CNT)];
	uint8_t keybit[INDRV_BITS(KEY_CNT)];
	uint8_t relbit[INDRV_BITS(REL_CNT)];
	uint8_t absbit[INDRV_BITS(ABS_CNT)];
	uint8_t mscbit[INDRV_BITS(MSC_CNT)];
	uint8_t swbit[INDRV_BITS(SW_CNT)];
	uint8_t ledbit[INDRV_BITS(LED_CNT)];
	uint8_t sndbit[INDRV_BITS(SND_CNT)];
	struct input_absinfo abs[ABS_CNT];
};

struct indrv_stats {
	uint64_t events;
	uint64_t kicks;
	uint64_t bad_len;
	uint64_t lost_bufs; /* could not be posted again (broken) */
	uint64_t status_sent, status_done;
	uint64_t selects; /* configuration selects made */
};

struct indrv {
	struct vmdrv vm;
	struct indrv_params p;
	struct vrdrv *evt, *sts;
	struct indrv_dev dev;
	uint64_t evts_gpa; /* INDRV_EVTS events, one per buffer */
	struct virtio_input_event *evts;
	unsigned nr_evts;
	/* Events taken from the ring, not yet read by the test. */
	struct virtio_input_event pending[INDRV_EVTS];
	unsigned head, count;
	bool live;
	struct indrv_stats stats;
};

static inline bool indrv_test_bit(const uint8_t *bits, unsigned bit)
{
	return (bits[bit / 8] >> (bit % 8)) & 1;
}

/* virtinput_probe: -ENODEV when not an input device or not VERSION_1. */
int indrv_probe(struct indrv *in, const struct indrv_params *p) must_check;
/* virtinput_remove. */
void indrv_remove(struct indrv *in);
/*
 * The next event (type, code, value in host order), waiting at most
 * timeout_ms: 1, 0 on timeout, -EIO (broken).
 */
int indrv_read(struct indrv *in, struct input_event *ev,
	       int timeout_ms) must_check;
/* virtinput_send_status: 0, -ENOSPC, -ENOMEM, -EIO. */
int indrv_send_status(struct indrv *in, uint16_t type, uint16_t code,
		      int32_t value) must_check;
/* Waits (at most timeout_ms) until every status buffer came back. */
int indrv_status_flush(struct indrv *in, int timeout_ms) must_check;

#endif
