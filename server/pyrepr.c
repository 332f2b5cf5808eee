/* pyrepr.c -- Python repr() of parsed JSON values, and pydantic's truncated
 * input_value form. See pyrepr.h. */
#include "pyrepr.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

/* Code points >= U+00A0 that str.isprintable() rejects: categories Zs, Zl, Zp,
 * Cf, Co and Cs: CPython 3.11's Unicode 14 tables plus U+13439..U+1343F,
 * which Unicode 15 (CPython 3.12, Dify's runtime) made Cf. Unassigned code points
 * (Cn) are also non-printable in Python but need the full Unicode database;
 * they are written raw here. Below U+00A0 only ASCII printables pass. */
static const struct { uint32_t lo, hi; } nonprintable[] = {
	{ 0xA0, 0xA0 },       { 0xAD, 0xAD },       { 0x600, 0x605 },     { 0x61C, 0x61C },
	{ 0x6DD, 0x6DD },     { 0x70F, 0x70F },     { 0x890, 0x891 },     { 0x8E2, 0x8E2 },
	{ 0x1680, 0x1680 },   { 0x180E, 0x180E },   { 0x2000, 0x200F },   { 0x2028, 0x202F },
	{ 0x205F, 0x2064 },   { 0x2066, 0x206F },   { 0x3000, 0x3000 },   { 0xD800, 0xF8FF },
	{ 0xFEFF, 0xFEFF },   { 0xFFF9, 0xFFFB },   { 0x110BD, 0x110BD }, { 0x110CD, 0x110CD },
	{ 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 },
	{ 0xE0020, 0xE007F }, { 0xF0000, 0xFFFFD }, { 0x100000, 0x10FFFD },
};

static bool is_printable(uint32_t cp)
{
	if (cp < 0xA0)
		return cp >= 0x20 && cp < 0x7F; /* C0, DEL and C1 controls */
	for (size_t i = 0; i < sizeof nonprintable / sizeof nonprintable[0]; i++)
		if (cp >= nonprintable[i].lo && cp <= nonprintable[i].hi)
			return false;
	return true;
}

/* Length of the UTF-8 sequence at p and its code point; 0 when malformed.
 * Strings from json_parse are always valid; this only guards other callers. */
static size_t utf8_next(const unsigned char *p, uint32_t *cp)
{
	size_t n;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xE0) == 0xC0) {
		n = 2;
		*cp = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3;
		*cp = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4;
		*cp = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return n;
}

/* CPython's unicode_repr. */
void pyrepr_str(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char quote = '\'';
	if (strchr(s, '\'') && !strchr(s, '"'))
		quote = '"';
	buf_putc(out, quote);
	while (*p) {
		uint32_t cp;
		size_t n = utf8_next(p, &cp);
		if (!n) {
			buf_printf(out, "\\x%02x", *p++); /* stray byte: keep it visible */
			continue;
		}
		if (cp == (uint32_t)quote || cp == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)cp);
		} else if (cp == '\t') {
			buf_puts(out, "\\t");
		} else if (cp == '\n') {
			buf_puts(out, "\\n");
		} else if (cp == '\r') {
			buf_puts(out, "\\r");
		} else if (is_printable(cp)) {
			buf_append(out, p, n);
		} else if (cp < 0x100) {
			buf_printf(out, "\\x%02x", (unsigned)cp);
		} else if (cp < 0x10000) {
			buf_printf(out, "\\u%04x", (unsigned)cp);
		} else {
			buf_printf(out, "\\U%08x", (unsigned)cp);
		}
		p += n;
	}
	buf_putc(out, quote);
}

static void repr_number(struct buf *out, const cJSON *item)
{
	if (json_is_float(item)) {
		json_format_float(out, item->valuedouble);
		return;
	}
	/* An int prints the same in JSON and in Python: reuse the writer, which
	 * knows about literal text for integers wider than a double. */
	json_write(out, item, JSON_ORJSON);
}

void pyrepr(struct buf *out, const cJSON *item)
{
	if (!item) {
		buf_puts(out, "None");
		return;
	}
	switch (item->type & 0xFF) {
	case cJSON_False: buf_puts(out, "False"); return;
	case cJSON_True: buf_puts(out, "True"); return;
	case cJSON_NULL: buf_puts(out, "None"); return;
	case cJSON_Number: repr_number(out, item); return;
	case cJSON_String: pyrepr_str(out, item->valuestring ? item->valuestring : ""); return;
	case cJSON_Raw: buf_puts(out, item->valuestring ? item->valuestring : ""); return;
	case cJSON_Array:
		buf_putc(out, '[');
		for (const cJSON *c = item->child; c; c = c->next) {
			pyrepr(out, c);
			if (c->next)
				buf_puts(out, ", ");
		}
		buf_putc(out, ']');
		return;
	case cJSON_Object:
		buf_putc(out, '{');
		for (const cJSON *c = item->child; c; c = c->next) {
			pyrepr_str(out, c->string ? c->string : "");
			buf_puts(out, ": ");
			pyrepr(out, c);
			if (c->next)
				buf_puts(out, ", ");
		}
		buf_putc(out, '}');
		return;
	default:
		buf_puts(out, "None");
		return;
	}
}

const char *pyrepr_type_name(const cJSON *item)
{
	if (!item)
		return "NoneType";
	switch (item->type & 0xFF) {
	case cJSON_False:
	case cJSON_True: return "bool";
	case cJSON_Number: return json_is_float(item) ? "float" : "int";
	case cJSON_String: return "str";
	case cJSON_Array: return "list";
	case cJSON_Object: return "dict";
	default: return "NoneType";
	}
}

static bool is_char_boundary(unsigned char c)
{
	return c < 0x80 || c >= 0xC0;
}

/* pydantic-core's truncate_input_value: byte lengths, the head cut moved back
 * and the tail cut moved forward to a character boundary, so neither piece
 * ever splits a character (each may come out shorter than 25/24 bytes). */
void pyrepr_pydantic(struct buf *out, const cJSON *item)
{
	struct buf r = BUF_INIT;
	pyrepr(&r, item);
	if (r.len <= 50) {
		buf_append(out, r.data, r.len);
	} else {
		const unsigned char *s = (const unsigned char *)r.data;
		size_t head = 25, tail = r.len - 24;
		while (head > 0 && !is_char_boundary(s[head]))
			head--;
		while (tail < r.len && !is_char_boundary(s[tail]))
			tail++;
		buf_append(out, r.data, head);
		buf_puts(out, "...");
		buf_append(out, r.data + tail, r.len - tail);
	}
	buf_free(&r);
}

bool pyrepr_is_falsy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return true;
	if (cJSON_IsNumber(v))
		return v->valuedouble == 0;
	if (cJSON_IsString(v))
		return !v->valuestring || !v->valuestring[0];
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child == NULL;
	return false;
}
