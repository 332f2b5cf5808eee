/* fixtures_walk.c -- the walk every part of the fixture schema checker
 * shares: where it is (the file and the JSON path), the problems it reports
 * there, and typed access to members (strings, booleans, bounded integers,
 * uuids, enumerations) that reports a wrong or missing value and goes on,
 * so that one load reports everything that is wrong. */
#include "fixtures_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* ---- the walk: file, JSON path, problems ---- */


static const char *path_str(const struct pctx *c)
{
	return c->path.len ? c->path.data : "";
}

bool fxp_is_ident(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

size_t fxp_push_key(struct pctx *c, const char *key)
{
	size_t saved = c->path.len;
	if (fxp_is_ident(key)) {
		if (c->path.len)
			buf_putc(&c->path, '.');
		buf_puts(&c->path, key);
	} else {
		buf_putc(&c->path, '[');
		json_write_string(&c->path, key, strlen(key), JSON_ORJSON);
		buf_putc(&c->path, ']');
	}
	return saved;
}

size_t fxp_push_index(struct pctx *c, size_t i)
{
	size_t saved = c->path.len;
	char tmp[24];
	size_t n = sizeof tmp;
	tmp[--n] = ']';
	do {
		tmp[--n] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	tmp[--n] = '[';
	buf_append(&c->path, tmp + n, sizeof tmp - n);
	return saved;
}

void fxp_pop(struct pctx *c, size_t saved)
{
	c->path.len = saved;
	if (c->path.data)
		c->path.data[saved] = '\0';
}

void fxp_report(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fxp_report(struct pctx *c, const char *fmt, ...)
{
	if (c->quiet)
		return;
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	fx_problem(c->L, c->file, path_str(c), "%s", msg.data);
	buf_free(&msg);
}

/* ---- typed members ---- */

/* obj's member key (cJSON_GetObjectItemCaseSensitive, first bytes compared
 * before the rest: a fixture is checked with a hundred thousand lookups). */
cJSON *fxp_member(const cJSON *obj, const char *key)
{
	if (!obj || !key)
		return NULL;
	for (cJSON *m = obj->child; m; m = m->next)
		if (m->string && m->string[0] == key[0] && !strcmp(m->string, key))
			return m;
	return NULL;
}


static unsigned type_of(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return T_NULL;
	if (cJSON_IsBool(v))
		return T_BOOL;
	if (cJSON_IsNumber(v))
		return json_is_float(v) ? T_FLOAT : T_INT;
	if (cJSON_IsString(v))
		return T_STRING;
	if (cJSON_IsArray(v))
		return T_ARRAY;
	if (cJSON_IsObject(v))
		return T_OBJECT;
	return 0;
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case T_NULL: return "null";
	case T_BOOL: return "a boolean";
	case T_INT: return "an integer";
	case T_FLOAT: return "a float";
	case T_STRING: return "a string";
	case T_ARRAY: return "an array";
	case T_OBJECT: return "an object";
	}
	return "an unknown value";
}

bool fxp_expect(struct pctx *c, const cJSON *v, unsigned mask)
{
	static const unsigned order[] = { T_OBJECT, T_ARRAY, T_STRING, T_INT, T_FLOAT, T_BOOL, T_NULL };
	unsigned t = type_of(v);
	if (t & mask)
		return true;
	struct buf want = BUF_INIT;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!(mask & order[i]))
			continue;
		if (want.len)
			buf_puts(&want, " or ");
		buf_puts(&want, type_name(order[i]));
	}
	fxp_report(c, "expected %s, got %s", want.data, type_name(t));
	buf_free(&want);
	return false;
}

void fxp_check_keys(struct pctx *c, const cJSON *obj, const char *const *known)
{
	const cJSON *m;
	if (c->lenient)
		return;
	cJSON_ArrayForEach(m, obj) {
		size_t k;
		for (k = 0; known[k]; k++)
			if (m->string[0] == known[k][0] && !strcmp(m->string, known[k]))
				break;
		if (known[k])
			continue;
		struct buf list = BUF_INIT;
		for (k = 0; known[k]; k++)
			buf_printf(&list, "%s%s", k ? ", " : "", known[k]);
		size_t s = fxp_push_key(c, m->string);
		fxp_report(c, "unknown key (known keys: %s)", list.data);
		fxp_pop(c, s);
		buf_free(&list);
	}
}

/* 1: present and of a type in mask (*ret set), 0: absent, -1: problem reported. */
int fxp_get_typed(struct pctx *c, cJSON *obj, const char *key, bool required, unsigned mask, cJSON **ret)
{
	cJSON *v = fxp_member(obj, key);
	*ret = NULL;
	/* The path is built only for a problem: building it for every member
	 * looked up was a quarter of checking a fixture file. */
	if (v && (type_of(v) & mask)) {
		*ret = v;
		return 1;
	}
	if (!v && !required)
		return 0;
	size_t s = fxp_push_key(c, key);
	int r = 1;
	if (!v) {
		if (required)
			fxp_report(c, "missing required key");
		r = required ? -1 : 0;
	} else if (!fxp_expect(c, v, mask)) {
		r = -1;
	} else {
		*ret = v;
	}
	fxp_pop(c, s);
	return r;
}

