// SPDX-License-Identifier: GPL-2.0-only
/*
 * The capabilities of socket-fed input devices (input.h): what a USB HID
 * keyboard, a wheel mouse and an absolute-pointer tablet report, fixed, so
 * the guest's configuration space is the same on every host. IDs are on
 * BUS_VIRTUAL with XenSource's PCI vendor id. And the check every event a
 * socket client sends goes through.
 */
#include <string.h>

#include "input.h"

#define XS_VENDOR 0x5853 /* XenSource, Inc. */
#define TABLET_MAX 32767 /* the USB tablet's range */

static void set(uint8_t *b, unsigned bit)
{
	b[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool has(const uint8_t *b, unsigned bit)
{
	return bit / 8 < INPUT_BITMAP && (b[bit / 8] >> (bit % 8)) & 1;
}

/* Keys 1 (KEY_ESC) to KEY_MICMUTE, three LEDs, autorepeat in the guest. */
static void keyboard(struct input_caps *c)
{
	static const unsigned leds[] = { LED_NUML, LED_CAPSL, LED_SCROLLL };

	set(c->ev[0], EV_KEY);
	set(c->ev[0], EV_LED);
	set(c->ev[0], EV_REP);
	for (unsigned k = KEY_ESC; k <= KEY_MICMUTE; k++)
		set(c->ev[EV_KEY], k);
	for (unsigned i = 0; i < ARRAY_SIZE(leds); i++)
		set(c->ev[EV_LED], leds[i]);
	/* §5.8.4: EV_REP's "codes" are REP_DELAY and REP_PERIOD. */
	set(c->ev[EV_REP], REP_DELAY);
	set(c->ev[EV_REP], REP_PERIOD);
}

static void buttons(struct input_caps *c)
{
	set(c->ev[0], EV_KEY);
	for (unsigned k = BTN_LEFT; k <= BTN_EXTRA; k++)
		set(c->ev[EV_KEY], k);
	set(c->ev[0], EV_REL);
	set(c->ev[EV_REL], REL_WHEEL);
}

/* Five buttons, motion and both wheels. */
static void mouse(struct input_caps *c)
{
	buttons(c);
	set(c->props, INPUT_PROP_POINTER);
	set(c->ev[EV_REL], REL_X);
	set(c->ev[EV_REL], REL_Y);
	set(c->ev[EV_REL], REL_HWHEEL);
}

/* Five buttons, a wheel, and X/Y in 0..32767. */
static void tablet(struct input_caps *c)
{
	buttons(c);
	set(c->ev[0], EV_ABS);
	for (unsigned a = ABS_X; a <= ABS_Y; a++) {
		set(c->ev[EV_ABS], a);
		c->abs[a] = (struct input_absinfo){ .maximum = TABLET_MAX };
	}
}

void input_kind_caps(enum input_kind kind, const char *serial,
		     struct input_caps *c)
{
	static const char *const names[] = {
		[INPUT_KEYBOARD] = "xen-virtio-dm keyboard",
		[INPUT_MOUSE] = "xen-virtio-dm mouse",
		[INPUT_TABLET] = "xen-virtio-dm tablet",
	};

	memset(c, 0, sizeof(*c));
	strncpy(c->name, names[kind], INPUT_STR);
	strncpy(c->serial, serial ? serial : "", INPUT_STR);
	c->id = (struct input_id){ .bustype = BUS_VIRTUAL,
				   .vendor = XS_VENDOR,
				   .product = (uint16_t)(kind + 1),
				   .version = 1 };
	set(c->ev[0], EV_SYN);
	if (kind == INPUT_KEYBOARD)
		keyboard(c);
	else if (kind == INPUT_MOUSE)
		mouse(c);
	else
		tablet(c);
}

bool input_event_valid(const struct input_caps *c, uint16_t type, uint16_t code,
		       int32_t value)
{
	/* EV_REP is the guest's own business; the rest as advertised. */
	if (type >= EV_CNT || type == EV_REP || !has(c->ev[0], type))
		return false;
	if (type == EV_SYN)
		return code == SYN_REPORT;
	if (code >= INPUT_BITMAP * 8 || !has(c->ev[type], code))
		return false;
	switch (type) {
	case EV_KEY:
		return value >= 0 && value <= 2; /* release, press, repeat */
	case EV_LED:
		return value == 0 || value == 1;
	case EV_ABS:
		return code < ABS_CNT && value >= c->abs[code].minimum &&
		       value <= c->abs[code].maximum;
	default:
		return true;
	}
}
