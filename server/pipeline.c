/* pipeline.c -- plan a run of a workflow graph, then render its events. */
#include "pipeline.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template.h"
#include "truncate.h"

static const char *step_status_names[] = { "succeeded", "failed", "exception" };
static const char *run_status_names[] = { "succeeded", "failed", "partial-succeeded" };

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

void fx_plan_free(void *p)
{
	struct run_plan *plan = p;
	if (!plan)
		return;
	free((void *)plan->steps);
	free(plan);
}

/* total_tokens of a node: a number in its execution_metadata (not a template). */
static long long node_tokens(const struct fx_node *nd)
{
	const cJSON *t = json_get(nd->execution_metadata, "total_tokens");
	return cJSON_IsNumber(t) ? (long long)t->valuedouble : 0;
}

/* Walks the graph in the workflow's topological order; a node runs when an
 * edge taken by a node that ran points at it. Nodes run one after another. */
static struct run_plan *plan_new(const struct fx_workflow *wf, size_t start)
{
	struct run_plan *p = xcalloc(1, sizeof *p);
	bool *active = xcalloc(wf->n_nodes, sizeof *active);
	active[start] = true;
	struct run_step *steps = xmalloc(wf->n_nodes * sizeof *steps);
	uint64_t t = 0;
	for (size_t k = 0; k < wf->n_nodes; k++) {
		size_t i = wf->order[k];
		if (!active[i])
			continue;
		const struct fx_node *nd = &wf->nodes[i];
		struct run_step *s = &steps[p->n_steps++];
		s->node = nd;
		s->start_ms = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t; /* 49 days */
		t += nd->duration_ms;
		p->total_tokens += node_tokens(nd);
		const size_t *next = nd->next;
		size_t n_next = nd->n_next;
		if (!nd->fail) {
			s->status = STEP_SUCCEEDED;
		} else if (nd->fail->strategy == FX_STRATEGY_NONE) {
			s->status = STEP_FAILED;
			p->status = RUN_FAILED;
			p->error = nd->fail->error;
			break;
		} else {
			s->status = STEP_EXCEPTION;
			p->exceptions_count++;
			if (nd->fail->strategy == FX_STRATEGY_FAIL_BRANCH) {
				next = nd->fail_next;
				n_next = nd->n_fail_next;
			}
		}
		for (size_t e = 0; e < n_next; e++)
			active[next[e]] = true;
	}
	if (p->status != RUN_FAILED && p->exceptions_count)
		p->status = RUN_PARTIAL_SUCCEEDED;
	p->steps = xrealloc(steps, p->n_steps * sizeof *steps);
	p->total_ms = t;
	p->index_step = p->n_steps;
	for (size_t i = p->n_steps; i-- > 0;) {
		if (!strcmp(p->steps[i].node->type, "knowledge-index")) {
			p->index_step = i;
			break;
		}
	}
	free(active);
	return p;
}

/* The memoized plan; two threads racing both compute it and one keeps its own. */
static const struct run_plan *plan_for(const struct fx_workflow *wf, size_t start)
{
	struct run_plan *p = atomic_load(&wf->plans[start]);
	if (p)
		return p;
	struct run_plan *mine = plan_new(wf, start);
	void *expected = NULL;
	if (atomic_compare_exchange_strong(&wf->plans[start], &expected, mine))
		return mine;
	fx_plan_free(mine);
	return expected;
}

const struct run_plan *pipeline_plan(const struct fx_workflow *wf, const char *start_node_id)
{
	long start = fx_workflow_node_index(wf, start_node_id);
	return start < 0 ? NULL : plan_for(wf, (size_t)start);
}

static void plan(struct run *r, size_t start)
{
	const struct run_plan *p = plan_for(r->wf, start);
	r->steps = p->steps;
	r->n_steps = p->n_steps;
	r->status = p->status;
	r->error = p->error;
	r->exceptions_count = p->exceptions_count;
	r->total_tokens = p->total_tokens;
	r->total_ms = p->total_ms;
	r->index_step = p->index_step;
	r->n_events = 2 + 2 * r->n_steps;
}

