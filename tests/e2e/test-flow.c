/* test-flow.c -- a client's whole knowledge-pipeline flow over real HTTP
 * (companion-endpoints.md §7), for each datasource type, published and
 * draft: discover the datasource nodes, get items (upload a file, or browse
 * with a node run), run the pipeline, poll the documents until they are
 * indexed, read a document. Bodies are compared byte for byte where the
 * spec gives bytes (ujson with \/ and a trailing newline; orjson SSE
 * blocks). Then each endpoint's errors, and strict file references. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "ids.h"
#include "json.h"

#define DEMO "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define CLASSIC "c0ffee00-1234-4abc-8def-0123456789ab"
#define INTERNAL "8b1e4d2c-6a3f-4b5e-9c7d-0e1f2a3b4c5d"
#define DRAFT_ONLY "b2d4f6a8-1c3e-4a5b-9d7f-2e4c6a8b0d1f"
#define OTHER_TEAM_KB "a7c4e2f1-9b3d-4e6a-8c2b-1d0f9e8a7b6c"
#define OWNER "e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
#define UNKNOWN_KB "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f"
#define FILE_NODE "1750836391776"
#define NOTION "1752489759475"
#define JINA "1752491761974"
#define DRIVE "1752565435219"
#define UPLOAD "/v1/datasets/pipeline/file-upload"
#define PLUGINS(kb) "/v1/datasets/" kb "/pipeline/datasource-plugins"
#define NODE_RUN(kb, node) "/v1/datasets/" kb "/pipeline/datasource/nodes/" node "/run"
#define CT_JSON "application/json"

static struct server srv;

static void setup(void)
{
	/* --time-scale 0.2: a local_file document indexes in 0.47 s, the crawl takes 0.6 s */
	const char *args[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0.2", "--seed", "11", "--max-body-bytes",
			       "40000000", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

/* ---- helpers ---- */

static void get(const char *path, struct reply *r)
{
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, NULL };
	http_request(&srv, "GET", path, h, NULL, r);
}

static void post_raw(const char *path, const char *content_type, const char *body, size_t len, struct reply *r)
{
	char ct[256];
	snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, ct, NULL };
	ck_assert_int_eq(http_request_raw(&srv, "POST", path, h, body, len, 0, r), 0);
}

static cJSON *json_of(const struct reply *r)
{
	cJSON *v;
	size_t len = r->body_len && r->body[r->body_len - 1] == '\n' ? r->body_len - 1 : r->body_len;
	ck_assert_msg(json_parse(r->body, len, &v, NULL, 0) == 0, "not JSON: %s", r->body);
	return v;
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	ck_assert_msg(cJSON_IsString(v), "no string %s", key);
	return v->valuestring;
}

static void assert_content_type(const struct reply *r, const char *want)
{
	char *ct = reply_header(r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, want);
	free(ct);
}

/* A Dify error: the exact ujson bytes, application/json. */
static void assert_error(const struct reply *r, long status, const char *body)
{
	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	ck_assert_str_eq(r->body, body);
	assert_content_type(r, CT_JSON);
}

static const char html_404[] =
	"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
	"<p>The requested URL was not found on the server. If you entered the URL manually please check your "
	"spelling and try again.</p>\n";

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Node run: the stream's blocks, checked for framing (data: {...}\n\n, no pings). */
static cJSON *node_run(const char *path, const char *body, struct stream_reply *sr)
{
	http_stream_ex(&srv, path, body, NULL, 0, 0, sr);
	ck_assert_int_eq(sr->curl_code, 0);
	ck_assert_int_eq(sr->status, 200);
	char *ct = NULL;
	{
		struct reply tmp = { .headers = sr->headers };
		ct = reply_header(&tmp, "Content-Type");
	}
	ck_assert_str_eq(ct, "text/event-stream; charset=utf-8");
	free(ct);
	ck_assert_msg(!strstr(sr->body, "event: ping"), "no pings: %s", sr->body);
	cJSON *events = cJSON_CreateArray();
	const char *p = sr->body, *end = sr->body + sr->body_len;
	while (p < end) {
		ck_assert_msg(starts(p, "data: "), "block: %s", p);
		const char *e = strstr(p, "\n\n");
		ck_assert_ptr_nonnull(e);
		cJSON *ev;
		ck_assert_int_eq(json_parse(p + 6, (size_t)(e - p - 6), &ev, NULL, 0), 0);
		cJSON_AddItemToArray(events, ev);
		p = e + 2;
	}
	return events;
}

static const cJSON *last_event(const cJSON *events)
{
	const cJSON *e = events->child;
	while (e && e->next)
		e = e->next;
	return e;
}

/* The datasource-plugins entry of node_id. */
static cJSON *plugin_entry(const char *query, const char *node_id)
{
	struct reply r;
	char path[256];
	snprintf(path, sizeof path, PLUGINS(DEMO) "%s", query);
	get(path, &r);
	ck_assert_int_eq(r.status, 200);
	assert_content_type(&r, CT_JSON);
	ck_assert_int_eq(r.body[r.body_len - 1], '\n');
	cJSON *arr = json_of(&r), *e, *found = NULL;
	cJSON_ArrayForEach(e, arr)
		if (!strcmp(str_at(e, "node_id"), node_id))
			found = json_dup(e);
	cJSON_Delete(arr);
	reply_free(&r);
	ck_assert_ptr_nonnull(found);
	return found;
}

