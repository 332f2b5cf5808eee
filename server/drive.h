/* drive.h -- an online drive as a datasource node's fixture "browse" key
 * describes it (fixtures/README.md, "browse"): files and folders at the root
 * (bucket null, as Google Drive) or in named buckets (S3-like), folders
 * nesting theirs. What the drive plugin answers: a datasource node run's
 * listing (companion-endpoints.md §4), and the files of the folders a
 * pipeline/run names (wire.md §5, §6 step 1). */
#pragma once
#include <cjson/cJSON.h>

#include "config.h"
#include "fixtures.h"

/* OnlineDriveBrowseFilesRequest(bucket, prefix, max_keys, next_page_parameters). */
struct drive_request {
	const char *bucket;            /* NULL: None */
	const char *prefix;            /* a folder id; "" for the root */
	unsigned long long max_keys;   /* clamped to 1..1000 */
	const cJSON *next_page;        /* NULL: None */
};

/* The request from a node run's inputs (borrowed into *ret): NULL, or
 * pydantic's message for OnlineDriveBrowseFilesRequest (heap). */
char *drive_request_parse(const cJSON *inputs, struct drive_request *ret);

/* One page of the folder r names: [{"bucket", "files", "is_truncated",
 * "next_page_parameters"}] (a new tree). An unknown folder or bucket lists
 * nothing; with buckets and no bucket, the root lists the buckets as
 * folders. */
cJSON *drive_listing(const cJSON *browse, const struct drive_request *r);

/* PipelineGenerator._format_datasource_info_list for an online_drive run
 * from start (the start node, whose plugin lists the folders): every item
 * becomes {"id", "name", "bucket"} (id "" and name "untitled" when absent,
 * bucket null), and a folder item -- a truthy "id" and "type": "folder" --
 * becomes its files, each {"id", "name", "bucket": the item's}, depth first,
 * subfolders where they are listed, as Dify pages through the plugin
 * 20 entries at a time:
 *  - 1.13.3 reads every page; a folder inside itself recurses until
 *    Python's recursion limit ("maximum recursion depth exceeded");
 *  - from 1.17 on a folder already listed for the same item is skipped,
 *    and as that check also stops the next page, a folder gives only its
 *    first 20 entries (files and subfolders).
 * An unknown folder or bucket lists nothing, as in a node run. A folder's
 * request is checked as pydantic's OnlineDriveBrowseFilesRequest (a bucket
 * or id of the wrong type); the first listing fails as a node run's call
 * would (plugins_call_fails: not a datasource node, another type,
 * browse.error). Returns 0 with *ret_items (a new array), or -1 with
 * *ret_error (heap), the message of Dify's 500. */
int drive_expand(const struct fx_node *start, const cJSON *items, enum dify_version v, cJSON **ret_items,
		 char **ret_error);
