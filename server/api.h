/* api.h -- one HTTP request in, one response out, with no libmicrohttpd
 * types: routing, CORS, auth, validation and the runs, in Dify's order
 * (wire.md §2). The HTTP layer only moves bytes; tests and fuzzers call
 * api_handle() directly. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "documents.h"
#include "fixtures.h"
#include "journal.h"
#include "pipeline.h"
#include "scenario.h"
#include "sse.h"

struct upload_limits;

struct api_ctx {
	const struct fixtures *fx;     /* a fixed set (tests), used when slot is NULL */
	struct fixtures_slot *slot;    /* the server's current set, swapped by reloads */
	struct documents *docs;
	struct scenarios *scenarios;   /* NULL: scenarios are not selected */
	struct journal *journal;       /* NULL: /_mock/requests answers an empty journal */
	/* POST /_mock/reload: loads the fixtures anew and swaps them in; on
	 * failure returns -1 with the problems, one per line, in errors. */
	int (*reload)(void *cls, struct buf *errors);
	void *reload_cls;
	/* --time-scale, for the documents' background runs (published runs);
	 * NULL: 1. main.c points it at the option. */
	const double *time_scale;
	/* Upload checks (extension blacklist, size limits); NULL: Dify's defaults. */
	const struct upload_limits *upload_limits;
	/* --dify-version: whose behaviour to serve where releases differ
	 * (X-Version too); zero is 1.13.3. */
	enum dify_version dify_version;
};

struct api_request {
	const char *method;
	const char *path;          /* percent-decoded, without the query */
	const char *authorization; /* header values; NULL when absent */
	const char *content_type;
	const char *origin;
	const char *acr_method;    /* Access-Control-Request-Method */
	const char *acr_headers;   /* Access-Control-Request-Headers */
	const char *scenario;      /* X-Dify-Mock-Scenario */
	/* A query-string argument by name (NULL when absent); may be NULL. */
	const char *(*arg)(void *cls, const char *name);
	void *arg_cls;
	const char *body;
	size_t body_len;
	int64_t now_ms;            /* wall clock */
};

struct api_header {
	const char *name;
	const char *value;
	char *owned;               /* value when it was copied; NULL for a constant */
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
	struct sse_script *script; /* owned: a stream that is not a run (datasource node runs) */
	bool stream;               /* answer with the SSE stream of run, or of script */
	uint64_t wait_sim_ms;      /* simulated time to wait before a blocking answer */
	char dataset_id[40];       /* for the log line, "" if none */
	/* The scenario applied, and what the HTTP layer must do for it. */
	char scenario[64];         /* "" when none */
	enum scenario_source scenario_from;
	uint64_t delay_ms;         /* wall-clock wait before the headers */
	enum fx_conn_fault connection; /* close or reset instead of answering */
	const struct fx_stream_fault *stream_fault; /* valid as long as run */
	bool journaled;            /* false for /_mock/ requests */
};

void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res);
void api_response_free(struct api_response *res);
/* Adds a header (value copied). */
void api_response_header(struct api_response *res, const char *name, const char *value);
/* Adds a header whose value is a constant string (not copied). */
void api_response_header_const(struct api_response *res, const char *name, const char *value);
