/* test-published.c -- the answer to a published run (wire.md §6): the batch
 * number, the exact json.dumps bytes of {"batch", "dataset", "documents"},
 * the item as Dify stores it, and what published_record leaves per item
 * (test-documents.c follows the documents' states further). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "documents.h"
#include "ids.h"
#include "json.h"
#include "published.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define T0 1776000000123LL /* 2026-04-12 13:20:00.123 UTC */

static struct fixtures *fx;

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
	ids_seed(3);
}

static void teardown(void)
{
	fixtures_free(fx);
	ids_unseed();
}

static cJSON *parse(const char *s)
{
	cJSON *v;
	ck_assert_msg(json_parse(s, strlen(s), &v, NULL, 0) == 0, "bad JSON: %s", s);
	return v;
}

START_TEST(test_batch_is_the_utc_second_and_six_drawn_digits)
{
	char b[21];
	published_batch(T0, b);
	ck_assert_uint_eq(strlen(b), 20);
	ck_assert_int_eq(strncmp(b, "20260412132000", 14), 0);
	for (int i = 14; i < 20; i++)
		ck_assert(b[i] >= '0' && b[i] <= '9');
	ck_assert(b[14] != '0'); /* 100000..999999 */
	char again[21];
	published_batch(T0 + 500, again); /* the same second */
	ck_assert_int_eq(strncmp(again, "20260412132000", 14), 0);
	/* the date digits follow the clock, forwards and back */
	published_batch(T0 + 1000, b);
	ck_assert_int_eq(strncmp(b, "20260412132001", 14), 0);
	published_batch(T0 + 86400000LL, b);
	ck_assert_int_eq(strncmp(b, "20260413132000", 14), 0);
	published_batch(T0, b);
	ck_assert_int_eq(strncmp(b, "20260412132000", 14), 0);
	/* the drawn part follows --seed */
	ids_seed(3);
	published_batch(T0, b);
	ids_seed(3);
	published_batch(T0, again);
	ck_assert_str_eq(b, again);
}
END_TEST

/* The body with the drawn document ids put back as "ID1", "ID2"... */
static char *body_of(const char *type, const char *items_json, unsigned first)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	cJSON *items = parse(items_json);
	char ids[4][IDS_UUID_LEN + 1];
	memset(ids, 0, sizeof ids);
	struct buf b = BUF_INIT;
	published_body(kb, "20260412132000482913", type, items, first, ids, &b);
	int n = cJSON_GetArraySize(items);
	ck_assert_int_le(n, 4);
	cJSON_Delete(items);
	char *s = buf_steal(&b, NULL);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(strlen(ids[i]), IDS_UUID_LEN);
		char *at = strstr(s, ids[i]);
		ck_assert_ptr_nonnull(at);
		char tag[IDS_UUID_LEN + 1];
		snprintf(tag, sizeof tag, "ID%-34d", i + 1);
		memcpy(at, tag, IDS_UUID_LEN);
	}
	return s;
}

#define HEAD                                                                                                      \
	"{\"batch\": \"20260412132000482913\", \"dataset\": {\"id\": \"" DEMO_DOCS "\", \"name\": \"Demo Docs\", "      \
	"\"description\": \"Product documentation ingested through a knowledge pipeline.\", \"chunk_structure\": "  \
	"\"text_model\"}, \"documents\": ["
#define PAD(n) "ID" n "                                 " /* 36 bytes, as body_of puts them */
#define TAIL ", \"indexing_status\": \"waiting\", \"error\": null, \"enabled\": true}"

START_TEST(test_body_is_json_dumps_bytes_in_difys_order)
{
	char *s = body_of("local_file",
			  "[{\"reference\":\"r1\",\"name\":\"r\xc3\xa9sum\xc3\xa9.pdf\"},{\"reference\":\"r2\"}]", 7);
	ck_assert_str_eq(s, HEAD "{\"id\": \"" PAD("1") "\", \"position\": 7, \"data_source_type\": \"local_file\", "
				 "\"data_source_info\": {\"reference\": \"r1\", \"name\": \"r\\u00e9sum\\u00e9.pdf\"}, "
				 "\"name\": \"r\\u00e9sum\\u00e9.pdf\"" TAIL ", "
				 "{\"id\": \"" PAD("2") "\", \"position\": 8, \"data_source_type\": \"local_file\", "
				 "\"data_source_info\": {\"reference\": \"r2\"}, \"name\": \"untitled\"" TAIL "]}");
	free(s);
	s = body_of("local_file", "[]", 3);
	ck_assert_str_eq(s, HEAD "]}");
	free(s);
}
END_TEST

