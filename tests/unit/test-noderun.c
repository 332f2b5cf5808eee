/* test-noderun.c -- datasource node runs (companion-endpoints.md §4): the
 * DatasourceNodeRunPayload checks with pydantic's text, then the SSE script
 * -- each block's bytes and simulated time -- for each datasource type, the
 * in-stream errors in Dify's order, and the drive's folders, buckets and
 * pages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ids.h"
#include "json.h"
#include "noderun.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define NOTION "1752489759475"
#define JINA "1752491761974"
#define DRIVE "1752565435219"
#define FILE_NODE "1750836391776"
#define OWN_KB "44444444-4444-4444-8444-444444444444"

static struct fixtures *fx, *own;
static struct sse_script *script;
static char own_dir[32];

/* A knowledge base with an S3-like drive and a failing Notion. */
static const char own_fixture[] =
	"{\"workspaces\":[{\"id\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"W\",\"owner\":null}],"
	"\"knowledge_bases\":[{\"id\":\"" OWN_KB "\",\"workspace\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"K\","
	"\"pipeline\":{\"id\":\"55555555-5555-4555-8555-555555555555\",\"published\":{\"id\":"
	"\"66666666-6666-4666-8666-666666666666\",\"nodes\":["
	"{\"id\":\"s3\",\"type\":\"datasource\",\"datasource_type\":\"online_drive\",\"plugin_id\":\"langgenius\\/s3\","
	"\"provider_name\":\"s3\",\"duration_ms\":100,\"browse\":{\"buckets\":[{\"name\":\"logs\",\"files\":[{\"id\":\"a.log\","
	"\"name\":\"a.log\",\"size\":7}]},{\"name\":\"docs\",\"files\":[{\"id\":\"guides\\/\",\"name\":\"guides\",\"type\":"
	"\"folder\",\"files\":[{\"id\":\"guides\\/x.md\",\"name\":\"x.md\",\"size\":1}]}]}]}},"
	"{\"id\":\"n\",\"type\":\"datasource\",\"datasource_type\":\"online_document\",\"duration_ms\":250,"
	"\"browse\":{\"error\":\"Notion API: unauthorized\"}},"
	"{\"id\":\"w\",\"type\":\"datasource\",\"datasource_type\":\"website_crawl\",\"browse\":{\"duration_ms\":90,"
	"\"error\":\"crawl failed\",\"result\":[{\"source_url\":\"a\"},{\"source_url\":\"b\"},{\"source_url\":\"c\"}]}},"
	"{\"id\":\"t\",\"type\":\"tool\"}]}}}]}";

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
	snprintf(own_dir, sizeof own_dir, "/tmp/dm-noderun-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(own_dir));
	char path[64];
	snprintf(path, sizeof path, "%s/a.json", own_dir);
	FILE *f = fopen(path, "w");
	fputs(own_fixture, f);
	fclose(f);
	ck_assert_int_eq(fixtures_load(own_dir, &own, &p), 0);
	ids_seed(4);
	script = NULL;
}

static void teardown(void)
{
	sse_script_free(script);
	fixtures_free(fx);
	fixtures_free(own);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", own_dir);
	if (system(cmd)) {
		/* a leftover in /tmp is harmless */
	}
	ids_unseed();
}

static int parse_payload(const char *json, struct noderun_payload *p, struct dm_error *err)
{
	cJSON *root;
	ck_assert_int_eq(json_parse(json, strlen(json), &root, NULL, 0), 0);
	return noderun_parse(root, p, err);
}

static void assert_payload_error(const char *json, const char *message)
{
	struct noderun_payload p;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(parse_payload(json, &p, &err), -1);
	ck_assert_uint_eq(err.status, 400);
	ck_assert_str_eq(err.code, "invalid_param");
	ck_assert_str_eq(err.message, message);
	dm_error_clear(&err);
}

#define URL "https://errors.pydantic.dev/2.12/v/"

