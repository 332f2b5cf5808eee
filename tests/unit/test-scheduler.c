/* test-scheduler.c -- the deadline heap on a fake clock (the caller passes
 * "now"), and the scheduler thread where no waiting on real time is needed:
 * wake_all and stop end every park, a past deadline ends at once, and a
 * client hanging up (a socketpair's far end closed) ends a park long before
 * its deadline. Wake callbacks report through a condition variable. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "scheduler.h"

/* ---- the heap ---- */

static struct sched_park *mk(size_t n)
{
	struct sched_park *p = calloc(n, sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i].fd = -1;
	return p;
}

START_TEST(test_park_heap_starts_empty)
{
	struct park_heap h = { 0 };
	uint64_t due = 77;
	ck_assert(!park_heap_peek(&h, &due));
	ck_assert_uint_eq(due, 77);
	ck_assert_ptr_null(park_heap_pop_due(&h, UINT64_MAX));
	park_heap_free(&h);
}
END_TEST

START_TEST(test_park_heap_pops_in_due_order_and_only_when_due)
{
	static const uint64_t dues[] = { 500, 20, 300, 10, 400, 1000, 0, 250 };
	struct sched_park *p = mk(8);
	struct park_heap h = { 0 };
	for (size_t i = 0; i < 8; i++) {
		p[i].due_ms = dues[i];
		park_heap_push(&h, &p[i]);
	}
	ck_assert_ptr_eq(park_heap_pop_due(&h, 0), &p[6]);
	ck_assert_ptr_null(park_heap_pop_due(&h, 9));
	ck_assert_ptr_eq(park_heap_pop_due(&h, 10), &p[3]);
	ck_assert_ptr_eq(park_heap_pop_due(&h, 260), &p[1]);
	ck_assert_ptr_eq(park_heap_pop_due(&h, 260), &p[7]);
	ck_assert_ptr_null(park_heap_pop_due(&h, 260));
	uint64_t next;
	ck_assert(park_heap_peek(&h, &next));
	ck_assert_uint_eq(next, 300);
	park_heap_free(&h);
	free(p);
}
END_TEST

START_TEST(test_park_heap_keeps_insertion_order_for_ties)
{
	struct sched_park *p = mk(100);
	struct park_heap h = { 0 };
	for (size_t i = 0; i < 100; i++) {
		p[i].due_ms = 5;
		park_heap_push(&h, &p[i]);
	}
	for (size_t i = 0; i < 100; i++)
		ck_assert_ptr_eq(park_heap_pop_due(&h, 5), &p[i]);
	park_heap_free(&h);
	free(p);
}
END_TEST

START_TEST(test_park_heap_removes_any_entry)
{
	struct sched_park *p = mk(50);
	struct park_heap h = { 0 };
	for (size_t i = 0; i < 50; i++) {
		p[i].due_ms = (i * 37) % 50;
		park_heap_push(&h, &p[i]);
	}
	for (size_t i = 0; i < 50; i += 3)
		park_heap_remove(&h, &p[i]);
	uint64_t last = 0;
	size_t n = 0;
	struct sched_park *q;
	while ((q = park_heap_pop_due(&h, UINT64_MAX))) {
		ck_assert_uint_ge(q->due_ms, last);
		ck_assert_uint_ne((size_t)(q - p) % 3, 0);
		last = q->due_ms;
		n++;
	}
	ck_assert_uint_eq(n, 50 - 17);
	park_heap_free(&h);
	free(p);
}
END_TEST

START_TEST(test_park_heap_sorts_ten_thousand_random_deadlines)
{
	struct sched_park *p = mk(10000);
	struct park_heap h = { 0 };
	srand(42);
	for (size_t i = 0; i < 10000; i++) {
		p[i].due_ms = (uint64_t)(rand() % 100000);
		park_heap_push(&h, &p[i]);
	}
	uint64_t last = 0;
	size_t n = 0;
	struct sched_park *q;
	while ((q = park_heap_pop_due(&h, UINT64_MAX))) {
		ck_assert_uint_ge(q->due_ms, last);
		last = q->due_ms;
		n++;
	}
	ck_assert_uint_eq(n, 10000);
	park_heap_free(&h);
	free(p);
}
END_TEST

