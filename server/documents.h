/* documents.h -- what requests leave behind, kept in memory for the server's
 * life: the next document position per knowledge base, the documents that
 * published runs create (each with its simulated background run), and the
 * files uploaded for local_file items. Thread-safe. Keyed by ids, so it
 * survives a fixture reload.
 *
 * Bounded, the oldest forgotten first: DOCUMENTS_MAX documents (or
 * DOCUMENTS_MAX_BYTES of their stored text), UPLOADS_MAX uploaded files
 * (their metadata: contents are never kept). A forgotten document answers
 * 404 like one that never existed.
 *
 * Documents do not run anything: a document's state is computed when it is
 * read, from its creation time, the simulated times of its run and the
 * time scale (companion-endpoints.md §5.3): "waiting" (0/0), then "waiting"
 * with the segments counted while the knowledge-index node runs (0/N), then
 * "completed" (N/N) or "error". */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "fixtures.h"
#include "ids.h"

#define DOCUMENTS_MAX 100000
#define DOCUMENTS_MAX_BYTES (64u * 1024 * 1024)
#define UPLOADS_MAX 10000

struct documents;

struct documents *documents_new(void);
void documents_free(struct documents *d);
/* Reserves n consecutive positions in kb and returns the first one: positions
 * continue after the knowledge base's existing documents (Dify: max + 1). */
unsigned documents_reserve_positions(struct documents *d, const struct fx_kb *kb, unsigned n);
/* Forgets positions, documents and uploaded files (POST /_mock/reset). */
void documents_clear(struct documents *d);

/* ---- uploaded files (upload_files rows) ---- */

struct stored_upload {
	char id[IDS_UUID_LEN + 1];
	char tenant_id[IDS_UUID_LEN + 1];   /* the workspace: references only resolve within it */
	char created_by[IDS_UUID_LEN + 1];
	char *name;                         /* may hold NUL bytes: name_len */
	size_t name_len;
	uint64_t size;
	char *extension, *mime_type;
	int64_t created_us;                 /* unix microseconds */
};

/* Copies u in; the oldest upload goes when UPLOADS_MAX are kept. */
void documents_add_upload(struct documents *d, const struct stored_upload *u);
/* Was file id uploaded by workspace tenant_id (and not forgotten)? */
bool documents_upload_exists(struct documents *d, const char *tenant_id, const char *id);
/* The same, with a copy of the upload into *ret (free with upload_done). */
bool documents_upload_get(struct documents *d, const char *tenant_id, const char *id, struct stored_upload *ret);

/* ---- documents of published runs ---- */

enum doc_outcome {
	DOC_STAYS_WAITING, /* the run never marks it (setup failure, no knowledge-index node) */
	DOC_COMPLETES,     /* the knowledge-index node indexes it */
	DOC_FAILS,         /* the graph fails: "error" with the failure text */
};

struct doc_new {
	const char *id, *kb_id, *batch;
	unsigned position;
	const char *datasource_type;
	const char *name_json;          /* the document name, as JSON (string or null) */
	const char *source_info_json;   /* data_source_info as GET answers it: "{}" or the website_crawl item */
	const char *created_by;         /* the tenant owner */
	const char *doc_form;           /* the knowledge base's chunk_structure */
	int64_t created_ms;             /* wall clock */
	enum doc_outcome outcome;
	/* Simulated offsets from created_ms: the knowledge-index node starts
	 * (segments exist), the document completes or fails. The *_due_ms are
	 * the same offsets after --time-scale: when the state changes. */
	uint64_t index_start_ms, end_ms;
	uint64_t index_start_due_ms, end_due_ms;
	unsigned segments;              /* DOC_COMPLETES: total_segments */
	unsigned long word_count;       /* DOC_COMPLETES: characters of the segments */
	double latency_s;               /* DOC_COMPLETES: indexing_latency */
	const char *error;              /* DOC_FAILS */
};

/* Copies dn in. */
void documents_add(struct documents *d, const struct doc_new *dn);

/* GET .../documents/{batch}/indexing-status: the 200 body (ujson bytes,
 * trailing newline) as of now_ms; -1 when kb has no document of batch. */
int documents_batch_status(struct documents *d, const char *kb_id, const char *batch, int64_t now_ms,
			   struct buf *out);

enum doc_metadata { DOC_META_ALL, DOC_META_ONLY, DOC_META_WITHOUT };
bool documents_exists(struct documents *d, const char *kb_id, const char *doc_id);
/* GET .../documents/{document_id}: the 200 body; -1 when not found. */
int documents_get(struct documents *d, const char *kb_id, const char *doc_id, int64_t now_ms,
		  enum doc_metadata metadata, struct buf *out);


