/* test-scenario.c -- which scenario a request gets: the precedence (header,
 * armed, API key, sequence), and the endpoints a scenario lists. The
 * knowledge bases are written inline into a temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "ids.h"
#include "scenario.h"

#define KB1 "a1000000-0000-4000-8000-000000000001"
#define KB2 "a1000000-0000-4000-8000-000000000002"
#define KEY "dataset-scenariotestkey000000000"
#define BOUND_KEY "dataset-scenarioboundkey00000000"

/* Two knowledge bases of one workspace. KB1: "poll" applies to
 * indexing-status only, "both" to runs and the document GET, "run" to runs,
 * "poll-bound" to indexing-status for BOUND_KEY; sequence run, default. KB2:
 * its own "poll" for runs only, and "upload" for the file upload. */
static const char fixture[] =
	"{\"workspaces\":[{\"id\":\"a0000000-0000-4000-8000-000000000000\",\"name\":\"W\","
	"\"owner\":{\"id\":\"a0000000-0000-4000-8000-0000000000ff\",\"name\":\"O\",\"email\":\"o@x\"},"
	"\"api_keys\":[\"" KEY "\",\"" BOUND_KEY "\"]}],\"knowledge_bases\":["
	"{\"id\":\"" KB1 "\",\"workspace\":\"a0000000-0000-4000-8000-000000000000\",\"name\":\"One\","
	"\"scenarios\":{\"poll\":{\"endpoints\":[\"indexing-status\"],\"delay_ms\":1},"
	"\"both\":{\"endpoints\":[\"pipeline/run\",\"document\"],\"delay_ms\":2},\"run\":{\"delay_ms\":3},"
	"\"poll-bound\":{\"endpoints\":[\"indexing-status\"],\"api_keys\":[\"" BOUND_KEY "\"]}},"
	"\"scenario_sequence\":[\"run\",\"default\"]},"
	"{\"id\":\"" KB2 "\",\"workspace\":\"a0000000-0000-4000-8000-000000000000\",\"name\":\"Two\","
	"\"scenarios\":{\"poll\":{\"delay_ms\":4},\"upload\":{\"endpoints\":[\"file-upload\"],\"delay_ms\":5}}}]}";

static struct fixtures *fx;
static struct scenarios *sc;
static const struct fx_kb *kb1, *kb2;

static void setup(void)
{
	char dir[] = "/tmp/dm-scenario-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(fixture, f);
	fclose(f);
	struct fx_problems p = { NULL, 0 };
	ck_assert_msg(fixtures_load(dir, &fx, &p) == 0, "%s", p.n ? p.lines[0] : "");
	unlink(path);
	rmdir(dir);
	kb1 = fixtures_kb(fx, KB1);
	kb2 = fixtures_kb(fx, KB2);
	sc = scenarios_new();
	ids_seed(1);
}

static void teardown(void)
{
	scenarios_free(sc);
	fixtures_free(fx);
}

/* The name of the scenario a request gets ("-" for none). */
static const char *pick(const struct fx_kb *kb, unsigned endpoint, const char *header, const char *token)
{
	const struct fx_scenario *got;
	enum scenario_source from;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(scenarios_select(sc, kb, endpoint, header, token, &got, &from, &err), 0);
	return got ? got->name : "-";
}

START_TEST(test_header_applies_only_where_the_scenario_does)
{
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, "poll", NULL), "poll");
	ck_assert_str_eq(pick(kb1, FX_EP_DOCUMENT, "poll", NULL), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_DOCUMENT, "both", NULL), "both");
	/* On a run, a header naming a scenario for elsewhere does not reach
	 * the sequence either: the request is normal. */
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, "poll", NULL), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "run"); /* the sequence's first */
	const struct fx_scenario *got;
	enum scenario_source from;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(scenarios_select(sc, kb1, FX_EP_DOCUMENT, "nope", NULL, &got, &from, &err), -1);
	ck_assert_uint_eq(err.status, 400);
	ck_assert_str_eq(err.code, "unknown_scenario");
	dm_error_clear(&err);
}
END_TEST

