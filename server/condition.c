/* condition.c -- the if-else node (graphon v0.1.2 nodes/if_else/
 * if_else_node.py) and ConditionProcessor.process_conditions
 * (utils/condition/processor.py lines 35-112): cases in order, conditions
 * short-circuited, file sub-conditions, and the inputs / process_data /
 * outputs graphon reports. The operators are in condition_ops.c, templates
 * in condition_text.c, the data check in condition_check.c. */
#include "condition.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "condition_internal.h"
#include "json.h"
#include "pyconv.h"
#include "pyrepr.h"

struct run {
	cond_lookup_fn lookup;
	void *ctx;
	enum cond_graphon version;
	struct buf err; /* the text of the exception once one is raised */
};

static bool is_str(const cJSON *v, const char *s)
{
	return cJSON_IsString(v) && v->valuestring && !strcmp(v->valuestring, s);
}

static const char *str_or(const cJSON *v, const char *dflt)
{
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

/* VariablePool.get: fewer than two parts is "not found". */
static const cJSON *get_var(const struct run *r, const cJSON *selector, enum cond_type *type)
{
	*type = COND_TYPE_INFER;
	if (!cJSON_IsArray(selector) || cJSON_GetArraySize(selector) < 2)
		return NULL;
	return r->lookup(r->ctx, selector, type);
}

/* A Condition's value as pydantic left it (str | Sequence[str] | bool |
 * None): the JSON numbers 0 and 1 it accepted became booleans. */
static cJSON *validated_value(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return cJSON_CreateNull();
	if (cJSON_IsString(v) && !v->valuestring)
		return cJSON_CreateString("");
	if (cJSON_IsNumber(v))
		return cJSON_CreateBool(v->valuedouble != 0);
	return json_dup(v);
}

/* _convert_to_bool (processor.py lines 17-26). */
static cJSON *to_bool(struct run *r, const cJSON *v)
{
	enum cond_py k = cond_py_kind(v);
	if (k == PY_BOOL || k == PY_INT)
		return cJSON_CreateBool(cond_py_truthy(v));
	if (k == PY_STR) {
		bool nonzero = false;
		enum pyjson_kind jk = pyconv_json_kind(str_or(v, ""), &nonzero, &r->err);
		if (jk == PYJSON_ERROR)
			return NULL;
		if (jk == PYJSON_INT || jk == PYJSON_BOOL)
			return cJSON_CreateBool(nonzero);
	}
	buf_puts(&r->err, "unexpected value: type=");
	cond_py_type(&r->err, v);
	buf_puts(&r->err, ", value=");
	cond_py_str(&r->err, v);
	return NULL;
}

/* The expected value (processor.py lines 76-92): a str rendered as a
 * template, then made boolean for a boolean variable. */
static cJSON *expected_value(struct run *r, const cJSON *cond, enum cond_seg seg)
{
	cJSON *v = validated_value(json_get(cond, "value"));
	if (cJSON_IsString(v)) {
		struct buf text = BUF_INIT;
		int rc = cond_text_render(&text, v->valuestring, r->lookup, r->ctx, &r->err);
		cJSON_Delete(v);
		v = rc < 0 ? NULL : cJSON_CreateString(text.data ? text.data : "");
		buf_free(&text);
		if (!v)
			return NULL;
	}
	if ((seg != SEG_BOOLEAN && seg != SEG_ARRAY_BOOLEAN) || cJSON_IsNull(v))
		return v;
	cJSON *b;
	if (cJSON_IsArray(v)) {
		b = cJSON_CreateArray();
		for (const cJSON *c = v->child; c; c = c->next) {
			cJSON *item = to_bool(r, c);
			if (!item) {
				cJSON_Delete(b);
				b = NULL;
				break;
			}
			cJSON_AddItemToArray(b, item);
		}
	} else {
		b = to_bool(r, v);
	}
	cJSON_Delete(v);
	return b;
}

/* ---- array[file] sub-conditions (processor.py lines 458-499) ---- */

/* FileAttribute values and the File.to_dict() key each reads
 * (file/file_manager.py get_attr). */
static const char *const file_attrs[][2] = {
	{ "type", "type" }, { "size", "size" }, { "name", "filename" }, { "mime_type", "mime_type" },
	{ "transfer_method", "transfer_method" }, { "url", "url" }, { "extension", "extension" },
	{ "related_id", "related_id" },
};

static const char *file_key(const char *attr)
{
	for (size_t i = 0; i < sizeof file_attrs / sizeof file_attrs[0]; i++)
		if (!strcmp(attr, file_attrs[i][0]))
			return file_attrs[i][1];
	return NULL;
}

/* A string with a leading dot added when it has none (extension rule). */
static cJSON *dotted(const char *s)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '.');
	buf_puts(&b, s);
	cJSON *v = cJSON_CreateString(b.data);
	buf_free(&b);
	return v;
}

