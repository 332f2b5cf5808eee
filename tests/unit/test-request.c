/* test-request.c -- PipelineRunApiEntity validation and pydantic 2.12's
 * str(ValidationError) text, up to the final ujson error body. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "request.h"

#define URL "    For further information visit https://errors.pydantic.dev/2.12/v/"
#define MISSING(field) \
	field "\n  Field required [type=missing, input_value={}, input_type=dict]\n" URL "missing"

static const char six_missing[] =
	"6 validation errors for PipelineRunApiEntity\n"
	MISSING("inputs") "\n" MISSING("datasource_type") "\n" MISSING("datasource_info_list") "\n"
	MISSING("start_node_id") "\n" MISSING("is_published") "\n" MISSING("response_mode");

/* A valid body with the given raw JSON in place of one field's value. */
static char *body_with(const char *field, const char *value)
{
	static const char *const names[] = { "inputs", "datasource_type", "datasource_info_list",
					     "start_node_id", "is_published", "response_mode" };
	static const char *const good[] = { "{}", "\"local_file\"", "[]", "\"n1\"", "true", "\"blocking\"" };
	struct buf b = BUF_INIT;
	buf_putc(&b, '{');
	for (int i = 0; i < 6; i++)
		buf_printf(&b, "%s\"%s\":%s", i ? "," : "", names[i],
			   field && strcmp(field, names[i]) == 0 ? value : good[i]);
	buf_putc(&b, '}');
	return buf_steal(&b, NULL);
}

/* Validates JSON text; returns the error message (heap) or NULL on success,
 * in which case *ok_req (when given) receives the request. */
static char *validate(const char *json, struct run_request *ok_req)
{
	cJSON *root;
	char err[128];
	ck_assert_msg(json_parse(json, strlen(json), &root, err, sizeof err) == 0, "%s: %s", json, err);
	struct run_request req;
	struct dm_error e = DM_ERROR_INIT;
	if (request_parse_run(root, &req, &e) == 0) {
		ck_assert_uint_eq(e.status, 0);
		if (ok_req)
			*ok_req = req;
		else
			request_run_free(&req);
		return NULL;
	}
	ck_assert_uint_eq(e.status, 400);
	ck_assert_str_eq(e.code, "invalid_param");
	ck_assert_ptr_null(req.root);
	char *msg = e.message;
	e.message = NULL;
	dm_error_clear(&e);
	return msg;
}

static void assert_message(const char *json, const char *want)
{
	char *got = validate(json, NULL);
	ck_assert_msg(got != NULL, "%s validated", json);
	ck_assert_str_eq(got, want);
	free(got);
}

/* One bad field: "1 validation error", loc line, message line, URL line. */
static void assert_one_error(const char *field, const char *value, const char *loc,
			     const char *line, const char *type)
{
	char *json = body_with(field, value);
	struct buf want = BUF_INIT;
	buf_printf(&want, "1 validation error for PipelineRunApiEntity\n%s\n  %s\n" URL "%s", loc, line,
		   type);
	assert_message(json, want.data);
	buf_free(&want);
	free(json);
}

static bool published(const char *value)
{
	char *json = body_with("is_published", value);
	struct run_request req;
	char *msg = validate(json, &req);
	ck_assert_msg(msg == NULL, "is_published=%s rejected: %s", value, msg);
	bool b = req.is_published;
	request_run_free(&req);
	free(json);
	return b;
}

START_TEST(test_empty_object_reports_six_missing_fields_in_model_order)
{
	assert_message("{}", six_missing);
	/* Extra keys are ignored, and do not change the order. */
	char *got = validate("{\"zzz\": 1}", NULL);
	ck_assert(strncmp(got, "6 validation errors for PipelineRunApiEntity\ninputs\n", 52) == 0);
	ck_assert(strstr(got, "input_value={'zzz': 1}, input_type=dict]") != NULL);
	free(got);
}
END_TEST

