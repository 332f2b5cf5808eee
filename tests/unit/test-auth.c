/* test-auth.c -- Dify's validate_dataset_token over fixtures: the Bearer
 * header shape, the key lookup, then the dataset and its tenant, each with
 * Dify's exact message (wire.md §2-§3, §4.2). The tenant cases use a small
 * fixture directory written per test (as test-fixtures.c does); in the
 * inline JSON, ' stands for ". */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_KEY "dataset-difymockdemokey000000000"
#define OTHER_KEY "dataset-difymockotherkey00000000"
#define DEMO_WS_ID "5d0c7a3e-1f2b-4c3d-9e8f-a1b2c3d4e5f6"
#define OTHER_WS_ID "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define INTERNAL_NOTES "8b1e4d2c-6a3f-4b5e-9c7d-0e1f2a3b4c5d" /* api_enabled: false */
#define CLASSIC_FAQ "c0ffee00-1234-4abc-8def-0123456789ab"    /* no pipeline */
#define OTHER_TEAM_KB "a7c4e2f1-9b3d-4e6a-8c2b-1d0f9e8a7b6c"

#define MSG_HEADER "Authorization header must be provided and start with 'Bearer'"
#define MSG_SCHEME "Authorization scheme must be 'Bearer'"
#define MSG_INVALID "Access token is invalid"

/* ---- helpers ---- */

