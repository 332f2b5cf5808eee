/* linger.c -- lingering close: the budget, and the thread that drains the
 * sockets handed over and closes them. */
#include "linger.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

void linger_budget_start(struct linger_budget *b, const struct linger_limits *l, uint64_t now_ms)
{
	*b = (struct linger_budget){ .end_ms = now_ms + l->max_ms, .quiet_ms = now_ms + l->idle_ms };
}

bool linger_budget_read(struct linger_budget *b, const struct linger_limits *l, size_t n, uint64_t now_ms)
{
	b->bytes += n;
	b->quiet_ms = now_ms + l->idle_ms;
	return b->bytes <= l->max_bytes && now_ms < b->end_ms;
}

uint64_t linger_budget_deadline(const struct linger_budget *b)
{
	return b->quiet_ms < b->end_ms ? b->quiet_ms : b->end_ms;
}

struct lsock {
	int fd;
	size_t index;            /* in linger_pool.v */
	struct linger_budget budget;
};

struct linger_pool {
	struct linger_limits lim;
	pthread_mutex_t lock;    /* v, n, stopping */
	struct lsock **v;
	size_t n, cap;
	bool stopping;
	int epfd, wakefd;
	pthread_t thread;
	char sink[65536];        /* what is read goes here; only the thread uses it */
};

static void poke(struct linger_pool *lg)
{
	uint64_t one = 1;
	ssize_t r = write(lg->wakefd, &one, sizeof one);
	(void)r;
}

/* Under the lock. Deregistered first: MHD may not have closed its own
 * descriptor of the same socket yet, which would keep the registration (and
 * its pointer to s) alive after our close. */
static void drop_locked(struct linger_pool *lg, struct lsock *s)
{
	epoll_ctl(lg->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	struct lsock *last = lg->v[--lg->n];
	lg->v[s->index] = last;
	last->index = s->index;
	free(s);
}

/* Reads what is there (a bounded amount per turn, so one fast client cannot
 * starve the others); false when the socket is to be closed: the client
 * closed or failed, or the budget is spent. */
static bool drain(struct linger_pool *lg, struct lsock *s, uint64_t now)
{
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(s->fd, lg->sink, sizeof lg->sink, 0);
		if (n > 0) {
			if (!linger_budget_read(&s->budget, &lg->lim, (size_t)n, now))
				return false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
	return true;
}

#define BATCH 64

static void *run(void *arg)
{
	struct linger_pool *lg = arg;
	struct epoll_event evs[BATCH];
	pthread_mutex_lock(&lg->lock);
	while (!lg->stopping) {
		uint64_t now = clock_mono_ms(), next = UINT64_MAX;
		for (size_t i = 0; i < lg->n; i++) {
			uint64_t d = linger_budget_deadline(&lg->v[i]->budget);
			if (d <= now)
				drop_locked(lg, lg->v[i--]);
			else if (d < next)
				next = d;
		}
		int timeout = next == UINT64_MAX ? -1 : (int)(next - now > 60000 ? 60000 : next - now);
		pthread_mutex_unlock(&lg->lock);
		int n = epoll_wait(lg->epfd, evs, BATCH, timeout);
		pthread_mutex_lock(&lg->lock);
		now = clock_mono_ms();
		/* Only this thread closes sockets, each on its own event or at its
		 * deadline: every pointer of the batch is still valid. */
		for (int i = 0; i < n; i++) {
			struct lsock *s = evs[i].data.ptr;
			if (!s) {
				uint64_t v;
				ssize_t r = read(lg->wakefd, &v, sizeof v);
				(void)r;
			} else if (!drain(lg, s, now)) {
				drop_locked(lg, s);
			}
		}
	}
	pthread_mutex_unlock(&lg->lock);
	return NULL;
}

struct linger_pool *linger_start(const struct linger_limits *l)
{
	struct linger_pool *lg = xcalloc(1, sizeof *lg);
	lg->lim = *l;
	pthread_mutex_init(&lg->lock, NULL);
	lg->epfd = epoll_create1(EPOLL_CLOEXEC);
	lg->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (lg->epfd < 0 || lg->wakefd < 0 || epoll_ctl(lg->epfd, EPOLL_CTL_ADD, lg->wakefd, &ev) ||
	    pthread_create(&lg->thread, NULL, run, lg)) {
		if (lg->epfd >= 0)
			close(lg->epfd);
		if (lg->wakefd >= 0)
			close(lg->wakefd);
		pthread_mutex_destroy(&lg->lock);
		free(lg);
		return NULL;
	}
	return lg;
}

void linger_add(struct linger_pool *lg, int fd)
{
	/* The answer is complete: the FIN tells the client so. */
	shutdown(fd, SHUT_WR);
	if (!lg) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	struct lsock *s = xcalloc(1, sizeof *s);
	s->fd = fd;
	linger_budget_start(&s->budget, &lg->lim, clock_mono_ms());
	pthread_mutex_lock(&lg->lock);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = s };
	if (lg->stopping || lg->n >= lg->lim.max_sockets || epoll_ctl(lg->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		pthread_mutex_unlock(&lg->lock);
		close(fd);
		free(s);
		return;
	}
	if (lg->n == lg->cap) {
		lg->cap = lg->cap ? 2 * lg->cap : 16;
		lg->v = xrealloc(lg->v, lg->cap * sizeof *lg->v);
	}
	s->index = lg->n;
	lg->v[lg->n++] = s;
	pthread_mutex_unlock(&lg->lock);
	poke(lg); /* its deadline may come before the one the thread waits for */
}

size_t linger_count(struct linger_pool *lg)
{
	pthread_mutex_lock(&lg->lock);
	size_t n = lg->n;
	pthread_mutex_unlock(&lg->lock);
	return n;
}

void linger_stop(struct linger_pool *lg)
{
	if (!lg)
		return;
	pthread_mutex_lock(&lg->lock);
	lg->stopping = true;
	pthread_mutex_unlock(&lg->lock);
	poke(lg);
	pthread_join(lg->thread, NULL);
	while (lg->n)
		drop_locked(lg, lg->v[0]);
	free(lg->v);
	close(lg->epfd);
	close(lg->wakefd);
	pthread_mutex_destroy(&lg->lock);
	free(lg);
}
