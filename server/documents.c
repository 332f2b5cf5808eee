/* documents.c -- the in-memory store behind one mutex: hash maps by id and
 * by batch, and FIFO rings for the bounds. */
#include "documents.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Strings are hashed eight bytes at a time: FNV-1a, a byte at a time, over
 * the ids and names each stored document is looked up or filed by (six or
 * seven of them, mostly 36-byte uuids) was two thirds of storing it. Each
 * word is mixed in with a multiply and a rotation (so that its high bytes
 * reach the low bits too), then splitmix64's finalizer spreads the result
 * over the low bits that pick a slot. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	size_t n = strlen(s);
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * k;
		h = (h << 31) | (h >> 33);
	}
	uint64_t w = (uint64_t)n << 56; /* the length tells "a" from "a\0" in the last word */
	for (size_t i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ w) * k;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

#define HASH_SEED 14695981039346656037u

/* ---- a small string-keyed hash map (keys owned) ---- */

struct hnode {
	char *key;
	void *val;
	struct hnode *next;
};

struct hmap {
	struct hnode **b;
	size_t cap, n; /* cap: a power of two, or 0 */
};

static uint64_t hash(const char *s)
{
	return hash_str(HASH_SEED, s);
}

static struct hnode **slot(struct hmap *m, const char *key)
{
	struct hnode **p = &m->b[hash(key) & (m->cap - 1)];
	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

static void *hmap_get(struct hmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct hnode *e = *slot(m, key);
	return e ? e->val : NULL;
}

static void hmap_grow(struct hmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	struct hnode **b = xcalloc(cap, sizeof *b);
	for (size_t i = 0; i < m->cap; i++) {
		for (struct hnode *e = m->b[i], *n; e; e = n) {
			n = e->next;
			size_t h = hash(e->key) & (cap - 1);
			e->next = b[h];
			b[h] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->cap = cap;
}

/* The entry of key, added with a NULL value when absent: one lookup for a
 * read-then-update. */
static struct hnode *hmap_entry(struct hmap *m, const char *key)
{
	if (m->n + 1 > m->cap)
		hmap_grow(m);
	struct hnode **p = slot(m, key);
	if (!*p) {
		*p = xmalloc(sizeof **p);
		**p = (struct hnode){ xstrdup(key), NULL, NULL };
		m->n++;
	}
	return *p;
}

/* Adds or replaces. */
static void hmap_put(struct hmap *m, const char *key, void *val)
{
	hmap_entry(m, key)->val = val;
}

static void hmap_del(struct hmap *m, const char *key)
{
	if (!m->cap)
		return;
	struct hnode **p = slot(m, key);
	struct hnode *e = *p;
	if (!e)
		return;
	*p = e->next;
	free(e->key);
	free(e);
	m->n--;
}

/* Frees the nodes; values with free_val (may be NULL). */
static void hmap_clear(struct hmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		for (struct hnode *e = m->b[i], *n; e; e = n) {
			n = e->next;
			if (free_val)
				free_val(e->val);
			free(e->key);
			free(e);
		}
	}
	free(m->b);
	*m = (struct hmap){ NULL, 0, 0 };
}

/* ---- records ---- */

/* One allocation per document, about 200 bytes: a published run stores one
 * per item, up to DOCUMENTS_MAX of them, so their size is the server's size
 * after a load (at 800 bytes in a dozen allocations each, 100,000 documents
 * took 80 MB). Ids and batch numbers are inline; the knowledge-base and
 * owner ids, datasource types and chunk structures are shared (interned);
 * the two JSON texts and the error follow the struct. */
struct doc {
	struct doc *batch_next;                  /* the batch's next document, in creation order */
	const char *kb_id, *created_by;          /* interned */
	const char *datasource_type, *doc_form;  /* interned; doc_form may be NULL */
	int64_t created_ms;
	uint64_t index_start_ms, end_ms, index_start_due_ms, end_due_ms;
	double latency_s;
	unsigned long word_count;
	unsigned position, segments;
	uint32_t bytes;                          /* counted against DOCUMENTS_MAX_BYTES */
	uint32_t source_info_at, error_at;       /* offsets in text; error_at 0: none */
	uint8_t outcome;                         /* enum doc_outcome */
	char id[IDS_UUID_LEN + 1];
	char batch[21];
	char text[];                             /* name_json, source_info_json[, error] */
};

#define DOC_NAME_JSON(x) ((x)->text)
#define DOC_SOURCE_INFO_JSON(x) ((x)->text + (x)->source_info_at)
#define DOC_ERROR(x) ((x)->error_at ? (x)->text + (x)->error_at : NULL)

/* Open addressing over document pointers, keyed by a string of the document
 * (its id, or its knowledge base and batch): no node or key copy per entry.
 * Deletion uses backward shifting, so lookups never see tombstones. */
struct dtab {
	struct doc **slots;
	size_t cap, n; /* cap: a power of two, or 0 */
};

static uint64_t id_hash(const struct doc *x)
{
	return hash_str(HASH_SEED, x->id);
}

static uint64_t batch_hash2(const char *kb_id, const char *batch)
{
	return hash_str(hash_str(HASH_SEED, kb_id) * 31, batch);
}

static uint64_t batch_hash(const struct doc *x)
{
	return batch_hash2(x->kb_id, x->batch);
}

typedef uint64_t (*dtab_hash_fn)(const struct doc *);

static void dtab_insert_raw(struct dtab *t, struct doc *x, dtab_hash_fn hf)
{
	size_t i = (size_t)hf(x) & (t->cap - 1);
	while (t->slots[i])
		i = (i + 1) & (t->cap - 1);
	t->slots[i] = x;
}

static void dtab_add(struct dtab *t, struct doc *x, dtab_hash_fn hf)
{
	if (2 * (t->n + 1) > t->cap) {
		struct dtab g = { xcalloc(t->cap ? 2 * t->cap : 64, sizeof *g.slots), t->cap ? 2 * t->cap : 64, t->n };
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i])
				dtab_insert_raw(&g, t->slots[i], hf);
		free(t->slots);
		*t = g;
	}
	dtab_insert_raw(t, x, hf);
	t->n++;
}

