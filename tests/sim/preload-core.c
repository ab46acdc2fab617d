// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxentoolcore, simulated: xentoolcore_restrict_all() restricts every
 * handle the calling process holds (the harness knows them by pid), so
 * later calls for another domain fail with EPERM.
 */
#include <xentoolcore.h>

#include "preload.h"

int xentoolcore_restrict_all(domid_t domid)
{
	struct sim_msg m = { .op = SIM_OP_RESTRICT_ALL, .dom = domid };
	struct sim_chan ch;
	int rc = chan_open(&ch, SIM_KIND_TOOLCORE, 0, NULL);

	if (rc)
		return sim_fail(rc);
	rc = chan_call(&ch, &m, NULL, 0, NULL, 0, NULL);
	chan_close(&ch);
	return rc ? sim_fail(rc) : 0;
}
