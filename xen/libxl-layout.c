/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxl's xenstore layout for virtio-mmio devices (see libxl-layout.h).
 *
 * Pure: no xenstore access, no Xen header. The facts come from libxl
 * (tools/libs/light/libxl_disk.c, libxl_virtio.c, libxl_device.c,
 * libxl_arm.c) of Xen 4.17.0 to 4.21; where a number lives in a Xen header
 * we mirror it and say where from.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "libxl-layout.h"

/* DOMID_FIRST_RESERVED, xen/include/public/xen.h: not an ordinary domain. */
#define DOMID_RESERVED 0x7ff0u
/* LIBXL_TOOLSTACK_DOMID, tools/include/libxl.h. */
#define TOOLSTACK_DOMID 0u
/* libxl writes device ids with "%d" from an int. */
#define DEVID_MAX ((uint64_t)INT_MAX)
/*
 * GIC SPIs are INTIDs 32..1019 (Arm GIC architecture). libxl hands out
 * 33..43 (GUEST_VIRTIO_MMIO_SPI_FIRST/LAST, xen/include/public/arch-arm.h),
 * but the interrupt controller is the real limit.
 */
#define SPI_FIRST 32u
#define SPI_LAST 1019u
/* An x86 HVM guest's line would be an ISA IRQ (xen/irq.c); 0 is the timer. */
#define ISA_IRQ_FIRST 1u
#define ISA_IRQ_LAST 15u
/* Longest quoted value in a message; the rest becomes "...". */
#define QUOTE_MAX 48
/* Two quotes, the value, "..." and the NUL. */
#define QUOTE_BUF (QUOTE_MAX + 6)

struct parser {
	enum layout_kind kind;
	unsigned domid;
	unsigned devid;
	layout_read_fn *read;
	void *opaque;
	char *err;
	size_t err_len;
};

static const char *const kind_names[] = {
	[LAYOUT_VIRTIO_DISK] = "virtio_disk",
	[LAYOUT_VIRTIO] = "virtio",
};

const char *layout_kind_name(enum layout_kind kind)
{
	if ((size_t)kind >= ARRAY_SIZE(kind_names))
		return "?";
	return kind_names[kind];
}

static int digit_value(char c, unsigned radix)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (radix == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (radix == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses digits from s up to the first non-digit (*end). At least one digit;
 * in decimal no leading zero, since libxl writes "%u"/"%d" and its own
 * readers use strtoul(s, NULL, 0), which takes "010" for octal. -ERANGE
 * above max.
 */
static int parse_digits(const char *s, const char **end, unsigned radix,
			uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool range = false;
	const char *p;
	int d;

	if (digit_value(s[0], radix) < 0)
		return -EINVAL;
	if (radix == 10 && s[0] == '0' && digit_value(s[1], 10) >= 0)
		return -EINVAL;
	for (p = s; (d = digit_value(*p, radix)) >= 0; p++) {
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / radix)
			range = true;
		else
			v = v * radix + (uint64_t)d;
	}
	*end = p;
	*out = v;
	return range ? -ERANGE : 0;
}

/* A whole value: canonical decimal, or "0x" and hex if hex_ok. */
static int parse_number(const char *s, bool hex_ok, uint64_t max, uint64_t *out)
{
	const char *end;
	int rc;

	if (hex_ok && s[0] == '0' && s[1] == 'x')
		rc = parse_digits(s + 2, &end, 16, max, out);
	else
		rc = parse_digits(s, &end, 10, max, out);
	if (rc == -EINVAL || *end != '\0')
		return -EINVAL;
	return rc;
}

int layout_parse_state(const char *value, enum layout_state *state)
{
	uint64_t v;

	if (parse_number(value, false, LAYOUT_STATE_RECONFIGURED, &v))
		return -EINVAL;
	*state = (enum layout_state)v;
	return 0;
}

/* Values end up in logs: keep them short and printable. */
static void quote(char buf[QUOTE_BUF], const char *v)
{
	size_t i, n = strlen(v);
	char *p = buf;

	*p++ = '"';
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)v[i];
		bool plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';

		*p++ = plain ? (char)c : '?';
	}
	*p++ = '"';
	if (n > QUOTE_MAX) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p = '\0';
}

