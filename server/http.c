/* http.c -- libmicrohttpd glue: request bodies, delayed answers, SSE
 * streams and connection faults, on suspended connections that the
 * scheduler resumes ("parks"); and the request journal's records. */
#include "http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "linger.h"
#include "log.h"
#include "scheduler.h"
#include "sse.h"

struct http_server {
	struct MHD_Daemon *daemon;
	const struct api_ctx *ctx;
	struct http_options opt;
	struct scheduler *sched;
	struct linger_pool *linger;   /* drains connections answered before their body */
	atomic_bool stopping;
	atomic_int live_streams;
	atomic_int waiting_requests; /* parked before their answer */
	unsigned port;
};

/* Where a request is. */
enum req_phase {
	REQ_READING,     /* receiving the body */
	REQ_DELAYING,    /* parked: a scenario's delay before the headers */
	REQ_RUNNING,     /* parked: a draft blocking run's simulated time */
	REQ_ANSWERED,    /* a response is queued, or the connection is to close */
};

/* Per request; owned by MHD's req_cls, freed in on_completed. */
struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char *method, *path;
	struct buf body;
	bool too_large;
	bool linger;             /* answered before its body was read: drain it, then close */
	enum req_phase phase;
	bool parked;             /* counted in waiting_requests */
	bool hung_up;            /* the client left before the answer was complete */
	uint64_t hung_up_ms;
	struct sched_park park;
	uint64_t start_ms;
	int64_t start_unix_ms;
	struct api_response res;
	struct http_stream *stream;
	unsigned status;         /* 0 until an answer is queued */
	unsigned events, pings;  /* copied from the stream as it goes */
	struct journal_entry *entry; /* NULL: not journaled */
};

/* Per SSE response; owned by the MHD response, freed in its free callback. */
struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct sse_stream sse;
	struct http_req *req;    /* cleared when the request completes first */
	struct sched_park park;
	atomic_bool hung_up;     /* set by the scheduler thread, read by the reader */
};

static void start_entry(struct http_req *r);

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static int conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

/* On the scheduler thread: a parked stream's next event or ping is due, or
 * its client hung up (then the reader ends the body at once and the stream
 * is freed now, not at its next ping). */
static void stream_wake(struct sched_park *p, bool hung_up)
{
	struct http_stream *st = container_of(p, struct http_stream, park);
	if (hung_up)
		atomic_store(&st->hung_up, true);
	MHD_resume_connection(st->conn);
}

static void req_wake(struct sched_park *p, bool hung_up)
{
	struct http_req *r = container_of(p, struct http_req, park);
	r->hung_up = hung_up;
	MHD_resume_connection(r->conn);
}

static void park_req(struct http_req *r, enum req_phase phase, uint64_t wait_ms)
{
	r->phase = phase;
	if (!r->parked) {
		r->parked = true;
		atomic_fetch_add(&r->srv->waiting_requests, 1);
	}
	MHD_suspend_connection(r->conn);
	r->park.wake = req_wake;
	scheduler_park(r->srv->sched, &r->park, clock_mono_ms() + wait_ms, conn_fd(r->conn));
}

static void unparked(struct http_req *r)
{
	if (r->parked) {
		r->parked = false;
		atomic_fetch_sub(&r->srv->waiting_requests, 1);
	}
	if (r->hung_up && !r->hung_up_ms)
		r->hung_up_ms = clock_mono_ms();
}

