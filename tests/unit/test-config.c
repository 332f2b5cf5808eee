/* test-config.c -- command-line parsing: the defaults, every option in its
 * short, long and --opt=value forms, each bad value's exact message on the
 * err stream (exit 2), and --help / --version on the out stream (exit 0).
 * Both streams are open_memstream buffers. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define TRY "Try 'dify-mock --help' for more information.\n"

struct parsed {
	struct config cfg;
	enum config_result rc;
	char *out, *err;   /* what was printed on each stream */
	char *argv[32];    /* the config keeps pointers into it */
};

/* Parses dify-mock ARGS... (NULL-terminated) from the defaults. */
static void parse(struct parsed *p, ...)
{
	int argc = 0;
	p->argv[argc++] = (char *)"dify-mock";
	va_list ap;
	va_start(ap, p);
	for (const char *a; (a = va_arg(ap, const char *));) {
		ck_assert_int_lt(argc, 31);
		p->argv[argc++] = (char *)a;
	}
	va_end(ap);
	p->argv[argc] = NULL;

	size_t out_len, err_len;
	FILE *out = open_memstream(&p->out, &out_len), *err = open_memstream(&p->err, &err_len);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	config_defaults(&p->cfg);
	p->rc = config_parse_args(&p->cfg, argc, p->argv, out, err);
	fclose(out);
	fclose(err);
}

static void parsed_free(struct parsed *p)
{
	free(p->out);
	free(p->err);
}

/* Parses one option list that must succeed silently. */
#define PARSE_OK(p, ...)                                                      \
	do {                                                                  \
		parse(p, __VA_ARGS__, NULL);                                  \
		ck_assert_msg((p)->rc == CONFIG_OK, "rc %d, err: %s", (int)(p)->rc, (p)->err); \
		ck_assert_str_eq((p)->out, "");                              \
		ck_assert_str_eq((p)->err, "");                              \
	} while (0)

/* The arguments must be refused with exactly this first line on err. */
static void assert_usage(const char *line, const char *a1, const char *a2)
{
	struct parsed p;
	parse(&p, a1, a2, NULL);
	ck_assert_msg(p.rc == CONFIG_USAGE, "%s %s: rc %d", a1, a2 ? a2 : "", (int)p.rc);
	ck_assert_str_eq(p.out, "");
	char want[512];
	snprintf(want, sizeof want, "%s\n" TRY, line);
	ck_assert_str_eq(p.err, want);
	parsed_free(&p);
}

/* ---- defaults ---- */

START_TEST(test_config_defaults_match_the_usage_text)
{
	struct config cfg;
	memset(&cfg, 0xa5, sizeof cfg);
	config_defaults(&cfg);
	ck_assert_str_eq(cfg.fixtures_dir, "./fixtures");
	ck_assert_str_eq(cfg.host, "127.0.0.1");
	ck_assert_uint_eq(cfg.port, 5001);
	ck_assert_ptr_null(cfg.port_file);
	ck_assert(!cfg.check_only);
	ck_assert(!cfg.seeded);
	ck_assert_uint_eq(cfg.seed, 0);
	ck_assert_double_eq(cfg.time_scale, 1.0);
	ck_assert_double_eq(cfg.ping_interval, 10.0);
	ck_assert_int_eq(cfg.log_format, LOG_FORMAT_TEXT);
	ck_assert_int_eq(cfg.verbosity, 0);
	ck_assert_uint_eq(cfg.threads, 2);
	ck_assert_uint_eq(cfg.max_connections, 20000);
	ck_assert_uint_eq(cfg.max_body, 104857600);
	ck_assert_int_eq(cfg.dify_version, DIFY_1_17); /* the newest */
}
END_TEST

START_TEST(test_config_without_arguments_keeps_the_defaults)
{
	struct parsed p;
	PARSE_OK(&p, NULL);
	struct config d;
	config_defaults(&d);
	ck_assert_str_eq(p.cfg.fixtures_dir, d.fixtures_dir);
	ck_assert_str_eq(p.cfg.host, d.host);
	ck_assert_uint_eq(p.cfg.port, d.port);
	ck_assert(!p.cfg.check_only);
	ck_assert(!p.cfg.seeded);
	ck_assert_int_eq(p.cfg.verbosity, 0);
	parsed_free(&p);
}
END_TEST

