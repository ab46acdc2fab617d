// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a vhost-user back-end can do beyond the shadow rings, against the
 * scripted back-end: INFLIGHT_SHMFD (a back-end that dies with requests in
 * flight is succeeded by one that completes them, the guest none the wiser)
 * and XEN_MMAP (the guest's own memory and rings handed over for foreign
 * mapping, no copies), each with the ways a back-end can get it wrong.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "test-vhost-user-fixture.h"

/*
 * INFLIGHT_SHMFD: the area is taken once and handed to every connection;
 * a back-end that dies leaves a live device, and its successor gets the
 * same area and the same shadow memory (the requests in it), no reset.
 */
static void test_inflight_kept_across_restart(void **state)
{
	struct fx *f = *state;
	struct fake *k = &f->fake;

	k->protocol |= 1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD;
	vuf_fake_start(k);
	assert_int_equal(vuf_create(f), 0);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(k->get_inflight[1], 1);
	assert_int_equal(k->set_inflight[1], 1);
	assert_int_equal(k->set_inflight_ino[1], k->area_ino);
	assert_int_not_equal(k->mem_ino[1], 0);
	/* It dies; the device stays live, waiting for the next one. */
	vuf_fake_stop(k);
	assert_true(vuf_wait_connected(f, false, 1000));
	assert_false(vuf_needs_reset(f));
	assert_true(vdev_is_live(vu_dev_vdev(f->d)));
	vuf_fake_start(k);
	assert_true(vuf_wait_connected(f, true, 2000));
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(k->get_inflight[1], 0 + 1); /* not asked again */
	assert_int_equal(k->get_inflight[2], 0);
	assert_int_equal(k->set_inflight[2], 1);
	assert_int_equal(k->set_inflight_ino[2], k->set_inflight_ino[1]);
	assert_int_equal(k->mem_ino[2], k->mem_ino[1]);
	assert_int_equal(k->started[2], 1);
	assert_false(vuf_needs_reset(f));
}

/*
 * A request in flight when the back-end dies completes through its
 * successor: the test plays the new back-end's data path (it resubmits the
 * head its area lists and completes it in the kept shadow ring).
 */
static void test_inflight_request_survives_restart(void **state)
{
	struct fx *f = *state;
	struct fake *k = &f->fake;
	struct vdev *v;
	struct driver_ring *r = &f->ring;
	const struct driver_buf bufs[2] = { { 0x40010000, 16, false },
					    { 0x40011000, 513, true } };
	struct vu_sq *sq;
	uint8_t *in, *slot;
	uint32_t id, len;
	uint16_t head, shead;
	uint64_t one = 1;

	k->protocol |= 1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD;
	vuf_fake_start(k);
	assert_int_equal(vuf_create(f), 0);
	v = vu_dev_vdev(f->d);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	head = driver_ring_add_chain(r, bufs, 2);
	driver_ring_make_avail(r, head);
	vdev_queue_notify(v, 0);
	sq = &f->d->shadow->q[0];
	assert_int_equal(sq->inflight, 1);
	shead = sq->avail->ring[0];
	/* The back-end dies holding it; the next one comes. */
	vuf_fake_stop(k);
	assert_true(vuf_wait_connected(f, false, 1000));
	vuf_fake_start(k);
	assert_true(vuf_wait_connected(f, true, 2000));
	assert_true(vuf_wait_started(f, 1000));
	assert_ptr_equal(&f->d->shadow->q[0], sq); /* the same memory */
	assert_int_equal(sq->inflight, 1);
	/* It completes the resubmitted head: 512 bytes and a status byte. */
	slot = sq->bufs +
	       (size_t)(sq->indirect ? shead : shead / 2) * sq->slot_bytes;
	memset(slot + 16, 0xab, 512);
	slot[16 + 512] = 0;
	sq->used->ring[0].id = shead;
	sq->used->ring[0].len = 513;
	__atomic_store_n(&sq->used->idx, 1, __ATOMIC_RELEASE);
	assert_int_equal(write(f->d->q[0].call_fd, &one, 8), 8);
	for (int i = 0; i < 50 && !driver_ring_get_used(r, &id, &len); i++)
		assert_true(evloop_run_once(f->loop, 10) >= 0);
	assert_int_equal(id, head);
	assert_int_equal(len, 513);
	in = gmem_flat_ptr(&f->flat, 0x40011000, 513);
	assert_int_equal(in[0], 0xab);
	assert_int_equal(in[511], 0xab);
	assert_int_equal(in[512], 0);
	assert_false(vuf_needs_reset(f));
}

/* A Xen guest's RAM, described for XEN_MMAP; the descriptor passed. */
static void xen_params(struct fx *f, struct vu_xen_ram *x, char *path)
{
	int fd;

	snprintf(path, 64, "/tmp/xvdm-vu-privcmd-%d", getpid());
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	*x = (struct vu_xen_ram){ .nregions = 1, .privcmd = path };
	x->region[0].gpa = 0x40000000;
	x->region[0].size = 1 << 20;
	f->p.xen_ram = x;
	f->fake.features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	f->fake.protocol |= 1ull << VU_PROTOCOL_F_XEN_MMAP;
}

/*
 * XEN_MMAP: the guest's RAM goes to the back-end as foreign-mapping
 * regions (flags FOREIGN, the domain id, the privcmd descriptor), the
 * rings are the guest's own, a notification is a kick and a call the
 * guest's interrupt: no shadow memory, no copy.
 */
