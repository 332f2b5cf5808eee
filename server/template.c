/* template.c -- {{ path }} substitution over cJSON trees (fixtures/README.md,
 * "Templates"): rendered into a new tree (template_render), or read and
 * written without building one (template_index_counts, template_write),
 * by the same rules.
 *
 * The second pair exists for speed: for a published document, rendering the
 * knowledge-index outputs only to read total_segments and the preview's
 * characters took 15,000 of the 27,000 instructions of recording it; for a
 * draft blocking answer, rendering the outputs, writing and freeing the tree
 * took 22,000 of the body's 31,000 (callgrind). test-template.c checks both
 * against template_render's tree. */
#include "template.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* A dotted path (a.b.c) into obj, numeric keys indexing
 * arrays, the last of duplicate keys winning. */
static const cJSON *walk(const cJSON *obj, const char *path, size_t len)
{
	while (obj && len) {
		const char *dot = memchr(path, '.', len);
		size_t seg = dot ? (size_t)(dot - path) : len;
		const cJSON *next = NULL;
		if (cJSON_IsObject(obj)) {
			for (const cJSON *c = obj->child; c; c = c->next)
				if (c->string && strlen(c->string) == seg && !memcmp(c->string, path, seg))
					next = c;
		} else if (cJSON_IsArray(obj) && seg && seg < 10) {
			char idx[12];
			memcpy(idx, path, seg);
			idx[seg] = '\0';
			char *end;
			long i = strtol(idx, &end, 10);
			if (!*end && i >= 0)
				next = cJSON_GetArrayItem(obj, (int)i);
		}
		obj = next;
		if (!dot)
			break;
		len -= seg + 1;
		path = dot + 1;
	}
	return obj;
}

static bool is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(p, name, n);
}

static bool has_prefix(const char *p, size_t n, const char *prefix, size_t *plen)
{
	*plen = strlen(prefix);
	return n >= *plen && !memcmp(p, prefix, *plen);
}

/* A value of a rendered template, unrendered: a template node still to
 * render (tpl), a value taken from the item or the inputs (val), or one of
 * the context's strings (str). All NULL: a missing value (null). */
struct lazy {
	const cJSON *tpl, *val;
	const char *str;
};

/* The value of a placeholder, borrowed; missing when nothing matches. */
static struct lazy lookup(const char *p, size_t n, const struct template_ctx *c)
{
	size_t pl;
	if (n >= 2 && p[0] == '#' && p[n - 1] == '#')
		return (struct lazy){ .val = c->resolve ? c->resolve(c->resolve_ctx, p + 1, n - 2) : NULL };
	if (is(p, n, "item"))
		return (struct lazy){ .val = c->item };
	if (has_prefix(p, n, "item.", &pl))
		return (struct lazy){ .val = walk(c->item, p + pl, n - pl) };
	if (is(p, n, "inputs"))
		return (struct lazy){ .val = c->inputs };
	if (has_prefix(p, n, "inputs.", &pl))
		return (struct lazy){ .val = walk(c->inputs, p + pl, n - pl) };
	const char *str = NULL;
	if (is(p, n, "datasource_type"))
		str = c->datasource_type;
	else if (is(p, n, "document_name"))
		str = c->document_name;
	else if (is(p, n, "dataset.id"))
		str = c->dataset_id;
	else if (is(p, n, "dataset.name"))
		str = c->dataset_name;
	else if (is(p, n, "workflow_run_id"))
		str = c->workflow_run_id;
	else if (is(p, n, "node.id"))
		str = c->node_id;
	else if (is(p, n, "node.title"))
		str = c->node_title;
	return (struct lazy){ .str = str };
}

/* The next "{{ path }}" at or after s, spaces
 * inside trimmed. */
static bool next_placeholder(const char *s, const char **ret_open, const char **ret_close, const char **ret_path,
			     size_t *ret_len)
{
	const char *open = strstr(s, "{{");
	if (!open)
		return false;
	const char *close = strstr(open + 2, "}}");
	if (!close)
		return false;
	const char *p = open + 2, *e = close;
	while (p < e && *p == ' ')
		p++;
	while (e > p && e[-1] == ' ')
		e--;
	*ret_open = open;
	*ret_close = close + 2;
	*ret_path = p;
	*ret_len = (size_t)(e - p);
	return true;
}

