/* test-documents.c -- the documents of published runs on a fake clock
 * (companion-endpoints.md §5, §6): waiting (0/0), waiting with the segments
 * counted while the knowledge-index node runs, then completed (N/N) or
 * error; the time scale; scenarios and missing files; the exact bodies of
 * indexing-status and the document GET in its three metadata modes; the
 * bounds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "ids.h"
#include "json.h"
#include "pipeline.h"
#include "published.h"
#include "template.h"
#include "upload.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define FLAKY "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
#define FALLBACK "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"
#define FILE_NODE "1750836391776"
#define T0 1776000000123LL /* 2026-04-12 13:20:00.123 UTC */
#define DOC_ID "0c3f7a52-8d41-4e0b-9a6e-2b7f1c9d4e10"
#define BATCH "20260412132000482913"

static struct fixtures *fx;
static struct documents *docs;
static struct buf out;

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
	docs = documents_new();
	ids_seed(9);
	out = (struct buf)BUF_INIT;
}

static void teardown(void)
{
	buf_free(&out);
	documents_free(docs);
	fixtures_free(fx);
	ids_unseed();
}

static cJSON *parse(const char *s)
{
	cJSON *v;
	ck_assert_msg(json_parse(s, strlen(s), &v, NULL, 0) == 0, "bad JSON: %s", s);
	return v;
}

/* Records one document of a published run of kb from start with item, on wf. */
static void publish_on(const char *kb_id, const struct fx_workflow *wf, const char *start, const char *type,
		       const char *item_json, const char *doc_id, const char *batch, double scale)
{
	const struct fx_kb *kb = fixtures_kb(fx, kb_id);
	ck_assert_ptr_nonnull(kb);
	cJSON *items = cJSON_CreateArray();
	cJSON_AddItemToArray(items, parse(item_json));
	char ids[1][IDS_UUID_LEN + 1];
	snprintf(ids[0], sizeof ids[0], "%s", doc_id);
	struct published_run pr = {
		.docs = docs,
		.fx = fx,
		.kb = kb,
		.wf = wf ? wf : kb->pipeline->published,
		.start_node_id = start,
		.datasource_type = type,
		.batch = batch,
		.items = items,
		.inputs = NULL,
		.first_position = 3,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids,
		.created_ms = T0,
		.time_scale = scale,
	};
	published_record(&pr);
	cJSON_Delete(items);
}

static void publish(const char *kb_id, double scale)
{
	publish_on(kb_id, NULL, FILE_NODE, "local_file", "{\"reference\":\"a1\",\"name\":\"quarterly-report.pdf\"}",
		   DOC_ID, BATCH, scale);
}

static const char *status_at(const char *kb, int64_t ms)
{
	buf_reset(&out);
	ck_assert_int_eq(documents_batch_status(docs, kb, BATCH, T0 + ms, &out), 0);
	return out.data;
}

static const char *doc_at(const char *kb, int64_t ms, enum doc_metadata m)
{
	buf_reset(&out);
	ck_assert_int_eq(documents_get(docs, kb, DOC_ID, T0 + ms, m, &out), 0);
	return out.data;
}

#define WAITING(segments)                                                                                         \
	"{\"data\":[{\"id\":\"" DOC_ID "\",\"indexing_status\":\"waiting\",\"processing_started_at\":null,"            \
	"\"parsing_completed_at\":null,\"cleaning_completed_at\":null,\"splitting_completed_at\":null,"              \
	"\"completed_at\":null,\"paused_at\":null,\"error\":null,\"stopped_at\":null,\"completed_segments\":0,"       \
	"\"total_segments\":" segments "}]}\n"

/* File Upload (50) -> Dify Extractor (800) -> General Chunker (300) -> Knowledge Base (1200): 2.35 s. */
START_TEST(test_document_goes_waiting_indexing_completed)
{
	publish(DEMO_DOCS, 1.0);
	ck_assert_str_eq(status_at(DEMO_DOCS, 0), WAITING("0"));
	ck_assert_str_eq(status_at(DEMO_DOCS, 1149), WAITING("0"));
	ck_assert_str_eq(status_at(DEMO_DOCS, 1150), WAITING("3"));
	ck_assert_str_eq(status_at(DEMO_DOCS, 2349), WAITING("3"));
	ck_assert_str_eq(status_at(DEMO_DOCS, 2350),
			 "{\"data\":[{\"id\":\"" DOC_ID "\",\"indexing_status\":\"completed\",\"processing_started_at\":null,"
			 "\"parsing_completed_at\":null,\"cleaning_completed_at\":null,\"splitting_completed_at\":null,"
			 "\"completed_at\":1776000002,\"paused_at\":null,\"error\":null,\"stopped_at\":null,"
			 "\"completed_segments\":3,\"total_segments\":3}]}\n");
	/* a clock before the run (skew) reads as the start */
	ck_assert_str_eq(status_at(DEMO_DOCS, -5000), WAITING("0"));
}
END_TEST

