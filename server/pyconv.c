/* pyconv.c -- CPython's int(str), float(str) and json.loads(str) outcomes.
 * See pyconv.h. The rules follow CPython 3.12: Objects/longobject.c
 * (PyLong_FromUnicodeObject), Objects/floatobject.c (PyFloat_FromString,
 * _Py_string_to_number_with_underscores), Python/pystrtod.c and the C
 * scanner of Modules/_json.c; test-pyconv.c holds the answers CPython gave. */
#include "pyconv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"

/* ---- text helpers ---- */

/* One code point of valid UTF-8 at p; a stray byte counts as one. */
static size_t utf8_step(const unsigned char *p, uint32_t *cp)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (!n) {
		*cp = p[0];
		return 1;
	}
	*cp = n == 1 ? p[0] : p[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*cp = p[0];
			return 1;
		}
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

/* Code points in s[0..bytes). */
static size_t cp_count(const char *s, size_t bytes)
{
	size_t n = 0;
	for (size_t i = 0; i < bytes; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* Py_UNICODE_ISSPACE above ASCII. */
static bool is_unicode_space(uint32_t cp)
{
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* The zeros of the Unicode 15 (CPython 3.12) decimal digit blocks, each ten
 * consecutive code points. */
static const uint32_t digit_zeros[] = {
	0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,   0xCE6,
	0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,  0x1946,  0x19D0,
	0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,  0xA900,  0xA9D0,  0xA9F0,
	0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450,
	0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60,
	0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
	0x1FBF0,
};

static int unicode_decimal(uint32_t cp)
{
	for (size_t i = 0; i < sizeof digit_zeros / sizeof digit_zeros[0]; i++)
		if (cp >= digit_zeros[i] && cp < digit_zeros[i] + 10)
			return (int)(cp - digit_zeros[i]);
	return -1;
}

/* _PyUnicode_TransformDecimalAndSpaceToASCII: int() and float() first turn
 * every Unicode space into ' ' and every decimal digit into its ASCII digit;
 * anything else above ASCII becomes '?', which no parser accepts. */
static char *to_ascii(const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp;
		p += utf8_step(p, &cp);
		if (cp < 127) {
			buf_putc(&b, (char)cp);
		} else if (is_unicode_space(cp)) {
			buf_putc(&b, ' ');
		} else {
			int d = unicode_decimal(cp);
			buf_putc(&b, d >= 0 ? (char)('0' + d) : '?');
		}
	}
	return buf_steal(&b, NULL);
}

static bool is_space(char c) /* Py_ISSPACE */
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- int() ---- */

/* "%.200R": the repr cut after 200 code points. */
static void put_repr_200(struct buf *err, const char *s)
{
	struct buf r = BUF_INIT;
	pyrepr_str(&r, s);
	size_t i = 0, cps = 0;
	while (i < r.len && cps < 200) {
		i++;
		while (i < r.len && ((unsigned char)r.data[i] & 0xC0) == 0x80)
			i++;
		cps++;
	}
	buf_append(err, r.data, i);
	buf_free(&r);
}

static int int_invalid(const char *s, struct buf *err)
{
	buf_puts(err, "invalid literal for int() with base 10: ");
	put_repr_200(err, s);
	return -1;
}

int pyconv_int(const char *s, struct pyint *ret, struct buf *err)
{
	char *a = to_ascii(s);
	const char *p = a;
	bool neg = false;
	int rc = -1;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '_') {
		int_invalid(s, err);
		goto out;
	}
	/* Digits with single underscores between them; the digit count is
	 * checked against the limit before what follows the digits. */
	const char *start = p;
	size_t digits = 0;
	char prev = 0;
	for (; is_digit(*p) || *p == '_'; prev = *p++) {
		if (*p != '_')
			digits++;
		else if (prev == '_')
			break;
	}
	if (!digits || prev == '_' || (*p == '_')) {
		int_invalid(s, err);
		goto out;
	}
	if (digits > PYINT_MAX_DIGITS) {
		buf_printf(err,
			   "Exceeds the limit (%d digits) for integer string conversion: value has %zu digits; "
			   "use sys.set_int_max_str_digits() to increase the limit",
			   PYINT_MAX_DIGITS, digits);
		goto out;
	}
	const char *end = p;
	while (is_space(*p))
		p++;
	if (*p) {
		int_invalid(s, err);
		goto out;
	}
	ret->n = 0;
	for (const char *q = start; q < end; q++)
		if (*q != '_' && (ret->n || *q != '0'))
			ret->d[ret->n++] = *q;
	if (!ret->n)
		ret->d[ret->n++] = '0';
	ret->d[ret->n] = '\0';
	ret->neg = neg && strcmp(ret->d, "0");
	rc = 0;
out:
	free(a);
	return rc;
}

/* ---- float() ---- */

static bool match_word(const char **p, const char *word) /* case-insensitive */
{
	size_t n = strlen(word);
	if (strncasecmp(*p, word, n))
		return false;
	*p += n;
	return true;
}

/* _Py_dg_strtod's grammar, then _Py_parse_inf_or_nan's. Returns the end of
 * the longest prefix of s they accept (s itself when none). */
static const char *scan_double(const char *s, double *ret)
{
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	const char *m = p;
	size_t ndig = 0;
	while (is_digit(*p))
		p++, ndig++;
	if (*p == '.') {
		p++;
		while (is_digit(*p))
			p++, ndig++;
	}
	if (ndig) {
		if (*p == 'e' || *p == 'E') {
			const char *e = p++;
			if (*p == '+' || *p == '-')
				p++;
			if (!is_digit(*p))
				p = e; /* "1e" is the number 1 followed by "e" */
			while (is_digit(*p))
				p++;
		}
		char *tmp = xstrndup(s, (size_t)(p - s));
		*ret = strtod(tmp, NULL); /* the text is plain decimal: C and Python agree */
		free(tmp);
		return p;
	}
	p = m;
	if (match_word(&p, "inf")) {
		match_word(&p, "inity");
		*ret = neg ? -INFINITY : INFINITY;
		return p;
	}
	if (match_word(&p, "nan")) {
		*ret = neg ? -NAN : NAN;
		return p;
	}
	return s;
}

int pyconv_float(const char *s, double *ret, struct buf *err)
{
	char *a = to_ascii(s);
	char *w = a;
	int rc = -1;
	/* Underscores only between digits, then dropped. */
	if (strchr(a, '_')) {
		char prev = 0, *o = a;
		for (const char *p = a; *p; prev = *p++) {
			if (*p == '_') {
				if (!is_digit(prev))
					goto bad;
			} else {
				if (prev == '_' && !is_digit(*p))
					goto bad;
				*o++ = *p;
			}
		}
		if (prev == '_')
			goto bad;
		*o = '\0';
	}
	char *last = w + strlen(w);
	while (w < last && is_space(*w))
		w++;
	if (w == last)
		goto bad;
	while (last - 1 > w && is_space(last[-1]))
		last--;
	*last = '\0';
	if (scan_double(w, ret) != last)
		goto bad;
	rc = 0;
	goto out;
bad:
	buf_puts(err, "could not convert string to float: ");
	pyrepr_str(err, s);
out:
	free(a);
	return rc;
}

/* ---- pyint ---- */

void pyint_from_text(struct pyint *ret, const char *s)
{
	bool neg = *s == '-';
	if (neg || *s == '+')
		s++;
	while (*s == '0' && is_digit(s[1]))
		s++;
	ret->n = 0;
	while (is_digit(*s) && ret->n < PYINT_MAX_DIGITS + 1)
		ret->d[ret->n++] = *s++;
	if (!ret->n)
		ret->d[ret->n++] = '0';
	ret->d[ret->n] = '\0';
	ret->neg = neg && strcmp(ret->d, "0");
}

void pyint_from_ll(struct pyint *ret, long long v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lld", v);
	pyint_from_text(ret, tmp);
}

void pyint_from_double(struct pyint *ret, double d)
{
	char tmp[400]; /* DBL_MAX has 309 integer digits */
	snprintf(tmp, sizeof tmp, "%.0f", trunc(d));
	pyint_from_text(ret, tmp);
}

int pyint_cmp(const struct pyint *a, const struct pyint *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	int mag = a->n != b->n ? (a->n < b->n ? -1 : 1) : strcmp(a->d, b->d);
	mag = mag < 0 ? -1 : mag > 0;
	return a->neg ? -mag : mag;
}

int pyint_cmp_double(const struct pyint *a, double d)
{
	if (isinf(d))
		return d > 0 ? -1 : 1;
	struct pyint t;
	double whole = trunc(d);
	pyint_from_double(&t, whole);
	int c = pyint_cmp(a, &t);
	if (c)
		return c;
	return d > whole ? -1 : d < whole ? 1 : 0;
}

double pyint_to_double(const struct pyint *a)
{
	double v = strtod(a->d, NULL); /* glibc rounds to nearest, ties to even, as Python does */
	return a->neg ? -v : v;
}

/* ---- json.loads() ---- */

/* CPython's C recursion allowance is not a fixed number of JSON levels; this
 * is what a fresh worker thread of Dify gets, give or take a few. */
#define PYJSON_MAX_DEPTH 1450

struct jscan {
	const char *s;
	size_t len;          /* bytes */
	size_t err_at;       /* byte offset of the error */
	const char *err_msg; /* NULL: no error */
	bool recursion;
};

static size_t ws(const struct jscan *j, size_t i)
{
	while (i < j->len && (j->s[i] == ' ' || j->s[i] == '\t' || j->s[i] == '\n' || j->s[i] == '\r'))
		i++;
	return i;
}

static bool fail(struct jscan *j, const char *msg, size_t at)
{
	j->err_msg = msg;
	j->err_at = at;
	return false;
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++)
		v = v * 16 + (unsigned)(is_digit(p[i]) ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
	return v;
}

/* At least n code points in s[i..len)? */
static bool cps_left(const struct jscan *j, size_t i, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (i >= j->len)
			return false;
		i++;
		while (i < j->len && ((unsigned char)j->s[i] & 0xC0) == 0x80)
			i++;
	}
	return true;
}

