/* hmap.h -- the server's one hash map: open addressing (linear probing,
 * at most half full) from NUL-terminated strings to non-NULL pointers.
 * Keys are borrowed, usually from the value they index (a document's id,
 * a knowledge base's id), so an entry costs two pointers and nothing is
 * copied; a key must stay valid while its entry is in the map. Removal
 * shifts the following entries back, so no lookup ever meets a tombstone.
 * Not thread-safe: the owner locks. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	const char *key;   /* NULL: empty */
	void *value;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;        /* a power of two, or 0 */
	size_t n;
};

#define HMAP_INIT { NULL, 0, 0 }

/* The hash of s[0..n): eight bytes at a time (FNV-1a a byte at a time was
 * two thirds of filing a document under its ids and names). */
uint64_t hmap_hash(const char *s, size_t n);

/* The value of key, or NULL. */
void *hmap_get(const struct hmap *m, const char *key);
/* The same for a secret (an API key): the candidates of its length are
 * compared in constant time, so timing tells nothing of how much matched. */
void *hmap_get_secret(const struct hmap *m, const char *key, size_t len);
/* Adds key -> value (value not NULL) unless key is there; returns the value
 * already there, or NULL when it was added. */
void *hmap_add(struct hmap *m, const char *key, void *value);
/* Adds, or replaces the entry of an equal key (its key pointer too, which
 * may be about to go); returns the value replaced, or NULL. */
void *hmap_put(struct hmap *m, const char *key, void *value);
/* Removes key's entry; returns its value, or NULL when there was none. */
void *hmap_remove(struct hmap *m, const char *key);
/* Frees the table (not the keys or values); the map is empty again. */
void hmap_free(struct hmap *m);

/* Every entry: for (struct hmap_slot *s = hmap_next(m, NULL); s; s = hmap_next(m, s)).
 * The map must not change meanwhile. */
struct hmap_slot *hmap_next(const struct hmap *m, struct hmap_slot *prev);
