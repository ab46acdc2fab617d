// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end as a struct vdev: device creation, and the data
 * path between the guest's rings (through vdev_pop/vdev_push) and the shadow
 * rings the back-end works on (vu-shadow.h).
 *
 * A guest notification pops requests while slots are free, copies each into
 * a slot, publishes them and kicks the back-end's eventfd once per batch.
 * The back-end's call eventfd (in our event loop) drains the used ring:
 * every entry checked, written bytes copied back, vdev_push, and one
 * vdev_notify per batch. When the slots run out, requests wait in the
 * guest's ring (notifications stay off) until completions free slots.
 * With EVENT_IDX on the shadow rings, kicks and calls are suppressed as the
 * spec says (vu-shadow.c). With XEN_MMAP the guest's rings go to the
 * back-end instead: a notification is a kick, a call an interrupt
 * (vu-xen.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "vu-dev.h"

static void reject(struct vu_dev *d, unsigned qi, struct vq_elem *e,
		   bool *dirty)
{
	uint32_t written;

	if (d->type->reject(e, &written)) {
		log_guest(&d->vdev.log, LOG_WARN,
			  "request of %u+%u bytes exceeds the %u-byte limit "
			  "we offered: failed",
			  e->out_len, e->in_len, d->type->slot_bytes);
		vdev_push(&d->vdev, qi, e, written);
		*dirty = true;
		return;
	}
	vdev_fail(&d->vdev,
		  "request of %u+%u bytes can be neither "
		  "forwarded nor failed",
		  e->out_len, e->in_len);
}

void vu_dev_kick(struct vu_dev *d, unsigned qi)
{
	uint64_t one = 1;

	d->stats.kicks++;
	/* EAGAIN: the counter is saturated, the back-end will look anyway. */
	if (write(d->q[qi].kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vu_link_lost(d, "kick queue %u: %s", qi, strerror(errno));
}

/*
 * Pops at most half a ring per turn, so a driver that keeps refilling its
 * ring cannot hold the thread other devices share; the rest waits for the
 * kick notifier. Out of slots, the rest waits for completions.
 */
static void process_queue(struct vu_dev *d, unsigned qi)
{
	struct vq *vq = &d->vdev.queues[qi].vq;
	struct vu_sq *sq = &d->shadow->q[qi];
	unsigned budget = d->queue_size > 1 ? d->queue_size / 2u : 1u;
	bool submitted = false, dirty = false;
	struct vq_elem *e;

	for (;;) {
		vq_disable_notify(vq);
		while (budget && vu_sq_has_free(sq) &&
		       (e = vdev_pop(&d->vdev, qi))) {
			budget--;
			if (vu_sq_submit(sq, e)) {
				reject(d, qi, e, &dirty);
			} else {
				submitted = true;
				d->stats.requests++;
			}
		}
		if (!vdev_is_live(&d->vdev))
			break;
		if (!vu_sq_has_free(sq)) {
			d->q[qi].resched = true;
			break;
		}
		if (!budget) {
			d->q[qi].resched = true;
			evloop_notifier_signal(d->kick);
			break;
		}
		if (!vq_enable_notify(vq))
			break;
	}
	if (submitted && vu_sq_publish(sq))
		vu_dev_kick(d, qi);
	if (dirty)
		vdev_notify(&d->vdev, qi);
}

void vu_dev_queue_notify(struct vdev *vdev, unsigned qidx)
{
	struct vu_dev *d = container_of(vdev, struct vu_dev, vdev);

	/* Still starting: the rings are taken once the back-end has them. */
	if (!d->shadow || !d->q[qidx].started)
		d->q[qidx].resched = true;
	else if (d->xen.on)
		vu_dev_kick(d, qidx); /* the back-end walks the guest's ring */
	else
		process_queue(d, qidx);
}

int vu_dev_take_used(struct vu_dev *d, unsigned qi, char *why, size_t why_len)
{
	struct vu_sq *sq = &d->shadow->q[qi];
	struct vu_done done;
	bool any = false;
	int rc;

	do {
		while ((rc = vu_sq_next_used(sq, &done, why, why_len)) > 0) {
			if (done.elem) {
				vdev_push(&d->vdev, qi, done.elem, done.len);
				any = true;
			}
		}
	} while (!rc && vu_sq_rearm(sq));
	if (any)
		vdev_notify(&d->vdev, qi);
	return rc;
}

void vu_dev_drain(struct vu_dev *d, unsigned qi)
{
	char why[128];

	if (!d->shadow)
		return;
	if (vu_dev_take_used(d, qi, why, sizeof(why))) {
		d->fail_rc = -EPROTO;
		vu_link_lost(d, "queue %u: %s", qi, why);
		return;
	}
	if (d->q[qi].resched && vu_sq_has_free(&d->shadow->q[qi]) &&
	    d->q[qi].started && vdev_is_live(&d->vdev)) {
		d->q[qi].resched = false;
		process_queue(d, qi);
	}
}

static void on_kick(void *opaque)
{
	vu_dev_resume(opaque);
}

void vu_dev_resume(struct vu_dev *d)
{
	for (unsigned q = 0; q < d->num_queues; q++) {
		if (!d->q[q].resched || !d->shadow || !d->q[q].started ||
		    !vdev_is_live(&d->vdev))
			continue;
		d->q[q].resched = false;
		if (d->xen.on)
			vu_dev_kick(d, q);
		else
			process_queue(d, q);
	}
}

int vu_dev_activate(struct vdev *vdev)
{
	return vu_link_start(container_of(vdev, struct vu_dev, vdev));
}

/*
 * virtio 1.2 §2.4: after a reset the device writes nothing to the guest.
 * The back-end only ever touches the shadow memory, so orphaning the slots
 * it holds is enough for the vdev layer to take the elements back.
 */
void vu_dev_reset(struct vdev *vdev)
{
	struct vu_dev *d = container_of(vdev, struct vu_dev, vdev);

	for (unsigned q = 0; q < d->num_queues; q++)
		d->q[q].resched = false;
	vu_link_stop(d);
}

void vu_dev_config_written(struct vdev *vdev, uint32_t offset, uint32_t len)
{
	struct vu_dev *d = container_of(vdev, struct vu_dev, vdev);

	/* Sent as a job; the guest reads back what it wrote meanwhile. */
	vu_link_set_config(d, offset, len);
}

static bool is_pow2(unsigned n)
{
	return n && !(n & (n - 1));
}

/* XEN_MMAP's guest RAM: regions that fit the wire format. */
static int check_xen(const struct vu_params *p, char *err, size_t err_len)
{
	const struct vu_xen_ram *x = p->xen_ram;
	bool ok = x && x->nregions <= VU_XEN_RAM_MAX &&
		  (!x->privcmd ||
		   strlen(x->privcmd) <
			   sizeof(((struct vu_dev *)0)->xen.privcmd));

	for (unsigned i = 0; ok && i < x->nregions; i++)
		ok = x->region[i].size &&
		     x->region[i].gpa + x->region[i].size > x->region[i].gpa;
	if (!x || ok)
		return 0;
	snprintf(err, err_len,
		 "vhost-user %s: Xen guest RAM: at most %u regions, "
		 "none empty or wrapping",
		 p->path, VU_XEN_RAM_MAX);
	return -EINVAL;
}

static void set_xen(struct vu_dev *d, const struct vu_params *p,
		    const struct vdev_params *vp)
{
	const struct vu_xen_ram *x = p->xen_ram;

	if (!x || !x->nregions)
		return;
	d->xen.enabled = true;
	d->xen.domid = (uint32_t)vp->domid;
	d->xen.nregions = x->nregions;
	for (unsigned i = 0; i < x->nregions; i++)
		d->xen.ram[i] = (struct vu_mem_region){
			.guest_addr = x->region[i].gpa,
			.size = x->region[i].size,
			.user_addr = x->region[i].gpa,
		};
	snprintf(d->xen.privcmd, sizeof(d->xen.privcmd), "%s",
		 x->privcmd ? x->privcmd : "/dev/xen/privcmd");
}

static int check_params(const struct vu_params *p, char *err, size_t err_len)
{
	const char *path = p->path ? p->path : "";
	const struct vu_type *t = vu_type_find(p->device_id);

	if (!*path || strlen(path) >= sizeof(((struct vu_dev *)0)->path)) {
		snprintf(err, err_len,
			 "vhost-user: socket path \"%s\" empty or too long",
			 path);
		return -EINVAL;
	}
	if (!t) {
		snprintf(err, err_len,
			 "vhost-user %s: virtio device id %u not supported",
			 path, p->device_id);
		return -ENOTSUP;
	}
	if (p->num_queues + t->extra_queues > VU_MAX_QUEUES ||
	    (p->queue_size &&
	     (!is_pow2(p->queue_size) || p->queue_size > VU_QUEUE_SIZE_MAX))) {
		snprintf(err, err_len,
			 "vhost-user %s: %u queues of %u: at most %u queues "
			 "of a power of two <= %u",
			 path, p->num_queues, p->queue_size,
			 VU_MAX_QUEUES - t->extra_queues, VU_QUEUE_SIZE_MAX);
		return -EINVAL;
	}
	if (p->tag && strlen(p->tag) > sizeof(((struct vu_dev *)0)->tag)) {
		snprintf(err, err_len,
			 "vhost-user %s: tag \"%s\" longer "
			 "than 36 bytes",
			 path, p->tag);
		return -EINVAL;
	}
	return check_xen(p, err, err_len);
}

static struct vu_dev *alloc_dev(const struct vu_params *p, struct evloop *loop)
{
	const struct vu_type *t = vu_type_find(p->device_id);
	struct vu_dev *d = calloc(1, sizeof(*d));
	uint16_t nq = (uint16_t)((p->num_queues ? p->num_queues : 1) +
				 t->extra_queues);

	if (!d)
		return NULL;
	d->q = calloc(nq, sizeof(*d->q));
	if (!d->q) {
		free(d);
		return NULL;
	}
	d->type = t;
	d->loop = loop;
	snprintf(d->path, sizeof(d->path), "%s", p->path);
	d->timeout_ms = p->timeout_ms ? p->timeout_ms : VU_TIMEOUT_MS;
	d->reconnect_min_ms =
		p->reconnect_min_ms ? p->reconnect_min_ms : VU_RECONNECT_MIN_MS;
	d->reconnect_max_ms =
		p->reconnect_max_ms ? p->reconnect_max_ms : VU_RECONNECT_MAX_MS;
	d->num_queues = nq;
	d->queue_size = p->queue_size ? p->queue_size : t->queue_size;
	/* Not NUL-terminated when full (virtio 1.2 §5.11.4). */
	strncpy(d->tag, p->tag ? p->tag : "virtiofs", sizeof(d->tag));
	d->sock = -1;
	d->inflight.fd = -1;
	d->xen.fd = -1;
	d->no_event_idx = p->no_event_idx;
	for (unsigned i = 0; i < nq; i++) {
		d->q[i] = (struct vu_queue){ .dev = d, .idx = i };
		d->q[i].kick_fd = d->q[i].call_fd = d->q[i].err_fd = -1;
	}
	return d;
}

static int init_vdev(struct vu_dev *d, const struct vdev_params *vp)
{
	struct vdev_params params = *vp;
	int rc;

	params.ops = d->type->ops;
	params.features |= d->guest_offer;
	params.num_queues = d->num_queues;
	params.queue_num_max = d->queue_size;
	params.max_iov = d->max_iov;
	params.config = d->config;
	params.config_len = d->type->config_len;
	rc = vdev_init(&d->vdev, &params);
	d->vdev_ready = !rc;
	return rc;
}

int vu_dev_new(const struct vu_params *p, const struct vdev_params *vp,
	       struct evloop *loop, struct vu_dev **out, char *err,
	       size_t err_len)
{
	char why[256] = "";
	struct vu_dev *d;
	int rc;

	*out = NULL;
	rc = check_params(p, err, err_len);
	if (rc)
		return rc;
	d = alloc_dev(p, loop);
	if (!d) {
		snprintf(err, err_len, "vhost-user %s: out of memory", p->path);
		return -ENOMEM;
	}
	set_xen(d, p, vp);
	rc = vu_job_init(d);
	if (!rc)
		rc = evloop_add_notifier(loop, on_kick, d, &d->kick);
	if (!rc)
		rc = vu_link_timer_init(d);
	if (!rc)
		rc = vu_link_connect_sync(d, why, sizeof(why));
	if (!rc)
		rc = init_vdev(d, vp);
	if (rc) {
		snprintf(err, err_len, "vhost-user %s: %s", p->path,
			 why[0] ? why : strerror(-rc));
		vu_dev_free(d);
		return rc;
	}
	log_info(&d->vdev.log,
		 "vhost-user back-end %s: %u queue(s) of %u, %s, "
		 "protocol features %#llx",
		 d->path, d->num_queues, d->queue_size,
		 d->xen.on		  ? "guest rings (XEN_MMAP)" :
		 d->shadow->q[0].indirect ? "shadow rings, indirect" :
					    "shadow rings, direct",
		 (unsigned long long)d->protocol);
	*out = d;
	return 0;
}

void vu_dev_free(struct vu_dev *d)
{
	if (!d)
		return;
	/* Resets the device: the rings stop, the slots are orphaned. */
	if (d->vdev_ready)
		vdev_fini(&d->vdev);
	evloop_del_timer(d->timer);
	evloop_del_notifier(d->kick);
	vu_link_close(d);
	vu_job_fini(d);
	vu_inflight_free(d);
	free(d->q);
	free(d);
}

struct vdev *vu_dev_vdev(struct vu_dev *d)
{
	return &d->vdev;
}

void vu_dev_stats(const struct vu_dev *d, struct vu_stats *out)
{
	*out = d->stats;
}

bool vu_dev_connected(const struct vu_dev *d)
{
	return d->sock >= 0 && d->up;
}
