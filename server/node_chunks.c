/* node_chunks.c -- chunkers' results and knowledge-index previews
 * (node_chunks.h). The splitting copies the official chunker plugins
 * (langgenius/general_chunker, parentchild_chunker; their fixed text
 * splitter), quirks included: pieces are kept as split (a trailing
 * delimiter gives an empty chunk), and a piece over the maximum is split
 * again on "\n\n", "。", ". ", " " or character by character, its parts
 * joined with nothing between them. */
#include "node_chunks.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "condition.h"
#include "json.h"

/* ---- strings of code points ---- */

static size_t code_points_n(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Bytes of the first max code points of s[0..n). */
static size_t prefix_bytes(const char *s, size_t n, size_t max)
{
	size_t i = 0, c = 0;
	while (i < n) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == max)
				break;
			c++;
		}
		i++;
	}
	return i;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void add_piece(cJSON *arr, const char *s, size_t n)
{
	char *piece = xstrndup(s, n);
	cJSON_AddItemToArray(arr, cJSON_CreateString(piece));
	free(piece);
}

/* ---- the parameters, as the plugins read them ---- */

/* A text parameter through codecs.decode(s, "unicode_escape"): "\n"
 * written as two characters is a newline. Non-ASCII text comes out as
 * mojibake that never matches: NULL then (nothing splits). */
static char *escaped_param(const cJSON *in, const char *key, const char *def)
{
	const cJSON *v = json_get(in, key);
	const char *s = cJSON_IsString(v) ? v->valuestring : def;
	struct buf b = BUF_INIT;
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80) {
			buf_free(&b);
			return NULL;
		}
		if (s[0] == '\\' && s[1]) {
			char e = s[1];
			buf_putc(&b, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
			s++;
		} else {
			buf_putc(&b, *s);
		}
	}
	return buf_steal(&b, NULL);
}

static size_t num_param(const cJSON *in, const char *key, size_t def)
{
	const cJSON *v = json_get(in, key);
	double d = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsString(v) ? atof(v->valuestring) : 0;
	return d >= 1 && d < 1e9 ? (size_t)d : def;
}

/* ---- the fixed text splitter ---- */

static const char *const resplit_seps[] = { "\n\n", "。", ". ", " ", "" };

/* Splits s[0..n) on sep ("" never: the caller cuts characters; " " as
 * str.split(): on whitespace runs), dropping "" and "\n" parts. */
static void split_parts(cJSON *out, const char *s, size_t n, const char *sep)
{
	size_t sl = strlen(sep);
	const char *end = s + n;
	if (!strcmp(sep, " ")) {
		for (const char *p = s; p < end;) {
			while (p < end && is_space(*p))
				p++;
			const char *q = p;
			while (q < end && !is_space(*q))
				q++;
			if (q > p)
				add_piece(out, p, (size_t)(q - p));
			p = q;
		}
		return;
	}
	for (const char *p = s; p <= end;) {
		const char *q = p;
		while (q + sl <= end && memcmp(q, sep, sl))
			q++;
		if (q + sl > end)
			q = end;
		size_t len = (size_t)(q - p);
		if (len && !(len == 1 && *p == '\n'))
			add_piece(out, p, len);
		p = q + sl;
		if (q == end)
			break;
	}
}

/* Emits what acc holds (stripped, if not empty) and empties it. */
static void flush(cJSON *out, struct buf *acc)
{
	const char *a = acc->data ? acc->data : "", *b = a + acc->len;
	while (a < b && is_space(*a))
		a++;
	while (b > a && is_space(b[-1]))
		b--;
	if (b > a)
		add_piece(out, a, (size_t)(b - a));
	buf_reset(acc);
}

/* The recursive split of a piece over max characters. */
static void resplit(cJSON *out, const char *s, size_t n, size_t max, size_t first_sep)
{
	size_t k = first_sep;
	while (resplit_seps[k][0] && !memmem(s, n, resplit_seps[k], strlen(resplit_seps[k])))
		k++;
	if (!resplit_seps[k][0]) { /* character by character */
		struct buf acc = BUF_INIT;
		for (size_t at = 0; at < n;) {
			size_t take = prefix_bytes(s + at, n - at, max);
			buf_append(&acc, s + at, take);
			flush(out, &acc);
			at += take;
		}
		buf_free(&acc);
		return;
	}
	cJSON *parts = cJSON_CreateArray();
	split_parts(parts, s, n, resplit_seps[k]);
	struct buf acc = BUF_INIT;
	size_t acc_chars = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, parts) {
		size_t len = strlen(p->valuestring), chars = code_points_n(p->valuestring, len);
		if (chars > max) {
			flush(out, &acc);
			acc_chars = 0;
			resplit(out, p->valuestring, len, max, k + 1);
			continue;
		}
		if (acc_chars + chars > max) {
			flush(out, &acc);
			acc_chars = 0;
		}
		buf_append(&acc, p->valuestring, len); /* joined with "": the separator is gone */
		acc_chars += chars;
	}
	flush(out, &acc);
	buf_free(&acc);
	cJSON_Delete(parts);
}

