/* sse.h -- one draft run as a Server-Sent-Events stream on a schedule:
 * "data: <orjson>\n\n" per event when its simulated time (x time scale) is
 * due, "event: ping\n\n" every ping interval of wall-clock time, the first one
 * interval after the stream starts (wire.md §8, §10). The clock is passed in;
 * the HTTP layer suspends the connection until the returned deadline. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pipeline.h"

struct sse_stream {
	struct run *run;        /* owned */
	size_t next_event;
	uint64_t start_ms;      /* monotonic, when the stream started */
	double time_scale;
	uint64_t ping_every_ms;
	uint64_t next_ping_ms;  /* monotonic */
	struct buf pending;     /* bytes produced but not yet handed out */
	size_t pending_off;
	bool finished;          /* the terminal event is in pending */
	size_t events_sent;
	size_t pings_sent;
};

enum sse_step {
	SSE_DATA,  /* *ret_len bytes were written to out */
	SSE_WAIT,  /* nothing is due before *ret_due_ms */
	SSE_END,   /* the terminal event has been handed out: close the body */
};

void sse_stream_init(struct sse_stream *s, struct run *run, uint64_t now_ms, double time_scale,
		     uint64_t ping_every_ms);
void sse_stream_done(struct sse_stream *s); /* frees the run and buffers */
enum sse_step sse_stream_next(struct sse_stream *s, uint64_t now_ms, char *out, size_t max, size_t *ret_len,
			      uint64_t *ret_due_ms);
/* Monotonic time at which event i is due. */
uint64_t sse_event_due(const struct sse_stream *s, size_t i);