START_TEST(test_payload_errors)
{
	const char *three = "3 validation errors for DatasourceNodeRunPayload\n"
			    "inputs\n  Field required [type=missing, input_value={}, input_type=dict]\n"
			    "    For further information visit " URL "missing\n"
			    "datasource_type\n  Field required [type=missing, input_value={}, input_type=dict]\n"
			    "    For further information visit " URL "missing\n"
			    "is_published\n  Field required [type=missing, input_value={}, input_type=dict]\n"
			    "    For further information visit " URL "missing";
	assert_payload_error("{}", three);
	assert_payload_error("null", three); /* payload or {} */
	assert_payload_error("0", three);
	assert_payload_error("[1]", "1 validation error for DatasourceNodeRunPayload\n"
				    "  Input should be a valid dictionary or instance of DatasourceNodeRunPayload "
				    "[type=model_type, input_value=[1], input_type=list]\n"
				    "    For further information visit " URL "model_type");
	assert_payload_error("{\"inputs\":[],\"datasource_type\":5,\"credential_id\":7,\"is_published\":\"maybe\"}",
			     "4 validation errors for DatasourceNodeRunPayload\n"
			     "inputs\n  Input should be a valid dictionary [type=dict_type, input_value=[], input_type=list]\n"
			     "    For further information visit " URL "dict_type\n"
			     "datasource_type\n  Input should be a valid string [type=string_type, input_value=5, input_type=int]\n"
			     "    For further information visit " URL "string_type\n"
			     "credential_id\n  Input should be a valid string [type=string_type, input_value=7, input_type=int]\n"
			     "    For further information visit " URL "string_type\n"
			     "is_published\n  Input should be a valid boolean, unable to interpret input [type=bool_parsing, "
			     "input_value='maybe', input_type=str]\n"
			     "    For further information visit " URL "bool_parsing");
	struct noderun_payload p;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(parse_payload("{\"inputs\":{},\"datasource_type\":\"x\",\"credential_id\":null,\"is_published\":"
				       "\"off\",\"extra\":1}",
				       &p, &err),
			 0);
	ck_assert_str_eq(p.datasource_type, "x");
	ck_assert_ptr_null(p.credential_id);
	ck_assert(!p.is_published);
	noderun_payload_free(&p);
}
END_TEST

