// SPDX-License-Identifier: GPL-2.0-only
/*
 * Throughput of virtio-blk through the vhost-user front-end (to a real
 * qemu-storage-daemon) against our own blk backend, on the same image in the
 * same run, with the same guest driver and request shapes (4 KiB segments,
 * as the limits we offer make Linux build them). Prints one table, the
 * vhost-user / blk ratios, and the cost of the bounce copies (memcpy of the
 * request's data, measured here) per request. Built without sanitizers.
 *
 *	tests/vhost-user/vu-bench [seconds per run, default 2]
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vhost-user/vhost-user.h"
#include "vu-harness.h"

#define IMAGE_SIZE (64u << 20)
#define SEG 4096u
#define MAX_QD 32u

struct load {
	const char *name;
	bool write;
	uint32_t len; /* bytes per request */
	unsigned qd;
};

static const struct load loads[] = {
	{ "read 4k qd16", false, 4096, 16 },
	{ "write 4k qd16", true, 4096, 16 },
	{ "read 64k qd8", false, 65536, 8 },
	{ "write 64k qd8", true, 65536, 8 },
	{ "read 128k qd4", false, 131072, 4 },
};

struct result {
	double iops, mbps;
	double cpu_us;		      /* our process, per request */
	double peer_cpu_us;	      /* qemu-storage-daemon's, per request */
	double kicks, calls, wakeups; /* vhost-user: per request */
};

static pid_t peer; /* qemu-storage-daemon while measuring vhost-user */

