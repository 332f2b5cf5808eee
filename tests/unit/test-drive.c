/* test-drive.c -- pipeline/run's online_drive items (drive_expand, wire.md
 * §5 and §6 step 1): every item rewritten to {"id", "name", "bucket"},
 * folder items replaced by their files depth first, over the bundled Google
 * Drive and a small fixture with buckets, a big folder, a folder inside
 * itself, repeated folder ids and failing plugins; each as 1.13.3 and as
 * 1.17 (first page only, visited folders skipped). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "drive.h"
#include "json.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define GDRIVE "1752565435219"
#define NOTION "1752489759475"
#define OWN_KB "44444444-4444-4444-8444-444444444444"

static struct fixtures *fx, *own;
static char own_dir[32];

/* The drive "d": folder "big" (25 files), folder "loop" holding a folder
 * "loop" (itself, by id) and a file, folder "dag" holding folder "shared"
 * twice; an S3-like "s3"; a drive "down" whose plugin fails; a tool "t". */
static void write_own_fixture(const char *path)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"workspaces\":[{\"id\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"W\",\"owner\":null}],"
		     "\"knowledge_bases\":[{\"id\":\"" OWN_KB "\",\"workspace\":\"11111111-1111-4111-8111-111111111111\","
		     "\"name\":\"K\",\"pipeline\":{\"id\":\"55555555-5555-4555-8555-555555555555\",\"published\":{\"id\":"
		     "\"66666666-6666-4666-8666-666666666666\",\"nodes\":["
		     "{\"id\":\"d\",\"type\":\"datasource\",\"datasource_type\":\"online_drive\",\"browse\":{\"files\":["
		     "{\"id\":\"big\",\"name\":\"Big\",\"type\":\"folder\",\"files\":[");
	for (int i = 0; i < 25; i++)
		buf_printf(&b, "%s{\"id\":\"f%02d\",\"name\":\"f%02d.txt\"}", i ? "," : "", i, i);
	buf_puts(&b, "]},"
		     "{\"id\":\"loop\",\"name\":\"Loop\",\"type\":\"folder\",\"files\":["
		     "{\"id\":\"loop\",\"name\":\"Loop again\",\"type\":\"folder\",\"files\":[]},{\"id\":\"l\",\"name\":\"l.txt\"}]},"
		     "{\"id\":\"dag\",\"name\":\"Dag\",\"type\":\"folder\",\"files\":["
		     "{\"id\":\"shared\",\"name\":\"S\",\"type\":\"folder\",\"files\":[{\"id\":\"s\",\"name\":\"s.txt\"}]},"
		     "{\"id\":\"shared\",\"name\":\"S2\",\"type\":\"folder\",\"files\":[{\"id\":\"other\",\"name\":\"o.txt\"}]}]},"
		     "{\"id\":\"empty\",\"name\":\"Empty\",\"type\":\"folder\",\"files\":[]}]}},"
		     "{\"id\":\"s3\",\"type\":\"datasource\",\"datasource_type\":\"online_drive\",\"browse\":{\"buckets\":["
		     "{\"name\":\"docs\",\"files\":[{\"id\":\"guides/\",\"name\":\"guides\",\"type\":\"folder\",\"files\":["
		     "{\"id\":\"guides/x.md\",\"name\":\"x.md\"}]}]}]}},"
		     "{\"id\":\"down\",\"type\":\"datasource\",\"datasource_type\":\"online_drive\",\"plugin_id\":\"acme/drive\","
		     "\"provider_name\":\"drive\",\"browse\":{\"error\":\"Drive API: 403 quota exceeded\",\"files\":["
		     "{\"id\":\"x\",\"name\":\"X\",\"type\":\"folder\",\"files\":[]}]}},"
		     "{\"id\":\"t\",\"type\":\"tool\"}]}}}]}");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(b.data, f);
	fclose(f);
	buf_free(&b);
}

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
	snprintf(own_dir, sizeof own_dir, "/tmp/dm-drive-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(own_dir));
	char path[64];
	snprintf(path, sizeof path, "%s/a.json", own_dir);
	write_own_fixture(path);
	int rc = fixtures_load(own_dir, &own, &p);
	ck_assert_msg(rc == 0, "own fixture: %s", p.n ? p.lines[0] : "");
	unlink(path);
	rmdir(own_dir);
}

static void teardown(void)
{
	fixtures_free(fx);
	fixtures_free(own);
}

static const struct fx_node *node(const struct fixtures *set, const char *kb, const char *id)
{
	const struct fx_workflow *wf = fixtures_kb(set, kb)->pipeline->published;
	long i = fx_workflow_node_index(wf, id);
	ck_assert_int_ge(i, 0);
	return &wf->nodes[i];
}

