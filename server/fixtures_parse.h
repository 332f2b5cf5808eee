/* fixtures_parse.h -- internal to the fixture store: the schema checker
 * (fixtures_parse.c) and the loader (fixtures.c) share these. Nothing
 * outside those two files includes it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"
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

/* ---- the schema walk, shared by fixtures_parse.c and fixtures_scenarios.c ---- */

/* Where the checker is: the file, and the JSON path inside it. */
struct pctx {
	struct fx_loader *L;
	const char *file;
	struct buf path;
};

#define REQUIRED true
#define OPTIONAL false

/* JSON types as masks, for fxp_expect and fxp_get_typed. */
enum {
	T_NULL = 1 << 0,
	T_BOOL = 1 << 1,
	T_INT = 1 << 2,
	T_FLOAT = 1 << 3,
	T_STRING = 1 << 4,
	T_ARRAY = 1 << 5,
	T_OBJECT = 1 << 6,
	T_ANY = 0x7f,
};

size_t fxp_push_key(struct pctx *c, const char *key);
size_t fxp_push_index(struct pctx *c, size_t i);
void fxp_pop(struct pctx *c, size_t saved);
/* Reports a problem at the current path. */
void fxp_report(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool fxp_expect(struct pctx *c, const cJSON *v, unsigned mask);
/* Reports every key of obj not in known (NULL-terminated). */
void fxp_check_keys(struct pctx *c, const cJSON *obj, const char *const *known);
/* 1: present with a type in mask; 0: absent (reported if required); -1: wrong type (reported). */
int fxp_get_typed(struct pctx *c, cJSON *obj, const char *key, bool required, unsigned mask, cJSON **ret);
char *fxp_get_str(struct pctx *c, cJSON *obj, const char *key, bool required, const char *def);
char *fxp_get_nonempty_str(struct pctx *c, cJSON *obj, const char *key);
bool fxp_get_bool(struct pctx *c, cJSON *obj, const char *key, bool def);
uint64_t fxp_get_uint(struct pctx *c, cJSON *obj, const char *key, uint64_t def, uint64_t max);
/* Index of the value in values (NULL-terminated), def when absent, -1 when bad. */
int fxp_get_enum(struct pctx *c, cJSON *obj, const char *key, int def, const char *const *values, const char *what);
/* Parses a node's "fail" object into n->fail. */
void fxp_parse_fail(struct pctx *c, cJSON *o, struct fx_node *n);

/* A knowledge base's "scenarios" and "scenario_sequence" (fixtures_scenarios.c);
 * call after its pipeline is parsed. */
void fx_parse_scenarios(struct pctx *c, cJSON *kb_obj, struct fx_kb *kb);
void fx_scenarios_free(struct fx_kb *kb);
