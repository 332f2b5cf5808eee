/* multipart.c -- Werkzeug 3.1's FormDataParser, MultiPartParser and
 * MultipartDecoder (werkzeug/formparser.py, werkzeug/sansio/multipart.py)
 * and http.parse_options_header, transcribed: the same regular expressions
 * matched by hand on the same buffer, fed in the same 64 KiB chunks, so
 * that odd bodies (bare CR or LF line breaks, whitespace after a boundary,
 * a boundary split across chunks, an epilogue) end the same way. */
#include "multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* ---- strings ---- */

static struct mp_str str_new(const char *s, size_t len)
{
	return (struct mp_str){ xstrndup(s, len), len };
}

static void str_free(struct mp_str *s)
{
	free(s->s);
	*s = (struct mp_str){ NULL, 0 };
}

/* Python str.isspace() for the character starting at s (UTF-8), or for the
 * byte at s (Latin-1, as WSGI servers decode header bytes). Returns its
 * length in bytes, 0 when it is not whitespace. */
static size_t space_at(const unsigned char *s, size_t n, bool utf8)
{
	if (!n)
		return 0;
	unsigned c = s[0];
	if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20))
		return 1;
	if (!utf8)
		return c == 0x85 || c == 0xa0;
	if (c == 0xc2 && n >= 2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3) {
		unsigned cp = ((c & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		if ((c & 0xf0) != 0xe0 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
		    cp == 0x205f || cp == 0x3000)
			return 3;
	}
	return 0;
}

/* The length of a whitespace character ending at s + n (0: none). */
static size_t space_before(const unsigned char *s, size_t n, bool utf8)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_at(s + n - k, k, utf8) == k)
			return k;
	return 0;
}

/* str.strip() on s[*a, *b). */
static void strip(const char *s, size_t *a, size_t *b, bool utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k;
	while (*a < *b && (k = space_at(u + *a, *b - *a, utf8)))
		*a += k;
	while (*b > *a && (k = space_before(u + *a, *b - *a, utf8)))
		*b -= k;
}

static bool is_token_char(unsigned char c, bool apostrophe)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return strchr("_!#$%&*+-.^`|~", c) ? c != '\0' : (apostrophe && c == '\'');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- urllib.parse.unquote(s, encoding, errors="replace") ---- */

