/* test-pipeline.c -- the simulator on the bundled fixtures: which nodes run
 * from a start node, in what order and when, how runs end (succeeded,
 * failed, partial-succeeded, setup error), and the exact bytes of the events
 * (orjson, wire.md §9) and of the blocking body (json.dumps, §7.2). The
 * clock is passed in (created_at_ms); ids come from ids_seed(). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"
#include "template.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define FLAKY "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
#define FALLBACK "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"
#define DEMO_DRAFT_ID "7c3e33d4-2a8b-4e5f-9b1a-d3c6e8f1d4af"
#define DEMO_PIPELINE_ID "3d9f0b7a-1c2e-4f3a-9b8c-7d6e5f4a3b2c"
#define OWNER_ID "e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b"

#define FILE_UPLOAD "1750836391776"
#define NOTION "1752489759475"
#define JINA "1752491761974"
#define GDRIVE "1752565435219"
#define EXTRACTOR "1750836380067"
#define CHUNKER "1750836372241"
#define KNOWLEDGE_BASE "1750836440531"

#define T0 1776000000123LL /* created_at_ms used throughout */
#define CHUNKER_ERROR "Failed to invoke tool: upstream chunker service returned 503"

static struct fixtures *fx;

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(FIXTURES_DIR, &fx, &p);
	ck_assert_msg(rc == 0, "bundled fixtures: %s", p.n ? p.lines[0] : "");
	ids_seed(20260412);
}

static void teardown(void)
{
	fixtures_free(fx);
	fx = NULL;
	ids_unseed();
}

static const struct fx_kb *kb(const char *id)
{
	const struct fx_kb *k = fixtures_kb(fx, id);
	ck_assert_msg(k && k->pipeline && k->pipeline->draft, "no draft pipeline in %s", id);
	return k;
}

static cJSON *parse(const char *text)
{
	cJSON *v;
	char err[128];
	ck_assert_msg(json_parse(text, strlen(text), &v, err, sizeof err) == 0, "%s: %s", text, err);
	return v;
}

/* A draft run of knowledge base kb_id from start with item (JSON text) and
 * inputs (JSON text or NULL). */
static struct run *run_from(const char *kb_id, const char *start, const char *type, const char *item,
			    const char *inputs, int64_t created_at_ms)
{
	const struct fx_kb *k = kb(kb_id);
	cJSON *it = parse(item);
	struct run_params p = {
		.kb = k,
		.wf = k->pipeline->draft,
		.start_node_id = start,
		.datasource_type = type,
		.item = it,
		.inputs = inputs ? parse(inputs) : NULL,
		.created_at_ms = created_at_ms,
	};
	struct run *r = pipeline_run_new(&p);
	cJSON_Delete(it); /* the run keeps its own copy */
	ck_assert_ptr_nonnull(r);
	return r;
}

#define REPORT_ITEM "{\"reference\":\"a1b2c3d4-e5f6-7890-abcd-ef1234567890\",\"name\":\"report.pdf\",\"size\":48213}"

static struct run *demo_run(void)
{
	return run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", REPORT_ITEM, NULL, T0);
}

/* Event i's JSON text (heap). */
static char *event_text(const struct run *r, size_t i)
{
	struct buf b = BUF_INIT;
	run_event_json(r, i, &b);
	return buf_steal(&b, NULL);
}

static cJSON *event(const struct run *r, size_t i)
{
	char *t = event_text(r, i);
	cJSON *v = parse(t);
	free(t);
	return v;
}

/* The keys of obj, comma-separated, in order. */
static void assert_keys(const cJSON *obj, const char *want)
{
	ck_assert(cJSON_IsObject(obj));
	struct buf b = BUF_INIT;
	const cJSON *c;
	cJSON_ArrayForEach(c, obj)
		buf_printf(&b, "%s%s", b.len ? "," : "", c->string);
	ck_assert_str_eq(b.data ? b.data : "", want);
	buf_free(&b);
}

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	ck_assert_msg(v != NULL, "no key %s", key);
	return v;
}

static void assert_json(const cJSON *v, const char *want)
{
	char *got = json_print(v, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	free(got);
}

static const char *kind_name(enum run_event_kind k)
{
	static const char *const names[] = { "workflow_started", "node_started", "node_retry", "node_finished",
					     "workflow_finished", "error" };
	return names[k];
}

/* "kind@at" for every event, space-separated. */
static void assert_events(const struct run *r, const char *want)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->n_events; i++) {
		struct run_event ev = run_event_at(r, i);
		buf_printf(&b, "%s%s@%llu", i ? " " : "", kind_name(ev.kind), (unsigned long long)ev.at_ms);
	}
	ck_assert_str_eq(b.data ? b.data : "", want);
	buf_free(&b);
}

/* "title:start+duration:status" for every step. */
static void assert_steps(const struct run *r, const char *want)
{
	static const char *const st[] = { "succeeded", "failed", "exception" };
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->plan->n_steps; i++)
		buf_printf(&b, "%s%s:%u+%llu:%s", i ? " " : "", r->plan->steps[i].node->title, (unsigned)r->plan->steps[i].start_ms,
			   (unsigned long long)r->plan->steps[i].node->duration_ms, st[r->plan->steps[i].status]);
	ck_assert_str_eq(b.data ? b.data : "", want);
	buf_free(&b);
}

/* ---- planning ---- */

