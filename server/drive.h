/* drive.h -- an online drive as a datasource node's fixture "browse" key
 * describes it (fixtures/README.md, "browse"): files and folders at the root
 * (bucket null, as Google Drive) or in named buckets (S3-like), folders
 * nesting theirs. What the drive plugin answers: a datasource node run's
 * listing (companion-endpoints.md §4). */
#pragma once
#include <cjson/cJSON.h>

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
