/* published.c -- {batch, dataset, documents} bodies. */
#include "published.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"
#include "template.h"
#include "upload.h"

/* The 14 date digits change once a second: each thread keeps the last ones
 * (gmtime_r and strftime were a tenth of a published run's own work). */
void published_batch(int64_t unix_ms, char out[21])
{
	static _Thread_local int64_t last_s = INT64_MIN;
	static _Thread_local char last[15];
	int64_t sec = unix_ms / 1000;
	if (sec != last_s) {
		time_t t = (time_t)sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(last, sizeof last, "%Y%m%d%H%M%S", &tm);
		last_s = sec;
	}
	memcpy(out, last, 14);
	unsigned r = ids_range(100000, 999999);
	for (int i = 19; i >= 14; i--, r /= 10)
		out[i] = (char)('0' + r % 10);
	out[20] = '\0';
}

cJSON *published_source_info(const char *datasource_type, const cJSON *item)
{
	if (strcmp(datasource_type, "online_drive"))
		return json_dup(item);
	cJSON *o = cJSON_CreateObject();
	const cJSON *id = json_get(item, "id"), *bucket = json_get(item, "bucket");
	cJSON_AddItemToObject(o, "id", id ? json_dup(id) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "name", pipeline_document_name(datasource_type, item));
	cJSON_AddItemToObject(o, "bucket", bucket ? json_dup(bucket) : cJSON_CreateNull());
	return o;
}

static void put_str(struct buf *out, const char *s)
{
	json_write_string(out, s, strlen(s), JSON_PYDUMPS);
}

/* `, "key": "value"` (sep_key is `, "key": `, keys being plain ASCII), as
 * cJSON_AddStringToObject then json.dumps would write it: a NULL value adds
 * no member at all. */
static void member_str(struct buf *out, const char *sep_key, const char *v)
{
	if (!v)
		return;
	buf_puts(out, sep_key);
	put_str(out, v);
}

/* The document's name as JSON: name is pipeline_document_name_value's
 * answer, NULL meaning "untitled". */
static void put_name(struct buf *out, const cJSON *name, enum json_style style)
{
	if (name)
		json_write(out, name, style);
	else
		buf_puts(out, "\"untitled\"");
}

/* The body is written straight out rather than built as a cJSON tree and
 * then serialized: the tree's 25 allocations, their frees and the walk were
 * half of a published run's user time. The bytes are json.dumps' (", " and
 * ": " separators, non-ASCII escaped), in Dify's key order. */
void published_body(const struct fx_kb *kb, const char *batch, const char *datasource_type, const cJSON *items,
		    unsigned first_position, char (*ids)[IDS_UUID_LEN + 1], struct buf *out)
{
	buf_reserve(out, 512);
	buf_puts(out, "{\"batch\": ");
	put_str(out, batch);
	buf_puts(out, ", \"dataset\": {\"id\": ");
	put_str(out, kb->id);
	member_str(out, ", \"name\": ", kb->name);
	member_str(out, ", \"description\": ", kb->description);
	member_str(out, ", \"chunk_structure\": ", kb->chunk_structure);
	buf_puts(out, "}, \"documents\": [");
	const cJSON *item;
	unsigned pos = first_position;
	bool first = true;
	size_t i = 0;
	cJSON_ArrayForEach(item, items) {
		char id[IDS_UUID_LEN + 1];
		ids_uuid4(id);
		if (ids)
			memcpy(ids[i++], id, sizeof id);
		if (!first)
			buf_puts(out, ", ");
		first = false;
		buf_puts(out, "{\"id\": \"");
		buf_append(out, id, IDS_UUID_LEN);
		char num[16];
		int nlen = 0;
		for (unsigned v = pos++; nlen == 0 || v; v /= 10) /* "%u", without printf */
			num[sizeof num - 1 - nlen++] = (char)('0' + v % 10);
		buf_puts(out, "\", \"position\": ");
		buf_append(out, num + sizeof num - nlen, (size_t)nlen);
		member_str(out, ", \"data_source_type\": ", datasource_type);
		buf_puts(out, ", \"data_source_info\": ");
		if (strcmp(datasource_type, "online_drive")) {
			json_write(out, item, JSON_PYDUMPS);
		} else {
			cJSON *info = published_source_info(datasource_type, item);
			json_write(out, info, JSON_PYDUMPS);
			cJSON_Delete(info);
		}
		buf_puts(out, ", \"name\": ");
		put_name(out, pipeline_document_name_value(datasource_type, item), JSON_PYDUMPS);
		buf_puts(out, ", \"indexing_status\": \"waiting\", \"error\": null, \"enabled\": true}");
	}
	buf_puts(out, "]}");
}

