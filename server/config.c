/* config.c -- getopt_long parsing with an aligned usage table (wrk style). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *cfg)
{
	*cfg = (struct config){
		.fixtures_dir = "./fixtures",
		.host = "127.0.0.1",
		.port = 5001,
		.time_scale = 1.0,
		.ping_interval = 10.0,
		.log_format = LOG_FORMAT_TEXT,
		.threads = 2,
		.max_connections = 20000,
		/* Dify's nginx: NGINX_CLIENT_MAX_BODY_SIZE=100M. A 15 MiB upload (Dify's
		 * file limit) plus its multipart framing must get through. */
		.max_body = 100u * 1024 * 1024,
		.journal_size = 1000,
		.max_header = 6144,
		.idle_timeout = 60,
		.request_timeout = 60,
		.dify_version = DIFY_VERSION_NEWEST,
	};
}

const char *dify_version_header(enum dify_version v)
{
	return v == DIFY_1_13_3 ? "1.13.3" : "1.17.1";
}

int dify_version_parse(const char *s, enum dify_version *ret)
{
	if (!strcmp(s, "1.13.3")) {
		*ret = DIFY_1_13_3;
		return 0;
	}
	if (!strcmp(s, "1.17") || !strcmp(s, "1.17.1")) {
		*ret = DIFY_1_17;
		return 0;
	}
	return -1;
}

void config_usage(FILE *out)
{
	fputs("Usage: dify-mock [options]\n"
	      "Serves Dify's Knowledge Pipeline API from fixture files, offline.\n"
	      "\n"
	      "  -f, --fixtures <DIR>        Fixture directory (default ./fixtures)\n"
	      "  -H, --host <ADDR>           Listen address (default 127.0.0.1)\n"
	      "  -p, --port <N>              Listen port (default 5001; 0 picks a free port)\n"
	      "      --port-file <PATH>      Write the bound port there once serving\n"
	      "      --check                 Validate the fixtures, print every problem, exit\n"
	      "      --seed <N>              Make ids, batch numbers and other random values reproducible\n"
	      "      --time-scale <F>        Multiply simulated durations by F before waiting\n"
	      "                              (default 1; 0 = no waiting; reported times stay simulated)\n"
	      "      --ping-interval <SEC>   SSE ping period, wall clock (default 10)\n"
	      "      --log-format <FMT>      text or json (default text)\n"
	      "      --threads <N>           Worker threads (default 2)\n"
	      "      --max-connections <N>   Concurrent connections (default 20000)\n"
	      "      --max-body-bytes <N>    Largest request body (default 104857600)\n"
	      "      --max-header-bytes <N>  Largest request line + headers (default 6144)\n"
	      "      --idle-timeout <SEC>    Close connections idle this long (default 60)\n"
	      "      --request-timeout <SEC> Close requests whose body takes longer (default 60)\n"
	      "      --journal-size <N>      Requests kept for GET /_mock/requests (default 1000)\n"
	      "      --upload-blacklist <L>  Refused upload extensions, e.g. exe,bat (default none)\n"
	      "      --dify-version <V>      Dify release to behave as: 1.13.3 or 1.17 (default 1.17)\n"
	      "      --list-faults           Print the catalogue of scenario faults and exit\n"
	      "  -v, --verbose               More logging (repeatable)\n"
	      "  -h, --help                  Show this help\n"
	      "  -V, --version               Show the version\n",
	      out);
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*ret = v;
	return 0;
}

static int parse_double(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !*s || *end || !isfinite(v) || v < 0)
		return -1;
	*ret = v;
	return 0;
}

enum {
	OPT_PORT_FILE = 256,
	OPT_CHECK,
	OPT_SEED,
	OPT_TIME_SCALE,
	OPT_PING_INTERVAL,
	OPT_LOG_FORMAT,
	OPT_THREADS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_BODY,
	OPT_JOURNAL_SIZE,
	OPT_MAX_HEADER,
	OPT_IDLE_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_LIST_FAULTS,
	OPT_UPLOAD_BLACKLIST,
	OPT_DIFY_VERSION,
};

static const struct option longopts[] = {
	{ "fixtures", required_argument, NULL, 'f' },
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "time-scale", required_argument, NULL, OPT_TIME_SCALE },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "max-body-bytes", required_argument, NULL, OPT_MAX_BODY },
	{ "journal-size", required_argument, NULL, OPT_JOURNAL_SIZE },
	{ "max-header-bytes", required_argument, NULL, OPT_MAX_HEADER },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
	{ "list-faults", no_argument, NULL, OPT_LIST_FAULTS },
	{ "upload-blacklist", required_argument, NULL, OPT_UPLOAD_BLACKLIST },
	{ "dify-version", required_argument, NULL, OPT_DIFY_VERSION },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static enum config_result bad(FILE *err, const char *msg, const char *arg)
{
	fprintf(err, "dify-mock: %s: '%s'\n", msg, arg);
	fputs("Try 'dify-mock --help' for more information.\n", err);
	return CONFIG_USAGE;
}