static void add_headers(struct MHD_Response *resp, const struct api_response *res)
{
	MHD_add_response_header(resp, "Content-Type", res->content_type);
	for (size_t i = 0; i < res->n_headers; i++)
		MHD_add_response_header(resp, res->headers[i].name, res->headers[i].value);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct http_stream *st = cls;
	struct http_server *srv = st->srv;
	struct http_req *r = st->req;
	if (atomic_load(&st->hung_up)) {
		if (r && !r->hung_up) {
			r->hung_up = true;
			r->hung_up_ms = clock_mono_ms();
		}
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (atomic_load(&srv->stopping))
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t len;
	uint64_t due;
	enum sse_step step = sse_stream_next(&st->sse, clock_mono_ms(), out, max, &len, &due);
	if (r) {
		r->events = (unsigned)st->sse.events_sent;
		r->pings = (unsigned)st->sse.pings_sent;
	}
	switch (step) {
	case SSE_DATA:
		return (ssize_t)len;
	case SSE_END:
		return MHD_CONTENT_READER_END_OF_STREAM;
	case SSE_ABORT: /* a scenario's drop or cut: no final chunk */
		/* libmicrohttpd closes the socket on its next loop turn, which an
		 * idle worker may not take for a long time; the client must see
		 * the drop now. What was written still goes out before the FIN. */
		shutdown(conn_fd(st->conn), SHUT_RDWR);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	case SSE_WAIT:
		break;
	}
	/* Nothing due: park the connection; the scheduler resumes it. */
	MHD_suspend_connection(st->conn);
	scheduler_park(srv->sched, &st->park, due, conn_fd(st->conn));
	return 0;
}

static void stream_free(void *cls)
{
	struct http_stream *st = cls;
	atomic_fetch_sub(&st->srv->live_streams, 1);
	sse_stream_done(&st->sse);
	free(st);
}

static enum MHD_Result queue_stream(struct http_req *r)
{
	struct http_server *srv = r->srv;
	struct http_stream *st = xcalloc(1, sizeof *st);
	st->srv = srv;
	st->conn = r->conn;
	st->req = r;
	st->park.wake = stream_wake;
	uint64_t ping_ms = (uint64_t)(srv->opt.ping_interval * 1000.0 + 0.5);
	if (r->res.script)
		sse_stream_init_script(&st->sse, r->res.script, clock_mono_ms(), srv->opt.time_scale, ping_ms);
	else
		sse_stream_init(&st->sse, r->res.run, r->res.stream_fault, clock_mono_ms(), srv->opt.time_scale,
				ping_ms);
	r->res.run = NULL; /* the stream owns it now (and with it the fixtures) */
	r->res.script = NULL;
	atomic_fetch_add(&srv->live_streams, 1);
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 2048, stream_read, st,
								     stream_free);
	add_headers(resp, &r->res);
	r->stream = st;
	r->status = r->res.status;
	r->phase = REQ_ANSWERED;
	enum MHD_Result ret = MHD_queue_response(r->conn, r->res.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_buffer(struct http_req *r)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->res.body_len, r->res.body, MHD_RESPMEM_MUST_FREE);
	r->res.body = NULL;
	add_headers(resp, &r->res);
	r->status = r->res.status;
	r->phase = REQ_ANSWERED;
	enum MHD_Result ret = MHD_queue_response(r->conn, r->res.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
	return MHD_YES;
}

/* --max-header-bytes: the request line and headers together. */
static bool headers_too_large(struct http_req *r)
{
	size_t n = strlen(r->method) + strlen(r->path) + 12;
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_header, &n);
	return n > r->srv->opt.max_header;
}

static enum MHD_Result queue_json_error(struct http_req *r, unsigned status, const char *body, size_t len)
{
	api_response_free(&r->res);
	r->res = (struct api_response){ .status = status, .content_type = "application/json", .journaled = true };
	r->res.body = xstrndup(body, len);
	r->res.body_len = len;
	api_response_header_const(&r->res, "X-Version", dify_version_header(r->srv->ctx->dify_version));
	api_response_header_const(&r->res, "X-Env", "PRODUCTION");
	if (!r->entry)
		start_entry(r); /* refused before api_handle: journaled all the same */
	return queue_buffer(r);
}

static enum MHD_Result queue_headers_too_large(struct http_req *r)
{
	static const char body[] = "{\"code\":\"request_header_fields_too_large\",\"message\":\"The request headers "
				   "are larger than --max-header-bytes.\",\"status\":431}\n";
	return queue_json_error(r, 431, body, sizeof body - 1);
}

