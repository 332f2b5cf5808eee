/* test-template.c -- {{ path }} placeholders in fixture values: a string that
 * is one placeholder takes the value with its JSON type, placeholders inside
 * text become text, everything else is copied. Results are compared as
 * orjson bytes, so the type (1 vs 1.0 vs "1") and the key order count. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template.h"

static cJSON *parse(const char *text)
{
	cJSON *v;
	char err[128];
	ck_assert_msg(json_parse(text, strlen(text), &v, err, sizeof err) == 0, "%s: %s", text, err);
	return v;
}

/* The demo context: a local_file item with a nested page and a list. */
struct fixture {
	cJSON *item, *inputs;
	struct template_ctx ctx;
};

static void fixture_init(struct fixture *f)
{
	f->item = parse("{\"reference\":\"a1b2\",\"name\":\"report \\\"Q3\\\".pdf\",\"size\":48213,"
			"\"ratio\":1.5,\"whole\":2.0,\"ok\":true,\"none\":null,"
			"\"page\":{\"page_id\":\"p-1\",\"page_name\":\"Shipping docs\",\"type\":\"page\"},"
			"\"tags\":[\"x\",\"y\",{\"z\":1}]}");
	f->inputs = parse("{\"x\":\"ex\",\"max_chunk_length\":1024,\"overlap\":0.25,\"lang\":null,"
			  "\"nested\":{\"deep\":[10,20]}}");
	f->ctx = (struct template_ctx){
		.item = f->item,
		.inputs = f->inputs,
		.datasource_type = "local_file",
		.document_name = "report.pdf",
		.dataset_id = "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d",
		.dataset_name = "Demo Docs",
		.workflow_run_id = "5b1f3c2a-9e8d-4f7a-b6c5-d4e3f2a1b0c9",
		.node_id = "1750836391776",
		.node_title = "File Upload",
	};
}

static void fixture_free(struct fixture *f)
{
	cJSON_Delete(f->item);
	cJSON_Delete(f->inputs);
}

/* Renders the template given as JSON text and compares the orjson bytes. */
static void assert_render(const struct template_ctx *ctx, const char *tpl_json, const char *want)
{
	cJSON *tpl = parse(tpl_json);
	cJSON *out = template_render(tpl, ctx);
	ck_assert_ptr_nonnull(out);
	char *got = json_print(out, JSON_ORJSON, NULL);
	ck_assert_msg(strcmp(got, want) == 0, "template %s\n  got  %s\n  want %s", tpl_json, got, want);
	free(got);
	cJSON_Delete(out);
	cJSON_Delete(tpl);
}

#define CHECK(tpl, want) assert_render(&f.ctx, tpl, want)

