/* test-scheduler.c -- the deadline heap on a fake clock (the caller passes
 * "now"), and the timer thread end to end only where no waiting on real time
 * is needed: scheduler_fire_all and scheduler_stop run what is pending, and a
 * deadline already in the past fires at once. Callbacks report through a
 * condition variable, so nothing sleeps. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "scheduler.h"

/* ---- the heap ---- */

static void nop(void *arg)
{
	(void)arg;
}

static void other(void *arg)
{
	(void)arg;
}

#define TAG(i) ((void *)(uintptr_t)(i))
#define UNTAG(p) ((uintptr_t)(p))

static uintptr_t pop_tag(struct timer_heap *h, uint64_t now, uint64_t want_due)
{
	struct timer_entry e;
	ck_assert(timer_heap_pop_due(h, now, &e));
	ck_assert_uint_eq(e.due_ms, want_due);
	return UNTAG(e.arg);
}

START_TEST(test_timer_heap_starts_empty)
{
	struct timer_heap h = { 0 };
	uint64_t due = 77;
	struct timer_entry e;
	ck_assert(!timer_heap_peek(&h, &due));
	ck_assert_uint_eq(due, 77);
	ck_assert(!timer_heap_pop_due(&h, UINT64_MAX, &e));
	timer_heap_free(&h);
	ck_assert_ptr_null(h.v);
	ck_assert_uint_eq(h.n, 0);
}
END_TEST

START_TEST(test_timer_heap_pops_in_due_order)
{
	struct timer_heap h = { 0 };
	static const uint64_t dues[] = { 500, 20, 300, 10, 400, 1000, 0, 250 };
	for (size_t i = 0; i < 8; i++)
		timer_heap_push(&h, dues[i], nop, TAG(i));
	uint64_t first;
	ck_assert(timer_heap_peek(&h, &first));
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 0), 6);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 10), 3);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 20), 1);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 250), 7);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 300), 2);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 400), 4);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 500), 0);
	ck_assert(timer_heap_peek(&h, &first));
	ck_assert_uint_eq(first, 1000);
	ck_assert_uint_eq(pop_tag(&h, UINT64_MAX, 1000), 5);
	ck_assert(!timer_heap_peek(&h, &first));
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_timer_heap_fires_ties_in_insertion_order)
{
	struct timer_heap h = { 0 };
	for (uintptr_t i = 0; i < 100; i++)
		timer_heap_push(&h, 42, i % 2 ? nop : other, TAG(i));
	timer_heap_push(&h, 41, nop, TAG(1000));
	ck_assert_uint_eq(pop_tag(&h, 42, 41), 1000);
	for (uintptr_t i = 0; i < 100; i++) {
		struct timer_entry e;
		ck_assert(timer_heap_pop_due(&h, 42, &e));
		ck_assert_uint_eq(UNTAG(e.arg), i);
		ck_assert(e.fn == (i % 2 ? nop : other));
	}
	ck_assert_uint_eq(h.n, 0);
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_timer_heap_pops_nothing_before_it_is_due)
{
	struct timer_heap h = { 0 };
	struct timer_entry e = { 0 };
	timer_heap_push(&h, 100, nop, TAG(1));
	timer_heap_push(&h, 200, nop, TAG(2));
	ck_assert(!timer_heap_pop_due(&h, 0, &e));
	ck_assert(!timer_heap_pop_due(&h, 99, &e));
	ck_assert_ptr_null(e.arg); /* untouched */
	ck_assert_uint_eq(h.n, 2);
	ck_assert_uint_eq(pop_tag(&h, 100, 100), 1); /* due exactly now */
	ck_assert(!timer_heap_pop_due(&h, 199, &e));
	ck_assert_uint_eq(pop_tag(&h, 1000, 200), 2); /* late is fine */
	ck_assert(!timer_heap_pop_due(&h, UINT64_MAX, &e));
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_timer_heap_keeps_entries_pushed_between_pops)
{
	struct timer_heap h = { 0 };
	timer_heap_push(&h, 30, nop, TAG(30));
	timer_heap_push(&h, 10, nop, TAG(10));
	ck_assert_uint_eq(pop_tag(&h, 10, 10), 10);
	timer_heap_push(&h, 20, nop, TAG(20));
	timer_heap_push(&h, 5, nop, TAG(5));
	ck_assert_uint_eq(pop_tag(&h, 10, 5), 5);
	struct timer_entry e;
	ck_assert(!timer_heap_pop_due(&h, 10, &e));
	ck_assert_uint_eq(pop_tag(&h, 25, 20), 20);
	ck_assert_uint_eq(pop_tag(&h, 30, 30), 30);
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_timer_heap_sorts_ten_thousand_random_entries)
{
	enum { N = 10000 };
	struct timer_heap h = { 0 };
	uint64_t *due = malloc(N * sizeof *due);
	unsigned *seen = calloc(N, sizeof *seen);
	uint64_t x = 0x2545f4914f6cdd1dull; /* xorshift64, fixed seed */
	for (uintptr_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		due[i] = x % 5000; /* about two entries per due time: many ties */
		timer_heap_push(&h, due[i], nop, TAG(i));
	}
	ck_assert_uint_eq(h.n, N);
	uint64_t last_due = 0;
	uintptr_t last_i = 0;
	for (size_t k = 0; k < N; k++) {
		uint64_t peek;
		ck_assert(timer_heap_peek(&h, &peek));
		struct timer_entry e;
		ck_assert(timer_heap_pop_due(&h, UINT64_MAX, &e));
		ck_assert_uint_eq(e.due_ms, peek);
		uintptr_t i = UNTAG(e.arg);
		ck_assert_uint_lt(i, N);
		ck_assert_uint_eq(e.due_ms, due[i]);
		ck_assert_uint_eq(seen[i]++, 0);
		if (k) {
			ck_assert_uint_ge(e.due_ms, last_due);
			if (e.due_ms == last_due)
				ck_assert_uint_gt(i, last_i); /* ties keep insertion order */
		}
		last_due = e.due_ms;
		last_i = i;
	}
	struct timer_entry e;
	ck_assert(!timer_heap_pop_due(&h, UINT64_MAX, &e));
	timer_heap_free(&h);
	free(due);
	free(seen);
}
END_TEST

