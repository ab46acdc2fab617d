// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the vhost-user front-end knows per device type: the size of its
 * configuration, the feature bits it may pass on, how to keep every request
 * within a bounce slot, and how to fail one that is not.
 *
 * virtio-blk (virtio 1.2 §5.2): requests are bounded with SIZE_MAX (4 KiB,
 * or the back-end's if smaller) and SEG_MAX (what fits a slot, or the
 * back-end's if smaller); Linux never builds a request with more data than
 * seg_max * size_max. The configuration is the 60-byte layout without the
 * secure-erase fields (what QEMU 7.2's back-ends answer), so
 * VIRTIO_BLK_F_SECURE_ERASE is not passed on.
 *
 * virtio-fs (virtio 1.2 §5.11): the configuration is the front-end's (the
 * tag from the daemon config, the request queues we serve), as with QEMU's
 * vhost-user-fs; queue 0 is the high-priority queue. Nothing in it bounds a
 * FUSE request, so a slot holds the largest one Linux builds (FUSE's
 * 256-page maximum, plus headers).
 */
#include <endian.h>
#include <errno.h>
#include <linux/fuse.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <string.h>

#include "iov.h"
#include "vu-dev.h"

#define BLK_SIZE_MAX 4096u
/* Header, status, GET_ID's 20 bytes, discard ranges: beside the data. */
#define BLK_SLACK 4096u
#define BLK_SEG_MAX 32u
#define BLK_SEG_CAP 126u /* as our own virtio-blk: 2 * 126 + 4 iovecs */
#define BLK_DWZ_SEG_MAX ((BLK_SLACK - 16u) / 16u)

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint16_t blk_limit(const struct vu_dev *d, uint64_t *features,
			  uint8_t *config)
{
	const uint32_t slot_bytes = d->type->slot_bytes;
	const uint32_t len =
		offsetof(struct virtio_blk_config, max_secure_erase_sectors);
	struct virtio_blk_config c;
	uint32_t size = BLK_SIZE_MAX, seg, v;

	memset(&c, 0, sizeof(c));
	memcpy(&c, config, len);
	v = le32toh(c.size_max);
	if ((*features & (1ull << VIRTIO_BLK_F_SIZE_MAX)) && v >= 512)
		size = min_u32(size, v);
	seg = min_u32((slot_bytes - BLK_SLACK) / size, BLK_SEG_CAP);
	v = le32toh(c.seg_max);
	if ((*features & (1ull << VIRTIO_BLK_F_SEG_MAX)) && v)
		seg = min_u32(seg, v);
	c.size_max = htole32(size);
	c.seg_max = htole32(seg);
	*features |= (1ull << VIRTIO_BLK_F_SIZE_MAX) |
		     (1ull << VIRTIO_BLK_F_SEG_MAX);
	/* §5.2.4: the guest uses num_queues queues; we serve these. */
	c.num_queues = htole16(d->num_queues);
	c.max_discard_seg =
		htole32(min_u32(le32toh(c.max_discard_seg), BLK_DWZ_SEG_MAX));
	c.max_write_zeroes_seg = htole32(
		min_u32(le32toh(c.max_write_zeroes_seg), BLK_DWZ_SEG_MAX));
	memcpy(config, &c, len);
	/* A segment of a page spans two pages: two iovecs; plus 4 more. */
	return (uint16_t)(2 * seg + 4);
}

/* §5.2.6: the status is the last byte of the device-writable part. */
static bool blk_reject(struct vq_elem *e, uint32_t *written)
{
	const uint8_t status = VIRTIO_BLK_S_IOERR;

	for (unsigned i = e->in_num; i-- > 0;) {
		const struct iovec *v = &e->in[i];

		if (!v->iov_len)
			continue;
		memcpy((uint8_t *)v->iov_base + v->iov_len - 1, &status, 1);
		*written = 1;
		return true;
	}
	return false; /* no status byte: the device fails instead */
}

#define FS_PAGES 256u /* FUSE_MAX_MAX_PAGES */
#define FS_SLACK 8192u

static uint16_t fs_limit(const struct vu_dev *d, uint64_t *features,
			 uint8_t *config)
{
	struct virtio_fs_config c;

	memset(&c, 0, sizeof(c));
	memcpy(c.tag, d->tag, sizeof(c.tag));
	c.num_request_queues = htole32((uint32_t)(d->num_queues - 1));
	memcpy(config, &c, sizeof(c));
	/* Two iovecs per page (a page-splitting provider), and headers. */
	return (uint16_t)(2 * FS_PAGES + 8);
}

/*
 * A FUSE reply carrying only an error (struct fuse_out_header) for the
 * request's unique id; requests without a reply (FORGET) cannot be failed.
 */
static bool fs_reject(struct vq_elem *e, uint32_t *written)
{
	struct fuse_out_header oh = {
		.len = htole32(sizeof(oh)),
		.error = (int32_t)htole32((uint32_t)-EIO),
	};
	struct iov_cursor c;
	uint64_t unique;

	if (e->in_len < sizeof(oh))
		return false;
	iov_cursor_init(&c, e->out, e->out_num);
	if (iov_cursor_skip(&c, offsetof(struct fuse_in_header, unique)) !=
		    offsetof(struct fuse_in_header, unique) ||
	    iov_cursor_read(&c, &unique, sizeof(unique)) != sizeof(unique))
		return false;
	oh.unique = unique; /* as the driver wrote it */
	iov_cursor_init(&c, e->in, e->in_num);
	*written = (uint32_t)iov_cursor_write(&c, &oh, sizeof(oh));
	return true;
}

static const struct vdev_ops blk_ops = {
	.type = "vhost-user-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.activate = vu_dev_activate,
	.queue_notify = vu_dev_queue_notify,
	.reset = vu_dev_reset,
	.config_written = vu_dev_config_written,
};

static const struct vdev_ops fs_ops = {
	.type = "vhost-user-fs",
	.device_id = VIRTIO_ID_FS,
	.activate = vu_dev_activate,
	.queue_notify = vu_dev_queue_notify,
	.reset = vu_dev_reset,
	/* No config_written: the configuration is read-only (§5.11.4). */
};

static const struct vu_type types[] = {
	{
		.ops = &blk_ops,
		.backend_config = true,
		.queue_size = 128,
		.config_len = offsetof(struct virtio_blk_config,
				       max_secure_erase_sectors),
		.device_features = (1ull << VIRTIO_BLK_F_SIZE_MAX) |
				   (1ull << VIRTIO_BLK_F_SEG_MAX) |
				   (1ull << VIRTIO_BLK_F_GEOMETRY) |
				   (1ull << VIRTIO_BLK_F_RO) |
				   (1ull << VIRTIO_BLK_F_BLK_SIZE) |
				   (1ull << VIRTIO_BLK_F_FLUSH) |
				   (1ull << VIRTIO_BLK_F_TOPOLOGY) |
				   (1ull << VIRTIO_BLK_F_CONFIG_WCE) |
				   (1ull << VIRTIO_BLK_F_MQ) |
				   (1ull << VIRTIO_BLK_F_DISCARD) |
				   (1ull << VIRTIO_BLK_F_WRITE_ZEROES),
		.readonly_features = 1ull << VIRTIO_BLK_F_RO,
		.slot_bytes = BLK_SEG_MAX * BLK_SIZE_MAX + BLK_SLACK,
		.limit = blk_limit,
		.reject = blk_reject,
	},
	{
		.ops = &fs_ops,
		.config_len = sizeof(struct virtio_fs_config),
		.queue_size = 64,
		.extra_queues = 1, /* hiprio */
		.slot_bytes = FS_PAGES * 4096 + FS_SLACK,
		.limit = fs_limit,
		.reject = fs_reject,
	},
};

const struct vu_type *vu_type_find(uint32_t device_id)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i].ops->device_id == device_id)
			return &types[i];
	}
	return NULL;
}

bool vu_supports(uint32_t device_id)
{
	return vu_type_find(device_id) != NULL;
}
