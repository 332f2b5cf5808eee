/* ids.h -- identifiers and random numbers. Unseeded, both come from a
 * per-thread xoshiro256** generator seeded once from the kernel (no system
 * call per id); after ids_seed() both come from one counter-based generator,
 * so a run with --seed is reproducible. Thread-safe. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define IDS_UUID_LEN 36

void ids_seed(uint64_t seed);
void ids_unseed(void);
/* A random (version 4) UUID, lower case, into out[37]. */
void ids_uuid4(char out[IDS_UUID_LEN + 1]);
/* A UUID version 7 (time-ordered, as Dify's credential ids) for unix_ms. */
void ids_uuid7(char out[IDS_UUID_LEN + 1], int64_t unix_ms);
/* 64 random bits (reproducible under ids_seed). */
uint64_t ids_random64(void);
/* A version 4 UUID made from 128 given bits: a run derives its node
 * execution ids from one random base instead of storing them. */
void ids_uuid4_from(uint64_t hi, uint64_t lo, char out[IDS_UUID_LEN + 1]);
/* splitmix64's finalizer: spreads a counter into random-looking bits. */
uint64_t ids_mix(uint64_t x);
/* Uniform in [lo, hi]. */
uint32_t ids_range(uint32_t lo, uint32_t hi);
/* Canonical 8-4-4-4-12 hex form (either case)? */
bool ids_is_uuid(const char *s, unsigned long len);
