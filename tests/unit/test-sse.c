/* test-sse.c -- the SSE schedule of a draft run on a fake clock: which bytes
 * are due at a given time ("data: <event>\n\n" blocks at their simulated
 * time x time scale, "event: ping\n\n" once per ping period), when to come
 * back (SSE_WAIT), small output buffers, and the end of the stream
 * (wire.md §8-§10). The Demo Docs draft from File Upload has events at
 * 0, 0, 50, 50, 850, 850, 1150, 1150, 2350, 2350 ms. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "sse.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the bundled fixtures"
#endif

#define DEMO_DOCS "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define PING "event: ping\n\n"

static struct fixtures *fx;

static void setup(void)
{
	struct fx_problems p = { NULL, 0 };
	int rc = fixtures_load(FIXTURES_DIR, &fx, &p);
	ck_assert_msg(rc == 0, "bundled fixtures: %s", p.n ? p.lines[0] : "");
	ids_seed(1);
}

static void teardown(void)
{
	fixtures_free(fx);
	fx = NULL;
	ids_unseed();
}

static struct run *demo_run(const char *start)
{
	const struct fx_kb *kb = fixtures_kb(fx, DEMO_DOCS);
	cJSON *item;
	static const char text[] = "{\"reference\":\"r-1\",\"name\":\"report.pdf\"}";
	ck_assert_int_eq(json_parse(text, strlen(text), &item, NULL, 0), 0);
	struct run_params p = {
		.kb = kb,
		.wf = kb->pipeline->draft,
		.start_node_id = start,
		.datasource_type = "local_file",
		.item = item,
		.created_at_ms = 1776000000123LL,
	};
	struct run *r = pipeline_run_new(&p);
	cJSON_Delete(item);
	return r;
}

/* The SSE block of event i. Heap. */
static char *block(const struct run *r, size_t i)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "data: ");
	run_event_json(r, i, &b);
	buf_puts(&b, "\n\n");
	return buf_steal(&b, NULL);
}

/* The blocks of events [from, to) followed by extra. Heap. */
static char *blocks(const struct run *r, size_t from, size_t to, const char *extra)
{
	struct buf b = BUF_INIT;
	for (size_t i = from; i < to; i++) {
		char *one = block(r, i);
		buf_puts(&b, one);
		free(one);
	}
	buf_puts(&b, extra);
	return buf_steal(&b, NULL);
}

/* Calls sse_stream_next at now until it stops answering SSE_DATA, with
 * pieces of at most max bytes; returns what it answered then, with the
 * bytes handed out in *ret_text (heap) and the deadline in *ret_due. */
static enum sse_step drain(struct sse_stream *s, uint64_t now, size_t max, char **ret_text, uint64_t *ret_due)
{
	struct buf b = BUF_INIT;
	char out[65536];
	ck_assert_uint_le(max, sizeof out);
	enum sse_step st;
	for (int guard = 0;; guard++) {
		ck_assert_int_lt(guard, 100000);
		size_t len = (size_t)-1;
		uint64_t due = 0;
		st = sse_stream_next(s, now, out, max, &len, &due);
		if (st != SSE_DATA) {
			*ret_due = due;
			break;
		}
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_le(len, max);
		buf_append(&b, out, len);
	}
	*ret_text = buf_steal(&b, NULL);
	return st;
}

/* At now, the stream must hand out exactly want, then answer step (and for
 * SSE_WAIT, the deadline due). */
static void expect(struct sse_stream *s, uint64_t now, const char *want, enum sse_step step, uint64_t due)
{
	char *got;
	uint64_t got_due;
	enum sse_step st = drain(s, now, 65536, &got, &got_due);
	/* Check's messages are short: show where the two part. */
	size_t at = 0;
	while (got[at] && got[at] == want[at])
		at++;
	size_t from = at > 40 ? at - 40 : 0;
	ck_assert_msg(strcmp(got, want) == 0, "at t=%llu, from byte %zu of %zu / %zu\n  got  [%.120s]\n  want [%.120s]",
		      (unsigned long long)now, from, strlen(got), strlen(want), got + from, want + from);
	ck_assert_msg(st == step, "at t=%llu: step %d, want %d", (unsigned long long)now, (int)st, (int)step);
	if (step == SSE_WAIT)
		ck_assert_uint_eq(got_due, due);
	free(got);
}

