/* runs.c -- the runs the fixture fuzz targets make (runs.h). */
#include "runs.h"

#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "json.h"
#include "pipeline.h"
#include "sse.h"

#define MAX_START_NODES 8

void fuzz_play(struct sse_stream *s)
{
	char out[256];
	uint64_t now = 1000;
	for (int i = 0; i < 500; i++) {
		size_t len = 0;
		uint64_t due = 0;
		enum sse_step st = sse_stream_next(s, now, out, sizeof out, &len, &due);
		if (st == SSE_END || st == SSE_ABORT)
			break;
		if (len > sizeof out)
			abort();
		if (st == SSE_WAIT)
			now = due > now ? due : now + 1;
	}
	sse_stream_done(s);
}

/* The stream of run with the scenario's fault, played. Takes run. */
static void play(struct run *run, const struct fx_stream_fault *fault)
{
	struct sse_stream s;
	sse_stream_init(&s, run, fault, 1000, 0, 10000);
	fuzz_play(&s);
}

/* Runs wf from each of its first nodes (with each datasource_type when
 * all_types), renders every event and the blocking body, plays the stream. */
static void run_workflow(const struct fx_kb *kb, const struct fx_workflow *wf, const struct fx_stream_fault *fault,
			 bool all_types)
{
	static const char *const types[] = { "local_file", "online_document", "website_crawl", "online_drive" };
	for (size_t i = 0; wf && i < wf->n_nodes && i < MAX_START_NODES; i++) {
		for (size_t t = 0; t < (all_types ? 4u : 1u); t++) {
			struct run_params p = {
				.kb = kb,
				.wf = wf,
				.start_node_id = wf->nodes[i].id ? wf->nodes[i].id : "",
				.datasource_type = types[t],
				.inputs = cJSON_CreateObject(),
				.created_at_ms = INT64_C(1795000000000),
			};
			cJSON *item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "reference", "r1");
			cJSON_AddStringToObject(item, "name", "a.pdf");
			cJSON_AddStringToObject(item, "content", "# crawled\n\ntext");
			cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "page"), "page_id", "p1");
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
}

void fuzz_run_fixtures(const struct fixtures *fx, bool all_types)
{
	for (size_t i = 0; i < fixtures_kb_count(fx); i++) {
		const struct fx_kb *kb = fixtures_kb_at(fx, i);
		if (fixtures_kb(fx, kb->id) == NULL)
			abort(); /* every loaded knowledge base is found by its id */
		if (kb->pipeline) {
			run_workflow(kb, kb->pipeline->published, NULL, all_types);
			run_workflow(kb, kb->pipeline->draft, NULL, all_types);
		}
		for (size_t k = 0; k < kb->n_scenarios; k++) {
			const struct fx_scenario *sc = &kb->scenarios[k];
			run_workflow(kb, sc->published, &sc->stream, all_types);
			run_workflow(kb, sc->draft, &sc->stream, all_types);
			if (kb->pipeline && kb->pipeline->draft && sc->stream.kind != FX_SF_NONE)
				run_workflow(kb, kb->pipeline->draft, &sc->stream, all_types);
		}
	}
}
