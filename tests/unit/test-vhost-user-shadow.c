// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shadow virtqueues: requests copied into slots and described to the
 * back-end, and the used ring read back with every entry checked. The test
 * plays the back-end by writing the shared memory directly, including
 * everything a hostile one could write there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vhost-user/vu-msg.h"
#include "vhost-user/vu-shadow.h"
#include "vq.h"

#define SLOT 8192u
#define GUARD 0xeeu

/* A guest request: header + data readable, data + status writable. */
struct req {
	struct vq_elem e;
	struct iovec iov[8];
	uint8_t hdr[16], out[100];
	uint8_t in[64 + 2]; /* [0] and [65] are guards */
	uint8_t status[3];  /* [0] and [2] are guards */
};

static void req_init(struct req *r, uint8_t seed)
{
	memset(r, 0, sizeof(*r));
	memset(r->hdr, seed, sizeof(r->hdr));
	memset(r->out, seed + 1, sizeof(r->out));
	memset(r->in, GUARD, sizeof(r->in));
	memset(r->status, GUARD, sizeof(r->status));
	r->iov[0] = (struct iovec){ r->hdr, sizeof(r->hdr) };
	r->iov[1] = (struct iovec){ r->out, sizeof(r->out) };
	r->iov[2] = (struct iovec){ r->in + 1, 64 };
	r->iov[3] = (struct iovec){ r->status + 1, 1 };
	r->e.iov = r->iov;
	r->e.out = r->iov;
	r->e.out_num = 2;
	r->e.in = r->iov + 2;
	r->e.in_num = 2;
	r->e.out_len = 116;
	r->e.in_len = 65;
}

static struct vu_shadow *shadow(bool indirect)
{
	struct vu_shadow_params p = {
		.nq = 2,
		.nslots = 4,
		.max_iov = 8,
		.slot_bytes = SLOT,
		.indirect = indirect,
	};
	struct vu_shadow *s;

	assert_int_equal(vu_shadow_new(&p, &s), 0);
	return s;
}

static void *shared(struct vu_shadow *s, uint64_t gpa, size_t len)
{
	assert_true(gpa >= VU_SHADOW_GPA &&
		    gpa + len <= VU_SHADOW_GPA + s->size);
	return s->base + (gpa - VU_SHADOW_GPA);
}

