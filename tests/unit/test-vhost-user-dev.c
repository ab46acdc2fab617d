// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end's handshake and reconnection against a scripted
 * back-end (a thread behind a unix socket) that can leave things out, refuse,
 * hang, talk out of turn, or come back offering less than before.
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

static void test_create_negotiates(void **state)
{
	struct fx *f = *state;
	struct virtio_blk_config c;

	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	/* What we take of what it offers: no LOG_SHMFD. */
	assert_int_equal(f->d->protocol,
			 (1ull << VU_PROTOCOL_F_MQ) |
				 (1ull << VU_PROTOCOL_F_CONFIG) |
				 (1ull << VU_PROTOCOL_F_REPLY_ACK));
	assert_true(f->d->vdev.host_features & (1ull << VIRTIO_BLK_F_FLUSH));
	/* Our limits are added and win over the back-end's seg_max. */
	assert_true(f->d->vdev.host_features & (1ull << VIRTIO_BLK_F_SIZE_MAX));
	memcpy(&c, f->d->config, 60);
	assert_int_equal(le64toh(c.capacity), 2048);
	assert_int_equal(le32toh(c.size_max), 4096);
	assert_int_equal(le32toh(c.seg_max), 32);
	assert_int_equal(le16toh(c.num_queues), 1);
	assert_int_equal(f->d->max_iov, 2 * 32 + 4);
	assert_true(f->d->shadow->q[0].indirect);
}

/* virtio-fs: the configuration is ours, no CONFIG protocol feature needed. */
static void test_fs_configuration_is_ours(void **state)
{
	struct fx *f = *state;
	struct virtio_fs_config c;

	f->fake.protocol = 1ull << VU_PROTOCOL_F_MQ;
	f->fake.queues = 2;
	f->p.device_id = VIRTIO_ID_FS;
	f->p.tag = "share";
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	assert_int_equal(f->d->num_queues, 2); /* hiprio + 1 request queue */
	assert_int_equal(f->d->vdev.num_queues, 2);
	assert_int_equal(f->d->vdev.config_len, sizeof(c));
	memcpy(&c, f->d->config, sizeof(c));
	assert_memory_equal(c.tag, "share\0", 6);
	assert_int_equal(le32toh(c.num_request_queues), 1);
	/* Read-only configuration space (virtio 1.2 §5.11.4). */
	assert_null(f->d->vdev.ops->config_written);
	vu_dev_free(f->d);
	f->d = NULL;
	/* A tag that does not fit, and more queues than the back-end has. */
	f->p.tag = "0123456789012345678901234567890123456";
	assert_int_equal(vuf_create(f), -EINVAL);
	f->p.tag = NULL;
	f->p.num_queues = 2;
	assert_int_equal(vuf_create(f), -ENOTSUP);
}

static void test_backend_missing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(vuf_create(f), -ENOENT);
	assert_non_null(strstr(f->err, f->fake.path));
	assert_null(f->d);
	f->p.device_id = VIRTIO_ID_NET;
	assert_int_equal(vuf_create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "not supported"));
}

static void test_hostile_backend_without_version_1(void **state)
{
	struct fx *f = *state;

	f->fake.features &= ~(1ull << VIRTIO_F_VERSION_1);
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "VIRTIO_F_VERSION_1"));
}

static void test_hostile_backend_without_config(void **state)
{
	struct fx *f = *state;

	f->fake.protocol &= ~(1ull << VU_PROTOCOL_F_CONFIG);
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "CONFIG"));
}

static void test_hostile_backend_refuses_config(void **state)
{
	struct fx *f = *state;

	f->fake.config_fails = true;
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), -EREMOTEIO);
	assert_non_null(strstr(f->err, "GET_CONFIG"));
}

static void test_hostile_backend_too_few_queues(void **state)
{
	struct fx *f = *state;

	f->p.num_queues = 2;
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), -ENOTSUP);
	assert_non_null(strstr(f->err, "2 queues"));
}

static void test_hostile_backend_hangs(void **state)
{
	struct fx *f = *state;

	f->fake.hang = true;
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), -ETIMEDOUT);
	assert_non_null(strstr(f->err, "GET_FEATURES"));
}

/* A message nobody asked for: dropped, then a clean session. */
static void test_hostile_backend_talks_out_of_turn(void **state)
{
	struct fx *f = *state;

	f->fake.unsolicited = true;
	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	assert_true(vuf_wait_connected(f, false, 1000));
	assert_true(vuf_wait_connected(f, true, 1000));
	assert_true(__atomic_load_n(&f->fake.conns, 0) >= 2);
}

/* Back with less than the guest was offered: refused until it has it. */
static void test_hostile_backend_back_with_fewer_features(void **state)
{
	struct fx *f = *state;
	int conns;

	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	vuf_fake_stop(&f->fake);
	assert_true(vuf_wait_connected(f, false, 1000));
	f->fake.features &= ~(1ull << VIRTIO_BLK_F_FLUSH);
	vuf_fake_start(&f->fake);
	assert_false(vuf_wait_connected(f, true, 300));
	conns = __atomic_load_n(&f->fake.conns, 0);
	assert_true(conns >= 2); /* it kept trying, with backoff */
	vuf_fake_stop(&f->fake);
	f->fake.features |= 1ull << VIRTIO_BLK_F_FLUSH;
	vuf_fake_start(&f->fake);
	assert_true(vuf_wait_connected(f, true, 1000));
}

/* Without the area (not offered), a back-end lost means NEEDS_RESET. */
static void test_no_inflight_needs_reset(void **state)
{
	struct fx *f = *state;

	vuf_fake_start(&f->fake);
	assert_int_equal(vuf_create(f), 0);
	vuf_drive(f);
	assert_true(vuf_wait_started(f, 1000));
	assert_int_equal(f->fake.get_inflight[1], 0);
	vuf_fake_stop(&f->fake);
	assert_true(vuf_wait_connected(f, false, 1000));
	assert_true(vuf_needs_reset(f));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, vuf_setup, vuf_teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_negotiates),
		T(test_fs_configuration_is_ours),
		T(test_backend_missing),
		T(test_hostile_backend_without_version_1),
		T(test_hostile_backend_without_config),
		T(test_hostile_backend_refuses_config),
		T(test_hostile_backend_too_few_queues),
		T(test_hostile_backend_hangs),
		T(test_hostile_backend_talks_out_of_turn),
		T(test_hostile_backend_back_with_fewer_features),
		T(test_no_inflight_needs_reset),
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
