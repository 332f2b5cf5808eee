/* fuzz-json-output.c -- the output side of arbitrary strings: the input as one
 * JSON string and, when it parses, as a document, written in the three wire
 * styles (ujson, json.dumps, orjson), as Python repr and pydantic's input
 * value, and rendered as a fixture template. Checks what must hold:
 *  - a string written in any style parses back to the same bytes when the
 *    input is valid UTF-8;
 *  - a parsed document written in any style parses again, and writing that
 *    gives the same bytes (the writers are stable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "pyrepr.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum json_style styles[] = { JSON_UJSON, JSON_PYDUMPS, JSON_ORJSON };
static const char *const style_names[] = { "ujson", "json.dumps", "orjson" };

static void fail(const char *what, const char *style, const struct buf *b)
{
	fprintf(stderr, "fuzz-json-output: %s (%s): %.*s\n", what, style, (int)(b->len > 400 ? 400 : b->len),
		b->data ? b->data : "");
	abort();
}

/* The input as one JSON string literal. */
static void check_string(const char *s, size_t len)
{
	bool utf8 = json_utf8_valid(s, len);
	bool has_nul = memchr(s, '\0', len) != NULL;
	for (size_t i = 0; i < 3; i++) {
		struct buf b = BUF_INIT;
		json_write_string(&b, s, len, styles[i]);
		if (utf8) {
			cJSON *back;
			if (json_parse(b.data, b.len, &back, NULL, 0))
				fail("a string literal does not parse", style_names[i], &b);
			if (!cJSON_IsString(back))
				fail("a string literal parses as something else", style_names[i], &b);
			/* cJSON strings end at a NUL: compare what it can hold. */
			if (!has_nul && (strlen(back->valuestring) != len || memcmp(back->valuestring, s, len)))
				fail("a string literal parses to other bytes", style_names[i], &b);
			cJSON_Delete(back);
		}
		buf_free(&b);
	}
}

static struct template_ctx tpl_ctx(const cJSON *item, const cJSON *inputs)
{
	return (struct template_ctx){
		.item = item,
		.inputs = inputs,
		.datasource_type = "local_file",
		.document_name = "a.pdf",
		.dataset_id = "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d",
		.dataset_name = "Demo Docs",
		.workflow_run_id = "00000000-0000-4000-8000-000000000000",
		.node_id = "1750836391776",
		.node_title = "File Upload",
	};
}

static void render(const cJSON *tpl, const cJSON *item, const cJSON *inputs)
{
	const struct template_ctx c = tpl_ctx(item, inputs);
	cJSON *out = template_render(tpl, &c);
	for (size_t i = 0; i < 3; i++) {
		struct buf b = BUF_INIT;
		if (out)
			json_write(&b, out, styles[i]);
		buf_free(&b);
	}
	cJSON_Delete(out);
}

/* A parsed document in every form. */
static void check_document(const cJSON *doc)
{
	for (size_t i = 0; i < 3; i++) {
		struct buf b = BUF_INIT, again = BUF_INIT;
		json_write(&b, doc, styles[i]);
		cJSON *back;
		if (json_parse(b.data, b.len, &back, NULL, 0))
			fail("written JSON does not parse", style_names[i], &b);
		json_write(&again, back, styles[i]);
		if (again.len != b.len || memcmp(again.data, b.data, b.len))
			fail("written JSON is not stable", style_names[i], &again);
		cJSON_Delete(back);
		buf_free(&again);
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	pyrepr(&b, doc);
	buf_reset(&b);
	pyrepr_pydantic(&b, doc);
	buf_free(&b);
	(void)pyrepr_type_name(doc);
	cJSON *dup = json_dup(doc);
	cJSON_Delete(dup);
	/* The document as a template that echoes itself. */
	render(doc, doc, doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	check_string(s, size);

	char *cstr = xmalloc(size + 1);
	memcpy(cstr, data, size);
	cstr[size] = '\0';
	struct buf b = BUF_INIT;
	pyrepr_str(&b, cstr);
	buf_free(&b);
	/* The input as a template string, with the item and inputs holding it too. */
	cJSON *tpl = cJSON_CreateString(cstr);
	cJSON *item = cJSON_CreateObject();
	cJSON_AddItemToObject(item, "name", cJSON_CreateString(cstr));
	cJSON_AddItemToObject(item, "n", json_float(1.5));
	render(tpl, item, item);
	cJSON_Delete(item);
	cJSON_Delete(tpl);
	free(cstr);

	cJSON *doc;
	if (!json_parse(s, size, &doc, NULL, 0)) {
		check_document(doc);
		cJSON_Delete(doc);
	}
	return 0;
}