static void test_xen_mmap_passes_guest_memory(void **state)
{
	struct fx *f = *state;
	struct fake *k = &f->fake;
	const struct vu_mem_region_xen *xr = &k->mem.p.xmem.regions[0];
	struct vu_xen_ram x;
	struct vu_stats st;
	uint64_t kicks;
	struct vdev *v;
	char path[64];
	uint64_t one = 1;
	struct stat sb;

	xen_params(f, &x, path);
	vuf_fake_start(k);
	assert_int_equal(vuf_create(f), 0);
	assert_true(f->d->xen.on);
	assert_true(f->d->protocol & (1ull << VU_PROTOCOL_F_XEN_MMAP));
	v = vu_dev_vdev(f->d);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(k->mem.hdr.size, 8 + 40);
	assert_int_equal(k->mem.p.xmem.nregions, 1);
	assert_int_equal(xr->guest_addr, 0x40000000);
	assert_int_equal(xr->size, 1 << 20);
	assert_int_equal(xr->user_addr, 0x40000000);
	assert_int_equal(xr->mmap_offset, 0);
	assert_int_equal(xr->xen_mmap_flags, VU_XEN_MMAP_FOREIGN);
	assert_int_equal(xr->xen_mmap_data, 1); /* domid */
	assert_int_equal(k->mem_nfds, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(k->mem_ino[1], sb.st_ino);
	/* The guest's rings, at their guest addresses. */
	assert_int_equal(k->addr.p.addr.desc_user_addr, f->ring.desc_gpa);
	assert_int_equal(k->addr.p.addr.avail_user_addr, f->ring.avail_gpa);
	assert_int_equal(k->addr.p.addr.used_user_addr, f->ring.used_gpa);
	/* Notify: a kick, nothing copied; call: the queue interrupt. */
	vu_dev_stats(f->d, &st);
	kicks = st.kicks; /* one at the start */
	vdev_queue_notify(v, 0);
	vu_dev_stats(f->d, &st);
	assert_int_equal(st.kicks, kicks + 1);
	assert_int_equal(st.requests, 0);
	assert_int_equal(vdev_read_isr(v) & VDEV_ISR_QUEUE, 0);
	assert_int_equal(write(f->d->q[0].call_fd, &one, 8), 8);
	assert_true(evloop_run_once(f->loop, 100) >= 0);
	assert_int_equal(vdev_read_isr(v) & VDEV_ISR_QUEUE, VDEV_ISR_QUEUE);
	unlink(path);
}

/* Offered but not usable: without EVENT_IDX, or not configured. */
static void test_xen_mmap_falls_back_to_shadow(void **state)
{
	struct fx *f = *state;
	struct vu_xen_ram x;
	char path[64];

	xen_params(f, &x, path);
	f->fake.features &= ~(1ull << VIRTIO_RING_F_EVENT_IDX);
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	assert_false(f->d->xen.on);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(f->fake.mem.hdr.size, 8 + 32); /* the memfd */
	vu_dev_free(f->d);
	f->d = NULL;
	/* The daemon did not describe the guest's RAM: not even taken. */
	f->p.xen_ram = NULL;
	f->fake.features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	assert_int_equal(vuf_create(f), 0);
	assert_false(f->d->protocol & (1ull << VU_PROTOCOL_F_XEN_MMAP));
	assert_false(f->d->xen.on);
	unlink(path);
}

/* A descriptor that cannot be opened fails the start, visibly. */
static void test_xen_mmap_no_privcmd(void **state)
{
	struct fx *f = *state;
	struct vu_xen_ram x;
	char path[64];

	xen_params(f, &x, path);
	unlink(path);
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	vuf_drive(f);
	assert_false(vuf_wait_started(f, 300));
	assert_true(vuf_needs_reset(f));
}

/* A reset drops the area: what it tracked is gone; a new one is asked. */
static void test_inflight_reset_starts_over(void **state)
{
	struct fx *f = *state;
	struct fake *k = &f->fake;

	k->protocol |= 1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD;
	vuf_fake_start(k);
	assert_int_equal(vuf_create(f), 0);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	vdev_set_status(vu_dev_vdev(f->d), 0);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(k->get_inflight[1], 2);
	assert_int_equal(k->set_inflight[1], 2);
}

static void hostile_inflight(struct fx *f, int mode)
{
	struct fake *k = &f->fake;

	k->protocol |= 1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD;
	k->inflight_mode = mode;
	vuf_fake_start(k);
	assert_int_equal(vuf_create(f), 0);
	vuf_drive(f);
	/* Refused: the back-end is dropped, the device needs a reset. */
	assert_false(vuf_wait_started(f, 300));
	assert_true(vuf_needs_reset(f));
	assert_int_equal(k->set_inflight[1], 0);
}

static void test_hostile_inflight_without_fd(void **state)
{
	hostile_inflight(*state, IF_NO_FD);
}

static void test_hostile_inflight_pipe(void **state)
{
	hostile_inflight(*state, IF_PIPE);
}

static void test_hostile_inflight_file_too_small(void **state)
{
	hostile_inflight(*state, IF_SMALL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, vuf_setup, vuf_teardown)
	const struct CMUnitTest tests[] = {
		T(test_inflight_kept_across_restart),
		T(test_inflight_request_survives_restart),
		T(test_inflight_reset_starts_over),
		T(test_hostile_inflight_without_fd),
		T(test_hostile_inflight_pipe),
		T(test_hostile_inflight_file_too_small),
		T(test_xen_mmap_passes_guest_memory),
		T(test_xen_mmap_falls_back_to_shadow),
		T(test_xen_mmap_no_privcmd),
	};
#undef T

	/*
	 * The scripted back-end may write to a connection the frontend
	 * just closed (as the daemon does, a closed peer is an error, not a
	 * signal).
	 */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