/* A published run of items from start; returns the answer's JSON. */
static cJSON *run_published(const char *type, const char *start, const char *inputs, const char *items,
			    const char *const *extra_headers)
{
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "{\"inputs\":%s,\"datasource_type\":\"%s\",\"start_node_id\":\"%s\",\"datasource_info_list\":%s,"
		   "\"is_published\":true,\"response_mode\":\"streaming\"}",
		   inputs, type, start, items);
	const char *h[8] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json" };
	for (size_t i = 0; extra_headers && extra_headers[i] && i < 5; i++)
		h[2 + i] = extra_headers[i];
	struct reply r;
	http_request(&srv, "POST", RUN_PATH(DEMO), h, b.data, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	assert_content_type(&r, "application/json; charset=utf-8"); /* JSON even when "streaming" */
	cJSON *v = json_of(&r);
	reply_free(&r);
	buf_free(&b);
	return v;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The indexing-status body of batch, exactly as a waiting document reads. */
static void assert_waiting(const char *batch, const char *doc_id)
{
	char path[256], want[1024];
	snprintf(path, sizeof path, "/v1/datasets/" DEMO "/documents/%s/indexing-status", batch);
	snprintf(want, sizeof want,
		 "{\"data\":[{\"id\":\"%s\",\"indexing_status\":\"waiting\",\"processing_started_at\":null,"
		 "\"parsing_completed_at\":null,\"cleaning_completed_at\":null,\"splitting_completed_at\":null,"
		 "\"completed_at\":null,\"paused_at\":null,\"error\":null,\"stopped_at\":null,\"completed_segments\":0,"
		 "\"total_segments\":0}]}\n",
		 doc_id);
	struct reply r;
	get(path, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, want);
	assert_content_type(&r, CT_JSON);
	reply_free(&r);
}

/* Polls indexing-status every 50 ms until no document is waiting; the last body. */
static cJSON *poll_done_on(const struct server *on, const char *kb, const char *batch, const char *key)
{
	char path[256], auth[128];
	snprintf(path, sizeof path, "/v1/datasets/%s/documents/%s/indexing-status", kb, batch);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	const char *h[] = { auth, NULL };
	double deadline = now_s() + 15;
	for (;;) {
		struct reply r;
		http_request(on, "GET", path, h, NULL, &r);
		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		cJSON *v = json_of(&r), *d;
		bool waiting = false;
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(v, "data"))
			waiting |= !strcmp(str_at(d, "indexing_status"), "waiting");
		if (!waiting) {
			/* the exact bytes of each entry, rebuilt from its values */
			struct buf want = BUF_INIT;
			buf_puts(&want, "{\"data\":[");
			cJSON_ArrayForEach(d, cJSON_GetObjectItem(v, "data")) {
				const cJSON *err = cJSON_GetObjectItem(d, "error"), *at = cJSON_GetObjectItem(d, "completed_at");
				char *err_json = json_print(err, JSON_UJSON, NULL);
				buf_printf(&want,
					   "%s{\"id\":\"%s\",\"indexing_status\":\"%s\",\"processing_started_at\":null,"
					   "\"parsing_completed_at\":null,\"cleaning_completed_at\":null,"
					   "\"splitting_completed_at\":null,\"completed_at\":%s,\"paused_at\":null,\"error\":%s,"
					   "\"stopped_at\":null,\"completed_segments\":%d,\"total_segments\":%d}",
					   d == cJSON_GetObjectItem(v, "data")->child ? "" : ",", str_at(d, "id"),
					   str_at(d, "indexing_status"), cJSON_IsNumber(at) ? at->valuestring : "null", err_json,
					   cJSON_GetObjectItem(d, "completed_segments")->valueint,
					   cJSON_GetObjectItem(d, "total_segments")->valueint);
				free(err_json);
			}
			buf_puts(&want, "]}\n");
			ck_assert_str_eq(r.body, want.data);
			buf_free(&want);
			reply_free(&r);
			return v;
		}
		cJSON_Delete(v);
		reply_free(&r);
		ck_assert_msg(now_s() < deadline, "documents of %s still waiting", batch);
		usleep(50 * 1000);
	}
}

static cJSON *poll_done(const char *kb, const char *batch, const char *key)
{
	return poll_done_on(&srv, kb, batch, key);
}

static cJSON *document(const char *doc_id, const char *query, long want_status, struct reply *r)
{
	char path[256];
	snprintf(path, sizeof path, "/v1/datasets/" DEMO "/documents/%s%s", doc_id, query);
	get(path, r);
	ck_assert_msg(r->status == want_status, "%ld %s", r->status, r->body);
	return want_status == 200 ? json_of(r) : NULL;
}

static void assert_keys(const cJSON *o, const char *const *keys)
{
	const cJSON *k = o->child;
	for (; *keys; keys++, k = k->next) {
		ck_assert_ptr_nonnull(k);
		ck_assert_str_eq(k->string, *keys);
	}
	ck_assert_ptr_null(k);
}

static const char *const doc_keys_all[] = {
	"id", "position", "data_source_type", "data_source_info", "dataset_process_rule_id", "dataset_process_rule",
	"document_process_rule", "name", "created_from", "created_by", "created_at", "tokens", "indexing_status",
	"completed_at", "updated_at", "indexing_latency", "error", "enabled", "disabled_at", "disabled_by", "archived",
	"doc_type", "doc_metadata", "segment_count", "average_segment_length", "hit_count", "display_status", "doc_form",
	"doc_language", "summary_index_status", "need_summary", NULL
};

/* The completed document: key order, values, and the three metadata modes. */
static void check_completed_document(const char *doc_id, const char *type, const char *info_json, const char *name)
{
	struct reply r;
	cJSON *d = document(doc_id, "", 200, &r);
	assert_content_type(&r, CT_JSON);
	assert_keys(d, doc_keys_all);
	ck_assert_str_eq(str_at(d, "data_source_type"), type);
	char *info = json_print(cJSON_GetObjectItem(d, "data_source_info"), JSON_UJSON, NULL);
	ck_assert_str_eq(info, info_json);
	free(info);
	ck_assert_str_eq(str_at(d, "name"), name);
	ck_assert_str_eq(str_at(d, "created_from"), "rag-pipeline");
	ck_assert_str_eq(str_at(d, "created_by"), OWNER);
	ck_assert_str_eq(str_at(d, "indexing_status"), "completed");
	ck_assert_str_eq(str_at(d, "display_status"), "available");
	ck_assert_str_eq(str_at(d, "doc_form"), "text_model");
	ck_assert_int_eq(cJSON_GetObjectItem(d, "segment_count")->valueint, 3);
	ck_assert(json_is_float(cJSON_GetObjectItem(d, "indexing_latency")));
	ck_assert(strstr(r.body, ",\"dataset_process_rule\":{\"mode\":\"custom\",\"rules\":{\"pre_processing_rules\":"
				 "[{\"id\":\"remove_extra_spaces\",\"enabled\":true},{\"id\":\"remove_urls_emails\","
				 "\"enabled\":false}],\"segmentation\":{\"delimiter\":\"\\n\",\"max_tokens\":1024,"
				 "\"chunk_overlap\":50}}},\"document_process_rule\":{},"));
	ck_assert(strstr(r.body, "\"tokens\":null,"));
	ck_assert(strstr(r.body, ",\"doc_language\":null,\"summary_index_status\":null,\"need_summary\":false}\n"));
	cJSON_Delete(d);
	reply_free(&r);
	char want[256];
	snprintf(want, sizeof want, "{\"id\":\"%s\",\"doc_type\":null,\"doc_metadata\":null}\n", doc_id);
	cJSON_Delete(document(doc_id, "?metadata=only", 200, &r));
	ck_assert_str_eq(r.body, want);
	cJSON_Delete(json_of(&r));
	reply_free(&r);
	d = document(doc_id, "?metadata=without", 200, &r);
	ck_assert_ptr_null(cJSON_GetObjectItem(d, "doc_type"));
	ck_assert_ptr_null(cJSON_GetObjectItem(d, "doc_metadata"));
	ck_assert_int_eq(cJSON_GetArraySize(d), 29);
	cJSON_Delete(d);
	reply_free(&r);
	/* the metadata value is checked after the document is found */
	document(doc_id, "?metadata=foo", 400, &r);
	assert_error(&r, 400, "{\"code\":\"invalid_metadata\",\"message\":\"Invalid metadata value: foo\",\"status\":400}\n");
	reply_free(&r);
}

/* ---- the flow, per datasource type ---- */

