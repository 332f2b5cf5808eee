/* fixtures_dsl.c -- a knowledge base's workflow read from a Dify DSL file
 * (`kind: rag_pipeline`, what Dify exports): its nodes, titles, types,
 * datasource settings, edges with their source handles and its
 * rag_pipeline_variables; the fixture may overlay nodes by id (timing,
 * recorded outputs, failures, browse results).
 *
 * Dify's import is lenient and this loader is too: unknown keys pass, and
 * only what Dify itself refuses (RagPipelineDslService.import_rag_pipeline,
 * graph-semantics.md §2.4) or what a run could not simulate is a problem,
 * reported against the DSL file and its JSON path. Problems in the
 * fixture's own keys (the overlay) name the fixture file. */
#include "fixtures_parse.h"

#include "condition.h"
#include "hmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wf_keys[] = { "dsl", "id", "overlay", "variables", NULL };
static const char *const overlay_keys[] = { "duration_ms", "icon", "inputs", "outputs", "process_data",
					    "execution_metadata", "fail", "credentials", "browse", NULL };
static const char *const ds_plugin_ids[] = { "langgenius/file", "langgenius/notion_datasource",
					     "langgenius/jina_datasource", "langgenius/google_drive" };

/* The DSL path: relative paths are relative to the fixture file's directory. */
static char *dsl_path(const char *fixture_file, const char *rel)
{
	struct buf b = BUF_INIT;
	const char *slash = strrchr(fixture_file, '/');
	if (rel[0] != '/' && slash)
		buf_append(&b, fixture_file, (size_t)(slash - fixture_file + 1));
	buf_puts(&b, rel);
	return buf_steal(&b, NULL);
}

/* Python's type name for a value, for Dify's messages. */
static const char *py_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "str";
	if (cJSON_IsBool(v))
		return "bool";
	if (cJSON_IsNumber(v))
		return json_is_float(v) ? "float" : "int";
	if (cJSON_IsArray(v))
		return "list";
	if (cJSON_IsObject(v))
		return "dict";
	return "NoneType";
}

/* "X.Y.Z" (each part digits), as Dify's version check parses it. */
static bool version_valid(const char *v)
{
	int parts = 0;
	for (const char *p = v;;) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (!*p)
			return parts <= 3;
		if (*p++ != '.')
			return false;
	}
}

/* The header Dify's import checks before it looks at the graph. */
static bool check_header(struct pctx *d, cJSON *root)
{
	if (!cJSON_IsObject(root)) {
		fxp_report(d, "Invalid YAML format: content must be a mapping");
		return false;
	}
	cJSON *v = fxp_member(root, "version");
	if (v && !cJSON_IsString(v)) {
		size_t s = fxp_push_key(d, "version");
		fxp_report(d, "Invalid version type, expected str, got %s", py_type(v));
		fxp_pop(d, s);
	} else if (v && !version_valid(v->valuestring)) {
		size_t s = fxp_push_key(d, "version");
		fxp_report(d, "invalid version %s (Dify's import fails on it)", fx_quote(v->valuestring).s);
		fxp_pop(d, s);
	}
	if (!cond_truthy(fxp_member(root, "rag_pipeline"))) {
		fxp_report(d, "Missing rag_pipeline data in YAML content");
		return false;
	}
	if (!cJSON_IsObject(fxp_member(root, "workflow"))) {
		fxp_report(d, "Missing workflow data for rag pipeline");
		return false;
	}
	return true;
}

/* A canvas note (graphon drops them before validating the graph). */
static bool is_note(const cJSON *wrapper)
{
	const cJSON *t = json_get(wrapper, "type"), *d = json_get(wrapper, "data");
	const cJSON *dt = json_get(d, "type");
	return (cJSON_IsString(t) && !strcmp(t->valuestring, "custom-note")) ||
	       (cJSON_IsString(dt) && !dt->valuestring[0]);
}

