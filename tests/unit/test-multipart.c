/* test-multipart.c -- request.files as Werkzeug 3.1 fills it: well-formed
 * bodies from curl, httpx and browsers; odd line breaks; malformed bodies
 * (silently no files); the 413 limits; parse_options_header. Every expected
 * value here was checked against Werkzeug 3.1.8's FormDataParser with
 * Flask's limits (max_form_memory_size 500000, max_form_parts 1000). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "multipart.h"

#define CT "multipart/form-data; boundary=bnd"

static struct mp_form form;

static void parse_n(const char *ct, const char *body, size_t len)
{
	mp_form_free(&form);
	multipart_parse(ct, body, len, &form);
}

static void parse(const char *ct, const char *body)
{
	parse_n(ct, body, strlen(body));
}

static void teardown(void)
{
	mp_form_free(&form);
	memset(&form, 0, sizeof form);
}

/* Asserts file i: name (NULL: no name=), filename, Content-Type (NULL: none), contents. */
static void assert_file(size_t i, const char *name, const char *filename, const char *ct, const char *body,
			const char *contents)
{
	ck_assert_uint_gt(form.n_files, i);
	const struct mp_file *f = &form.files[i];
	if (name)
		ck_assert_str_eq(f->name.s, name);
	else
		ck_assert_ptr_null(f->name.s);
	ck_assert_str_eq(f->filename.s, filename);
	if (ct)
		ck_assert_str_eq(f->content_type.s, ct);
	else
		ck_assert_ptr_null(f->content_type.s);
	ck_assert_uint_eq(f->size, strlen(contents));
	ck_assert_int_eq(memcmp(body + f->offset, contents, f->size), 0);
}

START_TEST(test_curl_body)
{
	const char *b = "--bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
			"Content-Type: application/pdf\r\n\r\n%PDF-1.7 body\r\n--bnd--\r\n";
	parse(CT, b);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.n_files, 1);
	assert_file(0, "file", "report.pdf", "application/pdf", b, "%PDF-1.7 body");
	ck_assert_uint_eq(mp_distinct_names(&form), 1);
	ck_assert_ptr_eq(mp_first_named(&form, "file"), &form.files[0]);
}
END_TEST

START_TEST(test_fields_and_files_are_told_apart)
{
	const char *b = "--bnd\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nabc\r\n"
			"--bnd\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--bnd--";
	parse(CT, b);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.n_fields, 1);
	assert_file(0, "file", "", NULL, b, "");
}
END_TEST

START_TEST(test_distinct_names_and_first_file)
{
	const char *b = "--bnd\r\nContent-Disposition: form-data; name=file; filename=a\r\nContent-Type: a/a\r\n\r\nA\r\n"
			"--bnd\r\nContent-Disposition: form-data; name=file; filename=b\r\nContent-Type: b/b\r\n\r\nB\r\n"
			"--bnd\r\nContent-Disposition: form-data; filename=c\r\n\r\nC\r\n--bnd--\r\n";
	parse(CT, b);
	ck_assert_uint_eq(form.n_files, 3);
	ck_assert_uint_eq(mp_distinct_names(&form), 2); /* "file" and None */
	ck_assert_str_eq(mp_first_named(&form, "file")->filename.s, "a");
	assert_file(2, NULL, "c", NULL, b, "C");
}
END_TEST

START_TEST(test_bare_line_breaks_and_space_after_boundary)
{
	const char *lf = "--bnd  \nContent-Disposition: form-data; name=file; filename=x.txt\n\nline1\nline2\n--bnd--";
	parse(CT, lf);
	ck_assert_int_eq(form.status, MP_OK);
	assert_file(0, "file", "x.txt", NULL, lf, "line1\nline2");
	const char *cr = "preamble\r--bnd\rContent-Disposition: form-data; name=file; filename=y\r\rdata\r--bnd--\rjunk";
	parse(CT, cr);
	ck_assert_int_eq(form.status, MP_OK);
	assert_file(0, "file", "y", NULL, cr, "data");
}
END_TEST

