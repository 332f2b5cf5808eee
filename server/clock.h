/* clock.h -- the two clocks the server reads. Everything below the HTTP layer
 * takes times as arguments instead, so tests pass a fake clock. */
#pragma once
#include <stdint.h>

uint64_t clock_mono_ms(void);  /* monotonic milliseconds, for scheduling */
int64_t clock_unix_ms(void);   /* wall clock, ms since the epoch, for reported times */
