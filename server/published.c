/* published.c -- {batch, dataset, documents} bodies. */
#include "published.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "pipeline.h"
#include "template.h"
#include "upload.h"

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

cJSON *published_source_info(const char *datasource_type, const cJSON *item)
{
	if (strcmp(datasource_type, "online_drive"))
		return json_dup(item);
	cJSON *o = cJSON_CreateObject();
	const cJSON *id = json_get(item, "id"), *bucket = json_get(item, "bucket");
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
		    unsigned first_position, char (*ids)[IDS_UUID_LEN + 1], struct buf *out)
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
	size_t i = 0;
	cJSON_ArrayForEach(item, items) {
		char id[IDS_UUID_LEN + 1];
		ids_uuid4(id);
		if (ids)
			memcpy(ids[i++], id, sizeof id);
		if (!first)
			buf_puts(out, ", ");
		first = false;
		buf_puts(out, "{\"id\": \"");
		buf_append(out, id, IDS_UUID_LEN);
		char num[16];
		int nlen = 0;
		for (unsigned v = pos++; nlen == 0 || v; v /= 10) /* "%u", without printf */
			num[sizeof num - 1 - nlen++] = (char)('0' + v % 10);
		buf_puts(out, "\", \"position\": ");
		buf_append(out, num + sizeof num - nlen, (size_t)nlen);
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

/* ---- the documents' background runs ---- */

static bool strict_files(const struct fx_kb *kb)
{
	return cJSON_IsTrue(json_get(kb->raw, "strict_file_references"));
}

static struct run *plan(const struct published_run *p, const struct fx_workflow *wf, const cJSON *item)
{
	struct run_params rp = {
		.kb = p->kb,
		.wf = wf,
		.start_node_id = p->start_node_id,
		.datasource_type = p->datasource_type,
		.item = item,
		.inputs = p->inputs ? json_dup(p->inputs) : NULL,
		.created_at_ms = p->created_ms,
	};
	return pipeline_run_new(&rp);
}

static uint64_t scaled(uint64_t ms, double scale)
{
	return (uint64_t)((double)ms * scale + 0.5);
}

/* Characters (code points) of a UTF-8 string. */
static unsigned long chars(const char *s)
{
	unsigned long n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* total_segments and the characters of the preview chunks, from the
 * knowledge-index node's outputs as this document's run renders them. */
static void segments(const struct published_run *p, const struct run *r, const struct run_step *s,
		     const cJSON *item, const char *name, struct doc_new *dn)
{
	const struct fx_node *nd = s->node;
	struct template_ctx c = {
		.item = item,
		.inputs = r->inputs,
		.datasource_type = p->datasource_type,
		.document_name = name,
		.dataset_id = p->kb->id,
		.dataset_name = p->kb->name,
		.workflow_run_id = r->id,
		.node_id = nd->id,
		.node_title = nd->title,
	};
	cJSON *out = template_render(nd->outputs, &c);
	const cJSON *total = json_get(out, "total_segments"), *preview = json_get(out, "preview"), *e;
	if (cJSON_IsNumber(total) && total->valuedouble >= 0)
		dn->segments = total->valuedouble > 4294967295.0 ? 4294967295u : (unsigned)total->valuedouble;
	cJSON_ArrayForEach(e, preview) {
		const cJSON *content = json_get(e, "content");
		if (cJSON_IsString(content))
			dn->word_count += chars(content->valuestring);
	}
	cJSON_Delete(out);
}

static void record(const struct published_run *p, const struct run *r, const cJSON *item, size_t i)
{
	const struct fx_kb *kb = p->kb;
	cJSON *stored = published_source_info(p->datasource_type, item);
	cJSON *name = pipeline_document_name(p->datasource_type, item);
	char *name_json = json_print(name, JSON_UJSON, NULL);
	char *info_json = strcmp(p->datasource_type, "website_crawl") ? xstrdup("{}") : json_print(stored, JSON_UJSON, NULL);
	struct doc_new dn = {
		.id = p->ids[i],
		.kb_id = kb->id,
		.batch = p->batch,
		.position = p->first_position + (unsigned)i,
		.datasource_type = p->datasource_type,
		.name_json = name_json,
		.source_info_json = info_json,
		.created_by = kb->workspace->owner.id ? kb->workspace->owner.id : "",
		.doc_form = kb->chunk_structure,
		.created_ms = p->created_ms,
		.outcome = DOC_STAYS_WAITING,
	};
	if (r->setup_error) {
		/* the task fails before the graph runs: nothing marks the document */
	} else if (r->status == RUN_FAILED) {
		dn.outcome = DOC_FAILS;
		dn.end_ms = r->total_ms;
		dn.error = r->error;
	} else {
		for (size_t k = r->n_steps; k-- > 0;) {
			const struct run_step *s = &r->steps[k];
			if (strcmp(s->node->type, "knowledge-index"))
				continue;
			if (s->status == STEP_SUCCEEDED) {
				dn.outcome = DOC_COMPLETES;
				dn.index_start_ms = s->start_ms;
				dn.end_ms = s->start_ms + s->node->duration_ms;
				dn.latency_s = (double)s->node->duration_ms / 1000.0;
				segments(p, r, s, stored, cJSON_IsString(name) ? name->valuestring : "", &dn);
			}
			break;
		}
	}
	dn.index_start_due_ms = scaled(dn.index_start_ms, p->time_scale);
	dn.end_due_ms = scaled(dn.end_ms, p->time_scale);
	documents_add(p->docs, &dn);
	free(name_json);
	free(info_json);
	cJSON_Delete(name);
	cJSON_Delete(stored);
}

void published_record(const struct published_run *p)
{
	bool strict = strict_files(p->kb) && !strcmp(p->datasource_type, "local_file");
	struct run *run = NULL, *missing = NULL;
	const cJSON *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, p->items) {
		struct run **r = &run;
		const struct fx_workflow *wf = p->wf;
		if (strict && !upload_item_resolves(p->docs, p->kb->workspace->id, item)) {
			r = &missing;
			wf = documents_file_missing_workflow(p->docs, p->fx, p->wf);
		}
		if (!*r) {
			cJSON *stored = published_source_info(p->datasource_type, item);
			*r = plan(p, wf, stored);
			cJSON_Delete(stored);
		}
		record(p, *r, item, i++);
	}
	run_free(run);
	run_free(missing);
}
