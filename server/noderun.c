/* noderun.c -- RagPipelineService.run_datasource_workflow_node as a script of
 * timed SSE blocks. */
#include "noderun.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "plugins.h"
#include "pyrepr.h"
#include "request.h"
#include "template.h"

#define PYD_URL "https://errors.pydantic.dev/2.12/v/"
#define MAX_KEYS_CAP 1000

/* ---- the body ---- */

static const struct pyd_field payload_fields[] = {
	{ "inputs", PYD_DICT, true },
	{ "datasource_type", PYD_STR, true },
	{ "credential_id", PYD_STR_OR_NULL, false },
	{ "is_published", PYD_BOOL, true },
};
#define N_FIELDS ((int)(sizeof payload_fields / sizeof payload_fields[0]))

int noderun_parse(cJSON *root, struct noderun_payload *ret, struct dm_error *reterr)
{
	const cJSON *v[N_FIELDS];
	bool b[N_FIELDS];
	memset(ret, 0, sizeof *ret);
	if (pydantic_parse_body(root, "DatasourceNodeRunPayload", payload_fields, N_FIELDS, &root, v, b, reterr))
		return -1;
	ret->root = root;
	ret->inputs = v[0];
	ret->datasource_type = v[1]->valuestring;
	ret->credential_id = v[2] ? v[2]->valuestring : NULL;
	ret->is_published = b[3];
	return 0;
}

void noderun_payload_free(struct noderun_payload *p)
{
	if (!p)
		return;
	cJSON_Delete(p->root);
	memset(p, 0, sizeof *p);
}

/* ---- events ---- */

/* Adds "data: <orjson>\n\n" at at_ms; takes e. */
static void add(struct sse_script *s, uint64_t at_ms, cJSON *e)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "data: ");
	json_write(&b, e, JSON_ORJSON);
	buf_puts(&b, "\n\n");
	sse_script_add(s, at_ms, b.data);
	buf_free(&b);
	cJSON_Delete(e);
}

static cJSON *int_or_null(long long v, bool null)
{
	return null ? cJSON_CreateNull() : json_int(v);
}

static void processing(struct sse_script *s, uint64_t at_ms, long long total, long long completed)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "event", "datasource_processing");
	cJSON_AddItemToObject(e, "total", json_int(total));
	cJSON_AddItemToObject(e, "completed", json_int(completed));
	add(s, at_ms, e);
}

/* data is taken. null_counts: online_drive's total/completed None. */
static void completed(struct sse_script *s, uint64_t at_ms, cJSON *data, long long total, long long done,
		      bool null_counts, uint64_t elapsed_ms)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "event", "datasource_completed");
	cJSON_AddItemToObject(e, "data", data);
	cJSON_AddItemToObject(e, "total", int_or_null(total, null_counts));
	cJSON_AddItemToObject(e, "completed", int_or_null(done, null_counts));
	/* round(end - start, 2) */
	cJSON_AddItemToObject(e, "time_consuming", json_float(round((double)elapsed_ms / 10.0) / 100.0));
	add(s, at_ms, e);
}

static void error_event(struct sse_script *s, uint64_t at_ms, const char *msg)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "event", "datasource_error");
	cJSON_AddStringToObject(e, "error", msg);
	add(s, at_ms, e);
}

void noderun_local_file_error(struct buf *out)
{
	uint64_t addr = UINT64_C(0x7f0000000000) | ((ids_random64() & UINT64_C(0xffffffffff)) & ~UINT64_C(0xf));
	buf_printf(out,
		   "Unsupported datasource provider: <bound method LocalFileDatasourcePlugin.datasource_provider_type of "
		   "<core.datasource.local_file.local_file_plugin.LocalFileDatasourcePlugin object at 0x%llx>>",
		   (unsigned long long)addr);
}

/* ---- OnlineDriveBrowseFilesRequest(bucket, prefix, max_keys, next_page_parameters) ---- */

struct drive_request {
	const char *bucket;            /* NULL: None */
	const char *prefix;
	unsigned long long max_keys;   /* clamped to 1..MAX_KEYS_CAP */
	const cJSON *next_page;        /* NULL: None */
};

struct pyd_errors {
	struct buf text;
	int n;
};

