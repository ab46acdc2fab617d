/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for the split virtqueue (src/vq.c, src/vq-chain.c), driven by the
 * test driver in driver-ring.c over flat guest RAM. Every test runs twice:
 * with guest RAM mapped in whole regions and split at every 4 KiB page, as a
 * foreign-mapping provider may hand it out.
 *
 * The hostile_ tests play a malicious driver, one broken rule each, and check
 * that the queue ends broken with one log line, that every partial mapping
 * was released (live_iov back to 0) and that guest RAM is untouched.
 *
 * vq.c and vq-chain.c allocate only in vq_init() (grep calloc/malloc: the
 * only hits are in vq_init), so pop/push/flush are allocation-free.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "driver-ring.h"
#include "gmem.h"
#include "iov.h"
#include "log.h"
#include "vq.h"

/*
 * Guest RAM: two adjacent regions, a hole, a third region.
 *   [0x10000, 0x30000)[0x30000, 0x38000) hole [0x40000, 0x48000)
 */
#define RING_GPA 0x10000ull
#define TABLE_GPA 0x11000ull
#define BUF_GPA 0x20000ull
#define BOUNDARY_GPA 0x30000ull /* between two adjacent regions */
#define HOLE_GPA 0x38000ull
#define R2_GPA 0x40000ull
#define RAM_END 0x48000ull

#define NUM 16
#define NUM_MAX 32
#define MAX_IOV 16

#define F_EVENT_IDX (1ull << VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT (1ull << VIRTIO_RING_F_INDIRECT_DESC)

static const struct gmem_flat_region layout[] = {
	{ .gpa = 0x10000, .size = 0x20000 },
	{ .gpa = 0x30000, .size = 0x8000 },
	{ .gpa = 0x40000, .size = 0x8000 },
};

struct fix {
	struct gmem_flat flat;
	struct vq vq;
	struct driver_ring dr;
	struct logger lg;
	struct log_src src;
	int log_pipe[2];
	uint8_t *ram_copy; /* guest RAM before a hostile pop */
};

static int setup_mode(void **state, bool split_pages)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || gmem_flat_init(&f->flat, layout, ARRAY_SIZE(layout)))
		return -1;
	f->flat.split_pages = split_pages;
	if (pipe2(f->log_pipe, O_CLOEXEC | O_NONBLOCK))
		return -1;
	log_init(&f->lg, f->log_pipe[1], LOG_DEBUG);
	log_src_init(&f->src, &f->lg, 7, "test0");
	if (vq_init(&f->vq, &f->flat.mem, &f->src, NUM_MAX, MAX_IOV))
		return -1;
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	*state = f;
	return 0;
}

static int setup_plain(void **state)
{
	return setup_mode(state, false);
}

static int setup_split(void **state)
{
	return setup_mode(state, true);
}

static int teardown(void **state)
{
	struct fix *f = *state;

	vq_fini(&f->vq);
	/* Nothing leaks: every mapping was released. */
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	gmem_flat_fini(&f->flat);
	close(f->log_pipe[0]);
	close(f->log_pipe[1]);
	free(f->ram_copy);
	free(f);
	return 0;
}

static void start(struct fix *f, uint64_t features)
{
	assert_int_equal(vq_start(&f->vq, NUM, f->dr.desc_gpa, f->dr.avail_gpa,
				  f->dr.used_gpa, features),
			 0);
	assert_int_equal(f->flat.live_rings, 3);
}

static void *gptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	void *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

