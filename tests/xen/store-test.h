/* SPDX-License-Identifier: GPL-2.0-only */
/* What store-test and store-client agree on. */
#ifndef XVDM_TESTS_STORE_TEST_H
#define XVDM_TESTS_STORE_TEST_H

/* The client's recorder writes here (HOME/log/<n>, HOME/ready, ...). */
#define HOME "/local/domain/0/store-test"
/* The recording attach refuses this device id. */
#define FAIL_DEVID 13

#endif