START_TEST(test_boundary_lookalikes_stay_in_the_data)
{
	const char *b = "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n\r\n"
			"a--bnd\r\nb\r\n--bndx\r\nc\r\n--bnd--\r\n";
	parse(CT, b);
	assert_file(0, "file", "f", NULL, b, "a--bnd\r\nb\r\n--bndx\r\nc");
}
END_TEST

START_TEST(test_content_type_of_the_request_decides)
{
	const char *b = "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n\r\nx\r\n--bnd--";
	parse("application/json", b);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.n_files, 0);
	parse(NULL, b);
	ck_assert_uint_eq(form.n_files, 0);
	parse("multipart/form-data", b); /* no boundary: ValueError, silent */
	ck_assert_int_eq(form.status, MP_EMPTY);
	parse("multipart/form-data; boundary=", b);
	ck_assert_int_eq(form.status, MP_EMPTY);
	parse("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"bnd\"", b);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.n_files, 1);
	parse("multipart/form-data; boundary=other", b); /* never found */
	ck_assert_int_eq(form.status, MP_EMPTY);
}
END_TEST

START_TEST(test_malformed_bodies_give_nothing)
{
	/* no closing boundary */
	parse(CT, "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n\r\nx\r\n");
	ck_assert_int_eq(form.status, MP_EMPTY);
	/* a part without Content-Disposition, after a good one: nothing at all */
	parse(CT, "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n\r\nx\r\n"
		  "--bnd\r\nContent-Type: text/plain\r\n\r\ny\r\n--bnd--");
	ck_assert_int_eq(form.status, MP_EMPTY);
	ck_assert_uint_eq(form.n_files, 0);
	/* a header line that is not UTF-8 */
	parse(CT, "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\nX-A: \xff\r\n\r\nx\r\n--bnd--");
	ck_assert_int_eq(form.status, MP_EMPTY);
	/* headers never end */
	parse(CT, "--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n--bnd--");
	ck_assert_int_eq(form.status, MP_EMPTY);
	parse_n(CT, "", 0);
	ck_assert_int_eq(form.status, MP_EMPTY);
	/* only a closing boundary: a valid empty form */
	parse(CT, "--bnd--\r\n");
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.n_files, 0);
}
END_TEST

START_TEST(test_nul_bytes_in_data_and_headers)
{
	static const char b[] = "--bnd\r\nContent-Disposition: form-data; name=file; filename=\"a\0b\"\r\n\r\nx\0y\r\n--bnd--";
	parse_n(CT, b, sizeof b - 1);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.files[0].filename.len, 3);
	ck_assert_int_eq(memcmp(form.files[0].filename.s, "a\0b", 3), 0);
	ck_assert_uint_eq(form.files[0].size, 3);
}
END_TEST

