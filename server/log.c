/* log.c -- text or JSON log lines on stderr. Never logs Authorization. */
#include "log.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "json.h"

static enum log_format fmt_ = LOG_FORMAT_TEXT;
static int verbosity_;

static const char *level_names[] = { "error", "warn", "info", "debug" };

void log_init(enum log_format format, int verbosity)
{
	fmt_ = format;
	verbosity_ = verbosity;
}

/* "YYYY-MM-DDTHH:MM:SS" changes once a second: each thread keeps the last
 * one (gmtime_r and strftime per line were a fifth of the logging cost). */
static void timestamp(struct buf *b)
{
	static _Thread_local int64_t last_s = INT64_MIN;
	static _Thread_local char last[32];
	int64_t ms = clock_unix_ms();
	int64_t sec = ms / 1000;
	if (sec != last_s) {
		time_t s = (time_t)sec;
		struct tm tm;
		gmtime_r(&s, &tm);
		strftime(last, sizeof last, "%Y-%m-%dT%H:%M:%S", &tm);
		last_s = sec;
	}
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		buf_printf(b, "%s.%03dZ", last, frac);
		return;
	}
	char tail[6] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10), (char)('0' + frac % 10), 'Z' };
	buf_puts(b, last);
	buf_append(b, tail, 5);
}

static void emit(struct buf *b)
{
	buf_putc(b, '\n');
	/* One write per line: atomic for lines under PIPE_BUF on pipes. */
	ssize_t r = write(STDERR_FILENO, b->data, b->len);
	(void)r;
	buf_free(b);
}

static void begin(struct buf *b, enum log_level level)
{
	/* level_names padded as "%-5s" between spaces, for text lines. */
	static const char *text_levels[] = { " error ", " warn  ", " info  ", " debug " };
	buf_reserve(b, 256); /* one allocation for a typical line */
	if (fmt_ == LOG_FORMAT_JSON) {
		buf_puts(b, "{\"time\":\"");
		timestamp(b);
		buf_puts(b, "\",\"level\":\"");
		buf_puts(b, level_names[level]);
		buf_putc(b, '"');
	} else {
		timestamp(b);
		buf_puts(b, text_levels[level]);
	}
}

/* Decimal digits of v, no sign. */
static void put_uint(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_append(b, tmp + i, sizeof tmp - i);
}

/* printf's "%.<decimals>f" of v; durations are whole milliseconds, so the
 * common case needs no floating-point formatting. */
static void put_fixed(struct buf *b, double v, int decimals)
{
	if (v >= 0 && !signbit(v) && v < 1e15 && v == (double)(uint64_t)v) {
		put_uint(b, (uint64_t)v);
		buf_append(b, ".000", (size_t)decimals + 1);
		return;
	}
	buf_printf(b, "%.*f", decimals, v);
}

static void field_str(struct buf *b, const char *key, const char *v)
{
	buf_puts(b, ",\"");
	buf_puts(b, key);
	buf_puts(b, "\":");
	json_write_string(b, v, strlen(v), JSON_ORJSON);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	/* Default shows info and worse; -v adds debug. */
	if ((int)level > LOG_INFO + verbosity_)
		return;
	struct buf msg = BUF_INIT, b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	begin(&b, level);
	if (fmt_ == LOG_FORMAT_JSON) {
		field_str(&b, "msg", msg.data ? msg.data : "");
		buf_putc(&b, '}');
	} else {
		buf_puts(&b, msg.data ? msg.data : "");
	}
	buf_free(&msg);
	emit(&b);
}

/* Client-controlled text in a text log: control bytes become '?', so a
 * request path cannot forge log lines. */
static void put_clean(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	size_t start = b->len;
	buf_append(b, s, n);
	for (char *p = b->data + start; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void log_request(const struct log_request *r)
{
	struct buf b = BUF_INIT;
	begin(&b, LOG_INFO);
	if (fmt_ == LOG_FORMAT_JSON) {
		field_str(&b, "method", r->method);
		field_str(&b, "path", r->path);
		buf_puts(&b, ",\"status\":");
		put_uint(&b, r->status);
		buf_puts(&b, ",\"duration_ms\":");
		put_fixed(&b, r->duration_ms, 3);
		if (r->dataset_id)
			field_str(&b, "dataset_id", r->dataset_id);
		if (r->scenario)
			field_str(&b, "scenario", r->scenario);
		if (r->note)
			field_str(&b, "note", r->note);
		buf_putc(&b, '}');
	} else {
		put_clean(&b, r->method);
		buf_putc(&b, ' ');
		put_clean(&b, r->path);
		buf_putc(&b, ' ');
		put_uint(&b, r->status);
		buf_putc(&b, ' ');
		put_fixed(&b, r->duration_ms, 1);
		buf_puts(&b, "ms");
		if (r->scenario) {
			buf_puts(&b, " scenario '");
			put_clean(&b, r->scenario);
			buf_putc(&b, '\'');
		}
		if (r->note) {
			buf_puts(&b, " (");
			buf_puts(&b, r->note);
			buf_putc(&b, ')');
		}
	}
	emit(&b);
}