/* Characters (code points) of UTF-8 bytes: the bytes that do not continue a
 * character (10xxxxxx), counted eight at a time. */
static unsigned long chars_n(const char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080u, ones = 0x0101010101010101u;
	unsigned long count = n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t cont = (w & ~(w << 1) & high) >> 7; /* 1 in each continuation byte */
		count -= (unsigned long)((cont * ones) >> 56);
	}
	for (; i < n; i++)
		count -= ((unsigned char)s[i] & 0xc0) == 0x80;
	return count;
}

static unsigned long chars(const char *s)
{
	return chars_n(s, strlen(s));
}

/* Where render_text puts the text: appended to b, or, when b is NULL, only
 * its characters counted. */
struct text_sink {
	struct buf *b;
	unsigned long chars;
};

static void sink_put(struct text_sink *t, const char *s, size_t n)
{
	if (t->b)
		buf_append(t->b, s, n);
	else
		t->chars += chars_n(s, n);
}

/* A string that is not exactly one placeholder, rendered: the text between placeholders as written, then each value
 * (a string as it is, another value as compact JSON, a missing one as
 * nothing). */
static void render_text(struct text_sink *t, const char *s, const struct template_ctx *c)
{
	const char *open, *close, *path;
	size_t len;
	while (next_placeholder(s, &open, &close, &path, &len)) {
		sink_put(t, s, (size_t)(open - s));
		struct lazy v = lookup(path, len, c);
		if (v.str) {
			sink_put(t, v.str, strlen(v.str));
		} else if (cJSON_IsString(v.val)) {
			sink_put(t, v.val->valuestring, strlen(v.val->valuestring));
		} else if (v.val && t->b) {
			json_write(t->b, v.val, JSON_ORJSON);
		} else if (v.val) {
			struct buf json = BUF_INIT;
			json_write(&json, v.val, JSON_ORJSON);
			t->chars += chars_n(json.data, json.len);
			buf_free(&json);
		}
		s = close;
	}
	sink_put(t, s, strlen(s));
}

/* What template node tpl renders to: a string that is exactly one
 * placeholder is that value; anything else is still to render (and renders
 * to its own JSON type). */
static struct lazy resolve(const cJSON *tpl, const struct template_ctx *c)
{
	const char *open, *close, *path;
	size_t len;
	if (cJSON_IsString(tpl) && next_placeholder(tpl->valuestring, &open, &close, &path, &len) &&
	    open == tpl->valuestring && !*close)
		return lookup(path, len, c);
	return (struct lazy){ .tpl = tpl };
}

/* The node that has v's JSON type: the template node or the value; NULL
 * for a context string or a missing value. */
static const cJSON *lazy_node(const struct lazy *v)
{
	return v->tpl ? v->tpl : v->val;
}

/* Member key of the rendered object v (json_get: the first with that key). */
static struct lazy member(const struct lazy *v, const char *key, const struct template_ctx *c)
{
	const cJSON *m = json_get(lazy_node(v), key);
	return v->tpl ? resolve(m, c) : (struct lazy){ .val = m };
}

/* The characters of v when it renders to a string; 0 otherwise. */
static unsigned long string_chars(const struct lazy *v, const struct template_ctx *c)
{
	if (v->str)
		return chars(v->str);
	if (cJSON_IsString(v->val))
		return chars(v->val->valuestring);
	if (!cJSON_IsString(v->tpl))
		return 0;
	struct text_sink count = { NULL, 0 };
	render_text(&count, v->tpl->valuestring, c);
	return count.chars;
}

/* ---- rendering into a tree ---- */

static cJSON *render_string(const char *s, const struct template_ctx *c)
{
	const char *open, *close, *path;
	size_t len;
	if (!next_placeholder(s, &open, &close, &path, &len))
		return cJSON_CreateString(s);
	if (open == s && !*close) {
		struct lazy v = lookup(path, len, c);
		return v.str ? cJSON_CreateString(v.str) : v.val ? json_dup(v.val) : cJSON_CreateNull();
	}
	struct buf b = BUF_INIT;
	render_text(&(struct text_sink){ &b, 0 }, s, c);
	cJSON *out = cJSON_CreateString(b.data ? b.data : "");
	buf_free(&b);
	return out;
}

