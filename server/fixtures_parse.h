/* fixtures_parse.h -- internal to the fixture store: the schema checker
 * (fixtures_parse.c, fixtures_workflows.c, fixtures_nodes.c,
 * fixtures_graph.c, fixtures_scenarios.c, all walking with
 * fixtures_walk.c) and the loader (fixtures.c) share these. Nothing outside
 * the fixtures*.c files includes it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fixtures.h"
#include "json.h"

/* What one file contributes before references between files are resolved. */
struct fx_ws_entry {
	struct fx_workspace *ws;
	const char *file;
	char *path;           /* "workspaces[0]" */
};
struct fx_kb_entry {
	struct fx_kb *kb;     /* kb->file is the file */
	char *workspace_ref;  /* lower-cased workspace id, NULL if invalid */
	char *path;           /* "knowledge_bases[0]" */
};

struct fx_loader {
	struct fx_problems problems;
	size_t cap_problems;
	cJSON *pool;          /* owns the default values that no file spelled out */
	struct json_arena *arena; /* holds the checked structs and their strings */
	struct fx_ws_entry *ws;
	size_t n_ws, cap_ws;
	struct fx_kb_entry *kbs;
	size_t n_kbs, cap_kbs;
	const char **dsl_files; /* DSL files this file's workflows read (fixtures_dsl.c) */
	cJSON **dsl_roots;      /* ... and what each holds (NULL: unreadable) */
	size_t n_dsl_files;
};

/* Appends the problem line "FILE: PATH: message" ("FILE: message" when path
 * is NULL; "$" stands for an empty path). */