START_TEST(test_pipeline_runs_the_file_upload_branch_in_order)
{
	struct run *r = demo_run();
	ck_assert_ptr_null(r->setup_error);
	ck_assert_uint_eq(r->plan->n_steps, 4);
	assert_steps(r, "File Upload:0+50:succeeded Dify Extractor:50+800:succeeded "
			"General Chunker:850+300:succeeded Knowledge Base:1150+1200:succeeded");
	ck_assert_str_eq(r->plan->steps[0].node->id, FILE_UPLOAD);
	ck_assert_str_eq(r->plan->steps[1].node->id, EXTRACTOR);
	ck_assert_str_eq(r->plan->steps[2].node->id, CHUNKER);
	ck_assert_str_eq(r->plan->steps[3].node->id, KNOWLEDGE_BASE);
	ck_assert_int_eq(run_status(r), RUN_SUCCEEDED);
	ck_assert_ptr_null(r->plan->error);
	ck_assert_uint_eq(r->plan->exceptions_count, 0);
	ck_assert_int_eq(r->plan->total_tokens, 0);
	ck_assert_uint_eq(run_total_ms(r), 2350);
	ck_assert_str_eq(r->document_name, "report.pdf");
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_lists_the_events_with_their_times)
{
	struct run *r = demo_run();
	ck_assert_uint_eq(r->n_events, 10);
	assert_events(r, "workflow_started@0 node_started@0 node_finished@50 node_started@50 node_finished@850 "
			 "node_started@850 node_finished@1150 node_started@1150 node_finished@2350 "
			 "workflow_finished@2350");
	for (size_t i = 1; i < 9; i++)
		ck_assert_uint_eq(run_event_at(r, i).step, (i - 1) / 2);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_runs_only_the_branch_of_the_start_node)
{
	struct run *r = run_from(DEMO_DOCS, NOTION, "online_document",
				 "{\"workspace_id\":\"w\",\"page\":{\"page_id\":\"p\",\"page_name\":\"Team handbook\","
				 "\"type\":\"page\"}}",
				 NULL, T0);
	assert_steps(r, "Notion:0+400:succeeded General Chunker:400+300:succeeded Knowledge Base:700+1200:succeeded");
	ck_assert_uint_eq(run_total_ms(r), 1900);
	ck_assert_uint_eq(r->n_events, 8);
	ck_assert_str_eq(r->document_name, "Team handbook");
	run_free(r);

	r = run_from(DEMO_DOCS, GDRIVE, "online_drive", "{\"id\":\"f1\",\"name\":\"slides.pdf\"}", NULL, T0);
	assert_steps(r, "Google Drive:0+600:succeeded Dify Extractor:600+800:succeeded "
			"General Chunker:1400+300:succeeded Knowledge Base:1700+1200:succeeded");
	ck_assert_uint_eq(run_total_ms(r), 2900);
	run_free(r);

	r = run_from(DEMO_DOCS, JINA, "website_crawl", "{\"title\":\"Docs\",\"source_url\":\"https://x\"}", NULL, T0);
	assert_steps(r, "Jina Reader:0+1500:succeeded General Chunker:1500+300:succeeded "
			"Knowledge Base:1800+1200:succeeded");
	ck_assert_str_eq(r->document_name, "Docs");
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_stops_at_a_failing_node)
{
	struct run *r = run_from(FLAKY, FILE_UPLOAD, "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	ck_assert_str_eq(r->plan->error, CHUNKER_ERROR);
	ck_assert_ptr_null(r->setup_error);
	ck_assert_uint_eq(r->plan->n_steps, 3);
	assert_steps(r, "File Upload:0+50:succeeded Dify Extractor:50+800:succeeded General Chunker:850+300:failed");
	ck_assert_uint_eq(run_total_ms(r), 1150);
	/* graphon records every failed node, the one that fails the run too */
	ck_assert_uint_eq(r->plan->exceptions_count, 1);
	assert_events(r, "workflow_started@0 node_started@0 node_finished@50 node_started@50 node_finished@850 "
			 "node_started@850 node_finished@1150 workflow_finished@1150");

	cJSON *e = event(r, 6);
	const cJSON *d = get(e, "data");
	ck_assert_str_eq(get(d, "title")->valuestring, "General Chunker");
	ck_assert_str_eq(get(d, "status")->valuestring, "failed");
	ck_assert_str_eq(get(d, "error")->valuestring, CHUNKER_ERROR);
	assert_json(get(d, "elapsed_time"), "0.3");
	cJSON_Delete(e);

	e = event(r, 7);
	d = get(e, "data");
	ck_assert_str_eq(get(e, "event")->valuestring, "workflow_finished");
	ck_assert_str_eq(get(d, "status")->valuestring, "failed");
	ck_assert_str_eq(get(d, "error")->valuestring, CHUNKER_ERROR);
	assert_json(get(d, "outputs"), "{}");
	assert_json(get(d, "total_steps"), "3");
	assert_json(get(d, "elapsed_time"), "1.15");
	assert_json(get(d, "exceptions_count"), "1");
	cJSON_Delete(e);

	/* a failed graph is still a 200 blocking body, with the error */
	struct buf b = BUF_INIT;
	run_blocking_body(r, &b);
	cJSON *body = parse(b.data);
	d = get(body, "data");
	ck_assert_str_eq(get(d, "status")->valuestring, "failed");
	ck_assert_str_eq(get(d, "error")->valuestring, CHUNKER_ERROR);
	assert_json(get(d, "total_steps"), "3");
	cJSON_Delete(body);
	buf_free(&b);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_goes_on_after_a_default_value_node)
{
	struct run *r = run_from(FALLBACK, FILE_UPLOAD, "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_int_eq(run_status(r), RUN_PARTIAL_SUCCEEDED);
	ck_assert_uint_eq(r->plan->exceptions_count, 1);
	ck_assert_ptr_null(r->plan->error);
	assert_steps(r, "File Upload:0+50:succeeded Dify Extractor:50+800:succeeded "
			"General Chunker:850+300:exception Knowledge Base:1150+1200:succeeded");
	ck_assert_uint_eq(run_total_ms(r), 2350);

	cJSON *e = event(r, 6);
	const cJSON *d = get(e, "data");
	ck_assert_str_eq(get(d, "title")->valuestring, "General Chunker");
	ck_assert_str_eq(get(d, "status")->valuestring, "exception");
	ck_assert_str_eq(get(d, "error")->valuestring, CHUNKER_ERROR);
	/* Dify's error handler: the strategy's metadata replaces the node's
	 * (tool_info here); outputs are the defaults, error_message, error_type. */
	assert_json(get(d, "execution_metadata"), "{\"error_strategy\":\"default-value\"}");
	assert_json(get(d, "outputs"), "{\"result\":{\"general_chunks\":[]},\"error_message\":\"" CHUNKER_ERROR
			"\",\"error_type\":\"ToolInvokeError\"}");
	cJSON_Delete(e);

	e = event(r, 9);
	d = get(e, "data");
	ck_assert_str_eq(get(d, "status")->valuestring, "partial-succeeded");
	ck_assert(cJSON_IsNull(get(d, "error")));
	assert_json(get(d, "exceptions_count"), "1");
	assert_json(get(d, "total_steps"), "4");
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_reports_a_missing_start_node_as_one_error_event)
{
	struct run *r = run_from(DEMO_DOCS, "17508", "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_str_eq(r->setup_error, "Root node id 17508 not found in the graph");
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	ck_assert_ptr_null(r->plan);
	ck_assert_uint_eq(r->n_events, 1);
	struct run_event ev = run_event_at(r, 0);
	ck_assert_int_eq(ev.kind, RUN_EV_ERROR);
	ck_assert_uint_eq(ev.at_ms, 0);
	char *t = event_text(r, 0);
	ck_assert_str_eq(t, "{\"event\":\"error\",\"workflow_run_id\":null,\"code\":\"invalid_param\",\"status\":400,"
			    "\"message\":\"Root node id 17508 not found in the graph\"}");
	free(t);
	run_free(r);

	/* node ids are compared exactly */
	r = run_from(DEMO_DOCS, FILE_UPLOAD " ", "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_str_eq(r->setup_error, "Root node id 1750836391776  not found in the graph");
	run_free(r);
	/* an empty id is Dify's default root: the first datasource node */
	r = run_from(DEMO_DOCS, "", "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_ptr_null(r->setup_error);
	ck_assert_str_eq(r->plan->steps[0].node->id, FILE_UPLOAD);
	run_free(r);
	/* a node that is no root (a tool) cannot start a run */
	r = run_from(DEMO_DOCS, "1750836372241", "local_file", REPORT_ITEM, NULL, T0);
	ck_assert_str_eq(r->setup_error, "[INVALID_ROOT] Root node '1750836372241' must declare execution type 'root'.");
	run_free(r);
}
END_TEST

/* ---- event bytes ---- */

START_TEST(test_pipeline_workflow_started_carries_the_inputs_then_sys)
{
	struct run *r = run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", REPORT_ITEM,
				 "{\"max_chunk_length\":1024,\"chunk_overlap\":50,\"language\":null}", T0);
	char *got = event_text(r, 0);
	char want[2048];
	snprintf(want, sizeof want,
		 "{\"event\":\"workflow_started\",\"workflow_run_id\":\"%s\",\"task_id\":\"%s\",\"data\":{\"id\":\"%s\","
		 "\"workflow_id\":\"" DEMO_DRAFT_ID "\",\"inputs\":{\"max_chunk_length\":1024,\"chunk_overlap\":50,"
		 "\"language\":null,\"sys.files\":[],\"sys.user_id\":\"" OWNER_ID "\",\"sys.app_id\":\"" DEMO_PIPELINE_ID
		 "\",\"sys.workflow_id\":\"" DEMO_DRAFT_ID "\",\"sys.workflow_run_id\":\"%s\"},\"created_at\":1776000000,"
		 "\"reason\":\"initial\"}}",
		 r->id, r->task_id, r->id, r->id);
	ck_assert_str_eq(got, want);
	free(got);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_node_started_has_the_wire_keys_in_order)
{
	struct run *r = demo_run();
	char exec[IDS_UUID_LEN + 1];
	run_step_exec_id(r, 0, exec);
	char *got = event_text(r, 1);
	char want[2048];
	snprintf(want, sizeof want,
		 "{\"event\":\"node_started\",\"workflow_run_id\":\"%s\",\"task_id\":\"%s\",\"data\":{\"id\":\"%s\","
		 "\"node_id\":\"" FILE_UPLOAD "\",\"node_type\":\"datasource\",\"title\":\"File Upload\",\"index\":1,"
		 "\"predecessor_node_id\":null,\"inputs\":null,\"inputs_truncated\":false,\"created_at\":1776000000,"
		 "\"extras\":{\"icon\":\"https://marketplace.dify.ai/api/v1/plugins/langgenius/file/icon\"},"
		 "\"iteration_id\":null,\"loop_id\":null,\"agent_strategy\":null}}",
		 r->id, r->task_id, exec);
	ck_assert_str_eq(got, want);
	free(got);

	/* the knowledge-index node has no icon: empty extras; index is always 1
	 * (Dify never sets it for node starts), the time follows the run */
	cJSON *e = event(r, 7);
	const cJSON *d = get(e, "data");
	assert_keys(d, "id,node_id,node_type,title,index,predecessor_node_id,inputs,inputs_truncated,created_at,"
		       "extras,iteration_id,loop_id,agent_strategy");
	ck_assert_str_eq(get(d, "node_type")->valuestring, "knowledge-index");
	assert_json(get(d, "index"), "1");
	assert_json(get(d, "extras"), "{}");
	assert_json(get(d, "created_at"), "1776000001"); /* T0 + 1150 ms */
	run_step_exec_id(r, 3, exec);
	ck_assert_str_eq(get(d, "id")->valuestring, exec);
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_node_finished_has_the_wire_keys_in_order)
{
	struct run *r = demo_run();
	cJSON *e = event(r, 2);
	assert_keys(e, "event,workflow_run_id,task_id,data");
	const cJSON *d = get(e, "data");
	assert_keys(d, "id,node_id,node_type,title,index,predecessor_node_id,inputs,inputs_truncated,process_data,"
		       "process_data_truncated,outputs,outputs_truncated,status,error,elapsed_time,execution_metadata,"
		       "created_at,finished_at,files,iteration_id,loop_id");
	char exec[IDS_UUID_LEN + 1];
	run_step_exec_id(r, 0, exec);
	ck_assert_str_eq(get(d, "id")->valuestring, exec); /* the same id as its node_started */
	ck_assert_str_eq(get(d, "status")->valuestring, "succeeded");
	ck_assert(cJSON_IsNull(get(d, "error")));
	assert_json(get(d, "elapsed_time"), "0.05");
	assert_json(get(d, "created_at"), "1776000000");
	assert_json(get(d, "finished_at"), "1776000000");
	/* templates see the item: the file's related_id is the upload id */
	const cJSON *file = get(get(d, "outputs"), "file");
	ck_assert_str_eq(get(file, "related_id")->valuestring, "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
	ck_assert_str_eq(get(file, "filename")->valuestring, "report.pdf");
	/* file dicts among the outputs are listed in files, as the node made
	 * them; the outputs went through Dify's truncator, which rebuilds
	 * every nested object in sorted key order */
	const cJSON *files = get(d, "files");
	ck_assert_int_eq(cJSON_GetArraySize(files), 1);
	assert_json(cJSON_GetArrayItem(files, 0),
		    "{\"dify_model_identity\":\"__dify__file__\",\"id\":null,\"type\":\"document\",\"transfer_method\":"
		    "\"local_file\",\"related_id\":\"a1b2c3d4-e5f6-7890-abcd-ef1234567890\",\"filename\":\"report.pdf\","
		    "\"extension\":\".pdf\",\"mime_type\":\"application/pdf\",\"size\":48213,\"url\":\"\"}");
	assert_json(file, "{\"dify_model_identity\":\"__dify__file__\",\"extension\":\".pdf\",\"filename\":"
			  "\"report.pdf\",\"id\":null,\"mime_type\":\"application/pdf\",\"related_id\":"
			  "\"a1b2c3d4-e5f6-7890-abcd-ef1234567890\",\"size\":48213,\"transfer_method\":\"local_file\","
			  "\"type\":\"document\",\"url\":\"\"}");
	assert_json(get(d, "outputs_truncated"), "false");
	cJSON_Delete(e);

	e = event(r, 8); /* Knowledge Base finished: 1150 + 1200 ms */
	d = get(e, "data");
	assert_json(get(d, "elapsed_time"), "1.2");
	assert_json(get(d, "created_at"), "1776000001");
	assert_json(get(d, "finished_at"), "1776000002");
	assert_json(get(d, "files"), "[]");
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

/* The case: a crawled page of 1.1 MB. The Jina node's inputs
 * (the item) and outputs (its content) are cut by Dify's truncator and say
 * so; execution_metadata is never truncated, and neither is the workflow's
 * output. */
START_TEST(test_pipeline_node_finished_truncates_oversized_values)
{
	struct buf item = BUF_INIT;
	buf_puts(&item, "{\"source_url\":\"https://docs.dify.ai/en/\",\"title\":\"Big\",\"content\":\"");
	for (int i = 0; i < 110000; i++)
		buf_puts(&item, "0123456789");
	buf_puts(&item, "\"}");
	struct run *r = run_from(DEMO_DOCS, JINA, "website_crawl", item.data, "{\"jina_url\":\"x\",\"jina_limit\":1}", T0);
	buf_free(&item);
	cJSON *e = event(r, 2);
	const cJSON *d = get(e, "data");
	assert_json(get(d, "inputs_truncated"), "true");
	assert_json(get(d, "outputs_truncated"), "true");
	assert_json(get(d, "process_data_truncated"), "false");
	const char *in = get(get(d, "inputs"), "content")->valuestring, *out = get(get(d, "outputs"), "content")->valuestring;
	ck_assert_uint_eq(strlen(in), 100003);
	ck_assert_str_eq(in + 100000, "...");
	ck_assert_str_eq(out, in);
	ck_assert_str_eq(get(get(d, "inputs"), "title")->valuestring, "Big");
	const char *meta = get(get(get(d, "execution_metadata"), "datasource_info"), "content")->valuestring;
	ck_assert_uint_eq(strlen(meta), 1100000);
	cJSON_Delete(e);
	/* A node with small values: nothing cut, nothing said. */
	e = event(r, 4);
	assert_json(get(get(e, "data"), "inputs_truncated"), "false");
	assert_json(get(get(e, "data"), "outputs_truncated"), "false");
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_workflow_finished_has_the_wire_keys_in_order)
{
	struct run *r = demo_run();
	cJSON *e = event(r, 9);
	ck_assert_str_eq(get(e, "event")->valuestring, "workflow_finished");
	const cJSON *d = get(e, "data");
	assert_keys(d, "id,workflow_id,status,outputs,error,elapsed_time,total_tokens,total_steps,created_by,"
		       "created_at,finished_at,exceptions_count,files");
	ck_assert_str_eq(get(d, "id")->valuestring, r->id);
	ck_assert_str_eq(get(d, "workflow_id")->valuestring, DEMO_DRAFT_ID);
	ck_assert_str_eq(get(d, "status")->valuestring, "succeeded");
	assert_json(get(d, "elapsed_time"), "2.35");
	assert_json(get(d, "total_tokens"), "0");
	assert_json(get(d, "total_steps"), "4");
	assert_json(get(d, "created_by"),
		    "{\"id\":\"" OWNER_ID "\",\"name\":\"Demo Owner\",\"email\":\"owner@demo.example\"}");
	assert_json(get(d, "created_at"), "1776000000");
	assert_json(get(d, "finished_at"), "1776000002");
	assert_json(get(d, "exceptions_count"), "0");
	assert_json(get(d, "files"), "[]");
	/* the outputs are the knowledge-index node's */
	const cJSON *out = get(d, "outputs");
	ck_assert_str_eq(get(out, "chunk_structure")->valuestring, "text_model");
	assert_json(get(out, "total_segments"), "3");
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

START_TEST(test_pipeline_takes_times_from_created_at_ms)
{
	/* 999 ms into the second: 2350 ms later is the third second after */
	struct run *r = run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", REPORT_ITEM, NULL, 1776000000999LL);
	cJSON *e = event(r, 9);
	assert_json(get(get(e, "data"), "created_at"), "1776000000");
	assert_json(get(get(e, "data"), "finished_at"), "1776000003");
	cJSON_Delete(e);
	e = event(r, 2); /* File Upload ends at +50 ms: already the next second */
	assert_json(get(get(e, "data"), "finished_at"), "1776000001");
	cJSON_Delete(e);
	run_free(r);

	r = run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", REPORT_ITEM, NULL, 0);
	e = event(r, 9);
	assert_json(get(get(e, "data"), "created_at"), "0");
	assert_json(get(get(e, "data"), "finished_at"), "2");
	cJSON_Delete(e);
	run_free(r);
}
END_TEST

/* ---- the blocking body ---- */

START_TEST(test_pipeline_blocking_body_is_json_dumps_in_dify_key_order)
{
	struct run *r = demo_run();
	struct buf b = BUF_INIT;
	run_blocking_body(r, &b);
	char prefix[512];
	snprintf(prefix, sizeof prefix,
		 "{\"task_id\": \"%s\", \"workflow_run_id\": \"%s\", \"data\": {\"id\": \"%s\", \"workflow_id\": \""
		 DEMO_DRAFT_ID "\", \"status\": \"succeeded\", \"outputs\": {",
		 r->task_id, r->id, r->id);
	ck_assert_msg(!strncmp(b.data, prefix, strlen(prefix)), "body: %s", b.data);
	static const char suffix[] = "}, \"error\": null, \"elapsed_time\": 2.35, \"total_tokens\": 0, \"total_steps\": 4, "
				     "\"created_at\": 1776000000, \"finished_at\": 1776000002}}";
	ck_assert_uint_gt(b.len, sizeof suffix);
	ck_assert_str_eq(b.data + b.len - (sizeof suffix - 1), suffix);
	ck_assert_ptr_null(strchr(b.data, '\n')); /* no trailing newline, no indentation */

	cJSON *body = parse(b.data);
	assert_keys(body, "task_id,workflow_run_id,data");
	const cJSON *d = get(body, "data");
	assert_keys(d, "id,workflow_id,status,outputs,error,elapsed_time,total_tokens,total_steps,created_at,"
		       "finished_at");
	const cJSON *out = get(d, "outputs");
	ck_assert_str_eq(get(out, "chunk_structure")->valuestring, "text_model");
	const cJSON *preview = get(out, "preview");
	ck_assert_int_eq(cJSON_GetArraySize(preview), 3);
	const char *first = get(cJSON_GetArrayItem(preview, 0), "content")->valuestring;
	ck_assert_int_eq(strncmp(first, "report.pdf: ", 12), 0); /* {{document_name}} rendered */
	cJSON_Delete(body);
	buf_free(&b);
	run_free(r);
}
END_TEST

/* The blocking body as it used to be made: a cJSON tree of the answer, the
 * graph's outputs rendered by template_render, then json.dumps. */
static char *blocking_body_from_a_tree(const struct run *r)
{
	static const struct run_plan none = { .status = RUN_FAILED };
	const struct run_plan *p = r->plan ? r->plan : &none;
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "task_id", r->task_id);
	cJSON_AddStringToObject(b, "workflow_run_id", r->id);
	cJSON *d = cJSON_AddObjectToObject(b, "data");
	cJSON_AddStringToObject(d, "id", r->id);
	cJSON_AddStringToObject(d, "workflow_id", r->wf->id);
	cJSON_AddStringToObject(d, "status", run_status_name(p->status));
	cJSON *outputs = NULL;
	for (size_t i = p->n_steps; p->status != RUN_FAILED && !outputs && i-- > 0;) {
		const struct run_step *s = &p->steps[i];
		if (strcmp(s->node->type, "knowledge-index"))
			continue;
		struct template_ctx c = {
			.item = r->item, .inputs = r->inputs, .datasource_type = r->datasource_type,
			.document_name = r->document_name, .dataset_id = r->kb->id, .dataset_name = r->kb->name,
			.workflow_run_id = r->id, .node_id = s->node->id, .node_title = s->node->title,
		};
		outputs = s->status == STEP_EXCEPTION ? template_render(s->node->fail->default_outputs, &c)
						      : template_render(s->node->outputs, &c);
		if (!outputs)
			outputs = cJSON_CreateObject();
	}
	cJSON_AddItemToObject(d, "outputs", outputs ? outputs : cJSON_CreateObject());
	const char *error = r->plan ? p->error : r->setup_error;
	if (error)
		cJSON_AddStringToObject(d, "error", error);
	else
		cJSON_AddNullToObject(d, "error");
	cJSON_AddItemToObject(d, "elapsed_time", json_float((double)p->total_ms / 1000.0));
	cJSON_AddItemToObject(d, "total_tokens", json_int(p->total_tokens));
	cJSON_AddItemToObject(d, "total_steps", json_int((long long)p->total_steps));
	cJSON_AddItemToObject(d, "created_at", json_int(r->created_at_ms / 1000));
	cJSON_AddItemToObject(d, "finished_at", json_int((r->created_at_ms + (int64_t)p->total_ms) / 1000));
	char *text = json_print(b, JSON_PYDUMPS, NULL);
	cJSON_Delete(b);
	return text;
}

static void assert_blocking_body(struct run *r)
{
	struct buf b = BUF_INIT;
	run_blocking_body(r, &b);
	char *want = blocking_body_from_a_tree(r);
	ck_assert_str_eq(b.data, want);
	free(want);
	buf_free(&b);
	run_free(r);
}

/* The body is written directly: the same bytes as the tree it replaced, for
 * runs that succeed, fail, go on after an exception, or never start. */
START_TEST(test_pipeline_blocking_body_is_the_tree_it_replaced)
{
	static const char *const items[] = {
		REPORT_ITEM,
		"{\"name\":\"r\\u00e9sum\\u00e9 \\ud83c\\udf89 \\\"q\\\"/\\\\.pdf\",\"size\":1.5}",
		"{\"name\":null}",
		"{}",
	};
	for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
		assert_blocking_body(run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", items[i], NULL, T0));
		assert_blocking_body(run_from(DEMO_DOCS, FILE_UPLOAD, "local_file", items[i], NULL, -1500));
		assert_blocking_body(run_from(FLAKY, FILE_UPLOAD, "local_file", items[i], NULL, T0));
		assert_blocking_body(run_from(FALLBACK, FILE_UPLOAD, "local_file", items[i], NULL, T0));
		assert_blocking_body(run_from(DEMO_DOCS, "17508", "local_file", items[i], NULL, T0));
	}
	assert_blocking_body(run_from(DEMO_DOCS, JINA, "website_crawl",
				      "{\"source_url\":\"https://docs.dify.ai/\",\"title\":\"Dify \\u00e9\",\"content\":\"# x\"}",
				      "{\"jina_url\":\"https://docs.dify.ai/\",\"jina_limit\":3}", T0));
	assert_blocking_body(run_from(DEMO_DOCS, NOTION, "online_document",
				      "{\"workspace_id\":\"w\",\"page\":{\"page_id\":\"p\",\"page_name\":\"P\\u00e4ge\"}}",
				      NULL, T0));
}
END_TEST

/* Fixtures loaded from one file's text (removed again once loaded). */
static struct fixtures *load_text(const char *json)
{
	char dir[] = "/tmp/dm-pipeline-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/kb.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json, f);
	fclose(f);
	struct fixtures *loaded;
	struct fx_problems p = { NULL, 0 };
	ck_assert_msg(fixtures_load(dir, &loaded, &p) == 0, "%s", p.n ? p.lines[0] : "");
	unlink(path);
	rmdir(dir);
	return loaded;
}

/* A graph that fails after its knowledge-index node ran: the body's
 * outputs are {} all the same (a failed run reports none). */
START_TEST(test_pipeline_blocking_body_of_a_run_failing_after_indexing)
{
	struct fixtures *late = load_text("{\"version\":1,\"workspaces\":[{\"id\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"W\","
	      "\"owner\":{\"id\":\"0c0c0c0c-0000-4000-8000-000000000000\",\"name\":\"O\",\"email\":\"o@x\"},"
	      "\"api_keys\":[\"dataset-latefailkey000000000000\"]}],\"knowledge_bases\":[{\"id\":"
	      "\"0b0b0b0b-0000-4000-8000-000000000000\",\"workspace\":\"0a0a0a0a-0000-4000-8000-000000000000\","
	      "\"name\":\"Late\",\"pipeline\":{\"id\":\"0d0d0d0d-0000-4000-8000-000000000000\",\"draft\":{\"id\":"
	      "\"0e0e0e0e-0000-4000-8000-000000000000\",\"nodes\":[{\"id\":\"ds\",\"type\":\"datasource\","
	      "\"datasource_type\":\"local_file\",\"duration_ms\":5},{\"id\":\"ki\",\"type\":\"knowledge-index\","
	      "\"duration_ms\":7,\"outputs\":{\"total_segments\":1,\"preview\":[{\"content\":\"{{document_name}}\"}]}},"
	      "{\"id\":\"after\",\"type\":\"tool\",\"fail\":{\"error\":\"late \\u00e9\"}}],\"edges\":[{\"source\":\"ds\","
	      "\"target\":\"ki\"},{\"source\":\"ki\",\"target\":\"after\"}]}}}]}");
	const struct fx_kb *k = fixtures_kb(late, "0b0b0b0b-0000-4000-8000-000000000000");
	cJSON *it = parse(REPORT_ITEM);
	struct run_params rp = { .kb = k, .wf = k->pipeline->draft, .start_node_id = "ds", .datasource_type = "local_file",
				 .item = it, .created_at_ms = T0 };
	struct run *r = pipeline_run_new(&rp);
	cJSON_Delete(it);
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	ck_assert_uint_eq(r->plan->n_steps, 3);
	struct buf b = BUF_INIT;
	run_blocking_body(r, &b);
	ck_assert_msg(strstr(b.data, "\"outputs\": {}, \"error\": \"late \\u00e9\""), "%s", b.data);
	buf_free(&b);
	assert_blocking_body(r);
	fixtures_free(late);
}
END_TEST

/* Error strategies as Dify's error handler reports them: fail-branch
 * outputs only error_message and error_type (the type defaults to the base
 * node's WorkflowNodeError), default-value keeps a default's place for a
 * key it already holds; the metadata is the strategy alone. */
START_TEST(test_pipeline_reports_error_strategies_as_dify)
{
	struct fixtures *f = load_text(
		"{\"version\":1,\"workspaces\":[{\"id\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"W\","
		"\"owner\":{\"id\":\"0c0c0c0c-0000-4000-8000-000000000000\",\"name\":\"O\",\"email\":\"o@x\"},"
		"\"api_keys\":[\"dataset-strategykey00000000000000\"]}],\"knowledge_bases\":[{\"id\":"
		"\"0b0b0b0b-0000-4000-8000-000000000000\",\"workspace\":\"0a0a0a0a-0000-4000-8000-000000000000\","
		"\"name\":\"S\",\"pipeline\":{\"id\":\"0d0d0d0d-0000-4000-8000-000000000000\",\"draft\":{\"id\":"
		"\"0e0e0e0e-0000-4000-8000-000000000000\",\"nodes\":[{\"id\":\"ds\",\"type\":\"datasource\","
		"\"datasource_type\":\"local_file\"},{\"id\":\"t\",\"type\":\"tool\","
		"\"execution_metadata\":{\"tool_info\":{}},\"fail\":{\"error\":\"boom\",\"error_strategy\":\"fail-branch\"}},"
		"{\"id\":\"h\",\"type\":\"code\",\"fail\":{\"error\":\"bad {{document_name}}\",\"error_type\":\"CodeNodeError\","
		"\"error_strategy\":\"default-value\",\"default_outputs\":{\"error_type\":\"x\",\"n\":\"{{document_name}}\"}}},"
		"{\"id\":\"skipped\",\"type\":\"code\"}],\"edges\":[{\"source\":\"ds\",\"target\":\"t\"},"
		"{\"source\":\"t\",\"target\":\"h\",\"source_handle\":\"fail-branch\"},{\"source\":\"t\",\"target\":\"skipped\"}]}}}]}");
	const struct fx_kb *k = fixtures_kb(f, "0b0b0b0b-0000-4000-8000-000000000000");
	cJSON *it = parse(REPORT_ITEM);
	struct run_params rp = { .kb = k, .wf = k->pipeline->draft, .start_node_id = "ds", .datasource_type = "local_file",
				 .item = it, .created_at_ms = T0 };
	struct run *r = pipeline_run_new(&rp);
	cJSON_Delete(it);
	ck_assert_int_eq(run_status(r), RUN_PARTIAL_SUCCEEDED);
	ck_assert_uint_eq(r->plan->n_steps, 3);
	cJSON *e = event(r, 4); /* node_finished of t */
	const cJSON *d = get(e, "data");
	ck_assert_str_eq(get(d, "node_id")->valuestring, "t");
	assert_json(get(d, "outputs"), "{\"error_message\":\"boom\",\"error_type\":\"WorkflowNodeError\"}");
	assert_json(get(d, "execution_metadata"), "{\"error_strategy\":\"fail-branch\"}");
	cJSON_Delete(e);
	e = event(r, 6); /* node_finished of h */
	d = get(e, "data");
	ck_assert_str_eq(get(d, "node_id")->valuestring, "h");
	assert_json(get(d, "outputs"), "{\"error_type\":\"CodeNodeError\",\"n\":\"report.pdf\","
				       "\"error_message\":\"bad {{document_name}}\"}");
	assert_json(get(d, "execution_metadata"), "{\"error_strategy\":\"default-value\"}");
	cJSON_Delete(e);
	run_free(r);
	fixtures_free(f);
}
END_TEST

/* ---- ids ---- */

START_TEST(test_pipeline_ids_repeat_under_the_same_seed)
{
	char *a[10], *b[10], ida[IDS_UUID_LEN + 1];
	ids_seed(7);
	struct run *r = demo_run();
	for (size_t i = 0; i < 10; i++)
		a[i] = event_text(r, i);
	memcpy(ida, r->id, sizeof ida);
	/* every id differs from the others */
	char ex[4][IDS_UUID_LEN + 1];
	for (size_t i = 0; i < 4; i++) {
		run_step_exec_id(r, i, ex[i]);
		ck_assert(ids_is_uuid(ex[i], strlen(ex[i])));
		ck_assert_str_ne(ex[i], r->id);
		ck_assert_str_ne(ex[i], r->task_id);
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(ex[i], ex[k]);
	}
	ck_assert_str_ne(r->id, r->task_id);
	run_free(r);

	ids_seed(7);
	r = demo_run();
	ck_assert_str_eq(r->id, ida);
	for (size_t i = 0; i < 10; i++) {
		b[i] = event_text(r, i);
		ck_assert_str_eq(a[i], b[i]);
		free(a[i]);
		free(b[i]);
	}
	run_free(r);

	ids_seed(8);
	r = demo_run();
	ck_assert_str_ne(r->id, ida);
	run_free(r);
}
END_TEST

/* ---- document names ---- */

static void assert_name(const char *type, const char *item, const char *want)
{
	cJSON *it = parse(item);
	cJSON *name = pipeline_document_name(type, it);
	ck_assert_ptr_nonnull(name);
	assert_json(name, want);
	cJSON_Delete(name);
	cJSON_Delete(it);
}

START_TEST(test_pipeline_names_documents_per_datasource_type)
{
	assert_name("local_file", "{\"reference\":\"r\",\"name\":\"a.pdf\"}", "\"a.pdf\"");
	assert_name("online_drive", "{\"id\":\"f\",\"name\":\"b.docx\",\"type\":\"file\"}", "\"b.docx\"");
	assert_name("online_document", "{\"page\":{\"page_id\":\"p\",\"page_name\":\"Roadmap\"}}", "\"Roadmap\"");
	assert_name("website_crawl", "{\"title\":\"Home\",\"name\":\"ignored\"}", "\"Home\"");
	/* only the type's own key counts */
	assert_name("online_document", "{\"name\":\"n\",\"title\":\"t\"}", "\"untitled\"");
	assert_name("website_crawl", "{\"name\":\"n\"}", "\"untitled\"");
	assert_name("local_file", "{\"title\":\"t\"}", "\"untitled\"");
}
END_TEST

START_TEST(test_pipeline_names_documents_untitled_when_absent)
{
	assert_name("local_file", "{}", "\"untitled\"");
	assert_name("online_drive", "{\"id\":\"f\"}", "\"untitled\"");
	assert_name("online_document", "{}", "\"untitled\"");
	assert_name("online_document", "{\"page\":{}}", "\"untitled\"");
	assert_name("online_document", "{\"page\":\"not an object\"}", "\"untitled\"");
	assert_name("website_crawl", "{}", "\"untitled\"");
}
END_TEST

START_TEST(test_pipeline_names_documents_as_given_when_not_a_string)
{
	/* dict.get returns an explicit null as None, not the default */
	assert_name("local_file", "{\"name\":null}", "null");
	assert_name("online_document", "{\"page\":{\"page_name\":null}}", "null");
	assert_name("website_crawl", "{\"title\":7}", "7");
	assert_name("local_file", "{\"name\":\"x\",\"name\":\"last\"}", "\"last\"");
}
END_TEST

START_TEST(test_pipeline_names_run_statuses)
{
	ck_assert_str_eq(run_status_name(RUN_SUCCEEDED), "succeeded");
	ck_assert_str_eq(run_status_name(RUN_FAILED), "failed");
	ck_assert_str_eq(run_status_name(RUN_PARTIAL_SUCCEEDED), "partial-succeeded");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("plan");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pipeline_runs_the_file_upload_branch_in_order);
	tcase_add_test(tc, test_pipeline_lists_the_events_with_their_times);
	tcase_add_test(tc, test_pipeline_runs_only_the_branch_of_the_start_node);
	tcase_add_test(tc, test_pipeline_stops_at_a_failing_node);
	tcase_add_test(tc, test_pipeline_goes_on_after_a_default_value_node);
	tcase_add_test(tc, test_pipeline_reports_a_missing_start_node_as_one_error_event);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pipeline_workflow_started_carries_the_inputs_then_sys);
	tcase_add_test(tc, test_pipeline_node_started_has_the_wire_keys_in_order);
	tcase_add_test(tc, test_pipeline_node_finished_has_the_wire_keys_in_order);
	tcase_add_test(tc, test_pipeline_node_finished_truncates_oversized_values);
	tcase_add_test(tc, test_pipeline_workflow_finished_has_the_wire_keys_in_order);
	tcase_add_test(tc, test_pipeline_takes_times_from_created_at_ms);
	tcase_add_test(tc, test_pipeline_blocking_body_is_json_dumps_in_dify_key_order);
	tcase_add_test(tc, test_pipeline_blocking_body_is_the_tree_it_replaced);
	tcase_add_test(tc, test_pipeline_blocking_body_of_a_run_failing_after_indexing);
	tcase_add_test(tc, test_pipeline_reports_error_strategies_as_dify);
	tcase_add_test(tc, test_pipeline_ids_repeat_under_the_same_seed);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_pipeline_names_documents_per_datasource_type);
	tcase_add_test(tc, test_pipeline_names_documents_untitled_when_absent);
	tcase_add_test(tc, test_pipeline_names_documents_as_given_when_not_a_string);
	tcase_add_test(tc, test_pipeline_names_run_statuses);
	suite_add_tcase(s, tc);
	return s;
}