START_TEST(test_time_scale_changes_when_not_what_is_reported)
{
	publish(DEMO_DOCS, 0.1);
	ck_assert_str_eq(status_at(DEMO_DOCS, 114), WAITING("0"));
	ck_assert_str_eq(status_at(DEMO_DOCS, 115), WAITING("3"));
	ck_assert_msg(strstr(status_at(DEMO_DOCS, 235), "\"completed_at\":1776000002,"), "%s", out.data);
	documents_clear(docs);
	publish(DEMO_DOCS, 0.0);
	ck_assert_msg(strstr(status_at(DEMO_DOCS, 0), "\"indexing_status\":\"completed\""), "%s", out.data);
	ck_assert_msg(strstr(out.data, "\"completed_at\":1776000002,"), "reported times stay simulated: %s", out.data);
}
END_TEST

START_TEST(test_document_body_in_each_metadata_mode)
{
	publish(DEMO_DOCS, 1.0);
	const char *head = "{\"id\":\"" DOC_ID "\",\"position\":3,\"data_source_type\":\"local_file\",\"data_source_info\":{},"
			   "\"dataset_process_rule_id\":null,\"dataset_process_rule\":{\"mode\":\"custom\",\"rules\":"
			   "{\"pre_processing_rules\":[{\"id\":\"remove_extra_spaces\",\"enabled\":true},{\"id\":"
			   "\"remove_urls_emails\",\"enabled\":false}],\"segmentation\":{\"delimiter\":\"\\n\","
			   "\"max_tokens\":1024,\"chunk_overlap\":50}}},\"document_process_rule\":{},\"name\":"
			   "\"quarterly-report.pdf\",\"created_from\":\"rag-pipeline\",\"created_by\":"
			   "\"e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b\",\"created_at\":1776000000,\"tokens\":null,";
	struct buf want = BUF_INIT;
	buf_printf(&want,
		   "%s\"indexing_status\":\"waiting\",\"completed_at\":null,\"updated_at\":1776000000,\"indexing_latency\":null,"
		   "\"error\":null,\"enabled\":true,\"disabled_at\":null,\"disabled_by\":null,\"archived\":false,"
		   "\"doc_type\":null,\"doc_metadata\":null,\"segment_count\":0,\"average_segment_length\":0,\"hit_count\":0,"
		   "\"display_status\":\"queuing\",\"doc_form\":\"text_model\",\"doc_language\":null,"
		   "\"summary_index_status\":null,\"need_summary\":false}\n",
		   head);
	ck_assert_str_eq(doc_at(DEMO_DOCS, 0, DOC_META_ALL), want.data);
	buf_reset(&want);
	/* three preview chunks of 105, 116 and 105 characters: 326 // 3 */
	buf_printf(&want,
		   "%s\"indexing_status\":\"completed\",\"completed_at\":1776000002,\"updated_at\":1776000002,"
		   "\"indexing_latency\":1.2,\"error\":null,\"enabled\":true,\"disabled_at\":null,\"disabled_by\":null,"
		   "\"archived\":false,\"segment_count\":3,\"average_segment_length\":108,\"hit_count\":0,"
		   "\"display_status\":\"available\",\"doc_form\":\"text_model\",\"doc_language\":null,"
		   "\"summary_index_status\":null,\"need_summary\":false}\n",
		   head);
	ck_assert_str_eq(doc_at(DEMO_DOCS, 3000, DOC_META_WITHOUT), want.data);
	ck_assert_str_eq(doc_at(DEMO_DOCS, 3000, DOC_META_ONLY),
			 "{\"id\":\"" DOC_ID "\",\"doc_type\":null,\"doc_metadata\":null}\n");
	buf_free(&want);
}
END_TEST

START_TEST(test_failing_run_ends_in_error)
{
	publish(FLAKY, 1.0); /* the chunker fails after 50 + 800 + 300 ms */
	ck_assert_str_eq(status_at(FLAKY, 1149), WAITING("0"));
	ck_assert_str_eq(status_at(FLAKY, 1150),
			 "{\"data\":[{\"id\":\"" DOC_ID "\",\"indexing_status\":\"error\",\"processing_started_at\":null,"
			 "\"parsing_completed_at\":null,\"cleaning_completed_at\":null,\"splitting_completed_at\":null,"
			 "\"completed_at\":null,\"paused_at\":null,\"error\":\"Failed to invoke tool: upstream chunker "
			 "service returned 503\",\"stopped_at\":null,\"completed_segments\":0,\"total_segments\":0}]}\n");
	const char *d = doc_at(FLAKY, 1150, DOC_META_ALL);
	ck_assert_msg(strstr(d, "\"indexing_status\":\"error\",\"completed_at\":null,\"updated_at\":1776000001,"
				"\"indexing_latency\":null,\"error\":\"Failed to invoke tool: upstream chunker service "
				"returned 503\","),
		      "%s", d);
	ck_assert_msg(strstr(d, "\"display_status\":\"error\""), "%s", d);
}
END_TEST

START_TEST(test_default_value_strategy_completes_with_no_segments)
{
	publish(FALLBACK, 0.0);
	ck_assert_msg(strstr(status_at(FALLBACK, 0), "\"indexing_status\":\"completed\""), "%s", out.data);
	ck_assert_msg(strstr(out.data, "\"completed_segments\":0,\"total_segments\":0"), "%s", out.data);
	ck_assert_msg(strstr(doc_at(FALLBACK, 0, DOC_META_ALL), "\"segment_count\":0,\"average_segment_length\":0,"),
		      "%s", out.data);
}
END_TEST

