/* documents.c -- the in-memory store behind one mutex: indexes by id and
 * by batch (the shared hash map), and FIFO rings for the bounds. The records and their wire
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
#include "hmap.h"

struct upload {
	struct stored_upload u;
	char key[2 * IDS_UUID_LEN + 2];          /* tenant + '/' + id */
};


/* The indexes borrow their keys from what they index (a document's id or
 * batch, an upload's key, an interned string), so an entry costs two
 * pointers and nothing is copied. */
struct documents {
	pthread_mutex_t lock;
	struct hmap positions;                   /* interned kb id -> (uintptr_t) next position */
	struct hmap by_id;                       /* doc id -> struct doc */
	struct hmap batches;                     /* batch -> its oldest document (of any knowledge base) */
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
	hmap_free(&d->positions);
	for (size_t i = 0; i < d->ring_n; i++)
		free(d->ring[(d->ring_head + i) % DOCUMENTS_MAX]);
	hmap_free(&d->batches);
	hmap_free(&d->by_id);
	for (struct hmap_slot *s = hmap_next(&d->interned, NULL); s; s = hmap_next(&d->interned, s))
		free(s->value); /* its own key */
	hmap_free(&d->interned);
	free(d->ring);
	d->ring = NULL;
	d->ring_head = d->ring_n = d->bytes = 0;
	for (size_t i = 0; i < d->up_n; i++)
		upload_free(d->up_ring[(d->up_head + i) % UPLOADS_MAX]);
	hmap_free(&d->uploads);
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

static const char *intern_locked(struct documents *d, const char *s);

unsigned documents_reserve_positions(struct documents *d, const struct fx_kb *kb, unsigned n)
{
	pthread_mutex_lock(&d->lock);
	/* The key outlives a reload that frees kb: the store's own copy. */
	const char *kb_id = intern_locked(d, kb->id);
	uintptr_t next = (uintptr_t)hmap_get(&d->positions, kb_id);
	if (!next)
		next = (uintptr_t)kb->initial_documents + 1;
	unsigned first = (unsigned)next;
	hmap_put(&d->positions, kb_id, (void *)(next + n));
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
			hmap_remove(&d->uploads, old->key);
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
	char *mine = hmap_get(&d->interned, s);
	if (!mine) {
		mine = xstrdup(s);
		hmap_add(&d->interned, mine, mine);
	}
	return mine;
}

/* Takes the oldest document out of the store; the caller frees it once
 * the lock is released. */
static struct doc *evict_locked(struct documents *d)
{
	struct doc *x = d->ring[d->ring_head];
	d->ring_head = (d->ring_head + 1) % DOCUMENTS_MAX;
	d->ring_n--;
	d->bytes -= x->bytes;
	/* The oldest document is the head of its batch's chain: the next one
	 * (if any) becomes the head, under its own copy of the key. */
	if (hmap_get(&d->batches, x->batch) == x) {
		if (x->batch_next)
			hmap_put(&d->batches, x->batch_next->batch, x->batch_next);
		else
			hmap_remove(&d->batches, x->batch);
	}
	if (hmap_get(&d->by_id, x->id) == x) /* not if a newer one took its id */
		hmap_remove(&d->by_id, x->id);
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
	hmap_put(&d->by_id, x->id, x); /* the same id again (a seeded server): the newest one answers */
	struct doc *head = hmap_add(&d->batches, x->batch, x);
	if (head) {
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
	/* A batch number names the documents of one run, but nothing stops
	 * another knowledge base's run from drawing it too: its chain holds
	 * them all, and only kb_id's are answered. */
	for (struct doc *x = hmap_get(&d->batches, batch); x; x = x->batch_next) {
		if (strcmp(x->kb_id, kb_id))
			continue;
		buf_puts(out, rc ? "{\"data\":[" : ",");
		document_status_json(x, now_ms, out);
		rc = 0;
	}
	if (!rc)
		buf_puts(out, "]}\n");
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static struct doc *find_locked(struct documents *d, const char *kb_id, const char *doc_id)
{
	struct doc *x = hmap_get(&d->by_id, doc_id);
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
