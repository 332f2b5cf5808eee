/* pipeline.c -- a draft run: its plan, then its events and blocking body,
 * each rendered when asked for from the plan and a fresh variable pool. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "node_defaults.h"
#include "pool.h"
#include "template.h"
#include "truncate.h"

static const char *step_status_names[] = { "succeeded", "failed", "exception" };
static const char *run_status_names[] = { "succeeded", "failed", "partial-succeeded", "stopped" };

const char *run_status_name(enum run_status s)
{
	return run_status_names[s];
}

const cJSON *pipeline_document_name_value(const char *datasource_type, const cJSON *item)
{
	if (!strcmp(datasource_type, "online_document"))
		return json_get(json_get(item, "page"), "page_name");
	if (!strcmp(datasource_type, "website_crawl"))
		return json_get(item, "title");
	return json_get(item, "name");
}

cJSON *pipeline_document_name(const char *datasource_type, const cJSON *item)
{
	const cJSON *v = pipeline_document_name_value(datasource_type, item);
	return v ? json_dup(v) : cJSON_CreateString("untitled");
}

const char *pipeline_document_name_text(const cJSON *name_value)
{
	return !name_value ? "untitled" : cJSON_IsString(name_value) ? name_value->valuestring : "";
}

long pipeline_start_node(const struct fx_workflow *wf, const char *start_node_id, char **ret_error)
{
	struct buf b = BUF_INIT;
	*ret_error = NULL;
	if (!*start_node_id) {
		/* get_default_root_node_id: the first start or datasource node. */
		for (size_t i = 0; i < wf->n_nodes; i++)
			if (wf->nodes[i].kind == FX_NODE_DATASOURCE || wf->nodes[i].kind == FX_NODE_START)
				return (long)i;
	}
	long start = fx_workflow_node_index(wf, start_node_id);
	if (start < 0) {
		buf_printf(&b, "Root node id %s not found in the graph", start_node_id);
		*ret_error = buf_steal(&b, NULL);
		return -1;
	}
	enum fx_node_kind k = wf->nodes[start].kind;
	if (k != FX_NODE_DATASOURCE && k != FX_NODE_START) {
		buf_printf(&b, "[INVALID_ROOT] Root node '%s' must declare execution type 'root'.", start_node_id);
		*ret_error = buf_steal(&b, NULL);
		return -1;
	}
	return start;
}

/* What the run's pool reads (pool.h). */
static void values_of(const struct run *r, struct run_values *v)
{
	*v = (struct run_values){
		.kb = r->kb,
		.wf = r->wf,
		.start = r->start,
		.item = r->item,
		.inputs = r->inputs,
		.datasource_type = r->datasource_type,
		.ds_kind = fx_ds_kind_of(r->datasource_type),
		.document_name = r->document_name,
		.workflow_run_id = r->id,
		.created_at_ms = r->created_at_ms,
		.docs = r->docs,
		.empty_cases_true = r->dify_1_13,
	};
}

/* Every random number a run takes, in this order. */
static void draw_ids(char id[IDS_UUID_LEN + 1], char task_id[IDS_UUID_LEN + 1], uint64_t exec_seed[2])
{
	ids_uuid4(id);
	ids_uuid4(task_id);
	exec_seed[0] = ids_random64();
	exec_seed[1] = ids_random64();
}

void pipeline_draw_run_id(char id[IDS_UUID_LEN + 1])
{
	char task_id[IDS_UUID_LEN + 1];
	uint64_t exec_seed[2];
	draw_ids(id, task_id, exec_seed);
}

struct run *pipeline_run_new(const struct run_params *p)
{
	struct run *r = xcalloc(1, sizeof *r);
	draw_ids(r->id, r->task_id, r->exec_seed);
	r->fx = p->fx;
	r->kb = p->kb;
	r->wf = p->wf;
	r->item = p->item ? json_dup(p->item) : cJSON_CreateObject();
	r->inputs = p->inputs ? p->inputs : cJSON_CreateObject();
	r->datasource_type = xstrdup(p->datasource_type);
	r->document_name =
		xstrdup(pipeline_document_name_text(pipeline_document_name_value(p->datasource_type, r->item)));
	r->created_at_ms = p->created_at_ms;
	r->docs = p->docs;
	r->dify_1_13 = p->dify_1_13;
	long start = pipeline_start_node(p->wf, p->start_node_id, &r->setup_error);
	if (start < 0) {
		r->n_events = 1;
		return r;
	}
	r->start = (size_t)start;
	struct run_values v;
	values_of(r, &v);
	struct pool *pl = pool_new(&v);
	struct plan_oracle o = { pl, pool_decide, !r->dify_1_13 };
	r->plan = plan_get(r->wf, r->start, &o, &r->owned_plan);
	pool_free(pl);
	r->n_events = r->plan->n_events;
	return r;
}

