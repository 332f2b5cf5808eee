/* drive.c -- an online drive as a datasource node's fixture "browse" key
 * describes it: its folders looked up by id, a node run's paged listing,
 * and the expansion of pipeline/run's folder items. */
#include "drive.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "json.h"
#include "plugins.h"
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

/* The folder with this id anywhere under files (the first in depth-first
 * order, within 64 levels), or NULL. */
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

/* The files at the root of the drive, or of the bucket named bucket when
 * the drive has buckets (NULL when it names none: the root then lists the
 * buckets themselves). */
static const cJSON *root_files(const cJSON *browse, const char *bucket)
{
	const cJSON *buckets = json_get(browse, "buckets"), *b;
	if (!buckets)
		return json_get(browse, "files");
	cJSON_ArrayForEach(b, buckets) {
		const cJSON *name = json_get(b, "name");
		if (bucket && *bucket && cJSON_IsString(name) && !strcmp(name->valuestring, bucket))
			return json_get(b, "files");
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
	const cJSON *buckets = json_get(browse, "buckets"), *root = root_files(browse, r->bucket);
	cJSON *listing = cJSON_CreateArray(); /* every entry of the folder, then paged */
	const char *bucket = r->bucket;
	if (buckets && (!bucket || !*bucket)) {
		const cJSON *b;
		bucket = NULL;
		cJSON_ArrayForEach(b, buckets) {
			const cJSON *name = json_get(b, "name");
			if (!r->prefix[0] && cJSON_IsString(name))
				cJSON_AddItemToArray(listing, drive_entry(name->valuestring, name->valuestring, NULL, "folder"));
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

/* ---- pipeline/run's folder items ---- */

/* What one request's folders may hold in all, a bound on the work a
 * fixture can ask for (repeated folder ids multiply); Dify has none. */
#define EXPAND_MAX_ENTRIES 100000
/* Python's recursion limit, 1000 frames, less those below the generator:
 * about where Dify's recursive _get_files_in_folder gives up. */
#define EXPAND_MAX_DEPTH 900
/* What _get_files_in_folder asks for a page (max_keys). */
#define EXPAND_PAGE 20

/* A drive root's folders by id: the first one depth-first, as find_folder
 * finds it, looked up once instead of once per folder. */
struct folder_index {
	const cJSON *root;
	struct hmap by_id;         /* id -> the folder's files */
	struct folder_index *next;
};

struct expansion {
	const struct fx_node *node;
	const cJSON *browse;
	enum dify_version v;
	struct folder_index *indexes;
	const cJSON *root;         /* the folder item's bucket's files (or the drive's) */
	const cJSON *bucket;       /* the folder item's "bucket", as sent; NULL when absent */
	struct hmap visited;       /* 1.17: the folders listed for this item */
	bool called;               /* the plugin was called once: it failed then or never */
	size_t entries;
	cJSON *out;
	struct buf error;
};

static void index_folders(struct hmap *by_id, const cJSON *files, int depth)
{
	const cJSON *f;
	if (depth > 64)
		return;
	cJSON_ArrayForEach(f, files) {
		const cJSON *id = json_get(f, "id"), *children = json_get(f, "files");
		if (cJSON_IsString(id) && children)
			hmap_add(by_id, id->valuestring, (void *)children);
		index_folders(by_id, children, depth + 1);
	}
}

static const cJSON *folder_files(struct expansion *e, const char *id)
{
	struct folder_index *x = e->indexes;
	while (x && x->root != e->root)
		x = x->next;
	if (!x) {
		x = xcalloc(1, sizeof *x);
		x->root = e->root;
		index_folders(&x->by_id, e->root, 0);
		x->next = e->indexes;
		e->indexes = x;
	}
	return hmap_get(&x->by_id, id);
}

static int fail(struct expansion *e, const char *msg)
{
	buf_reset(&e->error);
	buf_puts(&e->error, msg);
	return -1;
}

static cJSON *rewritten(const cJSON *id, const cJSON *name, const cJSON *bucket)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "id", id ? json_dup(id) : cJSON_CreateString(""));
	cJSON_AddItemToObject(o, "name", name ? json_dup(name) : cJSON_CreateString("untitled"));
	cJSON_AddItemToObject(o, "bucket", bucket ? json_dup(bucket) : cJSON_CreateNull());
	return o;
}

/* _get_files_in_folder(prefix): its files, then its folders' at their
 * place, page after page (1.13.3); from 1.17 on, a folder already listed
 * for this item is skipped, and the same check ends the folder after its
 * first page. */
static int list_folder(struct expansion *e, const char *prefix, unsigned depth)
{
	if (depth > EXPAND_MAX_DEPTH) /* 1.13.3: also a folder inside itself */
		return fail(e, "maximum recursion depth exceeded");
	if (e->v >= DIFY_1_17)
		hmap_add(&e->visited, prefix, (void *)prefix);
	if (!e->called) {
		bool late;
		e->called = true;
		if (plugins_call_fails(e->node, "online_drive", NULL, &e->error, &late))
			return -1;
	}
	size_t page = e->v >= DIFY_1_17 ? EXPAND_PAGE : SIZE_MAX, i = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, folder_files(e, prefix)) {
		if (i++ == page)
			break;
		if (++e->entries > EXPAND_MAX_ENTRIES)
			return fail(e, "dify-mock: the folders hold more than 100000 files and folders");
		const cJSON *id = json_get(f, "id"), *name = json_get(f, "name"), *type = json_get(f, "type");
		const char *fid = cJSON_IsString(id) ? id->valuestring : "";
		if (cJSON_IsString(type) && !strcmp(type->valuestring, "folder")) {
			if (e->v >= DIFY_1_17 && hmap_get(&e->visited, fid))
				continue;
			if (list_folder(e, fid, depth + 1))
				return -1;
		} else {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", fid);
			cJSON_AddStringToObject(o, "name", cJSON_IsString(name) ? name->valuestring : "");
			cJSON_AddItemToObject(o, "bucket", e->bucket ? json_dup(e->bucket) : cJSON_CreateNull());
			cJSON_AddItemToArray(e->out, o);
		}
	}
	return 0;
}

/* A folder item: the request Dify builds for it, then its files. */
static int expand_folder(struct expansion *e, const cJSON *item)
{
	e->bucket = json_get(item, "bucket");
	cJSON *inputs = cJSON_CreateObject();
	if (e->bucket)
		cJSON_AddItemToObject(inputs, "bucket", json_dup(e->bucket));
	cJSON_AddItemToObject(inputs, "prefix", json_dup(json_get(item, "id")));
	struct drive_request r;
	char *bad = drive_request_parse(inputs, &r);
	int rc;
	if (bad) {
		rc = fail(e, bad);
		free(bad);
	} else {
		e->root = root_files(e->browse, r.bucket);
		rc = list_folder(e, r.prefix, 1);
		hmap_free(&e->visited);
	}
	cJSON_Delete(inputs);
	return rc;
}

int drive_expand(const struct fx_node *start, const cJSON *items, enum dify_version v, cJSON **ret_items,
		 char **ret_error)
{
	struct expansion e = {
		.node = start,
		.browse = start->browse,
		.v = v,
		.visited = HMAP_INIT,
		.out = cJSON_CreateArray(),
		.error = BUF_INIT,
	};
	int rc = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, items) {
		const cJSON *id = json_get(item, "id"), *type = json_get(item, "type");
		if (!pyrepr_is_falsy(id) && cJSON_IsString(type) && !strcmp(type->valuestring, "folder")) {
			if ((rc = expand_folder(&e, item)))
				break;
		} else {
			cJSON_AddItemToArray(e.out, rewritten(id, json_get(item, "name"), json_get(item, "bucket")));
		}
	}
	for (struct folder_index *x = e.indexes, *next; x; x = next) {
		next = x->next;
		hmap_free(&x->by_id);
		free(x);
	}
	if (rc) {
		cJSON_Delete(e.out);
		*ret_error = buf_steal(&e.error, NULL);
		return -1;
	}
	buf_free(&e.error);
	*ret_items = e.out;
	return 0;
}
