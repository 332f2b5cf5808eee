/* test-condition.c -- Dify's if-else node as graphon v0.1.2 evaluates it.
 * Every expected outcome in this file (branch, error text, and the inputs /
 * process_data / outputs bytes) was produced by running graphon v0.1.2's own
 * IfElseNode on the same data and pool (/work/notes/graphon-ifelse-oracle.py).
 * JSON is written with single quotes for readability: dq() turns them into
 * double quotes, so a quote inside a string is \u0027. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition.h"
#include "json.h"

static cJSON *parse(const char *text)
{
	char *s = strdup(text), err[160];
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	cJSON *v;
	ck_assert_msg(json_parse(s, strlen(s), &v, err, sizeof err) == 0, "%s: %s", s, err);
	free(s);
	return v;
}

static char *print(const cJSON *v)
{
	return json_print(v, JSON_ORJSON, NULL);
}

/* The test pool: {"node": {"var": value}}, and the declared types of some
 * variables ("node.var": "array[file]" | "array[boolean]" | "raises"). A
 * lookup follows VariablePool.get: a file's attribute, an object's keys. */
struct pool {
	cJSON *vars, *types;
	int calls;
};

static const char *const file_attrs[][2] = {
	{ "type", "type" }, { "size", "size" }, { "name", "filename" }, { "mime_type", "mime_type" },
	{ "transfer_method", "transfer_method" }, { "url", "url" }, { "extension", "extension" },
	{ "related_id", "related_id" },
};

static bool is_file(const cJSON *v)
{
	const cJSON *id = json_get(v, "dify_model_identity");
	return cJSON_IsString(id) && !strcmp(id->valuestring, "__dify__file__");
}

static const cJSON *lookup(void *ctx, const cJSON *sel, enum cond_type *type)
{
	struct pool *p = ctx;
	static cJSON *none;
	p->calls++;
	ck_assert_int_ge(cJSON_GetArraySize(sel), 2);
	if (!none)
		none = cJSON_CreateNull(); /* never freed: one per process */
	const char *node = cJSON_GetArrayItem(sel, 0)->valuestring, *name = cJSON_GetArrayItem(sel, 1)->valuestring;
	const cJSON *v = json_get(json_get(p->vars, node), name);
	if (!v)
		return NULL;
	if (cJSON_GetArraySize(sel) == 2) {
		char key[256];
		snprintf(key, sizeof key, "%s.%s", node, name);
		const cJSON *t = json_get(p->types, key);
		if (t && !strcmp(t->valuestring, "array[file]"))
			*type = COND_TYPE_ARRAY_FILE;
		else if (t && !strcmp(t->valuestring, "array[boolean]"))
			*type = COND_TYPE_ARRAY_BOOLEAN;
		else if (t && !strcmp(t->valuestring, "raises"))
			*type = COND_TYPE_RAISES;
		return v;
	}
	if (is_file(v)) {
		const char *attr = cJSON_GetArrayItem(sel, 2)->valuestring;
		for (size_t i = 0; i < sizeof file_attrs / sizeof file_attrs[0]; i++) {
			if (strcmp(attr, file_attrs[i][0]))
				continue;
			const cJSON *a = json_get(v, file_attrs[i][1]);
			return a ? a : none;
		}
		return NULL;
	}
	for (const cJSON *k = cJSON_GetArrayItem(sel, 2); k && v; k = k->next)
		v = cJSON_IsObject(v) && !is_file(v) ? json_get(v, k->valuestring) : NULL;
	return v;
}

static void pool_init(struct pool *p, const char *vars, const char *types)
{
	p->vars = parse(vars);
	p->types = types ? parse(types) : NULL;
	p->calls = 0;
}

static void pool_free(struct pool *p)
{
	cJSON_Delete(p->vars);
	cJSON_Delete(p->types);
}

/* What graphon reported: the handle and error, and the three JSON fields
 * compared as the bytes our orjson writer gives. */
struct want {
	const char *data, *pool, *types;
	const char *handle, *error;
	const char *inputs, *process_data, *outputs;
};

static void assert_json(const cJSON *got, const char *want, const char *what)
{
	if (!want) {
		ck_assert_msg(!got, "%s: want none", what);
		return;
	}
	ck_assert_msg(got, "%s: missing", what);
	cJSON *w = parse(want);
	char *a = print(got), *b = print(w);
	ck_assert_msg(!strcmp(a, b), "%s\n  got  %s\n  want %s", what, a, b);
	free(a);
	free(b);
	cJSON_Delete(w);
}

/* The pool of the node tests. */
static const char pool_json[] =
	"{'n':{'s':'report.pdf','i':7,'f':1.5,'b':true,'z':null,'l':['a','b'],'ab':[true,"
	"false],'fl':[{'dify_model_identity':'__dify__file__','id':'f1','type':'document',"
	"'transfer_method':'local_file','remote_url':null,'reference':'r1','filename':'a.pdf',"
	"'extension':'.pdf','mime_type':'application/pdf','size':3,'related_id':'r1','url':'http://u/1'},"
	"{'dify_model_identity':'__dify__file__','id':'f2','type':'custom','transfer_method':'local_file',"
	"'remote_url':null,'reference':'r2','filename':'b.docx','extension':'docx','mime_type':'application/pdf',"
	"'size':0,'related_id':'r2','url':'http://u/2'}],'fi':{'dify_model_identity':'__dify__file__',"
	"'id':'f1','type':'document','transfer_method':'local_file','remote_url':null,'reference':'r1',"
	"'filename':'a.pdf','extension':'.pdf','mime_type':'application/pdf','size':3,'related_id':'r1',"
	"'url':'http://u/1'},'bad':[{'dify_model_identity':'__dify__file__','id':'f3','type':'document',"
	"'transfer_method':'local_file','remote_url':null,'reference':'r3','filename':'c',"
	"'extension':null,'mime_type':'application/pdf','size':3,'related_id':'r3','url':null}],"
	"'e':[],'d':{'k':'v','é':[1,2.5]},'e2':[]}}";

static void assert_outcome(const struct want *w, enum cond_graphon version)
{
	struct pool p;
	pool_init(&p, w->pool ? w->pool : pool_json, w->types);
	cJSON *data = parse(w->data);
	struct cond_outcome o;
	cond_eval_if_else(data, lookup, &p, version, &o);
	if (w->error) {
		ck_assert_msg(o.error && !strcmp(o.error, w->error), "error\n  got  %s\n  want %s",
			      o.error ? o.error : "(none)", w->error);
		ck_assert_ptr_null(o.handle);
	} else {
		ck_assert_msg(!o.error, "unexpected error: %s", o.error);
		ck_assert_str_eq(o.handle, w->handle);
		ck_assert(o.result == (json_get(o.outputs, "result") && cJSON_IsTrue(json_get(o.outputs, "result"))));
	}
	assert_json(o.inputs, w->inputs, "inputs");
	assert_json(o.process_data, w->process_data, "process_data");
	assert_json(o.outputs, w->outputs, "outputs");
	cond_outcome_free(&o);
	ck_assert_ptr_null(o.inputs);
	cJSON_Delete(data);
	pool_free(&p);
}

/* ---- nodes, graphon's outcomes ---- */