static enum MHD_Result queue_too_large(struct http_req *r)
{
	static const char body[] = "{\"code\":\"request_entity_too_large\",\"message\":\"The data value transmitted "
				   "exceeds the capacity limit.\",\"status\":413}\n";
	return queue_json_error(r, 413, body, sizeof body - 1);
}

/* A scenario's connection fault: no answer at all. */
static enum MHD_Result drop_connection(struct http_req *r)
{
	if (r->res.connection == FX_CONN_RESET) {
		/* Linger 0: close() sends RST instead of FIN. */
		struct linger lg = { 1, 0 };
		int fd = conn_fd(r->conn);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	r->phase = REQ_ANSWERED;
	return MHD_NO;
}

/* After the delay (if any): the answer itself. */
static enum MHD_Result deliver(struct http_req *r)
{
	if (r->res.connection != FX_CONN_NONE)
		return drop_connection(r);
	if (r->res.stream)
		return queue_stream(r);
	uint64_t wait = (uint64_t)((double)r->res.wait_sim_ms * r->srv->opt.time_scale + 0.5);
	if (r->phase != REQ_RUNNING && wait && !atomic_load(&r->srv->stopping)) {
		park_req(r, REQ_RUNNING, wait);
		return MHD_YES;
	}
	return queue_buffer(r);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Werkzeug reads "?is_published" (no "=") as the empty string, not as absent. */
static const char *query_arg(void *cls, const char *name)
{
	const char *v = NULL;
	size_t len;
	if (MHD_lookup_connection_value_n(cls, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &len) != MHD_YES)
		return NULL;
	return v ? v : "";
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	journal_put_header(cls, key, value);
	return MHD_YES;
}

/* Journal text for a body: at most JOURNAL_BODY_MAX bytes, invalid UTF-8 as '?'. */
static char *journal_body(const struct buf *b, bool *ret_truncated)
{
	size_t n = b->len > JOURNAL_BODY_MAX ? JOURNAL_BODY_MAX : b->len;
	*ret_truncated = b->len > n;
	char *s = xstrndup(b->data ? b->data : "", n);
	if (!json_utf8_valid(s, n))
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] >= 0x80)
				s[i] = '?';
	return s;
}

static void start_entry(struct http_req *r)
{
	if (!r->srv->ctx->journal || !r->res.journaled)
		return;
	struct journal_entry *e = r->entry = xcalloc(1, sizeof *e);
	e->time_ms = r->start_unix_ms;
	e->method = xstrdup(r->method);
	e->path = xstrdup(r->path);
	/* Kept raw: JSON is built only when someone reads the journal. */
	struct buf h = BUF_INIT;
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_header, &h);
	e->headers = buf_steal(&h, NULL);
	e->body = journal_body(&r->body, &e->body_truncated);
	if (r->res.dataset_id[0])
		e->knowledge_base = xstrdup(r->res.dataset_id);
	if (r->res.scenario[0]) {
		e->scenario = xstrdup(r->res.scenario);
		e->scenario_from = scenario_source_name(r->res.scenario_from);
	}
	e->stream = r->res.stream;
}

static void finish_entry(struct http_req *r)
{
	struct journal_entry *e = r->entry;
	if (!e)
		return;
	e->status = r->status;
	e->events = r->events;
	e->pings = r->pings;
	e->hung_up = r->hung_up;
	if (r->hung_up)
		e->hung_up_after_ms = (double)((r->hung_up_ms ? r->hung_up_ms : clock_mono_ms()) - r->start_ms);
	e->duration_ms = (double)(clock_mono_ms() - r->start_ms);
	journal_add(r->srv->ctx->journal, e);
	free(e);
	r->entry = NULL;
}

