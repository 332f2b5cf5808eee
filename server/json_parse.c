/* json_parse.c -- the orjson-strict parser: RFC 8259 text into cJSON trees
 * (json_parse, json_parse_arena), with Python dict semantics for repeated
 * keys, numbers that keep their literal text, and errors that give a line
 * and column. See json.h for the contract. */
#include "json_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Puts item where old is among parent's children (old is unlinked, not
 * freed): cJSON_ReplaceItemViaPointer without its cJSON_Delete. */
static void replace_child(cJSON *parent, cJSON *old, cJSON *item)
{
	item->next = old->next;
	item->prev = old->prev;
	if (item->next)
		item->next->prev = item;
	if (parent->child == old) {
		if (old->prev == old)
			item->prev = item;
		parent->child = item;
	} else {
		if (item->prev)
			item->prev->next = item;
		if (!item->next)
			parent->child->prev = item;
	}
	old->next = old->prev = NULL;
}

struct parser {
	const unsigned char *start, *p, *end;
	struct json_arena *arena; /* NULL: nodes from malloc */
	int depth;          /* open containers; bounded so recursion stays shallow */
	struct buf scratch; /* string decoding, reused across strings */
	char *err;
	size_t errlen;
	bool failed;
};

/* Frees a tree the parser gave up on; arena nodes go with the arena. */
static void drop(struct parser *ps, cJSON *item)
{
	if (!ps->arena)
		cJSON_Delete(item);
}

/* Records the first failure only; the position is where parsing stopped. */
static int fail(struct parser *ps, const char *reason)
{
	if (ps->failed)
		return -1;
	ps->failed = true;
	if (ps->err && ps->errlen) {
		unsigned line = 1;
		const unsigned char *bol = ps->start;
		for (const unsigned char *q = ps->start; q < ps->p; q++) {
			if (*q == '\n') {
				line++;
				bol = q + 1;
			}
		}
		snprintf(ps->err, ps->errlen, "line %u column %zu: %s", line,
			 (size_t)(ps->p - bol) + 1, reason);
	}
	return -1;
}

/* RFC 8259 whitespace only: no form feed, no vertical tab, no NBSP. Runs of
 * spaces (indentation is a third of an indented fixture file) are skipped
 * eight bytes at a time. */
static inline void skip_ws(struct parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end;
	for (;;) {
		while (end - p >= 8) {
			uint64_t x;
			memcpy(&x, p, 8);
			x ^= 0x2020202020202020ull; /* spaces become zero bytes */
			if (x) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				p += __builtin_ctzll(x) / 8; /* the first non-space byte */
#endif
				break;
			}
			p += 8;
		}
		if (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
			p++;
			continue;
		}
		break;
	}
	ps->p = p;
}

static int hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;
	if (ps->end - ps->p < 4)
		return fail(ps, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		unsigned char c = *ps->p;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, "invalid \\u escape");
		ps->p++;
	}
	*out = v;
	return 0;
}

/* The plain bytes of a string from p on: up to the first '"', '\\', control
 * byte or non-ASCII byte. Eight bytes at a time while they are plain. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		uint64_t m = json_swar_special(x);
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* The lowest flagged byte is exact (a borrow can only flag
			 * bytes above a special one): it is the first special byte. */
			return p + __builtin_ctzll(m) / 8;
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* Parses a string literal (at its opening quote). On success *ret and *ret_len
 * are its decoded bytes: straight from the input when it has no escapes (the
 * common case: no copy), else in ps->scratch (valid until the next string).
 * cJSON strings are NUL-terminated, so a decoded \u0000 truncates the value
 * where it is used as a C string; the parse itself still succeeds, as in
 * orjson. */
