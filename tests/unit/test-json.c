/* test-json.c -- the orjson-compatible parser and the three writer styles. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Parses s, which must be valid, and returns it re-serialized (heap). */
static char *roundtrip(const char *s, enum json_style style)
{
	cJSON *root;
	char err[128];
	int rc = json_parse(s, strlen(s), &root, err, sizeof err);
	ck_assert_msg(rc == 0, "parse of %s failed: %s", s, err);
	char *out = json_print(root, style, NULL);
	cJSON_Delete(root);
	return out;
}

static void assert_roundtrip(const char *in, enum json_style style, const char *want)
{
	char *got = roundtrip(in, style);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Asserts that buf[0..len) is rejected and that no tree leaks out. */
static void assert_rejected_n(const char *buf, size_t len)
{
	cJSON *root = (cJSON *)1;
	char err[128];
	ck_assert_int_eq(json_parse(buf, len, &root, err, sizeof err), -1);
	ck_assert_ptr_null(root);
	ck_assert_msg(strncmp(err, "line ", 5) == 0, "error text: %s", err);
}

static void assert_rejected(const char *s)
{
	assert_rejected_n(s, strlen(s));
}

static void assert_error(const char *s, const char *want)
{
	cJSON *root;
	char err[128];
	ck_assert_int_eq(json_parse(s, strlen(s), &root, err, sizeof err), -1);
	ck_assert_str_eq(err, want);
}

START_TEST(test_parse_keeps_big_integers_exact)
{
	assert_roundtrip("[18446744073709551615,-9223372036854775808,9007199254740993]", JSON_ORJSON,
			 "[18446744073709551615,-9223372036854775808,9007199254740993]");
}
END_TEST

START_TEST(test_parse_rejects_integers_outside_i64_u64)
{
	assert_rejected("18446744073709551616");
	assert_rejected("-9223372036854775809");
	assert_rejected("[100000000000000000000000]");
	/* The same magnitudes are fine as floats. */
	assert_roundtrip("18446744073709551616.0", JSON_ORJSON, "1.8446744073709552e19");
	assert_roundtrip("1e20", JSON_ORJSON, "1e20");
}
END_TEST

START_TEST(test_parse_writes_negative_zero_int_as_zero)
{
	assert_roundtrip("[-0,-0.0,0]", JSON_ORJSON, "[0,-0.0,0]");
	/* Only "-0" is rewritten: other two-character ints keep their text. */
	assert_roundtrip("[10,50,-1,-9,99]", JSON_ORJSON, "[10,50,-1,-9,99]");
}
END_TEST

START_TEST(test_parse_tags_floats_and_keeps_literals)
{
	cJSON *root;
	const char *s = "[1, 1.0, 1E2, 1.50]";
	ck_assert_int_eq(json_parse(s, strlen(s), &root, NULL, 0), 0);
	const cJSON *a = cJSON_GetArrayItem(root, 0), *b = cJSON_GetArrayItem(root, 1);
	const cJSON *c = cJSON_GetArrayItem(root, 2), *d = cJSON_GetArrayItem(root, 3);
	ck_assert(!json_is_float(a));
	ck_assert(json_is_float(b) && json_is_float(c) && json_is_float(d));
	ck_assert(cJSON_IsNumber(b));
	ck_assert_str_eq(d->valuestring, "1.50");
	ck_assert_double_eq(c->valuedouble, 100.0);
	cJSON_Delete(root);
	assert_roundtrip(s, JSON_ORJSON, "[1,1.0,100.0,1.5]");
}
END_TEST

START_TEST(test_parse_merges_duplicate_keys_first_position_last_value)
{
	assert_roundtrip("{\"a\":1,\"b\":2,\"a\":{\"x\":[3]},\"c\":4,\"b\":5}", JSON_ORJSON,
			 "{\"a\":{\"x\":[3]},\"b\":5,\"c\":4}");
	assert_roundtrip("{\"a\":1,\"a\":2}", JSON_ORJSON, "{\"a\":2}");
	/* Keys compare exactly: case differs, so both stay. */
	assert_roundtrip("{\"a\":1,\"A\":2}", JSON_ORJSON, "{\"a\":1,\"A\":2}");
}
END_TEST

START_TEST(test_parse_merges_duplicate_keys_in_large_objects)
{
	/* Past the size where members get a hash index: k0..k99 twice. */
	struct buf in = BUF_INIT, want = BUF_INIT;
	buf_putc(&in, '{');
	buf_putc(&want, '{');
	for (int i = 0; i < 200; i++)
		buf_printf(&in, "%s\"k%d\":%d", i ? "," : "", i % 100, i);
	for (int i = 0; i < 100; i++)
		buf_printf(&want, "%s\"k%d\":%d", i ? "," : "", i, i + 100);
	buf_putc(&in, '}');
	buf_putc(&want, '}');
	assert_roundtrip(in.data, JSON_ORJSON, want.data);
	buf_free(&in);
	buf_free(&want);
}
END_TEST

START_TEST(test_parse_rejects_invalid_utf8)
{
	assert_rejected("\"\xc0\xaf\"");         /* overlong '/' */
	assert_rejected("\"\xe0\x80\xaf\"");     /* overlong, 3 bytes */
	assert_rejected("\"\xed\xa0\x80\"");     /* UTF-8-encoded surrogate */
	assert_rejected("\"\xf4\x90\x80\x80\""); /* above U+10FFFF */
	assert_rejected("\"\xe2\x82\"");         /* truncated sequence */
	assert_rejected("\"\x80\"");             /* stray continuation */
	assert_rejected("\"\xff\"");
	assert_rejected("[1]\xc3\xa9");           /* non-ASCII outside a string */
	assert_roundtrip("\"\xf4\x8f\xbf\xbf\xc3\xa9\"", JSON_ORJSON, "\"\xf4\x8f\xbf\xbf\xc3\xa9\"");
}
END_TEST

START_TEST(test_parse_rejects_lone_surrogate)
{
	assert_rejected("\"\\ud800\"");
	assert_rejected("\"\\udc00\"");
	assert_rejected("\"\\ud800x\"");
	assert_rejected("\"\\ud800\\u0041\"");
	assert_rejected("\"\\ud800\\ud800\"");
	assert_error("\"ab\\udc00\"", "line 1 column 10: lone surrogate in \\u escape");
}
END_TEST

START_TEST(test_parse_combines_surrogate_pairs_and_decodes_escapes)
{
	assert_roundtrip("\"\\ud83d\\ude00\\u00E9\\/\\b\\f\\n\\r\\t\\\"\\\\\"", JSON_ORJSON,
			 "\"\xf0\x9f\x98\x80\xc3\xa9/\\b\\f\\n\\r\\t\\\"\\\\\"");
}
END_TEST

START_TEST(test_parse_truncates_string_at_escaped_nul)
{
	assert_roundtrip("[\"ab\\u0000cd\"]", JSON_ORJSON, "[\"ab\"]");
}
END_TEST

START_TEST(test_parse_rejects_raw_control_characters_in_strings)
{
	assert_rejected("\"a\tb\"");
	assert_rejected("\"a\nb\"");
	assert_rejected_n("\"a\0b\"", 5);
	/* DEL is not a control character for JSON. */
	assert_roundtrip("\"\x7f\"", JSON_ORJSON, "\"\x7f\"");
}
END_TEST

START_TEST(test_parse_rejects_bad_escapes)
{
	assert_rejected("\"\\x41\"");
	assert_rejected("\"\\u12\"");
	assert_rejected("\"\\u12G4\"");
	assert_rejected("\"\\'\"");
	assert_rejected("\"abc");
	assert_rejected("\"abc\\");
}
END_TEST

START_TEST(test_parse_rejects_non_rfc_numbers)
{
	const char *bad[] = { "01", "-01", "+1", "1.", ".5", "-", "1e", "1e+", "1.e5", "NaN", "Infinity",
			      "-Infinity", "0x10", "1e400", "-1e400", "[1,]", "--1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_rejected(bad[i]);
	assert_roundtrip("[0,-0.5,1e5,1E-2,2e+3]", JSON_ORJSON, "[0,-0.5,100000.0,0.01,2000.0]");
}
END_TEST

START_TEST(test_parse_rejects_structural_errors)
{
	const char *bad[] = { "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[1 2]", "{\"a\":1", "[", "tru",
			      "nul", "True", "'a'", "{\"a\":1}}", "[1] x", "[1][2]" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_rejected(bad[i]);
}
END_TEST

START_TEST(test_parse_rejects_empty_input_and_foreign_whitespace)
{
	assert_rejected_n("", 0);
	assert_rejected(" \t\r\n");
	assert_rejected("\f1");
	assert_rejected("1\v");
	assert_rejected("\xc2\xa0" "1"); /* NBSP */
	assert_roundtrip(" \t\r\n[ 1 , { \"a\" : true } ]\n ", JSON_ORJSON, "[1,{\"a\":true}]");
}
END_TEST

START_TEST(test_parse_error_reports_line_and_column)
{
	assert_error("{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3 column 7: expected ':'");
	assert_error("[1,\n2,]", "line 2 column 3: expected value");
	assert_error("", "line 1 column 1: unexpected end of input");
	assert_error("1 2", "line 1 column 3: trailing data after JSON value");
}
END_TEST

/* n nested arrays around a 0. */
static char *nested(int n)
{
	char *s = malloc((size_t)n * 2 + 2);
	memset(s, '[', (size_t)n);
	s[n] = '0';
	memset(s + n + 1, ']', (size_t)n);
	s[2 * n + 1] = '\0';
	return s;
}

START_TEST(test_parse_rejects_10000_deep_nesting)
{
	char *s = nested(10000);
	assert_rejected(s);
	free(s);
	/* Unclosed, so the limit, not the missing brackets, must stop it. */
	s = malloc(100001);
	memset(s, '{', 100000);
	s[100000] = '\0';
	assert_rejected(s);
	free(s);
}
END_TEST

START_TEST(test_parse_accepts_exactly_max_depth)
{
	cJSON *root;
	char *s = nested(JSON_MAX_DEPTH);
	ck_assert_int_eq(json_parse(s, strlen(s), &root, NULL, 0), 0);
	cJSON_Delete(root);
	free(s);
	s = nested(JSON_MAX_DEPTH + 1);
	assert_error(s, "line 1 column 1001: nesting too deep");
	free(s);
}
END_TEST

static void assert_float(double v, const char *want)
{
	struct buf b = BUF_INIT;
	json_format_float(&b, v);
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
}

START_TEST(test_format_float_matches_python_repr)
{
	assert_float(0.1, "0.1");
	assert_float(1.0, "1.0");
	assert_float(1e-05, "1e-05");
	assert_float(0.0001, "0.0001");
	assert_float(123456789012345678.0, "1.2345678901234568e+17");
	assert_float(1e16, "1e+16");
	assert_float(1e15, "1000000000000000.0");
	assert_float(9999999999999998.0, "9999999999999998.0");
	assert_float(1.5e300, "1.5e+300");
	assert_float(0.052114, "0.052114");
	assert_float(-0.0, "-0.0");
	assert_float(0.0, "0.0");
	assert_float(-2.5, "-2.5");
	assert_float(5e-324, "5e-324");
	assert_float(1.7976931348623157e308, "1.7976931348623157e+308");
	assert_float(0.1 + 0.2, "0.30000000000000004");
	assert_float(1.0 / 3, "0.3333333333333333");
	assert_float(2.5e-7, "2.5e-07");
	assert_float(INFINITY, "inf");
	assert_float(-INFINITY, "-inf");
	assert_float(NAN, "nan");
}
END_TEST

START_TEST(test_write_nonfinite_floats_per_style)
{
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, json_float(INFINITY));
	cJSON_AddItemToArray(arr, json_float(-INFINITY));
	cJSON_AddItemToArray(arr, json_float(NAN));
	char *s = json_print(arr, JSON_PYDUMPS, NULL);
	ck_assert_str_eq(s, "[Infinity, -Infinity, NaN]");
	free(s);
	s = json_print(arr, JSON_ORJSON, NULL);
	ck_assert_str_eq(s, "[null,null,null]");
	free(s);
	cJSON_Delete(arr);
}
END_TEST

START_TEST(test_write_ujson_floats_have_unpadded_exponents)
{
	assert_roundtrip("[1e-5,1e16,1.5e300,2.5e-7,0.1,1.0]", JSON_UJSON,
			 "[1e-5,1e+16,1.5e+300,2.5e-7,0.1,1.0]");
	assert_roundtrip("[1e-5,1e16]", JSON_PYDUMPS, "[1e-05, 1e+16]");
}
END_TEST

/* orjson.dumps' bytes, checked against orjson 3 when written. */
START_TEST(test_write_orjson_floats_as_orjson_writes_them)
{
	assert_roundtrip("[1e-5,-1e-5,1.234e-5,1e-6,2.5e-7,1e-4,0.000123,1e15,1e16,1.5e16,1.2345678901234568e17,"
			 "1e22,1.5e300,5e-324,9.223372036854776e18,0.1,1.0,-0.0,100.0]",
			 JSON_ORJSON,
			 "[0.00001,-0.00001,0.00001234,1e-6,2.5e-7,0.0001,0.000123,1000000000000000.0,1e16,1.5e16,"
			 "1.2345678901234568e17,1e22,1.5e300,5e-324,9.223372036854776e18,0.1,1.0,-0.0,100.0]");
}
END_TEST

/* "/", "é", "😀", "\n", U+001F, DEL and the two always-escaped characters. */
static const char special[] = "a/\xc3\xa9\xf0\x9f\x98\x80\n\x1f\x7f\"\\";

/* The writer finds the end of an unescaped run eight bytes at a time: a
 * special byte at every offset of strings from 1 to 40 bytes (whole words,
 * the tail, the boundary between them), alone or next to a second one, in
 * every style, must come out as the byte-at-a-time escape would. */
static const struct {
	const char *in;
	const char *out[3]; /* JSON_UJSON, JSON_PYDUMPS, JSON_ORJSON */
} escapes[] = {
	{ "\"", { "\\\"", "\\\"", "\\\"" } },
	{ "\\", { "\\\\", "\\\\", "\\\\" } },
	{ "/", { "\\/", "/", "/" } },
	{ "\x7f", { "\x7f", "\\u007f", "\x7f" } },
	{ "\x01", { "\\u0001", "\\u0001", "\\u0001" } },
	{ "\x1f", { "\\u001f", "\\u001f", "\\u001f" } },
	{ "\n", { "\\n", "\\n", "\\n" } },
	{ "\xc3\xa9", { "\\u00e9", "\\u00e9", "\xc3\xa9" } },
	{ " ", { " ", " ", " " } },
	{ "~", { "~", "~", "~" } },
};

static void put_escaped(struct buf *want, const char *c, size_t style)
{
	for (size_t e = 0; e < sizeof escapes / sizeof escapes[0]; e++)
		if (!strcmp(escapes[e].in, c))
			buf_puts(want, escapes[e].out[style]);
}

START_TEST(test_write_string_escapes_a_special_byte_at_every_offset)
{
	static const enum json_style styles[] = { JSON_UJSON, JSON_PYDUMPS, JSON_ORJSON };
	for (size_t st = 0; st < 3; st++) {
		for (size_t e = 0; e < sizeof escapes / sizeof escapes[0]; e++) {
			const char *c = escapes[e].in;
			size_t clen = strlen(c);
			for (size_t len = 1; len <= 40; len++) {
				for (size_t at = 0; at + clen <= len; at++) {
					for (int second = 0; second < 2; second++) {
						/* "x" * len with c at `at`, and with a second one
						 * right after it when there is room. */
						char in[48];
						memset(in, 'x', len);
						memcpy(in + at, c, clen);
						bool two = second && at + 2 * clen <= len;
						if (second && !two)
							continue;
						if (two)
							memcpy(in + at + clen, c, clen);
						struct buf want = BUF_INIT, got = BUF_INIT;
						buf_putc(&want, '"');
						for (size_t i = 0; i < at; i++)
							buf_putc(&want, 'x');
						put_escaped(&want, c, st);
						if (two)
							put_escaped(&want, c, st);
						for (size_t i = at + clen * (two ? 2 : 1); i < len; i++)
							buf_putc(&want, 'x');
						buf_putc(&want, '"');
						json_write_string(&got, in, len, styles[st]);
						ck_assert_msg(!strcmp(got.data, want.data),
							      "style %zu, len %zu, %zu at %zu: %s, want %s", st, len,
							      e, at, got.data, want.data);
						buf_free(&want);
						buf_free(&got);
					}
				}
			}
		}
	}
}
END_TEST

START_TEST(test_write_string_ujson_escapes_slash_and_non_ascii)
{
	struct buf b = BUF_INIT;
	json_write_string(&b, special, strlen(special), JSON_UJSON);
	ck_assert_str_eq(b.data, "\"a\\/\\u00e9\\ud83d\\ude00\\n\\u001f\x7f\\\"\\\\\"");
	buf_free(&b);
}
END_TEST

START_TEST(test_write_string_pydumps_escapes_non_ascii_and_del)
{
	struct buf b = BUF_INIT;
	json_write_string(&b, special, strlen(special), JSON_PYDUMPS);
	ck_assert_str_eq(b.data, "\"a/\\u00e9\\ud83d\\ude00\\n\\u001f\\u007f\\\"\\\\\"");
	buf_free(&b);
}
END_TEST

START_TEST(test_write_string_orjson_keeps_utf8_raw)
{
	struct buf b = BUF_INIT;
	json_write_string(&b, special, strlen(special), JSON_ORJSON);
	ck_assert_str_eq(b.data, "\"a/\xc3\xa9\xf0\x9f\x98\x80\\n\\u001f\x7f\\\"\\\\\"");
	buf_free(&b);
}
END_TEST

START_TEST(test_write_string_escapes_control_characters)
{
	struct buf b = BUF_INIT;
	json_write_string(&b, "\0\x01\b\t\n\x0b\f\r\x1b", 9, JSON_ORJSON);
	ck_assert_str_eq(b.data, "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001b\"");
	buf_free(&b);
}
END_TEST

START_TEST(test_write_separators_per_style)
{
	const char *in = "{\"k\":[1,\"x\",null,true,false,{},[]],\"e\":{}}";
	assert_roundtrip(in, JSON_UJSON, "{\"k\":[1,\"x\",null,true,false,{},[]],\"e\":{}}");
	assert_roundtrip(in, JSON_ORJSON, "{\"k\":[1,\"x\",null,true,false,{},[]],\"e\":{}}");
	assert_roundtrip(in, JSON_PYDUMPS,
			 "{\"k\": [1, \"x\", null, true, false, {}, []], \"e\": {}}");
	assert_roundtrip("{\"a/\xc3\xa9\":1}", JSON_UJSON, "{\"a\\/\\u00e9\":1}");
}
END_TEST

START_TEST(test_write_raw_nodes_verbatim)
{
	cJSON *obj = cJSON_CreateObject();
	cJSON_AddItemToObject(obj, "r", cJSON_CreateRaw("{\"pre\": 1}"));
	char *s = json_print(obj, JSON_PYDUMPS, NULL);
	ck_assert_str_eq(s, "{\"r\": {\"pre\": 1}}");
	free(s);
	cJSON_Delete(obj);
}
END_TEST

START_TEST(test_builders_keep_python_types)
{
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, json_int(-9223372036854775807LL - 1));
	cJSON_AddItemToArray(arr, json_int(42));
	cJSON_AddItemToArray(arr, json_float(3.0));
	cJSON_AddItemToArray(arr, cJSON_CreateNumber(7));
	ck_assert(!json_is_float(cJSON_GetArrayItem(arr, 0)));
	ck_assert(json_is_float(cJSON_GetArrayItem(arr, 2)));
	ck_assert(!json_is_float(NULL));
	size_t len;
	char *s = json_print(arr, JSON_ORJSON, &len);
	ck_assert_str_eq(s, "[-9223372036854775808,42,3.0,7]");
	ck_assert_uint_eq(len, strlen(s));
	free(s);
	cJSON_Delete(arr);
}
END_TEST

START_TEST(test_dup_keeps_float_flag_and_literal)
{
	cJSON *root;
	const char *in = "{\"a\":[1.0,18446744073709551615,\"s\"],\"b\":null}";
	ck_assert_int_eq(json_parse(in, strlen(in), &root, NULL, 0), 0);
	cJSON *copy = json_dup(root);
	cJSON_Delete(root);
	ck_assert(json_is_float(cJSON_GetArrayItem(cJSON_GetObjectItem(copy, "a"), 0)));
	char *s = json_print(copy, JSON_ORJSON, NULL);
	ck_assert_str_eq(s, in);
	free(s);
	cJSON_Delete(copy);
	ck_assert_ptr_null(json_dup(NULL));
}
END_TEST

START_TEST(test_utf8_valid_rejects_overlongs_and_surrogates)
{
	ck_assert(json_utf8_valid("", 0));
	ck_assert(json_utf8_valid("a\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbf", 10));
	ck_assert(json_utf8_valid("a\0b", 3));
	ck_assert(!json_utf8_valid("\xc1\xbf", 2));
	ck_assert(!json_utf8_valid("\xf0\x8f\xbf\xbf", 4));
	ck_assert(!json_utf8_valid("\xed\xbf\xbf", 3));
	ck_assert(!json_utf8_valid("\xf5\x80\x80\x80", 4));
	ck_assert(!json_utf8_valid("\xc3", 1));
	ck_assert(!json_utf8_valid("\xc3\xa9", 1));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("json");
	TCase *p = tcase_create("parse");
	tcase_add_test(p, test_parse_keeps_big_integers_exact);
	tcase_add_test(p, test_parse_rejects_integers_outside_i64_u64);
	tcase_add_test(p, test_parse_writes_negative_zero_int_as_zero);
	tcase_add_test(p, test_parse_tags_floats_and_keeps_literals);
	tcase_add_test(p, test_parse_merges_duplicate_keys_first_position_last_value);
	tcase_add_test(p, test_parse_merges_duplicate_keys_in_large_objects);
	tcase_add_test(p, test_parse_rejects_invalid_utf8);
	tcase_add_test(p, test_parse_rejects_lone_surrogate);
	tcase_add_test(p, test_parse_combines_surrogate_pairs_and_decodes_escapes);
	tcase_add_test(p, test_parse_truncates_string_at_escaped_nul);
	tcase_add_test(p, test_parse_rejects_raw_control_characters_in_strings);
	tcase_add_test(p, test_parse_rejects_bad_escapes);
	tcase_add_test(p, test_parse_rejects_non_rfc_numbers);
	tcase_add_test(p, test_parse_rejects_structural_errors);
	tcase_add_test(p, test_parse_rejects_empty_input_and_foreign_whitespace);
	tcase_add_test(p, test_parse_error_reports_line_and_column);
	tcase_add_test(p, test_parse_rejects_10000_deep_nesting);
	tcase_add_test(p, test_parse_accepts_exactly_max_depth);
	suite_add_tcase(s, p);
	TCase *w = tcase_create("write");
	tcase_add_test(w, test_format_float_matches_python_repr);
	tcase_add_test(w, test_write_nonfinite_floats_per_style);
	tcase_add_test(w, test_write_ujson_floats_have_unpadded_exponents);
	tcase_add_test(w, test_write_orjson_floats_as_orjson_writes_them);
	tcase_add_test(w, test_write_string_ujson_escapes_slash_and_non_ascii);
	tcase_add_test(w, test_write_string_pydumps_escapes_non_ascii_and_del);
	tcase_add_test(w, test_write_string_orjson_keeps_utf8_raw);
	tcase_add_test(w, test_write_string_escapes_control_characters);
	tcase_add_test(w, test_write_string_escapes_a_special_byte_at_every_offset);
	tcase_add_test(w, test_write_separators_per_style);
	tcase_add_test(w, test_write_raw_nodes_verbatim);
	tcase_add_test(w, test_builders_keep_python_types);
	tcase_add_test(w, test_dup_keeps_float_flag_and_literal);
	tcase_add_test(w, test_utf8_valid_rejects_overlongs_and_surrogates);
	suite_add_tcase(s, w);
	return s;
}