/* ---- the timer thread ---- */

/* What the callbacks did, in the order they ran. */
struct record {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int order[64];
	size_t n;
	struct scheduler *s; /* for callbacks that schedule more */
	pthread_t thread[64];
};

static struct record rec;

static void record_reset(void)
{
	pthread_mutex_init(&rec.lock, NULL);
	pthread_cond_init(&rec.cond, NULL);
	rec.n = 0;
	rec.s = NULL;
}

static void record_destroy(void)
{
	pthread_cond_destroy(&rec.cond);
	pthread_mutex_destroy(&rec.lock);
}

static void note(void *arg)
{
	pthread_mutex_lock(&rec.lock);
	if (rec.n < 64) {
		rec.thread[rec.n] = pthread_self();
		rec.order[rec.n++] = (int)UNTAG(arg);
	}
	pthread_cond_broadcast(&rec.cond);
	pthread_mutex_unlock(&rec.lock);
}

/* Schedules note(arg + 100) for "now" from inside the timer thread. */
static void chain(void *arg)
{
	scheduler_at(rec.s, 0, note, TAG(UNTAG(arg) + 100));
	note(arg);
}

/* Waits until n callbacks have run; a safety bound of 10 s, not a sleep. */
static void wait_for(size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&rec.lock);
	while (rec.n < n)
		if (pthread_cond_timedwait(&rec.cond, &rec.lock, &ts))
			break;
	size_t got = rec.n;
	pthread_mutex_unlock(&rec.lock);
	ck_assert_msg(got >= n, "only %zu of %zu callbacks ran", got, n);
}

static uint64_t far_future(uint64_t offset)
{
	return clock_mono_ms() + 3600 * 1000 + offset; /* an hour from now */
}

