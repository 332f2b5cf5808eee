/* request.c -- pydantic v2 (lax mode) validation of request bodies, with the
 * exact text of str(ValidationError), and the pipeline/run body on top. */
#include "request.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "pyrepr.h"

#define PYD_URL "https://errors.pydantic.dev/2.12/v/"

/* pydantic lists every error; a 1 MB body of a list of non-objects would
 * make a 100 MB answer. Past this many, errors are counted but not listed,
 * and the message says so (README, "How faithful it is"). */
#define PYD_MAX_LISTED 1000

/* Collects line errors in pydantic's pretty format. */
struct pyd_errors {
	struct buf lines;
	int count;
};

/* One line error: "<loc>\n  <msg> [type=..., input_value=..., input_type=...]
 * \n    For further information visit <url>". loc NULL means a model-level
 * error, which pydantic prints without a location line. */
static void add_error(struct pyd_errors *e, const char *loc, long index, const char *type,
		      const char *msg, const cJSON *input)
{
	if (e->count++ >= PYD_MAX_LISTED)
		return;
	if (e->count > 1)
		buf_putc(&e->lines, '\n');
	if (loc) {
		buf_puts(&e->lines, loc);
		if (index >= 0)
			buf_printf(&e->lines, ".%ld", index);
		buf_putc(&e->lines, '\n');
	}
	buf_printf(&e->lines, "  %s [type=%s, input_value=", msg, type);
	pyrepr_pydantic(&e->lines, input);
	buf_printf(&e->lines, ", input_type=%s]\n    For further information visit " PYD_URL "%s",
		   pyrepr_type_name(input), type);
}

/* pydantic-core str_as_bool: "0"/"1" exactly, the words ASCII
 * case-insensitively, no trimming. */
static int str_as_bool(const char *s, bool *ret)
{
	static const char *const no[] = { "0", "f", "n", "no", "off", "false" };
	static const char *const yes[] = { "1", "t", "y", "on", "yes", "true" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
	}
	return -1;
}

/* pydantic-core's lax validate_bool for Python input. Returns NULL on
 * success, else the error type. Ints within i64 must be 0 or 1
 * (bool_parsing otherwise); other numbers go through float_as_int: an
 * integral float within i64 is judged like an int, anything else (fractions,
 * ints or floats beyond i64) is bool_type. */
static const char *lax_bool(const cJSON *v, bool *ret)
{
	if (cJSON_IsBool(v)) {
		*ret = cJSON_IsTrue(v);
		return NULL;
	}
	if (cJSON_IsString(v))
		return str_as_bool(v->valuestring, ret) ? "bool_parsing" : NULL;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		bool in_i64;
		if (json_is_float(v)) {
			in_i64 = isfinite(d) && d == floor(d) && d > -9223372036854775808.0 &&
				 d < 9223372036854775808.0;
		} else if (v->valuestring) {
			/* The literal decides: a double blurs the i64 edges. */
			errno = 0;
			(void)strtoll(v->valuestring, NULL, 10);
			in_i64 = errno != ERANGE;
		} else {
			in_i64 = d >= -9223372036854775808.0 && d < 9223372036854775808.0;
		}
		if (!in_i64)
			return "bool_type";
		if (d == 0 || d == 1) {
			*ret = d == 1;
			return NULL;
		}
		return "bool_parsing";
	}
	return "bool_type";
}

/* Validates one present field. Returns the number of errors it added. */
static int validate_field(struct pyd_errors *e, const struct pyd_field *f, const cJSON *v,
			  bool *ret_bool)
{
	const char *type = NULL, *msg = NULL;
	switch (f->kind) {
	case PYD_DICT:
		if (!cJSON_IsObject(v))
			type = "dict_type", msg = "Input should be a valid dictionary";
		break;
	case PYD_STR_OR_NULL:
		if (cJSON_IsNull(v))
			break;
		/* fall through */
	case PYD_STR:
		if (!cJSON_IsString(v))
			type = "string_type", msg = "Input should be a valid string";
		break;
	case PYD_BOOL:
		type = lax_bool(v, ret_bool);
		if (type)
			msg = strcmp(type, "bool_type") == 0
				      ? "Input should be a valid boolean"
				      : "Input should be a valid boolean, unable to interpret input";
		break;
	case PYD_LIST_OF_DICT: {
		if (!cJSON_IsArray(v)) {
			type = "list_type", msg = "Input should be a valid list";
			break;
		}
		/* Every bad item is its own error, located at "field.<index>". */
		int added = 0;
		long i = 0;
		for (const cJSON *c = v->child; c; c = c->next, i++) {
			if (!cJSON_IsObject(c)) {
				add_error(e, f->name, i, "dict_type", "Input should be a valid dictionary", c);
				added++;
			}
		}
		return added;
	}
	}
	if (!type)
		return 0;
	add_error(e, f->name, -1, type, msg, v);
	return 1;
}