struct run_event run_event_at(const struct run *r, size_t i)
{
	if (r->setup_error)
		return (struct run_event){ RUN_EV_ERROR, 0, 0 };
	if (i == 0)
		return (struct run_event){ RUN_EV_WORKFLOW_STARTED, 0, 0 };
	if (i == r->n_events - 1)
		return (struct run_event){ RUN_EV_WORKFLOW_FINISHED, r->total_ms, 0 };
	size_t step = (i - 1) / 2;
	const struct run_step *s = &r->steps[step];
	if ((i - 1) % 2 == 0)
		return (struct run_event){ RUN_EV_NODE_STARTED, s->start_ms, step };
	return (struct run_event){ RUN_EV_NODE_FINISHED, s->start_ms + s->node->duration_ms, step };
}

void run_step_exec_id(const struct run *r, size_t i, char out[IDS_UUID_LEN + 1])
{
	ids_uuid4_from(ids_mix(r->exec_seed[0] + i), ids_mix(r->exec_seed[1] + i), out);
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
	long start = fx_workflow_node_index(p->wf, p->start_node_id);
	if (start < 0) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "Root node id %s not found in the graph", p->start_node_id);
		r->setup_error = buf_steal(&b, NULL);
		r->status = RUN_FAILED;
		r->n_events = 1;
		return r;
	}
	plan(r, (size_t)start);
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
	free(r);
}

/* ---- rendering ---- */

static void ctx_for(const struct run *r, const struct fx_node *nd, struct template_ctx *c)
{
	*c = (struct template_ctx){
		.item = r->item,
		.inputs = r->inputs,
		.datasource_type = r->datasource_type,
		.document_name = r->document_name,
		.dataset_id = r->kb->id,
		.dataset_name = r->kb->name,
		.workflow_run_id = r->id,
		.node_id = nd ? nd->id : NULL,
		.node_title = nd ? nd->title : NULL,
	};
}

static cJSON *render(const struct run *r, const struct fx_node *nd, const cJSON *tpl)
{
	struct template_ctx c;
	ctx_for(r, nd, &c);
	return template_render(tpl, &c);
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

static bool has_icon_extras(const struct fx_node *nd)
{
	return nd->icon && (!strcmp(nd->type, "tool") || !strcmp(nd->type, "datasource"));
}

/* A datasource node reports the item (plus the node's icon) as its inputs
 * and as execution_metadata.datasource_info (wire.md §9.3). */
static cJSON *item_with_icon(const struct run *r, const struct fx_node *nd)
{
	cJSON *o = json_dup(r->item);
	if (nd->icon && cJSON_IsObject(o))
		cJSON_AddItemToObject(o, "icon", json_dup(nd->icon));
	return o;
}

static bool is_datasource(const struct fx_node *nd)
{
	return !strcmp(nd->type, "datasource");
}

/* obj[key] = v: in place when the key is there, else at the end. */
static void set_member(cJSON *obj, const char *key, cJSON *v)
{
	if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v))
		cJSON_AddItemToObject(obj, key, v);
}

static cJSON *step_outputs(const struct run *r, const struct run_step *s)
{
	const struct fx_node *nd = s->node;
	if (s->status == STEP_FAILED)
		return cJSON_CreateNull();
	if (s->status == STEP_EXCEPTION) {
		/* Dify's error strategies (graph_engine/error_handler.py): the
		 * default values, then error_message and error_type; fail-branch
		 * reports only those two. A key the defaults already hold keeps
		 * its place, as in a Python dict. */
		cJSON *o = nd->fail->strategy == FX_STRATEGY_DEFAULT_VALUE ? render(r, nd, nd->fail->default_outputs) : NULL;
		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			o = cJSON_CreateObject();
		}
		const char *type = nd->fail->error_type ? nd->fail->error_type : FX_DEFAULT_ERROR_TYPE;
		set_member(o, "error_message", cJSON_CreateString(nd->fail->error));
		set_member(o, "error_type", cJSON_CreateString(type));
		return o;
	}
	cJSON *o = render(r, nd, nd->outputs);
	return o ? o : cJSON_CreateObject();
}

