/* test-truncate.c -- Dify's VariableTruncator (truncate.h): the size
 * estimate, then truncate_variable_mapping case by case. Each expected
 * answer is what Dify 1.13.3's variable_truncator.py returns for the same
 * mapping and limits (checked against it, also over thousands of random
 * mappings, while this module was written). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "truncate.h"

/* ---- helpers ---- */

static cJSON *parse(const char *text)
{
	cJSON *v = NULL;
	ck_assert_msg(json_parse(text, strlen(text), &v, NULL, 0) == 0, "bad test JSON: %s", text);
	return v;
}

static long long size_of(const char *text)
{
	cJSON *v = parse(text);
	long long n = truncate_json_size(v);
	cJSON_Delete(v);
	return n;
}

/* truncate_mapping(in) under lim must give want (orjson bytes) and flag. */
static void check_cut(struct truncate_limits lim, const char *in, const char *want, bool flag)
{
	cJSON *v = parse(in);
	bool got_flag = truncate_mapping(v, &lim);
	char *got = json_print(v, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	ck_assert_msg(got_flag == flag, "truncated flag %d for %s", got_flag, in);
	free(got);
	cJSON_Delete(v);
}

/* {"key": <n times c>} */
static char *mapping_of_repeated(const char *key, const char *c, size_t n)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"%s\":\"", key);
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, c);
	buf_puts(&b, "\"}");
	return buf_steal(&b, NULL);
}

static const struct truncate_limits small = { 13, 10, 5 }; /* {"k": ...}: the value's budget is 10 */

/* ---- sizes ---- */

START_TEST(test_truncate_sizes_strings_by_characters_plus_quotes)
{
	ck_assert_int_eq(size_of("\"hello\""), 7);
	ck_assert_int_eq(size_of("\"\""), 2);
	ck_assert_int_eq(size_of("\"\xe4\xbd\xa0\xe5\xa5\xbd\""), 4); /* two characters, six bytes */
	ck_assert_int_eq(size_of("\"\\ud83d\\ude00\""), 3);             /* one character outside the BMP */
}
END_TEST

START_TEST(test_truncate_sizes_numbers_as_python_str)
{
	ck_assert_int_eq(size_of("123"), 3);
	ck_assert_int_eq(size_of("-456"), 4);
	ck_assert_int_eq(size_of("0"), 1);
	ck_assert_int_eq(size_of("-0"), 1);      /* the int 0 */
	ck_assert_int_eq(size_of("12.34"), 5);
	ck_assert_int_eq(size_of("1.0"), 3);
	ck_assert_int_eq(size_of("-0.0"), 4);
	ck_assert_int_eq(size_of("1e16"), 5);    /* "1e+16" */
	ck_assert_int_eq(size_of("1.5e-7"), 7);  /* "1.5e-07" */
}
END_TEST

START_TEST(test_truncate_sizes_literals_and_containers)
{
	ck_assert_int_eq(size_of("true"), 4);
	ck_assert_int_eq(size_of("false"), 5);
	ck_assert_int_eq(size_of("null"), 4);
	ck_assert_int_eq(size_of("[]"), 2);
	ck_assert_int_eq(size_of("[1,2,3]"), 7);
	ck_assert_int_eq(size_of("[\"a\",\"b\"]"), 9);
	ck_assert_int_eq(size_of("{}"), 2);
	ck_assert_int_eq(size_of("{\"a\":1}"), 7);
	ck_assert_int_eq(size_of("{\"a\":1,\"b\":2}"), 13);
}
END_TEST

/* ---- strings ---- */

START_TEST(test_truncate_cuts_a_string_to_its_budget_less_five_then_dots)
{
	check_cut(small, "{\"k\":\"this is a very long string that exceeds the limit\"}", "{\"k\":\"this ...\"}", true);
	check_cut(small, "{\"k\":\"hello\"}", "{\"k\":\"hello\"}", false);
}
END_TEST

START_TEST(test_truncate_cuts_a_string_whose_size_equals_its_budget)
{
	check_cut(small, "{\"k\":\"12345678\"}", "{\"k\":\"12345...\"}", true); /* size 10, budget 10 */
	check_cut(small, "{\"k\":\"1234567\"}", "{\"k\":\"1234567\"}", false);  /* size 9 */
}
END_TEST

START_TEST(test_truncate_leaves_only_dots_under_a_budget_of_five)
{
	check_cut((struct truncate_limits){ 5, 10, 5 }, "{\"k\":\"abc\"}", "{\"k\":\"...\"}", true);
}
END_TEST

START_TEST(test_truncate_counts_and_cuts_characters_not_bytes)
{
	char *in = mapping_of_repeated("k", "\xc3\xa9", 11); /* 11 x é */
	check_cut(small, in, "{\"k\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...\"}", true);
	free(in);
}
END_TEST

START_TEST(test_truncate_caps_a_cut_at_the_string_length)
{
	/* The case: a 1.1 MB item. Its budget is about 1 MB, but a cut
	 * keeps 100,000 characters only. */
	char *in = mapping_of_repeated("content", "a", 1100000);
	cJSON *v = parse(in);
	ck_assert(truncate_mapping(v, &truncate_dify_limits));
	const char *s = json_get(v, "content")->valuestring;
	ck_assert_uint_eq(strlen(s), 100003);
	ck_assert_str_eq(s + 100000, "...");
	cJSON_Delete(v);
	free(in);
	/* Longer than 100,000 characters but within its budget: whole. */
	in = mapping_of_repeated("content", "a", 150000);
	v = parse(in);
	ck_assert(!truncate_mapping(v, &truncate_dify_limits));
	ck_assert_uint_eq(strlen(json_get(v, "content")->valuestring), 150000);
	cJSON_Delete(v);
	free(in);
}
END_TEST

