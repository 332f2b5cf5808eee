/* multipart.h -- a request body read the way Flask 3.1 / Werkzeug 3.1 fill
 * request.files: the Content-Type picks the parser (multipart/form-data with
 * a boundary; anything else gives no files), and the multipart decoder is
 * Werkzeug's state machine fed 64 KiB at a time, with its limits: the
 * decoder's buffer and any non-file field over 500,000 bytes, or more than
 * 1000 parts, are a 413. Any other problem (no boundary, no closing
 * boundary, a part without Content-Disposition, a header that is not
 * UTF-8, ...) is Werkzeug's silent failure: no fields and no files at all.
 *
 * Strict and bounded: the body is never copied (file contents are offsets
 * into it), every loop advances, and nothing is read past len. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define MP_CHUNK (64 * 1024)          /* Werkzeug MultiPartParser.buffer_size */
#define MP_MAX_FORM_MEMORY 500000     /* Flask MAX_FORM_MEMORY_SIZE */
#define MP_MAX_PARTS 1000             /* Flask MAX_FORM_PARTS */

/* A string with its length (it may hold NUL bytes); s is NUL-terminated too. */
struct mp_str {
	char *s;
	size_t len;
};

/* One part with a filename= parameter (Werkzeug's FileStorage). */
struct mp_file {
	struct mp_str name;          /* the field name; s == NULL when name= is absent */
	struct mp_str filename;      /* as sent, after RFC 2231 decoding (may be "") */
	struct mp_str content_type;  /* the part's Content-Type header; s == NULL when absent */
	size_t offset, size;         /* the contents: body[offset, offset + size) */
};

enum mp_status {
	MP_OK,          /* parsed (files may be empty: not multipart, or no file part) */
	MP_EMPTY,       /* Werkzeug's silent ValueError: no fields, no files */
	MP_TOO_LARGE,   /* RequestEntityTooLarge: 413 */
};

struct mp_form {
	enum mp_status status;
	struct mp_file *files;       /* in body order */
	size_t n_files;
	size_t n_fields;             /* parts without filename= */
	const char *why;             /* MP_EMPTY / MP_TOO_LARGE: Werkzeug's reason, for logs and tests */
};

/* content_type is the request's Content-Type header (NULL when absent). */
void multipart_parse(const char *content_type, const char *body, size_t len, struct mp_form *ret);
void mp_form_free(struct mp_form *f);

/* request.files semantics over the result. */
size_t mp_distinct_names(const struct mp_form *f); /* len(request.files): distinct names, None counting once */
const struct mp_file *mp_first_named(const struct mp_form *f, const char *name); /* request.files[name] */

/* Werkzeug's parse_options_header(value), for a value decoded as UTF-8
 * (utf8 true: part headers) or Latin-1 (false: request headers, as WSGI
 * servers decode them). *ret_value is the stripped value before ';' (not
 * lower-cased); the options are looked up with mp_option. Both heap. */
struct mp_options {
	struct mp_str *keys, *values;
	size_t n;
};
void mp_parse_options_header(const char *value, size_t len, bool utf8, struct mp_str *ret_value,
			     struct mp_options *ret_options);
const struct mp_str *mp_option(const struct mp_options *o, const char *key);
void mp_options_free(struct mp_options *o);
/* FileStorage.mimetype / Request.mimetype: the value before ';', stripped,
 * lower-cased (ASCII letters only). Heap; "" when absent. */
char *mp_mimetype(const char *content_type, size_t len, bool utf8);
