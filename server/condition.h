/* condition.h -- Dify's if-else node evaluated as graphon does it
 * (graphon v0.1.2, the engine of Dify 1.13.3: nodes/if_else/if_else_node.py
 * and utils/condition/processor.py), over a variable pool the caller
 * reaches through a callback. Pure: no MHD, no clock, no fixture types.
 *
 * Values are cJSON trees as the server holds them: a Python int is a number
 * without JSON_FLOAT_FLAG, a float one with it, and a file is an object whose
 * "dify_model_identity" is "__dify__file__" (File.to_dict() keys and order).
 * Every rule, message and key order is Python's; /work/notes/graphon-ifelse.md
 * lists them with references into graphon. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

/* What a pool value is when its JSON alone can't tell. graphon types a value
 * by build_segment's rules (COND_TYPE_INFER: an empty list is array[any]),
 * but a node's typed output (a tool node's "files") stays array[file] or
 * array[boolean] when empty, and that changes what the operators do. */
enum cond_type {
	COND_TYPE_INFER = 0,
	COND_TYPE_ARRAY_FILE,
	COND_TYPE_ARRAY_BOOLEAN,
	/* The lookup raised, as VariablePool.get does for a file's "url" when
	 * the file has none: the value returned is a string holding the
	 * exception's text ("Unsupported transfer method: local_file"), and
	 * the node fails with it. */
	COND_TYPE_RAISES,
};

/* Looks a selector up in the run's variable pool, as VariablePool.get does:
 * selector is a JSON array of at least two strings (["node_id", "key", ...],
 * ["sys", "x"], ["rag", "shared", "x"]); a third part reads a file's
 * attribute (["ds", "file", "extension"]: the plain value) or walks into an
 * object. The strings may be anything, empty ones included: templates split
 * user text on dots. Returns the value, borrowed and valid until the
 * evaluation returns (a JSON null is a variable holding None), or NULL when
 * the variable does not exist. May set *ret_type (preset to
 * COND_TYPE_INFER). Selectors of fewer than two parts never reach it. */
typedef const cJSON *(*cond_lookup_fn)(void *ctx, const cJSON *selector, enum cond_type *ret_type);

/* The graphon release whose rules apply. They differ in two visible ways:
 * `cases: []` (0.1.2 falls back to the legacy shape with no conditions and
 * takes "true"; >= 0.2.2 takes "false" and records no case), and the error
 * for "all of" with a value that is not a list ("Unsupported operator: all
 * of" before 0.3.0, "all of operator expects homogeneous list of strings or
 * booleans" after). */
enum cond_graphon {
	COND_GRAPHON_0_1_2 = 0, /* Dify 1.13.3 */
	COND_GRAPHON_0_7_0,     /* current Dify */
};

struct cond_outcome {
	const char *handle;   /* edge handle taken: a case_id (points into node_data), "true" or "false"; NULL on failure */
	bool result;          /* outputs.result */
	char *error;          /* non-NULL: the node FAILS with this text (NodeRunResult.error) */
	cJSON *inputs;        /* {"conditions": [...]}: on failure always {"conditions": []} */
	cJSON *process_data;  /* {"condition_results": [...]}: the cases finished before a failure */
	cJSON *outputs;       /* {"result", "selected_case_id"}; NULL on failure (graphon's NodeRunResult has {}) */
};

/* Evaluates an if-else node's data. Never fails itself: a condition that
 * raises in graphon makes a failed outcome (error set). Node data that
 * cond_check refuses (Dify would not even load the graph) fails the node
 * with cond_check's text. ret is overwritten; free it with
 * cond_outcome_free. */
void cond_eval_if_else(const cJSON *node_data, cond_lookup_fn lookup, void *ctx, enum cond_graphon version,
		       struct cond_outcome *ret);
void cond_outcome_free(struct cond_outcome *o); /* accepts NULL; leaves *o zeroed */

/* VariablePool.convert_template(tpl).text: every {{#node.var#}} (and, as
 * in graphon, every other piece of text containing a dot that happens to
 * name a variable) replaced by the value's text. A missing variable leaves
 * its path without braces ("node.var"). Heap string; NULL when a lookup
 * raised (COND_TYPE_RAISES). */
char *cond_render_text(const char *tpl, cond_lookup_fn lookup, void *ctx);

/* Checks an if-else node's data the way pydantic validates IfElseNodeData
 * when Dify builds the graph: unknown operators, missing or mistyped keys.
 * Returns NULL when it is valid, else a heap message with, in *ret_path (heap,
 * may be ""), where it is relative to the node data:
 * "cases[0].conditions[1].comparison_operator". */
char *cond_check(const cJSON *node_data, char **ret_path);

/* Python's bool() of a value as the pool holds it (ints of any width,
 * files true): what "falsy" means to Dify's nodes and its DSL import. */
bool cond_truthy(const cJSON *v);
