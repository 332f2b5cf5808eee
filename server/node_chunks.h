/* node_chunks.h -- chunks as Dify's pipelines pass them: a chunker tool's
 * result for each chunk structure (text_model: a list of strings;
 * hierarchical_model: {"parent_child_chunks", "parent_mode"}; qa_model:
 * {"qa_chunks"}), the knowledge-index node's draft preview of it and its
 * checks (graph-semantics.md §3.6). */
#pragma once
#include <cjson/cJSON.h>

/* A chunker's result for text, split by what its inputs say (delimiter,
 * maximum length, parent mode), shaped for chunk_structure. */
cJSON *node_chunks_make(const char *chunk_structure, const char *text, const cJSON *tool_inputs);
/* Why a knowledge-index node fails on chunks (NULL: the variable is
 * missing), or NULL when it takes them. A static string. */
const char *node_chunks_check(const char *chunk_structure, const cJSON *chunks);
/* The draft preview of chunks: {"chunk_structure", ["parent_mode"],
 * "preview", "qa_preview", "total_segments"}. */
cJSON *node_chunks_preview(const char *chunk_structure, const cJSON *chunks);
/* A preview's segments and the characters (code points) of their contents. */
void node_chunks_count(const cJSON *preview, unsigned *ret_segments, unsigned long *ret_chars);