/* ---- arrays ---- */

START_TEST(test_truncate_keeps_array_length_items)
{
	check_cut((struct truncate_limits){ 1000, 10, 3 }, "{\"a\":[1,2,3,4,5,6]}", "{\"a\":[1,2,3]}", true);
	check_cut((struct truncate_limits){ 1000, 10, 3 }, "{\"a\":[1,2,3]}", "{\"a\":[1,2,3]}", false);
}
END_TEST

START_TEST(test_truncate_reports_an_array_cut_for_size_by_its_last_item)
{
	/* Dify's flag is the last kept item's: numbers are never cut, so an
	 * array shortened for its size alone says false... */
	const struct truncate_limits lim = { 20, 10, 100 };
	check_cut(lim, "{\"a\":[1000,1000,1000,1000,1000]}", "{\"a\":[1000,1000,1000,1000]}", false);
	/* ...and one whose last kept item was cut says true. */
	check_cut(lim, "{\"a\":[\"xxxxxxxx\",\"xxxxxxxx\",\"xxxxxxxx\"]}", "{\"a\":[\"xxxxxxxx\",\"...\"]}", true);
}
END_TEST

/* ---- objects ---- */

START_TEST(test_truncate_sorts_nested_objects_but_not_the_mapping)
{
	check_cut(truncate_dify_limits, "{\"z\":{\"b\":1,\"a\":{\"d\":2,\"c\":3}},\"a\":0,\"l\":[{\"y\":1,\"x\":2}]}",
		  "{\"z\":{\"a\":{\"c\":3,\"d\":2},\"b\":1},\"a\":0,\"l\":[{\"x\":2,\"y\":1}]}", false);
}
END_TEST

START_TEST(test_truncate_drops_keys_once_their_share_is_zero)
{
	check_cut((struct truncate_limits){ 30, 10, 5 },
		  "{\"o\":{\"key03\":\"value3\",\"key01\":\"value1\",\"key00\":\"value0\",\"key02\":\"value2\"}}",
		  "{\"o\":{\"key00\":\"...\",\"key01\":\"...\"}}", true);
}
END_TEST

START_TEST(test_truncate_gives_keys_past_the_budget_dots)
{
	check_cut((struct truncate_limits){ 8, 10, 5 }, "{\"aaaa\":1,\"bbbbbbbbbb\":{\"c\":[1]}}",
		  "{\"aaaa\":1,\"bbbbbbbbbb\":\"...\"}", true);
}
END_TEST

START_TEST(test_truncate_never_cuts_numbers_booleans_or_null)
{
	check_cut(truncate_dify_limits, "{\"n\":[1.0,1e16,-0.0,12.34,true,null]}", "{\"n\":[1.0,1e16,-0.0,12.34,true,null]}",
		  false);
}
END_TEST

START_TEST(test_truncate_leaves_empty_and_non_mappings_alone)
{
	check_cut(truncate_dify_limits, "{}", "{}", false);
	check_cut((struct truncate_limits){ 4, 4, 1 }, "[\"a long string\",2,3]", "[\"a long string\",2,3]", false);
	check_cut((struct truncate_limits){ 4, 4, 1 }, "\"a long string\"", "\"a long string\"", false);
	ck_assert(!truncate_mapping(NULL, &truncate_dify_limits));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("truncate");
	TCase *tc = tcase_create("sizes");
	tcase_add_test(tc, test_truncate_sizes_strings_by_characters_plus_quotes);
	tcase_add_test(tc, test_truncate_sizes_numbers_as_python_str);
	tcase_add_test(tc, test_truncate_sizes_literals_and_containers);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, test_truncate_cuts_a_string_to_its_budget_less_five_then_dots);
	tcase_add_test(tc, test_truncate_cuts_a_string_whose_size_equals_its_budget);
	tcase_add_test(tc, test_truncate_leaves_only_dots_under_a_budget_of_five);
	tcase_add_test(tc, test_truncate_counts_and_cuts_characters_not_bytes);
	tcase_add_test(tc, test_truncate_caps_a_cut_at_the_string_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("arrays");
	tcase_add_test(tc, test_truncate_keeps_array_length_items);
	tcase_add_test(tc, test_truncate_reports_an_array_cut_for_size_by_its_last_item);
	suite_add_tcase(s, tc);

	tc = tcase_create("objects");
	tcase_add_test(tc, test_truncate_sorts_nested_objects_but_not_the_mapping);
	tcase_add_test(tc, test_truncate_drops_keys_once_their_share_is_zero);
	tcase_add_test(tc, test_truncate_gives_keys_past_the_budget_dots);
	tcase_add_test(tc, test_truncate_never_cuts_numbers_booleans_or_null);
	tcase_add_test(tc, test_truncate_leaves_empty_and_non_mappings_alone);
	suite_add_tcase(s, tc);
	return s;
}
