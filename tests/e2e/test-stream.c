/* test-stream.c -- draft streaming runs as raw SSE bytes: framing, event
 * order and fields, ping spacing, event spacing from node durations, the end
 * of the body after the terminal event, and clients hanging up. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static struct server srv;

#define TIMED_KB "5a5a5a5a-0000-4000-8000-000000000001"
#define FAILING_KB "5a5a5a5a-0000-4000-8000-000000000002"
#define LONG_KB "5a5a5a5a-0000-4000-8000-000000000003"
#define BODY(node)                                                                                             \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r1\","     \
	"\"name\":\"a.pdf\"}],\"start_node_id\":\"" node "\",\"is_published\":false,\"response_mode\":\"streaming\"}"

static void setup(void)
{
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR, "--ping-interval", "0.25", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

/* One SSE block: its kind ("ping" or the event name), offset, and text. */
struct block {
	char name[32];
	size_t off;
	char *json;  /* NULL for pings */
};

/* Splits the body into blocks; fails the test on any framing error. */
static size_t split(const struct stream_reply *r, struct block *out, size_t max)
{
	size_t n = 0, off = 0;
	while (off < r->body_len) {
		const char *p = r->body + off;
		const char *end = strstr(p, "\n\n");
		ck_assert_msg(end, "unterminated block at %zu: %s", off, p);
		ck_assert_uint_lt(n, max);
		struct block *b = &out[n++];
		b->off = off;
		b->json = NULL;
		if (!strncmp(p, "event: ping\n\n", 13)) {
			strcpy(b->name, "ping");
		} else {
			ck_assert_msg(!strncmp(p, "data: {\"event\":\"", 16), "bad block: %.60s", p);
			ck_assert_msg(!memchr(p, '\n', (size_t)(end - p)), "a data line holds one line");
			b->json = strndup(p + 6, (size_t)(end - p - 6));
			const char *q = strchr(p + 16, '"');
			snprintf(b->name, sizeof b->name, "%.*s", (int)(q - (p + 16)), p + 16);
		}
		off = (size_t)(end - r->body) + 2;
	}
	return n;
}

static void free_blocks(struct block *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].json);
}

START_TEST(test_stream_frames_events_in_order_and_ends)
{
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(TIMED_KB), BODY("ds"), 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	ck_assert_int_eq(r.status, 200);
	char *v = reply_header((struct reply *)&r, "Content-Type");
	ck_assert_str_eq(v, "text/event-stream; charset=utf-8");
	free(v);
	v = reply_header((struct reply *)&r, "Transfer-Encoding");
	ck_assert_str_eq(v, "chunked");
	free(v);
	ck_assert(reply_has_header((struct reply *)&r, "Access-Control-Allow-Origin"));
	ck_assert(reply_has_header((struct reply *)&r, "X-Version"));
	struct block b[64];
	size_t n = split(&r, b, 64);
	const char *want[] = { "workflow_started", "node_started", "node_finished", "node_started", "node_finished",
			       "node_started", "node_finished", "workflow_finished" };
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(b[i].name, "ping"))
			continue;
		ck_assert_uint_lt(k, 8);
		ck_assert_str_eq(b[i].name, want[k++]);
	}
	ck_assert_uint_eq(k, 8);
	ck_assert_str_eq(b[n - 1].name, "workflow_finished");
	/* Top-level keys in Dify's order; the run id is set from the first event on. */
	ck_assert_msg(strstr(b[0].json, "{\"event\":\"workflow_started\",\"workflow_run_id\":\"") == b[0].json,
		      "%s", b[0].json);
	ck_assert_msg(strstr(b[0].json, "\",\"task_id\":\""), "%s", b[0].json);
	ck_assert_msg(strstr(b[0].json, "\"reason\":\"initial\"}}"), "%s", b[0].json);
	ck_assert_msg(strstr(b[0].json, "\"sys.user_id\":\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\",\"sys.app_id\":"
					"\"5a5a5a5a-0000-4000-8000-0000000000aa\""),
		      "%s", b[0].json);
	/* node_started: the fields of wire.md §9.2, in order. */
	ck_assert_msg(strstr(b[1].json, "\"node_id\":\"ds\",\"node_type\":\"datasource\",\"title\":\"File\",\"index\":1,"
					"\"predecessor_node_id\":null,\"inputs\":null,\"inputs_truncated\":false,"
					"\"created_at\":"),
		      "%s", b[1].json);
	ck_assert_msg(strstr(b[1].json, ",\"extras\":{},\"iteration_id\":null,\"loop_id\":null,\"agent_strategy\":null}}"),
		      "%s", b[1].json);
	/* node_finished: template output echoes the item; floats as Python would. */
	const char *nf = NULL, *wf = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!nf && !strcmp(b[i].name, "node_finished"))
			nf = b[i].json;
		if (!strcmp(b[i].name, "workflow_finished"))
			wf = b[i].json;
	}
	ck_assert_msg(strstr(nf, "\"outputs\":{\"name\":\"a.pdf\"},\"outputs_truncated\":false,\"status\":\"succeeded\","
				 "\"error\":null,\"elapsed_time\":0.3,\"execution_metadata\":{\"datasource_info\":"
				 "{\"reference\":\"r1\",\"name\":\"a.pdf\"}},\"created_at\":"),
		      "%s", nf);
	ck_assert_msg(strstr(nf, ",\"files\":[],\"iteration_id\":null,\"loop_id\":null}}"), "%s", nf);
	ck_assert_msg(strstr(wf, "\"status\":\"succeeded\",\"outputs\":{\"chunk_structure\":\"text_model\",\"preview\":[],"
				 "\"qa_preview\":[],\"total_segments\":2},\"error\":null,\"elapsed_time\":0.9,"
				 "\"total_tokens\":0,\"total_steps\":3,\"created_by\":{\"id\":"
				 "\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\",\"name\":\"Tester\",\"email\":\"t@example.com\"},"),
		      "%s", wf);
	ck_assert_msg(strstr(wf, ",\"exceptions_count\":0,\"files\":[]}}"), "%s", wf);
	free_blocks(b, n);
	stream_reply_free(&r);
}
END_TEST

