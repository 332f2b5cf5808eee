/* client.c -- the real binary and libcurl, for end-to-end tests. */
#include "client.h"

#include <check.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server's stderr, for a test that is about to fail: a sanitizer's
 * report or the server's own error is there. */
static void print_log(const struct server *s)
{
	FILE *f = fopen(s->log_path, "r");
	if (!f)
		return;
	fprintf(stderr, "---- %s\n", s->log_path);
	char chunk[4096];
	size_t n, total = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && total < (256u << 10)) {
		fwrite(chunk, 1, n, stderr);
		total += n;
	}
	fprintf(stderr, "---- end of %s\n", s->log_path);
	fclose(f);
}

void server_start(struct server *s, const char *const *extra)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/dify-mock-e2e-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	char port_file[128];
	snprintf(port_file, sizeof port_file, "%s/port", s->dir);
	snprintf(s->log_path, sizeof s->log_path, "%s/server.log", s->dir);
	const char *argv[64] = { DIFY_MOCK_BIN, "--port", "0", "--port-file", port_file };
	size_t n = 5;
	for (size_t i = 0; extra && extra[i] && n < 62; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t parent = getpid();
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		/* A test that fails aborts its process before server_stop: the
		 * server must not outlive it (nor start if it is already gone). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		int fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(DIFY_MOCK_BIN, (char *const *)argv);
		_exit(127);
	}
	/* Wait for the port file: the server writes it once it accepts connections. */
	double deadline = now_s() + 10;
	while (now_s() < deadline) {
		FILE *f = fopen(port_file, "r");
		if (f) {
			int ok = fscanf(f, "%u", &s->port);
			fclose(f);
			if (ok == 1 && s->port)
				return;
		}
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			print_log(s);
			ck_abort_msg("dify-mock exited early (its log is above)");
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	print_log(s);
	ck_abort_msg("dify-mock did not start in 10 s (its log is above)");
}

int server_stop(struct server *s)
{
	int st;
	kill(s->pid, SIGTERM);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		print_log(s); /* and keep it */
		return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
	if (system(cmd)) {
		/* leftovers in /tmp are harmless */
	}
	return 0;
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	buf_append(ud, p, size * n);
	return size * n;
}

static size_t collect_headers(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	/* A new status line starts a new response (after 100 Continue). */
	if (n * size >= 5 && !memcmp(p, "HTTP/", 5))
		buf_reset(b);
	buf_append(b, p, size * n);
	return size * n;
}

void http_request(const struct server *s, const char *method, const char *path, const char *const *headers,
		  const char *body, struct reply *ret)
{
	int rc = http_request_ex(s, method, path, headers, body, 0, ret);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror((CURLcode)rc));
}

int http_request_ex(const struct server *s, const char *method, const char *path, const char *const *headers,
		    const char *body, long timeout_ms, struct reply *ret)
{
	return http_request_raw(s, method, path, headers, body, body ? strlen(body) : 0, timeout_ms, ret);
}

int http_request_raw(const struct server *s, const char *method, const char *path, const char *const *headers,
		     const char *body, size_t body_len, long timeout_ms, struct reply *ret)
{
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s->port, path);
	struct buf b = BUF_INIT, h = BUF_INIT;
	struct curl_slist *hl = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_headers);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 30000L);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &ret->total_s);
	ret->body = buf_steal(&b, &ret->body_len);
	ret->headers = buf_steal(&h, NULL);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return (int)rc;
}

void post_json(const struct server *s, const char *path, const char *body, struct reply *ret)
{
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json", NULL };
	http_request(s, "POST", path, h, body, ret);
}

void reply_free(struct reply *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

char *reply_header(const struct reply *r, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = r->headers; p && *p;) {
		const char *e = strstr(p, "\r\n");
		if (!e)
			break;
		if ((size_t)(e - p) > n && p[n] == ':' && !strncasecmp(p, name, n)) {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			return xstrndup(v, (size_t)(e - v));
		}
		p = e + 2;
	}
	return NULL;
}