/* The back-end's side: complete head with len, writing fill to in bytes. */
static void backend_complete(struct vu_sq *sq, uint32_t id, uint32_t len)
{
	uint16_t idx = sq->used->idx;

	sq->used->ring[idx & (sq->num - 1)].id = id;
	sq->used->ring[idx & (sq->num - 1)].len = len;
	__atomic_store_n(&sq->used->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

static uint16_t avail_head(struct vu_sq *sq, uint16_t i)
{
	return sq->avail->ring[i & (sq->num - 1)];
}

static void test_layout_and_region(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_mem_region r;
	struct vu_sq *sq = &s->q[1];

	(void)state;
	vu_shadow_region(s, &r);
	assert_int_equal(r.guest_addr, VU_SHADOW_GPA);
	assert_int_equal(r.size, s->size);
	assert_int_equal(r.user_addr, (uintptr_t)s->base);
	assert_int_equal(sq->num, 4);
	assert_true(vu_sq_desc_addr(sq) % 16 == 0);
	assert_true(vu_sq_used_addr(sq) % 4 == 0);
	assert_true(vu_sq_used_addr(sq) + vq_used_size(4) <=
		    r.user_addr + r.size);
	assert_true(sq->bufs_off + 4 * SLOT <= s->size);
	assert_int_equal(sq->nfree, 4);
	vu_shadow_free(s);
	vu_shadow_free(NULL);
}

/* One descriptor per guest iovec, through the slot's indirect table. */
static void test_submit_indirect_roundtrip(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct vring_desc *d, *t;
	struct vu_done done;
	struct req r;
	uint8_t *buf;
	char why[128];

	(void)state;
	req_init(&r, 0x10);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	assert_true(vu_sq_publish(sq));
	assert_int_equal(sq->avail->idx, 1);
	d = &sq->desc[avail_head(sq, 0)];
	assert_int_equal(d->flags, VRING_DESC_F_INDIRECT);
	assert_int_equal(d->len, 4 * sizeof(*d));
	t = shared(s, d->addr, d->len);
	assert_int_equal(t[0].len, 16);
	assert_int_equal(t[0].flags, VRING_DESC_F_NEXT);
	assert_int_equal(t[0].next, 1);
	assert_int_equal(t[1].len, 100);
	assert_int_equal(t[2].len, 64);
	assert_int_equal(t[2].flags, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
	assert_int_equal(t[3].len, 1);
	assert_int_equal(t[3].flags, VRING_DESC_F_WRITE);
	buf = shared(s, t[0].addr, 116 + 65);
	assert_int_equal(t[1].addr, t[0].addr + 16);
	assert_int_equal(t[2].addr, t[0].addr + 116);
	assert_memory_equal(buf, r.hdr, 16);
	assert_memory_equal(buf + 16, r.out, 100);
	/* The back-end writes the data and the status, reports 65. */
	memset(buf + 116, 0x77, 64);
	buf[116 + 64] = 0;
	backend_complete(sq, avail_head(sq, 0), 65);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_ptr_equal(done.elem, &r.e);
	assert_int_equal(done.len, 65);
	assert_int_equal(r.in[0], GUARD);
	assert_int_equal(r.in[1], 0x77);
	assert_int_equal(r.in[64], 0x77);
	assert_int_equal(r.in[65], GUARD);
	assert_int_equal(r.status[0], GUARD);
	assert_int_equal(r.status[1], 0);
	assert_int_equal(r.status[2], GUARD);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 0);
	assert_int_equal(sq->nfree, 4);
	assert_int_equal(sq->inflight, 0);
	vu_shadow_free(s);
}

/* Without indirect descriptors: two direct descriptors per slot. */
static void test_submit_direct(void **state)
{
	struct vu_shadow *s = shadow(false);
	struct vu_sq *sq = &s->q[0];
	struct vu_done done;
	struct req r;
	uint16_t head;
	char why[128];

	(void)state;
	assert_int_equal(sq->num, 8);
	req_init(&r, 1);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	assert_true(vu_sq_publish(sq));
	head = avail_head(sq, 0);
	assert_int_equal(head % 2, 0);
	assert_int_equal(sq->desc[head].len, 116);
	assert_int_equal(sq->desc[head].flags, VRING_DESC_F_NEXT);
	assert_int_equal(sq->desc[head].next, head + 1);
	assert_int_equal(sq->desc[head + 1].len, 65);
	assert_int_equal(sq->desc[head + 1].flags, VRING_DESC_F_WRITE);
	backend_complete(sq, head, 1);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_ptr_equal(done.elem, &r.e);
	vu_shadow_free(s);
}

static void test_slots_run_out_and_limits(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct req r[5];

	(void)state;
	for (int i = 0; i < 4; i++) {
		req_init(&r[i], (uint8_t)i);
		assert_int_equal(vu_sq_submit(sq, &r[i].e), 0);
	}
	assert_false(vu_sq_has_free(sq));
	req_init(&r[4], 9);
	assert_int_equal(vu_sq_submit(sq, &r[4].e), -ENOSPC);
	vu_shadow_free(s);

	s = shadow(true);
	sq = &s->q[0];
	r[0].e.in_len = SLOT; /* one byte too many with the readable part */
	assert_int_equal(vu_sq_submit(sq, &r[0].e), -EMSGSIZE);
	req_init(&r[0], 0);
	r[0].e.out_len = r[0].e.in_len = 0;
	r[0].e.out_num = r[0].e.in_num = 0;
	assert_int_equal(vu_sq_submit(sq, &r[0].e), -EMSGSIZE);
	assert_int_equal(sq->nfree, 4);
	vu_shadow_free(s);
}

static void test_publish_respects_no_notify(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct req r;

	(void)state;
	req_init(&r, 0);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	sq->used->flags = VRING_USED_F_NO_NOTIFY;
	assert_false(vu_sq_publish(sq));
	sq->used->flags = 0;
	assert_true(vu_sq_publish(sq));
	vu_shadow_free(s);
}

static uint16_t *avail_event_of(struct vu_sq *sq)
{
	return (uint16_t *)(void *)&sq->used->ring[sq->num];
}

/* §2.7.10: a kick only when the new entries pass the back-end's avail_event. */
static void test_event_idx_suppresses_kicks(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct req r[3];

	(void)state;
	sq->event_idx = true;
	/* Flags do not count any more. */
	sq->used->flags = VRING_USED_F_NO_NOTIFY;
	for (int i = 0; i < 3; i++)
		req_init(&r[i], (uint8_t)i);
	assert_int_equal(vu_sq_submit(sq, &r[0].e), 0);
	assert_true(vu_sq_publish(sq)); /* avail_event 0: entry 0 is new */
	*avail_event_of(sq) = 1;	/* it took entry 0, wants entry 1 */
	assert_int_equal(vu_sq_submit(sq, &r[1].e), 0);
	assert_true(vu_sq_publish(sq));
	/* Still busy with entry 1 (avail_event stays 1): no kick for 2. */
	assert_int_equal(vu_sq_submit(sq, &r[2].e), 0);
	assert_false(vu_sq_publish(sq));
	vu_shadow_free(s);
}

/* After taking used entries: used_event asks for the next, races caught. */
static void test_event_idx_rearm(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	uint16_t *used_event = &sq->avail->ring[sq->num];
	struct vu_done done;
	struct req r[2];
	char why[128];

	(void)state;
	assert_false(vu_sq_rearm(sq)); /* without EVENT_IDX: nothing */
	sq->event_idx = true;
	for (int i = 0; i < 2; i++) {
		req_init(&r[i], (uint8_t)i);
		assert_int_equal(vu_sq_submit(sq, &r[i].e), 0);
	}
	assert_true(vu_sq_publish(sq));
	backend_complete(sq, avail_head(sq, 0), 1);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 0);
	assert_false(vu_sq_rearm(sq));
	assert_int_equal(*used_event, 1);
	/* Completed before it could see used_event: found on the re-check. */
	backend_complete(sq, avail_head(sq, 1), 1);
	assert_true(vu_sq_rearm(sq));
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_false(vu_sq_rearm(sq));
	assert_int_equal(*used_event, 2);
	vu_shadow_free(s);
}

/*
 * The event fields are hints in memory the back-end writes: lies about
 * them cost it kicks, and a used idx moved under the re-check is still
 * refused by the entry checks.
 */
static void test_hostile_event_idx_fields(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct vu_done done;
	struct req r;
	char why[128];

	(void)state;
	sq->event_idx = true;
	req_init(&r, 0);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	*avail_event_of(sq) = 0x8000; /* far from anything published */
	assert_false(vu_sq_publish(sq));
	/* It overwrites our used_event and runs used idx ahead. */
	sq->avail->ring[sq->num] = 0xffff;
	sq->used->idx = 7;
	assert_true(vu_sq_rearm(sq));
	assert_int_equal(sq->avail->ring[sq->num], 0); /* ours again */
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "in flight"));
	vu_shadow_free(s);
}

