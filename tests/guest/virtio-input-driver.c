// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-input, guest side, after Linux's drivers/virtio/virtio_input.c
 * (behaviour and order of device accesses, not code): virtinput_probe,
 * virtinput_cfg_select / _cfg_bits / _cfg_abs, virtinput_fill_evt,
 * virtinput_recv_events, virtinput_send_status / _recv_status.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <time.h>

#include "gpa-pool.h"
#include "guest-bus.h"
#include "virtio-input-driver.h"

#define CFG(field) offsetof(struct virtio_input_config, field)
#define EVSZ sizeof(struct virtio_input_event)

/* virtinput_cfg_select: the size the device answers (0 on a bus error). */
static uint8_t cfg_select(struct indrv *in, uint8_t select, uint8_t subsel)
{
	uint8_t size = 0;

	in->stats.selects++;
	if (vmdrv_set(&in->vm, CFG(select), &select, 1) ||
	    vmdrv_set(&in->vm, CFG(subsel), &subsel, 1) ||
	    vmdrv_get(&in->vm, CFG(size), &size, 1))
		return 0;
	return size;
}

/* virtinput_cfg_bits: the bitmap, cut to bitcount; the type noted. */
static int cfg_bits(struct indrv *in, uint8_t select, uint8_t subsel,
		    uint8_t *bits, unsigned bitcount)
{
	uint8_t raw[128];
	uint8_t bytes = cfg_select(in, select, subsel);
	int rc;

	if (!bytes)
		return 0;
	if (bytes > sizeof(raw))
		bytes = sizeof(raw);
	if (bitcount > bytes * 8u)
		bitcount = bytes * 8u;
	rc = vmdrv_cread_many(&in->vm, CFG(u.bitmap), raw, bytes, 1);
	if (rc)
		return rc;
	for (unsigned b = 0; b < bitcount; b++)
		if (indrv_test_bit(raw, b))
			bits[b / 8] |= (uint8_t)(1u << (b % 8));
	if (select == VIRTIO_INPUT_CFG_EV_BITS)
		in->dev.evbit[subsel / 8] |= (uint8_t)(1u << (subsel % 8));
	return 0;
}

static int cfg_string(struct indrv *in, uint8_t select, char *s)
{
	uint8_t size = cfg_select(in, select, 0);

	if (size > INDRV_STR)
		size = INDRV_STR;
	return vmdrv_cread_many(&in->vm, CFG(u.string), s, size, 1);
}

static int cfg_u16(struct indrv *in, uint32_t off, uint16_t *v)
{
	uint16_t le = 0;
	int rc = vmdrv_cread(&in->vm, off, &le, 2);

	*v = le16toh(le);
	return rc;
}

static int cfg_s32(struct indrv *in, uint32_t off, int32_t *v)
{
	uint32_t le = 0;
	int rc = vmdrv_cread(&in->vm, off, &le, 4);

	*v = (int32_t)le32toh(le);
	return rc;
}

/* virtinput_cfg_abs */
static int cfg_abs(struct indrv *in, unsigned abs)
{
	struct input_absinfo *a = &in->dev.abs[abs];
	int rc;

	cfg_select(in, VIRTIO_INPUT_CFG_ABS_INFO, (uint8_t)abs);
	rc = cfg_s32(in, CFG(u.abs.min), &a->minimum);
	if (!rc)
		rc = cfg_s32(in, CFG(u.abs.max), &a->maximum);
	if (!rc)
		rc = cfg_s32(in, CFG(u.abs.res), &a->resolution);
	if (!rc)
		rc = cfg_s32(in, CFG(u.abs.fuzz), &a->fuzz);
	if (!rc)
		rc = cfg_s32(in, CFG(u.abs.flat), &a->flat);
	return rc;
}

static int cfg_ids(struct indrv *in)
{
	struct input_id *id = &in->dev.id;
	int rc;

	if (cfg_select(in, VIRTIO_INPUT_CFG_ID_DEVIDS, 0) <
	    sizeof(struct virtio_input_devids)) {
		id->bustype = BUS_VIRTUAL;
		return 0;
	}
	rc = cfg_u16(in, CFG(u.ids.bustype), &id->bustype);
	if (!rc)
		rc = cfg_u16(in, CFG(u.ids.vendor), &id->vendor);
	if (!rc)
		rc = cfg_u16(in, CFG(u.ids.product), &id->product);
	if (!rc)
		rc = cfg_u16(in, CFG(u.ids.version), &id->version);
	return rc;
}

