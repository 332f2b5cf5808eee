/* test-route.c -- Werkzeug-style matching of the one rule dify-mock serves,
 * POST /v1/datasets/<uuid:dataset_id>/pipeline/run (wire.md §2.1, §13). */
#include <check.h>
#include <string.h>

#include "route.h"

#define KB "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define RUN_PATH "/v1/datasets/" KB "/pipeline/run"

static struct route_match match(const char *method, const char *path)
{
	struct route_match m;
	memset(&m, 0xa5, sizeof m); /* route_match must fill every field it reports */
	route_match(method, path, &m);
	return m;
}

static void assert_not_found(const char *method, const char *path)
{
	struct route_match m = match(method, path);
	ck_assert_msg(m.outcome == ROUTE_NOT_FOUND, "%s %s: outcome %d, want ROUTE_NOT_FOUND", method, path,
		      (int)m.outcome);
}

START_TEST(test_route_matches_post_on_the_run_path)
{
	struct route_match m = match("POST", RUN_PATH);
	ck_assert_int_eq(m.outcome, ROUTE_MATCHED);
	ck_assert_int_eq(m.id, ROUTE_PIPELINE_RUN);
	ck_assert_str_eq(m.dataset_id, KB);
	ck_assert_str_eq(m.allow, "POST, OPTIONS");
}
END_TEST

START_TEST(test_route_lower_cases_an_upper_case_uuid)
{
	struct route_match m = match("POST", "/v1/datasets/3F2A9C1E-7B4D-4E8A-9F1C-2D5E6A7B8C9D/pipeline/run");
	ck_assert_int_eq(m.outcome, ROUTE_MATCHED);
	ck_assert_str_eq(m.dataset_id, KB);

	m = match("POST", "/v1/datasets/3f2A9c1E-7b4D-4e8A-9f1C-2d5E6a7B8c9D/pipeline/run");
	ck_assert_int_eq(m.outcome, ROUTE_MATCHED);
	ck_assert_str_eq(m.dataset_id, KB);
}
END_TEST

START_TEST(test_route_ignores_the_uuid_version_nibble)
{
	/* Werkzeug's UUIDConverter only checks the 8-4-4-4-12 hex shape. */
	struct route_match m = match("POST", "/v1/datasets/00000000-0000-0000-0000-000000000000/pipeline/run");
	ck_assert_int_eq(m.outcome, ROUTE_MATCHED);
	ck_assert_str_eq(m.dataset_id, "00000000-0000-0000-0000-000000000000");
}
END_TEST

START_TEST(test_route_rejects_a_malformed_uuid)
{
	assert_not_found("POST", "/v1/datasets/not-a-uuid/pipeline/run");
	assert_not_found("POST", "/v1/datasets/3f2a9c1e7b4d4e8a9f1c2d5e6a7b8c9d/pipeline/run");     /* no dashes */
	assert_not_found("POST", "/v1/datasets/3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9/pipeline/run");  /* one short */
	assert_not_found("POST", "/v1/datasets/3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9dd/pipeline/run");/* one long */
	assert_not_found("POST", "/v1/datasets/3f2a9c1g-7b4d-4e8a-9f1c-2d5e6a7b8c9d/pipeline/run"); /* not hex */
	assert_not_found("POST", "/v1/datasets/{3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d}/pipeline/run");
	assert_not_found("POST", "/v1/datasets//pipeline/run");
}
END_TEST

START_TEST(test_route_rejects_a_trailing_slash)
{
	assert_not_found("POST", RUN_PATH "/");
	assert_not_found("OPTIONS", RUN_PATH "/");
	assert_not_found("GET", RUN_PATH "/");
}
END_TEST

START_TEST(test_route_rejects_an_extra_or_missing_segment)
{
	assert_not_found("POST", RUN_PATH "/x");
	assert_not_found("POST", "/v1/datasets/" KB "/pipeline");
	assert_not_found("POST", "/v1/datasets/" KB "/pipeline/runs");
	assert_not_found("POST", "/v1/datasets/" KB "/pipeline/Run");
	assert_not_found("POST", "/v2/datasets/" KB "/pipeline/run");
	assert_not_found("POST", "/api/v1/datasets/" KB "/pipeline/run");
	assert_not_found("POST", "//v1/datasets/" KB "/pipeline/run");
	assert_not_found("POST", "v1/datasets/" KB "/pipeline/run");
	assert_not_found("POST", "/");
	assert_not_found("POST", "");
}
END_TEST

START_TEST(test_route_answers_other_methods_with_method_not_allowed)
{
	static const char *const methods[] = { "GET", "PUT", "DELETE", "HEAD", "PATCH" };
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		struct route_match m = match(methods[i], RUN_PATH);
		ck_assert_msg(m.outcome == ROUTE_METHOD_NOT_ALLOWED, "%s: outcome %d", methods[i], (int)m.outcome);
		ck_assert_int_eq(m.id, ROUTE_PIPELINE_RUN);
		ck_assert_str_eq(m.allow, "POST, OPTIONS");
		ck_assert_str_eq(m.dataset_id, KB);
	}
}
END_TEST

START_TEST(test_route_answers_options_with_a_preflight)
{
	struct route_match m = match("OPTIONS", RUN_PATH);
	ck_assert_int_eq(m.outcome, ROUTE_PREFLIGHT);
	ck_assert_int_eq(m.id, ROUTE_PIPELINE_RUN);
	ck_assert_str_eq(m.allow, "POST, OPTIONS");
	ck_assert_str_eq(m.dataset_id, KB);
}
END_TEST

START_TEST(test_route_checks_the_path_before_the_method)
{
	/* An unknown path is a 404 whatever the method, OPTIONS included. */
	assert_not_found("GET", "/v1/datasets/nope/pipeline/run");
	assert_not_found("OPTIONS", "/v1/datasets/nope/pipeline/run");
	assert_not_found("DELETE", "/v1/datasets");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");
	tcase_add_test(tc, test_route_matches_post_on_the_run_path);
	tcase_add_test(tc, test_route_lower_cases_an_upper_case_uuid);
	tcase_add_test(tc, test_route_ignores_the_uuid_version_nibble);
	tcase_add_test(tc, test_route_rejects_a_malformed_uuid);
	tcase_add_test(tc, test_route_rejects_a_trailing_slash);
	tcase_add_test(tc, test_route_rejects_an_extra_or_missing_segment);
	tcase_add_test(tc, test_route_answers_other_methods_with_method_not_allowed);
	tcase_add_test(tc, test_route_answers_options_with_a_preflight);
	tcase_add_test(tc, test_route_checks_the_path_before_the_method);
	suite_add_tcase(s, tc);
	return s;
}
