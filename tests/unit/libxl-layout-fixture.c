/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake xenstore directory shared by the libxl layout parser's tests
 * (test-libxl-layout*.c): see libxl-layout-fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libxl-layout-fixture.h"

/* What xl 4.17 wrote for "specification=virtio, target=/tmp/disk.img". */
static const struct node disk_4_17[] = {
	{ "frontend", "/local/domain/5/device/virtio_disk/51712" },
	{ "params", "/tmp/disk.img" },
	{ "frontend-id", "5" },
	{ "online", "1" },
	{ "removable", "0" },
	{ "bootable", "1" },
	{ "state", "1" },
	{ "dev", "xvda" },
	{ "type", "standalone" },
	{ "mode", "w" },
	{ "device-type", "disk" },
	{ "discard-enable", "1" },
	{ "specification", "virtio" },
	{ "transport", "mmio" },
	{ "base", "33554432" },
	{ "irq", "33" },
};

/* What xl 4.18+ writes for virtio = [ "type=virtio,device22, ..." ]. */
static const struct node virtio_4_18[] = {
	{ "frontend", "/local/domain/5/device/virtio/0" },
	{ "frontend-id", "5" },
	{ "online", "1" },
	{ "state", "1" },
	{ "irq", "34" },
	{ "base", "0x2000200" },
	{ "type", "virtio,device22" },
	{ "transport", "mmio" },
	{ "grant_usage", "0" },
};

const char *fake_read(void *opaque, const char *name)
{
	struct fake *f = opaque;
	size_t i, len;

	f->reads++;
	memset(f->buf, '#', sizeof(f->buf));
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->nodes[i].name, name))
			continue;
		len = strlen(f->nodes[i].value);
		assert_true(len < sizeof(f->buf));
		memcpy(f->buf, f->nodes[i].value, len + 1);
		return f->buf;
	}
	return NULL;
}

static void fake_load(struct fake *f, const struct node *nodes, size_t n)
{
	assert_true(n <= MAX_NODES);
	memcpy(f->nodes, nodes, n * sizeof(*nodes));
	f->n = n;
	f->reads = 0;
}

/* Sets a node, adding it if needed; a NULL value removes it. */
void fake_set(struct fake *f, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->nodes[i].name, name))
			break;
	}
	if (!value) {
		if (i < f->n)
			f->nodes[i] = f->nodes[--f->n];
		return;
	}
	if (i == f->n) {
		assert_true(f->n < MAX_NODES);
		f->nodes[f->n++].name = name;
	}
	f->nodes[i].value = value;
}

int fx_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	return 0;
}

int fx_teardown(void **state)
{
	free(*state);
	return 0;
}

struct fixture *fx_disk(void **state)
{
	struct fixture *fx = *state;

	fake_load(&fx->fake, disk_4_17, ARRAY_SIZE(disk_4_17));
	return fx;
}

struct fixture *fx_virtio(void **state)
{
	struct fixture *fx = *state;

	fake_load(&fx->fake, virtio_4_18, ARRAY_SIZE(virtio_4_18));
	return fx;
}

int fx_parse_as(struct fixture *fx, enum layout_kind kind,
		unsigned backend_domid)
{
	unsigned devid = kind == LAYOUT_VIRTIO_DISK ? DISK_DEVID : VIRTIO_DEVID;

	memset(fx->err, 'E', sizeof(fx->err));
	return layout_parse(kind, backend_domid, DOMID, devid, fake_read,
			    &fx->fake, &fx->dev, fx->err, sizeof(fx->err));
}

int fx_parse(struct fixture *fx, enum layout_kind kind)
{
	return fx_parse_as(fx, kind, 0);
}
