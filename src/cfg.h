/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's own config file: what an xl domain config cannot say (log
 * level, I/O threads, per-device backend options). A small, strict INI
 * dialect checked against a schema the caller passes:
 *
 *	# comment (';' too); blank lines are fine
 *	[daemon]
 *	log-level = info
 *	[device "guest1/51712"]		# a section type with a quoted label
 *	image = /srv/disk.img		# '#' and ';' start a comment...
 *	serial = "a #b; \"c\" \\"	# ...unless the value is quoted
 *
 * Section types and keys are [a-z0-9-]+. A value runs to the end of the line
 * (or a comment) and is trimmed; double quotes keep spaces, '#' and ';', with
 * \" and \\ as the only escapes. Values are case-sensitive (booleans and
 * choices are lower-case; size suffixes are not). Lines end in LF or CRLF
 * and are at most CFG_LINE_MAX characters; control characters are refused.
 * A duplicate key in a section, a duplicate section (same type and label),
 * an unknown section type or key, or a value that does not parse or is out
 * of range is an error. Loading reports every error it finds (up to
 * CFG_ERRORS_MAX messages), each naming file, line, key and value, and hands
 * out a config only if there were none: a failed reload leaves the caller's
 * current config as it was.
 *
 * A loaded config is immutable, so any number of threads may read it.
 */
#ifndef XVDM_CFG_H
#define XVDM_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define CFG_LINE_MAX 4095	   /* characters, without the line end */
#define CFG_FILE_MAX (1024 * 1024) /* bytes */
#define CFG_ERRORS_MAX 20
#define CFG_ERROR_LEN 512

enum cfg_type {
	CFG_STRING, /* anything; min/max bound the length */
	CFG_INT,    /* decimal long long in [min, max] */
	CFG_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	CFG_CHOICE, /* one of the NULL-terminated `choices` */
	CFG_SIZE,   /* bytes: 512, 4k, 64M, 1G, 2T (powers of 1024) */
	CFG_PATH,   /* absolute path; min/max bound the length */
};

/*
 * One key of the schema. min == max == 0 means "no bounds"; CFG_SIZE bounds
 * must not be negative.
 */
struct cfg_key {
	const char *section; /* section type, e.g. "device" */
	const char *key;
	enum cfg_type type;
	long long min, max;
	const char *const *choices;
};

struct cfg_section_def {
	const char *type;
	bool labeled; /* [type "label"], any number; else [type], once */
};

/* Must outlive every config loaded with it (normally a static const). */
struct cfg_schema {
	const struct cfg_section_def *sections;
	size_t n_sections;
	const struct cfg_key *keys;
	size_t n_keys;
};

/* Messages are "file:line: ...", in file order, NUL-terminated. */
struct cfg_errors {
	unsigned count;	  /* messages in msg[] */
	unsigned dropped; /* further errors found but not kept */
	char msg[CFG_ERRORS_MAX][CFG_ERROR_LEN];
};

struct cfg;
struct cfg_section;

/*
 * Load and check a config. On success *out is a new config (free it with
 * cfg_free()) and errs->count is 0. On failure *out is not touched, errs
 * (which may be NULL) says why, and the result is -EINVAL for config errors,
 * -EFBIG for a file over CFG_FILE_MAX, -ENOMEM, or the open/read errno.
 */
int cfg_load_file(const char *path, const struct cfg_schema *schema,
		  struct cfg **out, struct cfg_errors *errs) must_check;
/* The same for text in memory; name stands for the file in messages. */
int cfg_load_string(const char *name, const char *text,
		    const struct cfg_schema *schema, struct cfg **out,
		    struct cfg_errors *errs) must_check;
void cfg_free(struct cfg *cfg);
const char *cfg_name(const struct cfg *cfg);

/*
 * The section of that type and label (NULL for an unlabeled type), or NULL.
 * cfg_next_section() walks the sections of a type (any type if NULL) in file
 * order, starting after prev (at the first one if prev is NULL).
 */
const struct cfg_section *cfg_section(const struct cfg *cfg, const char *type,
				      const char *label);
const struct cfg_section *cfg_next_section(const struct cfg *cfg,
					   const char *type,
					   const struct cfg_section *prev);
const char *cfg_section_type(const struct cfg_section *s);
const char *cfg_section_label(const struct cfg_section *s); /* or NULL */
unsigned cfg_section_line(const struct cfg_section *s);

/*
 * Values, or def if the key is not set or s is NULL (so a missing section
 * reads as all defaults). Asking for a key the schema does not have, or with
 * the wrong getter for its type, is a bug in the caller and asserts.
 * cfg_get_string() serves CFG_STRING, CFG_PATH and CFG_CHOICE keys;
 * cfg_get_choice() returns the index into the key's choices.
 */
const char *cfg_get_string(const struct cfg_section *s, const char *key,
			   const char *def);
long long cfg_get_int(const struct cfg_section *s, const char *key,
		      long long def);
bool cfg_get_bool(const struct cfg_section *s, const char *key, bool def);
uint64_t cfg_get_size(const struct cfg_section *s, const char *key,
		      uint64_t def);
int cfg_get_choice(const struct cfg_section *s, const char *key, int def);

/*
 * Where a key was set, for errors the caller finds later ("image does not
 * exist"): cfg_key_line() is its line or 0 if unset; cfg_where() writes
 * "file:line: [type \"label\"] key 'key'" (the section's line if the key is
 * unset) into buf and returns buf; s must not be NULL here.
 */
unsigned cfg_key_line(const struct cfg_section *s, const char *key);
const char *cfg_where(const struct cfg_section *s, const char *key, char *buf,
		      size_t size);

#endif
