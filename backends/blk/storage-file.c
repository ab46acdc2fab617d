// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block storage's file: a regular file or a block device, its size,
 * logical block size, whether it can deallocate, and whether it lives in
 * RAM. See storage-file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include "storage-file.h"

int storage_fail(char *err, size_t err_len, const char *path, const char *what,
		 int rc)
{
	snprintf(err, err_len, "%s: %s: %s", path, what, strerror(-rc));
	return rc;
}

static bool read_sysfs_u64(const char *path, uint64_t *v)
{
	unsigned long long x;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%llu", &x);
	fclose(f);
	if (n != 1)
		return false;
	*v = x;
	return true;
}

/*
 * blkdev_fallocate() punches holes with REQ_OP_WRITE_ZEROES and no
 * fallback to writing zeroes: only a device with a write-zeroes command
 * (write_zeroes_max_bytes > 0) can. A partition has no queue directory of
 * its own: its disk's is one level up.
 */
static bool blkdev_can_punch(dev_t rdev)
{
	char path[96];
	uint64_t v;

	snprintf(path, sizeof(path),
		 "/sys/dev/block/%u:%u/queue/write_zeroes_max_bytes",
		 major(rdev), minor(rdev));
	if (read_sysfs_u64(path, &v))
		return v > 0;
	snprintf(path, sizeof(path),
		 "/sys/dev/block/%u:%u/../queue/write_zeroes_max_bytes",
		 major(rdev), minor(rdev));
	return read_sysfs_u64(path, &v) && v > 0;
}

static int probe_blkdev(struct storage_file *s, dev_t rdev, const char *path,
			char *err, size_t err_len)
{
	uint64_t size;
	int bs;

	if (ioctl(s->fd, BLKGETSIZE64, &size) < 0)
		return storage_fail(err, err_len, path, "BLKGETSIZE64", -errno);
	if (ioctl(s->fd, BLKSSZGET, &bs) < 0)
		return storage_fail(err, err_len, path, "BLKSSZGET", -errno);
	/* The kernel guarantees a power of two in [512, page size]. */
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return storage_fail(err, err_len, path, "logical block size",
				    -EINVAL);
	s->size = size;
	s->block_size = (uint32_t)bs;
	s->can_punch = blkdev_can_punch(rdev);
	return 0;
}

int storage_file_open(struct storage_file *s, const char *path, bool readonly,
		      char *err, size_t err_len)
{
	struct statfs fs;
	struct stat st;

	s->fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (s->fd < 0)
		return storage_fail(err, err_len, path, "open", -errno);
	if (fstat(s->fd, &st) < 0)
		return storage_fail(err, err_len, path, "fstat", -errno);
	if (S_ISBLK(st.st_mode))
		return probe_blkdev(s, st.st_rdev, path, err, err_len);
	if (!S_ISREG(st.st_mode))
		return storage_fail(err, err_len, path,
				    "not a regular file or block device",
				    -EINVAL);
	s->size = (uint64_t)st.st_size;
	s->block_size = 512;
	s->in_ram = !fstatfs(s->fd, &fs) &&
		    (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
	/* Filesystems without hole punching fail the request instead. */
	s->can_punch = true;
	return 0;
}
