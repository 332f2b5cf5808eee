/* documents.h -- what published runs leave behind, kept in memory for the
 * server's life: for now, the next document position per knowledge base.
 * Thread-safe. Keyed by knowledge-base id, so it survives a fixture reload. */
#pragma once
#include "fixtures.h"

struct documents;

struct documents *documents_new(void);
void documents_free(struct documents *d);
/* Reserves n consecutive positions in kb and returns the first one: positions
 * continue after the knowledge base's existing documents (Dify: max + 1). */
unsigned documents_reserve_positions(struct documents *d, const struct fx_kb *kb, unsigned n);
/* Forgets everything (POST /_mock/reset). */
void documents_clear(struct documents *d);
