/* scheduler.h -- "call fn(arg) at time T": a min-heap of deadlines (pure,
 * clock passed in, unit-tested with a fake clock) and one timer thread that
 * runs due callbacks. Used to resume suspended connections when a delayed
 * answer, the next SSE event or a ping is due. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*timer_fn)(void *arg);

struct timer_entry {
	uint64_t due_ms;
	uint64_t seq;   /* ties fire in insertion order */
	timer_fn fn;
	void *arg;
};

struct timer_heap {
	struct timer_entry *v;
	size_t n, cap;
	uint64_t seq;
};

void timer_heap_push(struct timer_heap *h, uint64_t due_ms, timer_fn fn, void *arg);
/* Pops the earliest entry if it is due at now_ms. */
bool timer_heap_pop_due(struct timer_heap *h, uint64_t now_ms, struct timer_entry *ret);
/* The earliest deadline, if any. */
bool timer_heap_peek(const struct timer_heap *h, uint64_t *ret_due_ms);
void timer_heap_free(struct timer_heap *h);

struct scheduler;

struct scheduler *scheduler_start(void);
/* Thread-safe. fn runs on the timer thread, with no lock held. */
void scheduler_at(struct scheduler *s, uint64_t due_ms, timer_fn fn, void *arg);
/* Runs every pending callback now (shutdown: resume every suspended connection). */
void scheduler_fire_all(struct scheduler *s);
size_t scheduler_pending(struct scheduler *s);
/* Stops the thread; pending callbacks are fired first. Accepts NULL. */
void scheduler_stop(struct scheduler *s);
