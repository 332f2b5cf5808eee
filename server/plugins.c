/* plugins.c -- RagPipelineService.get_datasource_plugins over a fixture graph. */
#include "plugins.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "request.h"

int plugins_is_published(const char *arg, enum dify_version v, bool *ret_published, struct dm_error *reterr)
{
	if (!arg || v == DIFY_1_13_3) {
		*ret_published = !arg || *arg;
		return 0;
	}
	/* query_params_from_request: request.args.to_dict() (the first value,
	 * decoded leniently), then model_validate. */
	static const struct pyd_field fields[] = { { "is_published", PYD_BOOL, false } };
	struct buf text = BUF_INIT;
	json_utf8_replace(arg, strlen(arg), &text);
	cJSON *query = cJSON_CreateObject();
	cJSON_AddStringToObject(query, "is_published", text.data ? text.data : "");
	buf_free(&text);
	const cJSON *value;
	int rc = pydantic_validate(query, "DatasourcePluginsQuery", fields, 1, &value, ret_published, reterr);
	cJSON_Delete(query);
	return rc;
}

static bool word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* re.match(r"\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z0-9_][a-zA-Z0-9_]{0,29}){1,10})#\}\}", s):
 * the last dotted part, or NULL. */
static char *template_variable(const char *s)
{
	if (strncmp(s, "{{#", 3))
		return NULL;
	const char *p = s + 3, *q = p;
	while (word(*q))
		q++;
	if (q == p || q - p > 50)
		return NULL;
	const char *last = NULL;
	size_t last_len = 0;
	int parts = 0;
	while (*q == '.') {
		const char *a = q + 1, *b = a;
		while (word(*b))
			b++;
		if (b == a || b - a > 30 || ++parts > 10)
			return NULL;
		last = a;
		last_len = (size_t)(b - a);
		q = b;
	}
	if (!parts || strncmp(q, "#}}", 3))
		return NULL;
	return xstrndup(last, last_len);
}

char *plugins_param_variable(const cJSON *value)
{
	if (cJSON_IsString(value) && *value->valuestring)
		return template_variable(value->valuestring);
	if (cJSON_IsArray(value) && value->child) {
		const cJSON *last = value->child;
		while (last->next)
			last = last->next;
		return cJSON_IsString(last) ? xstrdup(last->valuestring) : NULL;
	}
	return NULL;
}

/* A UUIDv7 that stays the same for the same credential: the time part is a
 * fixed instant (2025-04-12T00:00:00Z) plus the credential's index, the
 * random part a hash of the workspace, plugin, provider and name. */
static void derived_uuid7(const char *seed, unsigned index, char out[IDS_UUID_LEN + 1])
{
	uint64_t h1 = 14695981039346656037u, h2 = 1099511628211u;
	for (const char *s = seed; *s; s++) {
		h1 = (h1 ^ (unsigned char)*s) * 1099511628211u;
		h2 = ids_mix(h2 + (unsigned char)*s);
	}
	uint64_t ms = UINT64_C(1744416000000) + index;
	unsigned char u[16];
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)(ms >> (40 - 8 * i));
	u[6] = (unsigned char)(0x70 | ((h1 >> 8) & 0x0f));
	u[7] = (unsigned char)h1;
	for (int i = 0; i < 8; i++)
		u[8 + i] = (unsigned char)(ids_mix(h1 ^ h2) >> (8 * i));
	u[8] = (u[8] & 0x3f) | 0x80;
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[u[i] >> 4];
		*o++ = hex[u[i] & 15];
	}
	*o = '\0';
}

size_t plugins_credentials(const struct fx_kb *kb, const struct fx_node *node, struct plugin_credential **ret)
{
	const cJSON *list = node->credentials, *c;
	size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
	*ret = NULL;
	if (!n)
		return 0;
	struct plugin_credential *out = xcalloc(n, sizeof *out);
	long chosen = -1;
	cJSON_ArrayForEach(c, list) {
		struct plugin_credential *p = &out[i];
		const cJSON *id = json_get(c, "id"), *name = json_get(c, "name"), *type = json_get(c, "type"), *def = json_get(c, "is_default");
		p->name = cJSON_IsString(name) ? name->valuestring : "";
		p->type = cJSON_IsString(type) ? type->valuestring : "api-key";
		if (cJSON_IsString(id)) {
			snprintf(p->id, sizeof p->id, "%s", id->valuestring);
		} else {
			struct buf seed = BUF_INIT;
			buf_printf(&seed, "%s/%s/%s/%s", kb->workspace ? kb->workspace->id : "",
				   node->plugin_id ? node->plugin_id : "", node->provider_name ? node->provider_name : "",
				   p->name);
			derived_uuid7(seed.data, (unsigned)i, p->id);
			buf_free(&seed);
		}
		if (chosen < 0 && cJSON_IsTrue(def))
			chosen = (long)i;
		i++;
	}
	out[chosen < 0 ? 0 : chosen].is_default = true;
	*ret = out;
	return n;
}

