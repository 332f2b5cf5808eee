/* test-runs.c -- successful answers through the real binary: published runs
 * ({batch, dataset, documents}, wire.md §6) and draft blocking runs (the
 * workflow object of a simulated run, §7). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"

static struct server srv;

static void setup(void)
{
	const char *args[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0", "--seed", "7", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

#define FLAKY_KB "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
#define FALLBACK_KB "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"
#define FILE_NODE "1750836391776"

static char *run_body(const char *type, const char *items, const char *node, const char *published,
		      const char *mode)
{
	char *b;
	if (asprintf(&b,
		     "{\"inputs\":{},\"datasource_type\":\"%s\",\"datasource_info_list\":%s,\"start_node_id\":\"%s\","
		     "\"is_published\":%s,\"response_mode\":\"%s\"}",
		     type, items, node, published, mode) < 0)
		abort();
	return b;
}

static void post_run(const char *kb, const char *body, struct reply *r)
{
	char path[128];
	snprintf(path, sizeof path, "/v1/datasets/%s/pipeline/run", kb);
	post_json(&srv, path, body, r);
}

/* Position of "\"key\": " in body, to check key order. */
static const char *key_at(const char *body, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\": ", key);
	const char *p = strstr(body, k);
	ck_assert_msg(p, "no key %s in %s", key, body);
	return p;
}

static void assert_json_ct(const struct reply *r)
{
	char *ct = reply_header(r, "Content-Type");
	ck_assert_str_eq(ct, "application/json; charset=utf-8");
	free(ct);
	ck_assert_msg(r->body_len && r->body[r->body_len - 1] == '}', "no trailing newline: %s", r->body);
}

START_TEST(test_published_run_creates_waiting_documents_in_order)
{
	char *b = run_body("local_file",
			   "[{\"reference\":\"a1\",\"name\":\"quarterly-report.pdf\"},{\"reference\":\"a2\"}]",
			   FILE_NODE, "true", "streaming");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	assert_json_ct(&r);
	ck_assert_msg(!strncmp(r.body, "{\"batch\": \"", 11), "%s", r.body);
	for (int i = 11; i < 31; i++)
		ck_assert_msg(isdigit((unsigned char)r.body[i]), "batch digit %d in %s", i, r.body);
	ck_assert_int_eq(r.body[31], '"');
	const char *want_ds = "\"dataset\": {\"id\": \"" DEMO_KB "\", \"name\": \"Demo Docs\", \"description\": "
			      "\"Product documentation ingested through a knowledge pipeline.\", \"chunk_structure\": "
			      "\"text_model\"}, \"documents\": [{\"id\": \"";
	ck_assert_msg(strstr(r.body, want_ds), "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"position\": 3, \"data_source_type\": \"local_file\", \"data_source_info\": "
				     "{\"reference\": \"a1\", \"name\": \"quarterly-report.pdf\"}, \"name\": "
				     "\"quarterly-report.pdf\", \"indexing_status\": \"waiting\", \"error\": null, "
				     "\"enabled\": true}"),
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"position\": 4, \"data_source_type\": \"local_file\", \"data_source_info\": "
				     "{\"reference\": \"a2\"}, \"name\": \"untitled\""),
		      "%s", r.body);
	reply_free(&r);
	/* Positions continue per knowledge base. */
	post_run(DEMO_KB, b, &r);
	ck_assert_msg(strstr(r.body, "\"position\": 5,") && strstr(r.body, "\"position\": 6,"), "%s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_published_online_drive_items_are_rewritten)
{
	char *b = run_body("online_drive",
			   "[{\"id\":\"f-1\",\"name\":\"spec.docx\",\"bucket\":\"team\",\"type\":\"file\","
			   "\"credential_id\":\"c\"},{\"id\":\"f-2\",\"type\":\"file\"}]",
			   "1752565435219", "true", "blocking");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"data_source_info\": {\"id\": \"f-1\", \"name\": \"spec.docx\", \"bucket\": "
				     "\"team\"}, \"name\": \"spec.docx\""),
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"data_source_info\": {\"id\": \"f-2\", \"name\": \"untitled\", \"bucket\": "
				     "null}, \"name\": \"untitled\""),
		      "%s", r.body);
	reply_free(&r);
	free(b);
}