/* expect() with the blocks of events [from, to) plus extra. */
static void expect_events(struct sse_stream *s, uint64_t now, size_t from, size_t to, const char *extra,
			  enum sse_step step, uint64_t due)
{
	char *want = blocks(s->run, from, to, extra);
	expect(s, now, want, step, due);
	free(want);
}

START_TEST(test_sse_hands_out_the_events_due_at_the_start)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	char *got;
	uint64_t due;
	ck_assert_int_eq(drain(&s, 0, 65536, &got, &due), SSE_WAIT);
	static const char head[] = "data: {\"event\":\"workflow_started\",\"workflow_run_id\":\"";
	ck_assert_int_eq(strncmp(got, head, strlen(head)), 0);
	char *want = blocks(s.run, 0, 2, ""); /* workflow_started, node_started of File Upload */
	ck_assert_str_eq(got, want);
	ck_assert_ptr_nonnull(strstr(got, "\n\ndata: {\"event\":\"node_started\","));
	ck_assert_ptr_null(strstr(got, "ping")); /* no ping at t=0 */
	ck_assert_uint_eq(due, 50);              /* node_finished of File Upload */
	ck_assert_uint_eq(s.events_sent, 2);
	ck_assert_uint_eq(s.pings_sent, 0);
	free(want);
	free(got);
	/* asking again at t=0 hands out nothing more */
	expect(&s, 0, "", SSE_WAIT, 50);
	expect(&s, 49, "", SSE_WAIT, 50);
	sse_stream_done(&s);
	ck_assert_ptr_null(s.run);
}
END_TEST

