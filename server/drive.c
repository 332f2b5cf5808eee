/* drive.c -- an online drive as a datasource node's fixture "browse" key
 * describes it: its folders looked up by id, a node run's paged listing. */
#include "drive.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pyrepr.h"

#define PYD_URL "https://errors.pydantic.dev/2.12/v/"
#define MAX_KEYS_CAP 1000

/* ---- OnlineDriveBrowseFilesRequest(bucket, prefix, max_keys, next_page_parameters) ---- */

struct pyd_errors {
	struct buf text;
	int n;
};

static void pyd_error(struct pyd_errors *e, const char *loc, const char *type, const char *msg, const cJSON *input)
{
	if (e->n++)
		buf_putc(&e->text, '\n');
	buf_printf(&e->text, "%s\n  %s [type=%s, input_value=", loc, msg, type);
	pyrepr_pydantic(&e->text, input);
	buf_printf(&e->text, ", input_type=%s]\n    For further information visit " PYD_URL "%s", pyrepr_type_name(input),
		   type);
}

/* pydantic's lax int from a str: whitespace stripped, a sign, digits with
 * single underscores between them, an optional ".0...". */
static bool str_int(const char *s, long double *ret)
{
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	const char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		end--;
	bool neg = false;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	long double v = 0;
	bool digit = false;
	for (; s < end && *s != '.'; s++) {
		if (*s == '_' && digit && s + 1 < end && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		digit = true;
	}
	if (!digit)
		return false;
	if (s < end) { /* ".0+" */
		if (++s == end)
			return false;
		for (; s < end; s++)
			if (*s != '0')
				return false;
	}
	*ret = neg ? -v : v;
	return true;
}

char *drive_request_parse(const cJSON *inputs, struct drive_request *r)
{
	struct pyd_errors e = { BUF_INIT, 0 };
	const cJSON *bucket = json_get(inputs, "bucket"), *prefix = json_get(inputs, "prefix");
	const cJSON *max_keys = json_get(inputs, "max_keys"), *next = json_get(inputs, "next_page_parameters");
	*r = (struct drive_request){ NULL, "", 20, NULL };
	if (bucket && !cJSON_IsNull(bucket)) {
		if (cJSON_IsString(bucket))
			r->bucket = bucket->valuestring;
		else
			pyd_error(&e, "bucket", "string_type", "Input should be a valid string", bucket);
	}
	if (prefix) {
		if (cJSON_IsString(prefix))
			r->prefix = prefix->valuestring;
		else
			pyd_error(&e, "prefix", "string_type", "Input should be a valid string", prefix);
	}
	if (max_keys) {
		long double v = 20;
		bool ok = true;
		if (cJSON_IsBool(max_keys)) {
			v = cJSON_IsTrue(max_keys);
		} else if (cJSON_IsNumber(max_keys) && json_is_float(max_keys)) {
			double d = max_keys->valuedouble;
			if (d != floor(d)) {
				ok = false;
				pyd_error(&e, "max_keys", "int_from_float",
					  "Input should be a valid integer, got a number with a fractional part", max_keys);
			} else if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
				ok = false;
				pyd_error(&e, "max_keys", "int_parsing_size",
					  "Unable to parse input string as an integer, exceeded maximum size", max_keys);
			}
			v = d;
		} else if (cJSON_IsNumber(max_keys)) {
			v = max_keys->valuestring ? strtold(max_keys->valuestring, NULL) : max_keys->valuedouble;
		} else if (cJSON_IsString(max_keys)) {
			if (!str_int(max_keys->valuestring, &v)) {
				ok = false;
				pyd_error(&e, "max_keys", "int_parsing",
					  "Input should be a valid integer, unable to parse string as an integer", max_keys);
			}
		} else {
			ok = false;
			pyd_error(&e, "max_keys", "int_type", "Input should be a valid integer", max_keys);
		}
		if (ok)
			r->max_keys = v < 1 ? 1 : v > MAX_KEYS_CAP ? MAX_KEYS_CAP : (unsigned long long)v;
	}
	if (next && !cJSON_IsNull(next)) {
		if (cJSON_IsObject(next))
			r->next_page = next;
		else
			pyd_error(&e, "next_page_parameters", "dict_type", "Input should be a valid dictionary", next);
	}
	if (!e.n) {
		buf_free(&e.text);
		return NULL;
	}
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "%d validation error%s for OnlineDriveBrowseFilesRequest\n", e.n, e.n == 1 ? "" : "s");
	buf_append(&msg, e.text.data, e.text.len);
	buf_free(&e.text);
	return buf_steal(&msg, NULL);
}

