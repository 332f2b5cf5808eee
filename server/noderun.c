/* noderun.c -- RagPipelineService.run_datasource_workflow_node as a script of
 * timed SSE blocks. */
#include "noderun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "ids.h"
#include "json.h"
#include "plugins.h"
#include "pyrepr.h"
#include "request.h"
#include "template.h"


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

/* ---- the stream ---- */

static bool valid_type(const char *t)
{
	return fx_ds_kind_of(t) != FX_DS_NONE;
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
	if (plugins_provider_missing(n, &msg)) {
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
	bool late;
	const char *plugin_error =
		plugins_call_fails(n, type, have_credentials ? NULL : p->credential_id, &msg, &late) ? msg.data : NULL;
	bool at_once = !late;

	if (!strcmp(type, "online_drive")) {
		struct drive_request r;
		char *bad = drive_request_parse(p->inputs, &r);
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
