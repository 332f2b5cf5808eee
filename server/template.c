/* template.c -- {{ path }} substitution over cJSON trees. */
#include "template.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* Walks a dotted path (a.b.c) into obj. */
static const cJSON *walk(const cJSON *obj, const char *path, size_t len)
{
	while (obj && len) {
		const char *dot = memchr(path, '.', len);
		size_t seg = dot ? (size_t)(dot - path) : len;
		const cJSON *next = NULL;
		if (cJSON_IsObject(obj)) {
			for (const cJSON *c = obj->child; c; c = c->next)
				if (c->string && strlen(c->string) == seg && !memcmp(c->string, path, seg))
					next = c; /* last wins, as in a Python dict */
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

/* The value of a placeholder as a new cJSON, or NULL when missing. */
static cJSON *lookup(const char *p, size_t n, const struct template_ctx *c)
{
	const char *str = NULL;
	size_t pl;
	if (is(p, n, "item"))
		return c->item ? json_dup(c->item) : NULL;
	if (has_prefix(p, n, "item.", &pl)) {
		const cJSON *v = walk(c->item, p + pl, n - pl);
		return v ? json_dup(v) : NULL;
	}
	if (is(p, n, "inputs"))
		return c->inputs ? json_dup(c->inputs) : NULL;
	if (has_prefix(p, n, "inputs.", &pl)) {
		const cJSON *v = walk(c->inputs, p + pl, n - pl);
		return v ? json_dup(v) : NULL;
	}
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
	return str ? cJSON_CreateString(str) : NULL;
}

/* Finds the next "{{ path }}" at or after s; trims spaces inside. */
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

static cJSON *render_string(const char *s, const struct template_ctx *c)
{
	const char *open, *close, *path;
	size_t len;
	if (!next_placeholder(s, &open, &close, &path, &len))
		return cJSON_CreateString(s);
	if (open == s && !*close) {
		cJSON *v = lookup(path, len, c);
		return v ? v : cJSON_CreateNull();
	}
	struct buf b = BUF_INIT;
	const char *p = s;
	while (next_placeholder(p, &open, &close, &path, &len)) {
		buf_append(&b, p, (size_t)(open - p));
		cJSON *v = lookup(path, len, c);
		if (cJSON_IsString(v))
			buf_puts(&b, v->valuestring);
		else if (v)
			json_write(&b, v, JSON_ORJSON);
		cJSON_Delete(v);
		p = close;
	}
	buf_puts(&b, p);
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
