/*
 * bench_chase — a dependent-load pointer chase over a working set far larger
 * than the TLB reach: almost every load needs a translation the TLB does not
 * hold (skylake's 1536-entry L2 TLB covers 6 MiB of 4 KiB pages; the default
 * set is 64 MiB).
 *
 * Usage: bench_chase [STEPS [BYTES [SEED]]]   (defaults 16000000 steps, 64m bytes,
 * seed 1: about 150 M instructions; k/m/g suffixes allowed)
 *
 * The set is one anonymous mmap of BYTES, cut into 64-byte slots (a cache
 * line each). Sattolo's algorithm (seeded) links all slots into one random
 * cycle: slot i holds, as a 32-bit index, the slot that follows it. The chase
 * starts at slot 0 and follows STEPS links; each load's address depends on
 * the value the previous load returned.
 *
 * Output: the parameters, the slot where the chase ended and the sum of the
 * slot indices visited (mod 2^64). Status 0; 1 mmap failed; 2 bad usage.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "common.h"

#define STRIDE 64

int main(int argc, char **argv)
{
	uint64_t steps = 16000000, bytes = 64u << 20, seed = 1;
	if (argc > 4 || (argc > 1 && !parse_u64(argv[1], &steps)) || (argc > 2 && !parse_u64(argv[2], &bytes)) ||
	    (argc > 3 && !parse_u64(argv[3], &seed)) || bytes < 2 * STRIDE || bytes / STRIDE > UINT32_MAX) {
		fprintf(stderr, "bench_chase: usage: bench_chase [STEPS [BYTES [SEED]]]   (128 <= BYTES < 256g)\n");
		return 2;
	}
	uint64_t slots = bytes / STRIDE;
	char *base = mmap(NULL, slots * STRIDE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, "bench_chase: mmap of %lu bytes failed\n", (unsigned long)bytes);
		return 1;
	}
#define NEXT(i) (*(uint32_t *)(base + (uint64_t)(i) * STRIDE))

	/* Sattolo: from the identity, swap each slot with a random earlier one;
	 * the permutation i -> NEXT(i) is then a single cycle. */
	for (uint64_t i = 0; i < slots; i++)
		NEXT(i) = (uint32_t)i;
	uint64_t rng = seed;
	for (uint64_t i = slots - 1; i > 0; i--) {
		uint64_t j = rng_next(&rng) % i;
		uint32_t t = NEXT(i);
		NEXT(i) = NEXT(j);
		NEXT(j) = t;
	}

	uint64_t sum = 0;
	uint32_t p = 0;
	for (uint64_t s = 0; s < steps; s++) {
		p = NEXT(p);
		sum += p;
	}
	printf("bench_chase: steps=%lu bytes=%lu slots=%lu seed=%lu\n", (unsigned long)steps,
	       (unsigned long)bytes, (unsigned long)slots, (unsigned long)seed);
	printf("final=%u sum=%lu\n", p, (unsigned long)sum);
	munmap(base, slots * STRIDE);
	return 0;
}