static void pyd_error(struct pyd_errors *e, const char *loc, const char *type, const char *msg, const cJSON *input)
{
	if (e->n++)
		buf_putc(&e->text, '\n');
	buf_printf(&e->text, "%s\n  %s [type=%s, input_value=", loc, msg, type);
	pyrepr_pydantic(&e->text, input);
	buf_printf(&e->text, ", input_type=%s]\n    For further information visit " PYD_URL "%s", pyrepr_type_name(input),
		   type);
}

/* pydantic's lax int from a str: whitespace stripped, a sign, digits with
 * single underscores between them, an optional ".0...". */
static bool str_int(const char *s, long double *ret)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	const char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		end--;
	bool neg = false;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	long double v = 0;
	bool digit = false;
	for (; s < end && *s != '.'; s++) {
		if (*s == '_' && digit && s + 1 < end && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		digit = true;
	}
	if (!digit)
		return false;
	if (s < end) { /* ".0+" */
		if (++s == end)
			return false;
		for (; s < end; s++)
			if (*s != '0')
				return false;
	}
	*ret = neg ? -v : v;
	return true;
}

/* Returns NULL, or the pydantic message (heap). */
static char *drive_request(const cJSON *inputs, struct drive_request *r)
{
	struct pyd_errors e = { BUF_INIT, 0 };
	const cJSON *bucket = json_get(inputs, "bucket"), *prefix = json_get(inputs, "prefix");
	const cJSON *max_keys = json_get(inputs, "max_keys"), *next = json_get(inputs, "next_page_parameters");
	*r = (struct drive_request){ NULL, "", 20, NULL };
	if (bucket && !cJSON_IsNull(bucket)) {
		if (cJSON_IsString(bucket))
			r->bucket = bucket->valuestring;
		else
			pyd_error(&e, "bucket", "string_type", "Input should be a valid string", bucket);
	}
	if (prefix) {
		if (cJSON_IsString(prefix))
			r->prefix = prefix->valuestring;
		else
			pyd_error(&e, "prefix", "string_type", "Input should be a valid string", prefix);
	}
	if (max_keys) {
		long double v = 20;
		bool ok = true;
		if (cJSON_IsBool(max_keys)) {
			v = cJSON_IsTrue(max_keys);
		} else if (cJSON_IsNumber(max_keys) && json_is_float(max_keys)) {
			double d = max_keys->valuedouble;
			if (d != floor(d)) {
				ok = false;
				pyd_error(&e, "max_keys", "int_from_float",
					  "Input should be a valid integer, got a number with a fractional part", max_keys);
			} else if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
				ok = false;
				pyd_error(&e, "max_keys", "int_parsing_size",
					  "Unable to parse input string as an integer, exceeded maximum size", max_keys);
			}
			v = d;
		} else if (cJSON_IsNumber(max_keys)) {
			v = max_keys->valuestring ? strtold(max_keys->valuestring, NULL) : max_keys->valuedouble;
		} else if (cJSON_IsString(max_keys)) {
			if (!str_int(max_keys->valuestring, &v)) {
				ok = false;
				pyd_error(&e, "max_keys", "int_parsing",
					  "Input should be a valid integer, unable to parse string as an integer", max_keys);
			}
		} else {
			ok = false;
			pyd_error(&e, "max_keys", "int_type", "Input should be a valid integer", max_keys);
		}
		if (ok)
			r->max_keys = v < 1 ? 1 : v > MAX_KEYS_CAP ? MAX_KEYS_CAP : (unsigned long long)v;
	}
	if (next && !cJSON_IsNull(next)) {
		if (cJSON_IsObject(next))
			r->next_page = next;
		else
			pyd_error(&e, "next_page_parameters", "dict_type", "Input should be a valid dictionary", next);
	}
	if (!e.n) {
		buf_free(&e.text);
		return NULL;
	}
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%d validation error%s for OnlineDriveBrowseFilesRequest\n", e.n, e.n == 1 ? "" : "s");
	buf_append(&msg, e.text.data, e.text.len);
	buf_free(&e.text);
	return buf_steal(&msg, NULL);
}

