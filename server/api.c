/* api.c -- POST /v1/datasets/{id}/pipeline/run, step by step as Dify runs it. */
#include "api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auth.h"
#include "error.h"
#include "json.h"
#include "published.h"
#include "pyrepr.h"
#include "request.h"
#include "route.h"
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
	res->headers[res->n_headers++] = (struct api_header){ name, xstrdup(value) };
}

void api_response_free(struct api_response *res)
{
	for (size_t i = 0; i < res->n_headers; i++)
		free(res->headers[i].value);
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
	api_response_header(res, "Access-Control-Allow-Origin", req->origin ? req->origin : "*");
	api_response_header(res, "Access-Control-Expose-Headers", "X-Env, X-Trace-Id, X-Version");
	if (preflight)
		api_response_header(res, "Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT");
	if (req->origin)
		api_response_header(res, "Vary", "Origin");
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
		api_response_header(res, "WWW-Authenticate", "Bearer realm=\"api\"");
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

static const char *const datasource_types[] = { "local_file", "online_document", "website_crawl", "online_drive" };

static bool known_datasource_type(const char *t)
{
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(t, datasource_types[i]))
			return true;
	return false;
}

static int run_error(struct dm_error *err, const char *msg)
{
	return dm_error_set(err, 500, "pipeline_run_error", "%s", msg);
}

static void published_answer(const struct api_request *req, const struct fx_kb *kb, const struct run_request *rr,
			     unsigned first, struct api_response *res)
{
	char batch[21];
	published_batch(req->now_ms, batch);
	struct buf b = BUF_INIT;
	published_body(kb, batch, rr->datasource_type, rr->datasource_info_list, first, &b);
	set_body(res, 200, CT_JSON_UTF8, &b);
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
static int generate(const struct call *c, const struct fx_kb *kb, const struct run_request *rr,
		    struct dm_error *err)
{
	const struct api_ctx *ctx = c->ctx;
	const struct api_request *req = c->req;
	struct api_response *res = c->res;
	const struct fx_workflow *wf = workflow_for(c, kb, rr->is_published);
	if (!wf)
		return run_error(err, rr->is_published ? "Workflow not published" : "Workflow not initialized");
	if (!known_datasource_type(rr->datasource_type)) {
		struct buf m = BUF_INIT;
		pyrepr_str(&m, rr->datasource_type);
		buf_puts(&m, " is not a valid DatasourceProviderType");
		return dm_error_take(err, 500, "pipeline_run_error", buf_steal(&m, NULL));
	}
	if (!strcmp(rr->datasource_type, "online_drive") && fx_workflow_node_index(wf, rr->start_node_id) < 0)
		return run_error(err, "Datasource node data not found");
	unsigned n_items = (unsigned)cJSON_GetArraySize(rr->datasource_info_list);
	if (rr->is_published) {
		/* Documents are committed before the inputs are checked: a bad
		 * input still uses up positions, as in Dify. */
		unsigned first = n_items ? documents_reserve_positions(ctx->docs, kb, n_items) : 1;
		for (unsigned i = 0; i < n_items; i++) {
			cJSON *inputs;
			if (variables_prepare(wf, rr->start_node_id, rr->inputs, &inputs, err))
				return -1;
			cJSON_Delete(inputs);
		}
		published_answer(req, kb, rr, first, res);
		return 0;
	}
	if (!n_items) { /* the draft loop never runs */
		published_answer(req, kb, rr, 1, res);
		return 0;
	}
	cJSON *inputs;
	if (variables_prepare(wf, rr->start_node_id, rr->inputs, &inputs, err))
		return -1;
	struct run_params p = {
		.fx = fixtures_ref(c->fx),
		.kb = kb,
		.wf = wf,
		.start_node_id = rr->start_node_id,
		.datasource_type = rr->datasource_type,
		.item = cJSON_GetArrayItem(rr->datasource_info_list, 0),
		.inputs = inputs,
		.created_at_ms = req->now_ms,
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
	res->wait_sim_ms = run->total_ms;
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
		api_response_header(c->res, "WWW-Authenticate", "Bearer realm=\"api\"");
	cors(c->req, c->res, false);
}

/* Picks the request's scenario. Connection and HTTP faults stand for what
 * sits in front of Dify (a proxy, the network), so they apply before auth.
 * Returns true when the answer is decided. */
static bool apply_scenario(struct call *c, const struct route_match *m)
{
	const struct fx_kb *kb = fixtures_kb(c->fx, m->dataset_id);
	if (!kb || !c->ctx->scenarios)
		return false;
	struct dm_error err = DM_ERROR_INIT;
	char *token = bearer_token(c->req->authorization);
	enum scenario_source from;
	int r = scenarios_select(c->ctx->scenarios, kb, c->req->scenario, token, &c->sc, &from, &err);
	free(token);
	if (r) {
		error_response(&err, c->req, c->res, true);
		dm_error_clear(&err);
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

static void pipeline_run(struct call *c, const struct route_match *m)
{
	const struct api_request *req = c->req;
	struct dm_error err = DM_ERROR_INIT;
	const struct fx_workspace *ws;
	const struct fx_kb *kb;
	struct run_request rr = { 0 };
	if (apply_scenario(c, m))
		return;
	if (auth_check_key(c->fx, req->authorization, &ws, &err) ||
	    auth_check_dataset(c->fx, ws, m->dataset_id, &kb, &err))
		goto fail;
	if (!is_json_mimetype(req->content_type)) {
		dm_error_set(&err, 415, "unsupported_media_type",
			     "Did not attempt to load JSON data because the request Content-Type was not "
			     "'application/json'.");
		goto fail;
	}
	cJSON *root;
	if (json_parse(req->body ? req->body : "", req->body_len, &root, NULL, 0)) {
		dm_error_set(&err, 400, "bad_request",
			     "The browser (or proxy) sent a request that this server could not understand.");
		goto fail;
	}
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
	error_response(&err, req, c->res, true);
	dm_error_clear(&err);
}

static void version_headers(struct api_response *res)
{
	api_response_header(res, "X-Version", DIFY_VERSION);
	api_response_header(res, "X-Env", "PRODUCTION");
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
		api_response_header(res, "Allow", m.allow);
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
		if (m.id == ROUTE_PIPELINE_RUN) {
			pipeline_run(&c, &m);
		} else {
			res->journaled = false;
			admin_handle(ctx, req, &m, c.fx, res);
		}
		break;
	}
	if (res->journaled || m.outcome != ROUTE_MATCHED)
		version_headers(res);
	fixtures_free(c.fx);
}
