/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What guest-client (run under the simulated Xen) and test-guest (the
 * harness side) agree on, and the client's failure injection.
 */
#ifndef XVDM_TESTS_GUEST_CLIENT_H
#define XVDM_TESTS_GUEST_CLIENT_H

#include <stdbool.h>

/* The fake device: a made-up device id, one queue, 16 config bytes. */
#define FAKE_DEVICE_ID 0x1234u
#define FAKE_CONFIG_LEN 16u
/* Byte i of the fake device devid's configuration space. */
#define FAKE_CONFIG(devid, i) ((uint8_t)((devid)*16u + (i)))

/*
 * "<call>:<n>": the n-th call (from 1) to <call> made while armed fails
 * with EIO. The calls are the libxen* and evloop calls of guest_new() and
 * guest_add_device(), wrapped at link time (-Wl,--wrap, guest.mk).
 */
int fail_parse(const char *spec);
void fail_arm(bool armed);

#endif