static struct fixtures *load(const char *dir)
{
	struct fixtures *fx = NULL;
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(dir, &fx, &p);
	ck_assert_msg(rc == 0, "load %s failed: %s", dir, p.n ? p.lines[0] : "(no problem line)");
	return fx;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A temporary directory holding a.json = text with every ' turned into ". */
static char *make_fixture_dir(const char *text)
{
	char *dir = strdup("/tmp/dm-auth-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[512];
	snprintf(path, sizeof path, "%s/a.json", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (const char *p = text; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
	return dir;
}

static void remove_fixture_dir(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* auth_check_key must fail with this status, code and message. */
static void assert_key_error(const struct fixtures *fx, const char *header, unsigned status, const char *code,
			     const char *message)
{
	const struct fx_workspace *ws = (const struct fx_workspace *)&ws; /* must stay untouched */
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(auth_check_key(fx, header, &ws, &err), -1);
	ck_assert_ptr_eq(ws, (const struct fx_workspace *)&ws);
	ck_assert_msg(err.status == status, "header [%s]: status %u, want %u", header ? header : "(none)",
		      err.status, status);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.message, message);
	dm_error_clear(&err);
}

static const struct fx_workspace *key_ok(const struct fixtures *fx, const char *header)
{
	const struct fx_workspace *ws = NULL;
	struct dm_error err = DM_ERROR_INIT;
	int rc = auth_check_key(fx, header, &ws, &err);
	ck_assert_msg(rc == 0, "header [%s]: %u %s", header, err.status, err.message ? err.message : "");
	ck_assert_uint_eq(err.status, 0);
	ck_assert_ptr_nonnull(ws);
	return ws;
}

static void assert_dataset_error(const struct fixtures *fx, const struct fx_workspace *ws, const char *dataset_id,
				 unsigned status, const char *code, const char *message)
{
	const struct fx_kb *kb = (const struct fx_kb *)&kb;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(auth_check_dataset(fx, ws, dataset_id, &kb, &err), -1);
	ck_assert_ptr_eq(kb, (const struct fx_kb *)&kb);
	ck_assert_msg(err.status == status, "dataset %s: status %u, want %u", dataset_id, err.status, status);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.message, message);
	dm_error_clear(&err);
}

static const struct fx_kb *dataset_ok(const struct fixtures *fx, const struct fx_workspace *ws, const char *id)
{
	const struct fx_kb *kb = NULL;
	struct dm_error err = DM_ERROR_INIT;
	int rc = auth_check_dataset(fx, ws, id, &kb, &err);
	ck_assert_msg(rc == 0, "dataset %s: %u %s", id, err.status, err.message ? err.message : "");
	ck_assert_ptr_nonnull(kb);
	return kb;
}

/* ---- the Authorization header ---- */

START_TEST(test_auth_rejects_a_missing_header)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, NULL, 401, "unauthorized", MSG_HEADER);
	assert_key_error(fx, "", 401, "unauthorized", MSG_HEADER);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_rejects_a_header_without_a_space)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, "Bearer", 401, "unauthorized", MSG_HEADER);
	assert_key_error(fx, DEMO_KEY, 401, "unauthorized", MSG_HEADER);
	/* wraps.py looks for a literal " ": a tab does not count */
	assert_key_error(fx, "Bearer\t" DEMO_KEY, 401, "unauthorized", MSG_HEADER);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_rejects_the_basic_scheme)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, "Basic ZGlmeTptb2Nr", 401, "unauthorized", MSG_SCHEME);
	assert_key_error(fx, "Basic " DEMO_KEY, 401, "unauthorized", MSG_SCHEME);
	assert_key_error(fx, "Bearer: " DEMO_KEY, 401, "unauthorized", MSG_SCHEME);
	assert_key_error(fx, "Bearers " DEMO_KEY, 401, "unauthorized", MSG_SCHEME);
	assert_key_error(fx, "Token " DEMO_KEY, 401, "unauthorized", MSG_SCHEME);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_reports_a_bearer_without_token_as_an_unpack_error)
{
	/* "Bearer ".split(None, 1) == ["Bearer"]: the unpacking raises a ValueError. */
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, "Bearer ", 400, "invalid_param", "not enough values to unpack (expected 2, got 1)");
	assert_key_error(fx, "Bearer   ", 400, "invalid_param", "not enough values to unpack (expected 2, got 1)");
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_accepts_bearer_in_any_case)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	ck_assert_str_eq(key_ok(fx, "Bearer " DEMO_KEY)->id, DEMO_WS_ID);
	ck_assert_str_eq(key_ok(fx, "bearer " DEMO_KEY)->id, DEMO_WS_ID);
	ck_assert_str_eq(key_ok(fx, "BEARER " DEMO_KEY)->id, DEMO_WS_ID);
	ck_assert_str_eq(key_ok(fx, "bEaReR " DEMO_KEY)->id, DEMO_WS_ID);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_skips_the_whitespace_run_before_the_token)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	ck_assert_str_eq(key_ok(fx, "Bearer   " DEMO_KEY)->id, DEMO_WS_ID);
	ck_assert_str_eq(key_ok(fx, "Bearer \t " DEMO_KEY)->id, DEMO_WS_ID);
	ck_assert_str_eq(key_ok(fx, " Bearer " DEMO_KEY)->id, DEMO_WS_ID);
	/* the token is not trimmed at its end */
	assert_key_error(fx, "Bearer " DEMO_KEY " ", 401, "unauthorized", MSG_INVALID);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_rejects_an_unknown_key)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, "Bearer dataset-nosuchkey", 401, "unauthorized", MSG_INVALID);
	assert_key_error(fx, "Bearer dataset-difymockdemokey000000001", 401, "unauthorized", MSG_INVALID);
	assert_key_error(fx, "Bearer " DEMO_KEY "0", 401, "unauthorized", MSG_INVALID);
	assert_key_error(fx, "Bearer DATASET-DIFYMOCKDEMOKEY000000000", 401, "unauthorized", MSG_INVALID);
	assert_key_error(fx, "Bearer two words", 401, "unauthorized", MSG_INVALID);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_rejects_an_app_key)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	assert_key_error(fx, "Bearer app-difymockdemokey000000000", 401, "unauthorized", MSG_INVALID);
	assert_key_error(fx, "Bearer app-XyZ123", 401, "unauthorized", MSG_INVALID);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_finds_the_workspace_of_each_key)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	const struct fx_workspace *demo = key_ok(fx, "Bearer " DEMO_KEY);
	ck_assert_str_eq(demo->id, DEMO_WS_ID);
	ck_assert_str_eq(demo->name, "Demo Workspace");
	ck_assert_str_eq(demo->owner.id, "e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
	const struct fx_workspace *other = key_ok(fx, "Bearer " OTHER_KEY);
	ck_assert_str_eq(other->id, OTHER_WS_ID);
	ck_assert_ptr_ne(demo, other);
	fixtures_free(fx);
}
END_TEST

