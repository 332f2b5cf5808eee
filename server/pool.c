/* pool.c -- a run's variable pool (pool.h): selectors resolved against the
 * sys values, the pipeline variables and the outputs of the nodes that ran
 * before the reader; node outputs computed on demand, once per pool. */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "condition.h"
#include "json.h"
#include "node_defaults.h"
#include "template.h"

struct pool {
	const struct run_values *rv;
	const struct fx_workflow *wf;
	const uint32_t *step_of;       /* per node: its step, UINT32_MAX when it did not run (yet) */
	const uint8_t *status_of;      /* per node that ran: enum step_status */
	const struct run_plan *plan;   /* pool_view_plan's, its arrays made on first use */
	uint32_t *own_step_of;
	uint8_t *own_status_of;
	cJSON **outputs;               /* per node: its outputs, once computed */
	uint8_t *computing;            /* per node: its outputs are being computed (a cycle guard) */
	cJSON *sys;                    /* sys.* as an object, once built */
};

struct pool *pool_new(const struct run_values *rv)
{
	struct pool *p = xcalloc(1, sizeof *p);
	p->rv = rv;
	p->wf = rv->wf;
	return p;
}

/* The per-node memo, made when a node's outputs are first computed: most
 * pools (a datasource's check, a template's rendering) never need it. */
static void memo_arrays(struct pool *p)
{
	size_t n = p->wf->n_nodes ? p->wf->n_nodes : 1;
	if (!p->outputs) {
		p->outputs = xcalloc(n, sizeof *p->outputs);
		p->computing = xcalloc(n, 1);
	}
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->outputs && i < p->wf->n_nodes; i++)
		cJSON_Delete(p->outputs[i]);
	free(p->outputs);
	free(p->computing);
	free(p->own_step_of);
	free(p->own_status_of);
	cJSON_Delete(p->sys);
	free(p);
}

const struct run_values *pool_values(const struct pool *p)
{
	return p->rv;
}

void pool_view_walk(struct pool *p, const struct plan_view *v)
{
	p->step_of = v->step_of;
	p->status_of = v->status_of;
}

void pool_view_plan(struct pool *p, const struct run_plan *plan)
{
	p->plan = plan;
	p->step_of = NULL;
	p->status_of = NULL;
}

/* Who ran before whom, from the plan's steps: made when first asked, as
 * most events (a template without {{#...#}}) never ask, and a 600-node
 * plan's arrays would be rebuilt at every event. */
static bool has_view(struct pool *p)
{
	if (p->step_of || !p->plan)
		return p->step_of != NULL;
	size_t n = p->wf->n_nodes ? p->wf->n_nodes : 1;
	if (!p->own_step_of) {
		p->own_step_of = xmalloc(n * sizeof *p->own_step_of);
		p->own_status_of = xcalloc(n, 1);
	}
	memset(p->own_step_of, 0xff, n * sizeof *p->own_step_of);
	for (size_t k = 0; k < p->plan->n_steps; k++) {
		size_t i = (size_t)(p->plan->steps[k].node - p->wf->nodes);
		p->own_step_of[i] = (uint32_t)k;
		p->own_status_of[i] = p->plan->steps[k].status;
	}
	p->step_of = p->own_step_of;
	p->status_of = p->own_status_of;
	return true;
}

static bool ran_before(struct pool *p, size_t node, size_t reader)
{
	if (!has_view(p) || p->step_of[node] == UINT32_MAX)
		return false;
	return p->step_of[node] < p->step_of[reader]; /* a reader not yet run has UINT32_MAX */
}

/* ---- sys, rag and environment values ---- */

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v) /* None-valued sys variables are not in the pool */
		cJSON_AddStringToObject(o, k, v);
}

