/* test-faults.c -- reproducing errors from CI, seen from a real HTTP client:
 * each way of selecting a scenario (header, armed, API key, sequence), each
 * fault kind (HTTP, connection, node, stream), a retry loop that gets two
 * failures then a success, and the admin API (journal, reset, health). */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static struct server srv;

#define FAULTY "f0000000-0000-4000-8000-0000000000f1"
#define FLAKY "f0000000-0000-4000-8000-0000000000f2"
#define DRAFT(mode)                                                                                           \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r1\","     \
	"\"name\":\"a.pdf\"}],\"start_node_id\":\"ds\",\"is_published\":false,\"response_mode\":\"" mode "\"}"
#define PUBLISHED                                                                                             \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r1\"}],"  \
	"\"start_node_id\":\"ds\",\"is_published\":true,\"response_mode\":\"blocking\"}"

static void setup(void)
{
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR "/../fixtures-faults", "--ping-interval", "0.1",
			       "--seed", "3", NULL };
	server_start(&srv, args);
}

static void teardown(void)
{
	ck_assert_int_eq(server_stop(&srv), 0);
}

/* A draft run on FAULTY with scenario `name` chosen by header. */
static int run_with(const char *name, const char *mode_body, long timeout_ms, struct reply *r)
{
	char h[128];
	snprintf(h, sizeof h, "X-Dify-Mock-Scenario: %s", name);
	const char *hs[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json", h, NULL };
	return http_request_ex(&srv, "POST", RUN_PATH(FAULTY), hs, mode_body, timeout_ms, r);
}

static void stream_with(const char *name, long timeout_ms, struct stream_reply *r)
{
	char h[128];
	snprintf(h, sizeof h, "X-Dify-Mock-Scenario: %s", name);
	const char *hs[] = { h, NULL };
	http_stream_ex(&srv, RUN_PATH(FAULTY), DRAFT("streaming"), hs, 0, timeout_ms, r);
}

static int count(const char *hay, size_t len, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= len; i++)
		n += !memcmp(hay + i, needle, nl);
	return n;
}

/* ---- selection ---- */

START_TEST(test_header_selects_an_http_error_with_difys_envelope)
{
	struct reply r;
	ck_assert_int_eq(run_with("unavailable", DRAFT("blocking"), 0, &r), 0);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(r.body, "{\"code\":\"service_unavailable\",\"message\":\"The server is temporarily unable to "
				 "service your request due to maintenance downtime or capacity problems. Please try "
				 "again later.\",\"status\":503}\n");
	char *v = reply_header(&r, "Retry-After");
	ck_assert_str_eq(v, "2");
	free(v);
	ck_assert(reply_has_header(&r, "Access-Control-Allow-Origin"));
	reply_free(&r);
}
END_TEST