cJSON *template_render(const cJSON *tpl, const struct template_ctx *c)
{
	if (!tpl)
		return NULL;
	if (cJSON_IsString(tpl))
		return render_string(tpl->valuestring, c);
	if (cJSON_IsArray(tpl) || cJSON_IsObject(tpl)) {
		cJSON *out = cJSON_IsArray(tpl) ? cJSON_CreateArray() : cJSON_CreateObject();
		for (const cJSON *e = tpl->child; e; e = e->next) {
			cJSON *v = template_render(e, c);
			if (cJSON_IsArray(tpl))
				cJSON_AddItemToArray(out, v);
			else
				cJSON_AddItemToObject(out, e->string, v);
		}
		return out;
	}
	return json_dup(tpl);
}

/* ---- read and written without a tree ---- */

void template_index_counts(const cJSON *outputs, const struct template_ctx *c, unsigned *segments,
			   unsigned long *chars_out)
{
	*segments = 0;
	*chars_out = 0;
	struct lazy out = resolve(outputs, c);
	struct lazy total = member(&out, "total_segments", c);
	const cJSON *t = lazy_node(&total);
	if (cJSON_IsNumber(t) && t->valuedouble >= 0)
		*segments = t->valuedouble > 4294967295.0 ? 4294967295u : (unsigned)t->valuedouble;
	struct lazy preview = member(&out, "preview", c);
	const cJSON *pv = lazy_node(&preview);
	for (const cJSON *e = pv ? pv->child : NULL; e; e = e->next) { /* cJSON_ArrayForEach */
		struct lazy chunk = preview.tpl ? resolve(e, c) : (struct lazy){ .val = e };
		struct lazy content = member(&chunk, "content", c);
		*chars_out += string_chars(&content, c);
	}
}

static void write_rendered(struct buf *out, const cJSON *tpl, const struct template_ctx *c, enum json_style style,
			   struct buf *scratch)
{
	if (cJSON_IsString(tpl)) {
		const char *s = tpl->valuestring;
		if (!strstr(s, "{{")) {
			json_write_string(out, s, strlen(s), style);
			return;
		}
		struct lazy v = resolve(tpl, c);
		if (v.str) {
			json_write_string(out, v.str, strlen(v.str), style);
		} else if (!v.tpl) {
			json_write(out, v.val, style); /* NULL (missing) writes null */
		} else {
			buf_reset(scratch);
			if (!scratch->cap)
				buf_reserve(scratch, 255); /* one allocation for the strings of a body */
			render_text(&(struct text_sink){ scratch, 0 }, s, c);
			/* strlen, as cJSON_CreateString took it (the text holds no NUL) */
			json_write_string(out, scratch->data, strlen(scratch->data), style);
		}
		return;
	}
	bool object = cJSON_IsObject(tpl);
	if (!object && !cJSON_IsArray(tpl)) {
		json_write(out, tpl, style); /* numbers, booleans, null: copied */
		return;
	}
	const char *comma = style == JSON_PYDUMPS ? ", " : ",", *colon = style == JSON_PYDUMPS ? ": " : ":";
	bool first = true;
	buf_putc(out, object ? '{' : '[');
	for (const cJSON *e = tpl->child; e; e = e->next) {
		if (object && !e->string)
			continue; /* cJSON_AddItemToObject refuses a NULL key */
		if (!first)
			buf_puts(out, comma);
		first = false;
		if (object) {
			json_write_string(out, e->string, strlen(e->string), style);
			buf_puts(out, colon);
		}
		write_rendered(out, e, c, style, scratch);
	}
	buf_putc(out, object ? '}' : ']');
}

void template_write(struct buf *out, const cJSON *tpl, const struct template_ctx *c, enum json_style style)
{
	struct buf scratch = BUF_INIT;
	write_rendered(out, tpl, c, style, &scratch);
	buf_free(&scratch);
}


bool template_reads_pool(const cJSON *tpl)
{
	if (!tpl)
		return false;
	if (cJSON_IsString(tpl)) {
		for (const char *s = strstr(tpl->valuestring, "{{"); s; s = strstr(s + 2, "{{")) {
			const char *p = s + 2;
			while (*p == ' ')
				p++;
			if (*p == '#')
				return true;
		}
		return false;
	}
	for (const cJSON *c = tpl->child; c; c = c->next)
		if (template_reads_pool(c))
			return true;
	return false;
}
