// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user-xen-mmap through the unmodified daemon under the simulated
 * Xen: a 4.18 generic block device on a scripted back-end (the unit tests'
 * fake, in this process) offering XEN_MMAP gets the guest's RAM as FOREIGN
 * regions laid out from xenstore's static-max, the guest's domain id, the
 * privcmd descriptor (a file here: XVDM_PRIVCMD) and the guest's own ring
 * addresses. A back-end without XEN_MMAP gets the shadow rings and the log
 * says so; a bad key value, a grant device and a static-max no guest can
 * have are refused with messages naming them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "daemon-fixture.h"
#include "test-vhost-user-fixture.h"

#define DOMID 7
#define GIB (1ull << 30)
#define MIB (1ull << 20)

struct scene {
	struct dfix *f;
	struct dguest g;
	struct fake k;
	char privcmd[128];
};

static int setup(void **state)
{
	struct scene *s = calloc(1, sizeof(*s));
	FILE *p;

	if (!s)
		return -1;
	s->f = df_new();
	s->k.lfd = -1;
	snprintf(s->k.path, sizeof(s->k.path), "%s/vu.sock", s->f->dir);
	s->k.features = FULL_FEATURES | (1ull << VIRTIO_RING_F_EVENT_IDX);
	s->k.protocol = FULL_PROTOCOL | (1ull << VU_PROTOCOL_F_XEN_MMAP);
	s->k.queues = 1;
	/* Stands for /dev/xen/privcmd: a file can issue no hypercall. */
	snprintf(s->privcmd, sizeof(s->privcmd), "%s/privcmd", s->f->dir);
	p = fopen(s->privcmd, "w");
	if (!p)
		return -1;
	fclose(p);
	setenv("XVDM_PRIVCMD", s->privcmd, 1);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scene *s = *state;

	vuf_fake_stop(&s->k);
	unlink(s->privcmd);
	unsetenv("XVDM_PRIVCMD");
	df_free(s->f);
	free(s);
	return 0;
}

/* The daemon on a vhost-user device with extra config lines. */
static void start(struct scene *s, const char *extra)
{
	char cfg[512];

	df_guest_init(s->f, &s->g, DOMID, XENSIM_LIBXL_VIRTIO, 0, 7);
	snprintf(cfg, sizeof(cfg),
		 "[daemon]\nlog-level = info\n"
		 "[device \"%u/0\"]\nvhost-user = %s\n%s",
		 DOMID, s->k.path, extra);
	df_config(s->f, cfg);
	vuf_fake_start(&s->k);
	df_spawn(s->f, NULL, true);
}

/* xl create: the domain with its static-max, then the device. */
static void boot(struct scene *s, const char *static_max)
{
	df_domain_create(s->f, DOMID, 1);
	if (static_max)
		assert_int_equal(
			xensim_xs_write(s->f->h,
					"/local/domain/7/memory/static-max",
					static_max),
			0);
	assert_int_equal(xensim_libxl_add(s->f->h, &s->g.dev), 0);
}

static char *stop(struct scene *s)
{
	char *log;

	if (s->g.probed)
		blkdrv_remove(&s->g.blk);
	s->g.probed = false;
	assert_int_equal(df_stop(s->f), 0);
	log = df_stderr(s->f);
	fprintf(stderr, "the daemon said:\n%s", log);
	return log;
}

static void assert_region(const struct vu_mem_region_xen *r, uint64_t gpa,
			  uint64_t size)
{
	assert_int_equal(r->guest_addr, gpa);
	assert_int_equal(r->user_addr, gpa);
	assert_int_equal(r->size, size);
	assert_int_equal(r->mmap_offset, 0);
	assert_int_equal(r->xen_mmap_flags, VU_XEN_MMAP_FOREIGN);
	assert_int_equal(r->xen_mmap_data, DOMID);
}

