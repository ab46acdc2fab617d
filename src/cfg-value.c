/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Config values: finding an entry, turning its text into the type the schema
 * gives it (once, at load time, so that a bad value is a load error), and the
 * typed getters that read it back.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg-value.h"

const struct cfg_key *cfg_find_key(const struct cfg_schema *sc,
				   const char *type, const char *key)
{
	for (size_t i = 0; i < sc->n_keys; i++)
		if (!strcmp(sc->keys[i].section, type) &&
		    !strcmp(sc->keys[i].key, key))
			return &sc->keys[i];
	return NULL;
}

const struct cfg_entry *cfg_find_entry(const struct cfg_section *s,
				       const char *key)
{
	const struct cfg_entry *e = &s->cfg->ents[s->first];

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(e[i].key, key))
			return &e[i];
	return NULL;
}

/* Says why a value is refused, for cfg_value_parse(); returns -EINVAL. */
static printf_like(3, 4) int refuse(char *why, size_t size, const char *fmt,
				    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_int(const char *v, long long *out)
{
	const char *d = (*v == '-' || *v == '+') ? v + 1 : v;
	char *end;

	if (*d < '0' || *d > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (*end)
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* Digits and an optional k/M/G/T suffix (powers of 1024). */
static int parse_size(const char *v, uint64_t *out)
{
	static const char suffixes[] = "kmgt";
	const char *sfx;
	unsigned shift = 0;
	char *end;

	if (*v < '0' || *v > '9') /* strtoull() would take " -1" */
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (*end) {
		sfx = strchr(suffixes, *end | 0x20);
		if (!sfx || end[1])
			return -EINVAL;
		shift = 10 * (unsigned)(sfx - suffixes + 1);
	}
	if (errno == ERANGE || *out > UINT64_MAX >> shift)
		return -ERANGE;
	*out <<= shift;
	return 0;
}

static int parse_choice(struct cfg_entry *e, char *why, size_t size)
{
	const char *const *c = e->def->choices;
	char list[CFG_ERROR_LEN] = "";
	size_t n = 0;

	assert(c && "CFG_CHOICE key without choices");
	for (int i = 0; c[i]; i++) {
		if (!strcmp(e->value, c[i])) {
			e->v.choice = i;
			return 0;
		}
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
					      "%s%s", i ? ", " : "", c[i]);
	}
	return refuse(why, size, "is not one of: %s", list);
}

int cfg_value_parse(struct cfg_entry *e, char *why, size_t size)
{
	const struct cfg_key *d = e->def;
	bool bounded = d->min || d->max;
	long long len = (long long)strlen(e->value);
	int rc = 0;

	switch (d->type) {
	case CFG_PATH:
	case CFG_STRING:
		if (d->type == CFG_PATH && e->value[0] != '/')
			return refuse(why, size, "is not an absolute path");
		if (bounded && (len < d->min || len > d->max))
			return refuse(why, size,
				      "is not %lld..%lld characters long",
				      d->min, d->max);
		return 0;
	case CFG_BOOL:
		if (parse_bool(e->value, &e->v.b))
			return refuse(why, size, "is not a boolean (yes/no)");
		return 0;
	case CFG_CHOICE:
		return parse_choice(e, why, size);
	case CFG_INT:
		rc = parse_int(e->value, &e->v.i);
		if (!rc && bounded && (e->v.i < d->min || e->v.i > d->max))
			rc = -ERANGE;
		break;
	case CFG_SIZE:
		rc = parse_size(e->value, &e->v.size);
		if (!rc && bounded &&
		    (e->v.size < (uint64_t)d->min ||
		     e->v.size > (uint64_t)d->max))
			rc = -ERANGE;
		break;
	}
	if (rc == -EINVAL)
		return refuse(why, size, "is not %s",
			      d->type == CFG_INT ?
				      "an integer" :
				      "a size (like 512, 4k, 64M, 1G)");
	if (rc && bounded)
		return refuse(why, size, "is out of range (%lld..%lld)", d->min,
			      d->max);
	if (rc)
		return refuse(why, size, "is %s",
			      d->type == CFG_INT ? "out of range" :
						   "too large");
	return 0;
}

#define TYPE_BIT(t) (1u << (t))

/*
 * The entry for key, or NULL. A key missing from the schema or read with
 * the wrong getter is a typo in the caller that would silently read the
 * default forever, so it asserts.
 */
static const struct cfg_entry *lookup(const struct cfg_section *s,
				      const char *key, unsigned types)
{
	const struct cfg_key *def;

	if (!s)
		return NULL;
	def = cfg_find_key(s->cfg->schema, s->type, key);
	assert(def && "key not in the schema");
	assert((TYPE_BIT(def->type) & types) && "getter of the wrong type");
	(void)def;
	return cfg_find_entry(s, key);
}

const char *cfg_get_string(const struct cfg_section *s, const char *key,
			   const char *def)
{
	const struct cfg_entry *e =
		lookup(s, key,
		       TYPE_BIT(CFG_STRING) | TYPE_BIT(CFG_PATH) |
			       TYPE_BIT(CFG_CHOICE));

	return e ? e->value : def;
}

long long cfg_get_int(const struct cfg_section *s, const char *key,
		      long long def)
{
	const struct cfg_entry *e = lookup(s, key, TYPE_BIT(CFG_INT));

	return e ? e->v.i : def;
}

bool cfg_get_bool(const struct cfg_section *s, const char *key, bool def)
{
	const struct cfg_entry *e = lookup(s, key, TYPE_BIT(CFG_BOOL));

	return e ? e->v.b : def;
}

uint64_t cfg_get_size(const struct cfg_section *s, const char *key,
		      uint64_t def)
{
	const struct cfg_entry *e = lookup(s, key, TYPE_BIT(CFG_SIZE));

	return e ? e->v.size : def;
}

int cfg_get_choice(const struct cfg_section *s, const char *key, int def)
{
	const struct cfg_entry *e = lookup(s, key, TYPE_BIT(CFG_CHOICE));

	return e ? e->v.choice : def;
}

unsigned cfg_key_line(const struct cfg_section *s, const char *key)
{
	const struct cfg_entry *e = lookup(s, key, ~0u);

	return e ? e->line : 0;
}