static void set_desc(struct vring_desc *d, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

static struct vq_elem *pop_ok(struct fix *f)
{
	struct vq_elem *e = NULL;

	assert_int_equal(vq_pop(&f->vq, &e), 0);
	assert_non_null(e);
	return e;
}

static void pop_empty(struct fix *f)
{
	struct vq_elem *e = (struct vq_elem *)1;

	assert_int_equal(vq_pop(&f->vq, &e), 0);
	assert_null(e);
}

static uint16_t add(struct fix *f, const struct driver_buf *bufs, unsigned n)
{
	uint16_t head = driver_ring_add_chain(&f->dr, bufs, n);

	driver_ring_make_avail(&f->dr, head);
	return head;
}

static size_t read_log(struct fix *f, char *buf, size_t size)
{
	ssize_t r = read(f->log_pipe[0], buf, size - 1);

	buf[r > 0 ? r : 0] = '\0';
	return r > 0 ? (size_t)r : 0;
}

/* Remembers guest RAM, to prove a hostile pop wrote nothing. */
static void snapshot(struct fix *f)
{
	free(f->ram_copy);
	f->ram_copy = malloc(f->flat.fd_size);
	assert_non_null(f->ram_copy);
	memcpy(f->ram_copy, f->flat.base, f->flat.fd_size);
}

/*
 * The next pop must fail: -EBADMSG, queue broken for good, partial mappings
 * released, guest RAM unchanged, one log line mentioning what.
 */
static void expect_hostile(struct fix *f, const char *what)
{
	struct vq_elem *e = (struct vq_elem *)1;
	char log[2048];
	char *nl;

	snapshot(f);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_null(e);
	assert_true(f->vq.broken);
	assert_int_equal(f->flat.live_iov, 0);
	assert_memory_equal(f->ram_copy, f->flat.base, f->flat.fd_size);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_false(vq_flush(&f->vq));
	assert_false(vq_enable_notify(&f->vq));
	assert_memory_equal(f->ram_copy, f->flat.base, f->flat.fd_size);

	read_log(f, log, sizeof(log));
	nl = strchr(log, '\n');
	assert_non_null(nl);
	assert_null(strchr(nl + 1, '\n'));
	if (!strstr(log, what))
		fail_msg("log line \"%s\" does not mention \"%s\"", log, what);
	assert_non_null(strstr(log, "dom7/test0"));
}

static void read_all(struct vq_elem *e, void *dst, size_t len)
{
	struct iov_cursor c;

	iov_cursor_init(&c, e->out, e->out_num);
	assert_int_equal(iov_cursor_left(&c), len);
	assert_int_equal(iov_cursor_read(&c, dst, len), len);
}

/* ---- set-up ---- */

static void test_sizes(void **state)
{
	assert_int_equal(vq_desc_size(256), 4096);
	assert_int_equal(vq_avail_size(256), 518);
	assert_int_equal(vq_used_size(256), 2054);
	assert_int_equal(vq_used_size(32768), 6 + 8 * 32768);
}

static void test_init_rejects(void **state)
{
	struct fix *f = *state;
	struct vq vq;

	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 0, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 24, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 2048, 8), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 16, 0), -EINVAL);
	assert_int_equal(vq_init(&vq, &f->flat.mem, NULL, 16, 1025), -EINVAL);
	vq_fini(&vq);
	assert_int_equal(
		vq_init(&vq, &f->flat.mem, NULL, VQ_NUM_MAX, VQ_IOV_MAX), 0);
	assert_ptr_equal(vq.elems[3].iov, vq.iov_store + 3 * VQ_IOV_MAX);
	vq_fini(&vq);
	vq_fini(&vq);
}

static void test_stop_before_start_and_twice(void **state)
{
	struct fix *f = *state;

	vq_stop(&f->vq);
	vq_stop(&f->vq);
	pop_empty(f);
	assert_false(vq_flush(&f->vq));
	start(f, 0);
	vq_stop(&f->vq);
	vq_stop(&f->vq);
	assert_int_equal(f->flat.live_rings, 0);
	assert_false(f->vq.started);
}

static void test_start_twice(void **state)
{
	struct fix *f = *state;

	start(f, 0);
	assert_int_equal(vq_start(&f->vq, NUM, f->dr.desc_gpa, f->dr.avail_gpa,
				  f->dr.used_gpa, 0),
			 -EINVAL);
	assert_int_equal(f->flat.live_rings, 3);
}

/* ---- requests ---- */

static void test_simple_out_in(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x100, .len = 32 },
		{ .gpa = BUF_GPA + 0x1000, .len = 1, .writable = true },
	};
	uint8_t *hdr = gptr(f, BUF_GPA, 16), got[48], status = 0x5a;
	uint32_t id, len;
	struct vq_elem *e;
	struct iov_cursor c;
	uint16_t head;

	start(f, 0);
	for (unsigned i = 0; i < 16; i++)
		hdr[i] = (uint8_t)i;
	head = add(f, bufs, 3);
	e = pop_ok(f);
	assert_int_equal(e->head, head);
	assert_int_equal(e->out_num, 2);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->out_len, 48);
	assert_int_equal(e->in_len, 1);
	assert_ptr_equal(e->in, e->iov + 2);
	assert_int_equal(f->vq.inflight, 1);
	read_all(e, got, 48);
	assert_memory_equal(got, hdr, 16);
	iov_cursor_init(&c, e->in, e->in_num);
	assert_int_equal(iov_cursor_write(&c, &status, 1), 1);
	pop_empty(f);

	/* More than in_len written is reported as in_len. */
	vq_push(&f->vq, e, 1000);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(driver_ring_get_used(&f->dr, &id, &len));
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 1);
	assert_int_equal(*(uint8_t *)gptr(f, BUF_GPA + 0x1000, 1), 0x5a);
	assert_false(driver_ring_get_used(&f->dr, &id, &len));
}

static void test_only_in_and_zero_length(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 0 },
		{ .gpa = BUF_GPA, .len = 0, .writable = true },
		{ .gpa = BUF_GPA + 0x10, .len = 100, .writable = true },
		{ .gpa = 0xdead0000, .len = 0, .writable = true },
	};
	uint32_t id, len;
	struct vq_elem *e;

	start(f, 0);
	add(f, bufs, 4);
	e = pop_ok(f);
	assert_int_equal(e->out_num, 0);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->in_len, 100);
	assert_ptr_equal(e->in[0].iov_base, gptr(f, BUF_GPA + 0x10, 1));
	vq_push(&f->vq, e, 60);
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(len, 60);
}