static enum MHD_Result dispatch(struct http_req *r)
{
	struct http_server *srv = r->srv;
	struct MHD_Connection *c = r->conn;
	struct api_request req = {
		.method = r->method,
		.path = r->path,
		.authorization = header(c, "Authorization"),
		.content_type = header(c, "Content-Type"),
		.origin = header(c, "Origin"),
		.acr_method = header(c, "Access-Control-Request-Method"),
		.acr_headers = header(c, "Access-Control-Request-Headers"),
		.scenario = header(c, "X-Dify-Mock-Scenario"),
		.arg = query_arg,
		.arg_cls = c,
		.body = r->body.data,
		.body_len = r->body.len,
		.now_ms = r->start_unix_ms,
	};
	api_handle(srv->ctx, &req, &r->res);
	start_entry(r);
	buf_free(&r->body); /* a stream may live for minutes */
	if (r->res.delay_ms && !atomic_load(&srv->stopping)) {
		park_req(r, REQ_DELAYING, r->res.delay_ms);
		return MHD_YES;
	}
	return deliver(r);
}

static bool body_announced(struct MHD_Connection *c)
{
	const char *cl = header(c, "Content-Length");
	return (cl && strtoull(cl, NULL, 10) > 0) || header(c, "Transfer-Encoding");
}

/* An answer queued before the body was read makes libmicrohttpd close the
 * connection once the answer is out (it will not read the body). A close
 * with unread bytes, or with bytes still coming, is a reset, and a client
 * that sends its whole body before reading loses the answer. So a duplicate
 * of the socket goes to the linger pool, which drains it before closing;
 * libmicrohttpd's close of its own descriptor then only drops a reference. */
