/* fixtures_scenarios.c -- a knowledge base's "scenarios" (named variations of
 * its behaviour: HTTP faults, stream faults, node changes) and its
 * "scenario_sequence", checked and built like the rest of the fixture file.
 * A scenario that changes nodes gets its own copies of the workflows, so the
 * simulator plans (and memoizes) them like any other workflow. */
#include "fixtures_parse.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const scenario_keys[] = { "description", "probability", "delay_ms", "connection", "http",
					     "stream", "nodes", "api_keys", "endpoints", NULL };
/* enum fx_endpoint bit order */
static const char *const endpoint_names[] = { "pipeline/run", "datasource-plugins", "datasource-node-run",
					      "indexing-status", "document", "file-upload", NULL };
static const char *const http_keys[] = { "status", "code", "message", "body", "content_type", "headers", NULL };
static const char *const stream_keys[] = { "fault", "after", "ms", "error", "end", "bytes", "interval_ms",
					   "event", NULL };
static const char *const node_change_keys[] = { "duration_ms", "fail", NULL };
static const char *const connections[] = { "none", "close", "reset", NULL }; /* enum fx_conn_fault order */
/* enum fx_stream_fault_kind order, from FX_SF_ERROR */
static const char *const stream_faults[] = { "error", "drop", "cut", "stall", "pings_only", "keep_open",
					     "dribble", "extra_event", NULL };

#define MAX_MS (24ull * 3600 * 1000)

/* What Dify's handler answers for a plain HTTP error (a werkzeug
 * HTTPException): the class name in snake case as the code, and the class's
 * description as the message. The descriptions are Werkzeug 3.1's
 * (werkzeug/exceptions.py; the same from 3.1.0 to 3.1.8). */
static const struct http_default {
	unsigned status;
	const char *code, *message;
} http_defaults[] = {
	{ 400, "bad_request", "The browser (or proxy) sent a request that this server could not understand." },
	{ 401, "unauthorized",
	  "The server could not verify that you are authorized to access the URL requested. You either supplied the "
	  "wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials "
	  "required." },
	{ 403, "forbidden",
	  "You don't have the permission to access the requested resource. It is either read-protected or not "
	  "readable by the server." },
	{ 404, "not_found",
	  "The requested URL was not found on the server. If you entered the URL manually please check your spelling "
	  "and try again." },
	{ 405, "method_not_allowed", "The method is not allowed for the requested URL." },
	{ 413, "request_entity_too_large", "The data value transmitted exceeds the capacity limit." },
	{ 415, "unsupported_media_type", "The server does not support the media type transmitted in the request." },
	{ 429, "too_many_requests", "This user has exceeded an allotted request count. Try again later." },
	{ 500, "internal_server_error",
	  "The server encountered an internal error and was unable to complete your request. Either the server is "
	  "overloaded or there is an error in the application." },
	{ 502, "bad_gateway", "The proxy server received an invalid response from an upstream server." },
	{ 503, "service_unavailable",
	  "The server is temporarily unable to service your request due to maintenance downtime or capacity "
	  "problems. Please try again later." },
	{ 504, "gateway_timeout", "The connection to an upstream server timed out." },
};

/* Another status gets the code and message of 500 (5xx) or 400 (the rest),
 * so that the two always belong together. */
static const struct http_default *http_default(unsigned status)
{
	size_t n = sizeof http_defaults / sizeof http_defaults[0];
	for (size_t i = 0; i < n; i++)
		if (http_defaults[i].status == status)
			return &http_defaults[i];
	return http_default(status >= 500 ? 500 : 400);
}

