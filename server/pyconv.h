/* pyconv.h -- what CPython 3.12 makes of a str passed to int(), float() and
 * json.loads(), with the exact text of the ValueError each raises. Dify's
 * if-else node (graphon) runs user text through all three, and the error
 * text becomes the node's error on the wire.
 *
 * Strings are UTF-8; positions and lengths in messages count code points, as
 * Python's do. Python ints are arbitrary precision: struct pyint keeps the
 * decimal digits (int() refuses more than 4300 of them anyway). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define PYINT_MAX_DIGITS 4300 /* sys.get_int_max_str_digits() default */

struct pyint {
	bool neg;                         /* never set for zero */
	size_t n;                         /* digits in d, no leading zeros ("0" for zero) */
	char d[PYINT_MAX_DIGITS + 2];     /* NUL-terminated */
};

/* int(s). Returns 0, or -1 with the ValueError text appended to err. */
int pyconv_int(const char *s, struct pyint *ret, struct buf *err);
/* float(s). Returns 0, or -1 with the ValueError text appended to err. */
int pyconv_float(const char *s, double *ret, struct buf *err);

/* The int whose decimal text (an optional '-' and digits) is s. */
void pyint_from_text(struct pyint *ret, const char *s);
void pyint_from_ll(struct pyint *ret, long long v);
/* int(d) for finite d: truncated toward zero, exactly. */
void pyint_from_double(struct pyint *ret, double d);
int pyint_cmp(const struct pyint *a, const struct pyint *b); /* -1, 0, 1 */
/* a compared with d exactly, as Python compares an int with a float;
 * d must not be NaN. */
int pyint_cmp_double(const struct pyint *a, double d);
double pyint_to_double(const struct pyint *a); /* float(a), correctly rounded */

enum pyjson_kind {
	PYJSON_ERROR,    /* err holds the JSONDecodeError (or RecursionError) text */
	PYJSON_INT,      /* an int; *ret_nonzero tells bool(value) */
	PYJSON_BOOL,     /* true or false; *ret_nonzero tells which */
	PYJSON_OTHER,    /* a float, str, list, dict or None */
};
/* The type json.loads(s) returns, or its error. */
enum pyjson_kind pyconv_json_kind(const char *s, bool *ret_nonzero, struct buf *err);
