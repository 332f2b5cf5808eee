/* fixtures.h -- the fixture store: workspaces (tenants, owners, dataset API
 * keys) and knowledge bases with their pipeline graphs, loaded from every
 * *.json under a directory. Read-only after fixtures_load(), so any thread may
 * read it without locks. The format is documented in fixtures/README.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"

struct fx_owner {
	char *id, *name, *email;
};

enum fx_tenant_status {
	FX_TENANT_NORMAL,
	FX_TENANT_ARCHIVED,      /* any status but "normal": 401 "Tenant does not exist." */
};

struct fx_workspace {
	char *id, *name;
	enum fx_tenant_status status;
	bool has_owner;            /* false: 401 "Tenant does not exist." */
	bool owner_account_exists; /* false: 401 "Tenant owner account does not exist." */
	struct fx_owner owner;
	char **api_keys;           /* dataset API keys ("dataset-...") */
	size_t n_api_keys;
	cJSON *raw;                /* the workspace's fixture object */
};

/* A pipeline input variable (Dify RAGPipelineVariable). */
struct fx_variable {
	char *variable;
	char *type;                /* text-input, paragraph, select, number, file, file-list, checkbox */
	char *belong_to_node_id;   /* a node id, or "shared" */
	bool required;
	long max_length;           /* 0 = none */
	cJSON *options;            /* array of strings (may be empty) */
	cJSON *default_value;      /* may be a cJSON null */
	cJSON *raw;                /* the full object as written (label, placeholder, ...) */
};

enum fx_error_strategy {
	FX_STRATEGY_NONE,          /* the node fails, and with it the workflow */
	FX_STRATEGY_FAIL_BRANCH,   /* status "exception", the run follows fail-branch edges */
	FX_STRATEGY_DEFAULT_VALUE, /* status "exception", outputs = default_outputs, run goes on */
};

struct fx_failure {
	char *error;               /* the node's error text */
	char *error_type;          /* NULL: FX_DEFAULT_ERROR_TYPE */
	enum fx_error_strategy strategy;
	cJSON *default_outputs;    /* DEFAULT_VALUE only: outputs reported (template) */
};

/* What Dify's base node reports as error_type for an unexpected exception
 * (nodes/base/node.py); a fixture may name another (e.g. ToolInvokeError). */
#define FX_DEFAULT_ERROR_TYPE "WorkflowNodeError"



struct fx_node {
	char *id;                  /* graph node id, e.g. "1750836391776" */
	char *type;                /* "datasource", "tool", "knowledge-index", "llm", ... */
	char *title;
	cJSON *icon;               /* string, object or NULL (no "icon" in extras) */
	char *datasource_type;     /* datasource nodes: local_file, online_document, website_crawl, online_drive */
	char *plugin_id;           /* datasource nodes, may be NULL */
	char *provider_name;       /* datasource nodes, may be NULL */
	uint64_t duration_ms;      /* simulated run time */
	cJSON *inputs;             /* template for node_finished inputs; NULL = Dify's default */
	cJSON *outputs;            /* template; NULL = {} */
	cJSON *process_data;       /* template; NULL = null */
	cJSON *execution_metadata; /* template; NULL = null */
	struct fx_failure *fail;   /* NULL: the node succeeds */
	size_t *next;              /* successors over normal edges (indexes into the workflow's nodes) */
	size_t n_next;
	size_t *fail_next;         /* successors over "fail-branch" edges */
	size_t n_fail_next;
	cJSON *raw;                /* the node's fixture object, for companion endpoints */
};

struct fx_workflow {
	char *id;                  /* workflow id (uuid) */
	struct fx_node *nodes;     /* in fixture order */
	size_t n_nodes;
	size_t *order;             /* all node indexes in topological order, fixture order breaking ties */
	/* The simulator's memo: one plan per start node, filled on first use
	 * (atomically) and freed with the workflow through fx_plan_free(). */
	void *_Atomic *plans;
	const struct fx_workflow *base; /* a scenario's copy: nodes share strings, edges and order with base */
	struct fx_variable *vars;  /* rag_pipeline_variables, in stored order */
	size_t n_vars;
};

struct fx_pipeline {
	char *id;                  /* pipeline id (sys.app_id) */
	struct fx_workflow *published; /* NULL: "Workflow not published" */
	struct fx_workflow *draft;     /* NULL: "Workflow not initialized" */
};

/* ---- scenarios: named variations of a knowledge base's behaviour ---- */

enum fx_conn_fault {
	FX_CONN_NONE,
	FX_CONN_CLOSE,             /* close the connection without answering */
	FX_CONN_RESET,             /* reset it (RST) without answering */
};

/* Any HTTP answer: Dify's envelope {"code","message","status"}, or a raw body. */
struct fx_http_fault {
	unsigned status;
	char *code, *message;      /* the envelope; unused when body is set */
	char *body;                /* a raw body instead (e.g. a proxy's HTML 502 page) */
	char *content_type;        /* for body; default "text/html; charset=utf-8" */
	cJSON *headers;            /* object of extra response headers (e.g. Retry-After); may be NULL */
};

enum fx_stream_fault_kind {
	FX_SF_NONE,
	FX_SF_ERROR,       /* an `error` event after event N, then the end (or nothing: a hang) */
	FX_SF_DROP,        /* the connection closes after event N, without the final chunk */
	FX_SF_CUT,         /* event N+1 is cut in the middle of its JSON, then the connection closes */
	FX_SF_STALL,       /* nothing at all, pings included, for ms after event N */
	FX_SF_PINGS_ONLY,  /* only pings for ms after event N */
	FX_SF_KEEP_OPEN,   /* the body stays open for ms after the terminal event */
	FX_SF_DRIBBLE,     /* event N+1 is written `bytes` bytes at a time, every interval_ms */
	FX_SF_EXTRA_EVENT, /* an event of an unknown type after event N */
};

