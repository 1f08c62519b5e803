/*
 * mstress — a malloc/realloc/free stress with a fixed seed, big enough that
 * the allocator has to ask the kernel for memory in every way it can.
 *
 * Usage: mstress [OPS [SEED]]      defaults: OPS=1000, SEED=1
 *
 * 32 slots each hold a block or nothing. Each operation picks a slot at
 * random: an empty slot gets malloc(size); a full one is realloc'd (half the
 * time) or freed. Sizes: 70% 1 B..2 KiB, 20% 2..66 KiB, 10% 128 KiB..1 MiB;
 * a realloc grows the block 1.5-3x (to at most 2 MiB), halves it, or picks
 * a fresh size, with equal chance. M_MMAP_THRESHOLD is pinned at 128 KiB, so
 * with glibc every block of 128 KiB or more is its own mmap, a realloc
 * between two such sizes is an mremap, and freeing one is a munmap; small
 * blocks come from the brk heap. The no-libc build's allocator (rt/malloc.c)
 * makes the same choices with the same system calls.
 *
 * Every block is filled with a pattern derived from its tag and the byte
 * offset; the kept prefix is verified after each realloc, the whole block
 * before each free, and everything left at the end.
 *
 * Output (the same for both builds):
 *   mstress: ops=OPS seed=SEED
 *   mallocs=.. reallocs=.. frees=..
 *   large_allocs=.. large_reallocs=.. (>= 131072 bytes)
 *   peak_live_bytes=..
 *   bytes_verified=..
 *   checksum=0x..           a hash of every verified word
 *   errors=0
 * Status: 0 every check passed; 1 a verification failed (the first few are
 * described on stderr); 2 bad usage; 3 an allocation failed.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define NSLOTS 32
#define LARGE  (128UL * 1024)
#define MAXSZ  (2UL * 1024 * 1024)

struct slot {
	unsigned char *p;
	size_t size;
	uint64_t tag;
};

static struct slot slots[NSLOTS];
static uint64_t rng;
static unsigned long mallocs, reallocs, frees, large_allocs, large_reallocs, errors;
static unsigned long live, peak, verified;
static uint64_t checksum = 0xcbf29ce484222325ULL;

/* The pattern: word w of a block with tag t holds t ^ (w * golden), stored
 * little-endian, so that byte i is a byte of word i/8. */
static inline uint64_t pattern(uint64_t tag, size_t w)
{
	return tag ^ ((uint64_t)w * 0x9e3779b97f4a7c15ULL);
}

static inline unsigned char pattern_byte(uint64_t tag, size_t i)
{
	return (unsigned char)(pattern(tag, i / 8) >> (8 * (i % 8)));
}

/* Fill bytes [from, to) of p with the pattern; whole words where aligned. */
static void fill(unsigned char *p, size_t from, size_t to, uint64_t tag)
{
	size_t i = from;
	for (; i < to && i % 8; i++)
		p[i] = pattern_byte(tag, i);
	for (; i + 8 <= to; i += 8)
		*(uint64_t *)(p + i) = pattern(tag, i / 8);
	for (; i < to; i++)
		p[i] = pattern_byte(tag, i);
}

static void mismatch(const char *when, int slot, size_t at)
{
	if (errors++ < 5)
		fprintf(stderr, "mstress: %s: slot %d: wrong byte at offset %lu\n", when, slot,
			(unsigned long)at);
}

/* Check bytes [0, len) of p against the pattern and fold them into checksum. */
static void verify(const unsigned char *p, size_t len, uint64_t tag, const char *when, int slot)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = *(const uint64_t *)(p + i);
		if (w != pattern(tag, i / 8)) {
			mismatch(when, slot, i);
			return;
		}
		checksum = (checksum ^ w) * 0x100000001b3ULL;
	}
	for (; i < len; i++) {
		if (p[i] != pattern_byte(tag, i)) {
			mismatch(when, slot, i);
			return;
		}
		checksum = (checksum ^ p[i]) * 0x100000001b3ULL;
	}
	verified += len;
}