START_TEST(test_sse_follows_the_simulated_times)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	expect_events(&s, 50, 2, 4, "", SSE_WAIT, 850);
	expect_events(&s, 849, 4, 4, "", SSE_WAIT, 850);
	expect_events(&s, 850, 4, 6, "", SSE_WAIT, 1000); /* the ping comes before 1150 */
	expect_events(&s, 1000, 6, 6, PING, SSE_WAIT, 1150);
	expect_events(&s, 1150, 6, 8, "", SSE_WAIT, 2000);
	expect_events(&s, 2000, 8, 8, PING, SSE_WAIT, 2350);
	expect_events(&s, 2350, 8, 10, "", SSE_END, 0);
	ck_assert_uint_eq(s.events_sent, 10);
	ck_assert_uint_eq(s.pings_sent, 2);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_puts_the_ping_after_the_events_due_with_it)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	/* late: everything up to 1000 at once, then one ping */
	expect_events(&s, 1000, 2, 6, PING, SSE_WAIT, 1150);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_does_not_repeat_pings_when_called_late)
{
	struct sse_stream s;
	/* x10: events at 0, 0, 500, 500, 8500, ... so pings fall between them */
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 10.0, 1000);
	expect_events(&s, 3500, 0, 4, PING, SSE_WAIT, 4000); /* 1000, 2000 and 3000 were missed: one ping */
	ck_assert_uint_eq(s.pings_sent, 1);
	expect_events(&s, 3999, 4, 4, "", SSE_WAIT, 4000);
	expect_events(&s, 4000, 4, 4, PING, SSE_WAIT, 5000);
	expect_events(&s, 4000, 4, 4, "", SSE_WAIT, 5000); /* not twice for the same due time */
	expect_events(&s, 8499, 4, 4, PING, SSE_WAIT, 8500);
	ck_assert_uint_eq(s.pings_sent, 3);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_counts_pings_from_the_stream_start)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 100000, 1.0, 10000);
	expect_events(&s, 100000, 0, 2, "", SSE_WAIT, 100050);
	ck_assert_uint_eq(sse_event_due(&s, 0), 100000);
	ck_assert_uint_eq(sse_event_due(&s, 4), 100850);
	ck_assert_uint_eq(sse_event_due(&s, 9), 102350);
	expect_events(&s, 102350, 2, 10, "", SSE_END, 0); /* the run ends before the first ping */
	ck_assert_uint_eq(s.pings_sent, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_hands_out_a_block_in_pieces)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	char *want = blocks(s.run, 0, 2, "");
	char out[7];
	size_t len = 0;
	uint64_t due = 0;
	ck_assert_int_eq(sse_stream_next(&s, 0, out, 7, &len, &due), SSE_DATA);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(memcmp(out, "data: {", 7), 0);
	ck_assert_int_eq(sse_stream_next(&s, 0, out, 7, &len, &due), SSE_DATA);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(memcmp(out, "\"event\"", 7), 0);
	/* the rest, 7 bytes at a time, even when the clock jumps meanwhile:
	 * pending bytes go out first, newly due ones after */
	char *rest, *later = blocks(s.run, 2, 4, "");
	ck_assert_int_eq(drain(&s, 60, 7, &rest, &due), SSE_WAIT);
	ck_assert_uint_eq(due, 850);
	ck_assert_uint_eq(14 + strlen(rest), strlen(want) + strlen(later));
	ck_assert_int_eq(strncmp(rest, want + 14, strlen(want) - 14), 0);
	ck_assert_str_eq(rest + strlen(want) - 14, later);
	free(rest);
	free(later);
	free(want);

	/* one byte at a time */
	want = blocks(s.run, 4, 6, "");
	ck_assert_int_eq(drain(&s, 850, 1, &rest, &due), SSE_WAIT);
	ck_assert_uint_eq(due, 1000);
	ck_assert_str_eq(rest, want);
	free(rest);
	free(want);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_ends_after_the_terminal_event)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	char *text;
	uint64_t due;
	ck_assert_int_eq(drain(&s, 5000, 65536, &text, &due), SSE_END);
	char *want = blocks(s.run, 0, 10, ""); /* no ping: the run is over by 5000 */
	ck_assert_str_eq(text, want);
	ck_assert_ptr_nonnull(strstr(text, "data: {\"event\":\"workflow_finished\""));
	free(want);
	free(text);
	char out[64];
	size_t len;
	ck_assert_int_eq(sse_stream_next(&s, 5000, out, sizeof out, &len, &due), SSE_END);
	ck_assert_int_eq(sse_stream_next(&s, 99999, out, sizeof out, &len, &due), SSE_END);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_ends_only_once_the_last_piece_is_out)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 0.0, 1000);
	char *all = blocks(s.run, 0, 10, "");
	size_t n = strlen(all), off = 0;
	char out[1000];
	size_t len;
	uint64_t due;
	while (off < n) {
		ck_assert_int_eq(sse_stream_next(&s, 0, out, sizeof out, &len, &due), SSE_DATA);
		ck_assert_int_eq(memcmp(out, all + off, len), 0);
		off += len;
	}
	ck_assert_uint_eq(off, n);
	ck_assert_int_eq(sse_stream_next(&s, 0, out, sizeof out, &len, &due), SSE_END);
	free(all);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_time_scale_zero_makes_everything_due_at_once)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 700, 0.0, 1000);
	for (size_t i = 0; i < 10; i++)
		ck_assert_uint_eq(sse_event_due(&s, i), 700);
	expect_events(&s, 700, 0, 10, "", SSE_END, 0);
	ck_assert_uint_eq(s.pings_sent, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_time_scale_two_doubles_the_gaps)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 5000, 2.0, 60000);
	static const uint64_t at[] = { 0, 0, 50, 50, 850, 850, 1150, 1150, 2350, 2350 };
	for (size_t i = 0; i < 10; i++)
		ck_assert_uint_eq(sse_event_due(&s, i), 5000 + 2 * at[i]);
	expect_events(&s, 5000, 0, 2, "", SSE_WAIT, 5100);
	expect_events(&s, 5099, 2, 2, "", SSE_WAIT, 5100);
	expect_events(&s, 5100, 2, 4, "", SSE_WAIT, 6700);
	expect_events(&s, 6700, 4, 6, "", SSE_WAIT, 7300);
	expect_events(&s, 7300, 6, 8, "", SSE_WAIT, 9700);
	expect_events(&s, 9700, 8, 10, "", SSE_END, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_streams_a_setup_error_as_the_only_event)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("17508"), NULL, 0, 1.0, 1000);
	expect(&s, 0,
	       "data: {\"event\":\"error\",\"workflow_run_id\":null,\"code\":\"invalid_param\",\"status\":400,"
	       "\"message\":\"Root node id 17508 not found in the graph\"}\n\n",
	       SSE_END, 0);
	ck_assert_uint_eq(s.events_sent, 1);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_done_accepts_a_stream_never_read)
{
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), NULL, 0, 1.0, 1000);
	ck_assert_uint_eq(s.next_ping_ms, 1000);
	ck_assert_uint_eq(s.events_sent, 0);
	sse_stream_done(&s);
	ck_assert_ptr_null(s.run);
}
END_TEST