/* The folder with this id anywhere under files, or NULL. */
static const cJSON *find_folder(const cJSON *files, const char *id, int depth)
{
	const cJSON *f;
	if (depth > 64)
		return NULL;
	cJSON_ArrayForEach(f, files) {
		const cJSON *fid = json_get(f, "id"), *children = json_get(f, "files");
		if (cJSON_IsString(fid) && !strcmp(fid->valuestring, id) && children)
			return children;
		const cJSON *in = find_folder(children, id, depth + 1);
		if (in)
			return in;
	}
	return NULL;
}

static cJSON *drive_entry(const char *id, const char *name, const cJSON *size, const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "size", size ? json_dup(size) : json_int(0));
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* [{"bucket", "files", "is_truncated", "next_page_parameters"}] */
static cJSON *drive_listing(const cJSON *browse, const struct drive_request *r)
{
	const cJSON *buckets = json_get(browse, "buckets"), *root = json_get(browse, "files");
	cJSON *listing = cJSON_CreateArray(); /* every entry of the folder, then paged */
	const char *bucket = r->bucket;
	if (buckets) {
		const cJSON *b;
		if (!bucket || !*bucket) {
			bucket = NULL;
			cJSON_ArrayForEach(b, buckets) {
				const cJSON *name = json_get(b, "name");
				if (!r->prefix[0] && cJSON_IsString(name))
					cJSON_AddItemToArray(listing, drive_entry(name->valuestring, name->valuestring, NULL,
										  "folder"));
			}
			root = NULL;
		} else {
			root = NULL;
			cJSON_ArrayForEach(b, buckets) {
				const cJSON *name = json_get(b, "name");
				if (cJSON_IsString(name) && !strcmp(name->valuestring, bucket))
					root = json_get(b, "files");
			}
		}
	}
	const cJSON *folder = root && r->prefix[0] ? find_folder(root, r->prefix, 0) : root, *f;
	cJSON_ArrayForEach(f, folder) {
		const cJSON *id = json_get(f, "id"), *name = json_get(f, "name"), *type = json_get(f, "type");
		cJSON_AddItemToArray(listing, drive_entry(cJSON_IsString(id) ? id->valuestring : "",
							  cJSON_IsString(name) ? name->valuestring : "", json_get(f, "size"),
							  cJSON_IsString(type) ? type->valuestring : "file"));
	}
	unsigned long long offset = 0, total = (unsigned long long)cJSON_GetArraySize(listing);
	const cJSON *off = json_get(r->next_page, "offset");
	if (cJSON_IsNumber(off) && off->valuedouble > 0)
		offset = off->valuedouble >= (double)total ? total : (unsigned long long)off->valuedouble;
	cJSON *page = cJSON_CreateArray();
	unsigned long long i = 0;
	cJSON *e, *next;
	for (e = listing->child; e; e = next, i++) {
		next = e->next;
		if (i >= offset && i < offset + r->max_keys)
			cJSON_AddItemToArray(page, cJSON_DetachItemViaPointer(listing, e));
	}
	cJSON_Delete(listing);
	bool truncated = offset + r->max_keys < total;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "bucket", bucket ? cJSON_CreateString(bucket) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "files", page);
	cJSON_AddBoolToObject(o, "is_truncated", truncated);
	if (truncated) {
		cJSON *np = cJSON_AddObjectToObject(o, "next_page_parameters");
		cJSON_AddItemToObject(np, "offset", json_int((long long)(offset + r->max_keys)));
	} else {
		cJSON_AddNullToObject(o, "next_page_parameters");
	}
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, o);
	return arr;
}

/* ---- the stream ---- */

static const char *const ds_types[] = { "local_file", "online_document", "website_crawl", "online_drive" };

static bool valid_type(const char *t)
{
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(t, ds_types[i]))
			return true;
	return false;
}

/* The browse result (an array), rendered; [] when the fixture has none. */
static cJSON *result(const struct fx_kb *kb, const struct fx_node *n, const cJSON *browse,
		     const struct noderun_payload *p)
{
	const cJSON *tpl = json_get(browse, "result");
	if (!tpl)
		return cJSON_CreateArray();
	struct template_ctx c = {
		.inputs = p->inputs,
		.datasource_type = p->datasource_type,
		.dataset_id = kb->id,
		.dataset_name = kb->name,
		.node_id = n->id,
		.node_title = n->title,
	};
	cJSON *r = template_render(tpl, &c);
	return r ? r : cJSON_CreateArray();
}

