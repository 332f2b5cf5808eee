/* fuzz-request.c -- the request path without sockets: one input is one HTTP
 * request, handed to api_handle() over the bundled fixtures with scenarios,
 * the journal and reloads on, as the server has them; the raw input also goes
 * through json_parse and request_parse_run on its own.
 *
 * An input is up to MAX_REQUESTS requests separated by a line "%%", played in
 * order on a server state that starts afresh for each input (journal, armed
 * scenarios, sequences, documents and uploads cleared, ids reseeded), so that
 * "arm, then run" or "upload, run, poll" replay the same way every time; each
 * request comes 5 s of wall clock after the previous one. FUZZ_VERBOSE=1 in
 * the environment prints every answer (for writing seeds and reading crashes).
 * Framing of one request (see corpus/fuzz-request/):
 *   METHOD\n
 *   PATH[?QUERY]\n      (QUERY: name=value&..., no percent-decoding)
 *   Name: value\n       (Authorization, Content-Type, Origin, X-Dify-Mock-Scenario,
 *   ...                  Access-Control-Request-Method/-Headers; any other is
 *   \n                   only journaled)
 *   BODY                (the rest, any bytes)
 * A missing part is absent (NULL header, empty body). NUL bytes end a line's
 * text, as they would in libmicrohttpd's C strings. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "buf.h"
#include "documents.h"
#include "error.h"
#include "fixtures.h"
#include "ids.h"
#include "journal.h"
#include "json.h"
#include "pipeline.h"
#include "request.h"
#include "runs.h"
#include "scenario.h"
#include "sse.h"

#define MAX_REQUESTS 8
#define START_MS INT64_C(1795000000000)
#define STEP_MS 5000

static struct api_ctx ctx;
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fixtures *load(struct buf *errors)
{
	struct fixtures *fx;
	struct fx_problems problems = { NULL, 0 };
	if (fixtures_load(FIXTURES_DIR, &fx, &problems)) {
		for (size_t i = 0; i < problems.n; i++)
			buf_printf(errors, "%s\n", problems.lines[i]);
		fx_problems_free(&problems);
		return NULL;
	}
	return fx;
}

/* POST /_mock/reload, as main.c does it: the bundled set again. */
static int reload(void *cls, struct buf *errors)
{
	(void)cls;
	struct fixtures *fx = load(errors);
	if (!fx)
		return -1;
	fixtures_slot_swap(ctx.slot, fx);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct buf errors = BUF_INIT;
	struct fixtures *fx = load(&errors);
	if (!fx) {
		fprintf(stderr, "%s", errors.data);
		abort();
	}
	ctx.slot = fixtures_slot_new(fx);
	ctx.docs = documents_new();
	ctx.scenarios = scenarios_new();
	ctx.journal = journal_new(16);
	ctx.reload = reload;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

/* Cuts the next line off *p (up to '\n' or end); NULL when nothing is left. */
static char *next_line(char **p, char *end)
{
	if (*p >= end)
		return NULL;
	char *s = *p;
	char *nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	*nl = '\0';
	if (nl > s && nl[-1] == '\r')
		nl[-1] = '\0';
	*p = nl + 1;
	return s;
}

/* The query string's value for name (first match), without decoding. */
static const char *query_arg(void *cls, const char *name)
{
	static char value[256];
	const char *q = cls;
	size_t n = strlen(name);
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len > n && !strncmp(q, name, n) && q[n] == '=') {
			snprintf(value, sizeof value, "%.*s", (int)(len - n - 1), q + n + 1);
			return value;
		}
		if (len == n && !strncmp(q, name, n))
			return "";
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* Plays a stream to its end at time scale 0, in small pieces, as http.c
 * would hand it to the client. */
static void play_stream(struct api_response *res)
{
	struct sse_stream s;
	if (res->run) {
		sse_stream_init(&s, res->run, res->stream_fault, 1000, 0, 10000);
		res->run = NULL;
	} else if (res->script) {
		sse_stream_init_script(&s, res->script, 1000, 0, 10000);
		res->script = NULL;
	} else {
		return;
	}
	fuzz_play(&s);
}

/* A journal entry as http.c records it (body as text, invalid UTF-8 as '?'). */
static void journal(const struct api_request *req, struct buf *headers, const struct api_response *res)
{
	if (!res->journaled) {
		buf_free(headers);
		return;
	}
	struct journal_entry e = { .time_ms = req->now_ms, .status = res->status, .stream = res->stream };
	e.method = xstrdup(req->method);
	e.path = xstrdup(req->path);
	e.headers = buf_steal(headers, NULL);
	size_t n = req->body_len > JOURNAL_BODY_MAX ? JOURNAL_BODY_MAX : req->body_len;
	e.body_truncated = req->body_len > n;
	e.body = xstrndup(req->body ? req->body : "", n);
	if (!json_utf8_valid(e.body, n))
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)e.body[i] >= 0x80)
				e.body[i] = '?';
	if (res->dataset_id[0])
		e.knowledge_base = xstrdup(res->dataset_id);
	if (res->scenario[0]) {
		e.scenario = xstrdup(res->scenario);
		e.scenario_from = scenario_source_name(res->scenario_from);
	}
	journal_add(ctx.journal, &e);
}

