/* api.c -- POST /v1/datasets/{id}/pipeline/run, step by step as Dify runs it. */
#include "api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auth.h"
#include "drive.h"
#include "error.h"
#include "json.h"
#include "noderun.h"
#include "plugins.h"
#include "published.h"
#include "pyrepr.h"
#include "request.h"
#include "route.h"
#include "upload.h"
#include "variables.h"

static const char html_404[] =
	"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
	"<p>The requested URL was not found on the server. If you entered the URL manually please check your "
	"spelling and try again.</p>\n";

#define CT_JSON "application/json"
#define CT_JSON_UTF8 "application/json; charset=utf-8"
#define CT_HTML "text/html; charset=utf-8"

void api_response_header(struct api_response *res, const char *name, const char *value)
{
	if (res->n_headers == API_MAX_HEADERS)
		return;
	char *copy = xstrdup(value);
	res->headers[res->n_headers++] = (struct api_header){ name, copy, copy };
}

void api_response_header_const(struct api_response *res, const char *name, const char *value)
{
	if (res->n_headers == API_MAX_HEADERS)
		return;
	res->headers[res->n_headers++] = (struct api_header){ name, value, NULL };
}

void api_response_free(struct api_response *res)
{
	for (size_t i = 0; i < res->n_headers; i++)
		free(res->headers[i].owned);
	free(res->body);
	run_free(res->run);
	sse_script_free(res->script);
	*res = (struct api_response){ 0 };
}

static void set_body(struct api_response *res, unsigned status, const char *ct, struct buf *b)
{
	res->status = status;
	res->content_type = ct;
	res->body = buf_steal(b, &res->body_len);
}

/* flask-cors on the /v1 blueprint: "*" even without Origin; an Origin is
 * echoed with Vary. Routing 404s and 405s never get here. */
static void cors(const struct api_request *req, struct api_response *res, bool preflight)
{
	if (req->origin)
		api_response_header(res, "Access-Control-Allow-Origin", req->origin);
	else
		api_response_header_const(res, "Access-Control-Allow-Origin", "*");
	api_response_header_const(res, "Access-Control-Expose-Headers", "X-Env, X-Trace-Id, X-Version");
	if (preflight)
		api_response_header_const(res, "Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT");
	if (req->origin)
		api_response_header_const(res, "Vary", "Origin");
}

/* The requested headers flask-cors lets through, lower-cased and sorted
 * (flask-cors joins sorted(matching_headers)). */
static void allowed_request_headers(const char *requested, struct buf *out)
{
	static const char *allowed[] = { "authorization", "content-type", "x-app-code", "x-app-passport" };
	bool seen[4] = { false };
	const char *p = requested;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ',')
			p++;
		const char *e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		size_t n = (size_t)(e - s);
		for (size_t i = 0; n && i < 4; i++)
			if (strlen(allowed[i]) == n && !strncasecmp(s, allowed[i], n))
				seen[i] = true;
	}
	for (size_t i = 0; i < 4; i++) {
		if (!seen[i])
			continue;
		if (out->len)
			buf_puts(out, ", ");
		buf_puts(out, allowed[i]);
	}
}

static void error_response(const struct dm_error *err, const struct api_request *req, struct api_response *res,
			   bool with_cors)
{
	struct buf b = BUF_INIT;
	dm_error_body(err, &b);
	set_body(res, err->status, CT_JSON, &b);
	if (err->status == 401)
		api_response_header_const(res, "WWW-Authenticate", "Bearer realm=\"api\"");
	if (with_cors)
		cors(req, res, false);
}

/* Flask's request.is_json: application/json, or application/ with a +json suffix. */
static bool is_json_mimetype(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == 16 && !strncasecmp(ct, "application/json", 16))
		return true;
	return n > 17 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5);
}

static int run_error(struct dm_error *err, const char *msg)
{
	return dm_error_set(err, 500, "pipeline_run_error", "%s", msg);
}

static void published_answer(const struct api_request *req, const struct fx_kb *kb, const char *datasource_type,
			     const cJSON *items, unsigned first, char (*ids)[IDS_UUID_LEN + 1], char batch[21],
			     struct api_response *res)
{
	published_batch(req->now_ms, batch);
	struct buf b = BUF_INIT;
	published_body(kb, batch, datasource_type, items, first, ids, &b);
	set_body(res, 200, CT_JSON_UTF8, &b);
}

static double time_scale(const struct api_ctx *ctx)
{
	return ctx->time_scale ? *ctx->time_scale : 1.0;
}

