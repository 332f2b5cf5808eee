/* test-fixtures.c -- the fixture store: the bundled fixtures, the defaults,
 * and one exact "FILE: PATH: message" line per kind of problem. Fixture text
 * is written inline per test into a temporary directory (libinput's
 * make_data_dir / cleanup_data_dir). In the inline JSON, ' stands for ". */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "json.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_KEY "dataset-difymockdemokey000000000"
#define OTHER_KEY "dataset-difymockotherkey00000000"
#define DEMO_WS_ID "5d0c7a3e-1f2b-4c3d-9e8f-a1b2c3d4e5f6"
#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"

/* ---- helpers ---- */

static char *make_data_dir(void)
{
	char *dir = strdup("/tmp/dm-fixtures-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup_data_dir(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* Writes dir/name (creating subdirectories) with every ' turned into ". */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (const char *p = text; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
}

/* Loads dir, which must fail, and compares the problem lines: each expected
 * line is relative to dir ("a.json: ..." means "DIR/a.json: ..."), and "DIR/"
 * inside a line stands for dir too. The list ends with NULL. */
static void assert_problems(const char *dir, ...)
{
	struct fixtures *fx = (struct fixtures *)&fx; /* must stay untouched */
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(dir, &fx, &p), -1);
	ck_assert_ptr_eq(fx, (struct fixtures *)&fx);
	va_list ap;
	va_start(ap, dir);
	size_t i = 0;
	for (const char *want; (want = va_arg(ap, const char *)); i++) {
		char full[1024];
		size_t o = (size_t)snprintf(full, sizeof full, "%s/", dir);
		for (const char *w = want; *w && o < sizeof full - 1; w++) {
			if (!strncmp(w, "DIR/", 4)) { /* another file of the same directory */
				o += (size_t)snprintf(full + o, sizeof full - o, "%s", dir);
				w += 2;
				continue;
			}
			full[o++] = *w;
		}
		full[o < sizeof full ? o : sizeof full - 1] = '\0';
		ck_assert_msg(i < p.n, "missing problem #%zu: %s", i, full);
		ck_assert_str_eq(p.lines[i], full);
	}
	va_end(ap);
	ck_assert_msg(i == p.n, "%zu unexpected problem(s), first: %s", p.n - i, i < p.n ? p.lines[i] : "");
	fx_problems_free(&p);
	ck_assert_ptr_null(p.lines);
}

/* Writes one file and checks that it yields exactly the one problem. */
static void assert_one_problem(const char *text, const char *want)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json", text);
	assert_problems(dir, want, NULL);
	cleanup_data_dir(dir);
}

static struct fixtures *load_ok(const char *dir)
{
	struct fixtures *fx = NULL;
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(dir, &fx, &p);
	ck_assert_msg(rc == 0, "load failed: %s", p.n ? p.lines[0] : "(no problem line)");
	ck_assert_ptr_nonnull(fx);
	return fx;
}

static const struct fx_node *node(const struct fx_workflow *wf, const char *id)
{
	long i = fx_workflow_node_index(wf, id);
	ck_assert_msg(i >= 0, "no node %s", id);
	return &wf->nodes[i];
}

/* A node's out-edges as "target/handle", space-separated, in edge order. */
static void assert_next(const struct fx_workflow *wf, const char *id, const char *want)
{
	const struct fx_node *n = node(wf, id);
	char got[256] = "";
	for (size_t i = 0; i < n->n_out; i++) {
		const struct fx_edge *e = &wf->edges[wf->out[n->first_out + i]];
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s/%s", i ? " " : "", wf->nodes[e->to].id,
			 e->handle);
	}
	ck_assert_str_eq(got, want);
}

static void assert_json(const cJSON *item, const char *want)
{
	ck_assert_ptr_nonnull(item);
	char *got = json_print(item, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Building blocks for inline fixtures. */
#define WS_A "'11111111-1111-4111-8111-111111111111'"
#define WS_B "'33333333-3333-4333-8333-333333333333'"
#define WORKSPACE(id, key)                                                                 \
	"{'id':" id ",'name':'W','owner':{'id':'22222222-2222-4222-8222-222222222222',"    \
	"'name':'O','email':'o@example.com'},'api_keys':['" key "']}"
#define KB_ID "'44444444-4444-4444-8444-444444444444'"
#define PL_ID "'55555555-5555-4555-8555-555555555555'"
#define WF_ID "'66666666-6666-4666-8666-666666666666'"
/* A file with workspace A and one knowledge base whose draft is workflow. */
#define WITH_DRAFT(workflow)                                                                \
	"{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID \
	",'workspace':" WS_A ",'name':'K','pipeline':{'id':" PL_ID ",'draft':" workflow "}}]}"
#define DS(id) "{'id':'" id "','type':'datasource','datasource_type':'local_file'}"
#define TOOL(id) "{'id':'" id "','type':'tool'}"
#define EDGE(a, b) "{'source':'" a "','target':'" b "'}"
#define DRAFT_PATH "knowledge_bases[0].pipeline.draft"

/* ---- the bundled fixtures ---- */

START_TEST(test_bundled_fixtures_load)
{
	struct fixtures *fx = load_ok(FIXTURES_DIR);
	ck_assert_uint_eq(fixtures_kb_count(fx), 9);
	ck_assert_ptr_null(fixtures_kb_at(fx, 9));
	fixtures_free(fx);
}
END_TEST

