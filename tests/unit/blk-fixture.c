/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-blk fixture (see blk-fixture.h). The strict guest memory checks
 * that every iovec the device model unmaps is one it mapped, unchanged: the
 * device shortens iovecs in place while a request runs and must restore
 * them.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cmocka.h>

#include <liburing.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <linux/virtio_config.h>

#include "driver-probe.h"
#include "blk/blk.h"
#include "blk-fixture.h"
#include "evloop.h"
#include "vdev.h"

void *fx_ptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	void *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

static struct strict_mem *to_strict(struct gmem *mem)
{
	return container_of(mem, struct strict_mem, mem);
}

static int strict_map_iov(struct gmem *mem, uint64_t gpa, uint64_t len,
			  bool writable, struct iovec *iov, unsigned max)
{
	struct strict_mem *s = to_strict(mem);
	int n = gmem_map_iov(&s->flat->mem, gpa, len, writable, iov, max);

	for (int i = 0; i < n; i++) {
		assert_true(s->nlive < STRICT_MAX);
		s->live[s->nlive++] = iov[i];
	}
	return n;
}

static void strict_unmap_iov(struct gmem *mem, const struct iovec *iov,
			     unsigned cnt)
{
	struct strict_mem *s = to_strict(mem);

	for (unsigned i = 0; i < cnt; i++) {
		unsigned j = 0;

		while (j < s->nlive &&
		       (s->live[j].iov_base != iov[i].iov_base ||
			s->live[j].iov_len != iov[i].iov_len))
			j++;
		if (j == s->nlive)
			fail_msg("unmap of %p+%zu: not what was mapped",
				 iov[i].iov_base, iov[i].iov_len);
		s->live[j] = s->live[--s->nlive];
	}
	gmem_unmap_iov(&s->flat->mem, iov, cnt);
}

static void *strict_map_ring(struct gmem *mem, uint64_t gpa, size_t len,
			     bool writable, int *err)
{
	return gmem_map_ring(&to_strict(mem)->flat->mem, gpa, len, writable,
			     err);
}

static void strict_unmap_ring(struct gmem *mem, void *host, size_t len)
{
	gmem_unmap_ring(&to_strict(mem)->flat->mem, host, len);
}

static const struct gmem_ops strict_ops = {
	.map_iov = strict_map_iov,
	.unmap_iov = strict_unmap_iov,
	.map_ring = strict_map_ring,
	.unmap_ring = strict_unmap_ring,
};

uint8_t fx_pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512 + 1);
}

/* The disk: DISK_SIZE bytes of fx_pattern(), in RAM if asked. */
static void fx_make_disk(struct fix *f, bool in_ram)
{
	uint8_t buf[DISK_SIZE];
	const char *dir = in_ram ? "/dev/shm" : getenv("TMPDIR");
	struct statfs fs;

	snprintf(f->path, sizeof(f->path), "%s/test-blk-XXXXXX",
		 dir ? dir : "/tmp");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	assert_int_equal(fstatfs(f->fd, &fs), 0);
	f->in_ram = fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
	if (in_ram && !f->in_ram)
		skip(); /* no tmpfs at /dev/shm here */
	f->zero_range = fallocate(f->fd, FALLOC_FL_ZERO_RANGE, 0, 512) == 0;
	for (uint64_t i = 0; i < DISK_SIZE; i++)
		buf[i] = fx_pattern(i);
	assert_int_equal(pwrite(f->fd, buf, DISK_SIZE, 0), DISK_SIZE);
}

/* Linux's probe: reset, ACK, DRIVER, every feature offered, queues, OK. */
void fx_probe(struct fix *f)
{
	driver_probe_features(f->vdev, 0);
	for (unsigned q = 0; q < f->nq; q++)
		driver_probe_queue(f->vdev, q, &f->ring[q], &f->flat, QNUM,
				   RING_GPA(q));
	driver_probe_live(f->vdev);
}

