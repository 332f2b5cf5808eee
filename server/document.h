/* document.h -- one document of a published run as the store
 * (documents.c) keeps it, and its wire bodies: the indexing-status entry
 * and the document GET body, with the state computed when read. Internal to
 * documents.c and document.c. */
#pragma once
#include <stdint.h>

#include "buf.h"
#include "documents.h"
#include "ids.h"

/* One allocation per document, about 200 bytes: a published run stores one
 * per item, up to DOCUMENTS_MAX of them, so their size is the server's size
 * after a load (at 800 bytes in a dozen allocations each, 100,000 documents
 * took 80 MB). Ids and batch numbers are inline; the knowledge-base and
 * owner ids, datasource types and chunk structures are shared (interned);
 * the two JSON texts and the error follow the struct. */
struct doc {
	struct doc *batch_next;                  /* the batch's next document, in creation order */
	const char *kb_id, *created_by;          /* interned */
	const char *datasource_type, *doc_form;  /* interned; doc_form may be NULL */
	int64_t created_ms;
	uint64_t index_start_ms, end_ms, index_start_due_ms, end_due_ms;
	double latency_s;
	unsigned long word_count;
	unsigned position, segments;
	uint32_t bytes;                          /* counted against DOCUMENTS_MAX_BYTES */
	uint32_t source_info_at, error_at;       /* offsets in text; error_at 0: none */
	uint8_t outcome;                         /* enum doc_outcome */
	char id[IDS_UUID_LEN + 1];
	char batch[21];
	char text[];                             /* name_json, source_info_json[, error] */
};

#define DOC_NAME_JSON(x) ((x)->text)
#define DOC_SOURCE_INFO_JSON(x) ((x)->text + (x)->source_info_at)
#define DOC_ERROR(x) ((x)->error_at ? (x)->text + (x)->error_at : NULL)

/* The record of dn (one allocation, freed with free()): texts copied,
 * bytes counted; kb_id, created_by, datasource_type and doc_form are left
 * NULL for the store to point at its shared copies. */
struct doc *document_new(const struct doc_new *dn);

/* The document's entry in an indexing-status body (ujson bytes) as of now_ms. */
void document_status_json(const struct doc *x, int64_t now_ms, struct buf *out);
/* The document GET body (ujson bytes, trailing newline) as of now_ms. */
void document_json(const struct doc *x, int64_t now_ms, enum doc_metadata m, struct buf *out);
