/* upload.h -- POST /v1/datasets/pipeline/file-upload once auth has passed
 * (companion-endpoints.md §2): Dify's checks of request.files in its order,
 * FileService.upload_file's checks (path separators, the 200-character
 * shortening, the extension blacklist, the size limit by extension, MiB and
 * inclusive), the 201 body; and how a local_file item of pipeline/run finds
 * its uploaded file again. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "documents.h"
#include "error.h"

/* Dify's defaults: UPLOAD_FILE_EXTENSION_BLACKLIST empty, UPLOAD_*_SIZE_LIMIT
 * 15 (files), 10 (images), 100 (videos), 50 (audio) MiB. */
struct upload_limits {
	const char *const *blacklist;  /* lower-case extensions without the dot, NULL-terminated; NULL: none */
	uint64_t file_mb, image_mb, video_mb, audio_mb;
};
extern const struct upload_limits upload_default_limits;

/* Checks the body. On success fills *ret (an upload of the workspace's
 * owner: the caller sets tenant_id and created_by) and returns 0, with a
 * fresh id (uuid4) and created_us = now_ms plus sub-millisecond digits;
 * otherwise returns -1 with reterr: 413 request_entity_too_large, 400
 * no_file_uploaded / too_many_files / filename_not_exists_error, or 400
 * invalid_param ("" for a part without Content-Type, "Filename contains
 * invalid characters", "File extension '.x' is not allowed for security
 * reasons", "None" for a file over its size limit). */
int upload_check(const char *content_type, const char *body, size_t len, const struct upload_limits *limits,
		 int64_t now_ms, struct stored_upload *ret, struct dm_error *reterr);
/* Frees what upload_check allocated in u. */
void upload_done(struct stored_upload *u);
/* The 201 body: ujson bytes and "\n". */
void upload_body(const struct stored_upload *u, struct buf *out);

/* The upload-file id a local_file item names: "reference", else
 * "related_id" (non-empty strings); a "dify-file-ref:<base64url JSON>"
 * value gives its "record_id", as Dify's parse_file_reference does. Heap,
 * NULL when the item names none. */
char *upload_item_file_id(const cJSON *item);
/* Does the item name a file that workspace tenant_id uploaded? */
bool upload_item_resolves(struct documents *docs, const char *tenant_id, const cJSON *item);
