/* fixtures_parse.c -- the fixture schema of fixtures/README.md: checks one
 * parsed file and turns it into fx_* structs. Every problem names the file
 * and the JSON path, and checking goes on after it, so that one load reports
 * everything that is wrong. References between files are resolved by the
 * loader (fixtures.c), not here. This file holds the top of the schema (the
 * file, its workspaces and knowledge bases); a knowledge base's pipeline is
 * checked in fixtures_workflows.c and fixtures_nodes.c, its scenarios in
 * fixtures_scenarios.c, and all of them walk with fixtures_walk.c. */
#include "fixtures_parse.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The schema: known keys per object and the enumerations. */
static const char *const root_keys[] = { "version", "workspaces", "knowledge_bases", NULL };
static const char *const ws_keys[] = { "id", "name", "status", "owner", "api_keys", NULL };
static const char *const owner_keys[] = { "id", "name", "email", "account_exists", NULL };
static const char *const kb_keys[] = { "id", "workspace", "name", "description", "chunk_structure",
				       "api_enabled", "documents", "pipeline", "scenarios", "scenario_sequence",
				       "strict_file_references", NULL };
static const char *const chunk_structures[] = { "text_model", "hierarchical_model", "qa_model", NULL };

void fx_kb_free(struct fx_kb *kb)
{
	if (!kb)
		return;
	fx_scenarios_free(kb);
	fx_pipeline_free(kb->pipeline);
}

static struct fx_workspace *parse_workspace(struct pctx *c, cJSON *o)
{
	cJSON *x, *k;
	if (!fxp_expect(c, o, T_OBJECT))
		return NULL;
	fxp_check_keys(c, o, ws_keys);
	struct fx_workspace *ws = FXP_NEW(c, struct fx_workspace, 1);
	ws->raw = o;
	ws->id = fxp_get_uuid(c, o, "id");
	ws->name = fxp_get_str(c, o, "name", REQUIRED, NULL);
	char *status = fxp_get_str(c, o, "status", OPTIONAL, "normal");
	ws->status = status && strcmp(status, "normal") ? FX_TENANT_ARCHIVED : FX_TENANT_NORMAL;
	if (fxp_get_typed(c, o, "owner", REQUIRED, T_OBJECT | T_NULL, &x) > 0 && cJSON_IsObject(x)) {
		size_t s = fxp_push_key(c, "owner");
		fxp_check_keys(c, x, owner_keys);
		ws->has_owner = true;
		ws->owner.id = fxp_get_uuid(c, x, "id");
		ws->owner.name = fxp_get_str(c, x, "name", REQUIRED, NULL);
		ws->owner.email = fxp_get_str(c, x, "email", REQUIRED, NULL);
		ws->owner_account_exists = fxp_get_bool(c, x, "account_exists", true);
		fxp_pop(c, s);
	}
	if (fxp_get_typed(c, o, "api_keys", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t s = fxp_push_key(c, "api_keys"), i = 0;
		ws->api_keys = FXP_NEW(c, char *, (size_t)cJSON_GetArraySize(x));
		cJSON_ArrayForEach(k, x) {
			size_t s2 = fxp_push_index(c, i++);
			if (fxp_expect(c, k, T_STRING)) {
				if (strncmp(k->valuestring, "dataset-", 8) || !k->valuestring[8])
					fxp_report(c, "API key must start with \"dataset-\" and go on after it");
				else
					ws->api_keys[ws->n_api_keys++] = fxp_strdup(c, k->valuestring);
			}
			fxp_pop(c, s2);
		}
		fxp_pop(c, s);
	}
	return ws;
}

static struct fx_kb *parse_kb(struct pctx *c, cJSON *o, char **ret_ws_ref)
{
	cJSON *x;
	*ret_ws_ref = NULL;
	if (!fxp_expect(c, o, T_OBJECT))
		return NULL;
	fxp_check_keys(c, o, kb_keys);
	struct fx_kb *kb = FXP_NEW(c, struct fx_kb, 1);
	kb->raw = o;
	kb->file = c->file;
	kb->id = fxp_get_uuid(c, o, "id");
	*ret_ws_ref = fxp_get_str(c, o, "workspace", REQUIRED, NULL);
	if (*ret_ws_ref && fxp_uuid_valid(*ret_ws_ref))
		fxp_lower(*ret_ws_ref);
	kb->name = fxp_get_str(c, o, "name", REQUIRED, NULL);
	kb->description = fxp_get_str(c, o, "description", OPTIONAL, "");
	int cs = fxp_get_enum(c, o, "chunk_structure", 0, chunk_structures, "chunk structure");
	kb->chunk_structure = cs >= 0 ? fxp_strdup(c, chunk_structures[cs]) : NULL;
	kb->api_enabled = fxp_get_bool(c, o, "api_enabled", true);
	kb->initial_documents = (unsigned)fxp_get_uint(c, o, "documents", 0, FX_MAX_COUNT);
	kb->strict_file_references = fxp_get_bool(c, o, "strict_file_references", false);
	if (fxp_get_typed(c, o, "pipeline", OPTIONAL, T_OBJECT | T_NULL, &x) > 0 && cJSON_IsObject(x)) {
		size_t s = fxp_push_key(c, "pipeline");
		kb->pipeline = fx_parse_pipeline(c, x);
		fxp_pop(c, s);
	}
	fx_parse_scenarios(c, o, kb);
	return kb;
}

void fx_parse_document(struct fx_loader *L, const char *file, cJSON *doc)
{
	struct pctx c = { .L = L, .file = file, .path = BUF_INIT };
	cJSON *x, *item;
	if (!fxp_expect(&c, doc, T_OBJECT))
		return;
	fxp_check_keys(&c, doc, root_keys);
	if (fxp_get_typed(&c, doc, "version", OPTIONAL, T_INT, &x) > 0) {
		uint64_t v;
		if (!fxp_int_value(x, UINT64_MAX, &v) || v != 1) {
			size_t s = fxp_push_key(&c, "version");
			fxp_report(&c, "unsupported version %s (only 1 is supported)", x->valuestring ? x->valuestring : "?");
			fxp_pop(&c, s);
		}
	}
	if (fxp_get_typed(&c, doc, "workspaces", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t i = 0;
		cJSON_ArrayForEach(item, x) {
			size_t s = fxp_push_key(&c, "workspaces");
			fxp_push_index(&c, i++);
			struct fx_workspace *ws = parse_workspace(&c, item);
			if (ws) {
				GROW(L->ws, L->n_ws, L->cap_ws);
				L->ws[L->n_ws++] = (struct fx_ws_entry){ ws, file, xstrdup(c.path.data) };
			}
			fxp_pop(&c, s);
		}
	}
	if (fxp_get_typed(&c, doc, "knowledge_bases", OPTIONAL, T_ARRAY, &x) > 0) {
		size_t i = 0;
		cJSON_ArrayForEach(item, x) {
			size_t s = fxp_push_key(&c, "knowledge_bases");
			fxp_push_index(&c, i++);
			char *ref;
			struct fx_kb *kb = parse_kb(&c, item, &ref);
			if (kb) {
				GROW(L->kbs, L->n_kbs, L->cap_kbs);
				L->kbs[L->n_kbs++] = (struct fx_kb_entry){ kb, ref, xstrdup(c.path.data) };
			}
			fxp_pop(&c, s);
		}
	}
	buf_free(&c.path);
}