START_TEST(test_local_file_published)
{
	/* 1. discover */
	cJSON *e = plugin_entry("", FILE_NODE);
	ck_assert_str_eq(str_at(e, "datasource_type"), "local_file");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(e, "user_input_variables")), 0);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(e, "credentials")), 0);
	cJSON_Delete(e);
	/* 2. upload, as curl -F does */
	struct reply r;
	http_upload(&srv, DEMO_KEY, "quarterly-report.pdf", "application/pdf", "%PDF-1.7 hello", 14, &r);
	ck_assert_int_eq(r.status, 201);
	assert_content_type(&r, CT_JSON);
	ck_assert(reply_has_header(&r, "Access-Control-Allow-Origin"));
	cJSON *up = json_of(&r);
	const char *id = str_at(up, "id"), *at = str_at(up, "created_at");
	ck_assert(ids_is_uuid(id, strlen(id)));
	ck_assert_msg(strlen(at) == 26 || strlen(at) == 19, "created_at %s", at);
	ck_assert_int_eq(at[10], 'T');
	char want[512];
	snprintf(want, sizeof want,
		 "{\"id\":\"%s\",\"name\":\"quarterly-report.pdf\",\"size\":14,\"extension\":\"pdf\",\"mime_type\":"
		 "\"application\\/pdf\",\"created_by\":\"" OWNER "\",\"created_at\":\"%s\"}\n",
		 id, at);
	ck_assert_str_eq(r.body, want);
	reply_free(&r);
	/* 3. run */
	char items[256];
	snprintf(items, sizeof items, "[{\"reference\":\"%s\",\"name\":\"quarterly-report.pdf\"}]", id);
	cJSON *run = run_published("local_file", FILE_NODE, "{}", items, NULL);
	const char *batch = str_at(run, "batch");
	cJSON *doc = cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 0);
	const char *doc_id = str_at(doc, "id");
	ck_assert_str_eq(str_at(doc, "indexing_status"), "waiting");
	/* 4. poll: waiting, then completed */
	assert_waiting(batch, doc_id);
	struct reply q;
	cJSON_Delete(document(doc_id, "", 200, &q));
	ck_assert_msg(strstr(q.body, "\"display_status\":\"queuing\""), "%s", q.body);
	cJSON_Delete(json_of(&q));
	reply_free(&q);
	cJSON *st = poll_done(DEMO, batch, DEMO_KEY);
	cJSON *s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "data"), 0);
	ck_assert_str_eq(str_at(s0, "indexing_status"), "completed");
	ck_assert_int_eq(cJSON_GetObjectItem(s0, "total_segments")->valueint, 3);
	cJSON_Delete(st);
	/* 5. the document */
	check_completed_document(doc_id, "local_file", "{}", "quarterly-report.pdf");
	cJSON_Delete(run);
	cJSON_Delete(up);
}
END_TEST

START_TEST(test_online_document_published)
{
	cJSON *e = plugin_entry("?is_published=true", NOTION);
	cJSON *cred = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "credentials"), 0);
	char body[512];
	snprintf(body, sizeof body,
		 "{\"inputs\":{},\"datasource_type\":\"online_document\",\"credential_id\":\"%s\",\"is_published\":true}",
		 str_at(cred, "id"));
	struct stream_reply sr;
	cJSON *events = node_run(NODE_RUN(DEMO, NOTION), body, &sr);
	ck_assert_int_eq(cJSON_GetArraySize(events), 2);
	ck_assert(starts(sr.body, "data: {\"event\":\"datasource_processing\",\"total\":0,\"completed\":0}\n\n"
				    "data: {\"event\":\"datasource_completed\",\"data\":[{\"workspace_id\":"));
	ck_assert_msg(strstr(sr.body, "\"total\":0,\"completed\":0,\"time_consuming\":0.4}\n\n"), "%s", sr.body);
	ck_assert_msg(strstr(sr.body, "\"emoji\":\"\xe2\x9c\x85\""), "raw UTF-8 in orjson: %s", sr.body);
	/* §4.5: {"workspace_id", "page": {...}, "credential_id"} */
	const cJSON *info = cJSON_GetArrayItem(cJSON_GetObjectItem(last_event(events), "data"), 0);
	const cJSON *page = cJSON_GetArrayItem(cJSON_GetObjectItem(info, "pages"), 0);
	cJSON *item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, "workspace_id", str_at(info, "workspace_id"));
	cJSON_AddItemToObject(item, "page", json_dup(page));
	cJSON_AddStringToObject(item, "credential_id", str_at(cred, "id"));
	cJSON *items = cJSON_CreateArray();
	cJSON_AddItemToArray(items, item);
	char *items_json = json_print(items, JSON_ORJSON, NULL);
	cJSON *run = run_published("online_document", NOTION, "{}", items_json, NULL);
	const char *batch = str_at(run, "batch");
	const char *doc_id = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 0), "id");
	cJSON_Delete(poll_done(DEMO, batch, DEMO_KEY));
	check_completed_document(doc_id, "online_document", "{}", "Roadmap Q3");
	cJSON_Delete(run);
	free(items_json);
	cJSON_Delete(items);
	cJSON_Delete(events);
	stream_reply_free(&sr);
	cJSON_Delete(e);
}
END_TEST

START_TEST(test_website_crawl_published)
{
	cJSON *e = plugin_entry("", JINA);
	/* the inputs to supply: the variable names of user_input_variables */
	const cJSON *vars = cJSON_GetObjectItem(e, "user_input_variables");
	ck_assert_int_eq(cJSON_GetArraySize(vars), 2);
	ck_assert_str_eq(str_at(cJSON_GetArrayItem(vars, 0), "variable"), "jina_url");
	ck_assert_str_eq(str_at(cJSON_GetArrayItem(vars, 1), "variable"), "jina_limit");
	const char *inputs = "{\"jina_url\":\"https://docs.dify.ai/en/\",\"jina_limit\":10}";
	char body[512];
	snprintf(body, sizeof body, "{\"inputs\":%s,\"datasource_type\":\"website_crawl\",\"is_published\":true}", inputs);
	struct stream_reply sr;
	double t0 = now_s();
	cJSON *events = node_run(NODE_RUN(DEMO, JINA), body, &sr);
	double took = now_s() - t0;
	/* four processing events over the crawl, then the pages; 3 s simulated x 0.2 */
	ck_assert_int_eq(cJSON_GetArraySize(events), 5);
	ck_assert(starts(sr.body, "data: {\"event\":\"datasource_processing\",\"total\":4,\"completed\":0}\n\n"));
	ck_assert_msg(took >= 0.55 && took < 5, "took %.3f s", took);
	ck_assert_msg(stream_time_at(&sr, sr.body_len - 1) - stream_time_at(&sr, 0) >= 0.4, "progress spreads out");
	ck_assert_msg(strstr(sr.body, "\"total\":4,\"completed\":4,\"time_consuming\":3.0}\n\n"), "%s", sr.body);
	/* §4.5: {source_url, content, title, description, credential_id} */
	cJSON *page = json_dup(cJSON_GetArrayItem(cJSON_GetObjectItem(last_event(events), "data"), 1));
	cJSON_AddStringToObject(page, "credential_id", "01962b20-11aa-7b2c-8d3e-4f5a6b7c8d9e");
	char *page_json = json_print(page, JSON_ORJSON, NULL);
	char items[1024];
	snprintf(items, sizeof items, "[%s]", page_json);
	cJSON *run = run_published("website_crawl", JINA, inputs, items, NULL);
	const char *doc_id = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 0), "id");
	cJSON_Delete(poll_done(DEMO, str_at(run, "batch"), DEMO_KEY));
	/* website_crawl documents keep their item as data_source_info (ujson: \/) */
	char *info = json_print(page, JSON_UJSON, NULL);
	check_completed_document(doc_id, "website_crawl", info, "Install");
	ck_assert_msg(strstr(info, "https:\\/\\/docs.dify.ai\\/en\\/getting-started\\/install"), "%s", info);
	free(info);
	free(page_json);
	cJSON_Delete(page);
	cJSON_Delete(run);
	cJSON_Delete(events);
	stream_reply_free(&sr);
	cJSON_Delete(e);
}
END_TEST