/* One request being answered. */
struct call {
	const struct api_ctx *ctx;
	const struct api_request *req;
	struct api_response *res;
	struct fixtures *fx;           /* a reference for the call */
	const struct fx_scenario *sc;  /* NULL: normal behaviour */
};

/* The workflow a run uses: the scenario's copy when it changes nodes. */
static const struct fx_workflow *workflow_for(const struct call *c, const struct fx_kb *kb, bool published)
{
	const struct fx_workflow *wf = published ? kb->pipeline->published : kb->pipeline->draft;
	if (wf && c->sc) {
		const struct fx_workflow *changed = published ? c->sc->published : c->sc->draft;
		if (changed)
			wf = changed;
	}
	return wf;
}

/* Everything after get_pipeline: Dify wraps it in try/except -> 500
 * pipeline_run_error with str(exception) (wire.md §4.3). Returns -1 on error. */
static int generate_items(const struct call *c, const struct fx_kb *kb, const struct run_request *rr,
			  const struct fx_workflow *wf, const cJSON *items, struct dm_error *err);

static int generate(const struct call *c, const struct fx_kb *kb, const struct run_request *rr,
		    struct dm_error *err)
{
	const struct api_ctx *ctx = c->ctx;
	const struct fx_workflow *wf = workflow_for(c, kb, rr->is_published);
	if (!wf)
		return run_error(err, rr->is_published ? "Workflow not published" : "Workflow not initialized");
	if (fx_ds_kind_of(rr->datasource_type) == FX_DS_NONE) {
		struct buf m = BUF_INIT;
		pyrepr_str(&m, rr->datasource_type);
		buf_puts(&m, " is not a valid DatasourceProviderType");
		return dm_error_take(err, 500, "pipeline_run_error", buf_steal(&m, NULL));
	}
	if (strcmp(rr->datasource_type, "online_drive"))
		return generate_items(c, kb, rr, wf, rr->datasource_info_list, err);
	/* online_drive items are rewritten, and folders expanded, first. */
	long start = fx_workflow_node_index(wf, rr->start_node_id);
	if (start < 0)
		return run_error(err, "Datasource node data not found");
	cJSON *items;
	char *msg;
	if (drive_expand(&wf->nodes[start], rr->datasource_info_list, ctx->dify_version, &items, &msg))
		return dm_error_take(err, 500, "pipeline_run_error", msg);
	int rc = generate_items(c, kb, rr, wf, items, err);
	cJSON_Delete(items);
	return rc;
}

/* The runs of items (the request's, or online_drive's rewritten ones). */
static int generate_items(const struct call *c, const struct fx_kb *kb, const struct run_request *rr,
			  const struct fx_workflow *wf, const cJSON *items, struct dm_error *err)
{
	const struct api_ctx *ctx = c->ctx;
	const struct api_request *req = c->req;
	struct api_response *res = c->res;
	unsigned n_items = (unsigned)cJSON_GetArraySize(items);
	if (rr->is_published) {
		/* 1.13.3 commits the documents before it checks the inputs (once
		 * per item), so a bad input still uses up positions; from 1.17
		 * on they are made after. */
		bool early = ctx->dify_version == DIFY_1_13_3;
		unsigned first = early && n_items ? documents_reserve_positions(ctx->docs, kb, n_items) : 1;
		cJSON *inputs = NULL;
		for (unsigned i = 0; i < n_items; i++) {
			cJSON_Delete(inputs);
			if (variables_prepare(wf, rr->start_node_id, rr->inputs, &inputs, err))
				return -1;
		}
		if (!early && n_items)
			first = documents_reserve_positions(ctx->docs, kb, n_items);
		char (*ids)[IDS_UUID_LEN + 1] = xcalloc(n_items ? n_items : 1, sizeof *ids);
		char batch[21];
		published_answer(req, kb, rr->datasource_type, items, first, ids, batch, res);
		struct published_run pr = {
			.docs = ctx->docs,
			.fx = c->fx,
			.kb = kb,
			.wf = wf,
			.start_node_id = rr->start_node_id,
			.datasource_type = rr->datasource_type,
			.batch = batch,
			.items = items,
			.inputs = inputs,
			.first_position = first,
			.ids = (const char(*)[IDS_UUID_LEN + 1])ids,
			.created_ms = req->now_ms,
			.time_scale = time_scale(ctx),
			.dify_1_13 = ctx->dify_version == DIFY_1_13_3,
		};
		published_record(&pr);
		cJSON_Delete(inputs);
		free(ids);
		return 0;
	}
	if (!n_items) { /* the draft loop never runs */
		char batch[21];
		published_answer(req, kb, rr->datasource_type, items, 1, NULL, batch, res);
		return 0;
	}
	const cJSON *item = cJSON_GetArrayItem(items, 0);
	cJSON *inputs;
	if (variables_prepare(wf, rr->start_node_id, rr->inputs, &inputs, err))
		return -1;
	struct run_params p = {
		.fx = fixtures_ref(c->fx),
		.kb = kb,
		.wf = wf,
		.start_node_id = rr->start_node_id,
		.datasource_type = rr->datasource_type,
		.item = item,
		.inputs = inputs,
		.created_at_ms = req->now_ms,
		.docs = ctx->docs,
		.dify_1_13 = ctx->dify_version == DIFY_1_13_3,
	};
	struct run *run = pipeline_run_new(&p);
	if (rr->streaming) {
		res->status = 200;
		res->content_type = "text/event-stream; charset=utf-8";
		res->run = run;
		res->stream = true;
		res->stream_fault = c->sc && c->sc->stream.kind != FX_SF_NONE ? &c->sc->stream : NULL;
		return 0;
	}
	if (run->setup_error) { /* a queue error raises in blocking mode */
		int r = run_error(err, run->setup_error);
		run_free(run);
		return r;
	}
	struct buf b = BUF_INIT;
	run_blocking_body(run, &b);
	set_body(res, 200, CT_JSON_UTF8, &b);
	res->wait_sim_ms = run_total_ms(run);
	res->run = run;
	return 0;
}

