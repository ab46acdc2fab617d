// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests of the daemon scenarios (daemon-fixture.h): the toolstack's steps
 * to give a guest a device, the guest bus over simulated vCPU exits, and a
 * random workload checked against the image's model.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compiler.h"
#include "daemon-fixture.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_gone(struct dguest *g)
{
	return __atomic_load_n(&g->gone, __ATOMIC_ACQUIRE);
}

/* The calling thread's vCPU (smp: looked up under the guest's lock). */
static struct dcpu *this_cpu(struct dguest *g)
{
	pthread_t self = pthread_self();
	unsigned i;

	for (i = 0; i < DF_MAX_VCPUS; i++)
		if (g->cpu[i].bound && pthread_equal(g->cpu[i].thread, self))
			return &g->cpu[i];
	return &g->cpu[0];
}

/* A vCPU exit: other guest threads may run meanwhile (smp). */
static void exit_begin(struct dguest *g)
{
	if (g->smp)
		pthread_mutex_unlock(&g->lock);
}

static void exit_end(struct dguest *g)
{
	if (g->smp)
		pthread_mutex_lock(&g->lock);
}

static int bus_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
	struct dguest *g = opaque;
	struct guest_bus *b = &this_cpu(g)->sb.bus;
	int rc;

	if (is_gone(g))
		return -ENODEV;
	exit_begin(g);
	rc = b->mmio_read(b->opaque, addr, size, val);
	exit_end(g);
	return rc;
}

static int bus_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
	struct dguest *g = opaque;
	struct guest_bus *b = &this_cpu(g)->sb.bus;
	int rc;

	if (is_gone(g))
		return -ENODEV;
	exit_begin(g);
	rc = b->mmio_write(b->opaque, addr, size, val);
	exit_end(g);
	return rc;
}

static void *bus_ram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct dguest *g = opaque;

	return g->cpu[0].sb.bus.ram(&g->cpu[0].sb, gpa, len);
}

/*
 * Each vCPU's sim_bus counts the edges it has handled, so an interrupt
 * wakes every thread that waits (a thread whose request another thread
 * completed wakes up too). Waits go in slices so that a guest whose
 * device is gone stops waiting.
 */
static int bus_wait_irq(void *opaque, int timeout_ms)
{
	struct dguest *g = opaque;
	struct guest_bus *b = &this_cpu(g)->sb.bus;
	int64_t deadline = now_ms() + timeout_ms, left;
	int rc = 0;

	exit_begin(g);
	for (;;) {
		left = deadline - now_ms();
		if (left < 0 || is_gone(g))
			break;
		rc = b->wait_irq(b->opaque, (int)(left < 100 ? left : 100));
		if (rc)
			break;
	}
	exit_end(g);
	return rc;
}

void df_guest_init(struct dfix *f, struct dguest *g, uint32_t domid,
		   enum xensim_libxl_kind kind, unsigned slot, uint64_t seed)
{
	static const char *const vdevs[] = { "xvda", "xvdb", "xvdc" };
	char name[32];
	unsigned i;

	assert_true(slot < ARRAY_SIZE(vdevs));
	memset(g, 0, sizeof(*g));
	g->f = f;
	g->slot = slot;
	g->nr_vcpus = 1;
	snprintf(name, sizeof(name), "dom%u-%u.img", domid, slot);
	df_disk_init(f, &g->disk, name, DF_DISK_SIZE, seed);
	g->dev = (struct xensim_libxl_dev){
		.kind = kind,
		.domid = domid,
		.devid = kind == XENSIM_LIBXL_VIRTIO_DISK ?
				 DF_XVDA + 16 * slot :
				 slot,
		.base = DF_MMIO_BASE + DF_MMIO_STEP * slot,
		.irq = DF_IRQ + slot,
	};
	if (kind == XENSIM_LIBXL_VIRTIO_DISK) {
		g->dev.vdev = vdevs[slot];
		g->dev.params = g->disk.path;
	} else {
		g->dev.type = "virtio,device2"; /* VIRTIO_ID_BLOCK */
	}
	pthread_mutex_init(&g->lock, NULL);
	for (i = 0; i < DF_MAX_VCPUS; i++)
		sim_bus_init(&g->cpu[i].sb, f->h, domid, i, g->dev.irq);
	g->bus = (struct guest_bus){ .mmio_read = bus_read,
				     .mmio_write = bus_write,
				     .ram = bus_ram,
				     .wait_irq = bus_wait_irq,
				     .opaque = g };
	assert_int_equal(gpa_pool_init(&g->pool,
				       XENSIM_RAM0_BASE + (1 << 20) +
					       DF_POOL_SIZE * slot,
				       DF_POOL_SIZE),
			 0);
}

void df_guest_fini(struct dguest *g)
{
	if (g->probed)
		blkdrv_remove(&g->blk);
	g->probed = false;
	gpa_pool_fini(&g->pool);
	df_disk_fini(&g->disk);
	pthread_mutex_destroy(&g->lock);
}

