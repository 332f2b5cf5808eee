/* variables.h -- pipeline input variables checked the way Dify's
 * BaseAppGenerator._prepare_user_inputs does, with its ValueError texts
 * (500 pipeline_run_error on the wire, wire.md §4.3). */
#pragma once
#include <cjson/cJSON.h>

#include "error.h"
#include "fixtures.h"

/* Keeps the variables of start_node_id and the "shared" ones, in stored
 * order, each with the user's value validated and converted (numbers given as
 * strings become numbers; absent optional values become null). Returns 0 and
 * a new object in *ret, or -1 with 500 pipeline_run_error. */
int variables_prepare(const struct fx_workflow *wf, const char *start_node_id, const cJSON *user_inputs,
		      cJSON **ret, struct dm_error *reterr);
