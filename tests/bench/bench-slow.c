// SPDX-License-Identifier: GPL-2.0-only
/*
 * No request waits behind another guest's slow disk: two guests of one
 * daemon, the first one's disk throttled, the second one's latency measured
 * alone and next to the first one's full queue of slow requests.
 *
 * The slow disk is a loop device over a tmpfs file whose reads and writes
 * are throttled to a few IOPS by the block cgroup the daemon is moved into
 * (cgroup v1 blkio.throttle.*_iops_device, or v2 io.max). The limit is per
 * device, so only the first guest's I/O is slowed: the second guest's image
 * is a tmpfs file, which no block throttle touches. device-mapper's delay
 * target would do too, but needs dm-mod in the kernel, which a container
 * or a small VM often lacks; loop and the block cgroup are more common.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bench.h"

#define NB_IOPS 100
#define NB_SIZE (64ull << 20)
#define CG_V1 "/sys/fs/cgroup/blkio"
#define CG_V2 "/sys/fs/cgroup"

static const struct bench_wl nb_fast = { "randread-4k", 4096, 1, false, false };
static const struct bench_wl nb_slow = { "randread-4k", 4096, 32, false,
					 false };

struct throttle {
	char dev[32]; /* the loop device */
	int fd;	      /* held: LO_FLAGS_AUTOCLEAR detaches at the last close */
	dev_t rdev;
	char cg[128]; /* our cgroup, "" when none */
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int configure(int lfd, int bfd)
{
	struct loop_config cfg = { .fd = (unsigned)bfd };
	struct loop_info64 info = { .lo_flags = LO_FLAGS_AUTOCLEAR };

	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (!ioctl(lfd, LOOP_CONFIGURE, &cfg))
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	/* Before Linux 5.8: attach, then set the flags. */
	if (ioctl(lfd, LOOP_SET_FD, bfd))
		return -errno;
	return ioctl(lfd, LOOP_SET_STATUS64, &info) ? -errno : 0;
}

/* A loop device over backing, without read-ahead. */
static int loop_attach(struct throttle *t, const char *backing, char *why,
		       size_t len)
{
	int ctl, bfd, n, rc = -EBUSY;
	struct stat st;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	bfd = open(backing, O_RDWR | O_CLOEXEC);
	for (int tries = 0; ctl >= 0 && bfd >= 0 && rc == -EBUSY && tries < 8;
	     tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			break;
		snprintf(t->dev, sizeof(t->dev), "/dev/loop%d", n);
		t->fd = open(t->dev, O_RDWR | O_CLOEXEC);
		if (t->fd < 0) {
			rc = -errno;
			break;
		}
		rc = configure(t->fd, bfd);
		if (rc) {
			close(t->fd);
			t->fd = -1;
		}
	}
	if (ctl < 0 || bfd < 0 || rc || fstat(t->fd, &st)) {
		snprintf(why, len, "no loop device (%s: %s)",
			 ctl < 0 ? "/dev/loop-control" : t->dev,
			 strerror(ctl < 0 ? errno :
				  rc	  ? -rc :
					    errno));
		rc = rc ? rc : -ENODEV;
	} else {
		t->rdev = st.st_rdev;
		/* Every read reaches the device, and the throttle. */
		(void)ioctl(t->fd, BLKRASET, 0ul);
	}
	if (ctl >= 0)
		close(ctl);
	if (bfd >= 0)
		close(bfd);
	return rc;
}

/*
 * A bench killed with its daemon (Ctrl-C reaches the whole process group)
 * leaves its cgroup behind, empty: rmdir takes it, and fails harmlessly on
 * one that still has a process.
 */
static void remove_stale(const char *root)
{
	char path[320];
	struct dirent *e;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "xvdm-bench-", 11)) {
			snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
			(void)rmdir(path);
		}
	closedir(d);
}

/* Moves pid into a new block cgroup that limits the loop device. */
static int cgroup_throttle(struct throttle *t, pid_t pid, char *why, size_t len)
{
	char path[192], val[96];
	bool v1 = !access(CG_V1 "/blkio.throttle.read_iops_device", F_OK);
	unsigned ma = major(t->rdev), mi = minor(t->rdev);
	int rc;

	if (!v1 && access(CG_V2 "/io.pressure", F_OK) &&
	    access(CG_V2 "/cgroup.subtree_control", F_OK)) {
		snprintf(why, len,
			 "no block cgroup to throttle with (neither "
			 "%s/blkio.throttle.* nor cgroup2 io.max)",
			 CG_V1);
		return -ENOENT;
	}
	remove_stale(v1 ? CG_V1 : CG_V2);
	snprintf(t->cg, sizeof(t->cg), "%s/xvdm-bench-%d", v1 ? CG_V1 : CG_V2,
		 (int)getpid());
	if (!v1)
		(void)write_file(CG_V2 "/cgroup.subtree_control", "+io");
	rc = mkdir(t->cg, 0755) ? -errno : 0;
	if (v1) {
		snprintf(val, sizeof(val), "%u:%u %u", ma, mi, NB_IOPS);
		snprintf(path, sizeof(path),
			 "%s/blkio.throttle.read_iops_device", t->cg);
		rc = rc ? rc : write_file(path, val);
		snprintf(path, sizeof(path),
			 "%s/blkio.throttle.write_iops_device", t->cg);
	} else {
		snprintf(val, sizeof(val), "%u:%u riops=%u wiops=%u", ma, mi,
			 NB_IOPS, NB_IOPS);
		snprintf(path, sizeof(path), "%s/io.max", t->cg);
	}
	rc = rc ? rc : write_file(path, val);
	snprintf(path, sizeof(path), "%s/cgroup.procs", t->cg);
	snprintf(val, sizeof(val), "%d", (int)pid);
	rc = rc ? rc : write_file(path, val);
	if (rc)
		snprintf(why, len, "cannot throttle %s in cgroup %s: %s",
			 t->dev, t->cg, strerror(-rc));
	else
		snprintf(
			why, len,
			"dom11's disk is %s over a tmpfs file, throttled to %u "
			"IOPS by the daemon's %s (%s)",
			t->dev, NB_IOPS, v1 ? "cgroup v1 blkio" : "cgroup2 io",
			t->cg);
	return rc;
}