static void test_buffer_across_pages_and_regions(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xff0, .len = 0x2020 },
		{ .gpa = BOUNDARY_GPA - 0x10, .len = 0x20, .writable = true },
	};
	struct vq_elem *e;

	start(f, 0);
	add(f, bufs, 2);
	e = pop_ok(f);
	assert_int_equal(e->out_len, 0x2020);
	assert_int_equal(e->in_len, 0x20);
	/* Pages split: 0x10 + 0x1000 + 0x1000 + 0x10 bytes. */
	assert_int_equal(e->out_num, f->flat.split_pages ? 4 : 1);
	/* Two regions: two iovecs whatever the mode. */
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->in[0].iov_len, 0x10);
	assert_ptr_equal(e->in[1].iov_base, gptr(f, BOUNDARY_GPA, 1));
	assert_int_equal(f->flat.live_iov, e->out_num + e->in_num);
	vq_push(&f->vq, e, 0);
	assert_int_equal(f->flat.live_iov, 0);
}

static void test_max_iov_exactly(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV];
	struct vq_elem *e;

	for (unsigned i = 0; i < MAX_IOV; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA + 0x100 * i,
					       .len = 8 };
	start(f, 0);
	add(f, bufs, MAX_IOV);
	e = pop_ok(f);
	assert_int_equal(e->out_num, MAX_IOV);
	assert_int_equal(e->out_len, 8 * MAX_IOV);
	vq_push(&f->vq, e, 0);
}

static void test_indirect_chain(void **state)
{
	struct fix *f = *state;
	/* The table straddles a page boundary. */
	uint64_t table = TABLE_GPA + 0x1000 - 0x10;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x2000, .len = 512, .writable = true },
		{ .gpa = BUF_GPA + 0x3000, .len = 1, .writable = true },
	};
	uint32_t id, len;
	struct vq_elem *e;
	uint16_t head;

	start(f, F_INDIRECT);
	head = driver_ring_add_indirect(&f->dr, table, bufs, 3);
	driver_ring_make_avail(&f->dr, head);
	e = pop_ok(f);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->in_num, 2);
	assert_int_equal(e->out_len, 16);
	assert_int_equal(e->in_len, 513);
	assert_ptr_equal(e->in[1].iov_base, gptr(f, BUF_GPA + 0x3000, 1));
	/* The table itself is not kept mapped. */
	assert_int_equal(f->flat.live_iov, 3);
	vq_push(&f->vq, e, 513);
	assert_true(vq_flush(&f->vq));
	assert_true(driver_ring_get_used(&f->dr, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 513);
}

static void test_indirect_of_num_entries(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[NUM];
	struct vq_elem *e;
	uint16_t head;

	for (unsigned i = 0; i < NUM; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA + 0x10 * i,
					       .len = 1 };
	start(f, F_INDIRECT);
	head = driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, NUM);
	driver_ring_make_avail(&f->dr, head);
	e = pop_ok(f);
	assert_int_equal(e->out_num, NUM);
	vq_push(&f->vq, e, 0);
}

/* §2.7.5.3.2: direct descriptors may precede one indirect descriptor. */
static void test_direct_then_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 32);
	struct vq_elem *e;

	start(f, F_INDIRECT);
	set_desc(&f->dr.desc[5], BUF_GPA, 16, VRING_DESC_F_NEXT, 9);
	/* The WRITE flag of an indirect descriptor is ignored. */
	set_desc(&f->dr.desc[9], TABLE_GPA, 32,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	set_desc(&table[0], BUF_GPA + 0x100, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA + 0x200, 4, VRING_DESC_F_WRITE, 0);
	driver_ring_make_avail(&f->dr, 5);
	e = pop_ok(f);
	assert_int_equal(e->head, 5);
	assert_int_equal(e->out_num, 2);
	assert_int_equal(e->out_len, 24);
	assert_int_equal(e->in_num, 1);
	assert_int_equal(e->in_len, 4);
	vq_push(&f->vq, e, 4);
}

static void test_descriptor_copied_once(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 64 };
	struct vq_elem *e;
	uint16_t head;

	start(f, 0);
	head = add(f, &buf, 1);
	e = pop_ok(f);
	/* The guest rewrites the descriptor: our copy does not change. */
	set_desc(&f->dr.desc[head], 0xffffffff0000ull, 0x100000, 0, 0);
	assert_int_equal(e->out_len, 64);
	assert_int_equal(e->out_num, 1);
	assert_int_equal(e->out[0].iov_len, 64);
	assert_ptr_equal(e->out[0].iov_base, gptr(f, BUF_GPA, 1));
	vq_push(&f->vq, e, 0);
}

