/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture shared by the libxl layout parser's tests
 * (test-libxl-layout*.c): a fake backend directory in xenstore, loaded with
 * what xl really wrote, and the parser run on it.
 */
#ifndef XVDM_TESTS_LIBXL_LAYOUT_FIXTURE_H
#define XVDM_TESTS_LIBXL_LAYOUT_FIXTURE_H

#include <limits.h>
#include <stddef.h>

#include "libxl-layout.h"

#define DOMID 5u
#define DISK_DEVID 51712u /* xvda */
#define VIRTIO_DEVID 0u
#define MAX_NODES 32

struct node {
	const char *name;
	const char *value;
};

/*
 * An in-memory backend directory. Each read copies the value into buf,
 * poisoned first, so a parser that keeps a value past the next read sees
 * garbage (the contract of layout_read_fn).
 */
struct fake {
	struct node nodes[MAX_NODES];
	size_t n;
	unsigned reads;
	char buf[PATH_MAX + 64];
};

struct fixture {
	struct fake fake;
	struct layout_device dev;
	char err[256];
};

/* layout_read_fn of struct fake. */
const char *fake_read(void *opaque, const char *name);
/* Sets a node, adding it if needed; a NULL value removes it. */
void fake_set(struct fake *f, const char *name, const char *value);

/* cmocka group set-up and teardown: one struct fixture for all tests. */
int fx_setup(void **state);
int fx_teardown(void **state);

/*
 * Load the fixture's directory with what xl 4.17 wrote for a virtio disk,
 * or what xl 4.18+ writes for a generic virtio device; return the fixture.
 */
struct fixture *fx_disk(void **state);
struct fixture *fx_virtio(void **state);

/*
 * Parses the device of that kind (DISK_DEVID or VIRTIO_DEVID of DOMID) into
 * fx->dev, the message into fx->err (poisoned first), as a backend in
 * domain backend_domid (0 for fx_parse()).
 */
int fx_parse_as(struct fixture *fx, enum layout_kind kind,
		unsigned backend_domid);
int fx_parse(struct fixture *fx, enum layout_kind kind);

#endif