static const cJSON *sys_values(struct pool *p)
{
	if (p->sys)
		return p->sys;
	const struct run_values *rv = p->rv;
	cJSON *o = p->sys = cJSON_CreateObject();
	cJSON_AddArrayToObject(o, "files");
	add_str(o, "user_id", rv->kb->workspace ? rv->kb->workspace->owner.id : NULL);
	add_str(o, "app_id", rv->kb->pipeline ? rv->kb->pipeline->id : NULL);
	add_str(o, "workflow_id", rv->wf->id);
	add_str(o, "workflow_run_id", rv->workflow_run_id);
	add_str(o, "document_id", rv->document_id);
	add_str(o, "batch", rv->batch);
	add_str(o, "dataset_id", rv->kb->id);
	add_str(o, "datasource_type", rv->datasource_type);
	cJSON_AddItemToObject(o, "datasource_info", json_dup(rv->item));
	/* InvokeFrom: the draft runs as the debugger, documents as published. */
	add_str(o, "invoke_from", rv->published ? "published" : "debugger");
	return o;
}

/* ["rag", owner, var]: an input of a variable that belongs to owner. */
static const cJSON *rag_value(const struct pool *p, const char *owner, const char *var)
{
	for (size_t i = 0; i < p->wf->n_vars; i++) {
		const struct fx_variable *v = &p->wf->vars[i];
		if (v->variable && !strcmp(v->variable, var) && v->belong_to_node_id &&
		    !strcmp(v->belong_to_node_id, owner))
			return json_get(p->rv->inputs, var);
	}
	return NULL;
}

static const cJSON *env_value(const struct pool *p, const char *name)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, p->wf->environment) {
		const cJSON *n = json_get(e, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return json_get(e, "value");
	}
	return NULL;
}

/* ---- selectors ---- */

static bool is_file(const cJSON *v)
{
	const cJSON *id = json_get(v, "dify_model_identity");
	return cJSON_IsString(id) && !strcmp(id->valuestring, "__dify__file__");
}

/* One more step into a value: a file's attribute (the few Dify resolves,
 * `name` meaning the file name), or an object's member. */
static const cJSON *step_into(const cJSON *v, const char *key)
{
	if (is_file(v)) {
		static const char *const attrs[] = { "type", "size", "name", "mime_type", "transfer_method",
						     "url", "extension", "related_id", NULL };
		for (size_t i = 0; attrs[i]; i++)
			if (!strcmp(key, attrs[i]))
				return json_get(v, i == 2 ? "filename" : key);
		return NULL;
	}
	return json_get(v, key);
}

/* parts[0..n): node (or sys/rag/env), key, further keys. */
static const cJSON *lookup(struct pool *p, size_t reader, const char *const *parts, size_t n)
{
	if (n < 2)
		return NULL;
	const cJSON *v = NULL;
	size_t used = 2;
	if (!strcmp(parts[0], "sys")) {
		v = json_get(sys_values(p), parts[1]);
	} else if (!strcmp(parts[0], "env")) {
		v = env_value(p, parts[1]);
	} else if (!strcmp(parts[0], "rag")) {
		if (n < 3)
			return NULL;
		v = rag_value(p, parts[1], parts[2]);
		used = 3;
	} else {
		long i = fx_workflow_node_index(p->wf, parts[0]);
		if (i < 0)
			return NULL;
		if (ran_before(p, (size_t)i, reader))
			v = json_get(pool_outputs(p, (size_t)i), parts[1]);
		/* The start node also holds the run's inputs (add_node_inputs_to_pool). */
		if (!v && (size_t)i == p->rv->start)
			v = json_get(p->rv->inputs, parts[1]);
	}
	for (size_t k = used; v && k < n; k++)
		v = step_into(v, parts[k]);
	return v;
}

#define MAX_PARTS 16

const cJSON *pool_get(struct pool *p, size_t reader, const cJSON *selector)
{
	const char *parts[MAX_PARTS];
	size_t n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, selector) {
		if (!cJSON_IsString(e) || n == MAX_PARTS)
			return NULL;
		parts[n++] = e->valuestring;
	}
	return lookup(p, reader, parts, n);
}