/* 3 GiB + 64 MiB: all of bank 0, the rest at 8 GiB; the guest's rings. */
static void test_xen_mmap_regions_and_rings(void **state)
{
	struct scene *s = *state;
	struct fake *k = &s->k;
	const struct vrdrv *vq;
	struct stat st;
	char kib[32], *log;

	start(s, "vhost-user-xen-mmap = yes\n");
	snprintf(kib, sizeof(kib), "%llu", (3 * GIB + 64 * MIB) / 1024);
	boot(s, kib);
	df_wait_state(&s->g, "2");
	assert_int_equal(xensim_domain_pause(s->f->h, DOMID, false), 0);
	assert_int_equal(df_guest_probe(&s->g, 1), 0);
	assert_int_equal(s->g.blk.capacity, 2048); /* the fake's config */
	for (int i = 0; i < 500 && !__atomic_load_n(&k->started[1], 0); i++)
		usleep(10 * 1000);
	assert_int_equal(__atomic_load_n(&k->started[1], 0), 1);

	assert_int_equal(k->mem.p.xmem.nregions, 2);
	assert_int_equal(k->mem.hdr.size, 8 + 2 * 40);
	assert_region(&k->mem.p.xmem.regions[0], 0x40000000, 3 * GIB);
	assert_region(&k->mem.p.xmem.regions[1], 0x200000000, 64 * MIB);
	assert_int_equal(k->mem_nfds, 2);
	assert_int_equal(stat(s->privcmd, &st), 0);
	assert_int_equal(k->mem_ino[1], st.st_ino);
	vq = s->g.blk.vm.vqs[0];
	assert_int_equal(k->addr.p.addr.index, 0);
	assert_int_equal(k->addr.p.addr.desc_user_addr, vq->desc_gpa);
	assert_int_equal(k->addr.p.addr.avail_user_addr, vq->avail_gpa);
	assert_int_equal(k->addr.p.addr.used_user_addr, vq->used_gpa);

	log = stop(s);
	assert_non_null(strstr(log, "guest rings (XEN_MMAP)"));
	assert_null(strstr(log, "does not offer XEN_MMAP"));
	free(log);
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

/* Asked for, not offered: shadow rings in our memfd, and an info line. */
static void test_xen_mmap_fallback(void **state)
{
	struct scene *s = *state;
	struct fake *k = &s->k;
	struct stat st;
	char *log;

	k->protocol &= ~(1ull << VU_PROTOCOL_F_XEN_MMAP);
	start(s, "vhost-user-xen-mmap = yes\n");
	boot(s, "65536");
	df_wait_state(&s->g, "2");
	assert_int_equal(xensim_domain_pause(s->f->h, DOMID, false), 0);
	assert_int_equal(df_guest_probe(&s->g, 1), 0);
	for (int i = 0; i < 500 && !__atomic_load_n(&k->started[1], 0); i++)
		usleep(10 * 1000);
	assert_int_equal(k->mem.p.mem.nregions, 1);
	assert_int_equal(k->mem.hdr.size, 8 + 32); /* no Xen fields */
	assert_int_equal(k->mem_nfds, 1);
	/* Our memfd of shadow rings, not the privcmd descriptor. */
	assert_int_equal(stat(s->privcmd, &st), 0);
	assert_int_not_equal(k->mem_ino[1], 0);
	assert_int_not_equal(k->mem_ino[1], st.st_ino);
	log = stop(s);
	assert_non_null(strstr(log, "does not offer XEN_MMAP"));
	assert_non_null(strstr(log, "shadow rings"));
	free(log);
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

/* The device's error node names what failed; the daemon goes on. */
static void assert_refused(struct scene *s, const char *what)
{
	char path[128], *v;

	df_backend_path(&s->g, "error", path, sizeof(path));
	assert_int_equal(xensim_xs_wait(s->f->h, path, NULL, DF_WAIT_MS), 0);
	v = df_xs_read(s->f, path);
	assert_non_null(v);
	fprintf(stderr, "%s: \"%s\"\n", path, v);
	assert_non_null(strstr(v, what));
	free(v);
	df_wait_state(&s->g, "6");
	assert_true(df_alive(s->f));
	assert_int_equal(__atomic_load_n(&s->k.total, 0), 0); /* not asked */
}

static void test_hostile_static_max(void **state)
{
	struct scene *s = *state;

	start(s, "vhost-user-xen-mmap = yes\n");
	boot(s, "1e9"); /* no size in KiB */
	assert_refused(s, "static-max");
	free(stop(s));
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

static void test_hostile_static_max_missing(void **state)
{
	struct scene *s = *state;

	start(s, "vhost-user-xen-mmap = yes\n");
	boot(s, NULL);
	assert_refused(s, "static-max: No such file");
	free(stop(s));
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

/* libxl gives an x86 HVM guest an ISA IRQ: XEN_MMAP is Arm only. */
static void test_x86_guest_refused(void **state)
{
	struct scene *s = *state;

	start(s, "vhost-user-xen-mmap = yes\n");
	s->g.dev.irq = 5;
	boot(s, "65536");
	assert_refused(s, "x86 HVM");
	free(stop(s));
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

/*
 * A descriptor that refuses IOCTL_PRIVCMD_RESTRICT (a character device
 * that is not privcmd) is never passed: the queue does not start, the
 * device needs a reset, the back-end got no memory table.
 */
static void test_hostile_unrestricted_privcmd(void **state)
{
	struct scene *s = *state;
	char *log;

	setenv("XVDM_PRIVCMD", "/dev/null", 1);
	start(s, "vhost-user-xen-mmap = yes\n");
	boot(s, "65536");
	df_wait_state(&s->g, "2");
	assert_int_equal(xensim_domain_pause(s->f->h, DOMID, false), 0);
	(void)df_guest_probe(&s->g, 1);
	assert_true(df_wait_status(&s->g, VIRTIO_CONFIG_S_NEEDS_RESET, 5000) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(s->k.mem_nfds, 0);
	assert_int_equal(__atomic_load_n(&s->k.started[1], 0), 0);
	log = stop(s);
	assert_non_null(strstr(
		log, "/dev/null: not passed, cannot restrict it to dom7"));
	free(log);
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

static void test_hostile_static_max_too_big(void **state)
{
	struct scene *s = *state;

	start(s, "vhost-user-xen-mmap = yes\n");
	boot(s, "18446744073709551615"); /* more than any Arm guest */
	assert_refused(s, "static-max");
	free(stop(s));
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

static void test_grant_device_refused(void **state)
{
	struct scene *s = *state;

	start(s, "vhost-user-xen-mmap = yes\n");
	s->g.dev.grant_usage = true;
	boot(s, "65536");
	assert_refused(s, "grant_usage=1");
	free(stop(s));
	df_guest_fini(&s->g);
	df_assert_clean(s->f);
}

/* A value that is no boolean: exit 2, file:line, key and value named. */
static void test_bad_key_value(void **state)
{
	struct scene *s = *state;
	char where[160], *err;

	df_config(s->f, "[device \"7/0\"]\nvhost-user = /run/vu.sock\n"
			"vhost-user-xen-mmap = maybe\n");
	df_spawn(s->f, NULL, true);
	assert_int_equal(df_wait_exit(s->f, DF_WAIT_MS), 2);
	err = df_stderr(s->f);
	fprintf(stderr, "%s", err);
	snprintf(where, sizeof(where), "%s:3", s->f->cfg);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, "vhost-user-xen-mmap"));
	assert_non_null(strstr(err, "maybe"));
	free(err);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_xen_mmap_regions_and_rings),
		T(test_xen_mmap_fallback),
		T(test_hostile_static_max),
		T(test_hostile_static_max_too_big),
		T(test_hostile_static_max_missing),
		T(test_x86_guest_refused),
		T(test_hostile_unrestricted_privcmd),
		T(test_grant_device_refused),
		T(test_bad_key_value),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