/* A reset took the guest request back: its completion is dropped. */
static void test_orphan_completion(void **state)
{
	struct vu_shadow *s = shadow(true);
	struct vu_sq *sq = &s->q[0];
	struct vu_done done;
	struct req r;
	char why[128];

	(void)state;
	req_init(&r, 0);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	vu_sq_orphan_all(sq);
	backend_complete(sq, avail_head(sq, 0), 65);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_null(done.elem);
	assert_int_equal(r.in[1], GUARD); /* nothing copied back */
	assert_int_equal(sq->nfree, 4);
	vu_shadow_free(s);
}

/* The back-end can only ever hurt the guest's requests, not us. */
static void test_sealed_against_resizing(void **state)
{
	struct vu_shadow *s = shadow(true);

	(void)state;
	assert_int_equal(ftruncate(s->fd, 4096), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(s->fd, (off_t)s->size * 2), -1);
	vu_shadow_free(s);
}

static void expect_broken(struct vu_sq *sq, const char *what)
{
	struct vu_done done = { .elem = (void *)1 };
	char why[128] = "";

	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, what));
	assert_ptr_equal(done.elem, (void *)1); /* nothing handed out */
}

static struct vu_shadow *one_in_flight(bool indirect, struct req *r)
{
	struct vu_shadow *s = shadow(indirect);

