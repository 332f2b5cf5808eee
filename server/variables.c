/* variables.c -- validation of `inputs` against rag_pipeline_variables. */
#include "variables.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "pyrepr.h"

static int fail(struct dm_error *err, struct buf *msg)
{
	return dm_error_take(err, 500, "pipeline_run_error", buf_steal(msg, NULL));
}

/* Python len() of a str: code points, not bytes. */
static long py_len(const char *s)
{
	long n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Python's int(s) / float(s) on the digits Dify passes on: surrounding
 * whitespace allowed, single underscores between digits allowed. */
static bool strip_number(const char *s, struct buf *out, bool allow_float)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_') {
			if (!i || i + 1 == n || !isdigit((unsigned char)s[i - 1]) || !isdigit((unsigned char)s[i + 1]))
				return false;
			continue;
		}
		if (!allow_float && !isdigit((unsigned char)c) && !(i == 0 && (c == '+' || c == '-')))
			return false;
		buf_putc(out, c);
	}
	return out->len > 0;
}

static cJSON *parse_number(const char *s)
{
	struct buf b = BUF_INIT;
	cJSON *v = NULL;
	if (strchr(s, '.')) {
		if (strip_number(s, &b, true)) {
			char *end;
			errno = 0;
			double d = strtod(b.data, &end);
			/* strtod also takes hex floats; Python float() does not. */
			if (!*end && !strpbrk(b.data, "xX"))
				v = json_float(d);
		}
	} else if (strip_number(s, &b, false)) {
		bool neg = *b.data == '-';
		const char *d = b.data + (*b.data == '+' || neg);
		if (*d) {
			/* Python's int(): exact digits (ints are unbounded), no leading
			 * zeros, no negative zero. */
			while (d[0] == '0' && d[1])
				d++;
			struct buf lit = BUF_INIT;
			if (neg && strcmp(d, "0"))
				buf_putc(&lit, '-');
			buf_puts(&lit, d);
			v = cJSON_CreateNumber(strtod(lit.data, NULL));
			v->valuestring = buf_steal(&lit, NULL);
		}
	}
	buf_free(&b);
	return v;
}

static bool only_dicts(const cJSON *list)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		if (!cJSON_IsObject(e))
			return false;
	return true;
}

/* One variable; *ret_value is a new value (or NULL for None). */
static int validate_one(const struct fx_variable *v, const cJSON *value, cJSON **ret_value, struct dm_error *err)
{
	struct buf msg = BUF_INIT;
	const char *t = v->type;
	*ret_value = NULL;
	if (!value || cJSON_IsNull(value)) {
		if (v->required) {
			buf_printf(&msg, "%s is required in input form", v->variable);
			return fail(err, &msg);
		}
		return 0;
	}
	bool stringy = !strcmp(t, "text-input") || !strcmp(t, "select") || !strcmp(t, "paragraph");
	if (stringy && !cJSON_IsString(value)) {
		buf_printf(&msg, "(type '%s') %s in input form must be a string", t, v->variable);
		return fail(err, &msg);
	}
	if (!strcmp(t, "number") && cJSON_IsString(value)) {
		const char *s = value->valuestring;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			return 0; /* an empty string means None */
		*ret_value = parse_number(value->valuestring);
		if (!*ret_value) {
			buf_printf(&msg, "%s in input form must be a valid number", v->variable);
			return fail(err, &msg);
		}
		return 0;
	}
	if (!strcmp(t, "select")) {
		bool found = false;
		const cJSON *o;
		cJSON_ArrayForEach(o, v->options)
			if (cJSON_IsString(o) && !strcmp(o->valuestring, value->valuestring))
				found = true;
		if (!found) {
			buf_printf(&msg, "%s in input form must be one of the following: ", v->variable);
			pyrepr(&msg, v->options);
			return fail(err, &msg);
		}
	} else if (!strcmp(t, "text-input") || !strcmp(t, "paragraph")) {
		if (v->max_length && py_len(value->valuestring) > v->max_length) {
			buf_printf(&msg, "%s in input form must be less than %ld characters", v->variable,
				   v->max_length);
			return fail(err, &msg);
		}
	} else if (!strcmp(t, "file")) {
		if (!cJSON_IsObject(value)) {
			buf_printf(&msg, "%s in input form must be a file", v->variable);
			return fail(err, &msg);
		}
	} else if (!strcmp(t, "file-list")) {
		if (!cJSON_IsArray(value) || !only_dicts(value)) {
			buf_printf(&msg, "%s in input form must be a list of files", v->variable);
			return fail(err, &msg);
		}
		if (v->max_length && cJSON_GetArraySize(value) > v->max_length) {
			buf_printf(&msg, "%s in input form must be less than %ld files", v->variable, v->max_length);
			return fail(err, &msg);
		}
	}
	*ret_value = json_dup(value);
	return 0;
}

static bool list_has_dict(const cJSON *v)
{
	const cJSON *e;
	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach(e, v)
		if (cJSON_IsObject(e))
			return true;
	return false;
}

int variables_prepare(const struct fx_workflow *wf, const char *start_node_id, const cJSON *user_inputs,
		      cJSON **ret, struct dm_error *reterr)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *bad = cJSON_CreateArray();
	for (size_t i = 0; i < wf->n_vars; i++) {
		const struct fx_variable *v = &wf->vars[i];
		if (strcmp(v->belong_to_node_id, "shared") && strcmp(v->belong_to_node_id, start_node_id))
			continue;
		cJSON *value;
		if (validate_one(v, json_get(user_inputs, v->variable), &value, reterr)) {
			cJSON_Delete(out);
			cJSON_Delete(bad);
			return -1;
		}
		/* Files become File objects in Dify; anything else still holding a
		 * dict afterwards is refused. */
		bool filey = !strcmp(v->type, "file") || !strcmp(v->type, "file-list");
		if (!filey && (cJSON_IsObject(value) || list_has_dict(value)))
			cJSON_AddItemToArray(bad, cJSON_CreateString(v->variable));
		cJSON_AddItemToObject(out, v->variable, value ? value : cJSON_CreateNull());
	}
	if (cJSON_GetArraySize(bad)) {
		struct buf msg = BUF_INIT;
		buf_puts(&msg, "Invalid input type for ");
		pyrepr(&msg, bad);
		cJSON_Delete(out);
		cJSON_Delete(bad);
		return fail(reterr, &msg);
	}
	cJSON_Delete(bad);
	*ret = out;
	return 0;
}
