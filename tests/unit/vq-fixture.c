/* SPDX-License-Identifier: GPL-2.0-only */
/* The fixture shared by the virtqueue tests (test-vq*.c): see vq-fixture.h. */
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

#include "vq-fixture.h"

static const struct gmem_flat_region layout[] = {
	{ .gpa = 0x10000, .size = 0x20000 },
	{ .gpa = 0x30000, .size = 0x8000 },
	{ .gpa = 0x40000, .size = 0x8000 },
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

int fix_setup_plain(void **state)
{
	return setup_mode(state, false);
}

int fix_setup_split(void **state)
{
	return setup_mode(state, true);
}

int fix_teardown(void **state)
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

void fix_start(struct fix *f, uint64_t features)
{
	assert_int_equal(vq_start(&f->vq, NUM, f->dr.desc_gpa, f->dr.avail_gpa,
				  f->dr.used_gpa, features),
			 0);
	assert_int_equal(f->flat.live_rings, 3);
}

void *fix_gptr(struct fix *f, uint64_t gpa, uint64_t len)
{
	void *p = gmem_flat_ptr(&f->flat, gpa, len);

	assert_non_null(p);
	return p;
}

void fix_set_desc(struct vring_desc *d, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

struct vq_elem *fix_pop_ok(struct fix *f)
{
	struct vq_elem *e = NULL;

	assert_int_equal(vq_pop(&f->vq, &e), 0);
	assert_non_null(e);
	return e;
}

void fix_pop_empty(struct fix *f)
{
	struct vq_elem *e = (struct vq_elem *)1;

	assert_int_equal(vq_pop(&f->vq, &e), 0);
	assert_null(e);
}

uint16_t fix_add(struct fix *f, const struct driver_buf *bufs, unsigned n)
{
	uint16_t head = driver_ring_add_chain(&f->dr, bufs, n);

	driver_ring_make_avail(&f->dr, head);
	return head;
}

size_t fix_read_log(struct fix *f, char *buf, size_t size)
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
void fix_expect_hostile(struct fix *f, const char *what)
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

	fix_read_log(f, log, sizeof(log));
	nl = strchr(log, '\n');
	assert_non_null(nl);
	assert_null(strchr(nl + 1, '\n'));
	if (!strstr(log, what))
		fail_msg("log line \"%s\" does not mention \"%s\"", log, what);
	assert_non_null(strstr(log, "dom7/test0"));
}