static void put_cp(struct buf *out, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(out, (char)(0xc0 | (cp >> 6)));
		buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(out, (char)(0xe0 | (cp >> 12)));
		buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(out, (char)(0xf0 | (cp >> 18)));
		buf_putc(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ASCII runs are percent-decoded to bytes and decoded; other runs are kept. */
static struct mp_str unquote(const char *s, size_t n, const char *encoding)
{
	struct buf out = BUF_INIT, bytes = BUF_INIT;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	buf_reserve(&out, n + 1);
	while (i < n) {
		size_t j = i;
		if (u[i] >= 0x80) {
			while (j < n && u[j] >= 0x80)
				j++;
			buf_append(&out, s + i, j - i);
			i = j;
			continue;
		}
		while (j < n && u[j] < 0x80)
			j++;
		buf_reset(&bytes);
		for (size_t k = i; k < j; k++) {
			int h1, h2;
			if (u[k] == '%' && k + 2 < j && (h1 = hexval(u[k + 1])) >= 0 && (h2 = hexval(u[k + 2])) >= 0) {
				buf_putc(&bytes, (char)(h1 * 16 + h2));
				k += 2;
			} else {
				buf_putc(&bytes, (char)u[k]);
			}
		}
		const unsigned char *b = (const unsigned char *)bytes.data;
		if (!strcmp(encoding, "utf-8")) {
			json_utf8_replace((const char *)b, bytes.len, &out);
		} else if (!strcmp(encoding, "iso-8859-1")) {
			for (size_t k = 0; k < bytes.len; k++)
				put_cp(&out, b[k]);
		} else { /* ascii, us-ascii */
			for (size_t k = 0; k < bytes.len; k++)
				put_cp(&out, b[k] < 0x80 ? b[k] : 0xfffd);
		}
		i = j;
	}
	buf_free(&bytes);
	struct mp_str r;
	r.s = buf_steal(&out, &r.len);
	return r;
}

/* s.replace(from, to) for ASCII from/to, in place (to is never longer). */
static void replace_all(struct mp_str *v, const char *from, char to)
{
	size_t fl = strlen(from), w = 0;
	for (size_t r = 0; r < v->len;) {
		if (r + fl <= v->len && !memcmp(v->s + r, from, fl)) {
			v->s[w++] = to;
			r += fl;
		} else {
			v->s[w++] = v->s[r++];
		}
	}
	v->len = w;
	v->s[w] = '\0';
}

/* ---- parse_options_header ---- */

void mp_options_free(struct mp_options *o)
{
	for (size_t i = 0; i < o->n; i++) {
		str_free(&o->keys[i]);
		str_free(&o->values[i]);
	}
	free(o->keys);
	free(o->values);
	*o = (struct mp_options){ NULL, NULL, 0 };
}

const struct mp_str *mp_option(const struct mp_options *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->keys[i].len == strlen(key) && !memcmp(o->keys[i].s, key, o->keys[i].len))
			return &o->values[i];
	return NULL;
}

/* options[key] = value, or += value for a continuation. */
static void set_option(struct mp_options *o, const char *key, size_t klen, struct mp_str v, bool append)
{
	for (size_t i = 0; i < o->n; i++) {
		if (o->keys[i].len != klen || memcmp(o->keys[i].s, key, klen))
			continue;
		if (append) {
			struct buf b = BUF_INIT;
			buf_append(&b, o->values[i].s, o->values[i].len);
			buf_append(&b, v.s, v.len);
			str_free(&o->values[i]);
			o->values[i].s = buf_steal(&b, &o->values[i].len);
			str_free(&v);
		} else {
			str_free(&o->values[i]);
			o->values[i] = v;
		}
		return;
	}
	o->keys = xrealloc(o->keys, (o->n + 1) * sizeof *o->keys);
	o->values = xrealloc(o->values, (o->n + 1) * sizeof *o->values);
	o->keys[o->n] = str_new(key, klen);
	o->values[o->n++] = v;
}

struct raw_part {
	size_t ka, kb;  /* the key (not yet lower-cased) */
	size_t va, vb;  /* the raw value: a token or a quoted string with its quotes */
};

static bool is_one_of(const char *s, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && !memcmp(s, *set, n))
			return true;
	return false;
}