/* drive_expand's answer: the items (orjson bytes), or "error: <message>". */
static char *expand(const struct fx_node *start, const char *items, enum dify_version v)
{
	cJSON *in, *out;
	char *msg;
	ck_assert_int_eq(json_parse(items, strlen(items), &in, NULL, 0), 0);
	char *text;
	if (drive_expand(start, in, v, &out, &msg)) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "error: %s", msg);
		free(msg);
		text = buf_steal(&b, NULL);
	} else {
		text = json_print(out, JSON_ORJSON, NULL);
		cJSON_Delete(out);
	}
	cJSON_Delete(in);
	return text;
}

static void check(const struct fx_node *start, const char *items, enum dify_version v, const char *want)
{
	char *got = expand(start, items, v);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Both releases give want. */
static void check_both(const struct fx_node *start, const char *items, const char *want)
{
	check(start, items, DIFY_1_13_3, want);
	check(start, items, DIFY_1_17, want);
}

START_TEST(test_drive_rewrites_file_items_to_id_name_bucket)
{
	const struct fx_node *g = node(fx, DEMO_DOCS, GDRIVE);
	check_both(g,
		   "[{\"bucket\":\"b\",\"id\":\"f1\",\"name\":\"a.pdf\",\"type\":\"file\",\"credential_id\":\"c\"},"
		   "{\"type\":\"file\"},{\"id\":\"f3\",\"name\":null}]",
		   "[{\"id\":\"f1\",\"name\":\"a.pdf\",\"bucket\":\"b\"},{\"id\":\"\",\"name\":\"untitled\",\"bucket\":null},"
		   "{\"id\":\"f3\",\"name\":null,\"bucket\":null}]");
	check_both(g, "[]", "[]");
}
END_TEST

START_TEST(test_drive_expands_a_folder_depth_first)
{
	/* Product specs: spec-v2.pdf, api-guide.docx, then Archive's spec-v1.pdf. */
	check_both(node(fx, DEMO_DOCS, GDRIVE),
		   "[{\"id\":\"1FiLe00QuarterlyReport000000000\",\"name\":\"quarterly-report.pdf\",\"type\":\"file\"},"
		   "{\"bucket\":null,\"id\":\"1FoLdEr0ProductSpecs000000000000\",\"name\":\"Product specs\",\"type\":\"folder\"}]",
		   "[{\"id\":\"1FiLe00QuarterlyReport000000000\",\"name\":\"quarterly-report.pdf\",\"bucket\":null},"
		   "{\"id\":\"1FiLe00SpecV2000000000000000000\",\"name\":\"spec-v2.pdf\",\"bucket\":null},"
		   "{\"id\":\"1FiLe00ApiGuide0000000000000000\",\"name\":\"api-guide.docx\",\"bucket\":null},"
		   "{\"id\":\"1FiLe00SpecV1000000000000000000\",\"name\":\"spec-v1.pdf\",\"bucket\":null}]");
}
END_TEST

START_TEST(test_drive_gives_nothing_for_an_unknown_or_empty_folder)
{
	const struct fx_node *d = node(own, OWN_KB, "d");
	check_both(d, "[{\"id\":\"nope\",\"type\":\"folder\"},{\"id\":\"empty\",\"type\":\"folder\"}]", "[]");
	/* A folder needs a truthy id: without one it is an item like any. */
	check_both(d, "[{\"id\":\"\",\"name\":\"F\",\"type\":\"folder\"}]", "[{\"id\":\"\",\"name\":\"F\",\"bucket\":null}]");
}
END_TEST

START_TEST(test_drive_gives_a_buckets_files_its_bucket)
{
	const struct fx_node *s3 = node(own, OWN_KB, "s3");
	check_both(s3, "[{\"id\":\"guides/\",\"bucket\":\"docs\",\"type\":\"folder\"}]",
		   "[{\"id\":\"guides/x.md\",\"name\":\"x.md\",\"bucket\":\"docs\"}]");
	/* No bucket, or another one: the folder is not found. */
	check_both(s3, "[{\"id\":\"guides/\",\"type\":\"folder\"},{\"id\":\"guides/\",\"bucket\":\"logs\",\"type\":\"folder\"}]",
		   "[]");
}
END_TEST

START_TEST(test_drive_reads_every_page_in_1_13_3_and_the_first_from_1_17)
{
	const struct fx_node *d = node(own, OWN_KB, "d");
	cJSON *out;
	char *text = expand(d, "[{\"id\":\"big\",\"type\":\"folder\"}]", DIFY_1_13_3);
	ck_assert_int_eq(json_parse(text, strlen(text), &out, NULL, 0), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 25);
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(out, 24), "id")->valuestring, "f24");
	cJSON_Delete(out);
	free(text);
	text = expand(d, "[{\"id\":\"big\",\"type\":\"folder\"}]", DIFY_1_17);
	ck_assert_int_eq(json_parse(text, strlen(text), &out, NULL, 0), 0);
	ck_assert_int_eq(cJSON_GetArraySize(out), 20);
	ck_assert_str_eq(json_get(cJSON_GetArrayItem(out, 19), "id")->valuestring, "f19");
	cJSON_Delete(out);
	free(text);
}
END_TEST