const cJSON *pool_get_path(struct pool *p, size_t reader, const char *path, size_t len)
{
	char buf[256];
	const char *parts[MAX_PARTS];
	size_t n = 0;
	if (len >= sizeof buf)
		return NULL;
	memcpy(buf, path, len);
	buf[len] = '\0';
	for (char *s = buf, *dot; n < MAX_PARTS; s = dot + 1) {
		parts[n++] = s;
		if (!(dot = strchr(s, '.')))
			return lookup(p, reader, parts, n);
		*dot = '\0';
	}
	return NULL;
}

/* ---- node outputs ---- */

struct reader {
	struct pool *p;
	size_t node;
};

/* cond_lookup_fn: a tool's "files" is array[file] even when empty, which
 * graphon's operators treat apart from an empty list of anything. */
static const cJSON *resolve_selector(void *ctx, const cJSON *selector, enum cond_type *ret_type)
{
	struct reader *r = ctx;
	const cJSON *v = pool_get(r->p, r->node, selector);
	const cJSON *key = selector->child ? selector->child->next : NULL;
	long i = selector->child && cJSON_IsString(selector->child)
			 ? fx_workflow_node_index(r->p->wf, selector->child->valuestring)
			 : -1;
	if (cJSON_IsArray(v) && !key->next && cJSON_IsString(key) && !strcmp(key->valuestring, "files") && i >= 0 &&
	    r->p->wf->nodes[i].kind == FX_NODE_TOOL)
		*ret_type = COND_TYPE_ARRAY_FILE;
	return v;
}

static const cJSON *resolve_path(void *ctx, const char *path, size_t len)
{
	struct reader *r = ctx;
	return pool_get_path(r->p, r->node, path, len);
}

cJSON *pool_render(struct pool *p, size_t i, const cJSON *tpl)
{
	if (!tpl)
		return NULL;
	const struct run_values *rv = p->rv;
	const struct fx_node *nd = &p->wf->nodes[i];
	struct reader r = { p, i };
	struct template_ctx c = {
		.item = rv->item,
		.inputs = rv->inputs,
		.datasource_type = rv->datasource_type,
		.document_name = rv->document_name,
		.dataset_id = rv->kb->id,
		.dataset_name = rv->kb->name,
		.workflow_run_id = rv->workflow_run_id,
		.node_id = nd->id,
		.node_title = nd->title,
		.resolve = resolve_path,
		.resolve_ctx = &r,
	};
	return template_render(tpl, &c);
}

char *pool_render_text(struct pool *p, size_t reader, const char *tpl)
{
	struct reader r = { p, reader };
	char *text = cond_render_text(tpl, resolve_selector, &r);
	return text ? text : xstrdup(""); /* a lookup that raised: the node's own problem */
}

/* The if-else's evaluation, as the node saw the pool. */
static void eval_if_else(struct pool *p, size_t i, struct cond_outcome *out)
{
	struct reader r = { p, i };
	cond_eval_if_else(p->wf->nodes[i].data, resolve_selector, &r,
			  p->rv->empty_cases_true ? COND_GRAPHON_0_1_2 : COND_GRAPHON_0_7_0, out);
}

char *pool_node_error(struct pool *p, size_t i, const char **ret_type)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	*ret_type = NULL;
	if (!has_view(p) || p->step_of[i] == UINT32_MAX || p->status_of[i] == STEP_SUCCEEDED)
		return NULL;
	if (nd->fail) {
		*ret_type = nd->fail->error_type;
		return xstrdup(nd->fail->error);
	}
	struct plan_outcome o = { 0 };
	if (nd->kind == FX_NODE_IF_ELSE) {
		struct cond_outcome c;
		eval_if_else(p, i, &c);
		char *e = c.error ? xstrdup(c.error) : NULL;
		cond_outcome_free(&c);
		return e;
	}
	node_defaults_check(p, i, &o);
	*ret_type = o.error_type;
	return o.error;
}

/* What a node handled by its error strategy reports (graph_engine's error
 * handler): the default values, then error_message and error_type (a key
 * the defaults already hold keeps its place); fail-branch: only those two. */
