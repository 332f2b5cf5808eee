/* published.h -- the answer to a published run (wire.md §6) and to a draft
 * run with an empty item list (§7.1): {"batch", "dataset", "documents"}. */
#pragma once
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fixtures.h"

/* A 20-digit batch: UTC %Y%m%d%H%M%S of unix_ms, then 100000..999999. */
void published_batch(int64_t unix_ms, char out[21]);

/* The document item as Dify stores it: online_drive items are rewritten to
 * {"id", "name", "bucket"}; other types are kept as sent. New tree. */
cJSON *published_source_info(const char *datasource_type, const cJSON *item);

/* The body (json.dumps bytes): one document per item, positions from
 * first_position on, ids fresh. items may be empty. */
void published_body(const struct fx_kb *kb, const char *batch, const char *datasource_type, const cJSON *items,
		    unsigned first_position, struct buf *out);
