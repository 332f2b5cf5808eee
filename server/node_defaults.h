/* node_defaults.h -- what a node reports when its fixture does not say:
 * the outputs, inputs, process data and metadata Dify's node of that kind
 * would report (graph-semantics.md §3.5, §3.6), computed from the run's
 * variable pool; and how the kinds that can fail on the run's values end.
 *
 * Content a mock cannot know (a file's text, a model's answer) is made up,
 * the same for the same input: a document's text names the document, and
 * chunkers split it as Dify's chunkers would (node_chunks.c). */
#pragma once
#include <stddef.h>
#include <cjson/cJSON.h>

#include "plan.h"
#include "pool.h"

cJSON *node_defaults_outputs(struct pool *p, size_t i);
cJSON *node_defaults_inputs(struct pool *p, size_t i);
cJSON *node_defaults_process_data(struct pool *p, size_t i);
cJSON *node_defaults_metadata(struct pool *p, size_t i);
/* How node i ends (datasource, knowledge-index, document-extractor): fills
 * ret->failed, ->error (malloc'd) and ->error_type; untouched otherwise. */
void node_defaults_check(struct pool *p, size_t i, struct plan_outcome *ret);

/* The icon a tool or datasource node reports (extras.icon, and in a
 * datasource's item): the fixture's, else, for nodes of Dify node data,
 * what Dify gives them (the File Upload image, or a plugin icon URL of
 * the workspace). New tree, or NULL for none. */
cJSON *node_defaults_icon(const struct fx_kb *kb, const struct fx_node *nd);

/* What a published document reads off its knowledge-index node i: the
 * segments and the characters (code points) of their contents. */
void node_defaults_index_counts(struct pool *p, size_t i, unsigned *ret_segments, unsigned long *ret_chars);