static struct fx_http_fault *parse_http(struct pctx *c, cJSON *o)
{
	cJSON *x;
	fxp_check_keys(c, o, http_keys);
	struct fx_http_fault *h = FXP_NEW(c, struct fx_http_fault, 1);
	h->status = (unsigned)fxp_get_uint(c, o, "status", 0, 599);
	if (fxp_get_typed(c, o, "status", REQUIRED, T_INT, &x) > 0 && h->status < 100) {
		size_t s = fxp_push_key(c, "status");
		fxp_report(c, "must be an HTTP status from 100 to 599");
		fxp_pop(c, s);
	}
	h->code = fxp_get_str(c, o, "code", OPTIONAL, http_default(h->status)->code);
	h->message = fxp_get_str(c, o, "message", OPTIONAL, http_default(h->status)->message);
	h->body = fxp_get_str(c, o, "body", OPTIONAL, NULL);
	h->content_type = fxp_get_str(c, o, "content_type", OPTIONAL, "text/html; charset=utf-8");
	if (fxp_get_typed(c, o, "headers", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "headers");
		cJSON *v;
		cJSON_ArrayForEach(v, x) {
			size_t s2 = fxp_push_key(c, v->string);
			if (fxp_expect(c, v, T_STRING) && (strpbrk(v->string, "\r\n:") || strpbrk(v->valuestring, "\r\n")))
				fxp_report(c, "header names and values cannot hold line breaks");
			fxp_pop(c, s2);
		}
		h->headers = x;
		fxp_pop(c, s);
	}
	return h;
}

static void parse_stream(struct pctx *c, cJSON *o, struct fx_stream_fault *f)
{
	cJSON *x;
	fxp_check_keys(c, o, stream_keys);
	int k = fxp_get_enum(c, o, "fault", -1, stream_faults, "stream fault");
	if (k < 0 && !cJSON_GetObjectItemCaseSensitive(o, "fault")) {
		size_t s = fxp_push_key(c, "fault");
		fxp_report(c, "missing required key");
		fxp_pop(c, s);
	}
	f->kind = k >= 0 ? (enum fx_stream_fault_kind)(k + 1) : FX_SF_NONE;
	f->after = (unsigned)fxp_get_uint(c, o, "after", 0, 1000000);
	bool timed = f->kind == FX_SF_STALL || f->kind == FX_SF_PINGS_ONLY || f->kind == FX_SF_KEEP_OPEN;
	if (timed)
		fxp_get_typed(c, o, "ms", REQUIRED, T_INT, &x); /* reports when missing */
	f->ms = fxp_get_uint(c, o, "ms", 0, MAX_MS);
	f->then_end = fxp_get_bool(c, o, "end", true);
	f->bytes = (unsigned)fxp_get_uint(c, o, "bytes", 1, 1 << 20);
	if (!f->bytes)
		f->bytes = 1;
	f->interval_ms = fxp_get_uint(c, o, "interval_ms", 50, 60000);
	if (fxp_get_typed(c, o, "error", OPTIONAL, T_OBJECT, &x) > 0)
		f->error = x;
	if (fxp_get_typed(c, o, "event", f->kind == FX_SF_EXTRA_EVENT, T_OBJECT, &x) > 0) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(x, "event");
		if (!cJSON_IsString(name)) {
			size_t s = fxp_push_key(c, "event");
			fxp_report(c, "needs an \"event\" string (the event's name)");
			fxp_pop(c, s);
		}
		f->event = x;
	}
}

/* One node's change in a scenario; absent keys keep each workflow's own value. */
struct node_change {
	const char *id;
	bool set_duration, set_fail;
	uint64_t duration_ms;
	struct fx_node parsed;     /* holds the parsed failure (NULL: the node succeeds) */
};

/* A copy of wf whose nodes take the scenario's changes (in the arena, as
 * wf and the parsed failures it points to). */
static struct fx_workflow *derive(struct pctx *c, const struct fx_workflow *wf, const struct node_change *ch,
				  size_t n)
{
	struct fx_workflow *d = FXP_NEW(c, struct fx_workflow, 1);
	*d = *wf;
	d->base = wf;
	d->nodes = FXP_NEW(c, struct fx_node, wf->n_nodes);
	memcpy(d->nodes, wf->nodes, wf->n_nodes * sizeof *d->nodes);
	d->memo = FXP_NEW(c, struct fx_memo_entry *_Atomic, wf->n_nodes ? wf->n_nodes : 1);
	for (size_t i = 0; i < n; i++) {
		long k = fx_workflow_node_index(wf, ch[i].id);
		if (k < 0)
			continue;
		if (ch[i].set_duration)
			d->nodes[k].duration_ms = ch[i].duration_ms;
		if (ch[i].set_fail)
			d->nodes[k].fail = ch[i].parsed.fail; /* NULL: the node succeeds */
	}
	return d;
}