static void hand_over_to_linger(struct http_req *r, enum MHD_RequestTerminationCode toe)
{
	if (!r->linger || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;
	int fd = conn_fd(r->conn);
	int mine = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (mine >= 0)
		linger_add(r->srv->linger, mine);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct http_req *r = *req_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->srv = srv;
		r->conn = c;
		r->method = xstrdup(method);
		r->path = xstrdup(url);
		r->start_ms = clock_mono_ms();
		r->start_unix_ms = clock_unix_ms();
		*req_cls = r;
		if (headers_too_large(r)) {
			r->too_large = true;
			r->linger = body_announced(c);
			return queue_headers_too_large(r);
		}
		/* Refuse an announced oversized body before reading any of it. */
		const char *cl = header(c, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > srv->opt.max_body) {
			r->too_large = true;
			r->linger = true;
			return queue_too_large(r);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* A body that trickles in (a byte at a time) must still end in time. */
		if (clock_mono_ms() - r->start_ms > (uint64_t)srv->opt.request_timeout * 1000) {
			log_msg(LOG_WARN, "%s %s: body not complete after %u s, closing", r->method, r->path,
				srv->opt.request_timeout);
			return MHD_NO;
		}
		if (!r->too_large && r->body.len + *upload_size > srv->opt.max_body)
			r->too_large = true;
		if (!r->too_large)
			buf_append(&r->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	switch (r->phase) {
	case REQ_READING:
		if (r->too_large)
			return r->status ? MHD_YES : queue_too_large(r);
		return dispatch(r);
	case REQ_DELAYING: /* resumed: the delay is over, or the client left */
		unparked(r);
		return r->hung_up ? MHD_NO : deliver(r);
	case REQ_RUNNING: /* resumed: the simulated run is over, or the client left */
		unparked(r);
		return r->hung_up ? MHD_NO : queue_buffer(r);
	case REQ_ANSWERED:
		break;
	}
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	struct http_req *r = *req_cls;
	if (!r)
		return;
	const char *note = NULL;
	bool aborted = toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT || toe == MHD_REQUEST_TERMINATED_READ_ERROR;
	if (aborted && !r->hung_up && r->res.connection == FX_CONN_NONE) {
		r->hung_up = true;
		r->hung_up_ms = clock_mono_ms();
	}
	if (r->res.connection == FX_CONN_CLOSE)
		note = "scenario: connection closed";
	else if (r->res.connection == FX_CONN_RESET)
		note = "scenario: connection reset";
	else if (r->hung_up)
		note = r->stream ? "client hung up mid-stream" : "client hung up";
	else if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		note = "timed out";
	else if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
		note = "server shutting down";
	else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		note = r->stream && r->res.stream_fault ? "scenario: stream fault" : "connection error";
	struct log_request lr = {
		.method = r->method,
		.path = r->path,
		.status = r->status,
		.duration_ms = (double)(clock_mono_ms() - r->start_ms),
		.dataset_id = r->res.dataset_id[0] ? r->res.dataset_id : NULL,
		.note = note,
		.scenario = r->res.scenario[0] ? r->res.scenario : NULL,
	};
	log_request(&lr);
	finish_entry(r);
	hand_over_to_linger(r, toe);
	unparked(r);
	if (r->stream)
		r->stream->req = NULL;
	api_response_free(&r->res);
	buf_free(&r->body);
	free(r->method);
	free(r->path);
	free(r);
	*req_cls = NULL;
}

/* SSE chunks are small and spaced in time: with Nagle's algorithm a chunk
 * waits for the client's delayed ACK of the previous one (up to 40 ms). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	int one = 1;
	if (ci)
		setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ret, bool *ret_v6, char *err,
		   size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	char portstr[8];
	snprintf(portstr, sizeof portstr, "%u", port);
	int rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "cannot resolve host '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(ret, ai->ai_addr, ai->ai_addrlen);
	*ret_v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

/* libmicrohttpd's default connection cap is FD_SETSIZE - 4 even with epoll;
 * streams need one descriptor each, so raise the soft limit to the hard one. */
static void raise_fd_limit(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rlim_t need = (rlim_t)want + 64;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* libmicrohttpd keeps a request's line and headers in the connection's
 * memory pool, which every connection holds for its life: its size is the
 * header limit plus room to work (an oversized header block gets MHD's 431).
 * 8 KiB keeps 10,000 streams under 150 MB. */
static size_t pool_size(size_t max_header)
{
	size_t want = max_header + 2048;
	return want < 8192 ? 8192 : want;
}

int http_start(const struct http_options *opt, const struct api_ctx *ctx, struct http_server **ret, char *err,
	       size_t errlen)
{
	struct sockaddr_storage addr;
	bool v6;
	if (resolve(opt->host, opt->port, &addr, &v6, err, errlen))
		return -1;
	raise_fd_limit(opt->max_connections);
	struct http_server *s = xcalloc(1, sizeof *s);
	s->ctx = ctx;
	s->opt = *opt;
	s->sched = scheduler_start();
	struct linger_limits lim = { LINGER_MAX_BYTES, LINGER_MAX_MS, LINGER_IDLE_MS, LINGER_MAX_SOCKETS };
	/* a server told to give up on slow clients sooner does so here too */
	if (lim.max_ms > (uint64_t)opt->request_timeout * 1000)
		lim.max_ms = (uint64_t)opt->request_timeout * 1000;
	if (lim.idle_ms > (uint64_t)opt->idle_timeout * 1000)
		lim.idle_ms = (uint64_t)opt->idle_timeout * 1000;
	s->linger = linger_start(&lim);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_TURBO | (v6 ? MHD_USE_IPv6 : 0);
	s->daemon = MHD_start_daemon(
		flags, (uint16_t)opt->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_THREAD_POOL_SIZE, opt->threads,
		MHD_OPTION_CONNECTION_LIMIT, opt->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, opt->idle_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_size(opt->max_header), MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
		MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%u (address in use or not available)", opt->host,
			 opt->port);
		scheduler_stop(s->sched);
		linger_stop(s->linger);
		free(s);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : opt->port;
	*ret = s;
	return 0;
}

unsigned http_port(const struct http_server *s)
{
	return s->port;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	/* MHD_stop_daemon aborts the process if a connection is still suspended:
	 * make every stream end, resume them all, wait for their free callbacks. */
	atomic_store(&s->stopping, true);
	uint64_t deadline = clock_mono_ms() + 1000;
	do {
		scheduler_wake_all(s->sched);
		if (!atomic_load(&s->live_streams) && !atomic_load(&s->waiting_requests) &&
		    !scheduler_parked(s->sched))
			break;
		usleep(5000);
	} while (clock_mono_ms() < deadline);
	MHD_quiesce_daemon(s->daemon);
	scheduler_stop(s->sched);
	MHD_stop_daemon(s->daemon);
	linger_stop(s->linger); /* after the daemon: no more hand-overs */
	free(s);
}
