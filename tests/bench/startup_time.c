/* startup_time.c -- time from starting dify-mock to its first successful
 * answer (scripts/bench). Starts the server RUNS times; each time the clock
 * starts just before fork(), the port file is polled every 200 us, then the
 * request is sent (on a fresh connection each try) until an answer with
 * status 200 arrives; the clock stops there. The server is then stopped with
 * SIGTERM. Prints every time and the median, in milliseconds, and when the
 * port file appeared (the server listens; the rest is the first request).
 *
 *   startup_time --runs N --port-file PATH --path URL_PATH --key KEY --body JSON -- SERVER ARGS...
 *
 * SERVER ARGS must include --port 0 --port-file PATH. Loopback only; every
 * wait is bounded (5 s per start). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_LIMIT_MS 5000.0

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

static unsigned read_port(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned port = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%u", &port) != 1)
		port = 0;
	fclose(f);
	return port;
}

/* One request on a new connection; true when the status is 200. */
static bool ask(unsigned port, const char *req, size_t req_len)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	bool ok = false;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, req, req_len) == (ssize_t)req_len) {
		char buf[64];
		size_t got = 0;
		while (got < 12) {
			ssize_t r = read(fd, buf + got, sizeof buf - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		ok = got >= 12 && !memcmp(buf, "HTTP/1.1 200", 12);
	}
	close(fd);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fputs("usage: startup_time --runs N --port-file PATH --path URL_PATH --key KEY --body JSON -- SERVER ARGS...\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 7, i;
	const char *port_file = NULL, *path = NULL, *key = NULL, *body = NULL;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--port-file"))
			port_file = argv[++i];
		else if (!strcmp(argv[i], "--path"))
			path = argv[++i];
		else if (!strcmp(argv[i], "--key"))
			key = argv[++i];
		else if (!strcmp(argv[i], "--body"))
			body = argv[++i];
		else
			usage();
	}
	if (i >= argc - 1 || !port_file || !path || !key || !body || runs < 1 || runs > 1000)
		usage();
	char **server = argv + i + 1;
	char req[8192];
	int n = snprintf(req, sizeof req,
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 path, key, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof req)
		usage();
	signal(SIGPIPE, SIG_IGN);
	double *times = calloc((size_t)runs, sizeof *times), *ports = calloc((size_t)runs, sizeof *ports);
	for (int r = 0; r < runs; r++) {
		unlink(port_file);
		double t0 = now_ms(), t = -1, tp = -1;
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execv(server[0], server);
			perror("execv");
			_exit(127);
		}
		unsigned port = 0;
		while (now_ms() - t0 < START_LIMIT_MS) {
			if (!port && (port = read_port(port_file)))
				tp = now_ms() - t0;
			if (port && ask(port, req, (size_t)n)) {
				t = now_ms() - t0;
				break;
			}
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				fprintf(stderr, "startup_time: the server exited before answering\n");
				return 1;
			}
			pause_us(200);
		}
		kill(pid, SIGTERM);
		for (int k = 0; k < 500 && waitpid(pid, NULL, WNOHANG) != pid; k++)
			pause_us(10000);
		if (waitpid(pid, NULL, WNOHANG) == 0) { /* still there after 5 s */
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		if (t < 0) {
			fprintf(stderr, "startup_time: no answer within %.0f ms\n", START_LIMIT_MS);
			return 1;
		}
		times[r] = t;
		ports[r] = tp;
		printf("start %d: %.1f ms (port file after %.1f ms)\n", r + 1, t, tp);
	}
	qsort(times, (size_t)runs, sizeof *times, cmp_double);
	qsort(ports, (size_t)runs, sizeof *ports, cmp_double);
	printf("startup_ms_median %.1f\nstartup_ms_min %.1f\nstartup_ms_max %.1f\nport_file_ms_median %.1f\n",
	       times[runs / 2], times[0], times[runs - 1], ports[runs / 2]);
	free(times);
	free(ports);
	unlink(port_file);
	return 0;
}
