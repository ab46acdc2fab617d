/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio-blk end-to-end test fixture (see guest-fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-fixture.h"

uint64_t fix_rand(struct fixture *f)
{
	/* xorshift64*: reproducible runs from a fixed seed. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static void fill_random(struct fixture *f, uint8_t *p, size_t len)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < len; i += sizeof(v)) {
		v = fix_rand(f);
		memcpy(p + i, &v, len - i < sizeof(v) ? len - i : sizeof(v));
	}
}

static int make_disk(struct fixture *f)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/xvdm-guest-XXXXXX",
		 dir && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	f->disk_size = FIX_DISK_SIZE;
	f->model = malloc(f->disk_size);
	if (!f->model) {
		close(fd);
		return -1;
	}
	fill_random(f, f->model, f->disk_size);
	if (write(fd, f->model, f->disk_size) != (ssize_t)f->disk_size) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct fixture *fix_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->rng = 0x9e3779b97f4a7c15ull;
	if (make_disk(f)) {
		fix_free(f);
		return NULL;
	}
	f->ipp.path = f->path;
	f->ipp.log_level = LOG_ERR;
	return f;
}

int fix_device(struct fixture *f)
{
	char err[256] = "";
	int rc;

	rc = inproc_new(&f->ipp, &f->ip, err, sizeof(err));
	if (rc)
		fprintf(stderr, "inproc_new: %s\n", err);
	return rc;
}

int fix_probe(struct fixture *f)
{
	int rc;

	f->bp.bus = &f->ip->bus;
	f->bp.base = INPROC_MMIO_BASE;
	f->bp.pool = &f->ip->pool;
	if (!f->bp.timeout_ms)
		f->bp.timeout_ms = 5000;
	rc = blkdrv_probe(&f->blk, &f->bp);
	f->probed = !rc;
	return rc;
}

int fix_start(struct fixture *f)
{
	int rc = fix_device(f);

	return rc ? rc : fix_probe(f);
}

void fix_free(struct fixture *f)
{
	if (!f)
		return;
	if (f->probed)
		blkdrv_remove(&f->blk);
	inproc_free(f->ip);
	if (f->path[0])
		unlink(f->path);
	free(f->model);
	free(f);
}

void *fix_ram(struct fixture *f, uint64_t gpa, uint64_t len)
{
	return f->ip->bus.ram(f->ip->bus.opaque, gpa, len);
}

/* Random segments of whole sectors, each within size_max. */
static unsigned split(struct fixture *f, struct fix_op *op)
{
	uint32_t max_seg = f->blk.max_size / FIX_SECTOR, off = 0, n;
	unsigned nseg = 0;

	while (off < op->len) {
		n = (uint32_t)(1 + fix_rand(f) % max_seg) * FIX_SECTOR;
		if (n > op->len - off)
			n = op->len - off;
		op->seg[nseg++] = (struct vrdrv_sg){ op->gpa + off, n };
		off += n;
	}
	return nseg;
}

static void op_alloc(struct fixture *f, struct fix_op *op, bool write,
		     uint64_t sector, uint32_t len)
{
	uint8_t *p;

	memset(op, 0, sizeof(*op));
	op->write = write;
	op->len = len;
	if (gpa_pool_alloc(&f->ip->pool, op->len, FIX_SECTOR, &op->gpa))
		abort();
	p = fix_ram(f, op->gpa, op->len);
	if (write)
		fill_random(f, p, op->len);
	else
		memset(p, 0xa5, op->len);
	op->req.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	op->req.sector = sector;
	op->req.seg = op->seg;
}

void fix_op_init(struct fixture *f, struct fix_op *op, bool write,
		 uint64_t sector, unsigned max_sectors)
{
	op_alloc(f, op, write, sector,
		 (uint32_t)(1 + fix_rand(f) % max_sectors) * FIX_SECTOR);
	op->req.nseg = split(f, op);
}

void fix_op_init_exact(struct fixture *f, struct fix_op *op, bool write,
		       uint64_t sector, unsigned nsectors, unsigned nseg)
{
	uint32_t piece = nsectors / nseg * FIX_SECTOR;
	unsigned i;

	op_alloc(f, op, write, sector, nsectors * FIX_SECTOR);
	for (i = 0; i < nseg; i++)
		op->seg[i] = (struct vrdrv_sg){ op->gpa + i * piece, piece };
	op->req.nseg = nseg;
}

void fix_op_fini(struct fixture *f, struct fix_op *op)
{
	gpa_pool_free(&f->ip->pool, op->gpa, op->len);
}

bool fix_op_check(struct fixture *f, struct fix_op *op)
{
	uint8_t *p = fix_ram(f, op->gpa, op->len);
	uint8_t *m = f->model + op->req.sector * FIX_SECTOR;

	if (!op->req.completed || op->req.error)
		return false;
	if (op->write) {
		memcpy(m, p, op->len);
		return op->req.used_len == 1; /* only the status byte */
	}
	/* virtio 1.2 §2.7.8: len counts the data and the status byte. */
	return op->req.used_len == op->len + 1 && !memcmp(m, p, op->len);
}

bool fix_verify_disk(struct fixture *f, unsigned qidx)
{
	const size_t chunk = 64 * 1024;
	uint8_t *buf = malloc(chunk);
	bool ok = buf != NULL;
	size_t off;

	for (off = 0; ok && off < f->disk_size; off += chunk) {
		ok = !blkdrv_read(&f->blk, qidx, off / FIX_SECTOR, buf, chunk,
				  16) &&
		     !memcmp(buf, f->model + off, chunk);
		if (!ok)
			fprintf(stderr, "disk differs in [%zu, +%zu)\n", off,
				chunk);
	}
	free(buf);
	return ok;
}