/* Writes "backend/<kind>/<dom>/<devid>/<name>: <message>" and returns rc. */
static int fail(const struct parser *p, int rc, const char *name,
		const char *fmt, ...) printf_like(4, 5);

static int fail(const struct parser *p, int rc, const char *name,
		const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!p->err_len)
		return rc;
	r = snprintf(p->err, p->err_len,
		     "backend/%s/%u/%u/%s: ", layout_kind_name(p->kind),
		     p->domid, p->devid, name);
	if (r >= 0 && (size_t)r < p->err_len) {
		va_start(ap, fmt);
		vsnprintf(p->err + r, p->err_len - (size_t)r, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Reads a node; NULL (after an -ENOENT message) if it is missing. */
static const char *get(const struct parser *p, const char *name)
{
	const char *v = p->read(p->opaque, name);

	if (!v)
		fail(p, -ENOENT, name, "missing");
	return v;
}

static int node_number(const struct parser *p, const char *name, bool hex_ok,
		       uint64_t max, uint64_t *out)
{
	char q[QUOTE_BUF];
	const char *v = get(p, name);
	int rc;

	if (!v)
		return -ENOENT;
	rc = parse_number(v, hex_ok, max, out);
	if (!rc)
		return 0;
	quote(q, v);
	if (rc == -ERANGE)
		return fail(p, -EINVAL, name, "%s is out of range (max %llu)",
			    q, (unsigned long long)max);
	return fail(p, -EINVAL, name, "%s is not a number", q);
}

/* A value from a closed set: *idx is its index in choices. */
static int node_choice(const struct parser *p, const char *name,
		       const char *const *choices, size_t n, size_t *idx)
{
	char q[QUOTE_BUF];
	const char *v = get(p, name);
	size_t i;

	if (!v)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		if (!strcmp(v, choices[i])) {
			*idx = i;
			return 0;
		}
	}
	quote(q, v);
	if (n == 1)
		return fail(p, -EINVAL, name, "%s is not \"%s\"", q,
			    choices[0]);
	return fail(p, -EINVAL, name, "%s is not \"%s\" or \"%s\"%s", q,
		    choices[0], choices[1], n > 2 ? ", ..." : "");
}

static int node_is(const struct parser *p, const char *name,
		   const char *expected)
{
	size_t idx;

	return node_choice(p, name, &expected, 1, &idx);
}

/* libxl writes booleans as "0" or "1" (libxl_defbool_val(..) ? "1" : "0"). */
static int node_bool(const struct parser *p, const char *name, bool *out)
{
	static const char *const bools[] = { "0", "1" };
	size_t idx;
	int rc;

	rc = node_choice(p, name, bools, ARRAY_SIZE(bools), &idx);
	if (!rc)
		*out = idx == 1;
	return rc;
}

/*
 * frontend-id must name the guest the directory is for: libxl writes
 * "%d" of the domid it also puts in the path (libxl_device.c).
 */
static int parse_frontend(const struct parser *p, struct layout_device *out)
{
	uint64_t v;
	int rc;

	rc = node_number(p, "frontend-id", false, DOMID_RESERVED - 1, &v);
	if (rc)
		return rc;
	if (v != p->domid)
		return fail(p, -EINVAL, "frontend-id",
			    "\"%llu\" is not the directory's domain %u",
			    (unsigned long long)v, p->domid);
	out->frontend_domid = p->domid;
	return 0;
}

/*
 * The MMIO window and its interrupt, as libxl_arm.c allocates them: base
 * in steps of LAYOUT_MMIO_SIZE (disks write it "%" PRIu64, virtio devices
 * "%#" PRIx64: take either), irq an SPI written "%u" (or, for an x86
 * HVM guest, an ISA IRQ).
 */
static int parse_mmio(const struct parser *p, struct layout_device *out)
{
	uint64_t base, irq;
	int rc;

	rc = node_is(p, "transport", "mmio");
	if (rc)
		return rc;
	rc = node_number(p, "base", true, UINT64_MAX - (LAYOUT_MMIO_SIZE - 1),
			 &base);
	if (rc)
		return rc;
	if (!base || base % LAYOUT_MMIO_SIZE)
		return fail(p, -EINVAL, "base",
			    "0x%llx is not a non-zero multiple of 0x%x",
			    (unsigned long long)base, LAYOUT_MMIO_SIZE);
	rc = node_number(p, "irq", false, UINT32_MAX, &irq);
	if (rc)
		return rc;
	if ((irq < SPI_FIRST || irq > SPI_LAST) &&
	    (irq < ISA_IRQ_FIRST || irq > ISA_IRQ_LAST))
		return fail(p, -EINVAL, "irq",
			    "%llu is neither an SPI (%u..%u) nor an ISA IRQ "
			    "(%u..%u)",
			    (unsigned long long)irq, SPI_FIRST, SPI_LAST,
			    ISA_IRQ_FIRST, ISA_IRQ_LAST);
	out->base = base;
	out->irq = (uint32_t)irq;
	return 0;
}

/*
 * grant_usage is written for virtio devices from 4.18 and for disks from
 * 4.19. Without it libxl's default applies: grants when the backend is
 * not the toolstack domain (libxl_disk.c, libxl__disk_from_xenstore), which
 * is also when 4.17 puts "iommus" in the guest's device tree.
 */
static int parse_grants(const struct parser *p, unsigned backend_domid,
			struct layout_device *out)
{
	if (p->kind == LAYOUT_VIRTIO_DISK &&
	    !p->read(p->opaque, "grant_usage")) {
		out->grant_usage = backend_domid != TOOLSTACK_DOMID;
		return 0;
	}
	return node_bool(p, "grant_usage", &out->grant_usage);
}

/* The nodes only disks have (libxl_disk.c, device_disk_add). */
static int parse_disk(const struct parser *p, struct layout_device *out)
{
	static const char *const modes[] = { "r", "w" };
	static const char *const types[] = { "disk", "cdrom" };
	char q[QUOTE_BUF];
	const char *target;
	size_t idx, len;
	int rc;

	rc = node_is(p, "type", "standalone");
	if (!rc)
		rc = node_is(p, "specification", "virtio");
	if (!rc)
		rc = node_choice(p, "mode", modes, ARRAY_SIZE(modes), &idx);
	if (rc)
		return rc;
	out->readonly = idx == 0;
	rc = node_choice(p, "device-type", types, ARRAY_SIZE(types), &idx);
	if (rc)
		return rc;
	out->cdrom = idx == 1;
	rc = node_bool(p, "discard-enable", &out->discard);
	if (rc)
		return rc;
	/* A standalone disk is raw with a path libxl could stat. */
	target = get(p, "params");
	if (!target)
		return -ENOENT;
	len = strlen(target);
	if (!len)
		return fail(p, -EINVAL, "params", "empty");
	if (len >= sizeof(out->target)) {
		quote(q, target);
		return fail(p, -EINVAL, "params", "%s is longer than %zu", q,
			    sizeof(out->target) - 1);
	}
	memcpy(out->target, target, len + 1);
	out->device_id = VIRTIO_ID_BLOCK;
	return 0;
}

/*
 * type="virtio,device" or "virtio,device<id>" with the id in lower-case hex
 * without "0x" (xl.cfg(5)), as the device tree binding spells it
 * ("^virtio,device[0-9a-f]{1,8}$", virtio/virtio-device.yaml). We also
 * refuse leading zeros, so that each id has one spelling ("%x").
 */
static int parse_type(const struct parser *p, struct layout_device *out)
{
	static const char prefix[] = "virtio,device";
	char q[QUOTE_BUF];
	const char *v = get(p, "type"), *s;
	uint32_t id = 0;

	if (!v)
		return -ENOENT;
	if (strncmp(v, prefix, sizeof(prefix) - 1))
		goto bad;
	s = v + sizeof(prefix) - 1;
	if (*s == '0' || strlen(s) > 8)
		goto bad;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			id = id << 4 | (uint32_t)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			id = id << 4 | (uint32_t)(*s - 'a' + 10);
		else
			goto bad;
	}
	out->device_id = id;
	return 0;
bad:
	quote(q, v);
	return fail(p, -EINVAL, "type",
		    "%s is not \"virtio,device\" or \"virtio,device<hex id>\"",
		    q);
}