void mp_parse_options_header(const char *value, size_t len, bool utf8, struct mp_str *ret_value,
			     struct mp_options *ret_options)
{
	*ret_options = (struct mp_options){ NULL, NULL, 0 };
	const char *semi = memchr(value, ';', len);
	size_t va = 0, vb = semi ? (size_t)(semi - value) : len;
	strip(value, &va, &vb, utf8);
	*ret_value = str_new(value + va, vb - va);
	if (!semi)
		return;
	size_t ra = (size_t)(semi - value) + 1, rb = len;
	strip(value, &ra, &rb, utf8);
	if (va == vb || ra == rb)
		return;
	const char *rest = value;
	struct raw_part *parts = NULL;
	size_t n_parts = 0;
	size_t r = ra; /* rest = value[r, rb) */
	for (;;) {
		size_t k = r;
		while (k < rb && is_token_char((unsigned char)rest[k], true))
			k++;
		if (k > r && k < rb && rest[k] == '=') {
			size_t ka = r, kb = k;
			r = k + 1;
			size_t t = r;
			while (t < rb && is_token_char((unsigned char)rest[t], true))
				t++;
			if (t > r) { /* a token; rest is not advanced past it */
				parts = xrealloc(parts, (n_parts + 1) * sizeof *parts);
				parts[n_parts++] = (struct raw_part){ ka, kb, r, t };
			} else if (r < rb && rest[r] == '"') {
				for (size_t pos = r + 1; pos < rb;) {
					if (pos + 1 < rb && rest[pos] == '\\' && (rest[pos + 1] == '\\' || rest[pos + 1] == '"')) {
						pos += 2;
					} else if (rest[pos] == '"') {
						parts = xrealloc(parts, (n_parts + 1) * sizeof *parts);
						parts[n_parts++] = (struct raw_part){ ka, kb, r, pos + 1 };
						r = pos + 1;
						break;
					} else {
						pos++;
					}
				}
			}
		}
		const char *next = memchr(rest + r, ';', rb - r);
		if (!next)
			break;
		r = (size_t)(next - rest) + 1;
		size_t k2;
		while (r < rb && (k2 = space_at((const unsigned char *)rest + r, rb - r, utf8)))
			r += k2; /* lstrip() */
	}
	static const char *const charsets[] = { "ascii", "us-ascii", "utf-8", "iso-8859-1", NULL };
	char *encoding = NULL, *continued = NULL;
	for (size_t i = 0; i < n_parts; i++) {
		struct buf key = BUF_INIT;
		for (size_t k = parts[i].ka; k < parts[i].kb; k++)
			buf_putc(&key, lower(rest[k]));
		struct mp_str pv = str_new(rest + parts[i].va, parts[i].vb - parts[i].va);
		if (key.data[key.len - 1] == '*') {
			key.data[--key.len] = '\0';
			/* ([charset chars]*)'[charset chars]*'([token chars]+) at the start */
			size_t p = 0;
			while (p < pv.len && is_token_char((unsigned char)pv.s[p], false))
				p++;
			size_t cs_end = p;
			bool ok = p < pv.len && pv.s[p] == '\'';
			if (ok) {
				p++;
				while (p < pv.len && is_token_char((unsigned char)pv.s[p], false))
					p++;
				ok = p < pv.len && pv.s[p] == '\'';
			}
			size_t v0 = p + 1, v1 = v0;
			if (ok) {
				while (v1 < pv.len && is_token_char((unsigned char)pv.s[v1], true))
					v1++;
				ok = v1 > v0;
			}
			if (ok) {
				free(encoding);
				encoding = xstrndup(pv.s, cs_end);
				for (char *c = encoding; *c; c++)
					*c = lower(*c);
				struct mp_str nv = str_new(pv.s + v0, v1 - v0);
				str_free(&pv);
				pv = nv;
			}
			if (!encoding || !*encoding) {
				free(encoding);
				encoding = continued ? xstrdup(continued) : NULL;
			}
			if (encoding && is_one_of(encoding, strlen(encoding), charsets)) {
				free(continued);
				continued = xstrdup(encoding);
				struct mp_str nv = unquote(pv.s, pv.len, encoding);
				str_free(&pv);
				pv = nv;
			}
		}
		if (pv.len && pv.s[0] == '"' && pv.s[pv.len - 1] == '"') {
			size_t inner = pv.len >= 2 ? pv.len - 2 : 0;
			memmove(pv.s, pv.s + 1, inner);
			pv.len = inner;
			pv.s[inner] = '\0';
			replace_all(&pv, "\\\\", '\\');
			replace_all(&pv, "\\\"", '"');
			replace_all(&pv, "%22", '"');
		}
		/* \*(\d+)$: a continuation, key*0=a; key*1=b -> key=ab */
		size_t d = key.len;
		while (d > 0 && key.data[d - 1] >= '0' && key.data[d - 1] <= '9')
			d--;
		if (d < key.len && d > 0 && key.data[d - 1] == '*')
			set_option(ret_options, key.data, d - 1, pv, true);
		else
			set_option(ret_options, key.data, key.len, pv, false);
		buf_free(&key);
	}
	free(encoding);
	free(continued);
	free(parts);
}

char *mp_mimetype(const char *content_type, size_t len, bool utf8)
{
	if (!content_type)
		return xstrdup("");
	struct mp_str v;
	struct mp_options o;
	mp_parse_options_header(content_type, len, utf8, &v, &o);
	mp_options_free(&o);
	for (size_t i = 0; i < v.len; i++)
		v.s[i] = lower(v.s[i]);
	return v.s;
}