START_TEST(test_online_drive_published)
{
	cJSON *e = plugin_entry("", DRIVE);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(e, "credentials")), 2);
	/* the root, then into a folder, a page at a time */
	struct stream_reply sr;
	cJSON *events = node_run(NODE_RUN(DEMO, DRIVE),
				 "{\"inputs\":{},\"datasource_type\":\"online_drive\",\"is_published\":true}", &sr);
	const cJSON *bucket = cJSON_GetArrayItem(cJSON_GetObjectItem(last_event(events), "data"), 0);
	const cJSON *folder = cJSON_GetArrayItem(cJSON_GetObjectItem(bucket, "files"), 0);
	ck_assert_str_eq(str_at(folder, "type"), "folder");
	ck_assert_msg(strstr(sr.body, "\"is_truncated\":false,\"next_page_parameters\":null}],\"total\":null,"
				      "\"completed\":null,\"time_consuming\":0.6}\n\n"),
		      "%s", sr.body);
	char body[512], folder_id[64];
	snprintf(folder_id, sizeof folder_id, "%s", str_at(folder, "id"));
	snprintf(body, sizeof body,
		 "{\"inputs\":{\"prefix\":\"%s\",\"max_keys\":2},\"datasource_type\":\"online_drive\",\"is_published\":true}",
		 folder_id);
	cJSON_Delete(events);
	stream_reply_free(&sr);
	events = node_run(NODE_RUN(DEMO, DRIVE), body, &sr);
	bucket = cJSON_GetArrayItem(cJSON_GetObjectItem(last_event(events), "data"), 0);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(bucket, "is_truncated")));
	char *next = json_print(cJSON_GetObjectItem(bucket, "next_page_parameters"), JSON_ORJSON, NULL);
	ck_assert_str_eq(next, "{\"offset\":2}");
	const cJSON *file = cJSON_GetArrayItem(cJSON_GetObjectItem(bucket, "files"), 0);
	/* §4.5: {"bucket", "id", "name", "type", "credential_id"} */
	char items[512];
	snprintf(items, sizeof items,
		 "[{\"bucket\":null,\"id\":\"%s\",\"name\":\"%s\",\"type\":\"file\",\"credential_id\":"
		 "\"01962b21-5f6e-7a8b-9c0d-1e2f3a4b5c6d\"}]",
		 str_at(file, "id"), str_at(file, "name"));
	snprintf(body, sizeof body,
		 "{\"inputs\":{\"prefix\":\"%s\",\"max_keys\":2,\"next_page_parameters\":%s},\"datasource_type\":"
		 "\"online_drive\",\"is_published\":true}",
		 folder_id, next);
	struct stream_reply sr2;
	cJSON *page2 = node_run(NODE_RUN(DEMO, DRIVE), body, &sr2);
	ck_assert_msg(strstr(sr2.body, "\"name\":\"Archive\""), "%s", sr2.body);
	cJSON_Delete(page2);
	stream_reply_free(&sr2);
	cJSON *run = run_published("online_drive", DRIVE, "{}", items, NULL);
	const char *doc_id = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 0), "id");
	cJSON_Delete(poll_done(DEMO, str_at(run, "batch"), DEMO_KEY));
	check_completed_document(doc_id, "online_drive", "{}", "spec-v2.pdf");
	cJSON_Delete(run);
	free(next);
	cJSON_Delete(events);
	stream_reply_free(&sr);
	cJSON_Delete(e);
}
END_TEST

/* A folder item, as the root's listing shows it, becomes one document per
 * file under it, subfolders included (wire.md §5, §6 step 1), each stored
 * as {"id", "name", "bucket"}; indexing-status lists them all. A draft run
 * of it runs its first file. */
START_TEST(test_online_drive_folder_items_become_their_files)
{
	const char *folder = "[{\"bucket\":null,\"id\":\"1FoLdEr0ProductSpecs000000000000\",\"name\":\"Product specs\","
			     "\"type\":\"folder\",\"credential_id\":\"01962b21-5f6e-7a8b-9c0d-1e2f3a4b5c6d\"},"
			     "{\"bucket\":null,\"id\":\"1FiLe00Onboarding00000000000000\",\"name\":\"onboarding.md\","
			     "\"type\":\"file\"}]";
	cJSON *run = run_published("online_drive", DRIVE, "{}", folder, NULL);
	const cJSON *docs = cJSON_GetObjectItem(run, "documents");
	static const char *const want[][2] = {
		{ "1FiLe00SpecV2000000000000000000", "spec-v2.pdf" },
		{ "1FiLe00ApiGuide0000000000000000", "api-guide.docx" },
		{ "1FiLe00SpecV1000000000000000000", "spec-v1.pdf" },
		{ "1FiLe00Onboarding00000000000000", "onboarding.md" },
	};
	ck_assert_int_eq(cJSON_GetArraySize(docs), 4);
	int first = cJSON_GetObjectItem(cJSON_GetArrayItem(docs, 0), "position")->valueint;
	for (int i = 0; i < 4; i++) {
		const cJSON *d = cJSON_GetArrayItem(docs, i);
		ck_assert_str_eq(str_at(d, "name"), want[i][1]);
		ck_assert_int_eq(cJSON_GetObjectItem(d, "position")->valueint, first + i);
		char *info = json_print(cJSON_GetObjectItem(d, "data_source_info"), JSON_ORJSON, NULL);
		char expect[256];
		snprintf(expect, sizeof expect, "{\"id\":\"%s\",\"name\":\"%s\",\"bucket\":null}", want[i][0], want[i][1]);
		ck_assert_str_eq(info, expect);
		free(info);
	}
	cJSON *status = poll_done(DEMO, str_at(run, "batch"), DEMO_KEY);
	const cJSON *data = cJSON_GetObjectItem(status, "data");
	ck_assert_int_eq(cJSON_GetArraySize(data), 4);
	for (int i = 0; i < 4; i++) {
		const cJSON *d = cJSON_GetArrayItem(data, i);
		ck_assert_str_eq(str_at(d, "id"), str_at(cJSON_GetArrayItem(docs, i), "id"));
		ck_assert_str_eq(str_at(d, "indexing_status"), "completed");
	}
	cJSON_Delete(status);
	check_completed_document(str_at(cJSON_GetArrayItem(docs, 2), "id"), "online_drive", "{}", "spec-v1.pdf");
	cJSON_Delete(run);
	/* An unknown folder holds nothing: no documents. */
	run = run_published("online_drive", DRIVE, "{}", "[{\"id\":\"nope\",\"type\":\"folder\"}]", NULL);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(run, "documents")), 0);
	cJSON_Delete(run);
	/* The draft runs the folder's first file, rewritten. */
	struct buf body = BUF_INIT;
	buf_printf(&body,
		   "{\"inputs\":{},\"datasource_type\":\"online_drive\",\"start_node_id\":\"" DRIVE "\","
		   "\"datasource_info_list\":%s,\"is_published\":false,\"response_mode\":\"streaming\"}",
		   folder);
	struct stream_reply sr;
	cJSON *events = node_run(RUN_PATH(DEMO), body.data, &sr);
	buf_free(&body);
	const cJSON *nf = cJSON_GetArrayItem(events, 2);
	ck_assert_str_eq(str_at(nf, "event"), "node_finished");
	const cJSON *inputs = cJSON_GetObjectItem(cJSON_GetObjectItem(nf, "data"), "inputs");
	ck_assert_str_eq(str_at(inputs, "id"), "1FiLe00SpecV2000000000000000000");
	ck_assert_str_eq(str_at(inputs, "name"), "spec-v2.pdf");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(inputs, "bucket")));
	ck_assert_ptr_null(cJSON_GetObjectItem(inputs, "type"));
	cJSON_Delete(events);
	stream_reply_free(&sr);
}
END_TEST

