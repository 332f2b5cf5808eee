/* auth.c -- Bearer token and dataset checks. */
#include "auth.h"

#include <string.h>

static bool is_space(char c)
{
	/* Python str.split() whitespace for the ASCII range. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       (c >= 0x1c && c <= 0x1f);
}

int auth_check_key(const struct fixtures *fx, const char *authorization, const struct fx_workspace **ret_ws,
		   struct dm_error *reterr)
{
	/* wraps.py: `if auth_header is None or " " not in auth_header` -- a literal space. */
	if (!authorization || !strchr(authorization, ' '))
		return dm_error_set(reterr, 401, "unauthorized",
				    "Authorization header must be provided and start with 'Bearer'");
	/* auth_header.split(None, 1): leading whitespace skipped, the token is
	 * what follows the first whitespace run, untrimmed at its end. */
	const char *s = authorization;
	while (is_space(*s))
		s++;
	const char *scheme = s;
	while (*s && !is_space(*s))
		s++;
	size_t scheme_len = (size_t)(s - scheme);
	while (is_space(*s))
		s++;
	if (!*s) /* "Bearer " with nothing after: split gives one part */
		return dm_error_set(reterr, 400, "invalid_param", "not enough values to unpack (expected 2, got 1)");
	if (scheme_len != 6 || strncasecmp(scheme, "bearer", 6))
		return dm_error_set(reterr, 401, "unauthorized", "Authorization scheme must be 'Bearer'");
	const struct fx_workspace *ws = fixtures_workspace_by_key(fx, s, strlen(s));
	if (!ws)
		return dm_error_set(reterr, 401, "unauthorized", "Access token is invalid");
	*ret_ws = ws;
	return 0;
}

int auth_check_dataset(const struct fixtures *fx, const struct fx_workspace *ws, const char *dataset_id,
		       const struct fx_kb **ret_kb, struct dm_error *reterr)
{
	const struct fx_kb *kb = fixtures_kb(fx, dataset_id);
	if (!kb || kb->workspace != ws)
		return dm_error_set(reterr, 404, "not_found", "Dataset not found.");
	if (!kb->api_enabled)
		return dm_error_set(reterr, 403, "forbidden", "Dataset api access is not enabled.");
	if (ws->status != FX_TENANT_NORMAL || !ws->has_owner)
		return dm_error_set(reterr, 401, "unauthorized", "Tenant does not exist.");
	if (!ws->owner_account_exists)
		return dm_error_set(reterr, 401, "unauthorized", "Tenant owner account does not exist.");
	*ret_kb = kb;
	return 0;
}
