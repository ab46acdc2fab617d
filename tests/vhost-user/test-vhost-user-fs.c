// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-fs through the vhost-user front-end to QEMU's virtiofsd, in one
 * process: a guest-side virtio-mmio driver finds the device, reads its tag,
 * sets up the high-priority and request queues, and speaks FUSE on the
 * request queue (INIT, LOOKUP, OPEN, READ, WRITE) against a directory of
 * the host. Skipped when virtiofsd is not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vdev.h"
#include "virtio-mmio-driver.h"
#include "vu-harness.h"

#define FILE_SIZE (300u * 1024)

struct fx {
	char dir[64];
	char file[160];
	uint8_t *data; /* the file's contents */
	struct vfsd v;
	struct vuh *h;
	struct vmdrv vm;
	void *done; /* the token of the last completed request */
	uint32_t used_len;
	uint64_t unique;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return -1;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/xvdm-vufs-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->v.dir, sizeof(f->v.dir), "%s/share", f->dir);
	snprintf(f->v.sock, sizeof(f->v.sock), "%s/fs.sock", f->dir);
	snprintf(f->file, sizeof(f->file), "%s/hello.bin", f->v.dir);
	f->data = malloc(FILE_SIZE);
	if (!f->data || mkdir(f->v.dir, 0700))
		return -1;
	for (size_t i = 0; i < FILE_SIZE; i++)
		f->data[i] = (uint8_t)(i * 7 + i / 4096);
	fd = open(f->file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, f->data, FILE_SIZE) != FILE_SIZE)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[160];

	if (f->h && f->vm.nvqs) {
		(void)vmdrv_reset(&f->vm);
		vmdrv_del_vqs(&f->vm);
	}
	vuh_free(f->h);
	vfsd_stop(&f->v, SIGTERM);
	unlink(f->file);
	rmdir(f->v.dir);
	unlink(f->v.sock);
	snprintf(path, sizeof(path), "%s", f->dir);
	rmdir(path);
	free(f->data);
	free(f);
	return 0;
}

static void on_used(struct vrdrv *vq, void *opaque)
{
	struct fx *f = opaque;
	void *data;
	uint32_t len;

	while (vrdrv_get_buf(vq, &data, &len) == 1) {
		f->done = data;
		f->used_len = len;
	}
}

/* The driver side of Linux's virtio_fs probe, up to DRIVER_OK. */
static void start(struct fx *f)
{
	vrdrv_callback_fn *const cbs[2] = { on_used, on_used };
	struct vuh_params hp = { .device_id = VIRTIO_ID_FS,
				 .tag = "xvdm-share",
				 .log_level = LOG_ERR };
	char err[256] = "", tag[36];
	uint32_t nreq;

	if (!vfsd_available())
		skip();
	assert_int_equal(vfsd_start(&f->v), 0);
	hp.socket = f->v.sock;
	if (vuh_new(&hp, &f->h, err, sizeof(err)))
		fail_msg("vuh_new: %s", err);
	assert_int_equal(
		vmdrv_probe(&f->vm, &f->h->bus, VUH_MMIO_BASE, &f->h->pool), 0);
	assert_int_equal(f->vm.device_id, VIRTIO_ID_FS);
	assert_int_equal(vmdrv_negotiate(&f->vm, VMDRV_TRANSPORT_FEATURES), 0);
	assert_int_equal(vmdrv_cread_many(&f->vm, 0, tag, sizeof(tag), 1), 0);
	assert_memory_equal(tag, "xvdm-share", 11);
	assert_int_equal(vmdrv_cread(&f->vm, 36, &nreq, 4), 0);
	assert_int_equal(nreq, 1);
	assert_int_equal(vmdrv_find_vqs(&f->vm, 2, cbs, f, 0), 0);
	assert_int_equal(vmdrv_ready(&f->vm), 0);
}

/*
 * One FUSE request on the request queue: in = header + arg (readable),
 * out = header + reply of out_cap bytes (writable). Returns the reply's
 * error (0 or -errno) and its payload length in *out_len.
 */