static void parse_datasource(struct pctx *d, cJSON *data, struct fx_node *n)
{
	int t = fxp_get_enum(d, data, "provider_type", -1, fx_datasource_types, "datasource type");
	n->ds_kind = t >= 0 ? (enum fx_ds_kind)t : FX_DS_NONE;
	n->datasource_type = t >= 0 ? (char *)fx_datasource_types[t] : NULL;
	n->plugin_id = fxp_get_str(d, data, "plugin_id", OPTIONAL, t >= 0 ? ds_plugin_ids[t] : NULL);
	n->provider_name = fxp_get_str(d, data, "provider_name", OPTIONAL, NULL);
	fxp_parse_datasource_parameters(d, data, n);
}

/* One item of graph.nodes; false for a note (skipped). */
static bool parse_dsl_node(struct pctx *d, cJSON *w, struct fx_node *n)
{
	cJSON *data;
	if (!fxp_expect(d, w, T_OBJECT) || is_note(w))
		return false;
	n->id = fxp_get_nonempty_str(d, w, "id");
	if (fxp_get_typed(d, w, "data", REQUIRED, T_OBJECT, &data) <= 0)
		return true;
	size_t s = fxp_push_key(d, "data");
	int t = fxp_get_enum(d, data, "type", -1, fx_node_types, "node type");
	n->kind = t >= 0 ? (enum fx_node_kind)t : FX_NODE_TOOL;
	n->type = t >= 0 ? (char *)fx_node_types[t] : NULL;
	n->ds_kind = FX_DS_NONE;
	n->title = fxp_get_str(d, data, "title", OPTIONAL, n->type);
	n->duration_ms = fx_default_duration_ms(n->kind);
	if (n->type) {
		if (n->kind == FX_NODE_DATASOURCE)
			parse_datasource(d, data, n);
		n->data = data;
		fx_parse_node_data(d, n);
	}
	fxp_pop(d, s);
	return true;
}

/* The node index of an edge end, or -1 (a problem unless silently dropped). */
static long dsl_edge_end(struct pctx *d, cJSON *e, const char *key, const struct hmap *ids)
{
	cJSON *v = fxp_member(e, key);
	void *idx = hmap_get(ids, v->valuestring);
	if (!idx) {
		size_t s = fxp_push_key(d, key);
		fxp_report(d, "unknown node %s", fx_quote(v->valuestring).s);
		fxp_pop(d, s);
		return -1;
	}
	return (long)((uintptr_t)idx - 1);
}

static void parse_dsl_edges(struct pctx *d, cJSON *arr, struct fx_workflow *wf, const struct hmap *ids)
{
	struct fx_edge *edges = NULL;
	size_t n = 0, cap = 0, i = 0;
	cJSON *e;
	cJSON_ArrayForEach(e, arr) {
		size_t s = fxp_push_index(d, i++);
		/* graphon drops an edge whose source, target or handle is not a
		 * string (an explicit null handle included); a missing handle is
		 * "source". */
		const cJSON *h = fxp_member(e, "sourceHandle");
		if (cJSON_IsObject(e) && cJSON_IsString(fxp_member(e, "source")) &&
		    cJSON_IsString(fxp_member(e, "target")) && (!h || cJSON_IsString(h))) {
			long from = dsl_edge_end(d, e, "source", ids), to = dsl_edge_end(d, e, "target", ids);
			if (from >= 0 && to >= 0) {
				GROW(edges, n, cap);
				edges[n++] = (struct fx_edge){ (uint32_t)from, (uint32_t)to,
							       h ? h->valuestring : "source" };
			}
		}
		fxp_pop(d, s);
	}
	fx_workflow_link(d, wf, edges, n);
	free(edges);
}