static void test_wraparound(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 16 },
		{ .gpa = BUF_GPA + 0x100, .len = 16 },
		{ .gpa = BUF_GPA + 0x200, .len = 1, .writable = true },
	};
	uint32_t id, len;

	start(f, 0);
	/* 40 chains of 3 in a ring of 16: descriptors and entries wrap. */
	for (unsigned i = 0; i < 40; i++) {
		uint16_t head = add(f, bufs, 3);
		struct vq_elem *e = pop_ok(f);

		assert_int_equal(e->head, head);
		assert_int_equal(e->out_num, 2);
		assert_int_equal(e->in_num, 1);
		vq_push(&f->vq, e, 1);
		assert_true(vq_flush(&f->vq));
		assert_true(driver_ring_get_used(&f->dr, &id, &len));
		assert_int_equal(id, head);
		assert_int_equal(len, 1);
	}
	assert_int_equal(f->vq.last_avail, 40);
	assert_int_equal(le16toh(f->dr.used->idx), 40);
}

static void test_batching(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8, .writable = true };
	struct vq_elem *e[4];
	uint16_t heads[4];
	uint32_t id, len;

	start(f, 0);
	for (unsigned i = 0; i < 4; i++)
		heads[i] = add(f, &buf, 1);
	for (unsigned i = 0; i < 4; i++)
		e[i] = pop_ok(f);
	assert_int_equal(f->vq.inflight, 4);
	/* Completed out of order; nothing visible before the flush. */
	vq_push(&f->vq, e[2], 2);
	vq_push(&f->vq, e[0], 0);
	vq_push(&f->vq, e[3], 3);
	vq_push(&f->vq, e[1], 1);
	assert_int_equal(le16toh(f->dr.used->idx), 0);
	assert_true(vq_flush(&f->vq));
	assert_int_equal(le16toh(f->dr.used->idx), 4);
	for (unsigned i = 0; i < 4; i++) {
		static const unsigned order[] = { 2, 0, 3, 1 };

		assert_true(driver_ring_get_used(&f->dr, &id, &len));
		assert_int_equal(id, heads[order[i]]);
		assert_int_equal(len, order[i]);
	}
	/* Nothing pushed since: no interrupt. */
	assert_false(vq_flush(&f->vq));
}

static void test_no_interrupt_flag(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	start(f, 0);
	assert_false(vq_flush(&f->vq)); /* nothing pushed */
	f->dr.avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	add(f, &buf, 1);
	vq_push(&f->vq, pop_ok(f), 0);
	assert_false(vq_flush(&f->vq));
	assert_int_equal(le16toh(f->dr.used->idx), 1);
	f->dr.avail->flags = 0;
	add(f, &buf, 1);
	vq_push(&f->vq, pop_ok(f), 0);
	assert_true(vq_flush(&f->vq));
}

static void push_one(struct fix *f)
{
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	add(f, &buf, 1);
	vq_push(&f->vq, pop_ok(f), 0);
}

static void test_event_idx_suppression(void **state)
{
	struct fix *f = *state;

	start(f, F_EVENT_IDX);
	/* NO_INTERRUPT is ignored with EVENT_IDX (§2.7.7.2). */
	f->dr.avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	/* First flush after start: always, whatever used_event says. */
	driver_ring_set_used_event(&f->dr, 5);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* used idx 0 -> 1 */
	/* The driver wants an interrupt once entry 2 is written. */
	driver_ring_set_used_event(&f->dr, 2);
	push_one(f);
	assert_false(vq_flush(&f->vq)); /* wrote entry 1 */
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* wrote entry 2 */
	/* A batch covering used_event interrupts once. */
	driver_ring_set_used_event(&f->dr, 4);
	push_one(f);
	push_one(f);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* entries 3..5 */
	/* used_event already passed: no interrupt until it comes round. */
	push_one(f);
	assert_false(vq_flush(&f->vq));
	driver_ring_set_used_event(&f->dr, 7);
	push_one(f);
	assert_true(vq_flush(&f->vq)); /* wrote entry 7 */
}

static void test_event_idx_wrap(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *e[3];

	start(f, F_EVENT_IDX);
	/* Fast-forward both sides to just before the 16-bit wrap. */
	f->vq.last_avail = f->vq.used_idx = f->vq.signalled_used = 65534;
	f->vq.signalled_used_valid = true;
	f->dr.avail_idx = f->dr.last_used = 65534;
	f->dr.avail->idx = htole16(65534);
	f->dr.used->idx = htole16(65534);
	driver_ring_set_used_event(&f->dr, 65535);
	for (unsigned i = 0; i < 3; i++)
		add(f, &buf, 1);
	for (unsigned i = 0; i < 3; i++)
		e[i] = pop_ok(f);
	assert_int_equal(f->vq.last_avail, 1);
	vq_push(&f->vq, e[0], 0);
	assert_false(vq_flush(&f->vq)); /* wrote entry 65534 */
	vq_push(&f->vq, e[1], 0);
	vq_push(&f->vq, e[2], 0);
	assert_true(vq_flush(&f->vq)); /* entries 65535 and 0 */
	assert_int_equal(le16toh(f->dr.used->idx), 1);
	/* used_event 0 was just covered; 1 is next. */
	driver_ring_set_used_event(&f->dr, 0);
	push_one(f);
	assert_false(vq_flush(&f->vq));
}