/* Python's auth_header.split(None, 1)[1] for a Bearer header, else NULL:
 * only to find a key-bound scenario; auth_check_key judges the header. */
static char *bearer_token(const char *h)
{
	if (!h)
		return NULL;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
		return NULL;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	return *h ? xstrdup(h) : NULL;
}

/* A scenario's HTTP answer: Dify's envelope with any status, or a raw body. */
static void forced_answer(const struct call *c, const struct fx_http_fault *h)
{
	struct buf b = BUF_INIT;
	if (h->body) {
		buf_puts(&b, h->body);
		set_body(c->res, h->status, h->content_type, &b);
	} else {
		struct dm_error err = DM_ERROR_INIT;
		dm_error_set(&err, h->status, h->code, "%s", h->message);
		dm_error_body(&err, &b);
		dm_error_clear(&err);
		set_body(c->res, h->status, CT_JSON, &b);
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, h->headers)
		api_response_header(c->res, v->string, v->valuestring);
	if (h->status == 401 && !cJSON_GetObjectItemCaseSensitive(h->headers, "WWW-Authenticate"))
		api_response_header_const(c->res, "WWW-Authenticate", "Bearer realm=\"api\"");
	cors(c->req, c->res, false);
}

/* What the selected scenario does to the answer. Connection and HTTP faults
 * stand for what sits in front of Dify (a proxy, the network), so they apply
 * before auth; so does the delay. Returns true when the answer is decided. */
static bool apply_selected(struct call *c, int r, struct dm_error *err, enum scenario_source from)
{
	if (r) {
		error_response(err, c->req, c->res, true);
		dm_error_clear(err);
		return true;
	}
	if (!c->sc)
		return false;
	snprintf(c->res->scenario, sizeof c->res->scenario, "%s", c->sc->name);
	c->res->scenario_from = from;
	c->res->delay_ms = c->sc->delay_ms;
	c->res->connection = c->sc->connection;
	if (c->sc->connection != FX_CONN_NONE) {
		c->res->status = 0; /* no answer at all */
		return true;
	}
	if (c->sc->http) {
		forced_answer(c, c->sc->http);
		return true;
	}
	return false;
}

/* The request's scenario on a dataset route, for endpoint (an enum
 * fx_endpoint bit); see apply_selected. */
static bool apply_scenario(struct call *c, const struct route_match *m, unsigned endpoint)
{
	const struct fx_kb *kb = fixtures_kb(c->fx, m->dataset_id);
	if (!kb || !c->ctx->scenarios)
		return false;
	struct dm_error err = DM_ERROR_INIT;
	char *token = bearer_token(c->req->authorization);
	enum scenario_source from;
	int r = scenarios_select(c->ctx->scenarios, kb, endpoint, c->req->scenario, token, &c->sc, &from, &err);
	free(token);
	return apply_selected(c, r, &err, from);
}

