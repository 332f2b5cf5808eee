/* test-admin.c -- dify-mock's own API under /_mock/, through api_handle():
 * health, the journal (its query filters and DELETE), reset, reload (off,
 * refused with its problems, done) and armed scenarios (arm, merge, list,
 * clear, every refusal). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ids.h"
#include "json.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_KEY "dataset-difymockdemokey000000000"
#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define FLAKY "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
#define NOW_MS 1776000000123LL

static struct fixtures *fx;
static struct api_ctx ctx;

/* The fake reload: refuses with these problems when set, else succeeds. */
static const char *reload_problems;
static int reloads;

static int fake_reload(void *cls, struct buf *errors)
{
	(void)cls;
	reloads++;
	if (!reload_problems)
		return 0;
	buf_puts(errors, reload_problems);
	return -1;
}

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
	ctx = (struct api_ctx){
		.fx = fx,
		.docs = documents_new(),
		.scenarios = scenarios_new(),
		.journal = journal_new(10),
		.reload = fake_reload,
	};
	reload_problems = NULL;
	reloads = 0;
	ids_seed(2);
}

static void teardown(void)
{
	journal_free(ctx.journal);
	scenarios_free(ctx.scenarios);
	documents_free(ctx.docs);
	fixtures_free(fx);
	ids_unseed();
}