/* The fields node_started and node_finished begin with, in Dify's order. */
static cJSON *node_data_head(const struct run *r, size_t index)
{
	const struct fx_node *nd = r->steps[index].node;
	char id[IDS_UUID_LEN + 1];
	run_step_exec_id(r, index, id);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	cJSON_AddStringToObject(d, "node_id", nd->id);
	cJSON_AddStringToObject(d, "node_type", nd->type);
	cJSON_AddStringToObject(d, "title", nd->title);
	cJSON_AddItemToObject(d, "index", json_int((long long)index + 1));
	cJSON_AddNullToObject(d, "predecessor_node_id");
	return d;
}

static cJSON *node_started_data(const struct run *r, const struct run_step *s, size_t index)
{
	const struct fx_node *nd = s->node;
	cJSON *d = node_data_head(r, index);
	cJSON_AddNullToObject(d, "inputs");
	cJSON_AddFalseToObject(d, "inputs_truncated");
	cJSON_AddItemToObject(d, "created_at", unix_s(r, s->start_ms));
	cJSON *extras = cJSON_AddObjectToObject(d, "extras");
	if (has_icon_extras(nd))
		cJSON_AddItemToObject(extras, "icon", json_dup(nd->icon));
	cJSON_AddNullToObject(d, "iteration_id");
	cJSON_AddNullToObject(d, "loop_id");
	cJSON_AddNullToObject(d, "agent_strategy");
	return d;
}

static cJSON *node_finished_data(const struct run *r, const struct run_step *s, size_t index)
{
	const struct fx_node *nd = s->node;
	cJSON *d = node_data_head(r, index);
	/* Draft runs are the debugger's: Dify's variable truncator cuts what
	 * node_finished reports (truncate.h), after the files are found. */
	const struct truncate_limits *lim = &truncate_dify_limits;
	cJSON *inputs = nd->inputs ? render(r, nd, nd->inputs)
				   : is_datasource(nd) ? item_with_icon(r, nd) : cJSON_CreateObject();
	bool cut = truncate_mapping(inputs, lim);
	cJSON_AddItemToObject(d, "inputs", inputs);
	cJSON_AddBoolToObject(d, "inputs_truncated", cut);
	cJSON *pd = render(r, nd, nd->process_data);
	cut = truncate_mapping(pd, lim);
	cJSON_AddItemToObject(d, "process_data", pd ? pd : cJSON_CreateNull());
	cJSON_AddBoolToObject(d, "process_data_truncated", cut);
	cJSON *outputs = step_outputs(r, s);
	cJSON *files = files_in(outputs);
	cut = truncate_mapping(outputs, lim);
	cJSON_AddItemToObject(d, "outputs", outputs);
	cJSON_AddBoolToObject(d, "outputs_truncated", cut);
	cJSON_AddStringToObject(d, "status", step_status_names[s->status]);
	if (s->status == STEP_SUCCEEDED)
		cJSON_AddNullToObject(d, "error");
	else
		cJSON_AddStringToObject(d, "error", nd->fail->error);
	cJSON_AddItemToObject(d, "elapsed_time", seconds(nd->duration_ms));
	cJSON *meta = render(r, nd, nd->execution_metadata);
	if (!meta && is_datasource(nd)) {
		meta = cJSON_CreateObject();
		cJSON_AddItemToObject(meta, "datasource_info", item_with_icon(r, nd));
	}
	if (s->status == STEP_EXCEPTION) {
		/* The strategy's result replaces the node's metadata. */
		cJSON_Delete(meta);
		meta = cJSON_CreateObject();
		cJSON_AddStringToObject(meta, "error_strategy", nd->fail->strategy == FX_STRATEGY_FAIL_BRANCH
									? "fail-branch"
									: "default-value");
	}
	cJSON_AddItemToObject(d, "execution_metadata", meta ? meta : cJSON_CreateNull());
	cJSON_AddItemToObject(d, "created_at", unix_s(r, s->start_ms));
	cJSON_AddItemToObject(d, "finished_at", unix_s(r, s->start_ms + nd->duration_ms));
	cJSON_AddItemToObject(d, "files", files);
	cJSON_AddNullToObject(d, "iteration_id");
	cJSON_AddNullToObject(d, "loop_id");
	return d;
}

