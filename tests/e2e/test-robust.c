/* test-robust.c -- clients that misbehave, limits on what a client
 * controls, and shutdown and reload under load: none of it may crash, hang
 * or leak, and the server keeps serving (issue: hardening). */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define TIMED_KB "5a5a5a5a-0000-4000-8000-000000000001"
#define LONG_KB "5a5a5a5a-0000-4000-8000-000000000003"
#define STREAM_BODY(node)                                                                                     \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r1\"}],"  \
	"\"start_node_id\":\"" node "\",\"is_published\":false,\"response_mode\":\"streaming\"}"
#define BLOCKING_BODY                                                                                        \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r1\"}],"  \
	"\"start_node_id\":\"ds\",\"is_published\":false,\"response_mode\":\"blocking\"}"

static struct server srv;

static void setup(void)
{
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR, "--time-scale", "0", "--max-body-bytes", "100000",
			       "--max-header-bytes", "2048", "--idle-timeout", "1", "--request-timeout", "1", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server still answers a normal request. */
static void assert_serving(const struct server *s)
{
	struct reply r;
	http_request(s, "GET", "/_mock/health", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}

static char *request_to(const char *kb, const char *method, const char *body, const char *extra_headers)
{
	char *req;
	if (asprintf(&req,
		     "%s /v1/datasets/%s/pipeline/run HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " DEMO_KEY "\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
		     method, kb, strlen(body), extra_headers ? extra_headers : "", body) < 0)
		abort();
	return req;
}

static char *request(const char *method, const char *body, const char *extra_headers)
{
	return request_to(TIMED_KB, method, body, extra_headers);
}

START_TEST(test_hang_up_mid_request_and_before_reading)
{
	int fd = raw_connect(&srv);
	const char *partial = "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			      "Content-Length: 100\r\n\r\n{\"inputs\":";
	raw_send(fd, partial, strlen(partial));
	close(fd);
	char *req = request("POST", BLOCKING_BODY, NULL);
	fd = raw_connect(&srv);
	raw_send(fd, req, strlen(req));
	close(fd); /* before reading anything */
	free(req);
	assert_serving(&srv);
}
END_TEST

START_TEST(test_pipelined_requests_get_answers_in_order)
{
	char *one = request("POST", BLOCKING_BODY, NULL);
	char *two = request("POST", "{}", NULL);
	struct buf all = BUF_INIT;
	buf_puts(&all, one);
	buf_puts(&all, two);
	int fd = raw_connect(&srv);
	raw_send(fd, all.data, all.len);
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "6 validation errors", 5000, &eof);
	ck_assert_ptr_nonnull(out.data);
	const char *first = strstr(out.data, "HTTP/1.1 200");
	const char *second = strstr(out.data, "HTTP/1.1 400");
	ck_assert_msg(first && second && first < second, "%s", out.data);
	close(fd);
	buf_free(&out);
	buf_free(&all);
	free(one);
	free(two);
}
END_TEST

START_TEST(test_expect_100_continue_is_honoured)
{
	char *req = request("POST", "", "Expect: 100-continue\r\n");
	/* request() put Content-Length: 0; write our own headers instead */
	free(req);
	const char *body = BLOCKING_BODY;
	char *hdr;
	if (asprintf(&hdr,
		     "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " DEMO_KEY "\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\nExpect: 100-continue\r\n\r\n",
		     strlen(body)) < 0)
		abort();
	int fd = raw_connect(&srv);
	raw_send(fd, hdr, strlen(hdr));
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "100 Continue", 3000, &eof);
	ck_assert_msg(out.data && strstr(out.data, "HTTP/1.1 100 Continue"), "%s", out.data ? out.data : "");
	raw_send(fd, body, strlen(body));
	raw_read(fd, &out, "\"finished_at\"", 3000, &eof);
	ck_assert_msg(strstr(out.data, "HTTP/1.1 200"), "%s", out.data);
	close(fd);
	buf_free(&out);
	free(hdr);
}
END_TEST

START_TEST(test_body_on_options_is_ignored)
{
	const char *h[] = { "Content-Type: text/plain", NULL };
	struct reply r;
	http_request(&srv, "OPTIONS", RUN_PATH(TIMED_KB), h, "some body nobody asked for", &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	assert_serving(&srv);
}
END_TEST

START_TEST(test_bad_bytes_in_json_are_a_400_never_a_crash)
{
	static const char *bodies[] = {
		"{\"inputs\":{},\"datasource_type\":\"\xff\xfe\",\"x\":1}",           /* invalid UTF-8 */
		"{\"inputs\":{},\"datasource_type\":\"a\xc0\xaf\"}",                  /* overlong */
		"{\"inputs\":{},\"start_node_id\":\"\\ud800\"}",                      /* lone surrogate */
		"{\"inputs\":1e999}",                                                  /* out of range */
		"{\"inputs\":123456789012345678901234567890}",                         /* > 64 bits */
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct reply r;
		post_json(&srv, RUN_PATH(TIMED_KB), bodies[i], &r);
		ck_assert_msg(r.status == 400 && strstr(r.body, "\"code\":\"bad_request\""), "body %zu: %ld %s", i,
			      r.status, r.body);
		reply_free(&r);
	}
	/* A NUL byte inside a JSON string */
	const char nul_body[] = "{\"inputs\":{},\"datasource_type\":\"a\0b\"}";
	char *req;
	if (asprintf(&req,
		     "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " DEMO_KEY "\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		     sizeof nul_body - 1) < 0)
		abort();
	int fd = raw_connect(&srv);
	raw_send(fd, req, strlen(req));
	raw_send(fd, nul_body, sizeof nul_body - 1);
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "\"status\":400}", 3000, &eof);
	ck_assert_msg(out.data && strstr(out.data, "bad_request"), "%s", out.data ? out.data : "");
	close(fd);
	buf_free(&out);
	free(req);
}
END_TEST

START_TEST(test_json_nested_ten_thousand_deep_is_a_400)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 10000; i++)
		buf_putc(&b, ']');
	struct reply r;
	post_json(&srv, RUN_PATH(TIMED_KB), b.data, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "\"code\":\"bad_request\""), "%s", r.body);
	reply_free(&r);
	buf_free(&b);
}
END_TEST

