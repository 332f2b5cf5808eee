/* fixtures_workflows.c -- a knowledge base's pipeline in a fixture file:
 * its published and draft workflows (nodes, edges, variables) and the
 * pipeline-wide variables they share unless they have their own. Nodes are
 * checked in fixtures_nodes.c, the graph built in fixtures_graph.c. */
#include "fixtures_parse.h"
#include "hmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema: known keys per object and the enumerations. */
static const char *const pipeline_keys[] = { "id", "variables", "published", "draft", NULL };
static const char *const wf_keys[] = { "id", "variables", "nodes", "edges", NULL };
static const char *const var_keys[] = {
	"variable", "type", "label", "belong_to_node_id", "required", "max_length", "options",
	"default_value", "description", "placeholder", "unit", "tooltips", "allowed_file_types",
	"allowed_file_extensions", "allowed_file_upload_methods", NULL
};
static const char *const var_types[] = { "text-input", "paragraph", "select", "number", "file",
					  "file-list", "checkbox", NULL };
static const char *const edge_keys[] = { "source", "target", "source_handle", NULL };

/* ---- variables ---- */

struct var_list {
	struct fx_variable *v; /* v[i] is the array's item i (zeroed if it is not an object) */
	size_t n;
};

static void parse_variable(struct pctx *c, cJSON *o, struct fx_variable *v)
{
	cJSON *x;
	if (!fxp_expect(c, o, T_OBJECT))
		return;
	fxp_check_keys(c, o, var_keys);
	v->raw = o;
	v->variable = fxp_get_str(c, o, "variable", REQUIRED, NULL);
	if (v->variable && !fxp_is_ident(v->variable)) {
		size_t s = fxp_push_key(c, "variable");
		fxp_report(c, "invalid variable name %s (expected letters, digits and '_', not starting with a digit)",
		       fx_quote(v->variable).s);
		fxp_pop(c, s);
	}
	int t = fxp_get_enum(c, o, "type", -1, var_types, "variable type");
	v->type = t >= 0 ? fxp_strdup(c, var_types[t]) : NULL;
	fxp_get_typed(c, o, "label", OPTIONAL, T_STRING, &x);
	v->belong_to_node_id = fxp_get_str(c, o, "belong_to_node_id", OPTIONAL, "shared");
	v->required = fxp_get_bool(c, o, "required", false);
	/* Dify's RAGPipelineVariable allows null (a DSL has it) */
	if (!(c->lenient && cJSON_IsNull(fxp_member(o, "max_length"))))
		v->max_length = (long)fxp_get_uint(c, o, "max_length", 0, FX_MAX_COUNT);
	v->options = fxp_get_string_array(c, o, "options", c->lenient ? T_ARRAY | T_NULL : T_ARRAY);
	if (cJSON_IsNull(v->options))
		v->options = NULL;
	if (!v->options)
		v->options = fxp_pooled(c, cJSON_CreateArray());
	fxp_get_typed(c, o, "default_value", OPTIONAL, T_ANY, &v->default_value);
	if (!v->default_value)
		v->default_value = fxp_pooled(c, cJSON_CreateNull());
	fxp_get_typed(c, o, "description", OPTIONAL, T_STRING, &x);
	fxp_get_typed(c, o, "placeholder", OPTIONAL, T_STRING | T_NULL, &x);
	fxp_get_typed(c, o, "unit", OPTIONAL, T_STRING | T_NULL, &x);
	fxp_get_typed(c, o, "tooltips", OPTIONAL, T_STRING | T_NULL, &x);
	fxp_get_string_array(c, o, "allowed_file_types", T_ARRAY | T_NULL);
	fxp_get_string_array(c, o, "allowed_file_extensions", T_ARRAY);
	fxp_get_string_array(c, o, "allowed_file_upload_methods", T_ARRAY);
}

