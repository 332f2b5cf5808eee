/* test-journal.c -- the request journal behind GET /_mock/requests: the
 * Authorization redaction, the exact JSON of an entry, the ring and its
 * dropped counter, and the filters (knowledge base, exact path, path prefix
 * ending in '*', status). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "journal.h"

#define KB_A "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define KB_B "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"

/* The header line journal_put_header writes. Heap. */
static char *header_line(const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	journal_put_header(&b, name, value);
	return buf_steal(&b, NULL);
}

static void assert_header(const char *name, const char *value, const char *want)
{
	char *got = header_line(name, value);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_authorization_keeps_only_its_scheme)
{
	assert_header("Authorization", "Bearer dataset-secret", "Authorization: Bearer [redacted]\n");
	assert_header("authorization", "bearer dataset-secret", "authorization: bearer [redacted]\n");
	assert_header("Authorization", "Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]\n");
	assert_header("AUTHORIZATION", "Digest username=\"u\"", "AUTHORIZATION: Digest [redacted]\n");
	/* anything else goes whole: a key sent without a scheme, a bare scheme */
	assert_header("Authorization", "dataset-secret x", "Authorization: [redacted]\n");
	assert_header("Authorization", "Bearer", "Authorization: [redacted]\n");
	assert_header("Authorization", "Bearerdataset-secret", "Authorization: [redacted]\n");
	assert_header("Authorization", "", "Authorization: [redacted]\n");
	assert_header("Authorization", NULL, "Authorization: [redacted]\n");
}
END_TEST

START_TEST(test_other_headers_are_kept_with_control_bytes_as_spaces)
{
	assert_header("X-Dify-Mock-Scenario", "stream-drop", "X-Dify-Mock-Scenario: stream-drop\n");
	assert_header("X-Odd", "a\tb\x01" "c", "X-Odd: a b c\n");
	assert_header("X\nName", "v", "X Name: v\n");
	assert_header("X-Empty", NULL, "X-Empty: \n");
	assert_header("X-Auth-Token", "Bearer kept", "X-Auth-Token: Bearer kept\n"); /* only Authorization */
}
END_TEST

/* An entry as http.c fills it (heap members). */
static void add(struct journal *j, const char *method, const char *path, const char *kb, unsigned status)
{
	struct journal_entry e = {
		.time_ms = 1776000000123LL,
		.method = strdup(method),
		.path = strdup(path),
		.headers = strdup(""),
		.body = strdup(""),
		.status = status,
		.knowledge_base = kb ? strdup(kb) : NULL,
		.duration_ms = 1.5,
	};
	journal_add(j, &e);
	ck_assert_ptr_null(e.method); /* taken */
}

static char *json(struct journal *j, const char *kb, const char *path, unsigned status)
{
	size_t len;
	char *s = journal_json(j, kb, path, status, &len);
	ck_assert_uint_eq(len, strlen(s));
	return s;
}