START_TEST(test_scenario_workflow_makes_the_document_fail)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	const struct fx_scenario *sc = fx_kb_scenario(kb, "chunker-fails");
	ck_assert_ptr_nonnull(sc);
	publish_on(DEMO_DOCS, sc->published, FILE_NODE, "local_file", "{\"reference\":\"a1\",\"name\":\"x.pdf\"}",
		   DOC_ID, BATCH, 0.0);
	ck_assert_msg(strstr(status_at(DEMO_DOCS, 0), "\"indexing_status\":\"error\""), "%s", out.data);
	ck_assert_msg(strstr(out.data, "upstream chunker service returned 503"), "%s", out.data);
}
END_TEST

START_TEST(test_unknown_start_node_stays_waiting)
{
	publish_on(DEMO_DOCS, NULL, "nope", "local_file", "{\"name\":\"x.pdf\"}", DOC_ID, BATCH, 0.0);
	ck_assert_str_eq(status_at(DEMO_DOCS, 1000000000), WAITING("0"));
}
END_TEST

START_TEST(test_website_crawl_documents_keep_their_item)
{
	publish_on(DEMO_DOCS, NULL, "1752491761974", "website_crawl",
		   "{\"source_url\":\"https://docs.dify.ai/en/\",\"title\":\"Dify \\u00e9\",\"content\":\"# Hi\"}", DOC_ID, BATCH,
		   0.0);
	const char *d = doc_at(DEMO_DOCS, 0, DOC_META_ALL);
	ck_assert_msg(strstr(d, "\"data_source_info\":{\"source_url\":\"https:\\/\\/docs.dify.ai\\/en\\/\",\"title\":"
				"\"Dify \\u00e9\",\"content\":\"# Hi\"},"),
		      "%s", d);
	ck_assert_msg(strstr(d, "\"name\":\"Dify \\u00e9\","), "%s", d);
	ck_assert_msg(strstr(d, "\"data_source_type\":\"website_crawl\""), "%s", d);
}
END_TEST

START_TEST(test_strict_file_references)
{
	/* Demo Docs with strict_file_references, from a copy of its fixture */
	struct fx_problems p = { NULL, 0 };
	char dir[] = "/tmp/dm-docs-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "sed 's/\"documents\": 2,/\"documents\": 2, \"strict_file_references\": true,/' %s/demo.json > %s/demo.json",
		 FIXTURES_DIR, dir);
	ck_assert_int_eq(system(cmd), 0);
	struct fixtures *strict;
	ck_assert_int_eq(fixtures_load(dir, &strict, &p), 0);
	fixtures_free(fx);
	fx = strict;
	publish(DEMO_DOCS, 1.0); /* "a1" was never uploaded */
	ck_assert_str_eq(status_at(DEMO_DOCS, 49), WAITING("0"));
	ck_assert_msg(strstr(status_at(DEMO_DOCS, 50), "\"indexing_status\":\"error\""), "%s", out.data);
	/* get_upload_file_by_id's error (graph-semantics.md §3.5) */
	ck_assert_msg(strstr(out.data, "\"error\":\"UploadFile not found for file_id=a1, tenant_id="
				       "5d0c7a3e-1f2b-4c3d-9e8f-a1b2c3d4e5f6\""),
		      "%s", out.data);
	/* uploaded by the workspace: it runs */
	documents_clear(docs);
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	struct stored_upload u = { .id = "a1", .name = "q.pdf", .name_len = 5 };
	snprintf(u.tenant_id, sizeof u.tenant_id, "%s", kb->workspace->id);
	documents_add_upload(docs, &u);
	publish(DEMO_DOCS, 1.0);
	ck_assert_msg(strstr(status_at(DEMO_DOCS, 2350), "\"indexing_status\":\"completed\""), "%s", out.data);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_batches_keep_creation_order_and_kb)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	cJSON *items = parse("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]");
	char ids[3][IDS_UUID_LEN + 1] = { "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000001",
					  "00000000-0000-4000-8000-000000000002" };
	struct published_run pr = {
		.docs = docs, .fx = fx, .kb = kb, .wf = kb->pipeline->published, .start_node_id = FILE_NODE,
		.datasource_type = "local_file", .batch = BATCH, .items = items, .first_position = 7,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0, .time_scale = 1.0,
	};
	published_record(&pr);
	cJSON_Delete(items);
	const char *s = status_at(DEMO_DOCS, 0);
	const char *a = strstr(s, ids[0]), *b = strstr(s, ids[1]), *c = strstr(s, ids[2]);
	ck_assert(a && b && c && a < b && b < c);
	buf_reset(&out);
	ck_assert_int_eq(documents_batch_status(docs, FLAKY, BATCH, T0, &out), -1); /* another knowledge base */
	ck_assert_int_eq(documents_batch_status(docs, DEMO_DOCS, "20260412132000482914", T0, &out), -1);
	ck_assert(documents_exists(docs, DEMO_DOCS, ids[1]));
	ck_assert(!documents_exists(docs, FLAKY, ids[1]));
	buf_reset(&out);
	ck_assert_int_eq(documents_get(docs, DEMO_DOCS, DOC_ID, T0, DOC_META_ALL, &out), -1);
}
END_TEST