/* scanstring_unicode from just after the opening quote at i - 1. */
static bool scan_string(struct jscan *j, size_t i, size_t *next)
{
	size_t begin = i - 1;
	for (;;) {
		while (i < j->len && j->s[i] != '"' && j->s[i] != '\\') {
			if ((unsigned char)j->s[i] <= 0x1F)
				return fail(j, "Invalid control character at", i);
			i++;
		}
		if (i >= j->len)
			return fail(j, "Unterminated string starting at", begin);
		if (j->s[i] == '"') {
			*next = i + 1;
			return true;
		}
		i++; /* the backslash */
		if (i >= j->len)
			return fail(j, "Unterminated string starting at", begin);
		if (j->s[i] != 'u') {
			if (!strchr("\"\\/bfnrt", j->s[i]) || !j->s[i])
				return fail(j, "Invalid \\escape", i - 1);
			i++;
			continue;
		}
		size_t u = i++;
		/* Four hex digits and at least one more character after them. */
		if (!cps_left(j, i, 5))
			return fail(j, "Invalid \\uXXXX escape", u);
		for (size_t k = 0; k < 4; k++)
			if (!is_hex(j->s[i + k]))
				return fail(j, "Invalid \\uXXXX escape", u);
		unsigned c = hex4(j->s + i);
		i += 4;
		/* A high surrogate takes a following \uXXXX along when at least
		 * seven characters follow it; a bad digit there is an error too. */
		if (c >= 0xD800 && c <= 0xDBFF && cps_left(j, i, 7) && j->s[i] == '\\' && j->s[i + 1] == 'u') {
			for (size_t k = 2; k < 6; k++)
				if (!is_hex(j->s[i + k]))
					return fail(j, "Invalid \\uXXXX escape", i + 1);
			unsigned c2 = hex4(j->s + i + 2);
			if (c2 >= 0xDC00 && c2 <= 0xDFFF)
				i += 6;
		}
	}
}

