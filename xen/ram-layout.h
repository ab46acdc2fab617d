/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's RAM as a vhost-user back-end maps it itself (XEN_MMAP, see
 * backends/vhost-user/vu-xen.c): the banks Xen gives an Arm guest, filled
 * the way libxl's domain builder fills them, up to the domain's memory size
 * as libxl wrote it into xenstore.
 */
#ifndef XVDM_XEN_RAM_LAYOUT_H
#define XVDM_XEN_RAM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct cfg_section;
struct layout_device;
struct vu_xen_ram;

/*
 * Arm guest RAM banks (xen/include/public/arch-arm.h, GUEST_RAM0_* and
 * GUEST_RAM1_*, the same from Xen 4.17 to master): 3 GiB at 1 GiB, then
 * 1016 GiB at 8 GiB. tests/unit/test-ram-layout.c checks them against the
 * installed Xen headers.
 */
#define RAM_ARM_BANK0_BASE 0x40000000ull
#define RAM_ARM_BANK0_SIZE 0xc0000000ull
#define RAM_ARM_BANK1_BASE 0x200000000ull
#define RAM_ARM_BANK1_SIZE 0xfe00000000ull

/* Where the descriptor XEN_MMAP passes comes from; tests point it at a file. */
#define RAM_PRIVCMD_ENV "XVDM_PRIVCMD"

/*
 * The regions of an Arm guest with mem_kib KiB of RAM (xenstore's
 * memory/static-max): libxl builds with whole MiB, bank 0 first, the rest
 * in bank 1 (tools/libs/guest/xg_dom_arm.c, meminit). -EINVAL when that is
 * no RAM or more than both banks hold. out->privcmd is left alone.
 */
int ram_layout_arm(uint64_t mem_kib, struct vu_xen_ram *out) must_check;

/*
 * The guest RAM to describe for dev's vhost-user back-end: out->nregions
 * stays 0 unless the device's options ask for vhost-user-xen-mmap. Then
 * the device must be an Arm guest's (libxl gave it an SPI) using foreign
 * mappings (not grant_usage), and its domain's static-max must be sane;
 * otherwise -errno and the reason in err.
 */
int ram_layout_describe(const struct layout_device *dev,
			const struct cfg_section *options,
			struct vu_xen_ram *out, char *err,
			size_t err_len) must_check;

#endif
