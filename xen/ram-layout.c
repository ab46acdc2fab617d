// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest RAM a XEN_MMAP back-end maps (see ram-layout.h). The size comes
 * from xenstore's /local/domain/<domid>/memory/static-max, the KiB libxl
 * wrote as the domain's maximum: xc_domain_getinfo()'s max_pages would do
 * too, but libxl adds slack to it (LIBXL_MAXMEM_CONSTANT) and the daemon
 * links no libxenctrl; the hypervisor itself has no notion of banks.
 *
 * libxl builds an Arm guest's RAM from its build-time target, which equals
 * static-max unless the guest was given maxmem > memory: then the regions
 * reach past the RAM populated at boot and a back-end mapping all of it up
 * front fails, visibly (the device goes to NEEDS_RESET). Never the other
 * way round: no guest buffer lies outside what we describe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "cfg.h"
#include "libxl-layout.h"
#include "ram-layout.h"
#include "vhost-user/vhost-user.h"

/* GIC SPIs start at INTID 32; libxl gives an x86 HVM guest an ISA IRQ. */
#define ARM_FIRST_SPI 32
#define MIB_SHIFT 20

int ram_layout_arm(uint64_t mem_kib, struct vu_xen_ram *out)
{
	static const uint64_t base[] = { RAM_ARM_BANK0_BASE,
					 RAM_ARM_BANK1_BASE };
	static const uint64_t max[] = { RAM_ARM_BANK0_SIZE,
					RAM_ARM_BANK1_SIZE };
	/* xc_dom_mem_init() takes whole MiB (libxl passes KiB / 1024). */
	uint64_t mib = mem_kib / 1024, left;

	if (!mib || mib > (max[0] + max[1]) >> MIB_SHIFT)
		return -EINVAL;
	left = mib << MIB_SHIFT;
	out->nregions = 0;
	for (unsigned i = 0; left && i < ARRAY_SIZE(base); i++) {
		uint64_t size = left < max[i] ? left : max[i];

		out->region[i].gpa = base[i];
		out->region[i].size = size;
		out->nregions++;
		left -= size;
	}
	return 0;
}

/* static-max: decimal KiB, nothing else (xenstore values are strings). */
static int parse_kib(const char *s, uint64_t *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int read_static_max(unsigned domid, uint64_t *kib, char *err,
			   size_t err_len)
{
	char path[64], *v = NULL;
	struct xs_handle *xs = xs_open(0);
	unsigned len = 0;
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max",
		 domid);
	if (!xs) {
		rc = errno ? -errno : -EIO;
		snprintf(err, err_len, "vhost-user-xen-mmap: xenstore: %s",
			 strerror(-rc));
		return rc;
	}
	v = xs_read(xs, XBT_NULL, path, &len);
	rc = v ? parse_kib(v, kib) : errno ? -errno : -ENOENT;
	if (!v)
		snprintf(err, err_len,
			 "vhost-user-xen-mmap: %s: %s: "
			 "cannot tell the guest's RAM",
			 path, strerror(-rc));
	else if (rc)
		snprintf(err, err_len,
			 "vhost-user-xen-mmap: %s = \"%.32s\": not a size in "
			 "KiB, cannot tell the guest's RAM",
			 path, v);
	free(v);
	xs_close(xs);
	return rc;
}

static int refuse(const struct layout_device *dev, char *err, size_t err_len)
{
	if (dev->grant_usage) {
		/* XEN_MMAP_GRANT would need the guest's grant refs mapped. */
		snprintf(err, err_len,
			 "vhost-user-xen-mmap: the device uses grants "
			 "(grant_usage=1); only foreign mappings are "
			 "handed to back-ends");
		return -ENOTSUP;
	}
	if (dev->irq < ARM_FIRST_SPI) {
		snprintf(err, err_len,
			 "vhost-user-xen-mmap: IRQ %u is not an Arm SPI: "
			 "x86 HVM guests are not supported (Arm only)",
			 dev->irq);
		return -ENOTSUP;
	}
	return 0;
}

int ram_layout_describe(const struct layout_device *dev,
			const struct cfg_section *options,
			struct vu_xen_ram *out, char *err, size_t err_len)
{
	uint64_t kib;
	int rc;

	*out = (struct vu_xen_ram){ .nregions = 0 };
	if (!cfg_get_string(options, "vhost-user", NULL) ||
	    !cfg_get_bool(options, "vhost-user-xen-mmap", false))
		return 0;
	rc = refuse(dev, err, err_len);
	if (!rc)
		rc = read_static_max(dev->frontend_domid, &kib, err, err_len);
	if (rc)
		return rc;
	rc = ram_layout_arm(kib, out);
	if (rc) {
		snprintf(err, err_len,
			 "vhost-user-xen-mmap: static-max %" PRIu64
			 " KiB: not between 1 MiB and the %llu GiB "
			 "an Arm guest can have",
			 kib, (RAM_ARM_BANK0_SIZE + RAM_ARM_BANK1_SIZE) >> 30);
		return rc;
	}
	/* Tests under the simulated Xen point it at a file. */
	out->privcmd = getenv(RAM_PRIVCMD_ENV);
	return 0;
}