void fx_problem(struct fx_loader *L, const char *file, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A user string for a message: in double quotes, with '"', '\\' and control
 * characters escaped, cut after 64 bytes (at a character boundary) with "...".
 * Use it as fx_quote(s).s within one full expression. */
struct fx_qstr {
	char s[1 + 4 * 64 + 3 + 2];
};
struct fx_qstr fx_quote(const char *s);

/* Reads file (at most 16 MiB) into data; its length into *ret_len. -1 with
 * the problem's text in *reterr (malloc'd) on failure. */
int fx_read_file(const char *file, struct buf *data, size_t *ret_len, char **reterr);

/* Checks one parsed fixture file against the schema and appends what it
 * defines to L (even when some of it is wrong, so that duplicates across
 * files are still found). doc must outlive L's results: the structs borrow
 * their cJSON members (raw, icon, outputs, ...) from it. */
void fx_parse_document(struct fx_loader *L, const char *file, cJSON *doc);

/* Frees the plans runs memoized in kb's workflows and its scenarios'
 * workflows; the rest goes with the loader's arena. */
void fx_kb_free(struct fx_kb *kb);

/* ---- the schema walk (fixtures_walk.c), shared by the checker's files ---- */

/* Where the checker is: the file, and the JSON path inside it. */
struct pctx {
	struct fx_loader *L;
	const char *file;
	struct buf path;
	bool lenient;     /* a DSL file: unknown keys are Dify's to ignore, not problems */
	bool quiet;       /* problems were reported already (a DSL file read twice) */
};

#define REQUIRED true
#define OPTIONAL false

#define FX_MAX_DURATION_MS UINT64_C(86400000) /* one day */
#define FX_MAX_COUNT UINT64_C(2147483647)

#define GROW(arr, n, cap)                                                    \
	do {                                                                 \
		if ((n) == (cap)) {                                          \
			(cap) = (cap) ? 2 * (cap) : 8;                       \
			(arr) = xrealloc((arr), (cap) * sizeof *(arr));      \
		}                                                            \
	} while (0)

/* JSON types as masks, for fxp_expect and fxp_get_typed. */
enum {
	T_NULL = 1 << 0,
	T_BOOL = 1 << 1,
	T_INT = 1 << 2,
	T_FLOAT = 1 << 3,
	T_STRING = 1 << 4,
	T_ARRAY = 1 << 5,
	T_OBJECT = 1 << 6,
	T_ANY = 0x7f,
};

size_t fxp_push_key(struct pctx *c, const char *key);
size_t fxp_push_index(struct pctx *c, size_t i);
void fxp_pop(struct pctx *c, size_t saved);
/* Reports a problem at the current path. */
void fxp_report(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool fxp_expect(struct pctx *c, const cJSON *v, unsigned mask);
/* Reports every key of obj not in known (NULL-terminated). */
void fxp_check_keys(struct pctx *c, const cJSON *obj, const char *const *known);
/* 1: present with a type in mask; 0: absent (reported if required); -1: wrong type (reported). */
int fxp_get_typed(struct pctx *c, cJSON *obj, const char *key, bool required, unsigned mask, cJSON **ret);
char *fxp_get_str(struct pctx *c, cJSON *obj, const char *key, bool required, const char *def);
char *fxp_get_nonempty_str(struct pctx *c, cJSON *obj, const char *key);
bool fxp_get_bool(struct pctx *c, cJSON *obj, const char *key, bool def);
uint64_t fxp_get_uint(struct pctx *c, cJSON *obj, const char *key, uint64_t def, uint64_t max);
/* Index of the value in values (NULL-terminated), def when absent, -1 when bad. */
int fxp_get_enum(struct pctx *c, cJSON *obj, const char *key, int def, const char *const *values, const char *what);
/* A lower-cased copy of a uuid member; NULL (reported) when it is not one. */
char *fxp_get_uuid(struct pctx *c, cJSON *obj, const char *key);
/* An array (or null, with T_NULL in mask) whose items are all strings. */
cJSON *fxp_get_string_array(struct pctx *c, cJSON *obj, const char *key, unsigned mask);
/* obj's member key, or NULL; nothing reported. */
cJSON *fxp_member(const cJSON *obj, const char *key);
/* The integer's value if it is within [0, max]; nothing reported. */
bool fxp_int_value(const cJSON *v, uint64_t max, uint64_t *ret);
/* Letters, digits and '_', not starting with a digit: a variable name, a
 * key the path writes bare. */
bool fxp_is_ident(const char *s);
bool fxp_uuid_valid(const char *s); /* 8-4-4-4-12 hex digits */
void fxp_lower(char *s);
/* What the checker builds (structs, arrays, strings) lives in the loader's
 * arena, with the parsed files it borrows from, and is freed with them at
 * once (fixtures_free): no malloc heap to fault in while loading, no frees
 * one by one. Only what runs add later (plans) and the document store's
 * copies of workflows are malloc'd. */
/* n zeroed items of type from the loader's arena. */
#define FXP_NEW(c, type, n) ((type *)json_arena_calloc((c)->L->arena, (n), sizeof(type)))
char *fxp_strdup(struct pctx *c, const char *s);

/* Keeps item, a value no file spelled out, in L->pool; returns it. */
cJSON *fxp_pooled(struct pctx *c, cJSON *item);

/* ---- the parts of a knowledge base's pipeline ---- */

/* fixtures_workflows.c: a "pipeline" object (its workflows and variables). */
struct fx_pipeline *fx_parse_pipeline(struct pctx *c, cJSON *o);
void fx_pipeline_free(struct fx_pipeline *p);

/* fixtures_nodes.c: one item of a workflow's "nodes" into n (reported
 * unless an object). */
void fx_parse_node(struct pctx *c, cJSON *o, struct fx_node *n);
/* Parses a node's "fail" object into n->fail (also for scenarios). */
void fxp_parse_fail(struct pctx *c, cJSON *o, struct fx_node *n);
/* The keys a fixture may set on any node, a DSL node's overlay included:
 * timing, icon, recorded inputs/outputs, "fail", and a datasource node's
 * credentials and browse results. known lists the keys o may have. */
void fxp_parse_node_overlay(struct pctx *c, cJSON *o, struct fx_node *n, const char *const *known);
/* A datasource node's "datasource_parameters" (o's member, if any), into n. */
void fxp_parse_datasource_parameters(struct pctx *c, cJSON *o, struct fx_node *n);
/* The simulated duration a node of this kind takes when nothing says. */
uint64_t fx_default_duration_ms(enum fx_node_kind kind);

/* fixtures_node_data.c: Dify's node data (n->data set, the path at it):
 * the error strategy, default values and retries every node may have, and
 * what the kind evaluates (if-else cases, aggregator variables, ...). */
void fx_parse_node_data(struct pctx *c, struct fx_node *n);

/* fixtures_dsl.c: a workflow read from a DSL file: o is the fixture's
 * "published"/"draft" value naming it (a string, or {"dsl", "id",
 * "overlay", "variables"}); which is "published" or "draft". */
struct fx_workflow *fx_parse_dsl_workflow(struct pctx *c, cJSON *o, const char *which, bool *ret_own_vars);

/* fixtures_graph.c: a workflow's graph once its edges are read. */
/* One node on a cycle over the edges, or -1. */
long fx_find_cycle(size_t n, const struct fx_edge *edges, size_t n_edges);
/* Keeps edges (repeats of a source, target and handle dropped) as wf's, and
 * fills wf->out, wf->in and each node's ranges in them (from arena). */
void fx_link_nodes(struct json_arena *arena, struct fx_workflow *wf, const struct fx_edge *edges, size_t n_edges);
/* Marks the nodes whose outcome depends on the run (fx_node.dynamic). */
void fx_mark_dynamic(struct fx_workflow *wf);
/* All of the above for wf, its cycle reported at the current path; and
 * the memo runs fill (fixtures_workflows.c). */
void fx_workflow_link(struct pctx *c, struct fx_workflow *wf, const struct fx_edge *edges, size_t n_edges);
/* A workflow's or pipeline's "variables" array (the path at its key): the
 * variables, and how many (fixtures_workflows.c). */
struct fx_variable *fx_parse_variables(struct pctx *c, cJSON *arr, size_t *ret_n);
/* Reports variables whose belong_to_node_id is no node of wf; which names
 * the workflow for pipeline-level variables (or NULL). */
void fx_check_belong(struct pctx *c, const struct fx_workflow *wf, const struct fx_variable *vars, size_t n,
		     const char *which);

/* A knowledge base's "scenarios" and "scenario_sequence" (fixtures_scenarios.c);
 * call after its pipeline is parsed. */
void fx_parse_scenarios(struct pctx *c, cJSON *kb_obj, struct fx_kb *kb);
void fx_scenarios_free(struct fx_kb *kb);
