/* node_defaults.c -- each kind's default outputs and reports
 * (node_defaults.h). */
#include "node_defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "condition.h"
#include "ids.h"
#include "json.h"
#include "node_chunks.h"
#include "node_files.h"
#include "pyrepr.h"

static const struct fx_node *node_at(struct pool *p, size_t i)
{
	return &pool_values(p)->wf->nodes[i];
}

/* The plugin a node comes from: a datasource's plugin_id, or the first
 * two parts of a tool's provider_id ("langgenius/general_chunker/..."). */
static char *plugin_of(const struct fx_node *nd)
{
	if (nd->kind == FX_NODE_DATASOURCE)
		return nd->plugin_id ? xstrdup(nd->plugin_id) : NULL;
	const cJSON *pid = json_get(nd->data, "provider_id");
	if (!cJSON_IsString(pid))
		return NULL;
	const char *s = pid->valuestring, *slash = strchr(s, '/');
	slash = slash ? strchr(slash + 1, '/') : NULL;
	return slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
}

cJSON *node_defaults_icon(const struct fx_kb *kb, const struct fx_node *nd)
{
	if (nd->icon)
		return json_dup(nd->icon);
	if (!nd->data || (nd->kind != FX_NODE_DATASOURCE && nd->kind != FX_NODE_TOOL))
		return NULL;
	if (nd->kind == FX_NODE_DATASOURCE && nd->ds_kind == FX_DS_LOCAL_FILE)
		return cJSON_CreateString("https://assets.dify.ai/images/File%20Upload.svg");
	char *plugin = plugin_of(nd);
	if (!plugin)
		return NULL;
	/* The daemon names a plugin's icon by the SHA-256 of its bytes, which a
	 * mock does not have: 64 hex digits drawn from the plugin's name. */
	uint64_t h = UINT64_C(14695981039346656037);
	for (const char *c = plugin; *c; c++)
		h = (h ^ (unsigned char)*c) * UINT64_C(1099511628211);
	struct buf b = BUF_INIT;
	buf_printf(&b, "/console/api/workspaces/current/plugin/icon?tenant_id=%s&filename=",
		   kb->workspace && kb->workspace->id ? kb->workspace->id : "");
	for (int k = 0; k < 4; k++)
		buf_printf(&b, "%016llx", (unsigned long long)ids_mix(h + (uint64_t)k));
	buf_puts(&b, ".svg");
	cJSON *icon = cJSON_CreateString(b.data);
	buf_free(&b);
	free(plugin);
	return icon;
}

/* A datasource node reports the item (plus the node's icon, set in place
 * when the item has one) as its inputs and as
 * execution_metadata.datasource_info (wire.md §9.3). */
static cJSON *item_with_icon(struct pool *p, size_t i)
{
	cJSON *o = json_dup(pool_values(p)->item);
	cJSON *icon = node_defaults_icon(pool_values(p)->kb, node_at(p, i));
	if (icon && cJSON_IsObject(o) && !cJSON_ReplaceItemInObjectCaseSensitive(o, "icon", icon))
		cJSON_AddItemToObject(o, "icon", icon);
	else if (icon && !cJSON_IsObject(o))
		cJSON_Delete(icon);
	return o;
}

/* ---- datasource ---- */

/* The page an online_document item names, among the node's browse results. */
static const cJSON *browsed_page(const struct fx_node *nd, const cJSON *item)
{
	const cJSON *want = json_get(json_get(item, "page"), "page_id"), *ws, *pg;
	if (!cJSON_IsString(want))
		return NULL;
	cJSON_ArrayForEach(ws, json_get(nd->browse, "result")) {
		cJSON_ArrayForEach(pg, json_get(ws, "pages")) {
			const cJSON *id = json_get(pg, "page_id");
			if (cJSON_IsString(id) && !strcmp(id->valuestring, want->valuestring))
				return pg;
		}
	}
	return NULL;
}

