// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest-client: xen/guest.c serving one domain of the simulated Xen, run by
 * test-guest under LD_PRELOAD=libxensim.so. It reads one command per line
 * on stdin and answers "ok <rc> [values]" on stdout, from its event loop,
 * so commands interleave with the vCPU requests it serves:
 *
 *   new                              guest_new (with the injected failure)
 *   fake <devid> <base> <irq>        a fake device (id 0x1234, one queue)
 *   blk <devid> <base> <irq> <path>  the virtio-blk backend on a file
 *   event <devid>                    the fake device's config changes
 *   rm <devid>                       guest_remove_device, backend freed
 *   gmem <grant>                     guest_gmem (0: foreign, 1: grant)
 *   nr                               guest_nr_devices
 *   stats                            foreign gmem: map, unmap, live
 *   free                             guest_free (devices still in)
 *   quit                             tear down and exit 0
 *   crash                            exit without tearing down
 *
 * usage: guest-client <domid> [<call>:<n>]  (the n-th call fails, EIO)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "blk/blk.h"
#include "evloop.h"
#include "gmem-xen.h"
#include "guest-client.h"
#include "guest.h"
#include "log.h"
#include "vdev.h"
#include "xen-handles.h"

#define MAX_DEVS 16

struct fake {
	struct vdev vdev;
	uint8_t config[16];
};

struct client_dev {
	uint32_t devid;
	struct fake *fake;
	struct blk *blk;
};

struct client {
	struct logger logger;
	struct xen_handles xh;
	struct evloop *loop;
	struct evloop_fd *in;
	uint32_t domid;
	struct guest *g;
	struct client_dev devs[MAX_DEVS];
	unsigned nr_devs;
	char line[512];
	size_t len;
};

static void fake_reset(struct vdev *vdev)
{
}

static int fake_activate(struct vdev *vdev)
{
	return 0;
}

static void fake_notify(struct vdev *vdev, unsigned qidx)
{
}

static const struct vdev_ops fake_ops = {
	.type = "fake",
	.device_id = FAKE_DEVICE_ID,
	.activate = fake_activate,
	.queue_notify = fake_notify,
	.reset = fake_reset,
};

static int add_fake(struct client *c, struct client_dev *d, uint64_t base,
		    uint32_t irq)
{
	struct vdev_params vp = {
		.ops = &fake_ops,
		.mem = guest_gmem(c->g, false),
		.logger = &c->logger,
		.domid = (int)c->domid,
		.name = "fake",
		.num_queues = 1,
		.queue_num_max = 16,
		.max_iov = 4,
		.config_len = sizeof(d->fake->config),
	};
	int rc;

	if (!vp.mem)
		return -ENOMEM;
	d->fake = calloc(1, sizeof(*d->fake));
	if (!d->fake)
		return -ENOMEM;
	/* FAKE_CONFIG(devid): tells the devices apart through config. */
	for (unsigned i = 0; i < sizeof(d->fake->config); i++)
		d->fake->config[i] = (uint8_t)(d->devid * 16 + i);
	vp.config = d->fake->config;
	rc = vdev_init(&d->fake->vdev, &vp);
	if (!rc)
		rc = guest_add_device(c->g, d->devid, base, irq,
				      &d->fake->vdev);
	return rc;
}

static int add_blk(struct client *c, struct client_dev *d, uint64_t base,
		   uint32_t irq, const char *path)
{
	struct blk_params bp = { .path = path };
	struct vdev_params vp = {
		.mem = guest_gmem(c->g, false),
		.logger = &c->logger,
		.domid = (int)c->domid,
		.name = "blk",
	};
	char err[256];
	int rc;

	if (!vp.mem)
		return -ENOMEM;
	rc = blk_new(&bp, &vp, c->loop, &d->blk, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "guest-client: %s\n", err);
		return rc;
	}
	return guest_add_device(c->g, d->devid, base, irq, blk_vdev(d->blk));
}

/* After guest_remove_device() or guest_free(): the backend is ours. */
static void free_backend(struct client_dev *d)
{
	if (d->fake)
		vdev_fini(&d->fake->vdev);
	free(d->fake);
	blk_free(d->blk);
	*d = (struct client_dev){ 0 };
}

static struct client_dev *find(struct client *c, uint32_t devid)
{
	for (unsigned i = 0; i < c->nr_devs; i++)
		if (c->devs[i].devid == devid)
			return &c->devs[i];
	return NULL;
}

static int cmd_add(struct client *c, const char *kind, uint32_t devid,
		   uint64_t base, uint32_t irq, const char *path)
{
	struct client_dev *d;
	int rc;

	if (!c->g || c->nr_devs == MAX_DEVS)
		return -EINVAL;
	d = &c->devs[c->nr_devs];
	d->devid = devid;
	rc = strcmp(kind, "blk") ? add_fake(c, d, base, irq) :
				   add_blk(c, d, base, irq, path);
	if (rc)
		free_backend(d);
	else
		c->nr_devs++;
	return rc;
}