/* One sub-condition over every file: any(), or all() when the operator
 * contains "not". Returns 1, 0 or -1. */
static int sub_condition(struct run *r, const cJSON *files, const cJSON *sub)
{
	const char *attr = str_or(json_get(sub, "key"), "");
	const char *op = str_or(json_get(sub, "comparison_operator"), "");
	const char *key = file_key(attr);
	if (!key) {
		pyrepr_str(&r->err, attr);
		buf_puts(&r->err, " is not a valid FileAttribute");
		return -1;
	}
	bool ext = !strcmp(attr, "extension");
	cJSON *values = cJSON_CreateArray();
	cJSON *expected = validated_value(json_get(sub, "value"));
	int rc = -1;
	for (const cJSON *f = files->child; f; f = f->next) {
		const cJSON *v = json_get(f, key);
		if (!strcmp(attr, "url") && (!v || cJSON_IsNull(v))) {
			/* File.generate_url() gave None */
			buf_printf(&r->err, "Unsupported transfer method: %s", str_or(json_get(f, "transfer_method"), "None"));
			goto out;
		}
		/* For the extension both sides get a leading dot: the actual values
		 * here (reading them raises nothing), the expected one below. */
		const char *text = str_or(v, "");
		if (ext && *text && *text != '.')
			cJSON_AddItemToArray(values, dotted(text));
		else
			cJSON_AddItemToArray(values, v ? json_dup(v) : cJSON_CreateNull());
	}
	if (ext) {
		if (!cJSON_IsString(expected)) {
			buf_puts(&r->err, "Expected value must be a string when key is FileAttribute.EXTENSION");
			goto out;
		}
		if (*expected->valuestring && expected->valuestring[0] != '.') {
			cJSON *d = dotted(expected->valuestring);
			cJSON_Delete(expected);
			expected = d;
		}
	}
	bool all = strstr(op, "not"), acc = all;
	for (const cJSON *v = values->child; v; v = v->next) {
		int b = cond_op_eval(op, v, expected, r->version, &r->err);
		if (b < 0)
			goto out;
		acc = all ? acc && b : acc || b;
	}
	rc = acc;
out:
	cJSON_Delete(values);
	cJSON_Delete(expected);
	return rc;
}

static int sub_conditions(struct run *r, const cJSON *files, const cJSON *svc)
{
	bool and = is_str(json_get(svc, "logical_operator"), "and"), acc = and;
	const cJSON *subs = json_get(svc, "conditions");
	for (const cJSON *s = cJSON_IsArray(subs) ? subs->child : NULL; s; s = s->next) {
		int b = sub_condition(r, files, s); /* all evaluated: no short-circuit here */
		if (b < 0)
			return -1;
		acc = and ? acc && b : acc || b;
	}
	return acc;
}

/* ---- one group of conditions ---- */

static bool is_file_list_op(const char *op)
{
	return !strcmp(op, "contains") || !strcmp(op, "not contains") || !strcmp(op, "all of");
}

