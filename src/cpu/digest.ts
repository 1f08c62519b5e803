// A 64-bit digest of bytes, for caches that must tell a damaged or foreign entry from a good
// one (the translation cache: jit/tcache.ts, and its files in src/cli/translation-cache.ts). No
// Node module: the browser playground keeps translations too. Not cryptographic: it tells a
// damaged file, not a forged one (as the code cache's digest, src/cli/code-cache.ts).

/** A 64-bit digest of `parts` (their bytes and lengths) as two unsigned 32-bit words: two
 *  32-bit lanes of a multiply-rotate mix over little-endian words, each finished with
 *  murmur3's finaliser. */
export function digest64(...parts: Uint8Array[]): [number, number] {
  let a = 0x243f6a88;
  let b = 0x85a308d3;
  for (const p of parts) {
    const whole = p.length & ~3;
    // words in the host's order (little-endian wherever Node runs mmlab): an Int32Array where
    // the bytes are aligned (faster cold), else read one by one
    const words =
      (p.byteOffset & 3) === 0 ? new Int32Array(p.buffer, p.byteOffset, whole >> 2) : wordsOf(p, whole);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const x = a ^ w;
      const y = (b + w) | 0;
      a = (Math.imul((x << 13) | (x >>> 19), 0x9e3779b1) + 0x7f4a7c15) | 0;
      b = Math.imul((y << 17) | (y >>> 15), 0x85ebca77) ^ 0x165667b1;
    }
    let t = p.length;
    for (let i = whole; i < p.length; i++) t = Math.imul(t ^ p[i]!, 0x27d4eb2f);
    a = Math.imul(a ^ t, 0xc2b2ae3d);
    b = Math.imul(b ^ (t >>> 7), 0x9e3779b1);
  }
  const fin = (h: number): number => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const x = fin(a ^ b);
  return [x, fin((b + Math.imul(x, 0x2545f491)) | 0)];
}

/** The first `whole` bytes of `p` (a multiple of 4) as little-endian int32 words. */
function wordsOf(p: Uint8Array, whole: number): Int32Array {
  const out = new Int32Array(whole >> 2);
  for (let i = 0; i < out.length; i++)
    out[i] = p[4 * i]! | (p[4 * i + 1]! << 8) | (p[4 * i + 2]! << 16) | (p[4 * i + 3]! << 24);
  return out;
}

/** digest64 as 16 hex digits (a file name). */
export function digestHex(...parts: Uint8Array[]): string {
  return digest64(...parts)
    .map((w) => w.toString(16).padStart(8, "0"))
    .join("");
}