static void test_event_idx_rearm_on_empty(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *e;

	start(f, F_EVENT_IDX);
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	add(f, &buf, 1);
	add(f, &buf, 1);
	e = pop_ok(f);
	/* Still draining: avail_event stays behind, no notification wanted. */
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	vq_push(&f->vq, e, 0);
	vq_push(&f->vq, pop_ok(f), 0);
	/* Found empty: notify me for entry 2. */
	pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 2);
	assert_int_equal(f->dr.used->flags, 0);
}

static void test_notify_flag_disable_enable(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	start(f, 0);
	vq_disable_notify(&f->vq);
	assert_int_equal(le16toh(f->dr.used->flags), VRING_USED_F_NO_NOTIFY);
	pop_empty(f);
	assert_int_equal(le16toh(f->dr.used->flags), VRING_USED_F_NO_NOTIFY);
	assert_false(vq_enable_notify(&f->vq));
	assert_int_equal(f->dr.used->flags, 0);

	/* Buffers added while disabled: enable says pop again. */
	vq_disable_notify(&f->vq);
	add(f, &buf, 1);
	assert_true(vq_enable_notify(&f->vq));
	assert_int_equal(f->dr.used->flags, 0);
	vq_push(&f->vq, pop_ok(f), 0);
	pop_empty(f);
}

static void test_notify_event_idx_disable_enable(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	start(f, F_EVENT_IDX);
	add(f, &buf, 1);
	vq_disable_notify(&f->vq);
	/* §2.7.10.2: flags stay 0 with EVENT_IDX. */
	assert_int_equal(f->dr.used->flags, 0);
	vq_push(&f->vq, pop_ok(f), 0);
	/* Disabled: finding the ring empty does not re-arm. */
	pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 0);
	/* The driver adds two more meanwhile, without notifying. */
	add(f, &buf, 1);
	add(f, &buf, 1);
	assert_true(vq_enable_notify(&f->vq));
	assert_int_equal(driver_ring_avail_event(&f->dr), 1);
	vq_push(&f->vq, pop_ok(f), 0);
	vq_push(&f->vq, pop_ok(f), 0);
	pop_empty(f);
	assert_int_equal(driver_ring_avail_event(&f->dr), 3);
	assert_false(vq_enable_notify(&f->vq));
}

static void test_stop_reclaims_inflight(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xf00, .len = 0x200 },
		{ .gpa = BUF_GPA + 0x2000, .len = 1, .writable = true },
	};
	struct vq_elem *e[3];
	uint8_t used_before[6 + 8 * NUM];

	start(f, 0);
	for (unsigned i = 0; i < 3; i++)
		add(f, bufs, 2);
	for (unsigned i = 0; i < 3; i++)
		e[i] = pop_ok(f);
	vq_push(&f->vq, e[0], 1);
	assert_true(vq_flush(&f->vq));
	assert_true(f->flat.live_iov > 0);
	memcpy(used_before, f->dr.used, sizeof(used_before));

	vq_stop(&f->vq);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->flat.live_rings, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(e[1]->busy);
	/* A backend finishing late: ignored, nothing written or unmapped. */
	vq_push(&f->vq, e[1], 1);
	vq_push(&f->vq, e[2], 1);
	assert_int_equal(f->flat.live_iov, 0);
	assert_memory_equal(used_before, f->dr.used, sizeof(used_before));
	assert_false(vq_flush(&f->vq));

	/* The driver resets its ring and starts again from index 0. */
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	start(f, 0);
	add(f, bufs, 2);
	e[0] = pop_ok(f);
	assert_int_equal(e[0]->head, 0);
	assert_ptr_equal(e[0], &f->vq.elems[0]);
	vq_push(&f->vq, e[0], 0);
	assert_true(vq_flush(&f->vq));
}

static void test_broken_queue_releases_without_writing(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8, .writable = true };
	uint8_t used_before[6 + 8 * NUM];
	struct vq_elem *good, *e;

	start(f, 0);
	add(f, &buf, 1);
	good = pop_ok(f);
	driver_ring_make_avail(&f->dr, NUM + 3);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	memset(f->dr.used->ring, 0xee, 8 * NUM);
	memcpy(used_before, f->dr.used, sizeof(used_before));
	vq_push(&f->vq, good, 8);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->vq.inflight, 0);
	assert_false(vq_flush(&f->vq));
	assert_memory_equal(used_before, f->dr.used, sizeof(used_before));
	/* vq_stop() clears broken; a restart works. */
	vq_stop(&f->vq);
	assert_false(f->vq.broken);
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	start(f, 0);
	add(f, &buf, 1);
	vq_push(&f->vq, pop_ok(f), 0);
}

static void test_log_null(void **state)
{
	struct fix *f = *state;

	/* Some users have no log source: errors still break the queue. */
	struct vq_elem *e;
	char log[64];

	f->vq.log = NULL;
	start(f, 0);
	driver_ring_make_avail(&f->dr, NUM);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(read_log(f, log, sizeof(log)), 0);
}

/* ---- hostile drivers ---- */

