/* plan.h -- what a run of a workflow graph does, on simulated time: which
 * nodes run, in what order, when, how each ends. The walk is graphon's
 * (Dify's graph engine, graph-semantics.md §3): a FIFO of ready nodes; a
 * node is ready when none of its incoming edges is undecided and one was
 * taken; a branch takes only the edges of its handle and the skip spreads
 * to nodes all of whose incoming edges were skipped; datasource nodes other
 * than the start are skipped from the outset. Skipped nodes do nothing.
 *
 * Most nodes end the same way in every run; the "dynamic" ones
 * (fx_node.dynamic: if-else branches, datasource nodes, nodes whose default
 * outputs may be missing) ask an oracle, which looks at the run's values.
 * The plan depends on nothing but the start node and those answers, so it
 * is memoized under them (plan_memo.c) and shared by every run that gets
 * the same answers: a stream holds a pointer, not its own copy. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fixtures.h"

enum run_status { RUN_SUCCEEDED, RUN_FAILED, RUN_PARTIAL_SUCCEEDED, RUN_STOPPED };
enum step_status { STEP_SUCCEEDED, STEP_FAILED, STEP_EXCEPTION };

/* Kept small (16 bytes): a stream of a long pipeline shares one per node. */
struct run_step {
	const struct fx_node *node;
	uint32_t start_ms;             /* simulated, from the run's start */
	uint8_t status;                /* enum step_status */
	uint8_t retries;               /* node_retry events before node_finished */
};

/* Dify's engine limits (WORKFLOW_MAX_EXECUTION_STEPS / _TIME), checked
 * each time a node finishes. */
#define PLAN_MAX_STEPS 500
#define PLAN_MAX_MS UINT64_C(1200000)

struct run_plan {
	struct fx_memo_entry memo;     /* first: the workflow's memo frees it */
	const struct run_step *steps;
	size_t n_steps;
	size_t index_step;             /* the last knowledge-index step; n_steps when none ran */
	enum run_status status;
	const char *error;             /* NULL, or why the run failed or stopped */
	const char *error_type;        /* the failing node's error_type, or NULL */
	unsigned exceptions_count;
	unsigned total_steps;          /* node attempts, retries included */
	long long total_tokens;
	uint64_t total_ms;             /* simulated duration */
	size_t n_events;               /* workflow_started, per step 2 + retries, workflow_finished */
	const uint32_t *first_event;   /* per step, its node_started's event index; NULL: 1 + 2 * step */
	size_t start;                  /* the start node's index */
	unsigned char *key;            /* the oracle's answers (memo key) */
	size_t key_len;
};

/* How a dynamic node ends in this run. */
struct plan_outcome {
	bool failed;
	const char *handle;            /* an if-else's selected handle (borrowed from the workflow) */
	char *error;                   /* failed: the text (malloc'd, taken) */
	const char *error_type;        /* failed: NULL means FX_DEFAULT_ERROR_TYPE (static string) */
};

/* Where the walk is, for the oracle: node i ran as the step_of[i]-th step
 * (UINT32_MAX: not, or not yet), with status status_of[i]. */
struct plan_view {
	const uint32_t *step_of;
	const uint8_t *status_of;
};

struct plan_oracle {
	void *ctx;
	void (*decide)(void *ctx, size_t node, const struct plan_view *v, struct plan_outcome *ret);
	bool limits_stop;              /* a limit ends the run "stopped" (newer Dify), not "failed" */
};

/* The plan of a run of wf from node start. Shared plans live as long as
 * wf; when the memo is full the plan is the caller's (*ret_owned, free it
 * with plan_free), else *ret_owned is NULL. */
const struct run_plan *plan_get(const struct fx_workflow *wf, size_t start, const struct plan_oracle *o,
				struct run_plan **ret_owned);
void plan_free(struct run_plan *p);

/* The memo (plan_memo.c): a plan with these answers from start, or NULL;
 * and keeping one (false when the memo for start is full). */
const struct run_plan *plan_memo_find(const struct fx_workflow *wf, size_t start, const unsigned char *key,
				      size_t key_len);
bool plan_memo_add(const struct fx_workflow *wf, struct run_plan *p, const struct run_plan **ret_kept);

/* The index of the step event i (0 < i < n_events - 1) belongs to, and
 * which of its events it is: 0 node_started, 1..retries node_retry,
 * retries + 1 node_finished. */
size_t plan_event_step(const struct run_plan *p, size_t i, unsigned *ret_which);
/* The class a question classifier picks: its first (no model is asked). */
const char *plan_first_class(const struct fx_node *n);
/* A node's simulated time: attempts, and the waits between them. */
uint64_t plan_step_ms(const struct run_step *s);