START_TEST(test_disposition_parameters)
{
	struct {
		const char *disposition, *name, *filename;
	} cases[] = {
		{ "form-data; name=\"file\"; filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"", "file", "r\xc3\xa9sum\xc3\xa9.pdf" },
		{ "form-data; name=file; filename=\"a\\\"b.pdf\"", "file", "a\"b.pdf" },
		{ "form-data; name=file; filename=\"a%22b.pdf\"", "file", "a\"b.pdf" },
		{ "form-data; name=file; filename=\"C:\\\\dir\\\\a.pdf\"", "file", "C:\\dir\\a.pdf" },
		{ "form-data; name=file; filename*=UTF-8''%E6%8A%A5.pdf", "file", "\xe6\x8a\xa5.pdf" },
		{ "form-data; name=file; filename=x; filename*=iso-8859-1''%E9.txt", "file", "\xc3\xa9.txt" },
		{ "form-data; name=file; filename*=ascii''%E9x", "file", "\xef\xbf\xbdx" },
		{ "form-data; name=file; filename*0=a; filename*1=b.txt", "file", "ab.txt" },
		{ "form-data; name=file; filename*=koi8''x", "file", "x" }, /* an unknown charset is split off, the value kept quoted */
		{ "form-data;name=file;filename=x y", "file", "x" },
		{ "FORM-DATA ;\tname=file ; filename=\"unterminated; filename=z", "file", "z" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "--bnd\r\nContent-Disposition: %s\r\n\r\nx\r\n--bnd--", cases[i].disposition);
		parse(CT, b.data);
		ck_assert_msg(form.n_files == 1, "case %zu: %zu files", i, form.n_files);
		ck_assert_str_eq(form.files[0].name.s, cases[i].name);
		ck_assert_msg(!strcmp(form.files[0].filename.s, cases[i].filename), "case %zu: filename [%s]", i,
			      form.files[0].filename.s);
		buf_free(&b);
	}
	/* "; name=x" alone: an empty value has no options */
	parse(CT, "--bnd\r\nContent-Disposition: ; name=file; filename=f\r\n\r\nx\r\n--bnd--");
	ck_assert_uint_eq(form.n_files, 0);
	ck_assert_uint_eq(form.n_fields, 1);
}
END_TEST

START_TEST(test_mimetype)
{
	char *m = mp_mimetype(" Text/Plain ; charset=UTF-8", 27, true);
	ck_assert_str_eq(m, "text/plain");
	free(m);
	m = mp_mimetype(";x=y", 4, true);
	ck_assert_str_eq(m, "");
	free(m);
	m = mp_mimetype(NULL, 0, true);
	ck_assert_str_eq(m, "");
	free(m);
}
END_TEST

START_TEST(test_options_header)
{
	struct mp_str v;
	struct mp_options o;
	const char *h = "form-data; NAME=\"a;b\"; bad; x=; filename=\"q\\\\r\"; k*0*=UTF-8''%C3; k*1*=%A9";
	mp_parse_options_header(h, strlen(h), true, &v, &o);
	ck_assert_str_eq(v.s, "form-data");
	ck_assert_str_eq(mp_option(&o, "name")->s, "a;b");
	ck_assert_str_eq(mp_option(&o, "filename")->s, "q\\r");
	ck_assert_ptr_null(mp_option(&o, "x"));
	ck_assert_ptr_null(mp_option(&o, "bad"));
	/* continuations are decoded one by one: two halves of a character are two U+FFFD */
	ck_assert_str_eq(mp_option(&o, "k")->s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(v.s);
	mp_options_free(&o);
}
END_TEST

/* A file part whose contents end near a 64 KiB chunk boundary, then a second one. */
START_TEST(test_boundary_across_chunks)
{
	const char *pre = "--bnd\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\n";
	for (int off = -8; off <= 8; off++) {
		struct buf b = BUF_INIT;
		buf_puts(&b, pre);
		size_t n = (size_t)((long)MP_CHUNK - (long)strlen(pre) + off);
		for (size_t i = 0; i < n; i++)
			buf_putc(&b, "q\r\n-"[i % 4]);
		buf_puts(&b, off % 2 ? "\r--bnd \r\n" : "\r\n--bnd\r\n");
		buf_puts(&b, "Content-Disposition: form-data; name=file2; filename=b\r\n\r\nw\r\n--bnd--");
		parse_n(CT, b.data, b.len);
		ck_assert_msg(form.status == MP_OK && form.n_files == 2, "offset %d", off);
		ck_assert_uint_eq(form.files[0].size, n);
		ck_assert_uint_eq(form.files[1].size, 1);
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_limits_are_413)
{
	/* a form field over 500,000 bytes (a file may be any size) */
	struct buf b = BUF_INIT;
	buf_puts(&b, "--bnd\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n");
	for (int i = 0; i < MP_MAX_FORM_MEMORY; i++)
		buf_putc(&b, 'z');
	size_t at = b.len;
	buf_puts(&b, "\r\n--bnd--");
	parse_n(CT, b.data, b.len);
	ck_assert_int_eq(form.status, MP_OK); /* exactly 500000 */
	b.len = at;
	buf_puts(&b, "z\r\n--bnd--");
	parse_n(CT, b.data, b.len);
	ck_assert_int_eq(form.status, MP_TOO_LARGE);
	/* the same as a file part is fine */
	buf_reset(&b);
	buf_puts(&b, "--bnd\r\nContent-Disposition: form-data; name=file; filename=big\r\n\r\n");
	for (int i = 0; i < 3 * MP_MAX_FORM_MEMORY; i++)
		buf_putc(&b, 'z');
	buf_puts(&b, "\r\n--bnd--");
	parse_n(CT, b.data, b.len);
	ck_assert_int_eq(form.status, MP_OK);
	ck_assert_uint_eq(form.files[0].size, 3 * MP_MAX_FORM_MEMORY);
	/* a preamble the decoder buffers past the limit */
	buf_reset(&b);
	for (int i = 0; i < 600000; i++)
		buf_putc(&b, 'p');
	buf_puts(&b, "\r\n--bnd\r\nContent-Disposition: form-data; name=file; filename=f\r\n\r\nx\r\n--bnd--");
	parse_n(CT, b.data, b.len);
	ck_assert_int_eq(form.status, MP_TOO_LARGE);
	/* 1001 parts */
	buf_reset(&b);
	for (int i = 0; i < 1001; i++)
		buf_printf(&b, "--bnd\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n", i);
	buf_puts(&b, "--bnd--");
	parse_n(CT, b.data, b.len);
	ck_assert_int_eq(form.status, MP_TOO_LARGE);
	/* an urlencoded body over the limit */
	buf_reset(&b);
	for (int i = 0; i < 200000; i++)
		buf_puts(&b, "a=b");
	parse_n("application/x-www-form-urlencoded", b.data, b.len);
	ck_assert_int_eq(form.status, MP_TOO_LARGE);
	buf_free(&b);
}
END_TEST

/* Any bytes: never a crash, never a read past the end (run under ASan/valgrind). */
START_TEST(test_random_bodies_are_safe)
{
	static const char *const atoms[] = { "--bnd", "\r\n", "\n", "\r", " ", "--", "Content-Disposition: ",
					     "form-data; name=file; filename=", "\"", ";", "x", "\xff", "\0",
					     "Content-Type: a/b" };
	unsigned seed = 12345;
	struct buf b = BUF_INIT;
	for (int round = 0; round < 2000; round++) {
		buf_reset(&b);
		int n = (int)(seed % 40);
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *a = atoms[(seed >> 16) % (sizeof atoms / sizeof atoms[0])];
			buf_append(&b, a, *a ? strlen(a) : 1);
		}
		seed = seed * 1103515245u + 12345u;
		/* an exact-size heap copy, so ASan sees any overread */
		char *exact = malloc(b.len ? b.len : 1);
		memcpy(exact, b.data ? b.data : "", b.len);
		parse_n(CT, exact, b.len);
		ck_assert(form.status == MP_OK || form.status == MP_EMPTY);
		for (size_t i = 0; i < form.n_files; i++)
			ck_assert_uint_le(form.files[i].offset + form.files[i].size, b.len);
		free(exact);
	}
	buf_free(&b);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("multipart");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_curl_body);
	tcase_add_test(tc, test_fields_and_files_are_told_apart);
	tcase_add_test(tc, test_distinct_names_and_first_file);
	tcase_add_test(tc, test_bare_line_breaks_and_space_after_boundary);
	tcase_add_test(tc, test_boundary_lookalikes_stay_in_the_data);
	tcase_add_test(tc, test_content_type_of_the_request_decides);
	tcase_add_test(tc, test_malformed_bodies_give_nothing);
	tcase_add_test(tc, test_nul_bytes_in_data_and_headers);
	tcase_add_test(tc, test_disposition_parameters);
	tcase_add_test(tc, test_mimetype);
	tcase_add_test(tc, test_options_header);
	tcase_add_test(tc, test_boundary_across_chunks);
	tcase_add_test(tc, test_limits_are_413);
	tcase_add_test(tc, test_random_bodies_are_safe);
	suite_add_tcase(s, tc);
	return s;
}
