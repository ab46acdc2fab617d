// SPDX-License-Identifier: GPL-2.0-only
/* virtio-net (backends/net) against a hostile driver. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_net.h>

#include "test-net-fixture.h"
#include "vdev.h"

#define F(bit) (1ull << (bit))

/* §5.1.6.2: a transmit chain shorter than the header. */
static void test_hostile_tx_short_header(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, NET_HDR_LEN - 1, false };
	uint8_t got[2048];

	nf_require(f);
	nf_frame(f, nf_ptr(f, BUF_GPA, 64), 64, 0);
	nf_kick(f, 1, &b, 1);
	nf_assert_needs_reset(f);
	assert_true(nf_log_has(f, "§5.1.6.2"));
	assert_int_equal(nf_recv(f, got, sizeof(got), 50), -1);
}

/* §5.1.6.2: a transmit chain with a device-writable descriptor. */
static void test_hostile_tx_writable(void **state)
{
	struct fix *f = *state;
	struct driver_buf b[2] = { { BUF_GPA, NET_HDR_LEN + 64, false },
				   { BUF_GPA + 0x1000, 64, true } };
	uint8_t got[2048];

	nf_require(f);
	memset(nf_ptr(f, BUF_GPA, NET_HDR_LEN), 0, NET_HDR_LEN);
	nf_frame(f, nf_ptr(f, BUF_GPA + NET_HDR_LEN, 64), 64, 0);
	nf_kick(f, 1, b, 2);
	nf_assert_needs_reset(f);
	assert_int_equal(nf_recv(f, got, sizeof(got), 50), -1);
}

/* A transmit buffer outside guest RAM: the ring walker refuses it. */
static void test_hostile_tx_outside_ram(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { RAM_GPA + RAM_SIZE - 8, 64, false };

	nf_require(f);
	nf_kick(f, 1, &b, 1);
	nf_assert_needs_reset(f);
}

static unsigned log_count(struct fix *f, const char *needle)
{
	char buf[16384], *p = buf;
	ssize_t n = pread(f->logger.fd, buf, sizeof(buf) - 1, 0);
	unsigned count = 0;

	assert_true(n >= 0);
	buf[n] = '\0';
	while ((p = strstr(p, needle))) {
		count++;
		p++;
	}
	return count;
}

/*
 * A header the tap refuses (unknown gso_type): the frame is dropped and
 * completed, the device stays live, the log line is rate limited.
 */
static void test_hostile_tx_bad_gso(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, NET_HDR_LEN + 100, false };
	struct virtio_net_hdr_mrg_rxbuf *h;
	uint32_t id, len;
	uint8_t got[2048];

	nf_require(f);
	h = (void *)nf_ptr(f, BUF_GPA, NET_HDR_LEN + 100);
	memset(h, 0, sizeof(*h));
	h->hdr.gso_type = 0x7e;
	h->hdr.gso_size = 1;
	nf_frame(f, (uint8_t *)(h + 1), 100, 0);
	for (unsigned i = 0; i < 30; i++) {
		nf_kick(f, 1, &b, 1);
		assert_true(nf_used(f, &f->tx, 2000, &id, &len));
		assert_int_equal(len, 0);
	}
	assert_true(vdev_is_live(f->vdev));
	assert_int_equal(nf_recv(f, got, sizeof(got), 50), -1);
	/* 30 drops, but only the rate limiter's burst of lines. */
	assert_int_equal(log_count(f, "dropped"), LOG_RL_BURST);
}

/* §5.1.6.3: a receive buffer with a device-readable descriptor. */
static void test_hostile_rx_readable(void **state)
{
	struct fix *f = *state;
	struct driver_buf b[2] = { { BUF_GPA, 64, false },
				   { BUF_GPA + 0x1000, 2048, true } };

	nf_require(f);
	nf_kick(f, 0, b, 2);
	nf_assert_needs_reset(f);
	assert_true(nf_log_has(f, "§5.1.6.3"));
}

/* §5.1.6.3.1: a receive buffer smaller than the header. */
static void test_hostile_rx_below_header(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, NET_HDR_LEN - 2, true };

	nf_require(f);
	nf_kick(f, 0, &b, 1);
	nf_assert_needs_reset(f);
	assert_true(nf_log_has(f, "§5.1.6.3.1"));
}

/*
 * Without MRG_RXBUF a buffer too small for the frame gets the frame's
 * head: the used length is the buffer's, nothing past it is written.
 */
static void test_hostile_rx_small_buffer(void **state)
{
	struct fix *f = *state;
	struct driver_buf b = { BUF_GPA, 64, true };
	uint8_t frame[1000], *p = nf_ptr(f, BUF_GPA, 4096);
	uint32_t id, len;

	nf_require(f);
	memset(p, 0xa5, 4096);
	nf_frame(f, frame, sizeof(frame), 4);
	nf_send(f, frame, sizeof(frame));
	for (;;) {
		nf_kick(f, 0, &b, 1);
		assert_true(nf_used(f, &f->rx, 2000, &id, &len));
		assert_int_equal(len, 64);
		if (p[NET_HDR_LEN + 12] == (TEST_ETHERTYPE >> 8))
			break; /* skipped the namespace's own chatter */
	}
	assert_memory_equal(p + NET_HDR_LEN, frame, 64 - NET_HDR_LEN);
	for (unsigned i = 64; i < 4096; i++)
		assert_int_equal(p[i], 0xa5);
	assert_true(vdev_is_live(f->vdev));
}

static const struct setup_cfg all = { 0 };
static const struct setup_cfg no_mrg = { F(VIRTIO_NET_F_MRG_RXBUF) };

#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, nf_setup, nf_teardown, \
						 (void *)&(cfg))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostile_tx_short_header, all),
		T(test_hostile_tx_writable, all),
		T(test_hostile_tx_outside_ram, all),
		T(test_hostile_tx_bad_gso, all),
		T(test_hostile_rx_readable, all),
		T(test_hostile_rx_below_header, all),
		T(test_hostile_rx_small_buffer, no_mrg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
