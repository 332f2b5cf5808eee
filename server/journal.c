/* journal.c -- a ring of request records. */
#include "journal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "json.h"

struct journal {
	pthread_mutex_t lock;
	struct journal_entry *ring;
	size_t cap, start, n;
	uint64_t total, dropped;
};

struct journal *journal_new(size_t capacity)
{
	struct journal *j = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->lock, NULL);
	j->cap = capacity ? capacity : 1;
	j->ring = xcalloc(j->cap, sizeof *j->ring);
	return j;
}

void journal_entry_done(struct journal_entry *e)
{
	free(e->method);
	free(e->path);
	free(e->headers);
	free(e->body);
	free(e->knowledge_base);
	free(e->scenario);
	memset(e, 0, sizeof *e);
}

static void clear_locked(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		journal_entry_done(&j->ring[(j->start + i) % j->cap]);
	j->start = j->n = 0;
}

void journal_clear(struct journal *j)
{
	pthread_mutex_lock(&j->lock);
	clear_locked(j);
	j->total = j->dropped = 0;
	pthread_mutex_unlock(&j->lock);
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	clear_locked(j);
	free(j->ring);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

void journal_add(struct journal *j, struct journal_entry *e)
{
	pthread_mutex_lock(&j->lock);
	if (j->n == j->cap) { /* full: the oldest goes */
		journal_entry_done(&j->ring[j->start]);
		j->start = (j->start + 1) % j->cap;
		j->n--;
		j->dropped++;
	}
	j->ring[(j->start + j->n) % j->cap] = *e;
	j->n++;
	j->total++;
	pthread_mutex_unlock(&j->lock);
	memset(e, 0, sizeof *e);
}

/* Control bytes in a journal line would break it into two. */
static void put_text(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
}

void journal_put_header(struct buf *b, const char *name, const char *value)
{
	put_text(b, name);
	buf_puts(b, ": ");
	/* Only a known scheme survives: a header "KEY x" must not leave KEY behind. */
	if (!strcasecmp(name, "Authorization")) {
		static const char *const schemes[] = { "Bearer ", "Basic ", "Digest " };
		for (size_t i = 0; value && i < sizeof schemes / sizeof schemes[0]; i++)
			if (!strncasecmp(value, schemes[i], strlen(schemes[i])))
				buf_append(b, value, strlen(schemes[i]));
		buf_puts(b, "[redacted]");
	} else {
		put_text(b, value ? value : "");
	}
	buf_putc(b, '\n');
}

static bool path_matches(const char *filter, const char *path)
{
	size_t n = strlen(filter);
	if (n && filter[n - 1] == '*')
		return !strncmp(filter, path, n - 1);
	return !strcmp(filter, path);
}

static void iso_time(int64_t ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static cJSON *headers_json(const char *lines)
{
	cJSON *o = cJSON_CreateObject();
	for (const char *p = lines; p && *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon) {
			char *name = xstrndup(p, (size_t)(colon - p));
			const char *v = colon + 1 + (colon + 1 < end && colon[1] == ' ');
			char *value = xstrndup(v, (size_t)(end - v));
			cJSON_AddItemToObject(o, name, cJSON_CreateString(value));
			free(name);
			free(value);
		}
		p = nl ? nl + 1 : end;
	}
	return o;
}

static cJSON *entry_json(const struct journal_entry *e, uint64_t seq)
{
	char t[32];
	iso_time(e->time_ms, t);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "seq", json_int((long long)seq));
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddStringToObject(o, "method", e->method);
	cJSON_AddStringToObject(o, "path", e->path);
	cJSON_AddItemToObject(o, "knowledge_base",
			      e->knowledge_base ? cJSON_CreateString(e->knowledge_base) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "headers", headers_json(e->headers));
	cJSON_AddStringToObject(o, "body", e->body ? e->body : "");
	cJSON_AddBoolToObject(o, "body_truncated", e->body_truncated);
	cJSON_AddItemToObject(o, "status", e->status ? json_int(e->status) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "scenario", e->scenario ? cJSON_CreateString(e->scenario) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "scenario_from",
			      e->scenario_from ? cJSON_CreateString(e->scenario_from) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "duration_ms", json_float(e->duration_ms));
	if (e->stream) {
		cJSON *s = cJSON_AddObjectToObject(o, "stream");
		cJSON_AddItemToObject(s, "events", json_int(e->events));
		cJSON_AddItemToObject(s, "pings", json_int(e->pings));
	} else {
		cJSON_AddNullToObject(o, "stream");
	}
	cJSON_AddBoolToObject(o, "hung_up", e->hung_up);
	cJSON_AddItemToObject(o, "hung_up_after_ms",
			      e->hung_up ? json_float(e->hung_up_after_ms) : cJSON_CreateNull());
	return o;
}

char *journal_json(struct journal *j, const char *kb, const char *path, unsigned status, size_t *ret_len)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *list = cJSON_CreateArray();
	pthread_mutex_lock(&j->lock);
	cJSON_AddItemToObject(root, "total", json_int((long long)j->total));
	cJSON_AddItemToObject(root, "dropped", json_int((long long)j->dropped));
	uint64_t first_seq = j->total - j->n + 1;
	for (size_t i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->ring[(j->start + i) % j->cap];
		if (kb && (!e->knowledge_base || strcmp(kb, e->knowledge_base)))
			continue;
		if (path && !path_matches(path, e->path))
			continue;
		if (status && e->status != status)
			continue;
		cJSON_AddItemToArray(list, entry_json(e, first_seq + i));
	}
	pthread_mutex_unlock(&j->lock);
	cJSON_AddItemToObject(root, "requests", list);
	struct buf b = BUF_INIT;
	json_write(&b, root, JSON_ORJSON);
	buf_putc(&b, '\n');
	cJSON_Delete(root);
	return buf_steal(&b, ret_len);
}
