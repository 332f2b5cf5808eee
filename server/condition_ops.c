/* condition_ops.c -- the 21 comparison operators of graphon's
 * ConditionProcessor (utils/condition/processor.py, v0.1.2 lines 115-455)
 * with Python's semantics: bool is an int, 1 == 1.0 == True, ints compare
 * exactly with floats and without a size limit, truthiness, `in` on str and
 * list. The ValueError texts are graphon's. */
#include "condition_internal.h"

#include <math.h>
#include <string.h>

#include "json.h"
#include "pyconv.h"
#include "pyrepr.h"

/* ---- Python's view of a value ---- */

static bool is_file(const cJSON *v)
{
	const cJSON *id = json_get(v, "dify_model_identity");
	return cJSON_IsString(id) && id->valuestring && !strcmp(id->valuestring, "__dify__file__");
}

static bool number_is_int(const cJSON *v)
{
	if (json_is_float(v))
		return false;
	/* Built without literal text: an int only if it has no fraction. */
	return v->valuestring || (isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble));
}

enum cond_py cond_py_kind(const cJSON *v)
{
	if (!v)
		return PY_NONE;
	switch (v->type & 0xFF) {
	case cJSON_False:
	case cJSON_True: return PY_BOOL;
	case cJSON_Number: return number_is_int(v) ? PY_INT : PY_FLOAT;
	case cJSON_String: return PY_STR;
	case cJSON_Array: return PY_LIST;
	case cJSON_Object: return is_file(v) ? PY_FILE : PY_DICT;
	default: return PY_NONE;
	}
}

static const char *str_of(const cJSON *v)
{
	return v->valuestring ? v->valuestring : "";
}

/* An int or a bool as a Python int. */
static void to_pyint(struct pyint *ret, const cJSON *v)
{
	if (cJSON_IsBool(v))
		pyint_from_ll(ret, cJSON_IsTrue(v));
	else if (v->valuestring)
		pyint_from_text(ret, v->valuestring);
	else
		pyint_from_double(ret, v->valuedouble);
}

/* float(v) of an int, bool or float. */
static double to_double(const cJSON *v)
{
	if (cond_py_kind(v) == PY_FLOAT)
		return v->valuedouble;
	struct pyint i;
	to_pyint(&i, v);
	return pyint_to_double(&i);
}

bool cond_truthy(const cJSON *v)
{
	return v && cond_py_truthy(v);
}

bool cond_py_truthy(const cJSON *v)
{
	switch (cond_py_kind(v)) {
	case PY_NONE: return false;
	case PY_BOOL: return cJSON_IsTrue(v);
	case PY_INT: {
		struct pyint i;
		to_pyint(&i, v);
		return strcmp(i.d, "0");
	}
	case PY_FLOAT: return v->valuedouble != 0.0; /* NaN is true */
	case PY_STR: return *str_of(v);
	case PY_LIST:
	case PY_DICT: return v->child;
	case PY_FILE: return true;
	}
	return false;
}

static bool is_numeric(enum cond_py k)
{
	return k == PY_BOOL || k == PY_INT || k == PY_FLOAT;
}

/* Python's comparison of two numbers (bools are ints): -1, 0, 1, or 2 when
 * unordered (a NaN). */
static int num_cmp(const cJSON *a, const cJSON *b)
{
	bool fa = cond_py_kind(a) == PY_FLOAT, fb = cond_py_kind(b) == PY_FLOAT;
	if (fa && fb) {
		double x = a->valuedouble, y = b->valuedouble;
		return isnan(x) || isnan(y) ? 2 : (x > y) - (x < y);
	}
	if (fa || fb) {
		const cJSON *i = fa ? b : a;
		double d = fa ? a->valuedouble : b->valuedouble;
		if (isnan(d))
			return 2;
		struct pyint pi;
		to_pyint(&pi, i);
		int c = pyint_cmp_double(&pi, d);
		return fa ? -c : c;
	}
	struct pyint x, y;
	to_pyint(&x, a);
	to_pyint(&y, b);
	return pyint_cmp(&x, &y);
}

