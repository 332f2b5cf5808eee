/* sse.c -- event and ping schedule of one stream, and its stream fault. */
#include "sse.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

void sse_stream_init(struct sse_stream *s, struct run *run, const struct fx_stream_fault *fault, uint64_t now_ms,
		     double time_scale, uint64_t ping_every_ms)
{
	*s = (struct sse_stream){
		.run = run,
		.fault = fault && fault->kind != FX_SF_NONE ? fault : NULL,
		.start_ms = now_ms,
		.time_scale = time_scale,
		.ping_every_ms = ping_every_ms,
		.next_ping_ms = now_ms + ping_every_ms,
	};
}

struct sse_script *sse_script_new(bool pings)
{
	struct sse_script *sc = xcalloc(1, sizeof *sc);
	sc->pings = pings;
	return sc;
}

void sse_script_add(struct sse_script *sc, uint64_t at_ms, const char *text)
{
	sc->items = xrealloc(sc->items, (sc->n + 1) * sizeof *sc->items);
	sc->items[sc->n++] = (struct sse_script_item){ at_ms, xstrdup(text) };
}

void sse_script_free(struct sse_script *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++)
		free(sc->items[i].text);
	free(sc->items);
	free(sc);
}

void sse_stream_init_script(struct sse_stream *s, struct sse_script *script, uint64_t now_ms, double time_scale,
			    uint64_t ping_every_ms)
{
	sse_stream_init(s, NULL, NULL, now_ms, time_scale, ping_every_ms);
	s->script = script;
	if (!script->pings)
		s->next_ping_ms = UINT64_MAX;
}

void sse_stream_done(struct sse_stream *s)
{
	run_free(s->run);
	sse_script_free(s->script);
	buf_free(&s->pending);
	s->run = NULL;
	s->script = NULL;
}

static size_t n_events(const struct sse_stream *s)
{
	return s->script ? s->script->n : s->run->n_events;
}

static uint64_t event_at_ms(const struct sse_stream *s, size_t i)
{
	return s->script ? s->script->items[i].at_ms : run_event_at(s->run, i).at_ms;
}

uint64_t sse_event_due(const struct sse_stream *s, size_t i)
{
	return s->start_ms + s->shift_ms + (uint64_t)((double)event_at_ms(s, i) * s->time_scale + 0.5);
}

static bool is_terminal(enum run_event_kind k)
{
	return k == RUN_EV_WORKFLOW_FINISHED || k == RUN_EV_ERROR;
}

static void put_event(struct sse_stream *s, size_t i)
{
	if (s->script) {
		buf_puts(&s->pending, s->script->items[i].text);
		s->finished = i + 1 == s->script->n;
		s->events_sent++;
		return;
	}
	buf_puts(&s->pending, "data: ");
	run_event_json(s->run, i, &s->pending);
	buf_puts(&s->pending, "\n\n");
	s->finished = is_terminal(run_event_at(s->run, i).kind);
	s->events_sent++;
}

/* The scenario's `error` event: Dify's shape, no task_id. */
static void put_error(struct sse_stream *s)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "event", "error");
	if (s->next_event > 0 && s->run && !s->run->setup_error)
		cJSON_AddStringToObject(e, "workflow_run_id", s->run->id);
	else
		cJSON_AddNullToObject(e, "workflow_run_id");
	const cJSON *f;
	if (s->fault->error) {
		cJSON_ArrayForEach(f, s->fault->error)
			cJSON_AddItemToObject(e, f->string, json_dup(f));
	} else { /* what an unexpected exception becomes (wire.md §9.10) */
		cJSON_AddStringToObject(e, "code", "internal_server_error");
		cJSON_AddStringToObject(e, "message", "Internal Server Error, please contact support.");
		cJSON_AddItemToObject(e, "status", json_int(500));
	}
	buf_puts(&s->pending, "data: ");
	json_write(&s->pending, e, JSON_ORJSON);
	buf_puts(&s->pending, "\n\n");
	cJSON_Delete(e);
	s->events_sent++;
}

/* The fault, when event number `after` is the next to go. Returns true when
 * it replaced the normal step. */
static bool fault_step(struct sse_stream *s, uint64_t now_ms)
{
	const struct fx_stream_fault *f = s->fault;
	s->fault_done = true;
	switch (f->kind) {
	case FX_SF_ERROR:
		put_error(s);
		if (f->then_end)
			s->finished = true;
		else
			s->hanging = true;
		return true;
	case FX_SF_DROP:
		s->aborting = true;
		return true;
	case FX_SF_CUT: {
		size_t start = s->pending.len; /* events due at the same time may precede it */
		put_event(s, s->next_event++);
		s->finished = false;
		/* Cut inside the JSON: "data: {" plus half of the rest. */
		s->abort_at = start + 6 + (s->pending.len - start - 6) / 2;
		return true;
	}
	case FX_SF_STALL:
	case FX_SF_PINGS_ONLY:
		s->quiet_until = now_ms + f->ms;
		s->quiet_pings = f->kind == FX_SF_PINGS_ONLY;
		s->shift_ms += f->ms;
		/* A stall silences pings by moving the next one past it: they
		 * resume one interval after the stall. */
		if (!s->quiet_pings)
			s->next_ping_ms = s->quiet_until + s->ping_every_ms;
		return false;
	case FX_SF_EXTRA_EVENT:
		buf_puts(&s->pending, "data: ");
		json_write(&s->pending, f->event, JSON_ORJSON);
		buf_puts(&s->pending, "\n\n");
		s->events_sent++;
		return false;
	case FX_SF_DRIBBLE:
		s->dribbling = true;
		s->dribble_next = now_ms;
		return false;
	default:
		return false;
	}
}

