/* fixtures_nodes.c -- one node of a workflow in a fixture file: its type,
 * timing, recorded inputs and outputs, its "fail" object, and what a
 * datasource node adds for the companion endpoints (parameters,
 * credentials, browse results). */
#include "fixtures_parse.h"

#include <stdlib.h>
#include <string.h>

/* The schema: known keys per object and the enumerations. */
static const char *const node_keys[] = {
	"id", "type", "title", "icon", "datasource_type", "plugin_id", "provider_name", "duration_ms",
	"inputs", "outputs", "process_data", "execution_metadata", "fail", "datasource_parameters", "credentials",
	"browse", "data", NULL
};
/* graphon BuiltinNodeTypes plus Dify's knowledge pipeline nodes: enum fx_node_kind order. */
const char *const fx_node_types[] = {
	"datasource", "tool", "knowledge-index", "llm", "code", "if-else", "template-transform",
	"http-request", "variable-aggregator", "document-extractor", "list-operator",
	"parameter-extractor", "question-classifier", "assigner", "agent", "iteration", "loop",
	"human-input", "start", "end", "answer", NULL
};
const char *const fx_datasource_types[] = { "local_file", "online_document", "website_crawl", "online_drive", NULL };
static const char *const ds_plugin_ids[] = { "langgenius/file", "langgenius/notion_datasource",
					     "langgenius/jina_datasource", "langgenius/google_drive" };
static const char *const ds_providers[] = { "file", "notion_datasource", "jinareader", "google_drive" };

enum fx_ds_kind fx_ds_kind_of(const char *s)
{
	for (int i = 0; s && fx_datasource_types[i]; i++)
		if (!strcmp(s, fx_datasource_types[i]))
			return (enum fx_ds_kind)i;
	return FX_DS_NONE;
}

uint64_t fx_default_duration_ms(enum fx_node_kind kind)
{
	/* Round figures of what such nodes take in a small Dify: plugins and
	 * models are slow, control-flow nodes are instant. */
	switch (kind) {
	case FX_NODE_DATASOURCE:
		return 300;
	case FX_NODE_TOOL:
		return 800;
	case FX_NODE_KNOWLEDGE_INDEX:
		return 1200;
	case FX_NODE_LLM:
	case FX_NODE_AGENT:
	case FX_NODE_PARAMETER_EXTRACTOR:
	case FX_NODE_QUESTION_CLASSIFIER:
		return 2000;
	case FX_NODE_DOCUMENT_EXTRACTOR:
	case FX_NODE_HTTP_REQUEST:
		return 400;
	case FX_NODE_CODE:
	case FX_NODE_TEMPLATE_TRANSFORM:
		return 50;
	default:
		return 5;
	}
}
static const char *const fail_keys[] = { "error", "error_type", "error_strategy", "default_outputs", "times", NULL };
static const char *const strategies[] = { "none", "fail-branch", "default-value", NULL }; /* enum fx_error_strategy order */
/* Datasource nodes, for the companion endpoints (datasource-plugins, node run). */
static const char *const param_keys[] = { "type", "value", NULL };
static const char *const param_types[] = { "mixed", "variable", "constant", NULL };
static const char *const cred_keys[] = { "id", "name", "type", "is_default", NULL };
static const char *const cred_types[] = { "api-key", "oauth2", NULL };
static const char *const browse_keys[] = { "duration_ms", "error", "result", "files", "buckets", NULL };
static const char *const bucket_keys[] = { "name", "files", NULL };
static const char *const drive_file_keys[] = { "id", "name", "size", "type", "files", NULL };
static const char *const drive_file_types[] = { "file", "folder", NULL };

void fxp_parse_fail(struct pctx *c, cJSON *o, struct fx_node *n)
{
	cJSON *d;
	fxp_check_keys(c, o, fail_keys);
	struct fx_failure *f = n->fail = FXP_NEW(c, struct fx_failure, 1);
	f->error = fxp_get_nonempty_str(c, o, "error");
	if (fxp_member(o, "error_type"))
		f->error_type = fxp_get_nonempty_str(c, o, "error_type");
	f->has_strategy = fxp_member(o, "error_strategy") != NULL;
	int st = fxp_get_enum(c, o, "error_strategy", FX_STRATEGY_NONE, strategies, "error strategy");
	f->strategy = st >= 0 ? (enum fx_error_strategy)st : FX_STRATEGY_NONE;
	f->times = (uint32_t)fxp_get_uint(c, o, "times", 0, UINT32_MAX);
	int r = fxp_get_typed(c, o, "default_outputs", OPTIONAL, T_OBJECT, &d);
	if (r > 0 && st >= 0 && st != FX_STRATEGY_DEFAULT_VALUE) {
		size_t s = fxp_push_key(c, "default_outputs");
		fxp_report(c, "only allowed with \"error_strategy\": \"default-value\"");
		fxp_pop(c, s);
	}
	if (f->strategy == FX_STRATEGY_DEFAULT_VALUE)
		f->default_outputs = d ? d : fxp_pooled(c, cJSON_CreateObject());
}

