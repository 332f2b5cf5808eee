/* test-plugins.c -- datasource-plugins (companion-endpoints.md §3) over the
 * bundled fixtures: is_published as bool(str) (1.13.3) or a pydantic bool
 * (1.17), the entries in graph order
 * and Dify's key order, user_input_variables from datasource_parameters,
 * credentials and their ids. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "ids.h"
#include "plugins.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"

static struct fixtures *fx;

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(FIXTURES_DIR, &fx, &p), 0);
}

static void teardown(void)
{
	fixtures_free(fx);
}

/* Which workflow the query value selects under version v: 1 published,
 * 0 draft, -1 refused (then with pydantic's message). */
static int published(const char *arg, enum dify_version v, char **ret_message)
{
	struct dm_error err = DM_ERROR_INIT;
	bool p = false;
	int rc = plugins_is_published(arg, v, &p, &err);
	if (ret_message)
		*ret_message = err.message ? strdup(err.message) : NULL;
	if (rc) {
		ck_assert_uint_eq(err.status, 400);
		ck_assert_str_eq(err.code, "invalid_param");
	}
	dm_error_clear(&err);
	return rc ? -1 : p;
}

START_TEST(test_is_published_is_bool_of_the_string_in_1_13_3)
{
	ck_assert_int_eq(published(NULL, DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("", DIFY_1_13_3, NULL), 0);
	ck_assert_int_eq(published("true", DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("false", DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("False", DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("0", DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("no", DIFY_1_13_3, NULL), 1);
	ck_assert_int_eq(published("maybe", DIFY_1_13_3, NULL), 1);
}
END_TEST

START_TEST(test_is_published_is_a_pydantic_bool_from_1_17)
{
	static const char *const draft[] = { "false", "False", "FALSE", "0", "no", "off", "f", "n", "N", "oFf" };
	static const char *const pub[] = { "true", "TRUE", "1", "yes", "on", "t", "y", "Yes" };
	for (size_t i = 0; i < sizeof draft / sizeof *draft; i++)
		ck_assert_msg(published(draft[i], DIFY_1_17, NULL) == 0, "%s", draft[i]);
	for (size_t i = 0; i < sizeof pub / sizeof *pub; i++)
		ck_assert_msg(published(pub[i], DIFY_1_17, NULL) == 1, "%s", pub[i]);
	ck_assert_int_eq(published(NULL, DIFY_1_17, NULL), 1); /* the model's default */
}
END_TEST

START_TEST(test_is_published_refuses_what_pydantic_cannot_read_from_1_17)
{
	char *msg;
	ck_assert_int_eq(published("maybe", DIFY_1_17, &msg), -1);
	ck_assert_str_eq(msg, "1 validation error for DatasourcePluginsQuery\nis_published\n  Input should be a valid "
			      "boolean, unable to interpret input [type=bool_parsing, input_value='maybe', "
			      "input_type=str]\n    For further information visit "
			      "https://errors.pydantic.dev/2.12/v/bool_parsing");
	free(msg);
	/* The empty value, the draft at the baseline, is no bool; nor is one
	 * with spaces (pydantic does not trim). */
	ck_assert_int_eq(published("", DIFY_1_17, &msg), -1);
	ck_assert_ptr_nonnull(strstr(msg, "input_value='',"));
	free(msg);
	ck_assert_int_eq(published(" true", DIFY_1_17, NULL), -1);
	/* Undecodable bytes are read as U+FFFD, as Werkzeug decodes them. */
	ck_assert_int_eq(published("\xff", DIFY_1_17, &msg), -1);
	ck_assert_ptr_nonnull(strstr(msg, "input_value='\xef\xbf\xbd',"));
	free(msg);
}
END_TEST

static char *var(const char *json)
{
	cJSON *v;
	ck_assert_int_eq(json_parse(json, strlen(json), &v, NULL, 0), 0);
	char *r = plugins_param_variable(v);
	cJSON_Delete(v);
	return r;
}

static void assert_var(const char *json, const char *want)
{
	char *got = var(json);
	if (want)
		ck_assert_msg(got && !strcmp(got, want), "%s: %s", json, got ? got : "(null)");
	else
		ck_assert_msg(!got, "%s: %s", json, got);
	free(got);
}

START_TEST(test_parameter_references)
{
	assert_var("\"{{#rag.1752491761974.jina_url#}}\"", "jina_url");
	assert_var("\"{{#rag.1752491761974.jina_url#}} and more\"", "jina_url"); /* re.match: the start only */
	assert_var("\"see {{#rag.1.x#}}\"", NULL);
	assert_var("\"{{#rag#}}\"", NULL);                                       /* a dotted path at least */
	assert_var("\"{{#a.b.c.d.e.f.g.h.i.j.k#}}\"", "k");                      /* ten parts after the first */
	assert_var("\"{{#a.b.c.d.e.f.g.h.i.j.k.l#}}\"", NULL);
	assert_var("\"{{#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x#}}\"", "x"); /* 50 */
	assert_var("\"{{#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x#}}\"", NULL); /* 51 */
	assert_var("\"{{#a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb#}}\"", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"); /* 30 */
	assert_var("\"{{#a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb#}}\"", NULL);                   /* 31 */
	assert_var("\"{{#a.b-c#}}\"", NULL);
	assert_var("\"\"", NULL);
	assert_var("[\"rag\",\"1752491761974\",\"jina_limit\"]", "jina_limit");
	assert_var("[\"x\"]", "x");
	assert_var("[\"rag\",5]", NULL);
	assert_var("[]", NULL);
	assert_var("5", NULL);
	assert_var("null", NULL);
}
END_TEST

static cJSON *body_of(const char *kb_id, bool published)
{
	const struct fx_kb *kb = fixtures_kb(fx, kb_id);
	struct buf b = BUF_INIT;
	plugins_body(kb, published ? kb->pipeline->published : kb->pipeline->draft, &b);
	ck_assert_uint_gt(b.len, 1);
	ck_assert_int_eq(b.data[b.len - 1], '\n');
	cJSON *v;
	ck_assert_int_eq(json_parse(b.data, b.len - 1, &v, NULL, 0), 0);
	buf_free(&b);
	return v;
}

START_TEST(test_demo_docs_lists_its_four_datasource_nodes)
{
	for (int published = 0; published < 2; published++) {
		cJSON *arr = body_of(DEMO_DOCS, published);
		static const char *const ids[] = { "1750836391776", "1752489759475", "1752491761974", "1752565435219" };
		static const char *const types[] = { "local_file", "online_document", "website_crawl", "online_drive" };
		ck_assert_int_eq(cJSON_GetArraySize(arr), 4);
		for (int i = 0; i < 4; i++) {
			cJSON *e = cJSON_GetArrayItem(arr, i);
			static const char *const keys[] = { "node_id", "plugin_id", "provider_name", "datasource_type",
							    "title", "user_input_variables", "credentials" };
			cJSON *k = e->child;
			for (size_t j = 0; j < 7; j++, k = k->next)
				ck_assert_str_eq(k->string, keys[j]);
			ck_assert_ptr_null(k);
			ck_assert_str_eq(cJSON_GetObjectItem(e, "node_id")->valuestring, ids[i]);
			ck_assert_str_eq(cJSON_GetObjectItem(e, "datasource_type")->valuestring, types[i]);
		}
		cJSON_Delete(arr);
	}
}
END_TEST

START_TEST(test_jina_entry_bytes)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	struct buf b = BUF_INIT;
	plugins_body(kb, kb->pipeline->published, &b);
	const char *want =
		"{\"node_id\":\"1752491761974\",\"plugin_id\":\"langgenius\\/jina_datasource\",\"provider_name\":\"jinareader\","
		"\"datasource_type\":\"website_crawl\",\"title\":\"Jina Reader\",\"user_input_variables\":["
		"{\"belong_to_node_id\":\"1752491761974\",\"type\":\"text-input\",\"label\":\"URL\",\"description\":\"\","
		"\"variable\":\"jina_url\",\"max_length\":256,\"default_value\":null,\"placeholder\":"
		"\"https:\\/\\/docs.dify.ai\\/en\\/\",\"unit\":null,\"tooltips\":null,\"allowed_file_types\":null,"
		"\"allowed_file_extensions\":[],\"allowed_file_upload_methods\":[],\"required\":true,\"options\":[]},"
		"{\"belong_to_node_id\":\"1752491761974\",\"type\":\"number\",\"label\":\"Limit\",\"description\":\"\","
		"\"variable\":\"jina_limit\",\"max_length\":48,\"default_value\":10,\"placeholder\":null,\"unit\":null,"
		"\"tooltips\":null,\"allowed_file_types\":null,\"allowed_file_extensions\":[],\"allowed_file_upload_methods\":[],"
		"\"required\":true,\"options\":[]}],\"credentials\":[{\"id\":\"01962b20-11aa-7b2c-8d3e-4f5a6b7c8d9e\","
		"\"name\":\"Jina key\",\"type\":\"api-key\",\"is_default\":true}]}";
	ck_assert_msg(strstr(b.data, want), "%s", b.data);
	const char *head = "[{\"node_id\":\"1750836391776\",\"plugin_id\":\"langgenius\\/file\",\"provider_name\":"
			   "\"file\",\"datasource_type\":\"local_file\",\"title\":\"File Upload\",\"user_input_variables\":[],"
			   "\"credentials\":[]},";
	ck_assert_msg(!strncmp(b.data, head, strlen(head)), "%s", b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_credentials_ids_and_default)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	const struct fx_workflow *wf = kb->pipeline->published;
	const struct fx_node *drive = &wf->nodes[fx_workflow_node_index(wf, "1752565435219")];
	struct plugin_credential *c, *again;
	ck_assert_uint_eq(plugins_credentials(kb, drive, &c), 2);
	ck_assert_str_eq(c[0].id, "01962b21-5f6e-7a8b-9c0d-1e2f3a4b5c6d");
	ck_assert(c[0].is_default);
	ck_assert(!c[1].is_default);
	ck_assert_str_eq(c[1].name, "Personal Drive");
	ck_assert_str_eq(c[1].type, "oauth2");
	/* derived: a UUIDv7 (version 7, RFC 4122 variant), the same every time and in the draft */
	ck_assert(ids_is_uuid(c[1].id, strlen(c[1].id)));
	ck_assert_int_eq(c[1].id[14], '7');
	ck_assert(strchr("89ab", c[1].id[19]));
	const struct fx_workflow *dwf = kb->pipeline->draft;
	ck_assert_uint_eq(plugins_credentials(kb, &dwf->nodes[fx_workflow_node_index(dwf, "1752565435219")], &again), 2);
	ck_assert_str_eq(again[1].id, c[1].id);
	free(c);
	free(again);
	const struct fx_node *file = &wf->nodes[fx_workflow_node_index(wf, "1750836391776")];
	ck_assert_uint_eq(plugins_credentials(kb, file, &c), 0);
	ck_assert_ptr_null(c);
}
END_TEST

/* A knowledge base of our own: no datasource node; credentials without a marked default. */
START_TEST(test_other_graphs)
{
	char dir[] = "/tmp/dm-plugins-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/a.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"workspaces\":[{\"id\":\"11111111-1111-4111-8111-111111111111\",\"name\":\"W\",\"owner\":null}],"
	      "\"knowledge_bases\":[{\"id\":\"44444444-4444-4444-8444-444444444444\",\"workspace\":"
	      "\"11111111-1111-4111-8111-111111111111\",\"name\":\"K\",\"pipeline\":{\"id\":"
	      "\"55555555-5555-4555-8555-555555555555\",\"published\":{\"id\":\"66666666-6666-4666-8666-666666666666\","
	      "\"nodes\":[{\"id\":\"t\",\"type\":\"tool\"}]},\"draft\":{\"id\":\"77777777-7777-4777-8777-777777777777\","
	      "\"nodes\":[{\"id\":\"d\",\"type\":\"datasource\",\"datasource_type\":\"online_document\",\"credentials\":"
	      "[{\"name\":\"a\"},{\"name\":\"b\",\"type\":\"oauth2\"}]}]}}}]}",
	      f);
	fclose(f);
	struct fixtures *own;
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(dir, &own, &p), 0);
	const struct fx_kb *kb = fixtures_kb(own, "44444444-4444-4444-8444-444444444444");
	struct buf b = BUF_INIT;
	plugins_body(kb, kb->pipeline->published, &b);
	ck_assert_str_eq(b.data, "[]\n");
	buf_reset(&b);
	plugins_body(kb, kb->pipeline->draft, &b);
	ck_assert_msg(strstr(b.data, "\"title\":\"datasource\""), "the title defaults to the type: %s", b.data);
	ck_assert_msg(strstr(b.data, "\"name\":\"a\",\"type\":\"api-key\",\"is_default\":true}"), "%s", b.data);
	ck_assert_msg(strstr(b.data, "\"name\":\"b\",\"type\":\"oauth2\",\"is_default\":false}"), "%s", b.data);
	buf_free(&b);
	fixtures_free(own);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("plugins");
	TCase *tc = tcase_create("plugins");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_is_published_is_bool_of_the_string_in_1_13_3);
	tcase_add_test(tc, test_is_published_is_a_pydantic_bool_from_1_17);
	tcase_add_test(tc, test_is_published_refuses_what_pydantic_cannot_read_from_1_17);
	tcase_add_test(tc, test_parameter_references);
	tcase_add_test(tc, test_demo_docs_lists_its_four_datasource_nodes);
	tcase_add_test(tc, test_jina_entry_bytes);
	tcase_add_test(tc, test_credentials_ids_and_default);
	tcase_add_test(tc, test_other_graphs);
	suite_add_tcase(s, tc);
	return s;
}