/* Query arguments as "name=value&..." (no decoding needed here). */
static const char *query_arg(void *cls, const char *name)
{
	static char value[256];
	const char *q = cls;
	size_t n = strlen(name);
	for (const char *p = q; p && *p;) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > n && !strncmp(p, name, n) && p[n] == '=') {
			snprintf(value, sizeof value, "%.*s", (int)(len - n - 1), p + n + 1);
			return value;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* One admin request; the body of the answer (heap) with its status. */
static char *admin(const char *method, const char *path, const char *query, const char *body, unsigned *ret_status)
{
	struct api_request req = {
		.method = method,
		.path = path,
		.arg = query ? query_arg : NULL,
		.arg_cls = (void *)query,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.now_ms = NOW_MS,
	};
	struct api_response res;
	api_handle(&ctx, &req, &res);
	ck_assert(!res.journaled); /* /_mock/ requests are never journaled */
	ck_assert_str_eq(res.content_type, "application/json");
	*ret_status = res.status;
	char *s = xstrndup(res.body, res.body_len);
	api_response_free(&res);
	return s;
}

static void expect(const char *method, const char *path, const char *query, const char *body, unsigned status,
		   const char *want)
{
	unsigned got_status;
	char *got = admin(method, path, query, body, &got_status);
	ck_assert_msg(got_status == status && !strcmp(got, want), "%s %s%s%s: %u %s\n  want %u %s", method, path,
		      query ? "?" : "", query ? query : "", got_status, got, status, want);
	free(got);
}

static void journal_add_one(const char *path, const char *kb, unsigned status)
{
	struct journal_entry e = {
		.time_ms = NOW_MS,
		.method = xstrdup("GET"),
		.path = xstrdup(path),
		.headers = xstrdup(""),
		.body = xstrdup(""),
		.status = status,
		.knowledge_base = kb ? xstrdup(kb) : NULL,
	};
	journal_add(ctx.journal, &e);
}

START_TEST(test_health_counts_the_knowledge_bases)
{
	char want[128];
	snprintf(want, sizeof want, "{\"status\":\"ok\",\"version\":\"%s\",\"knowledge_bases\":%zu}\n", DM_VERSION,
		 fixtures_kb_count(fx));
	expect("GET", "/_mock/health", NULL, NULL, 200, want);
	ck_assert_uint_gt(fixtures_kb_count(fx), 5);
}
END_TEST

/* The paths in a journal answer, space-separated. Heap. */
static char *listed(const char *query)
{
	unsigned status;
	char *s = admin("GET", "/_mock/requests", query, NULL, &status);
	ck_assert_uint_eq(status, 200);
	struct buf b = BUF_INIT;
	for (const char *p = strstr(s, "\"path\":\""); p; p = strstr(p + 1, "\"path\":\"")) {
		const char *v = p + 8;
		if (b.len)
			buf_putc(&b, ' ');
		buf_append(&b, v, (size_t)(strchr(v, '"') - v));
	}
	buf_putc(&b, '\0');
	free(s);
	return buf_steal(&b, NULL);
}

static void expect_listed(const char *query, const char *want)
{
	char *got = listed(query);
	ck_assert_msg(!strcmp(got, want), "?%s: [%s], want [%s]", query ? query : "", got, want);
	free(got);
}

START_TEST(test_requests_pass_their_filters_to_the_journal)
{
	journal_add_one("/v1/datasets/" DEMO_DOCS "/pipeline/run", DEMO_DOCS, 200);
	journal_add_one("/v1/datasets/" FLAKY "/pipeline/run", FLAKY, 503);
	journal_add_one("/v1/datasets/pipeline/file-upload", NULL, 201);
	expect_listed(NULL, "/v1/datasets/" DEMO_DOCS "/pipeline/run /v1/datasets/" FLAKY
			    "/pipeline/run /v1/datasets/pipeline/file-upload");
	expect_listed("knowledge_base=" FLAKY, "/v1/datasets/" FLAKY "/pipeline/run");
	expect_listed("status=201", "/v1/datasets/pipeline/file-upload");
	expect_listed("path=/v1/datasets/pipeline/*", "/v1/datasets/pipeline/file-upload");
	expect_listed("path=/v1/datasets/*&status=200", "/v1/datasets/" DEMO_DOCS "/pipeline/run");
	/* a status that is not one */
	static const char *const bad[] = { "status=", "status=abc", "status=99", "status=600", "status=200x",
					   "status=-200" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect("GET", "/_mock/requests", bad[i], NULL, 400,
		       "{\"error\":\"status must be an HTTP status code\"}\n");
	expect_listed("status=100", "");
	expect_listed("status=599", "");
	/* DELETE empties it */
	expect("DELETE", "/_mock/requests", NULL, NULL, 200, "{\"status\":\"ok\"}\n");
	expect("GET", "/_mock/requests", NULL, NULL, 200, "{\"total\":0,\"dropped\":0,\"requests\":[]}\n");
	/* without a journal: an empty one */
	journal_free(ctx.journal);
	ctx.journal = NULL;
	expect("GET", "/_mock/requests", NULL, NULL, 200, "{\"total\":0,\"dropped\":0,\"requests\":[]}\n");
	expect("DELETE", "/_mock/requests", NULL, NULL, 200, "{\"status\":\"ok\"}\n");
}
END_TEST

START_TEST(test_reload_is_off_refused_or_done)
{
	reload_problems = "fixtures/a.json: $.version: unsupported version 2 (only 1 is supported)\n"
			  "fixtures/b.json: line 1 column 2: expected ',' or '}'\n";
	expect("POST", "/_mock/reload", NULL, NULL, 422,
	       "{\"error\":\"the fixtures have problems; the previous set keeps serving\",\"problems\":["
	       "\"fixtures/a.json: $.version: unsupported version 2 (only 1 is supported)\","
	       "\"fixtures/b.json: line 1 column 2: expected ',' or '}'\"]}\n");
	reload_problems = "\na\n\nb";
	expect("POST", "/_mock/reload", NULL, NULL, 422,
	       "{\"error\":\"the fixtures have problems; the previous set keeps serving\",\"problems\":[\"a\",\"b\"]}\n");
	reload_problems = "one problem without a newline";
	expect("POST", "/_mock/reload", NULL, NULL, 422,
	       "{\"error\":\"the fixtures have problems; the previous set keeps serving\",\"problems\":["
	       "\"one problem without a newline\"]}\n");
	reload_problems = NULL;
	expect("POST", "/_mock/reload", NULL, NULL, 200, "{\"status\":\"ok\"}\n");
	ck_assert_int_eq(reloads, 4);
	ctx.reload = NULL;
	expect("POST", "/_mock/reload", NULL, NULL, 404, "{\"error\":\"reload is off\"}\n");
}
END_TEST

#define ARMED(kb, name, n) "{\"knowledge_base\":\"" kb "\",\"scenario\":\"" name "\",\"remaining\":" #n "}"

START_TEST(test_scenarios_are_armed_listed_and_cleared)
{
	expect("GET", "/_mock/scenarios", NULL, NULL, 200, "{\"armed\":[]}\n");
	expect("POST", "/_mock/scenarios", NULL,
	       "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"unavailable\",\"count\":2}", 200,
	       "{\"status\":\"armed\",\"armed\":[" ARMED(DEMO_DOCS, "unavailable", 2) "]}\n");
	/* count defaults to 1; the same again right after itself runs longer */
	expect("POST", "/_mock/scenarios", NULL, "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"unavailable\"}",
	       200, "{\"status\":\"armed\",\"armed\":[" ARMED(DEMO_DOCS, "unavailable", 3) "]}\n");
	/* the id is taken in any case, and listed as the fixture has it */
	expect("POST", "/_mock/scenarios", NULL,
	       "{\"knowledge_base\":\"3F2A9C1E-7B4D-4E8A-9F1C-2D5E6A7B8C9D\",\"scenario\":\"slow\",\"count\":1}", 200,
	       "{\"status\":\"armed\",\"armed\":[" ARMED(DEMO_DOCS, "unavailable", 3) "," ARMED(DEMO_DOCS, "slow",
											       1) "]}\n");
	expect("GET", "/_mock/scenarios", NULL, NULL, 200,
	       "{\"armed\":[" ARMED(DEMO_DOCS, "unavailable", 3) "," ARMED(DEMO_DOCS, "slow", 1) "]}\n");
	expect("DELETE", "/_mock/scenarios", NULL, NULL, 200, "{\"armed\":[]}\n");
	expect("GET", "/_mock/scenarios", NULL, NULL, 200, "{\"armed\":[]}\n");
}
END_TEST

START_TEST(test_scenarios_refuse_what_cannot_be_armed)
{
	static const char shape[] = "{\"error\":\"expected a JSON object {\\\"knowledge_base\\\", \\\"scenario\\\", "
				    "\\\"count\\\"}\"}\n";
	expect("POST", "/_mock/scenarios", NULL, NULL, 400, shape);
	expect("POST", "/_mock/scenarios", NULL, "{", 400, shape);
	expect("POST", "/_mock/scenarios", NULL, "[1]", 400, shape);
	static const char kb[] = "{\"error\":\"knowledge_base must be the id of a knowledge base in the fixtures\"}\n";
	expect("POST", "/_mock/scenarios", NULL, "{\"scenario\":\"unavailable\"}", 400, kb);
	expect("POST", "/_mock/scenarios", NULL,
	       "{\"knowledge_base\":\"9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f\",\"scenario\":\"unavailable\"}", 400, kb);
	expect("POST", "/_mock/scenarios", NULL, "{\"knowledge_base\":7,\"scenario\":\"unavailable\"}", 400, kb);
	static const char name[] = "{\"error\":\"scenario must name one of the knowledge base's scenarios\"}\n";
	expect("POST", "/_mock/scenarios", NULL, "{\"knowledge_base\":\"" DEMO_DOCS "\"}", 400, name);
	expect("POST", "/_mock/scenarios", NULL, "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"nope\"}", 400,
	       name);
	expect("POST", "/_mock/scenarios", NULL, "{\"knowledge_base\":\"" FLAKY "\",\"scenario\":\"unavailable\"}", 400,
	       name); /* Flaky Chunker has none of that name */
	static const char count[] = "{\"error\":\"count must be an integer from 1 to 1000000\"}\n";
	static const char *const counts[] = { "0", "-1", "1.5", "1e7", "1000001", "\"2\"", "null", "true" };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		char body[160];
		snprintf(body, sizeof body,
			 "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"unavailable\",\"count\":%s}", counts[i]);
		expect("POST", "/_mock/scenarios", NULL, body, 400, count);
	}
	expect("POST", "/_mock/scenarios", NULL,
	       "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"unavailable\",\"count\":1000000}", 200,
	       "{\"status\":\"armed\",\"armed\":[" ARMED(DEMO_DOCS, "unavailable", 1000000) "]}\n");
	/* at most SCENARIOS_MAX_ARMED waiting entries */
	expect("DELETE", "/_mock/scenarios", NULL, NULL, 200, "{\"armed\":[]}\n");
	for (int i = 0; i < SCENARIOS_MAX_ARMED; i++)
		ck_assert_int_eq(scenarios_arm(ctx.scenarios, DEMO_DOCS, i % 2 ? "slow" : "unavailable", 1), 0);
	expect("POST", "/_mock/scenarios", NULL,
	       "{\"knowledge_base\":\"" DEMO_DOCS "\",\"scenario\":\"stream-drop\"}", 400,
	       "{\"error\":\"too many armed scenarios waiting (1000); DELETE /_mock/scenarios clears them\"}\n");
	/* scenarios off */
	scenarios_free(ctx.scenarios);
	ctx.scenarios = NULL;
	expect("GET", "/_mock/scenarios", NULL, NULL, 404, "{\"error\":\"scenarios are off\"}\n");
	expect("POST", "/_mock/scenarios", NULL, "{}", 404, "{\"error\":\"scenarios are off\"}\n");
}
END_TEST

/* A published run on Demo Docs; the position of its document. */
static int published_position(void)
{
	static const char body[] =
		"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r\","
		"\"name\":\"a.pdf\"}],\"start_node_id\":\"1750836391776\",\"is_published\":true,"
		"\"response_mode\":\"blocking\"}";
	struct api_request req = {
		.method = "POST",
		.path = "/v1/datasets/" DEMO_DOCS "/pipeline/run",
		.authorization = "Bearer " DEMO_KEY,
		.content_type = "application/json",
		.body = body,
		.body_len = sizeof body - 1,
		.now_ms = NOW_MS,
	};
	struct api_response res;
	api_handle(&ctx, &req, &res);
	ck_assert_uint_eq(res.status, 200);
	const char *p = strstr(res.body, "\"position\": ");
	ck_assert_ptr_nonnull(p);
	int pos = atoi(p + 12);
	api_response_free(&res);
	return pos;
}

START_TEST(test_reset_starts_journal_scenarios_and_documents_over)
{
	journal_add_one("/v1/x", NULL, 200);
	ck_assert_int_eq(scenarios_arm(ctx.scenarios, DEMO_DOCS, "slow", 2), 0);
	ck_assert_int_eq(published_position(), 3); /* Demo Docs has 2 documents */
	ck_assert_int_eq(published_position(), 4);
	/* the flaky knowledge base's sequence: 503, 503, then normal */
	const struct fx_kb *flaky = fixtures_kb(fx, "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70");
	const struct fx_scenario *sc;
	enum scenario_source from;
	struct dm_error err = DM_ERROR_INIT;
	ck_assert_int_eq(scenarios_select(ctx.scenarios, flaky, FX_EP_PIPELINE_RUN, NULL, NULL, &sc, &from, &err), 0);
	ck_assert_ptr_nonnull(sc);
	expect("POST", "/_mock/reset", NULL, NULL, 200, "{\"status\":\"ok\"}\n");
	expect("GET", "/_mock/requests", NULL, NULL, 200, "{\"total\":0,\"dropped\":0,\"requests\":[]}\n");
	expect("GET", "/_mock/scenarios", NULL, NULL, 200, "{\"armed\":[]}\n");
	ck_assert_int_eq(published_position(), 3);
	/* the sequence starts over: two more 503s */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
			scenarios_select(ctx.scenarios, flaky, FX_EP_PIPELINE_RUN, NULL, NULL, &sc, &from, &err), 0);
		ck_assert_msg(sc && !strcmp(sc->name, "unavailable"), "request %d", i);
	}
	ck_assert_int_eq(scenarios_select(ctx.scenarios, flaky, FX_EP_PIPELINE_RUN, NULL, NULL, &sc, &from, &err), 0);
	ck_assert_ptr_null(sc);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_health_counts_the_knowledge_bases);
	tcase_add_test(tc, test_requests_pass_their_filters_to_the_journal);
	tcase_add_test(tc, test_reload_is_off_refused_or_done);
	tcase_add_test(tc, test_scenarios_are_armed_listed_and_cleared);
	tcase_add_test(tc, test_scenarios_refuse_what_cannot_be_armed);
	tcase_add_test(tc, test_reset_starts_journal_scenarios_and_documents_over);
	suite_add_tcase(s, tc);
	return s;
}
