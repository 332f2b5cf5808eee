/* route.h -- Werkzeug-style URL matching for the routes dify-mock serves:
 * literal segments, <uuid:...> (canonical 8-4-4-4-12 hex, lower-cased; a
 * second one, the document id, is left in param as written) and
 * <string:...> (any non-empty segment without '/'). No trailing-slash
 * redirects: a path that matches no rule is Flask's HTML 404. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "ids.h"

enum route_id {
	ROUTE_PIPELINE_RUN,          /* POST /v1/datasets/<uuid>/pipeline/run */
	ROUTE_FILE_UPLOAD,           /* POST /v1/datasets/pipeline/file-upload */
	ROUTE_DATASOURCE_PLUGINS,    /* GET /v1/datasets/<uuid>/pipeline/datasource-plugins */
	ROUTE_NODE_RUN,              /* POST /v1/datasets/<uuid>/pipeline/datasource/nodes/<string>/run */
	ROUTE_INDEXING_STATUS,       /* GET /v1/datasets/<uuid>/documents/<string:batch>/indexing-status */
	ROUTE_DOCUMENT,              /* GET /v1/datasets/<uuid>/documents/<uuid:document_id> */
	/* dify-mock's own admin API, never under /v1 */
	ROUTE_MOCK_HEALTH,           /* GET /_mock/health */
	ROUTE_MOCK_REQUESTS,         /* GET, DELETE /_mock/requests */
	ROUTE_MOCK_RESET,            /* POST /_mock/reset */
	ROUTE_MOCK_RELOAD,           /* POST /_mock/reload */
	ROUTE_MOCK_SCENARIOS,        /* GET, POST, DELETE /_mock/scenarios */
	ROUTE_COUNT,
};

enum route_outcome {
	ROUTE_MATCHED,
	ROUTE_NOT_FOUND,         /* HTML 404 */
	ROUTE_METHOD_NOT_ALLOWED,/* JSON 405, before auth */
	ROUTE_PREFLIGHT,         /* OPTIONS on a known path: 200, CORS */
};

struct route_match {
	enum route_outcome outcome;
	enum route_id id;
	char dataset_id[IDS_UUID_LEN + 1]; /* lower-cased, "" if the rule has none */
	const char *param;       /* the <string:...> segment, or a second <uuid:...> (as written), pointing into path */
	size_t param_len;
	const char *allow;       /* e.g. "POST, OPTIONS", for the Allow header */
};

void route_match(const char *method, const char *path, struct route_match *ret);
