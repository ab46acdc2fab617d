/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-blk fixture: flat guest RAM behind a strict guest-memory wrapper,
 * a temporary file as the disk, a real loop, a virtio-blk device probed the
 * way Linux probes it, and a driver that builds requests and waits for them.
 */
#ifndef XVDM_TEST_BLK_FIXTURE_H
#define XVDM_TEST_BLK_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>

#include "driver-ring.h"
#include "gmem.h"
#include "log.h"

struct blk;
struct evloop;
struct vdev;

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x200000ull
#define RING_GPA(q) (RAM_GPA + 0x10000ull * (q))
#define BUF_GPA (RAM_GPA + 0x100000ull)
#define HDR_GPA BUF_GPA
#define ST_GPA (BUF_GPA + 0x800)
#define DATA_GPA (BUF_GPA + 0x1000)
#define QNUM 16
#define MAXQ 2
#define DISK_SECTORS 256ull
#define DISK_SIZE (DISK_SECTORS * 512)
#define SERIAL "xvdm-serial-01"

/*
 * Guest memory that checks its callers: every iovec unmapped must be one
 * that was mapped, unchanged, as a provider mapping page by page needs it.
 * The device shortens iovecs in place while a request runs; this proves it
 * restores them.
 */
#define STRICT_MAX 4096

struct strict_mem {
	struct gmem mem;
	struct gmem_flat *flat;
	struct iovec live[STRICT_MAX];
	unsigned nlive;
};

/* fx_setup()'s prestate: what kind of device to create. */
struct setup_cfg {
	bool readonly;
	bool split_pages;
	bool in_ram; /* the disk on tmpfs: reads and writes done inline */
	uint16_t num_queues;
};

struct fix {
	struct gmem_flat flat;
	struct strict_mem strict;
	struct logger logger;
	struct evloop *loop;
	struct blk *blk;
	struct vdev *vdev;
	struct driver_ring ring[MAXQ];
	unsigned nq;
	char path[64];
	int fd;		 /* the test's own view of the disk */
	bool zero_range; /* the filesystem has FALLOC_FL_ZERO_RANGE */
	bool in_ram;	 /* the disk is on tmpfs or ramfs */
};

struct chain {
	struct driver_buf b[8];
	unsigned n;
};

#define CFG(f, field)                                           \
	fx_config(f, offsetof(struct virtio_blk_config, field), \
		  sizeof(((struct virtio_blk_config *)0)->field))

/* A host pointer to guest RAM; fails the test outside it. */
void *fx_ptr(struct fix *f, uint64_t gpa, uint64_t len);
/* What the disk holds at off when a test starts. */
uint8_t fx_pattern(uint64_t off);
/* Linux's probe: reset, ACK, DRIVER, all features, queues, DRIVER_OK. */
void fx_probe(struct fix *f);
/* cmocka set-up and tear-down; *state is a const struct setup_cfg. */
int fx_setup(void **state);
int fx_teardown(void **state);
/* Whether the log holds needle; clears it and the rate limiter. */
bool fx_log_has(struct fix *f, const char *needle);
/* Chains: add buffers, make available and notify, wait for the used entry. */
void fx_add(struct chain *c, uint64_t gpa, uint32_t len, bool writable);
uint16_t fx_kick(struct fix *f, unsigned q, const struct chain *c);
uint32_t fx_wait_used(struct fix *f, unsigned q, uint16_t head);
/* Request helpers: a header; header | data | status at the fixed GPAs. */
void fx_put_hdr(struct fix *f, uint64_t gpa, uint32_t type, uint64_t sector);
uint8_t fx_request(struct fix *f, unsigned q, uint32_t type, uint64_t sector,
		   uint32_t len, uint32_t *used);
/* The file holds want / fx_pattern() / zeroes over [off, off + len). */
void fx_assert_disk(struct fix *f, uint64_t off, const void *want, size_t len);
void fx_assert_pattern(struct fix *f, uint64_t off, size_t len);
void fx_assert_zero(struct fix *f, uint64_t off, size_t len);
void fx_fill_guest(struct fix *f, uint64_t gpa, size_t len, uint8_t seed);
/* Configuration space and offered features, as the driver sees them. */
uint64_t fx_config(struct fix *f, size_t off, unsigned size);
bool fx_offered(struct fix *f, unsigned bit);
/*
 * Short transfers on demand. test-blk is linked with
 * -Wl,--wrap=io_uring_submit_and_get_events, so every submission of the
 * storage passes through the fixture, and so does its preadv/pwritev (on a
 * disk in RAM): after fx_short_next(bytes), the next read or write is cut
 * to its first `bytes` bytes (at most its first iovec) before the kernel
 * sees it, a real short transfer such as a filesystem may return.
 * fx_short_count() says how many were cut.
 */
void fx_short_next(size_t bytes);
unsigned fx_short_count(void);
/* n discard / write zeroes segments at DATA_GPA. */
void fx_put_segs(struct fix *f, const uint64_t *sector, const uint32_t *num,
		 const uint32_t *flags, unsigned n);

#endif