/* One condition: 1, 0 or -1. A compared condition adds its
 * {actual_value, expected_value, comparison_operator} to inputs. */
static int condition(struct run *r, const cJSON *cond, cJSON *inputs)
{
	const cJSON *selector = json_get(cond, "variable_selector");
	const char *op = str_or(json_get(cond, "comparison_operator"), "");
	enum cond_type type;
	const cJSON *var = get_var(r, selector, &type);
	if (var && type == COND_TYPE_RAISES) {
		buf_puts(&r->err, cJSON_IsString(var) ? var->valuestring : "");
		return -1;
	}
	if (!var) {
		buf_puts(&r->err, "Variable ");
		pyrepr(&r->err, selector);
		buf_puts(&r->err, " not found");
		return -1;
	}
	enum cond_seg seg = cond_segment(var, type);
	if (seg == SEG_ARRAY_FILE && is_file_list_op(op)) {
		const cJSON *svc = json_get(cond, "sub_variable_condition");
		if (!cJSON_IsObject(svc)) {
			buf_puts(&r->err, "Sub variable is required");
			return -1;
		}
		return sub_conditions(r, var, svc);
	}
	if (!strcmp(op, "exists") || !strcmp(op, "not exists"))
		return cond_op_eval(op, var, NULL, r->version, &r->err);
	cJSON *expected = expected_value(r, cond, seg);
	if (!expected)
		return -1;
	int b = cond_op_eval(op, var, expected, r->version, &r->err);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddItemToObject(in, "actual_value", json_dup(var));
	cJSON_AddItemToObject(in, "expected_value", expected);
	cJSON_AddStringToObject(in, "comparison_operator", op);
	cJSON_AddItemToArray(inputs, in);
	return b;
}

/* process_conditions: the group's inputs and results, and its verdict,
 * stopping at the first condition that decides it. */
static int process(struct run *r, const cJSON *conds, bool and, cJSON **ret_inputs, cJSON **ret_results,
		   bool *ret_final)
{
	cJSON *inputs = cJSON_CreateArray(), *results = cJSON_CreateArray();
	bool final = and;
	for (const cJSON *c = cJSON_IsArray(conds) ? conds->child : NULL; c; c = c->next) {
		int b = condition(r, c, inputs);
		if (b < 0) {
			cJSON_Delete(inputs);
			cJSON_Delete(results);
			return -1;
		}
		cJSON_AddItemToArray(results, cJSON_CreateBool(b));
		if (and != (bool)b) { /* and: a false one decides; or: a true one */
			final = b;
			break;
		}
	}
	*ret_inputs = inputs;
	*ret_results = results;
	*ret_final = final;
	return 0;
}

/* ---- the node ---- */

/* case.model_dump(): the Case, Condition, SubVariableCondition and
 * SubCondition fields in declaration order, extra keys dropped, values as
 * validated (templates not rendered). */
static cJSON *dump_sub(const cJSON *svc)
{
	if (!cJSON_IsObject(svc))
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "logical_operator", json_dup(json_get(svc, "logical_operator")));
	const cJSON *subs = json_get(svc, "conditions");
	for (const cJSON *s = cJSON_IsArray(subs) ? subs->child : NULL; s; s = s->next) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "key", json_dup(json_get(s, "key")));
		cJSON_AddItemToObject(d, "comparison_operator", json_dup(json_get(s, "comparison_operator")));
		cJSON_AddItemToObject(d, "value", validated_value(json_get(s, "value")));
		cJSON_AddItemToArray(list, d);
	}
	cJSON_AddItemToObject(o, "conditions", list);
	return o;
}