START_TEST(test_drive_a_folder_inside_itself_recurses_until_1_17_skips_it)
{
	const struct fx_node *d = node(own, OWN_KB, "d");
	check(d, "[{\"id\":\"loop\",\"type\":\"folder\"}]", DIFY_1_13_3, "error: maximum recursion depth exceeded");
	check(d, "[{\"id\":\"loop\",\"type\":\"folder\"}]", DIFY_1_17, "[{\"id\":\"l\",\"name\":\"l.txt\",\"bucket\":null}]");
}
END_TEST

START_TEST(test_drive_repeated_folders_are_listed_once_per_item_from_1_17)
{
	/* Both "shared" entries list the first "shared" folder (ids are what the
	 * plugin is asked for). */
	const struct fx_node *d = node(own, OWN_KB, "d");
	check(d, "[{\"id\":\"dag\",\"type\":\"folder\"}]", DIFY_1_13_3,
	      "[{\"id\":\"s\",\"name\":\"s.txt\",\"bucket\":null},{\"id\":\"s\",\"name\":\"s.txt\",\"bucket\":null}]");
	check(d, "[{\"id\":\"dag\",\"type\":\"folder\"}]", DIFY_1_17, "[{\"id\":\"s\",\"name\":\"s.txt\",\"bucket\":null}]");
	/* Another item starts afresh. */
	check(d, "[{\"id\":\"shared\",\"type\":\"folder\"},{\"id\":\"shared\",\"type\":\"folder\"}]", DIFY_1_17,
	      "[{\"id\":\"s\",\"name\":\"s.txt\",\"bucket\":null},{\"id\":\"s\",\"name\":\"s.txt\",\"bucket\":null}]");
}
END_TEST

START_TEST(test_drive_checks_a_folders_request_as_pydantic_does)
{
	const struct fx_node *d = node(own, OWN_KB, "d");
	check_both(d, "[{\"id\":5,\"type\":\"folder\"}]",
		   "error: 1 validation error for OnlineDriveBrowseFilesRequest\nprefix\n  Input should be a valid string "
		   "[type=string_type, input_value=5, input_type=int]\n    For further information visit "
		   "https://errors.pydantic.dev/2.12/v/string_type");
	check_both(d, "[{\"id\":\"big\",\"bucket\":[],\"type\":\"folder\"}]",
		   "error: 1 validation error for OnlineDriveBrowseFilesRequest\nbucket\n  Input should be a valid string "
		   "[type=string_type, input_value=[], input_type=list]\n    For further information visit "
		   "https://errors.pydantic.dev/2.12/v/string_type");
}
END_TEST

START_TEST(test_drive_fails_as_the_plugin_does_at_the_first_folder)
{
	const struct fx_node *down = node(own, OWN_KB, "down");
	check_both(down, "[{\"id\":\"x\",\"type\":\"folder\"}]", "error: Drive API: 403 quota exceeded");
	check_both(down, "[{\"id\":\"a\",\"name\":\"a\"}]", "[{\"id\":\"a\",\"name\":\"a\",\"bucket\":null}]"); /* no call */
	check_both(node(own, OWN_KB, "t"), "[{\"id\":\"x\",\"type\":\"folder\"}]",
		   "error: plugin provider None/None not found");
	check_both(node(fx, DEMO_DOCS, NOTION), "[{\"id\":\"x\",\"type\":\"folder\"}]",
		   "error: datasource langgenius/notion_datasource/notion_datasource does not support online_drive");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("drive");
	TCase *tc = tcase_create("expand");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_drive_rewrites_file_items_to_id_name_bucket);
	tcase_add_test(tc, test_drive_expands_a_folder_depth_first);
	tcase_add_test(tc, test_drive_gives_nothing_for_an_unknown_or_empty_folder);
	tcase_add_test(tc, test_drive_gives_a_buckets_files_its_bucket);
	tcase_add_test(tc, test_drive_reads_every_page_in_1_13_3_and_the_first_from_1_17);
	tcase_add_test(tc, test_drive_a_folder_inside_itself_recurses_until_1_17_skips_it);
	tcase_add_test(tc, test_drive_repeated_folders_are_listed_once_per_item_from_1_17);
	tcase_add_test(tc, test_drive_checks_a_folders_request_as_pydantic_does);
	tcase_add_test(tc, test_drive_fails_as_the_plugin_does_at_the_first_folder);
	suite_add_tcase(s, tc);
	return s;
}
