/* fixtures_parse.c -- the fixture schema of fixtures/README.md: checks one
 * parsed file and turns it into fx_* structs. Every problem names the file
 * and the JSON path, and checking goes on after it, so that one load reports
 * everything that is wrong. References between files are resolved by the
 * loader (fixtures.c), not here. */
#include "fixtures_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "buf.h"
#include "json.h"


#define FX_MAX_DURATION_MS UINT64_C(86400000) /* one day */
#define FX_MAX_COUNT UINT64_C(2147483647)

/* The schema: known keys per object and the enumerations. */
static const char *const root_keys[] = { "version", "workspaces", "knowledge_bases", NULL };
static const char *const ws_keys[] = { "id", "name", "status", "owner", "api_keys", NULL };
static const char *const owner_keys[] = { "id", "name", "email", "account_exists", NULL };
static const char *const kb_keys[] = { "id", "workspace", "name", "description", "chunk_structure",
				       "api_enabled", "documents", "pipeline", "scenarios", "scenario_sequence",
				       "strict_file_references", NULL };
static const char *const chunk_structures[] = { "text_model", "hierarchical_model", "qa_model", NULL };
static const char *const pipeline_keys[] = { "id", "variables", "published", "draft", NULL };
static const char *const wf_keys[] = { "id", "variables", "nodes", "edges", NULL };
static const char *const var_keys[] = {
	"variable", "type", "label", "belong_to_node_id", "required", "max_length", "options",
	"default_value", "description", "placeholder", "unit", "tooltips", "allowed_file_types",
	"allowed_file_extensions", "allowed_file_upload_methods", NULL
};
static const char *const var_types[] = { "text-input", "paragraph", "select", "number", "file",
					  "file-list", "checkbox", NULL };
static const char *const node_keys[] = {
	"id", "type", "title", "icon", "datasource_type", "plugin_id", "provider_name", "duration_ms",
	"inputs", "outputs", "process_data", "execution_metadata", "fail", "datasource_parameters", "credentials",
	"browse", NULL
};
/* graphon BuiltinNodeTypes plus Dify's knowledge pipeline nodes. */
static const char *const node_types[] = {
	"datasource", "tool", "knowledge-index", "llm", "code", "if-else", "template-transform",
	"http-request", "variable-aggregator", "document-extractor", "list-operator",
	"parameter-extractor", "question-classifier", "assigner", "agent", "iteration", "loop",
	"human-input", "start", "end", "answer", NULL
};
static const char *const ds_types[] = { "local_file", "online_document", "website_crawl", "online_drive", NULL };
static const char *const ds_plugin_ids[] = { "langgenius/file", "langgenius/notion_datasource",
					     "langgenius/jina_datasource", "langgenius/google_drive" };
static const char *const ds_providers[] = { "file", "notion_datasource", "jinareader", "google_drive" };
static const char *const fail_keys[] = { "error", "error_strategy", "default_outputs", NULL };
static const char *const strategies[] = { "none", "fail-branch", "default-value", NULL }; /* enum fx_error_strategy order */
static const char *const edge_keys[] = { "source", "target", "source_handle", NULL };
/* Datasource nodes, for the companion endpoints (datasource-plugins, node run). */
static const char *const param_keys[] = { "type", "value", NULL };
static const char *const param_types[] = { "mixed", "variable", "constant", NULL };
static const char *const cred_keys[] = { "id", "name", "type", "is_default", NULL };
static const char *const cred_types[] = { "api-key", "oauth2", NULL };
static const char *const browse_keys[] = { "duration_ms", "error", "result", "files", "buckets", NULL };
static const char *const bucket_keys[] = { "name", "files", NULL };
static const char *const drive_file_keys[] = { "id", "name", "size", "type", "files", NULL };
static const char *const drive_file_types[] = { "file", "folder", NULL };

/* ---- the walk: file, JSON path, problems ---- */


static const char *path_str(const struct pctx *c)
{
	return c->path.len ? c->path.data : "";
}

