/* fuzz-fixtures.c -- fixture loading of arbitrary bytes: the input is the one
 * fixture file of a directory (made once), loaded with fixtures_load() as
 * `dify-mock --fixtures DIR` would. When it loads, every workflow (scenarios'
 * variants included) is run from each of its first nodes, every event and
 * blocking body is rendered and the stream is played with the scenario's
 * stream fault, so that odd graphs and faults reach the simulator. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fixtures.h"
#include "ids.h"
#include "json.h"
#include "pipeline.h"
#include "sse.h"

#define MAX_START_NODES 8

static char dir[64];
static char file[96];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_dir(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/fuzz-fixtures-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof file, "%s/fixture.json", dir);
	atexit(remove_dir);
	ids_seed(1);
	return 0;
}

/* The stream of run at time scale 0, to its end (or a bound: a fault may
 * leave it open with pings only). Takes run. */
static void play(struct run *run, const struct fx_stream_fault *fault)
{
	struct sse_stream s;
	char out[256];
	uint64_t now = 1000;
	sse_stream_init(&s, run, fault, now, 0, 10000);
	for (int i = 0; i < 500; i++) {
		size_t len = 0;
		uint64_t due = 0;
		enum sse_step st = sse_stream_next(&s, now, out, sizeof out, &len, &due);
		if (st == SSE_END || st == SSE_ABORT)
			break;
		if (len > sizeof out)
			abort();
		if (st == SSE_WAIT)
			now = due > now ? due : now + 1;
	}
	sse_stream_done(&s);
}

static void run_workflow(const struct fx_kb *kb, const struct fx_workflow *wf, const struct fx_stream_fault *fault)
{
	if (!wf)
		return;
	for (size_t i = 0; i < wf->n_nodes && i < MAX_START_NODES; i++) {
		struct run_params p = {
			.kb = kb,
			.wf = wf,
			.start_node_id = wf->nodes[i].id ? wf->nodes[i].id : "",
			.datasource_type = "local_file",
			.inputs = cJSON_CreateObject(),
			.created_at_ms = INT64_C(1795000000000),
		};
		cJSON *item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "reference", "r1");
		cJSON_AddStringToObject(item, "name", "a.pdf");
		p.item = item;
		struct run *run = pipeline_run_new(&p);
		cJSON_Delete(item);
		struct buf b = BUF_INIT;
		for (size_t e = 0; e < run->n_events; e++) {
			buf_reset(&b);
			run_event_json(run, e, &b);
		}
		buf_reset(&b);
		run_blocking_body(run, &b);
		buf_free(&b);
		play(run, fault);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	struct fixtures *fx;
	struct fx_problems problems = { NULL, 0 };
	if (fixtures_load(dir, &fx, &problems)) {
		if (!problems.n)
			abort(); /* a failed load always says why */
		fx_problems_free(&problems);
		return 0;
	}
	for (size_t i = 0; i < fixtures_kb_count(fx); i++) {
		const struct fx_kb *kb = fixtures_kb_at(fx, i);
		if (fixtures_kb(fx, kb->id) == NULL)
			abort(); /* every loaded knowledge base is found by its id */
		if (kb->pipeline) {
			run_workflow(kb, kb->pipeline->published, NULL);
			run_workflow(kb, kb->pipeline->draft, NULL);
		}
		for (size_t k = 0; k < kb->n_scenarios; k++) {
			const struct fx_scenario *sc = &kb->scenarios[k];
			run_workflow(kb, sc->published, &sc->stream);
			run_workflow(kb, sc->draft, &sc->stream);
			if (kb->pipeline && kb->pipeline->draft && sc->stream.kind != FX_SF_NONE)
				run_workflow(kb, kb->pipeline->draft, &sc->stream);
		}
	}
	fixtures_free(fx);
	return 0;
}