/* The upload's scenario: its path names no knowledge base, so those of the
 * key's workspace are searched (an unknown key: none, auth answers). */
static bool apply_upload_scenario(struct call *c)
{
	char *token = bearer_token(c->req->authorization);
	const struct fx_workspace *ws = token ? fixtures_workspace_by_key(c->fx, token, strlen(token)) : NULL;
	if (!ws || !c->ctx->scenarios) {
		free(token);
		return false;
	}
	size_t n = 0, total = fixtures_kb_count(c->fx);
	const struct fx_kb **kbs = xcalloc(total ? total : 1, sizeof *kbs);
	for (size_t i = 0; i < total; i++)
		if (fixtures_kb_at(c->fx, i)->workspace == ws)
			kbs[n++] = fixtures_kb_at(c->fx, i);
	struct dm_error err = DM_ERROR_INIT;
	enum scenario_source from = SCENARIO_NONE;
	int r = scenarios_select_in(c->ctx->scenarios, kbs, n, FX_EP_FILE_UPLOAD, c->req->scenario, token, &c->sc, &from,
				    &err);
	free(kbs);
	free(token);
	return apply_selected(c, r, &err, from);
}

/* validate_dataset_token on a route with a dataset: the key, the knowledge
 * base (404 / 403), its tenant and owner (401); wire.md §2-§3. */
static int dataset_checks(const struct call *c, const struct route_match *m, const struct fx_kb **ret_kb,
			  struct dm_error *err)
{
	const struct fx_workspace *ws;
	return auth_check_key(c->fx, c->req->authorization, &ws, err) ||
			       auth_check_dataset(c->fx, ws, m->dataset_id, ret_kb, err)
		       ? -1
		       : 0;
}

/* The same without a dataset (the upload): the key, then the tenant and owner. */
static int tenant_checks(const struct call *c, const struct fx_workspace **ret_ws, struct dm_error *err)
{
	const struct fx_workspace *ws;
	if (auth_check_key(c->fx, c->req->authorization, &ws, err))
		return -1;
	if (ws->status != FX_TENANT_NORMAL || !ws->has_owner)
		return dm_error_set(err, 401, "unauthorized", "Tenant does not exist.");
	if (!ws->owner_account_exists)
		return dm_error_set(err, 401, "unauthorized", "Tenant owner account does not exist.");
	*ret_ws = ws;
	return 0;
}

/* flask-restx Namespace.payload: request.get_json() -> 415, or 400 for a body
 * that is not JSON (wire.md §4.2). */
static int json_payload(const struct api_request *req, cJSON **root, struct dm_error *err)
{
	if (!is_json_mimetype(req->content_type))
		return dm_error_set(err, 415, "unsupported_media_type",
				    "Did not attempt to load JSON data because the request Content-Type was not "
				    "'application/json'.");
	if (json_parse(req->body ? req->body : "", req->body_len, root, NULL, 0))
		return dm_error_set(err, 400, "bad_request",
				    "The browser (or proxy) sent a request that this server could not understand.");
	return 0;
}

static void fail_with(struct call *c, struct dm_error *err)
{
	error_response(err, c->req, c->res, true);
	dm_error_clear(err);
}

static void json_ok(struct call *c, unsigned status, struct buf *b)
{
	set_body(c->res, status, CT_JSON, b);
	cors(c->req, c->res, false);
}

static void pipeline_run(struct call *c, const struct route_match *m)
{
	const struct api_request *req = c->req;
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_kb *kb;
	struct run_request rr = { 0 };
	if (apply_scenario(c, m, FX_EP_PIPELINE_RUN))
		return;
	if (dataset_checks(c, m, &kb, &err))
		goto fail;
	cJSON *root;
	if (json_payload(req, &root, &err))
		goto fail;
	if (request_parse_run(root, &rr, &err))
		goto fail;
	if (!kb->pipeline) {
		dm_error_set(&err, 400, "invalid_param", "Pipeline not found");
		goto fail;
	}
	if (generate(c, kb, &rr, &err))
		goto fail;
	cors(req, c->res, false);
	request_run_free(&rr);
	return;
fail:
	request_run_free(&rr);
	fail_with(c, &err);
}

