/* test-cli.c -- the command line: --help, --version, bad usage, --check on
 * good and broken fixtures, exit codes, the ready line and the log lines. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	char tmp[4096];
	size_t n;
	while (f && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	if (f)
		fclose(f);
	return buf_steal(&b, NULL);
}

/* Runs dify-mock with args to completion; returns its exit code. */
static int run(const char *const *args, char **ret_out, char **ret_err)
{
	char out[] = "/tmp/dm-cli-out-XXXXXX", err[] = "/tmp/dm-cli-err-XXXXXX";
	int fo = mkstemp(out), fe = mkstemp(err);
	const char *argv[32] = { DIFY_MOCK_BIN };
	size_t n = 1;
	for (; args[n - 1]; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fo, STDOUT_FILENO);
		dup2(fe, STDERR_FILENO);
		execv(DIFY_MOCK_BIN, (char *const *)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	close(fo);
	close(fe);
	*ret_out = slurp(out);
	*ret_err = slurp(err);
	unlink(out);
	unlink(err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_help_prints_an_option_table_and_exits_0)
{
	char *out, *err;
	const char *a[] = { "--help", NULL };
	ck_assert_int_eq(run(a, &out, &err), 0);
	ck_assert_msg(strstr(out, "  -f, --fixtures <DIR>        Fixture directory (default ./fixtures)\n"), "%s", out);
	ck_assert_msg(strstr(out, "      --time-scale <F>  "), "%s", out);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_version_prints_the_version)
{
	char *out, *err;
	const char *a[] = { "--version", NULL };
	ck_assert_int_eq(run(a, &out, &err), 0);
	ck_assert_str_eq(out, "dify-mock " DM_VERSION "\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_list_faults_prints_the_catalogue)
{
	char *out, *err;
	const char *a[] = { "--list-faults", NULL };
	ck_assert_int_eq(run(a, &out, &err), 0);
	const char *kinds[] = { "\"http\"", "\"delay_ms\"", "\"close\"", "\"reset\"", "\"nodes\"", "\"error\"",
				"\"drop\"", "\"cut\"", "\"stall\"", "\"pings_only\"", "\"keep_open\"",
				"\"dribble\"", "\"extra_event\"", "X-Dify-Mock-Scenario" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		ck_assert_msg(strstr(out, kinds[i]), "%s missing from\n%s", kinds[i], out);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_bad_usage_exits_2_with_one_clear_line)
{
	const char *cases[][3] = {
		{ "--port", "abc", NULL }, { "--bogus", NULL, NULL }, { "--time-scale", "-1", NULL },
		{ "--log-format", "xml", NULL }, { "--ping-interval", "0", NULL }, { "--dify-version", "1.16", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out, *err;
		ck_assert_int_eq(run(cases[i], &out, &err), 2);
		ck_assert_msg(!strncmp(err, "dify-mock: ", 11), "%s", err);
		ck_assert_msg(strstr(err, "Try 'dify-mock --help'"), "%s", err);
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_check_accepts_the_bundled_fixtures)
{
	char *out, *err;
	const char *a[] = { "--check", "--fixtures", FIXTURES_DIR, NULL };
	ck_assert_int_eq(run(a, &out, &err), 0);
	ck_assert_msg(strstr(out, "are valid"), "%s", out);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_check_names_file_and_json_path_of_every_problem_and_exits_2)
{
	char dir[] = "/tmp/dm-cli-fx-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/bad.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"knowledge_bases\": [{\"id\": \"3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d\", \"workspace\": \"nope\", "
	      "\"name\": 5}]}",
	      f);
	fclose(f);
	char *out, *err;
	const char *a[] = { "--check", "--fixtures", dir, NULL };
	ck_assert_int_eq(run(a, &out, &err), 2);
	char want[256];
	snprintf(want, sizeof want, "%s: knowledge_bases[0].name:", path);
	ck_assert_msg(strstr(err, want), "%s", err);
	snprintf(want, sizeof want, "%s: knowledge_bases[0].workspace:", path);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(out);
	free(err);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A DSL file's problems name the DSL file and the path in it. */
START_TEST(test_check_names_the_dsl_file_and_path)
{
	char dir[] = "/tmp/dm-cli-dsl-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char kb[128], dsl[128];
	snprintf(kb, sizeof kb, "%s/kb.json", dir);
	snprintf(dsl, sizeof dsl, "%s/pipe.yml", dir);
	FILE *f = fopen(kb, "w");
	fputs("{\"workspaces\": [{\"id\": \"0a0a0a0a-0000-4000-8000-000000000000\", \"name\": \"W\", \"owner\": null}],"
	      " \"knowledge_bases\": [{\"id\": \"0b0b0b0b-0000-4000-8000-000000000000\","
	      " \"workspace\": \"0a0a0a0a-0000-4000-8000-000000000000\", \"name\": \"KB\", \"pipeline\":"
	      " {\"id\": \"0d0d0d0d-0000-4000-8000-000000000000\", \"draft\": \"pipe.yml\"}}]}",
	      f);
	fclose(f);
	f = fopen(dsl, "w");
	fputs("kind: rag_pipeline\nrag_pipeline: {name: P}\nworkflow:\n  graph:\n    nodes:\n"
	      "    - {id: '1', data: {type: datasource, provider_type: local_file}}\n"
	      "    - {id: '2', data: {type: magic}}\n"
	      "    - {id: '3', data: {type: knowledge-index, chunk_structure: text_model, indexing_technique: economy,"
	      " retrieval_model: {search_method: keyword_search, top_k: 3}, index_chunk_variable_selector: ['1', x]}}\n"
	      "    edges:\n    - {source: '1', target: '9'}\n",
	      f);
	fclose(f);
	char *out, *err;
	const char *a[] = { "--check", "--fixtures", dir, NULL };
	ck_assert_int_eq(run(a, &out, &err), 2);
	char want[256];
	snprintf(want, sizeof want, "%s: workflow.graph.nodes[1].data.type: unknown node type \"magic\"", dsl);
	ck_assert_msg(strstr(err, want), "%s", err);
	snprintf(want, sizeof want, "%s: workflow.graph.edges[0].target: unknown node \"9\"", dsl);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(out);
	free(err);
	unlink(kb);
	unlink(dsl);
	rmdir(dir);
}
END_TEST

START_TEST(test_serving_prints_the_ready_line_and_one_log_line_per_request)
{
	char dir[] = "/tmp/dm-cli-run-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char pf[128], outp[128], errp[128];
	snprintf(pf, sizeof pf, "%s/port", dir);
	snprintf(outp, sizeof outp, "%s/out", dir);
	snprintf(errp, sizeof errp, "%s/err", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(outp, O_WRONLY | O_CREAT, 0644), fe = open(errp, O_WRONLY | O_CREAT, 0644);
		dup2(fo, STDOUT_FILENO);
		dup2(fe, STDERR_FILENO);
		execl(DIFY_MOCK_BIN, DIFY_MOCK_BIN, "--fixtures", FIXTURES_DIR, "--port", "0", "--port-file", pf,
		      "--log-format", "json", (char *)NULL);
		_exit(127);
	}
	struct server s = { .pid = pid };
	for (int i = 0; i < 1000 && !s.port; i++) {
		FILE *f = fopen(pf, "r");
		if (f) {
			if (fscanf(f, "%u", &s.port) != 1)
				s.port = 0;
			fclose(f);
		}
		usleep(5000);
	}
	ck_assert_uint_gt(s.port, 0);
	struct reply r;
	const char *h[] = { "Authorization: Bearer secret-value", NULL };
	http_request(&s, "POST", RUN_PATH(DEMO_KB), h, "{}", &r);
	reply_free(&r);
	kill(pid, SIGINT);
	int st;
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *out = slurp(outp), *err = slurp(errp);
	char want[96];
	snprintf(want, sizeof want, "dify-mock listening on http://127.0.0.1:%u\n", s.port);
	ck_assert_str_eq(out, want);
	ck_assert_msg(strstr(err, "\"method\":\"POST\",\"path\":\"/v1/datasets/" DEMO_KB "/pipeline/run\",\"status\":401"),
		      "%s", err);
	ck_assert_msg(!strstr(err, "secret-value"), "the log never holds the Authorization value");
	free(out);
	free(err);
	unlink(pf);
	unlink(outp);
	unlink(errp);
	rmdir(dir);
}
END_TEST

START_TEST(test_upload_blacklist_refuses_listed_extensions)
{
	struct server s;
	const char *args[] = { "--fixtures", FIXTURES_DIR, "--upload-blacklist", "EXE, .bat", NULL };
	server_start(&s, args);
	struct reply r;
	http_upload(&s, DEMO_KEY, "setup.exe", "application/octet-stream", "MZ", 2, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.body, "{\"code\":\"invalid_param\",\"message\":\"File extension '.exe' is not allowed for "
				 "security reasons\",\"status\":400}\n");
	reply_free(&r);
	http_upload(&s, DEMO_KEY, "notes.txt", "text/plain", "hi", 2, &r);
	ck_assert_int_eq(r.status, 201);
	reply_free(&r);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

START_TEST(test_a_busy_port_is_a_runtime_failure)
{
	struct server s;
	const char *args[] = { "--fixtures", FIXTURES_DIR, NULL };
	server_start(&s, args);
	char port[16];
	snprintf(port, sizeof port, "%u", s.port);
	char *out, *err;
	const char *a[] = { "--fixtures", FIXTURES_DIR, "--port", port, NULL };
	ck_assert_int_eq(run(a, &out, &err), 1);
	ck_assert_msg(strstr(err, "cannot listen"), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(server_stop(&s), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("e2e-cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_help_prints_an_option_table_and_exits_0);
	tcase_add_test(tc, test_version_prints_the_version);
	tcase_add_test(tc, test_list_faults_prints_the_catalogue);
	tcase_add_test(tc, test_bad_usage_exits_2_with_one_clear_line);
	tcase_add_test(tc, test_check_accepts_the_bundled_fixtures);
	tcase_add_test(tc, test_check_names_file_and_json_path_of_every_problem_and_exits_2);
	tcase_add_test(tc, test_check_names_the_dsl_file_and_path);
	tcase_add_test(tc, test_serving_prints_the_ready_line_and_one_log_line_per_request);
	tcase_add_test(tc, test_upload_blacklist_refuses_listed_extensions);
	tcase_add_test(tc, test_a_busy_port_is_a_runtime_failure);
	suite_add_tcase(s, tc);
	return s;
}