/* step_outputs written as JSON, without the tree. */
static void write_step_outputs(const struct run *r, const struct run_step *s, struct buf *out, enum json_style style)
{
	const struct fx_node *nd = s->node;
	const cJSON *tpl = nd->outputs;
	if (s->status == STEP_EXCEPTION) { /* rare: the tree will do */
		cJSON *o = step_outputs(r, s);
		json_write(out, o, style);
		cJSON_Delete(o);
	} else if (s->status == STEP_FAILED) {
		buf_puts(out, "null");
	} else if (!tpl) {
		buf_puts(out, "{}");
	} else {
		struct template_ctx c;
		ctx_for(r, nd, &c);
		template_write(out, tpl, &c, style);
	}
}

/* The graph's outputs: those of the last knowledge-index node that ran. */
static cJSON *workflow_outputs(const struct run *r)
{
	if (r->status != RUN_FAILED && r->index_step < r->n_steps)
		return step_outputs(r, &r->steps[r->index_step]);
	return cJSON_CreateObject();
}

/* workflow_outputs written as JSON, without the tree. */
static void write_workflow_outputs(const struct run *r, struct buf *out, enum json_style style)
{
	if (r->status != RUN_FAILED && r->index_step < r->n_steps)
		write_step_outputs(r, &r->steps[r->index_step], out, style);
	else
		buf_puts(out, "{}");
}

static void add_error(const struct run *r, cJSON *d)
{
	if (r->error)
		cJSON_AddStringToObject(d, "error", r->error);
	else
		cJSON_AddNullToObject(d, "error");
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
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", r->id);
	cJSON_AddStringToObject(d, "workflow_id", r->wf->id);
	cJSON_AddStringToObject(d, "status", run_status_names[r->status]);
	cJSON_AddItemToObject(d, "outputs", workflow_outputs(r));
	add_error(r, d);
	cJSON_AddItemToObject(d, "elapsed_time", seconds(r->total_ms));
	cJSON_AddItemToObject(d, "total_tokens", json_int(r->total_tokens));
	cJSON_AddItemToObject(d, "total_steps", json_int((long long)r->n_steps));
	const struct fx_owner *o = &r->kb->workspace->owner;
	cJSON *by = cJSON_AddObjectToObject(d, "created_by");
	cJSON_AddStringToObject(by, "id", o->id);
	cJSON_AddStringToObject(by, "name", o->name);
	cJSON_AddStringToObject(by, "email", o->email);
	cJSON_AddItemToObject(d, "created_at", unix_s(r, 0));
	cJSON_AddItemToObject(d, "finished_at", unix_s(r, r->total_ms));
	cJSON_AddItemToObject(d, "exceptions_count", json_int(r->exceptions_count));
	cJSON_AddArrayToObject(d, "files");
	return d;
}

static const char *event_names[] = { "workflow_started", "node_started", "node_finished", "workflow_finished",
				     "error" };

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
			d = node_started_data(r, &r->steps[ev.step], ev.step);
			break;
		case RUN_EV_NODE_FINISHED:
			d = node_finished_data(r, &r->steps[ev.step], ev.step);
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

/* The body is written straight out rather than built as a cJSON tree and
 * serialized (as published_body is): the dozen nodes around the outputs,
 * their walk and frees took 8,300 of the body's 31,000 instructions
 * (callgrind), and the outputs' tree most of the rest (see
 * template_write). The bytes are json.dumps' (", " and ": "
 * separators, non-ASCII escaped), in Dify's key order. */
void run_blocking_body(const struct run *r, struct buf *out)
{
	buf_reserve(out, 1000); /* as json_write did: the Demo Docs answer, in malloc's small sizes */
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
	put_str(out, run_status_names[r->status]);
	PUT(out, ", \"outputs\": ");
	write_workflow_outputs(r, out, JSON_PYDUMPS);
	PUT(out, ", \"error\": ");
	if (r->error)
		put_str(out, r->error);
	else
		PUT(out, "null");
	PUT(out, ", \"elapsed_time\": ");
	json_format_float(out, (double)r->total_ms / 1000.0); /* seconds(): a float, always finite */
	PUT(out, ", \"total_tokens\": ");
	put_int(out, r->total_tokens);
	PUT(out, ", \"total_steps\": ");
	put_int(out, (long long)r->n_steps);
	PUT(out, ", \"created_at\": ");
	put_int(out, unix_sec(r, 0));
	PUT(out, ", \"finished_at\": ");
	put_int(out, unix_sec(r, r->total_ms));
	PUT(out, "}}");
}