/* Removes the entry holding x itself, if any. */
static void dtab_del(struct dtab *t, struct doc *x, dtab_hash_fn hf)
{
	if (!t->cap)
		return;
	size_t mask = t->cap - 1, i = (size_t)hf(x) & mask;
	while (t->slots[i] && t->slots[i] != x)
		i = (i + 1) & mask;
	if (!t->slots[i])
		return;
	t->slots[i] = NULL;
	t->n--;
	/* Shift back the entries of the cluster that would no longer be found. */
	for (size_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
		size_t home = (size_t)hf(t->slots[j]) & mask;
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}

static void dtab_free(struct dtab *t)
{
	free(t->slots);
	*t = (struct dtab){ NULL, 0, 0 };
}

static struct doc *dtab_find_id(const struct dtab *t, const char *id)
{
	if (!t->cap)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = (size_t)hash_str(HASH_SEED, id) & mask; t->slots[i]; i = (i + 1) & mask)
		if (!strcmp(t->slots[i]->id, id))
			return t->slots[i];
	return NULL;
}

/* The oldest living document of the batch (the head of its chain). */
static struct doc *dtab_find_batch(const struct dtab *t, const char *kb_id, const char *batch)
{
	if (!t->cap)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = (size_t)batch_hash2(kb_id, batch) & mask; t->slots[i]; i = (i + 1) & mask)
		if (!strcmp(t->slots[i]->batch, batch) && !strcmp(t->slots[i]->kb_id, kb_id))
			return t->slots[i];
	return NULL;
}

struct upload {
	struct stored_upload u;
	char key[2 * IDS_UUID_LEN + 2];          /* tenant + '/' + id */
};

