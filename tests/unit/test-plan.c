/* test-plan.c -- the graph walk (plan.c) as Dify's engine runs a graph
 * (graph-semantics.md §3, §4): only the selected branch runs, skipped
 * nodes do nothing, joins wait for their undecided edges, other datasource
 * roots are skipped, nodes are ready in breadth-first order, retries,
 * error strategies, limits; and plans are shared by runs with the same
 * decisions. Graphs are written inline (fixture nodes with Dify's "data"),
 * with ' for " to keep them readable. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"

#define T0 1776000000000LL
#define ITEM "{'reference':'r1','name':'report.pdf'}"
#define DS(id) "{'id':'" id "','type':'datasource','datasource_type':'local_file','duration_ms':10}"
#define TOOL(id) "{'id':'" id "','type':'tool','duration_ms':100}"
#define EDGE(a, b) "{'source':'" a "','target':'" b "'}"
#define HEDGE(a, b, h) "{'source':'" a "','target':'" b "','source_handle':'" h "'}"
/* An if-else with one case on the shared input `mode`. */
#define IF_MODE(id, case_id, want)                                                                        \
	"{'id':'" id "','type':'if-else','data':{'cases':[{'case_id':'" case_id "','logical_operator':'and'," \
	"'conditions':[{'variable_selector':['rag','shared','mode'],'comparison_operator':'is','value':'" want "'}]}]}}"
#define MODE_VAR "[{'variable':'mode','type':'text-input'}]"

static struct fixtures *fx;

/* s with ' as " (heap). */
static char *q(const char *s)
{
	char *o = xstrdup(s);
	for (char *c = o; *c; c++)
		if (*c == '\'')
			*c = '"';
	return o;
}

/* One knowledge base whose draft has these nodes, edges and variables. */
static void load(const char *nodes, const char *edges, const char *vars)
{
	char dir[] = "/tmp/dm-plan-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/kb.json", dir);
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "{'version':1,'workspaces':[{'id':'0a0a0a0a-0000-4000-8000-000000000000','name':'W',"
		   "'owner':{'id':'0c0c0c0c-0000-4000-8000-000000000000','name':'O','email':'o@x'},"
		   "'api_keys':['dataset-plankey']}],'knowledge_bases':[{'id':'0b0b0b0b-0000-4000-8000-000000000000',"
		   "'workspace':'0a0a0a0a-0000-4000-8000-000000000000','name':'KB','pipeline':{"
		   "'id':'0d0d0d0d-0000-4000-8000-000000000000','variables':%s,'draft':{"
		   "'id':'0e0e0e0e-0000-4000-8000-000000000000','nodes':%s,'edges':%s}}}]}",
		   vars ? vars : "[]", nodes, edges);
	char *text = q(b.data);
	buf_free(&b);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(text);
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(dir, &fx, &p);
	ck_assert_msg(rc == 0, "%s", p.n ? p.lines[0] : "");
	unlink(path);
	rmdir(dir);
}

static void unload(void)
{
	fixtures_free(fx);
	fx = NULL;
}

static struct run *run_with(const char *start, const char *item, const char *inputs, bool dify_1_13)
{
	const struct fx_kb *k = fixtures_kb_at(fx, 0);
	char *it = q(item), *in = inputs ? q(inputs) : NULL;
	cJSON *item_v, *inputs_v = NULL;
	ck_assert_int_eq(json_parse(it, strlen(it), &item_v, NULL, 0), 0);
	if (in)
		ck_assert_int_eq(json_parse(in, strlen(in), &inputs_v, NULL, 0), 0);
	struct run_params p = {
		.kb = k,
		.wf = k->pipeline->draft,
		.start_node_id = start,
		.datasource_type = "local_file",
		.item = item_v,
		.inputs = inputs_v,
		.created_at_ms = T0,
		.dify_1_13 = dify_1_13,
	};
	struct run *r = pipeline_run_new(&p);
	cJSON_Delete(item_v);
	free(it);
	free(in);
	return r;
}

static struct run *run(const char *start, const char *inputs)
{
	return run_with(start, ITEM, inputs, false);
}

