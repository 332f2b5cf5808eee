/* condition_text.c -- VariablePool.convert_template(...).text (graphon
 * v0.1.2 runtime/variable_pool.py lines 25-27 and 265-273) and the .text of
 * each segment type (variables/segments.py). */
#include "condition_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pyconv.h"
#include "pyrepr.h"

/* str(int): JSON's "-0" is the int 0. */
static void put_int(struct buf *out, const cJSON *v)
{
	struct pyint i;
	if (v->valuestring)
		pyint_from_text(&i, v->valuestring);
	else
		pyint_from_double(&i, v->valuedouble);
	buf_printf(out, "%s%s", i.neg ? "-" : "", i.d);
}

/* json.dumps(v, ensure_ascii=False): ", " and ": ", raw UTF-8, NaN spelled
 * out. A file nested in an object is dumped as pydantic's model_dump gives
 * it: its fields, without to_dict()'s related_id and url. */
static void py_dumps(struct buf *out, const cJSON *v)
{
	switch (cond_py_kind(v)) {
	case PY_NONE: buf_puts(out, "null"); return;
	case PY_BOOL: buf_puts(out, cJSON_IsTrue(v) ? "true" : "false"); return;
	case PY_INT: put_int(out, v); return;
	case PY_FLOAT:
		if (isfinite(v->valuedouble))
			json_format_float(out, v->valuedouble);
		else
			buf_puts(out, isnan(v->valuedouble) ? "NaN" : v->valuedouble < 0 ? "-Infinity" : "Infinity");
		return;
	case PY_STR: {
		const char *s = v->valuestring ? v->valuestring : "";
		json_write_string(out, s, strlen(s), JSON_ORJSON); /* same escapes as ensure_ascii=False */
		return;
	}
	case PY_LIST:
		buf_putc(out, '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			py_dumps(out, c);
			if (c->next)
				buf_puts(out, ", ");
		}
		buf_putc(out, ']');
		return;
	case PY_DICT:
	case PY_FILE: {
		bool file = cond_py_kind(v) == PY_FILE, first = true;
		buf_putc(out, '{');
		for (const cJSON *c = v->child; c; c = c->next) {
			const char *k = c->string ? c->string : "";
			if (file && (!strcmp(k, "related_id") || !strcmp(k, "url")))
				continue;
			if (!first)
				buf_puts(out, ", ");
			first = false;
			json_write_string(out, k, strlen(k), JSON_ORJSON);
			buf_puts(out, ": ");
			py_dumps(out, c);
		}
		buf_putc(out, '}');
		return;
	}
	}
}

void cond_segment_text(struct buf *out, const cJSON *v, enum cond_seg seg)
{
	switch (seg) {
	case SEG_NONE:
	case SEG_FILE:
	case SEG_ARRAY_FILE: return;
	case SEG_STRING: buf_puts(out, v->valuestring ? v->valuestring : ""); return;
	case SEG_OBJECT: py_dumps(out, v); return;
	case SEG_ARRAY_STRING:
		if (v->child)
			py_dumps(out, v);
		return;
	case SEG_ARRAY_ANY:
	case SEG_ARRAY_NUMBER:
	case SEG_ARRAY_OBJECT:
	case SEG_ARRAY_BOOLEAN:
		if (v->child) /* str(list): the repr of each item */
			pyrepr(out, v);
		return;
	case SEG_INTEGER: put_int(out, v); return;
	case SEG_FLOAT:
	case SEG_BOOLEAN: pyrepr(out, v); return; /* str() and repr() agree here */
	}
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A VARIABLE_PATTERN match at p,
 * \{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}
 * Returns its length (0: none) and the group in [*path, *path + *plen).
 * None of the classes holds '.' or '#', so the greedy reading is the only
 * one: no backtracking can turn a miss into a match. */
static size_t match_var(const char *p, const char **path, size_t *plen)
{
	if (strncmp(p, "{{#", 3))
		return 0;
	const char *q = p + 3;
	size_t n = 0;
	while (is_word(q[n]))
		n++;
	if (n < 1 || n > 50)
		return 0;
	const char *e = q + n;
	int parts = 0;
	while (*e == '.' && parts < 10 && (e[1] == '_' || (is_word(e[1]) && !(e[1] >= '0' && e[1] <= '9')))) {
		size_t m = 1;
		while (is_word(e[1 + m]))
			m++;
		if (m > 30)
			return 0;
		e += 1 + m;
		parts++;
	}
	if (!parts || strncmp(e, "#}}", 3))
		return 0;
	*path = q;
	*plen = (size_t)(e - q);
	return (size_t)(e + 3 - p);
}

/* One piece of re.split's output: a variable's text when it contains a dot
 * and names one, else itself. -1 when the lookup raised. */
static int render_part(struct buf *out, const char *s, size_t n, cond_lookup_fn lookup, void *ctx,
		       struct buf *err)
{
	if (!memchr(s, '.', n)) {
		buf_append(out, s, n);
		return 0;
	}
	cJSON *sel = cJSON_CreateArray();
	const char *end = s + n;
	for (const char *p = s;;) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t len = dot ? (size_t)(dot - p) : (size_t)(end - p);
		char *part = xstrndup(p, len);
		cJSON_AddItemToArray(sel, cJSON_CreateString(part));
		free(part);
		if (!dot)
			break;
		p = dot + 1;
	}
	enum cond_type type = COND_TYPE_INFER;
	const cJSON *v = cJSON_GetArraySize(sel) >= 2 ? lookup(ctx, sel, &type) : NULL;
	cJSON_Delete(sel);
	if (v && type == COND_TYPE_RAISES) {
		buf_puts(err, cJSON_IsString(v) ? v->valuestring : "");
		return -1;
	}
	if (v)
		cond_segment_text(out, v, cond_segment(v, type));
	else
		buf_append(out, s, n);
	return 0;
}

int cond_text_render(struct buf *out, const char *tpl, cond_lookup_fn lookup, void *ctx, struct buf *err)
{
	const char *lit = tpl, *p = tpl;
	while (*p) {
		const char *path;
		size_t plen, m = *p == '{' ? match_var(p, &path, &plen) : 0;
		if (!m) {
			p++;
			continue;
		}
		/* re.split's empty pieces are filtered out */
		if (p > lit && render_part(out, lit, (size_t)(p - lit), lookup, ctx, err) < 0)
			return -1;
		if (render_part(out, path, plen, lookup, ctx, err) < 0)
			return -1;
		p += m;
		lit = p;
	}
	if (p > lit && render_part(out, lit, (size_t)(p - lit), lookup, ctx, err) < 0)
		return -1;
	return 0;
}

char *cond_render_text(const char *tpl, cond_lookup_fn lookup, void *ctx)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int r = cond_text_render(&out, tpl, lookup, ctx, &err);
	buf_free(&err);
	if (r < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out, NULL);
}
