/* condition.h -- PLACEHOLDER until the condition module lands. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

typedef const cJSON *(*cond_lookup_fn)(void *ctx, const cJSON *selector);

struct cond_outcome {
	const char *handle;
	bool result;
	char *error;
	cJSON *inputs, *process_data, *outputs;
};
void cond_eval_if_else(const cJSON *node_data, cond_lookup_fn lookup, void *ctx, bool empty_cases_true,
		       struct cond_outcome *ret);
void cond_outcome_free(struct cond_outcome *o);
char *cond_render_text(const char *tpl, cond_lookup_fn lookup, void *ctx);
