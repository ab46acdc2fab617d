// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen/ram-layout.c: an Arm guest's RAM banks filled up to its size, as
 * libxl's domain builder fills them, and the refusals that come before any
 * xenstore read (grants, x86 guests, the key not set).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* The installed Xen's own numbers, to check ours against. */
#define __XEN_TOOLS__ 1
#define xen_mk_ullong(x) x##ULL
#include <xen/arch-arm.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "libxl-layout.h"
#include "ram-layout.h"
#include "vhost-user/vhost-user.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static void assert_region(const struct vu_xen_ram *r, unsigned i, uint64_t gpa,
			  uint64_t size)
{
	assert_true(i < r->nregions);
	assert_int_equal(r->region[i].gpa, gpa);
	assert_int_equal(r->region[i].size, size);
}

static void test_banks_are_xens(void **state)
{
	static const uint64_t base[] = GUEST_RAM_BANK_BASES;
	static const uint64_t size[] = GUEST_RAM_BANK_SIZES;

	(void)state;
	assert_int_equal(GUEST_RAM_BANKS, 2);
	assert_int_equal(RAM_ARM_BANK0_BASE, base[0]);
	assert_int_equal(RAM_ARM_BANK0_SIZE, size[0]);
	assert_int_equal(RAM_ARM_BANK1_BASE, base[1]);
	assert_int_equal(RAM_ARM_BANK1_SIZE, size[1]);
}

/* Less than bank 0 holds: one region at 1 GiB. */
static void test_small_guest(void **state)
{
	struct vu_xen_ram r;

	(void)state;
	assert_int_equal(ram_layout_arm(512 * 1024, &r), 0);
	assert_int_equal(r.nregions, 1);
	assert_region(&r, 0, 0x40000000, 512 * MIB);
	assert_int_equal(ram_layout_arm(1024, &r), 0); /* 1 MiB */
	assert_region(&r, 0, 0x40000000, MIB);
	/* libxl builds whole MiB: a KiB remainder is not RAM. */
	assert_int_equal(ram_layout_arm(3 * 1024 + 512, &r), 0);
	assert_int_equal(r.nregions, 1);
	assert_region(&r, 0, 0x40000000, 3 * MIB);
}

/* Exactly bank 0, then one MiB more: the rest goes at 8 GiB. */
static void test_spans_into_bank1(void **state)
{
	struct vu_xen_ram r;

	(void)state;
	assert_int_equal(ram_layout_arm(3 * GIB / 1024, &r), 0);
	assert_int_equal(r.nregions, 1);
	assert_region(&r, 0, 0x40000000, 3 * GIB);
	assert_int_equal(ram_layout_arm((3 * GIB + MIB) / 1024, &r), 0);
	assert_int_equal(r.nregions, 2);
	assert_region(&r, 0, 0x40000000, 3 * GIB);
	assert_region(&r, 1, 0x200000000, MIB);
	assert_int_equal(ram_layout_arm(8 * GIB / 1024, &r), 0);
	assert_region(&r, 1, 0x200000000, 5 * GIB);
	/* Both banks full. */
	assert_int_equal(ram_layout_arm(GUEST_RAM_MAX / 1024, &r), 0);
	assert_region(&r, 0, GUEST_RAM0_BASE, GUEST_RAM0_SIZE);
	assert_region(&r, 1, GUEST_RAM1_BASE, GUEST_RAM1_SIZE);
}

/* What xenstore may say that no Arm guest can be: refused, not wrapped. */
static void test_hostile_absurd_sizes(void **state)
{
	static const uint64_t bad[] = {
		0,
		1023,			     /* less than a MiB */
		GUEST_RAM_MAX / 1024 + 1024, /* one MiB too many */
		UINT64_MAX / 1024,	     /* bytes would wrap */
		UINT64_MAX,
	};
	struct vu_xen_ram r = { .nregions = 7 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ram_layout_arm(bad[i], &r), -EINVAL);
	assert_int_equal(r.nregions, 7); /* untouched */
}

static const struct cfg_section *device_section(struct cfg **cfg,
						const char *text)
{
	struct cfg_errors errs;

	assert_int_equal(
		cfg_load_string("t.cfg", text, &daemon_cfg_schema, cfg, &errs),
		0);
	return cfg_section(*cfg, "device", "3/0");
}

static void describe(const char *text, const struct layout_device *dev,
		     int want_rc, const char *want_err)
{
	struct cfg *cfg = NULL;
	const struct cfg_section *s = device_section(&cfg, text);
	struct vu_xen_ram r = { .nregions = 5 };
	char err[256] = "";

	assert_int_equal(ram_layout_describe(dev, s, &r, err, sizeof(err)),
			 want_rc);
	assert_int_equal(r.nregions, 0);
	if (want_err)
		assert_non_null(strstr(err, want_err));
	else
		assert_string_equal(err, "");
	cfg_free(cfg);
}

#define XEN_MMAP_ON                                     \
	"[device \"3/0\"]\nvhost-user = /run/vu.sock\n" \
	"vhost-user-xen-mmap = yes\n"

/* Opt-in only; grants and x86 guests refused before anything is read. */
static void test_describe_refusals(void **state)
{
	struct layout_device dev = { .frontend_domid = 3, .irq = 33 };

	(void)state;
	describe("[device \"3/0\"]\nvhost-user = /run/vu.sock\n", &dev, 0,
		 NULL);
	describe("[device \"3/0\"]\nvhost-user = /run/vu.sock\n"
		 "vhost-user-xen-mmap = no\n",
		 &dev, 0, NULL);
	/* Not a vhost-user device: a built-in backend, nothing to do. */
	describe("[device \"3/0\"]\nvhost-user-xen-mmap = yes\n", &dev, 0,
		 NULL);
	dev.grant_usage = true;
	describe(XEN_MMAP_ON, &dev, -ENOTSUP, "grant_usage=1");
	dev.grant_usage = false;
	dev.irq = 5; /* an ISA IRQ: libxl's x86 HVM guest */
	describe(XEN_MMAP_ON, &dev, -ENOTSUP, "x86 HVM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_banks_are_xens),
		cmocka_unit_test(test_small_guest),
		cmocka_unit_test(test_spans_into_bank1),
		cmocka_unit_test(test_hostile_absurd_sizes),
		cmocka_unit_test(test_describe_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