/* ---- the decoder ---- */

enum state { S_PREAMBLE, S_PART, S_DATA, S_DATA_START, S_EPILOGUE, S_COMPLETE };

enum ev_kind { EV_NEED_DATA, EV_PREAMBLE, EV_FIELD, EV_FILE, EV_DATA, EV_EPILOGUE, EV_VALUE_ERROR, EV_TOO_LARGE };

struct event {
	enum ev_kind kind;
	/* EV_FIELD, EV_FILE */
	struct mp_str name, filename, content_type;
	/* EV_DATA: body offset and length */
	size_t off, len;
	bool more_data;
	const char *why;
};

struct decoder {
	const char *body;
	size_t bs, be;         /* the buffer is body[bs, be) */
	bool complete;
	enum state state;
	const char *boundary;
	size_t blen;
	size_t search_pos;     /* relative to bs */
	size_t parts;
};

/* (?:\r\n|\n|\r) at p[i]: its length, or 0. */
static size_t lb_at(const char *p, size_t n, size_t i)
{
	if (i >= n)
		return 0;
	if (p[i] == '\r')
		return i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
	return p[i] == '\n';
}

static bool hws(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* --BOUNDARY(--[hws]*LB?|[hws]*LB) at p[j]; *end after it. */
static bool boundary_tail(const struct decoder *d, const char *p, size_t n, size_t j, size_t *end, bool *epilogue)
{
	if (j + 2 + d->blen > n || p[j] != '-' || p[j + 1] != '-' || memcmp(p + j + 2, d->boundary, d->blen))
		return false;
	size_t k = j + 2 + d->blen;
	if (k + 2 <= n && p[k] == '-' && p[k + 1] == '-') {
		k += 2;
		while (k < n && hws(p[k]))
			k++;
		*end = k + lb_at(p, n, k);
		*epilogue = true;
		return true;
	}
	while (k < n && hws(p[k]))
		k++;
	size_t l = lb_at(p, n, k);
	if (!l)
		return false;
	*end = k + l;
	*epilogue = false;
	return true;
}

/* preamble_re (LB optional) or boundary_re (LB required), leftmost match at or after from. */
static bool search_boundary(const struct decoder *d, bool lb_required, size_t from, size_t *start, size_t *end,
			    bool *epilogue)
{
	const char *p = d->body + d->bs;
	size_t n = d->be - d->bs;
	for (size_t i = from; i < n; i++) {
		char c = p[i];
		if (c == '\r' || c == '\n') {
			if (boundary_tail(d, p, n, i + lb_at(p, n, i), end, epilogue)) {
				*start = i;
				return true;
			}
		} else if (c == '-' && !lb_required && boundary_tail(d, p, n, i, end, epilogue)) {
			*start = i;
			return true;
		}
	}
	return false;
}

/* BLANK_LINE_RE: \r\n\r\n|\r\r|\n\n */
static bool search_blank_line(const struct decoder *d, size_t from, size_t *start, size_t *end)
{
	const char *p = d->body + d->bs;
	size_t n = d->be - d->bs;
	for (size_t i = from; i < n; i++) {
		if (p[i] == '\r') {
			if (i + 3 < n && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
				*start = i, *end = i + 4;
				return true;
			}
			if (i + 1 < n && p[i + 1] == '\r') {
				*start = i, *end = i + 2;
				return true;
			}
		} else if (p[i] == '\n' && i + 1 < n && p[i + 1] == '\n') {
			*start = i, *end = i + 2;
			return true;
		}
	}
	return false;
}

static bool ascii_ieq(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != lit[i])
			return false;
	return true;
}

/* _parse_headers, keeping the first Content-Disposition and Content-Type.
 * Returns false on a line that is not UTF-8 (UnicodeDecodeError). */
