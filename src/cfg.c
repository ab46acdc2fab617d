/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Config parser: reads the file, cuts it into lines, sections and entries
 * (see cfg-value.h for how a loaded config is laid out), checks them against
 * the schema and reports every error. Values are typed in cfg-value.c.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg-value.h"

enum parse_state {
	OUTSIDE,    /* before the first section header */
	IN_SECTION, /* keys go to the last section */
	SKIPPING,   /* after a bad section header: its keys cannot be checked */
};

struct parser {
	const char *name; /* of the file, for messages */
	struct cfg *cfg;
	struct cfg_errors *errs;
	unsigned line;
	unsigned nerr;
	enum parse_state state;
};

/* "[type]" or "[type \"label\"]" in one format, without a scratch buffer. */
#define SEC_FMT "[%s%s%s%s]"
#define SEC_ARGS(s)                                                       \
	(s)->type, (s)->label ? " \"" : "", (s)->label ? (s)->label : "", \
		(s)->label ? "\"" : ""
/* Values in messages are cut at SHOW_MAX characters, so the rest fits. */
#define SHOW_MAX 64
#define VAL_FMT "'%.*s%s'"
#define VAL_ARGS(v) SHOW_MAX, (v), strlen(v) > SHOW_MAX ? "..." : ""

/* Adds "name:line: <msg>" (no line if 0) to the errors, if there is room. */
static printf_like(2, 3) void perr(struct parser *p, const char *fmt, ...)
{
	struct cfg_errors *e = p->errs;
	va_list ap;
	char *m;
	int n;

	p->nerr++;
	if (!e)
		return;
	if (e->count == CFG_ERRORS_MAX) {
		e->dropped++;
		return;
	}
	m = e->msg[e->count++];
	if (p->line)
		n = snprintf(m, CFG_ERROR_LEN, "%s:%u: ", p->name, p->line);
	else
		n = snprintf(m, CFG_ERROR_LEN, "%s: ", p->name);
	va_start(ap, fmt);
	if (n >= 0 && n < CFG_ERROR_LEN)
		vsnprintf(m + n, CFG_ERROR_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

/* "[sec] key 'k': value 'v' <what>", about the current section. */
static printf_like(4, 5) void val_err(struct parser *p, const char *key,
				      const char *value, const char *fmt, ...)
{
	const struct cfg_section *s = &p->cfg->secs[p->cfg->n_secs - 1];
	char what[CFG_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	perr(p, SEC_FMT " key '%s': value " VAL_FMT " %s", SEC_ARGS(s), key,
	     VAL_ARGS(value), what);
}

static size_t name_len(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
}

static char *skip_ws(char *s)
{
	return s + strspn(s, " \t");
}

static bool is_line_end(const char *s)
{
	return *s == '\0' || *s == '#' || *s == ';';
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/*
 * s is at an opening quote. Returns the character after the closing quote,
 * or NULL and why not. Nothing is changed, so the raw text can be shown.
 */
static char *quote_end(char *s, const char **why)
{
	for (s++; *s != '"'; s++) {
		if (*s == '\0') {
			*why = "has no closing quote";
			return NULL;
		}
		if (*s == '\\' && s[1] != '"' && s[1] != '\\') {
			*why = "has an unknown escape (only \\\" and \\\\)";
			return NULL;
		}
		if (*s == '\\')
			s++;
	}
	return s + 1;
}

/* Unquotes [s, end) from quote_end() in place; returns the string. */
static char *unquote(char *s, const char *end)
{
	char *d = s;

	for (const char *q = s + 1; q < end - 1; q++) {
		if (*q == '\\')
			q++;
		*d++ = *q;
	}
	*d = '\0';
	return s;
}

/* Room for one more after n elements: arr, a larger copy, or NULL. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return arr;
	p = reallocarray(arr, ncap, elem);
	if (p)
		*cap = ncap;
	return p;
}

static int add_entry(struct parser *p, const char *key, const char *value)
{
	struct cfg *cfg = p->cfg;
	struct cfg_section *s = &cfg->secs[cfg->n_secs - 1];
	const struct cfg_key *def = cfg_find_key(cfg->schema, s->type, key);
	const struct cfg_entry *dup;
	char why[CFG_ERROR_LEN];
	struct cfg_entry *e;

	if (!def) {
		perr(p, SEC_FMT " key '%s': unknown key (value " VAL_FMT ")",
		     SEC_ARGS(s), key, VAL_ARGS(value));
		return 0;
	}
	dup = cfg_find_entry(s, key);
	if (dup) {
		val_err(p, key, value, "sets the key again (first at line %u)",
			dup->line);
		return 0;
	}
	e = grow(cfg->ents, &cfg->cap_ents, cfg->n_ents, sizeof(*e));
	if (!e)
		return -ENOMEM;
	cfg->ents = e;
	e = &cfg->ents[cfg->n_ents++];
	*e = (struct cfg_entry){
		.key = key, .value = value, .line = p->line, .def = def
	};
	s->n++;
	if (cfg_value_parse(e, why, sizeof(why)))
		val_err(p, key, value, "%s", why);
	return 0;
}

/* s is at the first non-blank character of a line that is not a section. */
static int parse_entry(struct parser *p, char *s)
{
	char *key = s, *kend = s + name_len(s), *v = skip_ws(kend), *end;
	const char *why = "has text after the closing quote";

	if (*v != '=' || kend == key) {
		perr(p,
		     "expected 'key = value' (key: a-z, 0-9, '-'), not " VAL_FMT,
		     VAL_ARGS(s));
		return 0;
	}
	*kend = '\0';
	v = skip_ws(v + 1);
	if (p->state == SKIPPING)
		return 0;
	if (p->state == OUTSIDE) {
		perr(p,
		     "key '%s' is outside of any [section] (value " VAL_FMT ")",
		     key, VAL_ARGS(v));
		return 0;
	}
	if (*v != '"') {
		/* Unquoted, '#' and ';' start a comment; quote to keep them. */
		v[strcspn(v, "#;")] = '\0';
		rtrim(v);
		return add_entry(p, key, v);
	}
	end = quote_end(v, &why);
	if (!end || !is_line_end(skip_ws(end))) {
		rtrim(v);
		val_err(p, key, v, "%s", why);
		return 0;
	}
	return add_entry(p, key, unquote(v, end));
}

static int add_section(struct parser *p, const char *type, const char *label)
{
	struct cfg *cfg = p->cfg;
	const struct cfg_section *dup = cfg_section(cfg, type, label);
	struct cfg_section *secs;

	/* Keep the duplicate anyway, so that its keys are still checked. */
	if (dup)
		perr(p,
		     "section " SEC_FMT " is defined again (first at line %u)",
		     SEC_ARGS(dup), dup->line);
	secs = grow(cfg->secs, &cfg->cap_secs, cfg->n_secs, sizeof(*secs));
	if (!secs)
		return -ENOMEM;
	cfg->secs = secs;
	cfg->secs[cfg->n_secs++] = (struct cfg_section){
		.cfg = cfg,
		.type = type,
		.label = label,
		.line = p->line,
		.first = cfg->n_ents,
	};
	p->state = IN_SECTION;
	return 0;
}

static const struct cfg_section_def *find_def(const struct cfg_schema *sc,
					      const char *type)
{
	for (size_t i = 0; i < sc->n_sections; i++)
		if (!strcmp(sc->sections[i].type, type))
			return &sc->sections[i];
	return NULL;
}

/* s is at the '[' of [type] or [type "label"]. */
static int parse_section(struct parser *p, char *s)
{
	char *type = skip_ws(s + 1), *tend = type + name_len(type);
	char *label = NULL, *lend = NULL, *end = skip_ws(tend);
	const char *why =
		"is not [type] or [type \"label\"] (type: a-z, 0-9, '-')";
	const struct cfg_section_def *def;

	p->state = SKIPPING;
	if (*end == '"' && tend != end) {
		label = end;
		lend = quote_end(label, &why);
		end = lend ? skip_ws(lend) : label;
	}
	if (tend == type || *end != ']' || !is_line_end(skip_ws(end + 1))) {
		perr(p, "section header %s", why);
		return 0;
	}
	if (label)
		unquote(label, lend);
	*tend = '\0';
	def = find_def(p->cfg->schema, type);
	if (!def)
		perr(p, "unknown section type '%s'", type);
	else if (def->labeled && (!label || !*label))
		perr(p, "section [%s] needs a label: [%s \"name\"]", type,
		     type);
	else if (!def->labeled && label)
		perr(p, "section [%s] takes no label (found \"%s\")", type,
		     label);
	else
		return add_section(p, type, label);
	return 0;
}

static int parse_line(struct parser *p, char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		s[--len] = '\0';
	if (len > CFG_LINE_MAX) {
		perr(p, "line is longer than %d characters", CFG_LINE_MAX);
		return 0;
	}
	/* Catches binary files and NUL bytes that would cut a value short. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			perr(p, "line contains control character 0x%02x", c);
			return 0;
		}
	}
	s = skip_ws(s);
	if (is_line_end(s))
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_entry(p, s);
}

static struct parser parser_init(const char *name, struct cfg_errors *errs)
{
	if (errs) {
		errs->count = 0;
		errs->dropped = 0;
	}
	return (struct parser){ .name = name, .errs = errs, .state = OUTSIDE };
}

/* Takes text (NULL if it could not be allocated) and parses it into *out. */
static int load(struct parser *p, char *text, size_t len,
		const struct cfg_schema *schema, struct cfg **out)
{
	struct cfg *cfg = calloc(1, sizeof(*cfg));
	char *s, *nl;
	int rc = 0;

	if (cfg) {
		cfg->text = text;
		cfg->schema = schema;
		cfg->name = strdup(p->name);
	} else {
		free(text);
	}
	if (!cfg || !cfg->text || !cfg->name) {
		rc = -ENOMEM;
	} else if (len > CFG_FILE_MAX) {
		perr(p, "is larger than %d bytes", CFG_FILE_MAX);
		rc = -EFBIG;
	}
	p->cfg = cfg;
	for (s = text; !rc && s < text + len; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(text + len - s));
		/* The last line may have no '\n'; text[len] is its NUL. */
		if (!nl)
			nl = text + len;
		*nl = '\0';
		p->line++;
		rc = parse_line(p, s, (size_t)(nl - s));
	}
	if (rc == -ENOMEM)
		perr(p, "out of memory");
	else if (!rc && p->nerr)
		rc = -EINVAL;
	if (!rc)
		*out = cfg;
	else
		cfg_free(cfg);
	return rc;
}

int cfg_load_string(const char *name, const char *text,
		    const struct cfg_schema *schema, struct cfg **out,
		    struct cfg_errors *errs)
{
	struct parser p = parser_init(name, errs);
	/* One byte more than allowed, so that load() sees it is too long. */
	char *copy = strndup(text, CFG_FILE_MAX + 1);

	return load(&p, copy, copy ? strlen(copy) : 0, schema, out);
}

int cfg_load_file(const char *path, const struct cfg_schema *schema,
		  struct cfg **out, struct cfg_errors *errs)
{
	struct parser p = parser_init(path, errs);
	FILE *f = fopen(path, "re");
	char *text = NULL, *shrunk;
	size_t len = 0;
	int rc = 0;

	if (!f) {
		rc = -errno;
		perr(&p, "cannot open: %s", strerror(-rc));
		return rc;
	}
	/* One byte more than allowed, so that load() sees it is too long. */
	text = malloc(CFG_FILE_MAX + 2);
	errno = 0;
	if (text)
		len = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (text && ferror(f)) {
		rc = errno ? -errno : -EIO;
		perr(&p, "cannot read: %s", strerror(-rc));
		free(text);
	} else if (text) {
		text[len] = '\0';
		shrunk = realloc(text, len + 1);
		text = shrunk ? shrunk : text;
	}
	fclose(f);
	return rc ? rc : load(&p, text, len, schema, out);
}

void cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->ents);
	free(cfg->secs);
	free(cfg->text);
	free(cfg->name);
	free(cfg);
}

const char *cfg_name(const struct cfg *cfg)
{
	return cfg->name;
}

const struct cfg_section *cfg_section(const struct cfg *cfg, const char *type,
				      const char *label)
{
	for (size_t i = 0; i < cfg->n_secs; i++) {
		const struct cfg_section *s = &cfg->secs[i];

		if (!strcmp(s->type, type) &&
		    (s->label == label ||
		     (s->label && label && !strcmp(s->label, label))))
			return s;
	}
	return NULL;
}

const struct cfg_section *cfg_next_section(const struct cfg *cfg,
					   const char *type,
					   const struct cfg_section *prev)
{
	size_t i = prev ? (size_t)(prev - cfg->secs) + 1 : 0;

	assert(!prev || prev->cfg == cfg);
	for (; i < cfg->n_secs; i++)
		if (!type || !strcmp(cfg->secs[i].type, type))
			return &cfg->secs[i];
	return NULL;
}

const char *cfg_section_type(const struct cfg_section *s)
{
	return s->type;
}

const char *cfg_section_label(const struct cfg_section *s)
{
	return s->label;
}

unsigned cfg_section_line(const struct cfg_section *s)
{
	return s->line;
}

const char *cfg_where(const struct cfg_section *s, const char *key, char *buf,
		      size_t size)
{
	unsigned line = cfg_key_line(s, key);

	snprintf(buf, size, "%s:%u: " SEC_FMT " key '%s'", s->cfg->name,
		 line ? line : s->line, SEC_ARGS(s), key);
	return buf;
}
