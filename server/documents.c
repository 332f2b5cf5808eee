/* documents.c -- per knowledge base counters behind a mutex. */
#include "documents.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUCKETS 1024

struct kb_entry {
	char *kb_id;
	unsigned next_position;
	struct kb_entry *next;
};

struct documents {
	pthread_mutex_t lock;
	struct kb_entry *buckets[BUCKETS];
};

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

struct documents *documents_new(void)
{
	struct documents *d = xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

static void clear_locked(struct documents *d)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct kb_entry *e = d->buckets[i], *n; e; e = n) {
			n = e->next;
			free(e->kb_id);
			free(e);
		}
		d->buckets[i] = NULL;
	}
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
	unsigned h = hash(kb->id);
	struct kb_entry *e = d->buckets[h];
	while (e && strcmp(e->kb_id, kb->id))
		e = e->next;
	if (!e) {
		e = xcalloc(1, sizeof *e);
		e->kb_id = xstrdup(kb->id);
		e->next_position = kb->initial_documents + 1;
		e->next = d->buckets[h];
		d->buckets[h] = e;
	}
	unsigned first = e->next_position;
	e->next_position += n;
	pthread_mutex_unlock(&d->lock);
	return first;
}
