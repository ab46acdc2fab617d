/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What test-sim and test-sim-hostile share: a harness with two guests
 * (dom1 paused, 2 vCPUs, 16 MiB; dom2, 1 vCPU) and sim-client run under
 * LD_PRELOAD=libxensim.so from the directory of the test program.
 */
#ifndef XENSIM_SIM_FIXTURE_H
#define XENSIM_SIM_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "xensim.h"

#define DOM 1
#define OTHER_DOM 2
#define NR_VCPUS 2
#define BASE 0x2000000ULL /* GUEST_VIRTIO_MMIO_BASE */
#define IRQ 33
#define PAGE1 (XENSIM_RAM0_BASE + 0x1000)
#define PAGE2 (XENSIM_RAM0_BASE + 0x2000)
#define HOME "/local/domain/0/xensim-client"
#define WAIT_MS 5000

struct fixture {
	struct xensim *h;
	char dir[64], sock[96], bindir[PATH_MAX];
	pid_t client;
};

/* cmocka setup/teardown: *state is the struct fixture. */
int fixture_setup(void **state);
int fixture_teardown(void **state);
/* Starts sim-client <scenario> DOM BASE NR_VCPUS IRQ. */
void fixture_spawn(struct fixture *f, const char *scenario);
/* The client's exit status (128: killed), once the harness saw it go. */
int fixture_finish(struct fixture *f);
/* Tells a serving client to quit; it must exit 0. */
void fixture_quit(struct fixture *f);
/* Client attached and serving, guest unpaused. */
void fixture_serve(struct fixture *f, const char *scenario);
/* Exactly n misuses, all of this kind (dumps them otherwise). */
void assert_misuses(struct fixture *f, enum xensim_misuse kind, unsigned int n);
uint64_t fixture_read(struct fixture *f, unsigned int vcpu, uint64_t off,
		      unsigned int size);
void fixture_write(struct fixture *f, unsigned int vcpu, uint64_t off,
		   uint64_t v);
/* Grant 7: PAGE1 read-write ("GRNT"); grant 8: PAGE2 read-only ("RO"). */
void fixture_grant_pages(struct fixture *f);
/* Waits (up to WAIT_MS) for a misuse of that kind. */
bool fixture_misuse_seen(struct fixture *f, enum xensim_misuse kind);

#endif
