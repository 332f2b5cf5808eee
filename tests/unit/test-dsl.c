/* test-dsl.c -- workflows read from Dify DSL files (fixtures_dsl.c): what
 * a file gives a workflow (nodes, titles, types, datasource settings,
 * edges with their handles, rag_pipeline_variables), a fixture's overlay,
 * and the problems --check reports, each naming the file and the path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "json.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-dsl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* kb.json naming pipe.yml as its draft, with this overlay (JSON or NULL). */
static void write_kb(const char *overlay)
{
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "{\"version\":1,\"workspaces\":[{\"id\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"W\","
		   "\"owner\":{\"id\":\"0c0c0c0c-0000-4000-8000-000000000000\",\"name\":\"O\",\"email\":\"o@x\"},"
		   "\"api_keys\":[\"dataset-dslkey\"]}],\"knowledge_bases\":[{\"id\":\"0b0b0b0b-0000-4000-8000-000000000000\","
		   "\"workspace\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"KB\",\"pipeline\":{"
		   "\"id\":\"0d0d0d0d-0000-4000-8000-000000000000\",\"draft\":{\"dsl\":\"pipe.yml\"%s%s}}}]}",
		   overlay ? ",\"overlay\":" : "", overlay ? overlay : "");
	write_file("kb.json", b.data);
	buf_free(&b);
}

#define HEADER "kind: rag_pipeline\nrag_pipeline:\n  name: P\nversion: 0.1.0\nworkflow:\n"
#define KI_NODE                                                                                     \
	"    - data:\n        chunk_structure: text_model\n        index_chunk_variable_selector:\n"    \
	"        - '2'\n        - result\n        indexing_technique: economy\n        retrieval_model:\n" \
	"          search_method: keyword_search\n          top_k: 3\n        title: Knowledge Base\n"   \
	"        type: knowledge-index\n      id: '9'\n      type: custom\n"

/* A small pipeline in Dify's export format: a file datasource, a note, a
 * chunker tool and a knowledge index. */
static const char *const PIPE =
	HEADER "  graph:\n    edges:\n"
	"    - {id: a, source: '1', sourceHandle: source, target: '2', targetHandle: target, type: custom}\n"
	"    - {id: b, source: '2', target: '9'}\n"
	"    - {id: c, source: '2', sourceHandle: null, target: '9'}\n"
	"    nodes:\n"
	"    - data:\n        datasource_parameters: {}\n        plugin_id: langgenius/file\n        provider_name: file\n"
	"        provider_type: local_file\n        title: File\n        type: datasource\n        unknown_key: 1\n"
	"      id: '1'\n      type: custom\n"
	"    - data: {text: '', title: '', type: ''}\n      id: note\n      type: custom-note\n"
	"    - data:\n        provider_id: langgenius/general_chunker/general_chunker\n        title: Chunker\n"
	"        tool_parameters:\n          delimiter: {type: mixed, value: '{{#rag.shared.delimiter#}}'}\n"
	"        type: tool\n      id: '2'\n      type: custom\n" KI_NODE
	"  rag_pipeline_variables:\n  - {belong_to_node_id: shared, label: Delimiter, max_length: null,"
	" allow_file_extension: null, required: true, type: text-input, variable: delimiter}\n";

static struct fixtures *load_ok(void)
{
	struct fixtures *fx;
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(dir, &fx, &p);
	ck_assert_msg(rc == 0, "%s", p.n ? p.lines[0] : "");
	return fx;
}

/* Loads, expecting exactly these problems (one per line, in order), with
 * DIR/ standing for the directory. */
static void assert_problems(const char *want)
{
	struct fixtures *fx;
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(dir, &fx, &p), -1);
	struct buf got = BUF_INIT;
	for (size_t i = 0; i < p.n; i++) {
		for (const char *l = p.lines[i], *at; *l; l = at + strlen(dir)) {
			if (!(at = strstr(l, dir))) {
				buf_puts(&got, l);
				break;
			}
			buf_append(&got, l, (size_t)(at - l));
			buf_puts(&got, "DIR");
		}
		buf_putc(&got, '\n');
	}
	ck_assert_str_eq(got.data ? got.data : "", want);
	buf_free(&got);
	fx_problems_free(&p);
}

START_TEST(test_dsl_gives_the_workflow_its_nodes_edges_and_variables)
{
	write_file("pipe.yml", PIPE);
	write_kb("{\"2\":{\"duration_ms\":7}}");
	struct fixtures *fx = load_ok();
	const struct fx_workflow *wf = fixtures_kb_at(fx, 0)->pipeline->draft;
	ck_assert_uint_eq(wf->n_nodes, 3); /* the note is dropped */
	ck_assert_str_eq(wf->nodes[0].id, "1");
	ck_assert_str_eq(wf->nodes[0].title, "File");
	ck_assert_int_eq(wf->nodes[0].kind, FX_NODE_DATASOURCE);
	ck_assert_int_eq(wf->nodes[0].ds_kind, FX_DS_LOCAL_FILE);
	ck_assert_str_eq(wf->nodes[0].plugin_id, "langgenius/file");
	ck_assert_uint_eq(wf->nodes[0].duration_ms, 300); /* a datasource's default */
	ck_assert_str_eq(wf->nodes[1].type, "tool");
	ck_assert_uint_eq(wf->nodes[1].duration_ms, 7); /* the overlay's */
	ck_assert_str_eq(wf->nodes[2].type, "knowledge-index");
	/* the edge with a null handle is dropped, a missing handle is "source" */
	ck_assert_uint_eq(wf->n_edges, 2);
	ck_assert_str_eq(wf->edges[1].handle, "source");
	ck_assert_uint_eq(wf->n_vars, 1);
	ck_assert_str_eq(wf->vars[0].variable, "delimiter");
	ck_assert(wf->vars[0].required);
	ck_assert_ptr_nonnull(wf->dsl_file);
	ck_assert_ptr_nonnull(wf->id); /* derived from the file when the fixture names none */
	fixtures_free(fx);
}
END_TEST