START_TEST(test_bundled_keys_find_their_workspace)
{
	struct fixtures *fx = load_ok(FIXTURES_DIR);
	const struct fx_workspace *demo = fixtures_workspace_by_key(fx, DEMO_KEY, strlen(DEMO_KEY));
	ck_assert_ptr_nonnull(demo);
	ck_assert_str_eq(demo->id, DEMO_WS_ID);
	ck_assert_str_eq(demo->name, "Demo Workspace");
	ck_assert_int_eq(demo->status, FX_TENANT_NORMAL);
	ck_assert(demo->has_owner);
	ck_assert(demo->owner_account_exists);
	ck_assert_str_eq(demo->owner.id, "e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
	ck_assert_str_eq(demo->owner.name, "Demo Owner");
	ck_assert_str_eq(demo->owner.email, "owner@demo.example");

	const struct fx_workspace *other = fixtures_workspace_by_key(fx, OTHER_KEY, strlen(OTHER_KEY));
	ck_assert_ptr_nonnull(other);
	ck_assert_str_eq(other->name, "Other Team");
	ck_assert_str_eq(other->owner.email, "owner@other.example");

	/* the length decides, not a NUL */
	ck_assert_ptr_eq(fixtures_workspace_by_key(fx, DEMO_KEY "trailing", strlen(DEMO_KEY)), demo);
	ck_assert_ptr_null(fixtures_workspace_by_key(fx, DEMO_KEY, strlen(DEMO_KEY) - 1));
	ck_assert_ptr_null(fixtures_workspace_by_key(fx, DEMO_KEY "0", strlen(DEMO_KEY) + 1));
	ck_assert_ptr_null(fixtures_workspace_by_key(fx, "dataset-difymockdemokey000000001", strlen(DEMO_KEY)));
	ck_assert_ptr_null(fixtures_workspace_by_key(fx, "", 0));
	ck_assert_ptr_null(fixtures_workspace_by_key(fx, NULL, 0));
	fixtures_free(fx);
}
END_TEST

START_TEST(test_bundled_demo_docs)
{
	struct fixtures *fx = load_ok(FIXTURES_DIR);
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	ck_assert_ptr_nonnull(kb);
	ck_assert_ptr_eq(fixtures_kb(fx, "3F2A9C1E-7B4D-4E8A-9F1C-2D5E6A7B8C9D"), kb);
	ck_assert_str_eq(kb->id, DEMO_DOCS);
	ck_assert_str_eq(kb->name, "Demo Docs");
	ck_assert_str_eq(kb->description, "Product documentation ingested through a knowledge pipeline.");
	ck_assert_str_eq(kb->chunk_structure, "text_model");
	ck_assert(kb->api_enabled);
	ck_assert_uint_eq(kb->initial_documents, 2);
	ck_assert_ptr_eq(kb->workspace, fixtures_workspace_by_key(fx, DEMO_KEY, strlen(DEMO_KEY)));
	ck_assert_str_eq(kb->file, FIXTURES_DIR "/demo.json");
	ck_assert_ptr_nonnull(kb->pipeline);
	ck_assert_str_eq(kb->pipeline->id, "3d9f0b7a-1c2e-4f3a-9b8c-7d6e5f4a3b2c");
	ck_assert_str_eq(kb->pipeline->published->id, "7c3e33d4-2a8b-4e5f-9b1a-d3c6e8f12345");
	ck_assert_str_eq(kb->pipeline->draft->id, "7c3e33d4-2a8b-4e5f-9b1a-d3c6e8f1d4af");

	for (int k = 0; k < 2; k++) {
		const struct fx_workflow *wf = k ? kb->pipeline->draft : kb->pipeline->published;
		ck_assert_uint_eq(wf->n_nodes, 7);
		const struct fx_node *fu = node(wf, "1750836391776");
		ck_assert_str_eq(fu->type, "datasource");
		ck_assert_str_eq(fu->title, "File Upload");
		ck_assert_str_eq(fu->datasource_type, "local_file");
		ck_assert_str_eq(fu->plugin_id, "langgenius/file");
		ck_assert_str_eq(fu->provider_name, "file");
		ck_assert_uint_eq(fu->duration_ms, 50);
		ck_assert(cJSON_IsString(fu->icon));
		ck_assert_ptr_null(fu->fail);
		ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(fu->outputs, "file"), "related_id")->valuestring,
				 "{{item.reference}}");
		ck_assert_str_eq(node(wf, "1752489759475")->datasource_type, "online_document");
		ck_assert_uint_eq(node(wf, "1752489759475")->duration_ms, 400);
		ck_assert_str_eq(node(wf, "1752491761974")->provider_name, "jinareader");
		ck_assert_uint_eq(node(wf, "1752491761974")->duration_ms, 1500);
		ck_assert_str_eq(node(wf, "1752565435219")->datasource_type, "online_drive");
		ck_assert_uint_eq(node(wf, "1752565435219")->duration_ms, 600);
		ck_assert_str_eq(node(wf, "1750836380067")->type, "tool");
		ck_assert_uint_eq(node(wf, "1750836380067")->duration_ms, 800);
		ck_assert_uint_eq(node(wf, "1750836372241")->duration_ms, 300);
		const struct fx_node *ki = node(wf, "1750836440531");
		ck_assert_str_eq(ki->type, "knowledge-index");
		ck_assert_uint_eq(ki->duration_ms, 1200);
		ck_assert_ptr_null(ki->icon);
		ck_assert_ptr_null(ki->execution_metadata);

		assert_next(wf, "1750836391776", "1750836380067/source");
		assert_next(wf, "1752565435219", "1750836380067/source");
		assert_next(wf, "1750836380067", "1750836372241/source");
		assert_next(wf, "1752489759475", "1750836372241/source");
		assert_next(wf, "1752491761974", "1750836372241/source");
		assert_next(wf, "1750836372241", "1750836440531/source");
		assert_next(wf, "1750836440531", "");

		ck_assert_uint_eq(wf->n_vars, 5);
		ck_assert_str_eq(wf->vars[0].variable, "jina_url");
		ck_assert_str_eq(wf->vars[0].type, "text-input");
		ck_assert_str_eq(wf->vars[0].belong_to_node_id, "1752491761974");
		ck_assert(wf->vars[0].required);
		ck_assert_int_eq(wf->vars[0].max_length, 256);
		ck_assert(cJSON_IsNull(wf->vars[0].default_value));
		ck_assert_str_eq(wf->vars[1].variable, "jina_limit");
		assert_json(wf->vars[1].default_value, "10");
		ck_assert_str_eq(wf->vars[2].variable, "max_chunk_length");
		assert_json(wf->vars[2].default_value, "1024");
		ck_assert(!wf->vars[2].required);
		ck_assert_str_eq(wf->vars[2].belong_to_node_id, "shared");
		ck_assert_str_eq(wf->vars[3].variable, "chunk_overlap");
		assert_json(wf->vars[3].default_value, "50");
		ck_assert_str_eq(wf->vars[4].variable, "language");
		ck_assert_str_eq(wf->vars[4].type, "select");
		assert_json(wf->vars[4].options, "[\"en\",\"de\",\"ja\"]");
		assert_json(cJSON_GetObjectItem(wf->vars[0].raw, "placeholder"), "\"https://docs.dify.ai/en/\"");
	}
	ck_assert_int_eq(fx_workflow_node_index(kb->pipeline->draft, "nope"), -1);
	fixtures_free(fx);
}
END_TEST