static int parse_string(struct parser *ps, const char **ret, size_t *ret_len)
{
	bool copied = false;
	ps->p++; /* opening quote */
	for (;;) {
		const unsigned char *run = ps->p;
		for (;;) {
			ps->p = scan_plain(ps->p, ps->end);
			if (ps->p >= ps->end || *ps->p < 0x80)
				break;
			uint32_t cp;
			size_t n = json_utf8_decode(ps->p, ps->end, &cp);
			if (!n)
				break;
			ps->p += n;
		}
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		unsigned char c = *ps->p;
		if (c == '"' && !copied) {
			*ret = (const char *)run;
			*ret_len = (size_t)(ps->p - run);
			ps->p++;
			return 0;
		}
		if (!copied) {
			buf_reset(&ps->scratch);
			copied = true;
		}
		if (ps->p > run)
			buf_append(&ps->scratch, run, (size_t)(ps->p - run));
		if (c == '"') {
			buf_reserve(&ps->scratch, 0); /* never NULL, even when empty */
			*ret = ps->scratch.data;
			*ret_len = ps->scratch.len;
			ps->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c >= 0x80)
			return fail(ps, "invalid UTF-8");
		ps->p++; /* the backslash */
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		c = *ps->p++;
		switch (c) {
		case '"': buf_putc(&ps->scratch, '"'); break;
		case '\\': buf_putc(&ps->scratch, '\\'); break;
		case '/': buf_putc(&ps->scratch, '/'); break;
		case 'b': buf_putc(&ps->scratch, '\b'); break;
		case 'f': buf_putc(&ps->scratch, '\f'); break;
		case 'n': buf_putc(&ps->scratch, '\n'); break;
		case 'r': buf_putc(&ps->scratch, '\r'); break;
		case 't': buf_putc(&ps->scratch, '\t'); break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(ps, &cp))
				return -1;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail(ps, "lone surrogate in \\u escape");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				/* A high surrogate must be followed by an escaped low one. */
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "lone surrogate in \\u escape");
				ps->p += 2;
				if (hex4(ps, &lo))
					return -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(ps, "lone surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			json_utf8_encode(&ps->scratch, cp);
			break;
		}
		default:
			ps->p--;
			return fail(ps, "invalid escape");
		}
	}
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 number grammar. The literal is kept in valuestring so integers
 * wider than a double print back exactly. */
static cJSON *parse_number(struct parser *ps, const char *key, size_t klen)
{
	const unsigned char *s = ps->p;
	bool neg = false, is_float = false;
	if (*ps->p == '-') {
		neg = true;
		ps->p++;
	}
	if (ps->p >= ps->end || !is_digit(*ps->p)) {
		fail(ps, "invalid number");
		return NULL;
	}
	/* Integer part, with a 64-bit magnitude overflow check on the way. */
	unsigned long long mag = 0;
	bool overflow = false;
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && is_digit(*ps->p)) {
			fail(ps, "leading zero in number");
			return NULL;
		}
	} else {
		while (ps->p < ps->end && is_digit(*ps->p)) {
			unsigned d = *ps->p - '0';
			if (mag > (ULLONG_MAX - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
			ps->p++;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		is_float = true;
		ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p)) {
			fail(ps, "invalid number");
			return NULL;
		}
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		is_float = true;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p)) {
			fail(ps, "invalid number");
			return NULL;
		}
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	if (!is_float && (overflow || (neg && mag > (1ULL << 63)))) {
		ps->p = s;
		fail(ps, "integer out of range");
		return NULL;
	}
	size_t n = (size_t)(ps->p - s);
	if (!is_float && n == 2 && s[0] == '-' && s[1] == '0')
		s++, n--; /* "-0" is the int 0 in Python: keep "0" as the literal */
	double v;
	if (is_float) {
		char small[64], *lit = n < sizeof small ? small : xmalloc(n + 1);
		memcpy(lit, s, n);
		lit[n] = '\0';
		v = strtod(lit, NULL);
		if (lit != small)
			free(lit);
		if (isinf(v)) {
			/* yyjson (orjson) refuses literals that overflow a double. */
			ps->p = s;
			fail(ps, "number is infinity when parsed as double");
			return NULL;
		}
	} else {
		/* What strtod gives for the literal: the integer rounded once to
		 * the nearest double ("-0" became "0", a positive zero). */
		v = (double)mag;
		if (neg && mag)
			v = -v;
	}
	cJSON *item = json_node_new_in(ps->arena, cJSON_Number | (is_float ? JSON_FLOAT_FLAG : 0), key, klen,
				  (const char *)s, n);
	json_set_number(item, v);
	return item;
}

