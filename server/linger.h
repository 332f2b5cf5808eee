/* linger.h -- lingering close, as nginx does it: a connection answered before
 * its request body was read (413 over --max-body-bytes) is not closed at once,
 * which would reset it while the client still sends (a client that writes the
 * whole body before reading -- Node's fetch, Python's urllib -- then loses the
 * answer). Its write side is shut instead, and what the client still sends is
 * read and thrown away until it closes. Bounded per connection in bytes, time
 * and silence, and in connections at once. One thread, one epoll set; the
 * budget arithmetic is pure, so tests pass the time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct linger_limits {
	uint64_t max_bytes;  /* discarded per connection, then it is closed */
	uint64_t max_ms;     /* from the hand-over to the close, however busy */
	uint64_t idle_ms;    /* without a byte from the client, then it is closed */
	size_t max_sockets;  /* lingering at once; more are closed right away */
};

/* nginx's lingering_time and lingering_timeout; 1 GiB is about a second of
 * loopback traffic, far above any body a test would send over the limit. */
#define LINGER_MAX_BYTES (1ull << 30)
#define LINGER_MAX_MS 30000
#define LINGER_IDLE_MS 5000
#define LINGER_MAX_SOCKETS 1024

/* One connection's budget. */
struct linger_budget {
	uint64_t bytes;      /* discarded so far */
	uint64_t end_ms;     /* closed at the latest then */
	uint64_t quiet_ms;   /* closed then if nothing arrives before */
};

void linger_budget_start(struct linger_budget *b, const struct linger_limits *l, uint64_t now_ms);
/* n bytes were read at now_ms; false: the budget is spent, close. */
bool linger_budget_read(struct linger_budget *b, const struct linger_limits *l, size_t n, uint64_t now_ms);
/* When the connection is to be closed if nothing arrives. */
uint64_t linger_budget_deadline(const struct linger_budget *b);

struct linger_pool;

struct linger_pool *linger_start(const struct linger_limits *l);
/* Takes fd, a connected socket whose answer has been written in full: shuts
 * its write side (the client sees the end of the answer), then drains and
 * closes it. Thread-safe. */
void linger_add(struct linger_pool *lg, int fd);
/* Connections lingering now. */
size_t linger_count(struct linger_pool *lg);
/* Closes what lingers and stops the thread. Accepts NULL. */
void linger_stop(struct linger_pool *lg);