START_TEST(test_sse_plays_a_script_without_pings)
{
	struct sse_script *sc = sse_script_new(false);
	sse_script_add(sc, 0, "data: {\"event\":\"datasource_processing\",\"total\":0,\"completed\":0}\n\n");
	sse_script_add(sc, 100, "data: {\"event\":\"datasource_completed\"}\n\n");
	struct sse_stream s;
	sse_stream_init_script(&s, sc, 1000, 1.0, 10);
	char out[256];
	size_t len;
	uint64_t due;
	ck_assert_int_eq(sse_stream_next(&s, 1000, out, sizeof out, &len, &due), SSE_DATA);
	ck_assert(!strncmp(out, "data: {\"event\":\"datasource_processing\"", 38));
	ck_assert_int_eq(sse_stream_next(&s, 1050, out, sizeof out, &len, &due), SSE_WAIT);
	ck_assert_uint_eq(due, 1100); /* no ping in between */
	ck_assert_int_eq(sse_stream_next(&s, 1100, out, sizeof out, &len, &due), SSE_DATA);
	out[len] = '\0';
	ck_assert_str_eq(out, "data: {\"event\":\"datasource_completed\"}\n\n");
	ck_assert_int_eq(sse_stream_next(&s, 1100, out, sizeof out, &len, &due), SSE_END);
	sse_stream_done(&s);
}
END_TEST

/* ---- stream faults (fixtures.h, enum fx_stream_fault_kind) ----
 * `after` counts the data events already delivered (pings do not count). */

static struct fx_stream_fault fault(enum fx_stream_fault_kind kind, unsigned after)
{
	return (struct fx_stream_fault){ .kind = kind, .after = after, .then_end = true, .bytes = 1,
					 .interval_ms = 50 };
}

/* The scenario's default error event, as the stream writes it. */
static char *error_block(const struct run *r)
{
	char *s;
	ck_assert_int_ge(asprintf(&s,
				  "data: {\"event\":\"error\",\"workflow_run_id\":\"%s\",\"code\":\"internal_server_error\","
				  "\"message\":\"Internal Server Error, please contact support.\",\"status\":500}\n\n",
				  r->id),
			 0);
	return s;
}

/* One call at now that must answer step, with no bytes. */
static void expect_step(struct sse_stream *s, uint64_t now, enum sse_step step, uint64_t due)
{
	char out[64];
	size_t len = 0;
	uint64_t got_due = 0;
	enum sse_step st = sse_stream_next(s, now, out, sizeof out, &len, &got_due);
	ck_assert_msg(st == step, "at t=%llu: step %d, want %d", (unsigned long long)now, (int)st, (int)step);
	if (step == SSE_WAIT)
		ck_assert_uint_eq(got_due, due);
}

