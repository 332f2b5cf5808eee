/* main.c -- dify-mock: options, fixtures, the server, signals, exit codes.
 * The only place that calls exit: 0 after SIGINT/SIGTERM, 2 for bad usage or
 * bad fixtures, 1 for runtime failures. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "documents.h"
#include "faults.h"
#include "fixtures.h"
#include "http.h"
#include "ids.h"
#include "journal.h"
#include "log.h"
#include "scenario.h"
#include "upload.h"

static int load_fixtures(const char *dir, struct fixtures **ret)
{
	struct fx_problems problems = { 0 };
	if (fixtures_load(dir, ret, &problems)) {
		for (size_t i = 0; i < problems.n; i++)
			fprintf(stderr, "%s\n", problems.lines[i]);
		fprintf(stderr, "dify-mock: %zu problem%s in fixtures '%s'\n", problems.n, problems.n == 1 ? "" : "s",
			dir);
		fx_problems_free(&problems);
		return -1;
	}
	return 0;
}

/* Loads the fixture directory anew; on success swaps it in. Problems go to
 * the log (and to errors when given). The old set keeps serving on failure. */
struct reloader {
	const char *dir;
	struct fixtures_slot *slot;
};

static int reload(void *cls, struct buf *errors)
{
	struct reloader *rl = cls;
	struct fx_problems problems = { 0 };
	struct fixtures *fx;
	if (fixtures_load(rl->dir, &fx, &problems)) {
		for (size_t i = 0; i < problems.n; i++) {
			log_msg(LOG_ERROR, "reload: %s", problems.lines[i]);
			if (errors)
				buf_printf(errors, "%s\n", problems.lines[i]);
		}
		log_msg(LOG_ERROR, "reload refused: %zu problem%s; the previous fixtures keep serving", problems.n,
			problems.n == 1 ? "" : "s");
		fx_problems_free(&problems);
		return -1;
	}
	size_t n = fixtures_kb_count(fx);
	fixtures_slot_swap(rl->slot, fx);
	log_msg(LOG_INFO, "reloaded fixtures '%s': %zu knowledge base%s", rl->dir, n, n == 1 ? "" : "s");
	return 0;
}

/* "exe, .BAT" -> {"exe", "bat", NULL}: lower case, without dots or spaces. */
static char **parse_blacklist(const char *list)
{
	size_t n = 0, cap = 4;
	char **v = xcalloc(cap + 1, sizeof *v);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " ,.");
		size_t len = strcspn(p, ",");
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			if (n == cap)
				v = xrealloc(v, ((cap *= 2) + 1) * sizeof *v);
			v[n] = xstrndup(p, len);
			for (char *c = v[n]; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			v[++n] = NULL;
		}
		p += strcspn(p, ",");
	}
	return v;
}

static int write_port_file(const char *path, unsigned port)
{
	/* Write then rename, so a watcher never reads a half-written file. */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool is_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") || !strcmp(host, "::1") ||
	       !strncmp(host, "127.", 4);
}

int main(int argc, char **argv)
{
	struct config cfg;
	config_defaults(&cfg);
	switch (config_parse_args(&cfg, argc, argv, stdout, stderr)) {
	case CONFIG_EXIT:
		return 0;
	case CONFIG_USAGE:
		return 2;
	case CONFIG_OK:
		break;
	}
	if (cfg.list_faults) {
		faults_print(stdout);
		return 0;
	}
	log_init(cfg.log_format, cfg.verbosity);
	if (cfg.seeded)
		ids_seed(cfg.seed);

	struct fixtures *fx;
	if (load_fixtures(cfg.fixtures_dir, &fx))
		return 2;
	if (cfg.check_only) {
		printf("fixtures '%s' are valid: %zu knowledge base%s\n", cfg.fixtures_dir, fixtures_kb_count(fx),
		       fixtures_kb_count(fx) == 1 ? "" : "s");
		fixtures_free(fx);
		return 0;
	}

	/* Signals are taken synchronously with sigwait on this thread; every
	 * other thread (libmicrohttpd's, the timer) inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct documents *docs = documents_new();
	struct fixtures_slot *slot = fixtures_slot_new(fx);
	struct scenarios *scenarios = scenarios_new();
	struct journal *journal = journal_new(cfg.journal_size);
	struct reloader rl = { cfg.fixtures_dir, slot };
	char **blacklist = parse_blacklist(cfg.upload_blacklist);
	struct upload_limits limits = upload_default_limits;
	limits.blacklist = (const char *const *)blacklist;
	struct api_ctx ctx = {
		.slot = slot,
		.docs = docs,
		.scenarios = scenarios,
		.journal = journal,
		.reload = reload,
		.reload_cls = &rl,
		.time_scale = &cfg.time_scale,
		.upload_limits = &limits,
		.dify_version = cfg.dify_version,
	};
	struct http_options hopt = {
		.host = cfg.host,
		.port = cfg.port,
		.threads = cfg.threads,
		.max_connections = cfg.max_connections,
		.max_body = cfg.max_body,
		.max_header = cfg.max_header,
		.idle_timeout = cfg.idle_timeout,
		.request_timeout = cfg.request_timeout,
		.time_scale = cfg.time_scale,
		.ping_interval = cfg.ping_interval,
	};
	struct http_server *srv;
	char err[256];
	int rc = 0;
	if (http_start(&hopt, &ctx, &srv, err, sizeof err)) {
		fprintf(stderr, "dify-mock: %s\n", err);
		rc = 1;
		goto out;
	}
	unsigned port = http_port(srv);
	if (!is_loopback(cfg.host))
		log_msg(LOG_WARN, "listening on '%s', reachable from other machines: the mock has no real security",
			cfg.host);
	if (cfg.port_file && write_port_file(cfg.port_file, port)) {
		fprintf(stderr, "dify-mock: cannot write port file '%s': %s\n", cfg.port_file, strerror(errno));
		http_stop(srv);
		rc = 1;
		goto out;
	}
	const char *shown = strchr(cfg.host, ':') ? "[%s]" : "%s";
	char hostbuf[300];
	snprintf(hostbuf, sizeof hostbuf, shown, cfg.host);
	printf("dify-mock listening on http://%s:%u\n", hostbuf, port);
	fflush(stdout);

	int sig = 0;
	for (;;) {
		sigwait(&sigs, &sig);
		if (sig != SIGHUP)
			break;
		reload(&rl, NULL);
	}
	log_msg(LOG_INFO, "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_stop(srv);
out:
	for (char **b = blacklist; *b; b++)
		free(*b);
	free(blacklist);
	journal_free(journal);
	scenarios_free(scenarios);
	fixtures_slot_free(slot);
	documents_free(docs);
	return rc;
}