bool reply_has_header(const struct reply *r, const char *name)
{
	char *v = reply_header(r, name);
	free(v);
	return v != NULL;
}

struct stream_ctx {
	struct buf body;
	struct stream_chunk *chunks;
	size_t n;
	double start;
	size_t abort_after;
	bool aborted;
};

static size_t collect_stream(char *p, size_t size, size_t n, void *ud)
{
	struct stream_ctx *c = ud;
	c->chunks = realloc(c->chunks, (c->n + 1) * sizeof *c->chunks);
	c->chunks[c->n++] = (struct stream_chunk){ now_s() - c->start, c->body.len, size * n };
	buf_append(&c->body, p, size * n);
	if (c->abort_after && c->body.len >= c->abort_after) {
		c->aborted = true;
		return 0; /* makes libcurl hang up */
	}
	return size * n;
}

void http_stream(const struct server *s, const char *path, const char *body, size_t abort_after,
		 struct stream_reply *ret)
{
	http_stream_ex(s, path, body, NULL, abort_after, 0, ret);
}

void http_stream_ex(const struct server *s, const char *path, const char *body, const char *const *headers,
		    size_t abort_after, long timeout_ms, struct stream_reply *ret)
{
	CURL *c = curl_easy_init();
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s->port, path);
	struct stream_ctx ctx = { .body = BUF_INIT, .start = now_s(), .abort_after = abort_after };
	struct buf h = BUF_INIT;
	struct curl_slist *hl = NULL;
	hl = curl_slist_append(hl, "Authorization: Bearer " DEMO_KEY);
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_stream);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ctx);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_headers);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 60000L);
	ret->curl_code = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	ret->body = buf_steal(&ctx.body, &ret->body_len);
	ret->headers = buf_steal(&h, NULL);
	ret->chunks = ctx.chunks;
	ret->n_chunks = ctx.n;
	ret->aborted = ctx.aborted;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

void stream_reply_free(struct stream_reply *r)
{
	free(r->headers);
	free(r->body);
	free(r->chunks);
	memset(r, 0, sizeof *r);
}

double stream_time_at(const struct stream_reply *r, size_t off)
{
	for (size_t i = 0; i < r->n_chunks; i++)
		if (off >= r->chunks[i].off && off < r->chunks[i].off + r->chunks[i].len)
			return r->chunks[i].at_s;
	return -1;
}

int raw_connect(const struct server *s)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

void raw_send(int fd, const void *data, size_t len)
{
	ck_assert_int_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

size_t raw_read(int fd, struct buf *out, const char *needle, long timeout_ms, bool *ret_eof)
{
	double deadline = now_s() + (double)timeout_ms / 1000.0;
	size_t start = out->len;
	*ret_eof = false;
	for (;;) {
		if (needle && out->data && memmem(out->data + start, out->len - start, needle, strlen(needle)))
			break;
		double left = deadline - now_s();
		if (left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		char tmp[8192];
		ssize_t n = recv(fd, tmp, sizeof tmp, 0);
		if (n <= 0) {
			*ret_eof = true;
			break;
		}
		buf_append(out, tmp, (size_t)n);
	}
	return out->len - start;
}

void http_upload(const struct server *s, const char *key, const char *filename, const char *content_type,
		 const char *data, size_t len, struct reply *ret)
{
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	char url[512], auth[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/datasets/pipeline/file-upload", s->port);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
	struct buf b = BUF_INIT, h = BUF_INIT;
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Expect:");
	curl_mime *mime = curl_mime_init(c);
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, "file");
	curl_mime_filename(part, filename);
	curl_mime_data(part, data, len);
	if (content_type)
		curl_mime_type(part, content_type);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_headers);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "upload: %s", curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &ret->total_s);
	ret->body = buf_steal(&b, &ret->body_len);
	ret->headers = buf_steal(&h, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}