static bool parse_headers(const char *data, size_t n, struct mp_str *disposition, struct mp_str *content_type)
{
	/* HEADER_CONTINUATION_RE.sub(b" ", data): LB followed by a space or tab */
	char *h = xmalloc(n + 1);
	size_t hn = 0;
	for (size_t i = 0; i < n;) {
		size_t l = lb_at(data, n, i);
		if (l && i + l < n && (data[i + l] == ' ' || data[i + l] == '\t')) {
			h[hn++] = ' ';
			i += l + 1;
		} else {
			h[hn++] = data[i++];
		}
	}
	bool ok = true;
	/* bytes.splitlines(): \r\n, \r or \n */
	for (size_t a = 0; a < hn && ok;) {
		size_t b = a;
		while (b < hn && h[b] != '\r' && h[b] != '\n')
			b++;
		size_t next = b < hn ? b + lb_at(h, hn, b) : hn;
		/* line.strip(): ASCII whitespace of bytes */
		size_t la = a, lb = b;
		while (la < lb && (h[la] == ' ' || (h[la] >= '\t' && h[la] <= '\r')))
			la++;
		while (lb > la && (h[lb - 1] == ' ' || (h[lb - 1] >= '\t' && h[lb - 1] <= '\r')))
			lb--;
		if (la < lb) {
			if (!json_utf8_valid(h + la, lb - la)) {
				ok = false;
				break;
			}
			const char *colon = memchr(h + la, ':', lb - la);
			size_t na = la, nb = colon ? (size_t)(colon - h) : lb;
			size_t xa = colon ? nb + 1 : lb, xb = lb;
			strip(h, &na, &nb, true);
			strip(h, &xa, &xb, true);
			if (!disposition->s && ascii_ieq(h + na, nb - na, "content-disposition"))
				*disposition = str_new(h + xa, xb - xa);
			else if (!content_type->s && ascii_ieq(h + na, nb - na, "content-type"))
				*content_type = str_new(h + xa, xb - xa);
		}
		a = next;
	}
	free(h);
	return ok;
}

/* _last_partial_boundary_index(data[from:]) + from */
static size_t last_partial(const struct decoder *d, size_t from)
{
	const char *p = d->body + d->bs + from;
	size_t n = d->be - d->bs - from;
	size_t whole = 4 + d->blen; /* len(b"\r\n--" + boundary) */
	size_t nl = n, cr = n;
	for (size_t i = n; i-- > 0;)
		if (p[i] == '\n') {
			nl = i;
			break;
		}
	for (size_t i = n; i-- > 0;)
		if (p[i] == '\r') {
			cr = i;
			break;
		}
	/* an index before len(data) - whole cannot start a partial boundary */
	if (nl < n && n >= whole && nl < n - whole)
		nl = n;
	if (cr < n && n >= whole && cr < n - whole)
		cr = n;
	return from + (nl < cr ? nl : cr);
}

static void parse_data(struct decoder *d, bool start, struct event *ev)
{
	const char *p = d->body + d->bs;
	size_t n = d->be - d->bs;
	size_t data_start = start ? lb_at(p, n, 0) : 0;
	size_t data_end, del;
	bool more;
	bool found = false;
	/* self.buffer.find(b"--" + self.boundary) */
	for (size_t i = 0; i + 2 + d->blen <= n; i++) {
		if (p[i] == '-' && p[i + 1] == '-' && !memcmp(p + i + 2, d->boundary, d->blen)) {
			found = true;
			break;
		}
	}
	size_t ms, me;
	bool epi;
	if (found && search_boundary(d, true, 0, &ms, &me, &epi)) {
		d->state = epi ? S_EPILOGUE : S_PART;
		data_end = ms;
		del = me;
		more = false;
	} else {
		data_end = del = last_partial(d, data_start);
		more = true;
	}
	ev->kind = EV_DATA;
	ev->off = d->bs + data_start;
	ev->len = data_end > data_start ? data_end - data_start : 0;
	ev->more_data = more;
	d->bs += del;
}

