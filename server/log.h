/* log.h -- one sink (stderr), text or JSON lines, one write() per line so
 * lines from worker threads never interleave. */
#pragma once
#include <stdint.h>

#include "config.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(enum log_format format, int verbosity);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one line per request. `note` may be NULL (e.g. "client hung up"). */
struct log_request {
	const char *method;
	const char *path;
	unsigned status;
	double duration_ms;
	const char *dataset_id; /* may be NULL */
	const char *note;       /* may be NULL */
	const char *scenario;   /* may be NULL */
};
void log_request(const struct log_request *r);