/* ---- datasource nodes: parameters, credentials, browse results ---- */

static void report_at(struct pctx *c, const char *key, const char *msg)
{
	size_t s = fxp_push_key(c, key);
	fxp_report(c, "%s", msg);
	fxp_pop(c, s);
}

/* An array whose items are objects, each checked by fn. */
static void each_object(struct pctx *c, cJSON *arr, void (*fn)(struct pctx *, cJSON *, int), int depth)
{
	cJSON *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, arr) {
		size_t s = fxp_push_index(c, i++);
		if (fxp_expect(c, item, T_OBJECT))
			fn(c, item, depth);
		fxp_pop(c, s);
	}
}

static void parse_drive_file(struct pctx *c, cJSON *o, int depth)
{
	cJSON *x;
	fxp_check_keys(c, o, drive_file_keys);
	fxp_get_nonempty_str(c, o, "id");
	fxp_get_str(c, o, "name", REQUIRED, NULL);
	fxp_get_uint(c, o, "size", 0, UINT64_C(9007199254740991));
	int t = fxp_get_enum(c, o, "type", 0, drive_file_types, "drive file type");
	if (fxp_get_typed(c, o, "files", OPTIONAL, T_ARRAY, &x) > 0) {
		if (t != 1) {
			report_at(c, "files", "only allowed on folders (\"type\": \"folder\")");
		} else if (depth >= 32) {
			report_at(c, "files", "folders nested too deep (at most 32 levels)");
		} else {
			size_t s = fxp_push_key(c, "files");
			each_object(c, x, parse_drive_file, depth + 1);
			fxp_pop(c, s);
		}
	}
}

static void parse_bucket(struct pctx *c, cJSON *o, int depth)
{
	cJSON *x;
	(void)depth;
	fxp_check_keys(c, o, bucket_keys);
	fxp_get_nonempty_str(c, o, "name");
	if (fxp_get_typed(c, o, "files", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "files");
		each_object(c, x, parse_drive_file, 0);
		fxp_pop(c, s);
	}
}

static void parse_credential(struct pctx *c, cJSON *o, int depth)
{
	(void)depth;
	fxp_check_keys(c, o, cred_keys);
	if (cJSON_GetObjectItemCaseSensitive(o, "id"))
		fxp_get_uuid(c, o, "id");
	fxp_get_str(c, o, "name", REQUIRED, NULL);
	fxp_get_enum(c, o, "type", 0, cred_types, "credential type");
	fxp_get_bool(c, o, "is_default", false);
}

static void parse_browse(struct pctx *c, cJSON *o, const char *ds_type)
{
	cJSON *x;
	fxp_check_keys(c, o, browse_keys);
	fxp_get_uint(c, o, "duration_ms", 0, FX_MAX_DURATION_MS);
	fxp_get_typed(c, o, "error", OPTIONAL, T_STRING, &x);
	bool drive = ds_type && !strcmp(ds_type, "online_drive");
	bool pages = ds_type && (!strcmp(ds_type, "online_document") || !strcmp(ds_type, "website_crawl"));
	if (ds_type && !strcmp(ds_type, "local_file")) {
		fxp_report(c, "not allowed on local_file nodes (their node run always fails; files are uploaded)");
		return;
	}
	if (fxp_get_typed(c, o, "result", OPTIONAL, T_ARRAY, &x) > 0) {
		if (!pages && ds_type) {
			report_at(c, "result", "only allowed on online_document and website_crawl nodes");
		} else {
			cJSON *item;
			size_t i = 0, s = fxp_push_key(c, "result");
			cJSON_ArrayForEach(item, x) {
				size_t s2 = fxp_push_index(c, i++);
				fxp_expect(c, item, T_OBJECT);
				fxp_pop(c, s2);
			}
			fxp_pop(c, s);
		}
	}
	cJSON *files = NULL, *buckets = NULL;
	fxp_get_typed(c, o, "files", OPTIONAL, T_ARRAY, &files);
	fxp_get_typed(c, o, "buckets", OPTIONAL, T_ARRAY, &buckets);
	if ((files || buckets) && !drive && ds_type) {
		report_at(c, files ? "files" : "buckets", "only allowed on online_drive nodes");
		return;
	}
	if (files && buckets)
		report_at(c, "buckets", "not allowed with \"files\" (a drive has either buckets or one root)");
	if (files) {
		size_t s = fxp_push_key(c, "files");
		each_object(c, files, parse_drive_file, 0);
		fxp_pop(c, s);
	}
	if (buckets) {
		size_t s = fxp_push_key(c, "buckets");
		each_object(c, buckets, parse_bucket, 0);
		fxp_pop(c, s);
	}
}