void run_free(struct run *r)
{
	if (!r)
		return;
	cJSON_Delete(r->item);
	cJSON_Delete(r->inputs);
	fixtures_free(r->fx);
	free(r->datasource_type);
	free(r->document_name);
	free(r->setup_error);
	plan_free(r->owned_plan);
	free(r);
}

enum run_status run_status(const struct run *r)
{
	return r->plan ? r->plan->status : RUN_FAILED;
}

uint64_t run_total_ms(const struct run *r)
{
	return r->plan ? r->plan->total_ms : 0;
}

struct run_event run_event_at(const struct run *r, size_t i)
{
	if (r->setup_error)
		return (struct run_event){ RUN_EV_ERROR, 0, 0, 0 };
	const struct run_plan *p = r->plan;
	if (i == 0)
		return (struct run_event){ RUN_EV_WORKFLOW_STARTED, 0, 0, 0 };
	if (i == r->n_events - 1)
		return (struct run_event){ RUN_EV_WORKFLOW_FINISHED, p->total_ms, 0, 0 };
	unsigned which;
	size_t step = plan_event_step(p, i, &which);
	const struct run_step *s = &p->steps[step];
	const struct fx_node *nd = s->node;
	if (which == 0)
		return (struct run_event){ RUN_EV_NODE_STARTED, s->start_ms, step, 0 };
	if (which <= s->retries) /* attempt `which` failed: its end */
		return (struct run_event){ RUN_EV_NODE_RETRY,
					   s->start_ms + which * nd->duration_ms + (which - 1) * nd->retry_interval_ms,
					   step, which };
	return (struct run_event){ RUN_EV_NODE_FINISHED, s->start_ms + plan_step_ms(s), step, 0 };
}

void run_step_exec_id(const struct run *r, size_t i, char out[IDS_UUID_LEN + 1])
{
	ids_uuid4_from(ids_mix(r->exec_seed[0] + i), ids_mix(r->exec_seed[1] + i), out);
}

/* ---- rendering ---- */

/* A pool for rendering: the plan's view of who ran before whom. */
static struct pool *render_pool(const struct run *r, struct run_values *v)
{
	values_of(r, v);
	struct pool *pl = pool_new(v);
	pool_view_plan(pl, r->plan);
	return pl;
}

static size_t node_index(const struct run *r, const struct fx_node *nd)
{
	return (size_t)(nd - r->wf->nodes);
}

/* Unix seconds offset_ms into the run. */
static long long unix_sec(const struct run *r, uint64_t offset_ms)
{
	return (r->created_at_ms + (int64_t)offset_ms) / 1000;
}

static cJSON *unix_s(const struct run *r, uint64_t offset_ms)
{
	return json_int(unix_sec(r, offset_ms));
}

static cJSON *seconds(uint64_t ms)
{
	return json_float((double)ms / 1000.0);
}

static bool is_file_dict(const cJSON *v)
{
	const cJSON *id = json_get(v, "dify_model_identity");
	return cJSON_IsString(id) && !strcmp(id->valuestring, "__dify__file__");
}

/* Dify lists the file objects found among a node's output values. */
static cJSON *files_in(const cJSON *outputs)
{
	cJSON *files = cJSON_CreateArray();
	const cJSON *v, *e;
	cJSON_ArrayForEach(v, outputs) {
		if (is_file_dict(v))
			cJSON_AddItemToArray(files, json_dup(v));
		else if (cJSON_IsArray(v))
			cJSON_ArrayForEach(e, v)
				if (is_file_dict(e))
					cJSON_AddItemToArray(files, json_dup(e));
	}
	return files;
}

/* The outputs node_finished reports for step s: null when it failed. */
static cJSON *step_outputs(struct pool *pl, const struct run *r, const struct run_step *s)
{
	const struct fx_node *nd = s->node;
	if (s->status == STEP_FAILED)
		return cJSON_CreateNull();
	/* A fixture's template that reads no other node is rendered as it is:
	 * the pool's memo and view of the plan (for a 600-node plan, arrays
	 * of 600) are for the nodes that read others. */
	if (s->status == STEP_SUCCEEDED && nd->outputs && !template_reads_pool(nd->outputs)) {
		cJSON *o = pool_render(pl, node_index(r, nd), nd->outputs);
		return o ? o : cJSON_CreateObject();
	}
	const cJSON *o = pool_outputs(pl, node_index(r, nd));
	return o ? json_dup(o) : cJSON_CreateObject();
}