/* The plans runs made with d. */
static void derived_free(struct fx_workflow *d)
{
	if (d)
		fx_memo_free(d->memo, d->n_nodes);
}

/* "nodes": {"<node id>": {"duration_ms": N, "fail": {...} | null}}. */
static void parse_node_changes(struct pctx *c, cJSON *o, struct fx_kb *kb, struct fx_scenario *sc)
{
	const struct fx_pipeline *p = kb->pipeline;
	const struct fx_workflow *wfs[2] = { p ? p->published : NULL, p ? p->draft : NULL };
	size_t n = (size_t)cJSON_GetArraySize(o), i = 0;
	struct node_change *ch = xcalloc(n ? n : 1, sizeof *ch);
	cJSON *v;
	cJSON_ArrayForEach(v, o) {
		size_t s = fxp_push_key(c, v->string);
		struct node_change *x = &ch[i++];
		x->id = v->string;
		bool found = false;
		for (int w = 0; w < 2; w++)
			found |= wfs[w] && fx_workflow_node_index(wfs[w], v->string) >= 0;
		if (!found)
			fxp_report(c, "no node %s in the knowledge base's workflows", fx_quote(v->string).s);
		if (fxp_expect(c, v, T_OBJECT)) {
			cJSON *f;
			fxp_check_keys(c, v, node_change_keys);
			x->set_duration = cJSON_GetObjectItemCaseSensitive(v, "duration_ms") != NULL;
			x->duration_ms = fxp_get_uint(c, v, "duration_ms", 0, MAX_MS);
			int r = fxp_get_typed(c, v, "fail", OPTIONAL, T_OBJECT | T_NULL, &f);
			x->set_fail = r > 0;
			if (r > 0 && cJSON_IsObject(f)) {
				size_t s2 = fxp_push_key(c, "fail");
				fxp_parse_fail(c, f, &x->parsed);
				fxp_pop(c, s2);
			}
		}
		fxp_pop(c, s);
	}
	if (wfs[0])
		sc->published = derive(c, wfs[0], ch, n);
	if (wfs[1])
		sc->draft = derive(c, wfs[1], ch, n);
	free(ch);
}

/* "endpoints": names from endpoint_names, default ["pipeline/run"]. */
static unsigned parse_endpoints(struct pctx *c, cJSON *o)
{
	cJSON *x, *e;
	if (fxp_get_typed(c, o, "endpoints", OPTIONAL, T_ARRAY, &x) <= 0)
		return FX_EP_PIPELINE_RUN;
	unsigned bits = 0;
	size_t s = fxp_push_key(c, "endpoints"), i = 0;
	cJSON_ArrayForEach(e, x) {
		size_t s2 = fxp_push_index(c, i++);
		if (fxp_expect(c, e, T_STRING)) {
			size_t k = 0;
			while (endpoint_names[k] && strcmp(endpoint_names[k], e->valuestring))
				k++;
			if (endpoint_names[k]) {
				bits |= 1u << k;
			} else {
				struct buf list = BUF_INIT;
				for (k = 0; endpoint_names[k]; k++)
					buf_printf(&list, "%s%s", k ? ", " : "", endpoint_names[k]);
				fxp_report(c, "unknown endpoint %s (known: %s)", fx_quote(e->valuestring).s, list.data);
				buf_free(&list);
			}
		}
		fxp_pop(c, s2);
	}
	if (!bits && !i)
		fxp_report(c, "must not be empty");
	fxp_pop(c, s);
	return bits;
}

