/* plan.c -- the walk of a workflow graph that plans a run (plan.h says
 * what it copies of Dify's engine). One node runs at a time, in the order
 * the ready queue gives (graphon runs a pipeline's few branches on one
 * worker: graph-semantics.md §3.3). */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

enum { EDGE_UNKNOWN, EDGE_TAKEN, EDGE_SKIPPED };

/* The oracle's answers, the memo key: on the stack until it outgrows it
 * (a plan is walked per request, and most keys are a few bytes). */
struct keybuf {
	unsigned char small[128], *data;
	size_t len, cap;
};

static void key_put(struct keybuf *k, const void *p, size_t n)
{
	if (k->len + n > k->cap) {
		size_t cap = 2 * (k->len + n);
		unsigned char *d = xmalloc(cap);
		memcpy(d, k->data, k->len);
		if (k->data != k->small)
			free(k->data);
		k->data = d;
		k->cap = cap;
	}
	memcpy(k->data + k->len, p, n);
	k->len += n;
}
enum { NODE_UNKNOWN, NODE_QUEUED, NODE_RAN, NODE_SKIPPED };

struct walk {
	const struct fx_workflow *wf;
	uint8_t *edge;                 /* EDGE_* per edge */
	uint8_t *node;                 /* NODE_* per node */
	uint8_t *status_of;            /* enum step_status per node that ran */
	uint32_t *step_of;             /* step index per node that ran, else UINT32_MAX */
	size_t *queue, head, tail;
	struct run_step *steps;
	size_t n_steps;
	struct keybuf key;
	char *error;                   /* why the run failed or stopped (malloc'd) */
	const char *error_type;
	enum run_status status;
	unsigned exceptions, total_steps;
	long long tokens;
	uint64_t t;
	bool retries;
};

static bool is_root(const struct fx_node *n)
{
	return n->type && (n->kind == FX_NODE_DATASOURCE || n->kind == FX_NODE_START);
}

static void enqueue(struct walk *w, size_t v)
{
	w->node[v] = NODE_QUEUED;
	w->queue[w->tail++] = v;
}

static void skip_node(struct walk *w, size_t v);

/* graphon's skip propagator, from an edge just skipped: its target waits
 * while an incoming edge is undecided, runs if one was taken, and is
 * skipped (and its edges with it) when all were skipped. */
static void propagate(struct walk *w, size_t e)
{
	size_t v = w->wf->edges[e].to;
	const struct fx_node *n = &w->wf->nodes[v];
	if (w->node[v] != NODE_UNKNOWN)
		return;
	bool taken = false;
	for (uint32_t k = 0; k < n->n_in; k++) {
		uint8_t st = w->edge[w->wf->in[n->first_in + k]];
		if (st == EDGE_UNKNOWN)
			return;
		taken |= st == EDGE_TAKEN;
	}
	if (taken)
		enqueue(w, v);
	else
		skip_node(w, v);
}

static void skip_node(struct walk *w, size_t v)
{
	const struct fx_node *n = &w->wf->nodes[v];
	w->node[v] = NODE_SKIPPED;
	for (uint32_t k = 0; k < n->n_out; k++) {
		size_t e = w->wf->out[n->first_out + k];
		w->edge[e] = EDGE_SKIPPED;
		propagate(w, e);
	}
}

static bool ready(const struct walk *w, size_t v)
{
	const struct fx_node *n = &w->wf->nodes[v];
	bool taken = false;
	if (w->node[v] != NODE_UNKNOWN)
		return false;
	for (uint32_t k = 0; k < n->n_in; k++) {
		uint8_t st = w->edge[w->wf->in[n->first_in + k]];
		if (st == EDGE_UNKNOWN)
			return false;
		taken |= st == EDGE_TAKEN;
	}
	return taken;
}

/* After node u: a branch (handle not NULL) skips the edges of other handles
 * first, then takes its own; any other node takes all of its edges. */
static void follow(struct walk *w, size_t u, const char *handle)
{
	const struct fx_node *n = &w->wf->nodes[u];
	for (int pass = handle ? 0 : 1; pass < 2; pass++) {
		for (uint32_t k = 0; k < n->n_out; k++) {
			size_t e = w->wf->out[n->first_out + k];
			bool mine = !handle || !strcmp(w->wf->edges[e].handle, handle);
			if (pass == 0 && !mine) {
				w->edge[e] = EDGE_SKIPPED;
				propagate(w, e);
			} else if (pass == 1 && mine) {
				w->edge[e] = EDGE_TAKEN;
				size_t v = w->wf->edges[e].to;
				if (ready(w, v))
					enqueue(w, v);
			}
		}
	}
}