/* The folder with this id anywhere under files, or NULL. */
static const cJSON *find_folder(const cJSON *files, const char *id, int depth)
{
	const cJSON *f;
	if (depth > 64)
		return NULL;
	cJSON_ArrayForEach(f, files) {
		const cJSON *fid = json_get(f, "id"), *children = json_get(f, "files");
		if (cJSON_IsString(fid) && !strcmp(fid->valuestring, id) && children)
			return children;
		const cJSON *in = find_folder(children, id, depth + 1);
		if (in)
			return in;
	}
	return NULL;
}

static cJSON *drive_entry(const char *id, const char *name, const cJSON *size, const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "size", size ? json_dup(size) : json_int(0));
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

cJSON *drive_listing(const cJSON *browse, const struct drive_request *r)
{
	const cJSON *buckets = json_get(browse, "buckets"), *root = json_get(browse, "files");
	cJSON *listing = cJSON_CreateArray(); /* every entry of the folder, then paged */
	const char *bucket = r->bucket;
	if (buckets) {
		const cJSON *b;
		if (!bucket || !*bucket) {
			bucket = NULL;
			cJSON_ArrayForEach(b, buckets) {
				const cJSON *name = json_get(b, "name");
				if (!r->prefix[0] && cJSON_IsString(name))
					cJSON_AddItemToArray(listing, drive_entry(name->valuestring, name->valuestring, NULL,
										  "folder"));
			}
			root = NULL;
		} else {
			root = NULL;
			cJSON_ArrayForEach(b, buckets) {
				const cJSON *name = json_get(b, "name");
				if (cJSON_IsString(name) && !strcmp(name->valuestring, bucket))
					root = json_get(b, "files");
			}
		}
	}
	const cJSON *folder = root && r->prefix[0] ? find_folder(root, r->prefix, 0) : root, *f;
	cJSON_ArrayForEach(f, folder) {
		const cJSON *id = json_get(f, "id"), *name = json_get(f, "name"), *type = json_get(f, "type");
		cJSON_AddItemToArray(listing, drive_entry(cJSON_IsString(id) ? id->valuestring : "",
							  cJSON_IsString(name) ? name->valuestring : "", json_get(f, "size"),
							  cJSON_IsString(type) ? type->valuestring : "file"));
	}
	unsigned long long offset = 0, total = (unsigned long long)cJSON_GetArraySize(listing);
	const cJSON *off = json_get(r->next_page, "offset");
	if (cJSON_IsNumber(off) && off->valuedouble > 0)
		offset = off->valuedouble >= (double)total ? total : (unsigned long long)off->valuedouble;
	cJSON *page = cJSON_CreateArray();
	unsigned long long i = 0;
	cJSON *e, *next;
	for (e = listing->child; e; e = next, i++) {
		next = e->next;
		if (i >= offset && i < offset + r->max_keys)
			cJSON_AddItemToArray(page, cJSON_DetachItemViaPointer(listing, e));
	}
	cJSON_Delete(listing);
	bool truncated = offset + r->max_keys < total;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "bucket", bucket ? cJSON_CreateString(bucket) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "files", page);
	cJSON_AddBoolToObject(o, "is_truncated", truncated);
	if (truncated) {
		cJSON *np = cJSON_AddObjectToObject(o, "next_page_parameters");
		cJSON_AddItemToObject(np, "offset", json_int((long long)(offset + r->max_keys)));
	} else {
		cJSON_AddNullToObject(o, "next_page_parameters");
	}
	cJSON *arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, o);
	return arr;
}