/* Batch numbers are drawn: two knowledge bases' runs may draw the same one.
 * Each knowledge base sees its own documents of it, in creation order,
 * also once the oldest of them is gone. */
START_TEST(test_a_batch_number_drawn_twice_stays_apart_per_knowledge_base)
{
	publish_on(DEMO_DOCS, NULL, FILE_NODE, "local_file", "{\"name\":\"a\"}", "00000000-0000-4000-8000-0000000000a1",
		   BATCH, 1.0);
	publish_on(FLAKY, NULL, FILE_NODE, "local_file", "{\"name\":\"b\"}", "00000000-0000-4000-8000-0000000000b1",
		   BATCH, 1.0);
	publish_on(DEMO_DOCS, NULL, FILE_NODE, "local_file", "{\"name\":\"c\"}", "00000000-0000-4000-8000-0000000000a2",
		   BATCH, 1.0);
	const char *s = status_at(DEMO_DOCS, 0);
	ck_assert_ptr_nonnull(strstr(s, "{\"data\":[{\"id\":\"00000000-0000-4000-8000-0000000000a1\""));
	ck_assert_ptr_nonnull(strstr(s, "},{\"id\":\"00000000-0000-4000-8000-0000000000a2\""));
	ck_assert_ptr_null(strstr(s, "0000000000b1"));
	s = status_at(FLAKY, 0);
	ck_assert_ptr_nonnull(strstr(s, "{\"data\":[{\"id\":\"00000000-0000-4000-8000-0000000000b1\""));
	ck_assert_ptr_null(strstr(s, "0000000000a"));
	buf_reset(&out);
	ck_assert_int_eq(documents_batch_status(docs, FALLBACK, BATCH, T0, &out), -1);
}
END_TEST

/* The same upload id twice (a seeded server after a reset): the newer one
 * answers, and both are freed with the store (valgrind and ASan watch). */
START_TEST(test_an_upload_id_seen_twice_is_kept_once_and_freed)
{
	struct stored_upload u = { .id = "a1", .tenant_id = "ws", .name = "q.pdf", .name_len = 5 };
	documents_add_upload(docs, &u);
	documents_add_upload(docs, &u);
	ck_assert(documents_upload_exists(docs, "ws", "a1"));
	ck_assert(!documents_upload_exists(docs, "other", "a1"));
	documents_clear(docs);
	ck_assert(!documents_upload_exists(docs, "ws", "a1"));
	documents_add_upload(docs, &u);
	documents_add_upload(docs, &u);
}
END_TEST

START_TEST(test_documents_are_bounded_oldest_first)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	for (int i = 0; i < DOCUMENTS_MAX + 2; i++) {
		char id[IDS_UUID_LEN + 1], batch[32];
		snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
		snprintf(batch, sizeof batch, "b%d", i / 2);
		struct doc_new dn = { .id = id, .kb_id = kb->id, .batch = batch, .datasource_type = "local_file",
				      .name_json = "\"n\"", .source_info_json = "{}", .created_by = "o",
				      .outcome = DOC_STAYS_WAITING };
		documents_add(docs, &dn);
	}
	ck_assert(!documents_exists(docs, DEMO_DOCS, "00000000-0000-4000-8000-000000000000"));
	ck_assert(!documents_exists(docs, DEMO_DOCS, "00000000-0000-4000-8000-000000000001"));
	ck_assert(documents_exists(docs, DEMO_DOCS, "00000000-0000-4000-8000-000000000002"));
	buf_reset(&out);
	ck_assert_int_eq(documents_batch_status(docs, DEMO_DOCS, "b0", T0, &out), -1);
	ck_assert_int_eq(documents_batch_status(docs, DEMO_DOCS, "b1", T0, &out), 0);
}
END_TEST

START_TEST(test_positions_continue_and_reset)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	ck_assert_uint_eq(documents_reserve_positions(docs, kb, 2), 3);
	ck_assert_uint_eq(documents_reserve_positions(docs, kb, 1), 5);
	documents_clear(docs);
	ck_assert_uint_eq(documents_reserve_positions(docs, kb, 1), 3);
}
END_TEST

/* Every document is found by its id and its batch, whichever byte tells
 * them apart (the store hashes eight bytes at a time, the last word
 * shorter), and positions are kept per knowledge base. */