START_TEST(test_empty_object_wire_body_is_ujson)
{
	cJSON *root = cJSON_CreateObject();
	struct run_request req;
	struct dm_error e = DM_ERROR_INIT;
	ck_assert_int_eq(request_parse_run(root, &req, &e), -1);
	struct buf body = BUF_INIT;
	dm_error_body(&e, &body);
#define WIRE_MISSING(field)                                                                      \
	field "\\n  Field required [type=missing, input_value={}, input_type=dict]\\n    For further " \
	      "information visit https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/missing"
	ck_assert_str_eq(body.data,
			 "{\"code\":\"invalid_param\",\"message\":\"6 validation errors for PipelineRunApiEntity\\n"
			 WIRE_MISSING("inputs") "\\n" WIRE_MISSING("datasource_type") "\\n"
			 WIRE_MISSING("datasource_info_list") "\\n" WIRE_MISSING("start_node_id") "\\n"
			 WIRE_MISSING("is_published") "\\n" WIRE_MISSING("response_mode")
			 "\",\"status\":400}\n");
#undef WIRE_MISSING
	buf_free(&body);
	dm_error_clear(&e);
}
END_TEST

START_TEST(test_falsy_bodies_validate_as_empty_object)
{
	const char *falsy[] = { "null", "[]", "0", "0.0", "-0.0", "\"\"", "false" };
	for (size_t i = 0; i < sizeof falsy / sizeof falsy[0]; i++)
		assert_message(falsy[i], six_missing);
	struct run_request req;
	struct dm_error e = DM_ERROR_INIT;
	ck_assert_int_eq(request_parse_run(NULL, &req, &e), -1);
	ck_assert_str_eq(e.message, six_missing);
	dm_error_clear(&e);
}
END_TEST

START_TEST(test_non_object_body_is_one_model_type_error_without_loc)
{
	assert_message("[1]", "1 validation error for PipelineRunApiEntity\n"
			      "  Input should be a valid dictionary or instance of PipelineRunApiEntity "
			      "[type=model_type, input_value=[1], input_type=list]\n" URL "model_type");
	assert_message("true", "1 validation error for PipelineRunApiEntity\n"
			       "  Input should be a valid dictionary or instance of PipelineRunApiEntity "
			       "[type=model_type, input_value=True, input_type=bool]\n" URL "model_type");
	assert_message("\"x\"", "1 validation error for PipelineRunApiEntity\n"
				"  Input should be a valid dictionary or instance of PipelineRunApiEntity "
				"[type=model_type, input_value='x', input_type=str]\n" URL "model_type");
	assert_message("2.5", "1 validation error for PipelineRunApiEntity\n"
			      "  Input should be a valid dictionary or instance of PipelineRunApiEntity "
			      "[type=model_type, input_value=2.5, input_type=float]\n" URL "model_type");
}
END_TEST

START_TEST(test_list_body_wire_body_escapes_slashes)
{
	cJSON *root;
	ck_assert_int_eq(json_parse("[1]", 3, &root, NULL, 0), 0);
	struct run_request req;
	struct dm_error e = DM_ERROR_INIT;
	ck_assert_int_eq(request_parse_run(root, &req, &e), -1);
	struct buf body = BUF_INIT;
	dm_error_body(&e, &body);
	ck_assert_str_eq(body.data,
			 "{\"code\":\"invalid_param\",\"message\":\"1 validation error for PipelineRunApiEntity\\n"
			 "  Input should be a valid dictionary or instance of PipelineRunApiEntity "
			 "[type=model_type, input_value=[1], input_type=list]\\n    For further information "
			 "visit https:\\/\\/errors.pydantic.dev\\/2.12\\/v\\/model_type\",\"status\":400}\n");
	buf_free(&body);
	dm_error_clear(&e);
}
END_TEST

START_TEST(test_start_node_id_number_is_not_coerced)
{
	assert_one_error("start_node_id", "5", "start_node_id",
			 "Input should be a valid string [type=string_type, input_value=5, input_type=int]",
			 "string_type");
	assert_one_error("start_node_id", "5.0", "start_node_id",
			 "Input should be a valid string [type=string_type, input_value=5.0, input_type=float]",
			 "string_type");
	assert_one_error("start_node_id", "null", "start_node_id",
			 "Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]",
			 "string_type");
	assert_one_error("response_mode", "[\"streaming\"]", "response_mode",
			 "Input should be a valid string [type=string_type, input_value=['streaming'], input_type=list]",
			 "string_type");
	assert_one_error("datasource_type", "false", "datasource_type",
			 "Input should be a valid string [type=string_type, input_value=False, input_type=bool]",
			 "string_type");
}
END_TEST