static void parse_scenario(struct pctx *c, cJSON *o, struct fx_kb *kb, struct fx_scenario *sc)
{
	cJSON *x;
	fxp_check_keys(c, o, scenario_keys);
	sc->description = fxp_get_str(c, o, "description", OPTIONAL, "");
	sc->endpoints = parse_endpoints(c, o);
	sc->probability = 1.0;
	if (fxp_get_typed(c, o, "probability", OPTIONAL, T_INT | T_FLOAT, &x) > 0) {
		sc->probability = x->valuedouble;
		if (!(sc->probability >= 0 && sc->probability <= 1)) {
			size_t s = fxp_push_key(c, "probability");
			fxp_report(c, "must be from 0 to 1");
			fxp_pop(c, s);
		}
	}
	sc->delay_ms = fxp_get_uint(c, o, "delay_ms", 0, MAX_MS);
	int conn = fxp_get_enum(c, o, "connection", FX_CONN_NONE, connections, "connection fault");
	sc->connection = conn >= 0 ? (enum fx_conn_fault)conn : FX_CONN_NONE;
	if (fxp_get_typed(c, o, "http", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "http");
		sc->http = parse_http(c, x);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "stream", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "stream");
		parse_stream(c, x, &sc->stream);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "nodes", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "nodes");
		parse_node_changes(c, x, kb, sc);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "api_keys", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "api_keys"), i = 0;
		cJSON *k;
		sc->api_keys = FXP_NEW(c, char *, (size_t)cJSON_GetArraySize(x) + 1);
		cJSON_ArrayForEach(k, x) {
			size_t s2 = fxp_push_index(c, i++);
			if (fxp_expect(c, k, T_STRING))
				sc->api_keys[sc->n_api_keys++] = fxp_strdup(c, k->valuestring);
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
}

void fx_parse_scenarios(struct pctx *c, cJSON *kb_obj, struct fx_kb *kb)
{
	cJSON *x;
	if (fxp_get_typed(c, kb_obj, "scenarios", OPTIONAL, T_OBJECT, &x) > 0) {
		size_t s = fxp_push_key(c, "scenarios");
		kb->scenarios = FXP_NEW(c, struct fx_scenario, (size_t)cJSON_GetArraySize(x) + 1);
		cJSON *o;
		cJSON_ArrayForEach(o, x) {
			size_t s2 = fxp_push_key(c, o->string);
			if (!*o->string || !strcmp(o->string, "default"))
				fxp_report(c, "a scenario needs a name other than \"\" and \"default\"");
			if (fxp_expect(c, o, T_OBJECT)) {
				struct fx_scenario *sc = &kb->scenarios[kb->n_scenarios++];
				sc->name = fxp_strdup(c, o->string);
				parse_scenario(c, o, kb, sc);
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, kb_obj, "scenario_sequence", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "scenario_sequence"), i = 0;
		kb->sequence = FXP_NEW(c, char *, (size_t)cJSON_GetArraySize(x) + 1);
		cJSON *e;
		cJSON_ArrayForEach(e, x) {
			size_t s2 = fxp_push_index(c, i++);
			if (fxp_expect(c, e, T_STRING | T_NULL)) {
				const char *name = cJSON_IsString(e) ? e->valuestring : NULL;
				const struct fx_scenario *sc =
					name && strcmp(name, "default") ? fx_kb_scenario(kb, name) : NULL;
				if (name && strcmp(name, "default") && !sc)
					fxp_report(c, "no scenario %s in this knowledge base", fx_quote(name).s);
				else if (sc && !(sc->endpoints & FX_EP_PIPELINE_RUN))
					fxp_report(c, "scenario %s does not apply to pipeline/run (see its \"endpoints\"); "
						      "the sequence steps on runs", fx_quote(name).s);
				kb->sequence[kb->n_sequence++] = name && strcmp(name, "default") ? fxp_strdup(c, name) : NULL;
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
}

/* The plans runs made with the scenarios' workflows; the rest is in the arena. */
void fx_scenarios_free(struct fx_kb *kb)
{
	for (size_t i = 0; i < kb->n_scenarios; i++) {
		derived_free(kb->scenarios[i].published);
		derived_free(kb->scenarios[i].draft);
	}
}

const struct fx_scenario *fx_kb_scenario(const struct fx_kb *kb, const char *name)
{
	for (size_t i = 0; i < kb->n_scenarios; i++)
		if (!strcmp(kb->scenarios[i].name, name))
			return &kb->scenarios[i];
	return NULL;
}
