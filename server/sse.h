/* sse.h -- one draft run as a Server-Sent-Events stream on a schedule:
 * "data: <orjson>\n\n" per event when its simulated time (x time scale) is
 * due, "event: ping\n\n" every ping interval of wall-clock time, the first one
 * interval after the stream starts (wire.md §8, §10). A scenario's stream
 * fault bends that schedule (fixtures.h, enum fx_stream_fault_kind). The clock
 * is passed in; the HTTP layer parks the connection until the returned
 * deadline. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fixtures.h"
#include "pipeline.h"

/* A fixed list of SSE blocks with due times, for streams that are not
 * pipeline runs (datasource node runs): each text is a whole block
 * ("data: {...}\n\n"); the last one ends the stream. */
struct sse_script_item {
	uint64_t at_ms;         /* simulated, from the start */
	char *text;
};

struct sse_script {
	struct sse_script_item *items;
	size_t n;
	bool pings;             /* send "event: ping" keep-alives */
};

struct sse_script *sse_script_new(bool pings);
/* Appends a block (copied) due at_ms after the start. */
void sse_script_add(struct sse_script *sc, uint64_t at_ms, const char *text);
void sse_script_free(struct sse_script *sc);

struct sse_stream {
	struct run *run;        /* owned; NULL when the stream plays a script */
	struct sse_script *script; /* owned; NULL when the stream plays a run */
	const struct fx_stream_fault *fault; /* NULL: none; lives as long as run */
	size_t next_event;
	uint64_t start_ms;      /* monotonic, when the stream started */
	uint64_t shift_ms;      /* events are due this much later (after a stall) */
	double time_scale;
	uint64_t ping_every_ms;
	uint64_t next_ping_ms;  /* monotonic */
	struct buf pending;     /* bytes produced but not yet handed out */
	size_t pending_off;
	size_t abort_at;        /* cut: hand out pending up to here, then abort (0: no) */
	bool finished;          /* the terminal event is in pending */
	bool fault_done;        /* the fault has happened */
	bool hanging;           /* error without end: only pings from now on */
	bool aborting;          /* drop/cut: close without the final chunk */
	uint64_t quiet_until;   /* stall / pings_only: no events before this */
	bool quiet_pings;       /* pings_only: pings go on while quiet */
	uint64_t dribble_next;  /* dribble: next write of the dribbled event */
	bool dribbling;
	uint64_t keep_until;    /* keep_open: end the body at this time */
	size_t events_sent;     /* data blocks, including error and extra events */
	size_t pings_sent;
};

enum sse_step {
	SSE_DATA,  /* *ret_len bytes were written to out */
	SSE_WAIT,  /* nothing is due before *ret_due_ms */
	SSE_END,   /* the terminal event has been handed out: close the body */
	SSE_ABORT, /* a fault: close the connection without ending the body */
};

void sse_stream_init(struct sse_stream *s, struct run *run, const struct fx_stream_fault *fault, uint64_t now_ms,
		     double time_scale, uint64_t ping_every_ms);
/* A stream of a script (taken); no faults. */
void sse_stream_init_script(struct sse_stream *s, struct sse_script *script, uint64_t now_ms, double time_scale,
			    uint64_t ping_every_ms);
void sse_stream_done(struct sse_stream *s); /* frees the run or script, and buffers */
enum sse_step sse_stream_next(struct sse_stream *s, uint64_t now_ms, char *out, size_t max, size_t *ret_len,
			      uint64_t *ret_due_ms);
/* Monotonic time at which event i is due. */
uint64_t sse_event_due(const struct sse_stream *s, size_t i);
