/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon-wide libxen* handles. No logger here: the libraries print
 * their own diagnostics (a NULL logger means theirs, on stderr) and the
 * caller logs our -errno with its context.
 *
 * The grant handle is opened too, but may fail: /dev/xen/gntdev is only
 * needed by guests whose devices use grants, so a host without it still
 * serves every other guest, and gmem_grant_new() then says what is missing.
 */
#include <errno.h>

#include "xen-handles.h"

int xen_handles_open(struct xen_handles *xh)
{
	int rc;

	*xh = (struct xen_handles){ 0 };
	xh->dm = xendevicemodel_open(NULL, 0);
	if (!xh->dm)
		return -errno;
	xh->fmem = xenforeignmemory_open(NULL, 0);
	if (!xh->fmem) {
		rc = -errno;
		xen_handles_close(xh);
		return rc;
	}
	xh->gnttab = xengnttab_open(NULL, 0);
	return 0;
}

void xen_handles_close(struct xen_handles *xh)
{
	if (xh->gnttab)
		xengnttab_close(xh->gnttab);
	if (xh->fmem)
		xenforeignmemory_close(xh->fmem);
	if (xh->dm)
		xendevicemodel_close(xh->dm);
	*xh = (struct xen_handles){ 0 };
}
