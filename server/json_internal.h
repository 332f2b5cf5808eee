/* json_internal.h -- internal to the json module (server/json_*.c): what
 * the parser, the writers, the builders and the arena share. Every node the
 * parser and the builders make is one block (json_node.c says how); the
 * UTF-8 decoder and the eight-bytes-at-a-time string scan serve both the
 * parser and the writers. Nothing outside server/json_*.c includes it. */
#pragma once
#include <limits.h>
#include <stdint.h>

#include "json.h"


/* A node in one block (json_node.c): from the arena when a is not NULL,
 * else from malloc. key and val may be NULL. */
cJSON *json_node_new_in(struct json_arena *a, int type, const char *key, size_t klen, const char *val,
			size_t vlen);

/* Decodes one UTF-8 sequence at p (p < end); see json_utf8.c. */
size_t json_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp);
void json_utf8_encode(struct buf *b, uint32_t cp);

/* cJSON_CreateNumber's fields for v. */
static inline void json_set_number(cJSON *n, double v)
{
	n->valuedouble = v;
	if (v != v) /* NaN: no int to convert to (cJSON says 0 too) */
		n->valueint = 0;
	else if (v >= INT_MAX)
		n->valueint = INT_MAX;
	else if (v <= (double)INT_MIN)
		n->valueint = INT_MIN;
	else
		n->valueint = (int)v;
}

/* Appends item to parent's children, keeping cJSON's invariant that the
 * first child's prev is the last child. */
static inline void json_append_child(cJSON *parent, cJSON *item)
{
	cJSON *first = parent->child;
	if (!first) {
		parent->child = item;
		item->prev = item;
		item->next = NULL;
	} else {
		cJSON *last = first->prev;
		last->next = item;
		item->prev = last;
		item->next = NULL;
		first->prev = item;
	}
}

/* The high bit of each of the 8 bytes in x that needs a closer look in a
 * string: a control byte, '"', '\\' or a byte >= 0x80 (the classic "has a
 * byte less than n" and "has a zero byte" tricks: no false negatives, and
 * false positives only above a true one). */
static inline uint64_t json_swar_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	uint64_t lt20 = (x - ones * 0x20) & ~x;
	uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b;
	return ((lt20 | zq | zb) & highs) | (x & highs);
}
