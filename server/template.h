/* template.h -- fixture values that echo the request: strings with
 * {{ path }} placeholders (fixtures/README.md, "Templates"). */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "json.h"

struct template_ctx {
	const cJSON *item;            /* the datasource_info_list item (may be NULL) */
	const cJSON *inputs;          /* validated pipeline inputs (may be NULL) */
	const char *datasource_type;
	const char *document_name;
	const char *dataset_id, *dataset_name;
	const char *workflow_run_id;
	const char *node_id, *node_title;
	/* {{#node.key#}} (Dify's variable placeholders): the value at the
	 * dotted path, or NULL when missing. NULL: such placeholders are missing. */
	const cJSON *(*resolve)(void *ctx, const char *path, size_t len);
	void *resolve_ctx;
};

/* A new tree: tpl with every placeholder replaced. A string that is exactly
 * one placeholder takes the value with its JSON type (null when missing);
 * placeholders inside longer strings become text (strings raw, other values
 * as compact JSON, missing as ""). NULL tpl gives NULL. */
cJSON *template_render(const cJSON *tpl, const struct template_ctx *ctx);

/* template_render(tpl, c) written as JSON in style without building it:
 * the same bytes as json_write of the rendered tree (null for a NULL tpl). */
void template_write(struct buf *out, const cJSON *tpl, const struct template_ctx *c, enum json_style style);
/* What a document's knowledge-index outputs report, read off
 * template_render(outputs, c) without building it: total_segments when it
 * is a number >= 0 (capped to 32 bits), else 0, and the characters (code
 * points) of the string "content" of each member of "preview". */
void template_index_counts(const cJSON *outputs, const struct template_ctx *c, unsigned *segments,
			   unsigned long *chars);
/* Does tpl hold a {{#node.key#}} placeholder anywhere (in any string)? */
bool template_reads_pool(const cJSON *tpl);
