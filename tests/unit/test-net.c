// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (backends/net) on a tap in a private network namespace:
 * configuration, frames both ways, mergeable receive buffers, back-pressure,
 * offload negotiation, the registry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <endian.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "registry.h"
#include "test-net-fixture.h"
#include "vdev.h"

#define F(bit) (1ull << (bit))
#define GUEST_TSO (F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6))

/* The MAC and link-up status in the configuration space (§5.1.4). */
static void test_config(void **state)
{
	struct fix *f = *state;
	uint64_t v;

	nf_require(f);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(vdev_config_read(f->vdev, i, 1, &v), 0);
		assert_int_equal(v, f->mac[i]);
	}
	assert_int_equal(vdev_config_read(f->vdev, 6, 2, &v), 0);
	assert_int_equal(v, VIRTIO_NET_S_LINK_UP);
	/* No VIRTIO_NET_F_MQ: max_virtqueue_pairs is not there. */
	assert_int_equal(vdev_config_read(f->vdev, 8, 2, &v), -EINVAL);
	assert_true(vdev_has_feature(f->vdev, VIRTIO_NET_F_MAC));
	assert_true(vdev_has_feature(f->vdev, VIRTIO_NET_F_STATUS));
	assert_true(vdev_has_feature(f->vdev, VIRTIO_NET_F_MRG_RXBUF));
	assert_true(vdev_has_feature(f->vdev, VIRTIO_NET_F_HOST_TSO4));
}

/* A chain of header + frame in two descriptors, out of the tap. */
static void send_one(struct fix *f, uint64_t gpa, size_t len, uint8_t seed)
{
	uint8_t *hdr = nf_ptr(f, gpa, NET_HDR_LEN + len);
	struct driver_buf b[2] = {
		{ gpa, NET_HDR_LEN, false },
		{ gpa + NET_HDR_LEN, (uint32_t)len, false },
	};

	memset(hdr, 0, NET_HDR_LEN);
	nf_frame(f, hdr + NET_HDR_LEN, len, seed);
	driver_ring_make_avail(&f->tx, driver_ring_add_chain(&f->tx, b, 2));
}