START_TEST(test_bundled_scenarios)
{
	struct fixtures *fx = load_ok(FIXTURES_DIR);
	const struct fx_workspace *demo = fixtures_workspace_by_key(fx, DEMO_KEY, strlen(DEMO_KEY));
	const struct fx_workspace *other = fixtures_workspace_by_key(fx, OTHER_KEY, strlen(OTHER_KEY));

	const struct fx_kb *notes = fixtures_kb(fx, "8b1e4d2c-6a3f-4b5e-9c7d-0e1f2a3b4c5d");
	ck_assert_ptr_nonnull(notes);
	ck_assert(!notes->api_enabled);
	ck_assert_ptr_eq(notes->workspace, demo);

	const struct fx_kb *faq = fixtures_kb(fx, "c0ffee00-1234-4abc-8def-0123456789ab");
	ck_assert_str_eq(faq->name, "Classic FAQ");
	ck_assert_ptr_null(faq->pipeline);

	const struct fx_kb *draft = fixtures_kb(fx, "b2d4f6a8-1c3e-4a5b-9d7f-2e4c6a8b0d1f");
	ck_assert_str_eq(draft->name, "Draft Only");
	ck_assert_ptr_null(draft->pipeline->published);
	ck_assert_uint_eq(draft->pipeline->draft->n_nodes, 3);

	const struct fx_kb *flaky = fixtures_kb(fx, "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b");
	for (int k = 0; k < 2; k++) {
		const struct fx_workflow *wf = k ? flaky->pipeline->draft : flaky->pipeline->published;
		const struct fx_node *ch = node(wf, "1750836372241");
		ck_assert_ptr_nonnull(ch->fail);
		ck_assert_str_eq(ch->fail->error, "Failed to invoke tool: upstream chunker service returned 503");
		ck_assert_int_eq(ch->fail->strategy, FX_STRATEGY_NONE);
		ck_assert_ptr_null(ch->fail->default_outputs);
		ck_assert_ptr_null(node(wf, "1750836380067")->fail);
	}

	const struct fx_kb *fallback = fixtures_kb(fx, "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f");
	for (int k = 0; k < 2; k++) {
		const struct fx_workflow *wf = k ? fallback->pipeline->draft : fallback->pipeline->published;
		const struct fx_node *ch = node(wf, "1750836372241");
		ck_assert_int_eq(ch->fail->strategy, FX_STRATEGY_DEFAULT_VALUE);
		assert_json(ch->fail->default_outputs, "{\"result\":{\"general_chunks\":[]}}");
		assert_next(wf, "1750836372241", "1750836440531/source");
	}

	const struct fx_kb *okb = fixtures_kb(fx, "a7c4e2f1-9b3d-4e6a-8c2b-1d0f9e8a7b6c");
	ck_assert_str_eq(okb->name, "Other Team KB");
	ck_assert_ptr_eq(okb->workspace, other);
	ck_assert_ptr_nonnull(okb->pipeline->published);
	ck_assert_ptr_nonnull(okb->pipeline->draft);
	ck_assert_ptr_null(fixtures_kb(fx, "00000000-0000-4000-8000-000000000000"));
	fixtures_free(fx);
}
END_TEST

/* ---- defaults and graph building ---- */