static void next_event(struct decoder *d, struct event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = EV_NEED_DATA;
	size_t n = d->be - d->bs;
	size_t ms, me;
	bool epi;
	switch (d->state) {
	case S_PREAMBLE:
		if (search_boundary(d, false, d->search_pos, &ms, &me, &epi)) {
			d->state = epi ? S_EPILOGUE : S_PART;
			d->bs += me;
			d->search_pos = 0;
			ev->kind = EV_PREAMBLE;
		} else {
			d->search_pos = n > d->blen + 8 ? n - d->blen - 8 : 0;
		}
		break;
	case S_PART:
		if (search_blank_line(d, d->search_pos, &ms, &me)) {
			struct mp_str disp = { NULL, 0 }, ct = { NULL, 0 };
			if (!parse_headers(d->body + d->bs, ms, &disp, &ct)) {
				str_free(&disp);
				str_free(&ct);
				ev->kind = EV_VALUE_ERROR;
				ev->why = "a part header is not UTF-8";
				return;
			}
			d->bs += (ms + me) / 2;
			if (!disp.s) {
				str_free(&ct);
				ev->kind = EV_VALUE_ERROR;
				ev->why = "Missing Content-Disposition header";
				return;
			}
			struct mp_str v;
			struct mp_options o;
			mp_parse_options_header(disp.s, disp.len, true, &v, &o);
			str_free(&v);
			str_free(&disp);
			const struct mp_str *name = mp_option(&o, "name"), *filename = mp_option(&o, "filename");
			ev->kind = filename ? EV_FILE : EV_FIELD;
			if (name)
				ev->name = str_new(name->s, name->len);
			if (filename)
				ev->filename = str_new(filename->s, filename->len);
			ev->content_type = ct;
			mp_options_free(&o);
			d->state = S_DATA_START;
			d->search_pos = 0;
			if (++d->parts > MP_MAX_PARTS) {
				ev->why = "more than 1000 parts";
				ev->kind = EV_TOO_LARGE;
				return;
			}
		} else {
			d->search_pos = n > 8 ? n - 8 : 0;
		}
		break;
	case S_DATA_START:
		parse_data(d, true, ev);
		if (ev->more_data)
			d->state = S_DATA;
		break;
	case S_DATA:
		parse_data(d, false, ev);
		if (!ev->len && ev->more_data)
			ev->kind = EV_NEED_DATA;
		break;
	case S_EPILOGUE:
		if (d->complete) {
			d->bs = d->be;
			d->state = S_COMPLETE;
			ev->kind = EV_EPILOGUE;
		}
		break;
	case S_COMPLETE:
		break;
	}
	if (d->complete && ev->kind == EV_NEED_DATA) {
		ev->kind = EV_VALUE_ERROR;
		ev->why = "Invalid form-data cannot parse beyond the end";
	}
}

static void event_done(struct event *ev)
{
	str_free(&ev->name);
	str_free(&ev->filename);
	str_free(&ev->content_type);
}

static void form_clear(struct mp_form *f)
{
	for (size_t i = 0; i < f->n_files; i++) {
		str_free(&f->files[i].name);
		str_free(&f->files[i].filename);
		str_free(&f->files[i].content_type);
	}
	free(f->files);
	f->files = NULL;
	f->n_files = 0;
	f->n_fields = 0;
}

void mp_form_free(struct mp_form *f)
{
	if (f)
		form_clear(f);
}

