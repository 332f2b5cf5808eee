/* test-template.c -- {{ path }} placeholders in fixture values: a string that
 * is one placeholder takes the value with its JSON type, placeholders inside
 * text become text, everything else is copied. Results are compared as
 * orjson bytes, so the type (1 vs 1.0 vs "1") and the key order count. */
#include <check.h>
#include <stdio.h>
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

/* ---- written and counted without rendering: the same as the tree ---- */

static const char *const rendered_templates[] = {
	"\"plain \\u00e9 \\ud83c\\udf89 \\\"q\\\" \\\\ / \\u0001\"",
	"\"{{item}}\"", "\"{{ item }}\"", "\"{{item.name}}\"", "\"{{item.size}}\"", "\"{{item.ratio}}\"",
	"\"{{item.big}}\"", "\"{{item.ok}}\"", "\"{{item.none}}\"", "\"{{item.page}}\"", "\"{{item.tags.2.z}}\"",
	"\"{{item.tags.9}}\"", "\"{{inputs}}\"", "\"{{inputs.x}}\"", "\"{{missing}}\"", "\"{{}}\"", "\"{{  }}\"",
	"\"{{document_name}}\"", "\"{{datasource_type}}\"", "\"{{dataset.id}}\"", "\"{{dataset.name}}\"",
	"\"{{workflow_run_id}}\"", "\"{{node.id}}\"", "\"{{node.title}}\"",
	"\"a {{item}} b {{inputs}} c {{item.size}}{{item.ratio}}{{item.ok}}{{item.none}}{{missing}} {{dataset.name}} "
	"{{node.title}} {{document_name}}: \\u00fc\"",
	"\"{{a}}{{b}}\"", "\"{{ unclosed\"", "\"}} {{\"", "\"x {{item.name}\"", "\"{{item.name}} \"",
	"{}", "[]", "null", "true", "false", "0", "-1.5", "1e300", "12345678901234567890", "2.0",
	"{\"a\":\"{{item.name}}\",\"b\":[\"{{item.tags}}\",{\"c\":\"x{{inputs.x}}y\"},[],{}],\"\\u00e9\":null,"
	"\"d\":{\"e\":{\"f\":\"{{item.page.page_name}}\"}},\"n\":3,\"g\":\"{{item.ratio}}\"}",
	"{\"chunk_structure\":\"text_model\",\"preview\":[{\"content\":\"{{document_name}}: Overview.\"}],"
	"\"qa_preview\":[],\"total_segments\":3}",
};

/* Every template written by template_write gives json_write's bytes
 * of template_render's tree, in all three styles and over contexts with
 * missing pieces. */
START_TEST(test_template_writes_as_rendered)
{
	cJSON *item = parse("{\"reference\":\"a1b2\",\"name\":\"report \\\"Q3\\\" \\u00e9.pdf\",\"size\":48213,"
			    "\"ratio\":1.5,\"big\":18446744073709551615,\"ok\":true,\"none\":null,"
			    "\"page\":{\"page_id\":\"p-1\",\"page_name\":\"Shipping \\ud83d\\udce6\"},"
			    "\"tags\":[\"x\",\"y\",{\"z\":1}]}");
	cJSON *inputs = parse("{\"x\":\"ex/\\u00e9\",\"n\":1024,\"f\":0.25}");
	struct template_ctx full = {
		.item = item, .inputs = inputs, .datasource_type = "local_file", .document_name = "report.pdf",
		.dataset_id = "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d", .dataset_name = "Demo \\ Docs", .workflow_run_id = "5b1f3c2a",
		.node_id = "1750836440531", .node_title = "Knowledge \"Base\"",
	};
	struct template_ctx sparse = { .datasource_type = "website_crawl", .document_name = "" };
	const struct template_ctx *ctxs[] = { &full, &sparse };
	enum json_style styles[] = { JSON_UJSON, JSON_PYDUMPS, JSON_ORJSON };
	for (size_t t = 0; t < sizeof rendered_templates / sizeof *rendered_templates; t++) {
		cJSON *tpl = parse(rendered_templates[t]);
		for (size_t k = 0; k < 2; k++) {
			for (size_t st = 0; st < 3; st++) {
				cJSON *tree = template_render(tpl, ctxs[k]);
				struct buf want = BUF_INIT, got = BUF_INIT;
				json_write(&want, tree, styles[st]);
				template_write(&got, tpl, ctxs[k], styles[st]);
				ck_assert_msg(!strcmp(got.data, want.data), "template %s, context %zu, style %zu:\n got  %s\n want %s",
					      rendered_templates[t], k, st, got.data, want.data);
				buf_free(&want);
				buf_free(&got);
				cJSON_Delete(tree);
			}
		}
		cJSON_Delete(tpl);
	}
	struct buf b = BUF_INIT;
	template_write(&b, NULL, &full, JSON_PYDUMPS);
	ck_assert_str_eq(b.data, "null");
	buf_free(&b);
	cJSON_Delete(item);
	cJSON_Delete(inputs);
}
END_TEST