/* The handle a node that is not an if-else takes, given how it ended. A
 * node with the fail-branch strategy is a branch: "fail-branch" edges on
 * failure, the others on success. Other nodes take every edge but
 * "fail-branch" ones, which Dify only draws from such nodes. */
static bool has_fail_edges(const struct walk *w, const struct fx_node *n)
{
	for (uint32_t k = 0; k < n->n_out; k++)
		if (!strcmp(w->wf->edges[w->wf->out[n->first_out + k]].handle, "fail-branch"))
			return true;
	return false;
}

/* Like follow(), for a non-if-else node: on failure (handled by
 * fail-branch) only "fail-branch" edges, else all but those. */
static void follow_plain(struct walk *w, size_t u, bool took_fail_branch)
{
	const struct fx_node *n = &w->wf->nodes[u];
	if (!has_fail_edges(w, n)) {
		follow(w, u, NULL);
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t k = 0; k < n->n_out; k++) {
			size_t e = w->wf->out[n->first_out + k];
			bool fail_edge = !strcmp(w->wf->edges[e].handle, "fail-branch");
			bool mine = fail_edge == took_fail_branch;
			if (pass == 0 && !mine) {
				w->edge[e] = EDGE_SKIPPED;
				propagate(w, e);
			} else if (pass == 1 && mine) {
				w->edge[e] = EDGE_TAKEN;
				size_t v = w->wf->edges[e].to;
				if (ready(w, v))
					enqueue(w, v);
			}
		}
	}
}

const char *plan_first_class(const struct fx_node *n)
{
	const cJSON *first = cJSON_GetArrayItem(json_get(n->data, "classes"), 0), *id = json_get(first, "id");
	return cJSON_IsString(id) ? id->valuestring : "";
}

