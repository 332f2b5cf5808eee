/* node_files.c -- datasource files and documents' made-up text
 * (node_files.h). */
#include "node_files.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "documents.h"
#include "ids.h"
#include "json.h"
#include "upload.h"

char *node_file_extension(const char *name)
{
	/* os.path.splitext: the last dot not leading the name ("." when none,
	 * as Dify stores "" and adds the dot back) */
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || strchr(dot, '/'))
		return xstrdup(".");
	char *e = xstrdup(dot);
	for (char *c = e; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return e;
}

/* mimetypes.guess_type's answer for the common document kinds. */
static const char *mime_of(const char *ext)
{
	static const struct {
		const char *ext, *mime;
	} known[] = {
		{ ".pdf", "application/pdf" }, { ".txt", "text/plain" }, { ".md", "text/markdown" },
		{ ".markdown", "text/markdown" }, { ".mdx", "text/markdown" }, { ".html", "text/html" },
		{ ".htm", "text/html" }, { ".csv", "text/csv" }, { ".json", "application/json" },
		{ ".xml", "application/xml" }, { ".doc", "application/msword" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".xls", "application/vnd.ms-excel" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ ".ppt", "application/vnd.ms-powerpoint" },
		{ ".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
		{ ".epub", "application/epub+zip" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" }, { ".gif", "image/gif" }, { ".webp", "image/webp" },
		{ ".mp3", "audio/mpeg" }, { ".wav", "audio/x-wav" }, { ".mp4", "video/mp4" },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(ext, known[i].ext))
			return known[i].mime;
	return "application/octet-stream";
}

/* Dify's FileType from an extension: what a tool file is typed as. */
static const char *type_of(const char *ext)
{
	static const char *const images[] = { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg", NULL };
	static const char *const audio[] = { ".mp3", ".m4a", ".wav", ".amr", ".mpga", NULL };
	static const char *const video[] = { ".mp4", ".mov", ".mpeg", ".webm", NULL };
	static const char *const docs[] = { ".txt", ".markdown", ".md", ".mdx", ".pdf", ".html", ".htm", ".xlsx",
					    ".xls", ".vtt", ".properties", ".doc", ".docx", ".csv", ".eml", ".msg",
					    ".pptx", ".xml", ".epub", NULL };
	const char *const *lists[] = { images, audio, video, docs };
	const char *names[] = { "image", "audio", "video", "document" };
	for (size_t k = 0; k < 4; k++)
		for (const char *const *e = lists[k]; *e; e++)
			if (!strcmp(ext, *e))
				return names[k];
	return "custom";
}

/* FNV-1a: a seed from a string. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static void b64url(struct buf *out, const unsigned char *s, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		buf_putc(out, al[v >> 18 & 63]);
		buf_putc(out, al[v >> 12 & 63]);
		buf_putc(out, i + 1 < n ? al[v >> 6 & 63] : '=');
		buf_putc(out, i + 2 < n ? al[v & 63] : '=');
	}
}

/* A signed file URL as Dify builds one: path, then timestamp, nonce (32
 * hex digits) and sign (urlsafe base64 of an HMAC-SHA256: 44 characters,
 * the last "="). An upload's is urlencoded ("=" as "%3D"), a tool file's
 * is not. The nonce and signature are drawn from the id and the time, so
 * the same file gets the same URL within a run. */
static char *signed_url(const char *path, const char *id, int64_t at_ms, bool urlencoded)
{
	struct buf b = BUF_INIT, sign = BUF_INIT;
	uint64_t h = ids_mix(hash_str(id) ^ (uint64_t)at_ms);
	unsigned char sig[32];
	for (size_t i = 0; i < sizeof sig; i++)
		sig[i] = (unsigned char)(ids_mix(h + i) >> 24);
	b64url(&sign, sig, sizeof sig);
	buf_printf(&b, "%s?timestamp=%lld&nonce=%016llx%016llx&sign=", path, (long long)(at_ms / 1000),
		   (unsigned long long)ids_mix(h), (unsigned long long)ids_mix(~h));
	if (urlencoded && sign.len && sign.data[sign.len - 1] == '=') {
		buf_append(&b, sign.data, sign.len - 1);
		buf_puts(&b, "%3D");
	} else {
		buf_append(&b, sign.data, sign.len);
	}
	buf_free(&sign);
	return buf_steal(&b, NULL);
}

/* "dify-file-ref:" + urlsafe base64 (padded) of {"record_id":"<id>"}. */
static char *file_reference(const char *id)
{
	struct buf ref = BUF_INIT, payload = BUF_INIT;
	buf_puts(&payload, "{\"record_id\":");
	json_write_string(&payload, id, strlen(id), JSON_PYDUMPS);
	buf_putc(&payload, '}');
	buf_puts(&ref, "dify-file-ref:");
	b64url(&ref, (const unsigned char *)payload.data, payload.len);
	buf_free(&payload);
	return buf_steal(&ref, NULL);
}

static cJSON *local_file(const struct run_values *rv)
{
	char *id = upload_item_file_id(rv->item);
	if (!id)
		id = xstrdup("");
	struct stored_upload up;
	bool known = rv->docs && rv->kb->workspace && documents_upload_get(rv->docs, rv->kb->workspace->id, id, &up);
	const cJSON *name = json_get(rv->item, "name"), *size = json_get(rv->item, "size");
	char *filename = known ? xstrndup(up.name, up.name_len)
			       : xstrdup(cJSON_IsString(name) ? name->valuestring : "untitled");
	char *ext = known ? NULL : node_file_extension(filename);
	struct buf path = BUF_INIT, e = BUF_INIT;
	buf_printf(&path, "/files/%s/file-preview", id);
	/* remote_url was signed when the file was uploaded, url now. */
	int64_t uploaded_ms = known ? up.created_us / 1000 : rv->created_at_ms;
	char *remote = signed_url(path.data, id, uploaded_ms - 1, true), *url = signed_url(path.data, id, rv->created_at_ms, true);
	char *ref = file_reference(id);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "dify_model_identity", "__dify__file__");
	cJSON_AddStringToObject(f, "id", id);
	cJSON_AddStringToObject(f, "type", "custom");
	cJSON_AddStringToObject(f, "transfer_method", "local_file");
	cJSON_AddStringToObject(f, "remote_url", remote);
	cJSON_AddStringToObject(f, "reference", ref);
	cJSON_AddStringToObject(f, "filename", filename);
	if (known) {
		buf_printf(&e, ".%s", up.extension ? up.extension : "");
		cJSON_AddStringToObject(f, "extension", e.data);
		cJSON_AddStringToObject(f, "mime_type", up.mime_type ? up.mime_type : "");
		cJSON_AddItemToObject(f, "size", json_int((long long)up.size));
		upload_done(&up);
	} else {
		cJSON_AddStringToObject(f, "extension", ext);
		cJSON_AddStringToObject(f, "mime_type", mime_of(ext));
		cJSON_AddItemToObject(f, "size", json_int(cJSON_IsNumber(size) ? (long long)size->valuedouble : 0));
	}
	cJSON_AddStringToObject(f, "related_id", id);
	cJSON_AddStringToObject(f, "url", url);
	free(remote);
	free(url);
	free(ref);
	free(ext);
	free(filename);
	free(id);
	buf_free(&path);
	buf_free(&e);
	return f;
}

/* The extension mimetypes.guess_extension gives a mime type back. */
static const char *ext_of_mime(const char *mime)
{
	static const char *const exts[] = { ".pdf", ".txt", ".md", ".html", ".csv", ".json", ".xml", ".doc", ".docx",
					    ".xls", ".xlsx", ".ppt", ".pptx", ".epub", ".png", ".jpg", ".gif", ".webp",
					    ".mp3", ".wav", ".mp4", NULL };
	for (const char *const *e = exts; *e; e++)
		if (!strcmp(mime_of(*e), mime))
			return *e;
	return ".bin";
}

/* An online_drive file: the plugin's download, kept by Dify as a tool
 * file whose extension comes from the mime type (graph-semantics.md §3.5). */
static cJSON *drive_file(const struct run_values *rv)
{
	const cJSON *name = json_get(rv->item, "name"), *size = json_get(rv->item, "size"), *fid = json_get(rv->item, "id");
	const char *filename = cJSON_IsString(name) ? name->valuestring : "untitled";
	char *own_ext = node_file_extension(filename);
	const char *mime = mime_of(own_ext), *ext = ext_of_mime(mime);
	char tool_id[IDS_UUID_LEN + 1];
	uint64_t h = hash_str(cJSON_IsString(fid) ? fid->valuestring : filename) ^ (uint64_t)rv->created_at_ms;
	ids_uuid4_from(ids_mix(h), ids_mix(h + 1), tool_id);
	struct buf path = BUF_INIT, stored = BUF_INIT;
	buf_printf(&path, "/files/tools/%s%s", tool_id, ext);
	/* a name without a dot gets the extension appended */
	buf_printf(&stored, "%s%s", filename, strcmp(own_ext, ".") ? "" : ext);
	char *url = signed_url(path.data, tool_id, rv->created_at_ms, false), *ref = file_reference(tool_id);
	const char *type = !strncmp(mime, "image", 5) ? "image" : !strncmp(mime, "video", 5) ? "video"
			 : !strncmp(mime, "audio", 5) ? "audio" : (strstr(mime, "text") || strstr(mime, "pdf")) ? "document"
			 : type_of(ext);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "dify_model_identity", "__dify__file__");
	cJSON_AddNullToObject(f, "id");
	cJSON_AddStringToObject(f, "type", type);
	cJSON_AddStringToObject(f, "transfer_method", "tool_file");
	cJSON_AddNullToObject(f, "remote_url");
	cJSON_AddStringToObject(f, "reference", ref);
	cJSON_AddStringToObject(f, "filename", stored.data);
	cJSON_AddStringToObject(f, "extension", ext);
	cJSON_AddStringToObject(f, "mime_type", mime);
	cJSON_AddItemToObject(f, "size", json_int(cJSON_IsNumber(size) ? (long long)size->valuedouble : 0));
	cJSON_AddStringToObject(f, "related_id", tool_id);
	cJSON_AddStringToObject(f, "url", url);
	free(url);
	free(ref);
	free(own_ext);
	buf_free(&path);
	buf_free(&stored);
	return f;
}

cJSON *node_file_of_item(const struct run_values *rv, const struct fx_node *nd)
{
	(void)nd;
	return rv->ds_kind == FX_DS_ONLINE_DRIVE ? drive_file(rv) : local_file(rv);
}

char *node_file_missing(const struct run_values *rv)
{
	char *id = upload_item_file_id(rv->item);
	struct buf b = BUF_INIT;
	if (!id)
		return xstrdup("Failed to invoke datasource: File is not exist");
	if (rv->kb->strict_file_references &&
	    !(rv->docs && rv->kb->workspace && documents_upload_exists(rv->docs, rv->kb->workspace->id, id))) {
		/* get_upload_file_by_id's ValueError (graph-semantics.md §3.5). */
		buf_printf(&b, "UploadFile not found for file_id=%s, tenant_id=%s", id,
			   rv->kb->workspace ? rv->kb->workspace->id : "");
		free(id);
		return buf_steal(&b, NULL);
	}
	free(id);
	return NULL;
}

char *node_file_text(const char *name)
{
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "%s\n\nThis text stands for the content of %s, which dify-mock does not read.\n\n"
		   "Every run on the same document gets the same text, so tests can rely on it.",
		   name, name);
	return buf_steal(&b, NULL);
}