	req_init(r, 0);
	assert_int_equal(vu_sq_submit(&s->q[0], &r->e), 0);
	assert_true(vu_sq_publish(&s->q[0]));
	return s;
}

static void test_hostile_used_id_out_of_range(void **state)
{
	static const uint32_t ids[] = { 4, 5, 255, 65535, UINT32_MAX };
	struct req r;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct vu_shadow *s = one_in_flight(true, &r);

		backend_complete(&s->q[0], ids[i], 0);
		expect_broken(&s->q[0], "not a request in flight");
		assert_int_equal(r.in[1], GUARD);
		vu_shadow_free(s);
	}
}

static void test_hostile_used_id_not_in_flight(void **state)
{
	struct req r;
	struct vu_shadow *s = one_in_flight(true, &r);
	uint16_t head = avail_head(&s->q[0], 0);

	(void)state;
	backend_complete(&s->q[0], head == 0 ? 1 : 0, 0);
	expect_broken(&s->q[0], "not a request in flight");
	vu_shadow_free(s);
}

static void test_hostile_used_id_twice(void **state)
{
	struct req r[2];
	struct vu_shadow *s = one_in_flight(true, &r[0]);
	struct vu_sq *sq = &s->q[0];
	uint16_t head = avail_head(sq, 0);
	struct vu_done done;
	char why[128];

	(void)state;
	req_init(&r[1], 1);
	assert_int_equal(vu_sq_submit(sq, &r[1].e), 0);
	backend_complete(sq, head, 1);
	backend_complete(sq, head, 1);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	expect_broken(sq, "not a request in flight");
	vu_shadow_free(s);
}

static void test_hostile_used_len_too_long(void **state)
{
	static const uint32_t lens[] = { 66, 117, SLOT, UINT32_MAX };
	struct req r;

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct vu_shadow *s = one_in_flight(true, &r);

		backend_complete(&s->q[0], avail_head(&s->q[0], 0), lens[i]);
		expect_broken(&s->q[0], "exceeds its 65 writable bytes");
		assert_int_equal(r.in[1], GUARD);
		vu_shadow_free(s);
	}
}

static void test_hostile_used_idx_runs_ahead(void **state)
{
	struct req r;
	struct vu_shadow *s = one_in_flight(true, &r);
	struct vu_sq *sq = &s->q[0];

	(void)state;
	sq->used->ring[0].id = avail_head(sq, 0);
	sq->used->idx = 2; /* two completions, one request in flight */
	expect_broken(sq, "1 in flight");
	sq->used->idx = 0xffff; /* "backwards" */
	expect_broken(sq, "65535 new entries");
	vu_shadow_free(s);
}

static void test_hostile_used_idx_without_requests(void **state)
{
	struct vu_shadow *s = shadow(true);

	(void)state;
	s->q[1].used->idx = 1;
	expect_broken(&s->q[1], "0 in flight");
	vu_shadow_free(s);
}

/* Direct chains: heads are even; an odd id names the middle of a chain. */
static void test_hostile_used_id_inside_chain(void **state)
{
	struct req r;
	struct vu_shadow *s = one_in_flight(false, &r);

	(void)state;
	backend_complete(&s->q[0], avail_head(&s->q[0], 0) + 1u, 1);
	expect_broken(&s->q[0], "not a request in flight");
	vu_shadow_free(s);
}

/*
 * A back-end rewriting descriptors, the avail ring and buffers under us:
 * we never read them back, so a completion still copies exactly the slot's
 * writable bytes into exactly the guest's writable iovecs.
 */