/* The ids of the nodes that ran, space-separated. */
static void assert_ran(const struct run *r, const char *want)
{
	struct buf b = BUF_INIT;
	ck_assert_ptr_nonnull(r->plan);
	for (size_t i = 0; i < r->plan->n_steps; i++)
		buf_printf(&b, "%s%s", i ? " " : "", r->plan->steps[i].node->id);
	ck_assert_str_eq(b.data ? b.data : "", want);
	buf_free(&b);
}

/* Every event's name, space-separated. */
static void assert_event_names(const struct run *r, const char *want)
{
	static const char *const names[] = { "workflow_started", "node_started", "node_retry", "node_finished",
					     "workflow_finished", "error" };
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->n_events; i++)
		buf_printf(&b, "%s%s", i ? " " : "", names[run_event_at(r, i).kind]);
	ck_assert_str_eq(b.data, want);
	buf_free(&b);
}

static cJSON *event(const struct run *r, size_t i)
{
	struct buf b = BUF_INIT;
	run_event_json(r, i, &b);
	cJSON *e;
	ck_assert_int_eq(json_parse(b.data, b.len, &e, NULL, 0), 0);
	buf_free(&b);
	return e;
}

static void assert_json(const cJSON *v, const char *want)
{
	char *got = json_print(v, JSON_ORJSON, NULL);
	ck_assert_str_eq(got, want);
	free(got);
}

static const cJSON *data_of(const cJSON *e, const char *key)
{
	return json_get(json_get(e, "data"), key);
}

/* ---- branches ---- */

START_TEST(test_plan_runs_only_the_branch_the_if_else_selects)
{
	load("[" DS("ds") "," IF_MODE("if", "case-a", "a") "," TOOL("a") "," TOOL("b") "," TOOL("j") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "a", "case-a") "," HEDGE("if", "b", "false") "," EDGE("a", "j") ","
	     EDGE("b", "j") "]",
	     MODE_VAR);
	struct run *r = run("ds", "{'mode':'a'}");
	assert_ran(r, "ds if a j");
	ck_assert_int_eq(run_status(r), RUN_SUCCEEDED);
	/* the if-else reports what it selected */
	cJSON *e = event(r, 4);
	ck_assert_str_eq(json_get(e, "event")->valuestring, "node_finished");
	ck_assert_str_eq(json_get(data_of(e, "outputs"), "selected_case_id")->valuestring, "case-a");
	ck_assert(cJSON_IsTrue(json_get(data_of(e, "outputs"), "result")));
	cJSON_Delete(e);
	run_free(r);
	r = run("ds", "{'mode':'z'}");
	assert_ran(r, "ds if b j"); /* the join runs on either edge */
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_cases_are_tried_in_order_and_true_false_handles_work)
{
	/* the legacy shape: conditions without cases, handles "true"/"false" */
	load("[" DS("ds") ",{'id':'if','type':'if-else','data':{'logical_operator':'or','conditions':["
	     "{'variable_selector':['rag','shared','mode'],'comparison_operator':'is','value':'x'},"
	     "{'variable_selector':['rag','shared','mode'],'comparison_operator':'is','value':'y'}]}},"
	     TOOL("t") "," TOOL("f") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "t", "true") "," HEDGE("if", "f", "false") "]", MODE_VAR);
	struct run *r = run("ds", "{'mode':'y'}");
	assert_ran(r, "ds if t");
	run_free(r);
	r = run("ds", "{'mode':'n'}");
	assert_ran(r, "ds if f");
	run_free(r);
	unload();
	/* two cases that both pass: the first listed wins */
	load("[" DS("ds") ",{'id':'if','type':'if-else','data':{'cases':["
	     "{'case_id':'one','logical_operator':'and','conditions':[{'variable_selector':['rag','shared','mode'],"
	     "'comparison_operator':'not empty'}]},"
	     "{'case_id':'two','logical_operator':'and','conditions':[{'variable_selector':['rag','shared','mode'],"
	     "'comparison_operator':'is','value':'a'}]}]}}," TOOL("one") "," TOOL("two") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "one", "one") "," HEDGE("if", "two", "two") "]", MODE_VAR);
	r = run("ds", "{'mode':'a'}");
	assert_ran(r, "ds if one");
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_skip_spreads_only_where_every_edge_was_skipped)
{
	/* b is skipped, c only follows b: skipped too; j has a taken edge */
	load("[" DS("ds") "," IF_MODE("if", "go", "a") "," TOOL("a") "," TOOL("b") "," TOOL("c") "," TOOL("j") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "a", "go") "," HEDGE("if", "b", "false") "," EDGE("b", "c") ","
	     EDGE("a", "j") "," EDGE("c", "j") "]",
	     MODE_VAR);
	struct run *r = run("ds", "{'mode':'a'}");
	assert_ran(r, "ds if a j");
	/* skipped nodes emit nothing: 4 nodes, 2 events each, plus the workflow's */
	ck_assert_uint_eq(r->n_events, 10);
	ck_assert_uint_eq(r->plan->total_steps, 4);
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_an_unconnected_branch_ends_the_run_successfully)
{
	load("[" DS("ds") "," IF_MODE("if", "go", "a") "," TOOL("a") ",{'id':'ki','type':'knowledge-index'}]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "a", "go") "," EDGE("a", "ki") "]", MODE_VAR);
	struct run *r = run("ds", "{'mode':'b'}");
	assert_ran(r, "ds if");
	ck_assert_int_eq(run_status(r), RUN_SUCCEEDED);
	cJSON *e = event(r, r->n_events - 1);
	assert_json(data_of(e, "outputs"), "{}");
	cJSON_Delete(e);
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_a_condition_on_a_missing_variable_fails_the_run)
{
	load("[" DS("ds") ",{'id':'if','type':'if-else','data':{'cases':[{'case_id':'c','logical_operator':'and',"
	     "'conditions':[{'variable_selector':['nope','x'],'comparison_operator':'not exists'}]}]}}," TOOL("a") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "a", "false") "]", NULL);
	struct run *r = run("ds", NULL);
	assert_ran(r, "ds if");
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	ck_assert_str_eq(r->plan->error, "Variable ['nope', 'x'] not found");
	run_free(r);
	unload();
}
END_TEST