static size_t pick_size(void)
{
	uint64_t r = rng_next(&rng);
	switch (r % 10) {
	case 0:
		return LARGE + (size_t)((r >> 8) % (MAXSZ / 2 - LARGE + 1));  /* 128 KiB .. 1 MiB */
	case 1:
	case 2:
		return 2048 + (size_t)((r >> 8) % 65536);                    /* 2 KiB .. 66 KiB */
	default:
		return 1 + (size_t)((r >> 8) % 2048);                         /* 1 B .. 2 KiB */
	}
}

static size_t pick_new_size(size_t old)
{
	uint64_t r = rng_next(&rng);
	size_t n;
	switch (r % 3) {
	case 0:  /* grow by 1.5, 2, 2.5 or 3 */
		n = old + old * (1 + (size_t)((r >> 8) % 4)) / 2;
		return n > MAXSZ ? MAXSZ : n;
	case 1:  /* halve */
		return old / 2 ? old / 2 : 1;
	default:
		return pick_size();
	}
}

int main(int argc, char **argv)
{
	uint64_t ops = 1000, seed = 1;
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &ops)) || (argc > 2 && !parse_u64(argv[2], &seed))) {
		fprintf(stderr, "mstress: usage: mstress [OPS [SEED]]\n");
		return 2;
	}
	/* Setting the threshold also stops glibc from raising it dynamically
	 * after the first free of an mmapped block. */
	mallopt(M_MMAP_THRESHOLD, (int)LARGE);
	rng = seed;

	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = rng_next(&rng);
		int i = (int)(r % NSLOTS);
		struct slot *s = &slots[i];
		if (!s->p) {
			size_t size = pick_size();
			s->p = malloc(size);
			if (!s->p) {
				fprintf(stderr, "mstress: malloc(%lu) failed\n", (unsigned long)size);
				return 3;
			}
			s->size = size;
			s->tag = rng_next(&rng);
			fill(s->p, 0, size, s->tag);
			mallocs++;
			large_allocs += size >= LARGE;
			live += size;
		} else if ((r >> 32) & 1) {
			size_t size = pick_new_size(s->size);
			unsigned char *q = realloc(s->p, size);
			if (!q) {
				fprintf(stderr, "mstress: realloc(%lu) failed\n", (unsigned long)size);
				return 3;
			}
			size_t kept = size < s->size ? size : s->size;
			verify(q, kept, s->tag, "after realloc", i);
			if (size > s->size)
				fill(q, s->size, size, s->tag);
			reallocs++;
			large_reallocs += s->size >= LARGE && size >= LARGE;
			live = live - s->size + size;
			s->p = q;
			s->size = size;
		} else {
			verify(s->p, s->size, s->tag, "before free", i);
			free(s->p);
			s->p = NULL;
			frees++;
			live -= s->size;
		}
		if (live > peak)
			peak = live;
	}
	for (int i = 0; i < NSLOTS; i++) {
		if (slots[i].p) {
			verify(slots[i].p, slots[i].size, slots[i].tag, "at the end", i);
			free(slots[i].p);
			frees++;
		}
	}

	printf("mstress: ops=%lu seed=%lu\n", (unsigned long)ops, (unsigned long)seed);
	printf("mallocs=%lu reallocs=%lu frees=%lu\n", mallocs, reallocs, frees);
	printf("large_allocs=%lu large_reallocs=%lu (>= %lu bytes)\n", large_allocs, large_reallocs, LARGE);
	printf("peak_live_bytes=%lu\n", peak);
	printf("bytes_verified=%lu\n", verified);
	printf("checksum=0x%016lx\n", (unsigned long)checksum);
	printf("errors=%lu\n", errors);
	return errors ? 1 : 0;
}
