// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-input configuration space (virtio 1.2 §5.8.4) from an evdev
 * device's capabilities. Bitmaps keep the kernel's byte order: bit n is
 * bit n % 8 of byte n / 8, as §5.8.4 wants, on a little-endian host.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "input.h"

/* The bytes of a bitmap up to its last non-zero one. */
static uint8_t bitmap_len(const uint8_t *b)
{
	unsigned n = INPUT_BITMAP;

	while (n && !b[n - 1])
		n--;
	return (uint8_t)n;
}

static bool bit_set(const uint8_t *b, unsigned bit)
{
	return bit / 8 < INPUT_BITMAP && (b[bit / 8] >> (bit % 8)) & 1;
}

/* A string ioctl; a device without one (-ENOENT) has an empty one. */
static int read_str(int fd, unsigned long req, char *s)
{
	int r = ioctl(fd, req, s);

	s[INPUT_STR] = '\0';
	if (r < 0) {
		s[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	return 0;
}

int input_caps_read(int fd, struct input_caps *caps)
{
	int rc;

	memset(caps, 0, sizeof(*caps));
	rc = read_str(fd, EVIOCGNAME(INPUT_STR), caps->name);
	if (rc)
		return rc;
	rc = read_str(fd, EVIOCGUNIQ(INPUT_STR), caps->serial);
	if (rc)
		return rc;
	if (ioctl(fd, EVIOCGID, &caps->id) < 0)
		return -errno;
	/* Old kernels lack EVIOCGPROP: no properties then. */
	if (ioctl(fd, EVIOCGPROP(INPUT_BITMAP), caps->props) < 0)
		memset(caps->props, 0, sizeof(caps->props));
	if (ioctl(fd, EVIOCGBIT(0, INPUT_BITMAP), caps->ev[0]) < 0)
		return -errno;
	for (unsigned t = 1; t < EV_CNT; t++) {
		if (!bit_set(caps->ev[0], t))
			continue;
		/* Types with no code bitmap (EV_REP) answer -EINVAL. */
		if (ioctl(fd, EVIOCGBIT(t, INPUT_BITMAP), caps->ev[t]) < 0)
			memset(caps->ev[t], 0, INPUT_BITMAP);
	}
	for (unsigned a = 0; a < ABS_CNT; a++) {
		if (bit_set(caps->ev[EV_ABS], a) &&
		    ioctl(fd, EVIOCGABS(a), &caps->abs[a]) < 0)
			return -errno;
	}
	return 0;
}

static void answer_str(const char *s, struct virtio_input_config *cfg)
{
	size_t n = strnlen(s, INPUT_STR);

	memcpy(cfg->u.string, s, n);
	cfg->size = (uint8_t)n;
}

static void answer_abs(const struct input_absinfo *a,
		       struct virtio_input_config *cfg)
{
	cfg->u.abs.min = htole32((uint32_t)a->minimum);
	cfg->u.abs.max = htole32((uint32_t)a->maximum);
	cfg->u.abs.fuzz = htole32((uint32_t)a->fuzz);
	cfg->u.abs.flat = htole32((uint32_t)a->flat);
	cfg->u.abs.res = htole32((uint32_t)a->resolution);
	cfg->size = sizeof(cfg->u.abs);
}

static void answer_ids(const struct input_id *id,
		       struct virtio_input_config *cfg)
{
	cfg->u.ids.bustype = htole16(id->bustype);
	cfg->u.ids.vendor = htole16(id->vendor);
	cfg->u.ids.product = htole16(id->product);
	cfg->u.ids.version = htole16(id->version);
	cfg->size = sizeof(cfg->u.ids);
}

static void answer_bits(const uint8_t *b, struct virtio_input_config *cfg)
{
	cfg->size = bitmap_len(b);
	memcpy(cfg->u.bitmap, b, cfg->size);
}

void input_cfg_answer(const struct input_caps *caps,
		      struct virtio_input_config *cfg)
{
	unsigned sub = cfg->subsel;

	cfg->size = 0;
	memset(cfg->reserved, 0, sizeof(cfg->reserved));
	memset(&cfg->u, 0, sizeof(cfg->u));
	switch (cfg->select) {
	case VIRTIO_INPUT_CFG_ID_NAME:
		if (!sub)
			answer_str(caps->name, cfg);
		break;
	case VIRTIO_INPUT_CFG_ID_SERIAL:
		if (!sub)
			answer_str(caps->serial, cfg);
		break;
	case VIRTIO_INPUT_CFG_ID_DEVIDS:
		if (!sub)
			answer_ids(&caps->id, cfg);
		break;
	case VIRTIO_INPUT_CFG_PROP_BITS:
		if (!sub)
			answer_bits(caps->props, cfg);
		break;
	case VIRTIO_INPUT_CFG_EV_BITS:
		/* §5.8.4: subsel is the event type; 0 (EV_SYN) has none. */
		if (sub && sub < EV_CNT && bit_set(caps->ev[0], sub))
			answer_bits(caps->ev[sub], cfg);
		break;
	case VIRTIO_INPUT_CFG_ABS_INFO:
		if (sub < ABS_CNT && bit_set(caps->ev[EV_ABS], sub))
			answer_abs(&caps->abs[sub], cfg);
		break;
	default: /* VIRTIO_INPUT_CFG_UNSET and unknown selects */
		break;
	}
}