/* ---- roots, joins, order ---- */

START_TEST(test_plan_skips_the_other_datasources_and_what_only_they_feed)
{
	load("[" DS("d1") "," DS("d2") "," TOOL("only2") ",{'id':'agg','type':'variable-aggregator','data':{"
	     "'variables':[['d2','file'],['d1','file']]}}," TOOL("t") "]",
	     "[" EDGE("d2", "only2") "," EDGE("d1", "agg") "," EDGE("only2", "agg") "," EDGE("agg", "t") "]", NULL);
	struct run *r = run("d1", NULL);
	assert_ran(r, "d1 agg t");
	/* the aggregator outputs the first variable that exists: d1's file */
	cJSON *e = event(r, 4);
	const cJSON *file = json_get(data_of(e, "outputs"), "output");
	ck_assert_str_eq(json_get(file, "filename")->valuestring, "report.pdf");
	ck_assert_ptr_nonnull(json_get(data_of(e, "inputs"), "file"));
	cJSON_Delete(e);
	run_free(r);
	r = run("d2", NULL);
	assert_ran(r, "d2 only2 agg t");
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_runs_ready_nodes_breadth_first_in_edge_order)
{
	load("[" DS("ds") "," TOOL("a") "," TOOL("b") "," TOOL("c") "," TOOL("a2") "]",
	     "[" EDGE("ds", "a") "," EDGE("ds", "b") "," EDGE("ds", "c") "," EDGE("a", "a2") "]", NULL);
	struct run *r = run("ds", NULL);
	assert_ran(r, "ds a b c a2");
	/* one after another: each starts when the one before ends */
	ck_assert_uint_eq(r->plan->steps[4].start_ms, 10 + 3 * 100);
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_refuses_a_start_that_is_no_root)
{
	load("[" DS("ds") "," TOOL("t") "]", "[" EDGE("ds", "t") "]", NULL);
	struct run *r = run("t", NULL);
	ck_assert_str_eq(r->setup_error, "[INVALID_ROOT] Root node 't' must declare execution type 'root'.");
	run_free(r);
	r = run("", NULL); /* the default root: the first datasource */
	assert_ran(r, "ds t");
	run_free(r);
	unload();
}
END_TEST