/* Outputs by the request's datasource_type, not the node's
 * (graph-semantics.md §3.5): local_file and online_drive a file, a crawl
 * the page, a document the plugin's variables. */
static cJSON *datasource_outputs(struct pool *p, size_t i)
{
	const struct run_values *rv = pool_values(p);
	const struct fx_node *nd = node_at(p, i);
	cJSON *o;
	switch (rv->ds_kind) {
	case FX_DS_LOCAL_FILE:
	case FX_DS_ONLINE_DRIVE:
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "file", node_file_of_item(rv, nd));
		cJSON_AddStringToObject(o, "datasource_type", rv->datasource_type);
		return o;
	case FX_DS_WEBSITE_CRAWL:
		o = item_with_icon(p, i);
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			o = cJSON_CreateObject();
		}
		cJSON_AddStringToObject(o, "datasource_type", rv->datasource_type);
		return o;
	default: { /* online_document: the Notion plugin's variables */
		const cJSON *page = browsed_page(nd, rv->item), *content = json_get(page, "content");
		const cJSON *page_id = json_get(json_get(rv->item, "page"), "page_id");
		const cJSON *ws = json_get(rv->item, "workspace_id");
		o = cJSON_CreateObject();
		if (cJSON_IsString(content)) {
			cJSON_AddItemToObject(o, "content", json_dup(content));
		} else {
			char *text = node_file_text(rv->document_name);
			cJSON_AddStringToObject(o, "content", text);
			free(text);
		}
		cJSON_AddItemToObject(o, "page_id", page_id ? json_dup(page_id) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "workspace_id", ws ? json_dup(ws) : cJSON_CreateNull());
		return o;
	}
	}
}

static void fail_with(struct plan_outcome *ret, char *error, const char *type)
{
	ret->failed = true;
	ret->error = error;
	ret->error_type = type;
}

static void check_datasource(struct pool *p, size_t i, struct plan_outcome *ret)
{
	const struct run_values *rv = pool_values(p);
	if (rv->ds_kind != FX_DS_LOCAL_FILE)
		return;
	char *why = node_file_missing(rv);
	if (why)
		fail_with(ret, why, NULL);
	(void)i;
}

/* ---- document extractor ---- */

static const cJSON *selector_of(const struct fx_node *nd, const char *key)
{
	const cJSON *s = json_get(nd->data, key);
	return cJSON_IsArray(s) ? s : NULL;
}

/* Python's repr of a selector list, for Dify's messages. */
static char *selector_repr(const cJSON *sel)
{
	struct buf b = BUF_INIT;
	pyrepr(&b, sel);
	return buf_steal(&b, NULL);
}

static cJSON *file_text(const cJSON *f)
{
	const cJSON *name = json_get(f, "filename");
	char *text = node_file_text(cJSON_IsString(name) ? name->valuestring : "untitled");
	cJSON *s = cJSON_CreateString(text);
	free(text);
	return s;
}

/* graphon's document extractor: one file gives a string, an array a list
 * of them (nulls skipped), nothing an empty list. */
static cJSON *extractor_outputs(struct pool *p, size_t i)
{
	const cJSON *sel = selector_of(node_at(p, i), "variable_selector");
	const cJSON *v = sel ? pool_get(p, i, sel) : NULL, *f;
	cJSON *o = cJSON_CreateObject();
	if (cJSON_IsObject(v)) {
		cJSON_AddItemToObject(o, "text", file_text(v));
		return o;
	}
	cJSON *texts = cJSON_AddArrayToObject(o, "text");
	const cJSON *arr = cJSON_IsArray(v) ? v : NULL;
	cJSON_ArrayForEach(f, arr)
		if (cJSON_IsObject(f))
			cJSON_AddItemToArray(texts, file_text(f));
	return o;
}