struct fx_stream_fault {
	enum fx_stream_fault_kind kind;
	unsigned after;            /* data events delivered before the fault (pings do not count) */
	uint64_t ms;               /* stall, pings_only, keep_open */
	cJSON *error;              /* error: the event's fields after "event" and "workflow_run_id" */
	bool then_end;             /* error: end the body after it (what Dify does); false: hang */
	unsigned bytes;            /* dribble */
	uint64_t interval_ms;      /* dribble */
	cJSON *event;              /* extra_event: the whole object written after "data: " */
};

/* The endpoints a scenario applies to (fx_scenario.endpoints), one bit each. */
enum fx_endpoint {
	FX_EP_PIPELINE_RUN = 1 << 0,       /* POST .../pipeline/run (the default) */
	FX_EP_DATASOURCE_PLUGINS = 1 << 1, /* GET .../pipeline/datasource-plugins */
	FX_EP_NODE_RUN = 1 << 2,           /* POST .../pipeline/datasource/nodes/{node_id}/run */
	FX_EP_INDEXING_STATUS = 1 << 3,    /* GET .../documents/{batch}/indexing-status */
	FX_EP_DOCUMENT = 1 << 4,           /* GET .../documents/{document_id} */
	FX_EP_FILE_UPLOAD = 1 << 5,        /* POST /v1/datasets/pipeline/file-upload (by the key's workspace) */
};

struct fx_scenario {
	char *name;
	char *description;
	double probability;        /* 0..1: chance that a selected scenario applies (--seed makes it reproducible) */
	uint64_t delay_ms;         /* wait before the answer's headers */
	enum fx_conn_fault connection;
	struct fx_http_fault *http;/* NULL: the normal answer */
	struct fx_stream_fault stream;
	char **api_keys;           /* requests with one of these keys get this scenario */
	size_t n_api_keys;
	struct fx_workflow *published, *draft; /* with the scenario's node changes; NULL: unchanged */
	unsigned endpoints;        /* enum fx_endpoint bits; node and stream faults act on runs only */
};

struct fx_kb {
	char *id;                  /* lower-case canonical uuid */
	char *name, *description;
	char *chunk_structure;     /* text_model, hierarchical_model, qa_model */
	bool api_enabled;          /* false: 403 */
	unsigned initial_documents;/* documents already in the knowledge base (positions continue after) */
	const struct fx_workspace *workspace;
	struct fx_pipeline *pipeline; /* NULL: classic knowledge base ("Pipeline not found") */
	struct fx_scenario *scenarios;
	size_t n_scenarios;
	char **sequence;           /* scenario names per request, the last one repeating; NULL entries: normal */
	size_t n_sequence;
	const char *file;          /* the fixture file it came from */
	cJSON *raw;
};

struct fixtures; /* opaque */

/* Frees one memoized plan of fx_workflow.plans (implemented by pipeline.c). */
void fx_plan_free(void *plan);

/* Every problem found while loading: "FILE: JSON.PATH: message" lines. */
struct fx_problems {
	char **lines;
	size_t n;
};
void fx_problems_free(struct fx_problems *p);

/* Loads every *.json under dir (recursively, sorted by path). All or
 * nothing: on any problem returns -1, *ret untouched, and every problem is in
 * reterr (the caller frees it with fx_problems_free). */
int fixtures_load(const char *dir, struct fixtures **ret, struct fx_problems *reterr);
/* Reference counting: a reload swaps the server's set while runs started on
 * the old one keep it alive. fixtures_free drops one reference (the load's
 * own is the first) and frees on the last. Both accept NULL where sensible. */
struct fixtures *fixtures_ref(struct fixtures *fx);
void fixtures_free(struct fixtures *fx);

/* The server's current set, swapped whole by a reload. Thread-safe. */
struct fixtures_slot;
struct fixtures_slot *fixtures_slot_new(struct fixtures *fx); /* takes fx's reference */
/* The current set, with a reference for the caller (release with fixtures_free). */
struct fixtures *fixtures_slot_get(struct fixtures_slot *slot);
/* Puts fx (its reference taken) in place; the old set lives on while used. */
void fixtures_slot_swap(struct fixtures_slot *slot, struct fixtures *fx);
void fixtures_slot_free(struct fixtures_slot *slot);

/* Lookups. Results are borrowed and live as long as fx. */
/* The workspace owning dataset API key key[0..len), compared in constant time; NULL if none. */
const struct fx_workspace *fixtures_workspace_by_key(const struct fixtures *fx, const char *key, size_t len);
/* The knowledge base with this lower-case uuid; NULL if none. */
const struct fx_kb *fixtures_kb(const struct fixtures *fx, const char *id);
size_t fixtures_kb_count(const struct fixtures *fx);
const struct fx_kb *fixtures_kb_at(const struct fixtures *fx, size_t i);
/* The scenario called name in kb; NULL if none. */
const struct fx_scenario *fx_kb_scenario(const struct fx_kb *kb, const char *name);
/* Node index by id within a workflow; -1 if absent. */
long fx_workflow_node_index(const struct fx_workflow *wf, const char *node_id);
