/* error.h -- a Dify error (HTTP status, code, message) carried from any module
 * to the HTTP layer, and its wire envelope. */
#pragma once
#include <stdbool.h>

#include "buf.h"

struct dm_error {
	unsigned status;  /* HTTP status; 0 = no error set */
	char code[64];    /* Dify error code, e.g. "invalid_param" */
	char *message;    /* heap; may be "" but never NULL once set */
	bool message_first; /* Dify's generic 500 puts "message" before "code" */
};

#define DM_ERROR_INIT { 0, "", NULL, false }

/* Sets err (when not NULL) and returns -1, so a failure is one line:
 *   return dm_error_set(err, 404, "not_found", "Dataset not found."); */
int dm_error_set(struct dm_error *err, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Takes ownership of a heap message. */
int dm_error_take(struct dm_error *err, unsigned status, const char *code, char *message);
void dm_error_clear(struct dm_error *err);
/* Appends the exact wire body: compact ujson {"code","message","status"} plus "\n". */
void dm_error_body(const struct dm_error *err, struct buf *out);