START_TEST(test_an_unknown_scenario_header_is_a_clear_400)
{
	struct reply r;
	ck_assert_int_eq(run_with("nope", DRAFT("blocking"), 0, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_msg(strstr(r.body, "\"code\":\"unknown_scenario\"") && strstr(r.body, "'nope'"), "%s", r.body);
	reply_free(&r);
}
END_TEST

START_TEST(test_armed_scenario_applies_to_the_next_n_requests)
{
	struct reply r;
	const char *ct[] = { "Content-Type: application/json", NULL };
	http_request(&srv, "POST", "/_mock/scenarios", ct,
		     "{\"knowledge_base\":\"" FAULTY "\",\"scenario\":\"unavailable\",\"count\":2}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"remaining\":2"), "%s", r.body);
	reply_free(&r);
	long want[] = { 503, 503, 200 };
	for (int i = 0; i < 3; i++) {
		post_json(&srv, RUN_PATH(FAULTY), PUBLISHED, &r);
		ck_assert_int_eq(r.status, want[i]);
		reply_free(&r);
	}
	http_request(&srv, "POST", "/_mock/scenarios", ct, "{\"knowledge_base\":\"" FAULTY "\",\"scenario\":\"x\"}",
		     &r);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
}
END_TEST

/* The string value of "key" in body (the first one), copied into out. */
static void json_string_at(const char *body, const char *key, char *out, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	const char *p = strstr(body, pat);
	ck_assert_msg(p != NULL, "no %s in %s", key, body);
	p += strlen(pat);
	size_t len = strcspn(p, "\"");
	ck_assert_uint_lt(len, n);
	memcpy(out, p, len);
	out[len] = '\0';
}

/* Scenarios listing other endpoints: armed uses wait for a request there,
 * a header naming one elsewhere is ignored, and HTTP and connection faults
 * act on the companion endpoints. */
START_TEST(test_scenarios_apply_to_the_endpoints_they_list)
{
	struct reply r;
	const char *ct[] = { "Content-Type: application/json", NULL };
	http_request(&srv, "POST", "/_mock/scenarios", ct,
		     "{\"knowledge_base\":\"" FAULTY "\",\"scenario\":\"status-unavailable\",\"count\":2}", &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	post_json(&srv, RUN_PATH(FAULTY), PUBLISHED, &r); /* a run: the armed uses wait */
	ck_assert_int_eq(r.status, 200);
	char batch[64], doc[64], path[256];
	json_string_at(r.body, "batch", batch, sizeof batch);
	json_string_at(strstr(r.body, "\"documents\""), "id", doc, sizeof doc);
	reply_free(&r);
	const char *auth[] = { "Authorization: Bearer " DEMO_KEY, NULL };
	snprintf(path, sizeof path, "/v1/datasets/" FAULTY "/documents/%s/indexing-status", batch);
	long want[] = { 503, 503, 200 };
	for (int i = 0; i < 3; i++) {
		http_request(&srv, "GET", path, auth, NULL, &r);
		ck_assert_int_eq(r.status, want[i]);
		reply_free(&r);
	}
	snprintf(path, sizeof path, "/v1/datasets/" FAULTY "/documents/%s", doc);
	http_request(&srv, "GET", path, auth, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);

	const char *named[] = { "Authorization: Bearer " DEMO_KEY, "Content-Type: application/json",
				"X-Dify-Mock-Scenario: status-unavailable", NULL };
	http_request(&srv, "GET", path, named, NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(r.body, "{\"code\":\"service_unavailable\",\"message\":\"The server is temporarily unable to "
				 "service your request due to maintenance downtime or capacity problems. Please try "
				 "again later.\",\"status\":503}\n");
	reply_free(&r);
	http_request(&srv, "POST", RUN_PATH(FAULTY), named, PUBLISHED, &r); /* not listed: normal */
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);

	const char *reset[] = { "Authorization: Bearer " DEMO_KEY, "X-Dify-Mock-Scenario: plugins-reset", NULL };
	int rc = http_request_ex(&srv, "GET", "/v1/datasets/" FAULTY "/pipeline/datasource-plugins", reset, NULL, 2000,
				 &r);
	ck_assert_msg(rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING, "%s", curl_easy_strerror((CURLcode)rc));
	reply_free(&r);

	/* The upload names no knowledge base: a use armed on one of the key's
	 * workspace applies to the next upload. */
	http_request(&srv, "POST", "/_mock/scenarios", ct,
		     "{\"knowledge_base\":\"" FAULTY "\",\"scenario\":\"upload-unavailable\"}", &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	long upload[] = { 503, 201 };
	for (int i = 0; i < 2; i++) {
		http_upload(&srv, DEMO_KEY, "notes.txt", "text/plain", "hi", 2, &r);
		ck_assert_int_eq(r.status, upload[i]);
		reply_free(&r);
	}
}
END_TEST

START_TEST(test_api_key_binding_selects_its_scenario)
{
	const char *h[] = { "Authorization: Bearer dataset-faultykey00000000000000000",
			    "Content-Type: application/json", NULL };
	struct reply r;
	http_request(&srv, "POST", RUN_PATH(FAULTY), h, PUBLISHED, &r);
	ck_assert_int_eq(r.status, 429);
	ck_assert_str_eq(r.body, "{\"code\":\"too_many_requests\",\"message\":\"slow down\",\"status\":429}\n");
	reply_free(&r);
	post_json(&srv, RUN_PATH(FAULTY), PUBLISHED, &r); /* the demo key: normal */
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

/* A client's retry loop against "fail twice, then succeed". */
START_TEST(test_retry_loop_gets_two_failures_then_a_success)
{
	struct reply r;
	http_request(&srv, "POST", "/_mock/reset", NULL, "", &r);
	reply_free(&r);
	long seen[5];
	int attempts = 0;
	for (; attempts < 5; attempts++) {
		post_json(&srv, RUN_PATH(FLAKY), PUBLISHED, &r);
		seen[attempts] = r.status;
		reply_free(&r);
		if (seen[attempts] == 200)
			break;
	}
	ck_assert_int_eq(attempts, 2);
	ck_assert_int_eq(seen[0], 503);
	ck_assert_int_eq(seen[1], 503);
	ck_assert_int_eq(seen[2], 200);
	post_json(&srv, RUN_PATH(FLAKY), PUBLISHED, &r); /* the sequence's last entry repeats */
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* reset starts the sequence again */
	http_request(&srv, "POST", "/_mock/reset", NULL, "", &r);
	reply_free(&r);
	post_json(&srv, RUN_PATH(FLAKY), PUBLISHED, &r);
	ck_assert_int_eq(r.status, 503);
	reply_free(&r);
}
END_TEST

/* ---- HTTP and connection faults ---- */

START_TEST(test_proxy_page_is_sent_raw)
{
	struct reply r;
	ck_assert_int_eq(run_with("proxy-502", DRAFT("blocking"), 0, &r), 0);
	ck_assert_int_eq(r.status, 502);
	ck_assert_str_eq(r.body, "<html><body><h1>502 Bad Gateway</h1></body></html>\n");
	char *ct = reply_header(&r, "Content-Type");
	ck_assert_str_eq(ct, "text/html; charset=utf-8");
	free(ct);
	reply_free(&r);
}
END_TEST

START_TEST(test_delay_comes_before_the_headers)
{
	struct reply r;
	ck_assert_int_eq(run_with("slow", PUBLISHED, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(r.total_s >= 0.29, "answered after %.3f s", r.total_s);
	reply_free(&r);
	/* a client with a shorter timeout gives up */
	ck_assert_int_eq(run_with("slow", PUBLISHED, 100, &r), CURLE_OPERATION_TIMEDOUT);
	reply_free(&r);
}
END_TEST

START_TEST(test_connection_closed_without_an_answer)
{
	struct reply r;
	ck_assert_int_eq(run_with("close", PUBLISHED, 0, &r), CURLE_GOT_NOTHING);
	reply_free(&r);
}
END_TEST

START_TEST(test_connection_reset)
{
	struct reply r;
	int rc = run_with("reset", PUBLISHED, 0, &r);
	ck_assert_msg(rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING, "curl: %s", curl_easy_strerror(rc));
	reply_free(&r);
}
END_TEST

/* ---- node faults ---- */

START_TEST(test_node_failure_fails_the_run)
{
	struct reply r;
	ck_assert_int_eq(run_with("chunker-fails", DRAFT("blocking"), 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"status\": \"failed\", \"outputs\": {}, \"error\": \"Failed to invoke tool: "
				     "boom\""),
		      "%s", r.body);
	reply_free(&r);
}
END_TEST

START_TEST(test_slow_node_lengthens_the_run)
{
	struct reply r;
	ck_assert_int_eq(run_with("slow-tool", DRAFT("blocking"), 0, &r), 0);
	ck_assert_msg(strstr(r.body, "\"elapsed_time\": 0.7"), "%s", r.body);
	ck_assert_msg(r.total_s >= 0.69, "answered after %.3f s", r.total_s);
	reply_free(&r);
}
END_TEST

/* ---- stream faults ---- */

static int data_blocks(const struct stream_reply *r)
{
	return count(r->body, r->body_len, "data: ");
}

START_TEST(test_stream_error_event_then_end)
{
	struct stream_reply r;
	stream_with("error-end", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	ck_assert_int_eq(data_blocks(&r), 4);
	const char *last = strstr(r.body, "data: {\"event\":\"error\"");
	ck_assert_ptr_nonnull(last);
	ck_assert_msg(strstr(last, "\"workflow_run_id\":\"") && strstr(last, "\"code\":\"invalid_param\",\"status\":400,"
									 "\"message\":\"Run failed\"}\n\n"),
		      "%s", last);
	ck_assert(!strstr(r.body, "workflow_finished"));
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_error_without_terminal_event_hangs)
{
	struct stream_reply r;
	stream_with("error-hang", 800, &r);
	ck_assert_int_eq(r.curl_code, CURLE_OPERATION_TIMEDOUT);
	ck_assert_int_eq(data_blocks(&r), 4);
	ck_assert_msg(strstr(r.body, "\"code\":\"internal_server_error\",\"message\":\"Internal Server Error, please "
				     "contact support.\",\"status\":500}"),
		      "%s", r.body);
	ck_assert(!strstr(r.body, "workflow_finished"));
	ck_assert_msg(count(r.body, r.body_len, "event: ping") >= 3, "pings go on: %s", r.body);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_drop_leaves_no_final_chunk)
{
	struct stream_reply r;
	stream_with("drop", 0, &r);
	ck_assert_int_ne(r.curl_code, 0);
	ck_assert_int_eq(data_blocks(&r), 3);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_cut_in_the_middle_of_an_event)
{
	struct stream_reply r;
	stream_with("cut", 0, &r);
	ck_assert_int_ne(r.curl_code, 0);
	ck_assert_int_eq(data_blocks(&r), 4);
	ck_assert_msg(r.body_len > 2 && memcmp(r.body + r.body_len - 2, "\n\n", 2), "ends cut: %s", r.body);
	ck_assert_msg(r.body[r.body_len - 1] != '}', "inside the JSON");
	stream_reply_free(&r);
}
END_TEST

/* Largest gap between two consecutive chunks. */
static double max_gap(const struct stream_reply *r)
{
	double g = 0;
	for (size_t i = 1; i < r->n_chunks; i++)
		if (r->chunks[i].at_s - r->chunks[i - 1].at_s > g)
			g = r->chunks[i].at_s - r->chunks[i - 1].at_s;
	return g;
}

START_TEST(test_stream_stall_sends_nothing_not_even_pings)
{
	struct stream_reply r;
	stream_with("stall", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	ck_assert_msg(max_gap(&r) >= 0.38, "largest gap %.3f s", max_gap(&r));
	ck_assert(strstr(r.body, "workflow_finished"));
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_pings_only_for_a_while)
{
	struct stream_reply r;
	stream_with("pings-only", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	/* between event 2 (node_started) and event 3: pings only, for 400 ms at 100 ms */
	const char *second = strstr(r.body, "node_started");
	ck_assert_ptr_nonnull(second);
	const char *third = strstr(second, "data: ");
	ck_assert_ptr_nonnull(third);
	int pings = count(second, (size_t)(third - second), "event: ping");
	ck_assert_msg(pings >= 3, "%d pings during the quiet time", pings);
	ck_assert(strstr(r.body, "workflow_finished"));
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_stays_open_after_the_terminal_event)
{
	struct stream_reply r;
	stream_with("keep-open", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	const char *fin = strstr(r.body, "workflow_finished");
	ck_assert_ptr_nonnull(fin);
	double at_fin = stream_time_at(&r, (size_t)(fin - r.body));
	/* The final chunk (what such a client waits for) comes ~400 ms after
	 * the terminal event: libcurl returns only then. */
	double end = r.chunks[r.n_chunks - 1].at_s;
	ck_assert_msg(end - at_fin < 0.05, "no data after the terminal event");
	stream_reply_free(&r);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	stream_with("keep-open", 0, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double total = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fin = strstr(r.body, "workflow_finished");
	at_fin = stream_time_at(&r, (size_t)(fin - r.body));
	ck_assert_msg(total - at_fin >= 0.38, "body ended %.3f s after the terminal event", total - at_fin);
	ck_assert_int_eq(r.curl_code, 0);
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_dribbles_an_event)
{
	struct stream_reply r;
	stream_with("dribble", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	ck_assert_msg(r.n_chunks >= 10, "%zu chunks", r.n_chunks);
	ck_assert(strstr(r.body, "workflow_finished"));
	stream_reply_free(&r);
}
END_TEST

START_TEST(test_stream_extra_event_of_unknown_type)
{
	struct stream_reply r;
	stream_with("extra", 0, &r);
	ck_assert_int_eq(r.curl_code, 0);
	const char *x = strstr(r.body, "data: {\"event\":\"agent_log\",\"data\":{\"label\":\"thinking\"}}\n\n");
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(strstr(r.body, "data: "), r.body); /* workflow_started first */
	ck_assert(x < strstr(r.body, "node_started"));
	ck_assert(strstr(r.body, "workflow_finished"));
	stream_reply_free(&r);
}
END_TEST

/* ---- admin API ---- */

START_TEST(test_journal_records_requests_with_authorization_redacted)
{
	struct reply r;
	http_request(&srv, "DELETE", "/_mock/requests", NULL, NULL, &r);
	reply_free(&r);
	ck_assert_int_eq(run_with("unavailable", DRAFT("blocking"), 0, &r), 0);
	reply_free(&r);
	struct stream_reply sr;
	const char *hs[] = { "X-Dify-Mock-Scenario: slow-tool", NULL };
	http_stream_ex(&srv, RUN_PATH(FAULTY), DRAFT("streaming"), hs, 10, 0, &sr);
	stream_reply_free(&sr);
	/* The hang-up is recorded when the server notices it: poll, bounded. */
	for (int i = 0; i < 200; i++) {
		http_request(&srv, "GET", "/_mock/requests?knowledge_base=" FAULTY, NULL, NULL, &r);
		if (strstr(r.body, "\"hung_up\":true"))
			break;
		reply_free(&r);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"Authorization\":\"Bearer [redacted]\""), "%s", r.body);
	ck_assert_msg(!strstr(r.body, DEMO_KEY), "the key never appears");
	ck_assert_msg(strstr(r.body, "\"status\":503,\"scenario\":\"unavailable\",\"scenario_from\":\"header\""), "%s",
		      r.body);
	ck_assert_msg(strstr(r.body, "\"scenario\":\"slow-tool\""), "%s", r.body);
	ck_assert_msg(strstr(r.body, "\"stream\":{\"events\":2,\"pings\":0},\"hung_up\":true,\"hung_up_after_ms\":"),
		      "%s", r.body);
	reply_free(&r);
	/* a key sent without a scheme is redacted whole */
	const char *bad[] = { "Authorization: dataset-leakykey0000 x", NULL };
	http_request(&srv, "POST", RUN_PATH(FAULTY), bad, "{}", &r);
	reply_free(&r);
	for (int i = 0; i < 200; i++) {
		http_request(&srv, "GET", "/_mock/requests?status=401", NULL, NULL, &r);
		if (strstr(r.body, "\"Authorization\":\"[redacted]\""))
			break;
		reply_free(&r);
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(strstr(r.body, "\"Authorization\":\"[redacted]\"") && !strstr(r.body, "leakykey"), "%s",
		      r.body);
	reply_free(&r);
	http_request(&srv, "GET", "/_mock/requests?status=503", NULL, NULL, &r);
	ck_assert_msg(strstr(r.body, "\"status\":503") && !strstr(r.body, "\"status\":200"), "%s", r.body);
	reply_free(&r);
	http_request(&srv, "GET", "/_mock/health", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body, "\"status\":\"ok\""), "%s", r.body);
	reply_free(&r);
}
END_TEST

/* ---- reload and the journal's bound, each on a server of its own ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static long health_kbs(const struct server *s)
{
	struct reply r;
	http_request(s, "GET", "/_mock/health", NULL, NULL, &r);
	const char *k = strstr(r.body, "\"knowledge_bases\":");
	long n = k ? strtol(k + 18, NULL, 10) : -1;
	reply_free(&r);
	return n;
}

#define EXTRA_KB                                                                                              \
	"{\"knowledge_bases\":[{\"id\":\"f0000000-0000-4000-8000-0000000000f9\",\"workspace\":"               \
	"\"f0000000-0000-4000-8000-000000000001\",\"name\":\"Added\"}]}"

START_TEST(test_reload_swaps_the_fixtures_and_refuses_a_broken_set)
{
	char dir[] = "/tmp/dm-reload-XXXXXX", path[128], extra[128], broken[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/faults.json", dir);
	snprintf(extra, sizeof extra, "%s/extra.json", dir);
	snprintf(broken, sizeof broken, "%s/broken.json", dir);
	FILE *in = fopen(TEST_FIXTURES_DIR "/../fixtures-faults/faults.json", "r");
	char text[16384];
	size_t n = fread(text, 1, sizeof text - 1, in);
	text[n] = '\0';
	fclose(in);
	write_file(path, text);
	struct server s;
	const char *args[] = { "--fixtures", dir, NULL };
	server_start(&s, args);
	ck_assert_int_eq(health_kbs(&s), 2);
	/* a stream started on the old set finishes on it */
	write_file(extra, EXTRA_KB);
	struct reply r;
	http_request(&s, "POST", "/_mock/reload", NULL, "", &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	ck_assert_int_eq(health_kbs(&s), 3);
	/* a broken set is refused, with its problems, and the old one serves on */
	write_file(broken, "{\"knowledge_bases\": 5}");
	http_request(&s, "POST", "/_mock/reload", NULL, "", &r);
	ck_assert_int_eq(r.status, 422);
	char want[200];
	snprintf(want, sizeof want, "%s: knowledge_bases: expected an array", broken);
	ck_assert_msg(strstr(r.body, want), "%s", r.body);
	reply_free(&r);
	ck_assert_int_eq(health_kbs(&s), 3);
	post_json(&s, RUN_PATH(FAULTY), PUBLISHED, &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* SIGHUP reloads too */
	unlink(broken);
	unlink(extra);
	kill(s.pid, SIGHUP);
	for (int i = 0; i < 200 && health_kbs(&s) != 2; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL); /* waiting for the signal's effect: no clock to pass in */
	}
	ck_assert_int_eq(health_kbs(&s), 2);
	ck_assert_int_eq(server_stop(&s), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_journal_is_bounded_and_counts_what_it_dropped)
{
	struct server s;
	const char *args[] = { "--fixtures", TEST_FIXTURES_DIR "/../fixtures-faults", "--journal-size", "2", NULL };
	server_start(&s, args);
	struct reply r;
	for (int i = 0; i < 3; i++) {
		post_json(&s, RUN_PATH(FAULTY), PUBLISHED, &r);
		reply_free(&r);
	}
	/* A request is journaled when it completes, which may be just after its
	 * client has read the answer: poll, bounded. */
	for (int i = 0; i < 200; i++) {
		http_request(&s, "GET", "/_mock/requests", NULL, NULL, &r);
		if (!strncmp(r.body, "{\"total\":3,", 11))
			break;
		reply_free(&r);
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(!strncmp(r.body, "{\"total\":3,\"dropped\":1,\"requests\":[{\"seq\":2,", 44), "%s", r.body);
	ck_assert_int_eq(count(r.body, r.body_len, "\"seq\":"), 2);
	reply_free(&r);
	http_request(&s, "DELETE", "/_mock/requests", NULL, NULL, &r);
	reply_free(&r);
	http_request(&s, "GET", "/_mock/requests", NULL, NULL, &r);
	ck_assert_str_eq(r.body, "{\"total\":0,\"dropped\":0,\"requests\":[]}\n");
	reply_free(&r);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-faults");
	TCase *tc = tcase_create("faults");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_header_selects_an_http_error_with_difys_envelope);
	tcase_add_test(tc, test_an_unknown_scenario_header_is_a_clear_400);
	tcase_add_test(tc, test_armed_scenario_applies_to_the_next_n_requests);
	tcase_add_test(tc, test_scenarios_apply_to_the_endpoints_they_list);
	tcase_add_test(tc, test_api_key_binding_selects_its_scenario);
	tcase_add_test(tc, test_retry_loop_gets_two_failures_then_a_success);
	tcase_add_test(tc, test_proxy_page_is_sent_raw);
	tcase_add_test(tc, test_delay_comes_before_the_headers);
	tcase_add_test(tc, test_connection_closed_without_an_answer);
	tcase_add_test(tc, test_connection_reset);
	tcase_add_test(tc, test_node_failure_fails_the_run);
	tcase_add_test(tc, test_slow_node_lengthens_the_run);
	tcase_add_test(tc, test_stream_error_event_then_end);
	tcase_add_test(tc, test_stream_error_without_terminal_event_hangs);
	tcase_add_test(tc, test_stream_drop_leaves_no_final_chunk);
	tcase_add_test(tc, test_stream_cut_in_the_middle_of_an_event);
	tcase_add_test(tc, test_stream_stall_sends_nothing_not_even_pings);
	tcase_add_test(tc, test_stream_pings_only_for_a_while);
	tcase_add_test(tc, test_stream_stays_open_after_the_terminal_event);
	tcase_add_test(tc, test_stream_dribbles_an_event);
	tcase_add_test(tc, test_stream_extra_event_of_unknown_type);
	tcase_add_test(tc, test_journal_records_requests_with_authorization_redacted);
	suite_add_tcase(s, tc);
	TCase *own = tcase_create("own-server");
	tcase_set_timeout(own, 30);
	tcase_add_test(own, test_reload_swaps_the_fixtures_and_refuses_a_broken_set);
	tcase_add_test(own, test_journal_is_bounded_and_counts_what_it_dropped);
	suite_add_tcase(s, own);
	return s;
}
