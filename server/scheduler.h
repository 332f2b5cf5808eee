/* scheduler.h -- parked connections: each waits until its deadline (the next
 * SSE event or ping, or the end of a simulated run) or until its client hangs
 * up, whichever comes first; then its wake callback runs on the scheduler's
 * thread, which resumes the connection. One thread, one epoll set: a min-heap
 * of deadlines (pure, unit-tested with a fake clock) and the parked sockets
 * (EPOLLRDHUP), because a suspended libmicrohttpd connection does not notice
 * that its client left. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched_park {
	uint64_t due_ms;   /* monotonic deadline */
	int fd;            /* watched for hang-up while parked; -1: not watched */
	/* Runs on the scheduler thread, once per park, after the park is over. */
	void (*wake)(struct sched_park *p, bool hung_up);
	/* private */
	size_t heap_index;
	uint64_t seq;
	bool parked;
};

/* The deadline heap, pure: callers pass the time. */
struct park_heap {
	struct sched_park **v;
	size_t n, cap;
	uint64_t seq;
};

void park_heap_push(struct park_heap *h, struct sched_park *p);
/* Pops the earliest park if it is due at now_ms, else NULL. */
struct sched_park *park_heap_pop_due(struct park_heap *h, uint64_t now_ms);
void park_heap_remove(struct park_heap *h, struct sched_park *p);
bool park_heap_peek(const struct park_heap *h, uint64_t *ret_due_ms);
void park_heap_free(struct park_heap *h);

struct scheduler;

struct scheduler *scheduler_start(void);
/* Thread-safe. p must stay valid until its wake callback has run; the owner
 * guarantees that by not freeing a parked connection (libmicrohttpd never
 * completes a suspended one). */
void scheduler_park(struct scheduler *s, struct sched_park *p, uint64_t due_ms, int fd);
/* Ends every park now (shutdown: resume every suspended connection). */
void scheduler_wake_all(struct scheduler *s);
size_t scheduler_parked(struct scheduler *s);
/* Wakes what is parked, stops the thread. Accepts NULL. */
void scheduler_stop(struct scheduler *s);