static bool is_ident(const char *s)
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
	if (is_ident(key)) {
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
static cJSON *member(const cJSON *obj, const char *key)
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
	cJSON *v = member(obj, key);
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

/* A copy of the string member, or of def when it is absent (NULL if def is). */
char * fxp_get_str(struct pctx *c, cJSON *obj, const char *key, bool required, const char *def)
{
	cJSON *v;
	int r = fxp_get_typed(c, obj, key, required, T_STRING, &v);
	if (r > 0)
		return xstrdup(v->valuestring);
	return r == 0 && def ? xstrdup(def) : NULL;
}

char * fxp_get_nonempty_str(struct pctx *c, cJSON *obj, const char *key)
{
	char *s = fxp_get_str(c, obj, key, REQUIRED, NULL);
	if (s && !*s) {
		size_t saved = fxp_push_key(c, key);
		fxp_report(c, "must not be empty");
		fxp_pop(c, saved);
		free(s);
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
static bool int_value(const cJSON *v, uint64_t max, uint64_t *ret)
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
	if (int_value(v, max, &n))
		return n;
	char lit[32];
	snprintf(lit, sizeof lit, "%.17g", v->valuedouble);
	size_t s = fxp_push_key(c, key);
	fxp_report(c, "%s is out of range (expected 0 to %" PRIu64 ")", v->valuestring ? v->valuestring : lit, max);
	fxp_pop(c, s);
	return def;
}

static bool uuid_valid(const char *s)
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

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A lower-cased copy of a uuid member (8-4-4-4-12 hex digits). */
static char *get_uuid(struct pctx *c, cJSON *obj, const char *key)
{
	char *s = fxp_get_str(c, obj, key, REQUIRED, NULL);
	if (s && !uuid_valid(s)) {
		size_t saved = fxp_push_key(c, key);
		fxp_report(c, "invalid uuid %s (expected 8-4-4-4-12 hex digits)", fx_quote(s).s);
		fxp_pop(c, saved);
		free(s);
		return NULL;
	}
	if (s)
		lower(s);
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
static cJSON *get_string_array(struct pctx *c, cJSON *obj, const char *key, unsigned mask)
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
static cJSON *pooled(struct pctx *c, cJSON *item)
{
	cJSON_AddItemToArray(c->L->pool, item);
	return item;
}

#define GROW(arr, n, cap)                                                    \
	do {                                                                 \
		if ((n) == (cap)) {                                          \
			(cap) = (cap) ? 2 * (cap) : 8;                       \
			(arr) = xrealloc((arr), (cap) * sizeof *(arr));      \
		}                                                            \
	} while (0)

/* ---- variables ---- */

struct var_list {
	struct fx_variable *v; /* v[i] is the array's item i (zeroed if it is not an object) */
	size_t n;
};

static void var_done(struct fx_variable *v)
{
	free(v->variable);
	free(v->type);
	free(v->belong_to_node_id);
}

static void var_list_done(struct var_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		var_done(&l->v[i]);
	free(l->v);
	*l = (struct var_list){ NULL, 0 };
}

static void parse_variable(struct pctx *c, cJSON *o, struct fx_variable *v)
{
	cJSON *x;
	if (!fxp_expect(c, o, T_OBJECT))
		return;
	fxp_check_keys(c, o, var_keys);
	v->raw = o;
	v->variable = fxp_get_str(c, o, "variable", REQUIRED, NULL);
	if (v->variable && !is_ident(v->variable)) {
		size_t s = fxp_push_key(c, "variable");
		fxp_report(c, "invalid variable name %s (expected letters, digits and '_', not starting with a digit)",
		       fx_quote(v->variable).s);
		fxp_pop(c, s);
	}
	int t = fxp_get_enum(c, o, "type", -1, var_types, "variable type");
	v->type = t >= 0 ? xstrdup(var_types[t]) : NULL;
	fxp_get_typed(c, o, "label", OPTIONAL, T_STRING, &x);
	v->belong_to_node_id = fxp_get_str(c, o, "belong_to_node_id", OPTIONAL, "shared");
	v->required = fxp_get_bool(c, o, "required", false);
	v->max_length = (long)fxp_get_uint(c, o, "max_length", 0, FX_MAX_COUNT);
	v->options = get_string_array(c, o, "options", T_ARRAY);
	if (!v->options)
		v->options = pooled(c, cJSON_CreateArray());
	fxp_get_typed(c, o, "default_value", OPTIONAL, T_ANY, &v->default_value);
	if (!v->default_value)
		v->default_value = pooled(c, cJSON_CreateNull());
	fxp_get_typed(c, o, "description", OPTIONAL, T_STRING, &x);
	fxp_get_typed(c, o, "placeholder", OPTIONAL, T_STRING | T_NULL, &x);
	fxp_get_typed(c, o, "unit", OPTIONAL, T_STRING | T_NULL, &x);
	fxp_get_typed(c, o, "tooltips", OPTIONAL, T_STRING | T_NULL, &x);
	get_string_array(c, o, "allowed_file_types", T_ARRAY | T_NULL);
	get_string_array(c, o, "allowed_file_extensions", T_ARRAY);
	get_string_array(c, o, "allowed_file_upload_methods", T_ARRAY);
}

/* arr is an array; the path is at its key. */
static struct var_list parse_variables(struct pctx *c, cJSON *arr)
{
	struct var_list l = { xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(struct fx_variable)), 0 };
	struct fx_tbl names = { NULL, 0, 0 };
	cJSON *item;
	cJSON_ArrayForEach(item, arr) {
		size_t s = fxp_push_index(c, l.n);
		struct fx_variable *v = &l.v[l.n++];
		parse_variable(c, item, v);
		if (v->variable) {
			struct fx_variable *first = fx_tbl_add(&names, v->variable, strlen(v->variable), v);
			if (first) {
				size_t s2 = fxp_push_key(c, "variable");
				fxp_report(c, "duplicate variable %s (first defined at %.*s[%zu])", fx_quote(v->variable).s,
				       (int)s, c->path.data, (size_t)(first - l.v));
				fxp_pop(c, s2);
			}
		}
		fxp_pop(c, s);
	}
	fx_tbl_free(&names);
	return l;
}

/* ---- nodes, edges, workflows ---- */

void fxp_parse_fail(struct pctx *c, cJSON *o, struct fx_node *n)
{
	cJSON *d;
	fxp_check_keys(c, o, fail_keys);
	struct fx_failure *f = n->fail = xcalloc(1, sizeof *f);
	f->error = fxp_get_nonempty_str(c, o, "error");
	int st = fxp_get_enum(c, o, "error_strategy", FX_STRATEGY_NONE, strategies, "error strategy");
	f->strategy = st >= 0 ? (enum fx_error_strategy)st : FX_STRATEGY_NONE;
	int r = fxp_get_typed(c, o, "default_outputs", OPTIONAL, T_OBJECT, &d);
	if (r > 0 && st >= 0 && st != FX_STRATEGY_DEFAULT_VALUE) {
		size_t s = fxp_push_key(c, "default_outputs");
		fxp_report(c, "only allowed with \"error_strategy\": \"default-value\"");
		fxp_pop(c, s);
	}
	if (f->strategy == FX_STRATEGY_DEFAULT_VALUE)
		f->default_outputs = d ? d : pooled(c, cJSON_CreateObject());
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
	free(fxp_get_nonempty_str(c, o, "id"));
	free(fxp_get_str(c, o, "name", REQUIRED, NULL));
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
	free(fxp_get_nonempty_str(c, o, "name"));
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
		free(get_uuid(c, o, "id"));
	free(fxp_get_str(c, o, "name", REQUIRED, NULL));
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

static void parse_datasource_extras(struct pctx *c, cJSON *o, const struct fx_node *n)
{
	static const char *const extras[] = { "datasource_parameters", "credentials", "browse" };
	cJSON *x;
	if (!n->type || strcmp(n->type, "datasource")) {
		for (size_t i = 0; i < 3; i++)
			if (n->type && cJSON_GetObjectItemCaseSensitive(o, extras[i]))
				report_at(c, extras[i], "only allowed on datasource nodes");
		return;
	}
	if (fxp_get_typed(c, o, "datasource_parameters", OPTIONAL, T_OBJECT, &x) > 0) {
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
	}
	if (fxp_get_typed(c, o, "credentials", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "credentials");
		each_object(c, x, parse_credential, 0);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "browse", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "browse");
		parse_browse(c, x, n->datasource_type);
		fxp_pop(c, s);
	}
}

static void parse_node(struct pctx *c, cJSON *o, struct fx_node *n)
{
	cJSON *x;
	if (!fxp_expect(c, o, T_OBJECT))
		return;
	fxp_check_keys(c, o, node_keys);
	n->raw = o;
	n->id = fxp_get_nonempty_str(c, o, "id");
	int t = fxp_get_enum(c, o, "type", -1, node_types, "node type");
	n->type = t >= 0 ? xstrdup(node_types[t]) : NULL;
	n->title = fxp_get_str(c, o, "title", OPTIONAL, n->type);
	fxp_get_typed(c, o, "icon", OPTIONAL, T_STRING | T_OBJECT, &n->icon);
	bool is_ds = n->type && !strcmp(n->type, "datasource");
	int dt = -1;
	if (is_ds) {
		dt = fxp_get_enum(c, o, "datasource_type", -1, ds_types, "datasource type");
		n->datasource_type = dt >= 0 ? xstrdup(ds_types[dt]) : NULL;
	} else if (n->type && member(o, "datasource_type")) {
		size_t s = fxp_push_key(c, "datasource_type");
		fxp_report(c, "only allowed on datasource nodes");
		fxp_pop(c, s);
	}
	n->plugin_id = fxp_get_str(c, o, "plugin_id", OPTIONAL, dt >= 0 ? ds_plugin_ids[dt] : NULL);
	n->provider_name = fxp_get_str(c, o, "provider_name", OPTIONAL, dt >= 0 ? ds_providers[dt] : NULL);
	n->duration_ms = fxp_get_uint(c, o, "duration_ms", 0, FX_MAX_DURATION_MS);
	n->inputs = member(o, "inputs");
	n->outputs = member(o, "outputs");
	n->process_data = member(o, "process_data");
	n->execution_metadata = member(o, "execution_metadata");
	if (fxp_get_typed(c, o, "fail", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "fail");
		fxp_parse_fail(c, x, n);
		fxp_pop(c, s);
	}
	parse_datasource_extras(c, o, n);
}

static void node_done(struct fx_node *n)
{
	free(n->id);
	free(n->type);
	free(n->title);
	free(n->datasource_type);
	free(n->plugin_id);
	free(n->provider_name);
	if (n->fail) {
		free(n->fail->error);
		free(n->fail);
	}
	free(n->next);
	free(n->fail_next);
}

static void workflow_free(struct fx_workflow *wf)
{
	if (!wf)
		return;
	free(wf->id);
	for (size_t i = 0; i < wf->n_nodes; i++)
		node_done(&wf->nodes[i]);
	free(wf->nodes);
	free(wf->order);
	for (size_t i = 0; wf->plans && i < wf->n_nodes; i++)
		fx_plan_free(atomic_load(&wf->plans[i]));
	free(wf->plans);
	struct var_list l = { wf->vars, wf->n_vars };
	var_list_done(&l);
	free(wf);
}

struct edge {
	size_t from, to;
	bool fail;
};

/* One node on a cycle over the edges, or -1. Iterative DFS in node and edge
 * order, so the node named is always the same for the same fixture. */
static long find_cycle(size_t n, const struct edge *edges, size_t n_edges)
{
	size_t *off = xcalloc(n + 1, sizeof *off), *adj = xcalloc(n_edges, sizeof *adj);
	size_t *stack = xcalloc(n, sizeof *stack), *pos = xcalloc(n, sizeof *pos);
	unsigned char *color = xcalloc(n, 1); /* 0 new, 1 on the stack, 2 done */
	long found = -1;
	for (size_t e = 0; e < n_edges; e++)
		off[edges[e].from + 1]++;
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	for (size_t e = 0, *fill = pos; e < n_edges; e++)
		adj[off[edges[e].from] + fill[edges[e].from]++] = edges[e].to;
	for (size_t root = 0; root < n && found < 0; root++) {
		if (color[root])
			continue;
		size_t sp = 0;
		stack[sp] = root;
		pos[sp++] = off[root];
		color[root] = 1;
		while (sp && found < 0) {
			size_t u = stack[sp - 1];
			if (pos[sp - 1] == off[u + 1]) {
				color[u] = 2;
				sp--;
				continue;
			}
			size_t v = adj[pos[sp - 1]++];
			if (color[v] == 1) {
				found = (long)v;
			} else if (!color[v]) {
				color[v] = 1;
				stack[sp] = v;
				pos[sp++] = off[v];
			}
		}
	}
	free(off);
	free(adj);
	free(stack);
	free(pos);
	free(color);
	return found;
}

/* Fills next/fail_next from the edges, in edge order, without repeats. */
static void link_nodes(struct fx_workflow *wf, const struct edge *edges, size_t n_edges)
{
	size_t *seen = xcalloc(wf->n_nodes, sizeof *seen);
	size_t *seen_fail = xcalloc(wf->n_nodes, sizeof *seen_fail);
	for (size_t e = 0; e < n_edges; e++) {
		struct fx_node *n = &wf->nodes[edges[e].from];
		if (edges[e].fail)
			n->n_fail_next++;
		else
			n->n_next++;
	}
	for (size_t i = 0; i < wf->n_nodes; i++) {
		struct fx_node *n = &wf->nodes[i];
		n->next = n->n_next ? xcalloc(n->n_next, sizeof *n->next) : NULL;
		n->fail_next = n->n_fail_next ? xcalloc(n->n_fail_next, sizeof *n->fail_next) : NULL;
		n->n_next = n->n_fail_next = 0;
	}
	/* seen[v] == u + 1: the edge u -> v is already linked */
	for (size_t e = 0; e < n_edges; e++) {
		size_t u = edges[e].from, v = edges[e].to;
		struct fx_node *n = &wf->nodes[u];
		if (edges[e].fail) {
			if (seen_fail[v] != u + 1)
				n->fail_next[n->n_fail_next++] = v;
			seen_fail[v] = u + 1;
		} else {
			if (seen[v] != u + 1)
				n->next[n->n_next++] = v;
			seen[v] = u + 1;
		}
	}
	free(seen);
	free(seen_fail);
}

/* The index of the node named by the string member key, or -1. */
static long edge_end(struct pctx *c, cJSON *o, const char *key, const struct fx_tbl *ids)
{
	char *id = fxp_get_str(c, o, key, REQUIRED, NULL);
	if (!id)
		return -1;
	void *v = fx_tbl_get(ids, id, strlen(id));
	if (!v) {
		size_t s = fxp_push_key(c, key);
		fxp_report(c, "unknown node %s", fx_quote(id).s);
		fxp_pop(c, s);
	}
	free(id);
	return v ? (long)((uintptr_t)v - 1) : -1;
}

/* Sift helpers for a min-heap of node indexes. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;
	for (h[i] = v; i && h[(i - 1) / 2] > h[i]; i = (i - 1) / 2) {
		size_t t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0];
	h[0] = h[--*n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
	return top;
}

/* Kahn's algorithm with the lowest ready index first: the simulator walks
 * this order, so runs are stable and planning a run is linear. Computed once
 * here, not per request. Call only on an acyclic graph. */
static size_t *topo_order(const struct fx_workflow *wf)
{
	size_t n = wf->n_nodes, *indeg = xcalloc(n, sizeof *indeg), *ready = xcalloc(n, sizeof *ready);
	size_t *order = xcalloc(n, sizeof *order), n_ready = 0, done = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < wf->nodes[i].n_next; k++)
			indeg[wf->nodes[i].next[k]]++;
		for (size_t k = 0; k < wf->nodes[i].n_fail_next; k++)
			indeg[wf->nodes[i].fail_next[k]]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(ready, &n_ready, i);
	while (n_ready) {
		size_t u = heap_pop(ready, &n_ready);
		const struct fx_node *nd = &wf->nodes[u];
		order[done++] = u;
		for (size_t k = 0; k < nd->n_next; k++)
			if (!--indeg[nd->next[k]])
				heap_push(ready, &n_ready, nd->next[k]);
		for (size_t k = 0; k < nd->n_fail_next; k++)
			if (!--indeg[nd->fail_next[k]])
				heap_push(ready, &n_ready, nd->fail_next[k]);
	}
	free(indeg);
	free(ready);
	return order;
}

static void parse_edges(struct pctx *c, cJSON *arr, struct fx_workflow *wf, const struct fx_tbl *ids)
{
	struct edge *edges = NULL;
	size_t n_edges = 0, cap = 0, i = 0;
	cJSON *o;
	cJSON_ArrayForEach(o, arr) {
		size_t s = fxp_push_index(c, i++);
		if (fxp_expect(c, o, T_OBJECT)) {
			fxp_check_keys(c, o, edge_keys);
			long from = edge_end(c, o, "source", ids);
			long to = edge_end(c, o, "target", ids);
			char *handle = fxp_get_str(c, o, "source_handle", OPTIONAL, "source");
			if (from >= 0 && to >= 0 && handle) {
				GROW(edges, n_edges, cap);
				edges[n_edges++] = (struct edge){ (size_t)from, (size_t)to, !strcmp(handle, "fail-branch") };
			}
			free(handle);
		}
		fxp_pop(c, s);
	}
	long cyc = find_cycle(wf->n_nodes, edges, n_edges);
	if (cyc >= 0)
		fxp_report(c, "cycle through node %s", fx_quote(wf->nodes[cyc].id).s);
	link_nodes(wf, edges, n_edges);
	if (cyc < 0) {
		wf->order = topo_order(wf);
		wf->plans = xcalloc(wf->n_nodes, sizeof *wf->plans);
	}
	free(edges);
}

/* Variables must belong to a node of the workflow, or be "shared". */
static void check_belong(struct pctx *c, const struct fx_workflow *wf, const struct fx_variable *vars, size_t n,
			 const char *which)
{
	for (size_t i = 0; i < n; i++) {
		const char *b = vars[i].belong_to_node_id;
		if (!b || !strcmp(b, "shared") || fx_workflow_node_index(wf, b) >= 0)
			continue;
		size_t s = fxp_push_index(c, i);
		fxp_push_key(c, "belong_to_node_id");
		fxp_report(c, "unknown node %s%s%s", fx_quote(b).s, which ? " in the " : "", which ? which : "");
		fxp_pop(c, s);
	}
}

/* *ret_own_vars: the workflow has its own "variables" key. */
static struct fx_workflow *parse_workflow(struct pctx *c, cJSON *o, bool *ret_own_vars)
{
	cJSON *x;
	struct fx_workflow *wf = xcalloc(1, sizeof *wf);
	struct fx_tbl ids = { NULL, 0, 0 };
	fxp_check_keys(c, o, wf_keys);
	wf->id = get_uuid(c, o, "id");
	if (fxp_get_typed(c, o, "nodes", REQUIRED, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "nodes");
		size_t n = (size_t)cJSON_GetArraySize(x);
		if (!n)
			fxp_report(c, "must not be empty");
		wf->nodes = xcalloc(n, sizeof *wf->nodes);
		cJSON *item;
		cJSON_ArrayForEach(item, x) {
			size_t i = wf->n_nodes++, s2 = fxp_push_index(c, i);
			struct fx_node *node = &wf->nodes[i];
			parse_node(c, item, node);
			void *first = node->id ? fx_tbl_add(&ids, node->id, strlen(node->id), (void *)(uintptr_t)(i + 1)) : NULL;
			if (first) {
				size_t s3 = fxp_push_key(c, "id");
				fxp_report(c, "duplicate node id %s (first defined at %.*s[%zu])", fx_quote(node->id).s, (int)s2,
				       c->path.data, (size_t)((uintptr_t)first - 1));
				fxp_pop(c, s3);
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	/* Never NULL, even when "nodes" is missing or not an array (reported
	 * above): the rest of the file is still checked, and scenarios copy the
	 * array (memcpy from NULL is undefined even for 0 bytes). */
	if (!wf->nodes)
		wf->nodes = xcalloc(1, sizeof *wf->nodes);
	if (fxp_get_typed(c, o, "edges", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "edges");
		parse_edges(c, x, wf, &ids);
		fxp_pop(c, s);
	} else {
		wf->order = topo_order(wf);
		wf->plans = xcalloc(wf->n_nodes, sizeof *wf->plans);
	}
	int r = fxp_get_typed(c, o, "variables", OPTIONAL, T_ARRAY, &x);
	*ret_own_vars = r != 0;
	if (r > 0) {
		size_t s = fxp_push_key(c, "variables");
		struct var_list l = parse_variables(c, x);
		wf->vars = l.v;
		wf->n_vars = l.n;
		check_belong(c, wf, wf->vars, wf->n_vars, NULL);
		fxp_pop(c, s);
	}
	fx_tbl_free(&ids);
	return wf;
}

static void pipeline_free(struct fx_pipeline *p)
{
	if (!p)
		return;
	free(p->id);
	workflow_free(p->published);
	workflow_free(p->draft);
	free(p);
}

static struct fx_pipeline *parse_pipeline(struct pctx *c, cJSON *o)
{
	static const char *const which[] = { "published", "draft" };
	struct fx_pipeline *p = xcalloc(1, sizeof *p);
	struct var_list shared = { NULL, 0 };
	cJSON *x;
	fxp_check_keys(c, o, pipeline_keys);
	p->id = get_uuid(c, o, "id");
	if (fxp_get_typed(c, o, "variables", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "variables");
		shared = parse_variables(c, x);
		fxp_pop(c, s);
	}
	for (int k = 0; k < 2; k++) {
		struct fx_workflow **slot = k ? &p->draft : &p->published;
		bool own = false;
		if (fxp_get_typed(c, o, which[k], OPTIONAL, T_OBJECT | T_NULL, &x) <= 0 || cJSON_IsNull(x))
			continue;
		size_t s = fxp_push_key(c, which[k]);
		*slot = parse_workflow(c, x, &own);
		fxp_pop(c, s);
		if (own || !shared.n)
			continue;
		struct fx_workflow *wf = *slot;
		wf->vars = xcalloc(shared.n, sizeof *wf->vars);
		for (size_t i = 0; i < shared.n; i++) {
			struct fx_variable *d = &wf->vars[i];
			*d = shared.v[i];
			d->variable = d->variable ? xstrdup(d->variable) : NULL;
			d->type = d->type ? xstrdup(d->type) : NULL;
			d->belong_to_node_id = d->belong_to_node_id ? xstrdup(d->belong_to_node_id) : NULL;
		}
		wf->n_vars = shared.n;
		s = fxp_push_key(c, "variables");
		char where[32];
		snprintf(where, sizeof where, "%s workflow", which[k]);
		check_belong(c, wf, wf->vars, wf->n_vars, where);
		fxp_pop(c, s);
	}
	var_list_done(&shared);
	return p;
}

/* ---- workspaces, knowledge bases, the file ---- */

void fx_workspace_free(struct fx_workspace *ws)
{
	if (!ws)
		return;
	free(ws->id);
	free(ws->name);
	free(ws->owner.id);
	free(ws->owner.name);
	free(ws->owner.email);
	for (size_t i = 0; i < ws->n_api_keys; i++)
		free(ws->api_keys[i]);
	free(ws->api_keys);
	free(ws);
}

void fx_kb_free(struct fx_kb *kb)
{
	if (!kb)
		return;
	free(kb->id);
	free(kb->name);
	free(kb->description);
	free(kb->chunk_structure);
	fx_scenarios_free(kb);
	pipeline_free(kb->pipeline);
	free(kb);
}

static struct fx_workspace *parse_workspace(struct pctx *c, cJSON *o)
{
	cJSON *x, *k;
	if (!fxp_expect(c, o, T_OBJECT))
		return NULL;
	fxp_check_keys(c, o, ws_keys);
	struct fx_workspace *ws = xcalloc(1, sizeof *ws);
	ws->raw = o;
	ws->id = get_uuid(c, o, "id");
	ws->name = fxp_get_str(c, o, "name", REQUIRED, NULL);
	char *status = fxp_get_str(c, o, "status", OPTIONAL, "normal");
	ws->status = status && strcmp(status, "normal") ? FX_TENANT_ARCHIVED : FX_TENANT_NORMAL;
	free(status);
	if (fxp_get_typed(c, o, "owner", REQUIRED, T_OBJECT | T_NULL, &x) > 0 && cJSON_IsObject(x)) {
		size_t s = fxp_push_key(c, "owner");
		fxp_check_keys(c, x, owner_keys);
		ws->has_owner = true;
		ws->owner.id = get_uuid(c, x, "id");
		ws->owner.name = fxp_get_str(c, x, "name", REQUIRED, NULL);
		ws->owner.email = fxp_get_str(c, x, "email", REQUIRED, NULL);
		ws->owner_account_exists = fxp_get_bool(c, x, "account_exists", true);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "api_keys", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "api_keys"), i = 0;
		ws->api_keys = xcalloc((size_t)cJSON_GetArraySize(x), sizeof *ws->api_keys);
		cJSON_ArrayForEach(k, x) {
			size_t s2 = fxp_push_index(c, i++);
			if (fxp_expect(c, k, T_STRING)) {
				if (strncmp(k->valuestring, "dataset-", 8) || !k->valuestring[8])
					fxp_report(c, "API key must start with \"dataset-\" and go on after it");
				else
					ws->api_keys[ws->n_api_keys++] = xstrdup(k->valuestring);
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	return ws;
}

static struct fx_kb *parse_kb(struct pctx *c, cJSON *o, char **ret_ws_ref)
{
	cJSON *x;
	*ret_ws_ref = NULL;
	if (!fxp_expect(c, o, T_OBJECT))
		return NULL;
	fxp_check_keys(c, o, kb_keys);
	struct fx_kb *kb = xcalloc(1, sizeof *kb);
	kb->raw = o;
	kb->file = c->file;
	kb->id = get_uuid(c, o, "id");
	*ret_ws_ref = fxp_get_str(c, o, "workspace", REQUIRED, NULL);
	if (*ret_ws_ref && uuid_valid(*ret_ws_ref))
		lower(*ret_ws_ref);
	kb->name = fxp_get_str(c, o, "name", REQUIRED, NULL);
	kb->description = fxp_get_str(c, o, "description", OPTIONAL, "");
	int cs = fxp_get_enum(c, o, "chunk_structure", 0, chunk_structures, "chunk structure");
	kb->chunk_structure = cs >= 0 ? xstrdup(chunk_structures[cs]) : NULL;
	kb->api_enabled = fxp_get_bool(c, o, "api_enabled", true);
	kb->initial_documents = (unsigned)fxp_get_uint(c, o, "documents", 0, FX_MAX_COUNT);
	fxp_get_bool(c, o, "strict_file_references", false); /* read from raw when runs need it */
	if (fxp_get_typed(c, o, "pipeline", OPTIONAL, T_OBJECT | T_NULL, &x) > 0 && cJSON_IsObject(x)) {
		size_t s = fxp_push_key(c, "pipeline");
		kb->pipeline = parse_pipeline(c, x);
		fxp_pop(c, s);
	}
	fx_parse_scenarios(c, o, kb);
	return kb;
}

void fx_parse_document(struct fx_loader *L, const char *file, cJSON *doc)
{
	struct pctx c = { L, file, BUF_INIT };
	cJSON *x, *item;
	if (!fxp_expect(&c, doc, T_OBJECT))
		return;
	fxp_check_keys(&c, doc, root_keys);
	if (fxp_get_typed(&c, doc, "version", OPTIONAL, T_INT, &x) > 0) {
		uint64_t v;
		if (!int_value(x, UINT64_MAX, &v) || v != 1) {
			size_t s = fxp_push_key(&c, "version");
			fxp_report(&c, "unsupported version %s (only 1 is supported)", x->valuestring ? x->valuestring : "?");
			fxp_pop(&c, s);
		}
	}
	if (fxp_get_typed(&c, doc, "workspaces", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t i = 0;
		cJSON_ArrayForEach(item, x) {
			size_t s = fxp_push_key(&c, "workspaces");
			fxp_push_index(&c, i++);
			struct fx_workspace *ws = parse_workspace(&c, item);
			if (ws) {
				GROW(L->ws, L->n_ws, L->cap_ws);
				L->ws[L->n_ws++] = (struct fx_ws_entry){ ws, file, xstrdup(c.path.data) };
			}
			fxp_pop(&c, s);
		}
	}
	if (fxp_get_typed(&c, doc, "knowledge_bases", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t i = 0;
		cJSON_ArrayForEach(item, x) {
			size_t s = fxp_push_key(&c, "knowledge_bases");
			fxp_push_index(&c, i++);
			char *ref;
			struct fx_kb *kb = parse_kb(&c, item, &ref);
			if (kb) {
				GROW(L->kbs, L->n_kbs, L->cap_kbs);
				L->kbs[L->n_kbs++] = (struct fx_kb_entry){ kb, ref, xstrdup(c.path.data) };
			}
			fxp_pop(&c, s);
		}
	}
	buf_free(&c.path);
}