/* Nodes of 300 ms: each node_finished comes ~300 ms after its node_started;
 * pings every 250 ms of wall clock, none at the start. */
START_TEST(test_stream_spaces_events_and_pings_in_time)
{
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(TIMED_KB), BODY("ds"), 0, &r);
	struct block b[64];
	size_t n = split(&r, b, 64);
	double started = -1;
	int pings = 0, finished = 0;
	for (size_t i = 0; i < n; i++) {
		double t = stream_time_at(&r, b[i].off);
		if (!strcmp(b[i].name, "ping")) {
			pings++;
			/* Never early: ping k is due k intervals after the start (lateness
			 * is measured by scripts/bench-sse, not here). */
			ck_assert_msg(t >= 0.25 * pings - 0.01, "ping %d at %.3f s", pings, t);
		} else if (!strcmp(b[i].name, "node_started")) {
			started = t;
		} else if (!strcmp(b[i].name, "node_finished")) {
			finished++;
			/* Node k (300 ms each) ends 300k ms after the start: never early,
			 * and not much later (a late node_started must not count). */
			ck_assert_msg(t >= 0.3 * finished - 0.01 && t < 0.3 * finished + 0.7, "node %d ended at %.3f s",
				      finished, t);
			ck_assert_msg(t - started >= 0.2, "node %d took %.3f s", finished, t - started);
		}
	}
	ck_assert_int_eq(finished, 3);
	ck_assert_msg(pings >= 2 && pings <= 4, "%d pings in 0.9 s", pings);
	double end = stream_time_at(&r, r.body_len - 1);
	ck_assert_msg(end >= 0.85 && end < 2.0, "stream took %.3f s", end);
	free_blocks(b, n);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_reports_a_failed_node_then_a_failed_workflow)
{
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(FAILING_KB), BODY("ds"), 0, &r);
	struct block b[64];
	size_t n = split(&r, b, 64);
	ck_assert_str_eq(b[n - 2].name, "node_finished");
	ck_assert_msg(strstr(b[n - 2].json, "\"outputs\":null,\"outputs_truncated\":false,\"status\":\"failed\","
					    "\"error\":\"boom\""),
		      "%s", b[n - 2].json);
	ck_assert_str_eq(b[n - 1].name, "workflow_finished");
	ck_assert_msg(strstr(b[n - 1].json, "\"status\":\"failed\",\"outputs\":{},\"error\":\"boom\""), "%s",
		      b[n - 1].json);
	free_blocks(b, n);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_missing_start_node_is_one_error_event)
{
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(TIMED_KB), BODY("nope"), 0, &r);
	ck_assert_int_eq(r.status, 200);
	const char *want = "data: {\"event\":\"error\",\"workflow_run_id\":null,\"code\":\"invalid_param\",\"status\":400,"
			   "\"message\":\"Root node id nope not found in the graph\"}\n\n";
	ck_assert_uint_eq(r.body_len, strlen(want));
	ck_assert_str_eq(r.body, want);
	stream_reply_free(&r);
}
END_TEST

/* Clients that hang up mid-stream cost nothing lasting: the server goes on. */
START_TEST(test_server_keeps_serving_after_clients_hang_up)
{
	for (int i = 0; i < 20; i++) {
		struct stream_reply r;
		http_stream(&srv, RUN_PATH(LONG_KB), BODY("ds"), 10, &r);
		ck_assert(r.aborted);
		stream_reply_free(&r);
	}
	struct stream_reply r;
	http_stream(&srv, RUN_PATH(TIMED_KB), BODY("ds"), 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	ck_assert_msg(strstr(r.body, "\"event\":\"workflow_finished\""), "%s", r.body);
	stream_reply_free(&r);
}
END_TEST

static int count_in_file(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

/* With pings a minute apart, nothing is due for a minute: the server must
 * still notice a client that leaves, at once, and log it once. */
START_TEST(test_a_hang_up_is_noticed_at_once_and_logged_once)
{
	struct server s;
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR, "--ping-interval", "60", NULL };
	server_start(&s, args);
	struct stream_reply r;
	http_stream(&s, RUN_PATH(LONG_KB), BODY("ds"), 10, &r);
	ck_assert(r.aborted);
	stream_reply_free(&r);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double waited = 0;
	while (count_in_file(s.log_path, "client hung up mid-stream") == 0 && waited < 5) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL); /* polling a log file: there is no clock to pass in */
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
	}
	ck_assert_msg(waited < 1.0, "hang-up noticed after %.2f s", waited);
	ck_assert_int_eq(count_in_file(s.log_path, "client hung up mid-stream"), 1);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-stream");
	TCase *tc = tcase_create("stream");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stream_frames_events_in_order_and_ends);
	tcase_add_test(tc, test_stream_spaces_events_and_pings_in_time);
	tcase_add_test(tc, test_stream_reports_a_failed_node_then_a_failed_workflow);
	tcase_add_test(tc, test_stream_missing_start_node_is_one_error_event);
	tcase_add_test(tc, test_server_keeps_serving_after_clients_hang_up);
	tcase_add_test(tc, test_a_hang_up_is_noticed_at_once_and_logged_once);
	suite_add_tcase(s, tc);
	return s;
}