static bool match_word(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static cJSON *parse_value(struct parser *ps, const char *key, size_t klen);

/* Member lookup for duplicate keys. Small objects are searched linearly,
 * comparing a hash of each key before the key itself; from KEYS_INDEX_AT
 * members on, an open-addressing hash of the members keeps a body of many
 * keys (up to the 15 MiB body limit) linear instead of quadratic. */
#define KEYS_INDEX_AT 16

struct keyset {
	cJSON **slots; /* members, NULL = empty; cap is a power of two */
	size_t cap, n;
};

static uint64_t key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* A cheap fingerprint of a key for the linear search of small objects: its
 * length and up to eight of its bytes. Equal keys have equal fingerprints;
 * strcmp decides. */
static uint32_t small_key_hash(const char *k, size_t n)
{
	uint64_t x = 0;
	memcpy(&x, k, n < 8 ? n : 8);
	x ^= (uint64_t)n * 0x9e3779b97f4a7c15ull;
	if (n > 8)
		x ^= (uint64_t)(unsigned char)k[n - 1] << 29;
	return (uint32_t)(x ^ (x >> 32));
}

/* The slot holding key, or the empty slot where it would go. */
static cJSON **keyset_slot(struct keyset *ks, const char *key)
{
	size_t i = (size_t)key_hash(key) & (ks->cap - 1);
	while (ks->slots[i] && strcmp(ks->slots[i]->string, key) != 0)
		i = (i + 1) & (ks->cap - 1);
	return &ks->slots[i];
}

/* Indexes every member of obj, in a table at most half full. */
static void keyset_build(struct keyset *ks, const cJSON *obj, size_t members)
{
	free(ks->slots);
	ks->cap = 64;
	while (ks->cap < members * 2)
		ks->cap *= 2;
	ks->slots = xcalloc(ks->cap, sizeof *ks->slots);
	ks->n = members;
	for (cJSON *c = obj->child; c; c = c->next)
		*keyset_slot(ks, c->string) = c;
}

/* Python dict semantics for repeated keys: the first occurrence keeps its
 * position and takes the later value. value already carries the key (the
 * same text as the first occurrence's, as C strings go); h is its
 * small_key_hash. small_hash holds those of the first KEYS_INDEX_AT members,
 * in order. */
static void object_put(struct parser *ps, cJSON *obj, cJSON *value, uint32_t h, struct keyset *ks,
		       size_t *members, uint32_t *small_hash)
{
	const char *key = value->string;
	cJSON *old = NULL, **slot = NULL;
	if (ks->cap) {
		slot = keyset_slot(ks, key);
		old = *slot;
	} else {
		size_t i = 0;
		for (old = obj->child; old; old = old->next, i++)
			if (small_hash[i] == h && strcmp(old->string, key) == 0)
				break;
		if (!old && *members < KEYS_INDEX_AT)
			small_hash[*members] = h;
	}
	if (old) {
		replace_child(obj, old, value);
		drop(ps, old);
		if (slot)
			*slot = value;
		return;
	}
	json_append_child(obj, value);
	++*members;
	if (slot && ++ks->n * 2 <= ks->cap)
		*slot = value;
	else if (slot || *members >= KEYS_INDEX_AT)
		keyset_build(ks, obj, *members); /* first index, or grow */
}

static cJSON *parse_object(struct parser *ps, const char *key, size_t klen)
{
	cJSON *obj = json_node_new_in(ps->arena, cJSON_Object, key, klen, NULL, 0);
	struct keyset ks = { NULL, 0, 0 };
	uint32_t small_hash[KEYS_INDEX_AT];
	size_t members = 0;
	ps->p++; /* '{' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return obj;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			fail(ps, "expected string key");
			goto error;
		}
		const char *k;
		size_t kn;
		if (parse_string(ps, &k, &kn))
			goto error;
		/* The value may reuse the scratch buffer: keep an escaped key
		 * aside (on the stack when short, which keys almost always are). */
		char small[64], *own = NULL;
		if (k == ps->scratch.data) {
			own = kn < sizeof small ? small : xmalloc(kn + 1);
			memcpy(own, k, kn + 1);
			k = own;
		}
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			if (own != small)
				free(own);
			fail(ps, "expected ':'");
			goto error;
		}
		ps->p++;
		/* As a C string the key ends at its first NUL (a decoded \u0000). */
		size_t klen = strnlen(k, kn);
		uint32_t h = small_key_hash(k, klen);
		cJSON *value = parse_value(ps, k, klen);
		if (own != small)
			free(own);
		if (!value)
			goto error;
		object_put(ps, obj, value, h, &ks, &members, small_hash);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			free(ks.slots);
			return obj;
		}
		fail(ps, "expected ',' or '}'");
		goto error;
	}
