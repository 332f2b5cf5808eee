/* test-errors.c -- every error row of wire.md §1, byte for byte, through the
 * real binary: routing, CORS, auth, dataset checks, media type, JSON,
 * pydantic, "Pipeline not found" and the 500 pipeline_run_error family. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static struct server srv;

static void setup(void)
{
	/* The wire.md baseline, whose bytes these cases are. */
	const char *args[] = { "--fixtures", FIXTURES_DIR, "--time-scale", "0", "--seed", "7", "--dify-version", "1.13.3",
			       NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

#define AUTH "Authorization: Bearer " DEMO_KEY
#define CT_JSON_H "Content-Type: application/json"
#define HTML_404                                                                                                  \
	"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL " \
	"was not found on the server. If you entered the URL manually please check your spelling and try "        \
	"again.</p>\n"

struct error_case {
	const char *name;
	const char *method;
	const char *path;
	const char *headers[4];
	const char *body;
	long status;
	const char *content_type;
	const char *expect_body;
	bool cors;          /* Access-Control-Allow-Origin expected */
};

static const struct error_case cases[] = {
	{ "malformed uuid", "POST", "/v1/datasets/not-a-uuid/pipeline/run", { AUTH, CT_JSON_H }, "{}", 404,
	  "text/html; charset=utf-8", HTML_404, false },
	{ "trailing slash", "POST", RUN_PATH(DEMO_KB) "/", { AUTH, CT_JSON_H }, "{}", 404, "text/html; charset=utf-8",
	  HTML_404, false },
	{ "short uuid", "POST", "/v1/datasets/3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9/pipeline/run", { AUTH }, "{}", 404,
	  "text/html; charset=utf-8", HTML_404, false },
	{ "GET before auth", "GET", RUN_PATH(DEMO_KB), { NULL }, NULL, 405, "application/json",
	  "{\"code\":\"method_not_allowed\",\"message\":\"The method is not allowed for the requested "
	  "URL.\",\"status\":405}\n",
	  false },
	{ "DELETE before auth", "DELETE", RUN_PATH(DEMO_KB), { NULL }, NULL, 405, "application/json",
	  "{\"code\":\"method_not_allowed\",\"message\":\"The method is not allowed for the requested "
	  "URL.\",\"status\":405}\n",
	  false },
	{ "no authorization", "POST", RUN_PATH(DEMO_KB), { CT_JSON_H }, "{}", 401, "application/json",
	  "{\"code\":\"unauthorized\",\"message\":\"Authorization header must be provided and start with "
	  "'Bearer'\",\"status\":401}\n",
	  true },
	{ "bearer without token", "POST", RUN_PATH(DEMO_KB), { "Authorization: Bearer", CT_JSON_H }, "{}", 401,
	  "application/json",
	  "{\"code\":\"unauthorized\",\"message\":\"Authorization header must be provided and start with "
	  "'Bearer'\",\"status\":401}\n",
	  true },
	{ "basic scheme", "POST", RUN_PATH(DEMO_KB), { "Authorization: Basic abc", CT_JSON_H }, "{}", 401,
	  "application/json",
	  "{\"code\":\"unauthorized\",\"message\":\"Authorization scheme must be 'Bearer'\",\"status\":401}\n", true },
	{ "unknown key", "POST", RUN_PATH(DEMO_KB), { "Authorization: Bearer dataset-nope", CT_JSON_H }, "{}", 401,
	  "application/json", "{\"code\":\"unauthorized\",\"message\":\"Access token is invalid\",\"status\":401}\n",
	  true },
	{ "app key", "POST", RUN_PATH(DEMO_KB), { "Authorization: Bearer app-difymockdemokey000000000", CT_JSON_H },
	  "{}", 401, "application/json",
	  "{\"code\":\"unauthorized\",\"message\":\"Access token is invalid\",\"status\":401}\n", true },
	{ "lower-case bearer works", "POST", RUN_PATH(DEMO_KB), { "Authorization: bearer " DEMO_KEY }, "{}", 415,
	  "application/json", NULL, true },
	{ "unknown dataset", "POST", RUN_PATH("00000000-0000-4000-8000-000000000000"), { AUTH, CT_JSON_H }, "{}", 404,
	  "application/json", "{\"code\":\"not_found\",\"message\":\"Dataset not found.\",\"status\":404}\n", true },
	{ "other workspace's dataset", "POST", RUN_PATH("a7c4e2f1-9b3d-4e6a-8c2b-1d0f9e8a7b6c"), { AUTH, CT_JSON_H },
	  "{}", 404, "application/json",
	  "{\"code\":\"not_found\",\"message\":\"Dataset not found.\",\"status\":404}\n", true },
	{ "api access disabled", "POST", RUN_PATH("8b1e4d2c-6a3f-4b5e-9c7d-0e1f2a3b4c5d"), { AUTH, CT_JSON_H }, "{}",
	  403, "application/json",
	  "{\"code\":\"forbidden\",\"message\":\"Dataset api access is not enabled.\",\"status\":403}\n", true },
	{ "upper-case uuid is the same dataset", "POST", RUN_PATH("3F2A9C1E-7B4D-4E8A-9F1C-2D5E6A7B8C9D"), { AUTH },
	  "{}", 415, "application/json", NULL, true },
	{ "no content type", "POST", RUN_PATH(DEMO_KB), { AUTH }, "{}", 415, "application/json",
	  "{\"code\":\"unsupported_media_type\",\"message\":\"Did not attempt to load JSON data because the request "
	  "Content-Type was not 'application\\/json'.\",\"status\":415}\n",
	  true },
	{ "text/plain", "POST", RUN_PATH(DEMO_KB), { AUTH, "Content-Type: text/plain" }, "{}", 415,
	  "application/json", NULL, true },
	{ "malformed json", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H }, "{\"inputs\":", 400, "application/json",
	  "{\"code\":\"bad_request\",\"message\":\"The browser (or proxy) sent a request that this server could not "
	  "understand.\",\"status\":400}\n",
	  true },
	{ "empty body", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H }, "", 400, "application/json",
	  "{\"code\":\"bad_request\",\"message\":\"The browser (or proxy) sent a request that this server could not "
	  "understand.\",\"status\":400}\n",
	  true },
	{ "NaN is not JSON", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H }, "{\"inputs\": NaN}", 400,
	  "application/json", NULL, true },
	{ "charset parameter accepted", "POST", RUN_PATH(DEMO_KB),
	  { AUTH, "Content-Type: application/json; charset=utf-8" }, "[1]", 400, "application/json",
	  "{\"code\":\"invalid_param\",\"message\":\"1 validation error for PipelineRunApiEntity\\n  Input should be "
	  "a valid dictionary or instance of PipelineRunApiEntity [type=model_type, input_value=[1], "
	  "input_type=list]\\n    For further information visit "
	  "https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/model_type\",\"status\":400}\n",
	  true },
	{ "start_node_id must be a string", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[],\"start_node_id\":5,"
	  "\"is_published\":true,\"response_mode\":\"blocking\"}",
	  400, "application/json",
	  "{\"code\":\"invalid_param\",\"message\":\"1 validation error for PipelineRunApiEntity\\nstart_node_id\\n  "
	  "Input should be a valid string [type=string_type, input_value=5, input_type=int]\\n    For further "
	  "information visit https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/string_type\",\"status\":400}\n",
	  true },
	{ "classic knowledge base", "POST", RUN_PATH("c0ffee00-1234-4abc-8def-0123456789ab"), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[],\"start_node_id\":\"1\","
	  "\"is_published\":true,\"response_mode\":\"blocking\"}",
	  400, "application/json", "{\"code\":\"invalid_param\",\"message\":\"Pipeline not found\",\"status\":400}\n",
	  true },
	{ "unknown datasource type is a 500", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"notion\",\"datasource_info_list\":[],\"start_node_id\":\"1\","
	  "\"is_published\":true,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"'notion' is not a valid "
	  "DatasourceProviderType\",\"status\":500}\n",
	  true },
	{ "workflow not published", "POST", RUN_PATH("b2d4f6a8-1c3e-4a5b-9d7f-2e4c6a8b0d1f"), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[],\"start_node_id\":\"1\","
	  "\"is_published\":true,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"Workflow not published\",\"status\":500}\n", true },
	{ "online_drive start node missing", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"online_drive\",\"datasource_info_list\":[],\"start_node_id\":\"nope\","
	  "\"is_published\":true,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"Datasource node data not found\",\"status\":500}\n", true },
	{ "required input missing", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"website_crawl\",\"datasource_info_list\":[{\"title\":\"x\"}],"
	  "\"start_node_id\":\"1752491761974\",\"is_published\":false,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"jina_url is required in input form\",\"status\":500}\n",
	  true },
	{ "select input outside options", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{\"language\":\"fr\"},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{}],"
	  "\"start_node_id\":\"1750836391776\",\"is_published\":false,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"language in input form must be one of the following: ['en', "
	  "'de', 'ja']\",\"status\":500}\n",
	  true },
	{ "draft blocking start node missing", "POST", RUN_PATH(DEMO_KB), { AUTH, CT_JSON_H },
	  "{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"name\":\"a.pdf\"}],"
	  "\"start_node_id\":\"17508\",\"is_published\":false,\"response_mode\":\"blocking\"}",
	  500, "application/json",
	  "{\"code\":\"pipeline_run_error\",\"message\":\"Root node id 17508 not found in the "
	  "graph\",\"status\":500}\n",
	  true },
};

START_TEST(test_error_case_matches_dify_bytes)
{
	const struct error_case *c = &cases[_i];
	struct reply r;
	http_request(&srv, c->method, c->path, c->headers, c->body, &r);
	ck_assert_msg(r.status == c->status, "%s: status %ld, want %ld (body %s)", c->name, r.status, c->status,
		      r.body);
	char *ct = reply_header(&r, "Content-Type");
	ck_assert_msg(ct && !strcmp(ct, c->content_type), "%s: content type %s", c->name, ct);
	free(ct);
	if (c->expect_body)
		ck_assert_msg(r.body_len == strlen(c->expect_body) && !memcmp(r.body, c->expect_body, r.body_len),
			      "%s: body\n%s\nwant\n%s", c->name, r.body, c->expect_body);
	ck_assert_msg(reply_has_header(&r, "Access-Control-Allow-Origin") == c->cors, "%s: CORS", c->name);
	char *v = reply_header(&r, "X-Version");
	ck_assert_msg(v && !strcmp(v, "1.13.3"), "%s: X-Version %s", c->name, v);
	free(v);
	v = reply_header(&r, "X-Env");
	ck_assert_msg(v && !strcmp(v, "PRODUCTION"), "%s: X-Env", c->name);
	free(v);
	ck_assert_msg(reply_has_header(&r, "WWW-Authenticate") == (c->status == 401), "%s: WWW-Authenticate", c->name);
	if (c->status == 401) {
		v = reply_header(&r, "WWW-Authenticate");
		ck_assert_str_eq(v, "Bearer realm=\"api\"");
		free(v);
	}
	ck_assert_msg(!reply_has_header(&r, "Allow"), "%s: no Allow header", c->name);
	reply_free(&r);
}
END_TEST

START_TEST(test_empty_object_lists_all_six_missing_fields)
{
	struct reply r;
	post_json(&srv, RUN_PATH(DEMO_KB), "{}", &r);
	ck_assert_int_eq(r.status, 400);
	const char *want =
		"{\"code\":\"invalid_param\",\"message\":\"6 validation errors for PipelineRunApiEntity\\ninputs\\n  "
		"Field required [type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\ndatasource_type\\n  Field required "
		"[type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\ndatasource_info_list\\n  Field required "
		"[type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\nstart_node_id\\n  Field required "
		"[type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\nis_published\\n  Field required "
		"[type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\\nresponse_mode\\n  Field required "
		"[type=missing, input_value={}, input_type=dict]\\n    For further information visit "
		"https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing\",\"status\":400}\n";
	ck_assert_str_eq(r.body, want);
	reply_free(&r);
}
END_TEST

START_TEST(test_preflight_needs_no_auth_and_filters_headers)
{
	const char *h[] = { "Origin: https://app.example", "Access-Control-Request-Method: POST",
			    "Access-Control-Request-Headers: Authorization, Content-Type, X-Custom", NULL };
	struct reply r;
	http_request(&srv, "OPTIONS", RUN_PATH(DEMO_KB), h, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	char *v = reply_header(&r, "Content-Type");
	ck_assert_str_eq(v, "text/html; charset=utf-8");
	free(v);
	v = reply_header(&r, "Allow");
	ck_assert_str_eq(v, "POST, OPTIONS");
	free(v);
	v = reply_header(&r, "Access-Control-Allow-Origin");
	ck_assert_str_eq(v, "https://app.example");
	free(v);
	v = reply_header(&r, "Vary");
	ck_assert_str_eq(v, "Origin");
	free(v);
	v = reply_header(&r, "Access-Control-Allow-Methods");
	ck_assert_str_eq(v, "DELETE, GET, OPTIONS, PATCH, POST, PUT");
	free(v);
	v = reply_header(&r, "Access-Control-Allow-Headers");
	ck_assert_str_eq(v, "authorization, content-type");
	free(v);
	reply_free(&r);
}
END_TEST

START_TEST(test_cors_star_without_origin_and_expose_headers)
{
	struct reply r;
	const char *h[] = { CT_JSON_H, NULL };
	http_request(&srv, "POST", RUN_PATH(DEMO_KB), h, "{}", &r);
	char *v = reply_header(&r, "Access-Control-Allow-Origin");
	ck_assert_str_eq(v, "*");
	free(v);
	v = reply_header(&r, "Access-Control-Expose-Headers");
	ck_assert_str_eq(v, "X-Env, X-Trace-Id, X-Version");
	free(v);
	ck_assert(!reply_has_header(&r, "Vary"));
	reply_free(&r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-errors");
	TCase *tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_error_case_matches_dify_bytes, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_empty_object_lists_all_six_missing_fields);
	tcase_add_test(tc, test_preflight_needs_no_auth_and_filters_headers);
	tcase_add_test(tc, test_cors_star_without_origin_and_expose_headers);
	suite_add_tcase(s, tc);
	return s;
}