START_TEST(test_documents_are_found_whatever_byte_differs)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS), *other = fixtures_kb(fx, FLAKY);
	char ids[IDS_UUID_LEN][IDS_UUID_LEN + 1], batches[IDS_UUID_LEN][21];
	for (int i = 0; i < IDS_UUID_LEN; i++) {
		snprintf(ids[i], sizeof ids[i], "%s", "00000000-0000-4000-8000-000000000000");
		ids[i][i] = ids[i][i] == '-' ? '+' : '1';
		snprintf(batches[i], sizeof batches[i], "%s", "20260412132000000000");
		batches[i][i % 20] = (char)('a' + i / 20);
		struct doc_new dn = { .id = ids[i], .kb_id = i % 2 ? kb->id : other->id, .batch = batches[i],
				      .datasource_type = "local_file", .name_json = "\"n\"", .source_info_json = "{}",
				      .created_by = "o", .doc_form = i % 3 ? "text_model" : "qa_model",
				      .outcome = DOC_STAYS_WAITING };
		documents_add(docs, &dn);
	}
	for (int i = 0; i < IDS_UUID_LEN; i++) {
		const char *k = i % 2 ? DEMO_DOCS : FLAKY;
		ck_assert_msg(documents_exists(docs, k, ids[i]), "%s", ids[i]);
		ck_assert(!documents_exists(docs, i % 2 ? FLAKY : DEMO_DOCS, ids[i]));
		buf_reset(&out);
		ck_assert_int_eq(documents_get(docs, k, ids[i], T0, DOC_META_ALL, &out), 0);
		ck_assert_msg(strstr(out.data, i % 3 ? "\"doc_form\":\"text_model\"" : "\"doc_form\":\"qa_model\""), "%s",
			      out.data);
		buf_reset(&out);
		ck_assert_int_eq(documents_batch_status(docs, k, batches[i], T0, &out), 0);
		ck_assert_msg(!strncmp(out.data, "{\"data\":[{\"id\":\"", 16) && !strncmp(out.data + 16, ids[i], IDS_UUID_LEN),
			      "%s: %s", batches[i], out.data);
		ck_assert_msg(!strstr(out.data, "},{"), "one document in batch %s: %s", batches[i], out.data);
	}
	ck_assert(!documents_exists(docs, DEMO_DOCS, "00000000-0000-4000-8000-000000000000"));
	ck_assert_uint_eq(documents_reserve_positions(docs, kb, 2), 3);
	ck_assert_uint_eq(documents_reserve_positions(docs, other, 1), 1);
	ck_assert_uint_eq(documents_reserve_positions(docs, kb, 1), 5);
	ck_assert_uint_eq(documents_reserve_positions(docs, other, 1), 2);
}
END_TEST

/* ---- segment counts: read off the templates, as template_render gives them ---- */

/* A fixture set in a temporary directory: one workspace and a knowledge
 * base per template, whose published workflow is a local_file datasource
 * node ("ds", 10 ms) then a knowledge-index node ("ki", 20 ms) with the
 * template as its outputs. */
#define COUNTS_WS "0a0a0a0a-0000-4000-8000-000000000000"
#define COUNTS_KB(buf, i) snprintf((buf), sizeof(buf), "0b0b0b0b-0000-4000-8000-%012d", (int)(i))

static struct fixtures *load_counts(const char *dir, const char *const *tpl, size_t n)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"version\":1,\"workspaces\":[{\"id\":\"%s\",\"name\":\"W\",\"owner\":{\"id\":"
		       "\"0c0c0c0c-0000-4000-8000-000000000000\",\"name\":\"O\",\"email\":\"o@x\"},\"api_keys\":"
		       "[\"dataset-countskey00000000000000\"]}],\"knowledge_bases\":[",
		   COUNTS_WS);
	for (size_t i = 0; i < n; i++) {
		char kb[40];
		COUNTS_KB(kb, i);
		buf_printf(&b,
			   "%s{\"id\":\"%s\",\"workspace\":\"%s\",\"name\":\"Counts \\u00fc\",\"pipeline\":{\"id\":"
			   "\"0d0d0d0d-0000-4000-8000-%012zu\",\"published\":{\"id\":\"0e0e0e0e-0000-4000-8000-%012zu\","
			   "\"nodes\":[{\"id\":\"ds\",\"type\":\"datasource\",\"title\":\"File\",\"datasource_type\":\"local_file\","
			   "\"duration_ms\":10},{\"id\":\"ki\",\"type\":\"knowledge-index\",\"title\":\"Index \\u2713\","
			   "\"duration_ms\":20,\"outputs\":%s}],\"edges\":[{\"source\":\"ds\",\"target\":\"ki\"}]}}}",
			   i ? "," : "", kb, COUNTS_WS, i, i, tpl[i]);
	}
	buf_puts(&b, "]}");
	char path[512];
	snprintf(path, sizeof path, "%s/counts.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(b.data, f);
	fclose(f);
	buf_free(&b);
	struct fixtures *set;
	struct fx_problems p = { NULL, 0 };
	ck_assert_msg(fixtures_load(dir, &set, &p) == 0, "%s", p.n ? p.lines[0] : "");
	return set;
}

/* What a document used to count: the outputs rendered by template_render,
 * then total_segments and the characters of each preview chunk's content. */
static void rendered_counts(const cJSON *tpl, const struct template_ctx *c, unsigned *segments, unsigned long *chars)
{
	cJSON *out = template_render(tpl, c);
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(out, "total_segments");
	const cJSON *preview = cJSON_GetObjectItemCaseSensitive(out, "preview"), *e;
	*segments = 0;
	*chars = 0;
	if (cJSON_IsObject(out) && cJSON_IsNumber(total) && total->valuedouble >= 0)
		*segments = total->valuedouble > 4294967295.0 ? 4294967295u : (unsigned)total->valuedouble;
	if (!cJSON_IsObject(out))
		preview = NULL;
	cJSON_ArrayForEach(e, preview) {
		const cJSON *content = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "content") : NULL;
		if (cJSON_IsString(content))
			for (const char *s = content->valuestring; *s; s++)
				*chars += ((unsigned char)*s & 0xc0) != 0x80;
	}
	cJSON_Delete(out);
}

