/* admin.c -- /_mock/health, /_mock/requests, /_mock/reset, /_mock/reload,
 * /_mock/scenarios. */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

#define CT "application/json"

static void reply(struct api_response *res, unsigned status, cJSON *body)
{
	struct buf b = BUF_INIT;
	json_write(&b, body, JSON_ORJSON);
	buf_putc(&b, '\n');
	cJSON_Delete(body);
	res->status = status;
	res->content_type = CT;
	res->body = buf_steal(&b, &res->body_len);
}

static void fail(struct api_response *res, unsigned status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	reply(res, status, o);
}

static void ok(struct api_response *res)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	reply(res, 200, o);
}

static const char *arg(const struct api_request *req, const char *name)
{
	return req->arg ? req->arg(req->arg_cls, name) : NULL;
}

static void requests(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res)
{
	if (!strcmp(req->method, "DELETE")) {
		if (ctx->journal)
			journal_clear(ctx->journal);
		ok(res);
		return;
	}
	const char *st = arg(req, "status");
	unsigned status = 0;
	if (st) {
		char *end;
		unsigned long v = strtoul(st, &end, 10);
		if (!*st || *end || v < 100 || v > 599) {
			fail(res, 400, "status must be an HTTP status code");
			return;
		}
		status = (unsigned)v;
	}
	if (!ctx->journal) {
		reply(res, 200, cJSON_Parse("{\"total\":0,\"dropped\":0,\"requests\":[]}"));
		return;
	}
	res->status = 200;
	res->content_type = CT;
	res->body = journal_json(ctx->journal, arg(req, "knowledge_base"), arg(req, "path"), status, &res->body_len);
}

/* POST {"knowledge_base": id, "scenario": name, "count": N (default 1)}. */
static void arm(const struct api_ctx *ctx, const struct api_request *req, const struct fixtures *fx,
		struct api_response *res)
{
	cJSON *body;
	if (json_parse(req->body ? req->body : "", req->body_len, &body, NULL, 0) || !cJSON_IsObject(body)) {
		if (body)
			cJSON_Delete(body);
		fail(res, 400, "expected a JSON object {\"knowledge_base\", \"scenario\", \"count\"}");
		return;
	}
	const cJSON *kb_id = cJSON_GetObjectItemCaseSensitive(body, "knowledge_base");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "scenario");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(body, "count");
	const struct fx_kb *kb = cJSON_IsString(kb_id) ? fixtures_kb(fx, kb_id->valuestring) : NULL;
	if (!kb)
		fail(res, 400, "knowledge_base must be the id of a knowledge base in the fixtures");
	else if (!cJSON_IsString(name) || !fx_kb_scenario(kb, name->valuestring))
		fail(res, 400, "scenario must name one of the knowledge base's scenarios");
	else if (count && (!cJSON_IsNumber(count) || json_is_float(count) || count->valuedouble < 1 ||
			   count->valuedouble > 1e6))
		fail(res, 400, "count must be an integer from 1 to 1000000");
	else {
		unsigned n = count ? (unsigned)count->valuedouble : 1;
		if (scenarios_arm(ctx->scenarios, kb->id, name->valuestring, n)) {
			fail(res, 400, "too many armed scenarios waiting (1000); DELETE /_mock/scenarios clears them");
			cJSON_Delete(body);
			return;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", "armed");
		cJSON_AddItemToObject(o, "armed", scenarios_armed_json(ctx->scenarios));
		reply(res, 200, o);
	}
	cJSON_Delete(body);
}

static void scenarios(const struct api_ctx *ctx, const struct api_request *req, const struct fixtures *fx,
		      struct api_response *res)
{
	if (!ctx->scenarios) {
		fail(res, 404, "scenarios are off");
		return;
	}
	if (!strcmp(req->method, "POST")) {
		arm(ctx, req, fx, res);
		return;
	}
	if (!strcmp(req->method, "DELETE"))
		scenarios_reset(ctx->scenarios);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "armed", scenarios_armed_json(ctx->scenarios));
	reply(res, 200, o);
}

static void reload(const struct api_ctx *ctx, struct api_response *res)
{
	if (!ctx->reload) {
		fail(res, 404, "reload is off");
		return;
	}
	struct buf errors = BUF_INIT;
	if (ctx->reload(ctx->reload_cls, &errors)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "the fixtures have problems; the previous set keeps serving");
		cJSON *list = cJSON_AddArrayToObject(o, "problems");
		for (char *line = errors.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (*line)
				cJSON_AddItemToArray(list, cJSON_CreateString(line));
			if (!nl)
				break;
		}
		reply(res, 422, o);
	} else {
		ok(res);
	}
	buf_free(&errors);
}

void admin_handle(const struct api_ctx *ctx, const struct api_request *req, const struct route_match *m,
		  const struct fixtures *fx, struct api_response *res)
{
	switch (m->id) {
	case ROUTE_MOCK_HEALTH: {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", "ok");
		cJSON_AddStringToObject(o, "version", DM_VERSION);
		cJSON_AddItemToObject(o, "knowledge_bases", json_int((long long)fixtures_kb_count(fx)));
		reply(res, 200, o);
		break;
	}
	case ROUTE_MOCK_REQUESTS:
		requests(ctx, req, res);
		break;
	case ROUTE_MOCK_RESET:
		if (ctx->journal)
			journal_clear(ctx->journal);
		if (ctx->scenarios)
			scenarios_reset(ctx->scenarios);
		documents_clear(ctx->docs);
		ok(res);
		break;
	case ROUTE_MOCK_RELOAD:
		reload(ctx, res);
		break;
	case ROUTE_MOCK_SCENARIOS:
		scenarios(ctx, req, fx, res);
		break;
	default:
		fail(res, 404, "unknown admin route");
		break;
	}
}