START_TEST(test_oversized_body_gets_413_without_being_read)
{
	int fd = raw_connect(&srv);
	const char *hdr = "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " DEMO_KEY "\r\n"
			  "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n";
	double t0 = now();
	raw_send(fd, hdr, strlen(hdr));
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "\"status\":413}\n", 3000, &eof);
	ck_assert_msg(out.data && strstr(out.data, "HTTP/1.1 413") &&
			      strstr(out.data, "{\"code\":\"request_entity_too_large\",\"message\":\"The data value "
					       "transmitted exceeds the capacity limit.\",\"status\":413}\n"),
		      "%s", out.data ? out.data : "");
	ck_assert(now() - t0 < 2);
	close(fd);
	buf_free(&out);
	/* the journal has it (entries appear once the answer is out: poll) */
	struct reply j;
	bool found = false;
	for (int i = 0; i < 200 && !found; i++) {
		http_request(&srv, "GET", "/_mock/requests?status=413", NULL, NULL, &j);
		found = strstr(j.body, "\"path\":\"" RUN_PATH(TIMED_KB) "\"") != NULL;
		if (!found) {
			reply_free(&j);
			struct timespec ts = { 0, 5 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	ck_assert_msg(found, "no 413 in the journal");
	ck_assert_msg(strstr(j.body, "\"Authorization\":\"Bearer [redacted]\"") && strstr(j.body, "\"status\":413,"),
		      "%s", j.body);
	reply_free(&j);
	/* a body over the limit without Content-Length (chunked) is refused too */
	struct buf big = BUF_INIT;
	buf_puts(&big, "{\"inputs\":\"");
	for (int i = 0; i < 120000; i++)
		buf_putc(&big, 'x');
	buf_puts(&big, "\"}");
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json",
			    "Transfer-Encoding: chunked", NULL };
	struct reply r;
	int rc = http_request_ex(&srv, "POST", RUN_PATH(TIMED_KB), h, big.data, 0, &r);
	ck_assert_msg(rc != 0 || r.status == 413, "rc %d status %ld", rc, r.status);
	reply_free(&r);
	buf_free(&big);
	assert_serving(&srv);
}
END_TEST

/* Sends len bytes of body, as a client that writes the whole request before
 * reading the answer (Node's fetch, Python's urllib): blocking writes, no
 * Expect: 100-continue. Returns the bytes the socket took before an error. */
static size_t send_body(int fd, size_t len)
{
	static char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	size_t sent = 0;
	while (sent < len) {
		size_t n = len - sent < sizeof chunk ? len - sent : sizeof chunk;
		ssize_t w = send(fd, chunk, n, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	return sent;
}

#define BIG_BODY (8u << 20) /* well over the socket buffers on both sides */

START_TEST(test_oversized_body_sent_whole_before_reading_gets_413)
{
	int fd = raw_connect(&srv);
	char *hdr;
	ck_assert_int_ge(asprintf(&hdr,
				  "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " DEMO_KEY
				  "\r\nContent-Type: application/json\r\nContent-Length: %u\r\n\r\n",
				  BIG_BODY),
			 0);
	raw_send(fd, hdr, strlen(hdr));
	free(hdr);
	/* The server answers 413 at once and, instead of closing (a reset: the
	 * client's write would fail, or its read lose the answer), reads and
	 * discards the body until the client has sent it. */
	ck_assert_uint_eq(send_body(fd, BIG_BODY), BIG_BODY);
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "\"status\":413}\n", 5000, &eof);
	ck_assert_msg(out.data && strstr(out.data, "HTTP/1.1 413") &&
			      strstr(out.data, "{\"code\":\"request_entity_too_large\",\"message\":\"The data value "
					       "transmitted exceeds the capacity limit.\",\"status\":413}\n"),
		      "%s", out.data ? out.data : "(nothing: connection reset?)");
	/* then the server's end of the connection closes */
	raw_read(fd, &out, NULL, 3000, &eof);
	ck_assert(eof);
	close(fd);
	buf_free(&out);

	/* libcurl without Expect: 100-continue sends the body at once too */
	char *big = malloc(BIG_BODY + 1);
	memset(big, 'x', BIG_BODY);
	big[BIG_BODY] = '\0';
	const char *h[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json", "Expect:", NULL };
	struct reply r;
	int rc = http_request_raw(&srv, "POST", RUN_PATH(TIMED_KB), h, big, BIG_BODY, 5000, &r);
	ck_assert_msg(rc == 0 && r.status == 413, "rc %d status %ld", rc, r.status);
	reply_free(&r);
	free(big);
	assert_serving(&srv);
}
END_TEST

/* The drain after an early 413 is bounded (test-linger.c has each bound):
 * here by --request-timeout (1 s), which lowers the 30 s in all. */
START_TEST(test_lingering_close_gives_up_on_slow_clients)
{
	char *hdr;
	ck_assert_int_ge(asprintf(&hdr,
				  "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
				  "Content-Length: %u\r\n\r\n",
				  BIG_BODY),
			 0);
	/* a client that trickles forever: the 413 comes at once, then after
	 * --request-timeout the connection is closed (its next byte gets a reset) */
	int slow = raw_connect(&srv);
	raw_send(slow, hdr, strlen(hdr));
	double t0 = now();
	bool cut = false;
	struct buf out = BUF_INIT;
	bool eof;
	while (!cut && now() - t0 < 5) {
		struct pollfd q = { slow, 0, 0 };
		poll(&q, 1, 100); /* paces the trickle; a reset ends it */
		cut = (q.revents & (POLLERR | POLLHUP)) || send(slow, "x", 1, MSG_NOSIGNAL) != 1;
		if (!out.len)
			raw_read(slow, &out, "\"status\":413}\n", 10, &eof);
	}
	ck_assert_msg(out.data && strstr(out.data, "HTTP/1.1 413"), "%s", out.data ? out.data : "");
	ck_assert_msg(cut, "a trickling client is cut off");
	ck_assert_msg(now() - t0 > 0.9 && now() - t0 < 3, "cut off after %.2f s", now() - t0);
	close(slow);
	buf_free(&out);
	free(hdr);
	assert_serving(&srv);
}
END_TEST

START_TEST(test_oversized_headers_are_refused_cleanly)
{
	struct buf h = BUF_INIT;
	buf_puts(&h, "X-Big: ");
	for (int i = 0; i < 4000; i++)
		buf_putc(&h, 'a');
	const char *hs[] = { h.data, NULL };
	struct reply r;
	int rc = http_request_ex(&srv, "GET", "/_mock/health", hs, NULL, 3000, &r);
	ck_assert_msg(rc == 0 && r.status == 431, "rc %d status %ld", rc, r.status);
	ck_assert_msg(strstr(r.body, "\"code\":\"request_header_fields_too_large\""), "%s", r.body);
	reply_free(&r);
	buf_free(&h);
	assert_serving(&srv);
}
END_TEST

START_TEST(test_idle_and_slow_clients_are_closed)
{
	int idle = raw_connect(&srv);
	double t0 = now();
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(idle, &out, NULL, 5000, &eof);
	ck_assert_msg(eof, "an idle connection is closed");
	ck_assert_msg(now() - t0 < 4, "closed after %.2f s", now() - t0);
	close(idle);
	/* a body that trickles a byte at a time past --request-timeout */
	int slow = raw_connect(&srv);
	const char *hdr = "POST " RUN_PATH(TIMED_KB) " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			  "Content-Length: 1000\r\n\r\n";
	raw_send(slow, hdr, strlen(hdr));
	t0 = now();
	bool closed = false;
	for (int i = 0; i < 40 && !closed; i++) {
		if (send(slow, "{", 1, MSG_NOSIGNAL) != 1)
			closed = true;
		buf_reset(&out);
		raw_read(slow, &out, NULL, 100, &eof);
		closed |= eof;
	}
	ck_assert_msg(closed, "a trickling body is cut off");
	ck_assert_msg(now() - t0 < 3.5, "cut off after %.2f s", now() - t0);
	close(slow);
	buf_free(&out);
	assert_serving(&srv);
}
END_TEST

/* ---- on servers of their own ---- */

START_TEST(test_connection_cap_refuses_new_clients_but_keeps_streams)
{
	struct server s;
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR, "--max-connections", "3", "--ping-interval", "0.1",
			       NULL };
	server_start(&s, args);
	int fds[3];
	char *req = request_to(LONG_KB, "POST", STREAM_BODY("ds"), NULL);
	struct buf out = BUF_INIT;
	bool eof;
	for (int i = 0; i < 3; i++) {
		fds[i] = raw_connect(&s);
		raw_send(fds[i], req, strlen(req));
		buf_reset(&out);
		raw_read(fds[i], &out, "workflow_started", 3000, &eof);
		ck_assert(!eof);
	}
	/* a fourth client is refused... */
	struct reply r;
	int rc = http_request_ex(&s, "GET", "/_mock/health", NULL, NULL, 2000, &r);
	ck_assert_msg(rc != 0, "the fourth connection is refused");
	reply_free(&r);
	/* ...and the streams go on: each still gets pings */
	for (int i = 0; i < 3; i++) {
		buf_reset(&out);
		raw_read(fds[i], &out, "event: ping", 3000, &eof);
		ck_assert_msg(out.data && strstr(out.data, "event: ping"), "stream %d", i);
		close(fds[i]);
	}
	/* once they are gone, new clients are served again */
	for (int i = 0; i < 100; i++) {
		if (!http_request_ex(&s, "GET", "/_mock/health", NULL, NULL, 500, &r) && r.status == 200) {
			reply_free(&r);
			break;
		}
		reply_free(&r);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL); /* the server frees connections as it notices the hang-ups */
	}
	assert_serving(&s);
	buf_free(&out);
	free(req);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_sigterm_with_streams_open_exits_cleanly_within_a_second)
{
	struct server s;
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR, NULL };
	server_start(&s, args);
	char *req = request_to(LONG_KB, "POST", STREAM_BODY("ds"), NULL);
	int fds[20];
	struct buf out = BUF_INIT;
	bool eof;
	for (int i = 0; i < 20; i++) {
		fds[i] = raw_connect(&s);
		raw_send(fds[i], req, strlen(req));
		buf_reset(&out);
		raw_read(fds[i], &out, "workflow_started", 3000, &eof);
	}
	double t0 = now();
	kill(s.pid, SIGTERM);
	int st;
	ck_assert_int_eq(waitpid(s.pid, &st, 0), s.pid);
	double took = now() - t0;
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(took < 1.0, "exit took %.2f s", took);
	/* each stream's body was ended properly (the final chunk), then closed */
	for (int i = 0; i < 20; i++) {
		buf_reset(&out);
		raw_read(fds[i], &out, NULL, 2000, &eof);
		ck_assert(eof);
		close(fds[i]);
	}
	buf_free(&out);
	free(req);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", s.dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_reload_lets_running_streams_finish_on_the_old_fixtures)
{
	char dir[] = "/tmp/dm-reload2-XXXXXX", path[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/stream.json", dir);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cp %s/stream.json %s", TEST_FIXTURES_DIR, path);
	ck_assert_int_eq(system(cmd), 0);
	struct server s;
	const char *args[] = { "--fixtures", dir, NULL };
	server_start(&s, args);
	int fd = raw_connect(&s);
	char *req = request("POST", STREAM_BODY("ds"), NULL);
	raw_send(fd, req, strlen(req));
	struct buf out = BUF_INIT;
	bool eof;
	raw_read(fd, &out, "workflow_started", 3000, &eof);
	/* the new set no longer has the knowledge base of the running stream */
	FILE *f = fopen(path, "w");
	fputs("{\"workspaces\":[]}", f);
	fclose(f);
	struct reply r;
	http_request(&s, "POST", "/_mock/reload", NULL, "", &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	raw_read(fd, &out, "0\r\n\r\n", 5000, &eof);
	ck_assert_msg(strstr(out.data, "\"event\":\"workflow_finished\""), "%s", out.data);
	ck_assert_msg(strstr(out.data, "\"title\":\"Index\""), "the old graph ran to its end");
	close(fd);
	/* new requests see the new set */
	post_json(&s, RUN_PATH(TIMED_KB), STREAM_BODY("ds"), &r);
	ck_assert_int_eq(r.status, 401); /* the demo key is gone with its workspace */
	reply_free(&r);
	buf_free(&out);
	free(req);
	ck_assert_int_eq(server_stop(&s), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-robust");
	TCase *tc = tcase_create("misbehaving-clients");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_hang_up_mid_request_and_before_reading);
	tcase_add_test(tc, test_pipelined_requests_get_answers_in_order);
	tcase_add_test(tc, test_expect_100_continue_is_honoured);
	tcase_add_test(tc, test_body_on_options_is_ignored);
	tcase_add_test(tc, test_bad_bytes_in_json_are_a_400_never_a_crash);
	tcase_add_test(tc, test_json_nested_ten_thousand_deep_is_a_400);
	tcase_add_test(tc, test_oversized_body_gets_413_without_being_read);
	tcase_add_test(tc, test_oversized_body_sent_whole_before_reading_gets_413);
	tcase_add_test(tc, test_lingering_close_gives_up_on_slow_clients);
	tcase_add_test(tc, test_oversized_headers_are_refused_cleanly);
	tcase_add_test(tc, test_idle_and_slow_clients_are_closed);
	suite_add_tcase(s, tc);
	TCase *own = tcase_create("own-server");
	tcase_set_timeout(own, 30);
	tcase_add_test(own, test_connection_cap_refuses_new_clients_but_keeps_streams);
	tcase_add_test(own, test_sigterm_with_streams_open_exits_cleanly_within_a_second);
	tcase_add_test(own, test_reload_lets_running_streams_finish_on_the_old_fixtures);
	suite_add_tcase(s, own);
	return s;
}
