/*
 * ptrchase — a dependent-load pointer chase over a working set, the classic
 * probe of TLB and cache reach.
 *
 * Usage: ptrchase BYTES STRIDE COUNT [SEED]
 *   BYTES   working set size (k/m/g suffixes allowed), e.g. 1m
 *   STRIDE  distance between slots in bytes: a multiple of 8, at least 8,
 *           at most BYTES (4096 puts one slot on each page)
 *   COUNT   number of loads in the chase
 *   SEED    seed of the permutation (default 1)
 *
 * The working set is one anonymous mmap. Its BYTES/STRIDE slots are linked
 * into one random cycle (Sattolo's algorithm, seeded, so always the same
 * cycle): slot i holds the address of the slot that follows it. The chase
 * starts at slot 0 and follows COUNT links; each load depends on the last.
 *
 * Output:
 *   ptrchase: bytes=B stride=S slots=N count=C seed=X
 *   final=I              the slot index where the chase ended
 * Status: 0; 1 mmap failed; 2 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "common.h"

int main(int argc, char **argv)
{
	uint64_t bytes, stride, count, seed = 1;
	if (argc < 4 || argc > 5 || !parse_u64(argv[1], &bytes) || !parse_u64(argv[2], &stride) ||
	    !parse_u64(argv[3], &count) || (argc == 5 && !parse_u64(argv[4], &seed)) || stride < 8 ||
	    stride % 8 || stride > bytes) {
		fprintf(stderr, "ptrchase: usage: ptrchase BYTES STRIDE COUNT [SEED]"
				" (STRIDE a multiple of 8, 8 <= STRIDE <= BYTES)\n");
		return 2;
	}
	uint64_t slots = bytes / stride;

	char *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, "ptrchase: mmap of %lu bytes failed: errno %d\n", (unsigned long)bytes, errno);
		return 1;
	}
#define SLOT(i) (*(uint64_t *)(base + (i) * stride))

	/* Sattolo's algorithm on the identity: the result, read as i -> a[i],
	 * is a single cycle through every slot. The indices live in the slots
	 * themselves, then become addresses. */
	for (uint64_t i = 0; i < slots; i++)
		SLOT(i) = i;
	uint64_t rng = seed;
	for (uint64_t i = slots - 1; i > 0; i--) {
		uint64_t j = rng_next(&rng) % i;
		uint64_t t = SLOT(i);
		SLOT(i) = SLOT(j);
		SLOT(j) = t;
	}
	for (uint64_t i = 0; i < slots; i++)
		SLOT(i) = (uint64_t)(uintptr_t)(base + SLOT(i) * stride);

	void **p = (void **)base;
	for (uint64_t c = 0; c < count; c++)
		p = (void **)*p;

	printf("ptrchase: bytes=%lu stride=%lu slots=%lu count=%lu seed=%lu\n", (unsigned long)bytes,
	       (unsigned long)stride, (unsigned long)slots, (unsigned long)count, (unsigned long)seed);
	printf("final=%lu\n", (unsigned long)(((char *)p - base) / stride));
	munmap(base, bytes);
	return 0;
}