/* process_data: {"documents": [the files]}, one file in a list. */
static cJSON *extractor_process_data(struct pool *p, size_t i)
{
	const cJSON *sel = selector_of(node_at(p, i), "variable_selector");
	const cJSON *v = sel ? pool_get(p, i, sel) : NULL, *f;
	cJSON *o = cJSON_CreateObject(), *docs = cJSON_AddArrayToObject(o, "documents");
	if (cJSON_IsObject(v))
		cJSON_AddItemToArray(docs, json_dup(v));
	const cJSON *arr = cJSON_IsArray(v) ? v : NULL;
	cJSON_ArrayForEach(f, arr)
		if (!cJSON_IsNull(f))
			cJSON_AddItemToArray(docs, json_dup(f));
	return o;
}

static void check_extractor(struct pool *p, size_t i, struct plan_outcome *ret)
{
	const struct fx_node *nd = node_at(p, i);
	const cJSON *sel = selector_of(nd, "variable_selector");
	if (!nd->data || (sel && pool_get(p, i, sel)))
		return;
	char *repr = sel ? selector_repr(sel) : xstrdup("None");
	struct buf b = BUF_INIT;
	buf_printf(&b, "File variable not found for selector: %s", repr);
	free(repr);
	fail_with(ret, buf_steal(&b, NULL), NULL);
}

/* ---- knowledge index ---- */

static const char *chunk_structure(struct pool *p, size_t i)
{
	const cJSON *cs = json_get(node_at(p, i)->data, "chunk_structure");
	return cJSON_IsString(cs) ? cs->valuestring : pool_values(p)->kb->chunk_structure;
}

static const cJSON *chunk_value(struct pool *p, size_t i)
{
	const cJSON *sel = selector_of(node_at(p, i), "index_chunk_variable_selector");
	return sel ? pool_get(p, i, sel) : NULL;
}

static void check_index(struct pool *p, size_t i, struct plan_outcome *ret)
{
	if (!node_at(p, i)->data)
		return;
	const cJSON *v = chunk_value(p, i);
	const char *why = node_chunks_check(chunk_structure(p, i), v);
	if (why)
		fail_with(ret, xstrdup(why), NULL);
}

static cJSON *index_outputs(struct pool *p, size_t i)
{
	const struct run_values *rv = pool_values(p);
	if (!node_at(p, i)->data)
		return cJSON_CreateObject();
	if (!rv->published)
		return node_chunks_preview(chunk_structure(p, i), chunk_value(p, i));
	/* A published run's indexing result (knowledge_index_node.py). */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "dataset_id", rv->kb->id);
	cJSON_AddStringToObject(o, "dataset_name", rv->kb->name);
	cJSON_AddStringToObject(o, "batch", rv->batch ? rv->batch : "");
	cJSON_AddStringToObject(o, "document_id", rv->document_id ? rv->document_id : "");
	cJSON_AddStringToObject(o, "document_name", rv->document_name);
	cJSON_AddStringToObject(o, "display_status", "completed");
	return o;
}

void node_defaults_index_counts(struct pool *p, size_t i, unsigned *ret_segments, unsigned long *ret_chars)
{
	*ret_segments = 0;
	*ret_chars = 0;
	if (!node_at(p, i)->data)
		return;
	cJSON *preview = node_chunks_preview(chunk_structure(p, i), chunk_value(p, i));
	node_chunks_count(preview, ret_segments, ret_chars);
	cJSON_Delete(preview);
}

/* ---- variable aggregator ---- */

/* The first selector of list that exists (graphon's aggregator), or NULL. */
static const cJSON *first_existing(struct pool *p, size_t i, const cJSON *list)
{
	const cJSON *sel;
	cJSON_ArrayForEach(sel, list) {
		const cJSON *v = pool_get(p, i, sel);
		if (v)
			return v;
	}
	return NULL;
}

static bool grouped(const struct fx_node *nd)
{
	const cJSON *adv = json_get(nd->data, "advanced_settings");
	return cJSON_IsTrue(json_get(adv, "group_enabled"));
}

