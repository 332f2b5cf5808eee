/* runs.h -- what the fixture fuzz targets do with a set that loaded: every
 * workflow (scenarios' variants included) run from each of its first nodes,
 * every event and blocking body rendered, every stream played with the
 * scenario's stream fault, so that odd graphs and faults reach the
 * simulator. */
#pragma once
#include <stdbool.h>

#include "fixtures.h"
#include "sse.h"

/* all_types: each start node is run with every datasource_type (a DSL's
 * defaults depend on it), not only local_file. */
void fuzz_run_fixtures(const struct fixtures *fx, bool all_types);

/* Plays an initialized stream to its end at time scale 0, or to a bound (a
 * fault may leave it open with pings only), and finishes it. */
void fuzz_play(struct sse_stream *s);
