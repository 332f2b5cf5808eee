/* published.h -- the answer to a published run (wire.md §6) and to a draft
 * run with an empty item list (§7.1): {"batch", "dataset", "documents"}. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "documents.h"
#include "fixtures.h"
#include "ids.h"

/* A 20-digit batch: UTC %Y%m%d%H%M%S of unix_ms, then 100000..999999. */
void published_batch(int64_t unix_ms, char out[21]);

/* The body (json.dumps bytes): one document per item, positions from
 * first_position on, ids fresh (also written to ids[i] when ids is not
 * NULL). items may be empty; they are the documents' data_source_info as
 * Dify stores it (online_drive items already rewritten: drive_expand). */
void published_body(const struct fx_kb *kb, const char *batch, const char *datasource_type, const cJSON *items,
		    unsigned first_position, char (*ids)[IDS_UUID_LEN + 1], struct buf *out);

/* What a published run leaves behind: one document per item in the store,
 * each with the outcome of its background run, simulated from the start
 * node on the workflow the run would use (a scenario's, when it changes
 * nodes) -- completed when its knowledge-index node finishes, an error
 * with the failing node's text, or waiting forever when the run never
 * starts (an unknown start node) or indexes nothing. Each
 * item runs on its own (its branches may differ); a local_file item that
 * names no file, or (strict_file_references) a file the workspace never
 * uploaded, fails in its datasource node. */
struct published_run {
	struct documents *docs;
	struct fixtures *fx;              /* owns kb and wf */
	const struct fx_kb *kb;
	const struct fx_workflow *wf;
	const char *start_node_id, *datasource_type, *batch;
	const cJSON *items;
	const cJSON *inputs;              /* validated (variables_prepare) */
	unsigned first_position;
	const char (*ids)[IDS_UUID_LEN + 1]; /* from published_body */
	int64_t created_ms;
	double time_scale;
	bool dify_1_13;                   /* Dify 1.13.3's engine (run_params.dify_1_13) */
};
void published_record(const struct published_run *p);