/* MultiPartParser.parse */
static void parse_multipart(const char *boundary, size_t blen, const char *body, size_t len, struct mp_form *f)
{
	struct decoder d = { .body = body, .boundary = boundary, .blen = blen, .state = S_PREAMBLE };
	struct mp_file cur = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, 0, 0 };
	bool in_file = false, have_data = false;
	size_t field_size = 0;
	size_t pos = 0;
	for (;;) {
		/* _chunk_iter: 64 KiB reads, then None */
		if (pos < len) {
			size_t chunk = len - pos < MP_CHUNK ? len - pos : MP_CHUNK;
			if ((d.be - d.bs) + chunk > MP_MAX_FORM_MEMORY) {
				f->status = MP_TOO_LARGE;
				f->why = "the decoder's buffer is over 500000 bytes";
				break;
			}
			d.be += chunk;
			pos += chunk;
		} else {
			d.complete = true;
		}
		struct event ev;
		for (next_event(&d, &ev); ev.kind != EV_EPILOGUE && ev.kind != EV_NEED_DATA; next_event(&d, &ev)) {
			if (ev.kind == EV_VALUE_ERROR || ev.kind == EV_TOO_LARGE) {
				f->status = ev.kind == EV_TOO_LARGE ? MP_TOO_LARGE : MP_EMPTY;
				f->why = ev.why;
				event_done(&ev);
				goto out;
			}
			if (ev.kind == EV_FIELD || ev.kind == EV_FILE) {
				str_free(&cur.name);
				str_free(&cur.filename);
				str_free(&cur.content_type);
				cur = (struct mp_file){ ev.name, ev.filename, ev.content_type, 0, 0 };
				ev.name = ev.filename = ev.content_type = (struct mp_str){ NULL, 0 };
				in_file = ev.kind == EV_FILE;
				field_size = 0;
				have_data = false;
			} else if (ev.kind == EV_DATA) {
				if (!in_file) {
					field_size += ev.len;
					if (field_size > MP_MAX_FORM_MEMORY) {
						f->status = MP_TOO_LARGE;
						f->why = "a form field is over 500000 bytes";
						goto out;
					}
				} else {
					if (!have_data)
						cur.offset = ev.off;
					have_data = true;
					cur.size += ev.len;
				}
				if (!ev.more_data) {
					if (in_file) {
						f->files = xrealloc(f->files, (f->n_files + 1) * sizeof *f->files);
						f->files[f->n_files++] = cur;
						cur = (struct mp_file){ { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, 0, 0 };
					} else {
						f->n_fields++;
					}
				}
			}
			event_done(&ev);
		}
		if (d.complete)
			break;
	}
out:
	str_free(&cur.name);
	str_free(&cur.filename);
	str_free(&cur.content_type);
	if (f->status != MP_OK)
		form_clear(f);
}

void multipart_parse(const char *content_type, const char *body, size_t len, struct mp_form *ret)
{
	*ret = (struct mp_form){ .status = MP_OK };
	if (!content_type)
		return;
	struct mp_str v;
	struct mp_options o;
	mp_parse_options_header(content_type, strlen(content_type), false, &v, &o);
	bool multipart = ascii_ieq(v.s, v.len, "multipart/form-data");
	bool urlencoded = ascii_ieq(v.s, v.len, "application/x-www-form-urlencoded");
	if (urlencoded && len > MP_MAX_FORM_MEMORY) {
		ret->status = MP_TOO_LARGE;
		ret->why = "an urlencoded body over 500000 bytes";
	} else if (multipart) {
		const struct mp_str *b = mp_option(&o, "boundary");
		bool ascii = b && b->len;
		for (size_t i = 0; ascii && i < b->len; i++)
			ascii = (unsigned char)b->s[i] < 0x80;
		if (!ascii) {
			ret->status = MP_EMPTY;
			ret->why = b && b->len ? "a boundary that is not ASCII" : "Missing boundary";
		} else {
			parse_multipart(b->s, b->len, body ? body : "", body ? len : 0, ret);
		}
	}
	str_free(&v);
	mp_options_free(&o);
}

size_t mp_distinct_names(const struct mp_form *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n_files; i++) {
		const struct mp_str *a = &f->files[i].name;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct mp_str *b = &f->files[j].name;
			seen = (!a->s && !b->s) || (a->s && b->s && a->len == b->len && !memcmp(a->s, b->s, a->len));
		}
		n += !seen;
	}
	return n;
}

const struct mp_file *mp_first_named(const struct mp_form *f, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < f->n_files; i++)
		if (f->files[i].name.s && f->files[i].name.len == n && !memcmp(f->files[i].name.s, name, n))
			return &f->files[i];
	return NULL;
}