/* The fields node_started, node_retry and node_finished begin with, in
 * Dify's order. index is always 1: Dify never sets node_run_index for
 * node starts (graph-semantics.md §4.8). */
static cJSON *node_data_head(const struct run *r, size_t step)
{
	const struct fx_node *nd = r->plan->steps[step].node;
	char id[IDS_UUID_LEN + 1];
	run_step_exec_id(r, step, id);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "node_id", nd->id);
	cJSON_AddStringToObject(d, "node_type", nd->type);
	cJSON_AddStringToObject(d, "title", nd->title);
	cJSON_AddItemToObject(d, "index", json_int(1));
	cJSON_AddNullToObject(d, "predecessor_node_id");
	return d;
}

static cJSON *node_started_data(const struct run *r, size_t step)
{
	const struct run_step *s = &r->plan->steps[step];
	const struct fx_node *nd = s->node;
	cJSON *d = node_data_head(r, step);
	cJSON_AddNullToObject(d, "inputs");
	cJSON_AddFalseToObject(d, "inputs_truncated");
	cJSON_AddItemToObject(d, "created_at", unix_s(r, s->start_ms));
	cJSON *extras = cJSON_AddObjectToObject(d, "extras");
	cJSON *icon = nd->kind == FX_NODE_TOOL || nd->kind == FX_NODE_DATASOURCE ? node_defaults_icon(r->kb, nd) : NULL;
	if (icon)
		cJSON_AddItemToObject(extras, "icon", icon);
	cJSON_AddNullToObject(d, "iteration_id");
	cJSON_AddNullToObject(d, "loop_id");
	cJSON_AddNullToObject(d, "agent_strategy");
	return d;
}

/* A truncated copy's flag: Dify's variable truncator (truncate.h) cuts what
 * node_finished reports in draft runs. */
static void add_truncated(cJSON *d, const char *key, cJSON *v, const char *flag)
{
	bool cut = truncate_mapping(v, &truncate_dify_limits);
	cJSON_AddItemToObject(d, key, v ? v : cJSON_CreateNull());
	cJSON_AddBoolToObject(d, flag, cut);
}

/* node_finished, or the node_retry of attempt `retry` (1-based). */
static cJSON *node_finished_data(const struct run *r, size_t step, unsigned retry)
{
	const struct run_step *s = &r->plan->steps[step];
	const struct fx_node *nd = s->node;
	size_t i = node_index(r, nd);
	struct run_values v;
	struct pool *pl = render_pool(r, &v);
	cJSON *d = node_data_head(r, step);
	uint8_t status = retry ? STEP_FAILED : s->status;
	add_truncated(d, "inputs", pool_node_inputs(pl, i), "inputs_truncated");
	add_truncated(d, "process_data", pool_node_process_data(pl, i), "process_data_truncated");
	cJSON *outputs = retry ? cJSON_CreateNull() : step_outputs(pl, r, s);
	cJSON *files = files_in(outputs);
	add_truncated(d, "outputs", outputs, "outputs_truncated");
	cJSON_AddStringToObject(d, "status", retry ? "retry" : step_status_names[status]);
	const char *type;
	char *err = status == STEP_SUCCEEDED ? NULL : pool_node_error(pl, i, &type);
	if (!err && retry && nd->fail) /* a retried attempt fails as the fixture says */
		err = xstrdup(nd->fail->error);
	if (err)
		cJSON_AddStringToObject(d, "error", err);
	else
		cJSON_AddNullToObject(d, "error");
	free(err);
	/* A retry reports the node's start (its node_started) and the failed
	 * attempt's own length, and ends when that attempt did. */
	uint64_t start = s->start_ms, end = s->start_ms + plan_step_ms(s);
	if (retry)
		end = start + (retry - 1) * (nd->duration_ms + nd->retry_interval_ms) + nd->duration_ms;
	cJSON_AddItemToObject(d, "elapsed_time", seconds(retry ? nd->duration_ms : plan_step_ms(s)));
	cJSON *meta = pool_node_metadata(pl, i);
	if (s->status == STEP_EXCEPTION && !retry) {
		/* The strategy's result replaces the node's metadata. */
		cJSON_Delete(meta);
		meta = cJSON_CreateObject();
		cJSON_AddStringToObject(meta, "error_strategy", fx_node_strategy(nd) == FX_STRATEGY_FAIL_BRANCH
									? "fail-branch"
									: "default-value");
	}
	cJSON_AddItemToObject(d, "execution_metadata", meta ? meta : cJSON_CreateNull());
	cJSON_AddItemToObject(d, "created_at", unix_s(r, start));
	cJSON_AddItemToObject(d, "finished_at", unix_s(r, end));
	cJSON_AddItemToObject(d, "files", files);
	cJSON_AddNullToObject(d, "iteration_id");
	cJSON_AddNullToObject(d, "loop_id");
	if (retry)
		cJSON_AddItemToObject(d, "retry_index", json_int(retry));
	pool_free(pl);
	return d;
}