int fx_setup(void **state)
{
	const struct setup_cfg *cfg = *state;
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct fix *f = calloc(1, sizeof(*f));
	struct blk_params bp = { .readonly = cfg->readonly,
				 .serial = SERIAL,
				 .num_queues = cfg->num_queues,
				 .queue_size = QNUM };
	struct vdev_params vp = { .logger = &f->logger,
				  .domid = 1,
				  .name = "blk0" };
	char err[256];

	assert_non_null(f);
	assert_int_equal(gmem_flat_init(&f->flat, &ram, 1), 0);
	f->flat.split_pages = cfg->split_pages;
	log_init(&f->logger, memfd_create("test-blk-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&f->loop), 0);
	fx_make_disk(f, cfg->in_ram);
	bp.path = f->path;
	f->strict.mem.ops = &strict_ops;
	f->strict.flat = &f->flat;
	vp.mem = &f->strict.mem;
	f->nq = cfg->num_queues;
	assert_int_equal(blk_new(&bp, &vp, f->loop, &f->blk, err, sizeof(err)),
			 0);
	f->vdev = blk_vdev(f->blk);
	fx_probe(f);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fix *f = *state;

	blk_free(f->blk);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	assert_int_equal(f->strict.nlive, 0);
	evloop_free(f->loop);
	close(f->logger.fd);
	close(f->fd);
	unlink(f->path);
	gmem_flat_fini(&f->flat);
	free(f);
	return 0;
}

/* Whether the log holds needle; clears it and the rate limiter. */
bool fx_log_has(struct fix *f, const char *needle)
{
	char buf[8192];
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_int_equal(ftruncate(f->logger.fd, 0), 0);
	assert_int_equal(lseek(f->logger.fd, 0, SEEK_SET), 0);
	f->vdev->log.guest_rl.tokens = f->vdev->log.guest_rl.burst;
	return strstr(buf, needle) != NULL;
}

void fx_add(struct chain *c, uint64_t gpa, uint32_t len, bool writable)
{
	assert_true(c->n < 8);
	c->b[c->n++] = (struct driver_buf){ gpa, len, writable };
}

uint16_t fx_kick(struct fix *f, unsigned q, const struct chain *c)
{
	uint16_t head = driver_ring_add_chain(&f->ring[q], c->b, c->n);

	driver_ring_make_avail(&f->ring[q], head);
	vdev_queue_notify(f->vdev, q);
	return head;
}

/* Runs the loop until head comes back on queue q; returns its used len. */
uint32_t fx_wait_used(struct fix *f, unsigned q, uint16_t head)
{
	uint32_t id, len;

	for (int i = 0; i < 500; i++) {
		if (driver_ring_get_used(&f->ring[q], &id, &len)) {
			assert_int_equal(id, head);
			return len;
		}
		assert_true(evloop_run_once(f->loop, 10) >= 0);
	}
	fail_msg("queue %u: head %u never completed", q, head);
	return 0;
}

void fx_put_hdr(struct fix *f, uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = htole32(type),
				       .sector = htole64(sector) };

	memcpy(fx_ptr(f, gpa, sizeof(h)), &h, sizeof(h));
}

static bool fx_data_writable(uint32_t type)
{
	return type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
}

/* header | data | status, three descriptors; returns the status. */
uint8_t fx_request(struct fix *f, unsigned q, uint32_t type, uint64_t sector,
		   uint32_t len, uint32_t *used)
{
	struct chain c = { .n = 0 };
	uint8_t *st = fx_ptr(f, ST_GPA, 1);
	uint32_t u;

	fx_put_hdr(f, HDR_GPA, type, sector);
	*st = 0xee;
	fx_add(&c, HDR_GPA, 16, false);
	if (len)
		fx_add(&c, DATA_GPA, len, fx_data_writable(type));
	fx_add(&c, ST_GPA, 1, true);
	u = fx_wait_used(f, q, fx_kick(f, q, &c));
	if (used)
		*used = u;
	return *st;
}

void fx_assert_disk(struct fix *f, uint64_t off, const void *want, size_t len)
{
	uint8_t got[DISK_SIZE];

	assert_true(len <= sizeof(got));
	assert_int_equal(pread(f->fd, got, len, (off_t)off), (ssize_t)len);
	assert_memory_equal(got, want, len);
}

/* The disk still holds fx_pattern() over [off, off + len). */
void fx_assert_pattern(struct fix *f, uint64_t off, size_t len)
{
	uint8_t want[DISK_SIZE];

	for (size_t i = 0; i < len; i++)
		want[i] = fx_pattern(off + i);
	fx_assert_disk(f, off, want, len);
}

void fx_assert_zero(struct fix *f, uint64_t off, size_t len)
{
	uint8_t want[DISK_SIZE] = { 0 };

	fx_assert_disk(f, off, want, len);
}

void fx_fill_guest(struct fix *f, uint64_t gpa, size_t len, uint8_t seed)
{
	uint8_t *p = fx_ptr(f, gpa, len);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

uint64_t fx_config(struct fix *f, size_t off, unsigned size)
{
	uint64_t v;

	assert_int_equal(vdev_config_read(f->vdev, (uint32_t)off, size, &v), 0);
	return v;
}

bool fx_offered(struct fix *f, unsigned bit)
{
	return (vdev_get_host_features(f->vdev, bit / 32) >> (bit % 32)) & 1;
}

/* Writes n discard / write zeroes segments at DATA_GPA. */
void fx_put_segs(struct fix *f, const uint64_t *sector, const uint32_t *num,
		 const uint32_t *flags, unsigned n)
{
	struct virtio_blk_discard_write_zeroes *s =
		fx_ptr(f, DATA_GPA, n * sizeof(*s));

	for (unsigned i = 0; i < n; i++) {
		s[i].sector = htole64(sector[i]);
		s[i].num_sectors = htole32(num[i]);
		s[i].flags = htole32(flags[i]);
	}
}

/* The wrapper has no context of its own: the armed cut lives here. */
static struct {
	size_t bytes; /* 0: not armed */
	unsigned done;
} short_cut;

void fx_short_next(size_t bytes)
{
	short_cut.bytes = bytes;
	short_cut.done = 0;
}

unsigned fx_short_count(void)
{
	return short_cut.done;
}

/*
 * A vectored read or write becomes a plain one of the first bytes of its
 * first iovec: same file, offset and buffer, fewer bytes.
 */
static void cut_sqe(struct io_uring_sqe *sqe)
{
	const struct iovec *iov = (const struct iovec *)(uintptr_t)sqe->addr;

	if ((sqe->opcode != IORING_OP_READV &&
	     sqe->opcode != IORING_OP_WRITEV) ||
	    !sqe->len || iov[0].iov_len < short_cut.bytes)
		return;
	sqe->opcode = sqe->opcode == IORING_OP_READV ? IORING_OP_READ :
						       IORING_OP_WRITE;
	sqe->addr = (uint64_t)(uintptr_t)iov[0].iov_base;
	sqe->len = (uint32_t)short_cut.bytes;
	short_cut.bytes = 0;
	short_cut.done++;
}

/* The same cut for the storage's own preadv/pwritev. */
static bool cut_now(const struct iovec *iov, int cnt)
{
	if (!short_cut.bytes || cnt < 1 || iov[0].iov_len < short_cut.bytes)
		return false;
	short_cut.done++;
	return true;
}

ssize_t __real_preadv(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t __wrap_preadv(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t __real_pwritev(int fd, const struct iovec *iov, int cnt, off_t off);
ssize_t __wrap_pwritev(int fd, const struct iovec *iov, int cnt, off_t off);

ssize_t __wrap_preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	size_t n = short_cut.bytes;

	if (!cut_now(iov, cnt))
		return __real_preadv(fd, iov, cnt, off);
	short_cut.bytes = 0;
	return pread(fd, iov[0].iov_base, n, off);
}

ssize_t __wrap_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	size_t n = short_cut.bytes;

	if (!cut_now(iov, cnt))
		return __real_pwritev(fd, iov, cnt, off);
	short_cut.bytes = 0;
	return pwrite(fd, iov[0].iov_base, n, off);
}

int __real_io_uring_submit_and_get_events(struct io_uring *ring);
int __wrap_io_uring_submit_and_get_events(struct io_uring *ring);

int __wrap_io_uring_submit_and_get_events(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;

	/* The entries queued since the last submission. */
	for (unsigned i = sq->sqe_head; short_cut.bytes && i != sq->sqe_tail;
	     i++)
		cut_sqe(&sq->sqes[i & sq->ring_mask]);
	return __real_io_uring_submit_and_get_events(ring);
}
