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

static void put_str(struct buf *out, const char *s)
{
	json_write_string(out, s, strlen(s), JSON_PYDUMPS);
}

/* `, "key": "value"` (sep_key is `, "key": `, keys being plain ASCII), as
 * cJSON_AddStringToObject then json.dumps would write it: a NULL value adds
 * no member at all. */
static void member_str(struct buf *out, const char *sep_key, const char *v)
{
	if (!v)
		return;
	buf_puts(out, sep_key);
	put_str(out, v);
}

/* The document's name as JSON: name is pipeline_document_name_value's
 * answer, NULL meaning "untitled". */
static void put_name(struct buf *out, const cJSON *name, enum json_style style)
{
	if (name)
		json_write(out, name, style);
	else
		buf_puts(out, "\"untitled\"");
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
	member_str(out, ", \"name\": ", kb->name);
	member_str(out, ", \"description\": ", kb->description);
	member_str(out, ", \"chunk_structure\": ", kb->chunk_structure);
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
		member_str(out, ", \"data_source_type\": ", datasource_type);
		buf_puts(out, ", \"data_source_info\": ");
		json_write(out, item, JSON_PYDUMPS);
		buf_puts(out, ", \"name\": ");
		put_name(out, pipeline_document_name_value(datasource_type, item), JSON_PYDUMPS);
		buf_puts(out, ", \"indexing_status\": \"waiting\", \"error\": null, \"enabled\": true}");
	}
	buf_puts(out, "]}");
}

/* ---- the documents' background runs ---- */

static bool strict_files(const struct fx_kb *kb)
{
	return cJSON_IsTrue(json_get(kb->raw, "strict_file_references"));
}

static uint64_t scaled(uint64_t ms, double scale)
{
	return (uint64_t)((double)ms * scale + 0.5);
}

/* A background run as its documents need it: the shared plan (NULL when the
 * start node is not in the graph) and the run's id, which templates may
 * echo. Drawn at the first document that uses it, as the run used to be. */
struct background {
	bool drawn;
	const struct fx_workflow *wf;
	const struct run_plan *plan;
	char id[IDS_UUID_LEN + 1];
};

static void record(const struct published_run *p, const struct background *bg, const cJSON *item, size_t i,
		   struct buf *text)
{
	const struct fx_kb *kb = p->kb;
	const cJSON *name = pipeline_document_name_value(p->datasource_type, item);
	/* name_json, then source_info_json, one after the other in text. */
	buf_reset(text);
	put_name(text, name, JSON_UJSON);
	size_t info_at = text->len + 1;
	buf_putc(text, '\0');
	if (strcmp(p->datasource_type, "website_crawl"))
		buf_puts(text, "{}");
	else
		json_write(text, item, JSON_UJSON);
	struct doc_new dn = {
		.id = p->ids[i],
		.kb_id = kb->id,
		.batch = p->batch,
		.position = p->first_position + (unsigned)i,
		.datasource_type = p->datasource_type,
		.name_json = text->data,
		.source_info_json = text->data + info_at,
		.created_by = kb->workspace->owner.id ? kb->workspace->owner.id : "",
		.doc_form = kb->chunk_structure,
		.created_ms = p->created_ms,
		.outcome = DOC_STAYS_WAITING,
	};
	const struct run_plan *plan = bg->plan;
	if (!plan) {
		/* the task fails before the graph runs: nothing marks the document */
	} else if (plan->status == RUN_FAILED) {
		dn.outcome = DOC_FAILS;
		dn.end_ms = plan->total_ms;
		dn.error = plan->error;
	} else if (plan->index_step < plan->n_steps && plan->steps[plan->index_step].status == STEP_SUCCEEDED) {
		const struct run_step *s = &plan->steps[plan->index_step];
		const struct fx_node *nd = s->node;
		dn.outcome = DOC_COMPLETES;
		dn.index_start_ms = s->start_ms;
		dn.end_ms = s->start_ms + nd->duration_ms;
		dn.latency_s = (double)nd->duration_ms / 1000.0;
		static const cJSON no_inputs = { .type = cJSON_Object }; /* {}, as a run without inputs has */
		struct template_ctx c = {
			.item = item,
			.inputs = p->inputs ? p->inputs : &no_inputs,
			.datasource_type = p->datasource_type,
			.document_name = pipeline_document_name_text(name),
			.dataset_id = kb->id,
			.dataset_name = kb->name,
			.workflow_run_id = bg->id,
			.node_id = nd->id,
			.node_title = nd->title,
		};
		/* Read off the template, not rendered (template.c says why), and
		 * not cached: templates may echo any member of the item, the
		 * inputs or the run id, not only the name, and names rarely
		 * repeat. */
		template_index_counts(nd->outputs, &c, &dn.segments, &dn.word_count);
	}
	dn.index_start_due_ms = scaled(dn.index_start_ms, p->time_scale);
	dn.end_due_ms = scaled(dn.end_ms, p->time_scale);
	documents_add(p->docs, &dn);
}

void published_record(const struct published_run *p)
{
	bool strict = !strcmp(p->datasource_type, "local_file") && strict_files(p->kb);
	struct background run = { .wf = p->wf }, missing = { .wf = NULL };
	struct buf text = BUF_INIT;
	const cJSON *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, p->items) {
		struct background *bg = &run;
		if (strict && !upload_item_resolves(p->docs, p->kb->workspace->id, item)) {
			bg = &missing;
			if (!bg->wf)
				bg->wf = documents_file_missing_workflow(p->docs, p->fx, p->wf);
		}
		if (!bg->drawn) {
			pipeline_draw_run_id(bg->id);
			bg->plan = pipeline_plan(bg->wf, p->start_node_id);
			bg->drawn = true;
		}
		record(p, bg, item, i++, &text);
	}
	buf_free(&text);
}