START_TEST(test_defaults_are_applied)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json",
		   "{'version':1,'workspaces':[{'id':" WS_A ",'name':'W','status':'archived','owner':null}],"
		   "'knowledge_bases':[{'id':'ABCDEF00-1234-4ABC-8DEF-0123456789AB','workspace':"
		   "'11111111-1111-4111-8111-111111111111','name':'K','pipeline':{'id':" PL_ID ","
		   "'variables':[{'variable':'v','type':'text-input'}],"
		   "'draft':{'id':" WF_ID ",'nodes':["
		   "{'id':'a','type':'datasource','datasource_type':'online_document'},"
		   "{'id':'b','type':'datasource','datasource_type':'website_crawl'},"
		   "{'id':'c','type':'datasource','datasource_type':'online_drive','plugin_id':'acme/drive'},"
		   "{'id':'d','type':'code','fail':{'error':'boom','error_strategy':'default-value'}},"
		   "{'id':'e','type':'if-else','fail':{'error':'boom','error_strategy':'fail-branch'}}]}}}]}");
	struct fixtures *fx = load_ok(dir);
	const struct fx_kb *kb = fixtures_kb(fx, "abcdef00-1234-4abc-8def-0123456789ab");
	ck_assert_ptr_nonnull(kb);
	ck_assert_str_eq(kb->id, "abcdef00-1234-4abc-8def-0123456789ab");
	ck_assert_str_eq(kb->description, "");
	ck_assert_str_eq(kb->chunk_structure, "text_model");
	ck_assert(kb->api_enabled);
	ck_assert_uint_eq(kb->initial_documents, 0);
	ck_assert_int_eq(kb->workspace->status, FX_TENANT_ARCHIVED);
	ck_assert(!kb->workspace->has_owner);
	ck_assert_uint_eq(kb->workspace->n_api_keys, 0);
	ck_assert_ptr_null(kb->pipeline->published);
	const struct fx_workflow *wf = kb->pipeline->draft;
	ck_assert_str_eq(node(wf, "a")->title, "datasource");
	ck_assert_str_eq(node(wf, "a")->plugin_id, "langgenius/notion_datasource");
	ck_assert_str_eq(node(wf, "a")->provider_name, "notion_datasource");
	ck_assert_str_eq(node(wf, "b")->plugin_id, "langgenius/jina_datasource");
	ck_assert_str_eq(node(wf, "b")->provider_name, "jinareader");
	ck_assert_str_eq(node(wf, "c")->plugin_id, "acme/drive");
	ck_assert_str_eq(node(wf, "c")->provider_name, "google_drive");
	ck_assert_uint_eq(node(wf, "a")->duration_ms, 0);
	ck_assert_ptr_null(node(wf, "a")->outputs);
	ck_assert_ptr_null(node(wf, "a")->inputs);
	ck_assert_ptr_null(node(wf, "d")->plugin_id);
	ck_assert_ptr_null(node(wf, "d")->datasource_type);
	assert_json(node(wf, "d")->fail->default_outputs, "{}");
	ck_assert_int_eq(node(wf, "e")->fail->strategy, FX_STRATEGY_FAIL_BRANCH);
	ck_assert_ptr_null(node(wf, "e")->fail->default_outputs);
	ck_assert_uint_eq(wf->n_vars, 1);
	ck_assert_str_eq(wf->vars[0].belong_to_node_id, "shared");
	ck_assert(!wf->vars[0].required);
	ck_assert_int_eq(wf->vars[0].max_length, 0);
	assert_json(wf->vars[0].options, "[]");
	assert_json(wf->vars[0].default_value, "null");
	assert_json(wf->vars[0].raw, "{\"variable\":\"v\",\"type\":\"text-input\"}");
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_owner_account_exists_and_keys)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json",
		   "{'workspaces':[{'id':" WS_A ",'name':'W','owner':{'id':'22222222-2222-4222-8222-222222222222',"
		   "'name':'O','email':'o@x','account_exists':false},'api_keys':['dataset-1','dataset-2']}]}");
	struct fixtures *fx = load_ok(dir);
	const struct fx_workspace *ws = fixtures_workspace_by_key(fx, "dataset-2", 9);
	ck_assert_ptr_nonnull(ws);
	ck_assert_ptr_eq(fixtures_workspace_by_key(fx, "dataset-1", 9), ws);
	ck_assert(ws->has_owner);
	ck_assert(!ws->owner_account_exists);
	ck_assert_uint_eq(ws->n_api_keys, 2);
	ck_assert_uint_eq(fixtures_kb_count(fx), 0);
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_edges_split_by_handle)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json",
		   WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("t") "," TOOL("u") "," TOOL("v") "],"
			      "'edges':[" EDGE("s", "t") ",{'source':'t','target':'u','source_handle':'true'},"
			      "{'source':'t','target':'v','source_handle':'fail-branch'},"
			      "{'source':'t','target':'v','source_handle':'false'}," EDGE("s", "t") "]}"));
	struct fixtures *fx = load_ok(dir);
	const struct fx_workflow *wf = fixtures_kb_at(fx, 0)->pipeline->draft;
	assert_next(wf, "s", "t/source"); /* the repeated edge counts once */
	assert_next(wf, "t", "u/true v/fail-branch v/false");
	ck_assert_uint_eq(node(wf, "v")->n_in, 2);
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_workflow_variables_override_pipeline_variables)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json",
		   "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
		   ",'workspace':" WS_A ",'name':'K','pipeline':{'id':" PL_ID ","
		   "'variables':[{'variable':'shared_one','type':'number'}],"
		   "'published':{'id':" WF_ID ",'nodes':[" DS("s") "]},"
		   "'draft':{'id':" WF_ID ",'nodes':[" DS("s") "],'variables':["
		   "{'variable':'own','type':'checkbox','belong_to_node_id':'s'},"
		   "{'variable':'own2','type':'paragraph'}]}}}]}");
	struct fixtures *fx = load_ok(dir);
	const struct fx_pipeline *p = fixtures_kb_at(fx, 0)->pipeline;
	ck_assert_uint_eq(p->published->n_vars, 1);
	ck_assert_str_eq(p->published->vars[0].variable, "shared_one");
	ck_assert_uint_eq(p->draft->n_vars, 2);
	ck_assert_str_eq(p->draft->vars[0].variable, "own");
	ck_assert_str_eq(p->draft->vars[0].belong_to_node_id, "s");
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_files_are_read_recursively_in_sorted_order)
{
	char *dir = make_data_dir();
	/* a.json < a/z.json < b.json; the knowledge base in b.json uses the
	 * workspace of a/z.json; hidden and non-JSON files are skipped */
	write_file(dir, "b.json", "{'knowledge_bases':[{'id':" KB_ID ",'workspace':" WS_B ",'name':'K'}],'x':1}");
	write_file(dir, "a/z.json", "{'workspaces':[" WORKSPACE(WS_B, "dataset-b") "],'y':1}");
	write_file(dir, "a.json", "{'z':1}");
	write_file(dir, ".hidden.json", "not json");
	write_file(dir, "notes.txt", "not json");
	assert_problems(dir,
			"a.json: z: unknown key (known keys: version, workspaces, knowledge_bases)",
			"a/z.json: y: unknown key (known keys: version, workspaces, knowledge_bases)",
			"b.json: x: unknown key (known keys: version, workspaces, knowledge_bases)", NULL);
	write_file(dir, "a.json", "{}");
	write_file(dir, "a/z.json", "{'workspaces':[" WORKSPACE(WS_B, "dataset-b") "]}");
	write_file(dir, "b.json", "{'knowledge_bases':[{'id':" KB_ID ",'workspace':" WS_B ",'name':'K'}]}");
	struct fixtures *fx = load_ok(dir);
	const struct fx_kb *kb = fixtures_kb(fx, "44444444-4444-4444-8444-444444444444");
	ck_assert_ptr_eq(kb->workspace, fixtures_workspace_by_key(fx, "dataset-b", 9));
	ck_assert_ptr_null(kb->pipeline);
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

/* ---- one problem of each kind ---- */

START_TEST(test_problem_bad_json)
{
	assert_one_problem("{\n  'version': 1,\n}", "a.json: line 3 column 1: expected string key");
}
END_TEST

START_TEST(test_problem_wrong_type)
{
	assert_one_problem("{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
			   ",'workspace':" WS_A ",'name':5}]}",
			   "a.json: knowledge_bases[0].name: expected a string, got an integer");
	assert_one_problem("{'workspaces':{}}", "a.json: workspaces: expected an array, got an object");
	assert_one_problem("[]", "a.json: $: expected an object, got an array");
	assert_one_problem("{'version':1.0}", "a.json: version: expected an integer, got a float");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','icon':null}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].icon: expected an object or a string, got null");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','duration_ms':-1}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].duration_ms: -1 is out of range (expected 0 to 86400000)");
}
END_TEST

