/* test-upload.c -- the file upload after auth (companion-endpoints.md §2):
 * Dify's checks in order with their exact codes and messages, the
 * 200-character shortening, the size limits by extension (MiB, inclusive),
 * the 201 bytes; and how local_file items name uploaded files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "documents.h"
#include "ids.h"
#include "json.h"
#include "upload.h"

#define CT "multipart/form-data; boundary=bnd"
#define NOW_MS 1776000000123LL

static struct stored_upload up;
static struct dm_error err;

static void setup(void)
{
	ids_seed(3);
	memset(&up, 0, sizeof up);
	err = (struct dm_error)DM_ERROR_INIT;
}

static void teardown(void)
{
	upload_done(&up);
	dm_error_clear(&err);
	ids_unseed();
}

/* A body with one part per (disposition, content type or NULL, contents) triple. */
static char *body3(size_t n, const char *const *parts, size_t *ret_len)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "--bnd\r\nContent-Disposition: form-data; %s\r\n", parts[3 * i]);
		if (parts[3 * i + 1])
			buf_printf(&b, "Content-Type: %s\r\n", parts[3 * i + 1]);
		buf_printf(&b, "\r\n%s\r\n", parts[3 * i + 2]);
	}
	buf_puts(&b, "--bnd--\r\n");
	return buf_steal(&b, ret_len);
}

static int check(const char *ct, const char *body, size_t len)
{
	upload_done(&up);
	dm_error_clear(&err);
	return upload_check(ct, body, len, NULL, NOW_MS, &up, &err);
}

static void assert_error(int rc, unsigned status, const char *code, const char *message)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_uint_eq(err.status, status);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.message, message);
}

/* One part named file with this filename and content type. */
static int one(const char *filename_param, const char *ct, const char *contents)
{
	struct buf d = BUF_INIT;
	buf_printf(&d, "name=\"file\"; %s", filename_param);
	const char *parts[] = { d.data, ct, contents };
	size_t len;
	char *b = body3(1, parts, &len);
	int rc = check(CT, b, len);
	free(b);
	buf_free(&d);
	return rc;
}