/* text split on delim (NULL: not at all), pieces kept as they are unless
 * over max characters. */
static cJSON *fixed_split(const char *text, const char *delim, size_t max)
{
	cJSON *out = cJSON_CreateArray();
	size_t dl = delim ? strlen(delim) : 0;
	for (const char *p = text;;) {
		const char *q = dl ? strstr(p, delim) : NULL;
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (code_points_n(p, len) <= max)
			add_piece(out, p, len);
		else
			resplit(out, p, len, max, 0);
		if (!q)
			break;
		p = q + dl;
	}
	return out;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!is_space(*s))
			return false;
	return true;
}

/* A child chunk: a leading "." or "。" dropped, then stripped. */
static void add_child(cJSON *kids, const char *s)
{
	if (*s == '.')
		s++;
	else if (!strncmp(s, "。", 3))
		s += 3;
	const char *e = s + strlen(s);
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	if (e > s)
		add_piece(kids, s, (size_t)(e - s));
}

static cJSON *parent_child(const char *text, const cJSON *in)
{
	const cJSON *m = json_get(in, "parent_mode");
	bool full = cJSON_IsString(m) && !strcmp(m->valuestring, "full_doc");
	char *sep = escaped_param(in, "separator", "\\n\\n"), *sub = escaped_param(in, "subchunk_separator", "\\n");
	size_t max = num_param(in, "max_length", 1024), sub_max = num_param(in, "subchunk_max_length", 512);
	const char *mode = full ? "full-doc" : "paragraph";
	cJSON *parents;
	if (full) {
		parents = cJSON_CreateArray();
		const char *t = *text == '.' ? text + 1 : !strncmp(text, "。", 3) ? text + 3 : text;
		cJSON_AddItemToArray(parents, cJSON_CreateString(t));
	} else {
		parents = fixed_split(text, sep, max);
	}
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "parent_child_chunks");
	const cJSON *p, *c;
	cJSON_ArrayForEach(p, parents) {
		if (blank(p->valuestring))
			continue;
		cJSON *pc = cJSON_CreateObject(), *kids = cJSON_CreateArray();
		cJSON *split = fixed_split(full ? text : p->valuestring, sub, sub_max);
		cJSON_ArrayForEach(c, split)
			if (!blank(c->valuestring))
				add_child(kids, c->valuestring);
		cJSON_Delete(split);
		cJSON_AddStringToObject(pc, "parent_content", p->valuestring);
		cJSON_AddItemToObject(pc, "child_contents", kids);
		cJSON_AddStringToObject(pc, "parent_mode", mode);
		cJSON_AddItemToArray(list, pc);
	}
	cJSON_AddStringToObject(o, "parent_mode", mode);
	cJSON_Delete(parents);
	free(sep);
	free(sub);
	return o;
}

/* A CSV's question and answer columns cannot be read from a file a mock
 * never had: the made-up text's paragraphs become the answers. */
static cJSON *qa_pairs(const char *text)
{
	cJSON *pieces = fixed_split(text, "\n\n", 1 << 30), *o = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(o, "qa_chunks");
	const cJSON *p;
	int i = 0;
	cJSON_ArrayForEach(p, pieces) {
		if (blank(p->valuestring))
			continue;
		cJSON *qa = cJSON_CreateObject();
		struct buf q = BUF_INIT;
		buf_printf(&q, "Question %d", ++i);
		cJSON_AddStringToObject(qa, "question", q.data);
		cJSON_AddStringToObject(qa, "answer", p->valuestring);
		buf_free(&q);
		cJSON_AddItemToArray(list, qa);
	}
	cJSON_Delete(pieces);
	return o;
}

cJSON *node_chunks_make(const char *cs, const char *text, const cJSON *in)
{
	if (!strcmp(cs, "hierarchical_model"))
		return parent_child(text, in);
	if (!strcmp(cs, "qa_model"))
		return qa_pairs(text);
	char *delim = escaped_param(in, "delimiter", "\\n\\n");
	cJSON *chunks = fixed_split(text, delim, num_param(in, "max_chunk_length", 1000));
	free(delim);
	return chunks; /* the general chunker's result: a plain list of strings */
}

