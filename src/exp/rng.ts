// A small seeded PRNG for the experiments (mulberry32): same seed, same permutation, same numbers.

/** Returns a function giving uniform numbers in [0, 1), determined by `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random cyclic permutation of 0..n-1 (Sattolo's algorithm): next[i] is the slot after i, and
 *  following next[] from any slot visits every slot once before coming back. */
export function cyclicPermutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * i); // j < i: Sattolo, so the result is one cycle
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const next = new Uint32Array(n);
  for (let i = 0; i < n; i++) next[order[i]!] = order[(i + 1) % n]!;
  return next;
}