/* The configuration part of virtinput_probe, in Linux's order. */
static int read_config(struct indrv *in)
{
	static const struct {
		uint8_t type;
		size_t off; /* into struct indrv_dev */
		unsigned count;
	} types[] = {
		{ EV_KEY, offsetof(struct indrv_dev, keybit), KEY_CNT },
		{ EV_REL, offsetof(struct indrv_dev, relbit), REL_CNT },
		{ EV_ABS, offsetof(struct indrv_dev, absbit), ABS_CNT },
		{ EV_MSC, offsetof(struct indrv_dev, mscbit), MSC_CNT },
		{ EV_SW, offsetof(struct indrv_dev, swbit), SW_CNT },
		{ EV_LED, offsetof(struct indrv_dev, ledbit), LED_CNT },
		{ EV_SND, offsetof(struct indrv_dev, sndbit), SND_CNT },
	};
	struct indrv_dev *d = &in->dev;
	int rc;

	rc = cfg_string(in, VIRTIO_INPUT_CFG_ID_NAME, d->name);
	if (!rc)
		rc = cfg_string(in, VIRTIO_INPUT_CFG_ID_SERIAL, d->serial);
	if (!rc)
		rc = cfg_ids(in);
	if (!rc)
		rc = cfg_bits(in, VIRTIO_INPUT_CFG_PROP_BITS, 0, d->propbit,
			      INPUT_PROP_CNT);
	if (!rc && cfg_select(in, VIRTIO_INPUT_CFG_EV_BITS, EV_REP))
		d->evbit[EV_REP / 8] |= 1u << (EV_REP % 8);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(types); i++)
		rc = cfg_bits(in, VIRTIO_INPUT_CFG_EV_BITS, types[i].type,
			      (uint8_t *)d + types[i].off, types[i].count);
	if (rc || !indrv_test_bit(d->evbit, EV_ABS))
		return rc;
	for (unsigned a = 0; !rc && a < ABS_CNT; a++)
		if (indrv_test_bit(d->absbit, a))
			rc = cfg_abs(in, a);
	return rc;
}

/* virtinput_queue_evtbuf: the ring has room (one buffer per event). */
static void queue_evtbuf(struct indrv *in, struct virtio_input_event *e)
{
	struct vrdrv_sg sg = { in->evts_gpa + (uint64_t)(e - in->evts) * EVSZ,
			       EVSZ };

	if (vrdrv_add(in->evt, &sg, 0, 1, e))
		in->stats.lost_bufs++; /* broken queue */
}

/* virtinput_recv_events, minus input_event(): events kept in pending. */
static void recv_events(struct vrdrv *vq, void *opaque)
{
	struct indrv *in = opaque;
	unsigned got = 0;
	uint32_t len;
	void *data;

	while (in->count < INDRV_EVTS &&
	       vrdrv_get_buf(in->evt, &data, &len) == 1) {
		struct virtio_input_event *e = data;

		if (len != EVSZ)
			in->stats.bad_len++;
		in->pending[(in->head + in->count++) % INDRV_EVTS] = *e;
		in->stats.events++;
		queue_evtbuf(in, e);
		got++;
	}
	if (got) {
		in->stats.kicks++;
		vrdrv_kick(in->evt);
	}
}

/* virtinput_recv_status: the buffers go back to the pool. */
static void recv_status(struct vrdrv *vq, void *opaque)
{
	struct indrv *in = opaque;
	uint32_t len;
	void *data;

	while (vrdrv_get_buf(in->sts, &data, &len) == 1) {
		gpa_pool_free(in->p.pool, (uint64_t)(uintptr_t)data, EVSZ);
		in->stats.status_done++;
	}
}

static int virtinput_probe(struct indrv *in)
{
	static vrdrv_callback_fn *const cbs[] = { recv_events, recv_status };
	const struct guest_bus *bus = in->p.bus;
	int rc;

	rc = vmdrv_find_vqs(&in->vm, 2, cbs, in, 0);
	if (rc)
		return rc;
	in->evt = in->vm.vqs[0];
	in->sts = in->vm.vqs[1];
	rc = read_config(in);
	if (!rc)
		rc = vmdrv_ready(&in->vm);
	if (!rc &&
	    gpa_pool_alloc(in->p.pool, INDRV_EVTS * EVSZ, 64, &in->evts_gpa))
		rc = -ENOMEM;
	if (!rc) {
		in->evts =
			bus->ram(bus->opaque, in->evts_gpa, INDRV_EVTS * EVSZ);
		rc = in->evts ? 0 : -EFAULT;
	}
	if (rc) {
		(void)vmdrv_reset(&in->vm);
		vmdrv_del_vqs(&in->vm);
		return rc;
	}
	/* virtinput_fill_evt */
	in->nr_evts = in->evt->num < INDRV_EVTS ? in->evt->num : INDRV_EVTS;
	for (unsigned i = 0; i < in->nr_evts; i++)
		queue_evtbuf(in, &in->evts[i]);
	vrdrv_kick(in->evt);
	return 0;
}

