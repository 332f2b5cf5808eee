/* journal.h -- the request journal behind GET /_mock/requests: the last N
 * requests (a ring; older ones are dropped and counted), each with what the
 * client sent (Authorization redacted), what it got, the scenario applied,
 * and for streams the events delivered and whether and when the client hung
 * up. Thread-safe. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"

#define JOURNAL_BODY_MAX (64 * 1024) /* bytes of a request body kept */

struct journal_entry {
	int64_t time_ms;         /* wall clock when the request arrived */
	char *method, *path;
	char *headers;           /* "Name: value\n" lines as received, Authorization redacted;
				  * made into JSON only when the journal is read */
	char *body;              /* up to JOURNAL_BODY_MAX bytes, as UTF-8 text */
	bool body_truncated;
	unsigned status;         /* 0: no answer (connection closed or reset) */
	char *knowledge_base;    /* NULL if the path has none */
	char *scenario;          /* NULL: none */
	const char *scenario_from; /* "header", "armed", "api_key", "sequence" */
	bool stream;
	unsigned events, pings;  /* SSE blocks delivered */
	bool hung_up;            /* the client left before the answer was complete */
	double hung_up_after_ms; /* since the request arrived */
	double duration_ms;
};

/* Appends "Name: value\n" to a journal_entry.headers text: control bytes
 * become spaces (they would split the line), and an Authorization value keeps
 * only a known scheme ("Bearer ", "Basic ", "Digest ", any case, as sent)
 * before "[redacted]" -- the key itself never reaches the journal. */
void journal_put_header(struct buf *b, const char *name, const char *value);

struct journal;

struct journal *journal_new(size_t capacity);
void journal_free(struct journal *j);
/* Takes the entry's allocations. */
void journal_add(struct journal *j, struct journal_entry *e);
void journal_clear(struct journal *j);
/* {"total": N, "dropped": D, "requests": [...]}, oldest first, filtered by
 * knowledge base id, path (exact or prefix ending in '*') and status (each
 * NULL / 0: any). Compact JSON with a trailing newline; heap. */
char *journal_json(struct journal *j, const char *kb, const char *path, unsigned status, size_t *ret_len);
void journal_entry_done(struct journal_entry *e);