START_TEST(test_upload_accepts_a_file_and_answers_dify_bytes)
{
	ck_assert_int_eq(one("filename=\"Quarterly-Report.PDF\"", "Application/PDF; charset=binary", "hello"), 0);
	ck_assert(ids_is_uuid(up.id, strlen(up.id)));
	ck_assert_str_eq(up.name, "Quarterly-Report.PDF");
	ck_assert_uint_eq(up.size, 5);
	ck_assert_str_eq(up.extension, "pdf");
	ck_assert_str_eq(up.mime_type, "application/pdf");
	ck_assert_int_ge(up.created_us, NOW_MS * 1000);
	ck_assert_int_lt(up.created_us, NOW_MS * 1000 + 1000);
	snprintf(up.created_by, sizeof up.created_by, "e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
	snprintf(up.id, sizeof up.id, "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
	up.created_us = 1775986212118406LL;
	struct buf b = BUF_INIT;
	upload_body(&up, &b);
	ck_assert_str_eq(b.data, "{\"id\":\"a1b2c3d4-e5f6-7890-abcd-ef1234567890\",\"name\":\"Quarterly-Report.PDF\","
				 "\"size\":5,\"extension\":\"pdf\",\"mime_type\":\"application\\/pdf\",\"created_by\":"
				 "\"e8a2c1f0-3b4d-4e5f-8a9b-0c1d2e3f4a5b\",\"created_at\":\"2026-04-12T09:30:12.118406\"}\n");
	/* microseconds 0: isoformat() drops the fraction */
	up.created_us = 1775986212000000LL;
	buf_reset(&b);
	upload_body(&up, &b);
	ck_assert_msg(strstr(b.data, "\"created_at\":\"2026-04-12T09:30:12\"}\n"), "%s", b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_upload_escapes_non_ascii_names)
{
	ck_assert_int_eq(one("filename=\"\xe6\x8a\xa5\xe5\x91\x8a r\xc3\xa9sum\xc3\xa9.pdf\"", "text/plain", "x"), 0);
	struct buf b = BUF_INIT;
	upload_body(&up, &b);
	ck_assert_msg(strstr(b.data, "\"name\":\"\\u62a5\\u544a r\\u00e9sum\\u00e9.pdf\""), "%s", b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_upload_no_file)
{
	assert_error(check("application/json", "{}", 2), 400, "no_file_uploaded", "Please upload your file.");
	assert_error(check(NULL, "", 0), 400, "no_file_uploaded", "Please upload your file.");
	assert_error(check("multipart/form-data", "--bnd--", 7), 400, "no_file_uploaded", "Please upload your file.");
	/* a part named otherwise, and a "file" part without filename= (a form field) */
	const char *p1[] = { "name=\"upload\"; filename=\"a.pdf\"", "a/b", "x" };
	size_t len;
	char *b = body3(1, p1, &len);
	assert_error(check(CT, b, len), 400, "no_file_uploaded", "Please upload your file.");
	free(b);
	const char *p2[] = { "name=\"file\"", "a/b", "x" };
	b = body3(1, p2, &len);
	assert_error(check(CT, b, len), 400, "no_file_uploaded", "Please upload your file.");
	free(b);
	/* a broken body: Werkzeug fails silently */
	assert_error(check(CT, "--bnd\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\nx", 60), 400,
		     "no_file_uploaded", "Please upload your file.");
}
END_TEST

START_TEST(test_upload_counts_distinct_field_names)
{
	size_t len;
	const char *two_names[] = { "name=\"file\"; filename=\"a.pdf\"", "a/b", "x", "name=\"file2\"; filename=\"b\"",
				    "a/b", "y" };
	char *b = body3(2, two_names, &len);
	assert_error(check(CT, b, len), 400, "too_many_files", "Only one file is allowed.");
	free(b);
	const char *same_name[] = { "name=\"file\"; filename=\"first.pdf\"", "a/b", "x", "name=\"file\"; filename=\"b\"",
				    "c/d", "yy" };
	b = body3(2, same_name, &len);
	ck_assert_int_eq(check(CT, b, len), 0);
	ck_assert_str_eq(up.name, "first.pdf");
	ck_assert_uint_eq(up.size, 1);
	free(b);
	/* form fields do not count */
	const char *with_field[] = { "name=\"user\"", NULL, "abc", "name=\"file\"; filename=\"a.pdf\"", "a/b", "x" };
	b = body3(2, with_field, &len);
	ck_assert_int_eq(check(CT, b, len), 0);
	free(b);
}
END_TEST

START_TEST(test_upload_order_of_checks)
{
	/* no Content-Type beats an empty filename */
	assert_error(one("filename=\"\"", NULL, "x"), 400, "invalid_param", "");
	assert_error(one("filename=\"a.pdf\"", ";x=y", "x"), 400, "invalid_param", "");
	assert_error(one("filename=\"\"", "a/b", "x"), 400, "filename_not_exists_error",
		     "The specified filename does not exist.");
	assert_error(one("filename=\"C:\\\\dir\\\\a.pdf\"", "a/b", "x"), 400, "invalid_param",
		     "Filename contains invalid characters");
	assert_error(one("filename=\"dir/a.pdf\"", "a/b", "x"), 400, "invalid_param",
		     "Filename contains invalid characters");
}
END_TEST

START_TEST(test_upload_blacklist)
{
	static const char *const black[] = { "exe", "bat", NULL };
	struct upload_limits lim = upload_default_limits;
	lim.blacklist = black;
	const char *p[] = { "name=\"file\"; filename=\"setup.EXE\"", "application/x-msdownload", "MZ" };
	size_t len;
	char *b = body3(1, p, &len);
	int rc = upload_check(CT, b, len, &lim, NOW_MS, &up, &err);
	assert_error(rc, 400, "invalid_param", "File extension '.exe' is not allowed for security reasons");
	/* Dify's default list is empty */
	ck_assert_int_eq(check(CT, b, len), 0);
	free(b);
}
END_TEST

START_TEST(test_upload_shortens_long_names)
{
	struct buf name = BUF_INIT;
	for (int i = 0; i < 250; i++)
		buf_putc(&name, 'a');
	buf_puts(&name, ".v2.PDF");
	struct buf d = BUF_INIT;
	buf_printf(&d, "filename=\"%s\"", name.data);
	ck_assert_int_eq(one(d.data, "application/pdf", "x"), 0);
	ck_assert_uint_eq(strlen(up.name), 204);
	ck_assert_str_eq(up.name + 200, ".pdf");
	/* 200 characters, not bytes */
	buf_reset(&name);
	buf_reset(&d);
	for (int i = 0; i < 201; i++)
		buf_puts(&name, "\xc3\xa9");
	buf_printf(&d, "filename=\"%s\"", name.data);
	ck_assert_int_eq(one(d.data, "text/plain", "x"), 0);
	ck_assert_uint_eq(up.name_len, 401); /* 200 x 2 bytes + "." and no extension */
	ck_assert_int_eq(up.name[400], '.');
	buf_reset(&name);
	buf_reset(&d);
	for (int i = 0; i < 200; i++)
		buf_putc(&name, 'b');
	buf_printf(&d, "filename=\"%s\"", name.data);
	ck_assert_int_eq(one(d.data, "text/plain", "x"), 0);
	ck_assert_uint_eq(up.name_len, 200); /* exactly 200: kept */
	buf_free(&name);
	buf_free(&d);
}
END_TEST

START_TEST(test_upload_extensions)
{
	static const struct {
		const char *filename, *ext;
	} cases[] = {
		{ "a.tar.GZ", "gz" }, { ".bashrc", "" }, { "noext", "" }, { "trail.", "" }, { "..pdf", "" },
		{ "x..pdf", "pdf" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf d = BUF_INIT;
		buf_printf(&d, "filename=\"%s\"", cases[i].filename);
		ck_assert_int_eq(one(d.data, "a/b", "x"), 0);
		ck_assert_msg(!strcmp(up.extension, cases[i].ext), "%s: [%s]", cases[i].filename, up.extension);
		buf_free(&d);
	}
}
END_TEST

/* size <= limit MiB, by extension class. */
static int sized_with(const struct upload_limits *lim, const char *filename, size_t size)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "--bnd\r\nContent-Disposition: form-data; name=file; filename=\"%s\"\r\nContent-Type: a/b\r\n\r\n",
		   filename);
	buf_reserve(&b, size + 16);
	memset(b.data + b.len, 'x', size);
	b.len += size;
	b.data[b.len] = '\0';
	buf_puts(&b, "\r\n--bnd--\r\n");
	upload_done(&up);
	dm_error_clear(&err);
	int rc = upload_check(CT, b.data, b.len, lim, NOW_MS, &up, &err);
	buf_free(&b);
	return rc;
}

START_TEST(test_upload_size_limits)
{
	const size_t mib = 1024 * 1024;
	/* Dify's defaults: 15 MiB for documents, inclusive */
	ck_assert_int_eq(sized_with(NULL, "a.pdf", 15 * mib), 0);
	assert_error(sized_with(NULL, "a.pdf", 15 * mib + 1), 400, "invalid_param", "None");
	/* the classes, with small limits */
	const struct upload_limits lim = { NULL, 1, 2, 4, 3 };
	static const struct {
		const char *name;
		size_t mb;
	} cases[] = {
		{ "a.txt", 1 }, { "noext", 1 }, { "a.PNG", 2 }, { "a.jpeg", 2 }, { "a.svg", 2 }, { "a.mp4", 4 },
		{ "a.mov", 4 }, { "a.webm", 4 }, { "a.mp3", 3 }, { "a.mpga", 3 }, { "a.m4a", 3 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(sized_with(&lim, cases[i].name, cases[i].mb * mib) == 0, "%s", cases[i].name);
		assert_error(sized_with(&lim, cases[i].name, cases[i].mb * mib + 1), 400, "invalid_param", "None");
	}
}
END_TEST

START_TEST(test_upload_form_limits_are_413)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "--bnd\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\n");
	for (int i = 0; i < 500001; i++)
		buf_putc(&b, 'u');
	buf_puts(&b, "\r\n--bnd\r\nContent-Disposition: form-data; name=file; filename=a\r\nContent-Type: a/b\r\n\r\nx\r\n"
		     "--bnd--");
	assert_error(check(CT, b.data, b.len), 413, "request_entity_too_large",
		     "The data value transmitted exceeds the capacity limit.");
	buf_free(&b);
}
END_TEST

START_TEST(test_item_file_ids)
{
	static const struct {
		const char *item, *id;
	} cases[] = {
		{ "{\"reference\":\"abc\",\"related_id\":\"def\"}", "abc" },
		{ "{\"reference\":\"\",\"related_id\":\"def\"}", "def" },
		{ "{\"related_id\":\"def\"}", "def" },
		{ "{\"reference\":5}", NULL },
		{ "{\"name\":\"x\"}", NULL },
		/* base64url of {"record_id":"f1"} */
		{ "{\"reference\":\"dify-file-ref:eyJyZWNvcmRfaWQiOiJmMSJ9\"}", "f1" },
		/* padding missing: Python raises, the whole string is the id */
		{ "{\"reference\":\"dify-file-ref:eyJyZWNvcmRfaWQiOiJmMSJ\"}", "dify-file-ref:eyJyZWNvcmRfaWQiOiJmMSJ" },
		/* not JSON */
		{ "{\"reference\":\"dify-file-ref:YWJj\"}", "dify-file-ref:YWJj" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *item;
		ck_assert_int_eq(json_parse(cases[i].item, strlen(cases[i].item), &item, NULL, 0), 0);
		char *id = upload_item_file_id(item);
		if (cases[i].id)
			ck_assert_msg(id && !strcmp(id, cases[i].id), "case %zu: %s", i, id ? id : "(null)");
		else
			ck_assert_ptr_null(id);
		free(id);
		cJSON_Delete(item);
	}
}
END_TEST

START_TEST(test_items_resolve_within_their_workspace)
{
	struct documents *d = documents_new();
	struct stored_upload u = { .id = "11111111-2222-4333-8444-555555555555", .tenant_id = "ws-a", .name = "a.pdf",
				   .name_len = 5, .extension = "pdf", .mime_type = "application/pdf" };
	documents_add_upload(d, &u);
	cJSON *item;
	const char *j = "{\"reference\":\"11111111-2222-4333-8444-555555555555\"}";
	ck_assert_int_eq(json_parse(j, strlen(j), &item, NULL, 0), 0);
	ck_assert(upload_item_resolves(d, "ws-a", item));
	ck_assert(!upload_item_resolves(d, "ws-b", item));
	documents_clear(d); /* POST /_mock/reset forgets uploads */
	ck_assert(!upload_item_resolves(d, "ws-a", item));
	cJSON_Delete(item);
	documents_free(d);
}
END_TEST

START_TEST(test_uploads_are_bounded)
{
	struct documents *d = documents_new();
	char first[IDS_UUID_LEN + 1] = "";
	for (int i = 0; i < UPLOADS_MAX + 1; i++) {
		struct stored_upload u = { .tenant_id = "ws", .name = "n", .name_len = 1 };
		ids_uuid4(u.id);
		if (!i)
			memcpy(first, u.id, sizeof first);
		documents_add_upload(d, &u);
		if (i == UPLOADS_MAX - 1)
			ck_assert(documents_upload_exists(d, "ws", first));
	}
	ck_assert(!documents_upload_exists(d, "ws", first)); /* the oldest is forgotten first */
	documents_free(d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("upload");
	TCase *tc = tcase_create("upload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_upload_accepts_a_file_and_answers_dify_bytes);
	tcase_add_test(tc, test_upload_escapes_non_ascii_names);
	tcase_add_test(tc, test_upload_no_file);
	tcase_add_test(tc, test_upload_counts_distinct_field_names);
	tcase_add_test(tc, test_upload_order_of_checks);
	tcase_add_test(tc, test_upload_blacklist);
	tcase_add_test(tc, test_upload_shortens_long_names);
	tcase_add_test(tc, test_upload_extensions);
	tcase_add_test(tc, test_upload_size_limits);
	tcase_add_test(tc, test_upload_form_limits_are_413);
	tcase_add_test(tc, test_item_file_ids);
	tcase_add_test(tc, test_items_resolve_within_their_workspace);
	tcase_add_test(tc, test_uploads_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}
