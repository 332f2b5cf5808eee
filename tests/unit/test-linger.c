/* test-linger.c -- the lingering close: the budget of one connection on a
 * fake clock (bytes, silence, time in all), and the pool's thread over
 * socket pairs, each bound seen from the client's end (it sees POLLHUP once
 * the pool has closed the server's end). */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linger.h"

static const struct linger_limits small = { .max_bytes = 100, .max_ms = 500, .idle_ms = 200, .max_sockets = 4 };

START_TEST(test_linger_budget_closes_after_silence)
{
	struct linger_budget b;
	linger_budget_start(&b, &small, 1000);
	ck_assert_uint_eq(linger_budget_deadline(&b), 1200);
	/* each read moves the silence deadline */
	ck_assert(linger_budget_read(&b, &small, 10, 1150));
	ck_assert_uint_eq(linger_budget_deadline(&b), 1350);
	ck_assert_uint_eq(b.bytes, 10);
}
END_TEST

START_TEST(test_linger_budget_closes_after_the_time_in_all)
{
	struct linger_budget b;
	linger_budget_start(&b, &small, 1000);
	for (uint64_t t = 1100; t < 1500; t += 100)
		ck_assert(linger_budget_read(&b, &small, 1, t));
	/* a trickle keeps it from going quiet, not past the end */
	ck_assert_uint_eq(linger_budget_deadline(&b), 1500);
	ck_assert(!linger_budget_read(&b, &small, 1, 1500));
}
END_TEST

START_TEST(test_linger_budget_closes_past_the_bytes)
{
	struct linger_budget b;
	linger_budget_start(&b, &small, 0);
	ck_assert(linger_budget_read(&b, &small, 60, 1));
	ck_assert(linger_budget_read(&b, &small, 40, 2)); /* exactly the limit */
	ck_assert(!linger_budget_read(&b, &small, 1, 3));
}
END_TEST

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected pair: [0] goes to the pool (the server's end), [1] is the client. */
static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* Waits (at most timeout_ms) until the server's end is closed (a Unix
 * socket reports POLLHUP once its peer is gone, or both ways are shut). */
static bool closed_within(int client, int timeout_ms)
{
	struct pollfd p = { client, 0, 0 };
	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLHUP);
}

START_TEST(test_linger_shuts_the_answer_then_drains_until_the_client_closes)
{
	struct linger_limits l = { LINGER_MAX_BYTES, LINGER_MAX_MS, LINGER_IDLE_MS, LINGER_MAX_SOCKETS };
	struct linger_pool *lg = linger_start(&l);
	ck_assert_ptr_nonnull(lg);
	int sv[2];
	pair(sv);
	linger_add(lg, sv[0]);
	ck_assert_uint_eq(linger_count(lg), 1);
	/* the client reads the end of the answer... */
	char c;
	ck_assert_int_eq(recv(sv[1], &c, 1, 0), 0);
	/* ...and can still send it all: 4 MiB, far over the socket's buffer */
	static char chunk[65536];
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(send(sv[1], chunk, sizeof chunk, MSG_NOSIGNAL), (ssize_t)sizeof chunk);
	ck_assert(!closed_within(sv[1], 0));
	/* the client is done: the server's end closes, long before the 5 s of
	 * silence would close it (seen in the count: with both ends shut for
	 * writing, the client's end reports POLLHUP already) */
	shutdown(sv[1], SHUT_WR);
	double t0 = now_s();
	while (linger_count(lg) && now_s() - t0 < 2) {
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	ck_assert_uint_eq(linger_count(lg), 0);
	close(sv[1]);
	linger_stop(lg);
}
END_TEST

START_TEST(test_linger_closes_past_the_bytes)
{
	struct linger_limits l = { 1000, LINGER_MAX_MS, LINGER_IDLE_MS, LINGER_MAX_SOCKETS };
	struct linger_pool *lg = linger_start(&l);
	int sv[2];
	pair(sv);
	linger_add(lg, sv[0]);
	char buf[4096] = { 0 };
	ck_assert_int_eq(send(sv[1], buf, sizeof buf, MSG_NOSIGNAL), (ssize_t)sizeof buf);
	ck_assert(closed_within(sv[1], 5000));
	close(sv[1]);
	linger_stop(lg);
}
END_TEST

START_TEST(test_linger_closes_a_quiet_client)
{
	struct linger_limits l = { LINGER_MAX_BYTES, LINGER_MAX_MS, 50, LINGER_MAX_SOCKETS };
	struct linger_pool *lg = linger_start(&l);
	int sv[2];
	pair(sv);
	double t0 = now_s();
	linger_add(lg, sv[0]);
	ck_assert(closed_within(sv[1], 5000));
	ck_assert_msg(now_s() - t0 >= 0.04, "closed after %.3f s", now_s() - t0);
	ck_assert_uint_eq(linger_count(lg), 0);
	close(sv[1]);
	linger_stop(lg);
}
END_TEST

START_TEST(test_linger_cuts_a_trickle_off_in_time)
{
	struct linger_limits l = { LINGER_MAX_BYTES, 200, 10000, LINGER_MAX_SOCKETS };
	struct linger_pool *lg = linger_start(&l);
	int sv[2];
	pair(sv);
	double t0 = now_s();
	linger_add(lg, sv[0]);
	bool closed = false;
	while (!closed && now_s() - t0 < 5) {
		send(sv[1], "x", 1, MSG_NOSIGNAL);
		closed = closed_within(sv[1], 20); /* a byte every 20 ms */
	}
	ck_assert(closed);
	ck_assert_msg(now_s() - t0 >= 0.19, "cut off after %.3f s", now_s() - t0);
	close(sv[1]);
	linger_stop(lg);
}
END_TEST

START_TEST(test_linger_closes_at_once_over_the_socket_cap)
{
	struct linger_limits l = { LINGER_MAX_BYTES, LINGER_MAX_MS, LINGER_IDLE_MS, 1 };
	struct linger_pool *lg = linger_start(&l);
	int a[2], b[2];
	pair(a);
	pair(b);
	linger_add(lg, a[0]);
	linger_add(lg, b[0]);
	ck_assert(closed_within(b[1], 0));
	ck_assert(!closed_within(a[1], 0));
	ck_assert_uint_eq(linger_count(lg), 1);
	/* stopping closes what lingers */
	linger_stop(lg);
	ck_assert(closed_within(a[1], 0));
	close(a[1]);
	close(b[1]);
	/* no pool: closed at once */
	pair(a);
	linger_add(NULL, a[0]);
	ck_assert(closed_within(a[1], 0));
	close(a[1]);
	linger_stop(NULL);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("linger");
	TCase *tc = tcase_create("budget");
	tcase_add_test(tc, test_linger_budget_closes_after_silence);
	tcase_add_test(tc, test_linger_budget_closes_after_the_time_in_all);
	tcase_add_test(tc, test_linger_budget_closes_past_the_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("pool");
	tcase_add_test(tc, test_linger_shuts_the_answer_then_drains_until_the_client_closes);
	tcase_add_test(tc, test_linger_closes_past_the_bytes);
	tcase_add_test(tc, test_linger_closes_a_quiet_client);
	tcase_add_test(tc, test_linger_cuts_a_trickle_off_in_time);
	tcase_add_test(tc, test_linger_closes_at_once_over_the_socket_cap);
	suite_add_tcase(s, tc);
	return s;
}
