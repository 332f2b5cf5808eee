/* http.h -- the libmicrohttpd daemon: moves bytes between sockets and
 * api_handle(), waits out simulated time on suspended connections (never
 * sleeping in a callback), and streams SSE. */
#pragma once
#include <stddef.h>

#include "api.h"

struct http_options {
	const char *host;
	unsigned port;            /* 0: any free port */
	unsigned threads;
	unsigned max_connections;
	size_t max_body;
	size_t max_header;        /* request line + headers */
	unsigned idle_timeout;    /* seconds */
	unsigned request_timeout; /* seconds for the whole body */
	double time_scale;
	double ping_interval;     /* seconds */
};

struct http_server;

/* Starts serving; ctx must outlive the server. On failure returns -1 with a
 * message in err. */
int http_start(const struct http_options *opt, const struct api_ctx *ctx, struct http_server **ret, char *err,
	       size_t errlen);
unsigned http_port(const struct http_server *s);
/* Ends open streams, waits (at most about a second) for them to close, stops. */
void http_stop(struct http_server *s);
