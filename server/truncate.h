/* truncate.h -- Dify's VariableTruncator (api/services/variable_truncator.py,
 * the same from 1.13.3 on): what a draft run does to a node's inputs,
 * process_data and outputs before node_finished reports them, with
 * *_truncated telling whether anything was cut (wire.md §9.3). Service-API
 * invocations get a no-op truncator, but a draft pipeline/run is invoked
 * as the debugger; published runs stream nothing; node_started,
 * workflow_started, workflow_finished and the blocking body are never
 * truncated, and node_finished's "files" are read from the whole outputs.
 *
 * The algorithm, as Dify's code has it (quirks included):
 *  - sizes are estimated, not serialized: a string counts its characters
 *    (code points) + 2, a number the length of Python's str() of it, true 4,
 *    false 5, null 4, containers their brackets, commas, keys and colons;
 *  - the top-level mapping shares max_size among its keys in order: each
 *    value gets (max_size - used) / (keys left); a key past the budget gets
 *    the value "...";
 *  - a string at or over its budget becomes its first
 *    min(string_length, budget - 5) characters + "..." ("..." alone under
 *    a budget of 5); string_length caps only that cut;
 *  - an array keeps at most array_length items, and stops once its size
 *    passes the budget; its flag is that of the last item it kept (an
 *    array cut for size alone reports false), and true when cut at
 *    array_length;
 *  - every object below the top level is rebuilt in sorted key order
 *    (Python's sorted(): code point order), even when nothing is cut; its
 *    keys share its budget as the top level's do, and it stops at the
 *    first key whose share is 0.
 *
 * Pure functions over cJSON trees, in place. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

struct truncate_limits {
	long long max_size;        /* WORKFLOW_VARIABLE_TRUNCATION_MAX_SIZE */
	long long string_length;   /* WORKFLOW_VARIABLE_TRUNCATION_STRING_LENGTH */
	long long array_length;    /* WORKFLOW_VARIABLE_TRUNCATION_ARRAY_LENGTH */
};

/* Dify's defaults (api/configs/feature/__init__.py). */
extern const struct truncate_limits truncate_dify_limits;

/* truncate_variable_mapping(): cuts mapping in place and returns whether
 * anything was cut. Only a non-empty object is a mapping to truncate
 * (Dify's None and {} pass untouched); anything else (a fixture may render
 * a node's outputs as any JSON) is left as it is, false. */
bool truncate_mapping(cJSON *mapping, const struct truncate_limits *lim);

/* calculate_json_size(): the estimated size of v. */
long long truncate_json_size(const cJSON *v);
