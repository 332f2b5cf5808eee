/* config.h -- command-line options: defaults, parsing, usage. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct config {
	const char *fixtures_dir;  /* --fixtures, default "./fixtures" */
	const char *host;          /* --host, default 127.0.0.1 */
	unsigned port;             /* --port, default 5001; 0 picks a free port */
	const char *port_file;     /* --port-file: the bound port is written there once serving */
	bool check_only;           /* --check: validate fixtures and exit */
	bool seeded;               /* --seed given */
	uint64_t seed;
	double time_scale;         /* --time-scale: simulated durations x this before waiting */
	double ping_interval;      /* --ping-interval seconds (wall clock) */
	enum log_format log_format;
	int verbosity;             /* -v count */
	unsigned threads;          /* --threads: libmicrohttpd worker threads */
	unsigned max_connections;  /* --max-connections */
	size_t max_body;           /* --max-body-bytes */
	size_t max_header;         /* --max-header-bytes: request line and headers */
	unsigned idle_timeout;     /* --idle-timeout seconds: a connection with no traffic is closed */
	unsigned request_timeout;  /* --request-timeout seconds: the whole body must arrive within it */
	size_t journal_size;       /* --journal-size: requests kept for /_mock/requests */
	bool list_faults;          /* --list-faults: print the fault catalogue and exit */
	const char *upload_blacklist; /* --upload-blacklist: "exe,bat" (Dify's UPLOAD_FILE_EXTENSION_BLACKLIST) */
};

enum config_result {
	CONFIG_OK,
	CONFIG_EXIT,   /* --help or --version printed: exit 0 */
	CONFIG_USAGE,  /* bad usage, message printed: exit 2 */
};

void config_defaults(struct config *cfg);
/* Parses argv into cfg; messages go to out (--help, --version) or err. */
enum config_result config_parse_args(struct config *cfg, int argc, char **argv, FILE *out, FILE *err);
void config_usage(FILE *out);