START_TEST(test_scheduler_fire_all_runs_everything_pending_in_due_order)
{
	record_reset();
	struct scheduler *s = scheduler_start();
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(scheduler_pending(s), 0);
	scheduler_at(s, far_future(300), note, TAG(3));
	scheduler_at(s, far_future(100), note, TAG(1));
	scheduler_at(s, far_future(200), note, TAG(2));
	scheduler_at(s, far_future(100), note, TAG(11)); /* ties with 1, after it */
	ck_assert_uint_eq(scheduler_pending(s), 4);
	pthread_mutex_lock(&rec.lock);
	ck_assert_uint_eq(rec.n, 0); /* nothing is due for an hour */
	pthread_mutex_unlock(&rec.lock);

	scheduler_fire_all(s);
	wait_for(4);
	ck_assert_uint_eq(scheduler_pending(s), 0);
	pthread_mutex_lock(&rec.lock);
	ck_assert_uint_eq(rec.n, 4);
	ck_assert_int_eq(rec.order[0], 1);
	ck_assert_int_eq(rec.order[1], 11);
	ck_assert_int_eq(rec.order[2], 2);
	ck_assert_int_eq(rec.order[3], 3);
	/* on the timer thread, not on the caller's */
	ck_assert(!pthread_equal(rec.thread[0], pthread_self()));
	pthread_mutex_unlock(&rec.lock);
	scheduler_stop(s);
	ck_assert_uint_eq(rec.n, 4);
	record_destroy();
}
END_TEST

START_TEST(test_scheduler_runs_a_deadline_in_the_past_at_once)
{
	record_reset();
	struct scheduler *s = scheduler_start();
	scheduler_at(s, far_future(0), note, TAG(9));
	scheduler_at(s, 0, note, TAG(7));
	wait_for(1);
	pthread_mutex_lock(&rec.lock);
	ck_assert_int_eq(rec.order[0], 7);
	pthread_mutex_unlock(&rec.lock);
	ck_assert_uint_eq(scheduler_pending(s), 1); /* the far one waits */
	scheduler_stop(s);
	ck_assert_uint_eq(rec.n, 2);
	ck_assert_int_eq(rec.order[1], 9);
	record_destroy();
}
END_TEST

START_TEST(test_scheduler_lets_a_callback_schedule_another)
{
	/* callbacks run with no lock held, so scheduler_at from one must not deadlock */
	record_reset();
	struct scheduler *s = scheduler_start();
	rec.s = s;
	scheduler_at(s, 0, chain, TAG(1));
	wait_for(2);
	pthread_mutex_lock(&rec.lock);
	ck_assert_int_eq(rec.order[0], 1);
	ck_assert_int_eq(rec.order[1], 101);
	pthread_mutex_unlock(&rec.lock);
	scheduler_stop(s);
	ck_assert_uint_eq(rec.n, 2);
	record_destroy();
}
END_TEST

START_TEST(test_scheduler_stop_fires_pending_callbacks)
{
	record_reset();
	struct scheduler *s = scheduler_start();
	for (uintptr_t i = 0; i < 10; i++)
		scheduler_at(s, far_future(10 - i), note, TAG(i));
	ck_assert_uint_eq(scheduler_pending(s), 10);
	scheduler_stop(s); /* joins the thread: every callback has run on return */
	ck_assert_uint_eq(rec.n, 10);
	for (size_t k = 0; k < 10; k++)
		ck_assert_int_eq(rec.order[k], 9 - (int)k);
	record_destroy();
}
END_TEST

START_TEST(test_scheduler_stop_with_nothing_pending_or_null)
{
	record_reset();
	scheduler_stop(NULL);
	struct scheduler *s = scheduler_start();
	ck_assert_ptr_nonnull(s);
	scheduler_stop(s);
	ck_assert_uint_eq(rec.n, 0);
	record_destroy();
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("scheduler");
	TCase *tc = tcase_create("heap");
	tcase_add_test(tc, test_timer_heap_starts_empty);
	tcase_add_test(tc, test_timer_heap_pops_in_due_order);
	tcase_add_test(tc, test_timer_heap_fires_ties_in_insertion_order);
	tcase_add_test(tc, test_timer_heap_pops_nothing_before_it_is_due);
	tcase_add_test(tc, test_timer_heap_keeps_entries_pushed_between_pops);
	tcase_add_test(tc, test_timer_heap_sorts_ten_thousand_random_entries);
	suite_add_tcase(s, tc);

	tc = tcase_create("thread");
	tcase_add_test(tc, test_scheduler_fire_all_runs_everything_pending_in_due_order);
	tcase_add_test(tc, test_scheduler_runs_a_deadline_in_the_past_at_once);
	tcase_add_test(tc, test_scheduler_lets_a_callback_schedule_another);
	tcase_add_test(tc, test_scheduler_stop_fires_pending_callbacks);
	tcase_add_test(tc, test_scheduler_stop_with_nothing_pending_or_null);
	suite_add_tcase(s, tc);
	return s;
}