static void test_hostile_looped_chain(void **state)
{
	struct fix *f = *state;

	start(f, 0);
	set_desc(&f->dr.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&f->dr.desc[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "loop");
}

static void test_hostile_self_loop_zero_length(void **state)
{
	struct fix *f = *state;

	/* Zero-length descriptors map nothing but still count. */
	start(f, 0);
	set_desc(&f->dr.desc[4], BUF_GPA, 0, VRING_DESC_F_NEXT, 4);
	driver_ring_make_avail(&f->dr, 4);
	expect_hostile(f, "loop");
}

static void test_hostile_next_out_of_range(void **state)
{
	struct fix *f = *state;

	start(f, 0);
	set_desc(&f->dr.desc[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&f->dr.desc[1], BUF_GPA, 8, VRING_DESC_F_NEXT, NUM);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "next 16 >= queue size 16");
}

static void test_hostile_head_out_of_range(void **state)
{
	struct fix *f = *state;

	start(f, 0);
	driver_ring_make_avail(&f->dr, NUM);
	expect_hostile(f, "head 16 >= size 16");
}

static void test_hostile_avail_idx_jump(void **state)
{
	struct fix *f = *state;

	start(f, 0);
	f->dr.avail->idx = htole16(NUM + 1);
	expect_hostile(f, "avail index moved from 0 to 17");
}

static void test_hostile_avail_idx_backwards(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	start(f, 0);
	add(f, &buf, 1);
	add(f, &buf, 1);
	vq_push(&f->vq, pop_ok(f), 0);
	vq_push(&f->vq, pop_ok(f), 0);
	f->dr.avail->idx = htole16(1);
	expect_hostile(f, "avail index moved from 2 to 1");
}

static void test_hostile_duplicate_head(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };
	struct vq_elem *first, *e;
	char log[512];
	uint16_t head;

	start(f, 0);
	head = add(f, &buf, 1);
	driver_ring_make_avail(&f->dr, head);
	first = pop_ok(f);
	/* The first stays mapped; the second must map nothing. */
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(f->flat.live_iov, 1);
	assert_true(first->busy);
	read_log(f, log, sizeof(log));
	assert_non_null(strstr(log, "head 0 in flight"));
	/* Completing the first on the broken queue only releases it. */
	vq_push(&f->vq, first, 0);
	assert_int_equal(f->flat.live_iov, 0);
	assert_int_equal(f->dr.used->idx, 0);
}

static void test_hostile_indirect_not_negotiated(void **state)
{
	struct fix *f = *state;
	struct driver_buf buf = { .gpa = BUF_GPA, .len = 8 };

	start(f, 0);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, &buf, 1));
	expect_hostile(f, "INDIRECT not negotiated");
}

static void test_hostile_indirect_len_not_multiple(void **state)
{
	struct fix *f = *state;

	start(f, F_INDIRECT);
	set_desc(&f->dr.desc[0], TABLE_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "indirect table length 24");
}

static void test_hostile_indirect_len_zero(void **state)
{
	struct fix *f = *state;

	start(f, F_INDIRECT);
	set_desc(&f->dr.desc[0], TABLE_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "indirect table length 0");
}

static void test_hostile_nested_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 32);

	start(f, F_INDIRECT);
	set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "nested INDIRECT");
}

static void test_hostile_indirect_with_next(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 16);

	start(f, F_INDIRECT);
	set_desc(&table[0], BUF_GPA, 8, 0, 0);
	set_desc(&f->dr.desc[0], TABLE_GPA, 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(&f->dr.desc[1], BUF_GPA, 8, 0, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "INDIRECT with NEXT");
}

static void test_hostile_readable_after_writable(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = BUF_GPA + 0x100, .len = 8, .writable = true },
		{ .gpa = BUF_GPA + 0x200, .len = 8 },
	};

	start(f, 0);
	add(f, bufs, 3);
	expect_hostile(f, "readable after writable");
}

static void test_hostile_readable_after_writable_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8, .writable = true },
		{ .gpa = BUF_GPA + 0x100, .len = 8 },
	};

	start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, 2));
	expect_hostile(f, "readable after writable");
}

static void test_hostile_addr_len_overflow(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = 0xfffffffffffff000ull, .len = 0x2000 },
	};

	start(f, 0);
	add(f, bufs, 2);
	expect_hostile(f, "wraps");
}

static void test_hostile_indirect_table_overflow(void **state)
{
	struct fix *f = *state;

	start(f, F_INDIRECT);
	set_desc(&f->dr.desc[0], 0xfffffffffffffff0ull, 32,
		 VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "wraps");
}

static void test_hostile_buffer_beyond_ram(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 8 },
		{ .gpa = RAM_END - 0x10, .len = 0x20, .writable = true },
	};

	start(f, 0);
	add(f, bufs, 2);
	expect_hostile(f, "outside guest RAM");
}

static void test_hostile_buffer_in_hole(void **state)
{
	struct fix *f = *state;
	/* Several good iovecs first: all must be released. */
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA + 0xf00, .len = 0x2200 },
		{ .gpa = BOUNDARY_GPA - 8, .len = 16 },
		{ .gpa = HOLE_GPA - 8, .len = 16, .writable = true },
	};

	start(f, 0);
	add(f, bufs, 3);
	expect_hostile(f, "0x37ff8+16 outside guest RAM");
}