START_TEST(test_problem_missing_key)
{
	assert_one_problem("{'workspaces':[{'id':" WS_A ",'name':'W'}]}",
			   "a.json: workspaces[0].owner: missing required key");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'datasource'}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].datasource_type: missing required key");
}
END_TEST

START_TEST(test_problem_duplicate_node_id)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("t") "," TOOL("s") "]}"),
			   "a.json: " DRAFT_PATH ".nodes[2].id: duplicate node id \"s\" (first defined at " DRAFT_PATH
			   ".nodes[0])");
}
END_TEST

START_TEST(test_problem_duplicate_kb_across_files)
{
	char *dir = make_data_dir();
	write_file(dir, "one.json", WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "]}"));
	write_file(dir, "two.json",
		   "{'knowledge_bases':[{'id':'44444444-4444-4444-8444-444444444444','workspace':" WS_A ",'name':'K2'}]}");
	assert_problems(dir,
			"two.json: knowledge_bases[0].id: duplicate knowledge base id "
			"\"44444444-4444-4444-8444-444444444444\" (first defined at DIR/one.json: knowledge_bases[0].id)",
			NULL);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_problem_unknown_edge_target)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "],'edges':[" EDGE("s", "n9") "]}"),
			   "a.json: " DRAFT_PATH ".edges[0].target: unknown node \"n9\"");
}
END_TEST

START_TEST(test_problem_cycle)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("a") "," TOOL("b") "," TOOL("c")
				      "],'edges':[" EDGE("s", "a") "," EDGE("a", "b") "," EDGE("b", "c") ","
				      "{'source':'c','target':'a','source_handle':'fail-branch'}]}"),
			   "a.json: " DRAFT_PATH ".edges: cycle through node \"a\"");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("a") "],'edges':["
				      EDGE("s", "a") "," EDGE("a", "a") "]}"),
			   "a.json: " DRAFT_PATH ".edges: cycle through node \"a\"");
}
END_TEST

START_TEST(test_problem_unknown_node_type)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'knowledge_index'}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].type: unknown node type \"knowledge_index\" (expected one of: "
			   "datasource, tool, knowledge-index, llm, code, if-else, template-transform, http-request, "
			   "variable-aggregator, document-extractor, list-operator, parameter-extractor, "
			   "question-classifier, assigner, agent, iteration, loop, human-input, start, end, answer)");
}
END_TEST

START_TEST(test_problem_unknown_key)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','titel':'T'}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].titel: unknown key (known keys: id, type, title, icon, "
			   "datasource_type, plugin_id, provider_name, duration_ms, inputs, outputs, process_data, "
			   "execution_metadata, fail, datasource_parameters, credentials, browse, data)");
	assert_one_problem("{'workspaces':[],'my key':1}",
			   "a.json: [\"my key\"]: unknown key (known keys: version, workspaces, knowledge_bases)");
}
END_TEST

START_TEST(test_problem_unknown_workspace_reference)
{
	assert_one_problem("{'knowledge_bases':[{'id':" KB_ID ",'workspace':" WS_B ",'name':'K'}]}",
			   "a.json: knowledge_bases[0].workspace: unknown workspace \"33333333-3333-4333-8333-333333333333\"");
}
END_TEST

START_TEST(test_problem_other_rules)
{
	assert_one_problem("{'version':2}", "a.json: version: unsupported version 2 (only 1 is supported)");
	assert_one_problem("{'workspaces':[" WORKSPACE(WS_A, "app-abc") "]}",
			   "a.json: workspaces[0].api_keys[0]: API key must start with \"dataset-\" and go on after it");
	assert_one_problem("{'workspaces':[" WORKSPACE("'1111-2222'", "dataset-a") "]}",
			   "a.json: workspaces[0].id: invalid uuid \"1111-2222\" (expected 8-4-4-4-12 hex digits)");
	assert_one_problem("{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "," WORKSPACE(WS_B, "dataset-a") "]}",
			   "a.json: workspaces[1].api_keys[0]: duplicate API key \"dataset-a\" (first defined at "
			   "DIR/a.json: workspaces[0].api_keys[0])");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','datasource_type':'local_file'}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].datasource_type: only allowed on datasource nodes");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','fail':{'error':'x',"
				      "'default_outputs':{}}}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].fail.default_outputs: only allowed with \"error_strategy\": "
			   "\"default-value\"");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','fail':{'error':''}}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].fail.error: must not be empty");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','fail':{'error':'x','error_type':''}}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].fail.error_type: must not be empty");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'tool','fail':{'error':'x','error_type':3}}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].fail.error_type: expected a string, got an integer");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[]}"), "a.json: " DRAFT_PATH ".nodes: must not be empty");
	assert_one_problem("{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
			   ",'workspace':" WS_A ",'name':'K','chunk_structure':'parent_child'}]}",
			   "a.json: knowledge_bases[0].chunk_structure: unknown chunk structure \"parent_child\" "
			   "(expected one of: text_model, hierarchical_model, qa_model)");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "],'variables':["
				      "{'variable':'v','type':'number'},{'variable':'v','type':'text-input'}]}"),
			   "a.json: " DRAFT_PATH ".variables[1].variable: duplicate variable \"v\" (first defined at "
			   DRAFT_PATH ".variables[0])");
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "],'variables':["
				      "{'variable':'v','type':'number','belong_to_node_id':'zz'}]}"),
			   "a.json: " DRAFT_PATH ".variables[0].belong_to_node_id: unknown node \"zz\"");
	assert_one_problem("{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
			   ",'workspace':" WS_A ",'name':'K','pipeline':{'id':" PL_ID ","
			   "'variables':[{'variable':'v','type':'number','belong_to_node_id':'t'}],"
			   "'published':{'id':" WF_ID ",'nodes':[" DS("t") "]},"
			   "'draft':{'id':" WF_ID ",'nodes':[" DS("s") "]}}}]}",
			   "a.json: knowledge_bases[0].pipeline.variables[0].belong_to_node_id: unknown node \"t\" in the "
			   "draft workflow");
}
END_TEST