/* ---- the dataset ---- */

START_TEST(test_auth_returns_the_demo_knowledge_base)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	const struct fx_workspace *ws = key_ok(fx, "Bearer " DEMO_KEY);
	const struct fx_kb *kb = dataset_ok(fx, ws, DEMO_DOCS);
	ck_assert_str_eq(kb->id, DEMO_DOCS);
	ck_assert_str_eq(kb->name, "Demo Docs");
	ck_assert_ptr_eq(kb->workspace, ws);
	/* no pipeline is not auth's business: that is a later 400 */
	ck_assert_ptr_null(dataset_ok(fx, ws, CLASSIC_FAQ)->pipeline);
	const struct fx_workspace *other = key_ok(fx, "Bearer " OTHER_KEY);
	ck_assert_ptr_eq(dataset_ok(fx, other, OTHER_TEAM_KB)->workspace, other);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_hides_another_workspaces_dataset)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	const struct fx_workspace *demo = key_ok(fx, "Bearer " DEMO_KEY);
	const struct fx_workspace *other = key_ok(fx, "Bearer " OTHER_KEY);
	assert_dataset_error(fx, demo, OTHER_TEAM_KB, 404, "not_found", "Dataset not found.");
	assert_dataset_error(fx, other, DEMO_DOCS, 404, "not_found", "Dataset not found.");
	/* another workspace's disabled dataset is still just "not found" */
	assert_dataset_error(fx, other, INTERNAL_NOTES, 404, "not_found", "Dataset not found.");
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_rejects_an_unknown_dataset)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	const struct fx_workspace *demo = key_ok(fx, "Bearer " DEMO_KEY);
	assert_dataset_error(fx, demo, "00000000-0000-4000-8000-000000000000", 404, "not_found", "Dataset not found.");
	assert_dataset_error(fx, demo, "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9e", 404, "not_found", "Dataset not found.");
	fixtures_free(fx);
}
END_TEST

START_TEST(test_auth_forbids_a_dataset_with_api_access_off)
{
	struct fixtures *fx = load(FIXTURES_DIR);
	const struct fx_workspace *demo = key_ok(fx, "Bearer " DEMO_KEY);
	assert_dataset_error(fx, demo, INTERNAL_NOTES, 403, "forbidden", "Dataset api access is not enabled.");
	fixtures_free(fx);
}
END_TEST

/* ---- the tenant ---- */

#define TENANT_FIXTURE                                                                                   \
	"{'workspaces':["                                                                                \
	"{'id':'11111111-1111-4111-8111-111111111111','name':'Archived','status':'archived',"            \
	" 'owner':{'id':'21111111-1111-4111-8111-111111111111','name':'O','email':'o@a.example'},"       \
	" 'api_keys':['dataset-archived']},"                                                             \
	"{'id':'12222222-2222-4222-8222-222222222222','name':'Ownerless','owner':null,"                  \
	" 'api_keys':['dataset-ownerless']},"                                                            \
	"{'id':'13333333-3333-4333-8333-333333333333','name':'Ghost','status':'normal',"                 \
	" 'owner':{'id':'23333333-3333-4333-8333-333333333333','name':'G','email':'g@example.com',"      \
	"  'account_exists':false},"                                                                     \
	" 'api_keys':['dataset-ghost']}"                                                                 \
	"],'knowledge_bases':["                                                                          \
	"{'id':'a1111111-1111-4111-8111-111111111111','workspace':'11111111-1111-4111-8111-111111111111'," \
	" 'name':'K1'},"                                                                                 \
	"{'id':'a1111111-1111-4111-8111-11111111111f','workspace':'11111111-1111-4111-8111-111111111111'," \
	" 'name':'K1 off','api_enabled':false},"                                                         \
	"{'id':'a2222222-2222-4222-8222-222222222222','workspace':'12222222-2222-4222-8222-222222222222'," \
	" 'name':'K2'},"                                                                                 \
	"{'id':'a3333333-3333-4333-8333-333333333333','workspace':'13333333-3333-4333-8333-333333333333'," \
	" 'name':'K3'}"                                                                                  \
	"]}"