void df_device_section(const struct dguest *g, char *buf, size_t len,
		       const char *extra)
{
	snprintf(buf, len, "[device \"%u/%u\"]\nimage = %s\n%s", g->dev.domid,
		 g->dev.devid, g->disk.path, extra ? extra : "");
}

void df_domain_create(struct dfix *f, uint32_t domid, unsigned nr_vcpus)
{
	struct xensim_domain_cfg c = {
		.domid = domid,
		.nr_vcpus = nr_vcpus,
		.ram = { { XENSIM_RAM0_BASE, DF_RAM_SIZE } },
		.paused = true, /* xl create: devices first, then unpause */
	};

	assert_int_equal(xensim_domain_create(f->h, &c), 0);
}

void df_backend_path(const struct dguest *g, const char *node, char *buf,
		     size_t len)
{
	snprintf(buf, len, "/local/domain/0/backend/%s/%u/%u/%s",
		 g->dev.kind == XENSIM_LIBXL_VIRTIO_DISK ? "virtio_disk" :
							   "virtio",
		 g->dev.domid, g->dev.devid, node);
}

void df_wait_state(struct dguest *g, const char *state)
{
	char path[128], *v;
	int rc;

	df_backend_path(g, "state", path, sizeof(path));
	rc = xensim_xs_wait(g->f->h, path, state, DF_WAIT_MS);
	if (rc) {
		v = df_xs_read(g->f, path);
		fprintf(stderr, "%s is %s, not %s\n", path, v ? v : "absent",
			state);
		free(v);
	}
	assert_int_equal(rc, 0);
}

/* InitWait (2): the daemon serves the device; xl create goes on. */
void df_device_add(struct dguest *g)
{
	assert_int_equal(xensim_libxl_add(g->f->h, &g->dev), 0);
	df_wait_state(g, "2");
}

void df_guest_boot(struct dguest *g, unsigned nr_vcpus)
{
	g->nr_vcpus = nr_vcpus;
	df_domain_create(g->f, g->dev.domid, nr_vcpus);
	df_device_add(g);
	assert_int_equal(xensim_domain_pause(g->f->h, g->dev.domid, false), 0);
}

int df_guest_probe(struct dguest *g, unsigned max_queues)
{
	struct blkdrv_params p = {
		.bus = &g->bus,
		.base = g->dev.base,
		.pool = &g->pool,
		.max_queues = max_queues,
		.timeout_ms = DF_WAIT_MS,
	};
	int rc = blkdrv_probe(&g->blk, &p);

	g->probed = !rc;
	if (rc)
		fprintf(stderr, "dom%u: probe: %d (%s)\n", g->dev.domid, rc,
			g->blk.vm.error);
	return rc;
}

void df_guest_bind_cpu(struct dguest *g, unsigned vcpu)
{
	assert_true(vcpu < DF_MAX_VCPUS);
	pthread_mutex_lock(&g->lock);
	g->cpu[vcpu].thread = pthread_self();
	g->cpu[vcpu].bound = true;
	pthread_mutex_unlock(&g->lock);
}

void df_guest_destroy(struct dguest *g)
{
	__atomic_store_n(&g->gone, true, __ATOMIC_RELEASE);
	assert_int_equal(xensim_domain_destroy(g->f->h, g->dev.domid), 0);
}

int df_reg_read(struct dguest *g, unsigned vcpu, uint32_t off, uint32_t *val)
{
	uint64_t v = 0;
	int rc = xensim_mmio_read(g->f->h, g->dev.domid, vcpu,
				  g->dev.base + off, 4, &v);

	*val = (uint32_t)v;
	return rc;
}

int df_reg_write(struct dguest *g, unsigned vcpu, uint32_t off, uint32_t val)
{
	return xensim_mmio_write(g->f->h, g->dev.domid, vcpu, g->dev.base + off,
				 4, val);
}

uint32_t df_wait_status(struct dguest *g, uint32_t bits, unsigned timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct xensim_irq irq = { 0 };
	uint32_t status = 0;

	for (;;) {
		if (df_reg_read(g, 0, VIRTIO_MMIO_STATUS, &status) ||
		    (status & bits) || now_ms() >= deadline)
			return status;
		/* The device tells a failure with a configuration interrupt
		 * once DRIVER_OK is set; before, look again shortly. */
		if (!xensim_irq_get(g->f->h, g->dev.domid, g->dev.irq, &irq))
			(void)xensim_irq_wait_edges(g->f->h, g->dev.domid,
						    g->dev.irq, irq.edges + 1,
						    10);
	}
}

void df_work_init(struct dwork *w, struct dguest *g, unsigned ops,
		  uint64_t seed)
{
	*w = (struct dwork){ .g = g,
			     .nsect = g->disk.size / DF_SECTOR,
			     .ops = ops,
			     .max_sectors = 64,
			     .rng = seed | 1 };
}