static bool scan_value(struct jscan *j, size_t i, size_t *next, enum pyjson_kind *kind, bool *nonzero,
		       unsigned depth);

/* _match_number_unicode: false (no error set) when no number starts at i. */
static bool scan_number(struct jscan *j, size_t i, size_t *next, enum pyjson_kind *kind, bool *nonzero)
{
	size_t k = i;
	const char *s = j->s;
	if (k < j->len && s[k] == '-')
		k++;
	if (k >= j->len)
		return false;
	size_t d0 = k;
	if (s[k] >= '1' && s[k] <= '9') {
		while (k < j->len && is_digit(s[k]))
			k++;
	} else if (s[k] == '0') {
		k++;
	} else {
		return false;
	}
	size_t ndig = k - d0;
	bool is_float = false;
	if (k + 1 < j->len && s[k] == '.' && is_digit(s[k + 1])) {
		is_float = true;
		k += 2;
		while (k < j->len && is_digit(s[k]))
			k++;
	}
	if (k < j->len && (s[k] == 'e' || s[k] == 'E')) {
		size_t e = k++;
		if (k < j->len && (s[k] == '+' || s[k] == '-'))
			k++;
		size_t ed = k;
		while (k < j->len && is_digit(s[k]))
			k++;
		if (k > ed)
			is_float = true;
		else
			k = e;
	}
	if (!is_float && ndig > PYINT_MAX_DIGITS) {
		/* int(text) refuses it: a ValueError, not a JSONDecodeError. */
		j->err_msg = "";
		j->err_at = ndig;
		return false;
	}
	*kind = is_float ? PYJSON_OTHER : PYJSON_INT;
	*nonzero = !is_float && s[d0] != '0';
	*next = k;
	return true;
}

