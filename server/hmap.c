/* hmap.c -- open addressing over (key, value) slots, grown to stay at
 * most half full; deletion by backward shifting. */
#include "hmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Each eight-byte word is mixed in with a multiply and a rotation (so that
 * its high bytes reach the low bits too), then splitmix64's finalizer
 * spreads the result over the low bits that pick a slot. */
uint64_t hmap_hash(const char *s, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = 14695981039346656037u;
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

static size_t home(const struct hmap *m, const char *key)
{
	return (size_t)hmap_hash(key, strlen(key)) & (m->cap - 1);
}

/* The slot holding key, or the empty slot where it would go (cap > 0). */
static struct hmap_slot *find(const struct hmap *m, const char *key)
{
	size_t mask = m->cap - 1;
	size_t i = home(m, key);
	while (m->slots[i].key && strcmp(m->slots[i].key, key))
		i = (i + 1) & mask;
	return &m->slots[i];
}

void *hmap_get(const struct hmap *m, const char *key)
{
	return m->cap ? find(m, key)->value : NULL;
}

static bool ct_equal(const char *a, const char *b, size_t len)
{
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

void *hmap_get_secret(const struct hmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)hmap_hash(key, len) & mask; m->slots[i].key; i = (i + 1) & mask) {
		const struct hmap_slot *s = &m->slots[i];
		if (strlen(s->key) == len && ct_equal(s->key, key, len))
			return s->value;
	}
	return NULL;
}

static void grow(struct hmap *m)
{
	struct hmap g = { xcalloc(m->cap ? 2 * m->cap : 16, sizeof *g.slots), m->cap ? 2 * m->cap : 16, m->n };
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(&g, m->slots[i].key) = m->slots[i];
	free(m->slots);
	*m = g;
}

/* The slot of key, made (empty value) when absent. */
static struct hmap_slot *entry(struct hmap *m, const char *key)
{
	if (2 * (m->n + 1) > m->cap)
		grow(m);
	struct hmap_slot *s = find(m, key);
	if (!s->key) {
		s->key = key;
		s->value = NULL;
		m->n++;
	}
	return s;
}

void *hmap_add(struct hmap *m, const char *key, void *value)
{
	struct hmap_slot *s = entry(m, key);
	if (s->value)
		return s->value;
	s->value = value;
	return NULL;
}

void *hmap_put(struct hmap *m, const char *key, void *value)
{
	struct hmap_slot *s = entry(m, key);
	void *old = s->value;
	s->key = key;
	s->value = value;
	return old;
}

void *hmap_remove(struct hmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct hmap_slot *s = find(m, key);
	if (!s->key)
		return NULL;
	void *value = s->value;
	size_t mask = m->cap - 1, i = (size_t)(s - m->slots);
	m->slots[i] = (struct hmap_slot){ NULL, NULL };
	m->n--;
	/* Shift back the entries of the cluster that would no longer be found:
	 * those whose home is not cyclically within (i, j]. */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t h = home(m, m->slots[j].key);
		bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
		if (movable) {
			m->slots[i] = m->slots[j];
			m->slots[j] = (struct hmap_slot){ NULL, NULL };
			i = j;
		}
	}
	return value;
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	*m = (struct hmap)HMAP_INIT;
}

struct hmap_slot *hmap_next(const struct hmap *m, struct hmap_slot *prev)
{
	size_t i = prev ? (size_t)(prev - m->slots) + 1 : 0;
	for (; i < m->cap; i++)
		if (m->slots[i].key)
			return &m->slots[i];
	return NULL;
}