struct sse_script *noderun_script(const struct fx_kb *kb, const struct fx_workflow *wf, const char *node_id,
				  const struct noderun_payload *p)
{
	struct sse_script *s = sse_script_new(false);
	if (!wf) {
		error_event(s, 0, "Workflow not initialized");
		return s;
	}
	long idx = fx_workflow_node_index(wf, node_id);
	if (idx < 0) {
		error_event(s, 0, "Datasource node data not found");
		return s;
	}
	const struct fx_node *n = &wf->nodes[idx];
	struct buf msg = BUF_INIT;
	if (!valid_type(p->datasource_type)) {
		pyrepr_str(&msg, p->datasource_type);
		buf_puts(&msg, " is not a valid DatasourceProviderType");
		error_event(s, 0, msg.data);
		buf_free(&msg);
		return s;
	}
	if (strcmp(n->type, "datasource")) {
		buf_printf(&msg, "plugin provider %s/%s not found", n->plugin_id ? n->plugin_id : "None",
			   n->provider_name ? n->provider_name : "None");
		error_event(s, 0, msg.data);
		buf_free(&msg);
		return s;
	}
	/* get_datasource_credentials: an unknown id means no credentials */
	bool have_credentials = true;
	if (p->credential_id) {
		struct plugin_credential *c;
		size_t nc = plugins_credentials(kb, n, &c);
		have_credentials = false;
		for (size_t i = 0; i < nc; i++)
			have_credentials |= !strcmp(c[i].id, p->credential_id);
		free(c);
	}
	const char *type = p->datasource_type;
	if (!strcmp(type, "local_file")) {
		noderun_local_file_error(&msg);
		error_event(s, 0, msg.data);
		buf_free(&msg);
		return s;
	}
	const cJSON *browse = n->browse;
	const cJSON *dur = json_get(browse, "duration_ms");
	uint64_t d = cJSON_IsNumber(dur) && dur->valuedouble >= 0 ? (uint64_t)dur->valuedouble : n->duration_ms;
	const cJSON *fail = json_get(browse, "error");
	/* What the plugin call fails with, if it does (mock texts: Dify passes the
	 * plugin's own). A call that cannot start fails before any result; the
	 * fixture's browse.error fails where the results would come. */
	bool at_once = true;
	if (strcmp(type, n->datasource_type ? n->datasource_type : ""))
		buf_printf(&msg, "datasource %s/%s does not support %s", n->plugin_id ? n->plugin_id : "None",
			   n->provider_name ? n->provider_name : "None", type);
	else if (!have_credentials)
		buf_printf(&msg, "credential %s not found", p->credential_id);
	else if (cJSON_IsString(fail))
		buf_puts(&msg, fail->valuestring), at_once = false;
	const char *plugin_error = msg.len ? msg.data : NULL;

	if (!strcmp(type, "online_drive")) {
		struct drive_request r;
		char *bad = drive_request(p->inputs, &r);
		if (bad) {
			error_event(s, 0, bad);
			free(bad);
		} else {
			processing(s, 0, 0, 0);
			if (plugin_error)
				error_event(s, d, plugin_error);
			else
				completed(s, d, drive_listing(browse, &r), 0, 0, true, d);
		}
	} else if (!strcmp(type, "online_document")) {
		processing(s, 0, 0, 0);
		if (plugin_error)
			error_event(s, d, plugin_error);
		else
			completed(s, d, result(kb, n, browse, p), 0, 0, false, d);
	} else if (plugin_error && at_once) { /* website_crawl: no first event */
		error_event(s, 0, plugin_error);
	} else { /* website_crawl: progress as pages are crawled */
		cJSON *pages = result(kb, n, browse, p);
		long long total = cJSON_GetArraySize(pages);
		for (long long k = 0; k < total; k++)
			processing(s, (uint64_t)((double)d * (double)k / (double)total), total, k);
		if (plugin_error) {
			cJSON_Delete(pages);
			error_event(s, d, plugin_error);
		} else {
			completed(s, d, pages, total, total, false, d);
		}
	}
	buf_free(&msg);
	return s;
}