char *fxp_strdup(struct pctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(json_arena_alloc(c->L->arena, n), s, n);
}

/* A copy of the string member, or of def when it is absent (NULL if def is). */
char * fxp_get_str(struct pctx *c, cJSON *obj, const char *key, bool required, const char *def)
{
	cJSON *v;
	int r = fxp_get_typed(c, obj, key, required, T_STRING, &v);
	if (r > 0)
		return fxp_strdup(c, v->valuestring);
	return r == 0 && def ? fxp_strdup(c, def) : NULL;
}

char * fxp_get_nonempty_str(struct pctx *c, cJSON *obj, const char *key)
{
	char *s = fxp_get_str(c, obj, key, REQUIRED, NULL);
	if (s && !*s) {
		size_t saved = fxp_push_key(c, key);
		fxp_report(c, "must not be empty");
		fxp_pop(c, saved);
		s = NULL;
	}
	return s;
}

bool fxp_get_bool(struct pctx *c, cJSON *obj, const char *key, bool def)
{
	cJSON *v;
	return fxp_get_typed(c, obj, key, OPTIONAL, T_BOOL, &v) > 0 ? cJSON_IsTrue(v) : def;
}

/* The integer's value if it is within [0, max]. A double holds integers up
 * to 2^53 exactly; past that the literal text json_parse keeps is used. */
bool fxp_int_value(const cJSON *v, uint64_t max, uint64_t *ret)
{
	const char *lit = v->valuestring;
	double d = v->valuedouble;
	if (d > -9007199254740992.0 && d < 9007199254740992.0) {
		if (d < 0 || d > (double)max)
			return false;
		*ret = (uint64_t)d;
		return true;
	}
	if (!lit || lit[0] == '-')
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(lit, &end, 10);
	if (errno || *end || n > max)
		return false;
	*ret = n;
	return true;
}

uint64_t fxp_get_uint(struct pctx *c, cJSON *obj, const char *key, uint64_t def, uint64_t max)
{
	cJSON *v;
	uint64_t n;
	if (fxp_get_typed(c, obj, key, OPTIONAL, T_INT, &v) <= 0)
		return def;
	if (fxp_int_value(v, max, &n))
		return n;
	char lit[32];
	snprintf(lit, sizeof lit, "%.17g", v->valuedouble);
	size_t s = fxp_push_key(c, key);
	fxp_report(c, "%s is out of range (expected 0 to %" PRIu64 ")", v->valuestring ? v->valuestring : lit, max);
	fxp_pop(c, s);
	return def;
}

bool fxp_uuid_valid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

void fxp_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A lower-cased copy of a uuid member (8-4-4-4-12 hex digits). */
char *fxp_get_uuid(struct pctx *c, cJSON *obj, const char *key)
{
	char *s = fxp_get_str(c, obj, key, REQUIRED, NULL);
	if (s && !fxp_uuid_valid(s)) {
		size_t saved = fxp_push_key(c, key);
		fxp_report(c, "invalid uuid %s (expected 8-4-4-4-12 hex digits)", fx_quote(s).s);
		fxp_pop(c, saved);
		return NULL;
	}
	if (s)
		fxp_lower(s);
	return s;
}

/* The index of the member's value in values; def when absent (-1: required). */
int fxp_get_enum(struct pctx *c, cJSON *obj, const char *key, int def, const char *const *values,
		    const char *what)
{
	cJSON *v;
	int r = fxp_get_typed(c, obj, key, def < 0, T_STRING, &v);
	if (r <= 0)
		return r == 0 ? def : -1;
	for (int i = 0; values[i]; i++)
		if (!strcmp(v->valuestring, values[i]))
			return i;
	struct buf list = BUF_INIT;
	for (int i = 0; values[i]; i++)
		buf_printf(&list, "%s%s", i ? ", " : "", values[i]);
	size_t s = fxp_push_key(c, key);
	fxp_report(c, "unknown %s %s (expected one of: %s)", what, fx_quote(v->valuestring).s, list.data);
	fxp_pop(c, s);
	buf_free(&list);
	return -1;
}

/* An array (or null, with T_NULL in mask) whose items are all strings. */
cJSON *fxp_get_string_array(struct pctx *c, cJSON *obj, const char *key, unsigned mask)
{
	cJSON *v, *item;
	if (fxp_get_typed(c, obj, key, OPTIONAL, mask, &v) <= 0 || !cJSON_IsArray(v))
		return v;
	size_t s = fxp_push_key(c, key), i = 0;
	cJSON_ArrayForEach(item, v) {
		size_t s2 = fxp_push_index(c, i++);
		fxp_expect(c, item, T_STRING);
		fxp_pop(c, s2);
	}
	fxp_pop(c, s);
	return v;
}

/* A value no file spelled out; L->pool owns it. */
cJSON *fxp_pooled(struct pctx *c, cJSON *item)
{
	if (!c->L->pool && !(c->L->pool = cJSON_CreateArray()))
		abort(); /* out of memory, as xmalloc */
	cJSON_AddItemToArray(c->L->pool, item);
	return item;
}

