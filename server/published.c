/* published.c -- {batch, dataset, documents} bodies. */
#include "published.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"

/* The 14 date digits change once a second: each thread keeps the last ones
 * (gmtime_r and strftime were a tenth of a published run's own work). */
void published_batch(int64_t unix_ms, char out[21])
{
	static _Thread_local int64_t last_s = INT64_MIN;
	static _Thread_local char last[15];
	int64_t sec = unix_ms / 1000;
	if (sec != last_s) {
		time_t t = (time_t)sec;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(last, sizeof last, "%Y%m%d%H%M%S", &tm);
		last_s = sec;
	}
	memcpy(out, last, 14);
	unsigned r = ids_range(100000, 999999);
	for (int i = 19; i >= 14; i--, r /= 10)
		out[i] = (char)('0' + r % 10);
	out[20] = '\0';
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	const cJSON *found = NULL, *e;
	cJSON_ArrayForEach(e, obj)
		if (e->string && !strcmp(e->string, key))
			found = e;
	return found;
}

cJSON *published_source_info(const char *datasource_type, const cJSON *item)
{
	if (strcmp(datasource_type, "online_drive"))
		return json_dup(item);
	cJSON *o = cJSON_CreateObject();
	const cJSON *id = get(item, "id"), *bucket = get(item, "bucket");
	cJSON_AddItemToObject(o, "id", id ? json_dup(id) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "name", pipeline_document_name(datasource_type, item));
	cJSON_AddItemToObject(o, "bucket", bucket ? json_dup(bucket) : cJSON_CreateNull());
	return o;
}

static void put_str(struct buf *out, const char *s)
{
	json_write_string(out, s, strlen(s), JSON_PYDUMPS);
}

/* `"key": "value"` after a first member, as cJSON_AddStringToObject then
 * json.dumps would write it: a NULL value adds no member at all. */
static void member_str(struct buf *out, const char *key, const char *v)
{
	if (!v)
		return;
	buf_puts(out, ", ");
	put_str(out, key);
	buf_puts(out, ": ");
	put_str(out, v);
}

/* The body is written straight out rather than built as a cJSON tree and
 * then serialized: the tree's 25 allocations, their frees and the walk were
 * half of a published run's user time. The bytes are json.dumps' (", " and
 * ": " separators, non-ASCII escaped), in Dify's key order. */
void published_body(const struct fx_kb *kb, const char *batch, const char *datasource_type, const cJSON *items,
		    unsigned first_position, struct buf *out)
{
	buf_reserve(out, 512);
	buf_puts(out, "{\"batch\": ");
	put_str(out, batch);
	buf_puts(out, ", \"dataset\": {\"id\": ");
	put_str(out, kb->id);
	member_str(out, "name", kb->name);
	member_str(out, "description", kb->description);
	member_str(out, "chunk_structure", kb->chunk_structure);
	buf_puts(out, "}, \"documents\": [");
	const cJSON *item;
	unsigned pos = first_position;
	bool first = true;
	cJSON_ArrayForEach(item, items) {
		char id[IDS_UUID_LEN + 1];
		ids_uuid4(id);
		if (!first)
			buf_puts(out, ", ");
		first = false;
		buf_puts(out, "{\"id\": \"");
		buf_append(out, id, IDS_UUID_LEN);
		buf_printf(out, "\", \"position\": %u", pos++);
		member_str(out, "data_source_type", datasource_type);
		buf_puts(out, ", \"data_source_info\": ");
		if (strcmp(datasource_type, "online_drive")) {
			json_write(out, item, JSON_PYDUMPS);
		} else {
			cJSON *info = published_source_info(datasource_type, item);
			json_write(out, info, JSON_PYDUMPS);
			cJSON_Delete(info);
		}
		buf_puts(out, ", \"name\": ");
		cJSON *name = pipeline_document_name(datasource_type, item);
		json_write(out, name, JSON_PYDUMPS);
		cJSON_Delete(name);
		buf_puts(out, ", \"indexing_status\": \"waiting\", \"error\": null, \"enabled\": true}");
	}
	buf_puts(out, "]}");
}
