/* test-dsl.c -- pipelines read from Dify DSL exports (tests/e2e/fixtures-dsl),
 * run by the real binary: the SSE bytes of a run hold the nodes of the
 * branch the if-else selected and never a node of another branch or of
 * another datasource; every comparison operator sends its if-else down the
 * case's edge; published documents run their own branch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "json.h"

static struct server srv;

#define BRANCHES "6b6b6b6b-0000-4000-8000-000000000001"
#define OPERATORS "6b6b6b6b-0000-4000-8000-000000000002"

/* branches.yml */
#define LOCAL "1801000000001"
#define NOTION "1801000000002"
#define CRAWL "1801000000003"
#define DRIVE "1801000000004"
#define FILE_AGG "1801000000010"
#define IF_TABLE "1801000000011"
#define TABLE_X "1801000000012"
#define DOC_X "1801000000013"
#define TEXT "1801000000014"
#define IF_CLEAN "1801000000015"
#define CLEANER "1801000000016"
#define CHUNKER "1801000000017"
#define INDEX "1801000000018"

static void setup(void)
{
	const char *args[] = { "--fixtures", DSL_FIXTURES_DIR, "--time-scale", "0", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

/* A draft streaming run of kb from start with one item and inputs (JSON). */
static void stream(const char *kb, const char *start, const char *type, const char *item, const char *inputs,
		   struct stream_reply *r)
{
	struct buf body = BUF_INIT, path = BUF_INIT;
	buf_printf(&body,
		   "{\"inputs\":%s,\"datasource_type\":\"%s\",\"start_node_id\":\"%s\",\"is_published\":false,"
		   "\"response_mode\":\"streaming\",\"datasource_info_list\":[%s]}",
		   inputs, type, start, item);
	buf_printf(&path, "/v1/datasets/%s/pipeline/run", kb);
	http_stream(&srv, path.data, body.data, 0, r);
	ck_assert_int_eq(r->status, 200);
	buf_free(&body);
	buf_free(&path);
}

/* The node ids of the node_started events, in order, space-separated;
 * every node_finished must follow its node_started. */
static char *started(const struct stream_reply *r)
{
	struct buf ids = BUF_INIT;
	const char *p = r->body;
	while ((p = strstr(p, "data: {\"event\":\"node_started\""))) {
		const char *id = strstr(p, "\"node_id\":\"") + 11;
		buf_printf(&ids, "%s%.*s", ids.len ? " " : "", (int)(strchr(id, '"') - id), id);
		p = id;
	}
	return buf_steal(&ids, NULL);
}

/* The node appears nowhere in the bytes: no event names it. */
static void assert_absent(const struct stream_reply *r, const char *node_id)
{
	char needle[64];
	snprintf(needle, sizeof needle, "\"node_id\":\"%s\"", node_id);
	ck_assert_msg(!memmem(r->body, r->body_len, needle, strlen(needle)), "node %s has an event", node_id);
}

static cJSON *last_event(const struct stream_reply *r)
{
	const char *p = r->body, *last = NULL;
	while ((p = strstr(p, "data: ")))
		last = p, p += 6;
	ck_assert_ptr_nonnull(last);
	const char *end = strstr(last, "\n\n");
	cJSON *e;
	ck_assert_int_eq(json_parse(last + 6, (size_t)(end - last - 6), &e, NULL, 0), 0);
	return e;
}

static const char *finished_status(const struct stream_reply *r, cJSON **ret_event)
{
	*ret_event = last_event(r);
	ck_assert_str_eq(json_get(*ret_event, "event")->valuestring, "workflow_finished");
	return json_get(json_get(*ret_event, "data"), "status")->valuestring;
}

START_TEST(test_dsl_a_pdf_takes_the_else_branch_only)
{
	struct stream_reply r;
	stream(BRANCHES, LOCAL, "local_file", "{\"reference\":\"u1\",\"name\":\"Q3.pdf\"}", "{\"delimiter\":\"\\\\n\\\\n\"}", &r);
	char *ids = started(&r);
	ck_assert_str_eq(ids, LOCAL " " FILE_AGG " " IF_TABLE " " DOC_X " " TEXT " " IF_CLEAN " " CHUNKER " " INDEX);
	free(ids);
	assert_absent(&r, TABLE_X);
	assert_absent(&r, CLEANER);
	assert_absent(&r, NOTION);
	assert_absent(&r, CRAWL);
	assert_absent(&r, DRIVE);
	assert_absent(&r, "note");
	/* the if-else reports the else branch; the index previews the document's three paragraphs */
	ck_assert_msg(strstr(r.body, "\"outputs\":{\"result\":false,\"selected_case_id\":\"false\"}"), "%s", r.body);
	cJSON *e;
	ck_assert_str_eq(finished_status(&r, &e), "succeeded");
	const cJSON *out = json_get(json_get(e, "data"), "outputs");
	ck_assert_int_eq(json_get(out, "total_segments")->valueint, 3);
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(json_get(out, "preview"), 0), "content")->valuestring, "Q3.pdf");
	cJSON_Delete(e);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_dsl_a_spreadsheet_takes_the_case_branch_only)
{
	struct stream_reply r;
	stream(BRANCHES, LOCAL, "local_file", "{\"reference\":\"u1\",\"name\":\"Q3.XLSX\"}", "{\"delimiter\":\"\\\\n\\\\n\"}",
	       &r);
	char *ids = started(&r);
	ck_assert_str_eq(ids, LOCAL " " FILE_AGG " " IF_TABLE " " TABLE_X " " TEXT " " IF_CLEAN " " CHUNKER " " INDEX);
	free(ids);
	assert_absent(&r, DOC_X);
	ck_assert_msg(strstr(r.body, "\"selected_case_id\":\"0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f0a\""), "%s", r.body);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_dsl_other_datasources_and_their_branches_never_appear)
{
	struct stream_reply r;
	stream(BRANCHES, NOTION, "online_document",
	       "{\"workspace_id\":\"w1\",\"page\":{\"page_id\":\"p1\",\"page_name\":\"Roadmap\",\"type\":\"page\"},"
	       "\"credential_id\":\"c\"}",
	       "{\"delimiter\":\"\\\\n\\\\n\",\"clean\":\"yes\"}", &r);
	char *ids = started(&r);
	/* the legacy "true" handle takes the cleaner, which joins the chunker */
	ck_assert_str_eq(ids, NOTION " " TEXT " " IF_CLEAN " " CLEANER " " CHUNKER " " INDEX);
	free(ids);
	const char *gone[] = { LOCAL, CRAWL, DRIVE, FILE_AGG, IF_TABLE, TABLE_X, DOC_X };
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
		assert_absent(&r, gone[i]);
	/* the grouped aggregator outputs the group */
	ck_assert_msg(strstr(r.body, "\"outputs\":{\"body\":{\"output\":\"Roadmap"), "%s", r.body);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_dsl_a_crawled_page_and_a_drive_file_run_their_own_paths)
{
	struct stream_reply r;
	stream(BRANCHES, CRAWL, "website_crawl",
	       "{\"source_url\":\"https://docs.example/\",\"title\":\"Docs\",\"content\":\"# Docs\\n\\nSecond\","
	       "\"description\":\"\"}",
	       "{\"delimiter\":\"\\\\n\\\\n\",\"firecrawl_url\":\"https://docs.example/\"}", &r);
	char *ids = started(&r);
	ck_assert_str_eq(ids, CRAWL " " TEXT " " IF_CLEAN " " CHUNKER " " INDEX);
	free(ids);
	/* the crawl's outputs are the page, its icon and the type; the chunks its paragraphs */
	ck_assert_msg(strstr(r.body, "\"datasource_type\":\"website_crawl\"}"), "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"preview\":[{\"content\":\"# Docs\"},{\"content\":\"Second\"}]"), "%s", r.body);
	stream_reply_free(&r);
	/* a Drive file: saved as a tool file whose type comes from its mime type */
	stream(BRANCHES, DRIVE, "online_drive", "{\"id\":\"f1\",\"name\":\"sheet.csv\",\"type\":\"file\",\"bucket\":null}",
	       "{\"delimiter\":\"\\\\n\\\\n\"}", &r);
	ids = started(&r);
	ck_assert_str_eq(ids, DRIVE " " FILE_AGG " " IF_TABLE " " TABLE_X " " TEXT " " IF_CLEAN " " CHUNKER " " INDEX);
	free(ids);
	ck_assert_msg(strstr(r.body, "\"transfer_method\":\"tool_file\""), "%s", r.body);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_dsl_every_operator_selects_its_case)
{
	struct stream_reply r;
	stream(OPERATORS, "1802000000001", "local_file", "{\"reference\":\"u1\",\"name\":\"report.pdf\"}",
	       "{\"t\":\"hello world\",\"s\":\"beta\",\"e\":\"\",\"n\":42}", &r);
	assert_absent(&r, "1802000000099"); /* every else branch leads to it */
	char *ids = started(&r);
	int ifs = 0;
	for (const char *p = ids; (p = strstr(p, "18020000001")); p++)
		ifs++;
	ck_assert_int_eq(ifs, 22);
	free(ids);
	cJSON *e;
	ck_assert_str_eq(finished_status(&r, &e), "succeeded");
	ck_assert_int_eq(json_get(json_get(json_get(e, "data"), "outputs"), "total_segments")->valueint, 2);
	cJSON_Delete(e);
	stream_reply_free(&r);
	/* one operator false: the run turns off at it */
	stream(OPERATORS, "1802000000001", "local_file", "{\"reference\":\"u1\",\"name\":\"report.pdf\"}",
	       "{\"t\":\"hello world\",\"s\":\"beta\",\"e\":\"\",\"n\":41}", &r);
	ck_assert_msg(memmem(r.body, r.body_len, "\"node_id\":\"1802000000099\"", 25), "%s", r.body);
	assert_absent(&r, "1802000000098");
	stream_reply_free(&r);
}
END_TEST

