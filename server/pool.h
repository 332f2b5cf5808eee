/* pool.h -- a run's variable pool, as Dify's nodes see it: sys.* values,
 * the rag_pipeline_variables (["rag", owner, var], and [start_node, var]),
 * environment variables, and the outputs of every node that ran before
 * the one looking (["node", "key", ...], file attributes included).
 *
 * Nothing is stored per run: a node's outputs are computed when someone
 * looks (its fixture template rendered, or its kind's default,
 * node_defaults.c) and kept only for the pool's life, which is one plan
 * walk or one event. What ran before whom comes from the walk (while
 * planning) or from the plan's steps (while rendering). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "fixtures.h"
#include "plan.h"

struct documents;

/* What a run knows that its nodes may read. Borrowed for the pool's life. */
struct run_values {
	const struct fx_kb *kb;
	const struct fx_workflow *wf;
	size_t start;                  /* the start node's index */
	const cJSON *item;             /* the datasource_info_list item (an object, maybe empty) */
	const cJSON *inputs;           /* validated inputs (an object) */
	const char *datasource_type;   /* the request's */
	enum fx_ds_kind ds_kind;
	const char *document_name;
	const char *workflow_run_id;
	int64_t created_at_ms;         /* the run's start, wall clock (signed URLs' timestamps) */
	bool published;                /* a published document's run; else a draft (debugger) run */
	const char *batch, *document_id; /* published runs */
	struct documents *docs;        /* uploaded files, for local_file items (may be NULL) */
	bool empty_cases_true;         /* an if-else with `cases: []` selects "true" (Dify 1.13.3) */
};

struct pool;
struct pool *pool_new(const struct run_values *rv);
void pool_free(struct pool *p);

/* Who ran before whom: the walk's view while planning (v borrowed until
 * the next call), or a plan's steps while rendering. */
void pool_view_walk(struct pool *p, const struct plan_view *v);
void pool_view_plan(struct pool *p, const struct run_plan *plan);

/* The value of a selector (a JSON array of strings) for a reader that is
 * node `reader` (its step's view), or NULL when it does not exist. */
const cJSON *pool_get(struct pool *p, size_t reader, const cJSON *selector);
/* The same for a dotted "node.key.attr" (a {{#...#}} placeholder). */
const cJSON *pool_get_path(struct pool *p, size_t reader, const char *path, size_t len);

/* A Dify template ("... {{#node.key#}} ...") as text, as node reader's
 * VariablePool.convert_template(...).text (malloc'd). */
char *pool_render_text(struct pool *p, size_t reader, const char *tpl);

/* What node i reported as outputs in this run (borrowed; NULL when it did
 * not run or failed). */
const cJSON *pool_outputs(struct pool *p, size_t i);

/* The oracle of the plan walk (plan.h): how a dynamic node ends. */
void pool_decide(void *pool, size_t node, const struct plan_view *v, struct plan_outcome *ret);

/* What a node's node_finished reports besides its outputs; new trees
 * (NULL for null). */
cJSON *pool_node_inputs(struct pool *p, size_t i);
cJSON *pool_node_process_data(struct pool *p, size_t i);
cJSON *pool_node_metadata(struct pool *p, size_t i);
/* The error a failed or excepted node i reports, and its error_type
 * (malloc'd; NULL when it did not fail). */
char *pool_node_error(struct pool *p, size_t i, const char **ret_type);

/* The run's values, for node_defaults.c and template contexts. */
const struct run_values *pool_values(const struct pool *p);
/* Renders a fixture template for node i (template.h), {{#node.key#}}
 * placeholders reading the pool. NULL tpl gives NULL. */
cJSON *pool_render(struct pool *p, size_t i, const cJSON *tpl);