END_TEST

/* Dify's variable truncator in a draft stream (wire.md §9.3): a 1.1 MB
 * crawled page is cut to 100,000 characters and "..." in node_finished,
 * which says so; the workflow's own events keep everything. */
START_TEST(test_draft_stream_truncates_an_oversized_item)
{
	struct buf body = BUF_INIT;
	buf_puts(&body, "{\"inputs\":{\"jina_url\":\"https://docs.dify.ai/en/\",\"jina_limit\":1},"
			"\"datasource_type\":\"website_crawl\",\"start_node_id\":\"1752491761974\",\"is_published\":false,"
			"\"response_mode\":\"streaming\",\"datasource_info_list\":[{\"source_url\":\"https://docs.dify.ai/en/\","
			"\"title\":\"Big\",\"content\":\"");
	for (int i = 0; i < 110000; i++)
		buf_puts(&body, "0123456789");
	buf_puts(&body, "\"}]}");
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(DEMO_KB), body.data, 0, &r);
	buf_free(&body);
	ck_assert_int_eq(r.status, 200);
	const char *nf = strstr(r.body, "data: {\"event\":\"node_finished\"");
	ck_assert_ptr_nonnull(nf);
	const char *end = strstr(nf, "\n\n");
	cJSON *e = NULL;
	ck_assert_int_eq(json_parse(nf + 6, (size_t)(end - nf - 6), &e, NULL, 0), 0);
	const cJSON *d = json_get(e, "data");
	ck_assert(cJSON_IsTrue(json_get(d, "inputs_truncated")));
	ck_assert(cJSON_IsTrue(json_get(d, "outputs_truncated")));
	ck_assert(cJSON_IsFalse(json_get(d, "process_data_truncated")));
	const char *content = json_get(json_get(d, "inputs"), "content")->valuestring;
	ck_assert_uint_eq(strlen(content), 100003);
	ck_assert_str_eq(content + 100000, "...");
	cJSON_Delete(e);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_non_ascii_is_escaped_in_success_bodies)
{
	char *b = run_body("local_file", "[{\"reference\":\"a\",\"name\":\"r\xc3\xa9sum\xc3\xa9/1.pdf\"}]", FILE_NODE,
			   "true", "blocking");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_msg(strstr(r.body, "\"name\": \"r\\u00e9sum\\u00e9/1.pdf\""), "%s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_draft_blocking_returns_the_simulated_workflow)
{
	char *b = run_body("local_file", "[{\"reference\":\"a1\",\"name\":\"q.pdf\"},{\"reference\":\"ignored\"}]",
			   FILE_NODE, "false", "blocking");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	assert_json_ct(&r);
	ck_assert_msg(!strncmp(r.body, "{\"task_id\": \"", 13), "%s", r.body);
	const char *order[] = { "task_id", "workflow_run_id", "data", "id", "workflow_id", "status", "outputs",
				"error", "elapsed_time", "total_tokens", "total_steps", "created_at", "finished_at" };
	const char *prev = r.body;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *p = key_at(prev, order[i]);
		ck_assert_msg(p >= prev, "key %s out of order", order[i]);
		prev = p;
	}
	ck_assert_msg(strstr(r.body, "\"workflow_id\": \"7c3e33d4-2a8b-4e5f-9b1a-d3c6e8f1d4af\", \"status\": "
				     "\"succeeded\", \"outputs\": {\"chunk_structure\": \"text_model\", \"preview\": "
				     "[{\"content\": \"q.pdf: "),
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"qa_preview\": [], \"total_segments\": 3}, \"error\": null, \"elapsed_time\": "
				     "2.35, \"total_tokens\": 0, \"total_steps\": 4, \"created_at\": "),
		      "%s", r.body);
	ck_assert_msg(!strstr(r.body, "ignored"), "only the first item runs");
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_any_response_mode_but_streaming_is_blocking)
{
	char *b = run_body("local_file", "[{\"reference\":\"a1\"}]", FILE_NODE, "\"no\"", "foo");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(!strncmp(r.body, "{\"task_id\": ", 12), "lax 'no' means draft: %s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_draft_with_no_items_answers_the_published_shape)
{
	char *b = run_body("local_file", "[]", FILE_NODE, "false", "streaming");
	struct reply r;
	post_run(DEMO_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	assert_json_ct(&r);
	ck_assert_msg(!strncmp(r.body, "{\"batch\": \"", 11), "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"documents\": []}"), "%s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_failing_node_gives_a_failed_workflow_with_200)
{
	char *b = run_body("local_file", "[{\"reference\":\"a1\",\"name\":\"q.pdf\"}]", FILE_NODE, "false",
			   "blocking");
	struct reply r;
	post_run(FLAKY_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"status\": \"failed\", \"outputs\": {}, \"error\": \"Failed to invoke tool: "
				     "upstream chunker service returned 503\""),
		      "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"total_steps\": 3"), "%s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

START_TEST(test_error_strategy_gives_partial_succeeded)
{
	char *b = run_body("local_file", "[{\"reference\":\"a1\",\"name\":\"q.pdf\"}]", FILE_NODE, "false",
			   "blocking");
	struct reply r;
	post_run(FALLBACK_KB, b, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"status\": \"partial-succeeded\""), "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"error\": null"), "%s", r.body);
	reply_free(&r);
	free(b);
}
END_TEST

/* Two servers with the same --seed answer the same request with the same ids. */
START_TEST(test_seed_makes_ids_reproducible)
{
	char *b = run_body("local_file", "[{\"reference\":\"a1\"}]", FILE_NODE, "false", "blocking");
	char *ids[2];
	for (int i = 0; i < 2; i++) {
		struct server s;
		const char *args[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0", "--seed", "42", NULL };
		server_start(&s, args);
		struct reply r;
		post_json(&s, RUN_PATH(DEMO_KB), b, &r);
		ck_assert_int_eq(r.status, 200);
		ids[i] = strndup(r.body, 100); /* task_id and workflow_run_id */
		reply_free(&r);
		ck_assert_int_eq(server_stop(&s), 0);
	}
	ck_assert_str_eq(ids[0], ids[1]);
	free(ids[0]);
	free(ids[1]);
	free(b);
}
END_TEST

/* --time-scale 0.1: the 2.35 s draft answers after about 235 ms. */
START_TEST(test_time_scale_delays_blocking_answers)
{
	struct server s;
	const char *args[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0.1", NULL };
	server_start(&s, args);
	char *b = run_body("local_file", "[{\"reference\":\"a1\"}]", FILE_NODE, "false", "blocking");
	struct reply r;
	post_json(&s, RUN_PATH(DEMO_KB), b, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(r.total_s >= 0.22 && r.total_s < 2.0, "took %.3f s", r.total_s);
	ck_assert_msg(strstr(r.body, "\"elapsed_time\": 2.35"), "reported time stays simulated: %s", r.body);
	reply_free(&r);
	free(b);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-runs");
	TCase *tc = tcase_create("runs");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_published_run_creates_waiting_documents_in_order);
	tcase_add_test(tc, test_published_online_drive_items_are_rewritten);
	tcase_add_test(tc, test_draft_stream_truncates_an_oversized_item);
	tcase_add_test(tc, test_non_ascii_is_escaped_in_success_bodies);
	tcase_add_test(tc, test_draft_blocking_returns_the_simulated_workflow);
	tcase_add_test(tc, test_any_response_mode_but_streaming_is_blocking);
	tcase_add_test(tc, test_draft_with_no_items_answers_the_published_shape);
	tcase_add_test(tc, test_failing_node_gives_a_failed_workflow_with_200);
	tcase_add_test(tc, test_error_strategy_gives_partial_succeeded);
	tcase_add_test(tc, test_seed_makes_ids_reproducible);
	tcase_add_test(tc, test_time_scale_delays_blocking_answers);
	suite_add_tcase(s, tc);
	return s;
}