struct documents {
	pthread_mutex_t lock;
	struct hmap positions;                   /* kb id -> (uintptr_t) next position */
	struct dtab by_id;                       /* doc id -> struct doc */
	struct dtab batches;                     /* kb id + batch -> the batch's oldest document */
	struct hmap interned;                    /* string -> itself: ids and names documents share */
	struct doc **ring;                       /* documents, oldest first: [ring_head, +ring_n) mod DOCUMENTS_MAX */
	size_t ring_head, ring_n, bytes;
	struct hmap uploads;                     /* tenant/id -> struct upload */
	struct upload **up_ring;
	size_t up_head, up_n;
};

struct documents *documents_new(void)
{
	struct documents *d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

static void upload_free(void *p)
{
	struct upload *x = p;
	free(x->u.name);
	free(x->u.extension);
	free(x->u.mime_type);
	free(x);
}

static void clear_locked(struct documents *d)
{
	hmap_clear(&d->positions, NULL);
	for (size_t i = 0; i < d->ring_n; i++)
		free(d->ring[(d->ring_head + i) % DOCUMENTS_MAX]);
	dtab_free(&d->batches);
	dtab_free(&d->by_id);
	hmap_clear(&d->interned, NULL); /* values are their own keys */
	free(d->ring);
	d->ring = NULL;
	d->ring_head = d->ring_n = d->bytes = 0;
	hmap_clear(&d->uploads, upload_free);
	free(d->up_ring);
	d->up_ring = NULL;
	d->up_head = d->up_n = 0;
}

void documents_clear(struct documents *d)
{
	pthread_mutex_lock(&d->lock);
	clear_locked(d);
	pthread_mutex_unlock(&d->lock);
}

void documents_free(struct documents *d)
{
	if (!d)
		return;
	clear_locked(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

unsigned documents_reserve_positions(struct documents *d, const struct fx_kb *kb, unsigned n)
{
	pthread_mutex_lock(&d->lock);
	struct hnode *e = hmap_entry(&d->positions, kb->id);
	uintptr_t next = e->val ? (uintptr_t)e->val : (uintptr_t)kb->initial_documents + 1;
	unsigned first = (unsigned)next;
	e->val = (void *)(next + n);
	pthread_mutex_unlock(&d->lock);
	return first;
}

/* ---- uploads ---- */

void documents_add_upload(struct documents *d, const struct stored_upload *u)
{
	struct upload *x = xcalloc(1, sizeof *x);
	x->u = *u;
	x->u.name = xstrndup(u->name ? u->name : "", u->name_len);
	x->u.extension = xstrdup(u->extension ? u->extension : "");
	x->u.mime_type = xstrdup(u->mime_type ? u->mime_type : "");
	snprintf(x->key, sizeof x->key, "%s/%s", u->tenant_id, u->id);
	pthread_mutex_lock(&d->lock);
	if (!d->up_ring)
		d->up_ring = xcalloc(UPLOADS_MAX, sizeof *d->up_ring);
	if (d->up_n == UPLOADS_MAX) {
		struct upload *old = d->up_ring[d->up_head];
		d->up_head = (d->up_head + 1) % UPLOADS_MAX;
		d->up_n--;
		if (hmap_get(&d->uploads, old->key) == old)
			hmap_del(&d->uploads, old->key);
		upload_free(old);
	}
	d->up_ring[(d->up_head + d->up_n++) % UPLOADS_MAX] = x;
	hmap_put(&d->uploads, x->key, x);
	pthread_mutex_unlock(&d->lock);
}

bool documents_upload_exists(struct documents *d, const char *tenant_id, const char *id)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s/%s", tenant_id, id);
	pthread_mutex_lock(&d->lock);
	bool found = hmap_get(&d->uploads, key.data) != NULL;
	pthread_mutex_unlock(&d->lock);
	buf_free(&key);
	return found;
}

bool documents_upload_get(struct documents *d, const char *tenant_id, const char *id, struct stored_upload *ret)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s/%s", tenant_id, id);
	pthread_mutex_lock(&d->lock);
	const struct upload *up = hmap_get(&d->uploads, key.data);
	if (up) {
		*ret = up->u;
		ret->name = xmalloc(up->u.name_len + 1);
		memcpy(ret->name, up->u.name, up->u.name_len + 1);
		ret->extension = up->u.extension ? xstrdup(up->u.extension) : NULL;
		ret->mime_type = up->u.mime_type ? xstrdup(up->u.mime_type) : NULL;
	}
	pthread_mutex_unlock(&d->lock);
	buf_free(&key);
	return up != NULL;
}

/* ---- documents ---- */

/* The store's one copy of s (NULL stays NULL). */
static const char *intern_locked(struct documents *d, const char *s)
{
	if (!s)
		return NULL;
	struct hnode *e = hmap_entry(&d->interned, s);
	if (!e->val)
		e->val = e->key;
	return e->val;
}

/* Takes the oldest document out of the store; the caller frees it once
 * the lock is released. */
static struct doc *evict_locked(struct documents *d)
{
	struct doc *x = d->ring[d->ring_head];
	d->ring_head = (d->ring_head + 1) % DOCUMENTS_MAX;
	d->ring_n--;
	d->bytes -= x->bytes;
	/* The oldest document is the head of its batch: the next one (if any)
	 * becomes the head. */
	if (dtab_find_batch(&d->batches, x->kb_id, x->batch) == x) {
		dtab_del(&d->batches, x, batch_hash);
		if (x->batch_next)
			dtab_add(&d->batches, x->batch_next, batch_hash);
	}
	dtab_del(&d->by_id, x, id_hash);
	x->batch_next = NULL;
	return x;
}

void documents_add(struct documents *d, const struct doc_new *dn)
{
	const char *error = dn->outcome == DOC_FAILS ? (dn->error && *dn->error ? dn->error : "Unknown error") : NULL;
	size_t name_n = strlen(dn->name_json) + 1, info_n = strlen(dn->source_info_json) + 1;
	size_t err_n = error ? strlen(error) + 1 : 0;
	struct doc *x = xmalloc(sizeof *x + name_n + info_n + err_n);
	memset(x, 0, sizeof *x);
	strncpy(x->id, dn->id, sizeof x->id - 1); /* memset above: NUL-terminated */
	strncpy(x->batch, dn->batch, sizeof x->batch - 1);
	memcpy(x->text, dn->name_json, name_n);
	x->source_info_at = (uint32_t)name_n;
	memcpy(x->text + name_n, dn->source_info_json, info_n);
	if (error) {
		x->error_at = (uint32_t)(name_n + info_n);
		memcpy(x->text + name_n + info_n, error, err_n);
	}
	x->position = dn->position;
	x->created_ms = dn->created_ms;
	x->outcome = (uint8_t)dn->outcome;
	x->index_start_ms = dn->index_start_ms;
	x->end_ms = dn->end_ms;
	x->index_start_due_ms = dn->index_start_due_ms;
	x->end_due_ms = dn->end_due_ms;
	x->segments = dn->segments;
	x->word_count = dn->word_count;
	x->latency_s = dn->latency_s;
	/* What the earlier layout counted: its struct and the texts. */
	x->bytes = (uint32_t)(sizeof *x + strlen(dn->datasource_type) + name_n - 1 + info_n - 1 + strlen(dn->created_by) +
			      (dn->doc_form ? strlen(dn->doc_form) : 0) + (err_n ? err_n - 1 : 0));
	pthread_mutex_lock(&d->lock);
	x->kb_id = intern_locked(d, dn->kb_id);
	x->created_by = intern_locked(d, dn->created_by);
	x->datasource_type = intern_locked(d, dn->datasource_type);
	x->doc_form = intern_locked(d, dn->doc_form);
	if (!d->ring)
		d->ring = xcalloc(DOCUMENTS_MAX, sizeof *d->ring);
	struct doc *evicted = NULL; /* chained through batch_next */
	while (d->ring_n && (d->ring_n == DOCUMENTS_MAX || d->bytes + x->bytes > DOCUMENTS_MAX_BYTES)) {
		struct doc *old = evict_locked(d);
		old->batch_next = evicted;
		evicted = old;
	}
	d->ring[(d->ring_head + d->ring_n++) % DOCUMENTS_MAX] = x;
	d->bytes += x->bytes;
	struct doc *old = dtab_find_id(&d->by_id, x->id);
	if (old) /* the same id again (a seeded server): the newest one answers */
		dtab_del(&d->by_id, old, id_hash);
	dtab_add(&d->by_id, x, id_hash);
	struct doc *head = dtab_find_batch(&d->batches, x->kb_id, x->batch);
	if (!head) {
		dtab_add(&d->batches, x, batch_hash);
	} else {
		while (head->batch_next)
			head = head->batch_next;
		head->batch_next = x;
	}
	pthread_mutex_unlock(&d->lock);
	while (evicted) { /* free() outside the lock: the other thread may want it */
		struct doc *next = evicted->batch_next;
		free(evicted);
		evicted = next;
	}
}

/* What a reader sees at now_ms. */
struct view {
	const char *status;        /* waiting, completed, error */
	bool done, failed;
	unsigned total_segments;   /* segments that exist */
	unsigned completed_segments;
};

static struct view view_at(const struct doc *x, int64_t now_ms)
{
	struct view v = { "waiting", false, false, 0, 0 };
	uint64_t elapsed = now_ms > x->created_ms ? (uint64_t)(now_ms - x->created_ms) : 0;
	if (x->outcome == DOC_COMPLETES) {
		if (elapsed >= x->end_due_ms) {
			v.status = "completed";
			v.done = true;
			v.total_segments = v.completed_segments = x->segments;
		} else if (elapsed >= x->index_start_due_ms) {
			v.total_segments = x->segments;
		}
	} else if (x->outcome == DOC_FAILS && elapsed >= x->end_due_ms) {
		v.status = "error";
		v.failed = true;
	}
	return v;
}

static void put_int_or_null(struct buf *out, bool present, long long v)
{
	if (present)
		buf_printf(out, "%lld", v);
	else
		buf_puts(out, "null");
}

static void put_str(struct buf *out, const char *s)
{
	if (s)
		json_write_string(out, s, strlen(s), JSON_UJSON);
	else
		buf_puts(out, "null");
}

static long long unix_s(int64_t ms)
{
	return (long long)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
}

static void status_entry(const struct doc *x, int64_t now_ms, struct buf *out)
{
	struct view v = view_at(x, now_ms);
	buf_puts(out, "{\"id\":");
	put_str(out, x->id);
	buf_puts(out, ",\"indexing_status\":");
	put_str(out, v.status);
	buf_puts(out, ",\"processing_started_at\":null,\"parsing_completed_at\":null,\"cleaning_completed_at\":null,"
		      "\"splitting_completed_at\":null,\"completed_at\":");
	put_int_or_null(out, v.done, unix_s(x->created_ms + (int64_t)x->end_ms));
	buf_puts(out, ",\"paused_at\":null,\"error\":");
	put_str(out, v.failed ? DOC_ERROR(x) : NULL);
	buf_printf(out, ",\"stopped_at\":null,\"completed_segments\":%u,\"total_segments\":%u}", v.completed_segments,
		   v.total_segments);
}

int documents_batch_status(struct documents *d, const char *kb_id, const char *batch, int64_t now_ms,
			   struct buf *out)
{
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	struct doc *x = dtab_find_batch(&d->batches, kb_id, batch);
	if (x) {
		buf_puts(out, "{\"data\":[");
		for (; x; x = x->batch_next) {
			status_entry(x, now_ms, out);
			if (x->batch_next)
				buf_putc(out, ',');
		}
		buf_puts(out, "]}\n");
		rc = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static struct doc *find_locked(struct documents *d, const char *kb_id, const char *doc_id)
{
	struct doc *x = dtab_find_id(&d->by_id, doc_id);
	return x && !strcmp(x->kb_id, kb_id) ? x : NULL;
}

bool documents_exists(struct documents *d, const char *kb_id, const char *doc_id)
{
	pthread_mutex_lock(&d->lock);
	bool found = find_locked(d, kb_id, doc_id) != NULL;
	pthread_mutex_unlock(&d->lock);
	return found;
}

#define DEFAULT_PROCESS_RULE                                                                                   \
	"{\"mode\":\"custom\",\"rules\":{\"pre_processing_rules\":[{\"id\":\"remove_extra_spaces\",\"enabled\":true}," \
	"{\"id\":\"remove_urls_emails\",\"enabled\":false}],\"segmentation\":{\"delimiter\":\"\\n\",\"max_tokens\":1024," \
	"\"chunk_overlap\":50}}}"

static void document_body(const struct doc *x, int64_t now_ms, enum doc_metadata m, struct buf *out)
{
	buf_puts(out, "{\"id\":");
	put_str(out, x->id);
	if (m == DOC_META_ONLY) {
		buf_puts(out, ",\"doc_type\":null,\"doc_metadata\":null}\n");
		return;
	}
	struct view v = view_at(x, now_ms);
	long long created = unix_s(x->created_ms), ended = unix_s(x->created_ms + (int64_t)x->end_ms);
	buf_printf(out, ",\"position\":%u,\"data_source_type\":", x->position);
	put_str(out, x->datasource_type);
	buf_puts(out, ",\"data_source_info\":");
	buf_puts(out, DOC_SOURCE_INFO_JSON(x));
	buf_puts(out, ",\"dataset_process_rule_id\":null,\"dataset_process_rule\":" DEFAULT_PROCESS_RULE
		      ",\"document_process_rule\":{},\"name\":");
	buf_puts(out, DOC_NAME_JSON(x));
	buf_puts(out, ",\"created_from\":\"rag-pipeline\",\"created_by\":");
	put_str(out, x->created_by);
	buf_printf(out, ",\"created_at\":%lld,\"tokens\":null,\"indexing_status\":", created);
	put_str(out, v.status);
	buf_puts(out, ",\"completed_at\":");
	put_int_or_null(out, v.done, ended);
	buf_printf(out, ",\"updated_at\":%lld,\"indexing_latency\":", v.done || v.failed ? ended : created);
	if (v.done) {
		cJSON *f = json_float(x->latency_s);
		json_write(out, f, JSON_UJSON);
		cJSON_Delete(f);
	} else {
		buf_puts(out, "null");
	}
	buf_puts(out, ",\"error\":");
	put_str(out, v.failed ? DOC_ERROR(x) : NULL);
	buf_puts(out, ",\"enabled\":true,\"disabled_at\":null,\"disabled_by\":null,\"archived\":false");
	if (m == DOC_META_ALL)
		buf_puts(out, ",\"doc_type\":null,\"doc_metadata\":null");
	unsigned long avg = v.done && x->segments ? x->word_count / x->segments : 0;
	buf_printf(out, ",\"segment_count\":%u,\"average_segment_length\":%lu,\"hit_count\":0,\"display_status\":",
		   v.total_segments, avg);
	put_str(out, v.done ? "available" : v.failed ? "error" : "queuing");
	buf_puts(out, ",\"doc_form\":");
	put_str(out, x->doc_form);
	buf_puts(out, ",\"doc_language\":null,\"summary_index_status\":null,\"need_summary\":false}\n");
}

int documents_get(struct documents *d, const char *kb_id, const char *doc_id, int64_t now_ms,
		  enum doc_metadata metadata, struct buf *out)
{
	pthread_mutex_lock(&d->lock);
	struct doc *x = find_locked(d, kb_id, doc_id);
	if (x)
		document_body(x, now_ms, metadata, out);
	pthread_mutex_unlock(&d->lock);
	return x ? 0 : -1;
}