/* POST /v1/datasets/pipeline/file-upload (companion-endpoints.md §2). */
static void file_upload(struct call *c)
{
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_workspace *ws = NULL;
	struct stored_upload u;
	if (apply_upload_scenario(c))
		return;
	if (tenant_checks(c, &ws, &err) ||
	    upload_check(c->req->content_type, c->req->body, c->req->body_len, c->ctx->upload_limits, c->req->now_ms,
			 &u, &err)) {
		fail_with(c, &err);
		return;
	}
	snprintf(u.tenant_id, sizeof u.tenant_id, "%s", ws->id);
	snprintf(u.created_by, sizeof u.created_by, "%s", ws->owner.id ? ws->owner.id : "");
	documents_add_upload(c->ctx->docs, &u);
	struct buf b = BUF_INIT;
	upload_body(&u, &b);
	upload_done(&u);
	json_ok(c, 201, &b);
}

/* GET /v1/datasets/{id}/pipeline/datasource-plugins (§3). */
static void datasource_plugins(struct call *c, const struct route_match *m)
{
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_kb *kb;
	if (apply_scenario(c, m, FX_EP_DATASOURCE_PLUGINS))
		return;
	if (dataset_checks(c, m, &kb, &err)) {
		if (err.status == 404) { /* flask-restx's 404 help: this path is close to its rule */
			char *msg = err.message;
			err.message = NULL;
			struct buf b = BUF_INIT;
			buf_printf(&b,
				   "%s You have requested this URI [%s] but did you mean "
				   "/v1/datasets/<uuid:dataset_id>/pipeline/datasource-plugins ?",
				   msg, c->req->path);
			free(msg);
			dm_error_take(&err, 404, "not_found", buf_steal(&b, NULL));
		}
		fail_with(c, &err);
		return;
	}
	/* The query is read before the pipeline is looked up (from 1.17 on,
	 * its validation can fail first). */
	const char *arg = c->req->arg ? c->req->arg(c->req->arg_cls, "is_published") : NULL;
	bool published;
	if (plugins_is_published(arg, c->ctx->dify_version, &published, &err)) {
		fail_with(c, &err);
		return;
	}
	if (!kb->pipeline) {
		dm_error_set(&err, 400, "invalid_param", "Pipeline not found");
		fail_with(c, &err);
		return;
	}
	const struct fx_workflow *wf = published ? kb->pipeline->published : kb->pipeline->draft;
	if (!wf) {
		dm_error_set(&err, 400, "invalid_param", "Pipeline or workflow not found");
		fail_with(c, &err);
		return;
	}
	struct buf b = BUF_INIT;
	plugins_body(kb, wf, &b);
	json_ok(c, 200, &b);
}

/* POST /v1/datasets/{id}/pipeline/datasource/nodes/{node_id}/run (§4). */
static void node_run(struct call *c, const struct route_match *m)
{
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_kb *kb;
	struct noderun_payload p = { 0 };
	cJSON *root;
	if (apply_scenario(c, m, FX_EP_NODE_RUN))
		return;
	if (dataset_checks(c, m, &kb, &err) || json_payload(c->req, &root, &err) || noderun_parse(root, &p, &err)) {
		fail_with(c, &err);
		return;
	}
	if (!kb->pipeline) {
		noderun_payload_free(&p);
		dm_error_set(&err, 400, "invalid_param", "Pipeline not found");
		fail_with(c, &err);
		return;
	}
	char *node_id = xstrndup(m->param, m->param_len);
	const struct fx_workflow *wf = p.is_published ? kb->pipeline->published : kb->pipeline->draft;
	c->res->status = 200;
	c->res->content_type = "text/event-stream; charset=utf-8";
	c->res->script = noderun_script(kb, wf, node_id, &p);
	c->res->stream = true;
	cors(c->req, c->res, false);
	free(node_id);
	noderun_payload_free(&p);
}

/* GET /v1/datasets/{id}/documents/{batch}/indexing-status (§5). */
static void indexing_status(struct call *c, const struct route_match *m)
{
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_kb *kb;
	if (apply_scenario(c, m, FX_EP_INDEXING_STATUS))
		return;
	if (dataset_checks(c, m, &kb, &err)) {
		fail_with(c, &err);
		return;
	}
	char *batch = xstrndup(m->param, m->param_len);
	struct buf b = BUF_INIT;
	int rc = documents_batch_status(c->ctx->docs, kb->id, batch, c->req->now_ms, &b);
	free(batch);
	if (rc) {
		buf_free(&b);
		dm_error_set(&err, 404, "not_found", "Documents not found.");
		fail_with(c, &err);
		return;
	}
	json_ok(c, 200, &b);
}

