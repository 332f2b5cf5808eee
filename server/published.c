/* published.c -- {batch, dataset, documents} bodies. */
#include "published.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"

void published_batch(int64_t unix_ms, char out[21])
{
	time_t s = (time_t)(unix_ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
	snprintf(out + 14, 7, "%06u", ids_range(100000, 999999));
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

void published_body(const struct fx_kb *kb, const char *batch, const char *datasource_type, const cJSON *items,
		    unsigned first_position, struct buf *out)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "batch", batch);
	cJSON *ds = cJSON_AddObjectToObject(b, "dataset");
	cJSON_AddStringToObject(ds, "id", kb->id);
	cJSON_AddStringToObject(ds, "name", kb->name);
	cJSON_AddStringToObject(ds, "description", kb->description);
	cJSON_AddStringToObject(ds, "chunk_structure", kb->chunk_structure);
	cJSON *docs = cJSON_AddArrayToObject(b, "documents");
	const cJSON *item;
	unsigned pos = first_position;
	cJSON_ArrayForEach(item, items) {
		char id[IDS_UUID_LEN + 1];
		ids_uuid4(id);
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "id", id);
		cJSON_AddItemToObject(d, "position", json_int(pos++));
		cJSON_AddStringToObject(d, "data_source_type", datasource_type);
		cJSON *info = published_source_info(datasource_type, item);
		cJSON_AddItemToObject(d, "data_source_info", info);
		cJSON_AddItemToObject(d, "name", pipeline_document_name(datasource_type, item));
		cJSON_AddStringToObject(d, "indexing_status", "waiting");
		cJSON_AddNullToObject(d, "error");
		cJSON_AddTrueToObject(d, "enabled");
		cJSON_AddItemToArray(docs, d);
	}
	json_write(out, b, JSON_PYDUMPS);
	cJSON_Delete(b);
}