/* segment_count and average_segment_length of the completed document. */
static void read_counts(const char *kb, const char *doc_id, unsigned long *segments, unsigned long *average)
{
	buf_reset(&out);
	ck_assert_int_eq(documents_get(docs, kb, doc_id, T0 + 100000, DOC_META_ALL, &out), 0);
	cJSON *d = parse(out.data);
	ck_assert_str_eq(cJSON_GetObjectItem(d, "indexing_status")->valuestring, "completed");
	*segments = (unsigned long)cJSON_GetObjectItem(d, "segment_count")->valuedouble;
	*average = (unsigned long)cJSON_GetObjectItem(d, "average_segment_length")->valuedouble;
	cJSON_Delete(d);
}

/* Publishes item (with inputs, may be NULL) to knowledge base i of set and
 * checks its counts against template_render's, with the context the run
 * had (its run id is the first id it draws). */
static void assert_counts(struct fixtures *set, size_t i, const char *item_json, const char *inputs_json)
{
	char kb_id[40];
	COUNTS_KB(kb_id, i);
	const struct fx_kb *kb = fixtures_kb(set, kb_id);
	ck_assert_ptr_nonnull(kb);
	cJSON *items = cJSON_CreateArray(), *item = parse(item_json);
	cJSON_AddItemToArray(items, item);
	cJSON *inputs = inputs_json ? parse(inputs_json) : NULL;
	char run_id[IDS_UUID_LEN + 1];
	ids_seed(77);
	ids_uuid4(run_id);
	ids_seed(77);
	char ids[1][IDS_UUID_LEN + 1] = { DOC_ID };
	struct published_run pr = {
		.docs = docs, .fx = set, .kb = kb, .wf = kb->pipeline->published, .start_node_id = "ds",
		.datasource_type = "local_file", .batch = BATCH, .items = items, .inputs = inputs, .first_position = 1,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0, .time_scale = 1.0,
	};
	published_record(&pr);
	cJSON *no_inputs = cJSON_CreateObject(), *name = pipeline_document_name("local_file", item);
	const struct fx_node *ki = &kb->pipeline->published->nodes[1];
	struct template_ctx c = {
		.item = item, .inputs = inputs ? inputs : no_inputs, .datasource_type = "local_file",
		.document_name = cJSON_IsString(name) ? name->valuestring : "", .dataset_id = kb->id,
		.dataset_name = kb->name, .workflow_run_id = run_id, .node_id = ki->id, .node_title = ki->title,
	};
	unsigned want_segments;
	unsigned long want_chars, segments, average;
	rendered_counts(ki->outputs, &c, &want_segments, &want_chars);
	read_counts(kb_id, DOC_ID, &segments, &average);
	ck_assert_msg(segments == want_segments && average == (want_segments ? want_chars / want_segments : 0),
		      "template %zu, item %s, inputs %s: %lu segments of %lu, want %u of %lu", i, item_json,
		      inputs_json ? inputs_json : "-", segments, average, want_segments,
		      want_segments ? want_chars / want_segments : 0);
	documents_clear(docs);
	cJSON_Delete(name);
	cJSON_Delete(no_inputs);
	cJSON_Delete(inputs);
	cJSON_Delete(items);
}