/* ---- each option ---- */

START_TEST(test_config_sets_the_fixture_directory)
{
	struct parsed p;
	PARSE_OK(&p, "-f", "/srv/fx");
	ck_assert_str_eq(p.cfg.fixtures_dir, "/srv/fx");
	parsed_free(&p);
	PARSE_OK(&p, "--fixtures", "a b");
	ck_assert_str_eq(p.cfg.fixtures_dir, "a b");
	parsed_free(&p);
	PARSE_OK(&p, "--fixtures=rel/dir");
	ck_assert_str_eq(p.cfg.fixtures_dir, "rel/dir");
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_host)
{
	struct parsed p;
	PARSE_OK(&p, "-H", "0.0.0.0");
	ck_assert_str_eq(p.cfg.host, "0.0.0.0");
	parsed_free(&p);
	PARSE_OK(&p, "--host=::1");
	ck_assert_str_eq(p.cfg.host, "::1");
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_port)
{
	struct parsed p;
	PARSE_OK(&p, "-p", "8080");
	ck_assert_uint_eq(p.cfg.port, 8080);
	parsed_free(&p);
	PARSE_OK(&p, "--port", "0");
	ck_assert_uint_eq(p.cfg.port, 0);
	parsed_free(&p);
	PARSE_OK(&p, "--port=65535");
	ck_assert_uint_eq(p.cfg.port, 65535);
	parsed_free(&p);
	PARSE_OK(&p, "-p1");
	ck_assert_uint_eq(p.cfg.port, 1);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_port_file)
{
	struct parsed p;
	PARSE_OK(&p, "--port-file", "/tmp/port");
	ck_assert_str_eq(p.cfg.port_file, "/tmp/port");
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_check_only)
{
	struct parsed p;
	PARSE_OK(&p, "--check");
	ck_assert(p.cfg.check_only);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_seed)
{
	struct parsed p;
	PARSE_OK(&p, "--seed", "0");
	ck_assert(p.cfg.seeded);
	ck_assert_uint_eq(p.cfg.seed, 0);
	parsed_free(&p);
	PARSE_OK(&p, "--seed=42");
	ck_assert(p.cfg.seeded);
	ck_assert_uint_eq(p.cfg.seed, 42);
	parsed_free(&p);
	PARSE_OK(&p, "--seed", "18446744073709551615");
	ck_assert(p.cfg.seed == UINT64_MAX);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_time_scale)
{
	struct parsed p;
	PARSE_OK(&p, "--time-scale", "0");
	ck_assert_double_eq(p.cfg.time_scale, 0.0);
	parsed_free(&p);
	PARSE_OK(&p, "--time-scale=2.5");
	ck_assert_double_eq(p.cfg.time_scale, 2.5);
	parsed_free(&p);
	PARSE_OK(&p, "--time-scale", "1000");
	ck_assert_double_eq(p.cfg.time_scale, 1000.0);
	parsed_free(&p);
	PARSE_OK(&p, "--time-scale", "0.001");
	ck_assert_double_eq(p.cfg.time_scale, 0.001);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_ping_interval)
{
	struct parsed p;
	PARSE_OK(&p, "--ping-interval", "0.01");
	ck_assert_double_eq(p.cfg.ping_interval, 0.01);
	parsed_free(&p);
	PARSE_OK(&p, "--ping-interval=1.5");
	ck_assert_double_eq(p.cfg.ping_interval, 1.5);
	parsed_free(&p);
	PARSE_OK(&p, "--ping-interval", "86400");
	ck_assert_double_eq(p.cfg.ping_interval, 86400.0);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_log_format)
{
	struct parsed p;
	PARSE_OK(&p, "--log-format", "json");
	ck_assert_int_eq(p.cfg.log_format, LOG_FORMAT_JSON);
	parsed_free(&p);
	PARSE_OK(&p, "--log-format=json", "--log-format=text");
	ck_assert_int_eq(p.cfg.log_format, LOG_FORMAT_TEXT);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_dify_version)
{
	struct parsed p;
	PARSE_OK(&p, "--dify-version", "1.13.3");
	ck_assert_int_eq(p.cfg.dify_version, DIFY_1_13_3);
	ck_assert_str_eq(dify_version_header(p.cfg.dify_version), "1.13.3");
	parsed_free(&p);
	PARSE_OK(&p, "--dify-version=1.13.3", "--dify-version=1.17");
	ck_assert_int_eq(p.cfg.dify_version, DIFY_1_17);
	ck_assert_str_eq(dify_version_header(p.cfg.dify_version), "1.17.1");
	parsed_free(&p);
	PARSE_OK(&p, "--dify-version", "1.17.1");
	ck_assert_int_eq(p.cfg.dify_version, DIFY_1_17);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_thread_count)
{
	struct parsed p;
	PARSE_OK(&p, "--threads", "1");
	ck_assert_uint_eq(p.cfg.threads, 1);
	parsed_free(&p);
	PARSE_OK(&p, "--threads=64");
	ck_assert_uint_eq(p.cfg.threads, 64);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_connection_limit)
{
	struct parsed p;
	PARSE_OK(&p, "--max-connections", "1");
	ck_assert_uint_eq(p.cfg.max_connections, 1);
	parsed_free(&p);
	PARSE_OK(&p, "--max-connections=1000000");
	ck_assert_uint_eq(p.cfg.max_connections, 1000000);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_sets_the_body_limit)
{
	struct parsed p;
	PARSE_OK(&p, "--max-body-bytes", "1");
	ck_assert_uint_eq(p.cfg.max_body, 1);
	parsed_free(&p);
	PARSE_OK(&p, "--max-body-bytes=1073741824");
	ck_assert_uint_eq(p.cfg.max_body, 1073741824);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_counts_verbose_flags)
{
	struct parsed p;
	PARSE_OK(&p, "-v");
	ck_assert_int_eq(p.cfg.verbosity, 1);
	parsed_free(&p);
	PARSE_OK(&p, "-vv", "--verbose", "-v");
	ck_assert_int_eq(p.cfg.verbosity, 4);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_takes_options_in_any_order_and_the_last_wins)
{
	struct parsed p;
	PARSE_OK(&p, "--check", "-p", "1", "-f", "x", "--port=2", "-v", "--seed", "7", "--host", "h");
	ck_assert(p.cfg.check_only);
	ck_assert_uint_eq(p.cfg.port, 2);
	ck_assert_str_eq(p.cfg.fixtures_dir, "x");
	ck_assert_str_eq(p.cfg.host, "h");
	ck_assert_int_eq(p.cfg.verbosity, 1);
	ck_assert(p.cfg.seeded);
	ck_assert_uint_eq(p.cfg.seed, 7);
	/* untouched options keep their defaults */
	ck_assert_uint_eq(p.cfg.threads, 2);
	ck_assert_double_eq(p.cfg.time_scale, 1.0);
	parsed_free(&p);
}
END_TEST