START_TEST(test_auth_rejects_an_archived_tenant)
{
	char *dir = make_fixture_dir(TENANT_FIXTURE);
	struct fixtures *fx = load(dir);
	/* the key itself is fine: the tenant is checked with the dataset */
	const struct fx_workspace *ws = key_ok(fx, "Bearer dataset-archived");
	ck_assert_int_eq(ws->status, FX_TENANT_ARCHIVED);
	assert_dataset_error(fx, ws, "a1111111-1111-4111-8111-111111111111", 401, "unauthorized",
			     "Tenant does not exist.");
	fixtures_free(fx);
	remove_fixture_dir(dir);
}
END_TEST

START_TEST(test_auth_rejects_a_tenant_without_owner)
{
	char *dir = make_fixture_dir(TENANT_FIXTURE);
	struct fixtures *fx = load(dir);
	const struct fx_workspace *ws = key_ok(fx, "Bearer dataset-ownerless");
	ck_assert(!ws->has_owner);
	assert_dataset_error(fx, ws, "a2222222-2222-4222-8222-222222222222", 401, "unauthorized",
			     "Tenant does not exist.");
	fixtures_free(fx);
	remove_fixture_dir(dir);
}
END_TEST

START_TEST(test_auth_rejects_a_tenant_whose_owner_account_is_missing)
{
	char *dir = make_fixture_dir(TENANT_FIXTURE);
	struct fixtures *fx = load(dir);
	const struct fx_workspace *ws = key_ok(fx, "Bearer dataset-ghost");
	ck_assert(ws->has_owner);
	ck_assert(!ws->owner_account_exists);
	assert_dataset_error(fx, ws, "a3333333-3333-4333-8333-333333333333", 401, "unauthorized",
			     "Tenant owner account does not exist.");
	fixtures_free(fx);
	remove_fixture_dir(dir);
}
END_TEST

START_TEST(test_auth_checks_the_dataset_before_the_tenant)
{
	char *dir = make_fixture_dir(TENANT_FIXTURE);
	struct fixtures *fx = load(dir);
	const struct fx_workspace *ws = key_ok(fx, "Bearer dataset-archived");
	/* 404 and 403 come before the tenant's 401 (wire.md §2 steps 3-4) */
	assert_dataset_error(fx, ws, "a3333333-3333-4333-8333-333333333333", 404, "not_found", "Dataset not found.");
	assert_dataset_error(fx, ws, "a1111111-1111-4111-8111-11111111111f", 403, "forbidden",
			     "Dataset api access is not enabled.");
	fixtures_free(fx);
	remove_fixture_dir(dir);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("header");
	tcase_add_test(tc, test_auth_rejects_a_missing_header);
	tcase_add_test(tc, test_auth_rejects_a_header_without_a_space);
	tcase_add_test(tc, test_auth_rejects_the_basic_scheme);
	tcase_add_test(tc, test_auth_reports_a_bearer_without_token_as_an_unpack_error);
	tcase_add_test(tc, test_auth_accepts_bearer_in_any_case);
	tcase_add_test(tc, test_auth_skips_the_whitespace_run_before_the_token);
	tcase_add_test(tc, test_auth_rejects_an_unknown_key);
	tcase_add_test(tc, test_auth_rejects_an_app_key);
	tcase_add_test(tc, test_auth_finds_the_workspace_of_each_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("dataset");
	tcase_add_test(tc, test_auth_returns_the_demo_knowledge_base);
	tcase_add_test(tc, test_auth_hides_another_workspaces_dataset);
	tcase_add_test(tc, test_auth_rejects_an_unknown_dataset);
	tcase_add_test(tc, test_auth_forbids_a_dataset_with_api_access_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("tenant");
	tcase_add_test(tc, test_auth_rejects_an_archived_tenant);
	tcase_add_test(tc, test_auth_rejects_a_tenant_without_owner);
	tcase_add_test(tc, test_auth_rejects_a_tenant_whose_owner_account_is_missing);
	tcase_add_test(tc, test_auth_checks_the_dataset_before_the_tenant);
	suite_add_tcase(s, tc);
	return s;
}