int pydantic_validate(const cJSON *root, const char *model, const struct pyd_field *fields, int n,
		      const cJSON **ret_values, bool *ret_bools, struct dm_error *reterr)
{
	struct pyd_errors e = { BUF_INIT, 0 };
	for (int i = 0; i < n; i++) {
		ret_values[i] = NULL;
		ret_bools[i] = false;
	}
	if (!cJSON_IsObject(root)) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "Input should be a valid dictionary or instance of %s", model);
		add_error(&e, NULL, -1, "model_type", msg.data, root);
		buf_free(&msg);
	} else {
		for (int i = 0; i < n; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, fields[i].name);
			if (!v) {
				if (fields[i].required)
					add_error(&e, fields[i].name, -1, "missing", "Field required", root);
				continue;
			}
			if (!validate_field(&e, &fields[i], v, &ret_bools[i]) && !cJSON_IsNull(v))
				ret_values[i] = v;
		}
	}
	if (!e.count) {
		buf_free(&e.lines);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		ret_values[i] = NULL;
		ret_bools[i] = false;
	}
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%d validation error%s for %s\n", e.count, e.count == 1 ? "" : "s", model);
	buf_append(&msg, e.lines.data, e.lines.len);
	if (e.count > PYD_MAX_LISTED)
		buf_printf(&msg, "\n(dify-mock lists the first %d of %d errors; Dify lists them all)", PYD_MAX_LISTED,
			   e.count);
	buf_free(&e.lines);
	return dm_error_take(reterr, 400, "invalid_param", buf_steal(&msg, NULL));
}

int pydantic_parse_body(cJSON *root, const char *model, const struct pyd_field *fields, int n, cJSON **ret_root,
			const cJSON **ret_values, bool *ret_bools, struct dm_error *reterr)
{
	if (pyrepr_is_falsy(root)) { /* Dify validates `body or {}` */
		cJSON_Delete(root);
		root = cJSON_CreateObject();
	}
	if (pydantic_validate(root, model, fields, n, ret_values, ret_bools, reterr)) {
		cJSON_Delete(root);
		return -1;
	}
	*ret_root = root;
	return 0;
}

static const struct pyd_field run_fields[] = {
	{ "inputs", PYD_DICT, true },
	{ "datasource_type", PYD_STR, true },
	{ "datasource_info_list", PYD_LIST_OF_DICT, true },
	{ "start_node_id", PYD_STR, true },
	{ "is_published", PYD_BOOL, true },
	{ "response_mode", PYD_STR, true },
};
#define RUN_NFIELDS ((int)(sizeof run_fields / sizeof run_fields[0]))

int request_parse_run(cJSON *root, struct run_request *ret, struct dm_error *reterr)
{
	const cJSON *v[RUN_NFIELDS];
	bool b[RUN_NFIELDS];
	memset(ret, 0, sizeof *ret);
	if (pydantic_parse_body(root, "PipelineRunApiEntity", run_fields, RUN_NFIELDS, &root, v, b, reterr))
		return -1;
	ret->root = root;
	ret->inputs = v[0];
	ret->datasource_type = v[1]->valuestring;
	ret->datasource_info_list = v[2];
	ret->start_node_id = v[3]->valuestring;
	ret->is_published = b[4];
	ret->response_mode = v[5]->valuestring;
	ret->streaming = strcmp(ret->response_mode, "streaming") == 0;
	return 0;
}

void request_run_free(struct run_request *req)
{
	if (!req)
		return;
	cJSON_Delete(req->root);
	memset(req, 0, sizeof *req);
}
