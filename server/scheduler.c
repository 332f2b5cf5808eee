/* scheduler.c -- deadline heap and the timer thread. */
#include "scheduler.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "buf.h"
#include "clock.h"

static bool earlier(const struct timer_entry *a, const struct timer_entry *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void swap(struct timer_entry *a, struct timer_entry *b)
{
	struct timer_entry t = *a;
	*a = *b;
	*b = t;
}

void timer_heap_push(struct timer_heap *h, uint64_t due_ms, timer_fn fn, void *arg)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	size_t i = h->n++;
	h->v[i] = (struct timer_entry){ due_ms, h->seq++, fn, arg };
	while (i && earlier(&h->v[i], &h->v[(i - 1) / 2])) {
		swap(&h->v[i], &h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

bool timer_heap_peek(const struct timer_heap *h, uint64_t *ret_due_ms)
{
	if (!h->n)
		return false;
	*ret_due_ms = h->v[0].due_ms;
	return true;
}

bool timer_heap_pop_due(struct timer_heap *h, uint64_t now_ms, struct timer_entry *ret)
{
	if (!h->n || h->v[0].due_ms > now_ms)
		return false;
	*ret = h->v[0];
	h->v[0] = h->v[--h->n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && earlier(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && earlier(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		swap(&h->v[i], &h->v[m]);
		i = m;
	}
	return true;
}

void timer_heap_free(struct timer_heap *h)
{
	free(h->v);
	*h = (struct timer_heap){ 0 };
}

struct scheduler {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct timer_heap heap;
	bool stopping;
	bool fire_all;
	pthread_t thread;
};

static void *run(void *arg)
{
	struct scheduler *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		uint64_t now = s->fire_all ? UINT64_MAX : clock_mono_ms();
		struct timer_entry e;
		if (timer_heap_pop_due(&s->heap, now, &e)) {
			pthread_mutex_unlock(&s->lock);
			e.fn(e.arg);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		s->fire_all = false;
		if (s->stopping)
			break;
		uint64_t due;
		if (timer_heap_peek(&s->heap, &due)) {
			/* The condvar uses CLOCK_MONOTONIC (set in scheduler_start). */
			struct timespec ts = { (time_t)(due / 1000), (long)(due % 1000) * 1000000L };
			pthread_cond_timedwait(&s->wake, &s->lock, &ts);
		} else {
			pthread_cond_wait(&s->wake, &s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct scheduler *scheduler_start(void)
{
	struct scheduler *s = xcalloc(1, sizeof *s);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_create(&s->thread, NULL, run, s)) {
		free(s);
		return NULL;
	}
	return s;
}

void scheduler_at(struct scheduler *s, uint64_t due_ms, timer_fn fn, void *arg)
{
	pthread_mutex_lock(&s->lock);
	uint64_t first = UINT64_MAX;
	timer_heap_peek(&s->heap, &first);
	timer_heap_push(&s->heap, due_ms, fn, arg);
	if (due_ms < first)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

void scheduler_fire_all(struct scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	s->fire_all = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

size_t scheduler_pending(struct scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->heap.n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void scheduler_stop(struct scheduler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	s->fire_all = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	timer_heap_free(&s->heap);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
