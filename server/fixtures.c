/* fixtures.c -- the fixture store: finds every *.json under a directory,
 * reads and parses each (fixtures_parse.c checks the schema), resolves the
 * references between files and indexes the result. Loading is all or
 * nothing; afterwards the store is read-only. */
#include "fixtures.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fixtures_parse.h"
#include "hmap.h"
#include "json.h"

#define FX_MAX_FILE_SIZE (16u << 20) /* a fixture file is never read past this */
#define FX_MAX_DIR_DEPTH 32          /* also stops symlink loops */

struct fixtures {
	char **files;           /* the paths as reported; fx_kb.file points here */
	size_t n_files;
	cJSON **docs;           /* parsed files; the structs borrow from them */
	struct json_arena *arena;  /* owns docs and what the checker built from them */
	size_t n_docs;
	cJSON *pool;            /* default values no file spelled out */
	struct fx_workspace **ws;
	size_t n_ws;
	struct fx_kb **kbs;     /* in file order, then array order */
	size_t n_kbs;
	struct hmap kb_by_id;      /* lower-case uuid -> struct fx_kb */
	struct hmap ws_by_key;     /* API key -> struct fx_workspace */
	atomic_int refs;           /* the server's current set, plus each run still using it */
};

/* ---- problems ---- */

/* Appends a problem line L now owns. */
static void push_problem(struct fx_loader *L, char *line)
{
	if (L->problems.n == L->cap_problems) {
		L->cap_problems = L->cap_problems ? 2 * L->cap_problems : 16;
		L->problems.lines = xrealloc(L->problems.lines, L->cap_problems * sizeof(char *));
	}
	L->problems.lines[L->problems.n++] = line;
}

void fx_problem(struct fx_loader *L, const char *file, const char *path, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	buf_printf(&b, "%s: ", file);
	if (path)
		buf_printf(&b, "%s: ", *path ? path : "$");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	push_problem(L, buf_steal(&b, NULL));
}

void fx_problems_free(struct fx_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->n = 0;
}

struct fx_qstr fx_quote(const char *s)
{
	struct fx_qstr q;
	size_t n = strlen(s), o = 0;
	bool cut = n > 64;
	if (cut) {
		n = 64;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* do not split a UTF-8 sequence */
	}
	q.s[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			q.s[o++] = '\\';
			q.s[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(q.s + o, sizeof q.s - o, "\\x%02x", ch);
		} else {
			q.s[o++] = (char)ch;
		}
	}
	if (cut) {
		memcpy(q.s + o, "...", 3);
		o += 3;
	}
	q.s[o++] = '"';
	q.s[o] = '\0';
	return q;
}

/* ---- files ---- */

struct strv {
	char **v;
	size_t n, cap;
};

static char *join(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(dir);
	buf_puts(&b, dir);
	if (len && dir[len - 1] != '/')
		buf_putc(&b, '/');
	buf_puts(&b, name);
	return buf_steal(&b, NULL);
}

static bool is_json_name(const char *name)
{
	size_t len = strlen(name);
	return len > 5 && !strcmp(name + len - 5, ".json");
}

/* Appends the *.json paths under dir/rel, relative to dir. Names starting
 * with '.' (editor and VCS files) are skipped. */
