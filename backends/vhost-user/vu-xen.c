// SPDX-License-Identifier: GPL-2.0-only
/*
 * VHOST_USER_PROTOCOL_F_XEN_MMAP (rust-vmm's vhost and vm-memory crates;
 * vhost-user.rst "Memory region description" with the Xen fields): a
 * back-end that maps a Xen guest's memory itself, through the privcmd
 * descriptor passed with each region (foreign mapping of the domain's
 * frames), needs no shadow rings and no copies.
 *
 * When the daemon describes the guest's RAM (vu_params.xen_ram) and the
 * back-end offers XEN_MMAP, SET_MEM_TABLE lists the guest's RAM regions
 * with xen_mmap_flags FOREIGN and the domain id, at user addresses equal to
 * their guest addresses; the rings the back-end gets are the guest's own.
 * Guest notifications become kicks and calls become the guest's interrupt
 * without our vq layer in between: the back-end walks the guest's rings,
 * and the hostile-guest checks are then its own (as with any vhost-user
 * back-end behind QEMU).
 *
 * The descriptor is /dev/xen/privcmd, which can issue any hypercall: it
 * is restricted to the guest's domain (IOCTL_PRIVCMD_RESTRICT, as
 * xentoolcore_restrict_all() does to our own handles) before a back-end
 * gets it, so all the back-end can do with it is map that guest's memory.
 * A plain file (tests) can issue nothing and passes as it is; anything
 * else that refuses the restriction is not passed.
 *
 * The guest was offered INDIRECT_DESC and EVENT_IDX (the vdev layer always
 * offers them), so the rings go straight to the back-end only when it
 * offers both; otherwise the shadow rings serve it as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
/* domid_t and the types privcmd.h's structures use, then the ioctl. */
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

#include "vu-dev.h"

#define XEN_RING_BITS                            \
	((1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX))

bool vu_xen_usable(const struct vu_dev *d)
{
	return d->xen.enabled &&
	       ((d->protocol >> VU_PROTOCOL_F_XEN_MMAP) & 1) &&
	       (d->be_features & XEN_RING_BITS) == XEN_RING_BITS;
}

uint64_t vu_xen_features(const struct vu_dev *d)
{
	return d->vdev.guest_features & (d->offered | XEN_RING_BITS);
}

/* Opens the descriptor, confined to the guest's domain (see the top). */
static int open_privcmd(struct vu_dev *d)
{
	domid_t dom = (domid_t)d->xen.domid;
	struct stat st;
	int fd, rc;

	fd = open(d->xen.privcmd, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(d->why, sizeof(d->why), "XEN_MMAP: %s: %s",
			 d->xen.privcmd, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st))
		rc = -errno;
	else if (S_ISREG(st.st_mode))
		rc = 0;
	else
		rc = ioctl(fd, IOCTL_PRIVCMD_RESTRICT, &dom) ? -errno : 0;
	if (rc) {
		snprintf(d->why, sizeof(d->why),
			 "XEN_MMAP: %s: not passed, cannot restrict it to "
			 "dom%u: %s",
			 d->xen.privcmd, d->xen.domid, strerror(-rc));
		close(fd);
		return rc;
	}
	d->xen.fd = fd;
	return 0;
}

int vu_xen_mem_next(struct vu_dev *d, struct vu_msg *m, int *fds,
		    unsigned *nfds)
{
	int rc;

	if (d->xen.fd < 0) {
		rc = open_privcmd(d);
		if (rc)
			return rc;
	}
	/* One descriptor per region: the back-end maps each through it. */
	for (unsigned i = 0; i < d->xen.nregions; i++)
		fds[i] = d->xen.fd;
	*nfds = d->xen.nregions;
	rc = vu_msg_mem_table_xen(m, d->xen.ram, d->xen.nregions,
				  VU_XEN_MMAP_FOREIGN, d->xen.domid);
	if (rc)
		snprintf(d->why, sizeof(d->why), "XEN_MMAP: regions: %s",
			 strerror(-rc));
	return rc ? rc : 1;
}

int vu_xen_ring_next(struct vu_dev *d, unsigned step, unsigned i,
		     struct vu_msg *m)
{
	const struct vdev_queue *vq = &d->vdev.queues[i];

	/* User addresses are guest addresses (see the region table). */
	if (step == 0)
		return vu_msg_state(m, VU_SET_VRING_NUM, i, vq->num);
	return vu_msg_addr(m, i, vq->desc, vq->device, vq->driver);
}

void vu_xen_call(struct vu_dev *d)
{
	/*
	 * virtio 1.2 §4.2.2.1: a used buffer notification sets bit 0 of
	 * InterruptStatus and raises the line until the driver acks it. The
	 * back-end already applied the guest's suppression (EVENT_IDX) on
	 * the guest's own ring, so each call is an interrupt.
	 */
	if (!vdev_is_live(&d->vdev))
		return;
	d->vdev.isr |= VDEV_ISR_QUEUE;
	if (!d->vdev.irq_level) {
		d->vdev.irq_level = true;
		if (d->vdev.irq_fn)
			d->vdev.irq_fn(d->vdev.irq_opaque, true);
	}
}

void vu_xen_close(struct vu_dev *d)
{
	if (d->xen.fd >= 0)
		close(d->xen.fd);
	d->xen.fd = -1;
	d->xen.on = false;
}
