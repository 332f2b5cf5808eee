/* plugins.h -- GET /v1/datasets/{id}/pipeline/datasource-plugins
 * (companion-endpoints.md §3): one entry per datasource node of the
 * workflow, in graph order, with the pipeline variables its
 * datasource_parameters reference and its credentials; and those node facts
 * for the datasource node run (noderun.c). Fixture keys: a datasource node's
 * "datasource_parameters" and "credentials" (fixtures/README.md). */
#pragma once
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "fixtures.h"
#include "ids.h"

/* Whether datasource-plugins reads the published workflow, from its
 * is_published query value arg (NULL when absent: published).
 * 1.13.3: request.args.get("is_published", default=True, type=bool), i.e.
 * bool(str): only an empty value means the draft ("false" is published).
 * 1.17: the query model DatasourcePluginsQuery, a pydantic lax bool:
 * false/0/no/off/f/n (any case) mean the draft, true/1/yes/on/t/y the
 * published workflow, and anything else (the empty value too) is -1 with
 * 400 invalid_param and pydantic's message in reterr. */
int plugins_is_published(const char *arg, enum dify_version v, bool *ret_published, struct dm_error *reterr);

/* The 200 body (ujson bytes and "\n"): a JSON array, [] without datasource nodes. */
void plugins_body(const struct fx_kb *kb, const struct fx_workflow *wf, struct buf *out);

struct plugin_credential {
	char id[IDS_UUID_LEN + 1];  /* as written, or a UUIDv7 derived from the workspace, plugin and name */
	const char *name;
	const char *type;           /* "api-key" (default) or "oauth2" */
	bool is_default;            /* the first one marked, else the first one */
};

/* The node's credentials (datasource_providers rows of the tenant), in
 * fixture order; *ret is heap (free it), NULL when there are none. */
size_t plugins_credentials(const struct fx_kb *kb, const struct fx_node *node, struct plugin_credential **ret);

/* The variable a datasource parameter's "value" references: the last part
 * of a string matching {{#a.b.c#}} at its start, or the last element of a
 * non-empty list (when it is a string). Heap; NULL when it references none. */
char *plugins_param_variable(const cJSON *value);

/* Why a call of node n's plugin fails, as a datasource node run or a
 * folder listing meets it (mock texts: Dify passes the plugin's own). */
/* "plugin provider <plugin_id>/<provider_name> not found" into out when n
 * is not a datasource node (it has no plugin); false otherwise. */
bool plugins_provider_missing(const struct fx_node *n, struct buf *out);
/* The failure of a call for datasource_type into out, false when the call
 * succeeds: no plugin (above), a type the node does not read ("datasource
 * <plugin>/<provider> does not support <type>"), an unknown credential
 * (unknown_credential: its id; NULL when there is none), or the fixture's
 * browse.error. *ret_late: true for browse.error only, which fails where
 * the results would come rather than at once. */
bool plugins_call_fails(const struct fx_node *n, const char *datasource_type, const char *unknown_credential,
			struct buf *out, bool *ret_late);
