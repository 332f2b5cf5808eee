/* scenario.h -- which scenario a request gets, and the state behind the
 * choice: scenarios armed from the test harness (POST /_mock/scenarios) and
 * each knowledge base's position in its scenario_sequence. The state is
 * keyed by knowledge-base id, so it survives a fixture reload. Thread-safe.
 *
 * Precedence: the X-Dify-Mock-Scenario header, then armed scenarios (oldest
 * first), then a scenario bound to the request's API key, then the
 * knowledge base's sequence. Only requests that reach the sequence advance it.
 * A scenario applies to the endpoints it lists (fx_scenario.endpoints): on
 * others, a header naming it is ignored, an armed use waits, a key binding
 * does not hold; the sequence steps on pipeline runs only. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "fixtures.h"

enum scenario_source {
	SCENARIO_NONE,
	SCENARIO_HEADER,
	SCENARIO_ARMED,
	SCENARIO_API_KEY,
	SCENARIO_SEQUENCE,
};

struct scenarios;

struct scenarios *scenarios_new(void);
void scenarios_free(struct scenarios *s);
/* Forgets armed scenarios and sequence positions. */
void scenarios_reset(struct scenarios *s);
#define SCENARIOS_MAX_ARMED 1000

/* The next count requests on knowledge base kb_id get scenario name (after
 * those armed before). Returns -1 when SCENARIOS_MAX_ARMED entries wait. */
int scenarios_arm(struct scenarios *s, const char *kb_id, const char *name, unsigned count);
/* [{"knowledge_base","scenario","remaining"}...], oldest first. */
cJSON *scenarios_armed_json(struct scenarios *s);

/* The scenario for a request on kb's endpoint (an enum fx_endpoint bit;
 * NULL: normal behaviour). header is the X-Dify-Mock-Scenario value and
 * token the Bearer token (either may be NULL).
 * An unknown name in the header is an error (400 unknown_scenario). A scenario
 * with a probability below 1 may be drawn away (reproducible with --seed). */
int scenarios_select(struct scenarios *s, const struct fx_kb *kb, unsigned endpoint, const char *header,
		     const char *token, const struct fx_scenario **ret, enum scenario_source *ret_from,
		     struct dm_error *reterr);
/* The same over several knowledge bases (the file upload's: those of the
 * key's workspace, in fixture order): the first that defines the header's
 * scenario, the oldest armed use on any of them, the first key binding. The
 * sequence is for runs (one knowledge base) only. */
int scenarios_select_in(struct scenarios *s, const struct fx_kb *const *kbs, size_t n_kbs, unsigned endpoint,
			const char *header, const char *token, const struct fx_scenario **ret,
			enum scenario_source *ret_from, struct dm_error *reterr);
const char *scenario_source_name(enum scenario_source from);
