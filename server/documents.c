/* documents.c -- the in-memory store behind one mutex: hash maps by id and
 * by batch, and FIFO rings for the bounds. */
#include "documents.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

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
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
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

/* Adds or replaces. */
static void hmap_put(struct hmap *m, const char *key, void *val)
{
	if (m->n + 1 > m->cap)
		hmap_grow(m);
	struct hnode **p = slot(m, key);
	if (*p) {
		(*p)->val = val;
		return;
	}
	struct hnode *e = xmalloc(sizeof *e);
	*e = (struct hnode){ xstrdup(key), val, NULL };
	*p = e;
	m->n++;
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

struct doc {
	char id[IDS_UUID_LEN + 1];
	char kb_id[IDS_UUID_LEN + 1];
	char batch_key[IDS_UUID_LEN + 1 + 64];  /* kb id + '/' + batch */
	unsigned position;
	char *datasource_type, *name_json, *source_info_json, *created_by, *doc_form, *error;
	int64_t created_ms;
	enum doc_outcome outcome;
	uint64_t index_start_ms, end_ms, index_start_due_ms, end_due_ms;
	unsigned segments;
	unsigned long word_count;
	double latency_s;
	size_t bytes;                            /* counted against DOCUMENTS_MAX_BYTES */
};

struct batch {
	struct doc **docs;                       /* in creation order; [head, n) are alive */
	size_t head, n, cap;
};

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
	struct hmap by_id;                       /* doc id -> struct doc */
	struct hmap batches;                     /* batch_key -> struct batch */
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

static void doc_free(void *p)
{
	struct doc *x = p;
	if (!x)
		return;
	free(x->datasource_type);
	free(x->name_json);
	free(x->source_info_json);
	free(x->created_by);
	free(x->doc_form);
	free(x->error);
	free(x);
}

static void batch_free(void *p)
{
	struct batch *b = p;
	free(b->docs);
	free(b);
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
	hmap_clear(&d->batches, batch_free);
	hmap_clear(&d->by_id, doc_free);
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

static void derived_free(struct derived *x)
{
	const struct fx_workflow *base = x->base;
	struct fx_workflow *wf = x->wf;
	for (size_t i = 0; i < wf->n_nodes; i++) {
		if (wf->nodes[i].fail != base->nodes[i].fail) {
			free(wf->nodes[i].fail->error);
			free(wf->nodes[i].fail);
		}
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
	uintptr_t next = (uintptr_t)hmap_get(&d->positions, kb->id);
	if (!next)
		next = (uintptr_t)kb->initial_documents + 1;
	unsigned first = (unsigned)next;
	hmap_put(&d->positions, kb->id, (void *)(next + n));
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

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Forgets the oldest document. */
static void evict_locked(struct documents *d)
{
	struct doc *x = d->ring[d->ring_head];
	d->ring_head = (d->ring_head + 1) % DOCUMENTS_MAX;
	d->ring_n--;
	d->bytes -= x->bytes;
	struct batch *b = hmap_get(&d->batches, x->batch_key);
	if (b && b->head < b->n && b->docs[b->head] == x && ++b->head == b->n) {
		hmap_del(&d->batches, x->batch_key);
		batch_free(b);
	}
	if (hmap_get(&d->by_id, x->id) == x)
		hmap_del(&d->by_id, x->id);
	doc_free(x);
}

void documents_add(struct documents *d, const struct doc_new *dn)
{
	struct doc *x = xcalloc(1, sizeof *x);
	snprintf(x->id, sizeof x->id, "%s", dn->id);
	snprintf(x->kb_id, sizeof x->kb_id, "%s", dn->kb_id);
	snprintf(x->batch_key, sizeof x->batch_key, "%s/%s", dn->kb_id, dn->batch);
	x->position = dn->position;
	x->datasource_type = xstrdup(dn->datasource_type);
	x->name_json = xstrdup(dn->name_json);
	x->source_info_json = xstrdup(dn->source_info_json);
	x->created_by = xstrdup(dn->created_by);
	x->doc_form = dup_or_null(dn->doc_form);
	x->error = dn->outcome == DOC_FAILS ? xstrdup(dn->error && *dn->error ? dn->error : "Unknown error") : NULL;
	x->created_ms = dn->created_ms;
	x->outcome = dn->outcome;
	x->index_start_ms = dn->index_start_ms;
	x->end_ms = dn->end_ms;
	x->index_start_due_ms = dn->index_start_due_ms;
	x->end_due_ms = dn->end_due_ms;
	x->segments = dn->segments;
	x->word_count = dn->word_count;
	x->latency_s = dn->latency_s;
	x->bytes = sizeof *x + strlen(x->datasource_type) + strlen(x->name_json) + strlen(x->source_info_json) +
		   strlen(x->created_by) + (x->doc_form ? strlen(x->doc_form) : 0) + (x->error ? strlen(x->error) : 0);
	pthread_mutex_lock(&d->lock);
	if (!d->ring)
		d->ring = xcalloc(DOCUMENTS_MAX, sizeof *d->ring);
	while (d->ring_n && (d->ring_n == DOCUMENTS_MAX || d->bytes + x->bytes > DOCUMENTS_MAX_BYTES))
		evict_locked(d);
	d->ring[(d->ring_head + d->ring_n++) % DOCUMENTS_MAX] = x;
	d->bytes += x->bytes;
	hmap_put(&d->by_id, x->id, x);
	struct batch *b = hmap_get(&d->batches, x->batch_key);
	if (!b) {
		b = xcalloc(1, sizeof *b);
		hmap_put(&d->batches, x->batch_key, b);
	}
	if (b->n == b->cap) {
		if (b->head > 0) { /* reuse the evicted front */
			memmove(b->docs, b->docs + b->head, (b->n - b->head) * sizeof *b->docs);
			b->n -= b->head;
			b->head = 0;
		}
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 4;
			b->docs = xrealloc(b->docs, b->cap * sizeof *b->docs);
		}
	}
	b->docs[b->n++] = x;
	pthread_mutex_unlock(&d->lock);
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
	put_str(out, v.failed ? x->error : NULL);
	buf_printf(out, ",\"stopped_at\":null,\"completed_segments\":%u,\"total_segments\":%u}", v.completed_segments,
		   v.total_segments);
}

int documents_batch_status(struct documents *d, const char *kb_id, const char *batch, int64_t now_ms,
			   struct buf *out)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s/%s", kb_id, batch);
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	struct batch *b = hmap_get(&d->batches, key.data);
	if (b && b->head < b->n) {
		buf_puts(out, "{\"data\":[");
		for (size_t i = b->head; i < b->n; i++) {
			if (i > b->head)
				buf_putc(out, ',');
			status_entry(b->docs[i], now_ms, out);
		}
		buf_puts(out, "]}\n");
		rc = 0;
	}
	pthread_mutex_unlock(&d->lock);
	buf_free(&key);
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
	buf_puts(out, x->source_info_json);
	buf_puts(out, ",\"dataset_process_rule_id\":null,\"dataset_process_rule\":" DEFAULT_PROCESS_RULE
		      ",\"document_process_rule\":{},\"name\":");
	buf_puts(out, x->name_json);
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
	put_str(out, v.failed ? x->error : NULL);
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