/* Runs node of kb (workflow published or draft) with this body; the script. */
static struct sse_script *run(struct fixtures *set, const char *kb_id, bool published, const char *node,
			      const char *body)
{
	const struct fx_kb *kb = fixtures_kb(set, kb_id);
	struct noderun_payload p;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(parse_payload(body, &p, &err), 0);
	sse_script_free(script);
	script = noderun_script(kb, kb->pipeline ? (published ? kb->pipeline->published : kb->pipeline->draft) : NULL,
				node, &p);
	noderun_payload_free(&p);
	ck_assert(!script->pings);
	return script;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void assert_block(size_t i, uint64_t at_ms, const char *json)
{
	ck_assert_uint_gt(script->n, i);
	char want[8192];
	snprintf(want, sizeof want, "data: %s\n\n", json);
	ck_assert_str_eq(script->items[i].text, want);
	ck_assert_uint_eq(script->items[i].at_ms, at_ms);
}

static void assert_single_error(const char *message)
{
	ck_assert_uint_eq(script->n, 1);
	char json[4096];
	snprintf(json, sizeof json, "{\"event\":\"datasource_error\",\"error\":\"%s\"}", message);
	assert_block(0, 0, json);
}

START_TEST(test_online_document)
{
	run(fx, DEMO_DOCS, true, NOTION, "{\"inputs\":{},\"datasource_type\":\"online_document\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 2);
	assert_block(0, 0, "{\"event\":\"datasource_processing\",\"total\":0,\"completed\":0}");
	ck_assert_msg(starts(script->items[1].text, "data: {\"event\":\"datasource_completed\",\"data\":[{\"workspace_id\":"
			       "\"8f2e1d3c-4b5a-4697-8a1b-2c3d4e5f6a7b\",\"workspace_name\":\"Acme\",\"workspace_icon\":null,"
			       "\"total\":3,\"pages\":[{\"page_id\":\"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\",\"page_name\":"
			       "\"Roadmap Q3\",\"page_icon\":null,\"type\":\"page\",\"last_edited_time\":\"2026-04-10T08:00:00.000Z\","
			       "\"parent_id\":\"workspace\"},"),
		      "%s", script->items[1].text);
	ck_assert_msg(strstr(script->items[1].text, "\"emoji\":\"\xe2\x9c\x85\"}"), "orjson keeps UTF-8: %s",
		      script->items[1].text);
	ck_assert_msg(strstr(script->items[1].text, "]}],\"total\":0,\"completed\":0,\"time_consuming\":0.4}\n\n"), "%s",
		      script->items[1].text);
	ck_assert_uint_eq(script->items[1].at_ms, 400);
}
END_TEST

START_TEST(test_website_crawl_progress)
{
	run(fx, DEMO_DOCS, false, JINA,
	    "{\"inputs\":{\"jina_url\":\"https://example.com/\",\"jina_limit\":10},\"datasource_type\":\"website_crawl\","
	    "\"is_published\":false}");
	ck_assert_uint_eq(script->n, 5);
	for (int k = 0; k < 4; k++) {
		char json[128];
		snprintf(json, sizeof json, "{\"event\":\"datasource_processing\",\"total\":4,\"completed\":%d}", k);
		assert_block((size_t)k, (uint64_t)(750 * k), json);
	}
	const char *done = script->items[4].text;
	ck_assert_msg(starts(done, "data: {\"event\":\"datasource_completed\",\"data\":[{\"source_url\":\"https://example.com/\","
				     "\"content\":\"# Welcome to Dify"),
		      "%s", done);
	ck_assert_msg(strstr(done, "{\"source_url\":\"https://example.com/guides/workflow\","), "%s", done);
	ck_assert_msg(strstr(done, "],\"total\":4,\"completed\":4,\"time_consuming\":3.0}\n\n"), "%s", done);
	ck_assert_uint_eq(script->items[4].at_ms, 3000);
}
END_TEST

START_TEST(test_online_drive_folders_and_pages)
{
	run(fx, DEMO_DOCS, true, DRIVE, "{\"inputs\":{},\"datasource_type\":\"online_drive\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 2);
	assert_block(0, 0, "{\"event\":\"datasource_processing\",\"total\":0,\"completed\":0}");
	assert_block(1, 600,
		     "{\"event\":\"datasource_completed\",\"data\":[{\"bucket\":null,\"files\":["
		     "{\"id\":\"1FoLdEr0ProductSpecs000000000000\",\"name\":\"Product specs\",\"size\":0,\"type\":\"folder\"},"
		     "{\"id\":\"1FiLe00QuarterlyReport000000000\",\"name\":\"quarterly-report.pdf\",\"size\":48213,\"type\":\"file\"},"
		     "{\"id\":\"1FiLe00Onboarding00000000000000\",\"name\":\"onboarding.md\",\"size\":5120,\"type\":\"file\"}],"
		     "\"is_truncated\":false,\"next_page_parameters\":null}],\"total\":null,\"completed\":null,"
		     "\"time_consuming\":0.6}");
	run(fx, DEMO_DOCS, true, DRIVE,
	    "{\"inputs\":{\"prefix\":\"1FoLdEr0ProductSpecs000000000000\",\"max_keys\":\"2\"},\"datasource_type\":"
	    "\"online_drive\",\"is_published\":true}");
	assert_block(1, 600,
		     "{\"event\":\"datasource_completed\",\"data\":[{\"bucket\":null,\"files\":["
		     "{\"id\":\"1FiLe00SpecV2000000000000000000\",\"name\":\"spec-v2.pdf\",\"size\":482133,\"type\":\"file\"},"
		     "{\"id\":\"1FiLe00ApiGuide0000000000000000\",\"name\":\"api-guide.docx\",\"size\":91234,\"type\":\"file\"}],"
		     "\"is_truncated\":true,\"next_page_parameters\":{\"offset\":2}}],\"total\":null,\"completed\":null,"
		     "\"time_consuming\":0.6}");
	run(fx, DEMO_DOCS, true, DRIVE,
	    "{\"inputs\":{\"prefix\":\"1FoLdEr0ProductSpecs000000000000\",\"max_keys\":2,\"next_page_parameters\":"
	    "{\"offset\":2}},\"datasource_type\":\"online_drive\",\"is_published\":true}");
	ck_assert_msg(strstr(script->items[1].text, "[{\"id\":\"1FoLdEr0Archive0000000000000000\",\"name\":\"Archive\","
						    "\"size\":0,\"type\":\"folder\"}],\"is_truncated\":false,"
						    "\"next_page_parameters\":null}"),
		      "%s", script->items[1].text);
	/* a nested folder, and an unknown one */
	run(fx, DEMO_DOCS, true, DRIVE,
	    "{\"inputs\":{\"prefix\":\"1FoLdEr0Archive0000000000000000\"},\"datasource_type\":\"online_drive\","
	    "\"is_published\":true}");
	ck_assert_msg(strstr(script->items[1].text, "\"name\":\"spec-v1.pdf\""), "%s", script->items[1].text);
	run(fx, DEMO_DOCS, true, DRIVE,
	    "{\"inputs\":{\"prefix\":\"nope\"},\"datasource_type\":\"online_drive\",\"is_published\":true}");
	ck_assert_msg(strstr(script->items[1].text, "\"files\":[],\"is_truncated\":false"), "%s", script->items[1].text);
}
END_TEST

START_TEST(test_online_drive_buckets)
{
	run(own, OWN_KB, true, "s3", "{\"inputs\":{\"bucket\":null},\"datasource_type\":\"online_drive\",\"is_published\":true}");
	assert_block(1, 100,
		     "{\"event\":\"datasource_completed\",\"data\":[{\"bucket\":null,\"files\":["
		     "{\"id\":\"logs\",\"name\":\"logs\",\"size\":0,\"type\":\"folder\"},"
		     "{\"id\":\"docs\",\"name\":\"docs\",\"size\":0,\"type\":\"folder\"}],"
		     "\"is_truncated\":false,\"next_page_parameters\":null}],\"total\":null,\"completed\":null,"
		     "\"time_consuming\":0.1}");
	run(own, OWN_KB, true, "s3",
	    "{\"inputs\":{\"bucket\":\"docs\",\"prefix\":\"guides/\"},\"datasource_type\":\"online_drive\",\"is_published\":true}");
	ck_assert_msg(strstr(script->items[1].text, "[{\"bucket\":\"docs\",\"files\":[{\"id\":\"guides/x.md\",\"name\":\"x.md\","
						    "\"size\":1,\"type\":\"file\"}]"),
		      "%s", script->items[1].text);
}
END_TEST

START_TEST(test_online_drive_inputs_are_checked)
{
	run(fx, DEMO_DOCS, true, DRIVE,
	    "{\"inputs\":{\"bucket\":3,\"prefix\":null,\"max_keys\":1.5,\"next_page_parameters\":[1]},\"datasource_type\":"
	    "\"online_drive\",\"is_published\":true}");
	assert_single_error("4 validation errors for OnlineDriveBrowseFilesRequest\\n"
			    "bucket\\n  Input should be a valid string [type=string_type, input_value=3, input_type=int]\\n"
			    "    For further information visit " URL "string_type\\n"
			    "prefix\\n  Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]\\n"
			    "    For further information visit " URL "string_type\\n"
			    "max_keys\\n  Input should be a valid integer, got a number with a fractional part "
			    "[type=int_from_float, input_value=1.5, input_type=float]\\n"
			    "    For further information visit " URL "int_from_float\\n"
			    "next_page_parameters\\n  Input should be a valid dictionary [type=dict_type, input_value=[1], "
			    "input_type=list]\\n    For further information visit " URL "dict_type");
	static const struct {
		const char *max_keys, *type, *msg;
	} cases[] = {
		{ "\"x\"", "int_parsing", "Input should be a valid integer, unable to parse string as an integer" },
		{ "\"2.5\"", "int_parsing", "Input should be a valid integer, unable to parse string as an integer" },
		{ "1e30", "int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size" },
		{ "null", "int_type", "Input should be a valid integer" },
		{ "{}", "int_type", "Input should be a valid integer" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char body[256];
		snprintf(body, sizeof body, "{\"inputs\":{\"max_keys\":%s},\"datasource_type\":\"online_drive\","
					    "\"is_published\":true}",
			 cases[i].max_keys);
		run(fx, DEMO_DOCS, true, DRIVE, body);
		ck_assert_uint_eq(script->n, 1);
		ck_assert_msg(strstr(script->items[0].text, cases[i].type) && strstr(script->items[0].text, cases[i].msg),
			      "%s: %s", cases[i].max_keys, script->items[0].text);
	}
	/* lax integers pydantic accepts */
	static const char *const ok[] = { "true", "\" 7 \"", "\"1_000\"", "\"2.0\"", "3.0", "-5", "18446744073709551615" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char body[256];
		snprintf(body, sizeof body, "{\"inputs\":{\"max_keys\":%s},\"datasource_type\":\"online_drive\","
					    "\"is_published\":true}",
			 ok[i]);
		run(fx, DEMO_DOCS, true, DRIVE, body);
		ck_assert_msg(script->n == 2, "%s: %s", ok[i], script->items[0].text);
	}
}
END_TEST

START_TEST(test_errors_in_dify_order)
{
	/* nothing published: Draft Only */
	run(fx, "b2d4f6a8-1c3e-4a5b-9d7f-2e4c6a8b0d1f", true, FILE_NODE,
	    "{\"inputs\":{},\"datasource_type\":\"nope\",\"is_published\":true}");
	assert_single_error("Workflow not initialized");
	run(fx, DEMO_DOCS, true, "nope", "{\"inputs\":{},\"datasource_type\":\"nope\",\"is_published\":true}");
	assert_single_error("Datasource node data not found");
	run(fx, DEMO_DOCS, true, NOTION, "{\"inputs\":{},\"datasource_type\":\"notion\",\"is_published\":true}");
	assert_single_error("'notion' is not a valid DatasourceProviderType");
	run(fx, DEMO_DOCS, true, "1750836372241", "{\"inputs\":{},\"datasource_type\":\"local_file\",\"is_published\":true}");
	assert_single_error("plugin provider langgenius/general_chunker/general_chunker not found");
	run(own, OWN_KB, true, "t", "{\"inputs\":{},\"datasource_type\":\"online_document\",\"is_published\":true}");
	assert_single_error("plugin provider None/None not found");
	run(fx, DEMO_DOCS, true, FILE_NODE, "{\"inputs\":{},\"datasource_type\":\"local_file\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 1);
	ck_assert_msg(starts(script->items[0].text, "data: {\"event\":\"datasource_error\",\"error\":\"Unsupported datasource provider: <bound method "
			       "LocalFileDatasourcePlugin.datasource_provider_type of <core.datasource.local_file."
			       "local_file_plugin.LocalFileDatasourcePlugin object at 0x7f"),
		      "%s", script->items[0].text);
	/* local_file on any datasource node (the requested type decides) */
	run(fx, DEMO_DOCS, true, NOTION, "{\"inputs\":{},\"datasource_type\":\"local_file\",\"is_published\":true}");
	ck_assert_msg(strstr(script->items[0].text, "Unsupported datasource provider"), "%s", script->items[0].text);
}
END_TEST

START_TEST(test_plugin_failures_come_after_the_first_events)
{
	run(fx, DEMO_DOCS, true, NOTION,
	    "{\"inputs\":{},\"datasource_type\":\"online_document\",\"credential_id\":\"nope\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 2);
	assert_block(0, 0, "{\"event\":\"datasource_processing\",\"total\":0,\"completed\":0}");
	assert_block(1, 400, "{\"event\":\"datasource_error\",\"error\":\"credential nope not found\"}");
	/* the right credential, and the default one */
	run(fx, DEMO_DOCS, true, NOTION,
	    "{\"inputs\":{},\"datasource_type\":\"online_document\",\"credential_id\":"
	    "\"01962b1e-7c3a-7d4f-9a2b-5e6f7a8b9c0d\",\"is_published\":true}");
	ck_assert_msg(strstr(script->items[1].text, "datasource_completed"), "%s", script->items[1].text);
	run(fx, DEMO_DOCS, true, NOTION,
	    "{\"inputs\":{},\"datasource_type\":\"website_crawl\",\"is_published\":true}");
	assert_single_error("datasource langgenius/notion_datasource/notion_datasource does not support website_crawl");
	run(own, OWN_KB, true, "n", "{\"inputs\":{},\"datasource_type\":\"online_document\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 2);
	assert_block(1, 250, "{\"event\":\"datasource_error\",\"error\":\"Notion API: unauthorized\"}");
	run(own, OWN_KB, true, "w", "{\"inputs\":{},\"datasource_type\":\"website_crawl\",\"is_published\":true}");
	ck_assert_uint_eq(script->n, 4);
	assert_block(2, 60, "{\"event\":\"datasource_processing\",\"total\":3,\"completed\":2}");
	assert_block(3, 90, "{\"event\":\"datasource_error\",\"error\":\"crawl failed\"}");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("noderun");
	TCase *tc = tcase_create("noderun");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_payload_errors);
	tcase_add_test(tc, test_online_document);
	tcase_add_test(tc, test_website_crawl_progress);
	tcase_add_test(tc, test_online_drive_folders_and_pages);
	tcase_add_test(tc, test_online_drive_buckets);
	tcase_add_test(tc, test_online_drive_inputs_are_checked);
	tcase_add_test(tc, test_errors_in_dify_order);
	tcase_add_test(tc, test_plugin_failures_come_after_the_first_events);
	suite_add_tcase(s, tc);
	return s;
}
