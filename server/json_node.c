/* json_node.c -- how the json module makes nodes: one block per node, from
 * malloc or from an arena, shared by the parser (json_parse.c) and the
 * builders here (json_float, json_int, json_dup); and the small queries
 * json_is_float and json_get. */
#include "json_internal.h"

#include <stdlib.h>
#include <string.h>

/* Every node the parser (and json_dup) makes is one block: the cJSON
 * struct, then its key, then its string value or number literal. The key is
 * flagged cJSON_StringIsConst and the value cJSON_IsReference, so that
 * cJSON_Delete frees the block once and nothing inside it; cJSON's adders
 * (cJSON_AddItemToObject and friends) honour both flags. Three allocations
 * per member had been a third of loading fixtures and of parsing a request.
 * Copy parsed nodes with json_dup, never cJSON_Duplicate (which shares a
 * const key with the original).
 *
 * The block comes from malloc, or from an arena (json_parse_arena,
 * json_arena.c). */
cJSON *json_node_new_in(struct json_arena *a, int type, const char *key, size_t klen, const char *val,
			size_t vlen)
{
	size_t size = sizeof(cJSON) + (key ? klen + 1 : 0) + (val ? vlen + 1 : 0);
	cJSON *n = a ? json_arena_alloc(a, size) : cJSON_malloc(size);
	if (!n)
		abort();
	memset(n, 0, sizeof *n);
	char *p = (char *)(n + 1);
	n->type = type;
	if (key) {
		memcpy(p, key, klen);
		p[klen] = '\0';
		n->string = p;
		n->type |= cJSON_StringIsConst;
		p += klen + 1;
	}
	if (val) {
		memcpy(p, val, vlen);
		p[vlen] = '\0';
		n->valuestring = p;
		n->type |= cJSON_IsReference;
	}
	return n;
}

static cJSON *node_new(int type, const char *key, size_t klen, const char *val, size_t vlen)
{
	return json_node_new_in(NULL, type, key, klen, val, vlen);
}

cJSON *json_float(double v)
{
	cJSON *item = node_new(cJSON_Number | JSON_FLOAT_FLAG, NULL, 0, NULL, 0);
	json_set_number(item, v);
	return item;
}

/* Decimal text of v into tmp[24], returns its start (snprintf("%lld")
 * was most of building an integer node). */
static char *lld_text(long long v, char tmp[24])
{
	char *p = tmp + 23;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return p;
}

cJSON *json_int(long long v)
{
	char tmp[24];
	char *t = lld_text(v, tmp);
	cJSON *item = node_new(cJSON_Number, NULL, 0, t, (size_t)(tmp + 23 - t));
	json_set_number(item, (double)v);
	return item;
}

bool json_is_float(const cJSON *item)
{
	return item && cJSON_IsNumber(item) && (item->type & JSON_FLOAT_FLAG);
}

/* A deep copy made like the parser's nodes (one allocation each), keeping
 * the whole type word (so the float flag survives) and any valuestring (so a
 * number's literal survives). Not cJSON_Duplicate: on a node whose key is
 * flagged const it would share the key with the original, which the
 * original frees. */
static cJSON *dup_node(const cJSON *item)
{
	int type = item->type & ~(cJSON_IsReference | cJSON_StringIsConst);
	const char *k = item->string, *v = item->valuestring;
	cJSON *copy = node_new(type, k, k ? strlen(k) : 0, v, v ? strlen(v) : 0);
	copy->valueint = item->valueint;
	copy->valuedouble = item->valuedouble;
	for (const cJSON *c = item->child; c; c = c->next)
		json_append_child(copy, dup_node(c));
	return copy;
}

cJSON *json_dup(const cJSON *item)
{
	return item ? dup_node(item) : NULL;
}

const cJSON *json_get(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	for (const cJSON *e = obj->child; e; e = e->next)
		if (e->string && !strcmp(e->string, key))
			return e;
	return NULL;
}
