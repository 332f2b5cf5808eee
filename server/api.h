/* api.h -- one HTTP request in, one response out, with no libmicrohttpd
 * types: routing, CORS, auth, validation and the runs, in Dify's order
 * (wire.md §2). The HTTP layer only moves bytes; tests and fuzzers call
 * api_handle() directly. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "documents.h"
#include "fixtures.h"
#include "pipeline.h"

#define DIFY_VERSION "1.13.3"

struct api_ctx {
	const struct fixtures *fx;
	struct documents *docs;
};

struct api_request {
	const char *method;
	const char *path;          /* percent-decoded, without the query */
	const char *authorization; /* header values; NULL when absent */
	const char *content_type;
	const char *origin;
	const char *acr_method;    /* Access-Control-Request-Method */
	const char *acr_headers;   /* Access-Control-Request-Headers */
	const char *body;
	size_t body_len;
	int64_t now_ms;            /* wall clock */
};

struct api_header {
	const char *name;
	char *value;               /* owned */
};

#define API_MAX_HEADERS 12

struct api_response {
	unsigned status;
	const char *content_type;
	struct api_header headers[API_MAX_HEADERS]; /* after Content-Type, in wire order */
	size_t n_headers;
	char *body;                /* owned */
	size_t body_len;
	struct run *run;           /* owned: the draft run behind a blocking or streaming answer */
	bool stream;               /* answer with the SSE stream of run */
	uint64_t wait_sim_ms;      /* simulated time to wait before a blocking answer */
	char dataset_id[40];       /* for the log line, "" if none */
};

void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res);
void api_response_free(struct api_response *res);
/* Adds a header (value copied). */
void api_response_header(struct api_response *res, const char *name, const char *value);
