/* fixtures_node_data.c -- Dify's node data (a DSL's graph.nodes[].data, or
 * a fixture node's "data"), checked for what the simulator evaluates: the
 * error strategy, default values and retries any node may have, and per
 * kind the keys its run reads (if-else cases, aggregator variables, the
 * knowledge-index chunk variable, tool parameters, the extractor's file).
 * Other keys are Dify's business and pass, as they do in Dify's import. */
#include "fixtures_parse.h"

#include <stdlib.h>
#include <string.h>

#include "condition.h"

/* graphon's comparison operators (utils/condition/entities.py). */
static const char *const dsl_strategies[] = { "fail-branch", "default-value", NULL };
static const char *const chunk_structures[] = { "text_model", "hierarchical_model", "qa_model", NULL };
static const char *const techniques[] = { "high_quality", "economy", NULL };
static const char *const param_types[] = { "mixed", "variable", "constant", NULL };

#define KI_INVALID "(Dify refuses the import: \"DSL is not valid, please check the Knowledge Index node.\")"

static void report_at(struct pctx *c, const char *key, const char *msg)
{
	size_t s = fxp_push_key(c, key);
	fxp_report(c, "%s", msg);
	fxp_pop(c, s);
}

/* A variable selector: ["node_id", "key", ...], at least two strings. */
static bool check_selector(struct pctx *c, const cJSON *v)
{
	const cJSON *e;
	int n = 0;
	if (!fxp_expect(c, v, T_ARRAY))
		return false;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			size_t s = fxp_push_index(c, (size_t)n);
			fxp_report(c, "expected a string (a variable selector holds strings)");
			fxp_pop(c, s);
			return false;
		}
		n++;
	}
	if (n < 2) {
		fxp_report(c, "a variable selector needs a node id and a variable name");
		return false;
	}
	return true;
}

static void member_selector(struct pctx *c, cJSON *o, const char *key, bool required)
{
	cJSON *v = fxp_member(o, key);
	if (!v) {
		if (required)
			report_at(c, key, "missing required key");
		return;
	}
	size_t s = fxp_push_key(c, key);
	check_selector(c, v);
	fxp_pop(c, s);
}

/* ---- what every node may have ---- */

/* data.default_value [{key, type, value}] as the outputs object it stands for. */
static cJSON *default_outputs(struct pctx *c, cJSON *list)
{
	cJSON *out = fxp_pooled(c, cJSON_CreateObject()), *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, list) {
		size_t s = fxp_push_index(c, i++);
		char *key;
		if (fxp_expect(c, item, T_OBJECT) && (key = fxp_get_str(c, item, "key", REQUIRED, NULL))) {
			const cJSON *v = json_get(item, "value");
			cJSON_DeleteItemFromObjectCaseSensitive(out, key);
			cJSON_AddItemToObject(out, key, v ? json_dup(v) : cJSON_CreateNull());
		}
		fxp_pop(c, s);
	}
	return out;
}

static bool retries(enum fx_node_kind k)
{
	/* graphon's Node.retry is true only for these (graph-semantics.md §3.4). */
	return k == FX_NODE_TOOL || k == FX_NODE_CODE || k == FX_NODE_HTTP_REQUEST || k == FX_NODE_LLM;
}

static void parse_common(struct pctx *c, struct fx_node *n, cJSON *d)
{
	cJSON *x;
	if (fxp_member(d, "error_strategy") && !cJSON_IsNull(fxp_member(d, "error_strategy"))) {
		int st = fxp_get_enum(c, d, "error_strategy", -1, dsl_strategies, "error strategy");
		n->strategy = st == 0 ? FX_STRATEGY_FAIL_BRANCH : st == 1 ? FX_STRATEGY_DEFAULT_VALUE : FX_STRATEGY_NONE;
	}
	if (fxp_get_typed(c, d, "default_value", OPTIONAL, T_ARRAY | T_NULL, &x) > 0 && cJSON_IsArray(x)) {
		size_t s = fxp_push_key(c, "default_value");
		cJSON *o = default_outputs(c, x);
		fxp_pop(c, s);
		if (n->strategy == FX_STRATEGY_DEFAULT_VALUE)
			n->default_outputs = o;
	}
	if (n->strategy == FX_STRATEGY_DEFAULT_VALUE && !n->default_outputs)
		n->default_outputs = fxp_pooled(c, cJSON_CreateObject());
	if (fxp_get_typed(c, d, "retry_config", OPTIONAL, T_OBJECT | T_NULL, &x) > 0 && cJSON_IsObject(x)) {
		size_t s = fxp_push_key(c, "retry_config");
		uint64_t max = fxp_get_uint(c, x, "max_retries", 0, 100);
		uint64_t interval = fxp_get_uint(c, x, "retry_interval", 0, FX_MAX_DURATION_MS);
		bool enabled = fxp_get_bool(c, x, "retry_enabled", false);
		fxp_pop(c, s);
		if (enabled && retries(n->kind)) {
			n->max_retries = (uint32_t)max;
			n->retry_interval_ms = (uint32_t)interval;
		}
	}
}

/* ---- per kind ---- */

/* What pydantic refuses of an if-else's data when Dify builds the graph
 * (condition.c knows it), reported at the path it names. */