/* graph.nodes and graph.edges into wf; the path at workflow.graph. */
static void parse_graph(struct pctx *d, cJSON *graph, struct fx_workflow *wf)
{
	cJSON *nodes, *edges = NULL, *w;
	struct hmap ids = HMAP_INIT;
	bool has_index = false;
	if (fxp_get_typed(d, graph, "nodes", REQUIRED, T_ARRAY, &nodes) > 0) {
		size_t s = fxp_push_key(d, "nodes"), i = 0;
		wf->nodes = FXP_NEW(d, struct fx_node, (size_t)cJSON_GetArraySize(nodes));
		cJSON_ArrayForEach(w, nodes) {
			size_t s2 = fxp_push_index(d, i++);
			struct fx_node *n = &wf->nodes[wf->n_nodes];
			if (parse_dsl_node(d, w, n)) {
				if (n->id && hmap_add(&ids, n->id, (void *)(uintptr_t)(wf->n_nodes + 1))) {
					size_t s3 = fxp_push_key(d, "id");
					fxp_report(d, "duplicate node id %s", fx_quote(n->id).s);
					fxp_pop(d, s3);
				}
				has_index |= n->type && n->kind == FX_NODE_KNOWLEDGE_INDEX;
				wf->n_nodes++;
			}
			fxp_pop(d, s2);
		}
		if (!wf->n_nodes)
			fxp_report(d, "Graph must have at least one node");
		else if (!has_index)
			fxp_report(d, "no knowledge-index node (Dify refuses the import: \"DSL is not valid, please check "
				      "the Knowledge Index node.\")");
		fxp_pop(d, s);
	}
	if (!wf->nodes)
		wf->nodes = FXP_NEW(d, struct fx_node, 1);
	int r = fxp_get_typed(d, graph, "edges", OPTIONAL, T_ARRAY, &edges);
	size_t s = fxp_push_key(d, "edges");
	if (r > 0)
		parse_dsl_edges(d, edges, wf, &ids);
	else
		fx_workflow_link(d, wf, NULL, 0);
	fxp_pop(d, s);
	hmap_free(&ids);
}

/* The fixture's "overlay": node id -> the keys a fixture node may set. */
static void parse_overlay(struct pctx *c, cJSON *o, struct fx_workflow *wf, const char *dsl)
{
	cJSON *ov;
	cJSON_ArrayForEach(ov, o) {
		size_t s = fxp_push_key(c, ov->string);
		long k = fx_workflow_node_index(wf, ov->string);
		if (k < 0)
			fxp_report(c, "no node %s in %s", fx_quote(ov->string).s, dsl);
		else if (fxp_expect(c, ov, T_OBJECT))
			fxp_parse_node_overlay(c, ov, &wf->nodes[k], overlay_keys);
		fxp_pop(c, s);
	}
	fx_mark_dynamic(wf); /* outputs given now may make a node's ending fixed */
}

/* A workflow id for a DSL workflow whose fixture names none: the same for
 * the same file and workflow, so runs' workflow_id stays put. */
static char *derived_id(struct pctx *c, const char *path, const char *which)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s#%s", path, which);
	uint64_t h1 = hmap_hash(b.data, b.len), h2 = hmap_hash(b.data, b.len - 1) ^ UINT64_C(0x9e3779b97f4a7c15);
	buf_free(&b);
	char id[37];
	snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
		 (unsigned)h1 & 0xfff, (unsigned)(0x8000 | ((h2 >> 48) & 0x3fff)),
		 (unsigned long long)(h2 & UINT64_C(0xffffffffffff)));
	return fxp_strdup(c, id);
}

struct fx_workflow *fx_parse_dsl_workflow(struct pctx *c, cJSON *o, const char *which, bool *ret_own_vars)
{
	struct fx_workflow *wf = FXP_NEW(c, struct fx_workflow, 1);
	cJSON *x, *overlay = NULL;
	char *rel;
	*ret_own_vars = false;
	if (cJSON_IsString(o)) {
		rel = o->valuestring;
	} else {
		fxp_check_keys(c, o, wf_keys);
		rel = fxp_get_nonempty_str(c, o, "dsl");
		if (fxp_member(o, "id"))
			wf->id = fxp_get_uuid(c, o, "id");
		fxp_get_typed(c, o, "overlay", OPTIONAL, T_OBJECT, &overlay);
	}
	wf->nodes = FXP_NEW(c, struct fx_node, 1);
	if (!rel || !*rel) {
		fx_workflow_link(c, wf, NULL, 0);
		return wf;
	}
	char *path = dsl_path(c->file, rel);
	wf->dsl_file = fxp_strdup(c, path);
	free(path);
	if (!wf->id)
		wf->id = derived_id(c, wf->dsl_file, which);

