// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>

#include "daemon-cfg.h"
#include "vq.h"

/* In enum input_kind order (backends/input/input.h). */
static const char *const input_kinds[] = { "keyboard", "mouse", "tablet",
					   NULL };
/* In enum log_level order, so the choice index is the level. */
static const char *const log_levels[] = { "error", "warn", "info", "debug",
					  NULL };

static const struct cfg_section_def sections[] = {
	{ .type = "daemon", .labeled = false },
	{ .type = "device", .labeled = true },
};

static const struct cfg_key keys[] = {
	{ "daemon", "log-level", CFG_CHOICE, 0, 0, log_levels },
	{ "device", "image", CFG_PATH, 1, 4095, NULL },
	{ "device", "readonly", CFG_BOOL, 0, 0, NULL },
	{ "device", "serial", CFG_STRING, 1, 20, NULL },
	{ "device", "queues", CFG_INT, 1, 64, NULL },
	{ "device", "queue-size", CFG_INT, 1, VQ_NUM_MAX, NULL },
	/* virtio-rng: source path; bytes per second, 0: no limit (<= 1 GiB) */
	{ "device", "rng-source", CFG_PATH, 1, 4095, NULL },
	{ "device", "rng-rate", CFG_INT, 0, 1ll << 30, NULL },
	/* virtio-console: pty | unix:<path> | file:<path> */
	{ "device", "console", CFG_STRING, 3, 4100, NULL },
	/* vhost-user: the back-end's unix socket (sun_path holds 107 bytes) */
	{ "device", "vhost-user", CFG_PATH, 1, 107, NULL },
	/* vhost-user virtio-fs: the tag the guest mounts */
	{ "device", "vhost-user-tag", CFG_STRING, 1, 36, NULL },
	/* vhost-user on Xen Arm: the guest's RAM to the back-end (XEN_MMAP) */
	{ "device", "vhost-user-xen-mmap", CFG_BOOL, 0, 0, NULL },
	/* virtio-input: the host evdev device; EVIOCGRAB it (default no) */
	{ "device", "input", CFG_PATH, 1, 4095, NULL },
	{ "device", "input-grab", CFG_BOOL, 0, 0, NULL },
	/* virtio-input from an injector on a unix socket the daemon listens on */
	{ "device", "input-socket", CFG_PATH, 1, 107, NULL },
	{ "device", "input-kind", CFG_CHOICE, 0, 0, input_kinds },
	/* virtio-net: tap interface (IFNAMSIZ - 1); MAC aa:bb:cc:dd:ee:ff */
	{ "device", "tap", CFG_STRING, 1, 15, NULL },
	{ "device", "bridge", CFG_STRING, 1, 15, NULL },
	{ "device", "mac", CFG_STRING, 17, 17, NULL },
	/* virtio-vsock: host unix socket (+ "_<port>" fits sun_path); CID */
	{ "device", "vsock", CFG_PATH, 1, 96, NULL },
	{ "device", "guest-cid", CFG_INT, 3, 0xfffffffell, NULL },
};

const struct cfg_schema daemon_cfg_schema = {
	.sections = sections,
	.n_sections = ARRAY_SIZE(sections),
	.keys = keys,
	.n_keys = ARRAY_SIZE(keys),
};

int daemon_cfg_check(const struct cfg *cfg, struct cfg_errors *errs)
{
	const struct cfg_section *s = NULL;
	char where[256];
	int rc = 0;

	while ((s = cfg_next_section(cfg, "device", s))) {
		long long n = cfg_get_int(s, "queue-size", 256);

		if (n & (n - 1)) {
			if (errs && errs->count < CFG_ERRORS_MAX)
				snprintf(
					errs->msg[errs->count++], CFG_ERROR_LEN,
					"%s: value '%lld' is not a power of two",
					cfg_where(s, "queue-size", where,
						  sizeof(where)),
					n);
			rc = -EINVAL;
		}
	}
	return rc;
}

enum log_level daemon_cfg_log_level(const struct cfg *cfg, enum log_level def)
{
	const struct cfg_section *s =
		cfg ? cfg_section(cfg, "daemon", NULL) : NULL;

	return (enum log_level)cfg_get_choice(s, "log-level", (int)def);
}