/* A published run: each document runs its own branch. */
START_TEST(test_dsl_published_documents_run_their_own_branch)
{
	struct reply rep;
	post_json(&srv, RUN_PATH(BRANCHES),
		  "{\"inputs\":{\"delimiter\":\"\\\\n\\\\n\"},\"datasource_type\":\"local_file\",\"start_node_id\":\"" LOCAL
		  "\",\"is_published\":true,\"response_mode\":\"blocking\",\"datasource_info_list\":["
		  "{\"reference\":\"u1\",\"name\":\"a.pdf\"},{\"reference\":\"u2\",\"name\":\"b.csv\"},{\"name\":\"c.pdf\"}]}",
		  &rep);
	ck_assert_int_eq(rep.status, 200);
	cJSON *run;
	ck_assert_int_eq(json_parse(rep.body, rep.body_len, &run, NULL, 0), 0);
	reply_free(&rep);
	char path[160];
	snprintf(path, sizeof path, "/v1/datasets/" BRANCHES "/documents/%s/indexing-status",
		 json_get(run, "batch")->valuestring);
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, NULL };
	http_request(&srv, "GET", path, h, NULL, &rep);
	ck_assert_int_eq(rep.status, 200);
	cJSON *st;
	ck_assert_int_eq(json_parse(rep.body, rep.body_len, &st, NULL, 0), 0);
	const cJSON *d = json_get(st, "data");
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(d, 0), "indexing_status")->valuestring, "completed");
	ck_assert_int_eq(json_get(cJSON_GetArrayItem(d, 0), "total_segments")->valueint, 3);
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(d, 1), "indexing_status")->valuestring, "completed");
	/* an item naming no file fails in its datasource node */
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(d, 2), "indexing_status")->valuestring, "error");
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(d, 2), "error")->valuestring,
			 "Failed to invoke datasource: File is not exist");
	cJSON_Delete(st);
	cJSON_Delete(run);
	reply_free(&rep);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("dsl");
	TCase *t = tcase_create("dsl");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_dsl_a_pdf_takes_the_else_branch_only);
	tcase_add_test(t, test_dsl_a_spreadsheet_takes_the_case_branch_only);
	tcase_add_test(t, test_dsl_other_datasources_and_their_branches_never_appear);
	tcase_add_test(t, test_dsl_a_crawled_page_and_a_drive_file_run_their_own_paths);
	tcase_add_test(t, test_dsl_every_operator_selects_its_case);
	tcase_add_test(t, test_dsl_published_documents_run_their_own_branch);
	suite_add_tcase(s, t);
	return s;
}