static char *counts_dir(void)
{
	static char dir[32];
	snprintf(dir, sizeof dir, "/tmp/dm-counts-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_dir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Most of them with one segment, so that the average is the character count. */
static const char *const count_templates[] = {
	"{\"total_segments\":1,\"preview\":[{\"content\":\"{{document_name}}: \\u00dcberblick \\u65e5\\u672c \\ud83c\\udf89\"},"
	"{\"content\":\"{{ document_name }}\"}]}",
	"{\"total_segments\":\"{{inputs.n}}\",\"preview\":\"{{item.chunks}}\"}",
	"{\"total_segments\":1,\"preview\":[\"{{item.chunk}}\",{\"content\":\"{{item}}\"},{\"content\":\"{{inputs}}\"},"
	"{\"content\":\"a {{item}} b {{inputs}} c {{inputs.n}} {{missing}} {{workflow_run_id}} {{dataset.name}} "
	"{{dataset.id}} {{node.id}} {{node.title}} {{datasource_type}} {{document_name}}\"},{\"content\":5},"
	"{\"content\":null},{\"content\":[\"x\"]},{\"content\":\"{{item.size}}\"},{\"content\":\"{{ item.name }}\"},"
	"{\"content\":\"{{a}}{{b}}\"},{\"content\":\"{{ unclosed\"},{\"content\":\"}} {{\"},{\"content\":\"{{}}\"},"
	"{\"content\":\"{{  }} \\u00e9\"},{\"content\":\"{{item.arr.1.x}}\"},"
	"{\"content\":\"x{{item.arr}}y{{item.size}}z{{item.f}}{{item.t}}{{item.nul}}\"},{\"notcontent\":\"abc\"},"
	"7,\"plain\",null,[1,2]]}",
	"{\"total_segments\":1,\"preview\":{\"a\":{\"content\":\"xx\"},\"b\":{\"content\":\"{{document_name}}\"},"
	"\"c\":\"{{item.chunk}}\"}}",
	"\"{{item.out}}\"",
	"\"{{inputs.out}}\"",
	"{\"total_segments\":2.7,\"preview\":[{\"content\":\"abc\"}]}",
	"{\"total_segments\":-1,\"preview\":[{\"content\":\"abc\"}]}",
	"{\"total_segments\":1e12,\"preview\":[{\"content\":\"abc\"}]}",
	"{\"total_segments\":\"x{{inputs.n}}\",\"preview\":[{\"content\":\"abc\"}]}",
	"{\"total_segments\":\"{{missing}}\",\"preview\":\"{{missing}}\"}",
	"null",
	"{\"total_segments\":1,\"preview\":\"abc\"}",
	"[{\"total_segments\":1}]",
};

START_TEST(test_segments_are_counted_as_template_render_gives_them)
{
	static const char *const items[] = {
		"{\"reference\":\"r\",\"name\":\"report \\u00e9.pdf\",\"size\":123,\"chunks\":[{\"content\":\"c1 \\u00e9\"},"
		"{\"content\":7},{\"x\":1},\"s\"],\"chunk\":{\"content\":\"chunk \\u00fc \\ud83c\\udf89\"},"
		"\"arr\":[1,{\"x\":\"y\\u00e9\"}],\"f\":1.5,\"t\":true,\"nul\":null,\"out\":{\"total_segments\":1,"
		"\"preview\":[{\"content\":\"{{document_name}} raw\"},{\"content\":\"plain \\u00fc\"}]}}",
		"{\"reference\":\"r\",\"name\":\"a\"}",
		"{\"reference\":\"r\",\"name\":null,\"chunks\":{\"k\":{\"content\":\"from an object\"}}}",
		"{\"reference\":\"r\",\"name\":42,\"chunks\":\"str\",\"out\":\"x\"}",
		"{\"reference\":\"r\"}",
	};
	static const char *const inputs[] = {
		NULL,
		"{\"n\":1,\"text\":\"h\\u00e9\",\"out\":{\"total_segments\":1,\"preview\":[{\"content\":\"{{inputs.text}}\"}]}}",
		"{\"n\":3,\"text\":\"much longer text \\u00fc\"}",
	};
	char *dir = counts_dir();
	size_t n = sizeof count_templates / sizeof *count_templates;
	struct fixtures *set = load_counts(dir, count_templates, n);
	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < sizeof items / sizeof *items; i++)
			for (size_t k = 0; k < sizeof inputs / sizeof *inputs; k++)
				assert_counts(set, t, items[i], inputs[k]);
	fixtures_free(set);
	remove_dir(dir);
}
END_TEST

/* The counts depend on each document's own name: a cache per workflow and
 * start node would give both the first one's. */
START_TEST(test_each_document_counts_its_own_name)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	cJSON *items = parse("[{\"reference\":\"r\",\"name\":\"a\"},{\"reference\":\"r\",\"name\":\"quarterly-report.pdf\"},{\"reference\":\"r\",\"name\":\"a\"}]");
	char ids[3][IDS_UUID_LEN + 1] = { "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
					  "00000000-0000-4000-8000-000000000003" };
	struct published_run pr = {
		.docs = docs, .fx = fx, .kb = kb, .wf = kb->pipeline->published, .start_node_id = FILE_NODE,
		.datasource_type = "local_file", .batch = BATCH, .items = items, .first_position = 3,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0, .time_scale = 1.0,
	};
	published_record(&pr);
	cJSON_Delete(items);
	/* 85 + 96 + 85 characters around the name, three times */
	unsigned long segments, average;
	read_counts(DEMO_DOCS, ids[0], &segments, &average);
	ck_assert_uint_eq(segments, 3);
	ck_assert_uint_eq(average, (266 + 3 * 1) / 3);
	read_counts(DEMO_DOCS, ids[1], &segments, &average);
	ck_assert_uint_eq(average, (266 + 3 * 20) / 3);
	read_counts(DEMO_DOCS, ids[2], &segments, &average);
	ck_assert_uint_eq(average, (266 + 3 * 1) / 3);
}
END_TEST

