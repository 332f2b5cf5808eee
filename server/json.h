/* json.h -- JSON in and out with the exact semantics of the Python libraries
 * Dify uses, over cJSON trees.
 *
 * Parsing follows orjson (what Flask uses for request bodies): strict RFC 8259,
 * input must be valid UTF-8, lone surrogate escapes rejected, NaN/Infinity
 * rejected, integers outside [-2^63, 2^64-1] rejected, nesting limited
 * (JSON_MAX_DEPTH), duplicate object keys keep the first key's position and
 * the last value (Python dict semantics), trailing garbage rejected.
 * Number nodes keep their literal text in `valuestring` so that integers wider
 * than a double print back exactly; floats carry JSON_FLOAT_FLAG in `type`
 * (1 and 1.0 differ in Python: repr, type name and output).
 *
 * Writing has three styles, one per Python serializer on the wire.
 *
 * The module's files: json_parse.c (the parser), json_write.c (the writers),
 * json_node.c (node blocks, builders, json_get), json_arena.c (the arena),
 * json_utf8.c; json_internal.h is what they share. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"

#define JSON_FLOAT_FLAG (1 << 12) /* in cJSON.type of a number parsed from a float literal */
#define JSON_MAX_DEPTH 1000

enum json_style {
	JSON_UJSON,   /* ujson.dumps: compact, "/" -> "\/", non-ASCII -> \uXXXX (errors, companion bodies) */
	JSON_PYDUMPS, /* json.dumps: ", " and ": ", non-ASCII -> \uXXXX, "/" kept (pipeline/run success) */
	JSON_ORJSON,  /* orjson.dumps: compact, raw UTF-8, "/" kept (SSE events) */
};

/* Parses buf[0..len). On failure returns -1 and, when err is not NULL, writes
 * a short reason with a byte offset into err (for logs and fixture errors:
 * "line 3 column 7: expected ',' or '}'"). */
int json_parse(const char *buf, size_t len, cJSON **ret, char *err, size_t errlen);

/* Parsing into an arena, for trees that live and die together (the fixture
 * files): one bump allocation per node from chunks whose pages the kernel
 * maps in one go. Such a tree is read-only: never cJSON_Delete it or any
 * part of it, nor add its nodes to another tree; json_dup makes ordinary
 * copies. json_arena_free frees every tree parsed into the arena at once;
 * json_arena_trim gives back the unused pages once parsing is over. */
struct json_arena;
struct json_arena *json_arena_new(void);
int json_parse_arena(struct json_arena *arena, const char *buf, size_t len, cJSON **ret, char *err, size_t errlen);
void json_arena_trim(struct json_arena *arena);
/* Parses YAML as PyYAML's yaml.safe_load reads it (YAML 1.1 scalars, one
 * document, anchors and merge keys), into nodes from arena (NULL: from
 * malloc, freed with cJSON_Delete). What json.dumps could not write becomes
 * what Dify would store (json_yaml.c). On failure -1 and a reason with
 * the line and column in err. An empty document is null. */
int json_parse_yaml(struct json_arena *arena, const char *buf, size_t len, cJSON **ret, char *err, size_t errlen);
/* n bytes from the arena, 16-byte aligned, living as long as it does:
 * for what is built from the trees and dies with them (fixtures_*.c). */
void *json_arena_alloc(struct json_arena *arena, size_t n);
/* count zeroed items of size bytes from the arena (at least one byte). */
void *json_arena_calloc(struct json_arena *arena, size_t count, size_t size);
/* Moves every tree of from (trimmed) into arena, and frees from: trees
 * parsed on several threads, each into its own arena, end up owned by one. */
void json_arena_adopt(struct json_arena *arena, struct json_arena *from);
void json_arena_free(struct json_arena *arena);

/* Serializes item in the given style (no trailing newline). cJSON_Raw nodes
 * are copied verbatim. Numbers: floats (JSON_FLOAT_FLAG) as Python repr of
 * the double (1.0, 0.052114, 1e-05, 1e+16); other numbers as their literal
 * text when present, else as an integer. */
void json_write(struct buf *out, const cJSON *item, enum json_style style);
char *json_print(const cJSON *item, enum json_style style, size_t *ret_len); /* heap */
/* A JSON string literal (with quotes) of s[0..len) in the given style. */
void json_write_string(struct buf *out, const char *s, size_t len, enum json_style style);

/* Builders for values Python would hold as float or int. */
cJSON *json_float(double v);        /* number tagged JSON_FLOAT_FLAG */
cJSON *json_int(long long v);       /* number with exact literal text */
bool json_is_float(const cJSON *item);
/* Python repr of a float ("1.0", "0.1", "1e-05", "inf"), into out. */
void json_format_float(struct buf *out, double v);

/* The member key of obj, or NULL (also when obj is not an object). Trees
 * from json_parse hold one member per key (the last value, as a Python dict
 * does), so the first match is the answer. */
const cJSON *json_get(const cJSON *obj, const char *key);

/* Deep copy preserving the float flag and literal text. Parsed nodes keep
 * their key and value inside their own block (flagged cJSON_StringIsConst and
 * cJSON_IsReference, which cJSON_Delete and cJSON's adders honour): copy them
 * with this, not cJSON_Duplicate, which would share the key. */
cJSON *json_dup(const cJSON *item);
/* Valid UTF-8 (no surrogates, no overlongs)? */
bool json_utf8_valid(const char *s, size_t len);
/* s[0..n) as Python's bytes.decode("utf-8", "replace") reads it, appended
 * to out as UTF-8: one U+FFFD per maximal invalid subpart (what Werkzeug
 * makes of undecodable bytes in a form or query value). */
void json_utf8_replace(const char *s, size_t n, struct buf *out);