/* arr is an array; the path is at its key. */
static struct var_list parse_variables(struct pctx *c, cJSON *arr)
{
	struct var_list l = { FXP_NEW(c, struct fx_variable, (size_t)cJSON_GetArraySize(arr)), 0 };
	struct hmap names = HMAP_INIT;
	cJSON *item;
	cJSON_ArrayForEach(item, arr) {
		size_t s = fxp_push_index(c, l.n);
		struct fx_variable *v = &l.v[l.n++];
		parse_variable(c, item, v);
		if (v->variable) {
			struct fx_variable *first = hmap_add(&names, v->variable, v);
			if (first) {
				size_t s2 = fxp_push_key(c, "variable");
				fxp_report(c, "duplicate variable %s (first defined at %.*s[%zu])", fx_quote(v->variable).s,
				       (int)s, c->path.data, (size_t)(first - l.v));
				fxp_pop(c, s2);
			}
		}
		fxp_pop(c, s);
	}
	hmap_free(&names);
	return l;
}

struct fx_variable *fx_parse_variables(struct pctx *c, cJSON *arr, size_t *ret_n)
{
	struct var_list l = parse_variables(c, arr);
	*ret_n = l.n;
	return l.v;
}

/* What runs memoized; the workflow itself goes with the arena. */
static void workflow_free(struct fx_workflow *wf)
{
	if (wf && wf->memo)
		fx_memo_free(wf->memo, wf->n_nodes);
}

/* The index of the node named by the string member key, or -1. */
static long edge_end(struct pctx *c, cJSON *o, const char *key, const struct hmap *ids)
{
	char *id = fxp_get_str(c, o, key, REQUIRED, NULL);
	if (!id)
		return -1;
	void *v = hmap_get(ids, id);
	if (!v) {
		size_t s = fxp_push_key(c, key);
		fxp_report(c, "unknown node %s", fx_quote(id).s);
		fxp_pop(c, s);
	}
	return v ? (long)((uintptr_t)v - 1) : -1;
}

void fx_workflow_link(struct pctx *c, struct fx_workflow *wf, const struct fx_edge *edges, size_t n_edges)
{
	long cyc = fx_find_cycle(wf->n_nodes, edges, n_edges);
	if (cyc >= 0)
		fxp_report(c, "cycle through node %s", fx_quote(wf->nodes[cyc].id).s);
	fx_link_nodes(c->L->arena, wf, edges, n_edges);
	fx_mark_dynamic(wf);
	wf->memo = FXP_NEW(c, struct fx_memo_entry *_Atomic, wf->n_nodes);
}

static void parse_edges(struct pctx *c, cJSON *arr, struct fx_workflow *wf, const struct hmap *ids)
{
	struct fx_edge *edges = NULL;
	size_t n_edges = 0, cap = 0, i = 0;
	cJSON *o;
	cJSON_ArrayForEach(o, arr) {
		size_t s = fxp_push_index(c, i++);
		if (fxp_expect(c, o, T_OBJECT)) {
			fxp_check_keys(c, o, edge_keys);
			long from = edge_end(c, o, "source", ids);
			long to = edge_end(c, o, "target", ids);
			char *handle = fxp_get_str(c, o, "source_handle", OPTIONAL, "source");
			if (from >= 0 && to >= 0 && handle) {
				GROW(edges, n_edges, cap);
				edges[n_edges++] = (struct fx_edge){ (uint32_t)from, (uint32_t)to, handle };
			}
		}
		fxp_pop(c, s);
	}
	fx_workflow_link(c, wf, edges, n_edges);
	free(edges);
}

/* Variables must belong to a node of the workflow, or be "shared". */
void fx_check_belong(struct pctx *c, const struct fx_workflow *wf, const struct fx_variable *vars, size_t n,
		     const char *which)
{
	for (size_t i = 0; i < n; i++) {
		const char *b = vars[i].belong_to_node_id;
		if (!b || !strcmp(b, "shared") || fx_workflow_node_index(wf, b) >= 0)
			continue;
		size_t s = fxp_push_index(c, i);
		fxp_push_key(c, "belong_to_node_id");
		fxp_report(c, "unknown node %s%s%s", fx_quote(b).s, which ? " in the " : "", which ? which : "");
		fxp_pop(c, s);
	}
}