START_TEST(test_is_published_maybe_is_bool_parsing)
{
	assert_one_error("is_published", "\"maybe\"", "is_published",
			 "Input should be a valid boolean, unable to interpret input "
			 "[type=bool_parsing, input_value='maybe', input_type=str]",
			 "bool_parsing");
}
END_TEST

START_TEST(test_is_published_accepts_lax_bools)
{
	const char *yes[] = { "true", "1", "1.0", "\"1\"", "\"on\"", "\"ON\"", "\"t\"", "\"T\"",
			      "\"true\"", "\"TrUe\"", "\"y\"", "\"yes\"", "\"YES\"" };
	const char *no[] = { "false", "0", "-0", "0.0", "-0.0", "\"0\"", "\"off\"", "\"f\"",
			     "\"false\"", "\"FALSE\"", "\"n\"", "\"no\"", "\"No\"" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		ck_assert_msg(published(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(!published(no[i]), "%s", no[i]);
}
END_TEST

START_TEST(test_is_published_rejects_other_values_with_pydantic_types)
{
	static const char parsing[] = "Input should be a valid boolean, unable to interpret input";
	static const char type[] = "Input should be a valid boolean";
	const struct { const char *value, *msg, *type, *repr, *tname; } cases[] = {
		{ "2", parsing, "bool_parsing", "2", "int" },
		{ "-1", parsing, "bool_parsing", "-1", "int" },
		{ "9223372036854775807", parsing, "bool_parsing", "9223372036854775807", "int" },
		{ "2.0", parsing, "bool_parsing", "2.0", "float" },
		{ "\" true\"", parsing, "bool_parsing", "' true'", "str" },
		{ "\"\"", parsing, "bool_parsing", "''", "str" },
		{ "\"01\"", parsing, "bool_parsing", "'01'", "str" },
		/* Beyond i64 or fractional: float_as_int fails, so bool_type. */
		{ "18446744073709551615", type, "bool_type", "18446744073709551615", "int" },
		{ "1.5", type, "bool_type", "1.5", "float" },
		{ "1e300", type, "bool_type", "1e+300", "float" },
		{ "null", type, "bool_type", "None", "NoneType" },
		{ "[]", type, "bool_type", "[]", "list" },
		{ "{\"a\": true}", type, "bool_type", "{'a': True}", "dict" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf line = BUF_INIT;
		buf_printf(&line, "%s [type=%s, input_value=%s, input_type=%s]", cases[i].msg,
			   cases[i].type, cases[i].repr, cases[i].tname);
		assert_one_error("is_published", cases[i].value, "is_published", line.data, cases[i].type);
		buf_free(&line);
	}
}
END_TEST

START_TEST(test_list_items_that_are_not_dicts_each_get_an_error)
{
	char *json = body_with("datasource_info_list", "[1, {}, \"a\", null]");
	assert_message(json,
		       "3 validation errors for PipelineRunApiEntity\n"
		       "datasource_info_list.0\n"
		       "  Input should be a valid dictionary [type=dict_type, input_value=1, input_type=int]\n"
		       URL "dict_type\n"
		       "datasource_info_list.2\n"
		       "  Input should be a valid dictionary [type=dict_type, input_value='a', input_type=str]\n"
		       URL "dict_type\n"
		       "datasource_info_list.3\n"
		       "  Input should be a valid dictionary [type=dict_type, input_value=None, input_type=NoneType]\n"
		       URL "dict_type");
	free(json);
	assert_one_error("datasource_info_list", "{}", "datasource_info_list",
			 "Input should be a valid list [type=list_type, input_value={}, input_type=dict]",
			 "list_type");
	assert_one_error("inputs", "[]", "inputs",
			 "Input should be a valid dictionary [type=dict_type, input_value=[], input_type=list]",
			 "dict_type");
}
END_TEST

START_TEST(test_errors_past_a_thousand_are_counted_not_listed)
{
	struct buf list = BUF_INIT;
	buf_putc(&list, '[');
	for (int i = 0; i < 5000; i++)
		buf_puts(&list, i ? ",1" : "1");
	buf_putc(&list, ']');
	char *json = body_with("datasource_info_list", list.data);
	char *got = validate(json, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strncmp(got, "5000 validation errors for PipelineRunApiEntity\n", 48) == 0, "%.60s", got);
	ck_assert_ptr_nonnull(strstr(got, "\ndatasource_info_list.999\n"));
	ck_assert_ptr_null(strstr(got, "datasource_info_list.1000"));
	const char *tail = URL "dict_type\n(dify-mock lists the first 1000 of 5000 errors; Dify lists them all)";
	ck_assert_str_eq(got + strlen(got) - strlen(tail), tail);
	ck_assert_uint_lt(strlen(got), 200u * 1000);
	free(got);
	free(json);
	buf_free(&list);
}
END_TEST

START_TEST(test_errors_follow_field_order_not_body_order)
{
	assert_message("{\"response_mode\": 1, \"is_published\": \"x\", \"inputs\": {}, "
		       "\"datasource_type\": \"d\", \"datasource_info_list\": [], \"start_node_id\": \"s\"}",
		       "2 validation errors for PipelineRunApiEntity\n"
		       "is_published\n"
		       "  Input should be a valid boolean, unable to interpret input "
		       "[type=bool_parsing, input_value='x', input_type=str]\n" URL "bool_parsing\n"
		       "response_mode\n"
		       "  Input should be a valid string [type=string_type, input_value=1, input_type=int]\n"
		       URL "string_type");
}
END_TEST

START_TEST(test_long_input_value_is_truncated)
{
	/* start_node_id missing: input_value is the whole body, cut to 25 + ... + 24. */
	assert_message("{\"inputs\": {\"query\": \"what is the weather like today in Paris?\"}}",
		       "5 validation errors for PipelineRunApiEntity\n"
		       "datasource_type\n"
		       "  Field required [type=missing, input_value={'inputs': {'query': 'wha... like today in Paris?'}}, input_type=dict]\n"
		       URL "missing\n"
		       "datasource_info_list\n"
		       "  Field required [type=missing, input_value={'inputs': {'query': 'wha... like today in Paris?'}}, input_type=dict]\n"
		       URL "missing\n"
		       "start_node_id\n"
		       "  Field required [type=missing, input_value={'inputs': {'query': 'wha... like today in Paris?'}}, input_type=dict]\n"
		       URL "missing\n"
		       "is_published\n"
		       "  Field required [type=missing, input_value={'inputs': {'query': 'wha... like today in Paris?'}}, input_type=dict]\n"
		       URL "missing\n"
		       "response_mode\n"
		       "  Field required [type=missing, input_value={'inputs': {'query': 'wha... like today in Paris?'}}, input_type=dict]\n"
		       URL "missing");
	assert_one_error("start_node_id", "[1111111111, 2222222222, 3333333333, 4444444444, 5555555555]",
			 "start_node_id",
			 "Input should be a valid string [type=string_type, "
			 "input_value=[1111111111, 2222222222, ... 4444444444, 5555555555], input_type=list]",
			 "string_type");
}
END_TEST

START_TEST(test_valid_body_fills_the_request)
{
	struct run_request req;
	const char *json = "{\"inputs\": {\"a\": 1}, \"datasource_type\": \"website_crawl\", "
			   "\"datasource_info_list\": [{\"url\": \"u\"}], \"start_node_id\": \"1750\", "
			   "\"is_published\": \"yes\", \"response_mode\": \"streaming\", \"extra\": 1}";
	ck_assert_ptr_null(validate(json, &req));
	ck_assert_ptr_nonnull(req.root);
	ck_assert(cJSON_IsObject(req.inputs));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(req.inputs, "a"));
	ck_assert_str_eq(req.datasource_type, "website_crawl");
	ck_assert_int_eq(cJSON_GetArraySize(req.datasource_info_list), 1);
	ck_assert_str_eq(req.start_node_id, "1750");
	ck_assert(req.is_published);
	ck_assert_str_eq(req.response_mode, "streaming");
	ck_assert(req.streaming);
	request_run_free(&req);
	ck_assert_ptr_null(req.root);
	request_run_free(&req); /* idempotent */
}
END_TEST

START_TEST(test_only_exact_streaming_streams)
{
	const char *modes[] = { "\"blocking\"", "\"Streaming\"", "\"\"", "\"streaming \"", "\"foo\"" };
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char *json = body_with("response_mode", modes[i]);
		struct run_request req;
		ck_assert_ptr_null(validate(json, &req));
		ck_assert_msg(!req.streaming, "%s", modes[i]);
		request_run_free(&req);
		free(json);
	}
}
END_TEST

static const struct pyd_field cred_fields[] = {
	{ "name", PYD_STR, true },
	{ "credential_id", PYD_STR_OR_NULL, false },
	{ "enabled", PYD_BOOL, false },
};

/* Runs pydantic_validate on JSON text for model "Cred"; returns the message
 * (heap) or NULL, filling values/bools. */
static char *validate_cred(const char *json, const cJSON **values, bool *bools, cJSON **root)
{
	ck_assert_int_eq(json_parse(json, strlen(json), root, NULL, 0), 0);
	struct dm_error e = DM_ERROR_INIT;
	if (pydantic_validate(*root, "Cred", cred_fields, 3, values, bools, &e) == 0)
		return NULL;
	ck_assert_uint_eq(e.status, 400);
	char *msg = e.message;
	e.message = NULL;
	dm_error_clear(&e);
	return msg;
}

START_TEST(test_str_or_null_accepts_absent_and_null_but_not_numbers)
{
	const cJSON *v[3];
	bool b[3];
	cJSON *root;
	ck_assert_ptr_null(validate_cred("{\"name\": \"n\"}", v, b, &root));
	ck_assert_str_eq(v[0]->valuestring, "n");
	ck_assert_ptr_null(v[1]);
	ck_assert_ptr_null(v[2]);
	ck_assert(!b[2]);
	cJSON_Delete(root);

	ck_assert_ptr_null(validate_cred("{\"name\": \"n\", \"credential_id\": null, \"enabled\": 1}", v, b, &root));
	ck_assert_ptr_null(v[1]);
	ck_assert(b[2]);
	cJSON_Delete(root);

	ck_assert_ptr_null(validate_cred("{\"name\": \"n\", \"credential_id\": \"c\"}", v, b, &root));
	ck_assert_str_eq(v[1]->valuestring, "c");
	cJSON_Delete(root);

	char *msg = validate_cred("{\"name\": \"n\", \"credential_id\": 7}", v, b, &root);
	ck_assert_str_eq(msg, "1 validation error for Cred\ncredential_id\n"
			      "  Input should be a valid string [type=string_type, input_value=7, input_type=int]\n"
			 URL "string_type");
	ck_assert_ptr_null(v[0]); /* nothing is handed out on failure */
	free(msg);
	cJSON_Delete(root);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("pipeline_run");
	tcase_add_test(tc, test_empty_object_reports_six_missing_fields_in_model_order);
	tcase_add_test(tc, test_empty_object_wire_body_is_ujson);
	tcase_add_test(tc, test_falsy_bodies_validate_as_empty_object);
	tcase_add_test(tc, test_non_object_body_is_one_model_type_error_without_loc);
	tcase_add_test(tc, test_list_body_wire_body_escapes_slashes);
	tcase_add_test(tc, test_start_node_id_number_is_not_coerced);
	tcase_add_test(tc, test_is_published_maybe_is_bool_parsing);
	tcase_add_test(tc, test_is_published_accepts_lax_bools);
	tcase_add_test(tc, test_is_published_rejects_other_values_with_pydantic_types);
	tcase_add_test(tc, test_list_items_that_are_not_dicts_each_get_an_error);
	tcase_add_test(tc, test_errors_past_a_thousand_are_counted_not_listed);
	tcase_add_test(tc, test_errors_follow_field_order_not_body_order);
	tcase_add_test(tc, test_long_input_value_is_truncated);
	tcase_add_test(tc, test_valid_body_fills_the_request);
	tcase_add_test(tc, test_only_exact_streaming_streams);
	tcase_add_test(tc, test_str_or_null_accepts_absent_and_null_but_not_numbers);
	suite_add_tcase(s, tc);
	return s;
}