START_TEST(test_config_parses_again_from_a_clean_state)
{
	/* getopt keeps its position inside "-hv" across calls unless it is
	 * fully reset; a second parse must not see the old 'v'. */
	struct parsed p;
	parse(&p, "-hv", NULL);
	ck_assert_int_eq(p.rc, CONFIG_EXIT);
	parsed_free(&p);
	PARSE_OK(&p, "--check");
	ck_assert(p.cfg.check_only);
	ck_assert_int_eq(p.cfg.verbosity, 0);
	parsed_free(&p);
}
END_TEST

/* ---- bad values ---- */

START_TEST(test_config_refuses_a_bad_port)
{
	const char *m = "dify-mock: port must be a number from 0 to 65535";
	char line[256];
	static const char *const bad[] = { "65536", "-1", "", "abc", "80x", "1.5", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "%s: '%s'", m, bad[i]);
		assert_usage(line, "--port", bad[i]);
	}
	assert_usage("dify-mock: port must be a number from 0 to 65535: 'x'", "-px", NULL);
}
END_TEST

START_TEST(test_config_refuses_an_empty_host)
{
	assert_usage("dify-mock: empty host: ''", "--host", "");
	assert_usage("dify-mock: empty host: ''", "--host=", NULL);
}
END_TEST

START_TEST(test_config_refuses_a_bad_seed)
{
	assert_usage("dify-mock: seed must be a non-negative integer: '-1'", "--seed", "-1");
	assert_usage("dify-mock: seed must be a non-negative integer: 'x'", "--seed", "x");
	assert_usage("dify-mock: seed must be a non-negative integer: '1e3'", "--seed", "1e3");
	assert_usage("dify-mock: seed must be a non-negative integer: '18446744073709551616'", "--seed",
		     "18446744073709551616");
}
END_TEST