#define X16 "xxxxxxxxxxxxxxxx"
START_TEST(test_problem_values_are_quoted_and_cut)
{
	assert_one_problem(WITH_DRAFT("{'id':" WF_ID ",'nodes':[{'id':'s','type':'a\\\"b\\n'}]}"),
			   "a.json: " DRAFT_PATH ".nodes[0].type: unknown node type \"a\\\"b\\x0a\" (expected one of: "
			   "datasource, tool, knowledge-index, llm, code, if-else, template-transform, http-request, "
			   "variable-aggregator, document-extractor, list-operator, parameter-extractor, "
			   "question-classifier, assigner, agent, iteration, loop, human-input, start, end, answer)");
	/* 63 x, then a two-byte character across the 64-byte cut */
	assert_one_problem("{'knowledge_bases':[{'id':" KB_ID ",'workspace':'" X16 X16 X16 "xxxxxxxxxxxxxxx\u00e9tc','name':'K'}]}",
			   "a.json: knowledge_bases[0].workspace: unknown workspace \"" X16 X16 X16 "xxxxxxxxxxxxxxx...\"");
}
END_TEST

START_TEST(test_problem_directories)
{
	char *dir = make_data_dir();
	struct fx_problems p = { NULL, 0 };
	struct fixtures *fx = NULL;
	write_file(dir, "readme.txt", "no fixtures here");
	ck_assert_int_eq(fixtures_load(dir, &fx, &p), -1);
	ck_assert_uint_eq(p.n, 1);
	char want[1024];
	snprintf(want, sizeof want, "%s: no *.json fixture files found", dir);
	ck_assert_str_eq(p.lines[0], want);
	fx_problems_free(&p);

	char missing[512];
	snprintf(missing, sizeof missing, "%s/missing", dir);
	ck_assert_int_eq(fixtures_load(missing, &fx, &p), -1);
	ck_assert_uint_eq(p.n, 1);
	snprintf(want, sizeof want, "%s: cannot open directory: No such file or directory", missing);
	ck_assert_str_eq(p.lines[0], want);
	fx_problems_free(&p);
	ck_assert_ptr_null(fx);

	/* reterr may be NULL */
	ck_assert_int_eq(fixtures_load(missing, &fx, NULL), -1);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_problem_file_too_large)
{
	char *dir = make_data_dir();
	char path[512];
	write_file(dir, "ok.json", "{}");
	snprintf(path, sizeof path, "%s/big.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (16 << 20) + 1), 0); /* sparse: costs nothing */
	close(fd);
	assert_problems(dir, "big.json: file is larger than 16 MiB", NULL);
	cleanup_data_dir(dir);
}
END_TEST

/* ---- collecting and all-or-nothing ---- */

START_TEST(test_all_problems_are_collected)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json", "{'workspaces':[{'id':" WS_A ",'name':1,'owner':null,'api_keys':['x']}]}");
	write_file(dir, "b.json", "{'knowledge_bases':[{'id':" KB_ID ",'workspace':" WS_B ",'name':'K','pipeline':"
				  "{'id':" PL_ID ",'draft':{'id':" WF_ID ",'nodes':[{'id':'s','type':'nope'}]}}}]}");
	write_file(dir, "c.json", "{");
	assert_problems(dir,
			"a.json: workspaces[0].name: expected a string, got an integer",
			"a.json: workspaces[0].api_keys[0]: API key must start with \"dataset-\" and go on after it",
			"b.json: knowledge_bases[0].pipeline.draft.nodes[0].type: unknown node type \"nope\" (expected one "
			"of: datasource, tool, knowledge-index, llm, code, if-else, template-transform, http-request, "
			"variable-aggregator, document-extractor, list-operator, parameter-extractor, "
			"question-classifier, assigner, agent, iteration, loop, human-input, start, end, answer)",
			"c.json: line 1 column 2: expected string key",
			"b.json: knowledge_bases[0].workspace: unknown workspace \"33333333-3333-4333-8333-333333333333\"",
			NULL);
	cleanup_data_dir(dir);
}
END_TEST

/* Found by fuzz-fixtures: a workflow without "nodes" and a scenario with
 * node changes made the loader memcpy from a NULL node array (UBSan). */
START_TEST(test_problem_scenario_over_a_workflow_without_nodes)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json", "{'knowledge_bases':[{'scenarios':{'':{'nodes':{}}},'pipeline':{'published':{}}}]}");
	assert_problems(dir, "a.json: knowledge_bases[0].id: missing required key",
			"a.json: knowledge_bases[0].workspace: missing required key",
			"a.json: knowledge_bases[0].name: missing required key",
			"a.json: knowledge_bases[0].pipeline.id: missing required key",
			"a.json: knowledge_bases[0].pipeline.published.id: missing required key",
			"a.json: knowledge_bases[0].pipeline.published.nodes: missing required key",
			"a.json: knowledge_bases[0].scenarios[\"\"]: a scenario needs a name other than \"\" and \"default\"",
			NULL);
	cleanup_data_dir(dir);
}
END_TEST