static void key_str(struct keybuf *k, const char *s)
{
	key_put(k, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* How node u ends: failed (and how often it was retried), or not; and the
 * handle an if-else selected. */
struct ending {
	bool failed;
	unsigned retries, failed_attempts;
	const char *handle;
	const char *error, *error_type;
	char *own_error;
};

static void decide(struct walk *w, size_t u, const struct plan_oracle *o, struct ending *end)
{
	const struct fx_node *n = &w->wf->nodes[u];
	*end = (struct ending){ 0 };
	if (n->fail) {
		/* The fixture's failure: times == 0 fails every attempt, else the
		 * first `times`; retries (max_retries) may outlast them. */
		uint32_t max = n->max_retries, times = n->fail->times;
		unsigned failing = times == 0 || times > max ? max + 1 : times;
		end->failed = times == 0 || times > max;
		end->retries = end->failed ? failing - 1 : failing;
		end->failed_attempts = failing;
		end->error = n->fail->error;
		end->error_type = n->fail->error_type;
		return;
	}
	if (!n->dynamic || !o || !o->decide)
		return;
	struct plan_outcome out = { 0 };
	struct plan_view v = { w->step_of, w->status_of };
	o->decide(o->ctx, u, &v, &out);
	key_put(&w->key, out.failed ? "F" : "S", 1);
	key_str(&w->key, out.handle);
	key_str(&w->key, out.error);
	key_str(&w->key, out.error_type);
	end->failed = out.failed;
	end->failed_attempts = out.failed;
	end->handle = out.handle;
	end->own_error = out.error;
	end->error = out.error;
	end->error_type = out.error_type;
}

static uint64_t step_ms(const struct fx_node *n, unsigned retries)
{
	return (uint64_t)(retries + 1) * n->duration_ms + (uint64_t)retries * n->retry_interval_ms;
}

uint64_t plan_step_ms(const struct run_step *s)
{
	return step_ms(s->node, s->retries);
}

static void set_error(struct walk *w, const char *text, const char *type)
{
	free(w->error);
	w->error = xstrdup(text ? text : "");
	w->error_type = type;
}

/* total_tokens of a node: a number in its execution_metadata (not a template). */
static long long node_tokens(const struct fx_node *nd)
{
	const cJSON *t = json_get(nd->execution_metadata, "total_tokens");
	return cJSON_IsNumber(t) ? (long long)t->valuedouble : 0;
}

/* Runs node u: one step; false when the run ends here. */
static bool run_node(struct walk *w, size_t u, const struct plan_oracle *o)
{
	const struct fx_node *n = &w->wf->nodes[u];
	struct ending end;
	decide(w, u, o, &end);
	struct run_step *s = &w->steps[w->n_steps];
	s->node = n;
	s->start_ms = w->t > UINT32_MAX ? UINT32_MAX : (uint32_t)w->t; /* 49 days */
	s->retries = end.retries > 255 ? 255 : (uint8_t)end.retries;
	w->retries |= end.retries > 0;
	w->t += step_ms(n, s->retries);
	w->total_steps += 1 + s->retries;
	w->tokens += node_tokens(n);
	/* Every failed attempt counts (graphon's record_node_failure on each
	 * NodeRunFailedEvent): a retried one, one an error strategy handles,
	 * and the one that fails the run, whose workflow_finished reports it. */
	w->exceptions += end.failed_attempts;
	enum fx_error_strategy strategy = fx_node_strategy(n);
	if (!end.failed)
		s->status = STEP_SUCCEEDED;
	else if (strategy == FX_STRATEGY_NONE)
		s->status = STEP_FAILED;
	else
		s->status = STEP_EXCEPTION;
	w->step_of[u] = (uint32_t)w->n_steps++;
	w->status_of[u] = s->status;
	w->node[u] = NODE_RAN;
	if (s->status == STEP_FAILED) {
		w->status = RUN_FAILED;
		set_error(w, end.error, end.error_type);
		free(end.own_error);
		return false;
	}
	free(end.own_error);
	if (w->total_steps > PLAN_MAX_STEPS || w->t > PLAN_MAX_MS) {
		char msg[96];
		if (w->total_steps > PLAN_MAX_STEPS)
			snprintf(msg, sizeof msg, "Maximum execution steps exceeded: %u > %u", w->total_steps,
				 PLAN_MAX_STEPS);
		else
			snprintf(msg, sizeof msg, "Maximum execution time exceeded: %.2fs > %us", (double)w->t / 1000.0,
				 (unsigned)(PLAN_MAX_MS / 1000));
		w->status = o && o->limits_stop ? RUN_STOPPED : RUN_FAILED;
		set_error(w, msg, NULL);
		return false;
	}
	if (n->kind == FX_NODE_IF_ELSE && n->data && s->status == STEP_SUCCEEDED)
		follow(w, u, end.handle ? end.handle : "false");
	else if (n->kind == FX_NODE_QUESTION_CLASSIFIER && n->data && s->status == STEP_SUCCEEDED)
		follow(w, u, plan_first_class(n));
	else
		follow_plain(w, u, s->status == STEP_EXCEPTION && strategy == FX_STRATEGY_FAIL_BRANCH);
	return true;
}

static void memo_free(struct fx_memo_entry *e)
{
	plan_free((struct run_plan *)e);
}

static struct run_plan *plan_from_walk(struct walk *w, size_t start)
{
	struct run_plan *p = xcalloc(1, sizeof *p);
	p->memo.free = memo_free;
	struct run_step *steps = xmalloc((w->n_steps ? w->n_steps : 1) * sizeof *steps);
	memcpy(steps, w->steps, w->n_steps * sizeof *steps);
	p->steps = steps;
	p->n_steps = w->n_steps;
	p->status = w->status;
	if (p->status == RUN_SUCCEEDED && w->exceptions)
		p->status = RUN_PARTIAL_SUCCEEDED;
	p->error = w->error;
	w->error = NULL;
	p->error_type = w->error_type;
	p->exceptions_count = w->exceptions;
	p->total_steps = w->total_steps;
	p->total_tokens = w->tokens;
	p->total_ms = w->t;
	p->start = start;
	p->index_step = p->n_steps;
	for (size_t i = p->n_steps; i-- > 0;) {
		if (p->steps[i].node->kind == FX_NODE_KNOWLEDGE_INDEX) {
			p->index_step = i;
			break;
		}
	}
	p->n_events = 2 + 2 * p->n_steps;
	if (w->retries) {
		uint32_t *first = xmalloc((p->n_steps ? p->n_steps : 1) * sizeof *first);
		size_t at = 1;
		for (size_t i = 0; i < p->n_steps; i++) {
			first[i] = (uint32_t)at;
			at += 2 + p->steps[i].retries;
		}
		p->first_event = first;
		p->n_events = at + 1;
	}
	p->key = xmalloc(w->key.len);
	memcpy(p->key, w->key.data, w->key.len);
	p->key_len = w->key.len;
	return p;
}

void plan_free(struct run_plan *p)
{
	if (!p)
		return;
	free((void *)p->steps);
	free((void *)p->first_event);
	free((void *)p->error);
	free(p->key);
	free(p);
}

/* The walk's arrays, on the stack for graphs of up to WALK_SMALL nodes and
 * twice as many edges (every pipeline a person draws): a request plans a
 * run, and seven allocations per plan were a tenth of a published run. */
#define WALK_SMALL 64
struct walk_small {
	uint8_t edge[2 * WALK_SMALL], node[WALK_SMALL], status_of[WALK_SMALL];
	uint32_t step_of[WALK_SMALL];
	size_t queue[WALK_SMALL];
	struct run_step steps[WALK_SMALL];
};

static void walk_free(struct walk *w, void *heap)
{
	free(heap);
	free(w->error);
	if (w->key.data != w->key.small)
		free(w->key.data);
}

const struct run_plan *plan_get(const struct fx_workflow *wf, size_t start, const struct plan_oracle *o,
				struct run_plan **ret_owned)
{
	size_t n = wf->n_nodes ? wf->n_nodes : 1, ne = wf->n_edges ? wf->n_edges : 1;
	struct walk_small small;
	void *heap = NULL;
	struct walk w = { .wf = wf };
	if (n <= WALK_SMALL && ne <= 2 * WALK_SMALL) {
		w.edge = small.edge, w.node = small.node, w.status_of = small.status_of;
		w.step_of = small.step_of, w.queue = small.queue, w.steps = small.steps;
	} else {
		char *m = heap = xmalloc(ne + 2 * n + n * (sizeof(uint32_t) + sizeof(size_t) + sizeof(struct run_step)));
		w.steps = (struct run_step *)m, m += n * sizeof(struct run_step);
		w.queue = (size_t *)m, m += n * sizeof(size_t);
		w.step_of = (uint32_t *)m, m += n * sizeof(uint32_t);
		w.edge = (uint8_t *)m, m += ne;
		w.node = (uint8_t *)m, m += n;
		w.status_of = (uint8_t *)m;
	}
	memset(w.edge, 0, ne);
	memset(w.node, 0, n);
	memset(w.status_of, 0, n);
	memset(w.step_of, 0xff, n * sizeof(uint32_t));
	w.key.data = w.key.small;
	w.key.cap = sizeof w.key.small;
	*ret_owned = NULL;
	/* How limits end a run is part of what the plan says: one byte for it
	 * (and the key is never empty). */
	key_put(&w.key, o && o->limits_stop ? "S" : "F", 1);
	/* Graph.init: every other root is skipped, and what only it leads to. */
	for (size_t i = 0; i < wf->n_nodes; i++)
		if (i != start && is_root(&wf->nodes[i]) && w.node[i] == NODE_UNKNOWN)
			skip_node(&w, i);
	enqueue(&w, start);
	while (w.head < w.tail && run_node(&w, w.queue[w.head++], o))
		;
	const struct run_plan *shared = plan_memo_find(wf, start, w.key.data, w.key.len);
	if (shared) {
		walk_free(&w, heap);
		return shared;
	}
	struct run_plan *p = plan_from_walk(&w, start);
	walk_free(&w, heap);
	const struct run_plan *kept;
	if (plan_memo_add(wf, p, &kept))
		return kept;
	*ret_owned = p;
	return p;
}

size_t plan_event_step(const struct run_plan *p, size_t i, unsigned *ret_which)
{
	if (!p->first_event) {
		*ret_which = (i - 1) % 2;
		return (i - 1) / 2;
	}
	size_t lo = 0, hi = p->n_steps; /* the last step whose first event is <= i */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (p->first_event[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	unsigned which = (unsigned)(i - p->first_event[lo]);
	*ret_which = which;
	return lo;
}