static void test_tx_frame(void **state)
{
	struct fix *f = *state;
	uint8_t want[200], got[2048];
	uint32_t id, len;
	uint16_t head = f->tx.next_free;

	nf_require(f);
	send_one(f, BUF_GPA, sizeof(want), 1);
	vdev_queue_notify(f->vdev, 1);
	assert_true(nf_used(f, &f->tx, 2000, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	nf_frame(f, want, sizeof(want), 1);
	assert_int_equal(nf_recv(f, got, sizeof(got), 2000), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
}

/* Three chains, one notification: three frames, in order. */
static void test_tx_batch(void **state)
{
	struct fix *f = *state;
	uint8_t want[300], got[2048];
	uint32_t id, len;

	nf_require(f);
	for (unsigned i = 0; i < 3; i++)
		send_one(f, BUF_GPA + i * 0x1000, 100 + i * 100, (uint8_t)i);
	vdev_queue_notify(f->vdev, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(nf_used(f, &f->tx, 2000, &id, &len));
		nf_frame(f, want, 100 + i * 100, (uint8_t)i);
		assert_int_equal(nf_recv(f, got, sizeof(got), 2000),
				 100 + i * 100);
		assert_memory_equal(got, want, 100 + i * 100);
	}
}

/* Posts n writable buffers of size bytes each at BUF_GPA. */
static void post_rx(struct fix *f, unsigned first, unsigned n, uint32_t size)
{
	for (unsigned i = first; i < first + n; i++) {
		struct driver_buf b = { BUF_GPA + i * 0x4000ull, size, true };

		memset(nf_ptr(f, b.gpa, size), 0xee, size);
		nf_kick(f, 0, &b, 1);
	}
}

/* The used entries of the next test frame; its first buffer's index. */
static unsigned rx_frame(struct fix *f, uint32_t *lens, unsigned max,
			 uint16_t *num_buffers)
{
	uint32_t id, len;

	for (;;) {
		uint8_t *p;

		assert_true(nf_used(f, &f->rx, 2000, &id, &len));
		assert_true(len >= NET_HDR_LEN + 14);
		p = nf_ptr(f, BUF_GPA + id * 0x4000ull, len);
		if (p[NET_HDR_LEN + 12] != (TEST_ETHERTYPE >> 8))
			continue; /* the namespace's own chatter */
		memcpy(num_buffers, p + 10, 2);
		*num_buffers = le16toh(*num_buffers);
		assert_true(*num_buffers >= 1 && *num_buffers <= max);
		lens[0] = len;
		for (unsigned i = 1; i < *num_buffers; i++) {
			assert_true(nf_used(f, &f->rx, 2000, &id, &len));
			lens[i] = len;
		}
		return id + 1 - *num_buffers;
	}
}

/* Without MRG_RXBUF: one buffer per frame, header then frame. */
static void test_rx_frame(void **state)
{
	struct fix *f = *state;
	uint8_t frame[500];
	uint32_t lens[1];
	uint16_t nb;
	unsigned first;

	nf_require(f);
	post_rx(f, 0, 8, 2048);
	nf_frame(f, frame, sizeof(frame), 9);
	nf_send(f, frame, sizeof(frame));
	first = rx_frame(f, lens, 1, &nb);
	assert_int_equal(nb, 1);
	assert_int_equal(lens[0], NET_HDR_LEN + sizeof(frame));
	assert_memory_equal(nf_ptr(f, BUF_GPA + first * 0x4000ull + NET_HDR_LEN,
				   sizeof(frame)),
			    frame, sizeof(frame));
}

/* With MRG_RXBUF a 3000-byte frame spreads over three 1200-byte buffers. */
static void test_rx_mrg(void **state)
{
	struct fix *f = *state;
	uint8_t frame[3000], got[3000];
	uint32_t lens[4];
	uint16_t nb;
	unsigned first;
	size_t off = 0;

	nf_require(f);
	/* Room for a 9000-byte MTU frame: 16 * 1200 >= 9030. */
	post_rx(f, 0, 16, 1200);
	nf_frame(f, frame, sizeof(frame), 3);
	nf_send(f, frame, sizeof(frame));
	first = rx_frame(f, lens, 4, &nb);
	assert_int_equal(nb, 3);
	assert_int_equal(lens[0], 1200);
	assert_int_equal(lens[1], 1200);
	assert_int_equal(lens[2], NET_HDR_LEN + 3000 - 2400);
	for (unsigned i = 0; i < 3; i++) {
		uint32_t skip = i ? 0 : NET_HDR_LEN;
		uint64_t gpa = BUF_GPA + (first + i) * 0x4000ull + skip;

		memcpy(got + off, nf_ptr(f, gpa, lens[i] - skip),
		       lens[i] - skip);
		off += lens[i] - skip;
	}
	assert_int_equal(off, sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
}

/*
 * Too little room for a frame: the tap is not read (the frame waits in
 * it) until the driver adds buffers.
 */
static void test_rx_backpressure(void **state)
{
	struct fix *f = *state;
	uint8_t frame[1000];
	uint32_t id, len, lens[2];
	uint16_t nb;

	nf_require(f);
	post_rx(f, 0, 2, 1200);
	nf_frame(f, frame, sizeof(frame), 5);
	nf_send(f, frame, sizeof(frame));
	assert_false(nf_used(f, &f->rx, 100, &id, &len));
	post_rx(f, 2, 14, 1200);
	rx_frame(f, lens, 2, &nb);
	assert_int_equal(nb, 1);
	assert_int_equal(lens[0], NET_HDR_LEN + sizeof(frame));
}

/*
 * A ring whose buffers hold less than an MTU frame: once all of them are
 * stashed the tap is read anyway, or receive would stall for good.
 */
static void test_rx_whole_ring(void **state)
{
	struct fix *f = *state;
	uint8_t frame[500];
	uint32_t lens[8];
	uint16_t nb;

	nf_require(f);
	post_rx(f, 0, QNUM, 100);
	nf_frame(f, frame, sizeof(frame), 6);
	nf_send(f, frame, sizeof(frame));
	rx_frame(f, lens, 8, &nb);
	assert_int_equal(nb, 6);
	assert_int_equal(lens[5], NET_HDR_LEN + sizeof(frame) - 500);
}

/* §5.1.3.1: GUEST_TSO4 without GUEST_CSUM is refused at FEATURES_OK. */
static void test_features_tso_needs_csum(void **state)
{
	struct fix *f = *state;
	struct vdev *v = f->vdev;

	nf_require(f);
	vdev_set_status(v, 0);
	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdev_set_status(v,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vdev_set_guest_features(v, 0, (uint32_t)F(VIRTIO_NET_F_GUEST_TSO4));
	vdev_set_guest_features(v, 1, 1); /* VIRTIO_F_VERSION_1 */
	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE |
				   VIRTIO_CONFIG_S_DRIVER |
				   VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(vdev_get_status(v) & VIRTIO_CONFIG_S_FEATURES_OK);
}

/* The registry refuses a net device without a tap, and a bad MAC. */
static void test_registry(void **state)
{
	struct fix *f = *state;
	const struct backend *be = backend_find(VIRTIO_ID_NET);
	struct backend_spec spec = {
		.domid = 1,
		.device_id = VIRTIO_ID_NET,
		.name = "net1",
		.target = "",
		.mem = &f->flat.mem,
		.logger = &f->logger,
		.loop = f->loop,
	};
	struct vdev *vdev = NULL;
	char err[256] = "";

	assert_non_null(be);
	assert_string_equal(be->type, "net");
	assert_int_equal(be->create(&spec, &vdev, err, sizeof(err)), -EINVAL);
	assert_null(vdev);
	assert_non_null(strstr(err, "tap"));
}

/* From the daemon config: a second tap, a MAC of its own, a bad MAC. */
static void test_registry_config(void **state)
{
	struct fix *f = *state;
	const struct backend *be = backend_find(VIRTIO_ID_NET);
	struct backend_spec spec = {
		.domid = 1,
		.device_id = VIRTIO_ID_NET,
		.name = "net1",
		.target = "",
		.mem = &f->flat.mem,
		.logger = &f->logger,
		.loop = f->loop,
	};
	static const char *const text[] = {
		"[device \"1/1\"]\ntap = vnt1\nmac = 52:54:00:aa:bb:cc\n",
		"[device \"1/1\"]\ntap = vnt1\nmac = 53:54:00:aa:bb:cc\n",
	};
	struct cfg_errors errs;
	struct vdev *vdev = NULL;
	char err[256] = "";
	struct cfg *cfg;
	uint64_t v;

	nf_require(f);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(cfg_load_string("t.conf", text[i],
						 &daemon_cfg_schema, &cfg,
						 &errs),
				 0);
		spec.options = cfg_section(cfg, "device", "1/1");
		if (i == 0) {
			assert_int_equal(
				be->create(&spec, &vdev, err, sizeof(err)), 0);
			assert_int_equal(vdev_config_read(vdev, 5, 1, &v), 0);
			assert_int_equal(v, 0xcc);
			be->destroy(vdev);
		} else {
			assert_int_equal(
				be->create(&spec, &vdev, err, sizeof(err)),
				-EINVAL);
			assert_non_null(strstr(err, "mac"));
		}
		cfg_free(cfg);
	}
}

static const struct setup_cfg all = { 0 };
static const struct setup_cfg no_mrg = { F(VIRTIO_NET_F_MRG_RXBUF) };
static const struct setup_cfg no_tso = { GUEST_TSO };

#define T(fn, cfg)                                                          \
	cmocka_unit_test_prestate_setup_teardown(fn, nf_setup, nf_teardown, \
						 (void *)&(cfg))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config, all),
		T(test_tx_frame, all),
		T(test_tx_batch, all),
		T(test_rx_frame, no_mrg),
		T(test_rx_mrg, no_tso),
		T(test_rx_backpressure, no_tso),
		T(test_rx_whole_ring, no_tso),
		T(test_features_tso_needs_csum, all),
		T(test_registry, all),
		T(test_registry_config, all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
