/* admin.h -- dify-mock's own API under /_mock/ (never under /v1): health,
 * the request journal, reset, reload and armed scenarios. Plain JSON bodies
 * of our own; errors are {"error": "..."} with a 4xx status. */
#pragma once
#include "api.h"
#include "route.h"

void admin_handle(const struct api_ctx *ctx, const struct api_request *req, const struct route_match *m,
		  const struct fixtures *fx, struct api_response *res);