/* *ret_own_vars: the workflow has its own "variables" key. */
static struct fx_workflow *parse_workflow(struct pctx *c, cJSON *o, bool *ret_own_vars)
{
	cJSON *x;
	struct fx_workflow *wf = FXP_NEW(c, struct fx_workflow, 1);
	struct hmap ids = HMAP_INIT;
	fxp_check_keys(c, o, wf_keys);
	wf->id = fxp_get_uuid(c, o, "id");
	if (fxp_get_typed(c, o, "nodes", REQUIRED, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "nodes");
		size_t n = (size_t)cJSON_GetArraySize(x);
		if (!n)
			fxp_report(c, "must not be empty");
		wf->nodes = FXP_NEW(c, struct fx_node, n);
		cJSON *item;
		cJSON_ArrayForEach(item, x) {
			size_t i = wf->n_nodes++, s2 = fxp_push_index(c, i);
			struct fx_node *node = &wf->nodes[i];
			fx_parse_node(c, item, node);
			void *first = node->id ? hmap_add(&ids, node->id, (void *)(uintptr_t)(i + 1)) : NULL;
			if (first) {
				size_t s3 = fxp_push_key(c, "id");
				fxp_report(c, "duplicate node id %s (first defined at %.*s[%zu])", fx_quote(node->id).s, (int)s2,
				       c->path.data, (size_t)((uintptr_t)first - 1));
				fxp_pop(c, s3);
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	/* Never NULL, even when "nodes" is missing or not an array (reported
	 * above): the rest of the file is still checked, and scenarios copy the
	 * array (memcpy from NULL is undefined even for 0 bytes). */
	if (!wf->nodes)
		wf->nodes = FXP_NEW(c, struct fx_node, 1);
	if (fxp_get_typed(c, o, "edges", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "edges");
		parse_edges(c, x, wf, &ids);
		fxp_pop(c, s);
	} else {
		fx_workflow_link(c, wf, NULL, 0);
	}
	int r = fxp_get_typed(c, o, "variables", OPTIONAL, T_ARRAY, &x);
	*ret_own_vars = r != 0;
	if (r > 0) {
		size_t s = fxp_push_key(c, "variables");
		struct var_list l = parse_variables(c, x);
		wf->vars = l.v;
		wf->n_vars = l.n;
		fx_check_belong(c, wf, wf->vars, wf->n_vars, NULL);
		fxp_pop(c, s);
	}
	hmap_free(&ids);
	return wf;
}

void fx_pipeline_free(struct fx_pipeline *p)
{
	if (!p)
		return;
	workflow_free(p->published);
	workflow_free(p->draft);
}

struct fx_pipeline *fx_parse_pipeline(struct pctx *c, cJSON *o)
{
	static const char *const which[] = { "published", "draft" };
	struct fx_pipeline *p = FXP_NEW(c, struct fx_pipeline, 1);
	struct var_list shared = { NULL, 0 };
	cJSON *x;
	fxp_check_keys(c, o, pipeline_keys);
	p->id = fxp_get_uuid(c, o, "id");
	if (fxp_get_typed(c, o, "variables", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "variables");
		shared = parse_variables(c, x);
		fxp_pop(c, s);
	}
	for (int k = 0; k < 2; k++) {
		struct fx_workflow **slot = k ? &p->draft : &p->published;
		bool own = false;
		if (fxp_get_typed(c, o, which[k], OPTIONAL, T_OBJECT | T_STRING | T_NULL, &x) <= 0 || cJSON_IsNull(x))
			continue;
		size_t s = fxp_push_key(c, which[k]);
		if (cJSON_IsString(x) || fxp_member(x, "dsl"))
			*slot = fx_parse_dsl_workflow(c, x, which[k], &own);
		else
			*slot = parse_workflow(c, x, &own);
		fxp_pop(c, s);
		if (own || !shared.n)
			continue;
		struct fx_workflow *wf = *slot;
		wf->vars = shared.v; /* both workflows share them, as they share the arena */
		wf->n_vars = shared.n;
		s = fxp_push_key(c, "variables");
		char where[32];
		snprintf(where, sizeof where, "%s workflow", which[k]);
		fx_check_belong(c, wf, wf->vars, wf->n_vars, where);
		fxp_pop(c, s);
	}
	return p;
}
