/* pyrepr.h -- Python's repr() of JSON values as Python holds them after
 * json/orjson parsing (dict, list, str, int, float, True/False/None), and the
 * pydantic forms built on it. Dify's messages embed these verbatim:
 * "'notion' is not a valid DatasourceProviderType", "must be one of the
 * following: ['a', 'b']", pydantic's "input_value={'a': 1}". */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"

/* repr(value): {'k': 1, 'l': [1.5, None, True]}; strings quoted the way
 * Python chooses (single quotes unless the text has ' and no "). */
void pyrepr(struct buf *out, const cJSON *item);
void pyrepr_str(struct buf *out, const char *s); /* repr of a Python str */
/* Python type name: dict, list, str, int, float, bool, NoneType. */
const char *pyrepr_type_name(const cJSON *item);
/* pydantic-core's truncated repr used for input_value: repr, and if longer
 * than 50 characters, the first 25 + "..." + the last 24. */
void pyrepr_pydantic(struct buf *out, const cJSON *item);
/* not value: Python's truthiness of the value (NULL, an absent value, is
 * falsy too): None, False, 0, 0.0, "", [] and {} are falsy. */
bool pyrepr_is_falsy(const cJSON *v);