static void handle(const uint8_t *data, size_t size, int64_t now_ms)
{
	/* One byte more for the NUL that ends the last line. */
	char *copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *p = copy, *end = copy + size;
	struct api_request req = { .now_ms = now_ms, .arg = query_arg };
	struct buf headers = BUF_INIT; /* "Name: value\n" lines, as http.c journals them */
	req.method = next_line(&p, end);
	char *path = next_line(&p, end);
	if (path) {
		char *q = strchr(path, '?');
		if (q) {
			*q = '\0';
			req.arg_cls = q + 1;
		}
	}
	req.path = path;
	char *line;
	while ((line = next_line(&p, end)) && *line) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcasecmp(line, "Authorization"))
			req.authorization = v;
		else if (!strcasecmp(line, "Content-Type"))
			req.content_type = v;
		else if (!strcasecmp(line, "Origin"))
			req.origin = v;
		else if (!strcasecmp(line, "Access-Control-Request-Method"))
			req.acr_method = v;
		else if (!strcasecmp(line, "Access-Control-Request-Headers"))
			req.acr_headers = v;
		else if (!strcasecmp(line, "X-Dify-Mock-Scenario"))
			req.scenario = v;
		buf_printf(&headers, "%s: %s\n", line, strcasecmp(line, "Authorization") ? v : "[redacted]");
	}
	if (!req.method)
		req.method = "POST";
	if (!req.path)
		req.path = "/v1/datasets/3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d/pipeline/run";
	/* The body in an allocation of its exact size, so that reading past
	 * body_len is caught. */
	char *body = NULL;
	if (p < end) {
		req.body_len = (size_t)(end - p);
		body = xmalloc(req.body_len);
		memcpy(body, data + (p - copy), req.body_len);
		req.body = body;
	}

	struct api_response res;
	api_handle(&ctx, &req, &res);
	/* An answer, or a connection fault instead of one. */
	if (res.connection == FX_CONN_NONE ? res.status < 100 || res.status > 599 : res.stream)
		abort();
	if (res.body_len && !res.body)
		abort();
	if (verbose)
		fprintf(stderr, "%s %s -> %u%s\n%.*s\n", req.method, req.path, res.status, res.stream ? " (stream)" : "",
			(int)res.body_len, res.body ? res.body : "");
	journal(&req, &headers, &res);
	if (res.stream)
		play_stream(&res);
	api_response_free(&res);
	free(body);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	journal_clear(ctx.journal);
	scenarios_reset(ctx.scenarios);
	documents_clear(ctx.docs);
	ids_seed(1);
	/* Both releases' behaviours, as the input's length decides: the seeds
	 * keep their meaning, and each mutation may flip it. */
	ctx.dify_version = size % 2 ? DIFY_1_13_3 : DIFY_1_17;
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < MAX_REQUESTS && p <= end; i++) {
		/* The next separator is "\n%%\n" (or "%%\n" at the very start). */
		const uint8_t *sep = NULL;
		size_t skip = 0;
		if (end - p >= 3 && !memcmp(p, "%%\n", 3)) {
			sep = p;
			skip = 3;
		} else {
			sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
			skip = 4;
		}
		if (!sep || i == MAX_REQUESTS - 1) {
			handle(p, (size_t)(end - p), START_MS + i * STEP_MS);
			break;
		}
		handle(p, (size_t)(sep - p), START_MS + i * STEP_MS);
		p = sep + skip;
	}

	/* The raw input as a request body, on its own. */
	cJSON *root;
	if (!json_parse((const char *)data, size, &root, NULL, 0)) {
		struct run_request rr;
		struct dm_error err = DM_ERROR_INIT;
		if (!request_parse_run(root, &rr, &err)) {
			request_run_free(&rr);
		} else {
			struct buf b = BUF_INIT;
			dm_error_body(&err, &b);
			buf_free(&b);
		}
		dm_error_clear(&err);
	}
	return 0;
}