static void lock(struct dguest *g)
{
	if (g->smp)
		pthread_mutex_lock(&g->lock);
}

static void unlock(struct dguest *g)
{
	if (g->smp)
		pthread_mutex_unlock(&g->lock);
}

#define FAIL(w, ...) (snprintf((w)->error, sizeof((w)->error), __VA_ARGS__), -1)

static int do_write(struct dwork *w, uint64_t sector, uint8_t *buf, size_t len,
		    unsigned nseg)
{
	struct dguest *g = w->g;
	int rc;

	df_fill(&w->rng, buf, len);
	lock(g);
	rc = blkdrv_write(&g->blk, w->qidx, sector, buf, len, nseg);
	unlock(g);
	w->writes++;
	if (w->expect_ro)
		return rc == -EIO ?
			       0 :
			       FAIL(w, "write to a read-only disk: %d", rc);
	if (rc)
		return FAIL(w, "write of %zu bytes at sector %llu: %d", len,
			    (unsigned long long)sector, rc);
	memcpy(g->disk.model + sector * DF_SECTOR, buf, len);
	return 0;
}

static int do_read(struct dwork *w, uint64_t sector, uint8_t *buf, size_t len,
		   unsigned nseg)
{
	struct dguest *g = w->g;
	int rc;

	lock(g);
	rc = blkdrv_read(&g->blk, w->qidx, sector, buf, len, nseg);
	unlock(g);
	w->reads++;
	if (rc)
		return FAIL(w, "read of %zu bytes at sector %llu: %d", len,
			    (unsigned long long)sector, rc);
	if (memcmp(buf, g->disk.model + sector * DF_SECTOR, len))
		return FAIL(w,
			    "read of %zu bytes at sector %llu differs "
			    "from the model",
			    len, (unsigned long long)sector);
	return 0;
}

static int do_flush(struct dwork *w)
{
	struct dguest *g = w->g;
	int rc = 0;

	lock(g);
	if (vmdrv_has_feature(&g->blk.vm, VIRTIO_BLK_F_FLUSH))
		rc = blkdrv_flush(&g->blk, w->qidx);
	unlock(g);
	w->flushes++;
	return rc ? FAIL(w, "flush: %d", rc) : 0;
}

/* One request: 1/16 flushes, 7/16 writes, half reads. */
static int one_op(struct dwork *w, uint8_t *buf)
{
	uint64_t r = df_rand(&w->rng), n = 1 + r % w->max_sectors, sector;
	unsigned nseg = 1 + (unsigned)((r >> 32) % 4);
	unsigned kind = (unsigned)((r >> 40) % 16);
	size_t len;

	if (n > w->nsect)
		n = w->nsect;
	sector = w->first + df_rand(&w->rng) % (w->nsect - n + 1);
	len = (size_t)n * DF_SECTOR;
	if (kind == 0)
		return do_flush(w);
	if (kind < 8)
		return do_write(w, sector, buf, len, nseg);
	return do_read(w, sector, buf, len, nseg);
}

int df_work(struct dwork *w)
{
	uint8_t *buf;
	unsigned n;
	int rc = 0;

	if (!w->max_sectors)
		w->max_sectors = 64;
	buf = malloc((size_t)w->max_sectors * DF_SECTOR);
	if (!buf)
		return FAIL(w, "out of memory");
	for (n = 0; n < w->ops && !rc; n++) {
		if (w->stop && __atomic_load_n(w->stop, __ATOMIC_ACQUIRE))
			break;
		rc = one_op(w, buf);
		if (!rc)
			__atomic_store_n(&w->done, n + 1, __ATOMIC_RELEASE);
	}
	free(buf);
	if (rc)
		fprintf(stderr, "dom%u queue %u after %u requests: %s\n",
			w->g->dev.domid, w->qidx, w->done, w->error);
	return rc;
}

void *df_work_thread(void *arg)
{
	struct dwork *w = arg;

	if (w->g->smp)
		df_guest_bind_cpu(w->g, w->vcpu);
	return df_work(w) ? arg : NULL;
}

int df_verify(struct dguest *g, unsigned qidx)
{
	const size_t chunk = 64 << 10;
	uint8_t *buf = malloc(chunk);
	size_t off;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (off = 0; off < g->disk.size && !rc; off += chunk) {
		lock(g);
		rc = blkdrv_read(&g->blk, qidx, off / DF_SECTOR, buf, chunk, 4);
		unlock(g);
		if (!rc && memcmp(buf, g->disk.model + off, chunk)) {
			fprintf(stderr,
				"dom%u: disk at %zu differs from the "
				"model\n",
				g->dev.domid, off);
			rc = -EILSEQ;
		}
	}
	free(buf);
	return rc;
}