static cJSON *aggregator_outputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	cJSON *o = cJSON_CreateObject();
	if (!grouped(nd)) {
		const cJSON *v = first_existing(p, i, json_get(nd->data, "variables"));
		if (v)
			cJSON_AddItemToObject(o, "output", json_dup(v));
		return o;
	}
	const cJSON *g;
	cJSON_ArrayForEach(g, json_get(json_get(nd->data, "advanced_settings"), "groups")) {
		const cJSON *name = json_get(g, "group_name");
		const cJSON *v = first_existing(p, i, json_get(g, "variables"));
		if (!cJSON_IsString(name) || !v)
			continue;
		cJSON *grp = cJSON_AddObjectToObject(o, name->valuestring);
		cJSON_AddItemToObject(grp, "output", json_dup(v));
	}
	return o;
}

/* inputs: each found selector, minus its node id, dot-joined. */
static void add_aggregated_input(struct pool *p, size_t i, cJSON *in, const cJSON *list)
{
	const cJSON *sel;
	cJSON_ArrayForEach(sel, list) {
		const cJSON *v = pool_get(p, i, sel);
		if (!v)
			continue;
		struct buf k = BUF_INIT;
		const cJSON *e = sel->child ? sel->child->next : NULL;
		for (; e; e = e->next)
			buf_printf(&k, "%s%s", k.len ? "." : "", cJSON_IsString(e) ? e->valuestring : "");
		cJSON_AddItemToObject(in, k.data ? k.data : "", json_dup(v));
		buf_free(&k);
		break;
	}
}

static cJSON *aggregator_inputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	cJSON *in = cJSON_CreateObject();
	if (!grouped(nd)) {
		add_aggregated_input(p, i, in, json_get(nd->data, "variables"));
		return in;
	}
	const cJSON *g;
	cJSON_ArrayForEach(g, json_get(json_get(nd->data, "advanced_settings"), "groups"))
		add_aggregated_input(p, i, in, json_get(g, "variables"));
	return in;
}

/* ---- tools ---- */

/* Python's str() of a constant, as convert_template(str(value)) sees it. */
static char *py_str(const cJSON *v)
{
	struct buf b = BUF_INIT;
	if (cJSON_IsString(v))
		buf_puts(&b, v->valuestring);
	else if (cJSON_IsBool(v))
		buf_puts(&b, cJSON_IsTrue(v) ? "True" : "False");
	else if (cJSON_IsNull(v))
		buf_puts(&b, "None");
	else if (cJSON_IsNumber(v))
		json_write(&b, v, JSON_ORJSON);
	else
		pyrepr(&b, v);
	return buf_steal(&b, NULL);
}

/* A tool parameter's value as node_finished logs it: a variable's value
 * from the pool (NULL, and left out, when it does not exist); mixed and
 * constant values rendered as text (DifyToolNodeRuntime). */
static cJSON *tool_param(struct pool *p, size_t i, const cJSON *param)
{
	const cJSON *type = json_get(param, "type"), *value = json_get(param, "value");
	const char *t = cJSON_IsString(type) ? type->valuestring : "constant";
	if (!value || cJSON_IsNull(value))
		return NULL;
	if (!strcmp(t, "variable")) {
		const cJSON *v = cJSON_IsArray(value) ? pool_get(p, i, value) : NULL;
		return v ? json_dup(v) : NULL;
	}
	char *raw = py_str(value), *text = pool_render_text(p, i, raw);
	cJSON *s = cJSON_CreateString(text);
	free(raw);
	free(text);
	return s;
}

static cJSON *tool_inputs(struct pool *p, size_t i)
{
	cJSON *in = cJSON_CreateObject();
	const cJSON *param;
	cJSON_ArrayForEach(param, json_get(node_at(p, i)->data, "tool_parameters")) {
		cJSON *v = tool_param(p, i, param);
		if (v)
			cJSON_AddItemToObject(in, param->string, v);
	}
	return in;
}

