/* runs.h -- what the fixture fuzz targets do with a set that loaded: every
 * workflow (scenarios' variants included) run from each of its first nodes,
 * every event and blocking body rendered, every stream played with the
 * scenario's stream fault, so that odd graphs and faults reach the
 * simulator. */
#pragma once
#include <stdbool.h>

#include "fixtures.h"

/* all_types: each start node is run with every datasource_type (a DSL's
 * defaults depend on it), not only local_file. */
void fuzz_run_fixtures(const struct fixtures *fx, bool all_types);