static cJSON *exception_outputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	enum fx_error_strategy st = fx_node_strategy(nd);
	const cJSON *defaults = nd->fail && nd->fail->has_strategy ? nd->fail->default_outputs : nd->default_outputs;
	cJSON *o = st == FX_STRATEGY_DEFAULT_VALUE ? pool_render(p, i, defaults) : NULL;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
	}
	const char *type;
	char *err = pool_node_error(p, i, &type);
	cJSON *m = cJSON_CreateString(err ? err : ""), *t = cJSON_CreateString(type ? type : FX_DEFAULT_ERROR_TYPE);
	if (!cJSON_ReplaceItemInObjectCaseSensitive(o, "error_message", m))
		cJSON_AddItemToObject(o, "error_message", m);
	if (!cJSON_ReplaceItemInObjectCaseSensitive(o, "error_type", t))
		cJSON_AddItemToObject(o, "error_type", t);
	free(err);
	return o;
}

static cJSON *compute_outputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	uint8_t st = has_view(p) ? p->status_of[i] : STEP_SUCCEEDED;
	if (st == STEP_FAILED)
		return NULL;
	if (st == STEP_EXCEPTION)
		return exception_outputs(p, i);
	if (nd->outputs) {
		cJSON *o = pool_render(p, i, nd->outputs);
		return o ? o : cJSON_CreateObject();
	}
	if (nd->kind == FX_NODE_IF_ELSE) {
		struct cond_outcome c;
		eval_if_else(p, i, &c);
		cJSON *o = c.outputs;
		c.outputs = NULL;
		cond_outcome_free(&c);
		return o ? o : cJSON_CreateObject();
	}
	return node_defaults_outputs(p, i);
}

const cJSON *pool_outputs(struct pool *p, size_t i)
{
	if (!has_view(p) || p->step_of[i] == UINT32_MAX)
		return NULL;
	memo_arrays(p);
	if (!p->outputs[i] && !p->computing[i]) {
		p->computing[i] = 1; /* a node reading itself finds nothing */
		p->outputs[i] = compute_outputs(p, i);
		p->computing[i] = 0;
	}
	return p->outputs[i];
}

cJSON *pool_node_inputs(struct pool *p, size_t i)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	if (nd->inputs)
		return pool_render(p, i, nd->inputs);
	if (nd->kind == FX_NODE_IF_ELSE && nd->data) {
		struct cond_outcome c;
		eval_if_else(p, i, &c);
		cJSON *o = c.inputs;
		c.inputs = NULL;
		cond_outcome_free(&c);
		return o;
	}
	return node_defaults_inputs(p, i);
}

cJSON *pool_node_process_data(struct pool *p, size_t i)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	if (nd->process_data)
		return pool_render(p, i, nd->process_data);
	if (nd->kind == FX_NODE_IF_ELSE && nd->data) {
		struct cond_outcome c;
		eval_if_else(p, i, &c);
		cJSON *o = c.process_data;
		c.process_data = NULL;
		cond_outcome_free(&c);
		return o;
	}
	return node_defaults_process_data(p, i);
}

cJSON *pool_node_metadata(struct pool *p, size_t i)
{
	const struct fx_node *nd = &p->wf->nodes[i];
	if (nd->execution_metadata)
		return pool_render(p, i, nd->execution_metadata);
	return node_defaults_metadata(p, i);
}

void pool_decide(void *pp, size_t i, const struct plan_view *v, struct plan_outcome *ret)
{
	struct pool *p = pp;
	const struct fx_node *nd = &p->wf->nodes[i];
	pool_view_walk(p, v);
	*ret = (struct plan_outcome){ 0 };
	if (nd->kind == FX_NODE_IF_ELSE) {
		if (!nd->data) { /* a fixture if-else without cases: every edge, as before graphs had branches */
			ret->handle = NULL;
			return;
		}
		struct cond_outcome c;
		eval_if_else(p, i, &c);
		if (c.error) {
			ret->failed = true;
			ret->error = xstrdup(c.error);
		} else {
			ret->handle = c.handle;
		}
		cond_outcome_free(&c);
		return;
	}
	node_defaults_check(p, i, ret);
}
