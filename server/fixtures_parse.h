/* fixtures_parse.h -- internal to the fixture store: the schema checker
 * (fixtures_parse.c) and the loader (fixtures.c) share these. Nothing
 * outside those two files includes it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "fixtures.h"

/* A small open-addressing hash table from byte strings to pointers. Keys are
 * borrowed: they must outlive the table. */
struct fx_tbl_slot {
	const char *key;  /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	void *value;
};
struct fx_tbl {
	struct fx_tbl_slot *slots;
	size_t cap;       /* a power of two, or 0 */
	size_t n;
};

uint64_t fx_hash(const char *key, size_t len);
/* Adds key unless present; returns the value already stored for it, or NULL
 * when it was added. */
void *fx_tbl_add(struct fx_tbl *t, const char *key, size_t len, void *value);
void *fx_tbl_get(const struct fx_tbl *t, const char *key, size_t len);
void fx_tbl_free(struct fx_tbl *t);

/* What one file contributes before references between files are resolved. */
struct fx_ws_entry {
	struct fx_workspace *ws;
	const char *file;
	char *path;           /* "workspaces[0]" */
};
struct fx_kb_entry {
	struct fx_kb *kb;     /* kb->file is the file */
	char *workspace_ref;  /* lower-cased workspace id, NULL if invalid */
	char *path;           /* "knowledge_bases[0]" */
};

struct fx_loader {
	struct fx_problems problems;
	size_t cap_problems;
	cJSON *pool;          /* owns the default values that no file spelled out */
	struct fx_ws_entry *ws;
	size_t n_ws, cap_ws;
	struct fx_kb_entry *kbs;
	size_t n_kbs, cap_kbs;
};

/* Appends the problem line "FILE: PATH: message" ("FILE: message" when path
 * is NULL; "$" stands for an empty path). */
void fx_problem(struct fx_loader *L, const char *file, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A user string for a message: in double quotes, with '"', '\\' and control
 * characters escaped, cut after 64 bytes (at a character boundary) with "...".
 * Use it as fx_quote(s).s within one full expression. */
struct fx_qstr {
	char s[1 + 4 * 64 + 3 + 2];
};
struct fx_qstr fx_quote(const char *s);

/* Checks one parsed fixture file against the schema and appends what it
 * defines to L (even when some of it is wrong, so that duplicates across
 * files are still found). doc must outlive L's results: the structs borrow
 * their cJSON members (raw, icon, outputs, ...) from it. */
void fx_parse_document(struct fx_loader *L, const char *file, cJSON *doc);

void fx_workspace_free(struct fx_workspace *ws);
void fx_kb_free(struct fx_kb *kb);