/* Appends whatever is due at now to pending: events first, then a ping. */
static void produce(struct sse_stream *s, uint64_t now_ms)
{
	bool quiet = now_ms < s->quiet_until;
	while (!s->finished && !s->hanging && !s->aborting && !quiet && s->next_event < n_events(s)) {
		/* Faults strike when their event would be due (extra events and
		 * slow-downs right after event `after`). */
		if (s->fault && !s->fault_done && s->events_sent >= s->fault->after) {
			bool at_due = s->fault->kind == FX_SF_ERROR || s->fault->kind == FX_SF_DROP ||
				      s->fault->kind == FX_SF_CUT || s->fault->kind == FX_SF_DRIBBLE;
			if (!at_due || sse_event_due(s, s->next_event) <= now_ms) {
				/* The dribbled event goes alone: pending bytes are the
				 * events delivered before it, which go out whole first
				 * (the next call, pending empty, starts the dribble). */
				if (s->fault->kind == FX_SF_DRIBBLE && s->pending.len)
					break;
				bool replaced = fault_step(s, now_ms);
				if (replaced || now_ms < s->quiet_until)
					break;
			}
		}
		if (sse_event_due(s, s->next_event) > now_ms)
			break;
		put_event(s, s->next_event++);
		if (s->dribbling)
			break; /* nothing after the dribbled event until it is out */
	}
	if (!s->finished && !s->aborting && !s->dribbling && now_ms >= s->next_ping_ms) {
		buf_puts(&s->pending, "event: ping\n\n");
		s->pings_sent++;
		/* One ping per due time, however late we are (Dify: elapsed // 10 > last_ping). */
		while (s->next_ping_ms <= now_ms)
			s->next_ping_ms += s->ping_every_ms;
	}
}

static uint64_t next_due(const struct sse_stream *s)
{
	uint64_t due = s->next_ping_ms;
	if (!s->hanging && s->next_event < n_events(s)) {
		uint64_t ev = sse_event_due(s, s->next_event);
		if (ev < s->quiet_until)
			ev = s->quiet_until;
		if (ev < due)
			due = ev;
	}
	return due;
}

enum sse_step sse_stream_next(struct sse_stream *s, uint64_t now_ms, char *out, size_t max, size_t *ret_len,
			      uint64_t *ret_due_ms)
{
	if (s->pending_off == s->pending.len) {
		/* Freed, not kept: thousands of idle streams would each hold
		 * their largest event's worth of buffer. */
		buf_free(&s->pending);
		s->pending_off = 0;
		s->dribbling = false;
		if (s->aborting)
			return SSE_ABORT;
		if (!s->finished && s->next_event >= n_events(s) && !s->hanging)
			s->finished = true; /* an empty script */
		if (s->finished) {
			if (s->fault && s->fault->kind == FX_SF_KEEP_OPEN) {
				if (!s->keep_until)
					s->keep_until = now_ms + s->fault->ms;
				if (now_ms < s->keep_until) {
					*ret_due_ms = s->keep_until;
					return SSE_WAIT;
				}
			}
			return SSE_END;
		}
		produce(s, now_ms);
	}
	size_t limit = s->pending.len;
	if (s->abort_at && s->abort_at < limit)
		limit = s->abort_at;
	if (s->pending_off < limit) {
		if (s->dribbling) {
			if (now_ms < s->dribble_next) {
				*ret_due_ms = s->dribble_next;
				return SSE_WAIT;
			}
			if (max > s->fault->bytes)
				max = s->fault->bytes;
			s->dribble_next = now_ms + s->fault->interval_ms;
		}
		size_t n = limit - s->pending_off;
		if (n > max)
			n = max;
		memcpy(out, s->pending.data + s->pending_off, n);
		s->pending_off += n;
		*ret_len = n;
		return SSE_DATA;
	}
	if (s->abort_at && !s->aborting) {
		/* Let the HTTP layer flush the half event before the connection goes. */
		s->aborting = true;
		*ret_due_ms = now_ms + 20;
		return SSE_WAIT;
	}
	if (s->aborting)
		return SSE_ABORT;
	*ret_due_ms = next_due(s);
	return SSE_WAIT;
}