/* The draft variant: ?is_published=false reads the draft; runs create no documents. */
START_TEST(test_draft_variants)
{
	struct reply r;
	/* Draft Only has no published workflow: is_published=false reaches its
	 * draft (from 1.17 on: test_dify_version_selects_the_behaviour has 1.13.3) */
	get(PLUGINS(DRAFT_ONLY), &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"Pipeline or workflow not found\",\"status\":400}\n");
	reply_free(&r);
	get(PLUGINS(DRAFT_ONLY) "?is_published=false", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(starts(r.body, "[{\"node_id\":\"1750836391776\",\"plugin_id\":\"langgenius\\/file\","), "%s",
		      r.body);
	reply_free(&r);
	/* each type's node run on the draft, then a draft run of the first item */
	static const struct {
		const char *node, *type, *inputs, *item;
	} flows[] = {
		{ NOTION, "online_document", "{}", NULL },
		{ JINA, "website_crawl", "{\"jina_url\":\"https://docs.dify.ai/en/\",\"jina_limit\":10}", NULL },
		{ DRIVE, "online_drive", "{}", NULL },
		{ FILE_NODE, "local_file", "{}", NULL },
	};
	for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++) {
		char path[256], body[512];
		snprintf(path, sizeof path, "/v1/datasets/" DEMO "/pipeline/datasource/nodes/%s/run", flows[i].node);
		snprintf(body, sizeof body, "{\"inputs\":%s,\"datasource_type\":\"%s\",\"is_published\":false}",
			 flows[i].inputs, flows[i].type);
		struct stream_reply sr;
		cJSON *events = node_run(path, body, &sr);
		const cJSON *last = last_event(events);
		char item[1024] = "";
		if (!strcmp(flows[i].type, "local_file")) {
			ck_assert_str_eq(str_at(last, "event"), "datasource_error");
			ck_assert_msg(starts(str_at(last, "error"), "Unsupported datasource provider: <bound method "), "%s",
				      str_at(last, "error"));
			struct reply u;
			http_upload(&srv, DEMO_KEY, "notes.txt", "text/plain", "hi", 2, &u);
			ck_assert_int_eq(u.status, 201);
			cJSON *uj = json_of(&u);
			snprintf(item, sizeof item, "{\"related_id\":\"%s\",\"name\":\"notes.txt\",\"type\":\"document\","
						    "\"size\":2,\"extension\":\"txt\",\"mime_type\":\"text/plain\",\"url\":\"\","
						    "\"transfer_method\":\"local_file\",\"credential_id\":\"\"}",
				 str_at(uj, "id"));
			cJSON_Delete(uj);
			reply_free(&u);
		} else {
			ck_assert_str_eq(str_at(last, "event"), "datasource_completed");
			const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(last, "data"), 0);
			char *j = json_print(first, JSON_ORJSON, NULL);
			if (!strcmp(flows[i].type, "online_drive"))
				snprintf(item, sizeof item, "{\"bucket\":null,\"id\":\"1FiLe00Onboarding00000000000000\","
							    "\"name\":\"onboarding.md\",\"type\":\"file\"}");
			else if (!strcmp(flows[i].type, "online_document"))
				snprintf(item, sizeof item, "{\"workspace_id\":\"x\",\"page\":{\"page_id\":\"p\",\"page_name\":"
							    "\"Roadmap Q3\",\"type\":\"page\"}}");
			else
				snprintf(item, sizeof item, "%s", j);
			free(j);
		}
		cJSON_Delete(events);
		stream_reply_free(&sr);
		snprintf(body, sizeof body,
			 "{\"inputs\":%s,\"datasource_type\":\"%s\",\"start_node_id\":\"%s\",\"datasource_info_list\":[%s],"
			 "\"is_published\":false,\"response_mode\":\"blocking\"}",
			 flows[i].inputs, flows[i].type, flows[i].node, item);
		struct reply run;
		post_json(&srv, RUN_PATH(DEMO), body, &run);
		ck_assert_msg(run.status == 200, "%ld %s", run.status, run.body);
		ck_assert_msg(strstr(run.body, "\"status\": \"succeeded\""), "%s", run.body);
		ck_assert_msg(!strstr(run.body, "\"batch\""), "a draft run answers the workflow, no documents: %s", run.body);
		reply_free(&run);
	}
	/* an empty draft answers the published shape with no documents: nothing to poll */
	post_json(&srv, RUN_PATH(DEMO),
		  "{\"inputs\":{},\"datasource_type\":\"local_file\",\"start_node_id\":\"" FILE_NODE "\","
		  "\"datasource_info_list\":[],\"is_published\":false,\"response_mode\":\"blocking\"}",
		  &r);
	cJSON *v = json_of(&r);
	char path[256];
	snprintf(path, sizeof path, "/v1/datasets/" DEMO "/documents/%s/indexing-status", str_at(v, "batch"));
	cJSON_Delete(v);
	reply_free(&r);
	get(path, &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Documents not found.\",\"status\":404}\n");
	reply_free(&r);
}
END_TEST

/* A scenario's node changes apply to the documents' runs. */
START_TEST(test_scenario_makes_documents_fail)
{
	const char *h[] = { "X-Dify-Mock-Scenario: chunker-fails", NULL };
	cJSON *run = run_published("local_file", FILE_NODE, "{}",
				   "[{\"reference\":\"a1\",\"name\":\"a.pdf\"},{\"reference\":\"a2\",\"name\":\"b.pdf\"}]", h);
	cJSON *st = poll_done(DEMO, str_at(run, "batch"), DEMO_KEY);
	const cJSON *d;
	int n = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(st, "data")) {
		ck_assert_str_eq(str_at(d, "indexing_status"), "error");
		ck_assert_str_eq(str_at(d, "error"), "Failed to invoke tool: upstream chunker service returned 503");
		ck_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "completed_at")));
		n++;
	}
	ck_assert_int_eq(n, 2);
	struct reply r;
	const char *doc_id = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 1), "id");
	cJSON *doc = document(doc_id, "", 200, &r);
	ck_assert_str_eq(str_at(doc, "display_status"), "error");
	ck_assert_str_eq(str_at(doc, "name"), "b.pdf");
	cJSON_Delete(doc);
	reply_free(&r);
	cJSON_Delete(st);
	cJSON_Delete(run);
}
END_TEST

