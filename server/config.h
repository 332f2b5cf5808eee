/* config.h -- command-line options: defaults, parsing, usage. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* The Dify release whose behaviour is served (--dify-version), oldest
 * first, so that "v >= DIFY_1_17" reads as "from 1.17 on". Where they
 * differ (README, "How faithful it is"; graph-semantics.md §1.2):
 * datasource-plugins' is_published query, published runs' documents made
 * before or after the inputs are checked, online_drive folder paging, and
 * limit aborts (the engine's). A zeroed struct api_ctx (tests) is 1.13.3. */
enum dify_version {
	DIFY_1_13_3,   /* the wire.md baseline */
	DIFY_1_17,     /* the newest code read, after 1.13.3; 1.17.1 is the newest release named */
};
#define DIFY_VERSION_NEWEST DIFY_1_17
/* The X-Version header of that release: "1.13.3", "1.17.1". */
const char *dify_version_header(enum dify_version v);
/* "1.13.3" or "1.17" (also "1.17.1") to the enum; -1 when unknown. */
int dify_version_parse(const char *s, enum dify_version *ret);

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
	enum dify_version dify_version; /* --dify-version, default the newest */
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
