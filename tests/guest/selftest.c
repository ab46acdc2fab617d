// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core's self-test, shown to a person: a guest driver that behaves like
 * Linux's virtio_mmio + virtio_blk probes a virtio-blk disk served by the real
 * core (register file, device state machine, virtqueues, io_uring storage),
 * runs random reads and writes checked against a model of the disk, and then
 * a second, hostile guest breaks its ring while the first one goes on.
 * Exits 0 only if everything checked out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <endian.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "inproc.h"
#include "vdev.h"
#include "virtio-blk-driver.h"

#define DISK_SIZE (16u << 20)
#define SECTOR 512u
#define REQUESTS 4000u
#define MAX_SECTORS 128u

struct run {
	char path[64];
	uint8_t *model;
	uint8_t *buf;
	uint64_t rng;
	struct inproc *ip;
	struct blkdrv blk;
	bool probed;
};

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64: reproducible, no hidden state. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int make_disk(struct run *r)
{
	int fd;

	strcpy(r->path, "/tmp/xvdm-selftest-XXXXXX");
	fd = mkstemp(r->path);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < DISK_SIZE; i += 8) {
		uint64_t v = next_rand(&r->rng);

		memcpy(r->model + i, &v, sizeof(v));
	}
	if (pwrite(fd, r->model, DISK_SIZE, 0) != DISK_SIZE) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int start(struct run *r, struct gpa_pool **pool)
{
	struct inproc_params ipp = { .path = r->path,
				     .serial = "xvdm-selftest",
				     .num_queues = 2,
				     .queue_size = 256,
				     .log_level = LOG_WARN };
	char err[256];
	int rc = inproc_new(&ipp, &r->ip, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "selftest: device: %s\n", err);
		return rc;
	}
	*pool = &r->ip->pool;
	return 0;
}

static int probe(struct run *r)
{
	struct blkdrv_params bp = { .bus = &r->ip->bus,
				    .base = INPROC_MMIO_BASE,
				    .pool = &r->ip->pool };
	int rc = blkdrv_probe(&r->blk, &bp);

	if (rc) {
		fprintf(stderr, "selftest: probe failed: %s\n", strerror(-rc));
		return rc;
	}
	r->probed = true;
	printf("  probed: virtio-mmio version 2, virtio-blk, %llu sectors, "
	       "%u queues, features %#llx\n",
	       (unsigned long long)r->blk.capacity, r->blk.nq,
	       (unsigned long long)r->blk.vm.features);
	printf("  negotiated: EVENT_IDX %s, INDIRECT_DESC %s, FLUSH %s, "
	       "DISCARD %s, WRITE_ZEROES %s, MQ %s\n",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_RING_F_EVENT_IDX) ? "yes" :
									"no",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_RING_F_INDIRECT_DESC) ?
		       "yes" :
		       "no",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_BLK_F_FLUSH) ? "yes" : "no",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_BLK_F_DISCARD) ? "yes" :
								     "no",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_BLK_F_WRITE_ZEROES) ?
		       "yes" :
		       "no",
	       vmdrv_has_feature(&r->blk.vm, VIRTIO_BLK_F_MQ) ? "yes" : "no");
	return 0;
}

/* One random request, checked against the model. */
static int one_request(struct run *r, unsigned i)
{
	uint64_t sectors = DISK_SIZE / SECTOR;
	unsigned n = 1 + (unsigned)(next_rand(&r->rng) % MAX_SECTORS);
	uint64_t sector = next_rand(&r->rng) % (sectors - n + 1);
	unsigned nseg = 1 + (unsigned)(next_rand(&r->rng) % 8);
	unsigned q = i % r->blk.nq;
	size_t len = (size_t)n * SECTOR;
	uint8_t *at = r->model + sector * SECTOR;
	int rc;

	if (next_rand(&r->rng) & 1) {
		for (size_t k = 0; k < len; k++)
			r->buf[k] = (uint8_t)next_rand(&r->rng);
		rc = blkdrv_write(&r->blk, q, sector, r->buf, len, nseg);
		if (!rc)
			memcpy(at, r->buf, len);
		return rc;
	}
	rc = blkdrv_read(&r->blk, q, sector, r->buf, len, nseg);
	if (!rc && memcmp(r->buf, at, len)) {
		fprintf(stderr,
			"selftest: read of %u sectors at %llu differs "
			"from what was written\n",
			n, (unsigned long long)sector);
		return -EIO;
	}
	return rc;
}