/* The knowledge-index node reading a variable of node i as its chunks,
 * and which variable: the chunker's result, shaped for its structure. */
static const struct fx_node *chunks_reader(struct pool *p, size_t i, const char **ret_key)
{
	const struct fx_workflow *wf = pool_values(p)->wf;
	const struct fx_node *nd = &wf->nodes[i];
	for (size_t k = 0; k < wf->n_nodes; k++) {
		const struct fx_node *ki = &wf->nodes[k];
		const cJSON *sel = ki->kind == FX_NODE_KNOWLEDGE_INDEX ? selector_of(ki, "index_chunk_variable_selector")
								      : NULL;
		const cJSON *a = sel ? sel->child : NULL, *b = a ? a->next : NULL;
		if (cJSON_IsString(a) && cJSON_IsString(b) && nd->id && !strcmp(a->valuestring, nd->id)) {
			*ret_key = b->valuestring;
			return ki;
		}
	}
	return NULL;
}

/* The first file among the inputs (an array's first item), or NULL. */
static const cJSON *input_file(const cJSON *in)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, in) {
		const cJSON *f = cJSON_IsArray(v) ? v->child : v;
		if (cJSON_IsString(json_get(f, "filename")))
			return f;
	}
	return NULL;
}

/* The text a tool works on: the official chunkers' text parameter, else a
 * file's made-up text, else the longest string. */
static char *tool_text(const cJSON *in)
{
	static const char *const names[] = { "input_variable", "input_text", "text", "content", NULL };
	for (const char *const *n = names; *n; n++) {
		const cJSON *v = json_get(in, *n);
		if (cJSON_IsString(v))
			return xstrdup(v->valuestring);
	}
	const cJSON *f = input_file(in), *v, *best = NULL;
	if (f)
		return node_file_text(json_get(f, "filename")->valuestring);
	cJSON_ArrayForEach(v, in)
		if (cJSON_IsString(v) && (!best || strlen(v->valuestring) > strlen(best->valuestring)))
			best = v;
	return xstrdup(best ? best->valuestring : "");
}

/* Dify Extractor's documents variable: the text as one document. */
static cJSON *extractor_documents(const char *text, const char *filename)
{
	cJSON *docs = cJSON_CreateArray(), *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "page_content", text);
	cJSON_AddNullToObject(d, "vector");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(d, "metadata"), "source", filename);
	cJSON_AddStringToObject(d, "provider", "dify");
	cJSON_AddNullToObject(d, "children");
	cJSON_AddItemToArray(docs, d);
	return docs;
}

/* A tool's outputs: text, files, json, then its variables. A tool a
 * knowledge-index node reads chunks from is a chunker: its result is the
 * chunks (node_chunks.c); one that takes a file extracts its text, as
 * Dify Extractor does. */
static cJSON *tool_outputs(struct pool *p, size_t i)
{
	cJSON *in = tool_inputs(p, i);
	const char *key;
	const struct fx_node *ki = chunks_reader(p, i, &key);
	const cJSON *file = input_file(in);
	char *text = tool_text(in);
	cJSON *o = cJSON_CreateObject(), *result = NULL;
	if (ki) {
		const cJSON *cs = json_get(ki->data, "chunk_structure");
		const char *structure = cJSON_IsString(cs) ? cs->valuestring : "text_model";
		const cJSON *fname = json_get(file, "filename");
		const char *ext = cJSON_IsString(fname) ? strrchr(fname->valuestring, '.') : NULL;
		if (strcmp(structure, "qa_model"))
			result = node_chunks_make(structure, text, in);
		else if (ext && !strcmp(ext, ".csv")) /* the QA chunker reads only CSV files */
			result = node_chunks_make(structure, text, in);
		cJSON_AddStringToObject(o, "text", result || strcmp(structure, "qa_model") ? ""
						   : file ? "Input file must be a CSV file" : "No input file provided");
	} else {
		cJSON_AddStringToObject(o, "text", file ? text : "");
	}
	cJSON_AddArrayToObject(o, "files");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "json"), cJSON_CreateObject());
	cJSON_AddArrayToObject(cJSON_GetArrayItem(json_get(o, "json"), 0), "data");
	if (result)
		cJSON_AddItemToObject(o, key, result);
	else if (!ki && file)
		cJSON_AddItemToObject(o, "documents", extractor_documents(text, json_get(file, "filename")->valuestring));
	free(text);
	cJSON_Delete(in);
	return o;
}