enum config_result config_parse_args(struct config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
	unsigned long ul;
	int c;
	optind = 0; /* glibc: 0 also resets the position inside a "-hv" cluster left by an earlier call */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:H:p:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			cfg->fixtures_dir = optarg;
			break;
		case 'H':
			if (!*optarg)
				return bad(err, "empty host", optarg);
			cfg->host = optarg;
			break;
		case 'p':
			if (parse_ulong(optarg, 65535, &ul))
				return bad(err, "port must be a number from 0 to 65535", optarg);
			cfg->port = (unsigned)ul;
			break;
		case OPT_PORT_FILE:
			cfg->port_file = optarg;
			break;
		case OPT_CHECK:
			cfg->check_only = true;
			break;
		case OPT_SEED:
			if (parse_ulong(optarg, ULONG_MAX, &ul))
				return bad(err, "seed must be a non-negative integer", optarg);
			cfg->seeded = true;
			cfg->seed = ul;
			break;
		case OPT_TIME_SCALE:
			if (parse_double(optarg, &cfg->time_scale) || cfg->time_scale > 1000)
				return bad(err, "time scale must be a number from 0 to 1000", optarg);
			break;
		case OPT_PING_INTERVAL:
			if (parse_double(optarg, &cfg->ping_interval) || cfg->ping_interval < 0.01 ||
			    cfg->ping_interval > 86400)
				return bad(err, "ping interval must be from 0.01 to 86400 seconds", optarg);
			break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "text"))
				cfg->log_format = LOG_FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				cfg->log_format = LOG_FORMAT_JSON;
			else
				return bad(err, "log format must be text or json", optarg);
			break;
		case OPT_THREADS:
			if (parse_ulong(optarg, 64, &ul) || ul == 0)
				return bad(err, "threads must be from 1 to 64", optarg);
			cfg->threads = (unsigned)ul;
			break;
		case OPT_MAX_CONNECTIONS:
			if (parse_ulong(optarg, 1000000, &ul) || ul == 0)
				return bad(err, "max connections must be from 1 to 1000000", optarg);
			cfg->max_connections = (unsigned)ul;
			break;
		case OPT_MAX_BODY:
			if (parse_ulong(optarg, 1ul << 30, &ul) || ul == 0)
				return bad(err, "max body bytes must be from 1 to 1073741824", optarg);
			cfg->max_body = ul;
			break;
		case OPT_JOURNAL_SIZE:
			if (parse_ulong(optarg, 1000000, &ul) || ul == 0)
				return bad(err, "journal size must be from 1 to 1000000", optarg);
			cfg->journal_size = ul;
			break;
		case OPT_MAX_HEADER:
			if (parse_ulong(optarg, 1 << 20, &ul) || ul < 1024)
				return bad(err, "max header bytes must be from 1024 to 1048576", optarg);
			cfg->max_header = ul;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_ulong(optarg, 86400, &ul) || ul == 0)
				return bad(err, "idle timeout must be from 1 to 86400 seconds", optarg);
			cfg->idle_timeout = (unsigned)ul;
			break;
		case OPT_REQUEST_TIMEOUT:
			if (parse_ulong(optarg, 86400, &ul) || ul == 0)
				return bad(err, "request timeout must be from 1 to 86400 seconds", optarg);
			cfg->request_timeout = (unsigned)ul;
			break;
		case OPT_UPLOAD_BLACKLIST:
			cfg->upload_blacklist = optarg;
			break;
		case OPT_DIFY_VERSION:
			if (dify_version_parse(optarg, &cfg->dify_version))
				return bad(err, "Dify version must be 1.13.3 or 1.17", optarg);
			break;
		case OPT_LIST_FAULTS:
			cfg->list_faults = true;
			break;
		case 'v':
			cfg->verbosity++;
			break;
		case 'h':
			config_usage(out);
			return CONFIG_EXIT;
		case 'V':
			fprintf(out, "dify-mock %s\n", DM_VERSION);
			return CONFIG_EXIT;
		case ':':
			return bad(err, "option needs a value", argv[optind - 1]);
		default:
			return bad(err, "unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad(err, "unexpected argument", argv[optind]);
	return CONFIG_OK;
}
