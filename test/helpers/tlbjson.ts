// Random TLB JSON for the fast-check properties of the TLB parser (test/mmu/tlb.test.ts) and of
// `mmlab run --tlb FILE` (test/cli/fuzz.test.ts): arrays and page-walk caches with hostile
// values (negative, fractional, absurdly large, unknown sizes and policies, keys left out).

import fc from "fast-check";

const count = fc.oneof(fc.integer({ min: -2, max: 70 }), fc.constantFrom(1e9, 2 ** 31, 0.5, 65536));
const size = fc.oneof(fc.constantFrom("4k", "64k", "2m", "1g", "512g", "3m", "", 12, 21, -1), fc.string());

/** A TLB array as a JSON file might give it, each key possibly missing or wrong. */
export const hostileTlbArray = fc.record(
  {
    entries: count,
    ways: count,
    replacement: fc.constantFrom("lru", "plru", "random", "fifo", "bogus"),
    sizes: fc.array(size, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const level = fc.oneof(fc.array(hostileTlbArray, { maxLength: 3 }), fc.constant(null), fc.string());
const pwc = fc.array(fc.record({ level: count, sets: count, ways: count }, { requiredKeys: [] }), {
  maxLength: 5,
});

/** A whole TLB configuration with hostile levels, page-walk caches and seed. */
export const hostileTlbJson = fc.record(
  { itlb: level, dtlb: level, l2: level, pwc, seed: count },
  { requiredKeys: [] },
);
