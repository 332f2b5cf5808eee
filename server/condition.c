/* condition.c -- PLACEHOLDER until the condition module lands. */
#include "condition.h"

#include <stdlib.h>

#include "buf.h"

void cond_eval_if_else(const cJSON *node_data, cond_lookup_fn lookup, void *ctx, bool empty_cases_true,
		       struct cond_outcome *ret)
{
	(void)node_data, (void)lookup, (void)ctx, (void)empty_cases_true;
	*ret = (struct cond_outcome){ .handle = "false" };
}

void cond_outcome_free(struct cond_outcome *o)
{
	free(o->error);
	cJSON_Delete(o->inputs);
	cJSON_Delete(o->process_data);
	cJSON_Delete(o->outputs);
}

char *cond_render_text(const char *tpl, cond_lookup_fn lookup, void *ctx)
{
	(void)lookup, (void)ctx;
	return xstrdup(tpl);
}
