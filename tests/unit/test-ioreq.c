// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU slot protocol, played from Xen's side: fill a slot as Xen does,
 * serve it, check the response and the state hand-back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ioreq.h"
#include "log.h"

struct fake_dev {
	unsigned reads, writes, invalidates;
	uint64_t last_addr;
	unsigned last_size;
	uint64_t last_value;
	uint64_t read_value;
	int rc;
};

static int fake_read(void *opaque, uint64_t addr, unsigned size,
		     uint64_t *value)
{
	struct fake_dev *d = opaque;

	d->reads++;
	d->last_addr = addr;
	d->last_size = size;
	*value = d->read_value;
	return d->rc;
}

static int fake_write(void *opaque, uint64_t addr, unsigned size,
		      uint64_t value)
{
	struct fake_dev *d = opaque;

	d->writes++;
	d->last_addr = addr;
	d->last_size = size;
	d->last_value = value;
	return d->rc;
}

static void fake_invalidate(void *opaque)
{
	struct fake_dev *d = opaque;

	d->invalidates++;
}

struct fixture {
	struct logger logger;
	struct log_src log;
	struct fake_dev dev;
	struct mmio_handler handler;
	ioreq_t slot;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	assert_non_null(f);
	assert_true(devnull >= 0);
	log_init(&f->logger, devnull, LOG_DEBUG);
	log_src_init(&f->log, &f->logger, 1, "ioreq");
	f->handler = (struct mmio_handler){ .read = fake_read,
					    .write = fake_write,
					    .invalidate = fake_invalidate,
					    .opaque = &f->dev };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->logger.fd);
	free(f);
	return 0;
}

/* What Xen writes before it sets the state and signals the port. */
static void post(ioreq_t *slot, uint8_t type, uint8_t dir, uint64_t addr,
		 uint32_t size, uint64_t data)
{
	memset(slot, 0, sizeof(*slot));
	slot->type = type;
	if (dir == IOREQ_READ)
		slot->dir = IOREQ_READ;
	slot->addr = addr;
	slot->size = size;
	slot->count = 1;
	slot->data = data;
	slot->vp_eport = 7;
	slot->state = STATE_IOREQ_READY;
}

static void test_read_returns_value_and_hands_back(void **state)
{
	struct fixture *f = *state;

	f->dev.read_value = 0x74726976;
	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000000, 4, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
	assert_int_equal(f->slot.data, 0x74726976);
	assert_int_equal(f->dev.reads, 1);
	assert_int_equal(f->dev.last_addr, 0x2000000);
	assert_int_equal(f->dev.last_size, 4);
	/* The port and the request's other fields are Xen's: left alone. */
	assert_int_equal(f->slot.vp_eport, 7);
	assert_int_equal(f->slot.type, IOREQ_TYPE_COPY);
}

static void test_read_is_truncated_to_access_size(void **state)
{
	struct fixture *f = *state;

	f->dev.read_value = 0x1122334455667788;
	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000100, 2, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->slot.data, 0x7788);
	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000100, 8, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->slot.data, 0x1122334455667788);
}

static void test_write_passes_only_access_bytes(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_WRITE, 0x2000070, 1,
	     0xdeadbeef0000ff0f);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.writes, 1);
	assert_int_equal(f->dev.last_value, 0x0f);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
}

static void test_no_ready_request_is_spurious(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000000, 4, 0x55);
	f->slot.state = STATE_IOREQ_NONE;
	assert_false(mmio_req_serve(&f->slot, &f->handler, &f->log));
	f->slot.state = STATE_IORESP_READY;
	assert_false(mmio_req_serve(&f->slot, &f->handler, &f->log));
	f->slot.state = STATE_IOREQ_INPROCESS;
	assert_false(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.reads, 0);
	assert_int_equal(f->slot.data, 0x55);
}

static void test_invalidate_completes(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_INVALIDATE, IOREQ_WRITE, 0, 0, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.invalidates, 1);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
	f->handler.invalidate = NULL;
	post(&f->slot, IOREQ_TYPE_INVALIDATE, IOREQ_WRITE, 0, 0, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
}

static void test_handler_error_reads_all_ones(void **state)
{
	struct fixture *f = *state;

	f->dev.rc = -EINVAL;
	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x3000000, 4, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->slot.data, 0xffffffff);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
}

static void test_hostile_bad_access_size(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000000, 3, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.reads, 0);
	assert_int_equal(f->slot.data, UINT64_MAX);
	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_WRITE, 0x2000000, 16, 1);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.writes, 0);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
}

static void test_hostile_rep_and_pointer_accesses(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_READ, 0x2000000, 4, 0x1000);
	f->slot.data_is_ptr = 1;
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.reads, 0);
	assert_int_equal(f->slot.data, 0xffffffff);

	post(&f->slot, IOREQ_TYPE_COPY, IOREQ_WRITE, 0x2000000, 4, 1);
	f->slot.count = 16;
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.writes, 0);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
}

static void test_hostile_port_io_and_unknown_types(void **state)
{
	struct fixture *f = *state;

	post(&f->slot, IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 1, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->slot.data, UINT64_MAX);
	post(&f->slot, IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, 0, 4, 1);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	post(&f->slot, 0xee, IOREQ_READ, 0x2000000, 4, 0);
	assert_true(mmio_req_serve(&f->slot, &f->handler, &f->log));
	assert_int_equal(f->dev.reads + f->dev.writes, 0);
	assert_int_equal(f->slot.state, STATE_IORESP_READY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_read_returns_value_and_hands_back, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_read_is_truncated_to_access_size, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_write_passes_only_access_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_no_ready_request_is_spurious, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalidate_completes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_handler_error_reads_all_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_bad_access_size,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hostile_rep_and_pointer_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hostile_port_io_and_unknown_types, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