/* The graph's outputs: those of the last knowledge-index node that ran
 * (the only RESPONSE node of a pipeline), {} when none did or the run
 * did not succeed. */
static cJSON *workflow_outputs(const struct run *r)
{
	const struct run_plan *p = r->plan;
	enum run_status st = p->status;
	if ((st != RUN_SUCCEEDED && st != RUN_PARTIAL_SUCCEEDED) || p->index_step >= p->n_steps)
		return cJSON_CreateObject();
	struct run_values v;
	struct pool *pl = render_pool(r, &v);
	cJSON *o = step_outputs(pl, r, &p->steps[p->index_step]);
	pool_free(pl);
	return o;
}

static cJSON *workflow_started_data(const struct run *r)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", r->id);
	cJSON_AddStringToObject(d, "workflow_id", r->wf->id);
	cJSON *in = json_dup(r->inputs);
	cJSON_AddArrayToObject(in, "sys.files");
	cJSON_AddStringToObject(in, "sys.user_id", r->kb->workspace->owner.id);
	cJSON_AddStringToObject(in, "sys.app_id", r->kb->pipeline->id);
	cJSON_AddStringToObject(in, "sys.workflow_id", r->wf->id);
	cJSON_AddStringToObject(in, "sys.workflow_run_id", r->id);
	cJSON_AddItemToObject(d, "inputs", in);
	cJSON_AddItemToObject(d, "created_at", unix_s(r, 0));
	cJSON_AddStringToObject(d, "reason", "initial");
	return d;
}

static cJSON *workflow_finished_data(const struct run *r)
{
	const struct run_plan *p = r->plan;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", r->id);
	cJSON_AddStringToObject(d, "workflow_id", r->wf->id);
	cJSON_AddStringToObject(d, "status", run_status_names[p->status]);
	cJSON_AddItemToObject(d, "outputs", workflow_outputs(r));
	if (p->error)
		cJSON_AddStringToObject(d, "error", p->error);
	else
		cJSON_AddNullToObject(d, "error");
	cJSON_AddItemToObject(d, "elapsed_time", seconds(p->total_ms));
	cJSON_AddItemToObject(d, "total_tokens", json_int(p->total_tokens));
	cJSON_AddItemToObject(d, "total_steps", json_int(p->total_steps));
	const struct fx_owner *o = &r->kb->workspace->owner;
	cJSON *by = cJSON_AddObjectToObject(d, "created_by");
	cJSON_AddStringToObject(by, "id", o->id);
	cJSON_AddStringToObject(by, "name", o->name);
	cJSON_AddStringToObject(by, "email", o->email);
	cJSON_AddItemToObject(d, "created_at", unix_s(r, 0));
	cJSON_AddItemToObject(d, "finished_at", unix_s(r, p->total_ms));
	cJSON_AddItemToObject(d, "exceptions_count", json_int(p->exceptions_count));
	cJSON_AddArrayToObject(d, "files");
	return d;
}

static const char *event_names[] = { "workflow_started", "node_started", "node_retry", "node_finished",
				     "workflow_finished", "error" };

