/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-guest's harness side: a simulated Xen with one paused guest (2
 * vCPUs, 64 MiB) and guest-client run under LD_PRELOAD=libxensim.so,
 * driven by commands over a pipe (see guest-client.c).
 */
#ifndef XVDM_TESTS_GUEST_FIXTURE_H
#define XVDM_TESTS_GUEST_FIXTURE_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "xensim.h"

#define DOM 1
#define NR_VCPUS 2
#define RAM_SIZE (64ull << 20)
#define BASE 0x2000000ull /* GUEST_VIRTIO_MMIO_BASE */
#define IRQ 33
#define WAIT_MS 5000

struct gfix {
	struct xensim *h;
	char dir[64], sock[96], bindir[PATH_MAX];
	pid_t client;
	int to_client, from_client;
	long long reply[4]; /* the values after rc in the last reply */
};

/* cmocka setup/teardown: *state is the struct gfix. */
int gfix_setup(void **state);
int gfix_teardown(void **state);
/* Starts guest-client, optionally with a failure "call:n"; waits ready. */
void gfix_spawn(struct gfix *f, const char *fail);
/* Sends one command; returns the client's rc (values in f->reply). */
int gfix_cmd(struct gfix *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Client started, guest created, fake device 1 at BASE on IRQ, unpaused. */
void gfix_attach(struct gfix *f);
/* "quit": the client tears down and must exit 0. */
void gfix_quit(struct gfix *f);
/* The client's exit status (128: killed), once the harness saw it go. */
int gfix_finish(struct gfix *f);
/* Exactly n misuses, all of this kind (dumps them otherwise). */
void gfix_assert_misuses(struct gfix *f, enum xensim_misuse kind, unsigned n);
uint64_t gfix_read(struct gfix *f, unsigned vcpu, uint64_t addr, unsigned size);
void gfix_write(struct gfix *f, unsigned vcpu, uint64_t addr, uint64_t v);

#endif
