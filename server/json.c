/* json.c -- orjson-compatible parsing into cJSON trees and the three Python
 * serializers' output styles. See json.h for the contract. */
#include "json.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---------------------------------------------------------------- UTF-8 */

/* Decodes one UTF-8 sequence at p (p < end). Returns its length, or 0 when it
 * is not well-formed: overlongs, UTF-8-encoded surrogates and code points
 * above U+10FFFF are all rejected (RFC 3629 table, as orjson does). */
static size_t utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		*cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		*cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		*cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* > U+10FFFF */
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

bool json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t cp;
	while (p < end) {
		size_t n = utf8_decode(p, end, &cp);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

static void utf8_encode(struct buf *b, uint32_t cp)
{
	char tmp[4];
	size_t n;
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xE0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (char)(0xF0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, tmp, n);
}

/* --------------------------------------------------------------- parser */

/* Every node the parser (and json_dup) makes is one block: the cJSON
 * struct, then its key, then its string value or number literal. The key is
 * flagged cJSON_StringIsConst and the value cJSON_IsReference, so that
 * cJSON_Delete frees the block once and nothing inside it; cJSON's adders
 * (cJSON_AddItemToObject and friends) honour both flags. Three allocations
 * per member had been a third of loading fixtures and of parsing a request.
 * Copy parsed nodes with json_dup, never cJSON_Duplicate (which shares a
 * const key with the original).
 *
 * The block comes from malloc, or from an arena (json_parse_arena): chunks
 * mapped with MAP_POPULATE, so the pages are faulted in by the kernel in
 * one go. On this kind of virtual machine a page fault costs about 15 us,
 * and touching each new page of a 1,000-knowledge-base fixture set one at
 * a time was most of the start-up time. */
struct arena_chunk {
	struct arena_chunk *prev;
	size_t size; /* of the mapping, this header included */
};

struct json_arena {
	struct arena_chunk *chunks; /* newest first */
	char *next, *end;           /* free space in the newest chunk */
	size_t chunk_size;          /* of the next chunk */
};

#define ARENA_FIRST_CHUNK ((size_t)256 << 10)
#define ARENA_ALIGN 16

struct json_arena *json_arena_new(void)
{
	struct json_arena *a = xcalloc(1, sizeof *a);
	a->chunk_size = ARENA_FIRST_CHUNK;
	return a;
}

static size_t page_size(void)
{
	long v = sysconf(_SC_PAGESIZE);
	return v > 0 ? (size_t)v : 4096;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define HUGE_PAGE ((size_t)2 << 20)

/* size bytes of zeroed memory, already faulted in. From 2 MiB on, the chunk
 * is aligned to and backed by transparent huge pages where the kernel
 * allows it: a few faults instead of 512 per 2 MiB, and fewer TLB misses
 * while the parser writes the nodes. */
static void *map_chunk(size_t size)
{
	if (size >= HUGE_PAGE && size % HUGE_PAGE == 0) {
		char *m = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			abort(); /* out of memory, as xmalloc */
		char *al = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
		if (al > m)
			munmap(m, (size_t)(al - m));
		if (al + size < m + size + HUGE_PAGE)
			munmap(al + size, (size_t)(m + size + HUGE_PAGE - (al + size)));
		madvise(al, size, MADV_HUGEPAGE);
		if (madvise(al, size, MADV_POPULATE_WRITE) != 0) {
			size_t ps = page_size(); /* older kernel: touch each page */
			for (size_t i = 0; i < size; i += ps)
				al[i] = 0;
		}
		return al;
	}
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		abort(); /* out of memory, as xmalloc */
	return m;
}

static void *arena_alloc(struct json_arena *a, size_t n)
{
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if ((size_t)(a->end - a->next) < n) {
		size_t hdr = (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		size_t size = a->chunk_size, ps = page_size();
		if (size < n + hdr)
			size = (n + hdr + ps - 1) & ~(ps - 1);
		void *m = map_chunk(size);
		struct arena_chunk *c = m;
		c->prev = a->chunks;
		c->size = size;
		a->chunks = c;
		a->next = (char *)m + hdr;
		a->end = (char *)m + size;
		/* 256 KiB holds the bundled fixtures; past that, one huge page at
		 * a time. Doubling chunks up to 8 MiB had left each parsing
		 * thread with megabytes zeroed for nothing (zeroing is most of
		 * what a chunk costs here), and more chunks cost only an mmap. */
		a->chunk_size = HUGE_PAGE;
	}
	void *p = a->next;
	a->next += n;
	return p;
}

void json_arena_trim(struct json_arena *a)
{
	if (!a || !a->chunks)
		return;
	size_t ps = page_size();
	char *base = (char *)a->chunks;
	size_t keep = ((size_t)(a->next - base) + ps - 1) & ~(ps - 1);
	if (keep < a->chunks->size) {
		munmap(base + keep, a->chunks->size - keep);
		a->chunks->size = keep;
	}
	a->end = a->next;
}

void json_arena_adopt(struct json_arena *a, struct json_arena *from)
{
	json_arena_trim(from);
	/* from's chunks go under a's, so that a's newest chunk stays current. */
	struct arena_chunk **link = &a->chunks;
	while (*link)
		link = &(*link)->prev;
	*link = from->chunks;
	free(from);
}

void json_arena_free(struct json_arena *a)
{
	if (!a)
		return;
	for (struct arena_chunk *c = a->chunks, *prev; c; c = prev) {
		prev = c->prev;
		munmap(c, c->size);
	}
	free(a);
}

static cJSON *node_new_in(struct json_arena *a, int type, const char *key, size_t klen, const char *val,
			  size_t vlen)
{
	size_t size = sizeof(cJSON) + (key ? klen + 1 : 0) + (val ? vlen + 1 : 0);
	cJSON *n = a ? arena_alloc(a, size) : cJSON_malloc(size);
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
	return node_new_in(NULL, type, key, klen, val, vlen);
}

/* cJSON_CreateNumber's fields for v. */
static void set_number(cJSON *n, double v)
{
	n->valuedouble = v;
	if (v >= INT_MAX)
		n->valueint = INT_MAX;
	else if (v <= (double)INT_MIN)
		n->valueint = INT_MIN;
	else
		n->valueint = (int)v;
}

/* Appends item to parent's children, keeping cJSON's invariant that the
 * first child's prev is the last child. */
static void append_child(cJSON *parent, cJSON *item)
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

/* The high bit of each of the 8 bytes in x that needs a closer look in a
 * string: a control byte, '"', '\\' or a byte >= 0x80 (the classic "has a
 * byte less than n" and "has a zero byte" tricks: no false negatives, and
 * false positives only above a true one). */
static inline uint64_t swar_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	uint64_t lt20 = (x - ones * 0x20) & ~x;
	uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b;
	return ((lt20 | zq | zb) & highs) | (x & highs);
}

/* The plain bytes of a string from p on: up to the first '"', '\\', control
 * byte or non-ASCII byte. Eight bytes at a time while they are plain. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		uint64_t m = swar_special(x);
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
			size_t n = utf8_decode(ps->p, ps->end, &cp);
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
			utf8_encode(&ps->scratch, cp);
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
	cJSON *item = node_new_in(ps->arena, cJSON_Number | (is_float ? JSON_FLOAT_FLAG : 0), key, klen,
				  (const char *)s, n);
	set_number(item, v);
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
	append_child(obj, value);
	++*members;
	if (slot && ++ks->n * 2 <= ks->cap)
		*slot = value;
	else if (slot || *members >= KEYS_INDEX_AT)
		keyset_build(ks, obj, *members); /* first index, or grow */
}

static cJSON *parse_object(struct parser *ps, const char *key, size_t klen)
{
	cJSON *obj = node_new_in(ps->arena, cJSON_Object, key, klen, NULL, 0);
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
	cJSON *arr = node_new_in(ps->arena, cJSON_Array, key, klen, NULL, 0);
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
		append_child(arr, value);
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
		return node_new_in(ps->arena, cJSON_String, key, klen, s, strnlen(s, n));
	}
	if (c == '-' || is_digit(c))
		return parse_number(ps, key, klen);
	if (match_word(ps, "true", 4))
		return node_new_in(ps->arena, cJSON_True, key, klen, NULL, 0);
	if (match_word(ps, "false", 5))
		return node_new_in(ps->arena, cJSON_False, key, klen, NULL, 0);
	if (match_word(ps, "null", 4))
		return node_new_in(ps->arena, cJSON_NULL, key, klen, NULL, 0);
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

/* --------------------------------------------------------------- writer */

/* Appends without a call per piece: a reply is a few hundred short pieces,
 * and buf_append's call and NUL upkeep per piece were most of the writing. */
static inline void put(struct buf *out, const void *s, size_t n)
{
	if (out->len + n + 1 > out->cap)
		buf_reserve(out, n);
	memcpy(out->data + out->len, s, n);
	out->len += n;
	out->data[out->len] = '\0';
}

static inline void putch(struct buf *out, char c)
{
	if (out->len + 2 > out->cap)
		buf_reserve(out, 1);
	out->data[out->len++] = c;
	out->data[out->len] = '\0';
}

#define PUTS(out, lit) put((out), (lit), sizeof(lit) - 1)

static const char hexdig[] = "0123456789abcdef";

static void put_u16(struct buf *out, uint32_t u)
{
	char tmp[6] = { '\\', 'u', hexdig[(u >> 12) & 0xF], hexdig[(u >> 8) & 0xF],
			hexdig[(u >> 4) & 0xF], hexdig[u & 0xF] };
	put(out, tmp, sizeof tmp);
}

/* The bytes from p on that every style writes as they are: up to the first
 * control byte, '"', '\\', DEL or non-ASCII byte (and '/' when slash). */
static inline const unsigned char *scan_unescaped(const unsigned char *p, const unsigned char *end, bool slash)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		uint64_t del = x ^ (ones * 0x7F), m = swar_special(x) | ((del - ones) & ~del & highs);
		if (slash) {
			uint64_t sl = x ^ (ones * '/');
			m |= (sl - ones) & ~sl & highs;
		}
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + __builtin_ctzll(m) / 8; /* exact: see swar_special */
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x7F && !(*p == '/' && slash))
		p++;
	return p;
}

