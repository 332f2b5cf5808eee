/* upload.c -- KnowledgebasePipelineFileUploadApi.post and FileService.upload_file. */
#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "json.h"
#include "multipart.h"

const struct upload_limits upload_default_limits = { NULL, 15, 10, 100, 50 };

static const char *const image_ext[] = { "jpg", "jpeg", "png", "webp", "gif", "svg", NULL };
static const char *const video_ext[] = { "mp4", "mov", "mpeg", "webm", NULL };
static const char *const audio_ext[] = { "mp3", "m4a", "wav", "amr", "mpga", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* os.path.splitext(name)[1].lstrip(".").lower(): the text after the last
 * dot, when a character other than a dot comes before that dot (after the
 * last '/'); ASCII letters lower-cased. Heap. */
static char *extension_of(const char *name, size_t len)
{
	size_t sep = 0, dot = 0;
	bool has_sep = false, has_dot = false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/')
			sep = i, has_sep = true;
		else if (name[i] == '.')
			dot = i, has_dot = true;
	}
	size_t from = has_sep ? sep + 1 : 0;
	bool ext = false;
	if (has_dot && (!has_sep || dot > sep))
		for (size_t i = from; i < dot && !ext; i++)
			ext = name[i] != '.';
	if (!ext)
		return xstrdup("");
	char *e = xstrndup(name + dot + 1, len - dot - 1);
	for (char *c = e; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return e;
}

/* Number of code points in valid UTF-8. */
static size_t code_points(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The byte length of the first max code points of s. */
static size_t prefix_bytes(const char *s, size_t len, size_t max)
{
	size_t i = 0, n = 0;
	while (i < len && n < max) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n++;
	}
	return i;
}

int upload_check(const char *content_type, const char *body, size_t len, const struct upload_limits *limits,
		 int64_t now_ms, struct stored_upload *ret, struct dm_error *reterr)
{
	struct mp_form form;
	memset(ret, 0, sizeof *ret);
	if (!limits)
		limits = &upload_default_limits;
	multipart_parse(content_type, body, len, &form);
	int rc = -1;
	if (form.status == MP_TOO_LARGE) {
		dm_error_set(reterr, 413, "request_entity_too_large",
			     "The data value transmitted exceeds the capacity limit.");
		goto out;
	}
	const struct mp_file *file = mp_first_named(&form, "file");
	if (!file) {
		dm_error_set(reterr, 400, "no_file_uploaded", "Please upload your file.");
		goto out;
	}
	if (mp_distinct_names(&form) > 1) {
		dm_error_set(reterr, 400, "too_many_files", "Only one file is allowed.");
		goto out;
	}
	char *mimetype = mp_mimetype(file->content_type.s, file->content_type.len, true);
	if (!*mimetype) { /* raise UnsupportedFileTypeError(): str() of it is "" */
		free(mimetype);
		dm_error_set(reterr, 400, "invalid_param", "%s", "");
		goto out;
	}
	const char *name = file->filename.s;
	size_t name_len = file->filename.len;
	if (!name_len) {
		free(mimetype);
		dm_error_set(reterr, 400, "filename_not_exists_error", "The specified filename does not exist.");
		goto out;
	}
	char *ext = extension_of(name, name_len);
	if (memchr(name, '/', name_len) || memchr(name, '\\', name_len)) {
		free(mimetype);
		free(ext);
		dm_error_set(reterr, 400, "invalid_param", "Filename contains invalid characters");
		goto out;
	}
	struct buf stored = BUF_INIT;
	if (code_points(name, name_len) > 200) {
		/* filename.split(".")[0][:200] + "." + extension */
		const char *dot = memchr(name, '.', name_len);
		size_t stem = dot ? (size_t)(dot - name) : name_len;
		buf_append(&stored, name, prefix_bytes(name, stem, 200));
		buf_putc(&stored, '.');
		buf_puts(&stored, ext);
	} else {
		buf_append(&stored, name, name_len);
	}
	if (*ext && in_list(ext, limits->blacklist)) {
		dm_error_set(reterr, 400, "invalid_param", "File extension '.%s' is not allowed for security reasons", ext);
		free(mimetype);
		free(ext);
		buf_free(&stored);
		goto out;
	}
	uint64_t mb = in_list(ext, image_ext)   ? limits->image_mb
		      : in_list(ext, video_ext) ? limits->video_mb
		      : in_list(ext, audio_ext) ? limits->audio_mb
						: limits->file_mb;
	if ((uint64_t)file->size > mb * 1024 * 1024) { /* FileTooLargeError(None) */
		dm_error_set(reterr, 400, "invalid_param", "None");
		free(mimetype);
		free(ext);
		buf_free(&stored);
		goto out;
	}
	ids_uuid4(ret->id);
	ret->name = buf_steal(&stored, &ret->name_len);
	ret->size = file->size;
	ret->extension = ext;
	ret->mime_type = mimetype;
	/* Dify stores naive_utc_now() with microseconds; the request time has
	 * milliseconds, so the last three digits are drawn. */
	ret->created_us = now_ms * 1000 + (int64_t)ids_range(0, 999);
	rc = 0;
out:
	mp_form_free(&form);
	return rc;
}

void upload_done(struct stored_upload *u)
{
	free(u->name);
	free(u->extension);
	free(u->mime_type);
	u->name = u->extension = u->mime_type = NULL;
}

static void member(struct buf *out, const char *key, const char *s, size_t len)
{
	buf_printf(out, ",\"%s\":", key);
	json_write_string(out, s, len, JSON_UJSON);
}

void upload_body(const struct stored_upload *u, struct buf *out)
{
	buf_puts(out, "{\"id\":");
	json_write_string(out, u->id, strlen(u->id), JSON_UJSON);
	member(out, "name", u->name, u->name_len);
	buf_printf(out, ",\"size\":%llu", (unsigned long long)u->size);
	member(out, "extension", u->extension, strlen(u->extension));
	member(out, "mime_type", u->mime_type, strlen(u->mime_type));
	member(out, "created_by", u->created_by, strlen(u->created_by));
	/* datetime.isoformat() of a naive UTC time: no zone, the fraction only when not zero */
	time_t sec = (time_t)(u->created_us / 1000000);
	long us = (long)(u->created_us % 1000000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char when[40];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (us)
		snprintf(when + strlen(when), sizeof when - strlen(when), ".%06ld", us);
	member(out, "created_at", when, strlen(when));
	buf_puts(out, "}\n");
}

/* ---- references ---- */

/* base64.urlsafe_b64decode: a str must be ASCII; "-_" and "+/" are both
 * data; other characters are skipped (binascii.a2b_base64, not strict); a
 * padding once complete ends the input; the data must end on a 4-character
 * group. Returns -1 where Python raises (a ValueError). */
static int b64url_decode(const char *s, struct buf *out)
{
	unsigned quad = 0, pads = 0, left = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int v;
		if (c >= 0x80)
			return -1;
		if (c == '=') {
			if (quad >= 2 && quad + ++pads >= 4)
				return 0;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '-' || c == '+')
			v = 62;
		else if (c == '_' || c == '/')
			v = 63;
		else
			continue;
		pads = 0;
		switch (quad) {
		case 0:
			left = (unsigned)v;
			quad = 1;
			break;
		case 1:
			buf_putc(out, (char)((left << 2) | ((unsigned)v >> 4)));
			left = (unsigned)v & 0x0f;
			quad = 2;
			break;
		case 2:
			buf_putc(out, (char)((left << 4) | ((unsigned)v >> 2)));
			left = (unsigned)v & 0x03;
			quad = 3;
			break;
		default:
			buf_putc(out, (char)((left << 6) | (unsigned)v));
			quad = 0;
			break;
		}
	}
	return quad == 0 ? 0 : -1;
}

char *upload_item_file_id(const cJSON *item)
{
	const cJSON *v = json_get(item, "reference");
	if (!cJSON_IsString(v) || !*v->valuestring)
		v = json_get(item, "related_id");
	if (!cJSON_IsString(v) || !*v->valuestring)
		return NULL;
	const char *ref = v->valuestring;
	static const char prefix[] = "dify-file-ref:";
	if (strncmp(ref, prefix, sizeof prefix - 1))
		return xstrdup(ref);
	struct buf raw = BUF_INIT;
	char *id = NULL;
	cJSON *payload = NULL;
	if (!b64url_decode(ref + sizeof prefix - 1, &raw) && !json_parse(raw.data ? raw.data : "", raw.len, &payload, NULL, 0)) {
		const cJSON *rid = json_get(payload, "record_id");
		if (cJSON_IsString(rid) && *rid->valuestring)
			id = xstrdup(rid->valuestring);
	}
	cJSON_Delete(payload);
	buf_free(&raw);
	return id ? id : xstrdup(ref);
}

bool upload_item_resolves(struct documents *docs, const char *tenant_id, const cJSON *item)
{
	char *id = upload_item_file_id(item);
	bool ok = id && documents_upload_exists(docs, tenant_id, id);
	free(id);
	return ok;
}