int indrv_probe(struct indrv *in, const struct indrv_params *p)
{
	int rc;

	memset(in, 0, sizeof(*in));
	in->p = *p;
	if (!in->p.features)
		in->p.features = VMDRV_TRANSPORT_FEATURES;
	if (!in->p.timeout_ms)
		in->p.timeout_ms = 10000;
	rc = vmdrv_probe(&in->vm, p->bus, p->base, p->pool);
	if (rc)
		return rc;
	if (in->vm.device_id != VIRTIO_ID_INPUT)
		return -ENODEV;
	rc = vmdrv_negotiate(&in->vm, in->p.features);
	if (!rc && !vmdrv_has_feature(&in->vm, VIRTIO_F_VERSION_1))
		rc = -ENODEV;
	if (!rc)
		rc = virtinput_probe(in);
	if (rc) {
		vmdrv_fail(&in->vm);
		return rc;
	}
	in->live = true;
	return 0;
}

void indrv_remove(struct indrv *in)
{
	void *buf;

	if (!in->live)
		return;
	in->live = false;
	(void)vmdrv_reset(&in->vm);
	while ((buf = vrdrv_detach_unused(in->sts)))
		gpa_pool_free(in->p.pool, (uint64_t)(uintptr_t)buf, EVSZ);
	while (vrdrv_detach_unused(in->evt))
		;
	vmdrv_del_vqs(&in->vm);
	gpa_pool_free(in->p.pool, in->evts_gpa, INDRV_EVTS * EVSZ);
	vmdrv_remove(&in->vm);
}

int indrv_read(struct indrv *in, struct input_event *ev, int timeout_ms)
{
	int64_t deadline = vmdrv_now_ms() + timeout_ms;
	struct virtio_input_event *e;
	int rc;

	if (!in->live)
		return -ENODEV;
	while (!in->count) {
		/* Used buffers an interrupt already acknowledged. */
		recv_events(in->evt, in);
		if (in->count)
			break;
		if (in->evt->broken)
			return -EIO;
		rc = vmdrv_wait_irq(&in->vm, deadline);
		if (rc)
			return rc > 0 ? 0 : rc;
	}
	e = &in->pending[in->head];
	in->head = (in->head + 1) % INDRV_EVTS;
	in->count--;
	*ev = (struct input_event){ .type = le16toh(e->type),
				    .code = le16toh(e->code),
				    .value = (int32_t)le32toh(e->value) };
	return 1;
}

int indrv_send_status(struct indrv *in, uint16_t type, uint16_t code,
		      int32_t value)
{
	const struct guest_bus *bus = in->p.bus;
	struct virtio_input_event *st;
	struct vrdrv_sg sg = { 0, EVSZ };
	int rc;

	if (!in->live)
		return -ENODEV;
	if (gpa_pool_alloc(in->p.pool, EVSZ, 8, &sg.gpa))
		return -ENOMEM;
	st = bus->ram(bus->opaque, sg.gpa, EVSZ);
	if (!st) {
		gpa_pool_free(in->p.pool, sg.gpa, EVSZ);
		return -EFAULT;
	}
	*st = (struct virtio_input_event){ .type = htole16(type),
					   .code = htole16(code),
					   .value = htole32((uint32_t)value) };
	rc = vrdrv_add(in->sts, &sg, 1, 0, (void *)(uintptr_t)sg.gpa);
	vrdrv_kick(in->sts);
	if (rc) {
		gpa_pool_free(in->p.pool, sg.gpa, EVSZ);
		return rc;
	}
	in->stats.status_sent++;
	return 0;
}

int indrv_status_flush(struct indrv *in, int timeout_ms)
{
	int64_t deadline = vmdrv_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		recv_status(in->sts, in);
		if (in->stats.status_done == in->stats.status_sent)
			return 0;
		if (in->sts->broken)
			return -EIO;
		rc = vmdrv_wait_irq(&in->vm, deadline);
		if (rc)
			return rc > 0 ? -ETIMEDOUT : rc;
	}
}
