// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxenforeignmemory, simulated. Like the real one (tools/libs/
 * foreignmemory/core.c, linux.c): map2() reserves the address range first
 * and reports per-page errors in err[]; with err == NULL any failed page
 * fails the whole call. A failed page stays inaccessible (privcmd would
 * give SIGBUS). The harness hands over the guest's RAM memfd to map from.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "preload.h"

struct xenforeignmemory_handle {
	struct sim_chan ch;
};

struct xenforeignmemory_resource_handle {
	void *addr;
	unsigned long nr_frames;
};

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *log,
					       unsigned int open_flags)
{
	xenforeignmemory_handle *h = calloc(1, sizeof(*h));
	int rc;

	if (!h)
		return NULL;
	rc = chan_open(&h->ch, SIM_KIND_FMEM, open_flags, NULL);
	if (rc) {
		free(h);
		sim_fail(rc);
		return NULL;
	}
	return h;
}

int xenforeignmemory_close(xenforeignmemory_handle *h)
{
	if (!h)
		return 0;
	chan_close(&h->ch);
	free(h);
	return 0;
}

/* The harness forgets the mapping; then it goes from our address space. */
static int unmap(xenforeignmemory_handle *h, uint32_t op, void *addr,
		 size_t pages)
{
	struct sim_msg m = { .op = op };
	int rc;

	m.arg[0] = (uintptr_t)addr;
	m.arg[1] = pages;
	rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);
	if (rc)
		return sim_fail(rc);
	return munmap(addr, pages << SIM_XC_PAGE_SHIFT);
}

/* One map call; buf holds a chunk's gfns, then the harness's answer. */
struct fmap {
	uint32_t dom;
	void *base;
	int prot;
	size_t num;
	const xen_pfn_t *arr;
	int *err;
	bool err_given; /* the caller takes per-page errors */
	uint64_t *buf;	/* SIM_MAP_CHUNK entries: off the caller's stack */
};