START_TEST(test_config_refuses_a_bad_time_scale)
{
	static const char *const bad[] = { "-1", "1000.5", "1001", "nan", "inf", "x", "", "1s" };
	char line[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "dify-mock: time scale must be a number from 0 to 1000: '%s'", bad[i]);
		assert_usage(line, "--time-scale", bad[i]);
	}
}
END_TEST

START_TEST(test_config_refuses_a_bad_ping_interval)
{
	static const char *const bad[] = { "0", "0.001", "86401", "-5", "inf", "ten" };
	char line[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "dify-mock: ping interval must be from 0.01 to 86400 seconds: '%s'", bad[i]);
		assert_usage(line, "--ping-interval", bad[i]);
	}
}
END_TEST

START_TEST(test_config_refuses_a_bad_log_format)
{
	assert_usage("dify-mock: log format must be text or json: 'xml'", "--log-format", "xml");
	assert_usage("dify-mock: log format must be text or json: 'JSON'", "--log-format", "JSON");
}
END_TEST

START_TEST(test_config_refuses_an_unknown_dify_version)
{
	assert_usage("dify-mock: Dify version must be 1.13.3 or 1.17: '1.13'", "--dify-version", "1.13");
	assert_usage("dify-mock: Dify version must be 1.13.3 or 1.17: 'latest'", "--dify-version", "latest");
}
END_TEST

START_TEST(test_config_refuses_bad_limits)
{
	assert_usage("dify-mock: threads must be from 1 to 64: '0'", "--threads", "0");
	assert_usage("dify-mock: threads must be from 1 to 64: '65'", "--threads", "65");
	assert_usage("dify-mock: max connections must be from 1 to 1000000: '0'", "--max-connections", "0");
	assert_usage("dify-mock: max connections must be from 1 to 1000000: '1000001'", "--max-connections",
		     "1000001");
	assert_usage("dify-mock: max body bytes must be from 1 to 1073741824: '0'", "--max-body-bytes", "0");
	assert_usage("dify-mock: max body bytes must be from 1 to 1073741824: '1073741825'", "--max-body-bytes",
		     "1073741825");
}
END_TEST

START_TEST(test_config_refuses_an_unknown_option)
{
	assert_usage("dify-mock: unknown option: '--nope'", "--nope", NULL);
	assert_usage("dify-mock: unknown option: '-x'", "-x", NULL);
	/* --check takes no value */
	assert_usage("dify-mock: unknown option: '--check=1'", "--check=1", NULL);
}
END_TEST

START_TEST(test_config_refuses_an_option_without_its_value)
{
	assert_usage("dify-mock: option needs a value: '--port'", "--port", NULL);
	assert_usage("dify-mock: option needs a value: '-p'", "-p", NULL);
	assert_usage("dify-mock: option needs a value: '--fixtures'", "-v", "--fixtures");
}
END_TEST

START_TEST(test_config_refuses_a_positional_argument)
{
	assert_usage("dify-mock: unexpected argument: 'extra'", "extra", NULL);
	assert_usage("dify-mock: unexpected argument: 'extra'", "extra", "--check");
	assert_usage("dify-mock: unexpected argument: 'extra'", "--", "extra");
}
END_TEST

START_TEST(test_config_stops_at_the_first_bad_option)
{
	struct parsed p;
	parse(&p, "--port", "x", "--threads", "0", "--help", NULL);
	ck_assert_int_eq(p.rc, CONFIG_USAGE);
	ck_assert_str_eq(p.out, "");
	ck_assert_str_eq(p.err, "dify-mock: port must be a number from 0 to 65535: 'x'\n" TRY);
	parsed_free(&p);
}
END_TEST

/* ---- --help and --version ---- */