void json_write_string(struct buf *out, const char *s, size_t len, enum json_style style)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	bool ascii = style != JSON_ORJSON, slash = style == JSON_UJSON;
	/* Room for the common case, nothing to escape, in one step. */
	if (out->len + len + 3 > out->cap)
		buf_reserve(out, len + 2);
	putch(out, '"');
	while (p < end) {
		unsigned char c = *p;
		const unsigned char *run = p;
		/* Copy the longest run that needs no escaping in one go, finding
		 * its end eight bytes at a time. */
		p = scan_unescaped(p, end, slash);
		if (p > run) {
			put(out, run, (size_t)(p - run));
			continue;
		}
		c = *p;
		switch (c) {
		case '"': PUTS(out, "\\\""); p++; continue;
		case '\\': PUTS(out, "\\\\"); p++; continue;
		case '/': PUTS(out, "\\/"); p++; continue; /* UJSON only */
		case '\b': PUTS(out, "\\b"); p++; continue;
		case '\f': PUTS(out, "\\f"); p++; continue;
		case '\n': PUTS(out, "\\n"); p++; continue;
		case '\r': PUTS(out, "\\r"); p++; continue;
		case '\t': PUTS(out, "\\t"); p++; continue;
		default: break;
		}
		if (c < 0x20) {
			put_u16(out, c);
			p++;
			continue;
		}
		if (c == 0x7F) {
			/* json.dumps' ensure_ascii escapes everything outside ' '..'~';
			 * ujson and orjson leave DEL alone. */
			if (style == JSON_PYDUMPS)
				put_u16(out, c);
			else
				putch(out, (char)c);
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode(p, end, &cp);
		if (!n) {
			/* Not reachable from parsed input (always valid UTF-8); keep the
			 * output deterministic by treating the byte as Latin-1. */
			cp = c;
			n = 1;
			if (!ascii) {
				putch(out, (char)c);
				p++;
				continue;
			}
		}
		if (!ascii) {
			put(out, p, n);
		} else if (cp >= 0x10000) {
			cp -= 0x10000;
			put_u16(out, 0xD800 + (cp >> 10));
			put_u16(out, 0xDC00 + (cp & 0x3FF));
		} else {
			put_u16(out, cp);
		}
		p += n;
	}
	putch(out, '"');
}

