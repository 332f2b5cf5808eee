/* log.c -- text or JSON log lines on stderr. Never logs Authorization. */
#include "log.h"

#include <stdarg.h>
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

static void timestamp(struct buf *b)
{
	int64_t ms = clock_unix_ms();
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char t[32];
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "%s.%03dZ", t, (int)(ms % 1000));
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
	if (fmt_ == LOG_FORMAT_JSON) {
		buf_puts(b, "{\"time\":\"");
		timestamp(b);
		buf_printf(b, "\",\"level\":\"%s\"", level_names[level]);
	} else {
		timestamp(b);
		buf_printf(b, " %-5s ", level_names[level]);
	}
}

static void field_str(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, ",\"%s\":", key);
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
	for (; *s; s++)
		buf_putc(b, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

void log_request(const struct log_request *r)
{
	struct buf b = BUF_INIT;
	begin(&b, LOG_INFO);
	if (fmt_ == LOG_FORMAT_JSON) {
		field_str(&b, "method", r->method);
		field_str(&b, "path", r->path);
		buf_printf(&b, ",\"status\":%u,\"duration_ms\":%.3f", r->status, r->duration_ms);
		if (r->dataset_id)
			field_str(&b, "dataset_id", r->dataset_id);
		if (r->note)
			field_str(&b, "note", r->note);
		buf_putc(&b, '}');
	} else {
		put_clean(&b, r->method);
		buf_putc(&b, ' ');
		put_clean(&b, r->path);
		buf_printf(&b, " %u %.1fms", r->status, r->duration_ms);
		if (r->note)
			buf_printf(&b, " (%s)", r->note);
	}
	emit(&b);
}