/* A reload brings new templates for the same ids: the counts follow. */
START_TEST(test_counts_follow_a_reload)
{
	char *dir = counts_dir();
	const char *before[] = { "{\"total_segments\":1,\"preview\":[{\"content\":\"{{document_name}}\"}]}" };
	const char *after[] = { "{\"total_segments\":2,\"preview\":[{\"content\":\"{{document_name}}!!!!\"},"
				"{\"content\":\"{{inputs.text}}\"}]}" };
	struct fixtures *set = load_counts(dir, before, 1);
	assert_counts(set, 0, "{\"reference\":\"r\",\"name\":\"abcd\"}", "{\"text\":\"xy\"}");
	unsigned long segments, average;
	assert_counts(set, 0, "{\"reference\":\"r\",\"name\":\"abcd\"}", NULL);
	struct fixtures *reloaded = load_counts(dir, after, 1);
	fixtures_free(set);
	assert_counts(reloaded, 0, "{\"reference\":\"r\",\"name\":\"abcd\"}", "{\"text\":\"xy\"}");
	/* and by hand: 4 + 4, then 2, over 2 segments */
	char kb_id[40];
	COUNTS_KB(kb_id, 0);
	const struct fx_kb *kb = fixtures_kb(reloaded, kb_id);
	cJSON *items = parse("[{\"reference\":\"r\",\"name\":\"abcd\"}]"), *inputs = parse("{\"text\":\"xy\"}");
	char ids[1][IDS_UUID_LEN + 1] = { DOC_ID };
	struct published_run pr = {
		.docs = docs, .fx = reloaded, .kb = kb, .wf = kb->pipeline->published, .start_node_id = "ds",
		.datasource_type = "local_file", .batch = BATCH, .items = items, .inputs = inputs, .first_position = 1,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0, .time_scale = 1.0,
	};
	published_record(&pr);
	read_counts(kb_id, DOC_ID, &segments, &average);
	ck_assert_uint_eq(segments, 2);
	ck_assert_uint_eq(average, (8 + 2) / 2);
	cJSON_Delete(items);
	cJSON_Delete(inputs);
	fixtures_free(reloaded);
	remove_dir(dir);
}
END_TEST

/* Each background run takes the random numbers a whole run takes (run id,
 * task id, two execution seeds: six), at its first document, so that under
 * --seed the ids that follow are what they always were. */
START_TEST(test_background_runs_draw_what_a_run_draws)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	for (int runs = 1; runs <= 2; runs++) {
		ids_seed(5);
		for (int i = 0; i < 6; i++) /* one run's draws, whether or not a file is missing */
			ids_random64();
		char want[IDS_UUID_LEN + 1], got[IDS_UUID_LEN + 1];
		ids_uuid4(want);
		ids_seed(5);
		/* two items on one run; with runs == 2, the second one's file is missing (its run fails) */
		cJSON *items = parse("[{\"reference\":\"up\",\"name\":\"a\"},{\"reference\":\"gone\",\"name\":\"b\"}]");
		char ids[2][IDS_UUID_LEN + 1] = { "00000000-0000-4000-8000-000000000001",
						  "00000000-0000-4000-8000-000000000002" };
		struct stored_upload u = { .id = "up", .name = "b", .name_len = 1 };
		snprintf(u.tenant_id, sizeof u.tenant_id, "%s", kb->workspace->id);
		documents_add_upload(docs, &u);
		struct published_run pr = {
			.docs = docs, .fx = fx, .kb = kb, .wf = kb->pipeline->published, .start_node_id = FILE_NODE,
			.datasource_type = "local_file", .batch = BATCH, .items = items,
			.first_position = 3, .ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0,
			.time_scale = 1.0,
		};
		struct fixtures *strict = NULL;
		if (runs == 2) { /* Demo Docs with strict_file_references */
			char *dir = counts_dir(), cmd[512];
			snprintf(cmd, sizeof cmd,
				 "sed 's/\"documents\": 2,/\"documents\": 2, \"strict_file_references\": true,/' "
				 "%s/demo.json > %s/demo.json",
				 FIXTURES_DIR, dir);
			ck_assert_int_eq(system(cmd), 0);
			struct fx_problems p = { NULL, 0 };
			ck_assert_int_eq(fixtures_load(dir, &strict, &p), 0);
			remove_dir(dir);
			pr.fx = strict;
			pr.kb = fixtures_kb(strict, DEMO_DOCS);
			pr.wf = pr.kb->pipeline->published;
		}
		published_record(&pr);
		ids_uuid4(got);
		ck_assert_str_eq(got, want);
		cJSON_Delete(items);
		documents_clear(docs);
		fixtures_free(strict);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("documents");
	TCase *tc = tcase_create("documents");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_document_goes_waiting_indexing_completed);
	tcase_add_test(tc, test_time_scale_changes_when_not_what_is_reported);
	tcase_add_test(tc, test_document_body_in_each_metadata_mode);
	tcase_add_test(tc, test_failing_run_ends_in_error);
	tcase_add_test(tc, test_default_value_strategy_completes_with_no_segments);
	tcase_add_test(tc, test_scenario_workflow_makes_the_document_fail);
	tcase_add_test(tc, test_unknown_start_node_stays_waiting);
	tcase_add_test(tc, test_website_crawl_documents_keep_their_item);
	tcase_add_test(tc, test_strict_file_references);
	tcase_add_test(tc, test_batches_keep_creation_order_and_kb);
	tcase_add_test(tc, test_a_batch_number_drawn_twice_stays_apart_per_knowledge_base);
	tcase_add_test(tc, test_an_upload_id_seen_twice_is_kept_once_and_freed);
	tcase_add_test(tc, test_documents_are_bounded_oldest_first);
	tcase_add_test(tc, test_positions_continue_and_reset);
	tcase_add_test(tc, test_documents_are_found_whatever_byte_differs);
	tcase_add_test(tc, test_segments_are_counted_as_template_render_gives_them);
	tcase_add_test(tc, test_each_document_counts_its_own_name);
	tcase_add_test(tc, test_counts_follow_a_reload);
	tcase_add_test(tc, test_background_runs_draw_what_a_run_draws);
	suite_add_tcase(s, tc);
	return s;
}
