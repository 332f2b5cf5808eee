/* condition_check.c -- an if-else node's data checked as pydantic checks
 * IfElseNodeData (graphon v0.1.2 nodes/if_else/entities.py,
 * utils/condition/entities.py) when Dify builds the graph. What fails here
 * never runs in Dify: the whole run fails before its first node. Extra keys
 * (a condition's "id", "varType") are allowed and ignored, as there. */
#include "condition.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "condition_internal.h"
#include "json.h"

struct check {
	struct buf path; /* where we are: "cases[0].conditions[1]" */
	char *msg;       /* the first problem */
};

__attribute__((format(printf, 3, 4))) static bool bad(struct check *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	struct buf m = BUF_INIT;
	if (key)
		buf_printf(&c->path, "%s%s", c->path.len ? "." : "", key);
	va_start(ap, fmt);
	buf_vprintf(&m, fmt, ap);
	va_end(ap);
	c->msg = buf_steal(&m, NULL);
	return false;
}

static size_t push(struct check *c, const char *key, int index)
{
	size_t saved = c->path.len;
	if (key)
		buf_printf(&c->path, "%s%s", c->path.len ? "." : "", key);
	if (index >= 0)
		buf_printf(&c->path, "[%d]", index);
	return saved;
}

static void pop(struct check *c, size_t saved)
{
	c->path.len = saved;
	if (c->path.data)
		c->path.data[saved] = '\0';
}

static bool absent(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

static bool and_or(struct check *c, const cJSON *o, const char *key, bool required)
{
	const cJSON *v = json_get(o, key);
	if (!v && !required)
		return true;
	if (!v)
		return bad(c, key, "is required");
	if (!cJSON_IsString(v) || !v->valuestring || (strcmp(v->valuestring, "and") && strcmp(v->valuestring, "or")))
		return bad(c, key, "must be \"and\" or \"or\"");
	return true;
}

static bool operator(struct check *c, const cJSON *o)
{
	const cJSON *v = json_get(o, "comparison_operator");
	if (!v)
		return bad(c, "comparison_operator", "is required");
	if (!cJSON_IsString(v) || !v->valuestring || !cond_op_known(v->valuestring))
		return bad(c, "comparison_operator",
			   "must be one of Dify's comparison operators: contains, not contains, start with, end with, "
			   "is, is not, empty, not empty, in, not in, all of, =, ≠, >, <, ≥, ≤, null, "
			   "not null, exists, not exists");
	return true;
}

static bool strings(const cJSON *v)
{
	if (!cJSON_IsArray(v))
		return false;
	for (const cJSON *x = v->child; x; x = x->next)
		if (!cJSON_IsString(x))
			return false;
	return true;
}

/* value: str | Sequence[str] | bool | None; a SubCondition's lacks bool.
 * pydantic's lax bool takes the numbers 0 and 1 too. */
static bool value(struct check *c, const cJSON *o, bool booleans)
{
	const cJSON *v = json_get(o, "value");
	if (absent(v) || cJSON_IsString(v) || strings(v))
		return true;
	if (booleans && (cJSON_IsBool(v) || (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))))
		return true;
	return bad(c, "value", booleans ? "must be a string, a list of strings, a boolean or null"
					: "must be a string, a list of strings or null");
}

static bool sub_condition(struct check *c, const cJSON *s)
{
	if (!cJSON_IsObject(s))
		return bad(c, NULL, "must be an object");
	const cJSON *key = json_get(s, "key");
	if (!key)
		return bad(c, "key", "is required");
	if (!cJSON_IsString(key))
		return bad(c, "key", "must be a string");
	return operator(c, s) && value(c, s, false);
}

static bool condition(struct check *c, const cJSON *x)
{
	if (!cJSON_IsObject(x))
		return bad(c, NULL, "must be an object");
	const cJSON *sel = json_get(x, "variable_selector");
	if (!sel)
		return bad(c, "variable_selector", "is required");
	if (!strings(sel))
		return bad(c, "variable_selector", "must be a list of strings");
	if (!operator(c, x) || !value(c, x, true))
		return false;
	const cJSON *svc = json_get(x, "sub_variable_condition");
	if (absent(svc))
		return true;
	size_t s0 = push(c, "sub_variable_condition", -1);
	if (!cJSON_IsObject(svc))
		return bad(c, NULL, "must be an object or null");
	if (!and_or(c, svc, "logical_operator", true))
		return false;
	const cJSON *subs = json_get(svc, "conditions"); /* default [], but not null */
	if (subs && !cJSON_IsArray(subs))
		return bad(c, "conditions", "must be a list");
	int i = 0;
	for (const cJSON *s = subs ? subs->child : NULL; s; s = s->next, i++) {
		size_t s1 = push(c, "conditions", i);
		if (!sub_condition(c, s))
			return false;
		pop(c, s1);
	}
	pop(c, s0);
	return true;
}

static bool conditions(struct check *c, const cJSON *list)
{
	if (!cJSON_IsArray(list))
		return bad(c, "conditions", "must be a list");
	int i = 0;
	for (const cJSON *x = list->child; x; x = x->next, i++) {
		size_t s = push(c, "conditions", i);
		if (!condition(c, x))
			return false;
		pop(c, s);
	}
	return true;
}

static bool one_case(struct check *c, const cJSON *k)
{
	if (!cJSON_IsObject(k))
		return bad(c, NULL, "must be an object");
	const cJSON *id = json_get(k, "case_id");
	if (!id)
		return bad(c, "case_id", "is required");
	if (!cJSON_IsString(id))
		return bad(c, "case_id", "must be a string");
	if (!and_or(c, k, "logical_operator", true))
		return false;
	if (!json_get(k, "conditions"))
		return bad(c, "conditions", "is required");
	return conditions(c, json_get(k, "conditions"));
}

static bool node(struct check *c, const cJSON *data)
{
	if (!cJSON_IsObject(data))
		return bad(c, NULL, "must be an object");
	const cJSON *lo = json_get(data, "logical_operator");
	if (!absent(lo) && !and_or(c, data, "logical_operator", false))
		return false;
	const cJSON *legacy = json_get(data, "conditions");
	if (!absent(legacy) && !conditions(c, legacy))
		return false;
	const cJSON *cases = json_get(data, "cases");
	if (absent(cases))
		return true;
	if (!cJSON_IsArray(cases))
		return bad(c, "cases", "must be a list");
	int i = 0;
	for (const cJSON *k = cases->child; k; k = k->next, i++) {
		size_t s = push(c, "cases", i);
		if (!one_case(c, k))
			return false;
		pop(c, s);
	}
	return true;
}

char *cond_check(const cJSON *data, char **ret_path)
{
	struct check c = { .path = BUF_INIT, .msg = NULL };
	if (node(&c, data)) {
		buf_free(&c.path);
		*ret_path = NULL;
		return NULL;
	}
	*ret_path = buf_steal(&c.path, NULL);
	return c.msg;
}