static void list_dir(struct fx_loader *L, const char *dir, const char *rel, int depth, struct strv *out)
{
	char *full = *rel ? join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(full);
	if (!d) {
		fx_problem(L, full, NULL, "cannot open directory: %s", strerror(errno));
		free(full);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* The entry's type from readdir spares a stat per file (a system
		 * call per fixture file); links and unknown types are stat'ed. */
		if (de->d_type == DT_REG && !is_json_name(de->d_name))
			continue;
		char *crel = *rel ? join(rel, de->d_name) : xstrdup(de->d_name);
		char *cfull = join(dir, crel);
		struct stat st;
		bool known = de->d_type == DT_REG || de->d_type == DT_DIR;
		if (known)
			st.st_mode = de->d_type == DT_REG ? S_IFREG : S_IFDIR;
		if (!known && stat(cfull, &st) < 0) {
			if (is_json_name(de->d_name))
				fx_problem(L, cfull, NULL, "cannot read: %s", strerror(errno));
			free(crel);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= FX_MAX_DIR_DEPTH)
				fx_problem(L, cfull, NULL, "directories nested more than %d deep (a symlink loop?)",
					   FX_MAX_DIR_DEPTH);
			else
				list_dir(L, dir, crel, depth + 1, out);
			free(crel);
		} else if (S_ISREG(st.st_mode) && is_json_name(de->d_name)) {
			if (out->n == out->cap) {
				out->cap = out->cap ? 2 * out->cap : 16;
				out->v = xrealloc(out->v, out->cap * sizeof *out->v);
			}
			out->v[out->n++] = crel;
		} else {
			free(crel);
		}
		free(cfull);
	}
	closedir(d);
	free(full);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fx_read_file(const char *file, struct buf *data, size_t *ret_len, char **reterr)
{
	size_t len = 0;
	struct stat st;
	struct buf msg = BUF_INIT;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		buf_printf(&msg, "cannot read: %s", strerror(errno));
		*reterr = buf_steal(&msg, NULL);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		buf_printf(&msg, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (st.st_size > (off_t)FX_MAX_FILE_SIZE)
		goto too_large;
	/* One byte more than the limit, so that a file that grew is noticed. */
	buf_reset(data);
	buf_reserve(data, (size_t)st.st_size + 1);
	for (;;) {
		if (len + 1 >= data->cap) {
			if (data->cap > FX_MAX_FILE_SIZE + 1)
				goto too_large;
			buf_reserve(data, data->cap);
		}
		size_t room = data->cap - 1 - len; /* buf keeps a byte for its NUL */
		if (room > FX_MAX_FILE_SIZE + 1 - len)
			room = FX_MAX_FILE_SIZE + 1 - len;
		ssize_t r = read(fd, data->data + len, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_printf(&msg, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > FX_MAX_FILE_SIZE)
			goto too_large;
		/* A regular file reads short only at its end: no need for the
		 * read that returns 0. */
		if ((size_t)r < room && S_ISREG(st.st_mode))
			break;
	}
	close(fd);
	*ret_len = len;
	return 0;
too_large:
	buf_puts(&msg, "file is larger than 16 MiB");
fail:
	close(fd);
	*reterr = buf_steal(&msg, NULL);
	return -1;
}

/* Reads and parses one file into the arena. NULL with *reterr set (the
 * problem's text, to be freed) on failure. The file is read into *data,
 * which is kept from file to file: a fresh buffer per file meant fresh pages,
 * and a page fault per 4 KiB read. Touches nothing shared: the loader runs it
 * on several threads. */
static cJSON *read_json(const char *file, struct json_arena *arena, struct buf *data, char **reterr)
{
	cJSON *doc = NULL;
	size_t len;
	char err[256];
	if (fx_read_file(file, data, &len, reterr))
		return NULL;
	if (json_parse_arena(arena, data->data ? data->data : "", len, &doc, err, sizeof err) < 0) {
		*reterr = xstrdup(err);
		return NULL;
	}
	return doc;
}

/* ---- parsing on several threads ---- */

/* Each file parses and is checked on its own: up to PARSE_THREADS threads
 * (the loading thread among them) take files in order, parse each into
 * their own arena and check it into the file's own loader (slot->L, whose
 * structs go into the same arena); the loading thread merges those loaders
 * in file order, so problems come out exactly as from one thread. When the
 * loading thread checked every file itself, the other core sat idle for
 * the last third of a load. */
#define PARSE_THREADS 4
#define PARSE_THREADS_FROM 16 /* files; fewer are not worth a thread */

struct parse_slot {
	cJSON *doc;
	char *err;
	struct fx_loader L; /* what the file defines, and its problems */
	atomic_bool done;
};

struct parse_job {
	char **files;
	struct parse_slot *slots;
	size_t n;
	atomic_size_t next;     /* the next file nobody took */
	pthread_mutex_t lock;   /* with cond: a slot is done */
	pthread_cond_t cond;
};

struct parse_worker {
	struct parse_job *job;
	struct json_arena *arena;
	pthread_t thread;
};

/* Parses and checks the next file nobody took; false when none is left. */
static bool parse_one(struct parse_job *job, struct json_arena *arena, struct buf *data)
{
	size_t i = atomic_fetch_add(&job->next, 1);
	if (i >= job->n)
		return false;
	struct parse_slot *s = &job->slots[i];
	s->doc = read_json(job->files[i], arena, data, &s->err);
	if (s->doc) {
		s->L.arena = arena;
		fx_parse_document(&s->L, job->files[i], s->doc);
	}
	pthread_mutex_lock(&job->lock);
	atomic_store(&s->done, true);
	pthread_cond_broadcast(&job->cond);
	pthread_mutex_unlock(&job->lock);
	return true;
}

static void *parse_worker_main(void *arg)
{
	struct parse_worker *w = arg;
	struct buf data = BUF_INIT;
	while (parse_one(w->job, w->arena, &data))
		;
	buf_free(&data);
	return NULL;
}

/* Moves what one file's loader holds to the end of L's lists. */
static void merge_loader(struct fx_loader *L, struct fx_loader *part)
{
	for (size_t i = 0; i < part->problems.n; i++)
		push_problem(L, part->problems.lines[i]);
	if (L->n_ws + part->n_ws > L->cap_ws) {
		L->cap_ws = 2 * (L->n_ws + part->n_ws);
		L->ws = xrealloc(L->ws, L->cap_ws * sizeof *L->ws);
	}
	if (part->n_ws) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(L->ws + L->n_ws, part->ws, part->n_ws * sizeof *L->ws);
	L->n_ws += part->n_ws;
	if (L->n_kbs + part->n_kbs > L->cap_kbs) {
		L->cap_kbs = 2 * (L->n_kbs + part->n_kbs);
		L->kbs = xrealloc(L->kbs, L->cap_kbs * sizeof *L->kbs);
	}
	if (part->n_kbs)
		memcpy(L->kbs + L->n_kbs, part->kbs, part->n_kbs * sizeof *L->kbs);
	L->n_kbs += part->n_kbs;
	if (part->pool)
		cJSON_AddItemToArray(L->pool, part->pool);
	free(part->problems.lines);
	free(part->ws);
	free(part->kbs);
	free((void *)part->dsl_files); /* the names and trees live in the arena */
	free(part->dsl_roots);
	*part = (struct fx_loader){ 0 };
}

static unsigned parse_helpers(size_t n_files)
{
	if (n_files < PARSE_THREADS_FROM)
		return 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus <= 1)
		return 0;
	return cpus - 1 < PARSE_THREADS - 1 ? (unsigned)cpus - 1 : PARSE_THREADS - 1;
}

/* ---- references between files ---- */

static const struct fx_ws_entry *ws_entry_of(const struct fx_loader *L, const struct fx_workspace *ws)
{
	for (size_t i = 0; i < L->n_ws; i++)
		if (L->ws[i].ws == ws)
			return &L->ws[i];
	return NULL;
}

static void resolve(struct fx_loader *L, struct fixtures *fx)
{
	struct hmap ws_by_id = HMAP_INIT;
	for (size_t i = 0; i < L->n_ws; i++) {
		struct fx_ws_entry *e = &L->ws[i];
		if (!e->ws->id)
			continue;
		const struct fx_ws_entry *first = hmap_add(&ws_by_id, e->ws->id, e);
		if (first)
			fx_problem(L, e->file, NULL, "%s.id: duplicate workspace id %s (first defined at %s: %s.id)",
				   e->path, fx_quote(e->ws->id).s, first->file, first->path);
	}
	for (size_t i = 0; i < L->n_ws; i++) {
		struct fx_ws_entry *e = &L->ws[i];
		for (size_t k = 0; k < e->ws->n_api_keys; k++) {
			const char *key = e->ws->api_keys[k];
			const struct fx_workspace *first = hmap_add(&fx->ws_by_key, key, (void *)e->ws);
			if (!first)
				continue;
			const struct fx_ws_entry *fe = ws_entry_of(L, first);
			size_t fk = 0;
			while (strcmp(first->api_keys[fk], key))
				fk++;
			fx_problem(L, e->file, NULL, "%s.api_keys[%zu]: duplicate API key %s (first defined at %s: %s.api_keys[%zu])",
				   e->path, k, fx_quote(key).s, fe->file, fe->path, fk);
		}
	}
	for (size_t i = 0; i < L->n_kbs; i++) {
		struct fx_kb_entry *e = &L->kbs[i];
		if (e->kb->id) {
			const struct fx_kb *first = hmap_add(&fx->kb_by_id, e->kb->id, e->kb);
			if (first) {
				const char *fpath = "?";
				for (size_t j = 0; j < i; j++)
					if (L->kbs[j].kb == first)
						fpath = L->kbs[j].path;
				fx_problem(L, e->kb->file, NULL,
					   "%s.id: duplicate knowledge base id %s (first defined at %s: %s.id)", e->path,
					   fx_quote(e->kb->id).s, first->file, fpath);
			}
		}
		if (e->workspace_ref) {
			const struct fx_ws_entry *w = hmap_get(&ws_by_id, e->workspace_ref);
			if (w) {
				e->kb->workspace = w->ws;
			} else {
				fx_problem(L, e->kb->file, NULL, "%s.workspace: unknown workspace %s", e->path,
					   fx_quote(e->workspace_ref).s);
			}
		}
	}
	hmap_free(&ws_by_id);
}

/* ---- load and free ---- */

int fixtures_load(const char *dir, struct fixtures **ret, struct fx_problems *reterr)
{
	struct fx_loader L = { .pool = cJSON_CreateArray() };
	struct fixtures *fx = xcalloc(1, sizeof *fx);
	atomic_init(&fx->refs, 1);
	struct strv rel = { NULL, 0, 0 };

	if (!L.pool)
		abort();
	list_dir(&L, dir, "", 0, &rel);
	if (!rel.n && !L.problems.n)
		fx_problem(&L, dir, NULL, "no *.json fixture files found");
	if (rel.n)
		qsort(rel.v, rel.n, sizeof *rel.v, cmp_str);
	fx->files = xcalloc(rel.n, sizeof *fx->files);
	fx->docs = xcalloc(rel.n, sizeof *fx->docs);
	fx->arena = json_arena_new();
	for (size_t i = 0; i < rel.n; i++) {
		fx->files[fx->n_files++] = join(dir, rel.v[i]);
		free(rel.v[i]);
	}
	free(rel.v);
	struct parse_job job = { .files = fx->files, .n = fx->n_files };
	job.slots = xcalloc(job.n, sizeof *job.slots);
	atomic_init(&job.next, 0);
	pthread_mutex_init(&job.lock, NULL);
	pthread_cond_init(&job.cond, NULL);
	struct parse_worker workers[PARSE_THREADS - 1];
	unsigned n_workers = 0, want = parse_helpers(job.n);
	if (want) {
		/* Helpers take no signals: those stay with the server's threads. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (unsigned k = 0; k < want; k++) {
			struct parse_worker *w = &workers[n_workers];
			*w = (struct parse_worker){ &job, json_arena_new(), 0 };
			if (pthread_create(&w->thread, NULL, parse_worker_main, w)) {
				json_arena_free(w->arena);
				break;
			}
			n_workers++;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	struct buf data = BUF_INIT;
	for (size_t i = 0; i < job.n; i++) {
		struct parse_slot *s = &job.slots[i];
		while (!atomic_load(&s->done)) {
			if (parse_one(&job, fx->arena, &data))
				continue;
			pthread_mutex_lock(&job.lock);
			while (!atomic_load(&s->done))
				pthread_cond_wait(&job.cond, &job.lock);
			pthread_mutex_unlock(&job.lock);
		}
		if (!s->doc) {
			fx_problem(&L, fx->files[i], NULL, "%s", s->err);
			free(s->err);
			continue;
		}
		fx->docs[fx->n_docs++] = s->doc;
		merge_loader(&L, &s->L);
	}
	buf_free(&data);
	for (unsigned k = 0; k < n_workers; k++) {
		pthread_join(workers[k].thread, NULL);
		json_arena_adopt(fx->arena, workers[k].arena);
	}
	json_arena_trim(fx->arena);
	pthread_mutex_destroy(&job.lock);
	pthread_cond_destroy(&job.cond);
	free(job.slots);

	resolve(&L, fx);

	fx->pool = L.pool;
	fx->ws = xcalloc(L.n_ws, sizeof *fx->ws);
	for (size_t i = 0; i < L.n_ws; i++) {
		fx->ws[fx->n_ws++] = L.ws[i].ws;
		free(L.ws[i].path);
	}
	free(L.ws);
	fx->kbs = xcalloc(L.n_kbs, sizeof *fx->kbs);
	for (size_t i = 0; i < L.n_kbs; i++) {
		fx->kbs[fx->n_kbs++] = L.kbs[i].kb;
		free(L.kbs[i].path);
	}
	free(L.kbs);

	if (L.problems.n) {
		fixtures_free(fx);
		if (reterr)
			*reterr = L.problems;
		else
			fx_problems_free(&L.problems);
		return -1;
	}
	*ret = fx;
	return 0;
}

struct fixtures *fixtures_ref(struct fixtures *fx)
{
	atomic_fetch_add(&fx->refs, 1);
	return fx;
}

void fixtures_free(struct fixtures *fx)
{
	if (!fx || atomic_fetch_sub(&fx->refs, 1) > 1)
		return;
	for (size_t i = 0; i < fx->n_kbs; i++)
		fx_kb_free(fx->kbs[i]);
	free(fx->kbs);
	free(fx->ws);
	hmap_free(&fx->kb_by_id);
	hmap_free(&fx->ws_by_key);
	json_arena_free(fx->arena); /* every doc, and what the checker built from them */
	free(fx->docs);
	for (size_t i = 0; i < fx->n_files; i++)
		free(fx->files[i]);
	free(fx->files);
	cJSON_Delete(fx->pool);
	free(fx);
}

/* ---- lookups ---- */

const struct fx_workspace *fixtures_workspace_by_key(const struct fixtures *fx, const char *key, size_t len)
{
	return key ? hmap_get_secret(&fx->ws_by_key, key, len) : NULL;
}

const struct fx_kb *fixtures_kb(const struct fixtures *fx, const char *id)
{
	char lower[37];
	size_t len;
	if (!id)
		return NULL;
	len = strlen(id);
	if (len == 36) { /* ids are stored lower-cased */
		for (size_t i = 0; i <= len; i++)
			lower[i] = (id[i] >= 'A' && id[i] <= 'F') ? (char)(id[i] - 'A' + 'a') : id[i];
		id = lower;
	}
	return hmap_get(&fx->kb_by_id, id);
}

size_t fixtures_kb_count(const struct fixtures *fx)
{
	return fx->n_kbs;
}

const struct fx_kb *fixtures_kb_at(const struct fixtures *fx, size_t i)
{
	return i < fx->n_kbs ? fx->kbs[i] : NULL;
}

void fx_memo_free(struct fx_memo_entry *_Atomic *memo, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fx_memo_entry *e = atomic_load(&memo[i]);
		while (e) {
			struct fx_memo_entry *next = e->next;
			e->free(e);
			e = next;
		}
	}
}

enum fx_error_strategy fx_node_strategy(const struct fx_node *nd)
{
	return nd->fail && nd->fail->has_strategy ? nd->fail->strategy : nd->strategy;
}

long fx_workflow_node_index(const struct fx_workflow *wf, const char *node_id)
{
	if (!wf || !node_id)
		return -1;
	for (size_t i = 0; i < wf->n_nodes; i++)
		if (wf->nodes[i].id && !strcmp(wf->nodes[i].id, node_id))
			return (long)i;
	return -1;
}

struct fixtures_slot {
	pthread_mutex_t lock;
	struct fixtures *fx;
};

struct fixtures_slot *fixtures_slot_new(struct fixtures *fx)
{
	struct fixtures_slot *slot = xcalloc(1, sizeof *slot);
	pthread_mutex_init(&slot->lock, NULL);
	slot->fx = fx;
	return slot;
}

struct fixtures *fixtures_slot_get(struct fixtures_slot *slot)
{
	/* The lock covers "read the pointer, take a reference": a swap in
	 * between could otherwise free the set before the reference is taken. */
	pthread_mutex_lock(&slot->lock);
	struct fixtures *fx = fixtures_ref(slot->fx);
	pthread_mutex_unlock(&slot->lock);
	return fx;
}

void fixtures_slot_swap(struct fixtures_slot *slot, struct fixtures *fx)
{
	pthread_mutex_lock(&slot->lock);
	struct fixtures *old = slot->fx;
	slot->fx = fx;
	pthread_mutex_unlock(&slot->lock);
	fixtures_free(old);
}

void fixtures_slot_free(struct fixtures_slot *slot)
{
	if (!slot)
		return;
	fixtures_free(slot->fx);
	pthread_mutex_destroy(&slot->lock);
	free(slot);
}
