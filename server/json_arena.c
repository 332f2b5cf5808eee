/* json_arena.c -- the arena json_parse_arena parses into: nodes of trees
 * that live and die together (the fixture files), bump-allocated from
 * chunks mapped already faulted in, freed all at once. See json.h for the
 * contract and json_node.c for what goes into it.
 *
 * The chunks are mapped with MAP_POPULATE, so the pages are faulted in by
 * the kernel in one go. On this kind of virtual machine a page fault costs
 * about 15 us, and touching each new page of a 1,000-knowledge-base fixture
 * set one at a time was most of the start-up time. */
#include "json_internal.h"

/* LeakSanitizer does not look inside memory mapped by hand, and the
 * fixture checker keeps pointers to malloc'd memory in the arena (the plans
 * runs memoize): the chunks are registered as root regions, so that what
 * they point to is not reported as leaked. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define ARENA_LSAN 1
#endif
#endif
#ifdef ARENA_LSAN
#include <sanitizer/lsan_interface.h>
#define lsan_register(p, n) __lsan_register_root_region((p), (n))
#define lsan_unregister(p, n) __lsan_unregister_root_region((p), (n))
#else
#define lsan_register(p, n) ((void)(p), (void)(n))
#define lsan_unregister(p, n) ((void)(p), (void)(n))
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct arena_chunk {
	struct arena_chunk *prev;
	size_t size; /* of the mapping, this header included */
};

struct json_arena {
	struct arena_chunk *chunks; /* newest first */
	char *next, *end;           /* free space in the newest chunk */
	size_t chunk_size;          /* of the next chunk */
};

#define ARENA_FIRST_CHUNK ((size_t)256 << 10)
#define ARENA_ALIGN 16

struct json_arena *json_arena_new(void)
{
	struct json_arena *a = xcalloc(1, sizeof *a);
	a->chunk_size = ARENA_FIRST_CHUNK;
	return a;
}

static size_t page_size(void)
{
	long v = sysconf(_SC_PAGESIZE);
	return v > 0 ? (size_t)v : 4096;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define HUGE_PAGE ((size_t)2 << 20)

/* size bytes of zeroed memory, already faulted in. From 2 MiB on, the chunk
 * is aligned to and backed by transparent huge pages where the kernel
 * allows it: a few faults instead of 512 per 2 MiB, and fewer TLB misses
 * while the parser writes the nodes. */
static void *map_chunk(size_t size)
{
	if (size >= HUGE_PAGE && size % HUGE_PAGE == 0) {
		char *m = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			abort(); /* out of memory, as xmalloc */
		char *al = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
		if (al > m)
			munmap(m, (size_t)(al - m));
		if (al + size < m + size + HUGE_PAGE)
			munmap(al + size, (size_t)(m + size + HUGE_PAGE - (al + size)));
		madvise(al, size, MADV_HUGEPAGE);
		if (madvise(al, size, MADV_POPULATE_WRITE) != 0) {
			size_t ps = page_size(); /* older kernel: touch each page */
			for (size_t i = 0; i < size; i += ps)
				al[i] = 0;
		}
		return al;
	}
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		abort(); /* out of memory, as xmalloc */
	return m;
}

void *json_arena_alloc(struct json_arena *a, size_t n)
{
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if ((size_t)(a->end - a->next) < n) {
		size_t hdr = (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		size_t size = a->chunk_size, ps = page_size();
		if (size < n + hdr)
			size = (n + hdr + ps - 1) & ~(ps - 1);
		void *m = map_chunk(size);
		lsan_register(m, size);
		struct arena_chunk *c = m;
		c->prev = a->chunks;
		c->size = size;
		a->chunks = c;
		a->next = (char *)m + hdr;
		a->end = (char *)m + size;
		/* 256 KiB holds the bundled fixtures; past that, one huge page at
		 * a time. Doubling chunks up to 8 MiB had left each parsing
		 * thread with megabytes zeroed for nothing (zeroing is most of
		 * what a chunk costs here), and more chunks cost only an mmap. */
		a->chunk_size = HUGE_PAGE;
	}
	void *p = a->next;
	a->next += n;
	return p;
}

void *json_arena_calloc(struct json_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		abort(); /* as xcalloc */
	size_t n = count * size;
	/* memset although fresh mappings are zero: nothing promises the arena
	 * never reuses memory. */
	return memset(json_arena_alloc(a, n ? n : 1), 0, n);
}

void json_arena_trim(struct json_arena *a)
{
	if (!a || !a->chunks || !a->next) /* !next: only adopted chunks, already trimmed */
		return;
	size_t ps = page_size();
	char *base = (char *)a->chunks;
	size_t keep = ((size_t)(a->next - base) + ps - 1) & ~(ps - 1);
	if (keep < a->chunks->size) {
		lsan_unregister(base, a->chunks->size);
		munmap(base + keep, a->chunks->size - keep);
		a->chunks->size = keep;
		lsan_register(base, keep);
	}
	a->end = a->next;
}

void json_arena_adopt(struct json_arena *a, struct json_arena *from)
{
	json_arena_trim(from);
	/* from's chunks go under a's, so that a's newest chunk stays current. */
	struct arena_chunk **link = &a->chunks;
	while (*link)
		link = &(*link)->prev;
	*link = from->chunks;
	free(from);
}

void json_arena_free(struct json_arena *a)
{
	if (!a)
		return;
	for (struct arena_chunk *c = a->chunks, *prev; c; c = prev) {
		prev = c->prev;
		lsan_unregister(c, c->size);
		munmap(c, c->size);
	}
	free(a);
}
