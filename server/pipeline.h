/* pipeline.h -- the pipeline simulator. One call plans a whole run of a
 * workflow graph from its start node on simulated time: which nodes run, in
 * what order, when each starts and ends, how each ends. Every later answer is
 * read off that plan: the SSE events (each with its due time) and the
 * blocking JSON. No clock is read here: the caller passes the start time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fixtures.h"
#include "ids.h"
#include "json.h"
#include "template.h"

enum run_status { RUN_SUCCEEDED, RUN_FAILED, RUN_PARTIAL_SUCCEEDED };
enum step_status { STEP_SUCCEEDED, STEP_FAILED, STEP_EXCEPTION };

/* Kept small (16 bytes): a stream of a long pipeline holds one per node. */
struct run_step {
	const struct fx_node *node;    /* its duration_ms is the step's */
	uint32_t start_ms;             /* simulated, from the run's start */
	uint8_t status;                /* enum step_status */
};

enum run_event_kind {
	RUN_EV_WORKFLOW_STARTED,
	RUN_EV_NODE_STARTED,
	RUN_EV_NODE_FINISHED,
	RUN_EV_WORKFLOW_FINISHED,
	RUN_EV_ERROR,                  /* setup error: the run is this one event */
};

struct run_event {
	enum run_event_kind kind;
	uint64_t at_ms;                /* simulated, from the run's start */
	size_t step;                   /* node events: index into steps */
};

/* What a run of a workflow from one start node does. It depends on nothing
 * else, so it is computed once and shared by every run from that node
 * (memoized on the workflow: a stream of a 600-node pipeline would
 * otherwise hold 600 steps). */
struct run_plan {
	const struct run_step *steps;
	size_t n_steps;
	size_t index_step;             /* the last knowledge-index step; n_steps when none ran */
	enum run_status status;
	const char *error;             /* NULL, or the failing node's error text */
	unsigned exceptions_count;
	long long total_tokens;
	uint64_t total_ms;             /* simulated duration */
};

/* The plan of a run of wf from start_node_id, or NULL when wf has no such
 * node. It lives as long as wf. */
const struct run_plan *pipeline_plan(const struct fx_workflow *wf, const char *start_node_id);

struct run_params {
	struct fixtures *fx;           /* reference taken by the run (may be NULL) */
	const struct fx_kb *kb;
	const struct fx_workflow *wf;
	const char *start_node_id;
	const char *datasource_type;
	const cJSON *item;             /* the datasource_info_list item (copied) */
	cJSON *inputs;                 /* validated inputs (taken) */
	int64_t created_at_ms;         /* wall clock at the start */
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
	const struct run_step *steps;  /* shared with every run of the same plan */
	size_t n_steps;
	size_t index_step;             /* the last knowledge-index step; n_steps when none ran */
	size_t n_events;               /* workflow_started, 2 per step, workflow_finished; or 1 error */
	uint64_t exec_seed[2];         /* node execution ids derive from these */
	enum run_status status;
	const char *error;             /* NULL, or the failing node's error text */
	char *setup_error;             /* "Root node id X not found in the graph" */
	unsigned exceptions_count;
	long long total_tokens;
	uint64_t total_ms;             /* simulated duration */
};

struct run *pipeline_run_new(const struct run_params *p);
void run_free(struct run *r);

/* A run id, drawn together with everything else pipeline_run_new draws (the
 * task id and the execution-id seeds): a run that is only accounted for, not
 * reported -- a published document's background run -- moves the id
 * generator as a whole run does, so under --seed the ids of later answers
 * stay what they were. */
void pipeline_draw_run_id(char id[IDS_UUID_LEN + 1]);

/* Event i (0 <= i < n_events), derived from the steps. */
struct run_event run_event_at(const struct run *r, size_t i);
/* The node execution id of step i. */
void run_step_exec_id(const struct run *r, size_t i, char out[IDS_UUID_LEN + 1]);

/* The event's JSON (orjson bytes, as after "data: "). */
void run_event_json(const struct run *r, size_t i, struct buf *out);
/* The draft blocking body (json.dumps bytes, wire.md §7.2). */
void run_blocking_body(const struct run *r, struct buf *out);

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