static cJSON *tool_metadata(struct pool *p, size_t i)
{
	const cJSON *d = node_at(p, i)->data;
	if (!d)
		return NULL;
	const cJSON *pid = json_get(d, "provider_id"), *pt = json_get(d, "provider_type");
	const cJSON *uid = json_get(d, "plugin_unique_identifier");
	cJSON *m = cJSON_CreateObject(), *info = cJSON_AddObjectToObject(m, "tool_info");
	cJSON_AddItemToObject(info, "provider_type", pt ? json_dup(pt) : cJSON_CreateString("builtin"));
	cJSON_AddItemToObject(info, "provider_id", pid ? json_dup(pid) : cJSON_CreateNull());
	cJSON_AddItemToObject(info, "plugin_unique_identifier", uid ? json_dup(uid) : cJSON_CreateNull());
	return m;
}

/* ---- LLM ---- */

/* LLMUsage as jsonable_encoder writes it: prices are Decimal strings. */
static cJSON *zero_usage(void)
{
	static const char *const keys[] = { "prompt_tokens", "prompt_unit_price", "prompt_price_unit", "prompt_price",
					    "completion_tokens", "completion_unit_price", "completion_price_unit",
					    "completion_price", "total_tokens", "total_price" };
	cJSON *u = cJSON_CreateObject();
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
		if (strstr(keys[k], "tokens"))
			cJSON_AddItemToObject(u, keys[k], json_int(0));
		else
			cJSON_AddStringToObject(u, keys[k], "0.0");
	}
	cJSON_AddStringToObject(u, "currency", "USD");
	cJSON_AddItemToObject(u, "latency", json_float(0.0));
	cJSON_AddNullToObject(u, "time_to_first_token");
	cJSON_AddNullToObject(u, "time_to_generate");
	return u;
}

static cJSON *llm_outputs(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "text", "This answer stands for the model's, which dify-mock does not call.");
	cJSON_AddStringToObject(o, "reasoning_content", "");
	cJSON_AddItemToObject(o, "usage", zero_usage());
	cJSON_AddStringToObject(o, "finish_reason", "stop");
	return o;
}

/* The first class, as plan.c picks it. */
static cJSON *classifier_outputs(const struct fx_node *nd)
{
	const cJSON *first = cJSON_GetArrayItem(json_get(nd->data, "classes"), 0), *name = json_get(first, "name");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "class_name", cJSON_IsString(name) ? json_dup(name) : cJSON_CreateString(""));
	cJSON_AddStringToObject(o, "class_id", plan_first_class(nd));
	cJSON_AddItemToObject(o, "usage", zero_usage());
	return o;
}

/* A code node's declared outputs ({name: {type}}), each its type's empty
 * value: the mock runs no code. */
static cJSON *code_outputs(const struct fx_node *nd)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *decl;
	cJSON_ArrayForEach(decl, json_get(nd->data, "outputs")) {
		const cJSON *t = json_get(decl, "type");
		const char *type = cJSON_IsString(t) ? t->valuestring : "";
		cJSON *v = !strncmp(type, "array", 5) ? cJSON_CreateArray()
			 : !strcmp(type, "object") ? cJSON_CreateObject()
			 : !strcmp(type, "number") ? json_int(0)
			 : !strcmp(type, "boolean") ? cJSON_CreateFalse()
			 : cJSON_CreateString("");
		cJSON_AddItemToObject(o, decl->string, v);
	}
	return o;
}

