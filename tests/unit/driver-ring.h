/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver's side of a split virtqueue, for unit tests: lays out rings in
 * flat guest RAM the way Linux's virtio_ring does, adds chains, reads used
 * entries. Tests corrupt the rings directly through the pointers to play a
 * hostile guest.
 */
#ifndef XVDM_TEST_DRIVER_RING_H
#define XVDM_TEST_DRIVER_RING_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

struct gmem_flat;

struct driver_ring {
	struct gmem_flat *flat;
	uint16_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc; /* host pointers into guest RAM */
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t next_free; /* next descriptor index handed out */
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* next used entry to read */
};

/* One buffer of a chain: guest address, length, device-writable or not. */
struct driver_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

/*
 * Places the three rings from ring_gpa on (desc, then avail, then used at
 * the next 4-byte boundary) and zeroes them.
 */
void driver_ring_init(struct driver_ring *r, struct gmem_flat *flat,
		      uint16_t num, uint64_t ring_gpa);
/*
 * Writes a chain of n direct descriptors from next_free on (wrapping) and
 * returns its head; does not make it available.
 */
uint16_t driver_ring_add_chain(struct driver_ring *r,
			       const struct driver_buf *bufs, unsigned n);
/*
 * Writes an indirect table of n descriptors at table_gpa and one descriptor
 * pointing at it; returns the head; does not make it available.
 */
uint16_t driver_ring_add_indirect(struct driver_ring *r, uint64_t table_gpa,
				  const struct driver_buf *bufs, unsigned n);
/* Puts head in the available ring and publishes avail->idx. */
void driver_ring_make_avail(struct driver_ring *r, uint16_t head);
/* Reads the next used entry; false when there is none. */
bool driver_ring_get_used(struct driver_ring *r, uint32_t *id, uint32_t *len);
/* With VIRTIO_RING_F_EVENT_IDX: the used_event / avail_event fields. */
void driver_ring_set_used_event(struct driver_ring *r, uint16_t idx);
uint16_t driver_ring_avail_event(const struct driver_ring *r);

#endif
