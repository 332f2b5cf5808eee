/* noderun.h -- POST /v1/datasets/{id}/pipeline/datasource/nodes/{node_id}/run
 * (companion-endpoints.md §4): the body as pydantic's DatasourceNodeRunPayload
 * reads it, then the stream, always 200: datasource_processing /
 * datasource_completed / datasource_error events (orjson, no pings, no
 * terminal sentinel) on simulated time. What a node "finds" is its
 * fixture's "browse" key (fixtures/README.md): pages, crawled sites, or a
 * drive of files and folders. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "fixtures.h"
#include "sse.h"

struct noderun_payload {
	cJSON *root;                 /* owned: the parsed body (or {} for a falsy one) */
	const cJSON *inputs;         /* an object */
	const char *datasource_type; /* any string; checked in the stream */
	const char *credential_id;   /* NULL: the default credential */
	bool is_published;
};

/* Takes root. `payload or {}`, then the model's checks; on failure -1 with
 * 400 invalid_param and pydantic's message for DatasourceNodeRunPayload. */
int noderun_parse(cJSON *root, struct noderun_payload *ret, struct dm_error *reterr);
void noderun_payload_free(struct noderun_payload *p);

/* The stream for node node_id of wf (NULL: no such workflow) in kb. */
struct sse_script *noderun_script(const struct fx_kb *kb, const struct fx_workflow *wf, const char *node_id,
				  const struct noderun_payload *p);

/* Dify's text for a local_file node run (an f-string that prints a bound
 * method; the address is drawn from the id generator). */
void noderun_local_file_error(struct buf *out);