/* Up to SIM_MAP_CHUNK pages from `first`; maps what it may. */
static int map_chunk(xenforeignmemory_handle *h, struct fmap *f, size_t first,
		     size_t n)
{
	struct sim_msg m = { .op = SIM_OP_FM_MAP, .dom = f->dom };
	size_t i;
	int fd = -1, rc;

	for (i = 0; i < n; i++)
		f->buf[i] = f->arr[first + i];
	m.arg[0] = (uintptr_t)f->base;
	m.arg[1] = f->num;
	m.arg[2] = first;
	m.arg[3] = (uint64_t)f->prot;
	m.arg[4] = f->err_given;
	rc = chan_call(&h->ch, &m, f->buf, n * sizeof(*f->buf), f->buf,
		       SIM_MAP_CHUNK * sizeof(*f->buf), &fd);
	if (!rc && m.len != n * sizeof(int64_t))
		rc = -EPROTO;
	if (!rc)
		map_runs(f->base, first, n, (const int64_t *)f->buf, fd,
			 f->prot, f->err);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Maps every chunk; returns the harness's rc, *recorded once it knows. */
static int map_all(xenforeignmemory_handle *h, struct fmap *f, bool *recorded)
{
	size_t first, n;
	int rc = 0;

	for (first = 0; !rc && first < f->num; first += n) {
		n = f->num - first < SIM_MAP_CHUNK ? f->num - first :
						     SIM_MAP_CHUNK;
		rc = map_chunk(h, f, first, n);
		*recorded |= !rc;
	}
	return rc;
}

void *xenforeignmemory_map2(xenforeignmemory_handle *h, uint32_t dom,
			    void *addr, int prot, int flags, size_t num,
			    const xen_pfn_t arr[], int err[])
{
	struct fmap f = { .dom = dom, .prot = prot, .num = num, .arr = arr };
	bool recorded = false; /* the harness knows the mapping */
	size_t i;
	int rc = 0;

	f.err_given = err != NULL;
	f.err = err ? err : calloc(num ? num : 1, sizeof(*f.err));
	f.buf = malloc(SIM_MAP_CHUNK * sizeof(*f.buf));
	if (!f.err || !f.buf)
		rc = -ENOMEM;
	else if (!num)
		rc = -EINVAL; /* mmap() of nothing */
	else if (!(f.base = reserve_pages(addr, num, flags)))
		rc = -errno;
	if (!rc)
		rc = map_all(h, &f, &recorded);
	/* core.c: without err[], one failed page fails the call. */
	for (i = 0; !rc && !err && i < num; i++)
		rc = f.err[i];
	if (rc && recorded)
		(void)unmap(h, SIM_OP_FM_UNMAP, f.base, num);
	else if (rc && f.base)
		munmap(f.base, num << SIM_XC_PAGE_SHIFT);
	if (!err)
		free(f.err);
	free(f.buf);
	if (rc) {
		sim_fail(rc);
		return NULL;
	}
	return f.base;
}

void *xenforeignmemory_map(xenforeignmemory_handle *h, uint32_t dom, int prot,
			   size_t pages, const xen_pfn_t arr[], int err[])
{
	return xenforeignmemory_map2(h, dom, NULL, prot, 0, pages, arr, err);
}

int xenforeignmemory_unmap(xenforeignmemory_handle *h, void *addr, size_t pages)
{
	return unmap(h, SIM_OP_FM_UNMAP, addr, pages);
}

int xenforeignmemory_restrict(xenforeignmemory_handle *h, domid_t domid)
{
	struct sim_msg m = { .op = SIM_OP_RESTRICT, .dom = domid };
	int rc = chan_call(&h->ch, &m, NULL, 0, NULL, 0, NULL);

	return rc ? sim_fail(rc) : 0;
}

static int resource_call(xenforeignmemory_handle *h, domid_t domid,
			 unsigned int type, unsigned int id,
			 unsigned long frame, unsigned long nr, void *addr,
			 struct sim_msg *m, int *fd)
{
	m->op = SIM_OP_FM_MAP_RESOURCE;
	m->dom = domid;
	m->arg[0] = type;
	m->arg[1] = id;
	m->arg[2] = frame;
	m->arg[3] = nr;
	m->arg[4] = (uintptr_t)addr;
	return chan_call(&h->ch, m, NULL, 0, NULL, 0, fd);
}

xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *h, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	xenforeignmemory_resource_handle *fres = NULL;
	struct sim_msg m = { 0 };
	void *base = NULL;
	int fd = -1, rc = 0;

	/* core.c: only POSIX flags. */
	if ((flags & ~(MAP_SHARED | MAP_PRIVATE)) || !nr_frames)
		rc = -EINVAL;
	if (!rc && !(fres = calloc(1, sizeof(*fres))))
		rc = -ENOMEM;
	if (!rc && !(base = reserve_pages(*paddr, nr_frames, 0)))
		rc = -errno;
	if (!rc)
		rc = resource_call(h, domid, type, id, frame, nr_frames, base,
				   &m, &fd);
	if (!rc &&
	    mmap(base, nr_frames << SIM_XC_PAGE_SHIFT, prot,
		 MAP_SHARED | MAP_FIXED, fd, (off_t)m.arg[0]) == MAP_FAILED) {
		rc = -errno;
		(void)unmap(h, SIM_OP_FM_UNMAP_RESOURCE, base, nr_frames);
		base = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (rc) {
		if (base)
			munmap(base, nr_frames << SIM_XC_PAGE_SHIFT);
		free(fres);
		sim_fail(rc);
		return NULL;
	}
	fres->addr = *paddr = base;
	fres->nr_frames = nr_frames;
	return fres;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *h,
				    xenforeignmemory_resource_handle *fres)
{
	int r;

	if (!fres)
		return 0;
	r = unmap(h, SIM_OP_FM_UNMAP_RESOURCE, fres->addr, fres->nr_frames);
	free(fres);
	return r;
}

int xenforeignmemory_resource_size(xenforeignmemory_handle *h, domid_t domid,
				   unsigned int type, unsigned int id,
				   size_t *size)
{
	struct sim_msg m = { 0 };
	int rc = resource_call(h, domid, type, id, 0, 0, NULL, &m, NULL);

	if (rc)
		return sim_fail(rc);
	*size = m.arg[0] << SIM_XC_PAGE_SHIFT;
	return 0;
}