/* ---- the thread ---- */

struct woken {
	struct sched_park park;
	bool woken, hung_up;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int woken_count;

static void on_wake(struct sched_park *p, bool hung_up)
{
	struct woken *w = (struct woken *)p;
	pthread_mutex_lock(&lock);
	w->woken = true;
	w->hung_up = hung_up;
	woken_count++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void wait_for(int n)
{
	pthread_mutex_lock(&lock);
	while (woken_count < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void reset(void)
{
	woken_count = 0;
}

START_TEST(test_a_past_deadline_wakes_at_once)
{
	reset();
	struct scheduler *s = scheduler_start();
	struct woken w = { .park.wake = on_wake };
	scheduler_park(s, &w.park, clock_mono_ms() - 1, -1);
	wait_for(1);
	ck_assert(w.woken && !w.hung_up);
	ck_assert_uint_eq(scheduler_parked(s), 0);
	scheduler_stop(s);
}
END_TEST

START_TEST(test_wake_all_ends_every_park)
{
	reset();
	struct scheduler *s = scheduler_start();
	struct woken w[3] = { { .park.wake = on_wake }, { .park.wake = on_wake }, { .park.wake = on_wake } };
	for (int i = 0; i < 3; i++)
		scheduler_park(s, &w[i].park, UINT64_MAX / 2, -1);
	ck_assert_uint_eq(scheduler_parked(s), 3);
	scheduler_wake_all(s);
	wait_for(3);
	ck_assert_uint_eq(scheduler_parked(s), 0);
	scheduler_stop(s);
}
END_TEST

START_TEST(test_stop_wakes_what_is_parked)
{
	reset();
	struct scheduler *s = scheduler_start();
	struct woken w = { .park.wake = on_wake };
	scheduler_park(s, &w.park, UINT64_MAX / 2, -1);
	scheduler_stop(s);
	ck_assert(w.woken);
}
END_TEST

START_TEST(test_a_client_hanging_up_ends_the_park_before_its_deadline)
{
	reset();
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct scheduler *s = scheduler_start();
	struct woken w = { .park.wake = on_wake }, other = { .park.wake = on_wake };
	scheduler_park(s, &w.park, clock_mono_ms() + 3600 * 1000, sv[0]);
	scheduler_park(s, &other.park, clock_mono_ms() + 3600 * 1000, -1);
	close(sv[1]); /* the client leaves */
	wait_for(1);
	ck_assert(w.woken && w.hung_up);
	ck_assert(!other.woken);
	ck_assert_uint_eq(scheduler_parked(s), 1);
	scheduler_stop(s);
	ck_assert(other.woken && !other.hung_up);
	close(sv[0]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("scheduler");
	TCase *heap = tcase_create("heap");
	tcase_add_test(heap, test_park_heap_starts_empty);
	tcase_add_test(heap, test_park_heap_pops_in_due_order_and_only_when_due);
	tcase_add_test(heap, test_park_heap_keeps_insertion_order_for_ties);
	tcase_add_test(heap, test_park_heap_removes_any_entry);
	tcase_add_test(heap, test_park_heap_sorts_ten_thousand_random_deadlines);
	suite_add_tcase(s, heap);
	TCase *thread = tcase_create("thread");
	tcase_add_test(thread, test_a_past_deadline_wakes_at_once);
	tcase_add_test(thread, test_wake_all_ends_every_park);
	tcase_add_test(thread, test_stop_wakes_what_is_parked);
	tcase_add_test(thread, test_a_client_hanging_up_ends_the_park_before_its_deadline);
	suite_add_tcase(s, thread);
	return s;
}