START_TEST(test_body_names_and_stores_each_type_as_dify_does)
{
	/* online_drive items reach the body rewritten already (drive.c) */
	char *s = body_of("online_drive", "[{\"id\":\"f1\",\"name\":\"spec.pdf\",\"bucket\":null}]", 10);
	ck_assert_str_eq(s, HEAD "{\"id\": \"" PAD("1") "\", \"position\": 10, \"data_source_type\": \"online_drive\", "
				 "\"data_source_info\": {\"id\": \"f1\", \"name\": \"spec.pdf\", \"bucket\": null}, "
				 "\"name\": \"spec.pdf\"" TAIL "]}");
	free(s);
	s = body_of("website_crawl", "[{\"source_url\":\"https://x/\",\"title\":\"X\",\"content\":\"# X\"}]", 1);
	ck_assert_msg(strstr(s, "\"data_source_info\": {\"source_url\": \"https://x/\", \"title\": \"X\", \"content\": "
				"\"# X\"}, \"name\": \"X\""),
		      "%s", s);
	free(s);
	s = body_of("online_document", "[{\"workspace_id\":\"w\",\"page\":{\"page_id\":\"p\",\"page_name\":\"Roadmap\"}}]",
		    1);
	ck_assert_msg(strstr(s, "\"name\": \"Roadmap\", \"indexing_status\""), "%s", s);
	free(s);
}
END_TEST

/* ---- what a run leaves behind ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A knowledge base with strict_file_references: File Upload -> Knowledge Base. */
static const char strict_fixture[] =
	"{\"workspaces\":[{\"id\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"W\",\"owner\":{\"id\":"
	"\"22222222-2222-4222-8222-222222222222\",\"name\":\"O\",\"email\":\"o@x\"},\"api_keys\":[\"dataset-k\"]}],"
	"\"knowledge_bases\":[{\"id\":\"44444444-4444-4444-8444-444444444444\",\"workspace\":"
	"\"11111111-1111-4111-8111-111111111111\",\"name\":\"K\",\"strict_file_references\":true,\"pipeline\":{\"id\":"
	"\"55555555-5555-4555-8555-555555555555\",\"published\":{\"id\":\"66666666-6666-4666-8666-666666666666\","
	"\"nodes\":[{\"id\":\"ds\",\"type\":\"datasource\",\"datasource_type\":\"local_file\",\"duration_ms\":50},"
	"{\"id\":\"ki\",\"type\":\"knowledge-index\",\"duration_ms\":100,\"outputs\":{\"total_segments\":2}}],"
	"\"edges\":[{\"source\":\"ds\",\"target\":\"ki\"}]}}}]}";

START_TEST(test_record_fails_only_the_items_whose_file_is_missing)
{
	char dir[] = "/tmp/dm-published-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/k.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(strict_fixture, f);
	fclose(f);
	struct fixtures *sfx;
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(dir, &sfx, &p), 0);
	nftw(dir, rm_entry, 4, FTW_DEPTH | FTW_PHYS);
	const struct fx_kb *kb = fixtures_kb(sfx, "44444444-4444-4444-8444-444444444444");
	struct documents *docs = documents_new();
	struct stored_upload u = { .id = "up1", .name = "a.pdf", .name_len = 5 };
	snprintf(u.tenant_id, sizeof u.tenant_id, "%s", kb->workspace->id);
	documents_add_upload(docs, &u);
	cJSON *items = parse("[{\"reference\":\"nope\",\"name\":\"a\"},{\"reference\":\"up1\",\"name\":\"b\"},"
			     "{\"reference\":\"nope2\",\"name\":\"c\"}]");
	char ids[3][IDS_UUID_LEN + 1] = { "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
					  "00000000-0000-4000-8000-00000000000c" };
	struct published_run pr = {
		.docs = docs, .fx = sfx, .kb = kb, .wf = kb->pipeline->published, .start_node_id = "ds",
		.datasource_type = "local_file", .batch = "20260412132000482913", .items = items, .first_position = 1,
		.ids = (const char(*)[IDS_UUID_LEN + 1])ids, .created_ms = T0, .time_scale = 1.0,
	};
	published_record(&pr);
	cJSON_Delete(items);
	struct buf out = BUF_INIT;
	static const char *want[] = { "\"indexing_status\":\"error\"", "\"indexing_status\":\"completed\"",
				      "\"indexing_status\":\"error\"" };
	for (int i = 0; i < 3; i++) {
		buf_reset(&out);
		ck_assert_int_eq(documents_get(docs, kb->id, ids[i], T0 + 150, DOC_META_WITHOUT, &out), 0);
		ck_assert_msg(strstr(out.data, want[i]), "document %d: %s", i, out.data);
		char pos[32];
		snprintf(pos, sizeof pos, "\"position\":%d,", i + 1);
		ck_assert_msg(strstr(out.data, pos), "document %d: %s", i, out.data);
	}
	buf_reset(&out);
	ck_assert_int_eq(documents_batch_status(docs, kb->id, "20260412132000482913", T0 + 150, &out), 0);
	/* get_upload_file_by_id's error (graph-semantics.md §3.5) */
	ck_assert_msg(strstr(out.data, "\"error\":\"UploadFile not found for file_id=nope, tenant_id="), "%s", out.data);
	ck_assert_msg(strstr(out.data, "\"completed_segments\":2,\"total_segments\":2"), "%s", out.data);
	buf_free(&out);
	documents_free(docs);
	fixtures_free(sfx);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("published");
	TCase *tc = tcase_create("published");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_batch_is_the_utc_second_and_six_drawn_digits);
	tcase_add_test(tc, test_body_is_json_dumps_bytes_in_difys_order);
	tcase_add_test(tc, test_body_names_and_stores_each_type_as_dify_does);
	tcase_add_test(tc, test_record_fails_only_the_items_whose_file_is_missing);
	suite_add_tcase(s, tc);
	return s;
}