/* The first guest's disk: the throttled loop device instead of a file. */
static int slow_disk(struct dfix *f, struct dguest *g, struct throttle *t,
		     char *why, size_t len)
{
	char backing[160];
	int fd, rc;

	snprintf(backing, sizeof(backing), "%s/slow-backing.img", f->dir);
	fd = open(backing, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)NB_SIZE)) {
		snprintf(why, len, "%s: %s", backing, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	rc = loop_attach(t, backing, why, len);
	/* The loop device keeps the file; the directory entry can go. */
	unlink(backing);
	if (rc)
		return rc;
	unlink(g->disk.path);
	snprintf(g->disk.path, sizeof(g->disk.path), "%s", t->dev);
	return 0;
}

struct slow_run {
	struct bench_dev *d;
	bool stop;
	struct bench_counts c;
	struct bench_lat lat;
	int rc;
};

static void *slow_thread(void *arg)
{
	struct slow_run *s = arg;
	struct bench_span none = { 0 }, forever = { .secs = 3600 };

	s->rc = bench_run(s->d, &nb_slow, none, forever, NULL, &s->stop, &s->c,
			  &s->lat);
	return NULL;
}

/* The fast guest's random reads at QD1: its latency summary. */
static int fast_run(struct bench_dev *d, const struct bench_env *env,
		    struct bench_pct *out)
{
	struct bench_span warm = { .secs = 0.3, .ops = env->smoke ? 20 : 0 };
	struct bench_span span = { .secs = env->secs,
				   .ops = env->smoke ? 200 : 0 };
	struct bench_lat lat = { 0 };
	struct bench_counts c;
	int rc = bench_run(d, &nb_fast, warm, span, NULL, NULL, &c, &lat);

	bench_lat_summary(&lat, out);
	bench_lat_free(&lat);
	return rc;
}

static int phases(struct dguest *g, const struct bench_env *env,
		  struct throttle *t, struct bench_nb *nb)
{
	struct bench_dev d[2];
	struct slow_run s = { .d = &d[0] };
	pthread_t th;
	int rc;

	rc = bench_dev_probe(&d[0], &g[0]);
	rc = rc ? rc : bench_dev_probe(&d[1], &g[1]);
	rc = rc ? rc : fast_run(&d[1], env, &nb->alone);
	/* What the slow guest reads is not in the page cache yet. */
	if (!rc && t->fd >= 0)
		(void)ioctl(t->fd, BLKFLSBUF, 0);
	if (!rc && pthread_create(&th, NULL, slow_thread, &s) == 0) {
		/* Its queue fills with slow requests first. */
		usleep(300 * 1000);
		rc = fast_run(&d[1], env, &nb->with);
		__atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		rc = rc ? rc : s.rc;
		bench_lat_summary(&s.lat, &nb->slow);
		nb->slow_iops = s.c.secs > 0 ? (double)s.c.reqs / s.c.secs : 0;
		bench_lat_free(&s.lat);
	}
	/* Alone again: tells the neighbour from drift over time. */
	rc = rc ? rc : fast_run(&d[1], env, &nb->after);
	bench_dev_fini(&d[0]);
	bench_dev_fini(&d[1]);
	return rc;
}

void bench_neighbour(const struct bench_env *env, struct bench_nb *nb)
{
	struct throttle t = { .fd = -1 };
	struct dfix *f = df_new();
	struct dguest g[2];
	int rc = -1;

	memset(nb, 0, sizeof(*nb));
	nb->iops_limit = NB_IOPS;
	df_guest_init(f, &g[0], 11, XENSIM_LIBXL_VIRTIO_DISK, 0, 11);
	df_guest_init(f, &g[1], 12, XENSIM_LIBXL_VIRTIO_DISK, 0, 12);
	bench_grow_image(&g[1], NB_SIZE);
	if (env->smoke)
		snprintf(nb->how, sizeof(nb->how), "--smoke: no throttle");
	else
		rc = slow_disk(f, &g[0], &t, nb->how, sizeof(nb->how));
	if (rc)
		bench_grow_image(&g[0], NB_SIZE);
	df_config(f, "[daemon]\nlog-level = warn\n");
	df_spawn(f, NULL, true);
	if (!rc)
		nb->throttled = !cgroup_throttle(&t, f->daemon, nb->how,
						 sizeof(nb->how));
	df_guest_boot(&g[0], 1);
	df_guest_boot(&g[1], 1);
	nb->ran = !phases(g, env, &t, nb);
	if (df_stop(f))
		fprintf(stderr, "bench: the daemon did not exit cleanly\n");
	if (t.cg[0] && rmdir(t.cg))
		fprintf(stderr, "bench: rmdir %s: %s\n", t.cg, strerror(errno));
	if (t.fd >= 0) {
		/* Not ours to unlink: the fixture would remove the device. */
		g[0].disk.path[0] = 0;
		close(t.fd);
	}
	df_guest_fini(&g[0]);
	df_guest_fini(&g[1]);
	df_free(f);
}