START_TEST(test_entry_json_has_every_field)
{
	struct journal *j = journal_new(10);
	struct buf h = BUF_INIT;
	journal_put_header(&h, "Host", "127.0.0.1:5001");
	journal_put_header(&h, "Authorization", "Bearer dataset-secret");
	struct journal_entry e = {
		.time_ms = 1776000000123LL,
		.method = strdup("POST"),
		.path = strdup("/v1/datasets/" KB_A "/pipeline/run"),
		.headers = buf_steal(&h, NULL),
		.body = strdup("{\"inputs\":{}}"),
		.body_truncated = true,
		.status = 200,
		.knowledge_base = strdup(KB_A),
		.scenario = strdup("stream-drop"),
		.scenario_from = "header",
		.stream = true,
		.events = 3,
		.pings = 1,
		.hung_up = true,
		.hung_up_after_ms = 52.5,
		.duration_ms = 60.25,
	};
	journal_add(j, &e);
	add(j, "GET", "/v1/x", NULL, 0);
	char *s = json(j, NULL, NULL, 0);
	ck_assert_str_eq(s, "{\"total\":2,\"dropped\":0,\"requests\":["
			    "{\"seq\":1,\"time\":\"2026-04-12T13:20:00.123Z\",\"method\":\"POST\","
			    "\"path\":\"/v1/datasets/" KB_A "/pipeline/run\",\"knowledge_base\":\"" KB_A "\","
			    "\"headers\":{\"Host\":\"127.0.0.1:5001\",\"Authorization\":\"Bearer [redacted]\"},"
			    "\"body\":\"{\\\"inputs\\\":{}}\",\"body_truncated\":true,\"status\":200,"
			    "\"scenario\":\"stream-drop\",\"scenario_from\":\"header\",\"duration_ms\":60.25,"
			    "\"stream\":{\"events\":3,\"pings\":1},\"hung_up\":true,\"hung_up_after_ms\":52.5},"
			    "{\"seq\":2,\"time\":\"2026-04-12T13:20:00.123Z\",\"method\":\"GET\",\"path\":\"/v1/x\","
			    "\"knowledge_base\":null,\"headers\":{},\"body\":\"\",\"body_truncated\":false,\"status\":null,"
			    "\"scenario\":null,\"scenario_from\":null,\"duration_ms\":1.5,\"stream\":null,"
			    "\"hung_up\":false,\"hung_up_after_ms\":null}]}\n");
	ck_assert(!strstr(s, "secret"));
	free(s);
	journal_free(j);
}
END_TEST

START_TEST(test_ring_drops_the_oldest_and_counts_them)
{
	struct journal *j = journal_new(2);
	add(j, "GET", "/a", NULL, 200);
	add(j, "GET", "/b", NULL, 200);
	add(j, "GET", "/c", NULL, 200);
	char *s = json(j, NULL, NULL, 0);
	ck_assert_msg(!strncmp(s, "{\"total\":3,\"dropped\":1,\"requests\":[{\"seq\":2,", 43), "%s", s);
	ck_assert(!strstr(s, "\"/a\""));
	ck_assert(strstr(s, "\"/b\"") < strstr(s, "\"/c\""));
	ck_assert_ptr_nonnull(strstr(s, "{\"seq\":3,"));
	free(s);
	add(j, "GET", "/d", NULL, 200);
	s = json(j, NULL, NULL, 0);
	ck_assert_msg(!strncmp(s, "{\"total\":4,\"dropped\":2,", 23), "%s", s);
	free(s);
	/* cleared: counting starts over */
	journal_clear(j);
	s = json(j, NULL, NULL, 0);
	ck_assert_str_eq(s, "{\"total\":0,\"dropped\":0,\"requests\":[]}\n");
	free(s);
	add(j, "GET", "/e", NULL, 200);
	s = json(j, NULL, NULL, 0);
	ck_assert_msg(strstr(s, "{\"total\":1,\"dropped\":0,\"requests\":[{\"seq\":1,"), "%s", s);
	free(s);
	journal_free(j);
	/* a capacity of 0 keeps one */
	j = journal_new(0);
	add(j, "GET", "/a", NULL, 200);
	add(j, "GET", "/b", NULL, 200);
	s = json(j, NULL, NULL, 0);
	ck_assert_msg(!strncmp(s, "{\"total\":2,\"dropped\":1,", 23) && strstr(s, "\"/b\""), "%s", s);
	free(s);
	journal_free(j);
}
END_TEST

/* The paths the filtered journal lists, space-separated. Heap. */
static char *paths(struct journal *j, const char *kb, const char *path, unsigned status)
{
	char *s = json(j, kb, path, status);
	struct buf b = BUF_INIT;
	for (const char *p = strstr(s, "\"path\":\""); p; p = strstr(p + 1, "\"path\":\"")) {
		const char *v = p + 8, *end = strchr(v, '"');
		if (b.len)
			buf_putc(&b, ' ');
		buf_append(&b, v, (size_t)(end - v));
	}
	free(s);
	buf_putc(&b, '\0');
	return buf_steal(&b, NULL);
}

