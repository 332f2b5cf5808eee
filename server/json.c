/* json.c -- orjson-compatible parsing into cJSON trees and the three Python
 * serializers' output styles. See json.h for the contract. */
#include "json.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct parser {
	const unsigned char *start, *p, *end;
	int depth;          /* open containers; bounded so recursion stays shallow */
	struct buf scratch; /* string decoding, reused across strings */
	char *err;
	size_t errlen;
	bool failed;
};

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

/* RFC 8259 whitespace only: no form feed, no vertical tab, no NBSP. */
static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
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

/* Parses a string literal (at its opening quote) into ps->scratch.
 * cJSON strings are NUL-terminated, so a decoded \u0000 truncates the value
 * where it is used as a C string; the parse itself still succeeds, as in
 * orjson. Runs of bytes that need no decoding are copied in one go (a byte at
 * a time cost a third of a request's parsing). */
static int parse_string(struct parser *ps)
{
	buf_reset(&ps->scratch);
	buf_reserve(&ps->scratch, 1);
	ps->scratch.data[0] = '\0';
	ps->p++; /* opening quote */
	for (;;) {
		const unsigned char *run = ps->p;
		while (ps->p < ps->end) {
			unsigned char c = *ps->p;
			if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
				ps->p++;
			} else if (c >= 0x80) {
				uint32_t cp;
				size_t n = utf8_decode(ps->p, ps->end, &cp);
				if (!n)
					break;
				ps->p += n;
			} else {
				break;
			}
		}
		if (ps->p > run)
			buf_append(&ps->scratch, run, (size_t)(ps->p - run));
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		unsigned char c = *ps->p;
		if (c == '"') {
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
static cJSON *parse_number(struct parser *ps)
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
	char *lit = cJSON_malloc(n + 1);
	if (!lit)
		abort();
	memcpy(lit, s, n);
	lit[n] = '\0';
	double v = strtod(lit, NULL);
	if (is_float && isinf(v)) {
		/* yyjson (orjson) refuses literals that overflow a double. */
		cJSON_free(lit);
		ps->p = s;
		fail(ps, "number is infinity when parsed as double");
		return NULL;
	}
	cJSON *item = cJSON_CreateNumber(v);
	if (!item)
		abort();
	item->valuestring = lit;
	if (is_float)
		item->type |= JSON_FLOAT_FLAG;
	return item;
}

static bool match_word(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static cJSON *parse_value(struct parser *ps);

/* Member lookup for duplicate keys. Small objects are searched linearly;
 * from KEYS_INDEX_AT members on, an open-addressing hash of the members keeps
 * a body of many keys (up to the 15 MiB body limit) linear instead of
 * quadratic. */
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
 * position and takes the later value. */
static void object_put(cJSON *obj, cJSON *value, const char *key, struct keyset *ks,
		       size_t *members)
{
	cJSON *old = NULL, **slot = NULL;
	if (ks->cap) {
		slot = keyset_slot(ks, key);
		old = *slot;
	} else {
		for (old = obj->child; old && strcmp(old->string, key) != 0; old = old->next)
			;
	}
	if (old) {
		value->string = old->string; /* keep the exact first key */
		old->string = NULL;
		cJSON_ReplaceItemViaPointer(obj, old, value);
		if (slot)
			*slot = value;
		return;
	}
	cJSON_AddItemToObject(obj, key, value);
	++*members;
	if (slot && ++ks->n * 2 <= ks->cap)
		*slot = value;
	else if (slot || *members >= KEYS_INDEX_AT)
		keyset_build(ks, obj, *members); /* first index, or grow */
}

static cJSON *parse_object(struct parser *ps)
{
	cJSON *obj = cJSON_CreateObject();
	struct keyset ks = { NULL, 0, 0 };
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
		if (parse_string(ps))
			goto error;
		/* The value reuses the scratch buffer: keep the key aside (on the
		 * stack when short, which keys almost always are). */
		char small[64], *key = small;
		if (ps->scratch.len < sizeof small)
			memcpy(small, ps->scratch.data, ps->scratch.len + 1);
		else
			key = buf_steal(&ps->scratch, NULL);
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			if (key != small)
				free(key);
			fail(ps, "expected ':'");
			goto error;
		}
		ps->p++;
		cJSON *value = parse_value(ps);
		if (!value) {
			if (key != small)
				free(key);
			goto error;
		}
		object_put(obj, value, key, &ks, &members);
		if (key != small)
			free(key);
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
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *parse_array(struct parser *ps)
{
	cJSON *arr = cJSON_CreateArray();
	ps->p++; /* '[' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return arr;
	}
	for (;;) {
		cJSON *value = parse_value(ps);
		if (!value) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, value);
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
		cJSON_Delete(arr);
		return NULL;
	}
}

static cJSON *parse_value(struct parser *ps)
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
		cJSON *item = c == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return item;
	}
	if (c == '"') {
		if (parse_string(ps))
			return NULL;
		return cJSON_CreateString(ps->scratch.data);
	}
	if (c == '-' || is_digit(c))
		return parse_number(ps);
	if (match_word(ps, "true"))
		return cJSON_CreateTrue();
	if (match_word(ps, "false"))
		return cJSON_CreateFalse();
	if (match_word(ps, "null"))
		return cJSON_CreateNull();
	fail(ps, "expected value");
	return NULL;
}

int json_parse(const char *buf, size_t len, cJSON **ret, char *err, size_t errlen)
{
	struct parser ps = {
		.start = (const unsigned char *)buf,
		.p = (const unsigned char *)buf,
		.end = (const unsigned char *)buf + len,
		.scratch = BUF_INIT,
		.err = err,
		.errlen = errlen,
	};
	*ret = NULL;
	if (err && errlen)
		err[0] = '\0';
	cJSON *root = parse_value(&ps);
	if (root) {
		skip_ws(&ps);
		if (ps.p < ps.end) {
			fail(&ps, "trailing data after JSON value");
			cJSON_Delete(root);
			root = NULL;
		}
	}
	buf_free(&ps.scratch);
	if (!root)
		return -1;
	*ret = root;
	return 0;
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
		/* Copy the longest run that needs no escaping in one go. */
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x7F && !(*p == '/' && slash))
			p++;
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
	if (!item) {
		PUTS(out, "null");
		return;
	}
	write_item(out, item, style);
}

char *json_print(const cJSON *item, enum json_style style, size_t *ret_len)
{
	struct buf b = BUF_INIT;
	json_write(&b, item, style);
	return buf_steal(&b, ret_len);
}

/* ------------------------------------------------------------- builders */

cJSON *json_float(double v)
{
	cJSON *item = cJSON_CreateNumber(v);
	if (!item)
		abort();
	item->type |= JSON_FLOAT_FLAG;
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
	cJSON *item = cJSON_CreateNumber((double)v);
	char tmp[24];
	if (!item)
		abort();
	char *t = lld_text(v, tmp);
	size_t n = (size_t)(tmp + 23 - t);
	item->valuestring = cJSON_malloc(n + 1);
	if (!item->valuestring)
		abort();
	memcpy(item->valuestring, t, n + 1);
	return item;
}

bool json_is_float(const cJSON *item)
{
	return item && cJSON_IsNumber(item) && (item->type & JSON_FLOAT_FLAG);
}

/* cJSON_Duplicate copies the whole type word (so the float flag survives)
 * and any valuestring (so the literal survives), which is exactly what we
 * need. */
cJSON *json_dup(const cJSON *item)
{
	if (!item)
		return NULL;
	cJSON *copy = cJSON_Duplicate(item, true);
	if (!copy)
		abort();
	return copy;
}