int layout_parse(enum layout_kind kind, unsigned backend_domid, unsigned domid,
		 unsigned devid, layout_read_fn *read, void *opaque,
		 struct layout_device *out, char *err, size_t err_len)
{
	const struct parser p = {
		.kind = kind,
		.domid = domid,
		.devid = devid,
		.read = read,
		.opaque = opaque,
		.err = err,
		.err_len = err_len,
	};
	int rc;

	assert(kind == LAYOUT_VIRTIO_DISK || kind == LAYOUT_VIRTIO);
	if (err_len)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->devid = devid;
	rc = parse_frontend(&p, out);
	if (!rc)
		rc = node_bool(&p, "online", &out->online);
	if (!rc)
		rc = parse_mmio(&p, out);
	if (!rc)
		rc = parse_grants(&p, backend_domid, out);
	if (!rc)
		rc = kind == LAYOUT_VIRTIO_DISK ? parse_disk(&p, out) :
						  parse_type(&p, out);
	return rc;
}

/* One path component, "name" then '/' or the end: 0 if it is `name`. */
static int match_component(const char **s, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(*s, name, len) || ((*s)[len] != '/' && (*s)[len] != '\0'))
		return -EINVAL;
	*s += len;
	return 0;
}

static int match_kind(const char **s, enum layout_kind *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (!match_component(s, kind_names[i])) {
			*kind = (enum layout_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* A canonical decimal component up to max, then '/' or the end. */
static int match_number(const char **s, uint64_t max, uint64_t *v)
{
	const char *end;

	if (parse_digits(*s, &end, 10, max, v) || (*end != '/' && *end != '\0'))
		return -EINVAL;
	*s = end;
	return 0;
}

/*
 * Paths come from xenstore, which refuses trailing and doubled slashes, but
 * we check anyway: a path and the ids we take from it must map one to one.
 */
int layout_parse_backend_path(const char *path, unsigned self_domid,
			      enum layout_kind *kind, unsigned *domid,
			      unsigned *devid, const char **node)
{
	const char *s = path;
	enum layout_kind k;
	uint64_t self, dom, dev;

	if (*s++ != '/' || match_component(&s, "local") || *s++ != '/' ||
	    match_component(&s, "domain") || *s++ != '/' ||
	    match_number(&s, UINT_MAX, &self) || self != self_domid ||
	    *s++ != '/' || match_component(&s, "backend"))
		return -EINVAL;
	if (!*s)
		return -ENOENT;
	s++;
	if (match_kind(&s, &k))
		return -EINVAL;
	if (!*s)
		return -ENOENT;
	s++;
	if (match_number(&s, DOMID_RESERVED - 1, &dom) || dom == self_domid)
		return -EINVAL;
	if (!*s)
		return -ENOENT;
	s++;
	if (match_number(&s, DEVID_MAX, &dev))
		return -EINVAL;
	if (*s == '/') {
		s++;
		if (!*s || strchr(s, '/'))
			return -EINVAL;
	}
	*kind = k;
	*domid = (unsigned)dom;
	*devid = (unsigned)dev;
	*node = s;
	return 0;
}
