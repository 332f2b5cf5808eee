/* sse.c -- event and ping schedule of one stream. */
#include "sse.h"

#include <string.h>

void sse_stream_init(struct sse_stream *s, struct run *run, uint64_t now_ms, double time_scale,
		     uint64_t ping_every_ms)
{
	*s = (struct sse_stream){
		.run = run,
		.start_ms = now_ms,
		.time_scale = time_scale,
		.ping_every_ms = ping_every_ms,
		.next_ping_ms = now_ms + ping_every_ms,
	};
}

void sse_stream_done(struct sse_stream *s)
{
	run_free(s->run);
	buf_free(&s->pending);
	s->run = NULL;
}

uint64_t sse_event_due(const struct sse_stream *s, size_t i)
{
	return s->start_ms + (uint64_t)((double)run_event_at(s->run, i).at_ms * s->time_scale + 0.5);
}

static bool is_terminal(enum run_event_kind k)
{
	return k == RUN_EV_WORKFLOW_FINISHED || k == RUN_EV_ERROR;
}

/* Appends whatever is due at now to pending: events first, then a ping. */
static void produce(struct sse_stream *s, uint64_t now_ms)
{
	while (!s->finished && s->next_event < s->run->n_events && sse_event_due(s, s->next_event) <= now_ms) {
		buf_puts(&s->pending, "data: ");
		run_event_json(s->run, s->next_event, &s->pending);
		buf_puts(&s->pending, "\n\n");
		s->finished = is_terminal(run_event_at(s->run, s->next_event).kind);
		s->next_event++;
		s->events_sent++;
	}
	if (!s->finished && now_ms >= s->next_ping_ms) {
		buf_puts(&s->pending, "event: ping\n\n");
		s->pings_sent++;
		/* One ping per due time, however late we are (Dify: elapsed // 10 > last_ping). */
		while (s->next_ping_ms <= now_ms)
			s->next_ping_ms += s->ping_every_ms;
	}
}

enum sse_step sse_stream_next(struct sse_stream *s, uint64_t now_ms, char *out, size_t max, size_t *ret_len,
			      uint64_t *ret_due_ms)
{
	if (s->pending_off == s->pending.len) {
		/* Freed, not kept: thousands of idle streams would each hold
		 * their largest event's worth of buffer. */
		buf_free(&s->pending);
		s->pending_off = 0;
		if (s->finished)
			return SSE_END;
		produce(s, now_ms);
	}
	if (s->pending_off < s->pending.len) {
		size_t n = s->pending.len - s->pending_off;
		if (n > max)
			n = max;
		memcpy(out, s->pending.data + s->pending_off, n);
		s->pending_off += n;
		*ret_len = n;
		return SSE_DATA;
	}
	uint64_t due = s->next_ping_ms;
	if (s->next_event < s->run->n_events && sse_event_due(s, s->next_event) < due)
		due = sse_event_due(s, s->next_event);
	*ret_due_ms = due;
	return SSE_WAIT;
}
