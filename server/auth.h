/* auth.h -- Dify's validate_dataset_token: Bearer header shape, dataset API
 * key lookup, then the knowledge base and its tenant, with Dify's messages
 * and in Dify's order (wire.md §2-§3). */
#pragma once
#include "error.h"
#include "fixtures.h"

/* authorization may be NULL (header absent). On success *ret_ws is the
 * workspace owning the key. Errors: 401 unauthorized. */
int auth_check_key(const struct fixtures *fx, const char *authorization, const struct fx_workspace **ret_ws,
		   struct dm_error *reterr);

/* The knowledge base dataset_id of workspace ws: 404 "Dataset not found."
 * (unknown, or another workspace's), 403 when API access is off, then the
 * tenant checks (401 "Tenant does not exist." / "Tenant owner account does
 * not exist."). */
int auth_check_dataset(const struct fixtures *fx, const struct fx_workspace *ws, const char *dataset_id,
		       const struct fx_kb **ret_kb, struct dm_error *reterr);