/* template_index_counts reads what template_render's tree says: outputs
 * whose total_segments and preview come from the template, the item or the
 * inputs, whole or in pieces. */
START_TEST(test_template_counts_segments_as_rendered)
{
	static const char *const outputs[] = {
		"{\"total_segments\":3,\"preview\":[{\"content\":\"{{document_name}}: \\u00dcberblick \\ud83c\\udf89\"},"
		"{\"content\":\"{{item}}|{{inputs}}|{{item.size}}|{{missing}}|{{node.title}}\"},{\"content\":5},"
		"{\"content\":\"{{item.size}}\"},{\"content\":\"{{item.name}}\"},{\"x\":\"y\"},\"{{item.chunk}}\",7,null]}",
		"{\"total_segments\":\"{{inputs.n}}\",\"preview\":\"{{item.chunks}}\"}",
		"{\"total_segments\":\"{{item.name}}\",\"preview\":{\"a\":{\"content\":\"xy\"},\"b\":\"{{item.chunk}}\"}}",
		"\"{{item.out}}\"", "\"{{inputs}}\"", "null", "[]", "\"x\"",
		"{\"total_segments\":-1}", "{\"total_segments\":2.9}", "{\"total_segments\":1e20}",
		"{\"total_segments\":\"x{{inputs.n}}\",\"preview\":\"abc\"}",
	};
	cJSON *item = parse("{\"name\":\"r\\u00e9port\",\"size\":12,\"chunk\":{\"content\":\"c \\u00fc\"},"
			    "\"chunks\":[{\"content\":\"one\"},{\"content\":2},\"three\",{\"content\":\"{{x}}\"}],"
			    "\"out\":{\"total_segments\":2,\"preview\":[{\"content\":\"{{document_name}}\"}]}}");
	cJSON *inputs = parse("{\"n\":4,\"total_segments\":6,\"preview\":[{\"content\":\"inp\"}]}");
	struct template_ctx c = {
		.item = item, .inputs = inputs, .datasource_type = "local_file", .document_name = "n\xc3\xa4me",
		.dataset_id = "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d", .dataset_name = "Demo Docs", .workflow_run_id = "run",
		.node_id = "1750836440531", .node_title = "Knowledge Base",
	};
	for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
		cJSON *tpl = parse(outputs[i]), *tree = template_render(tpl, &c);
		unsigned want_segments = 0;
		unsigned long want_chars = 0;
		const cJSON *total = json_get(tree, "total_segments"), *e;
		if (cJSON_IsNumber(total) && total->valuedouble >= 0)
			want_segments = total->valuedouble > 4294967295.0 ? 4294967295u : (unsigned)total->valuedouble;
		cJSON_ArrayForEach(e, json_get(tree, "preview")) {
			const cJSON *content = json_get(e, "content");
			for (const char *s = cJSON_IsString(content) ? content->valuestring : ""; *s; s++)
				want_chars += ((unsigned char)*s & 0xc0) != 0x80;
		}
		unsigned segments;
		unsigned long chars;
		template_index_counts(tpl, &c, &segments, &chars);
		ck_assert_msg(segments == want_segments && chars == want_chars, "%s: %u segments, %lu characters; want %u, %lu",
			      outputs[i], segments, chars, want_segments, want_chars);
		cJSON_Delete(tree);
		cJSON_Delete(tpl);
	}
	cJSON_Delete(item);
	cJSON_Delete(inputs);
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
	tcase_add_test(tc, test_template_writes_as_rendered);
	tcase_add_test(tc, test_template_counts_segments_as_rendered);
	suite_add_tcase(s, tc);
	return s;
}