static int random_io(struct run *r)
{
	int rc;

	for (unsigned i = 0; i < REQUESTS; i++) {
		rc = one_request(r, i);
		if (rc) {
			fprintf(stderr, "selftest: request %u failed: %s\n", i,
				strerror(-rc));
			return rc;
		}
		if ((i + 1) % (REQUESTS / 4) == 0)
			printf("  %u/%u random reads and writes verified\n",
			       i + 1, REQUESTS);
	}
	rc = blkdrv_flush(&r->blk, 0);
	if (rc)
		return rc;
	printf("  flush: ok; %llu requests completed, %llu notifications\n",
	       (unsigned long long)r->blk.stats.completed,
	       (unsigned long long)r->ip->notifies);
	return 0;
}

/*
 * A hostile guest points a descriptor at itself: its device must end in
 * DEVICE_NEEDS_RESET while the first guest's disk goes on working.
 */
static int hostile_guest(struct run *good)
{
	struct run bad = { .rng = 7 };
	struct gpa_pool *pool;
	struct vrdrv *vq;
	uint16_t idx;
	int rc;

	bad.model = malloc(DISK_SIZE);
	rc = bad.model ? make_disk(&bad) : -ENOMEM;
	if (!rc)
		rc = start(&bad, &pool);
	printf("  a second, hostile guest:\n");
	if (!rc)
		rc = probe(&bad);
	if (rc)
		goto out;
	vq = bad.blk.q[0].vq;
	/*
	 * Descriptor 0 chains to itself and is made available by hand, as a
	 * hostile guest would: the walk must stop at the chain bound.
	 */
	vq->desc[0].addr = htole64(INPROC_RAM_BASE);
	vq->desc[0].len = htole32(16);
	vq->desc[0].flags = htole16(VRING_DESC_F_NEXT);
	vq->desc[0].next = 0;
	idx = le16toh(vq->avail->idx);
	vq->avail->ring[idx & (vq->num - 1)] = 0;
	__atomic_store_n(&vq->avail->idx, htole16((uint16_t)(idx + 1)),
			 __ATOMIC_RELEASE);
	fflush(stdout);
	rc = bad.ip->bus.mmio_write(bad.ip->bus.opaque,
				    INPROC_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY,
				    4, 0);
	if (rc)
		goto out;
	if (!(vdev_get_status(bad.ip->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		fprintf(stderr, "selftest: hostile guest's device is not in "
				"NEEDS_RESET\n");
		rc = -EPROTO;
		goto out;
	}
	printf("  looped descriptor chain -> its device is in "
	       "DEVICE_NEEDS_RESET\n");
	rc = one_request(good, 1);
	if (!rc)
		printf("  the first guest's disk still works\n");
out:
	if (bad.probed)
		blkdrv_remove(&bad.blk);
	inproc_free(bad.ip);
	if (bad.path[0])
		unlink(bad.path);
	free(bad.model);
	return rc;
}

int main(void)
{
	struct run r = { .rng = 0x9e3779b97f4a7c15ull };
	struct gpa_pool *pool;
	int rc;

	r.model = malloc(DISK_SIZE);
	r.buf = malloc((size_t)MAX_SECTORS * SECTOR);
	if (!r.model || !r.buf)
		return 1;
	printf("xen-virtio-dm core self-test: a Linux-like guest driver and "
	       "a virtio-blk disk\n");
	rc = make_disk(&r);
	if (!rc)
		rc = start(&r, &pool);
	if (!rc)
		rc = probe(&r);
	if (!rc)
		rc = random_io(&r);
	if (!rc)
		rc = hostile_guest(&r);
	if (r.probed)
		blkdrv_remove(&r.blk);
	inproc_free(r.ip);
	if (r.path[0])
		unlink(r.path);
	free(r.model);
	free(r.buf);
	printf("%s\n", rc ? "self-test FAILED" : "self-test passed");
	return rc ? 1 : 0;
}