	struct pctx d = { .L = c->L, .file = wf->dsl_file, .path = BUF_INIT, .lenient = true };
	/* The published and the draft workflow often read the same file: it
	 * is read once, and its problems are reported once. */
	cJSON *root = NULL;
	for (size_t k = 0; k < c->L->n_dsl_files && !d.quiet; k++) {
		if (!strcmp(c->L->dsl_files[k], wf->dsl_file)) {
			d.quiet = true;
			root = c->L->dsl_roots[k];
		}
	}
	if (!d.quiet) {
		struct buf data = BUF_INIT;
		size_t len;
		char *err = NULL, perr[256];
		if (fx_read_file(d.file, &data, &len, &err)) {
			fx_problem(c->L, d.file, NULL, "%s", err);
			free(err);
		} else if (json_parse_yaml(c->L->arena, data.data ? data.data : "", len, &root, perr, sizeof perr)) {
			fx_problem(c->L, d.file, NULL, "%s", perr);
			root = NULL;
		}
		buf_free(&data);
		size_t k = c->L->n_dsl_files++;
		c->L->dsl_files = xrealloc(c->L->dsl_files, (k + 1) * sizeof *c->L->dsl_files);
		c->L->dsl_roots = xrealloc(c->L->dsl_roots, (k + 1) * sizeof *c->L->dsl_roots);
		c->L->dsl_files[k] = wf->dsl_file;
		c->L->dsl_roots[k] = root;
	}
	cJSON *workflow = NULL, *graph = NULL;
	if (root && check_header(&d, root)) {
		workflow = fxp_member(root, "workflow");
		size_t s = fxp_push_key(&d, "workflow");
		if (fxp_get_typed(&d, workflow, "graph", REQUIRED, T_OBJECT, &graph) > 0) {
			size_t s2 = fxp_push_key(&d, "graph");
			parse_graph(&d, graph, wf);
			fxp_pop(&d, s2);
		}
		if (fxp_get_typed(&d, workflow, "rag_pipeline_variables", OPTIONAL, T_ARRAY | T_NULL, &x) > 0 &&
		    cJSON_IsArray(x)) {
			size_t s2 = fxp_push_key(&d, "rag_pipeline_variables");
			wf->vars = fx_parse_variables(&d, x, &wf->n_vars);
			*ret_own_vars = true;
			fx_check_belong(&d, wf, wf->vars, wf->n_vars, NULL);
			fxp_pop(&d, s2);
		}
		if (fxp_get_typed(&d, workflow, "environment_variables", OPTIONAL, T_ARRAY | T_NULL, &x) > 0 &&
		    cJSON_IsArray(x))
			wf->environment = x;
		fxp_pop(&d, s);
	}
	if (!wf->memo) /* no graph: an empty workflow still frees like one */
		fx_workflow_link(&d, wf, NULL, 0);
	buf_free(&d.path);
	if (overlay) {
		size_t s = fxp_push_key(c, "overlay");
		parse_overlay(c, overlay, wf, wf->dsl_file);
		fxp_pop(c, s);
	}
	if (!cJSON_IsString(o) && fxp_get_typed(c, o, "variables", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "variables");
		wf->vars = fx_parse_variables(c, x, &wf->n_vars);
		*ret_own_vars = true;
		fx_check_belong(c, wf, wf->vars, wf->n_vars, NULL);
		fxp_pop(c, s);
	}
	return wf;
}
