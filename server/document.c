/* document.c -- one stored document: its record, built from what a
 * published run leaves, and its wire bodies, with the state computed when
 * read (companion-endpoints.md §5.3, §6). */
#include "document.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct doc *document_new(const struct doc_new *dn)
{
	const char *error = dn->outcome == DOC_FAILS ? (dn->error && *dn->error ? dn->error : "Unknown error") : NULL;
	size_t name_n = strlen(dn->name_json) + 1, info_n = strlen(dn->source_info_json) + 1;
	size_t err_n = error ? strlen(error) + 1 : 0;
	struct doc *x = xmalloc(sizeof *x + name_n + info_n + err_n);
	memset(x, 0, sizeof *x);
	strncpy(x->id, dn->id, sizeof x->id - 1); /* memset above: NUL-terminated */
	strncpy(x->batch, dn->batch, sizeof x->batch - 1);
	memcpy(x->text, dn->name_json, name_n);
	x->source_info_at = (uint32_t)name_n;
	memcpy(x->text + name_n, dn->source_info_json, info_n);
	if (error) {
		x->error_at = (uint32_t)(name_n + info_n);
		memcpy(x->text + name_n + info_n, error, err_n);
	}
	x->position = dn->position;
	x->created_ms = dn->created_ms;
	x->outcome = (uint8_t)dn->outcome;
	x->index_start_ms = dn->index_start_ms;
	x->end_ms = dn->end_ms;
	x->index_start_due_ms = dn->index_start_due_ms;
	x->end_due_ms = dn->end_due_ms;
	x->segments = dn->segments;
	x->word_count = dn->word_count;
	x->latency_s = dn->latency_s;
	/* What the earlier layout counted: its struct and the texts. */
	x->bytes = (uint32_t)(sizeof *x + strlen(dn->datasource_type) + name_n - 1 + info_n - 1 + strlen(dn->created_by) +
			      (dn->doc_form ? strlen(dn->doc_form) : 0) + (err_n ? err_n - 1 : 0));
	return x;
}

/* What a reader sees at now_ms. */
struct view {
	const char *status;        /* waiting, completed, error */
	bool done, failed;
	unsigned total_segments;   /* segments that exist */
	unsigned completed_segments;
};

static struct view view_at(const struct doc *x, int64_t now_ms)
{
	struct view v = { "waiting", false, false, 0, 0 };
	uint64_t elapsed = now_ms > x->created_ms ? (uint64_t)(now_ms - x->created_ms) : 0;
	if (x->outcome == DOC_COMPLETES) {
		if (elapsed >= x->end_due_ms) {
			v.status = "completed";
			v.done = true;
			v.total_segments = v.completed_segments = x->segments;
		} else if (elapsed >= x->index_start_due_ms) {
			v.total_segments = x->segments;
		}
	} else if (x->outcome == DOC_FAILS && elapsed >= x->end_due_ms) {
		v.status = "error";
		v.failed = true;
	}
	return v;
}

static void put_int_or_null(struct buf *out, bool present, long long v)
{
	if (present)
		buf_printf(out, "%lld", v);
	else
		buf_puts(out, "null");
}

static void put_str(struct buf *out, const char *s)
{
	if (s)
		json_write_string(out, s, strlen(s), JSON_UJSON);
	else
		buf_puts(out, "null");
}

static long long unix_s(int64_t ms)
{
	return (long long)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
}

void document_status_json(const struct doc *x, int64_t now_ms, struct buf *out)
{
	struct view v = view_at(x, now_ms);
	buf_puts(out, "{\"id\":");
	put_str(out, x->id);
	buf_puts(out, ",\"indexing_status\":");
	put_str(out, v.status);
	buf_puts(out, ",\"processing_started_at\":null,\"parsing_completed_at\":null,\"cleaning_completed_at\":null,"
		      "\"splitting_completed_at\":null,\"completed_at\":");
	put_int_or_null(out, v.done, unix_s(x->created_ms + (int64_t)x->end_ms));
	buf_puts(out, ",\"paused_at\":null,\"error\":");
	put_str(out, v.failed ? DOC_ERROR(x) : NULL);
	buf_printf(out, ",\"stopped_at\":null,\"completed_segments\":%u,\"total_segments\":%u}", v.completed_segments,
		   v.total_segments);
}

#define DEFAULT_PROCESS_RULE                                                                                   \
	"{\"mode\":\"custom\",\"rules\":{\"pre_processing_rules\":[{\"id\":\"remove_extra_spaces\",\"enabled\":true}," \
	"{\"id\":\"remove_urls_emails\",\"enabled\":false}],\"segmentation\":{\"delimiter\":\"\\n\",\"max_tokens\":1024," \
	"\"chunk_overlap\":50}}}"

void document_json(const struct doc *x, int64_t now_ms, enum doc_metadata m, struct buf *out)
{
	buf_puts(out, "{\"id\":");
	put_str(out, x->id);
	if (m == DOC_META_ONLY) {
		buf_puts(out, ",\"doc_type\":null,\"doc_metadata\":null}\n");
		return;
	}
	struct view v = view_at(x, now_ms);
	long long created = unix_s(x->created_ms), ended = unix_s(x->created_ms + (int64_t)x->end_ms);
	buf_printf(out, ",\"position\":%u,\"data_source_type\":", x->position);
	put_str(out, x->datasource_type);
	buf_puts(out, ",\"data_source_info\":");
	buf_puts(out, DOC_SOURCE_INFO_JSON(x));
	buf_puts(out, ",\"dataset_process_rule_id\":null,\"dataset_process_rule\":" DEFAULT_PROCESS_RULE
		      ",\"document_process_rule\":{},\"name\":");
	buf_puts(out, DOC_NAME_JSON(x));
	buf_puts(out, ",\"created_from\":\"rag-pipeline\",\"created_by\":");
	put_str(out, x->created_by);
	buf_printf(out, ",\"created_at\":%lld,\"tokens\":null,\"indexing_status\":", created);
	put_str(out, v.status);
	buf_puts(out, ",\"completed_at\":");
	put_int_or_null(out, v.done, ended);
	buf_printf(out, ",\"updated_at\":%lld,\"indexing_latency\":", v.done || v.failed ? ended : created);
	if (v.done) {
		cJSON *f = json_float(x->latency_s);
		json_write(out, f, JSON_UJSON);
		cJSON_Delete(f);
	} else {
		buf_puts(out, "null");
	}
	buf_puts(out, ",\"error\":");
	put_str(out, v.failed ? DOC_ERROR(x) : NULL);
	buf_puts(out, ",\"enabled\":true,\"disabled_at\":null,\"disabled_by\":null,\"archived\":false");
	if (m == DOC_META_ALL)
		buf_puts(out, ",\"doc_type\":null,\"doc_metadata\":null");
	unsigned long avg = v.done && x->segments ? x->word_count / x->segments : 0;
	buf_printf(out, ",\"segment_count\":%u,\"average_segment_length\":%lu,\"hit_count\":0,\"display_status\":",
		   v.total_segments, avg);
	put_str(out, v.done ? "available" : v.failed ? "error" : "queuing");
	buf_puts(out, ",\"doc_form\":");
	put_str(out, x->doc_form);
	buf_puts(out, ",\"doc_language\":null,\"summary_index_status\":null,\"need_summary\":false}\n");
}