static cJSON *dump_case(const cJSON *c)
{
	cJSON *o = cJSON_CreateObject(), *list = cJSON_CreateArray();
	cJSON_AddItemToObject(o, "case_id", json_dup(json_get(c, "case_id")));
	cJSON_AddItemToObject(o, "logical_operator", json_dup(json_get(c, "logical_operator")));
	const cJSON *conds = json_get(c, "conditions");
	for (const cJSON *x = cJSON_IsArray(conds) ? conds->child : NULL; x; x = x->next) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "variable_selector", json_dup(json_get(x, "variable_selector")));
		cJSON_AddItemToObject(d, "comparison_operator", json_dup(json_get(x, "comparison_operator")));
		cJSON_AddItemToObject(d, "value", validated_value(json_get(x, "value")));
		cJSON_AddItemToObject(d, "sub_variable_condition", dump_sub(json_get(x, "sub_variable_condition")));
		cJSON_AddItemToArray(list, d);
	}
	cJSON_AddItemToObject(o, "conditions", list);
	return o;
}

static void add_result(cJSON *process_data, cJSON *group, cJSON *results, bool final)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddItemToObject(e, "group", group);
	cJSON_AddItemToObject(e, "results", results);
	cJSON_AddBoolToObject(e, "final_result", final);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(process_data, "condition_results"), e);
}

void cond_eval_if_else(const cJSON *data, cond_lookup_fn lookup, void *ctx, enum cond_graphon version,
		       struct cond_outcome *ret)
{
	struct run r = { .lookup = lookup, .ctx = ctx, .version = version, .err = BUF_INIT };
	cJSON *inputs = NULL, *results = NULL;
	bool final = false;
	const char *selected = "false";
	memset(ret, 0, sizeof *ret);
	ret->inputs = cJSON_CreateObject();
	ret->process_data = cJSON_CreateObject();
	cJSON_AddItemToObject(ret->process_data, "condition_results", cJSON_CreateArray());

	char *path = NULL, *bad = cond_check(data, &path);
	if (bad) {
		buf_printf(&r.err, "%s%s%s", path, *path ? ": " : "", bad);
		free(path);
		free(bad);
		goto fail;
	}
	const cJSON *cases = json_get(data, "cases");
	/* 0.1.2 tests `if self.node_data.cases:`, so [] takes the legacy path;
	 * later releases test `is None`. */
	bool legacy = version == COND_GRAPHON_0_1_2 ? !cJSON_IsArray(cases) || !cases->child : !cJSON_IsArray(cases);
	if (legacy) {
		const char *op = str_or(json_get(data, "logical_operator"), "and");
		if (process(&r, json_get(data, "conditions"), !strcmp(op, "and"), &inputs, &results, &final) < 0)
			goto fail;
		add_result(ret->process_data, cJSON_CreateString("default"), results, final);
		selected = final ? "true" : "false";
	} else {
		for (const cJSON *c = cases->child; c; c = c->next) {
			cJSON *in;
			if (process(&r, json_get(c, "conditions"), is_str(json_get(c, "logical_operator"), "and"), &in,
				    &results, &final) < 0)
				goto fail;
			add_result(ret->process_data, dump_case(c), results, final);
			cJSON_Delete(inputs); /* graphon keeps the last case's inputs only */
			inputs = in;
			if (final) {
				selected = json_get(c, "case_id")->valuestring;
				break;
			}
		}
	}
	cJSON_AddItemToObject(ret->inputs, "conditions", inputs ? inputs : cJSON_CreateArray());
	ret->outputs = cJSON_CreateObject();
	cJSON_AddBoolToObject(ret->outputs, "result", final);
	cJSON_AddStringToObject(ret->outputs, "selected_case_id", selected);
	ret->result = final;
	ret->handle = *selected ? selected : "false"; /* `selected_case_id or "false"` */
	return;
fail:
	cJSON_Delete(inputs);
	cJSON_AddItemToObject(ret->inputs, "conditions", cJSON_CreateArray());
	ret->error = buf_steal(&r.err, NULL);
}

void cond_outcome_free(struct cond_outcome *o)
{
	if (!o)
		return;
	free(o->error);
	cJSON_Delete(o->inputs);
	cJSON_Delete(o->process_data);
	cJSON_Delete(o->outputs);
	memset(o, 0, sizeof *o);
}
