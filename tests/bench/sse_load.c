/* sse_load.c -- load client for scripts/bench-sse: holds N concurrent SSE
 * streams against dify-mock on one thread (epoll), de-chunks them, and
 * measures how late each event and ping arrives against its schedule.
 *
 * The benchmark fixture's nodes all last --node-ms, so data block j of a
 * stream is due at: j = 0 (workflow_started) 0; node_started of node k
 * (j = 2k + 1) k * node-ms; node_finished (j = 2k + 2) (k + 1) * node-ms.
 * Ping k (1-based) is due at k * ping-ms. Times count from the moment the
 * request was written. Not a test: it needs minutes and a big load. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	bool sent, headers_done, closed;
	double t0;              /* request written */
	char hdr[1024];
	size_t hdr_len;
	/* chunked decoding */
	enum { CH_SIZE, CH_DATA, CH_DATA_CRLF } ch;
	size_t ch_left;
	char size_line[32];
	size_t size_len;
	/* SSE block assembly: only the first byte and the "\n\n" matter */
	char first;
	bool in_block;
	char last;
	unsigned data_blocks, pings;
};

static struct {
	unsigned port;
	const char *path;
	const char *body;
	unsigned streams;
	double duration;
	unsigned node_ms, ping_ms;
	unsigned ramp;          /* new connections per second */
} opt = { 5001, NULL, NULL, 1000, 60, 1000, 1000, 2000 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct samples {
	float *v;
	size_t n, cap;
};

static void add(struct samples *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1 << 16;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = (float)ms;
}

static int cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static double pct(struct samples *s, double p)
{
	if (!s->n)
		return 0;
	size_t i = (size_t)(p * (double)(s->n - 1));
	return s->v[i];
}

static struct samples ev_late, ping_late;
static bool measuring;
static char request[4096];
static size_t request_len;

static void on_block(struct conn *c, double t)
{
	double rel = (t - c->t0) * 1000.0;
	if (c->first == 'e') {
		c->pings++;
		if (measuring)
			add(&ping_late, rel - (double)c->pings * opt.ping_ms);
	} else {
		unsigned j = c->data_blocks++;
		double due = j == 0 ? 0 : (j % 2 ? (double)((j - 1) / 2) : (double)((j - 1) / 2 + 1)) * opt.node_ms;
		if (measuring)
			add(&ev_late, rel - due);
	}
}

/* Feeds de-chunked body bytes. */
static void on_body(struct conn *c, const char *p, size_t n, double t)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (!c->in_block) {
			c->in_block = true;
			c->first = ch;
			c->last = 0;
		}
		if (ch == '\n' && c->last == '\n') {
			on_block(c, t);
			c->in_block = false;
		}
		c->last = ch;
	}
}

static void on_bytes(struct conn *c, const char *p, size_t n, double t)
{
	size_t i = 0;
	if (!c->headers_done) {
		while (i < n && !c->headers_done) {
			if (c->hdr_len < sizeof c->hdr)
				c->hdr[c->hdr_len++] = p[i];
			i++;
			if (c->hdr_len >= 4 && !memcmp(c->hdr + c->hdr_len - 4, "\r\n\r\n", 4))
				c->headers_done = true;
		}
		if (c->headers_done && strncmp(c->hdr, "HTTP/1.1 200", 12)) {
			fprintf(stderr, "unexpected answer: %.60s\n", c->hdr);
			c->closed = true;
		}
	}
	while (i < n) {
		switch (c->ch) {
		case CH_SIZE:
			if (p[i] == '\n') {
				c->size_line[c->size_len] = 0;
				c->ch_left = strtoul(c->size_line, NULL, 16);
				c->size_len = 0;
				c->ch = c->ch_left ? CH_DATA : CH_DATA_CRLF;
			} else if (p[i] != '\r' && c->size_len < sizeof c->size_line - 1) {
				c->size_line[c->size_len++] = p[i];
			}
			i++;
			break;
		case CH_DATA: {
			size_t take = n - i < c->ch_left ? n - i : c->ch_left;
			on_body(c, p + i, take, t);
			i += take;
			c->ch_left -= take;
			if (!c->ch_left)
				c->ch = CH_DATA_CRLF;
			break;
		}
		case CH_DATA_CRLF:
			if (p[i] == '\n')
				c->ch = CH_SIZE;
			i++;
			break;
		}
	}
}

