/* truncate.c -- VariableTruncator.truncate_variable_mapping over cJSON
 * trees, in place (truncate.h has the rules). Sizes are signed: a budget
 * minus what is used may go below zero, as Python's ints do. */
#include "truncate.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

const struct truncate_limits truncate_dify_limits = {
	.max_size = 1024000,
	.string_length = 100000,
	.array_length = 1000,
};

/* What one value became: its estimated size and whether it was cut
 * (Dify's _PartResult without the value, which is the node itself). */
struct part {
	long long size;
	bool truncated;
};

/* Python's len() of a str held as UTF-8: the bytes that start a character. */
static long long chars(const char *s)
{
	long long n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte length of s's first n characters (all of s when shorter). */
static size_t prefix_bytes(const char *s, long long n)
{
	const char *p = s;
	for (; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && n-- == 0)
			break;
	}
	return (size_t)(p - s);
}

/* len(str(number)): Python's repr for a float, the decimal digits for an int. */
static long long number_size(const cJSON *v)
{
	struct buf b = BUF_INIT;
	if (json_is_float(v))
		json_format_float(&b, v->valuedouble);
	else
		json_write(&b, v, JSON_ORJSON);
	long long n = (long long)b.len;
	if (b.len == 2 && !strcmp(b.data, "-0")) /* the literal -0 is the int 0 */
		n = 1;
	buf_free(&b);
	return n;
}

static long long string_size(const char *s)
{
	return chars(s) + 2;
}

long long truncate_json_size(const cJSON *v)
{
	if (cJSON_IsString(v))
		return string_size(v->valuestring);
	if (cJSON_IsNumber(v))
		return number_size(v);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? 4 : 5;
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		long long total = 2;
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				total += 1;
			if (cJSON_IsObject(v))
				total += string_size(c->string ? c->string : "") + 1;
			total += truncate_json_size(c);
		}
		return total;
	}
	if (cJSON_IsRaw(v) && v->valuestring)
		return (long long)strlen(v->valuestring);
	return 4; /* null */
}

/* ---- cutting ---- */

/* Replaces a string node's text (its block may hold the old text inline:
 * cJSON_IsReference then says not to free it). */
static void set_text(cJSON *v, const char *s, size_t n)
{
	char *copy = xstrndup(s, n);
	if (!(v->type & cJSON_IsReference))
		free(v->valuestring);
	v->valuestring = copy;
	v->type &= ~cJSON_IsReference;
}

/* The children of c as an array (NULL when none), and their count. */
static cJSON **children(cJSON *c, size_t *ret_n)
{
	size_t n = 0;
	for (cJSON *e = c->child; e; e = e->next)
		n++;
	cJSON **v = n ? xmalloc(n * sizeof *v) : NULL;
	n = 0;
	for (cJSON *e = c->child; e; e = e->next)
		v[n++] = e;
	*ret_n = n;
	return v;
}

/* Makes v[0..keep) c's children, in that order, and deletes v[keep..n). */
static void relink(cJSON *c, cJSON **v, size_t keep, size_t n)
{
	for (size_t i = keep; i < n; i++) {
		v[i]->next = v[i]->prev = NULL;
		cJSON_Delete(v[i]);
	}
	c->child = keep ? v[0] : NULL;
	for (size_t i = 0; i < keep; i++) {
		v[i]->prev = i ? v[i - 1] : v[keep - 1]; /* cJSON: the first child's prev is the last */
		v[i]->next = i + 1 < keep ? v[i + 1] : NULL;
	}
}

static struct part cut_value(const struct truncate_limits *lim, cJSON *v, long long target);

/* _truncate_string: cut when its size reaches the target, not only past it. */
static struct part cut_string(const struct truncate_limits *lim, cJSON *v, long long target)
{
	long long size = string_size(v->valuestring);
	if (size < target)
		return (struct part){ size, false };
	if (target < 5) {
		set_text(v, "...", 3);
		return (struct part){ 5, true };
	}
	long long keep = target - 5 < lim->string_length ? target - 5 : lim->string_length;
	struct buf b = BUF_INIT;
	buf_append(&b, v->valuestring, prefix_bytes(v->valuestring, keep));
	buf_puts(&b, "...");
	set_text(v, b.data, b.len);
	buf_free(&b);
	return (struct part){ string_size(v->valuestring), true };
}

/* _truncate_array. */
static struct part cut_array(const struct truncate_limits *lim, cJSON *a, long long target)
{
	size_t n, kept = 0;
	cJSON **v = children(a, &n);
	long long used = 2;
	bool truncated = false;
	for (size_t i = 0; i < n; i++) {
		if ((long long)i >= lim->array_length) {
			truncated = true;
			break;
		}
		if (i > 0)
			used += 1; /* counted even when the item is then dropped, as Dify does */
		if (used > target)
			break;
		struct part p = cut_value(lim, v[i], target - used);
		kept++;
		used += p.size;
		truncated = p.truncated; /* the last item's flag, not an "or": Dify's */
	}
	relink(a, v, kept, n);
	free(v);
	return (struct part){ used, truncated };
}

static int by_key(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* _truncate_object: the keys in sorted order, each with an equal share of
 * what is left. */
static struct part cut_object(const struct truncate_limits *lim, cJSON *o, long long target)
{
	size_t n, kept = 0;
	cJSON **v = children(o, &n);
	if (!n)
		return (struct part){ 2, false };
	/* Keys are unique in our trees, so qsort's instability cannot show. */
	qsort(v, n, sizeof *v, by_key);
	long long used = 2;
	bool truncated = false;
	for (size_t i = 0; i < n; i++) {
		if (used > target) {
			truncated = true;
			break;
		}
		long long pair = (i > 0) + string_size(v[i]->string ? v[i]->string : "") + 1;
		long long left = target - pair - used;
		long long budget = left > 0 ? left / (long long)(n - i) : 0;
		if (budget <= 0) {
			truncated = true;
			break;
		}
		struct part p = cut_value(lim, v[i], budget);
		kept++;
		used += pair + p.size;
		truncated |= p.truncated;
	}
	relink(o, v, kept, n);
	free(v);
	return (struct part){ used, truncated };
}

/* _truncate_json_primitives: numbers, booleans and null are never cut. */
static struct part cut_value(const struct truncate_limits *lim, cJSON *v, long long target)
{
	if (cJSON_IsString(v))
		return cut_string(lim, v, target);
	if (cJSON_IsArray(v))
		return cut_array(lim, v, target);
	if (cJSON_IsObject(v))
		return cut_object(lim, v, target);
	return (struct part){ truncate_json_size(v), false };
}

bool truncate_mapping(cJSON *mapping, const struct truncate_limits *lim)
{
	if (!cJSON_IsObject(mapping) || !mapping->child)
		return false;
	long long length = 0, used = 0, done = 0;
	for (cJSON *e = mapping->child; e; e = e->next)
		length++;
	bool truncated = false;
	cJSON *next;
	/* The top level keeps its order; each value's share is taken from
	 * what is left after the keys so far (their values counted, not their
	 * quotes' neighbours: no braces, commas or colons here). */
	for (cJSON *e = mapping->child; e; e = next, done++) {
		next = e->next;
		used += string_size(e->string ? e->string : "");
		if (used > lim->max_size) {
			cJSON *dots = cJSON_CreateString("...");
			dots->string = xstrdup(e->string ? e->string : "");
			cJSON_ReplaceItemViaPointer(mapping, e, dots);
			truncated = true;
			continue;
		}
		struct part p = cut_value(lim, e, (lim->max_size - used) / (length - done));
		truncated |= p.truncated;
		used += p.size;
	}
	return truncated;
}