static int fuse(struct fx *f, uint32_t opcode, uint64_t nodeid, const void *arg,
		uint32_t arg_len, void *out, uint32_t out_cap,
		uint32_t *out_len)
{
	struct fuse_in_header ih = { .len = (uint32_t)sizeof(ih) + arg_len,
				     .opcode = opcode,
				     .unique = ++f->unique,
				     .nodeid = nodeid };
	struct fuse_out_header *oh;
	struct vrdrv_sg sg[2];
	uint64_t in_gpa, out_gpa;
	uint8_t *p;
	int rc = -ETIMEDOUT;

	assert_int_equal(gpa_pool_alloc(&f->h->pool, ih.len, 8, &in_gpa), 0);
	assert_int_equal(gpa_pool_alloc(&f->h->pool, sizeof(*oh) + out_cap,
					4096, &out_gpa),
			 0);
	p = f->h->bus.ram(f->h, in_gpa, ih.len);
	memcpy(p, &ih, sizeof(ih));
	memcpy(p + sizeof(ih), arg, arg_len);
	oh = f->h->bus.ram(f->h, out_gpa, sizeof(*oh) + out_cap);
	memset(oh, 0xcc, sizeof(*oh));
	sg[0] = (struct vrdrv_sg){ in_gpa, ih.len };
	sg[1] = (struct vrdrv_sg){ out_gpa, (uint32_t)sizeof(*oh) + out_cap };
	f->done = NULL;
	assert_int_equal(vrdrv_add(f->vm.vqs[1], sg, 1, 1, oh), 0);
	(void)vrdrv_kick(f->vm.vqs[1]);
	while (f->done != oh) {
		if (f->h->bus.wait_irq(f->h, 5000) != 1)
			goto out;
		assert_true(vmdrv_interrupt(&f->vm) >= 0);
	}
	assert_int_equal(oh->unique, ih.unique);
	assert_true(oh->len >= sizeof(*oh) && oh->len <= f->used_len);
	rc = oh->error;
	*out_len = oh->len - (uint32_t)sizeof(*oh);
	memcpy(out, oh + 1, *out_len);
out:
	gpa_pool_free(&f->h->pool, in_gpa, ih.len);
	gpa_pool_free(&f->h->pool, out_gpa, sizeof(*oh) + out_cap);
	return rc;
}

static void init(struct fx *f)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION,
				   .minor = FUSE_KERNEL_MINOR_VERSION,
				   .max_readahead = 128 * 1024,
				   .flags = FUSE_MAX_PAGES };
	struct fuse_init_out out;
	uint32_t len;

	assert_int_equal(
		fuse(f, FUSE_INIT, 0, &in, sizeof(in), &out, sizeof(out), &len),
		0);
	assert_true(len >= FUSE_COMPAT_22_INIT_OUT_SIZE);
	assert_int_equal(out.major, 7);
	print_message("virtiofsd: FUSE 7.%u, max_write %u, max_pages %u\n",
		      out.minor, out.max_write, out.max_pages);
}

/* LOOKUP + OPEN of the test file: its node id and file handle. */
static void open_file(struct fx *f, uint32_t flags, uint64_t *node,
		      uint64_t *fh)
{
	struct fuse_entry_out e;
	struct fuse_open_in oi = { .flags = flags };
	struct fuse_open_out oo;
	uint32_t len;

	assert_int_equal(fuse(f, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.bin", 10, &e,
			      sizeof(e), &len),
			 0);
	assert_int_equal(e.attr.size, FILE_SIZE);
	assert_int_equal(fuse(f, FUSE_OPEN, e.nodeid, &oi, sizeof(oi), &oo,
			      sizeof(oo), &len),
			 0);
	*node = e.nodeid;
	*fh = oo.fh;
}

static void test_fuse_read_write(void **state)
{
	struct fx *f = *state;
	const uint32_t n = 256 * 1024, wlen = 100 * 1000;
	uint8_t *buf = malloc(n + sizeof(struct fuse_write_in));
	struct fuse_read_in ri = { .size = n, .offset = 4096 };
	struct fuse_write_in *wi = (void *)buf;
	struct fuse_write_out wo;
	uint64_t node, fh;
	uint32_t len;
	int fd;

	assert_non_null(buf);
	start(f);
	init(f);
	open_file(f, O_RDWR, &node, &fh);
	ri.fh = fh;
	assert_int_equal(
		fuse(f, FUSE_READ, node, &ri, sizeof(ri), buf, n, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(buf, f->data + 4096, n);
	/* A write of 100 kB in the middle of the file. */
	*wi = (struct fuse_write_in){ .fh = fh, .offset = 8192, .size = wlen };
	for (uint32_t i = 0; i < wlen; i++)
		buf[sizeof(*wi) + i] = (uint8_t)(0xa5 ^ i);
	assert_int_equal(fuse(f, FUSE_WRITE, node, buf,
			      (uint32_t)sizeof(*wi) + wlen, &wo, sizeof(wo),
			      &len),
			 0);
	assert_int_equal(wo.size, wlen);
	fd = open(f->file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, wlen, 8192), wlen);
	close(fd);
	for (uint32_t i = 0; i < wlen; i++)
		assert_int_equal(buf[i], (uint8_t)(0xa5 ^ i));
	assert_int_equal(
		vdev_get_status(f->h->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	free(buf);
}

/*
 * A read larger than any slot (FUSE's own maximum is 1 MiB): the front-end
 * answers it with EIO itself, and the device goes on.
 */
static void test_oversized_request_fails(void **state)
{
	struct fx *f = *state;
	const uint32_t n = 2u << 20;
	uint8_t *buf = malloc(n);
	struct fuse_read_in ri = { .size = n };
	uint64_t node, fh;
	uint32_t len;

	assert_non_null(buf);
	start(f);
	init(f);
	open_file(f, O_RDONLY, &node, &fh);
	ri.fh = fh;
	assert_int_equal(
		fuse(f, FUSE_READ, node, &ri, sizeof(ri), buf, n, &len), -EIO);
	ri.size = 4096;
	assert_int_equal(
		fuse(f, FUSE_READ, node, &ri, sizeof(ri), buf, 4096, &len), 0);
	assert_memory_equal(buf, f->data, 4096);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuse_read_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized_request_fails,
						setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
