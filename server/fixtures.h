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
	bool has_strategy;         /* "error_strategy" was given here (else the node's own holds) */
	enum fx_error_strategy strategy;
	cJSON *default_outputs;    /* DEFAULT_VALUE only: outputs reported (template) */
	uint32_t times;            /* attempts that fail before one succeeds; 0: every attempt fails */
};

/* What Dify's base node reports as error_type for an unexpected exception
 * (nodes/base/node.py); a fixture may name another (e.g. ToolInvokeError). */
#define FX_DEFAULT_ERROR_TYPE "WorkflowNodeError"

/* Node kinds: graphon's BuiltinNodeTypes plus Dify's pipeline nodes, in
 * the order of fx_node_types (the "type" strings events report). */
enum fx_node_kind {
	FX_NODE_DATASOURCE,
	FX_NODE_TOOL,
	FX_NODE_KNOWLEDGE_INDEX,
	FX_NODE_LLM,
	FX_NODE_CODE,
	FX_NODE_IF_ELSE,
	FX_NODE_TEMPLATE_TRANSFORM,
	FX_NODE_HTTP_REQUEST,
	FX_NODE_VARIABLE_AGGREGATOR,
	FX_NODE_DOCUMENT_EXTRACTOR,
	FX_NODE_LIST_OPERATOR,
	FX_NODE_PARAMETER_EXTRACTOR,
	FX_NODE_QUESTION_CLASSIFIER,
	FX_NODE_ASSIGNER,
	FX_NODE_AGENT,
	FX_NODE_ITERATION,
	FX_NODE_LOOP,
	FX_NODE_HUMAN_INPUT,
	FX_NODE_START,
	FX_NODE_END,
	FX_NODE_ANSWER,
};
extern const char *const fx_node_types[];      /* by enum fx_node_kind, NULL-terminated */

/* What a datasource reads, in the order of fx_datasource_types. */
enum fx_ds_kind {
	FX_DS_LOCAL_FILE,
	FX_DS_ONLINE_DOCUMENT,
	FX_DS_WEBSITE_CRAWL,
	FX_DS_ONLINE_DRIVE,
	FX_DS_NONE,                /* not a datasource node, or an unknown type */
};
extern const char *const fx_datasource_types[]; /* by enum fx_ds_kind, NULL-terminated */
/* The kind named s; FX_DS_NONE when s names none. */
enum fx_ds_kind fx_ds_kind_of(const char *s);

/* An edge of the graph, as graphon reads one: its source handle decides
 * when a branch takes it ("source" for plain edges; a case_id, "true" or
 * "false" after an if-else; "success-branch"/"fail-branch" after a node
 * with the fail-branch strategy). */
struct fx_edge {
	uint32_t from, to;         /* node indexes */
	const char *handle;
};

struct fx_node {
	char *id;                  /* graph node id, e.g. "1750836391776" */
	char *type;                /* fx_node_types[kind]: "datasource", "tool", "knowledge-index", ... */
	enum fx_node_kind kind;
	char *title;
	cJSON *icon;               /* string, object or NULL (no "icon" in extras) */
	char *datasource_type;     /* datasource nodes: local_file, online_document, website_crawl, online_drive */
	enum fx_ds_kind ds_kind;   /* the same as an enum; FX_DS_NONE on other nodes */
	char *plugin_id;           /* datasource nodes, may be NULL */
	char *provider_name;       /* datasource nodes, may be NULL */
	uint64_t duration_ms;      /* simulated run time of one attempt */
	cJSON *inputs;             /* template for node_finished inputs; NULL = the kind's default */
	cJSON *outputs;            /* template; NULL = the kind's default (outputs.c) */
	cJSON *process_data;       /* template; NULL = the kind's default */
	cJSON *execution_metadata; /* template; NULL = the kind's default */
	struct fx_failure *fail;   /* NULL: the node succeeds (unless the run makes it fail) */
	/* Dify's node data (graph.nodes[].data of a DSL, or a fixture node's
	 * "data"): what if-else, variable-aggregator, knowledge-index, tool and
	 * document-extractor nodes evaluate. NULL: none. */
	const cJSON *data;
	enum fx_error_strategy strategy; /* data.error_strategy */
	cJSON *default_outputs;    /* data.default_value as an object (DEFAULT_VALUE) */
	uint32_t max_retries;      /* data.retry_config, for the kinds graphon retries; 0: none */
	uint32_t retry_interval_ms;
	bool dynamic;              /* how it ends depends on the run (its item, inputs, branches) */
	uint32_t first_out, n_out; /* its edges: wf->out[first_out .. first_out + n_out) */
	uint32_t first_in, n_in;   /* edges into it: wf->in[...] */
	/* Datasource nodes, for the companion endpoints; NULL when absent. */
	const cJSON *datasource_parameters, *credentials, *browse;
};

/* Runs memoize what they plan on the workflow (plan_memo.c). Each entry
 * carries its own destructor, so the store frees them knowing nothing of
 * the simulator. */
struct fx_memo_entry {
	struct fx_memo_entry *next;
	void (*free)(struct fx_memo_entry *e);
};
/* Frees the n lists of memo (memo itself is not freed). */
void fx_memo_free(struct fx_memo_entry *_Atomic *memo, size_t n);

struct fx_workflow {
	char *id;                  /* workflow id (uuid) */
	struct fx_node *nodes;     /* in fixture (or DSL) order */
	size_t n_nodes;
	struct fx_edge *edges;     /* in edge list order, repeats dropped */
	size_t n_edges;
	uint32_t *out, *in;        /* edge indexes grouped by source, by target (each in edge order) */
	struct fx_memo_entry *_Atomic *memo; /* one list per start node */
	const struct fx_workflow *base; /* a scenario's copy: nodes share strings and edges with base */
	struct fx_variable *vars;  /* rag_pipeline_variables, in stored order */
	size_t n_vars;
	const cJSON *environment;  /* a DSL's environment_variables (array), or NULL */
	const char *dsl_file;      /* the DSL file it was read from, or NULL */
};

/* The strategy a failure of nd is handled with: its fail object's, when
 * that names one, else the node's own. */
enum fx_error_strategy fx_node_strategy(const struct fx_node *nd);

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
	bool strict_file_references; /* local_file items must name an uploaded file */
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
