/*
 * bench_hash — an open-addressing hash table under a mixed load of inserts,
 * lookups and deletes, the inner loop of interpreters, compilers and
 * databases.
 *
 * Usage: bench_hash [OPS [SEED]]   (default 4m operations, SEED 1, about
 * 250 M instructions; k/m suffixes allowed)
 *
 * The table maps 64-bit keys to 64-bit values with linear probing and
 * backward-shift deletion (no tombstones), in 2^18 slots. Keys are drawn from
 * a pool of 2^17 distinct values (a multiplicative hash of an index), so
 * lookups hit about as often as they miss and the load factor hovers below
 * 1/2. Each operation is, by a PRNG draw: 50% lookup, 30% insert-or-update,
 * 20% delete. At the end the table is checked against a count kept on the
 * side and every slot is verified to be reachable from its home slot.
 *
 * Output: the number of each operation, hits, the final size, the longest
 * probe sequence seen, a checksum of the values found, and "check=ok".
 * Status 0; 1 the table is inconsistent; 2 bad usage; 3 out of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

#define SLOTS_LOG2 18
#define SLOTS (1ul << SLOTS_LOG2)
#define KEY_POOL (1ul << 17)
#define EMPTY 0  /* key 0 is never used */

struct slot {
	uint64_t key, value;
};

static struct slot *table;
static uint64_t size, longest_probe;

static uint64_t home(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	return (key ^ (key >> 32)) & (SLOTS - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static uint64_t probe(uint64_t key)
{
	uint64_t i = home(key), n = 1;
	while (table[i].key != EMPTY && table[i].key != key) {
		i = (i + 1) & (SLOTS - 1);
		n++;
	}
	if (n > longest_probe)
		longest_probe = n;
	return i;
}

static int lookup(uint64_t key, uint64_t *value)
{
	uint64_t i = probe(key);
	if (table[i].key == EMPTY)
		return 0;
	*value = table[i].value;
	return 1;
}

static void insert(uint64_t key, uint64_t value)
{
	uint64_t i = probe(key);
	if (table[i].key == EMPTY) {
		table[i].key = key;
		size++;
	}
	table[i].value = value;
}

/* Remove key and shift later members of its cluster back, so that every key
 * stays reachable from its home slot without tombstones. */
static int delete(uint64_t key)
{
	uint64_t i = probe(key);
	if (table[i].key == EMPTY)
		return 0;
	uint64_t j = i;
	for (;;) {
		j = (j + 1) & (SLOTS - 1);
		if (table[j].key == EMPTY)
			break;
		uint64_t h = home(table[j].key);
		/* Move j into the hole i unless h lies cyclically in (i, j]. */
		int stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (!stays) {
			table[i] = table[j];
			i = j;
		}
	}
	table[i].key = EMPTY;
	size--;
	return 1;
}

/* Every key must be found by probing from its home slot. */
static int consistent(void)
{
	uint64_t count = 0;
	for (uint64_t i = 0; i < SLOTS; i++) {
		if (table[i].key == EMPTY)
			continue;
		count++;
		if (probe(table[i].key) != i)
			return 0;
	}
	return count == size;
}

int main(int argc, char **argv)
{
	uint64_t ops = 4u << 20, seed = 1;
	if (argc > 3 || (argc > 1 && !parse_u64(argv[1], &ops)) || (argc > 2 && !parse_u64(argv[2], &seed))) {
		fprintf(stderr, "bench_hash: usage: bench_hash [OPS [SEED]]\n");
		return 2;
	}
	table = calloc(SLOTS, sizeof *table);
	if (!table) {
		fprintf(stderr, "bench_hash: out of memory\n");
		return 3;
	}
	uint64_t rng = seed, lookups = 0, inserts = 0, deletes = 0, hits = 0, checksum = 0;
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = rng_next(&rng);
		uint64_t key = ((r >> 8) % KEY_POOL + 1) * 0x9e3779b97f4a7c15ULL;
		uint64_t kind = r & 0xff, value;
		if (kind < 128) {
			lookups++;
			if (lookup(key, &value)) {
				hits++;
				checksum = checksum * 33 + value;
			}
		} else if (kind < 205) {
			inserts++;
			insert(key, r ^ op);
		} else {
			deletes++;
			hits += (uint64_t)delete(key);
		}
	}
	int ok = consistent();
	printf("bench_hash: ops=%lu seed=%lu slots=%lu\n", (unsigned long)ops, (unsigned long)seed,
	       (unsigned long)SLOTS);
	printf("lookups=%lu inserts=%lu deletes=%lu hits=%lu\n", (unsigned long)lookups,
	       (unsigned long)inserts, (unsigned long)deletes, (unsigned long)hits);
	printf("size=%lu longest_probe=%lu\n", (unsigned long)size, (unsigned long)longest_probe);
	printf("checksum=%lu\n", (unsigned long)checksum);
	printf("check=%s\n", ok ? "ok" : "FAILED");
	free(table);
	return ok ? 0 : 1;
}
