/* soak_load.c -- load for scripts/soak: worker threads that, until a
 * deadline, send a random mix of draft streaming runs (a share of them
 * dropped mid-way), draft blocking runs, published runs, scenario runs
 * (faults included) and admin reads, over fresh connections. Counts what
 * came back. Not a test: it runs for minutes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned port, threads = 16;
static double seconds = 60, drop_share = 0.3;
static atomic_ulong n_stream, n_dropped, n_blocking, n_published, n_scenario, n_admin, n_failed;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define KB "3f2a9c1e-7b4d-4e8a-9f1c-2d5e6a7b8c9d"
#define BODY(pub, mode)                                                                                       \
	"{\"inputs\":{},\"datasource_type\":\"local_file\",\"datasource_info_list\":[{\"reference\":\"r\","      \
	"\"name\":\"a.pdf\"}],\"start_node_id\":\"1750836391776\",\"is_published\":" pub ",\"response_mode\":\"" mode "\"}"

static const char *scenarios[] = { "unavailable", "rate-limited", "bad-gateway", "connection-closed",
				   "connection-reset", "chunker-fails", "stream-error", "stream-drop", "stream-cut",
				   "stream-dribble", "stream-unknown-event", "sometimes-unavailable" };

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends req; reads until the server closes, or until stop_after_ms (drop). */
static int exchange(const char *req, double stop_after_s)
{
	int fd = dial();
	if (fd < 0)
		return -1;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		close(fd);
		return -1;
	}
	double t0 = now();
	char buf[16384];
	size_t total = 0;
	for (;;) {
		double left = stop_after_s > 0 ? stop_after_s - (now() - t0) : 30 - (now() - t0);
		if (left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	return total ? 0 : -1;
}

static char *post(const char *path, const char *body, const char *scenario)
{
	char *req, sc[96] = "";
	if (scenario)
		snprintf(sc, sizeof sc, "X-Dify-Mock-Scenario: %s\r\n", scenario);
	if (asprintf(&req,
		     "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dataset-difymockdemokey000000000\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
		     path, strlen(body), sc, body) < 0)
		abort();
	return req;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
	double end = now() + seconds;
	const char *run = "/v1/datasets/" KB "/pipeline/run";
	while (now() < end) {
		unsigned pick = (unsigned)rand_r(&seed) % 100;
		char *req;
		int rc;
		if (pick < 40) {
			bool drop = (double)(rand_r(&seed) % 1000) / 1000.0 < drop_share;
			req = post(run, BODY("false", "streaming"), NULL);
			rc = exchange(req, drop ? 0.05 + (double)(rand_r(&seed) % 300) / 1000.0 : 0);
			atomic_fetch_add(drop ? &n_dropped : &n_stream, 1);
		} else if (pick < 60) {
			req = post(run, BODY("false", "blocking"), NULL);
			bool leave = rand_r(&seed) % 5 == 0; /* some leave before the answer */
			rc = exchange(req, leave ? 0.05 : 0);
			if (leave)
				rc = 0;
			atomic_fetch_add(&n_blocking, 1);
		} else if (pick < 75) {
			req = post(run, BODY("true", "blocking"), NULL);
			rc = exchange(req, 0);
			atomic_fetch_add(&n_published, 1);
		} else if (pick < 95) {
			const char *sc = scenarios[(unsigned)rand_r(&seed) % (sizeof scenarios / sizeof *scenarios)];
			req = post(run, BODY("false", "streaming"), sc);
			exchange(req, 0); /* faults may answer nothing: not a failure */
			rc = 0;
			atomic_fetch_add(&n_scenario, 1);
		} else {
			if (asprintf(&req, "GET /_mock/requests?status=200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") < 0)
				abort();
			rc = exchange(req, 0);
			atomic_fetch_add(&n_admin, 1);
		}
		if (rc)
			atomic_fetch_add(&n_failed, 1);
		free(req);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: soak_load PORT SECONDS [THREADS] [DROP_SHARE]\n", stderr);
		return 2;
	}
	port = (unsigned)atoi(argv[1]);
	seconds = atof(argv[2]);
	if (argc > 3)
		threads = (unsigned)atoi(argv[3]);
	if (argc > 4)
		drop_share = atof(argv[4]);
	pthread_t t[256];
	if (threads > 256)
		threads = 256;
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("streams_completed %lu\nstreams_dropped %lu\nblocking %lu\npublished %lu\nscenario_runs %lu\n"
	       "admin_reads %lu\nfailed %lu\n",
	       n_stream, n_dropped, n_blocking, n_published, n_scenario, n_admin, n_failed);
	return 0;
}
