/* ids.c -- UUIDs and random numbers, reproducible under --seed. */
#include "ids.h"

#include <ctype.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>

static atomic_bool seeded;
static uint64_t seed_base;
static atomic_uint_fast64_t counter;

void ids_seed(uint64_t seed)
{
	seed_base = seed;
	atomic_store(&counter, 0);
	atomic_store(&seeded, true);
}

void ids_unseed(void)
{
	atomic_store(&seeded, false);
}

uint64_t ids_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64 over a shared counter: each call gets its own output without a
 * lock, and the sequence depends only on the seed and the call order. */
static uint64_t next64(void)
{
	if (!atomic_load(&seeded)) {
		uint64_t v;
		if (getrandom(&v, sizeof v, 0) == sizeof v)
			return v;
	}
	return ids_mix(seed_base + atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ull);
}

uint64_t ids_random64(void)
{
	return next64();
}

void ids_uuid4_from(uint64_t hi, uint64_t lo, char out[IDS_UUID_LEN + 1])
{
	uuid_t u;
	memcpy(u, &hi, 8);
	memcpy(u + 8, &lo, 8);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	uuid_unparse_lower(u, out);
}

void ids_uuid4(char out[IDS_UUID_LEN + 1])
{
	uuid_t u;
	if (!atomic_load(&seeded)) {
		uuid_generate_random(u);
		uuid_unparse_lower(u, out);
		return;
	}
	uint64_t a = next64();
	ids_uuid4_from(a, next64(), out);
}

void ids_uuid7(char out[IDS_UUID_LEN + 1], int64_t unix_ms)
{
	uuid_t u;
	uint64_t r = next64(), r2 = next64();
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)((uint64_t)unix_ms >> (40 - 8 * i));
	memcpy(u + 6, &r, 2);
	memcpy(u + 8, &r2, 8);
	u[6] = (u[6] & 0x0f) | 0x70;
	u[8] = (u[8] & 0x3f) | 0x80;
	uuid_unparse_lower(u, out);
}

uint32_t ids_range(uint32_t lo, uint32_t hi)
{
	uint64_t span = (uint64_t)hi - lo + 1;
	return lo + (uint32_t)(next64() % span);
}

bool ids_is_uuid(const char *s, unsigned long len)
{
	static const int dash[] = { 8, 13, 18, 23 };
	if (len != IDS_UUID_LEN)
		return false;
	for (int i = 0, d = 0; i < IDS_UUID_LEN; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}