static void cmd_rm(struct client *c, uint32_t devid)
{
	struct client_dev *d = find(c, devid);

	/* Also when the client does not know it: guest.c must cope. */
	guest_remove_device(c->g, devid);
	if (d) {
		free_backend(d);
		*d = c->devs[--c->nr_devs];
	}
}

/* blk devices first: their rings are in the guest's gmem. */
static void cmd_free(struct client *c)
{
	unsigned i = c->nr_devs;

	while (i--)
		if (c->devs[i].blk)
			cmd_rm(c, c->devs[i].devid);
	guest_free(c->g);
	c->g = NULL;
	while (c->nr_devs)
		free_backend(&c->devs[--c->nr_devs]);
}

static int cmd_event(struct client *c, uint32_t devid)
{
	struct client_dev *d = find(c, devid);

	if (!d || !d->fake)
		return -ENOENT;
	vdev_config_changed(&d->fake->vdev);
	return 0;
}

static void cmd_stats(struct client *c)
{
	struct gmem *mem = c->g ? guest_gmem(c->g, false) : NULL;
	struct gmem_xen_stats st = { 0 };

	if (mem)
		gmem_xen_stats(mem, &st);
	printf("ok %d %llu %llu %llu\n", mem ? 0 : -ENOENT,
	       (unsigned long long)st.map_calls,
	       (unsigned long long)st.unmap_calls,
	       (unsigned long long)st.live_maps);
}

static int cmd_new(struct client *c)
{
	struct guest_params p = {
		.loop = c->loop,
		.logger = &c->logger,
		.xh = &c->xh,
		.domid = c->domid,
	};

	if (c->g)
		return -EEXIST;
	return guest_new(&p, &c->g);
}

static void run(struct client *c, char *line)
{
	char kind[8], path[256] = "";
	unsigned long long base;
	uint32_t devid, irq;
	unsigned grant;
	int rc = -EINVAL;

	if (!strcmp(line, "new")) {
		rc = cmd_new(c);
	} else if (sscanf(line, "%7s %u %llx %u %255s", kind, &devid, &base,
			  &irq, path) >= 4 &&
		   (!strcmp(kind, "fake") || !strcmp(kind, "blk"))) {
		rc = cmd_add(c, kind, devid, base, irq, path);
	} else if (sscanf(line, "event %u", &devid) == 1) {
		rc = cmd_event(c, devid);
	} else if (sscanf(line, "rm %u", &devid) == 1 && c->g) {
		cmd_rm(c, devid);
		rc = 0;
	} else if (sscanf(line, "gmem %u", &grant) == 1 && c->g) {
		rc = guest_gmem(c->g, grant != 0) ? 0 : -ENOMEM;
	} else if (!strcmp(line, "nr")) {
		rc = c->g ? (int)guest_nr_devices(c->g) : -ENOENT;
	} else if (!strcmp(line, "stats")) {
		cmd_stats(c);
		return;
	} else if (!strcmp(line, "free")) {
		cmd_free(c);
		rc = 0;
	} else if (!strcmp(line, "quit")) {
		evloop_stop(c->loop);
		rc = 0;
	} else if (!strcmp(line, "crash")) {
		_exit(0); /* the harness must see what is left as leaks */
	}
	printf("ok %d\n", rc);
}

static void on_input(void *opaque, int fd, uint32_t events)
{
	struct client *c = opaque;
	ssize_t r = read(fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	char *nl;

	if (r <= 0) { /* the test went away */
		evloop_stop(c->loop);
		return;
	}
	c->len += (size_t)r;
	c->line[c->len] = '\0';
	while ((nl = strchr(c->line, '\n'))) {
		*nl = '\0';
		run(c, c->line);
		fflush(stdout);
		c->len -= (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->len + 1);
	}
	if (c->len == sizeof(c->line) - 1)
		c->len = 0; /* no such command: drop it */
}

static int start(struct client *c)
{
	int rc = xen_handles_open(&c->xh);

	if (rc) {
		fprintf(stderr, "guest-client: xen_handles_open: %s\n",
			strerror(-rc));
		return rc;
	}
	if (evloop_new(&c->loop) ||
	    evloop_add_fd(c->loop, 0, EPOLLIN, on_input, c, &c->in))
		return -1;
	return 0;
}

static void stop(struct client *c)
{
	cmd_free(c);
	evloop_del_fd(c->in);
	evloop_free(c->loop);
	xen_handles_close(&c->xh);
}

int main(int argc, char **argv)
{
	struct client c = { 0 };
	int rc = 1;

	if (argc < 2 || (argc > 2 && fail_parse(argv[2]))) {
		fprintf(stderr, "usage: %s domid [call:n]\n", argv[0]);
		return 2;
	}
	c.domid = (uint32_t)strtoul(argv[1], NULL, 0);
	log_init(&c.logger, 2, LOG_WARN);
	if (!start(&c)) {
		fail_arm(true);	  /* from the first command on */
		printf("ok 0\n"); /* ready */
		fflush(stdout);
		rc = evloop_run(c.loop) ? 1 : 0;
		fail_arm(false); /* teardown must not fail */
	}
	stop(&c);
	return rc;
}
