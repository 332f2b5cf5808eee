/* scheduler.c -- deadline heap, hang-up watch and the scheduler thread. */
#include "scheduler.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

static bool earlier(const struct sched_park *a, const struct sched_park *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void place(struct park_heap *h, size_t i, struct sched_park *p)
{
	h->v[i] = p;
	p->heap_index = i;
}

static void sift_up(struct park_heap *h, size_t i)
{
	struct sched_park *p = h->v[i];
	while (i && earlier(p, h->v[(i - 1) / 2])) {
		place(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, p);
}

static void sift_down(struct park_heap *h, size_t i)
{
	struct sched_park *p = h->v[i];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sched_park *best = p;
		if (l < h->n && earlier(h->v[l], best))
			m = l, best = h->v[l];
		if (r < h->n && earlier(h->v[r], best))
			m = r;
		if (m == i)
			break;
		place(h, i, h->v[m]);
		i = m;
	}
	place(h, i, p);
}

void park_heap_push(struct park_heap *h, struct sched_park *p)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	p->seq = h->seq++;
	place(h, h->n++, p);
	sift_up(h, h->n - 1);
}

void park_heap_remove(struct park_heap *h, struct sched_park *p)
{
	size_t i = p->heap_index;
	struct sched_park *last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	sift_down(h, i);
	sift_up(h, last->heap_index);
}

struct sched_park *park_heap_pop_due(struct park_heap *h, uint64_t now_ms)
{
	if (!h->n || h->v[0]->due_ms > now_ms)
		return NULL;
	struct sched_park *p = h->v[0];
	park_heap_remove(h, p);
	return p;
}

bool park_heap_peek(const struct park_heap *h, uint64_t *ret_due_ms)
{
	if (!h->n)
		return false;
	*ret_due_ms = h->v[0]->due_ms;
	return true;
}

void park_heap_free(struct park_heap *h)
{
	free(h->v);
	*h = (struct park_heap){ 0 };
}

struct scheduler {
	pthread_mutex_t lock;
	struct park_heap heap;
	int epfd, wakefd;
	bool stopping;
	bool wake_all;
	pthread_t thread;
};

static void poke(struct scheduler *s)
{
	uint64_t one = 1;
	ssize_t r = write(s->wakefd, &one, sizeof one);
	(void)r;
}

/* Under the lock: the park is over; stop watching its socket. */
static void unpark_locked(struct scheduler *s, struct sched_park *p)
{
	p->parked = false;
	if (p->fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
}

#define BATCH 256

static void *run(void *arg)
{
	struct scheduler *s = arg;
	struct sched_park *due[BATCH];
	for (;;) {
		pthread_mutex_lock(&s->lock);
		uint64_t now = s->wake_all ? UINT64_MAX : clock_mono_ms();
		size_t n = 0;
		struct sched_park *p;
		while (n < BATCH && (p = park_heap_pop_due(&s->heap, now))) {
			unpark_locked(s, p);
			due[n++] = p;
		}
		if (!s->heap.n)
			s->wake_all = false;
		bool stop = s->stopping && !s->heap.n;
		uint64_t next;
		int timeout = -1;
		if (n == BATCH || s->wake_all)
			timeout = 0;
		else if (park_heap_peek(&s->heap, &next))
			timeout = next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
		pthread_mutex_unlock(&s->lock);
		/* Wake callbacks run without the lock: they resume connections. */
		for (size_t i = 0; i < n; i++)
			due[i]->wake(due[i], false);
		if (stop)
			break;
		/* One event at a time: an event fetched in a batch could belong to
		 * a park that an earlier callback of the same batch ended. */
		struct epoll_event ev;
		if (epoll_wait(s->epfd, &ev, 1, timeout) != 1)
			continue;
		if (!ev.data.ptr) {
			uint64_t v;
			ssize_t r = read(s->wakefd, &v, sizeof v);
			(void)r;
			continue;
		}
		p = ev.data.ptr;
		pthread_mutex_lock(&s->lock);
		bool was_parked = p->parked;
		if (was_parked) {
			park_heap_remove(&s->heap, p);
			unpark_locked(s, p);
		}
		pthread_mutex_unlock(&s->lock);
		if (was_parked)
			p->wake(p, true);
	}
	return NULL;
}

struct scheduler *scheduler_start(void)
{
	struct scheduler *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (s->epfd < 0 || s->wakefd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev) ||
	    pthread_create(&s->thread, NULL, run, s)) {
		if (s->epfd >= 0)
			close(s->epfd);
		if (s->wakefd >= 0)
			close(s->wakefd);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	return s;
}

void scheduler_park(struct scheduler *s, struct sched_park *p, uint64_t due_ms, int fd)
{
	p->due_ms = due_ms;
	p->fd = fd;
	pthread_mutex_lock(&s->lock);
	p->parked = true;
	uint64_t first = UINT64_MAX;
	park_heap_peek(&s->heap, &first);
	park_heap_push(&s->heap, p);
	if (fd >= 0) {
		struct epoll_event ev = { .events = EPOLLRDHUP | EPOLLONESHOT, .data.ptr = p };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev))
			p->fd = -1; /* not watchable: the deadline still ends the park */
	}
	pthread_mutex_unlock(&s->lock);
	if (due_ms < first)
		poke(s);
}

void scheduler_wake_all(struct scheduler *s)
{
	pthread_mutex_lock(&s->lock);
	s->wake_all = true;
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

size_t scheduler_parked(struct scheduler *s)
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
	s->wake_all = true;
	pthread_mutex_unlock(&s->lock);
	poke(s);
	pthread_join(s->thread, NULL);
	park_heap_free(&s->heap);
	close(s->epfd);
	close(s->wakefd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