/* 40 files load on several threads (fixtures.c parses and checks files in
 * parallel from 16 on): problems still come out in file order, then those
 * between files, and what each thread built is usable afterwards. */
START_TEST(test_many_files_keep_their_order)
{
	char *dir = make_data_dir();
	char name[32], text[640];
	write_file(dir, "w.json", "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "]}");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "f%02d.json", i);
		/* f30 repeats f05's id; every seventh file has a stray key. */
		snprintf(text, sizeof text,
			 "{'knowledge_bases':[{'id':'44444444-4444-4444-8444-4444444444%02d','workspace':" WS_A
			 ",'name':'K%d','pipeline':{'id':" PL_ID ",'variables':[{'variable':'v','type':'number'}],"
			 "'draft':{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("t") "],'edges':[" EDGE("s", "t") "]}}%s}]}",
			 i == 30 ? 5 : i, i, i % 7 == 3 ? ",'stray':1" : "");
		write_file(dir, name, text);
	}
	const char *known = "unknown key (known keys: id, workspace, name, description, chunk_structure, api_enabled, "
			    "documents, pipeline, scenarios, scenario_sequence, strict_file_references)";
	char lines[7][400];
	int n = 0;
	for (int i = 3; i < 40; i += 7)
		snprintf(lines[n++], sizeof lines[0], "f%02d.json: knowledge_bases[0].stray: %s", i, known);
	snprintf(lines[n++], sizeof lines[0],
		 "f30.json: knowledge_bases[0].id: duplicate knowledge base id \"44444444-4444-4444-8444-444444444405\" "
		 "(first defined at DIR/f05.json: knowledge_bases[0].id)");
	ck_assert_int_eq(n, 7);
	assert_problems(dir, lines[0], lines[1], lines[2], lines[3], lines[4], lines[5], lines[6], NULL);

	/* Without the problems, every knowledge base is there and whole. */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "f%02d.json", i);
		snprintf(text, sizeof text,
			 "{'knowledge_bases':[{'id':'44444444-4444-4444-8444-4444444444%02d','workspace':" WS_A
			 ",'name':'K%d','pipeline':{'id':" PL_ID ",'variables':[{'variable':'v','type':'number'}],"
			 "'draft':{'id':" WF_ID ",'nodes':[" DS("s") "," TOOL("t") "],'edges':[" EDGE("s", "t") "]}}}]}",
			 i, i);
		write_file(dir, name, text);
	}
	struct fixtures *fx = load_ok(dir);
	ck_assert_uint_eq(fixtures_kb_count(fx), 40);
	for (int i = 0; i < 40; i++) {
		char id[40], want[8];
		snprintf(id, sizeof id, "44444444-4444-4444-8444-4444444444%02d", i);
		snprintf(want, sizeof want, "K%d", i);
		const struct fx_kb *kb = fixtures_kb(fx, id);
		ck_assert_ptr_nonnull(kb);
		ck_assert_str_eq(kb->name, want);
		ck_assert_str_eq(kb->workspace->id, "11111111-1111-4111-8111-111111111111");
		const struct fx_workflow *wf = kb->pipeline->draft;
		ck_assert_uint_eq(wf->n_vars, 1);
		ck_assert(cJSON_IsNull(wf->vars[0].default_value)); /* a pooled default */
		assert_next(wf, "s", "t/source");
	}
	fixtures_free(fx);
	cleanup_data_dir(dir);
}
END_TEST

/* A scenario's "endpoints": pipeline/run unless it says otherwise. */
START_TEST(test_scenario_endpoints)
{
	char *dir = make_data_dir();
	write_file(dir, "a.json", "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
				  ",'workspace':" WS_A ",'name':'K','scenarios':{'run':{'delay_ms':1},"
				  "'status':{'endpoints':['indexing-status','document','pipeline/run'],'delay_ms':1}}}]}");
	struct fixtures *fx = load_ok(dir);
	const struct fx_kb *kb = fixtures_kb(fx, "44444444-4444-4444-8444-444444444444");
	ck_assert_uint_eq(fx_kb_scenario(kb, "run")->endpoints, FX_EP_PIPELINE_RUN);
	ck_assert_uint_eq(fx_kb_scenario(kb, "status")->endpoints,
			  FX_EP_INDEXING_STATUS | FX_EP_DOCUMENT | FX_EP_PIPELINE_RUN);
	fixtures_free(fx);
	write_file(dir, "a.json", "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
				  ",'workspace':" WS_A ",'name':'K','scenarios':{'a':{'endpoints':['upload',3]},"
				  "'b':{'endpoints':[]}}}]}");
	assert_problems(dir,
			"a.json: knowledge_bases[0].scenarios.a.endpoints[0]: unknown endpoint \"upload\" (known: "
			"pipeline/run, datasource-plugins, datasource-node-run, indexing-status, document, file-upload)",
			"a.json: knowledge_bases[0].scenarios.a.endpoints[1]: expected a string, got an integer",
			"a.json: knowledge_bases[0].scenarios.b.endpoints: must not be empty", NULL);
	write_file(dir, "a.json", "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
				  ",'workspace':" WS_A ",'name':'K','scenarios':{'poll':{'endpoints':['document']}},"
				  "'scenario_sequence':['poll','default']}]}");
	assert_problems(dir,
			"a.json: knowledge_bases[0].scenario_sequence[0]: scenario \"poll\" does not apply to "
			"pipeline/run (see its \"endpoints\"); the sequence steps on runs", NULL);
	cleanup_data_dir(dir);
}
END_TEST

/* A scenario's "http" without code or message answers as Dify's handler does
 * for a werkzeug HTTPException: the class name in snake case and its
 * description, Werkzeug 3.1's text (werkzeug/exceptions.py). */