/* ---- the documents' background runs ---- */

static bool strict_files(const struct fx_kb *kb)
{
	return cJSON_IsTrue(json_get(kb->raw, "strict_file_references"));
}

static uint64_t scaled(uint64_t ms, double scale)
{
	return (uint64_t)((double)ms * scale + 0.5);
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

/* ---- segments, counted without rendering ----
 *
 * A completed document reports total_segments and the characters of the
 * preview chunks of its knowledge-index node's outputs, as its run renders
 * them. Rendering the outputs (template_render), reading the tree back and
 * freeing it took 15,000 of the 27,000 instructions of recording a
 * document (callgrind). The two numbers are read off the template instead,
 * rendering nothing: the placeholders that matter are looked up, and
 * strings with placeholders inside are counted piece by piece. This follows
 * template.c's rules exactly (which placeholder is found, a string that is
 * exactly one placeholder takes the value's type, the text of other values)
 * and must change with them; test-documents.c checks it against
 * template_render. The counts are not cached: templates may echo any member
 * of the item, the inputs or the run id, not only the document's name, and
 * names rarely repeat. */

/* A value of the rendered outputs, unrendered: a template node still to
 * render (tpl), a value taken from the item or the inputs (val), or one of
 * the context's strings (str). All NULL: a missing value (null). */
struct lazy {
	const cJSON *tpl, *val;
	const char *str;
};

/* template.c's walk: a dotted path (a.b.c) into obj, numeric keys indexing
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

/* template.c's lookup, borrowing instead of copying. */
static struct lazy lookup(const char *p, size_t n, const struct template_ctx *c)
{
	size_t pl;
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

/* template.c's next_placeholder: the next "{{ path }}" at or after s, spaces
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

/* What template node tpl renders to: a string that is exactly one
 * placeholder is that value; anything else is still to render. */
static struct lazy resolve(const cJSON *tpl, const struct template_ctx *c)
{
	const char *open, *close, *path;
	size_t len;
	if (cJSON_IsString(tpl) && next_placeholder(tpl->valuestring, &open, &close, &path, &len) &&
	    open == tpl->valuestring && !*close)
		return lookup(path, len, c);
	return (struct lazy){ .tpl = tpl };
}

/* The node that has v's JSON type: the template node (once resolved, a
 * template renders to its own type) or the value; NULL for a context
 * string or a missing value. */
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

/* Characters of a value written into a string: compact JSON (orjson). */
static unsigned long json_chars(const cJSON *v, struct buf *scratch)
{
	buf_reset(scratch);
	json_write(scratch, v, JSON_ORJSON);
	return chars_n(scratch->data, scratch->len);
}

/* Characters of the rendered string s (template.c's render_string: text
 * between placeholders as written, then each value: a string as it is,
 * another value as compact JSON, a missing one as nothing). s is not exactly
 * one placeholder (resolve took those). */
static unsigned long rendered_chars(const char *s, const struct template_ctx *c, struct buf *scratch)
{
	const char *open, *close, *path;
	size_t len;
	unsigned long n = 0;
	while (next_placeholder(s, &open, &close, &path, &len)) {
		n += chars_n(s, (size_t)(open - s));
		struct lazy v = lookup(path, len, c);
		if (v.str)
			n += chars(v.str);
		else if (cJSON_IsString(v.val))
			n += chars(v.val->valuestring);
		else if (v.val)
			n += json_chars(v.val, scratch);
		s = close;
	}
	return n + chars(s);
}

/* The characters of v when it renders to a string; 0 otherwise. */
static unsigned long string_chars(const struct lazy *v, const struct template_ctx *c, struct buf *scratch)
{
	if (v->str)
		return chars(v->str);
	if (cJSON_IsString(v->val))
		return chars(v->val->valuestring);
	if (cJSON_IsString(v->tpl))
		return rendered_chars(v->tpl->valuestring, c, scratch);
	return 0;
}

/* total_segments and the characters of the preview chunks' "content", as
 * read from template_render(outputs, c): a number >= 0 for the one (capped
 * to 32 bits), strings for the other. */
static void count_segments(const cJSON *outputs, const struct template_ctx *c, struct buf *scratch,
			   struct doc_new *dn)
{
	struct lazy out = resolve(outputs, c);
	struct lazy total = member(&out, "total_segments", c);
	const cJSON *t = lazy_node(&total);
	if (cJSON_IsNumber(t) && t->valuedouble >= 0)
		dn->segments = t->valuedouble > 4294967295.0 ? 4294967295u : (unsigned)t->valuedouble;
	struct lazy preview = member(&out, "preview", c);
	const cJSON *pv = lazy_node(&preview);
	for (const cJSON *e = pv ? pv->child : NULL; e; e = e->next) { /* cJSON_ArrayForEach */
		struct lazy chunk = preview.tpl ? resolve(e, c) : (struct lazy){ .val = e };
		struct lazy content = member(&chunk, "content", c);
		dn->word_count += string_chars(&content, c, scratch);
	}
}

/* A background run as its documents need it: the shared plan (NULL when the
 * start node is not in the graph) and the run's id, which templates may
 * echo. Drawn at the first document that uses it, as the run used to be. */
struct background {
	bool drawn;
	const struct fx_workflow *wf;
	const struct run_plan *plan;
	char id[IDS_UUID_LEN + 1];
};

static void record(const struct published_run *p, const struct background *bg, const cJSON *item, size_t i,
		   struct buf *text, struct buf *scratch)
{
	const struct fx_kb *kb = p->kb;
	/* The item as stored: only online_drive items are rewritten. */
	bool drive = !strcmp(p->datasource_type, "online_drive");
	cJSON *rewritten = drive ? published_source_info(p->datasource_type, item) : NULL;
	const cJSON *stored = drive ? rewritten : item;
	const cJSON *name = pipeline_document_name_value(p->datasource_type, item);
	/* name_json, then source_info_json, one after the other in text. */
	buf_reset(text);
	put_name(text, name, JSON_UJSON);
	size_t info_at = text->len + 1;
	buf_putc(text, '\0');
	if (strcmp(p->datasource_type, "website_crawl"))
		buf_puts(text, "{}");
	else
		json_write(text, stored, JSON_UJSON);
	struct doc_new dn = {
		.id = p->ids[i],
		.kb_id = kb->id,
		.batch = p->batch,
		.position = p->first_position + (unsigned)i,
		.datasource_type = p->datasource_type,
		.name_json = text->data,
		.source_info_json = text->data + info_at,
		.created_by = kb->workspace->owner.id ? kb->workspace->owner.id : "",
		.doc_form = kb->chunk_structure,
		.created_ms = p->created_ms,
		.outcome = DOC_STAYS_WAITING,
	};
	const struct run_plan *plan = bg->plan;
	if (!plan) {
		/* the task fails before the graph runs: nothing marks the document */
	} else if (plan->status == RUN_FAILED) {
		dn.outcome = DOC_FAILS;
		dn.end_ms = plan->total_ms;
		dn.error = plan->error;
	} else if (plan->index_step < plan->n_steps && plan->steps[plan->index_step].status == STEP_SUCCEEDED) {
		const struct run_step *s = &plan->steps[plan->index_step];
		const struct fx_node *nd = s->node;
		dn.outcome = DOC_COMPLETES;
		dn.index_start_ms = s->start_ms;
		dn.end_ms = s->start_ms + nd->duration_ms;
		dn.latency_s = (double)nd->duration_ms / 1000.0;
		static const cJSON no_inputs = { .type = cJSON_Object }; /* {}, as a run without inputs has */
		struct template_ctx c = {
			.item = stored,
			.inputs = p->inputs ? p->inputs : &no_inputs,
			.datasource_type = p->datasource_type,
			.document_name = !name ? "untitled" : cJSON_IsString(name) ? name->valuestring : "",
			.dataset_id = kb->id,
			.dataset_name = kb->name,
			.workflow_run_id = bg->id,
			.node_id = nd->id,
			.node_title = nd->title,
		};
		count_segments(nd->outputs, &c, scratch, &dn);
	}
	dn.index_start_due_ms = scaled(dn.index_start_ms, p->time_scale);
	dn.end_due_ms = scaled(dn.end_ms, p->time_scale);
	documents_add(p->docs, &dn);
	cJSON_Delete(rewritten);
}

void published_record(const struct published_run *p)
{
	bool strict = !strcmp(p->datasource_type, "local_file") && strict_files(p->kb);
	struct background run = { .wf = p->wf }, missing = { .wf = NULL };
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	const cJSON *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, p->items) {
		struct background *bg = &run;
		if (strict && !upload_item_resolves(p->docs, p->kb->workspace->id, item)) {
			bg = &missing;
			if (!bg->wf)
				bg->wf = documents_file_missing_workflow(p->docs, p->fx, p->wf);
		}
		if (!bg->drawn) {
			pipeline_draw_run_id(bg->id);
			bg->plan = pipeline_plan(bg->wf, p->start_node_id);
			bg->drawn = true;
		}
		record(p, bg, item, i++, &text, &scratch);
	}
	buf_free(&text);
	buf_free(&scratch);
}