static bool scan_container(struct jscan *j, size_t i, size_t *next, bool object, unsigned depth)
{
	enum pyjson_kind k;
	bool nz;
	char close = object ? '}' : ']';
	if (depth >= PYJSON_MAX_DEPTH) {
		j->recursion = true;
		j->err_msg = object ? " while decoding a JSON object from a unicode string"
				    : " while decoding a JSON array from a unicode string";
		return false;
	}
	i = ws(j, i);
	if (i < j->len && j->s[i] == close) {
		*next = i + 1;
		return true;
	}
	for (;;) {
		if (object) {
			if (i >= j->len || j->s[i] != '"')
				return fail(j, "Expecting property name enclosed in double quotes", i);
			if (!scan_string(j, i + 1, &i))
				return false;
			i = ws(j, i);
			if (i >= j->len || j->s[i] != ':')
				return fail(j, "Expecting ':' delimiter", i);
			i = ws(j, i + 1);
		}
		if (!scan_value(j, i, &i, &k, &nz, depth + 1))
			return false;
		i = ws(j, i);
		if (i < j->len && j->s[i] == close) {
			*next = i + 1;
			return true;
		}
		if (i >= j->len || j->s[i] != ',')
			return fail(j, "Expecting ',' delimiter", i);
		i = ws(j, i + 1);
	}
}

static bool word_at(const struct jscan *j, size_t i, const char *w)
{
	size_t n = strlen(w);
	return j->len - i >= n && !memcmp(j->s + i, w, n);
}

/* scan_once_unicode: a value starting exactly at i. A missing value is
 * Python's StopIteration, reported as "Expecting value" at i. */
static bool scan_value(struct jscan *j, size_t i, size_t *next, enum pyjson_kind *kind, bool *nonzero,
		       unsigned depth)
{
	*kind = PYJSON_OTHER;
	*nonzero = false;
	if (i >= j->len)
		return fail(j, "Expecting value", i);
	switch (j->s[i]) {
	case '"': return scan_string(j, i + 1, next);
	case '{': return scan_container(j, i + 1, next, true, depth);
	case '[': return scan_container(j, i + 1, next, false, depth);
	default: break;
	}
	static const struct { const char *word; enum pyjson_kind kind; bool nonzero; } words[] = {
		{ "null", PYJSON_OTHER, false }, { "true", PYJSON_BOOL, true },  { "false", PYJSON_BOOL, false },
		{ "NaN", PYJSON_OTHER, false },  { "Infinity", PYJSON_OTHER, false }, { "-Infinity", PYJSON_OTHER, false },
	};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		if (word_at(j, i, words[w].word)) {
			*kind = words[w].kind;
			*nonzero = words[w].nonzero;
			*next = i + strlen(words[w].word);
			return true;
		}
	}
	if (scan_number(j, i, next, kind, nonzero))
		return true;
	if (j->err_msg)
		return false; /* the digit limit */
	return fail(j, "Expecting value", i);
}

enum pyjson_kind pyconv_json_kind(const char *s, bool *ret_nonzero, struct buf *err)
{
	struct jscan j = { .s = s, .len = strlen(s) };
	enum pyjson_kind kind = PYJSON_OTHER;
	bool nz = false;
	size_t end;
	if (!strncmp(s, "\xEF\xBB\xBF", 3)) {
		fail(&j, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
	} else if (scan_value(&j, ws(&j, 0), &end, &kind, &nz, 0)) {
		end = ws(&j, end);
		if (end == j.len) {
			*ret_nonzero = nz;
			return kind;
		}
		fail(&j, "Extra data", end);
	}
	if (j.recursion) {
		buf_printf(err, "maximum recursion depth exceeded%s", j.err_msg);
	} else if (!*j.err_msg) {
		buf_printf(err,
			   "Exceeds the limit (%d digits) for integer string conversion: value has %zu digits; "
			   "use sys.set_int_max_str_digits() to increase the limit",
			   PYINT_MAX_DIGITS, j.err_at);
	} else {
		size_t pos = cp_count(s, j.err_at), line = 1, nl = 0;
		bool seen = false;
		for (size_t b = 0, cp = 0; b < j.err_at; b++) {
			if (((unsigned char)s[b] & 0xC0) == 0x80)
				continue;
			if (s[b] == '\n') {
				line++;
				nl = cp;
				seen = true;
			}
			cp++;
		}
		/* colno = pos - doc.rfind('\n', 0, pos), rfind giving -1 for none */
		size_t col = seen ? pos - nl : pos + 1;
		buf_printf(err, "%s: line %zu column %zu (char %zu)", j.err_msg, line, col, pos);
	}
	return PYJSON_ERROR;
}