/* ---- each endpoint's errors ---- */

/* A multipart body: parts of (Content-Disposition parameters, Content-Type or NULL, contents). */
static char *multipart(size_t n, const char *const *parts, size_t *len)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; %s\r\n", parts[3 * i]);
		if (parts[3 * i + 1])
			buf_printf(&b, "Content-Type: %s\r\n", parts[3 * i + 1]);
		buf_printf(&b, "\r\n%s\r\n", parts[3 * i + 2]);
	}
	buf_puts(&b, "--XyZ--\r\n");
	return buf_steal(&b, len);
}

static void upload_parts(size_t n, const char *const *parts, struct reply *r)
{
	size_t len;
	char *b = multipart(n, parts, &len);
	post_raw(UPLOAD, "multipart/form-data; boundary=XyZ", b, len, r);
	free(b);
}

START_TEST(test_upload_errors)
{
	struct reply r;
	http_request(&srv, "GET", UPLOAD, NULL, NULL, &r);
	assert_error(&r, 405, "{\"code\":\"method_not_allowed\",\"message\":\"The method is not allowed for the requested URL.\","
			      "\"status\":405}\n");
	reply_free(&r);
	http_request(&srv, "POST", UPLOAD, NULL, NULL, &r);
	assert_error(&r, 401, "{\"code\":\"unauthorized\",\"message\":\"Authorization header must be provided and start with "
			      "'Bearer'\",\"status\":401}\n");
	ck_assert(reply_has_header(&r, "WWW-Authenticate"));
	reply_free(&r);
	const char *pre[] = { "Origin: https://app.example", "Access-Control-Request-Method: POST", NULL };
	http_request(&srv, "OPTIONS", UPLOAD, pre, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	post_raw(UPLOAD, "application/json", "{}", 2, &r);
	assert_error(&r, 400, "{\"code\":\"no_file_uploaded\",\"message\":\"Please upload your file.\",\"status\":400}\n");
	reply_free(&r);
	const char *two[] = { "name=\"file\"; filename=\"a.pdf\"", "application/pdf", "x", "name=\"file2\"; filename=\"b\"",
			      "text/plain", "y" };
	upload_parts(2, two, &r);
	assert_error(&r, 400, "{\"code\":\"too_many_files\",\"message\":\"Only one file is allowed.\",\"status\":400}\n");
	reply_free(&r);
	const char *no_ct[] = { "name=\"file\"; filename=\"a.pdf\"", NULL, "x" };
	upload_parts(1, no_ct, &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"\",\"status\":400}\n");
	reply_free(&r);
	const char *no_name[] = { "name=\"file\"; filename=\"\"", "text/plain", "x" };
	upload_parts(1, no_name, &r);
	assert_error(&r, 400, "{\"code\":\"filename_not_exists_error\",\"message\":\"The specified filename does not exist.\","
			      "\"status\":400}\n");
	reply_free(&r);
	const char *windows[] = { "name=\"file\"; filename=\"C:\\\\dir\\\\a.pdf\"", "application/pdf", "x" };
	upload_parts(1, windows, &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"Filename contains invalid characters\",\"status\":400}\n");
	reply_free(&r);
	/* 15 MiB passes (inclusive), one byte more is "None" */
	size_t mib15 = 15u * 1024 * 1024;
	char *big = malloc(mib15 + 1);
	memset(big, 'x', mib15 + 1);
	http_upload(&srv, DEMO_KEY, "big.pdf", "application/pdf", big, mib15, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	ck_assert_msg(strstr(r.body, "\"size\":15728640,"), "%s", r.body);
	reply_free(&r);
	http_upload(&srv, DEMO_KEY, "big.pdf", "application/pdf", big, mib15 + 1, &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"None\",\"status\":400}\n");
	reply_free(&r);
	free(big);
	/* a form field over 500,000 bytes */
	char *field = malloc(500002);
	memset(field, 'f', 500001);
	field[500001] = '\0';
	const char *huge[] = { "name=\"user\"", NULL, field, "name=\"file\"; filename=\"a.pdf\"", "application/pdf", "x" };
	upload_parts(2, huge, &r);
	assert_error(&r, 413, "{\"code\":\"request_entity_too_large\",\"message\":\"The data value transmitted exceeds the "
			      "capacity limit.\",\"status\":413}\n");
	reply_free(&r);
	free(field);
	/* a non-ASCII name is \u-escaped; a long one is shortened */
	http_upload(&srv, DEMO_KEY, "\xe6\x8a\xa5\xe5\x91\x8a r\xc3\xa9sum\xc3\xa9.pdf", "Text/Plain; charset=UTF-8", "x", 1, &r);
	ck_assert_int_eq(r.status, 201);
	ck_assert_msg(strstr(r.body, "\"name\":\"\\u62a5\\u544a r\\u00e9sum\\u00e9.pdf\",\"size\":1,\"extension\":\"pdf\","
				     "\"mime_type\":\"text\\/plain\","),
		      "%s", r.body);
	reply_free(&r);
	char longname[300];
	memset(longname, 'n', 250);
	snprintf(longname + 250, sizeof longname - 250, ".Md");
	http_upload(&srv, DEMO_KEY, longname, "text/markdown", "x", 1, &r);
	ck_assert_int_eq(r.status, 201);
	cJSON *v = json_of(&r);
	ck_assert_uint_eq(strlen(str_at(v, "name")), 203);
	ck_assert_str_eq(str_at(v, "name") + 200, ".md");
	cJSON_Delete(v);
	reply_free(&r);
}
END_TEST

START_TEST(test_plugins_errors)
{
	struct reply r;
	get(PLUGINS(UNKNOWN_KB), &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Dataset not found. You have requested this URI "
			      "[\\/v1\\/datasets\\/9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f\\/pipeline\\/datasource-plugins] but did "
			      "you mean \\/v1\\/datasets\\/<uuid:dataset_id>\\/pipeline\\/datasource-plugins ?\",\"status\":404}\n");
	reply_free(&r);
	get(PLUGINS(OTHER_TEAM_KB), &r); /* another tenant's dataset: the same 404 */
	ck_assert_int_eq(r.status, 404);
	ck_assert(strstr(r.body, "did you mean"));
	reply_free(&r);
	get(PLUGINS(INTERNAL), &r);
	assert_error(&r, 403, "{\"code\":\"forbidden\",\"message\":\"Dataset api access is not enabled.\",\"status\":403}\n");
	reply_free(&r);
	get(PLUGINS(CLASSIC), &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"Pipeline not found\",\"status\":400}\n");
	reply_free(&r);
	get("/v1/datasets/not-a-uuid/pipeline/datasource-plugins", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, html_404);
	reply_free(&r);
	http_request(&srv, "POST", PLUGINS(DEMO), NULL, NULL, &r);
	ck_assert_int_eq(r.status, 405);
	reply_free(&r);
	const char *bad[] = { "Authorization: Bearer app-123", NULL };
	http_request(&srv, "GET", PLUGINS(DEMO), bad, NULL, &r);
	assert_error(&r, 401, "{\"code\":\"unauthorized\",\"message\":\"Access token is invalid\",\"status\":401}\n");
	reply_free(&r);
}
END_TEST

START_TEST(test_node_run_errors)
{
	struct reply r;
	post_json(&srv, NODE_RUN(UNKNOWN_KB, NOTION), "{}", &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Dataset not found.\",\"status\":404}\n");
	reply_free(&r);
	post_raw(NODE_RUN(DEMO, NOTION), "text/plain", "{}", 2, &r);
	assert_error(&r, 415, "{\"code\":\"unsupported_media_type\",\"message\":\"Did not attempt to load JSON data because the "
			      "request Content-Type was not 'application\\/json'.\",\"status\":415}\n");
	reply_free(&r);
	post_json(&srv, NODE_RUN(DEMO, NOTION), "{", &r);
	assert_error(&r, 400, "{\"code\":\"bad_request\",\"message\":\"The browser (or proxy) sent a request that this server "
			      "could not understand.\",\"status\":400}\n");
	reply_free(&r);
	post_json(&srv, NODE_RUN(DEMO, NOTION), "{}", &r);
	assert_error(&r, 400,
		     "{\"code\":\"invalid_param\",\"message\":\"3 validation errors for DatasourceNodeRunPayload\\ninputs\\n  "
		     "Field required [type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		     "https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\ndatasource_type\\n  Field required [type=missing, "
		     "input_value={}, input_type=dict]\\n    For further information visit "
		     "https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\nis_published\\n  Field required [type=missing, "
		     "input_value={}, input_type=dict]\\n    For further information visit "
		     "https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\",\"status\":400}\n");
	reply_free(&r);
	post_json(&srv, NODE_RUN(CLASSIC, NOTION), "{\"inputs\":{},\"datasource_type\":\"x\",\"is_published\":true}", &r);
	assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"Pipeline not found\",\"status\":400}\n");
	reply_free(&r);
	http_request(&srv, "POST", "/v1/datasets/" DEMO "/pipeline/datasource/nodes//run", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, html_404);
	reply_free(&r);
	/* from here on, 200 and one datasource_error in the stream */
	static const struct {
		const char *path, *body, *error;
	} cases[] = {
		{ NODE_RUN(DRAFT_ONLY, FILE_NODE), "{\"inputs\":{},\"datasource_type\":\"local_file\",\"is_published\":true}",
		  "Workflow not initialized" },
		{ NODE_RUN(DEMO, "nope"), "{\"inputs\":{},\"datasource_type\":\"online_document\",\"is_published\":true}",
		  "Datasource node data not found" },
		{ NODE_RUN(DEMO, NOTION), "{\"inputs\":{},\"datasource_type\":\"notion\",\"is_published\":true}",
		  "'notion' is not a valid DatasourceProviderType" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct stream_reply sr;
		cJSON *events = node_run(cases[i].path, cases[i].body, &sr);
		char want[256];
		snprintf(want, sizeof want, "data: {\"event\":\"datasource_error\",\"error\":\"%s\"}\n\n", cases[i].error);
		ck_assert_str_eq(sr.body, want);
		cJSON_Delete(events);
		stream_reply_free(&sr);
	}
}
END_TEST

START_TEST(test_documents_errors)
{
	struct reply r;
	get("/v1/datasets/" UNKNOWN_KB "/documents/20260412093015482913/indexing-status", &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Dataset not found.\",\"status\":404}\n");
	reply_free(&r);
	get("/v1/datasets/" DEMO "/documents/no-such-batch/indexing-status", &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Documents not found.\",\"status\":404}\n");
	reply_free(&r);
	get("/v1/datasets/" DEMO "/documents/not-a-uuid", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, html_404);
	reply_free(&r);
	get("/v1/datasets/" DEMO "/documents/0c3f7a52-8d41-4e0b-9a6e-2b7f1c9d4e10?metadata=foo", &r);
	assert_error(&r, 404, "{\"code\":\"not_found\",\"message\":\"Document not found.\",\"status\":404}\n");
	reply_free(&r);
	get("/v1/datasets/" INTERNAL "/documents/0c3f7a52-8d41-4e0b-9a6e-2b7f1c9d4e10", &r);
	assert_error(&r, 403, "{\"code\":\"forbidden\",\"message\":\"Dataset api access is not enabled.\",\"status\":403}\n");
	reply_free(&r);
	/* a document of Demo Docs read through another knowledge base; then forgotten by a reset */
	cJSON *run = run_published("local_file", FILE_NODE, "{}", "[{\"reference\":\"a1\",\"name\":\"r.pdf\"}]", NULL);
	const char *doc_id = str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "documents"), 0), "id");
	char path[256];
	snprintf(path, sizeof path, "/v1/datasets/6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f/documents/%s", doc_id);
	get(path, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	for (char *c = path + strlen(path) - 36; *c; c++) /* upper case: the uuid converter lower-cases */
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	memcpy(path + 13, DEMO, 36);
	get(path, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	reply_free(&r);
	http_request(&srv, "DELETE", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 405);
	reply_free(&r);
	http_request(&srv, "POST", "/_mock/reset", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	get(path, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	cJSON_Delete(run);
}
END_TEST

/* ---- --dify-version ---- */

/* What differs between the releases a server is told to behave as: the
 * X-Version header, datasource-plugins' is_published, and whether a
 * published run with a bad input uses up document positions. */
static void check_version(const char *version, bool newest)
{
	struct server s;
	const char *with[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0", "--dify-version", version, NULL };
	const char *without[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0", NULL };
	server_start(&s, version ? with : without);
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, NULL };
	struct reply r;
	http_request(&s, "GET", PLUGINS(DRAFT_ONLY) "?is_published=false", h, NULL, &r);
	char *x = reply_header(&r, "X-Version");
	ck_assert_str_eq(x, newest ? "1.17.1" : "1.13.3");
	free(x);
	if (newest)
		ck_assert_msg(r.status == 200 && starts(r.body, "[{\"node_id\":"), "%ld %s", r.status, r.body);
	else /* bool("false") is True: the published workflow, which Draft Only lacks */
		assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"Pipeline or workflow not found\","
				      "\"status\":400}\n");
	reply_free(&r);
	http_request(&s, "GET", PLUGINS(DRAFT_ONLY) "?is_published=", h, NULL, &r);
	if (newest)
		assert_error(&r, 400, "{\"code\":\"invalid_param\",\"message\":\"1 validation error for "
				      "DatasourcePluginsQuery\\nis_published\\n  Input should be a valid boolean, unable to "
				      "interpret input [type=bool_parsing, input_value='', input_type=str]\\n    For further "
				      "information visit https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/bool_parsing\",\"status\":400}\n");
	else
		ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* The query is read before the pipeline is looked up. */
	http_request(&s, "GET", PLUGINS(CLASSIC) "?is_published=maybe", h, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, newest ? "input_value='maybe'" : "\"Pipeline not found\""), "%s", r.body);
	reply_free(&r);
	/* A published run whose input is bad (Jina Reader needs jina_url),
	 * then a good one: 1.13.3 had committed the first one's document. */
	const char *hj[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json", NULL };
	const char *run = "{\"inputs\":{},\"datasource_type\":\"website_crawl\",\"start_node_id\":\"" JINA "\","
			  "\"datasource_info_list\":[{\"source_url\":\"u\",\"title\":\"t\"}],\"is_published\":true,"
			  "\"response_mode\":\"blocking\"}";
	http_request(&s, "POST", RUN_PATH(DEMO), hj, run, &r);
	assert_error(&r, 500, "{\"code\":\"pipeline_run_error\",\"message\":\"jina_url is required in input form\","
			      "\"status\":500}\n");
	reply_free(&r);
	http_request(&s, "POST", RUN_PATH(DEMO), hj,
		     "{\"inputs\":{},\"datasource_type\":\"local_file\",\"start_node_id\":\"" FILE_NODE "\","
		     "\"datasource_info_list\":[{\"reference\":\"a\",\"name\":\"a.pdf\"}],\"is_published\":true,"
		     "\"response_mode\":\"blocking\"}",
		     &r);
	ck_assert_msg(strstr(r.body, newest ? "\"position\": 3," : "\"position\": 4,"), "%s", r.body);
	reply_free(&r);
	ck_assert_int_eq(server_stop(&s), 0);
}

START_TEST(test_dify_version_selects_the_behaviour)
{
	check_version("1.13.3", false);
	check_version("1.17", true);
	check_version(NULL, true); /* the default: the newest */
}
END_TEST

/* ---- strict file references (tests/e2e/fixtures-flow/strict.json) ---- */

#define STRICT_KB "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
#define STRICT_KEY "dataset-flowstrictkey0000000000"
#define NEIGHBOUR_KEY "dataset-flowneighbourkey00000000"

START_TEST(test_strict_file_references)
{
	struct server strict;
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR "/../fixtures-flow", "--time-scale", "0", NULL };
	server_start(&strict, args);
	struct reply r;
	const char *h[] = { "Authorization: Bearer " STRICT_KEY, "Content-Type: application/json", NULL };
	/* a reference nobody uploaded: the draft fails in its datasource node */
	http_request(&strict, "POST", RUN_PATH(STRICT_KB), h,
		     "{\"inputs\":{},\"datasource_type\":\"local_file\",\"start_node_id\":\"" FILE_NODE "\","
		     "\"datasource_info_list\":[{\"reference\":\"a1\",\"name\":\"a.pdf\"}],\"is_published\":false,"
		     "\"response_mode\":\"blocking\"}",
		     &r);
	ck_assert_int_eq(r.status, 200);
	/* get_upload_file_by_id's error (graph-semantics.md §3.5) */
	ck_assert_msg(strstr(r.body, "\"status\": \"failed\", \"outputs\": {}, \"error\": \"UploadFile not found for "
				     "file_id=a1, tenant_id="),
		      "%s", r.body);
	reply_free(&r);
	/* one uploaded by another workspace does not count either */
	http_upload(&strict, NEIGHBOUR_KEY, "n.pdf", "application/pdf", "x", 1, &r);
	ck_assert_int_eq(r.status, 201);
	cJSON *theirs = json_of(&r);
	reply_free(&r);
	http_upload(&strict, STRICT_KEY, "mine.pdf", "application/pdf", "x", 1, &r);
	cJSON *mine = json_of(&r);
	reply_free(&r);
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "{\"inputs\":{},\"datasource_type\":\"local_file\",\"start_node_id\":\"" FILE_NODE "\","
		   "\"datasource_info_list\":[{\"reference\":\"%s\",\"name\":\"theirs.pdf\"},{\"related_id\":\"%s\","
		   "\"name\":\"mine.pdf\"}],\"is_published\":true,\"response_mode\":\"blocking\"}",
		   str_at(theirs, "id"), str_at(mine, "id"));
	http_request(&strict, "POST", RUN_PATH(STRICT_KB), h, b.data, &r);
	ck_assert_int_eq(r.status, 200);
	cJSON *run = json_of(&r);
	reply_free(&r);
	cJSON *st = poll_done_on(&strict, STRICT_KB, str_at(run, "batch"), STRICT_KEY);
	const cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "data"), 0);
	const cJSON *d1 = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "data"), 1);
	ck_assert_str_eq(str_at(d0, "indexing_status"), "error");
	ck_assert_msg(!strncmp(str_at(d0, "error"), "UploadFile not found for file_id=", 33), "%s", str_at(d0, "error"));
	ck_assert_str_eq(str_at(d1, "indexing_status"), "completed");
	ck_assert_int_eq(cJSON_GetObjectItem(d1, "total_segments")->valueint, 1);
	cJSON_Delete(st);
	/* the same file through a dify-file-ref, in a draft */
	cJSON *payload = cJSON_CreateObject();
	cJSON_AddStringToObject(payload, "record_id", str_at(mine, "id"));
	char *pj = json_print(payload, JSON_ORJSON, NULL);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct buf ref = BUF_INIT;
	size_t n = strlen(pj);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)pj[i] << 16 | (i + 1 < n ? (unsigned char)pj[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)pj[i + 2] : 0);
		buf_putc(&ref, b64[v >> 18 & 63]);
		buf_putc(&ref, b64[v >> 12 & 63]);
		buf_putc(&ref, i + 1 < n ? b64[v >> 6 & 63] : '=');
		buf_putc(&ref, i + 2 < n ? b64[v & 63] : '=');
	}
	buf_reset(&b);
	buf_printf(&b,
		   "{\"inputs\":{},\"datasource_type\":\"local_file\",\"start_node_id\":\"" FILE_NODE "\","
		   "\"datasource_info_list\":[{\"reference\":\"dify-file-ref:%s\",\"name\":\"mine.pdf\"}],"
		   "\"is_published\":false,\"response_mode\":\"blocking\"}",
		   ref.data);
	http_request(&strict, "POST", RUN_PATH(STRICT_KB), h, b.data, &r);
	ck_assert_msg(strstr(r.body, "\"status\": \"succeeded\""), "%s", r.body);
	reply_free(&r);
	buf_free(&ref);
	free(pj);
	cJSON_Delete(payload);
	buf_free(&b);
	cJSON_Delete(run);
	cJSON_Delete(mine);
	cJSON_Delete(theirs);
	ck_assert_int_eq(server_stop(&strict), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-flow");
	TCase *tc = tcase_create("flow");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_local_file_published);
	tcase_add_test(tc, test_online_document_published);
	tcase_add_test(tc, test_website_crawl_published);
	tcase_add_test(tc, test_online_drive_published);
	tcase_add_test(tc, test_online_drive_folder_items_become_their_files);
	tcase_add_test(tc, test_draft_variants);
	tcase_add_test(tc, test_scenario_makes_documents_fail);
	tcase_add_test(tc, test_upload_errors);
	tcase_add_test(tc, test_plugins_errors);
	tcase_add_test(tc, test_node_run_errors);
	tcase_add_test(tc, test_documents_errors);
	tcase_add_test(tc, test_dify_version_selects_the_behaviour);
	tcase_add_test(tc, test_strict_file_references);
	suite_add_tcase(s, tc);
	return s;
}