static void parse_if_else(struct pctx *c, cJSON *d)
{
	char *path = NULL, *msg = cond_check(d, &path);
	if (!msg)
		return;
	size_t s = c->path.len;
	for (const char *p = path; p && *p;) {
		/* path is "cases[0].conditions[1].value": keys and indexes */
		if (*p == '.')
			p++;
		if (*p == '[') {
			size_t i = strtoul(p + 1, (char **)&p, 10);
			fxp_push_index(c, i);
			if (*p == ']')
				p++;
			continue;
		}
		const char *e = p + strcspn(p, ".[");
		char *key = xstrndup(p, (size_t)(e - p));
		fxp_push_key(c, key);
		free(key);
		p = e;
	}
	fxp_report(c, "%s", msg);
	fxp_pop(c, s);
	free(msg);
	free(path);
}

static void parse_aggregator(struct pctx *c, cJSON *d)
{
	cJSON *x, *g;
	if (fxp_get_typed(c, d, "variables", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t i = 0, s = fxp_push_key(c, "variables");
		cJSON_ArrayForEach(g, x) {
			size_t s2 = fxp_push_index(c, i++);
			check_selector(c, g);
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	cJSON *adv;
	if (fxp_get_typed(c, d, "advanced_settings", OPTIONAL, T_OBJECT | T_NULL, &adv) <= 0 || cJSON_IsNull(adv))
		return;
	size_t s = fxp_push_key(c, "advanced_settings");
	if (fxp_get_bool(c, adv, "group_enabled", false) &&
	    fxp_get_typed(c, adv, "groups", REQUIRED, T_ARRAY, &x) > 0) {
		size_t i = 0, s2 = fxp_push_key(c, "groups");
		cJSON_ArrayForEach(g, x) {
			size_t s3 = fxp_push_index(c, i++);
			cJSON *vars, *v;
			if (fxp_expect(c, g, T_OBJECT)) {
				fxp_get_str(c, g, "group_name", REQUIRED, NULL);
				if (fxp_get_typed(c, g, "variables", REQUIRED, T_ARRAY, &vars) > 0) {
					size_t j = 0, s4 = fxp_push_key(c, "variables");
					cJSON_ArrayForEach(v, vars) {
						size_t s5 = fxp_push_index(c, j++);
						check_selector(c, v);
						fxp_pop(c, s5);
					}
					fxp_pop(c, s4);
				}
			}
			fxp_pop(c, s3);
		}
		fxp_pop(c, s2);
	}
	fxp_pop(c, s);
}

/* What Dify's import checks of a knowledge-index node (KnowledgeConfiguration). */
static void parse_knowledge_index(struct pctx *c, cJSON *d)
{
	cJSON *x, *rm;
	int r = fxp_get_typed(c, d, "chunk_structure", OPTIONAL, T_STRING, &x);
	if (r == 0)
		report_at(c, "chunk_structure", "missing required key " KI_INVALID);
	else if (r > 0 && fxp_get_enum(c, d, "chunk_structure", -1, chunk_structures, "chunk structure") < 0)
		return;
	if (!fxp_member(d, "indexing_technique"))
		report_at(c, "indexing_technique", "missing required key " KI_INVALID);
	else
		fxp_get_enum(c, d, "indexing_technique", -1, techniques, "indexing technique");
	if (fxp_get_typed(c, d, "retrieval_model", OPTIONAL, T_OBJECT, &rm) == 0) {
		report_at(c, "retrieval_model", "missing required key " KI_INVALID);
	} else if (rm) {
		size_t s = fxp_push_key(c, "retrieval_model");
		if (!fxp_member(rm, "search_method"))
			report_at(c, "search_method", "missing required key " KI_INVALID);
		if (!fxp_member(rm, "top_k"))
			report_at(c, "top_k", "missing required key " KI_INVALID);
		fxp_pop(c, s);
	}
	member_selector(c, d, "index_chunk_variable_selector", true);
}

static void parse_tool(struct pctx *c, cJSON *d)
{
	cJSON *params, *p;
	if (fxp_get_typed(c, d, "tool_parameters", OPTIONAL, T_OBJECT, &params) <= 0)
		return;
	size_t s = fxp_push_key(c, "tool_parameters");
	cJSON_ArrayForEach(p, params) {
		size_t s2 = fxp_push_key(c, p->string);
		if (fxp_expect(c, p, T_OBJECT)) {
			int t = fxp_get_enum(c, p, "type", 0, param_types, "parameter type");
			cJSON *v = fxp_member(p, "value");
			if (t == 1 && v) { /* variable: a selector */
				size_t s3 = fxp_push_key(c, "value");
				check_selector(c, v);
				fxp_pop(c, s3);
			}
		}
		fxp_pop(c, s2);
	}
	fxp_pop(c, s);
}

void fx_parse_node_data(struct pctx *c, struct fx_node *n)
{
	cJSON *d = (cJSON *)n->data;
	bool lenient = c->lenient;
	c->lenient = true; /* Dify's node data allows extra keys */
	parse_common(c, n, d);
	switch (n->kind) {
	case FX_NODE_IF_ELSE:
		parse_if_else(c, d);
		break;
	case FX_NODE_VARIABLE_AGGREGATOR:
		parse_aggregator(c, d);
		break;
	case FX_NODE_KNOWLEDGE_INDEX:
		parse_knowledge_index(c, d);
		break;
	case FX_NODE_DOCUMENT_EXTRACTOR:
		member_selector(c, d, "variable_selector", true);
		break;
	case FX_NODE_TOOL:
		parse_tool(c, d);
		break;
	case FX_NODE_ITERATION:
	case FX_NODE_LOOP:
	case FX_NODE_HUMAN_INPUT: {
		size_t s = fxp_push_key(c, "type");
		fxp_report(c, "dify-mock cannot simulate %s nodes (their events depend on nodes run inside them, or on a person)",
			   n->type);
		fxp_pop(c, s);
		break;
	}
	default:
		break;
	}
	c->lenient = lenient;
}