/* ---- the dispatch ---- */

cJSON *node_defaults_outputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	switch (nd->kind) {
	case FX_NODE_DATASOURCE:
		return datasource_outputs(p, i);
	case FX_NODE_DOCUMENT_EXTRACTOR:
		return nd->data ? extractor_outputs(p, i) : cJSON_CreateObject();
	case FX_NODE_KNOWLEDGE_INDEX:
		return index_outputs(p, i);
	case FX_NODE_VARIABLE_AGGREGATOR:
		return nd->data ? aggregator_outputs(p, i) : cJSON_CreateObject();
	case FX_NODE_TOOL:
		return nd->data ? tool_outputs(p, i) : cJSON_CreateObject();
	case FX_NODE_LLM:
		return nd->data ? llm_outputs() : cJSON_CreateObject();
	case FX_NODE_QUESTION_CLASSIFIER:
		return nd->data ? classifier_outputs(nd) : cJSON_CreateObject();
	case FX_NODE_CODE:
		return nd->data ? code_outputs(nd) : cJSON_CreateObject();
	default:
		return cJSON_CreateObject();
	}
}

cJSON *node_defaults_inputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	if (!nd->data)
		return nd->kind == FX_NODE_DATASOURCE ? item_with_icon(p, i) : cJSON_CreateObject();
	switch (nd->kind) {
	case FX_NODE_DATASOURCE:
		return item_with_icon(p, i);
	case FX_NODE_VARIABLE_AGGREGATOR:
		return aggregator_inputs(p, i);
	case FX_NODE_TOOL:
		return tool_inputs(p, i);
	case FX_NODE_DOCUMENT_EXTRACTOR: {
		const cJSON *sel = selector_of(nd, "variable_selector");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "variable_selector", sel ? json_dup(sel) : cJSON_CreateNull());
		return o;
	}
	case FX_NODE_KNOWLEDGE_INDEX: {
		const cJSON *v = chunk_value(p, i);
		cJSON *o = cJSON_CreateObject();
		if (v) /* a missing variable fails before inputs are set */
			cJSON_AddItemToObject(o, "chunks", json_dup(v));
		return o;
	}
	default:
		return cJSON_CreateObject();
	}
}

/* NodeRunResult's default process_data is {} (graph-semantics notes). */
cJSON *node_defaults_process_data(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	if (nd->data && nd->kind == FX_NODE_DOCUMENT_EXTRACTOR)
		return extractor_process_data(p, i);
	return cJSON_CreateObject();
}

cJSON *node_defaults_metadata(struct pool *p, size_t i)
{
	const struct fx_node *nd = node_at(p, i);
	if (nd->kind == FX_NODE_DATASOURCE) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddItemToObject(m, "datasource_info", item_with_icon(p, i));
		return m;
	}
	if (nd->kind == FX_NODE_TOOL)
		return tool_metadata(p, i);
	if (nd->kind == FX_NODE_LLM && nd->data) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddItemToObject(m, "total_tokens", json_int(0));
		cJSON_AddStringToObject(m, "total_price", "0.0");
		cJSON_AddStringToObject(m, "currency", "USD");
		return m;
	}
	return NULL;
}

void node_defaults_check(struct pool *p, size_t i, struct plan_outcome *ret)
{
	const struct fx_node *nd = node_at(p, i);
	switch (nd->kind) {
	case FX_NODE_DATASOURCE:
		check_datasource(p, i, ret);
		break;
	case FX_NODE_KNOWLEDGE_INDEX:
		if (!nd->outputs)
			check_index(p, i, ret);
		break;
	case FX_NODE_DOCUMENT_EXTRACTOR:
		if (!nd->outputs)
			check_extractor(p, i, ret);
		break;
	default:
		break;
	}
}