START_TEST(test_dsl_problems_name_the_file_and_path)
{
	/* an unknown node type and an edge to a node that is not there */
	char *bad = xstrdup(PIPE);
	char *t = strstr(bad, "type: tool");
	memcpy(t, "type: tooo", 10);
	char *e = strstr(bad, "target: '9'}");
	memcpy(e, "target: '8'}", 12);
	write_file("pipe.yml", bad);
	free(bad);
	write_kb("{\"nope\":{\"duration_ms\":1}}");
	assert_problems("DIR/pipe.yml: workflow.graph.nodes[2].data.type: unknown node type \"tooo\" (expected one of: "
			"datasource, tool, knowledge-index, llm, code, if-else, template-transform, http-request, "
			"variable-aggregator, document-extractor, list-operator, parameter-extractor, question-classifier, "
			"assigner, agent, iteration, loop, human-input, start, end, answer)\n"
			"DIR/pipe.yml: workflow.graph.edges[1].target: unknown node \"8\"\n"
			"DIR/kb.json: knowledge_bases[0].pipeline.draft.overlay.nope: no node \"nope\" in DIR/pipe.yml\n");
}
END_TEST

START_TEST(test_dsl_refused_as_dify_refuses_the_import)
{
	write_kb(NULL);
	write_file("pipe.yml", "- just\n- a list\n");
	assert_problems("DIR/pipe.yml: $: Invalid YAML format: content must be a mapping\n");
	write_file("pipe.yml", "version: 1\nrag_pipeline: {name: P}\nworkflow: []\n");
	assert_problems("DIR/pipe.yml: version: Invalid version type, expected str, got int\n"
			"DIR/pipe.yml: $: Missing workflow data for rag pipeline\n");
	write_file("pipe.yml", "workflow: {}\n");
	assert_problems("DIR/pipe.yml: $: Missing rag_pipeline data in YAML content\n");
	write_file("pipe.yml", "a: [1\n");
	assert_problems("DIR/pipe.yml: line 2 column 1: while parsing a flow sequence did not find expected ',' or ']'\n");
	/* a knowledge-index node Dify's import would not validate */
	write_file("pipe.yml", HEADER "  graph:\n    nodes:\n    - data: {type: knowledge-index, chunk_structure: text_model,"
				  " index_chunk_variable_selector: ['1', x]}\n      id: '9'\n");
	assert_problems("DIR/pipe.yml: workflow.graph.nodes[0].data.indexing_technique: missing required key (Dify refuses "
			"the import: \"DSL is not valid, please check the Knowledge Index node.\")\n"
			"DIR/pipe.yml: workflow.graph.nodes[0].data.retrieval_model: missing required key (Dify refuses the "
			"import: \"DSL is not valid, please check the Knowledge Index node.\")\n");
}
END_TEST

START_TEST(test_dsl_what_cannot_be_simulated_is_a_problem)
{
	write_kb(NULL);
	write_file("pipe.yml", HEADER "  graph:\n    nodes:\n    - data: {type: iteration, title: Loop over files}\n"
				  "      id: '5'\n" KI_NODE);
	assert_problems("DIR/pipe.yml: workflow.graph.nodes[0].data.type: dify-mock cannot simulate iteration nodes "
			"(their events depend on nodes run inside them, or on a person)\n");
	write_file("pipe.yml", HEADER "  graph:\n    nodes:\n    - data:\n        type: if-else\n        cases:\n"
				  "        - case_id: c\n          logical_operator: and\n          conditions:\n"
				  "          - {variable_selector: ['1', x], comparison_operator: looks like}\n"
				  "      id: '5'\n" KI_NODE);
	struct fixtures *fx;
	struct fx_problems p = { NULL, 0 };
	ck_assert_int_eq(fixtures_load(dir, &fx, &p), -1);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_msg(strstr(p.lines[0], "pipe.yml: workflow.graph.nodes[0].data.cases[0].conditions[0]"
					 ".comparison_operator: "),
		      "%s", p.lines[0]);
	fx_problems_free(&p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("dsl");
	TCase *t = tcase_create("dsl");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_dsl_gives_the_workflow_its_nodes_edges_and_variables);
	tcase_add_test(t, test_dsl_problems_name_the_file_and_path);
	tcase_add_test(t, test_dsl_refused_as_dify_refuses_the_import);
	tcase_add_test(t, test_dsl_what_cannot_be_simulated_is_a_problem);
	suite_add_tcase(s, t);
	return s;
}
