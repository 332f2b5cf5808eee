/* json_yaml.c -- YAML into the json module's cJSON trees, as Dify reads a
 * DSL file: PyYAML's yaml.safe_load (YAML 1.1 scalar resolution), then
 * what json.dumps makes of the result when Dify stores the graph. libyaml
 * does the parsing (its events); this file builds the tree and decides
 * what each scalar is.
 *
 * What safe_load does and this file copies:
 *  - plain scalars resolve by PyYAML's implicit resolvers: null (~, null,
 *    Null, NULL, empty), bool (yes/no/on/off/true/false in three cases),
 *    int (decimal, 0b, 0x, 0-octal, "_" separators, base-60 "1:30"),
 *    float ("1.5", ".5", "1.5e+3" with a signed exponent, .inf, .nan);
 *    anything else, and every quoted or block scalar, is a string;
 *  - explicit tags !!str !!int !!float !!bool !!null !!map !!seq; any
 *    other tag is an error ("could not determine a constructor");
 *  - anchors and aliases (an alias is a copy here), "<<" merge keys;
 *  - a repeated key keeps its first position and its last value (a dict);
 *  - one document only.
 * What json.dumps then does: non-string keys become strings (1 -> "1",
 * true -> "true", null -> "null"); a key that is a mapping or sequence
 * fails ("unhashable"). NaN and infinities become null (orjson's choice;
 * json.dumps would write invalid JSON). Timestamps stay strings: PyYAML
 * would make datetimes, which json.dumps refuses. */
#include "json_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Aliases copy trees: a few small anchors referenced many times each
 * ("billion laughs") would otherwise make a huge tree from a small file. */
#define YAML_MAX_NODES 1000000

struct anchor {
	char *name;
	cJSON *node; /* NULL while the anchored collection is still open */
};

/* An open collection. */
struct frame {
	cJSON *node;
	char *anchor;       /* its anchor, registered when it closes */
	bool is_map;
	bool have_key;      /* maps: a key is waiting for its value */
	bool key_is_merge;  /* ... and it is "<<" */
	char *key;          /* maps: the waiting key (malloc'd) */
	cJSON *merges;      /* maps: "<<" values, merged when the map closes */
};

struct ybuild {
	struct json_arena *arena;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;
	cJSON *root;
	cJSON *graveyard;   /* replaced members and merged maps: anchors may still point at them */
	char *err;
	size_t errlen;
	bool failed;
};

