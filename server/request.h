/* request.h -- the body of POST .../pipeline/run validated the way Dify's
 * pydantic model PipelineRunApiEntity does (lax mode, extra keys ignored),
 * with pydantic's exact error text. No HTTP and no fixtures here. */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "error.h"

struct run_request {
	cJSON *root;                       /* owned: the parsed body */
	const cJSON *inputs;               /* borrowed from root: an object */
	const char *datasource_type;       /* any string; checked later (500) */
	const cJSON *datasource_info_list; /* an array of objects */
	const char *start_node_id;
	bool is_published;                 /* after lax bool coercion */
	const char *response_mode;         /* any string */
	bool streaming;                    /* response_mode == "streaming" exactly */
};

/* Takes ownership of root (a tree from json_parse) whatever the outcome.
 * On success fills *ret and returns 0; the caller later calls
 * request_run_free(ret). On failure returns -1 with reterr =
 * 400 invalid_param and message str(ValidationError), e.g.
 * "1 validation error for PipelineRunApiEntity\nstart_node_id\n  Input should be
 * a valid string [type=string_type, input_value=5, input_type=int]\n    For
 * further information visit https://errors.pydantic.dev/2.12/v/string_type".
 * A falsy root (null, {}, [], 0, 0.0, "", false) is validated as {}. */
int request_parse_run(cJSON *root, struct run_request *ret, struct dm_error *reterr);
void request_run_free(struct run_request *req);

/* Generic pieces, reused by other endpoints with pydantic bodies. */
enum pyd_kind {
	PYD_DICT,          /* dict / Mapping[str, Any] */
	PYD_STR,           /* str (no coercion from numbers) */
	PYD_STR_OR_NULL,   /* str | None, default None when absent */
	PYD_BOOL,          /* lax bool */
	PYD_LIST_OF_DICT,  /* list[Mapping[str, Any]] */
};
struct pyd_field {
	const char *name;
	enum pyd_kind kind;
	bool required;
};
/* Validates root against fields (in model order) and on failure sets reterr
 * to 400 invalid_param with pydantic's message for model `model`. On success
 * ret_values[i] is the item for fields[i] (NULL when absent or null) and
 * ret_bools[i] the coerced bool for PYD_BOOL fields. */
int pydantic_validate(const cJSON *root, const char *model, const struct pyd_field *fields, int n,
		      const cJSON **ret_values, bool *ret_bools, struct dm_error *reterr);
/* A request body as Dify's controllers validate it: `Model.model_validate(payload
 * or {})`. Takes root (a falsy value is validated as {}); on success *ret_root
 * is the tree the values point into (the caller frees it), on failure it is
 * freed and reterr set. */
int pydantic_parse_body(cJSON *root, const char *model, const struct pyd_field *fields, int n, cJSON **ret_root,
			const cJSON **ret_values, bool *ret_bools, struct dm_error *reterr);
