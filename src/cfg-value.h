/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the config parser (cfg.c reads the file and checks its
 * structure, cfg-value.c types the values and serves the getters): the
 * layout of a loaded config. The file is read into one buffer that the
 * config keeps; parsing cuts it into NUL-terminated names and values in place
 * (unquoting only ever shortens a value), so a config is that buffer plus two
 * arrays: sections, and entries grouped by section in file order.
 */
#ifndef XVDM_CFG_VALUE_H
#define XVDM_CFG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "compiler.h"

struct cfg_entry {
	const char *key, *value; /* into cfg->text */
	unsigned line;
	const struct cfg_key *def;
	union {
		long long i;
		bool b;
		uint64_t size;
		int choice;
	} v;
};

struct cfg_section {
	const struct cfg *cfg;
	const char *type, *label;
	unsigned line;
	size_t first, n; /* entries cfg->ents[first .. first + n) */
};

struct cfg {
	const struct cfg_schema *schema;
	char *name;
	char *text;
	struct cfg_section *secs;
	size_t n_secs, cap_secs;
	struct cfg_entry *ents;
	size_t n_ents, cap_ents;
};

/* The schema's definition of key in sections of that type, or NULL. */
const struct cfg_key *cfg_find_key(const struct cfg_schema *sc,
				   const char *type, const char *key);
/* The entry of s that sets key, or NULL. */
const struct cfg_entry *cfg_find_entry(const struct cfg_section *s,
				       const char *key);

/*
 * Turns the text of e into its typed value (e->v) by e->def. Returns 0, or
 * -EINVAL with why not in why[size] ("is not a boolean (yes/no)"), which the
 * caller puts after the key and value in its message.
 */
int cfg_value_parse(struct cfg_entry *e, char *why, size_t size) must_check;

#endif
