/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire between libxensim.so (preloaded into the process under test, in
 * place of libxen*) and the harness that plays Xen, the toolstack and the
 * guest. The socket is named by $XENSIM_SOCKET.
 *
 * Every libxen* handle opens its own SOCK_SEQPACKET connection, so the
 * preload keeps no process-wide state and the harness sees each handle's
 * lifetime (a process that exits closes them all: that is when leaks are
 * checked). One packet is one message: a struct sim_msg header followed by
 * `len` payload bytes; a file descriptor may ride along (SCM_RIGHTS).
 *
 * Requests get exactly one reply with the same op and rc = 0 or -errno,
 * except the one-way ops marked below, which never get one: the process
 * under test must not pay a round trip where Xen costs none.
 */
#ifndef XENSIM_PROTOCOL_H
#define XENSIM_PROTOCOL_H

#include <stdint.h>

#define SIM_ENV_SOCKET "XENSIM_SOCKET"

/* Largest packet, header included. */
#define SIM_MSG_MAX (64 * 1024)
/* Pages (or grant references) per map message: 8 bytes in, 8 out each. */
#define SIM_MAP_CHUNK 4096

enum sim_kind {
	SIM_KIND_DM = 1, /* xendevicemodel */
	SIM_KIND_FMEM,	 /* xenforeignmemory */
	SIM_KIND_EVTCHN, /* xenevtchn: reply to HELLO carries the event fd */
	SIM_KIND_GNTTAB, /* xengnttab */
	SIM_KIND_XS, /* xenstore: reply to HELLO carries the watch eventfd */
	SIM_KIND_TOOLCORE, /* xentoolcore_restrict_all */
	SIM_KIND_MAX
};

enum sim_op {
	/* arg0 = kind, arg1 = open flags. */
	SIM_OP_HELLO = 1,
	/* The handle is being closed: the harness checks for leaks. */
	SIM_OP_CLOSE,
	/* dom = the domain this handle is restricted to. */
	SIM_OP_RESTRICT,
	/* Every handle of the calling process is restricted to dom. */
	SIM_OP_RESTRICT_ALL,

	/* dom, arg0 = handle_bufioreq -> arg0 = server id */
	SIM_OP_DM_CREATE,
	/* dom, arg0 = id */
	SIM_OP_DM_DESTROY,
	/* dom, arg0 = id, arg1 = want gfns -> arg0 ioreq gfn, arg1 bufioreq
	 * gfn, arg2 bufioreq port */
	SIM_OP_DM_INFO,
	/* dom, arg0 = id, arg1 = type, arg2 = start, arg3 = end */
	SIM_OP_DM_MAP_RANGE,
	SIM_OP_DM_UNMAP_RANGE,
	/* dom, arg0 = id, arg1 = enabled */
	SIM_OP_DM_SET_STATE,
	/* dom, arg0 = irq, arg1 = level */
	SIM_OP_DM_SET_IRQ,
	SIM_OP_DM_SET_ISA_IRQ,
	/* dom -> arg0 = vCPUs */
	SIM_OP_DM_NR_VCPUS,

	/*
	 * dom, arg0 = address of the whole mapping, arg1 = its pages,
	 * arg2 = index of this chunk's first page, arg3 = prot; payload:
	 * uint64_t gfns[] -> payload int64_t[]: byte offset in the RAM fd or
	 * -errno per page; fd = guest RAM.
	 */
	SIM_OP_FM_MAP,
	/* arg0 = address, arg1 = pages */
	SIM_OP_FM_UNMAP,
	/* dom, arg0 = type, arg1 = id, arg2 = frame, arg3 = frames,
	 * arg4 = address -> fd + arg0 = offset; frames 0 and address 0:
	 * size query -> arg0 = frames */
	SIM_OP_FM_MAP_RESOURCE,
	/* arg0 = address, arg1 = frames */
	SIM_OP_FM_UNMAP_RESOURCE,

	/* dom, arg0 = remote port -> arg0 = local port */
	SIM_OP_EV_BIND,
	/* arg0 = local port */
	SIM_OP_EV_UNBIND,
	/* One-way. arg0 = local port. */
	SIM_OP_EV_NOTIFY,
	/* One-way. arg0 = local port. */
	SIM_OP_EV_UNMASK,

	/* arg0 = address, arg1 = count of this chunk, arg2 = first index,
	 * arg3 = prot, arg4 = total count; payload: uint32_t pairs
	 * {domid, ref} -> payload int64_t[] as for SIM_OP_FM_MAP */
	SIM_OP_GT_MAP,
	/* arg0 = address, arg1 = count */
	SIM_OP_GT_UNMAP,
	/* arg0 = limit */
	SIM_OP_GT_SET_MAX,

	/* Xenstore. arg0 = transaction; payload: path NUL [data] */
	SIM_OP_XS_READ, /* -> payload value */
	SIM_OP_XS_WRITE,
	SIM_OP_XS_MKDIR,
	SIM_OP_XS_RM,
	SIM_OP_XS_DIRECTORY, /* -> payload names, each NUL-terminated */
	SIM_OP_XS_GET_PERMS, /* -> payload struct xs_permissions[] */
	SIM_OP_XS_SET_PERMS, /* payload path NUL, xs_permissions[] */
	/* payload path NUL token NUL */
	SIM_OP_XS_WATCH,
	SIM_OP_XS_UNWATCH,
	/* -> rc -EAGAIN when none queued, else payload path NUL token NUL */
	SIM_OP_XS_WATCH_NEXT,
	SIM_OP_XS_TXN_START,  /* -> arg0 = transaction */
	SIM_OP_XS_TXN_END,    /* arg0 = transaction, arg1 = abort */
	SIM_OP_XS_INTRODUCED, /* dom -> arg0 = 0/1 */

	SIM_OP_MAX
};

struct sim_msg {
	uint32_t op;
	int32_t rc;
	uint32_t dom;
	uint32_t len; /* payload bytes after this header */
	uint64_t arg[6];
};

#endif
