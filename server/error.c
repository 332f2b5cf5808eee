/* error.c -- Dify error envelope. */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int dm_error_take(struct dm_error *err, unsigned status, const char *code, char *message)
{
	if (!err) {
		free(message);
		return -1;
	}
	free(err->message);
	err->status = status;
	snprintf(err->code, sizeof err->code, "%s", code);
	err->message = message ? message : xstrdup("");
	err->message_first = false;
	return -1;
}

int dm_error_set(struct dm_error *err, unsigned status, const char *code, const char *fmt, ...)
{
	if (!err)
		return -1;
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return dm_error_take(err, status, code, buf_steal(&b, NULL));
}

void dm_error_clear(struct dm_error *err)
{
	if (!err)
		return;
	free(err->message);
	*err = (struct dm_error)DM_ERROR_INIT;
}

void dm_error_body(const struct dm_error *err, struct buf *out)
{
	const char *msg = err->message ? err->message : "";
	if (err->message_first) {
		buf_puts(out, "{\"message\":");
		json_write_string(out, msg, strlen(msg), JSON_UJSON);
		buf_puts(out, ",\"code\":");
		json_write_string(out, err->code, strlen(err->code), JSON_UJSON);
	} else {
		buf_puts(out, "{\"code\":");
		json_write_string(out, err->code, strlen(err->code), JSON_UJSON);
		buf_puts(out, ",\"message\":");
		json_write_string(out, msg, strlen(msg), JSON_UJSON);
	}
	buf_printf(out, ",\"status\":%u}\n", err->status);
}
