/* ids.c -- UUIDs and random numbers, reproducible under --seed. */
#include "ids.h"

#include <ctype.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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

/* Unseeded: xoshiro256** per thread, seeded once from the kernel. Asking the
 * kernel for every number (getrandom), or libuuid for every UUID (which also
 * calls getpid, getuid, getppid and gettid and re-seeds random(3) each time),
 * cost seven system calls per published run: a third of the server's time
 * under load. These ids only need to be unique and unpredictable enough for
 * a mock, not secret. */
static _Thread_local uint64_t tl_state[4];
static _Thread_local bool tl_ready;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void tl_init(void)
{
	if (getrandom(tl_state, sizeof tl_state, 0) != (ssize_t)sizeof tl_state) {
		/* No entropy source: time and addresses, spread by splitmix. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t z = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		z ^= (uint64_t)(uintptr_t)&tl_state;
		for (int i = 0; i < 4; i++)
			tl_state[i] = ids_mix(z + (uint64_t)i * 0x9e3779b97f4a7c15ull);
	}
	if (!(tl_state[0] | tl_state[1] | tl_state[2] | tl_state[3]))
		tl_state[0] = 1; /* the one state xoshiro cannot leave */
	tl_ready = true;
}

static uint64_t tl_next(void)
{
	if (!tl_ready)
		tl_init();
	uint64_t *s = tl_state;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Seeded: splitmix64 over a shared counter: each call gets its own output
 * without a lock, and the sequence depends only on the seed and the call
 * order. */
static uint64_t next64(void)
{
	if (!atomic_load_explicit(&seeded, memory_order_relaxed))
		return tl_next();
	return ids_mix(seed_base + atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ull);
}

uint64_t ids_random64(void)
{
	return next64();
}

/* The 8-4-4-4-12 lower-case text of 16 bytes (as libuuid's uuid_unparse_lower). */
static void unparse(const unsigned char u[16], char out[IDS_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[u[i] >> 4];
		*o++ = hex[u[i] & 0xf];
	}
	*o = '\0';
}

void ids_uuid4_from(uint64_t hi, uint64_t lo, char out[IDS_UUID_LEN + 1])
{
	unsigned char u[16];
	memcpy(u, &hi, 8);
	memcpy(u + 8, &lo, 8);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	unparse(u, out);
}

void ids_uuid4(char out[IDS_UUID_LEN + 1])
{
	uint64_t a = next64();
	ids_uuid4_from(a, next64(), out);
}

void ids_uuid7(char out[IDS_UUID_LEN + 1], int64_t unix_ms)
{
	unsigned char u[16];
	uint64_t r = next64(), r2 = next64();
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)((uint64_t)unix_ms >> (40 - 8 * i));
	memcpy(u + 6, &r, 2);
	memcpy(u + 8, &r2, 8);
	u[6] = (u[6] & 0x0f) | 0x70;
	u[8] = (u[8] & 0x3f) | 0x80;
	unparse(u, out);
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
