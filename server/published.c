/* published.c -- {batch, dataset, documents} bodies. */
#include "published.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "node_chunks.h"
#include "node_defaults.h"
#include "pipeline.h"
#include "pool.h"
#include "template.h"

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

static uint64_t scaled(uint64_t ms, double scale)
{
	return (uint64_t)((double)ms * scale + 0.5);
}

/* The knowledge-index step's segments and characters: read off the
 * fixture's template when it has one (template.c says why, and why not
 * cached), else from the chunks the pool holds. */
static void index_counts(struct pool *pl, const struct run_plan *plan, const struct run_values *v, struct doc_new *dn)
{
	const struct run_step *s = &plan->steps[plan->index_step];
	const struct fx_node *nd = s->node;
	if (nd->outputs && !template_reads_pool(nd->outputs)) {
		static const cJSON no_inputs = { .type = cJSON_Object }; /* {}, as a run without inputs has */
		struct template_ctx c = {
			.item = v->item,
			.inputs = v->inputs ? v->inputs : &no_inputs,
			.datasource_type = v->datasource_type,
			.document_name = v->document_name,
			.dataset_id = v->kb->id,
			.dataset_name = v->kb->name,
			.workflow_run_id = v->workflow_run_id,
			.node_id = nd->id,
			.node_title = nd->title,
		};
		template_index_counts(nd->outputs, &c, &dn->segments, &dn->word_count);
		return;
	}
	pool_view_plan(pl, plan);
	size_t i = (size_t)(nd - v->wf->nodes);
	if (nd->outputs) { /* a template that reads other nodes: rendered */
		cJSON *o = pool_render(pl, i, nd->outputs);
		node_chunks_count(o, &dn->segments, &dn->word_count);
		cJSON_Delete(o);
	} else {
		node_defaults_index_counts(pl, i, &dn->segments, &dn->word_count);
	}
}

/* One document and the outcome of its background run: each item runs on
 * its own, as its branches may differ (a file's extension, say). */
static void record(const struct published_run *p, const char *run_id, const cJSON *item, size_t i, struct buf *text)
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
	char *setup_error;
	long start = pipeline_start_node(p->wf, p->start_node_id, &setup_error);
	free(setup_error); /* the task fails before the graph runs: nothing marks the document */
	static const cJSON no_inputs = { .type = cJSON_Object };
	struct run_values v = {
		.kb = kb,
		.wf = p->wf,
		.start = start < 0 ? 0 : (size_t)start,
		.item = item,
		.inputs = p->inputs ? p->inputs : &no_inputs,
		.datasource_type = p->datasource_type,
		.ds_kind = fx_ds_kind_of(p->datasource_type),
		.document_name = pipeline_document_name_text(name),
		.workflow_run_id = run_id,
		.created_at_ms = p->created_ms,
		.published = true,
		.batch = p->batch,
		.document_id = p->ids[i],
		.docs = p->docs,
		.empty_cases_true = p->dify_1_13,
	};
	struct pool *pl = start < 0 ? NULL : pool_new(&v);
	struct run_plan *owned = NULL;
	const struct run_plan *plan = NULL;
	if (pl) {
		struct plan_oracle o = { pl, pool_decide, !p->dify_1_13 };
		plan = plan_get(p->wf, (size_t)start, &o, &owned);
	}
	if (!plan) {
		/* never started */
	} else if (plan->status == RUN_FAILED || plan->status == RUN_STOPPED) {
		dn.outcome = DOC_FAILS;
		dn.end_ms = plan->total_ms;
		dn.error = plan->error;
	} else if (plan->index_step < plan->n_steps && plan->steps[plan->index_step].status == STEP_SUCCEEDED) {
		const struct run_step *s = &plan->steps[plan->index_step];
		dn.outcome = DOC_COMPLETES;
		dn.index_start_ms = s->start_ms;
		dn.end_ms = s->start_ms + plan_step_ms(s);
		dn.latency_s = (double)plan_step_ms(s) / 1000.0;
		index_counts(pl, plan, &v, &dn);
	}
	dn.index_start_due_ms = scaled(dn.index_start_ms, p->time_scale);
	dn.end_due_ms = scaled(dn.end_ms, p->time_scale);
	documents_add(p->docs, &dn);
	plan_free(owned);
	pool_free(pl);
}

void published_record(const struct published_run *p)
{
	struct buf text = BUF_INIT;
	char run_id[IDS_UUID_LEN + 1];
	const cJSON *item;
	size_t i = 0;
	cJSON_ArrayForEach(item, p->items) {
		if (!i) /* drawn at the first document, as the run used to be */
			pipeline_draw_run_id(run_id);
		record(p, run_id, item, i++, &text);
	}
	buf_free(&text);
}