/* ---- the knowledge-index node ---- */

static bool all_strings(const cJSON *arr)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
		if (!cJSON_IsString(c))
			return false;
	return true;
}

const char *node_chunks_check(const char *cs, const cJSON *chunks)
{
	if (!chunks)
		return "Index chunk variable is required.";
	if (!cond_truthy(chunks))
		return "Chunks is required.";
	/* pydantic's verdicts, shortened to their first line */
	if (!strcmp(cs, "hierarchical_model"))
		return cJSON_IsArray(json_get(chunks, "parent_child_chunks"))
			       ? NULL
			       : "1 validation error for ParentChildStructureChunk";
	if (!strcmp(cs, "qa_model"))
		return cJSON_IsArray(json_get(chunks, "qa_chunks")) ? NULL : "1 validation error for QAStructureChunk";
	if (!cJSON_IsArray(chunks))
		return "Chunks is not a list";
	return all_strings(chunks) ? NULL : "1 validation error for PreviewItem";
}

static cJSON *str_or(const cJSON *v)
{
	return cJSON_IsString(v) ? json_dup(v) : cJSON_CreateString("");
}

cJSON *node_chunks_preview(const char *cs, const cJSON *chunks)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *c;
	unsigned n = 0;
	cJSON_AddStringToObject(o, "chunk_structure", cs);
	if (!strcmp(cs, "hierarchical_model")) {
		const cJSON *mode = json_get(chunks, "parent_mode");
		cJSON_AddItemToObject(o, "parent_mode", cJSON_IsString(mode) ? json_dup(mode) : cJSON_CreateString("paragraph"));
		cJSON *prev = cJSON_AddArrayToObject(o, "preview");
		cJSON_ArrayForEach(c, json_get(chunks, "parent_child_chunks")) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddItemToObject(p, "content", str_or(json_get(c, "parent_content")));
			const cJSON *kids = json_get(c, "child_contents");
			cJSON_AddItemToObject(p, "child_chunks", cJSON_IsArray(kids) ? json_dup(kids) : cJSON_CreateArray());
			cJSON_AddItemToArray(prev, p);
			n++;
		}
		cJSON_AddArrayToObject(o, "qa_preview");
	} else if (!strcmp(cs, "qa_model")) {
		cJSON_AddArrayToObject(o, "preview");
		cJSON *qa = cJSON_AddArrayToObject(o, "qa_preview");
		cJSON_ArrayForEach(c, json_get(chunks, "qa_chunks")) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddItemToObject(p, "answer", str_or(json_get(c, "answer")));
			cJSON_AddItemToObject(p, "question", str_or(json_get(c, "question")));
			cJSON_AddItemToArray(qa, p);
			n++;
		}
	} else {
		cJSON *prev = cJSON_AddArrayToObject(o, "preview");
		if (cJSON_IsArray(chunks)) {
			cJSON_ArrayForEach(c, chunks) {
				cJSON *p = cJSON_CreateObject();
				cJSON_AddItemToObject(p, "content", json_dup(c));
				cJSON_AddItemToArray(prev, p);
				n++;
			}
		}
		cJSON_AddArrayToObject(o, "qa_preview");
	}
	cJSON_AddItemToObject(o, "total_segments", json_int(n));
	return o;
}

static unsigned long code_points(const char *s)
{
	return code_points_n(s, strlen(s));
}

void node_chunks_count(const cJSON *preview, unsigned *ret_segments, unsigned long *ret_chars)
{
	const cJSON *t = json_get(preview, "total_segments"), *c;
	*ret_segments = cJSON_IsNumber(t) && t->valuedouble >= 0 ? (unsigned)t->valuedouble : 0;
	*ret_chars = 0;
	cJSON_ArrayForEach(c, json_get(preview, "preview")) {
		const cJSON *s = json_get(c, "content");
		if (cJSON_IsString(s))
			*ret_chars += code_points(s->valuestring);
	}
	cJSON_ArrayForEach(c, json_get(preview, "qa_preview")) {
		const cJSON *a = json_get(c, "answer"), *q = json_get(c, "question");
		*ret_chars += (cJSON_IsString(a) ? code_points(a->valuestring) : 0) +
			      (cJSON_IsString(q) ? code_points(q->valuestring) : 0);
	}
}
