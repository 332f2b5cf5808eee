/* condition_internal.h -- what condition.c, condition_ops.c and
 * condition_text.c share: Python's view of a cJSON value, graphon's
 * segment types, the operators. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "condition.h"

/* The Python type a value has once graphon holds it. */
enum cond_py { PY_NONE, PY_BOOL, PY_INT, PY_FLOAT, PY_STR, PY_LIST, PY_DICT, PY_FILE };

/* graphon's Segment subclasses (variables/segments.py). */
enum cond_seg {
	SEG_NONE, SEG_STRING, SEG_INTEGER, SEG_FLOAT, SEG_BOOLEAN, SEG_OBJECT, SEG_FILE,
	SEG_ARRAY_ANY, SEG_ARRAY_STRING, SEG_ARRAY_NUMBER, SEG_ARRAY_OBJECT, SEG_ARRAY_FILE, SEG_ARRAY_BOOLEAN,
};

enum cond_py cond_py_kind(const cJSON *v); /* NULL and cJSON_Raw: PY_NONE */
bool cond_py_truthy(const cJSON *v);       /* bool(v) */
bool cond_py_eq(const cJSON *a, const cJSON *b); /* a == b */
void cond_py_type(struct buf *out, const cJSON *v); /* str(type(v)): <class 'str'> */
void cond_py_str(struct buf *out, const cJSON *v);  /* str(v) */

/* The segment build_segment makes of v, unless the pool's type says more. */
enum cond_seg cond_segment(const cJSON *v, enum cond_type type);
/* segment.text: what a template shows for the value. */
void cond_segment_text(struct buf *out, const cJSON *v, enum cond_seg seg);

/* cond_render_text into out; -1 with the text in err when a lookup raised. */
int cond_text_render(struct buf *out, const char *tpl, cond_lookup_fn lookup, void *ctx, struct buf *err);

bool cond_op_known(const char *op); /* one of the 21 SupportedComparisonOperator values */
/* _evaluate_condition(operator=op, value=value, expected=expected):
 * 1 or 0, or -1 with the exception's text appended to err. */
int cond_op_eval(const char *op, const cJSON *value, const cJSON *expected, enum cond_graphon version,
		 struct buf *err);