static void test_hostile_rewritten_descriptors(void **state)
{
	struct req r;
	struct vu_shadow *s = one_in_flight(true, &r);
	struct vu_sq *sq = &s->q[0];
	uint16_t head = avail_head(sq, 0);
	struct vu_done done;
	char why[128];

	(void)state;
	memset(sq->desc, 0xff, vq_desc_size(sq->num));
	memset(sq->avail, 0xff, vq_avail_size(sq->num));
	memset(sq->tables, 0xff, 4 * 8 * sizeof(struct vring_desc));
	memset(sq->bufs, 0x42, 4 * SLOT);
	backend_complete(sq, head, 0);
	assert_int_equal(vu_sq_next_used(sq, &done, why, sizeof(why)), 1);
	assert_int_equal(r.in[0], GUARD);
	assert_int_equal(r.in[1], 0x42);
	assert_int_equal(r.in[64], 0x42);
	assert_int_equal(r.in[65], GUARD);
	assert_int_equal(r.status[1], 0x42);
	assert_int_equal(r.status[2], GUARD);
	/* The next request is described afresh. */
	req_init(&r, 3);
	assert_int_equal(vu_sq_submit(sq, &r.e), 0);
	assert_int_equal(sq->desc[avail_head(sq, 1)].flags,
			 VRING_DESC_F_INDIRECT);
	vu_shadow_free(s);
}

static void test_hostile_vring_base(void **state)
{
	struct req r[2];
	struct vu_shadow *s = one_in_flight(true, &r[0]);
	struct vu_sq *sq = &s->q[0];

	(void)state;
	req_init(&r[1], 1);
	assert_int_equal(vu_sq_submit(sq, &r[1].e), 0);
	/* Two published, none completed: base 0, 1 or 2. */
	assert_int_equal(vu_sq_check_base(sq, 0), 0);
	assert_int_equal(vu_sq_check_base(sq, 2), 0);
	assert_int_equal(vu_sq_check_base(sq, 3), -EPROTO);
	assert_int_equal(vu_sq_check_base(sq, 0xffff), -EPROTO);
	vu_shadow_free(s);
}

static void test_bad_params(void **state)
{
	struct vu_shadow_params p = { 1, 4, 8, SLOT, true, false };
	struct vu_shadow *s = (void *)1;

	(void)state;
	p.nslots = 3;
	assert_int_equal(vu_shadow_new(&p, &s), -EINVAL);
	assert_null(s);
	p.nslots = 1024;
	assert_int_equal(vu_shadow_new(&p, &s), -EINVAL);
	p.nslots = 4;
	p.slot_bytes = 1000;
	assert_int_equal(vu_shadow_new(&p, &s), -EINVAL);
	p.slot_bytes = SLOT;
	p.nq = 0;
	assert_int_equal(vu_shadow_new(&p, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_region),
		cmocka_unit_test(test_submit_indirect_roundtrip),
		cmocka_unit_test(test_submit_direct),
		cmocka_unit_test(test_slots_run_out_and_limits),
		cmocka_unit_test(test_publish_respects_no_notify),
		cmocka_unit_test(test_orphan_completion),
		cmocka_unit_test(test_event_idx_suppresses_kicks),
		cmocka_unit_test(test_event_idx_rearm),
		cmocka_unit_test(test_hostile_event_idx_fields),
		cmocka_unit_test(test_sealed_against_resizing),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_hostile_used_id_out_of_range),
		cmocka_unit_test(test_hostile_used_id_not_in_flight),
		cmocka_unit_test(test_hostile_used_id_twice),
		cmocka_unit_test(test_hostile_used_len_too_long),
		cmocka_unit_test(test_hostile_used_idx_runs_ahead),
		cmocka_unit_test(test_hostile_used_idx_without_requests),
		cmocka_unit_test(test_hostile_used_id_inside_chain),
		cmocka_unit_test(test_hostile_rewritten_descriptors),
		cmocka_unit_test(test_hostile_vring_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