START_TEST(test_template_whole_placeholder_keeps_the_json_type)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{item.page}}\"", "{\"page_id\":\"p-1\",\"page_name\":\"Shipping docs\",\"type\":\"page\"}");
	CHECK("\"{{item.size}}\"", "48213");
	CHECK("\"{{item.ratio}}\"", "1.5");
	CHECK("\"{{item.whole}}\"", "2.0");
	CHECK("\"{{item.ok}}\"", "true");
	CHECK("\"{{item.tags}}\"", "[\"x\",\"y\",{\"z\":1}]");
	CHECK("\"{{item.reference}}\"", "\"a1b2\"");
	CHECK("\"{{item.none}}\"", "null");
	CHECK("\"{{item}}\"",
	      "{\"reference\":\"a1b2\",\"name\":\"report \\\"Q3\\\".pdf\",\"size\":48213,\"ratio\":1.5,\"whole\":2.0,"
	      "\"ok\":true,\"none\":null,\"page\":{\"page_id\":\"p-1\",\"page_name\":\"Shipping docs\",\"type\":\"page\"},"
	      "\"tags\":[\"x\",\"y\",{\"z\":1}]}");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_whole_placeholder_missing_is_null)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{item.missing}}\"", "null");
	CHECK("\"{{item.page.missing}}\"", "null");
	CHECK("\"{{item.size.deeper}}\"", "null");   /* a path through a number */
	CHECK("\"{{inputs.missing}}\"", "null");
	CHECK("\"{{unknown}}\"", "null");
	CHECK("\"{{dataset}}\"", "null");            /* only dataset.id and dataset.name exist */
	CHECK("\"{{node.type}}\"", "null");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_interpolates_strings_raw)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"Name: {{item.name}}!\"", "\"Name: report \\\"Q3\\\".pdf!\"");
	CHECK("\"{{item.reference}}/{{item.page.type}}\"", "\"a1b2/page\"");
	CHECK("\"# {{document_name}}\\n\\nbody\"", "\"# report.pdf\\n\\nbody\"");
	CHECK("\"{{item.reference}}{{item.reference}}\"", "\"a1b2a1b2\"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_interpolates_other_values_as_json)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"size={{item.size}}\"", "\"size=48213\"");
	CHECK("\"r={{item.ratio}} w={{item.whole}}\"", "\"r=1.5 w=2.0\"");
	CHECK("\"ok={{item.ok}} none={{item.none}}\"", "\"ok=true none=null\"");
	CHECK("\"page={{item.page}}\"",
	      "\"page={\\\"page_id\\\":\\\"p-1\\\",\\\"page_name\\\":\\\"Shipping docs\\\",\\\"type\\\":\\\"page\\\"}\"");
	CHECK("\"tags={{item.tags}}\"", "\"tags=[\\\"x\\\",\\\"y\\\",{\\\"z\\\":1}]\"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_interpolates_missing_values_as_empty)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"x{{item.missing}}y\"", "\"xy\"");
	CHECK("\"[{{inputs.nope}}]\"", "\"[]\"");
	CHECK("\"{{unknown}} \"", "\" \"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_allows_spaces_inside_braces)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{ item.size }}\"", "48213");
	CHECK("\"{{   item.page   }}\"", "{\"page_id\":\"p-1\",\"page_name\":\"Shipping docs\",\"type\":\"page\"}");
	CHECK("\"a {{ document_name }} b\"", "\"a report.pdf b\"");
	CHECK("\"{{ item.missing }}\"", "null");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_follows_nested_paths)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{item.page.page_name}}\"", "\"Shipping docs\"");
	CHECK("\"Page: {{item.page.page_name}}\"", "\"Page: Shipping docs\"");
	CHECK("\"{{item.tags.1}}\"", "\"y\"");
	CHECK("\"{{item.tags.2.z}}\"", "1");
	CHECK("\"{{item.tags.3}}\"", "null");
	CHECK("\"{{inputs.nested.deep.0}}\"", "10");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_reads_inputs)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{inputs.x}}\"", "\"ex\"");
	CHECK("\"{{inputs.max_chunk_length}}\"", "1024");
	CHECK("\"{{inputs.overlap}}\"", "0.25");
	CHECK("\"{{inputs.lang}}\"", "null");
	CHECK("\"len {{inputs.max_chunk_length}}, {{inputs.x}}\"", "\"len 1024, ex\"");
	CHECK("\"{{inputs}}\"",
	      "{\"x\":\"ex\",\"max_chunk_length\":1024,\"overlap\":0.25,\"lang\":null,\"nested\":{\"deep\":[10,20]}}");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_reads_the_run_context)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{document_name}}\"", "\"report.pdf\"");
	CHECK("\"{{datasource_type}}\"", "\"local_file\"");
	CHECK("\"{{dataset.id}}\"", "\"3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d\"");
	CHECK("\"{{dataset.name}}\"", "\"Demo Docs\"");
	CHECK("\"{{workflow_run_id}}\"", "\"5b1f3c2a-9e8d-4f7a-b6c5-d4e3f2a1b0c9\"");
	CHECK("\"{{node.id}}\"", "\"1750836391776\"");
	CHECK("\"{{node.title}}\"", "\"File Upload\"");
	CHECK("\"{{node.title}} of {{dataset.name}}\"", "\"File Upload of Demo Docs\"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_treats_an_absent_context_as_missing)
{
	struct template_ctx empty = { 0 };
	assert_render(&empty, "\"{{item}}\"", "null");
	assert_render(&empty, "\"{{item.name}}\"", "null");
	assert_render(&empty, "\"{{inputs.x}}\"", "null");
	assert_render(&empty, "\"{{document_name}}\"", "null");
	assert_render(&empty, "\"{{node.title}}\"", "null");
	assert_render(&empty, "\"<{{document_name}}|{{item.name}}>\"", "\"<|>\"");
}
END_TEST

START_TEST(test_template_copies_non_string_values)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("48213", "48213");
	CHECK("1.0", "1.0");
	CHECK("-0.5", "-0.5");
	CHECK("18446744073709551615", "18446744073709551615");
	CHECK("true", "true");
	CHECK("false", "false");
	CHECK("null", "null");
	CHECK("[]", "[]");
	CHECK("{}", "{}");
	CHECK("\"plain text\"", "\"plain text\"");
	CHECK("\"\"", "\"\"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_renders_inside_objects_and_arrays_in_order)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("{\"z\":\"{{item.size}}\",\"a\":[1,\"{{item.reference}}\",{\"n\":\"{{node.id}}-x\"}],\"m\":2.50,"
	      "\"e\":{}}",
	      "{\"z\":48213,\"a\":[1,\"a1b2\",{\"n\":\"1750836391776-x\"}],\"m\":2.5,\"e\":{}}");
	CHECK("{\"file\":{\"related_id\":\"{{item.reference}}\",\"filename\":\"{{document_name}}\",\"id\":null,"
	      "\"size\":\"{{item.size}}\"},\"datasource_type\":\"local_file\"}",
	      "{\"file\":{\"related_id\":\"a1b2\",\"filename\":\"report.pdf\",\"id\":null,\"size\":48213},"
	      "\"datasource_type\":\"local_file\"}");
	/* keys are not templates */
	CHECK("{\"{{item.reference}}\":1}", "{\"{{item.reference}}\":1}");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_leaves_an_unclosed_placeholder_as_text)
{
	struct fixture f;
	fixture_init(&f);
	CHECK("\"{{item.name\"", "\"{{item.name\"");
	CHECK("\"a {{ b\"", "\"a {{ b\"");
	CHECK("\"{{\"", "\"{{\"");
	CHECK("\"}} {{\"", "\"}} {{\"");
	CHECK("\"{{item.reference}} and {{oops\"", "\"a1b2 and {{oops\"");
	CHECK("\"{single} {{item.reference}\"", "\"{single} {{item.reference}\"");
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_of_null_is_null)
{
	struct fixture f;
	fixture_init(&f);
	ck_assert_ptr_null(template_render(NULL, &f.ctx));
	fixture_free(&f);
}
END_TEST

START_TEST(test_template_copies_values_without_sharing_them)
{
	struct fixture f;
	fixture_init(&f);
	cJSON *tpl = parse("{\"p\":\"{{item.page}}\",\"k\":[1,2]}");
	cJSON *out = template_render(tpl, &f.ctx);
	cJSON_Delete(tpl);
	cJSON_Delete(f.item); /* the output must not point into either */
	f.item = NULL;
	char *got = json_print(out, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, "{\"p\":{\"page_id\":\"p-1\",\"page_name\":\"Shipping docs\",\"type\":\"page\"},\"k\":[1,2]}");
	free(got);
	cJSON_Delete(out);
	fixture_free(&f);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");
	tcase_add_test(tc, test_template_whole_placeholder_keeps_the_json_type);
	tcase_add_test(tc, test_template_whole_placeholder_missing_is_null);
	tcase_add_test(tc, test_template_interpolates_strings_raw);
	tcase_add_test(tc, test_template_interpolates_other_values_as_json);
	tcase_add_test(tc, test_template_interpolates_missing_values_as_empty);
	tcase_add_test(tc, test_template_allows_spaces_inside_braces);
	tcase_add_test(tc, test_template_follows_nested_paths);
	tcase_add_test(tc, test_template_reads_inputs);
	tcase_add_test(tc, test_template_reads_the_run_context);
	tcase_add_test(tc, test_template_treats_an_absent_context_as_missing);
	tcase_add_test(tc, test_template_copies_non_string_values);
	tcase_add_test(tc, test_template_renders_inside_objects_and_arrays_in_order);
	tcase_add_test(tc, test_template_leaves_an_unclosed_placeholder_as_text);
	tcase_add_test(tc, test_template_of_null_is_null);
	tcase_add_test(tc, test_template_copies_values_without_sharing_them);
	suite_add_tcase(s, tc);
	return s;
}