START_TEST(test_sse_error_fault_replaces_the_next_event_then_ends)
{
	struct fx_stream_fault f = fault(FX_SF_ERROR, 3);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	char *err = error_block(s.run);
	/* event 3 (node_finished) is due at 50 with event 2: the error takes its place */
	expect_events(&s, 50, 2, 3, err, SSE_END, 0);
	ck_assert_uint_eq(s.events_sent, 4);
	expect_step(&s, 5000, SSE_END, 0);
	free(err);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_error_fault_strikes_when_the_next_event_is_due)
{
	struct fx_stream_fault f = fault(FX_SF_ERROR, 4);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 10000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	expect_events(&s, 50, 2, 4, "", SSE_WAIT, 850);
	expect_events(&s, 849, 4, 4, "", SSE_WAIT, 850);
	char *err = error_block(s.run);
	expect(&s, 850, err, SSE_END, 0);
	free(err);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_error_fault_without_end_leaves_only_pings)
{
	struct fx_stream_fault f = fault(FX_SF_ERROR, 3);
	f.then_end = false;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	char *err = error_block(s.run);
	expect_events(&s, 50, 2, 3, err, SSE_WAIT, 1000);
	free(err);
	/* the events that were due never come, nor does the end: pings only */
	expect(&s, 999, "", SSE_WAIT, 1000);
	expect(&s, 1000, PING, SSE_WAIT, 2000);
	expect(&s, 2350, PING, SSE_WAIT, 3000);
	expect(&s, 60000, PING, SSE_WAIT, 61000);
	ck_assert_uint_eq(s.events_sent, 4);
	ck_assert_uint_eq(s.pings_sent, 3);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_error_fault_uses_the_scenario_fields)
{
	struct fx_stream_fault f = fault(FX_SF_ERROR, 0);
	static const char text[] = "{\"code\":\"invalid_param\",\"status\":400,\"message\":\"Run failed\"}";
	ck_assert_int_eq(json_parse(text, strlen(text), &f.error, NULL, 0), 0);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	/* before workflow_started there is no run id yet */
	expect(&s, 0,
	       "data: {\"event\":\"error\",\"workflow_run_id\":null,\"code\":\"invalid_param\",\"status\":400,"
	       "\"message\":\"Run failed\"}\n\n",
	       SSE_END, 0);
	ck_assert_uint_eq(s.events_sent, 1);
	cJSON_Delete(f.error);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_drop_fault_aborts_when_the_next_event_is_due)
{
	struct fx_stream_fault f = fault(FX_SF_DROP, 3);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	/* event 2 goes out whole, then the connection goes without the final chunk */
	expect_events(&s, 50, 2, 3, "", SSE_ABORT, 0);
	expect_step(&s, 51, SSE_ABORT, 0);
	ck_assert_uint_eq(s.events_sent, 3);
	sse_stream_done(&s);

	f = fault(FX_SF_DROP, 4);
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 10000);
	expect_events(&s, 50, 0, 4, "", SSE_WAIT, 850);
	expect_events(&s, 849, 4, 4, "", SSE_WAIT, 850);
	expect(&s, 850, "", SSE_ABORT, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_cut_fault_cuts_the_next_event_in_its_json)
{
	struct fx_stream_fault f = fault(FX_SF_CUT, 3);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	char *before = block(s.run, 2), *cut = block(s.run, 3);
	size_t half = 6 + (strlen(cut) - 6) / 2; /* "data: " and half of the rest */
	cut[half] = '\0';
	char *want;
	ck_assert_int_ge(asprintf(&want, "%s%s", before, cut), 0);
	/* event 2 whole, half of event 3; then a short wait so the HTTP layer
	 * flushes it before the connection goes */
	expect(&s, 50, want, SSE_WAIT, 70);
	expect_step(&s, 70, SSE_ABORT, 0);
	ck_assert_uint_eq(s.events_sent, 4);
	free(want);
	free(before);
	free(cut);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_stall_fault_sends_nothing_then_shifts_the_run)
{
	struct fx_stream_fault f = fault(FX_SF_STALL, 2);
	f.ms = 400;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100);
	/* the stall starts once event 1 is out: later events are 400 ms later */
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 450);
	ck_assert_uint_eq(sse_event_due(&s, 2), 450);
	ck_assert_uint_eq(sse_event_due(&s, 9), 2750);
	/* no pings while stalled */
	expect(&s, 100, "", SSE_WAIT, 450);
	expect(&s, 399, "", SSE_WAIT, 450);
	expect(&s, 400, "", SSE_WAIT, 450);
	/* pings resume one interval after the stall, not with the events */
	expect_events(&s, 450, 2, 4, "", SSE_WAIT, 500);
	expect(&s, 500, PING, SSE_WAIT, 600);
	ck_assert_uint_eq(s.pings_sent, 1);
	expect_events(&s, 1250, 4, 6, PING, SSE_WAIT, 1300);
	expect_events(&s, 2750, 6, 10, "", SSE_END, 0); /* no ping once the run is over */
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_pings_resume_after_a_stall)
{
	struct fx_stream_fault f = fault(FX_SF_STALL, 8);
	f.ms = 3000;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	expect_events(&s, 850, 0, 6, "", SSE_WAIT, 1000);
	expect_events(&s, 1000, 6, 6, PING, SSE_WAIT, 1150);
	/* event 7 is out at 1150: stalled until 4150, events 8 and 9 at 5350 */
	expect_events(&s, 1150, 6, 8, "", SSE_WAIT, 5150);
	expect(&s, 2000, "", SSE_WAIT, 5150);
	expect(&s, 4000, "", SSE_WAIT, 5150);
	expect(&s, 4150, "", SSE_WAIT, 5150);
	ck_assert_uint_eq(s.pings_sent, 1);
	expect(&s, 5150, PING, SSE_WAIT, 5350);
	ck_assert_uint_eq(s.pings_sent, 2);
	expect_events(&s, 5350, 8, 10, "", SSE_END, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_pings_only_fault_keeps_pinging_then_goes_on)
{
	struct fx_stream_fault f = fault(FX_SF_PINGS_ONLY, 2);
	f.ms = 400;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 100);
	expect(&s, 100, PING, SSE_WAIT, 200);
	expect(&s, 200, PING, SSE_WAIT, 300);
	expect(&s, 300, PING, SSE_WAIT, 400);
	expect(&s, 400, PING, SSE_WAIT, 450);
	expect_events(&s, 450, 2, 4, "", SSE_WAIT, 500);
	ck_assert_uint_eq(s.pings_sent, 4);
	expect_events(&s, 2750, 4, 10, "", SSE_END, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_keep_open_fault_ends_the_body_later)
{
	struct fx_stream_fault f = fault(FX_SF_KEEP_OPEN, 0);
	f.ms = 300;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100);
	expect_events(&s, 2350, 0, 10, "", SSE_WAIT, 2650);
	/* nothing more, not even a ping, until the body ends */
	expect(&s, 2400, "", SSE_WAIT, 2650);
	expect(&s, 2649, "", SSE_WAIT, 2650);
	expect(&s, 2650, "", SSE_END, 0);
	ck_assert_uint_eq(s.pings_sent, 0);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_extra_event_fault_slips_an_event_in)
{
	struct fx_stream_fault f = fault(FX_SF_EXTRA_EVENT, 1);
	static const char text[] = "{\"event\":\"agent_log\",\"data\":{\"label\":\"thinking\"}}";
	ck_assert_int_eq(json_parse(text, strlen(text), &f.event, NULL, 0), 0);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 1000);
	char *first = block(s.run, 0), *second = block(s.run, 1), *want;
	ck_assert_int_ge(asprintf(&want, "%sdata: %s\n\n%s", first, text, second), 0);
	expect(&s, 0, want, SSE_WAIT, 50);
	ck_assert_uint_eq(s.events_sent, 3);
	/* then the run goes on as before */
	expect_events(&s, 2350, 2, 10, "", SSE_END, 0);
	free(want);
	free(first);
	free(second);
	cJSON_Delete(f.event);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_extra_event_fault_waits_for_its_event)
{
	struct fx_stream_fault f = fault(FX_SF_EXTRA_EVENT, 4);
	static const char text[] = "{\"event\":\"agent_log\"}";
	ck_assert_int_eq(json_parse(text, strlen(text), &f.event, NULL, 0), 0);
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 10000);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	/* right after event 3, not before the next event is due */
	expect_events(&s, 50, 2, 4, "data: {\"event\":\"agent_log\"}\n\n", SSE_WAIT, 850);
	expect_events(&s, 850, 4, 6, "", SSE_WAIT, 1150);
	cJSON_Delete(f.event);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_dribble_fault_dribbles_the_event_after_the_delivered_ones)
{
	struct fx_stream_fault f = fault(FX_SF_DRIBBLE, 1);
	f.bytes = 40;
	f.interval_ms = 10;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100);
	char *first = block(s.run, 0), *dribbled = block(s.run, 1);
	size_t len = strlen(dribbled);
	ck_assert_uint_gt(len, 200);
	/* workflow_started is delivered whole, then node_started 40 bytes
	 * now and 40 more every 10 ms */
	char *want;
	ck_assert_int_ge(asprintf(&want, "%s%.40s", first, dribbled), 0);
	expect(&s, 0, want, SSE_WAIT, 10);
	free(want);
	expect(&s, 5, "", SSE_WAIT, 10);
	size_t off = 40;
	uint64_t t = 10;
	for (; len - off > 40; off += 40, t += 10) {
		char piece[41];
		snprintf(piece, sizeof piece, "%.40s", dribbled + off);
		expect(&s, t, piece, SSE_WAIT, t + 10);
	}
	/* no ping inside the event, though one was due at 100 */
	ck_assert_uint_eq(s.pings_sent, 0);
	/* the last piece; then, as soon as it is out, the events held back
	 * (2 and 3, due at 50) and the ping */
	ck_assert_uint_ge(t, 100);
	char *tail = blocks(s.run, 2, 4, PING);
	ck_assert_int_ge(asprintf(&want, "%s%s", dribbled + off, tail), 0);
	expect(&s, t, want, SSE_WAIT, 200);
	free(want);
	free(tail);
	expect_events(&s, 2350, 4, 10, "", SSE_END, 0);
	free(first);
	free(dribbled);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_dribble_fault_after_zero_dribbles_workflow_started)
{
	struct fx_stream_fault f = fault(FX_SF_DRIBBLE, 0);
	f.bytes = 7;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100000);
	expect(&s, 0, "data: {", SSE_WAIT, 50);
	expect(&s, 49, "", SSE_WAIT, 50);
	expect(&s, 50, "\"event\"", SSE_WAIT, 100);
	ck_assert_uint_eq(s.events_sent, 1);
	sse_stream_done(&s);
}
END_TEST

