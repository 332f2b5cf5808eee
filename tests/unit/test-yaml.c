/* test-yaml.c -- YAML read as PyYAML's safe_load reads it (json_yaml.c):
 * each case is YAML in, the JSON json.dumps would write of safe_load's
 * result out (checked against PyYAML 6 when written), or the error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* yaml as orjson bytes, parsed with malloc'd nodes and into an arena. */
static void assert_yaml(const char *yaml, const char *want)
{
	cJSON *root;
	char err[256];
	ck_assert_msg(json_parse_yaml(NULL, yaml, strlen(yaml), &root, err, sizeof err) == 0, "%s: %s", yaml, err);
	char *got = json_print(root, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	free(got);
	cJSON_Delete(root);
	struct json_arena *a = json_arena_new();
	ck_assert_int_eq(json_parse_yaml(a, yaml, strlen(yaml), &root, err, sizeof err), 0);
	got = json_print(root, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	free(got);
	json_arena_free(a);
}

static void assert_yaml_error(const char *yaml, const char *want)
{
	cJSON *root = (cJSON *)1;
	char err[256];
	ck_assert_int_eq(json_parse_yaml(NULL, yaml, strlen(yaml), &root, err, sizeof err), -1);
	ck_assert_ptr_null(root);
	ck_assert_str_eq(err, want);
}

START_TEST(test_yaml_plain_scalars_resolve_as_yaml_1_1)
{
	assert_yaml("[1, -2, +3, 0x1F, 017, 0b101, 1_000, 1:30, 0o17, 09, 00]",
		    "[1,-2,3,31,15,5,1000,90,\"0o17\",\"09\",0]");
	assert_yaml("[1.5, 1., .5, -1.5e+3, 1e+5, 1.0e5, 1:30.5, .inf, -.Inf, .nan, .NaN]",
		    "[1.5,1.0,0.5,-1500.0,\"1e+5\",\"1.0e5\",90.5,null,null,null,null]");
	assert_yaml("[yes, No, ON, off, true, False, y, n, ~, null, Null, NULL, '']",
		    "[true,false,true,false,true,false,\"y\",\"n\",null,null,null,null,\"\"]");
	assert_yaml("a:\nb: 2001-12-14", "{\"a\":null,\"b\":\"2001-12-14\"}");
}
END_TEST

START_TEST(test_yaml_quoted_and_block_scalars_are_strings)
{
	assert_yaml("- '1750836391776'\n- \"true\"\n- '017'\n- |\n  line1\n  line2\n",
		    "[\"1750836391776\",\"true\",\"017\",\"line1\\nline2\\n\"]");
	assert_yaml("a: >-\n  folded\n  text\nb: \"\\u00e9\\t\"\nc: \\n\\n", "{\"a\":\"folded text\",\"b\":\"é\\t\",\"c\":\"\\\\n\\\\n\"}");
	assert_yaml("icon: 📙", "{\"icon\":\"📙\"}");
}
END_TEST

START_TEST(test_yaml_explicit_core_tags)
{
	assert_yaml("[!!int \"12\", !!str 12, !!float 3, !!bool yes, !!null '']", "[12,\"12\",3.0,true,null]");
	assert_yaml_error("a: !!int x", "line 1 column 4: cannot read x as tag:yaml.org,2002:int");
	assert_yaml_error("a: !!python/object:os.system x",
			  "line 1 column 4: could not determine a constructor for the tag "
			  "'tag:yaml.org,2002:python/object:os.system'");
}
END_TEST

START_TEST(test_yaml_keys_become_json_keys)
{
	/* a repeated key keeps its first place and its last value; keys that
	 * are not strings are written as json.dumps writes them */
	assert_yaml("a: 1\nb: 2\na: 3\n1: x\nnull: y\n1.5: z\n", "{\"a\":3,\"b\":2,\"1\":\"x\",\"null\":\"y\",\"1.5\":\"z\"}");
	assert_yaml_error("? [1, 2]\n: x\n", "line 1 column 3: found unhashable key (a sequence used as a mapping key)");
}
END_TEST

START_TEST(test_yaml_anchors_aliases_and_merge_keys)
{
	assert_yaml("base: &b {x: 1, y: [a, b]}\ncopy: *b\nmerged:\n  <<: *b\n  x: 2\n",
		    "{\"base\":{\"x\":1,\"y\":[\"a\",\"b\"]},\"copy\":{\"x\":1,\"y\":[\"a\",\"b\"]},"
		    "\"merged\":{\"x\":2,\"y\":[\"a\",\"b\"]}}");
	/* an anchored value replaced later is still what the alias copies */
	assert_yaml("k: &a v\nk: 2\nm: *a\n", "{\"k\":2,\"m\":\"v\"}");
	assert_yaml_error("a: *nope\n", "line 1 column 4: found undefined alias 'nope'");
	assert_yaml_error("a: &x [*x]\n", "line 1 column 8: recursive alias 'x' (it refers to a collection that contains it)");
}
END_TEST

START_TEST(test_yaml_alias_bombs_are_refused)
{
	struct buf y = BUF_INIT;
	buf_puts(&y, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (char c = 'b'; c <= 'j'; c++)
		buf_printf(&y, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c - 1, c - 1, c - 1,
			   c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	cJSON *root;
	char err[256];
	ck_assert_int_eq(json_parse_yaml(NULL, y.data, y.len, &root, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "aliases expand to more than 1000000 values"), "%s", err);
	buf_free(&y);
}
END_TEST

START_TEST(test_yaml_documents_and_syntax_errors)
{
	assert_yaml("", "null");
	assert_yaml("---\n- 1\n", "[1]");
	assert_yaml_error("a: 1\n---\nb: 2\n",
			  "line 2 column 1: expected a single document in the stream, but found another document");
	assert_yaml_error("a: [1\n", "line 2 column 1: while parsing a flow sequence did not find expected ',' or ']'");
	assert_yaml_error("a: b: c\n", "line 1 column 5: mapping values are not allowed in this context");
}
END_TEST

START_TEST(test_yaml_deep_nesting_is_refused)
{
	struct buf y = BUF_INIT;
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		buf_putc(&y, '[');
	cJSON *root;
	char err[256];
	ck_assert_int_eq(json_parse_yaml(NULL, y.data, y.len, &root, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "nesting too deep"), "%s", err);
	buf_free(&y);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("yaml");
	TCase *t = tcase_create("yaml");
	tcase_add_test(t, test_yaml_plain_scalars_resolve_as_yaml_1_1);
	tcase_add_test(t, test_yaml_quoted_and_block_scalars_are_strings);
	tcase_add_test(t, test_yaml_explicit_core_tags);
	tcase_add_test(t, test_yaml_keys_become_json_keys);
	tcase_add_test(t, test_yaml_anchors_aliases_and_merge_keys);
	tcase_add_test(t, test_yaml_alias_bombs_are_refused);
	tcase_add_test(t, test_yaml_documents_and_syntax_errors);
	tcase_add_test(t, test_yaml_deep_nesting_is_refused);
	suite_add_tcase(s, t);
	return s;
}