START_TEST(test_armed_uses_wait_for_an_endpoint_they_apply_to)
{
	ck_assert_int_eq(scenarios_arm(sc, KB1, "poll", 2), 0);
	ck_assert_int_eq(scenarios_arm(sc, KB1, "both", 1), 0);
	/* A run skips "poll" (indexing-status only) and takes "both". */
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "both");
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, NULL), "poll");
	ck_assert_str_eq(pick(kb1, FX_EP_DOCUMENT, NULL, NULL), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, NULL), "poll");
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, NULL), "-");
	/* The sequence was not touched by any of these. */
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "run");
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "-");
}
END_TEST

/* "X-Dify-Mock-Scenario: default" opts one request out: it is normal, and
 * it takes no armed use, steps no sequence and overrides a key binding. */
START_TEST(test_default_header_consumes_nothing)
{
	ck_assert_int_eq(scenarios_arm(sc, KB1, "both", 1), 0);
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, "default", NULL), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, "default", BOUND_KEY), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "both"); /* still armed */
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, "default", NULL), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, NULL), "run"); /* the sequence's first */
}
END_TEST

START_TEST(test_key_bindings_hold_on_their_endpoints)
{
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, BOUND_KEY), "poll-bound");
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, KEY), "-");
	ck_assert_str_eq(pick(kb1, FX_EP_PIPELINE_RUN, NULL, BOUND_KEY), "run"); /* the sequence */
}
END_TEST

/* The upload looks through the workspace's knowledge bases: the first whose
 * scenario of that name applies to uploads, an armed use on any of them. */
START_TEST(test_upload_searches_the_workspace)
{
	const struct fx_kb *both[] = { kb1, kb2 };
	const struct fx_scenario *got;
	enum scenario_source from;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(scenarios_select_in(sc, both, 2, FX_EP_FILE_UPLOAD, "upload", NULL, &got, &from, &err), 0);
	ck_assert_ptr_eq(got, fx_kb_scenario(kb2, "upload"));
	ck_assert_int_eq(from, SCENARIO_HEADER);
	/* "poll" exists on both, for neither uploads: normal, not an error. */
	ck_assert_int_eq(scenarios_select_in(sc, both, 2, FX_EP_FILE_UPLOAD, "poll", NULL, &got, &from, &err), 0);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(scenarios_select_in(sc, both, 2, FX_EP_FILE_UPLOAD, "nope", NULL, &got, &from, &err), -1);
	ck_assert_str_eq(err.code, "unknown_scenario");
	dm_error_clear(&err);
	ck_assert_int_eq(scenarios_arm(sc, KB1, "poll", 1), 0);
	ck_assert_int_eq(scenarios_arm(sc, KB2, "upload", 1), 0);
	ck_assert_int_eq(scenarios_select_in(sc, both, 2, FX_EP_FILE_UPLOAD, NULL, NULL, &got, &from, &err), 0);
	ck_assert_ptr_eq(got, fx_kb_scenario(kb2, "upload"));
	ck_assert_int_eq(from, SCENARIO_ARMED);
	ck_assert_int_eq(scenarios_select_in(sc, both, 2, FX_EP_FILE_UPLOAD, NULL, NULL, &got, &from, &err), 0);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(pick(kb1, FX_EP_INDEXING_STATUS, NULL, NULL), "poll"); /* still armed */
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("select");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_applies_only_where_the_scenario_does);
	tcase_add_test(tc, test_armed_uses_wait_for_an_endpoint_they_apply_to);
	tcase_add_test(tc, test_key_bindings_hold_on_their_endpoints);
	tcase_add_test(tc, test_default_header_consumes_nothing);
	tcase_add_test(tc, test_upload_searches_the_workspace);
	suite_add_tcase(s, tc);
	return s;
}