static int open_conn(int ep, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) {
		close(c->fd);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

static void usage(void)
{
	fputs("usage: sse_load --port N --path P --body JSON [--streams N] [--duration S] [--node-ms MS] "
	      "[--ping-ms MS] [--ramp N]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", 1, 0, 'p' },	  { "path", 1, 0, 'P' },     { "body", 1, 0, 'b' }, { "streams", 1, 0, 'n' },
		{ "duration", 1, 0, 'd' }, { "node-ms", 1, 0, 'N' }, { "ping-ms", 1, 0, 'i' }, { "ramp", 1, 0, 'r' },
		{ 0, 0, 0, 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'p': opt.port = (unsigned)atoi(optarg); break;
		case 'P': opt.path = optarg; break;
		case 'b': opt.body = optarg; break;
		case 'n': opt.streams = (unsigned)atoi(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'N': opt.node_ms = (unsigned)atoi(optarg); break;
		case 'i': opt.ping_ms = (unsigned)atoi(optarg); break;
		case 'r': opt.ramp = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (!opt.path || !opt.body)
		usage();
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	request_len = (size_t)snprintf(request, sizeof request,
				       "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
				       "dataset-difymockdemokey000000000\r\nContent-Type: application/json\r\n"
				       "Content-Length: %zu\r\n\r\n%s",
				       opt.path, strlen(opt.body), opt.body);
	struct conn *conns = calloc(opt.streams, sizeof *conns);
	int ep = epoll_create1(0);
	unsigned opened = 0, failed = 0;
	double start = now(), all_open_at = 0, end = 0;
	struct epoll_event evs[1024];
	char buf[65536];
	for (;;) {
		double t = now();
		/* Ramp up: at most opt.ramp new connections per second. */
		while (opened < opt.streams && opened < (unsigned)((t - start) * opt.ramp) + 1) {
			if (open_conn(ep, &conns[opened]))
				failed++;
			opened++;
		}
		if (opened == opt.streams && !all_open_at) {
			all_open_at = t;
			end = t + opt.duration;
			/* Let the last streams start before measuring. */
			fprintf(stderr, "all %u streams opened in %.1f s; measuring for %.0f s\n", opened,
				t - start, opt.duration);
		}
		if (all_open_at && !measuring && t > all_open_at + 2)
			measuring = true;
		if (end && t >= end)
			break;
		int n = epoll_wait(ep, evs, 1024, 10);
		double tr = now();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->closed)
				continue;
			if ((evs[i].events & EPOLLOUT) && !c->sent) {
				ssize_t w = write(c->fd, request, request_len);
				if (w == (ssize_t)request_len) {
					c->sent = true;
					c->t0 = now();
					struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			}
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				ssize_t r;
				while ((r = read(c->fd, buf, sizeof buf)) > 0)
					on_bytes(c, buf, (size_t)r, tr);
				if (r == 0 || (r < 0 && errno != EAGAIN)) {
					c->closed = true;
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					close(c->fd);
				}
			}
		}
	}
	unsigned held = 0, events = 0, pings = 0;
	for (unsigned i = 0; i < opened; i++) {
		if (!conns[i].closed && conns[i].headers_done)
			held++;
		events += conns[i].data_blocks;
		pings += conns[i].pings;
	}
	qsort(ev_late.v, ev_late.n, sizeof *ev_late.v, cmpf);
	qsort(ping_late.v, ping_late.n, sizeof *ping_late.v, cmpf);
	printf("streams_requested %u\nstreams_held %u\nconnect_failures %u\n", opt.streams, held, failed);
	printf("events_received %u\npings_received %u\n", events, pings);
	printf("event_late_ms_p50 %.2f\nevent_late_ms_p99 %.2f\nevent_late_ms_max %.2f\nevent_samples %zu\n",
	       pct(&ev_late, 0.5), pct(&ev_late, 0.99), ev_late.n ? ev_late.v[ev_late.n - 1] : 0.0, ev_late.n);
	printf("ping_late_ms_p50 %.2f\nping_late_ms_p99 %.2f\nping_late_ms_max %.2f\nping_samples %zu\n",
	       pct(&ping_late, 0.5), pct(&ping_late, 0.99), ping_late.n ? ping_late.v[ping_late.n - 1] : 0.0,
	       ping_late.n);
	for (unsigned i = 0; i < opened; i++)
		if (!conns[i].closed)
			close(conns[i].fd);
	free(conns);
	free(ev_late.v);
	free(ping_late.v);
	return held == opt.streams ? 0 : 1;
}