void run_event_json(const struct run *r, size_t i, struct buf *out)
{
	struct run_event ev = run_event_at(r, i);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "event", event_names[ev.kind]);
	if (ev.kind == RUN_EV_ERROR) {
		/* No task_id; the mapped ValueError dict is code, status, message. */
		cJSON_AddNullToObject(e, "workflow_run_id");
		cJSON_AddStringToObject(e, "code", "invalid_param");
		cJSON_AddItemToObject(e, "status", json_int(400));
		cJSON_AddStringToObject(e, "message", r->setup_error);
	} else {
		cJSON_AddStringToObject(e, "workflow_run_id", r->id);
		cJSON_AddStringToObject(e, "task_id", r->task_id);
		cJSON *d;
		switch (ev.kind) {
		case RUN_EV_WORKFLOW_STARTED:
			d = workflow_started_data(r);
			break;
		case RUN_EV_NODE_STARTED:
			d = node_started_data(r, ev.step);
			break;
		case RUN_EV_NODE_RETRY:
			d = node_finished_data(r, ev.step, ev.retry);
			break;
		case RUN_EV_NODE_FINISHED:
			d = node_finished_data(r, ev.step, 0);
			break;
		default:
			d = workflow_finished_data(r);
			break;
		}
		cJSON_AddItemToObject(e, "data", d);
	}
	json_write(out, e, JSON_ORJSON);
	cJSON_Delete(e);
}

/* Decimal text of v (json_int's literal), without printf. */
static void put_int(struct buf *out, long long v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	buf_append(out, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_str(struct buf *out, const char *s)
{
	json_write_string(out, s, strlen(s), JSON_PYDUMPS);
}

#define PUT(out, lit) buf_append((out), (lit), sizeof(lit) - 1)

/* workflow_outputs written as JSON. A knowledge-index node with a fixture
 * template is written straight from it (template_write), without a tree:
 * the dozen nodes of the Demo Docs outputs, their walk and frees had been
 * most of a blocking answer's cost (callgrind). */
static void write_workflow_outputs(const struct run *r, struct buf *out)
{
	const struct run_plan *p = r->plan;
	const struct run_step *s = p->index_step < p->n_steps ? &p->steps[p->index_step] : NULL;
	bool ok = p->status == RUN_SUCCEEDED || p->status == RUN_PARTIAL_SUCCEEDED;
	if (ok && s && s->status == STEP_SUCCEEDED && s->node->outputs && !template_reads_pool(s->node->outputs)) {
		struct template_ctx c = {
			.item = r->item,
			.inputs = r->inputs,
			.datasource_type = r->datasource_type,
			.document_name = r->document_name,
			.dataset_id = r->kb->id,
			.dataset_name = r->kb->name,
			.workflow_run_id = r->id,
			.node_id = s->node->id,
			.node_title = s->node->title,
		};
		template_write(out, s->node->outputs, &c, JSON_PYDUMPS);
		return;
	}
	cJSON *o = workflow_outputs(r);
	json_write(out, o, JSON_PYDUMPS);
	cJSON_Delete(o);
}

/* The body is written straight out rather than built as a cJSON tree and
 * serialized (as published_body is): the bytes are json.dumps' (", " and
 * ": " separators, non-ASCII escaped), in Dify's key order. */
void run_blocking_body(const struct run *r, struct buf *out)
{
	/* A run that never started (api.c answers 500 instead) reads as a
	 * failed run of no steps, its setup error the error. */
	static const struct run_plan none = { .status = RUN_FAILED };
	const struct run_plan *p = r->plan ? r->plan : &none;
	const char *error = r->plan ? p->error : r->setup_error;
	buf_reserve(out, 1000); /* the Demo Docs answer, in malloc's small sizes */
	PUT(out, "{\"task_id\": ");
	put_str(out, r->task_id);
	PUT(out, ", \"workflow_run_id\": ");
	put_str(out, r->id);
	PUT(out, ", \"data\": {\"id\": ");
	put_str(out, r->id);
	if (r->wf->id) { /* cJSON_AddStringToObject adds nothing for NULL */
		PUT(out, ", \"workflow_id\": ");
		put_str(out, r->wf->id);
	}
	PUT(out, ", \"status\": ");
	put_str(out, run_status_names[p->status]);
	PUT(out, ", \"outputs\": ");
	if (r->plan)
		write_workflow_outputs(r, out);
	else
		PUT(out, "{}");
	PUT(out, ", \"error\": ");
	if (error)
		put_str(out, error);
	else
		PUT(out, "null");
	PUT(out, ", \"elapsed_time\": ");
	json_format_float(out, (double)p->total_ms / 1000.0); /* seconds(): a float, always finite */
	PUT(out, ", \"total_tokens\": ");
	put_int(out, p->total_tokens);
	PUT(out, ", \"total_steps\": ");
	put_int(out, p->total_steps);
	PUT(out, ", \"created_at\": ");
	put_int(out, unix_sec(r, 0));
	PUT(out, ", \"finished_at\": ");
	put_int(out, unix_sec(r, p->total_ms));
	PUT(out, "}}");
}
