/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gmem-client: runs xen/gmem-*.c against libxen* (the simulated Xen under
 * LD_PRELOAD in the tests) in one scenario named on the command line, and
 * exits 0 when every expectation held. test-gmem-xen checks the rest (guest
 * RAM written, misuses the harness saw).
 */
#ifndef XVDM_TESTS_GMEM_CLIENT_INT_H
#define XVDM_TESTS_GMEM_CLIENT_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/uio.h>

#include "gmem-client.h"
#include "gmem-xen.h"
#include "log.h"
#include "xen-handles.h"

#define GMC_IOV_MAX 8

struct gmc {
	struct xen_handles xh;
	struct logger lg;
	struct log_src src;
	int failures;
};

#define EXPECT(c, cond)                                                      \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "gmem-client: %s:%d: expected %s\n", \
				__FILE__, __LINE__, #cond);                  \
			(c)->failures++;                                     \
		}                                                            \
	} while (0)

/* The guest-physical address behind the address map_iov() was given. */
typedef uint64_t gmc_xlate_fn(uint64_t addr);

uint64_t gmc_gpa(uint64_t addr);
uint64_t gmc_grant_gpa(uint64_t addr);
/* Do the iovecs hold [addr, addr + len) of guest RAM filled with seed? */
bool gmc_check(const struct iovec *iov, int n, uint64_t addr, uint64_t len,
	       unsigned seed, gmc_xlate_fn *xlate);
void gmc_fill(const struct iovec *iov, int n, uint64_t addr, unsigned seed,
	      gmc_xlate_fn *xlate);
struct gmem *gmc_foreign(struct gmc *c, unsigned max_buckets);
struct gmem_xen_stats gmc_stats(const struct gmem *mem);

void scenario_bounds(struct gmc *c);
void scenario_hole(struct gmc *c);
void scenario_evict(struct gmc *c);
void scenario_churn(struct gmc *c);
void scenario_grant(struct gmc *c);
void scenario_grant_hostile(struct gmc *c);

#endif