static void yfail(struct ybuild *b, const yaml_mark_t *m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void yfail(struct ybuild *b, const yaml_mark_t *m, const char *fmt, ...)
{
	if (b->failed)
		return;
	b->failed = true;
	if (!b->err || !b->errlen)
		return;
	int n = m ? snprintf(b->err, b->errlen, "line %zu column %zu: ", m->line + 1, m->column + 1) : 0;
	if (n < 0 || (size_t)n >= b->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void drop(struct ybuild *b, cJSON *n)
{
	if (n && !b->arena)
		cJSON_Delete(n);
}

/* Frees n with the builder, not now: an anchor may point into it. */
static void bury(struct ybuild *b, cJSON *n)
{
	if (!b->graveyard)
		b->graveyard = json_node_new_in(b->arena, cJSON_Array, NULL, 0, NULL, 0);
	json_append_child(b->graveyard, n);
}

static cJSON *node_new(struct ybuild *b, int type, const char *key, const char *val, size_t vlen)
{
	b->nodes++;
	return json_node_new_in(b->arena, type, key, key ? strlen(key) : 0, val, vlen);
}

/* ---- scalars ---- */

static bool is_tag(const char *tag, const char *name)
{
	static const char prefix[] = "tag:yaml.org,2002:";
	return tag && !strncmp(tag, prefix, sizeof prefix - 1) && !strcmp(tag + sizeof prefix - 1, name);
}

static bool one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const trues[] = { "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
static const char *const falses[] = { "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s without its "_" separators (PyYAML drops them before converting). */
static char *no_underscores(const char *s)
{
	char *o = xmalloc(strlen(s) + 1), *p = o;
	for (; *s; s++)
		if (*s != '_')
			*p++ = *s;
	*p = '\0';
	return o;
}

/* digits (and '_') of the given base from s; the end of them, or NULL if none. */
static const char *digits(const char *s, int base)
{
	const char *p = s;
	for (;; p++) {
		char c = *p;
		bool ok = c == '_' || (base == 2 && (c == '0' || c == '1')) || (base == 8 && c >= '0' && c <= '7') ||
			  (base == 10 && is_digit(c)) ||
			  (base == 16 && (is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
		if (!ok)
			break;
	}
	return p > s ? p : NULL;
}

/* ":[0-5]?[0-9]" groups of a base-60 number, from s; their end or NULL. */
static const char *sexagesimal_tail(const char *s)
{
	const char *p = s;
	while (*p == ':') {
		const char *q = p + 1;
		if (!is_digit(*q))
			return NULL;
		if (is_digit(q[1])) {
			if (*q > '5')
				return NULL;
			q++;
		}
		p = q + 1;
	}
	return p > s ? p : NULL;
}

/* The value of a base-60 literal "a:b:c" (digits and '_' only). */
static double sexagesimal_value(const char *s)
{
	double v = 0;
	while (*s) {
		double part = 0;
		for (; *s && *s != ':'; s++)
			if (*s != '_')
				part = part * 10 + (*s - '0');
		v = v * 60 + part;
		if (*s == ':')
			s++;
	}
	return v;
}

/* PyYAML's int resolver; the value into *ret. 0: not an int; -1: an int too large for 64 bits. */
static int resolve_int(const char *s, long long *ret)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	int base;
	const char *body, *end;
	if (p[0] == '0' && p[1] == 'b') {
		base = 2, body = p + 2, end = digits(body, 2);
	} else if (p[0] == '0' && p[1] == 'x') {
		base = 16, body = p + 2, end = digits(body, 16);
	} else if (p[0] == '0' && p[1]) {
		base = 8, body = p + 1, end = digits(body, 8);
	} else if (p[0] == '0') {
		base = 10, body = p, end = p + 1;
	} else if (p[0] >= '1' && p[0] <= '9') {
		base = 10, body = p, end = digits(body, 10);
		if (end && *end == ':') { /* base 60 */
			const char *t = sexagesimal_tail(end);
			if (!t || *t)
				return 0;
			char *clean = no_underscores(body);
			double v = sexagesimal_value(clean);
			free(clean);
			if (v >= 9.2e18)
				return -1;
			*ret = neg ? -(long long)v : (long long)v;
			return 1;
		}
	} else {
		return 0;
	}
	if (!end || *end)
		return 0;
	char *clean = no_underscores(body);
	errno = 0;
	char *stop;
	unsigned long long u = *clean ? strtoull(clean, &stop, base) : 0;
	bool bad = errno == ERANGE || u > (unsigned long long)LLONG_MAX + (neg ? 1u : 0u);
	free(clean);
	if (bad)
		return -1;
	*ret = neg ? (long long)(0ull - u) : (long long)u;
	return 1;
}

/* PyYAML's float resolver: "1.5", "1.", "-1.5e+3" (signed exponent only),
 * ".5", "1:30.5", ".inf", ".nan". */
static bool resolve_float(const char *s, double *ret)
{
	const char *p = s;
	bool neg = false, signed_ = *p == '-' || *p == '+';
	if (signed_)
		neg = *p++ == '-';
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
		*ret = neg ? -INFINITY : INFINITY;
		return true;
	}
	if (!signed_ && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN"))) {
		*ret = NAN;
		return true;
	}
	const char *q;
	if (*p == '.') {
		if (signed_)
			return false;
		q = digits(p + 1, 10);
		if (!q)
			return false;
	} else {
		q = digits(p, 10);
		if (!q || !is_digit(*p))
			return false;
		if (*q == ':') {
			q = sexagesimal_tail(q);
			if (!q || *q != '.')
				return false;
			const char *frac = q + 1, *fend = digits(frac, 10);
			if (fend ? *fend : *frac)
				return false;
			char *clean = no_underscores(p);
			char *dot = strchr(clean, '.');
			double f = dot[1] ? strtod(dot, NULL) : 0;
			*dot = '\0';
			double v = sexagesimal_value(clean) + f;
			free(clean);
			*ret = neg ? -v : v;
			return true;
		}
		if (*q != '.')
			return false;
		const char *f = digits(q + 1, 10);
		q = f ? f : q + 1;
	}
	if (*q == 'e' || *q == 'E') {
		if (q[1] != '-' && q[1] != '+')
			return false;
		const char *e = q + 2;
		while (is_digit(*e))
			e++;
		if (e == q + 2)
			return false;
		q = e;
	}
	if (*q)
		return false;
	char *clean = no_underscores(p);
	double v = strtod(clean, NULL);
	free(clean);
	*ret = neg ? -v : v;
	return true;
}

static cJSON *number_node(struct ybuild *b, const char *key, double v, bool is_float)
{
	if (is_float && !isfinite(v))
		return node_new(b, cJSON_NULL, key, NULL, 0);
	if (is_float) {
		cJSON *n = node_new(b, cJSON_Number | JSON_FLOAT_FLAG, key, NULL, 0);
		json_set_number(n, v);
		return n;
	}
	char lit[32];
	int len = snprintf(lit, sizeof lit, "%lld", (long long)v);
	cJSON *n = node_new(b, cJSON_Number, key, lit, (size_t)len);
	json_set_number(n, v);
	return n;
}

static cJSON *int_node(struct ybuild *b, const char *key, long long v)
{
	char lit[32];
	int len = snprintf(lit, sizeof lit, "%lld", v);
	cJSON *n = node_new(b, cJSON_Number, key, lit, (size_t)len);
	json_set_number(n, (double)v);
	return n;
}

/* The node a scalar event stands for, as member key (NULL in sequences). */
static cJSON *scalar_node(struct ybuild *b, const yaml_event_t *ev, const char *key)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.plain_implicit;
	if (tag && (is_tag(tag, "str") || !strcmp(tag, "!")))
		return node_new(b, cJSON_String, key, s, strnlen(s, len));
	if (tag && !is_tag(tag, "null") && !is_tag(tag, "bool") && !is_tag(tag, "int") && !is_tag(tag, "float")) {
		yfail(b, &ev->start_mark, "could not determine a constructor for the tag '%s'", tag);
		return NULL;
	}
	if (!tag && !plain)
		return node_new(b, cJSON_String, key, s, strnlen(s, len));
	/* Most plain scalars are words: only these first characters can start
	 * a null, a bool or a number (PyYAML's resolvers are keyed the same
	 * way), so the rest need no further look. */
	if (!tag && *s && !strchr("~nNyYtTfFoO0123456789+-.", *s))
		return node_new(b, cJSON_String, key, s, strnlen(s, len));
	/* A plain scalar, or an explicit core tag. */
	if ((!tag || is_tag(tag, "null")) && one_of(s, nulls))
		return node_new(b, cJSON_NULL, key, NULL, 0);
	if (!tag || is_tag(tag, "bool")) {
		if (one_of(s, trues))
			return node_new(b, cJSON_True, key, NULL, 0);
		if (one_of(s, falses))
			return node_new(b, cJSON_False, key, NULL, 0);
	}
	if (!tag || is_tag(tag, "int") || is_tag(tag, "float")) {
		long long v;
		int r = resolve_int(s, &v);
		if (r > 0 && tag && is_tag(tag, "float")) /* float("3") */
			return number_node(b, key, (double)v, true);
		if (r > 0)
			return int_node(b, key, v);
		if (r < 0) {
			yfail(b, &ev->start_mark, "integer %.40s is too large", s);
			return NULL;
		}
	}
	if (!tag || is_tag(tag, "float") || is_tag(tag, "int")) {
		double v;
		if (resolve_float(s, &v))
			return number_node(b, key, v, true);
	}
	if (tag) {
		yfail(b, &ev->start_mark, "cannot read %.40s as %s", s, tag);
		return NULL;
	}
	return node_new(b, cJSON_String, key, s, strnlen(s, len));
}

/* A scalar as a mapping key, as json.dumps writes a key: str as it is,
 * int as its digits, float as repr, true/false/null as JSON words. */
static char *scalar_key(struct ybuild *b, const yaml_event_t *ev, bool *ret_merge)
{
	const char *s = (const char *)ev->data.scalar.value;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
	*ret_merge = plain && !strcmp(s, "<<");
	if (*ret_merge)
		return xstrdup(s);
	cJSON *n = scalar_node(b, ev, NULL);
	if (!n)
		return NULL;
	char *k;
	if (cJSON_IsString(n)) {
		k = xstrdup(n->valuestring);
	} else if (cJSON_IsNull(n)) {
		k = xstrdup("null");
	} else if (cJSON_IsBool(n)) {
		k = xstrdup(cJSON_IsTrue(n) ? "true" : "false");
	} else if (json_is_float(n)) {
		struct buf t = BUF_INIT;
		json_format_float(&t, n->valuedouble);
		k = buf_steal(&t, NULL);
	} else {
		k = xstrdup(n->valuestring);
	}
	drop(b, n);
	return k;
}

/* ---- building ---- */

/* A copy of n (an anchored tree) as member key. */
static cJSON *copy_tree(struct ybuild *b, const cJSON *n, const char *key)
{
	int type = n->type & ~(cJSON_IsReference | cJSON_StringIsConst);
	const char *v = n->valuestring;
	cJSON *c = node_new(b, type, key, v, v ? strlen(v) : 0);
	c->valueint = n->valueint;
	c->valuedouble = n->valuedouble;
	for (const cJSON *ch = n->child; ch; ch = ch->next)
		json_append_child(c, copy_tree(b, ch, ch->string));
	return c;
}

static size_t tree_size(const cJSON *n)
{
	size_t s = 1;
	for (const cJSON *c = n->child; c; c = c->next)
		s += tree_size(c);
	return s;
}

static void add_anchor(struct ybuild *b, const char *name, cJSON *node)
{
	for (size_t i = 0; i < b->n_anchors; i++) {
		if (!strcmp(b->anchors[i].name, name)) { /* redefined: the later one wins */
			b->anchors[i].node = node;
			return;
		}
	}
	if (b->n_anchors == b->cap_anchors) {
		b->cap_anchors = b->cap_anchors ? 2 * b->cap_anchors : 8;
		b->anchors = xrealloc(b->anchors, b->cap_anchors * sizeof *b->anchors);
	}
	b->anchors[b->n_anchors++] = (struct anchor){ xstrdup(name), node };
}

static struct anchor *find_anchor(struct ybuild *b, const char *name)
{
	for (size_t i = b->n_anchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return &b->anchors[i];
	return NULL;
}

/* Puts value into map, replacing a member of the same key in place. */
static void map_put(struct ybuild *b, cJSON *map, cJSON *value)
{
	for (cJSON *e = map->child; e; e = e->next) {
		if (strcmp(e->string, value->string))
			continue;
		value->next = e->next;
		value->prev = e->prev;
		if (map->child == e)
			map->child = value;
		else
			e->prev->next = value;
		if (e->next)
			e->next->prev = value;
		else
			map->child->prev = value;
		bury(b, e);
		return;
	}
	json_append_child(map, value);
}

/* Where a finished node goes: the open collection, or the root. The key,
 * when the parent is a map, is already in the node. */
static void attach(struct ybuild *b, cJSON *node)
{
	if (!b->depth) {
		b->root = node;
		return;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (!f->is_map) {
		json_append_child(f->node, node);
		return;
	}
	if (f->key_is_merge) {
		if (!f->merges)
			f->merges = node_new(b, cJSON_Array, NULL, NULL, 0);
		json_append_child(f->merges, node);
	} else {
		map_put(b, f->node, node);
	}
	f->have_key = false;
	f->key_is_merge = false;
	free(f->key);
	f->key = NULL;
}

/* The key a new node of the top frame gets (NULL in sequences). */
static const char *pending_key(struct ybuild *b)
{
	if (!b->depth)
		return NULL;
	struct frame *f = &b->stack[b->depth - 1];
	return f->is_map ? (f->key_is_merge ? NULL : f->key) : NULL;
}

/* In a map with no key waiting, the event is a key. */
static bool expects_key(const struct ybuild *b)
{
	return b->depth && b->stack[b->depth - 1].is_map && !b->stack[b->depth - 1].have_key;
}

static bool has_key(const cJSON *map, const char *key)
{
	for (const cJSON *e = map->child; e; e = e->next)
		if (!strcmp(e->string, key))
			return true;
	return false;
}

/* "<<": the merged maps' members that the map does not set itself, the
 * first merged map winning (PyYAML flattens them in that order). */
static bool apply_merges(struct ybuild *b, struct frame *f, const yaml_mark_t *m)
{
	cJSON *src;
	for (cJSON *v = f->merges->child; v; v = v->next) {
		cJSON *list = cJSON_IsArray(v) ? v : NULL;
		for (src = list ? list->child : v; src; src = list ? src->next : NULL) {
			if (!cJSON_IsObject(src)) {
				yfail(b, m, "while constructing a mapping: expected a mapping for merging");
				return false;
			}
			for (const cJSON *e = src->child; e; e = e->next)
				if (!has_key(f->node, e->string))
					json_append_child(f->node, copy_tree(b, e, e->string));
		}
	}
	bury(b, f->merges);
	f->merges = NULL;
	return true;
}

static void open_collection(struct ybuild *b, const yaml_event_t *ev, bool is_map)
{
	const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
	const char *anchor = (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
	if (tag && !is_tag(tag, is_map ? "map" : "seq")) {
		yfail(b, &ev->start_mark, "could not determine a constructor for the tag '%s'", tag);
		return;
	}
	if (expects_key(b)) {
		yfail(b, &ev->start_mark, "found unhashable key (a %s used as a mapping key)",
		      is_map ? "mapping" : "sequence");
		return;
	}
	if (b->depth >= JSON_MAX_DEPTH) {
		yfail(b, &ev->start_mark, "nesting too deep");
		return;
	}
	cJSON *n = node_new(b, is_map ? cJSON_Object : cJSON_Array, pending_key(b), NULL, 0);
	if (b->depth == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->stack = xrealloc(b->stack, b->cap * sizeof *b->stack);
	}
	b->stack[b->depth++] = (struct frame){ .node = n, .is_map = is_map, .anchor = anchor ? xstrdup(anchor) : NULL };
	if (anchor)
		add_anchor(b, anchor, NULL); /* open: an alias to it now is recursive */
}

static void close_collection(struct ybuild *b, const yaml_event_t *ev)
{
	struct frame f = b->stack[--b->depth];
	if (f.merges && !apply_merges(b, &f, &ev->start_mark)) {
		bury(b, f.merges);
		bury(b, f.node);
		free(f.anchor);
		return;
	}
	if (f.anchor) {
		add_anchor(b, f.anchor, f.node);
		free(f.anchor);
	}
	attach(b, f.node);
}

static void on_scalar(struct ybuild *b, const yaml_event_t *ev)
{
	if (expects_key(b)) {
		struct frame *f = &b->stack[b->depth - 1];
		bool merge;
		char *k = scalar_key(b, ev, &merge);
		if (!k)
			return;
		f->key = k;
		f->key_is_merge = merge;
		f->have_key = true;
		return;
	}
	cJSON *n = scalar_node(b, ev, pending_key(b));
	if (!n)
		return;
	if (ev->data.scalar.anchor)
		add_anchor(b, (const char *)ev->data.scalar.anchor, n);
	attach(b, n);
}

static void on_alias(struct ybuild *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *a = find_anchor(b, name);
	if (!a) {
		yfail(b, &ev->start_mark, "found undefined alias '%s'", name);
		return;
	}
	if (!a->node) {
		yfail(b, &ev->start_mark, "recursive alias '%s' (it refers to a collection that contains it)", name);
		return;
	}
	if (b->nodes + tree_size(a->node) > YAML_MAX_NODES) {
		yfail(b, &ev->start_mark, "aliases expand to more than %d values", YAML_MAX_NODES);
		return;
	}
	if (expects_key(b)) {
		if (cJSON_IsObject(a->node) || cJSON_IsArray(a->node)) {
			yfail(b, &ev->start_mark, "found unhashable key (an alias to a collection used as a mapping key)");
			return;
		}
		struct frame *f = &b->stack[b->depth - 1];
		if (json_is_float(a->node)) {
			struct buf t = BUF_INIT;
			json_format_float(&t, a->node->valuedouble);
			f->key = buf_steal(&t, NULL);
		} else if (cJSON_IsString(a->node) || cJSON_IsNumber(a->node)) {
			f->key = xstrdup(a->node->valuestring);
		} else {
			f->key = xstrdup(cJSON_IsNull(a->node) ? "null" : cJSON_IsTrue(a->node) ? "true" : "false");
		}
		f->have_key = true;
		return;
	}
	attach(b, copy_tree(b, a->node, pending_key(b)));
}

static void build_free(struct ybuild *b)
{
	while (b->depth) {
		struct frame *f = &b->stack[--b->depth];
		free(f->key);
		free(f->anchor);
		drop(b, f->merges);
		drop(b, f->node);
	}
	drop(b, b->graveyard);
	free(b->stack);
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
}

static void parser_error(struct ybuild *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	const yaml_mark_t *m = &p->problem_mark;
	if (p->context)
		yfail(b, m, "%s %s", p->context, problem);
	else
		yfail(b, m, "%s", problem);
}

int json_parse_yaml(struct json_arena *arena, const char *buf, size_t len, cJSON **ret, char *err, size_t errlen)
{
	yaml_parser_t parser;
	struct ybuild b = { .arena = arena, .err = err, .errlen = errlen };
	size_t documents = 0;
	*ret = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		abort(); /* out of memory */
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (bool done = false; !done && !b.failed;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(&b, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1)
				yfail(&b, &ev.start_mark,
				      "expected a single document in the stream, but found another document");
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			open_collection(&b, &ev, ev.type == YAML_MAPPING_START_EVENT);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			close_collection(&b, &ev);
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&b, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (!b.failed && b.nodes > YAML_MAX_NODES)
			yfail(&b, NULL, "more than %d values", YAML_MAX_NODES);
	}
	yaml_parser_delete(&parser);
	build_free(&b);
	if (b.failed) {
		drop(&b, b.root);
		return -1;
	}
	/* An empty stream is None, as safe_load returns. */
	*ret = b.root ? b.root : node_new(&b, cJSON_NULL, NULL, NULL, 0);
	return 0;
}