bool cond_py_eq(const cJSON *a, const cJSON *b)
{
	enum cond_py ka = cond_py_kind(a), kb = cond_py_kind(b);
	if (is_numeric(ka) && is_numeric(kb))
		return num_cmp(a, b) == 0;
	if (ka != kb)
		return false;
	switch (ka) {
	case PY_NONE: return true;
	case PY_STR: return !strcmp(str_of(a), str_of(b));
	case PY_LIST: {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next)
			if (!cond_py_eq(x, y))
				return false;
		return !x && !y;
	}
	case PY_DICT:
	case PY_FILE: {
		int n = 0;
		for (const cJSON *x = a->child; x; x = x->next, n++) {
			const cJSON *y = json_get(b, x->string ? x->string : "");
			if (!y || !cond_py_eq(x, y))
				return false;
		}
		return n == cJSON_GetArraySize(b);
	}
	default: return false;
	}
}

void cond_py_type(struct buf *out, const cJSON *v)
{
	if (cond_py_kind(v) == PY_FILE)
		buf_puts(out, "<class 'graphon.file.models.File'>");
	else
		buf_printf(out, "<class '%s'>", v ? pyrepr_type_name(v) : "NoneType");
}

void cond_py_str(struct buf *out, const cJSON *v)
{
	if (cond_py_kind(v) == PY_STR)
		buf_puts(out, str_of(v));
	else if (cond_py_kind(v) == PY_NONE)
		buf_puts(out, "None");
	else
		pyrepr(out, v);
}

/* ---- segments ---- */

enum cond_seg cond_segment(const cJSON *v, enum cond_type type)
{
	enum cond_py k = cond_py_kind(v);
	if (k == PY_LIST && type == COND_TYPE_ARRAY_FILE)
		return SEG_ARRAY_FILE;
	if (k == PY_LIST && type == COND_TYPE_ARRAY_BOOLEAN)
		return SEG_ARRAY_BOOLEAN;
	switch (k) {
	case PY_NONE: return SEG_NONE;
	case PY_BOOL: return SEG_BOOLEAN;
	case PY_INT: return SEG_INTEGER;
	case PY_FLOAT: return SEG_FLOAT;
	case PY_STR: return SEG_STRING;
	case PY_DICT: return SEG_OBJECT;
	case PY_FILE: return SEG_FILE;
	case PY_LIST: break;
	}
	/* build_segment's list rule (variables/factory.py lines 93-121): the
	 * item types as a set; lists only (or none at all) make array[any]. */
	unsigned seen = 0;
	bool all_lists = true;
	for (const cJSON *c = v->child; c; c = c->next) {
		enum cond_py ck = cond_py_kind(c);
		seen |= 1u << ck;
		all_lists &= ck == PY_LIST;
	}
	if (all_lists)
		return SEG_ARRAY_ANY;
	unsigned numbers = 1u << PY_INT | 1u << PY_FLOAT;
	if (seen & (seen - 1)) /* more than one type */
		return (seen & ~numbers) ? SEG_ARRAY_ANY : SEG_ARRAY_NUMBER;
	switch (seen) {
	case 1u << PY_STR: return SEG_ARRAY_STRING;
	case 1u << PY_INT:
	case 1u << PY_FLOAT: return SEG_ARRAY_NUMBER;
	case 1u << PY_BOOL: return SEG_ARRAY_BOOLEAN;
	case 1u << PY_DICT: return SEG_ARRAY_OBJECT;
	case 1u << PY_FILE: return SEG_ARRAY_FILE;
	default: return SEG_ARRAY_ANY;
	}
}

/* ---- the operators ---- */

static int py_raise(struct buf *err, const char *msg)
{
	buf_puts(err, msg);
	return -1;
}

static int raise_type(struct buf *err, const char *fmt, const cJSON *v)
{
	struct buf t = BUF_INIT;
	cond_py_type(&t, v);
	buf_printf(err, fmt, t.data);
	buf_free(&t);
	return -1;
}

static bool list_has(const cJSON *list, const cJSON *item)
{
	for (const cJSON *c = list->child; c; c = c->next)
		if (cond_py_eq(c, item))
			return true;
	return false;
}