static void test_hostile_buffer_in_hole_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[] = {
		{ .gpa = BUF_GPA, .len = 0x1800 },
		{ .gpa = HOLE_GPA + 0x100, .len = 1, .writable = true },
	};

	start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr, driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, 2));
	expect_hostile(f, "outside guest RAM");
}

static void test_hostile_indirect_table_outside_ram(void **state)
{
	struct fix *f = *state;

	start(f, F_INDIRECT);
	set_desc(&f->dr.desc[0], HOLE_GPA - 16, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "indirect table at descriptor 0");
}

/* Each buffer straddles two regions: two iovecs per descriptor. */
static void fill_straddling(struct driver_buf *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		bufs[i] = (struct driver_buf){ .gpa = BOUNDARY_GPA - 8,
					       .len = 16 };
}

static void test_hostile_too_many_iovecs(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV / 2 + 1];

	fill_straddling(bufs, ARRAY_SIZE(bufs));
	start(f, 0);
	add(f, bufs, ARRAY_SIZE(bufs));
	expect_hostile(f, "descriptor 8: more than 16 iovecs");
}

static void test_hostile_too_many_iovecs_indirect(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[MAX_IOV / 2 + 1];

	fill_straddling(bufs, ARRAY_SIZE(bufs));
	start(f, F_INDIRECT);
	driver_ring_make_avail(&f->dr,
			       driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs,
							ARRAY_SIZE(bufs)));
	expect_hostile(f, "indirect descriptor 8: more than 16 iovecs");
}

static void test_hostile_indirect_table_too_big(void **state)
{
	struct fix *f = *state;
	struct driver_buf bufs[NUM + 1];

	for (unsigned i = 0; i < NUM + 1; i++)
		bufs[i] = (struct driver_buf){ .gpa = BUF_GPA, .len = 0 };
	start(f, F_INDIRECT);
	driver_ring_make_avail(
		&f->dr,
		driver_ring_add_indirect(&f->dr, TABLE_GPA, bufs, NUM + 1));
	expect_hostile(f, "indirect table of 17 > 16 entries");
}

static void test_hostile_chain_too_long_direct_plus_indirect(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 16 * 10);

	start(f, F_INDIRECT);
	/* 8 direct descriptors, then a table of 10: 18 > 16 buffers. */
	for (uint16_t i = 0; i < 8; i++)
		set_desc(&f->dr.desc[i], BUF_GPA, 1, VRING_DESC_F_NEXT,
			 (uint16_t)(i + 1));
	set_desc(&f->dr.desc[8], TABLE_GPA, 16 * 10, VRING_DESC_F_INDIRECT, 0);
	for (uint16_t i = 0; i < 10; i++)
		set_desc(&table[i], BUF_GPA, 1, i < 9 ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "chain longer than queue size");
}

static void test_hostile_indirect_loop(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 32);

	start(f, F_INDIRECT);
	set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 0);
	set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "loop");
}

static void test_hostile_indirect_next_out_of_table(void **state)
{
	struct fix *f = *state;
	struct vring_desc *table = gptr(f, TABLE_GPA, 32);

	start(f, F_INDIRECT);
	set_desc(&table[0], BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BUF_GPA, 8, VRING_DESC_F_NEXT, 2);
	set_desc(&f->dr.desc[0], TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	driver_ring_make_avail(&f->dr, 0);
	expect_hostile(f, "next 2 >= table size 2");
}

/*
 * §2.7.5.2: at most 4 GiB in a chain. Needs more guest RAM than the other
 * tests: 2 GiB at 4 GiB, sparse in the memfd and never touched, described
 * twice by two descriptors.
 */
static void test_hostile_chain_over_4gib(void **state)
{
	static const struct gmem_flat_region big[] = {
		{ .gpa = 0x10000, .size = 0x20000 },
		{ .gpa = 0x100000000ull, .size = 0x80000000ull },
	};
	struct fix *f = *state;
	struct vq_elem *e;
	char log[512];

	vq_fini(&f->vq);
	gmem_flat_fini(&f->flat);
	assert_int_equal(gmem_flat_init(&f->flat, big, ARRAY_SIZE(big)), 0);
	assert_int_equal(
		vq_init(&f->vq, &f->flat.mem, &f->src, NUM_MAX, MAX_IOV), 0);
	driver_ring_init(&f->dr, &f->flat, NUM, RING_GPA);
	start(f, 0);
	set_desc(&f->dr.desc[0], 0x100000000ull, 0x80000000u, VRING_DESC_F_NEXT,
		 1);
	set_desc(&f->dr.desc[1], 0x100000000ull, 0x80000000u, 0, 0);
	driver_ring_make_avail(&f->dr, 0);
	assert_int_equal(vq_pop(&f->vq, &e), -EBADMSG);
	assert_true(f->vq.broken);
	assert_int_equal(f->flat.live_iov, 0);
	read_log(f, log, sizeof(log));
	assert_non_null(strstr(log, "chain longer than 4 GiB"));
}

static void expect_start_fails(struct fix *f, uint16_t num, uint64_t desc,
			       uint64_t avail, uint64_t used, int err)
{
	assert_int_equal(vq_start(&f->vq, num, desc, avail, used, 0), err);
	assert_false(f->vq.started);
	assert_int_equal(f->flat.live_rings, 0);
}

static void test_hostile_start_ring_outside_ram(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, NUM, HOLE_GPA, a, u, -EFAULT);
	expect_start_fails(f, NUM, d, RAM_END - 16, u, -EFAULT);
	expect_start_fails(f, NUM, d, a, RAM_END, -EFAULT);
	/* The used ring runs off the end of RAM into nothing. */
	expect_start_fails(f, NUM, d, a, RAM_END - 64, -EFAULT);
	/* Across the boundary of two regions: not contiguous. */
	expect_start_fails(f, NUM, BOUNDARY_GPA - 0x80, a, u, -EFAULT);
	expect_start_fails(f, NUM, d, a, 0xfffffffffffffff0ull, -EFAULT);
	/* Still startable afterwards. */
	start(f, 0);
}

