/* pipeline.h -- a draft run of a pipeline: its plan (plan.h: which nodes
 * run, when, how each ends), and every answer read off it: the SSE events
 * (each with its due time) and the blocking JSON, with what each node
 * reports taken from the run's variable pool (pool.h). No clock is read
 * here: the caller passes the start time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fixtures.h"
#include "ids.h"
#include "json.h"
#include "plan.h"
#include "template.h"

struct documents;

enum run_event_kind {
	RUN_EV_WORKFLOW_STARTED,
	RUN_EV_NODE_STARTED,
	RUN_EV_NODE_RETRY,             /* a failed attempt that is tried again */
	RUN_EV_NODE_FINISHED,
	RUN_EV_WORKFLOW_FINISHED,
	RUN_EV_ERROR,                  /* setup error: the run is this one event */
};

struct run_event {
	enum run_event_kind kind;
	uint64_t at_ms;                /* simulated, from the run's start */
	size_t step;                   /* node events: index into the plan's steps */
	unsigned retry;                /* node_retry: 1 for the first retry */
};

struct run_params {
	struct fixtures *fx;           /* reference taken by the run (may be NULL) */
	const struct fx_kb *kb;
	const struct fx_workflow *wf;
	const char *start_node_id;
	const char *datasource_type;
	const cJSON *item;             /* the datasource_info_list item (copied) */
	cJSON *inputs;                 /* validated inputs (taken) */
	int64_t created_at_ms;         /* wall clock at the start */
	struct documents *docs;        /* uploaded files, for local_file items (may be NULL) */
	bool dify_1_13;                /* Dify 1.13.3's engine (graph-semantics.md §1): empty if-else
					* cases select "true", limits end "failed" */
};

struct run {
	char id[IDS_UUID_LEN + 1];     /* workflow_run_id */
	char task_id[IDS_UUID_LEN + 1];
	struct fixtures *fx;           /* a reference: kb and wf stay valid across a reload */
	const struct fx_kb *kb;
	const struct fx_workflow *wf;
	cJSON *item, *inputs;
	char *datasource_type;
	char *document_name;
	int64_t created_at_ms;
	struct documents *docs;
	bool dify_1_13;
	size_t start;                  /* the start node's index */
	const struct run_plan *plan;   /* shared with every run of the same plan; NULL on a setup error */
	struct run_plan *owned_plan;   /* the plan, when it is this run's alone */
	size_t n_events;               /* the plan's, or 1 (the error) */
	uint64_t exec_seed[2];         /* node execution ids derive from these */
	char *setup_error;             /* "Root node id X not found in the graph" */
};

struct run *pipeline_run_new(const struct run_params *p);
void run_free(struct run *r);

/* The run's status, and its simulated duration. */
enum run_status run_status(const struct run *r);
uint64_t run_total_ms(const struct run *r);

/* A run id, drawn together with everything else pipeline_run_new draws (the
 * task id and the execution-id seeds): a run that is only accounted for, not
 * reported -- a published document's background run -- moves the id
 * generator as a whole run does, so under --seed the ids of later answers
 * stay what they were. */
void pipeline_draw_run_id(char id[IDS_UUID_LEN + 1]);

/* Event i (0 <= i < n_events), derived from the plan. */
struct run_event run_event_at(const struct run *r, size_t i);
/* The node execution id of step i. */
void run_step_exec_id(const struct run *r, size_t i, char out[IDS_UUID_LEN + 1]);

/* The event's JSON (orjson bytes, as after "data: "). */
void run_event_json(const struct run *r, size_t i, struct buf *out);
/* The draft blocking body (json.dumps bytes, wire.md §7.2). */
void run_blocking_body(const struct run *r, struct buf *out);

/* The start node of a run asked to start at start_node_id: its index, or
 * -1 with Dify's error in *ret_error (malloc'd). An empty id means the
 * first datasource node, as Dify's default root. */
long pipeline_start_node(const struct fx_workflow *wf, const char *start_node_id, char **ret_error);

/* Dify's document name for an item: local_file/online_drive "name",
 * online_document "page.page_name", website_crawl "title"; "untitled" when
 * absent. Returns a new cJSON (a string, or null for an explicit null). */
cJSON *pipeline_document_name(const char *datasource_type, const cJSON *item);
/* The same without a copy: the item's member (borrowed), or NULL when it
 * is absent (the name is then "untitled"). */
const cJSON *pipeline_document_name_value(const char *datasource_type, const cJSON *item);
/* The name as text, for templates ({{document_name}}): "untitled" when
 * absent (name_value NULL), "" when it is not a string. */
const char *pipeline_document_name_text(const cJSON *name_value);
const char *run_status_name(enum run_status s);
