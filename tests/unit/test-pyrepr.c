/* test-pyrepr.c -- Python repr() of parsed JSON and pydantic's truncation.
 * Expected strings were produced by CPython 3.11 repr(). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pyrepr.h"

static cJSON *parse(const char *s)
{
	cJSON *root;
	char err[128];
	ck_assert_msg(json_parse(s, strlen(s), &root, err, sizeof err) == 0, "%s: %s", s, err);
	return root;
}

static void assert_str_repr(const char *s, const char *want)
{
	struct buf b = BUF_INIT;
	pyrepr_str(&b, s);
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
}

/* repr() of the Python value that JSON text `json` parses to. */
static void assert_repr(const char *json, const char *want)
{
	cJSON *root = parse(json);
	struct buf b = BUF_INIT;
	pyrepr(&b, root);
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
	cJSON_Delete(root);
}

static void assert_pydantic(const char *json, const char *want)
{
	cJSON *root = parse(json);
	struct buf b = BUF_INIT;
	pyrepr_pydantic(&b, root);
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
	cJSON_Delete(root);
}

START_TEST(test_str_repr_uses_single_quotes_by_default)
{
	assert_str_repr("abc", "'abc'");
	assert_str_repr("", "''");
	assert_str_repr("say \"hi\"", "'say \"hi\"'");
}
END_TEST

START_TEST(test_str_repr_switches_to_double_quotes_for_apostrophe)
{
	assert_str_repr("it's", "\"it's\"");
	/* Both quotes: single quotes again, the apostrophe escaped. */
	assert_str_repr("both ' and \"", "'both \\' and \"'");
}
END_TEST

START_TEST(test_str_repr_escapes_backslash_and_controls)
{
	assert_str_repr("back\\slash", "'back\\\\slash'");
	assert_str_repr("\t\n\r\x01\x1f\x7f", "'\\t\\n\\r\\x01\\x1f\\x7f'");
}
END_TEST

START_TEST(test_str_repr_escapes_non_printable_non_ascii)
{
	/* U+0080 U+009F U+00A0 U+00AD é U+2028 U+3000 😀 U+F0000 U+FEFF */
	assert_str_repr("\xc2\x80\xc2\x9f\xc2\xa0\xc2\xad\xc3\xa9\xe2\x80\xa8\xe3\x80\x80"
			"\xf0\x9f\x98\x80\xf3\xb0\x80\x80\xef\xbb\xbf",
			"'\\x80\\x9f\\xa0\\xad\xc3\xa9\\u2028\\u3000\xf0\x9f\x98\x80\\U000f0000\\ufeff'");
}
END_TEST

START_TEST(test_repr_of_containers_and_scalars)
{
	assert_repr("{\"k\": 1, \"l\": [1.5, null, true, false], \"e\": {}, \"f\": [], \"x\": 1e-5, "
		    "\"big\": 18446744073709551615}",
		    "{'k': 1, 'l': [1.5, None, True, False], 'e': {}, 'f': [], 'x': 1e-05, "
		    "'big': 18446744073709551615}");
	assert_repr("[5, 5.0, 1E2, -0, \"5\"]", "[5, 5.0, 100.0, 0, '5']");
	assert_repr("{\"it's\": \"\\u00e9\"}", "{\"it's\": '\xc3\xa9'}");
}
END_TEST

START_TEST(test_repr_of_builder_values)
{
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, json_float(INFINITY));
	cJSON_AddItemToArray(arr, json_float(NAN));
	cJSON_AddItemToArray(arr, json_int(-3));
	struct buf b = BUF_INIT;
	pyrepr(&b, arr);
	ck_assert_str_eq(b.data, "[inf, nan, -3]");
	buf_free(&b);
	cJSON_Delete(arr);
}
END_TEST

START_TEST(test_type_names)
{
	cJSON *root = parse("[{}, [], \"s\", 1, 1.0, true, false, null]");
	const char *want[] = { "dict", "list", "str", "int", "float", "bool", "bool", "NoneType" };
	int i = 0;
	for (const cJSON *c = root->child; c; c = c->next, i++)
		ck_assert_str_eq(pyrepr_type_name(c), want[i]);
	ck_assert_int_eq(i, 8);
	ck_assert_str_eq(pyrepr_type_name(NULL), "NoneType");
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_pydantic_repr_keeps_50_bytes)
{
	/* repr is exactly 50 bytes: untouched. */
	assert_pydantic("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
			"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'");
	assert_pydantic("{\"inputs\": {}, \"datasource_type\": \"local_file\"}",
			"{'inputs': {}, 'datasource_type': 'local_file'}");
}
END_TEST

START_TEST(test_pydantic_repr_truncates_past_50_bytes)
{
	/* 51 bytes: first 25, "...", last 24. */
	assert_pydantic("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
			"'xxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxx'");
	assert_pydantic("{\"datasource_type\": \"local_file\", \"inputs\": {}, "
			"\"start_node_id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
			"{'datasource_type': 'loca...xxxxxxxxxxxxxxxxxxxxxx'}");
}
END_TEST

START_TEST(test_pydantic_repr_cuts_on_character_boundaries)
{
	/* 'aéééé…' (30 é): byte 25 is inside an é, so the head shrinks to 24
	 * bytes and the tail starts at the next whole character (23 bytes). */
	struct buf in = BUF_INIT;
	buf_puts(&in, "\"a");
	for (int i = 0; i < 30; i++)
		buf_puts(&in, "\xc3\xa9");
	buf_puts(&in, "\"");
	assert_pydantic(in.data, "'a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				 "\xc3\xa9\xc3\xa9\xc3\xa9...\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'");
	buf_free(&in);
	/* Four-byte characters: 6 whole emoji fit in the head, 5 in the tail. */
	buf_puts(&in, "\"");
	for (int i = 0; i < 20; i++)
		buf_puts(&in, "\xf0\x9f\x98\x80");
	buf_puts(&in, "\"");
	assert_pydantic(in.data, "'\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
				 "\xf0\x9f\x98\x80\xf0\x9f\x98\x80...\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
				 "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80'");
	buf_free(&in);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("pyrepr");
	TCase *tc = tcase_create("repr");
	tcase_add_test(tc, test_str_repr_uses_single_quotes_by_default);
	tcase_add_test(tc, test_str_repr_switches_to_double_quotes_for_apostrophe);
	tcase_add_test(tc, test_str_repr_escapes_backslash_and_controls);
	tcase_add_test(tc, test_str_repr_escapes_non_printable_non_ascii);
	tcase_add_test(tc, test_repr_of_containers_and_scalars);
	tcase_add_test(tc, test_repr_of_builder_values);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_pydantic_repr_keeps_50_bytes);
	tcase_add_test(tc, test_pydantic_repr_truncates_past_50_bytes);
	tcase_add_test(tc, test_pydantic_repr_cuts_on_character_boundaries);
	suite_add_tcase(s, tc);
	return s;
}
