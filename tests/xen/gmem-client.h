/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What test-gmem-xen and gmem-client share: the guest's memory layout, the
 * grants it makes, and the byte pattern its RAM is filled with, so the
 * client can check what it reads and the test what the client wrote.
 */
#ifndef XVDM_TESTS_GMEM_CLIENT_H
#define XVDM_TESTS_GMEM_CLIENT_H

#include <stdint.h>

#define GMT_DOM 1
#define GMT_MB (1ull << 20)
#define GMT_RAM0 0x40000000ull /* XENSIM_RAM0_BASE, Arm's GUEST_RAM0_BASE */
#define GMT_RAM0_SIZE (16 * GMT_MB)
#define GMT_RAM1 0x200000000ull	   /* Arm's GUEST_RAM1_BASE */
#define GMT_RAM1_SIZE (3 * GMT_MB) /* ends in the middle of a bucket */
#define GMT_HOLE 0x100000000ull	   /* between the banks */

/* Bytes the "write" and "ring" scenarios write with seeds 1 and 2. */
#define GMT_WRITE_GPA (GMT_RAM0 + 4 * GMT_MB - 10)
#define GMT_WRITE_LEN 20
#define GMT_RING_GPA (GMT_RAM0 + 6 * GMT_MB - 0x800)
#define GMT_RING_LEN 0x1000

/*
 * Grants: 100..103 read-write to four pages of GMT_GRANT_PAGES in the
 * scattered order below; 200 read-only; 1000..1299 read-write to the
 * consecutive pages from GMT_GRANT_RUN.
 */
#define GMT_GRANT_PAGES (GMT_RAM0 + 0x10000)
#define GMT_RO_REF 200
#define GMT_RO_GPA (GMT_RAM0 + 0x20000)
#define GMT_RUN_REF 1000
#define GMT_RUN_PAGES 300
#define GMT_GRANT_RUN (GMT_RAM0 + GMT_MB)

static inline uint64_t gmt_ref_gpa(uint32_t ref)
{
	static const unsigned order[4] = { 3, 0, 2, 1 };

	if (ref >= 100 && ref < 104)
		return GMT_GRANT_PAGES + order[ref - 100] * 0x1000ull;
	if (ref == GMT_RO_REF)
		return GMT_RO_GPA;
	return GMT_GRANT_RUN + (ref - GMT_RUN_REF) * 0x1000ull;
}

static inline uint64_t gmt_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* The 8 bytes at gpa & ~7, as a little-endian word. */
static inline uint64_t gmt_word(uint64_t gpa, unsigned seed)
{
	return gmt_mix((gpa >> 3) ^ ((uint64_t)seed << 48));
}

/* Guest RAM byte at gpa after the test (seed 0) or a writer filled it. */
static inline uint8_t gmt_byte(uint64_t gpa, unsigned seed)
{
	return (uint8_t)(gmt_word(gpa, seed) >> ((gpa & 7) * 8));
}

#endif
