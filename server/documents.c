/* documents.c -- the in-memory store behind one mutex: hash maps by id and
 * by batch, and FIFO rings for the bounds. The records and their wire
 * bodies are document.c's. */
#include "documents.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "document.h"

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

struct derived {
	struct fixtures *fx;                     /* a reference: keeps base alive */
	const struct fx_workflow *base;
	struct fx_workflow *wf;
	struct derived *next;
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
	struct derived *derived;
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

/* A failure the store made (malloc'd with its text); the fixtures' own live
 * in their arena and are never freed one by one. */
static void failure_free(struct fx_failure *f)
{
	if (!f)
		return;
	free(f->error);
	free(f->error_type);
	free(f);
}

static void derived_free(struct derived *x)
{
	const struct fx_workflow *base = x->base;
	struct fx_workflow *wf = x->wf;
	for (size_t i = 0; i < wf->n_nodes; i++) {
		if (wf->nodes[i].fail != base->nodes[i].fail)
			failure_free(wf->nodes[i].fail);
		fx_plan_free(atomic_load(&wf->plans[i]));
	}
	free(wf->plans);
	free(wf->nodes);
	free(wf);
	fixtures_free(x->fx);
	free(x);
}

void documents_free(struct documents *d)
{
	if (!d)
		return;
	clear_locked(d);
	for (struct derived *x = d->derived, *n; x; x = n) {
		n = x->next;
		derived_free(x);
	}
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
	struct doc *x = document_new(dn);
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

int documents_batch_status(struct documents *d, const char *kb_id, const char *batch, int64_t now_ms,
			   struct buf *out)
{
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	struct doc *x = dtab_find_batch(&d->batches, kb_id, batch);
	if (x) {
		buf_puts(out, "{\"data\":[");
		for (; x; x = x->batch_next) {
			document_status_json(x, now_ms, out);
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

int documents_get(struct documents *d, const char *kb_id, const char *doc_id, int64_t now_ms,
		  enum doc_metadata metadata, struct buf *out)
{
	pthread_mutex_lock(&d->lock);
	struct doc *x = find_locked(d, kb_id, doc_id);
	if (x)
		document_json(x, now_ms, metadata, out);
	pthread_mutex_unlock(&d->lock);
	return x ? 0 : -1;
}

/* ---- workflows whose local_file nodes fail ---- */

const struct fx_workflow *documents_file_missing_workflow(struct documents *d, struct fixtures *fx,
							  const struct fx_workflow *wf)
{
	pthread_mutex_lock(&d->lock);
	struct derived *x = d->derived;
	while (x && x->base != wf)
		x = x->next;
	if (!x) {
		x = xcalloc(1, sizeof *x);
		x->fx = fixtures_ref(fx);
		x->base = wf;
		struct fx_workflow *c = x->wf = xmalloc(sizeof *c);
		*c = *wf;
		c->base = wf;
		c->nodes = xmalloc(wf->n_nodes * sizeof *c->nodes);
		memcpy(c->nodes, wf->nodes, wf->n_nodes * sizeof *c->nodes);
		c->plans = xcalloc(wf->n_nodes, sizeof *c->plans);
		for (size_t i = 0; i < wf->n_nodes; i++) {
			struct fx_node *n = &c->nodes[i];
			if (strcmp(n->type, "datasource") || !n->datasource_type || strcmp(n->datasource_type, "local_file"))
				continue;
			n->fail = xcalloc(1, sizeof *n->fail);
			n->fail->error = xstrdup(FILE_MISSING_ERROR);
			n->fail->strategy = FX_STRATEGY_NONE;
		}
		x->next = d->derived;
		d->derived = x;
	}
	pthread_mutex_unlock(&d->lock);
	return x->wf;
}
