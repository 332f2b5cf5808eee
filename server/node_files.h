/* node_files.h -- the files a datasource node outputs (Dify's File dicts,
 * graph-semantics.md §3.5), whether a local_file item names a file at all,
 * and the made-up text a mock gives a document it cannot read. */
#pragma once
#include <cjson/cJSON.h>

#include "fixtures.h"
#include "pool.h"

/* The File of the run's item: a local_file upload (what the upload store
 * knows of it, else what the item says) or an online_drive file (saved
 * as a tool file by Dify). */
cJSON *node_file_of_item(const struct run_values *rv, const struct fx_node *nd);
/* Why a local_file item's datasource node fails, or NULL: no file named
 * ("Failed to invoke datasource: File is not exist"), or, under
 * strict_file_references, a file the workspace never uploaded. Malloc'd. */
char *node_file_missing(const struct run_values *rv);
/* The text a document "contains": three paragraphs naming it, the same for
 * the same name (malloc'd). */
char *node_file_text(const char *name);
/* "." and the lower-cased extension of name ("" when it has none). */
char *node_file_extension(const char *name);