/* ---- failures ---- */

START_TEST(test_plan_retries_report_each_failed_attempt)
{
	load("[" DS("ds") ",{'id':'t','type':'tool','duration_ms':100,'fail':{'error':'flaky','times':2},"
	     "'data':{'retry_config':{'retry_enabled':true,'max_retries':3,'retry_interval':50}}}]",
	     "[" EDGE("ds", "t") "]", NULL);
	struct run *r = run("ds", NULL);
	assert_event_names(r, "workflow_started node_started node_finished node_started node_retry node_retry "
			      "node_finished workflow_finished");
	/* fails twice, then succeeds: partial-succeeded, every failed attempt counted */
	ck_assert_int_eq(run_status(r), RUN_PARTIAL_SUCCEEDED);
	ck_assert_uint_eq(r->plan->exceptions_count, 2);
	ck_assert_uint_eq(r->plan->total_steps, 4);
	ck_assert_uint_eq(run_total_ms(r), 10 + 3 * 100 + 2 * 50);
	cJSON *e = event(r, 4);
	ck_assert_str_eq(data_of(e, "status")->valuestring, "retry");
	ck_assert_str_eq(data_of(e, "error")->valuestring, "flaky");
	ck_assert_int_eq(data_of(e, "retry_index")->valueint, 1);
	ck_assert_uint_eq(run_event_at(r, 4).at_ms, 10 + 100);
	cJSON_Delete(e);
	e = event(r, 5);
	ck_assert_int_eq(data_of(e, "retry_index")->valueint, 2);
	ck_assert_uint_eq(run_event_at(r, 5).at_ms, 10 + 100 + 50 + 100);
	cJSON_Delete(e);
	e = event(r, 6);
	ck_assert_str_eq(data_of(e, "status")->valuestring, "succeeded");
	cJSON_Delete(e);
	run_free(r);
	unload();
	/* every attempt fails: the last one ends the run */
	load("[" DS("ds") ",{'id':'t','type':'tool','duration_ms':100,'fail':{'error':'down'},"
	     "'data':{'retry_config':{'retry_enabled':true,'max_retries':2,'retry_interval':0}}}]",
	     "[" EDGE("ds", "t") "]", NULL);
	r = run("ds", NULL);
	assert_event_names(r, "workflow_started node_started node_finished node_started node_retry node_retry "
			      "node_finished workflow_finished");
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	ck_assert_str_eq(r->plan->error, "down");
	ck_assert_uint_eq(r->plan->exceptions_count, 3); /* all three attempts */
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_fail_branch_takes_the_fail_edges_only)
{
	load("[" DS("ds") ",{'id':'t','type':'tool','fail':{'error':'x'},'data':{'error_strategy':'fail-branch'}},"
	     TOOL("ok") "," TOOL("handler") "," TOOL("after_ok") "]",
	     "[" EDGE("ds", "t") "," HEDGE("t", "ok", "success-branch") "," HEDGE("t", "handler", "fail-branch") ","
	     EDGE("ok", "after_ok") "]",
	     NULL);
	struct run *r = run("ds", NULL);
	assert_ran(r, "ds t handler");
	ck_assert_int_eq(run_status(r), RUN_PARTIAL_SUCCEEDED);
	ck_assert_uint_eq(r->plan->exceptions_count, 1);
	cJSON *e = event(r, 4);
	ck_assert_str_eq(data_of(e, "status")->valuestring, "exception");
	assert_json(data_of(e, "outputs"), "{\"error_message\":\"x\",\"error_type\":\"WorkflowNodeError\"}");
	cJSON_Delete(e);
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_limits_end_the_run)
{
	/* 501 tool steps after the datasource: the step limit is checked as nodes finish */
	struct buf nodes = BUF_INIT, edges = BUF_INIT;
	buf_puts(&nodes, "[" DS("n0"));
	buf_puts(&edges, "[");
	for (int i = 1; i <= 501; i++) {
		buf_printf(&nodes, ",{'id':'n%d','type':'tool'}", i);
		buf_printf(&edges, "%s{'source':'n%d','target':'n%d'}", i > 1 ? "," : "", i - 1, i);
	}
	buf_puts(&nodes, "]");
	buf_puts(&edges, "]");
	load(nodes.data, edges.data, NULL);
	buf_free(&nodes);
	buf_free(&edges);
	struct run *r = run_with("n0", ITEM, NULL, false);
	ck_assert_int_eq(run_status(r), RUN_STOPPED);
	ck_assert_str_eq(r->plan->error, "Maximum execution steps exceeded: 501 > 500");
	ck_assert_uint_eq(r->plan->n_steps, 501);
	run_free(r);
	r = run_with("n0", ITEM, NULL, true); /* Dify 1.13.3: failed */
	ck_assert_int_eq(run_status(r), RUN_FAILED);
	run_free(r);
	unload();
}
END_TEST