static void test_hostile_start_misaligned(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, NUM, d + 8, a, u, -EINVAL);
	expect_start_fails(f, NUM, d, a + 1, u, -EINVAL);
	expect_start_fails(f, NUM, d, a, u + 2, -EINVAL);
}

static void test_hostile_start_bad_num(void **state)
{
	struct fix *f = *state;
	uint64_t d = f->dr.desc_gpa, a = f->dr.avail_gpa, u = f->dr.used_gpa;

	expect_start_fails(f, 0, d, a, u, -EINVAL);
	expect_start_fails(f, 12, d, a, u, -EINVAL);
	expect_start_fails(f, NUM_MAX * 2, d, a, u, -EINVAL);
	expect_start_fails(f, 32768, d, a, u, -EINVAL);
}

#define BOTH(fn)                                                    \
	{ #fn, fn, setup_plain, teardown, NULL },                   \
	{                                                           \
#fn "/split-pages", fn, setup_split, teardown, NULL \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		BOTH(test_init_rejects),
		BOTH(test_stop_before_start_and_twice),
		BOTH(test_start_twice),
		BOTH(test_simple_out_in),
		BOTH(test_only_in_and_zero_length),
		BOTH(test_buffer_across_pages_and_regions),
		BOTH(test_max_iov_exactly),
		BOTH(test_indirect_chain),
		BOTH(test_indirect_of_num_entries),
		BOTH(test_direct_then_indirect),
		BOTH(test_descriptor_copied_once),
		BOTH(test_wraparound),
		BOTH(test_batching),
		BOTH(test_no_interrupt_flag),
		BOTH(test_event_idx_suppression),
		BOTH(test_event_idx_wrap),
		BOTH(test_event_idx_rearm_on_empty),
		BOTH(test_notify_flag_disable_enable),
		BOTH(test_notify_event_idx_disable_enable),
		BOTH(test_stop_reclaims_inflight),
		BOTH(test_broken_queue_releases_without_writing),
		BOTH(test_log_null),
		BOTH(test_hostile_looped_chain),
		BOTH(test_hostile_self_loop_zero_length),
		BOTH(test_hostile_next_out_of_range),
		BOTH(test_hostile_head_out_of_range),
		BOTH(test_hostile_avail_idx_jump),
		BOTH(test_hostile_avail_idx_backwards),
		BOTH(test_hostile_duplicate_head),
		BOTH(test_hostile_indirect_not_negotiated),
		BOTH(test_hostile_indirect_len_not_multiple),
		BOTH(test_hostile_indirect_len_zero),
		BOTH(test_hostile_nested_indirect),
		BOTH(test_hostile_indirect_with_next),
		BOTH(test_hostile_readable_after_writable),
		BOTH(test_hostile_readable_after_writable_indirect),
		BOTH(test_hostile_addr_len_overflow),
		BOTH(test_hostile_indirect_table_overflow),
		BOTH(test_hostile_buffer_beyond_ram),
		BOTH(test_hostile_buffer_in_hole),
		BOTH(test_hostile_buffer_in_hole_indirect),
		BOTH(test_hostile_indirect_table_outside_ram),
		BOTH(test_hostile_too_many_iovecs),
		BOTH(test_hostile_too_many_iovecs_indirect),
		BOTH(test_hostile_indirect_table_too_big),
		BOTH(test_hostile_chain_too_long_direct_plus_indirect),
		BOTH(test_hostile_indirect_loop),
		BOTH(test_hostile_indirect_next_out_of_table),
		cmocka_unit_test_setup_teardown(test_hostile_chain_over_4gib,
						setup_plain, teardown),
		BOTH(test_hostile_start_ring_outside_ram),
		BOTH(test_hostile_start_misaligned),
		BOTH(test_hostile_start_bad_num),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