struct io {
	struct blkdrv_req req;
	struct vrdrv_sg seg[32];
	uint64_t gpa;
	bool again;
};

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* utime + stime of another process, from /proc/<pid>/stat. */
static double proc_cpu_s(pid_t pid)
{
	unsigned long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "(comm)": state, then fields 4..13, utime is 14. */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void done(struct blkdrv *b, struct blkdrv_req *req)
{
	((struct io *)req->opaque)->again = true;
}

static void prepare(const struct load *l, struct io *io)
{
	unsigned nseg = l->len / SEG;

	io->req = (struct blkdrv_req){
		.type = l->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
		.sector = (rnd() % ((IMAGE_SIZE - l->len) / SEG)) * (SEG / 512),
		.seg = io->seg,
		.nseg = nseg,
		.done = done,
		.opaque = io,
	};
	for (unsigned i = 0; i < nseg; i++)
		io->seg[i] = (struct vrdrv_sg){ io->gpa + i * SEG, SEG };
	io->again = false;
}

static int run(struct vuh *h, const struct load *l, double secs,
	       struct result *res)
{
	struct io io[MAX_QD];
	struct vu_stats s0 = { 0 }, s1 = { 0 };
	double t0, c0, p0, t;
	uint64_t n = 0;
	int rc;

	for (unsigned i = 0; i < l->qd; i++) {
		if (gpa_pool_alloc(&h->pool, l->len, 4096, &io[i].gpa))
			return -ENOMEM;
		prepare(l, &io[i]);
		rc = blkdrv_submit(&h->drv, 0, &io[i].req, i + 1 == l->qd);
		if (rc)
			return rc;
	}
	t0 = now_s();
	c0 = cpu_s();
	p0 = proc_cpu_s(peer);
	if (h->vu)
		vu_dev_stats(h->vu, &s0);
	do {
		rc = blkdrv_poll(&h->drv, 5000);
		if (rc <= 0)
			return rc ? rc : -ETIMEDOUT;
		for (unsigned i = 0; i < l->qd; i++) {
			if (!io[i].again)
				continue;
			if (io[i].req.error)
				return io[i].req.error;
			n++;
			prepare(l, &io[i]);
			rc = blkdrv_submit(&h->drv, 0, &io[i].req, false);
			if (rc)
				return rc;
		}
		blkdrv_commit(&h->drv, 0);
		t = now_s() - t0;
	} while (t < secs);
	res->iops = (double)n / t;
	res->mbps = res->iops * l->len / 1e6;
	res->cpu_us = (cpu_s() - c0) / (double)n * 1e6;
	res->peer_cpu_us = (proc_cpu_s(peer) - p0) / (double)n * 1e6;
	if (h->vu) {
		vu_dev_stats(h->vu, &s1);
		res->kicks = (double)(s1.kicks - s0.kicks) /
			     (double)(s1.requests - s0.requests);
		res->calls = (double)(s1.calls - s0.calls) /
			     (double)(s1.requests - s0.requests);
		res->wakeups = (double)(s1.wakeups - s0.wakeups) /
			       (double)(s1.requests - s0.requests);
	}
	/* Drain, then give the memory back. */
	for (unsigned left = l->qd; left;) {
		left = 0;
		for (unsigned i = 0; i < l->qd; i++)
			left += !io[i].req.completed;
		if (left && blkdrv_poll(&h->drv, 5000) <= 0)
			return -ETIMEDOUT;
	}
	for (unsigned i = 0; i < l->qd; i++)
		gpa_pool_free(&h->pool, io[i].gpa, l->len);
	return 0;
}

static int measure(struct vuh_params *hp, double secs, struct result *res)
{
	char err[256] = "";
	struct vuh *h;
	int rc;

	rc = vuh_new(hp, &h, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vu-bench: %s\n", err);
		return rc;
	}
	rc = vuh_probe(h, 5000);
	for (size_t i = 0; !rc && i < sizeof(loads) / sizeof(loads[0]); i++)
		rc = run(h, &loads[i], secs, &res[i]);
	if (rc)
		fprintf(stderr, "vu-bench: %s: %s\n",
			hp->socket ? "vhost-user" : "blk", strerror(-rc));
	vuh_free(h);
	return rc;
}

/* memcpy of len bytes between buffers that rotate through 32 MiB. */
static double copy_us(uint32_t len)
{
	const size_t area = 32u << 20;
	uint8_t *a = malloc(area), *b = malloc(area);
	unsigned n = 0;
	double t0, t;

	if (!a || !b)
		return 0;
	memset(a, 1, area);
	memset(b, 2, area);
	t0 = now_s();
	do {
		size_t off = (size_t)(n % (area / len)) * len;

		memcpy(b + off, a + off, len);
		n++;
		t = now_s() - t0;
	} while (t < 0.2);
	free(a);
	free(b);
	return t / n * 1e6;
}

static int make_image(const char *path)
{
	FILE *f = fopen(path, "we");
	uint64_t buf[4096];

	if (!f)
		return -errno;
	for (size_t off = 0; off < IMAGE_SIZE; off += sizeof(buf)) {
		for (size_t i = 0; i < 4096; i++)
			buf[i] = rnd();
		if (fwrite(buf, 1, sizeof(buf), f) != sizeof(buf)) {
			fclose(f);
			return -EIO;
		}
	}
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	struct result vu[8], blk[8], noev[8];
	struct vuh_params hp = { .queue_size = 128, .log_level = LOG_ERR };
	char dir[] = "/tmp/xvdm-vu-bench-XXXXXX";
	struct qsd q = { 0 };
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		return 1;
	snprintf(q.image, sizeof(q.image), "%s/disk.raw", dir);
	snprintf(q.sock, sizeof(q.sock), "%s/blk.sock", dir);
	rc = make_image(q.image);
	if (!rc)
		rc = qsd_start(&q);
	if (rc) {
		fprintf(stderr, "vu-bench: image or qemu-storage-daemon: %s\n",
			strerror(-rc));
		goto out;
	}
	hp.image = q.image;
	rc = measure(&hp, secs, blk);
	hp.socket = q.sock;
	peer = q.pid;
	hp.no_event_idx = true;
	if (!rc)
		rc = measure(&hp, secs, noev);
	hp.no_event_idx = false;
	if (!rc)
		rc = measure(&hp, secs, vu);
	if (rc)
		goto out;
	printf("%-18s %17s %26s %7s %16s\n", "", "our blk backend",
	       "vhost-user -> qsd", "ratio", "bounce copy/op");
	printf("%-18s %8s %8s %8s %8s %8s %7s %7s %8s\n", "workload", "IOPS",
	       "us/op", "IOPS", "us/op", "qsd", "vu/blk", "us", "% time");
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		double c = copy_us(loads[i].len);

		printf("%-18s %8.0f %8.1f %8.0f %8.1f %8.1f %7.2f %7.2f "
		       "%7.1f%%\n",
		       loads[i].name, blk[i].iops, blk[i].cpu_us, vu[i].iops,
		       vu[i].cpu_us, vu[i].peer_cpu_us,
		       vu[i].iops / blk[i].iops, c,
		       /* our one thread's time per op is 1 / IOPS */
		       100.0 * c * vu[i].iops / 1e6);
	}
	printf("\nnotifications per request on the shadow rings "
	       "(EVENT_IDX with the back-end: without -> with)\n");
	printf("%-18s %12s %12s %12s %18s\n", "workload", "kicks", "calls",
	       "wake-ups", "IOPS");
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		printf("%-18s %5.2f->%-5.2f %5.2f->%-5.2f %5.2f->%-5.2f "
		       "%8.0f->%-8.0f\n",
		       loads[i].name, noev[i].kicks, vu[i].kicks, noev[i].calls,
		       vu[i].calls, noev[i].wakeups, vu[i].wakeups,
		       noev[i].iops, vu[i].iops);
out:
	qsd_stop(&q, SIGTERM);
	unlink(q.sock);
	unlink(q.image);
	rmdir(dir);
	return rc ? 1 : 0;
}