/* A datasource node's "datasource_parameters" (o's member), into n. */
void fxp_parse_datasource_parameters(struct pctx *c, cJSON *o, struct fx_node *n)
{
	cJSON *x;
	if (fxp_get_typed(c, o, "datasource_parameters", OPTIONAL, T_OBJECT, &x) <= 0)
		return;
	cJSON *p;
	size_t s = fxp_push_key(c, "datasource_parameters");
	cJSON_ArrayForEach(p, x) {
		size_t s2 = fxp_push_key(c, p->string);
		if (fxp_expect(c, p, T_OBJECT)) {
			fxp_check_keys(c, p, param_keys);
			fxp_get_enum(c, p, "type", 0, param_types, "parameter type");
		}
		fxp_pop(c, s2);
	}
	fxp_pop(c, s);
	n->datasource_parameters = x;
}

/* "credentials" and "browse" (and a fixture node's parameters); only
 * datasource nodes may have them. */
static void parse_datasource_extras(struct pctx *c, cJSON *o, struct fx_node *n, bool with_parameters)
{
	static const char *const extras[] = { "credentials", "browse", "datasource_parameters" };
	cJSON *x;
	if (n->kind != FX_NODE_DATASOURCE) {
		for (size_t i = 0; i < (with_parameters ? 3u : 2u); i++)
			if (n->type && cJSON_GetObjectItemCaseSensitive(o, extras[i]))
				report_at(c, extras[i], "only allowed on datasource nodes");
		return;
	}
	if (with_parameters)
		fxp_parse_datasource_parameters(c, o, n);
	if (fxp_get_typed(c, o, "credentials", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "credentials");
		each_object(c, x, parse_credential, 0);
		fxp_pop(c, s);
		n->credentials = x;
	}
	if (fxp_get_typed(c, o, "browse", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "browse");
		parse_browse(c, x, n->datasource_type);
		fxp_pop(c, s);
		n->browse = x;
	}
}

void fxp_parse_node_overlay(struct pctx *c, cJSON *o, struct fx_node *n, const char *const *known)
{
	cJSON *x;
	fxp_check_keys(c, o, known);
	if (fxp_member(o, "duration_ms"))
		n->duration_ms = fxp_get_uint(c, o, "duration_ms", 0, FX_MAX_DURATION_MS);
	if (fxp_member(o, "icon"))
		fxp_get_typed(c, o, "icon", OPTIONAL, T_STRING | T_OBJECT, &n->icon);
	if (fxp_member(o, "inputs"))
		n->inputs = fxp_member(o, "inputs");
	if (fxp_member(o, "outputs"))
		n->outputs = fxp_member(o, "outputs");
	if (fxp_member(o, "process_data"))
		n->process_data = fxp_member(o, "process_data");
	if (fxp_member(o, "execution_metadata"))
		n->execution_metadata = fxp_member(o, "execution_metadata");
	if (fxp_get_typed(c, o, "fail", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "fail");
		fxp_parse_fail(c, x, n);
		fxp_pop(c, s);
	}
	parse_datasource_extras(c, o, n, false);
}

void fx_parse_node(struct pctx *c, cJSON *o, struct fx_node *n)
{
	cJSON *x;
	if (!fxp_expect(c, o, T_OBJECT))
		return;
	n->id = fxp_get_nonempty_str(c, o, "id");
	int t = fxp_get_enum(c, o, "type", -1, fx_node_types, "node type");
	n->kind = t >= 0 ? (enum fx_node_kind)t : FX_NODE_TOOL;
	n->type = t >= 0 ? (char *)fx_node_types[t] : NULL;
	n->title = fxp_get_str(c, o, "title", OPTIONAL, n->type);
	bool is_ds = n->kind == FX_NODE_DATASOURCE && n->type;
	int dt = -1;
	n->ds_kind = FX_DS_NONE;
	if (is_ds) {
		dt = fxp_get_enum(c, o, "datasource_type", -1, fx_datasource_types, "datasource type");
		n->datasource_type = dt >= 0 ? (char *)fx_datasource_types[dt] : NULL;
		n->ds_kind = dt >= 0 ? (enum fx_ds_kind)dt : FX_DS_NONE;
	} else if (n->type && fxp_member(o, "datasource_type")) {
		size_t s = fxp_push_key(c, "datasource_type");
		fxp_report(c, "only allowed on datasource nodes");
		fxp_pop(c, s);
	}
	n->plugin_id = fxp_get_str(c, o, "plugin_id", OPTIONAL, dt >= 0 ? ds_plugin_ids[dt] : NULL);
	n->provider_name = fxp_get_str(c, o, "provider_name", OPTIONAL, dt >= 0 ? ds_providers[dt] : NULL);
	fxp_parse_node_overlay(c, o, n, node_keys);
	if (n->type && n->kind == FX_NODE_DATASOURCE)
		fxp_parse_datasource_parameters(c, o, n);
	else if (n->type && fxp_member(o, "datasource_parameters"))
		report_at(c, "datasource_parameters", "only allowed on datasource nodes");
	if (fxp_get_typed(c, o, "data", OPTIONAL, T_OBJECT, &x) > 0 && n->type) {
		size_t s = fxp_push_key(c, "data");
		n->data = x;
		fx_parse_node_data(c, n);
		fxp_pop(c, s);
	}
}
