/* client.h -- end-to-end test helpers: start and stop the real binary, and
 * make HTTP requests over libcurl, keeping the exact bytes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct server {
	pid_t pid;
	unsigned port;
	char dir[64];          /* temporary directory (port file, logs) */
	char log_path[128];    /* the server's stderr */
};

/* Starts DIFY_MOCK_BIN with --port 0 --port-file and the given extra
 * arguments (NULL-terminated), waits until it serves. Aborts the test on
 * failure, after printing the server's log. The server gets SIGTERM when
 * the test process dies. */
void server_start(struct server *s, const char *const *extra_args);
/* SIGTERM, then waits; returns the exit status (or -1). Unless it is 0,
 * prints the server's log (a sanitizer report, say) and keeps it. */
int server_stop(struct server *s);

struct reply {
	long status;
	char *headers;   /* raw header block of the final response */
	char *body;
	size_t body_len;
	double total_s;  /* time to the end of the body */
};

/* headers: NULL-terminated "Name: value" strings. body may be NULL. */
void http_request(const struct server *s, const char *method, const char *path, const char *const *headers,
		  const char *body, struct reply *ret);
/* The same without asserting success: returns libcurl's code (0: an answer
 * came). timeout_ms 0: 30 s. */
int http_request_ex(const struct server *s, const char *method, const char *path, const char *const *headers,
		    const char *body, long timeout_ms, struct reply *ret);
/* The same with a body of body_len bytes (it may hold NUL bytes). */
int http_request_raw(const struct server *s, const char *method, const char *path, const char *const *headers,
		     const char *body, size_t body_len, long timeout_ms, struct reply *ret);
/* POST /v1/datasets/pipeline/file-upload with libcurl's own multipart/form-data
 * (one part "file"; content_type NULL: libcurl's choice). Asserts an answer. */
void http_upload(const struct server *s, const char *key, const char *filename, const char *content_type,
		 const char *data, size_t len, struct reply *ret);
void reply_free(struct reply *r);
/* The value of a response header (case-insensitive name), heap or NULL. */
char *reply_header(const struct reply *r, const char *name);
/* True when name appears among the response headers. */
bool reply_has_header(const struct reply *r, const char *name);

/* A POST of body to path with the demo key and JSON content type. */
void post_json(const struct server *s, const char *path, const char *body, struct reply *ret);

#define DEMO_KEY "dataset-difymockdemokey000000000"
#define DEMO_KB "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define RUN_PATH(kb) "/v1/datasets/" kb "/pipeline/run"

/* A streamed response, chunk by chunk, with arrival times. */
struct stream_chunk {
	double at_s;       /* seconds since the request started */
	size_t off, len;   /* into body */
};

struct stream_reply {
	long status;
	char *headers;
	char *body;
	size_t body_len;
	struct stream_chunk *chunks;
	size_t n_chunks;
	bool aborted;      /* we hung up after abort_after bytes */
	int curl_code;
};

/* POSTs body to path with the demo key; reads until the server ends the
 * body, or hangs up once abort_after (> 0) bytes have arrived. */
void http_stream(const struct server *s, const char *path, const char *body, size_t abort_after,
		 struct stream_reply *ret);
/* With extra headers (NULL-terminated, may be NULL) and a timeout (0: 60 s). */
void http_stream_ex(const struct server *s, const char *path, const char *body, const char *const *headers,
		    size_t abort_after, long timeout_ms, struct stream_reply *ret);
void stream_reply_free(struct stream_reply *r);
/* The arrival time of the chunk holding body offset off. */
double stream_time_at(const struct stream_reply *r, size_t off);

/* Raw sockets, for clients that misbehave on purpose. */
int raw_connect(const struct server *s);
void raw_send(int fd, const void *data, size_t len);
/* Reads into out until `needle` appears (or EOF, or timeout_ms); returns
 * bytes read, and sets *ret_eof when the server closed. */
size_t raw_read(int fd, struct buf *out, const char *needle, long timeout_ms, bool *ret_eof);