/* RAGPipelineVariable.model_dump(mode="json") of a fixture variable, with
 * fixtures/README.md's defaults for the keys it does not set. */
static cJSON *variable_dump(const struct fx_variable *v)
{
	static const struct {
		const char *key;
		const char *def; /* JSON */
	} keys[] = {
		{ "belong_to_node_id", "\"shared\"" }, { "type", "null" }, { "label", NULL }, { "description", "\"\"" },
		{ "variable", "\"\"" }, { "max_length", "0" }, { "default_value", "null" }, { "placeholder", "null" },
		{ "unit", "null" }, { "tooltips", "null" }, { "allowed_file_types", "null" },
		{ "allowed_file_extensions", "[]" }, { "allowed_file_upload_methods", "[]" }, { "required", "false" },
		{ "options", "[]" },
	};
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const cJSON *x = json_get(v->raw, keys[i].key);
		cJSON *val;
		if (x)
			val = json_dup(x);
		else if (!keys[i].def) /* label: the variable's name */
			val = cJSON_CreateString(v->variable ? v->variable : "");
		else
			json_parse(keys[i].def, strlen(keys[i].def), &val, NULL, 0);
		cJSON_AddItemToObject(o, keys[i].key, val);
	}
	return o;
}

static cJSON *user_input_variables(const struct fx_workflow *wf, const struct fx_node *n)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *params = n->datasource_parameters, *p;
	size_t n_keys = 0;
	char **keys = NULL;
	cJSON_ArrayForEach(p, params) {
		char *k = plugins_param_variable(json_get(p, "value"));
		if (!k)
			continue;
		keys = xrealloc(keys, (n_keys + 1) * sizeof *keys);
		keys[n_keys++] = k;
	}
	for (size_t i = 0; i < wf->n_vars; i++) {
		const struct fx_variable *v = &wf->vars[i];
		for (size_t k = 0; k < n_keys; k++) {
			if (v->variable && !strcmp(keys[k], v->variable)) {
				cJSON_AddItemToArray(out, variable_dump(v));
				break;
			}
		}
	}
	for (size_t k = 0; k < n_keys; k++)
		free(keys[k]);
	free(keys);
	return out;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

void plugins_body(const struct fx_kb *kb, const struct fx_workflow *wf, struct buf *out)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < wf->n_nodes; i++) {
		const struct fx_node *n = &wf->nodes[i];
		if (n->kind != FX_NODE_DATASOURCE)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "node_id", n->id);
		cJSON_AddItemToObject(o, "plugin_id", str_or_null(n->plugin_id));
		cJSON_AddItemToObject(o, "provider_name", str_or_null(n->provider_name));
		cJSON_AddItemToObject(o, "datasource_type", str_or_null(n->datasource_type));
		cJSON_AddItemToObject(o, "title", str_or_null(n->title));
		cJSON_AddItemToObject(o, "user_input_variables", user_input_variables(wf, n));
		cJSON *creds = cJSON_AddArrayToObject(o, "credentials");
		struct plugin_credential *c;
		size_t nc = plugins_credentials(kb, n, &c);
		for (size_t k = 0; k < nc; k++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "id", c[k].id);
			cJSON_AddStringToObject(x, "name", c[k].name);
			cJSON_AddStringToObject(x, "type", c[k].type);
			cJSON_AddBoolToObject(x, "is_default", c[k].is_default);
			cJSON_AddItemToArray(creds, x);
		}
		free(c);
		cJSON_AddItemToArray(arr, o);
	}
	json_write(out, arr, JSON_UJSON);
	buf_putc(out, '\n');
	cJSON_Delete(arr);
}

static const char *or_none(const char *s)
{
	return s ? s : "None";
}

bool plugins_provider_missing(const struct fx_node *n, struct buf *out)
{
	if (n->kind == FX_NODE_DATASOURCE)
		return false;
	buf_printf(out, "plugin provider %s/%s not found", or_none(n->plugin_id), or_none(n->provider_name));
	return true;
}

bool plugins_call_fails(const struct fx_node *n, const char *datasource_type, const char *unknown_credential,
			struct buf *out, bool *ret_late)
{
	const cJSON *fail = json_get(n->browse, "error");
	*ret_late = false;
	if (plugins_provider_missing(n, out))
		return true;
	if (strcmp(datasource_type, n->datasource_type ? n->datasource_type : "")) {
		buf_printf(out, "datasource %s/%s does not support %s", or_none(n->plugin_id), or_none(n->provider_name),
			   datasource_type);
		return true;
	}
	if (unknown_credential) {
		buf_printf(out, "credential %s not found", unknown_credential);
		return true;
	}
	if (cJSON_IsString(fail)) {
		buf_puts(out, fail->valuestring);
		*ret_late = true;
		return true;
	}
	return false;
}
