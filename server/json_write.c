/* json_write.c -- the three Python serializers' output styles (ujson,
 * json.dumps, orjson) over cJSON trees, and Python's float repr. See json.h
 * for the contract. */
#include "json_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		uint64_t del = x ^ (ones * 0x7F), m = json_swar_special(x) | ((del - ones) & ~del & highs);
		if (slash) {
			uint64_t sl = x ^ (ones * '/');
			m |= (sl - ones) & ~sl & highs;
		}
		if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + __builtin_ctzll(m) / 8; /* exact: see json_swar_special */
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
		size_t n = json_utf8_decode(p, end, &cp);
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

/* orjson (yyjson) writes repr's shortest digits, in fixed notation from
 * 1e-5 (repr: from 1e-4) below 1e16, else with an exponent that has no
 * '+' and no padding: 0.00001, 1e-6, 1e16 where Python writes 1e-05,
 * 1e-06, 1e+16. */
static void write_orjson_float(struct buf *out, double v)
{
	struct buf r = BUF_INIT;
	json_format_float(&r, v);
	char *e = strchr(r.data, 'e');
	if (!e) {
		buf_append(out, r.data, r.len);
	} else if (!strcmp(e, "e-05")) { /* d[.ddd]e-05 -> 0.0000d[ddd] */
		const char *m = r.data;
		if (*m == '-')
			buf_putc(out, *m++);
		buf_puts(out, "0.0000");
		for (; m < e; m++)
			if (*m != '.')
				buf_putc(out, *m);
	} else {
		const char *x = e + 1;
		buf_append(out, r.data, (size_t)(x - r.data));
		if (*x == '-')
			buf_putc(out, *x++);
		else if (*x == '+')
			x++;
		while (*x == '0' && x[1])
			x++;
		buf_puts(out, x);
	}
	buf_free(&r);
}

static void write_number(struct buf *out, const cJSON *item, enum json_style style)
{
	double v = item->valuedouble;
	if (json_is_float(item)) {
		if (isfinite(v) && style == JSON_UJSON)
			write_ujson_float(out, v);
		else if (isfinite(v) && style == JSON_ORJSON)
			write_orjson_float(out, v);
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
