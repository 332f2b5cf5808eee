/* route.c -- the rule table and a segment-by-segment matcher. */
#include "route.h"

#include <ctype.h>
#include <string.h>

struct rule {
	enum route_id id;
	const char *pattern;  /* segments; "{uuid}", "{uuidp}" (a second uuid, into param) and "{str}" are converters */
	const char *methods;  /* space-separated, without OPTIONS */
	const char *allow;
};

static const struct rule rules[] = {
	{ ROUTE_PIPELINE_RUN, "/v1/datasets/{uuid}/pipeline/run", "POST", "POST, OPTIONS" },
	{ ROUTE_FILE_UPLOAD, "/v1/datasets/pipeline/file-upload", "POST", "POST, OPTIONS" },
	{ ROUTE_DATASOURCE_PLUGINS, "/v1/datasets/{uuid}/pipeline/datasource-plugins", "GET HEAD", "GET, HEAD, OPTIONS" },
	{ ROUTE_NODE_RUN, "/v1/datasets/{uuid}/pipeline/datasource/nodes/{str}/run", "POST", "POST, OPTIONS" },
	{ ROUTE_INDEXING_STATUS, "/v1/datasets/{uuid}/documents/{str}/indexing-status", "GET HEAD", "GET, HEAD, OPTIONS" },
	{ ROUTE_DOCUMENT, "/v1/datasets/{uuid}/documents/{uuidp}", "GET HEAD", "GET, HEAD, OPTIONS" },
	{ ROUTE_MOCK_HEALTH, "/_mock/health", "GET HEAD", "GET, HEAD, OPTIONS" },
	{ ROUTE_MOCK_REQUESTS, "/_mock/requests", "GET HEAD DELETE", "DELETE, GET, HEAD, OPTIONS" },
	{ ROUTE_MOCK_RESET, "/_mock/reset", "POST", "POST, OPTIONS" },
	{ ROUTE_MOCK_RELOAD, "/_mock/reload", "POST", "POST, OPTIONS" },
	{ ROUTE_MOCK_SCENARIOS, "/_mock/scenarios", "GET HEAD POST DELETE", "DELETE, GET, HEAD, OPTIONS, POST" },
};

/* Matches one rule; fills dataset_id/param on success. */
static bool match_rule(const struct rule *r, const char *path, struct route_match *m)
{
	const char *p = r->pattern, *s = path;
	while (*p) {
		if (*p != '/' || *s != '/')
			return false;
		p++, s++;
		const char *pe = strchrnul(p, '/'), *se = strchrnul(s, '/');
		size_t plen = (size_t)(pe - p), slen = (size_t)(se - s);
		if (plen == 6 && !memcmp(p, "{uuid}", 6)) {
			if (!ids_is_uuid(s, slen))
				return false;
			for (size_t i = 0; i < slen; i++)
				m->dataset_id[i] = (char)tolower((unsigned char)s[i]);
			m->dataset_id[slen] = '\0';
		} else if (plen == 7 && !memcmp(p, "{uuidp}", 7)) {
			if (!ids_is_uuid(s, slen))
				return false;
			m->param = s;
			m->param_len = slen;
		} else if (plen == 5 && !memcmp(p, "{str}", 5)) {
			if (!slen)
				return false;
			m->param = s;
			m->param_len = slen;
		} else if (plen != slen || memcmp(p, s, plen)) {
			return false;
		}
		p = pe, s = se;
	}
	return *s == '\0';
}

static bool method_in(const char *method, const char *list)
{
	size_t n = strlen(method);
	for (const char *t = list; *t;) {
		const char *e = strchrnul(t, ' ');
		if ((size_t)(e - t) == n && !memcmp(t, method, n))
			return true;
		t = *e ? e + 1 : e;
	}
	return false;
}

void route_match(const char *method, const char *path, struct route_match *ret)
{
	struct route_match m = { .outcome = ROUTE_NOT_FOUND };
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		m.dataset_id[0] = '\0'; /* what a rule that failed half-way wrote */
		m.param = NULL;
		m.param_len = 0;
		if (!match_rule(&rules[i], path, &m))
			continue;
		m.id = rules[i].id;
		m.allow = rules[i].allow;
		if (!strcmp(method, "OPTIONS"))
			m.outcome = ROUTE_PREFLIGHT;
		else if (method_in(method, rules[i].methods))
			m.outcome = ROUTE_MATCHED;
		else
			m.outcome = ROUTE_METHOD_NOT_ALLOWED;
		break;
	}
	*ret = m;
}