/* contains / not contains: substring of a str, member of a list. */
static int op_contains(const cJSON *value, const cJSON *expected, bool negate, struct buf *err)
{
	if (!cond_py_truthy(value))
		return negate;
	bool found;
	if (cond_py_kind(value) == PY_STR) {
		struct buf e = BUF_INIT;
		cond_py_str(&e, expected); /* str(expected) */
		found = strstr(str_of(value), e.data ? e.data : "");
		buf_free(&e);
	} else if (cond_py_kind(value) == PY_LIST) {
		found = list_has(value, expected);
	} else {
		return py_raise(err, "Invalid actual value type: string or array");
	}
	return found != negate;
}

static int op_affix(const cJSON *value, const cJSON *expected, bool start, struct buf *err)
{
	if (!cond_py_truthy(value))
		return 0;
	if (cond_py_kind(value) != PY_STR)
		return py_raise(err, "Invalid actual value type: string");
	if (cond_py_kind(expected) != PY_STR)
		return py_raise(err, start ? "Expected value must be a string for startswith"
					: "Expected value must be a string for endswith");
	const char *s = str_of(value), *x = str_of(expected);
	size_t n = strlen(s), m = strlen(x);
	if (m > n)
		return 0;
	return !memcmp(start ? s : s + n - m, x, m);
}

static int op_is(const cJSON *value, const cJSON *expected, bool negate, struct buf *err)
{
	enum cond_py k = cond_py_kind(value);
	if (k == PY_NONE)
		return 0; /* both "is" and "is not" */
	if (k != PY_STR && k != PY_BOOL)
		return py_raise(err, "Invalid actual value type: string or boolean");
	return cond_py_eq(value, expected) != negate;
}

/* = and ≠: the expected value converted to the actual value's type first. */
static int op_equal(const cJSON *value, const cJSON *expected, bool negate, struct buf *err)
{
	enum cond_py k = cond_py_kind(value), ke = cond_py_kind(expected);
	bool eq;
	if (k == PY_NONE)
		return 0; /* both "=" and "≠" */
	if (k == PY_BOOL) {
		if (ke != PY_BOOL && ke != PY_INT && ke != PY_STR)
			return raise_type(err, "Cannot convert %s to bool", expected);
		eq = cJSON_IsTrue(value) == cond_py_truthy(expected);
	} else if (k == PY_INT) {
		struct pyint a, b;
		if (ke == PY_STR) {
			if (pyconv_int(str_of(expected), &b, err) < 0)
				return -1;
		} else if (ke == PY_FLOAT) {
			double d = expected->valuedouble;
			if (isnan(d))
				return py_raise(err, "cannot convert float NaN to integer");
			if (isinf(d))
				return py_raise(err, "cannot convert float infinity to integer");
			pyint_from_double(&b, d);
		} else if (ke == PY_INT || ke == PY_BOOL) {
			to_pyint(&b, expected);
		} else {
			return raise_type(err, "Cannot convert %s to int", expected);
		}
		to_pyint(&a, value);
		eq = pyint_cmp(&a, &b) == 0;
	} else if (k == PY_FLOAT) {
		double d;
		if (ke == PY_STR) {
			if (pyconv_float(str_of(expected), &d, err) < 0)
				return -1;
		} else if (is_numeric(ke)) {
			d = to_double(expected);
		} else {
			return raise_type(err, "Cannot convert %s to float", expected);
		}
		eq = value->valuedouble == d;
	} else {
		return py_raise(err, "Invalid actual value type: number or boolean");
	}
	return eq != negate;
}

/* > < ≥ ≤ after _normalize_numeric_values. */
static int op_order(const cJSON *value, const cJSON *expected, const char *op, struct buf *err)
{
	enum cond_py k = cond_py_kind(value), ke = cond_py_kind(expected);
	int c; /* value compared with expected; 2: unordered */
	if (k == PY_NONE)
		return 0;
	if (!is_numeric(k))
		return py_raise(err, "Invalid actual value type: number");
	if (ke == PY_STR) {
		double f;
		struct buf ignored = BUF_INIT;
		int r = pyconv_float(str_of(expected), &f, &ignored);
		buf_free(&ignored);
		if (r < 0) {
			buf_printf(err, "Cannot convert '%s' to number", str_of(expected));
			return -1;
		}
		if (k != PY_FLOAT && isfinite(f) && f == floor(f)) {
			struct pyint a; /* int against int(f): exact */
			to_pyint(&a, value);
			c = pyint_cmp_double(&a, f);
		} else {
			double v = to_double(value); /* float(value): rounded first */
			c = isnan(v) || isnan(f) ? 2 : (v > f) - (v < f);
		}
	} else if (ke == PY_FLOAT) {
		double v = to_double(value), f = expected->valuedouble;
		c = isnan(v) || isnan(f) ? 2 : (v > f) - (v < f);
	} else if (ke == PY_INT || ke == PY_BOOL) {
		c = num_cmp(value, expected);
	} else {
		return raise_type(err, "Cannot convert %s to number", expected);
	}
	if (c == 2)
		return 0;
	if (!strcmp(op, ">"))
		return c > 0;
	if (!strcmp(op, "<"))
		return c < 0;
	if (!strcmp(op, "≥"))
		return c >= 0;
	return c <= 0;
}