START_TEST(test_plan_a_local_file_item_without_a_file_fails_its_datasource)
{
	load("[" DS("ds") "," TOOL("t") "]", "[" EDGE("ds", "t") "]", NULL);
	struct run *r = run_with("ds", "{'name':'x.pdf'}", NULL, false);
	assert_ran(r, "ds");
	ck_assert_str_eq(r->plan->error, "Failed to invoke datasource: File is not exist");
	run_free(r);
	unload();
}
END_TEST

/* ---- sharing ---- */

START_TEST(test_plan_runs_with_the_same_decisions_share_their_plan)
{
	load("[" DS("ds") "," IF_MODE("if", "go", "a") "," TOOL("a") "," TOOL("b") "]",
	     "[" EDGE("ds", "if") "," HEDGE("if", "a", "go") "," HEDGE("if", "b", "false") "]", MODE_VAR);
	struct run *r1 = run("ds", "{'mode':'a'}"), *r2 = run("ds", "{'mode':'a'}"), *r3 = run("ds", "{'mode':'q'}");
	ck_assert_ptr_eq(r1->plan, r2->plan);
	ck_assert_ptr_ne(r1->plan, r3->plan);
	ck_assert_ptr_null(r1->owned_plan);
	run_free(r1);
	run_free(r2);
	run_free(r3);
	unload();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *b = tcase_create("branches");
	tcase_add_test(b, test_plan_runs_only_the_branch_the_if_else_selects);
	tcase_add_test(b, test_plan_cases_are_tried_in_order_and_true_false_handles_work);
	tcase_add_test(b, test_plan_skip_spreads_only_where_every_edge_was_skipped);
	tcase_add_test(b, test_plan_an_unconnected_branch_ends_the_run_successfully);
	tcase_add_test(b, test_plan_a_condition_on_a_missing_variable_fails_the_run);
	suite_add_tcase(s, b);
	TCase *g = tcase_create("graph");
	tcase_add_test(g, test_plan_skips_the_other_datasources_and_what_only_they_feed);
	tcase_add_test(g, test_plan_runs_ready_nodes_breadth_first_in_edge_order);
	tcase_add_test(g, test_plan_refuses_a_start_that_is_no_root);
	suite_add_tcase(s, g);
	TCase *f = tcase_create("failures");
	tcase_set_timeout(f, 30);
	tcase_add_test(f, test_plan_retries_report_each_failed_attempt);
	tcase_add_test(f, test_plan_fail_branch_takes_the_fail_edges_only);
	tcase_add_test(f, test_plan_limits_end_the_run);
	tcase_add_test(f, test_plan_a_local_file_item_without_a_file_fails_its_datasource);
	suite_add_tcase(s, f);
	TCase *m = tcase_create("memo");
	tcase_add_test(m, test_plan_runs_with_the_same_decisions_share_their_plan);
	suite_add_tcase(s, m);
	return s;
}