static void assert_paths(struct journal *j, const char *kb, const char *path, unsigned status, const char *want)
{
	char *got = paths(j, kb, path, status);
	ck_assert_msg(!strcmp(got, want), "kb %s path %s status %u: [%s], want [%s]", kb ? kb : "-",
		      path ? path : "-", status, got, want);
	free(got);
}

START_TEST(test_filters_by_knowledge_base_path_and_status)
{
	struct journal *j = journal_new(10);
	add(j, "POST", "/v1/datasets/" KB_A "/pipeline/run", KB_A, 200);
	add(j, "GET", "/v1/datasets/" KB_A "/documents/1/indexing-status", KB_A, 503);
	add(j, "POST", "/v1/datasets/" KB_B "/pipeline/run", KB_B, 503);
	add(j, "POST", "/v1/datasets/pipeline/file-upload", NULL, 201);
	add(j, "GET", "/v1/datasets", NULL, 404);
	const char *run_a = "/v1/datasets/" KB_A "/pipeline/run", *poll_a = "/v1/datasets/" KB_A "/documents/1/indexing-status";
	char want[512];

	snprintf(want, sizeof want, "%s %s", run_a, poll_a);
	assert_paths(j, KB_A, NULL, 0, want);
	assert_paths(j, "3F2A9C1E-7B4D-4E8A-9F1C-2D5E6A7B8C9D", NULL, 0, ""); /* exact */
	assert_paths(j, KB_A, NULL, 503, poll_a);
	/* an exact path; no prefix without '*' */
	assert_paths(j, NULL, "/v1/datasets", 0, "/v1/datasets");
	assert_paths(j, NULL, "/v1/datasets/pipeline", 0, "");
	/* a prefix */
	assert_paths(j, NULL, "/v1/datasets/pipeline/*", 0, "/v1/datasets/pipeline/file-upload");
	snprintf(want, sizeof want, "%s %s", run_a, poll_a);
	assert_paths(j, NULL, "/v1/datasets/" KB_A "/*", 0, want);
	assert_paths(j, NULL, "/v1/datasets/" KB_A "*", 0, want);
	assert_paths(j, NULL, "/v1/datasets/" KB_A "/*", 503, poll_a);
	assert_paths(j, NULL, "/v2/*", 0, "");
	/* '*' alone: everything; '*' inside is a plain character */
	char *all = paths(j, NULL, NULL, 0), *star = paths(j, NULL, "*", 0);
	ck_assert_str_eq(star, all);
	free(all);
	free(star);
	assert_paths(j, NULL, "/v1/*/pipeline/run", 0, "");
	/* status alone, and all three */
	snprintf(want, sizeof want, "%s %s", poll_a, "/v1/datasets/" KB_B "/pipeline/run");
	assert_paths(j, NULL, NULL, 503, want);
	assert_paths(j, KB_B, "/v1/*", 503, "/v1/datasets/" KB_B "/pipeline/run");
	assert_paths(j, KB_B, "/v1/*", 200, "");
	/* filters leave the counters alone */
	char *s = json(j, KB_B, NULL, 0);
	ck_assert_msg(!strncmp(s, "{\"total\":5,\"dropped\":0,", 23), "%s", s);
	free(s);
	journal_free(j);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	tcase_add_test(tc, test_authorization_keeps_only_its_scheme);
	tcase_add_test(tc, test_other_headers_are_kept_with_control_bytes_as_spaces);
	tcase_add_test(tc, test_entry_json_has_every_field);
	tcase_add_test(tc, test_ring_drops_the_oldest_and_counts_them);
	tcase_add_test(tc, test_filters_by_knowledge_base_path_and_status);
	suite_add_tcase(s, tc);
	return s;
}