static int op_in(const cJSON *value, const cJSON *expected, bool negate, struct buf *err)
{
	if (!cond_py_truthy(value))
		return negate;
	if (cond_py_kind(expected) != PY_LIST)
		return py_raise(err, "Invalid expected value type: array");
	return list_has(expected, value) != negate;
}

static int op_all_of(const cJSON *value, const cJSON *expected, enum cond_graphon version, struct buf *err)
{
	if (cond_py_kind(expected) != PY_LIST)
		return py_raise(err, version == COND_GRAPHON_0_1_2
					  ? "Unsupported operator: all of"
					  : "all of operator expects homogeneous list of strings or booleans");
	bool strs = true, bools = true;
	for (const cJSON *c = expected->child; c; c = c->next) {
		strs &= cond_py_kind(c) == PY_STR;
		bools &= cond_py_kind(c) == PY_BOOL;
	}
	if (!strs && !bools)
		return py_raise(err, "all of operator expects homogeneous list of strings or booleans");
	if (!cond_py_truthy(value))
		return 0;
	enum cond_py k = cond_py_kind(value);
	if (k != PY_LIST && (k != PY_STR || !strs)) /* a str only for strings */
		return 0;
	for (const cJSON *c = expected->child; c; c = c->next)
		if (k == PY_STR ? !strstr(str_of(value), str_of(c)) : !list_has(value, c))
			return 0;
	return 1;
}

static const char *const operators[] = {
	"contains", "not contains", "start with", "end with", "is", "is not", "empty", "not empty",
	"in", "not in", "all of", "=", "≠", ">", "<", "≥", "≤", "null", "not null", "exists", "not exists",
};

bool cond_op_known(const char *op)
{
	for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
		if (!strcmp(op, operators[i]))
			return true;
	return false;
}

int cond_op_eval(const char *op, const cJSON *value, const cJSON *expected, enum cond_graphon version,
		 struct buf *err)
{
	if (!strcmp(op, "contains") || !strcmp(op, "not contains"))
		return op_contains(value, expected, op[0] == 'n', err);
	if (!strcmp(op, "start with") || !strcmp(op, "end with"))
		return op_affix(value, expected, op[0] == 's', err);
	if (!strcmp(op, "is") || !strcmp(op, "is not"))
		return op_is(value, expected, op[2] != '\0', err);
	if (!strcmp(op, "empty"))
		return !cond_py_truthy(value);
	if (!strcmp(op, "not empty"))
		return cond_py_truthy(value);
	if (!strcmp(op, "=") || !strcmp(op, "≠"))
		return op_equal(value, expected, op[0] != '=', err);
	if (!strcmp(op, ">") || !strcmp(op, "<") || !strcmp(op, "≥") || !strcmp(op, "≤"))
		return op_order(value, expected, op, err);
	if (!strcmp(op, "null") || !strcmp(op, "not exists"))
		return cond_py_kind(value) == PY_NONE;
	if (!strcmp(op, "not null") || !strcmp(op, "exists"))
		return cond_py_kind(value) != PY_NONE;
	if (!strcmp(op, "in") || !strcmp(op, "not in"))
		return op_in(value, expected, op[0] == 'n', err);
	if (!strcmp(op, "all of"))
		return op_all_of(value, expected, version, err);
	buf_printf(err, "Unsupported operator: %s", op);
	return -1;
}