START_TEST(test_config_prints_the_usage_for_help)
{
	char *usage;
	size_t len;
	FILE *f = open_memstream(&usage, &len);
	config_usage(f);
	fclose(f);
	ck_assert_int_eq(strncmp(usage, "Usage: dify-mock [options]\n", 27), 0);
	ck_assert_ptr_nonnull(strstr(usage, "\n  -p, --port <N>  "));
	ck_assert_ptr_nonnull(strstr(usage, "\n  -V, --version               Show the version\n"));
	ck_assert_int_eq(usage[len - 1], '\n');

	static const char *const forms[] = { "--help", "-h" };
	for (size_t i = 0; i < 2; i++) {
		struct parsed p;
		parse(&p, forms[i], NULL);
		ck_assert_int_eq(p.rc, CONFIG_EXIT);
		ck_assert_str_eq(p.out, usage);
		ck_assert_str_eq(p.err, "");
		parsed_free(&p);
	}
	/* help wins over options after it, even bad ones */
	struct parsed p;
	parse(&p, "--help", "--port", "x", NULL);
	ck_assert_int_eq(p.rc, CONFIG_EXIT);
	ck_assert_str_eq(p.out, usage);
	ck_assert_str_eq(p.err, "");
	parsed_free(&p);
	free(usage);
}
END_TEST

START_TEST(test_config_prints_the_version)
{
	static const char *const forms[] = { "--version", "-V" };
	for (size_t i = 0; i < 2; i++) {
		struct parsed p;
		parse(&p, forms[i], NULL);
		ck_assert_int_eq(p.rc, CONFIG_EXIT);
		ck_assert_str_eq(p.out, "dify-mock " DM_VERSION "\n");
		ck_assert_str_eq(p.err, "");
		parsed_free(&p);
	}
	ck_assert_str_eq(DM_VERSION, "0.1.0");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("options");
	tcase_add_test(tc, test_config_defaults_match_the_usage_text);
	tcase_add_test(tc, test_config_without_arguments_keeps_the_defaults);
	tcase_add_test(tc, test_config_sets_the_fixture_directory);
	tcase_add_test(tc, test_config_sets_the_host);
	tcase_add_test(tc, test_config_sets_the_port);
	tcase_add_test(tc, test_config_sets_the_port_file);
	tcase_add_test(tc, test_config_sets_check_only);
	tcase_add_test(tc, test_config_sets_the_seed);
	tcase_add_test(tc, test_config_sets_the_time_scale);
	tcase_add_test(tc, test_config_sets_the_ping_interval);
	tcase_add_test(tc, test_config_sets_the_log_format);
	tcase_add_test(tc, test_config_sets_the_dify_version);
	tcase_add_test(tc, test_config_sets_the_thread_count);
	tcase_add_test(tc, test_config_sets_the_connection_limit);
	tcase_add_test(tc, test_config_sets_the_body_limit);
	tcase_add_test(tc, test_config_counts_verbose_flags);
	tcase_add_test(tc, test_config_takes_options_in_any_order_and_the_last_wins);
	tcase_add_test(tc, test_config_parses_again_from_a_clean_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("usage");
	tcase_add_test(tc, test_config_refuses_a_bad_port);
	tcase_add_test(tc, test_config_refuses_an_empty_host);
	tcase_add_test(tc, test_config_refuses_a_bad_seed);
	tcase_add_test(tc, test_config_refuses_a_bad_time_scale);
	tcase_add_test(tc, test_config_refuses_a_bad_ping_interval);
	tcase_add_test(tc, test_config_refuses_a_bad_log_format);
	tcase_add_test(tc, test_config_refuses_an_unknown_dify_version);
	tcase_add_test(tc, test_config_refuses_bad_limits);
	tcase_add_test(tc, test_config_refuses_an_unknown_option);
	tcase_add_test(tc, test_config_refuses_an_option_without_its_value);
	tcase_add_test(tc, test_config_refuses_a_positional_argument);
	tcase_add_test(tc, test_config_stops_at_the_first_bad_option);
	tcase_add_test(tc, test_config_prints_the_usage_for_help);
	tcase_add_test(tc, test_config_prints_the_version);
	suite_add_tcase(s, tc);
	return s;
}