static const double pow10_tbl[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

/* The common case of json_format_float without snprintf and strtod (up to
 * 18 of each per number): v (finite, > 0) in [1e-4, 1e15), whose repr has
 * at most 15 significant digits, e.g. elapsed times such as 2.35. The first
 * k for which the integer D nearest to v * 10^k gives D / 10^k == v (both
 * exact in a double, the division correctly rounded, as strtod would read
 * the text) yields the shortest digits; with at most 15 significant digits
 * no other k-decimal lies as close to v, so they are the digits repr picks.
 * Returns false to let the general path decide. */
static bool format_float_short(struct buf *out, double v)
{
	if (!(v >= 1e-4 && v < 1e15))
		return false;
	for (int k = 0; k < 16; k++) {
		double m = v * pow10_tbl[k];
		if (m >= 1e15)
			return false;
		uint64_t d = (uint64_t)(m + 0.5);
		if ((double)d / pow10_tbl[k] != v)
			continue;
		char digits[24];
		int n = 0;
		do {
			digits[n++] = (char)('0' + d % 10);
			d /= 10;
		} while (d);
		/* digits are reversed: digits[n-1] is the most significant. */
		if (n <= k) {
			buf_append(out, "0.", 2);
			for (int i = n; i < k; i++)
				buf_putc(out, '0');
			for (int i = n - 1; i >= 0; i--)
				buf_putc(out, digits[i]);
		} else {
			for (int i = n - 1; i >= k; i--)
				buf_putc(out, digits[i]);
			buf_putc(out, '.');
			if (!k)
				buf_putc(out, '0');
			for (int i = k - 1; i >= 0; i--)
				buf_putc(out, digits[i]);
		}
		return true;
	}
	return false;
}

/* Python's float repr: the shortest digit string that reads back as the same
 * double (found by trying increasing precisions), laid out like CPython's
 * format_float_short in 'r' mode: positional when the decimal exponent is in
 * [-4, 16), otherwise d.ddde+XX with at least two exponent digits. */
void json_format_float(struct buf *out, double v)
{
	if (isnan(v)) {
		buf_puts(out, "nan");
		return;
	}
	if (isinf(v)) {
		buf_puts(out, v < 0 ? "-inf" : "inf");
		return;
	}
	if (signbit(v))
		buf_putc(out, '-');
	v = fabs(v);
	if (v == 0) {
		buf_puts(out, "0.0");
		return;
	}
	if (format_float_short(out, v))
		return;
	char tmp[40];
	for (int prec = 0; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "d[.ddd]e[+-]XX": collect the digits and the exponent. */
	char digits[24];
	int nd = 0;
	const char *q = tmp;
	for (; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	int exp10 = atoi(q + 1); /* value = d.ddd x 10^exp10 */
	if (exp10 < -4 || exp10 >= 16) {
		buf_putc(out, digits[0]);
		if (nd > 1) {
			buf_putc(out, '.');
			buf_append(out, digits + 1, (size_t)nd - 1);
		}
		buf_printf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		buf_puts(out, "0.");
		for (int i = -1; i > exp10; i--)
			buf_putc(out, '0');
		buf_append(out, digits, (size_t)nd);
	} else {
		int ip = exp10 + 1; /* digits before the point */
		for (int i = 0; i < ip; i++)
			buf_putc(out, i < nd ? digits[i] : '0');
		buf_putc(out, '.');
		if (nd > ip)
			buf_append(out, digits + ip, (size_t)(nd - ip));
		else
			buf_putc(out, '0');
	}
}

/* ujson (double-conversion's shortest mode) agrees with repr except that
 * it does not pad the exponent: 1e-5 where Python writes 1e-05. */
static void write_ujson_float(struct buf *out, double v)
{
	struct buf r = BUF_INIT;
	json_format_float(&r, v);
	char *e = strchr(r.data, 'e');
	if (e && e[2] == '0') {
		buf_append(out, r.data, (size_t)(e - r.data) + 2);
		buf_puts(out, e + 3);
	} else {
		buf_append(out, r.data, r.len);
	}
	buf_free(&r);
}

static void write_number(struct buf *out, const cJSON *item, enum json_style style)
{
	double v = item->valuedouble;
	if (json_is_float(item)) {
		if (isfinite(v) && style == JSON_UJSON)
			write_ujson_float(out, v);
		else if (isfinite(v))
			json_format_float(out, v);
		else if (style == JSON_ORJSON)
			buf_puts(out, "null"); /* orjson writes NaN and infinities as null */
		else /* json.dumps' allow_nan spelling */
			buf_puts(out, isnan(v) ? "NaN" : v < 0 ? "-Infinity" : "Infinity");
	} else if (item->valuestring) {
		buf_puts(out, item->valuestring);
	} else if (v == floor(v) && fabs(v) < 9.2e18) {
		buf_printf(out, "%lld", (long long)v);
	} else if (isfinite(v) && v == floor(v)) {
		buf_printf(out, "%.0f", v);
	} else {
		/* A fractional number built without the float flag is a caller
		 * bug; printing it as a float loses less than truncating. */
		json_format_float(out, v);
	}
}

static void write_item(struct buf *out, const cJSON *item, enum json_style style)
{
	switch (item->type & 0xFF) {
	case cJSON_False: PUTS(out, "false"); return;
	case cJSON_True: PUTS(out, "true"); return;
	case cJSON_NULL: PUTS(out, "null"); return;
	case cJSON_Number:
		if (item->valuestring && !json_is_float(item)) /* an integer's literal */
			put(out, item->valuestring, strlen(item->valuestring));
		else
			write_number(out, item, style);
		return;
	case cJSON_Raw:
		if (item->valuestring)
			put(out, item->valuestring, strlen(item->valuestring));
		return;
	case cJSON_String: {
		const char *s = item->valuestring ? item->valuestring : "";
		json_write_string(out, s, strlen(s), style);
		return;
	}
	case cJSON_Array:
		putch(out, '[');
		for (const cJSON *c = item->child; c; c = c->next) {
			write_item(out, c, style);
			if (!c->next)
				break;
			if (style == JSON_PYDUMPS)
				PUTS(out, ", ");
			else
				putch(out, ',');
		}
		putch(out, ']');
		return;
	case cJSON_Object:
		putch(out, '{');
		for (const cJSON *c = item->child; c; c = c->next) {
			const char *k = c->string ? c->string : "";
			json_write_string(out, k, strlen(k), style);
			if (style == JSON_PYDUMPS)
				PUTS(out, ": ");
			else
				putch(out, ':');
			write_item(out, c, style);
			if (!c->next)
				break;
			if (style == JSON_PYDUMPS)
				PUTS(out, ", ");
			else
				putch(out, ',');
		}
		putch(out, '}');
		return;
	default:
		PUTS(out, "null");
		return;
	}
}

void json_write(struct buf *out, const cJSON *item, enum json_style style)
{
	if (!out->cap)
		buf_reserve(out, 1000); /* a whole body: no regrowth from 64 bytes up */
	if (!item) {
		PUTS(out, "null");
		return;
	}
	write_item(out, item, style);
}

char *json_print(const cJSON *item, enum json_style style, size_t *ret_len)
{
	/* Not json_write: callers may keep the text, so no 1000-byte start. */
	struct buf b = BUF_INIT;
	if (item)
		write_item(&b, item, style);
	else
		PUTS(&b, "null");
	return buf_steal(&b, ret_len);
}

/* ------------------------------------------------------------- builders */

cJSON *json_float(double v)
{
	cJSON *item = node_new(cJSON_Number | JSON_FLOAT_FLAG, NULL, 0, NULL, 0);
	set_number(item, v);
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
	set_number(item, (double)v);
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
		append_child(copy, dup_node(c));
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