error:
	free(ks.slots);
	drop(ps, obj);
	return NULL;
}

static cJSON *parse_array(struct parser *ps, const char *key, size_t klen)
{
	cJSON *arr = json_node_new_in(ps->arena, cJSON_Array, key, klen, NULL, 0);
	ps->p++; /* '[' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return arr;
	}
	for (;;) {
		cJSON *value = parse_value(ps, NULL, 0);
		if (!value) {
			drop(ps, arr);
			return NULL;
		}
		json_append_child(arr, value);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return arr;
		}
		fail(ps, "expected ',' or ']'");
		drop(ps, arr);
		return NULL;
	}
}

/* A value, as the member key (NULL in arrays and at the top). */
static cJSON *parse_value(struct parser *ps, const char *key, size_t klen)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end of input");
		return NULL;
	}
	unsigned char c = *ps->p;
	if (c == '{' || c == '[') {
		if (ps->depth >= JSON_MAX_DEPTH) {
			fail(ps, "nesting too deep");
			return NULL;
		}
		ps->depth++;
		cJSON *item = c == '{' ? parse_object(ps, key, klen) : parse_array(ps, key, klen);
		ps->depth--;
		return item;
	}
	if (c == '"') {
		const char *s;
		size_t n;
		if (parse_string(ps, &s, &n))
			return NULL;
		return json_node_new_in(ps->arena, cJSON_String, key, klen, s, strnlen(s, n));
	}
	if (c == '-' || is_digit(c))
		return parse_number(ps, key, klen);
	if (match_word(ps, "true", 4))
		return json_node_new_in(ps->arena, cJSON_True, key, klen, NULL, 0);
	if (match_word(ps, "false", 5))
		return json_node_new_in(ps->arena, cJSON_False, key, klen, NULL, 0);
	if (match_word(ps, "null", 4))
		return json_node_new_in(ps->arena, cJSON_NULL, key, klen, NULL, 0);
	fail(ps, "expected value");
	return NULL;
}

static int parse_doc(struct json_arena *arena, const char *buf, size_t len, cJSON **ret, char *err,
		     size_t errlen)
{
	struct parser ps = {
		.start = (const unsigned char *)buf,
		.p = (const unsigned char *)buf,
		.end = (const unsigned char *)buf + len,
		.arena = arena,
		.scratch = BUF_INIT,
		.err = err,
		.errlen = errlen,
	};
	*ret = NULL;
	if (err && errlen)
		err[0] = '\0';
	cJSON *root = parse_value(&ps, NULL, 0);
	if (root) {
		skip_ws(&ps);
		if (ps.p < ps.end) {
			fail(&ps, "trailing data after JSON value");
			drop(&ps, root);
			root = NULL;
		}
	}
	buf_free(&ps.scratch);
	if (!root)
		return -1;
	*ret = root;
	return 0;
}

int json_parse(const char *buf, size_t len, cJSON **ret, char *err, size_t errlen)
{
	return parse_doc(NULL, buf, len, ret, err, errlen);
}

int json_parse_arena(struct json_arena *arena, const char *buf, size_t len, cJSON **ret, char *err, size_t errlen)
{
	return parse_doc(arena, buf, len, ret, err, errlen);
}