START_TEST(test_scenario_http_defaults_are_werkzeugs)
{
	static const struct {
		unsigned status;
		const char *code, *message;
	} want[] = {
		{ 400, "bad_request", "The browser (or proxy) sent a request that this server could not understand." },
		{ 401, "unauthorized",
		  "The server could not verify that you are authorized to access the URL requested. You either "
		  "supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to "
		  "supply the credentials required." },
		{ 403, "forbidden",
		  "You don't have the permission to access the requested resource. It is either read-protected or "
		  "not readable by the server." },
		{ 404, "not_found",
		  "The requested URL was not found on the server. If you entered the URL manually please check your "
		  "spelling and try again." },
		{ 405, "method_not_allowed", "The method is not allowed for the requested URL." },
		{ 413, "request_entity_too_large", "The data value transmitted exceeds the capacity limit." },
		{ 415, "unsupported_media_type", "The server does not support the media type transmitted in the request." },
		{ 429, "too_many_requests", "This user has exceeded an allotted request count. Try again later." },
		{ 500, "internal_server_error",
		  "The server encountered an internal error and was unable to complete your request. Either the "
		  "server is overloaded or there is an error in the application." },
		{ 502, "bad_gateway", "The proxy server received an invalid response from an upstream server." },
		{ 503, "service_unavailable",
		  "The server is temporarily unable to service your request due to maintenance downtime or capacity "
		  "problems. Please try again later." },
		{ 504, "gateway_timeout", "The connection to an upstream server timed out." },
		/* other statuses: 500's pair for 5xx, 400's for the rest */
		{ 418, "bad_request", "The browser (or proxy) sent a request that this server could not understand." },
		{ 599, "internal_server_error",
		  "The server encountered an internal error and was unable to complete your request. Either the "
		  "server is overloaded or there is an error in the application." },
	};
	size_t n = sizeof want / sizeof want[0];
	struct buf text = BUF_INIT;
	buf_puts(&text, "{'workspaces':[" WORKSPACE(WS_A, "dataset-a") "],'knowledge_bases':[{'id':" KB_ID
			",'workspace':" WS_A ",'name':'K','scenarios':{'own':{'http':{'status':429,'code':'slow_down',"
			"'message':'Wait.'}}");
	for (size_t i = 0; i < n; i++)
		buf_printf(&text, ",'s%u':{'http':{'status':%u}}", want[i].status, want[i].status);
	buf_puts(&text, "}}]}");
	char *dir = make_data_dir();
	write_file(dir, "a.json", text.data);
	struct fixtures *fx = load_ok(dir);
	const struct fx_kb *kb = fixtures_kb(fx, "44444444-4444-4444-8444-444444444444");
	for (size_t i = 0; i < n; i++) {
		char name[8];
		snprintf(name, sizeof name, "s%u", want[i].status);
		const struct fx_http_fault *h = fx_kb_scenario(kb, name)->http;
		ck_assert_uint_eq(h->status, want[i].status);
		ck_assert_str_eq(h->code, want[i].code);
		ck_assert_str_eq(h->message, want[i].message);
	}
	const struct fx_http_fault *own = fx_kb_scenario(kb, "own")->http;
	ck_assert_str_eq(own->code, "slow_down");
	ck_assert_str_eq(own->message, "Wait.");
	fixtures_free(fx);
	buf_free(&text);
	cleanup_data_dir(dir);
}
END_TEST

START_TEST(test_load_is_all_or_nothing)
{
	char *dir = make_data_dir();
	write_file(dir, "good.json", WITH_DRAFT("{'id':" WF_ID ",'nodes':[" DS("s") "]}"));
	struct fixtures *fx = load_ok(dir);
	fixtures_free(fx);
	write_file(dir, "junk.json", "{'workspaces':[],'extra':true}");
	assert_problems(dir, "junk.json: extra: unknown key (known keys: version, workspaces, knowledge_bases)", NULL);
	cleanup_data_dir(dir);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("fixtures");
	TCase *tc = tcase_create("bundled");
	tcase_add_test(tc, test_bundled_fixtures_load);
	tcase_add_test(tc, test_bundled_keys_find_their_workspace);
	tcase_add_test(tc, test_bundled_demo_docs);
	tcase_add_test(tc, test_bundled_scenarios);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_test(tc, test_defaults_are_applied);
	tcase_add_test(tc, test_owner_account_exists_and_keys);
	tcase_add_test(tc, test_edges_split_by_handle);
	tcase_add_test(tc, test_workflow_variables_override_pipeline_variables);
	tcase_add_test(tc, test_files_are_read_recursively_in_sorted_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("problems");
	tcase_add_test(tc, test_problem_bad_json);
	tcase_add_test(tc, test_problem_wrong_type);
	tcase_add_test(tc, test_problem_missing_key);
	tcase_add_test(tc, test_problem_duplicate_node_id);
	tcase_add_test(tc, test_problem_duplicate_kb_across_files);
	tcase_add_test(tc, test_problem_unknown_edge_target);
	tcase_add_test(tc, test_problem_cycle);
	tcase_add_test(tc, test_problem_unknown_node_type);
	tcase_add_test(tc, test_problem_unknown_key);
	tcase_add_test(tc, test_problem_unknown_workspace_reference);
	tcase_add_test(tc, test_problem_other_rules);
	tcase_add_test(tc, test_problem_values_are_quoted_and_cut);
	tcase_add_test(tc, test_problem_directories);
	tcase_add_test(tc, test_problem_file_too_large);
	tcase_add_test(tc, test_all_problems_are_collected);
	tcase_add_test(tc, test_many_files_keep_their_order);
	tcase_add_test(tc, test_scenario_endpoints);
	tcase_add_test(tc, test_scenario_http_defaults_are_werkzeugs);
	tcase_add_test(tc, test_load_is_all_or_nothing);
	tcase_add_test(tc, test_problem_scenario_over_a_workflow_without_nodes);
	suite_add_tcase(s, tc);
	return s;
}