/* GET /v1/datasets/{id}/documents/{document_id}[?metadata=...] (§6). */
static void document_get(struct call *c, const struct route_match *m)
{
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_kb *kb;
	if (apply_scenario(c, m, FX_EP_DOCUMENT))
		return;
	if (dataset_checks(c, m, &kb, &err)) {
		fail_with(c, &err);
		return;
	}
	char doc_id[IDS_UUID_LEN + 1];
	for (size_t i = 0; i < IDS_UUID_LEN; i++)
		doc_id[i] = (char)tolower((unsigned char)m->param[i]);
	doc_id[IDS_UUID_LEN] = '\0';
	if (!documents_exists(c->ctx->docs, kb->id, doc_id)) {
		dm_error_set(&err, 404, "not_found", "Document not found.");
		fail_with(c, &err);
		return;
	}
	const char *metadata = c->req->arg ? c->req->arg(c->req->arg_cls, "metadata") : NULL;
	enum doc_metadata mode = DOC_META_ALL;
	if (metadata && !strcmp(metadata, "only")) {
		mode = DOC_META_ONLY;
	} else if (metadata && !strcmp(metadata, "without")) {
		mode = DOC_META_WITHOUT;
	} else if (metadata && strcmp(metadata, "all")) {
		dm_error_set(&err, 400, "invalid_metadata", "Invalid metadata value: %s", metadata);
		fail_with(c, &err);
		return;
	}
	struct buf b = BUF_INIT;
	if (documents_get(c->ctx->docs, kb->id, doc_id, c->req->now_ms, mode, &b)) {
		buf_free(&b);
		dm_error_set(&err, 404, "not_found", "Document not found.");
		fail_with(c, &err);
		return;
	}
	json_ok(c, 200, &b);
}

static void version_headers(const struct api_ctx *ctx, struct api_response *res)
{
	api_response_header_const(res, "X-Version", dify_version_header(ctx->dify_version));
	api_response_header_const(res, "X-Env", "PRODUCTION");
}

void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res)
{
	struct route_match m;
	*res = (struct api_response){ .journaled = true };
	struct call c = {
		.ctx = ctx,
		.req = req,
		.res = res,
		.fx = ctx->slot ? fixtures_slot_get(ctx->slot) : fixtures_ref((struct fixtures *)ctx->fx),
	};
	route_match(req->method, req->path, &m);
	snprintf(res->dataset_id, sizeof res->dataset_id, "%s", m.dataset_id);
	struct buf b = BUF_INIT;
	switch (m.outcome) {
	case ROUTE_NOT_FOUND:
		buf_puts(&b, html_404);
		set_body(res, 404, CT_HTML, &b);
		break;
	case ROUTE_METHOD_NOT_ALLOWED: {
		struct dm_error err = DM_ERROR_INIT;
		dm_error_set(&err, 405, "method_not_allowed", "The method is not allowed for the requested URL.");
		error_response(&err, req, res, false);
		dm_error_clear(&err);
		break;
	}
	case ROUTE_PREFLIGHT:
		set_body(res, 200, CT_HTML, &b);
		api_response_header_const(res, "Allow", m.allow);
		if (req->acr_method) {
			cors(req, res, true);
			struct buf h = BUF_INIT;
			if (req->acr_headers)
				allowed_request_headers(req->acr_headers, &h);
			if (h.len)
				api_response_header(res, "Access-Control-Allow-Headers", h.data);
			buf_free(&h);
		} else {
			cors(req, res, false);
		}
		break;
	case ROUTE_MATCHED:
		switch (m.id) {
		case ROUTE_PIPELINE_RUN:
			pipeline_run(&c, &m);
			break;
		case ROUTE_FILE_UPLOAD:
			file_upload(&c);
			break;
		case ROUTE_DATASOURCE_PLUGINS:
			datasource_plugins(&c, &m);
			break;
		case ROUTE_NODE_RUN:
			node_run(&c, &m);
			break;
		case ROUTE_INDEXING_STATUS:
			indexing_status(&c, &m);
			break;
		case ROUTE_DOCUMENT:
			document_get(&c, &m);
			break;
		default:
			res->journaled = false;
			admin_handle(ctx, req, &m, c.fx, res);
			break;
		}
		break;
	}
	if (res->journaled || m.outcome != ROUTE_MATCHED)
		version_headers(ctx, res);
	fixtures_free(c.fx);
}