START_TEST(test_condition_cases_are_tried_in_order_and_the_first_passing_one_wins)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','s'],'comparison_operator':'contains','value':'x'}]},{'case_id':'c2','logical_operator':'or',"
			"'conditions':[{'variable_selector':['n','i'],'comparison_operator':'>','value':'5'},"
			"{'variable_selector':['n','s'],'comparison_operator':'is','value':'zzz'}]},{'case_id':'c3',"
			"'logical_operator':'and','conditions':[]}]}",
		.handle = "c2",
		.inputs = "{'conditions':[{'actual_value':7,'expected_value':'5','comparison_operator':'>'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','s'],'comparison_operator':'contains','value':'x','sub_variable_condition':null}]},"
			"'results':[false],'final_result':false},{'group':{'case_id':'c2','logical_operator':'or',"
			"'conditions':[{'variable_selector':['n','i'],'comparison_operator':'>','value':'5',"
			"'sub_variable_condition':null},{'variable_selector':['n','s'],'comparison_operator':'is',"
			"'value':'zzz','sub_variable_condition':null}]},'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c2'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_no_passing_case_takes_false_with_the_last_case_inputs)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','s'],'comparison_operator':'start with','value':'x'}]},{'case_id':'c2','logical_operator':'and',"
			"'conditions':[{'variable_selector':['n','f'],'comparison_operator':'≥','value':'2'},"
			"{'variable_selector':['n','i'],'comparison_operator':'=','value':'7'}]}]}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':1.5,'expected_value':'2','comparison_operator':'≥'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','s'],'comparison_operator':'start with','value':'x','sub_variable_condition':null}]},"
			"'results':[false],'final_result':false},{'group':{'case_id':'c2','logical_operator':'and',"
			"'conditions':[{'variable_selector':['n','f'],'comparison_operator':'≥','value':'2',"
			"'sub_variable_condition':null},{'variable_selector':['n','i'],'comparison_operator':'=',"
			"'value':'7','sub_variable_condition':null}]},'results':[false],'final_result':false}]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_and_stops_at_the_first_false_and_or_at_the_first_true)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','i'],'comparison_operator':'<','value':'5'},{'variable_selector':['n','nope'],"
			"'comparison_operator':'is','value':'x'}]},{'case_id':'c2','logical_operator':'or',"
			"'conditions':[{'variable_selector':['n','i'],'comparison_operator':'>','value':'5'},"
			"{'variable_selector':['x','y'],'comparison_operator':'is','value':'x'}]}]}",
		.handle = "c2",
		.inputs = "{'conditions':[{'actual_value':7,'expected_value':'5','comparison_operator':'>'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','i'],'comparison_operator':'<','value':'5','sub_variable_condition':null},"
			"{'variable_selector':['n','nope'],'comparison_operator':'is','value':'x','sub_variable_condition':null}]},"
			"'results':[false],'final_result':false},{'group':{'case_id':'c2','logical_operator':'or',"
			"'conditions':[{'variable_selector':['n','i'],'comparison_operator':'>','value':'5',"
			"'sub_variable_condition':null},{'variable_selector':['x','y'],'comparison_operator':'is',"
			"'value':'x','sub_variable_condition':null}]},'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c2'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_legacy_conditions_take_true)
{
	struct want w = {
		.data = "{'logical_operator':'or','conditions':[{'variable_selector':['n','s'],'comparison_operator':'is',"
			"'value':'x'},{'variable_selector':['n','s'],'comparison_operator':'end with','value':'.pdf'}]}",
		.handle = "true",
		.inputs = "{'conditions':[{'actual_value':'report.pdf','expected_value':'x','comparison_operator':'is'},"
			"{'actual_value':'report.pdf','expected_value':'.pdf','comparison_operator':'end with'}]}",
		.process_data = "{'condition_results':[{'group':'default','results':[false,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'true'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_legacy_conditions_take_false)
{
	struct want w = {
		.data = "{'conditions':[{'variable_selector':['n','s'],'comparison_operator':'is','value':'x'}]}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':'report.pdf','expected_value':'x','comparison_operator':'is'}]}",
		.process_data = "{'condition_results':[{'group':'default','results':[false],'final_result':false}]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_empty_cases_take_true_in_0_1_2)
{
	struct want w = {
		.data = "{'cases':[]}",
		.handle = "true",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':'default','results':[],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'true'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_empty_cases_evaluate_legacy_conditions_in_0_1_2)
{
	struct want w = {
		.data = "{'cases':[],'logical_operator':'and','conditions':[{'variable_selector':['n','b'],"
			"'comparison_operator':'is','value':'false'}]}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':true,'expected_value':false,'comparison_operator':'is'}]}",
		.process_data = "{'condition_results':[{'group':'default','results':[false],'final_result':false}]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_a_case_without_conditions_passes_with_and_but_not_with_or)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','z'],'comparison_operator':'not null'}]},{'case_id':'c2','logical_operator':'or',"
			"'conditions':[]},{'case_id':'c3','logical_operator':'and','conditions':[]}]}",
		.handle = "c3",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','z'],'comparison_operator':'not null','value':null,'sub_variable_condition':null}]},"
			"'results':[false],'final_result':false},{'group':{'case_id':'c2','logical_operator':'or',"
			"'conditions':[]},'results':[],'final_result':false},{'group':{'case_id':'c3','logical_operator':'and',"
			"'conditions':[]},'results':[],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c3'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_a_missing_variable_fails_the_node)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','s'],'comparison_operator':'empty'}]},{'case_id':'c2','logical_operator':'and',"
			"'conditions':[{'variable_selector':['n','nope'],'comparison_operator':'is','value':'x'}]}]}",
		.error = "Variable ['n', 'nope'] not found",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','s'],'comparison_operator':'empty','value':null,'sub_variable_condition':null}]},"
			"'results':[false],'final_result':false}]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_exists_on_a_missing_variable_fails_too)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'other','x'],'comparison_operator':'not exists'}]}]}",
		.error = "Variable ['other', 'x'] not found",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_exists_tests_for_none)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','z'],'comparison_operator':'not exists'},{'variable_selector':['n','s'],'comparison_operator':'exists'},"
			"{'variable_selector':['n','fi','extension'],'comparison_operator':'exists'}]}]}",
		.handle = "c1",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','z'],'comparison_operator':'not exists','value':null,'sub_variable_condition':null},"
			"{'variable_selector':['n','s'],'comparison_operator':'exists','value':null,'sub_variable_condition':null},"
			"{'variable_selector':['n','fi','extension'],'comparison_operator':'exists','value':null,"
			"'sub_variable_condition':null}]},'results':[true,true,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c1'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_list_contains_with_extension_sub_condition)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'extension','comparison_operator':'is',"
			"'value':'docx'},{'key':'size','comparison_operator':'≥','value':'0'}]}}]}]}",
		.handle = "c1",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','fl'],'comparison_operator':'contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'extension','comparison_operator':'is',"
			"'value':'docx'},{'key':'size','comparison_operator':'≥','value':'0'}]}}]},'results':["
			"true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c1'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_list_not_in_sub_condition_needs_every_file)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'not contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'or','conditions':[{'key':'extension','comparison_operator':'is not',"
			"'value':'.pdf'}]}}]},{'case_id':'c2','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'all of','value':null,'sub_variable_condition':{"
			"'logical_operator':'or','conditions':[{'key':'name','comparison_operator':'end with',"
			"'value':'x'},{'key':'type','comparison_operator':'in','value':['document','custom']}]}}]}]}",
		.handle = "c2",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','fl'],'comparison_operator':'not contains','value':null,"
			"'sub_variable_condition':{'logical_operator':'or','conditions':[{'key':'extension',"
			"'comparison_operator':'is not','value':'.pdf'}]}}]},'results':[false],'final_result':false},"
			"{'group':{'case_id':'c2','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'all of','value':null,'sub_variable_condition':{"
			"'logical_operator':'or','conditions':[{'key':'name','comparison_operator':'end with',"
			"'value':'x'},{'key':'type','comparison_operator':'in','value':['document','custom']}]}}]},"
			"'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c2'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_list_without_sub_condition_fails)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'contains','value':'pdf'}]}]}",
		.error = "Sub variable is required",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_sub_condition_unknown_key_fails)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'suffix','comparison_operator':'is',"
			"'value':'pdf'}]}}]}]}",
		.error = "'suffix' is not a valid FileAttribute",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_sub_condition_extension_needs_a_string)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'extension','comparison_operator':'in',"
			"'value':['pdf']}]}}]}]}",
		.error = "Expected value must be a string when key is FileAttribute.EXTENSION",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_sub_condition_url_of_a_file_without_one_fails)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','bad'],'comparison_operator':'contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'url','comparison_operator':'contains',"
			"'value':'http'}]}}]}]}",
		.error = "Unsupported transfer method: local_file",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_list_with_other_operators_is_compared_as_a_list)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fl'],'comparison_operator':'not empty','value':null},{'variable_selector':["
			"'n','e'],'comparison_operator':'not contains','value':'x'}]}]}",
		.handle = "c1",
		.inputs = "{'conditions':[{'actual_value':[{'dify_model_identity':'__dify__file__','id':'f1',"
			"'type':'document','transfer_method':'local_file','remote_url':null,'reference':'r1',"
			"'filename':'a.pdf','extension':'.pdf','mime_type':'application/pdf','size':3,'related_id':'r1',"
			"'url':'http://u/1'},{'dify_model_identity':'__dify__file__','id':'f2','type':'custom',"
			"'transfer_method':'local_file','remote_url':null,'reference':'r2','filename':'b.docx',"
			"'extension':'docx','mime_type':'application/pdf','size':0,'related_id':'r2','url':'http://u/2'}],"
			"'expected_value':null,'comparison_operator':'not empty'},{'actual_value':[],'expected_value':'x',"
			"'comparison_operator':'not contains'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','fl'],'comparison_operator':'not empty','value':null,'sub_variable_condition':null},"
			"{'variable_selector':['n','e'],'comparison_operator':'not contains','value':'x',"
			"'sub_variable_condition':null}]},'results':[true,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c1'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_file_attribute_keeps_its_dot)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','fi','extension'],'comparison_operator':'is','value':'pdf'}]},{'case_id':'c2',"
			"'logical_operator':'and','conditions':[{'variable_selector':['n','fi','extension'],"
			"'comparison_operator':'is','value':'.pdf'}]}]}",
		.handle = "c2",
		.inputs = "{'conditions':[{'actual_value':'.pdf','expected_value':'.pdf','comparison_operator':'is'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','fi','extension'],'comparison_operator':'is','value':'pdf',"
			"'sub_variable_condition':null}]},'results':[false],'final_result':false},{'group':{"
			"'case_id':'c2','logical_operator':'and','conditions':[{'variable_selector':['n',"
			"'fi','extension'],'comparison_operator':'is','value':'.pdf','sub_variable_condition':null}]},"
			"'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c2'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_templates_in_values_are_rendered)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','i'],'comparison_operator':'=','value':'{{#n.i#}}'},{'variable_selector':['n',"
			"'s'],'comparison_operator':'contains','value':'{{#n.l#}}'},{'variable_selector':["
			"'n','s'],'comparison_operator':'start with','value':'report.{{#n.missing#}}'}]}]}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':7,'expected_value':'7','comparison_operator':'='},"
			"{'actual_value':'report.pdf','expected_value':'[\\'a\\', \\'b\\']','comparison_operator':'contains'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','i'],'comparison_operator':'=','value':'{{#n.i#}}','sub_variable_condition':null},"
			"{'variable_selector':['n','s'],'comparison_operator':'contains','value':'{{#n.l#}}',"
			"'sub_variable_condition':null},{'variable_selector':['n','s'],'comparison_operator':'start with',"
			"'value':'report.{{#n.missing#}}','sub_variable_condition':null}]},'results':[true,"
			"false],'final_result':false}]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_boolean_values_are_decoded_from_json)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','b'],'comparison_operator':'is','value':'true'},{'variable_selector':['n','ab'],"
			"'comparison_operator':'contains','value':'false'},{'variable_selector':['n','ab'],"
			"'comparison_operator':'all of','value':['1','0']}]}]}",
		.handle = "c1",
		.inputs = "{'conditions':[{'actual_value':true,'expected_value':true,'comparison_operator':'is'},"
			"{'actual_value':[true,false],'expected_value':false,'comparison_operator':'contains'},"
			"{'actual_value':[true,false],'expected_value':[true,false],'comparison_operator':'all of'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','b'],'comparison_operator':'is','value':'true','sub_variable_condition':null},"
			"{'variable_selector':['n','ab'],'comparison_operator':'contains','value':'false',"
			"'sub_variable_condition':null},{'variable_selector':['n','ab'],'comparison_operator':'all of',"
			"'value':['1','0'],'sub_variable_condition':null}]},'results':[true,true,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c1'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_boolean_value_that_is_not_json_fails)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','b'],'comparison_operator':'is','value':'True'}]}]}",
		.error = "Expecting value: line 1 column 1 (char 0)",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_an_empty_case_id_selects_false_as_the_handle)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','b'],'comparison_operator':'is','value':true}]}]}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':true,'expected_value':true,'comparison_operator':'is'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'','logical_operator':'and','conditions':["
			"{'variable_selector':['n','b'],'comparison_operator':'is','value':true,'sub_variable_condition':null}]},"
			"'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':''}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_the_group_is_the_case_as_validated)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','b'],'comparison_operator':'=','value':1,'id':'x1','varType':'boolean'},{'variable_selector':["
			"'n','s'],'comparison_operator':'in','value':['a','report.pdf'],'sub_variable_condition':{"
			"'logical_operator':'or','conditions':[]}}],'id':'k1'}]}",
		.handle = "c1",
		.inputs = "{'conditions':[{'actual_value':true,'expected_value':true,'comparison_operator':'='},"
			"{'actual_value':'report.pdf','expected_value':['a','report.pdf'],'comparison_operator':'in'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','b'],'comparison_operator':'=','value':true,'sub_variable_condition':null},"
			"{'variable_selector':['n','s'],'comparison_operator':'in','value':['a','report.pdf'],"
			"'sub_variable_condition':{'logical_operator':'or','conditions':[]}}]},'results':["
			"true,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c1'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_an_empty_array_file_variable_uses_sub_conditions)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','e'],'comparison_operator':'not contains','value':null,'sub_variable_condition':{"
			"'logical_operator':'and','conditions':[{'key':'extension','comparison_operator':'is',"
			"'value':'pdf'}]}}]},{'case_id':'c2','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','e2'],'comparison_operator':'not contains','value':'x'}]}]}",
		.types = "{'n.e':'array[file]'}",
		.handle = "c2",
		.inputs = "{'conditions':[{'actual_value':[],'expected_value':'x','comparison_operator':'not contains'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'and','conditions':["
			"{'variable_selector':['n','e'],'comparison_operator':'not contains','value':null,"
			"'sub_variable_condition':{'logical_operator':'and','conditions':[{'key':'extension',"
			"'comparison_operator':'is','value':'pdf'}]}}]},'results':[false],'final_result':false},"
			"{'group':{'case_id':'c2','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','e2'],'comparison_operator':'not contains','value':'x','sub_variable_condition':null}]},"
			"'results':[true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'c2'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_an_empty_array_file_variable_needs_a_sub_condition)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'and','conditions':[{'variable_selector':["
			"'n','e'],'comparison_operator':'all of','value':['a']}]}]}",
		.types = "{'n.e':'array[file]'}",
		.error = "Sub variable is required",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_an_empty_array_boolean_variable_decodes_the_value)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c1','logical_operator':'or','conditions':[{'variable_selector':["
			"'n','e'],'comparison_operator':'contains','value':'true'},{'variable_selector':["
			"'n','e2'],'comparison_operator':'contains','value':'true'}]}]}",
		.types = "{'n.e':'array[boolean]'}",
		.handle = "false",
		.inputs = "{'conditions':[{'actual_value':[],'expected_value':true,'comparison_operator':'contains'},"
			"{'actual_value':[],'expected_value':'true','comparison_operator':'contains'}]}",
		.process_data = "{'condition_results':[{'group':{'case_id':'c1','logical_operator':'or','conditions':["
			"{'variable_selector':['n','e'],'comparison_operator':'contains','value':'true','sub_variable_condition':null},"
			"{'variable_selector':['n','e2'],'comparison_operator':'contains','value':'true',"
			"'sub_variable_condition':null}]},'results':[false,false],'final_result':false}]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_legacy_conditions_with_a_null_operator_use_and)
{
	struct want w = {
		.data = "{'logical_operator':null,'conditions':[{'variable_selector':['n','s'],'comparison_operator':'not empty'},"
			"{'variable_selector':['n','z'],'comparison_operator':'null'}]}",
		.handle = "true",
		.inputs = "{'conditions':[{'actual_value':'report.pdf','expected_value':null,'comparison_operator':'not empty'},"
			"{'actual_value':null,'expected_value':null,'comparison_operator':'null'}]}",
		.process_data = "{'condition_results':[{'group':'default','results':[true,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'true'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST


/* ---- each operator on its own, graphon's verdicts ---- */

struct op_case {
	const char *value, *op, *expected; /* JSON; expected NULL: no "value" key */
	const char *want;                  /* "true", "false" or "!" and the error */
};

static const struct op_case op_cases[] = {
	{ "\"abc\"", "contains", "\"b\"", "true" },
	{ "\"abc\"", "contains", "\"x\"", "false" },
	{ "\"\"", "contains", "\"x\"", "false" },
	{ "null", "contains", "\"x\"", "false" },
	{ "[\"a\", \"b\"]", "contains", "\"a\"", "true" },
	{ "[1, 2]", "contains", "\"1\"", "false" },
	{ "5", "contains", "\"5\"", "!Invalid actual value type: string or array" },
	{ "{\"a\": 1}", "contains", "\"a\"", "!Invalid actual value type: string or array" },
	{ "{}", "contains", "\"a\"", "false" },
	{ "\"a True b\"", "contains", "true", "true" },
	{ "[true]", "contains", "\"true\"", "true" },
	{ "\"abc\"", "contains", "null", "false" },
	{ "\"xNoney\"", "contains", "null", "true" },
	{ "\"abc\"", "contains", "\"\"", "true" },
	{ "[\"a\", \"b\"]", "contains", "[\"a\"]", "false" },
	{ "[[\"a\"]]", "contains", "[\"a\"]", "true" },
	{ "{\"dify_model_identity\": \"__dify__file__\", \"id\": \"f1\", \"type\": \"document\", \"transfer_method\": \"local_file\", \"remote_url\": null, \"reference\": \"r1\", \"filename\": \"a.pdf\", \"extension\": \".pdf\", \"mime_type\": \"application/pdf\", \"size\": 3, \"related_id\": \"r1\", \"url\": \"http://u/1\"}", "contains", "\"pdf\"", "!Invalid actual value type: string or array" },
	{ "\"abc\"", "not contains", "\"b\"", "false" },
	{ "\"abc\"", "not contains", "\"x\"", "true" },
	{ "null", "not contains", "\"x\"", "true" },
	{ "\"\"", "not contains", "\"x\"", "true" },
	{ "5", "not contains", "\"5\"", "!Invalid actual value type: string or array" },
	{ "[\"a\"]", "not contains", "\"b\"", "true" },
	{ "[0]", "not contains", "\"0\"", "true" },
	{ "\"abc\"", "start with", "\"ab\"", "true" },
	{ "\"abc\"", "start with", "\"bc\"", "false" },
	{ "\"\"", "start with", "\"x\"", "false" },
	{ "null", "start with", "\"x\"", "false" },
	{ "5", "start with", "\"5\"", "!Invalid actual value type: string" },
	{ "\"abc\"", "start with", "[\"a\"]", "!Expected value must be a string for startswith" },
	{ "0", "start with", "\"x\"", "false" },
	{ "\"abc\"", "start with", "true", "!Expected value must be a string for startswith" },
	{ "\"abc\"", "end with", "\"bc\"", "true" },
	{ "\"abc\"", "end with", "\"ab\"", "false" },
	{ "\"abc\"", "end with", "\"abcd\"", "false" },
	{ "null", "end with", "\"x\"", "false" },
	{ "[1]", "end with", "\"1\"", "!Invalid actual value type: string" },
	{ "\"abc\"", "end with", "null", "!Expected value must be a string for endswith" },
	{ "\"abc\"", "is", "\"abc\"", "true" },
	{ "\"abc\"", "is", "\"ABC\"", "false" },
	{ "null", "is", "\"x\"", "false" },
	{ "1", "is", "\"1\"", "!Invalid actual value type: string or boolean" },
	{ "true", "is", "\"true\"", "true" },
	{ "true", "is", "\"1\"", "true" },
	{ "false", "is", "\"true\"", "false" },
	{ "true", "is", "\"0\"", "false" },
	{ "\"abc\"", "is", "[\"abc\"]", "false" },
	{ "true", "is", "\"yes\"", "!Expecting value: line 1 column 1 (char 0)" },
	{ "true", "is", "\"1.5\"", "!unexpected value: type=<class 'str'>, value=1.5" },
	{ "true", "is", "\"\"", "!Expecting value: line 1 column 1 (char 0)" },
	{ "true", "is", NULL, "false" },
	{ "{\"dify_model_identity\": \"__dify__file__\", \"id\": \"f1\", \"type\": \"document\", \"transfer_method\": \"local_file\", \"remote_url\": null, \"reference\": \"r1\", \"filename\": \"a.pdf\", \"extension\": \".pdf\", \"mime_type\": \"application/pdf\", \"size\": 3, \"related_id\": \"r1\", \"url\": \"http://u/1\"}", "is", "\"x\"", "!Invalid actual value type: string or boolean" },
	{ "\"a.b\"", "is", "\"a.b\"", "true" },
	{ "\"abc\"", "is not", "\"abd\"", "true" },
	{ "\"abc\"", "is not", "\"abc\"", "false" },
	{ "null", "is not", "\"x\"", "false" },
	{ "1.5", "is not", "\"1.5\"", "!Invalid actual value type: string or boolean" },
	{ "false", "is not", "\"false\"", "false" },
	{ "true", "is not", "null", "true" },
	{ "\"\"", "empty", NULL, "true" },
	{ "\"a\"", "empty", NULL, "false" },
	{ "0", "empty", NULL, "true" },
	{ "0.0", "empty", NULL, "true" },
	{ "[]", "empty", NULL, "true" },
	{ "{}", "empty", NULL, "true" },
	{ "null", "empty", NULL, "true" },
	{ "false", "empty", NULL, "true" },
	{ "{\"dify_model_identity\": \"__dify__file__\", \"id\": \"f1\", \"type\": \"document\", \"transfer_method\": \"local_file\", \"remote_url\": null, \"reference\": \"r1\", \"filename\": \"a.pdf\", \"extension\": \".pdf\", \"mime_type\": \"application/pdf\", \"size\": 3, \"related_id\": \"r1\", \"url\": \"http://u/1\"}", "empty", NULL, "false" },
	{ "2.5", "empty", NULL, "false" },
	{ "\"\"", "not empty", NULL, "false" },
	{ "\"a\"", "not empty", NULL, "true" },
	{ "[0]", "not empty", NULL, "true" },
	{ "null", "not empty", NULL, "false" },
	{ "\"a\"", "in", "[\"a\", \"b\"]", "true" },
	{ "\"c\"", "in", "[\"a\", \"b\"]", "false" },
	{ "\"\"", "in", "[\"a\"]", "false" },
	{ "\"a\"", "in", "\"a,b\"", "!Invalid expected value type: array" },
	{ "1", "in", "[\"1\"]", "false" },
	{ "true", "in", "[\"true\", \"false\"]", "true" },
	{ "[\"a\"]", "in", "[\"a\"]", "false" },
	{ "0", "in", "\"x\"", "false" },
	{ "null", "not in", "[\"a\"]", "true" },
	{ "\"a\"", "not in", "[\"a\"]", "false" },
	{ "\"c\"", "not in", "[\"a\"]", "true" },
	{ "\"a\"", "not in", "\"a\"", "!Invalid expected value type: array" },
	{ "false", "not in", "[\"true\"]", "true" },
	{ "[\"a\", \"b\", \"c\"]", "all of", "[\"a\", \"b\"]", "true" },
	{ "[\"a\"]", "all of", "[\"a\", \"b\"]", "false" },
	{ "\"abc\"", "all of", "[\"a\", \"bc\"]", "true" },
	{ "[]", "all of", "[\"a\"]", "false" },
	{ "[\"a\"]", "all of", "[]", "true" },
	{ "[\"a\"]", "all of", "\"a\"", "!Unsupported operator: all of" },
	{ "[true, false]", "all of", "[\"true\"]", "true" },
	{ "[true]", "all of", "[\"true\", \"false\"]", "false" },
	{ "5", "all of", "[\"5\"]", "false" },
	{ "{\"a\": 1}", "all of", "[\"a\"]", "false" },
	{ "\"true\"", "all of", "[\"t\"]", "true" },
	{ "[\"a\"]", "all of", "null", "!Unsupported operator: all of" },
	{ "5", "=", "\"5\"", "true" },
	{ "5", "=", "\"5.0\"", "!invalid literal for int() with base 10: '5.0'" },
	{ "5", "=", "\" 5 \"", "true" },
	{ "5", "=", "\"1_0\"", "false" },
	{ "10", "=", "\"1_0\"", "true" },
	{ "5.0", "=", "\"5\"", "true" },
	{ "5.5", "=", "\"abc\"", "!could not convert string to float: 'abc'" },
	{ "5.5", "=", "\"5.5\"", "true" },
	{ "true", "=", "\"1\"", "true" },
	{ "false", "=", "\"0\"", "true" },
	{ "null", "=", "\"1\"", "false" },
	{ "\"5\"", "=", "\"5\"", "!Invalid actual value type: number or boolean" },
	{ "5", "=", "[\"5\"]", "!Cannot convert <class 'list'> to int" },
	{ "5", "=", NULL, "!Cannot convert <class 'NoneType'> to int" },
	{ "1.5", "=", NULL, "!Cannot convert <class 'NoneType'> to float" },
	{ "true", "=", NULL, "!Cannot convert <class 'NoneType'> to bool" },
	{ "18446744073709551615", "=", "\"18446744073709551615\"", "true" },
	{ "9007199254740993", "=", "\"9007199254740992\"", "false" },
	{ "5", "=", "true", "false" },
	{ "1", "=", "true", "true" },
	{ "0.1", "=", "\"0.1\"", "true" },
	{ "1e+16", "=", "\"1e16\"", "true" },
	{ "5", "=", "\"٥\"", "true" },
	{ "[1]", "=", "\"1\"", "!Invalid actual value type: number or boolean" },
	{ "5", "≠", "\"6\"", "true" },
	{ "5", "≠", "\"5\"", "false" },
	{ "null", "≠", "\"1\"", "false" },
	{ "5.0", "≠", "\"nan\"", "true" },
	{ "true", "≠", "\"false\"", "true" },
	{ "5", "≠", "\"x\"", "!invalid literal for int() with base 10: 'x'" },
	{ "5", ">", "\"4\"", "true" },
	{ "5", ">", "\"5\"", "false" },
	{ "5", ">", "\"4.5\"", "true" },
	{ "5", ">", "\"abc\"", "!Cannot convert 'abc' to number" },
	{ "\"5\"", ">", "\"4\"", "!Invalid actual value type: number" },
	{ "null", ">", "\"1\"", "false" },
	{ "true", ">", "\"0\"", "true" },
	{ "1.5", ">", "\"1\"", "true" },
	{ "9007199254740993", ">", "\"9007199254740992\"", "true" },
	{ "9007199254740993", ">", "\"9007199254740992.5\"", "true" },
	{ "9007199254740993", ">", "\"9007199254740991.5\"", "true" },
	{ "5", ">", NULL, "!Cannot convert <class 'NoneType'> to number" },
	{ "5", ">", "\"nan\"", "false" },
	{ "5", ">", "[\"1\"]", "!Cannot convert <class 'list'> to number" },
	{ "5", ">", "true", "true" },
	{ "5", ">", "\" 4 \"", "true" },
	{ "5", ">", "\"1e400\"", "false" },
	{ "2.5", ">", "\"2\"", "true" },
	{ "5", "<", "\"inf\"", "true" },
	{ "5", "<", "\"6\"", "true" },
	{ "5", "<", "\"5\"", "false" },
	{ "-1", "<", "\"-0.5\"", "true" },
	{ "5", "<", "\"x\"", "!Cannot convert 'x' to number" },
	{ "5", "≥", "\"5\"", "true" },
	{ "5", "≥", "\"5.5\"", "false" },
	{ "5.5", "≥", "\"5.5\"", "true" },
	{ "5", "≥", "\"-inf\"", "true" },
	{ "5", "≤", "\"5\"", "true" },
	{ "5", "≤", "\"4.99\"", "false" },
	{ "0", "≤", "\"-0\"", "true" },
	{ "false", "≤", "\"0\"", "true" },
	{ "null", "null", NULL, "true" },
	{ "\"\"", "null", NULL, "false" },
	{ "0", "null", NULL, "false" },
	{ "null", "not null", NULL, "false" },
	{ "\"x\"", "not null", NULL, "true" },
	{ "null", "exists", NULL, "false" },
	{ "\"x\"", "exists", NULL, "true" },
	{ "[]", "exists", NULL, "true" },
	{ "null", "not exists", NULL, "true" },
	{ "0", "not exists", NULL, "false" },
};

/* One case with one condition on ["n", "v"]: "true", "false" or "!error". */
static char *eval_op(const struct op_case *c, enum cond_graphon version)
{
	char err[160];
	cJSON *value, *pool = cJSON_CreateObject(), *n = cJSON_AddObjectToObject(pool, "n");
	ck_assert_msg(json_parse(c->value, strlen(c->value), &value, err, sizeof err) == 0, "%s", err);
	cJSON_AddItemToObject(n, "v", value);
	cJSON *cond = cJSON_CreateObject();
	cJSON_AddItemToObject(cond, "variable_selector", cJSON_CreateStringArray((const char *const[]){ "n", "v" }, 2));
	cJSON_AddStringToObject(cond, "comparison_operator", c->op);
	if (c->expected) {
		cJSON *e;
		ck_assert_msg(json_parse(c->expected, strlen(c->expected), &e, err, sizeof err) == 0, "%s", err);
		cJSON_AddItemToObject(cond, "value", e);
	}
	cJSON *data = cJSON_CreateObject(), *kase = cJSON_CreateObject(), *conds = cJSON_CreateArray();
	cJSON_AddItemToArray(conds, cond);
	cJSON_AddStringToObject(kase, "case_id", "c");
	cJSON_AddStringToObject(kase, "logical_operator", "and");
	cJSON_AddItemToObject(kase, "conditions", conds);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(data, "cases"), kase);
	struct pool p = { .vars = pool };
	struct cond_outcome o;
	cond_eval_if_else(data, lookup, &p, version, &o);
	struct buf b = BUF_INIT;
	if (o.error)
		buf_printf(&b, "!%s", o.error);
	else
		buf_puts(&b, o.result ? "true" : "false");
	cond_outcome_free(&o);
	cJSON_Delete(data);
	cJSON_Delete(pool);
	return buf_steal(&b, NULL);
}

START_TEST(test_condition_operators_decide_as_graphon)
{
	for (size_t i = 0; i < sizeof op_cases / sizeof op_cases[0]; i++) {
		const struct op_case *c = &op_cases[i];
		char *got = eval_op(c, COND_GRAPHON_0_1_2);
		ck_assert_msg(!strcmp(got, c->want), "%s %s %s\n  got  %s\n  want %s", c->value, c->op,
			      c->expected ? c->expected : "(no value)", got, c->want);
		free(got);
	}
}
END_TEST

START_TEST(test_condition_operators_are_the_same_in_0_7_0_except_all_of_without_a_list)
{
	for (size_t i = 0; i < sizeof op_cases / sizeof op_cases[0]; i++) {
		const struct op_case *c = &op_cases[i];
		const char *want = !strcmp(c->want, "!Unsupported operator: all of")
					   ? "!all of operator expects homogeneous list of strings or booleans"
					   : c->want;
		char *got = eval_op(c, COND_GRAPHON_0_7_0);
		ck_assert_msg(!strcmp(got, want), "%s %s\n  got  %s\n  want %s", c->value, c->op, got, want);
		free(got);
	}
}
END_TEST

/* ---- graphon 0.7.0 (current Dify) ---- */

START_TEST(test_condition_empty_cases_take_false_in_0_7_0)
{
	struct want w = {
		.data = "{'cases':[],'conditions':[{'variable_selector':['n','s'],'comparison_operator':'empty'}]}",
		.handle = "false",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
		.outputs = "{'result':false,'selected_case_id':'false'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_7_0);
}
END_TEST

START_TEST(test_condition_no_cases_key_is_the_legacy_shape_in_0_7_0)
{
	struct want w = {
		.data = "{'cases':null,'logical_operator':'or','conditions':[{'variable_selector':['n','s'],"
			"'comparison_operator':'empty'},{'variable_selector':['n','i'],'comparison_operator':'=','value':'7'}]}",
		.handle = "true",
		.inputs = "{'conditions':[{'actual_value':'report.pdf','expected_value':null,'comparison_operator':'empty'},"
			"{'actual_value':7,'expected_value':'7','comparison_operator':'='}]}",
		.process_data = "{'condition_results':[{'group':'default','results':[false,true],'final_result':true}]}",
		.outputs = "{'result':true,'selected_case_id':'true'}",
	};
	assert_outcome(&w, COND_GRAPHON_0_7_0);
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

/* ---- the lookup ---- */

START_TEST(test_condition_short_selectors_never_reach_the_lookup)
{
	struct pool p;
	pool_init(&p, pool_json, NULL);
	static const char *const cases[][2] = {
		{ "['n']", "Variable ['n'] not found" },
		{ "[]", "Variable [] not found" },
		{ "['n','s','x']", "Variable ['n', 's', 'x'] not found" },
		{ "['it\\u0027s','x']", "Variable [\"it's\", 'x'] not found" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "{'cases':[{'case_id':'c','logical_operator':'and','conditions':[{'variable_selector':%s,"
			       "'comparison_operator':'exists'}]}]}", cases[i][0]);
		cJSON *data = parse(b.data);
		struct cond_outcome o;
		p.calls = 0;
		cond_eval_if_else(data, lookup, &p, COND_GRAPHON_0_1_2, &o);
		ck_assert_str_eq(o.error, cases[i][1]);
		ck_assert_int_eq(p.calls, i < 2 ? 0 : 1);
		cond_outcome_free(&o);
		cJSON_Delete(data);
		buf_free(&b);
	}
	pool_free(&p);
}
END_TEST

START_TEST(test_condition_a_lookup_that_raises_fails_the_node)
{
	struct want w = {
		.data = "{'cases':[{'case_id':'c','logical_operator':'and','conditions':[{'variable_selector':['n','i'],"
			"'comparison_operator':'=','value':'7'},{'variable_selector':['n','u'],'comparison_operator':'empty'}]}]}",
		.pool = "{'n':{'i':7,'u':'Unsupported transfer method: local_file'}}",
		.types = "{'n.u':'raises'}",
		.error = "Unsupported transfer method: local_file",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
	/* and inside a template */
	w.data = "{'cases':[{'case_id':'c','logical_operator':'and','conditions':[{'variable_selector':['n','i'],"
		 "'comparison_operator':'=','value':'{{#n.u#}}'}]}]}";
	assert_outcome(&w, COND_GRAPHON_0_1_2);
	struct pool p;
	pool_init(&p, w.pool, w.types);
	ck_assert_ptr_null(cond_render_text("x {{#n.u#}}", lookup, &p));
	pool_free(&p);
}
END_TEST

/* ---- templates: VariablePool.convert_template(...).text ---- */

static const char render_pool[] =
	"{'n':{'s':'text','i':7,'neg':-0,'f':1.5,'big':1e16,'t':true,'z':null,"
	"'o':{'k':'vé','n':[1,2.5],'q':'a\\'b'},'ls':['a','é'],'ln':[1,2.5],'lb':[true],"
	"'lo':[{'a':null}],'lm':['a',1],'le':[],"
	"'fi':{'dify_model_identity':'__dify__file__','id':'f1','type':'document','transfer_method':'local_file',"
	"'remote_url':null,'reference':'r1','filename':'a.pdf','extension':'.pdf','mime_type':'application/pdf',"
	"'size':3,'related_id':'r1','url':'http://u/1'},"
	"'fl':[{'dify_model_identity':'__dify__file__','id':'f1','type':'document','transfer_method':'local_file',"
	"'remote_url':null,'reference':'r1','filename':'a.pdf','extension':'.pdf','mime_type':'application/pdf',"
	"'size':3,'related_id':'r1','url':'http://u/1'}],"
	"'of':{'file':{'dify_model_identity':'__dify__file__','id':'f1','type':'document',"
	"'transfer_method':'local_file','remote_url':null,'reference':'r1','filename':'a.pdf','extension':'.pdf',"
	"'mime_type':'application/pdf','size':3,'related_id':'r1','url':'http://u/1'},'x':1}},"
	"'report':{'pdf':'X'},'':{'pdf':'EMPTY'}}";

static void assert_render(struct pool *p, const char *tpl, const char *want)
{
	char *got = cond_render_text(tpl, lookup, p);
	ck_assert_msg(got && !strcmp(got, want), "%s\n  got  %s\n  want %s", tpl, got ? got : "(null)", want);
	free(got);
}

START_TEST(test_condition_templates_show_each_segment_text)
{
	struct pool p;
	pool_init(&p, render_pool, NULL);
	assert_render(&p, "{{#n.s#}}", "text");
	assert_render(&p, "a {{#n.i#}} b", "a 7 b");
	assert_render(&p, "{{#n.neg#}}", "0");
	assert_render(&p, "{{#n.f#}}", "1.5");
	assert_render(&p, "{{#n.big#}}", "1e+16");                 /* str(float) */
	assert_render(&p, "{{#n.t#}}", "True");
	assert_render(&p, "[{{#n.z#}}]", "[]");
	assert_render(&p, "{{#n.o#}}", "{\"k\": \"vé\", \"n\": [1, 2.5], \"q\": \"a\\\"b\"}"); /* json.dumps */
	assert_render(&p, "{{#n.ls#}}", "[\"a\", \"é\"]");         /* json.dumps */
	assert_render(&p, "{{#n.ln#}}", "[1, 2.5]");               /* str(list) */
	assert_render(&p, "{{#n.lb#}}", "[True]");
	assert_render(&p, "{{#n.lo#}}", "[{'a': None}]");
	assert_render(&p, "{{#n.lm#}}", "['a', 1]");
	assert_render(&p, "[{{#n.le#}}]", "[]");                   /* empty arrays show nothing */
	assert_render(&p, "[{{#n.fi#}}]", "[]");                   /* files show nothing */
	assert_render(&p, "[{{#n.fl#}}]", "[]");
	assert_render(&p, "{{#n.of#}}",
		      "{\"file\": {\"dify_model_identity\": \"__dify__file__\", \"id\": \"f1\", \"type\": \"document\", "
		      "\"transfer_method\": \"local_file\", \"remote_url\": null, \"reference\": \"r1\", \"filename\": "
		      "\"a.pdf\", \"extension\": \".pdf\", \"mime_type\": \"application/pdf\", \"size\": 3}, \"x\": 1}");
	assert_render(&p, "{{#n.fi.extension#}}", ".pdf");
	assert_render(&p, "{{#n.o.k#}}", "vé");
	assert_render(&p, "{{#n.o.n#}}", "[1, 2.5]");
	assert_render(&p, "{{#n.s#}}{{#n.i#}}", "text7");
	pool_free(&p);
}
END_TEST

START_TEST(test_condition_templates_leave_missing_variables_as_their_path)
{
	struct pool p;
	pool_init(&p, render_pool, NULL);
	assert_render(&p, "{{#n.missing#}}!", "n.missing!");
	assert_render(&p, "{{#nope.x.y#}}", "nope.x.y");
	assert_render(&p, "{{#n._s#}}", "n._s");
	pool_free(&p);
}
END_TEST

START_TEST(test_condition_templates_resolve_dotted_text_too)
{
	struct pool p;
	pool_init(&p, render_pool, NULL);
	assert_render(&p, "report.pdf", "X");    /* the variable report.pdf */
	assert_render(&p, ".pdf", "EMPTY");      /* node "" */
	assert_render(&p, "n.s", "text");
	assert_render(&p, "a report.pdf", "a report.pdf");
	assert_render(&p, "x.n.s", "x.n.s");
	assert_render(&p, "", "");
	assert_render(&p, "plain", "plain");
	pool_free(&p);
}
END_TEST

START_TEST(test_condition_templates_follow_the_variable_pattern)
{
	struct pool p;
	pool_init(&p, render_pool, NULL);
	assert_render(&p, "{{{#n.s#}}}", "{text}");
	assert_render(&p, "{{#n.s}}", "{{#n.s}}");
	assert_render(&p, "{{# n.s #}}", "{{# n.s #}}");
	assert_render(&p, "{{#n#}}", "{{#n#}}");
	assert_render(&p, "{{#n.1s#}}", "{{#n.1s#}}");
	assert_render(&p, "{{#n-1.s#}}", "{{#n-1.s#}}");
	assert_render(&p, "{{#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.s#}}", /* 51 characters */
		      "{{#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.s#}}");
	assert_render(&p, "{{#n.sssssssssssssssssssssssssssssss#}}", "{{#n.sssssssssssssssssssssssssssssss#}}");
	assert_render(&p, "{{#n.a.b.c.d.e.f.g.h.i.j.k#}}", "{{#n.a.b.c.d.e.f.g.h.i.j.k#}}"); /* 11 parts */
	pool_free(&p);
}
END_TEST

/* ---- cond_check: what pydantic refuses ---- */

static void assert_check(const char *data, const char *want_path, const char *want_msg)
{
	cJSON *d = parse(data);
	char *path = NULL, *msg = cond_check(d, &path);
	if (!want_msg) {
		ck_assert_msg(!msg, "%s: unexpected %s: %s", data, path, msg);
		ck_assert_ptr_null(path);
	} else {
		ck_assert_msg(msg, "%s: no problem found", data);
		ck_assert_str_eq(path, want_path);
		ck_assert_msg(!strncmp(msg, want_msg, strlen(want_msg)), "%s\n  got  %s\n  want %s", data, msg, want_msg);
	}
	free(msg);
	free(path);
	cJSON_Delete(d);
}

#define COND(x) "{'cases':[{'case_id':'c','logical_operator':'and','conditions':[" x "]}]}"

START_TEST(test_condition_check_accepts_what_pydantic_accepts)
{
	assert_check("{'type':'if-else','title':'IF','cases':[]}", NULL, NULL);
	assert_check("{'cases':null,'conditions':null,'logical_operator':null}", NULL, NULL);
	assert_check("{}", NULL, NULL);
	assert_check(COND("{'id':'x','varType':'number','variable_selector':['n','i'],'comparison_operator':'≥','value':'1'}"),
		     NULL, NULL);
	assert_check(COND("{'variable_selector':[],'comparison_operator':'in','value':['a']}"), NULL, NULL);
	assert_check(COND("{'variable_selector':['n','b'],'comparison_operator':'is','value':1}"), NULL, NULL);
	assert_check(COND("{'variable_selector':['n','b'],'comparison_operator':'is','value':0.0}"), NULL, NULL);
	assert_check(COND("{'variable_selector':['n','f'],'comparison_operator':'contains','sub_variable_condition':"
			  "{'logical_operator':'or'}}"), NULL, NULL);
}
END_TEST

START_TEST(test_condition_check_names_the_path_of_the_problem)
{
	assert_check("[]", "", "must be an object");
	assert_check("{'logical_operator':'xor'}", "logical_operator", "must be \"and\" or \"or\"");
	assert_check("{'cases':{}}", "cases", "must be a list");
	assert_check("{'cases':[1]}", "cases[0]", "must be an object");
	assert_check("{'cases':[{'logical_operator':'and','conditions':[]}]}", "cases[0].case_id", "is required");
	assert_check("{'cases':[{'case_id':1,'logical_operator':'and','conditions':[]}]}", "cases[0].case_id",
		     "must be a string");
	assert_check("{'cases':[{'case_id':'c','logical_operator':'AND','conditions':[]}]}", "cases[0].logical_operator",
		     "must be \"and\" or \"or\"");
	assert_check("{'cases':[{'case_id':'c','logical_operator':'and'}]}", "cases[0].conditions", "is required");
	assert_check(COND("{'variable_selector':['n','s'],'comparison_operator':'~='}"),
		     "cases[0].conditions[0].comparison_operator", "must be one of Dify's comparison operators: contains,");
	assert_check(COND("{'variable_selector':['n','s']}"), "cases[0].conditions[0].comparison_operator", "is required");
	assert_check(COND("{'variable_selector':['n',1],'comparison_operator':'is'}"),
		     "cases[0].conditions[0].variable_selector", "must be a list of strings");
	assert_check(COND("{'variable_selector':['n','s'],'comparison_operator':'is','value':2}"),
		     "cases[0].conditions[0].value", "must be a string, a list of strings, a boolean or null");
	assert_check(COND("{'variable_selector':['n','s'],'comparison_operator':'in','value':['a',true]}"),
		     "cases[0].conditions[0].value", "must be a string, a list of strings, a boolean or null");
	assert_check(COND("{'variable_selector':['n','f'],'comparison_operator':'contains','sub_variable_condition':"
			  "{'conditions':[]}}"),
		     "cases[0].conditions[0].sub_variable_condition.logical_operator", "is required");
	assert_check(COND("{'variable_selector':['n','f'],'comparison_operator':'contains','sub_variable_condition':"
			  "{'logical_operator':'and','conditions':null}}"),
		     "cases[0].conditions[0].sub_variable_condition.conditions", "must be a list");
	assert_check(COND("{'variable_selector':['n','f'],'comparison_operator':'contains','sub_variable_condition':"
			  "{'logical_operator':'and','conditions':[{'key':'extension','comparison_operator':'is',"
			  "'value':true}]}}"),
		     "cases[0].conditions[0].sub_variable_condition.conditions[0].value",
		     "must be a string, a list of strings or null");
	assert_check("{'conditions':[{'variable_selector':['n','s'],'comparison_operator':'like'}]}",
		     "conditions[0].comparison_operator", "must be one of");
}
END_TEST

START_TEST(test_condition_node_data_that_does_not_validate_fails_the_node)
{
	struct want w = {
		.data = "{'cases':[{'case_id':7,'logical_operator':'and','conditions':[]}]}",
		.error = "cases[0].case_id: must be a string",
		.inputs = "{'conditions':[]}",
		.process_data = "{'condition_results':[]}",
	};
	assert_outcome(&w, COND_GRAPHON_0_1_2);
}
END_TEST

START_TEST(test_condition_outcome_free_accepts_null_and_twice)
{
	struct cond_outcome o = { 0 };
	cond_outcome_free(NULL);
	cond_outcome_free(&o);
	cond_outcome_free(&o);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("condition");
	TCase *tc = tcase_create("node");
	tcase_add_test(tc, test_condition_cases_are_tried_in_order_and_the_first_passing_one_wins);
	tcase_add_test(tc, test_condition_no_passing_case_takes_false_with_the_last_case_inputs);
	tcase_add_test(tc, test_condition_and_stops_at_the_first_false_and_or_at_the_first_true);
	tcase_add_test(tc, test_condition_legacy_conditions_take_true);
	tcase_add_test(tc, test_condition_legacy_conditions_take_false);
	tcase_add_test(tc, test_condition_empty_cases_take_true_in_0_1_2);
	tcase_add_test(tc, test_condition_empty_cases_evaluate_legacy_conditions_in_0_1_2);
	tcase_add_test(tc, test_condition_a_case_without_conditions_passes_with_and_but_not_with_or);
	tcase_add_test(tc, test_condition_a_missing_variable_fails_the_node);
	tcase_add_test(tc, test_condition_exists_on_a_missing_variable_fails_too);
	tcase_add_test(tc, test_condition_exists_tests_for_none);
	tcase_add_test(tc, test_condition_file_list_contains_with_extension_sub_condition);
	tcase_add_test(tc, test_condition_file_list_not_in_sub_condition_needs_every_file);
	tcase_add_test(tc, test_condition_file_list_without_sub_condition_fails);
	tcase_add_test(tc, test_condition_file_sub_condition_unknown_key_fails);
	tcase_add_test(tc, test_condition_file_sub_condition_extension_needs_a_string);
	tcase_add_test(tc, test_condition_file_sub_condition_url_of_a_file_without_one_fails);
	tcase_add_test(tc, test_condition_file_list_with_other_operators_is_compared_as_a_list);
	tcase_add_test(tc, test_condition_file_attribute_keeps_its_dot);
	tcase_add_test(tc, test_condition_templates_in_values_are_rendered);
	tcase_add_test(tc, test_condition_boolean_values_are_decoded_from_json);
	tcase_add_test(tc, test_condition_boolean_value_that_is_not_json_fails);
	tcase_add_test(tc, test_condition_an_empty_case_id_selects_false_as_the_handle);
	tcase_add_test(tc, test_condition_the_group_is_the_case_as_validated);
	tcase_add_test(tc, test_condition_an_empty_array_file_variable_uses_sub_conditions);
	tcase_add_test(tc, test_condition_an_empty_array_file_variable_needs_a_sub_condition);
	tcase_add_test(tc, test_condition_an_empty_array_boolean_variable_decodes_the_value);
	tcase_add_test(tc, test_condition_legacy_conditions_with_a_null_operator_use_and);
	suite_add_tcase(s, tc);
	tc = tcase_create("operators");
	tcase_add_test(tc, test_condition_operators_decide_as_graphon);
	tcase_add_test(tc, test_condition_operators_are_the_same_in_0_7_0_except_all_of_without_a_list);
	suite_add_tcase(s, tc);
	tc = tcase_create("versions");
	tcase_add_test(tc, test_condition_empty_cases_take_false_in_0_7_0);
	tcase_add_test(tc, test_condition_no_cases_key_is_the_legacy_shape_in_0_7_0);
	suite_add_tcase(s, tc);
	tc = tcase_create("lookup");
	tcase_add_test(tc, test_condition_short_selectors_never_reach_the_lookup);
	tcase_add_test(tc, test_condition_a_lookup_that_raises_fails_the_node);
	suite_add_tcase(s, tc);
	tc = tcase_create("templates");
	tcase_add_test(tc, test_condition_templates_show_each_segment_text);
	tcase_add_test(tc, test_condition_templates_leave_missing_variables_as_their_path);
	tcase_add_test(tc, test_condition_templates_resolve_dotted_text_too);
	tcase_add_test(tc, test_condition_templates_follow_the_variable_pattern);
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_add_test(tc, test_condition_check_accepts_what_pydantic_accepts);
	tcase_add_test(tc, test_condition_check_names_the_path_of_the_problem);
	tcase_add_test(tc, test_condition_node_data_that_does_not_validate_fails_the_node);
	tcase_add_test(tc, test_condition_outcome_free_accepts_null_and_twice);
	suite_add_tcase(s, tc);
	return s;
}