START_TEST(test_sse_dribble_fault_waits_for_its_event)
{
	struct fx_stream_fault f = fault(FX_SF_DRIBBLE, 2);
	f.bytes = 6;
	struct sse_stream s;
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 100000);
	/* events 0 and 1 whole; event 2 is due at 50 and dribbled from then */
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	expect(&s, 50, "data: ", SSE_WAIT, 100);
	expect(&s, 100, "{\"even", SSE_WAIT, 150);
	sse_stream_done(&s);

	/* a ping due when the dribble starts waits until the event is out */
	f.bytes = 4096; /* the whole event in one write */
	sse_stream_init(&s, demo_run("1750836391776"), &f, 0, 1.0, 50);
	expect_events(&s, 0, 0, 2, "", SSE_WAIT, 50);
	expect_events(&s, 50, 2, 4, PING, SSE_WAIT, 100);
	sse_stream_done(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = tcase_create("sse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sse_hands_out_the_events_due_at_the_start);
	tcase_add_test(tc, test_sse_follows_the_simulated_times);
	tcase_add_test(tc, test_sse_puts_the_ping_after_the_events_due_with_it);
	tcase_add_test(tc, test_sse_does_not_repeat_pings_when_called_late);
	tcase_add_test(tc, test_sse_counts_pings_from_the_stream_start);
	tcase_add_test(tc, test_sse_hands_out_a_block_in_pieces);
	tcase_add_test(tc, test_sse_ends_after_the_terminal_event);
	tcase_add_test(tc, test_sse_ends_only_once_the_last_piece_is_out);
	tcase_add_test(tc, test_sse_time_scale_zero_makes_everything_due_at_once);
	tcase_add_test(tc, test_sse_time_scale_two_doubles_the_gaps);
	tcase_add_test(tc, test_sse_streams_a_setup_error_as_the_only_event);
	tcase_add_test(tc, test_sse_done_accepts_a_stream_never_read);
	tcase_add_test(tc, test_sse_plays_a_script_without_pings);
	suite_add_tcase(s, tc);
	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sse_error_fault_replaces_the_next_event_then_ends);
	tcase_add_test(tc, test_sse_error_fault_strikes_when_the_next_event_is_due);
	tcase_add_test(tc, test_sse_error_fault_without_end_leaves_only_pings);
	tcase_add_test(tc, test_sse_error_fault_uses_the_scenario_fields);
	tcase_add_test(tc, test_sse_drop_fault_aborts_when_the_next_event_is_due);
	tcase_add_test(tc, test_sse_cut_fault_cuts_the_next_event_in_its_json);
	tcase_add_test(tc, test_sse_stall_fault_sends_nothing_then_shifts_the_run);
	tcase_add_test(tc, test_sse_pings_resume_after_a_stall);
	tcase_add_test(tc, test_sse_pings_only_fault_keeps_pinging_then_goes_on);
	tcase_add_test(tc, test_sse_keep_open_fault_ends_the_body_later);
	tcase_add_test(tc, test_sse_extra_event_fault_slips_an_event_in);
	tcase_add_test(tc, test_sse_extra_event_fault_waits_for_its_event);
	tcase_add_test(tc, test_sse_dribble_fault_dribbles_the_event_after_the_delivered_ones);
	tcase_add_test(tc, test_sse_dribble_fault_after_zero_dribbles_workflow_started);
	tcase_add_test(tc, test_sse_dribble_fault_waits_for_its_event);
	suite_add_tcase(s, tc);
	return s;
}
