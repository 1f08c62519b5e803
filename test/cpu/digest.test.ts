// The 64-bit digest of the translation cache (src/cpu/digest.ts): the same bytes give the same
// digest however they are split and aligned; a bit changed anywhere, a byte more or a
// different split of the same bytes between parts give another.

import { describe, expect, it } from "vitest";
import { digest64, digestHex } from "../../src/cpu/index.js";

describe("digest64", () => {
  const bytes = new Uint8Array(1001).map((_, i) => (i * 31 + 7) & 255);

  it("depends on the bytes, not on where they sit in their buffer", () => {
    const shifted = new Uint8Array(1004);
    shifted.set(bytes, 3);
    expect(digest64(shifted.subarray(3))).toEqual(digest64(bytes));
    expect(digestHex(bytes)).toMatch(/^[0-9a-f]{16}$/);
    expect(digestHex(bytes)).toBe(
      digest64(bytes)
        .map((w) => w.toString(16).padStart(8, "0"))
        .join(""),
    );
  });

  it("changes with every bit, with the length and with the split into parts", () => {
    const seen = new Set([digestHex(bytes)]);
    const add = (h: string): void => {
      expect(seen.has(h)).toBe(false);
      seen.add(h);
    };
    for (let i = 0; i < bytes.length; i += 37) {
      for (const bit of [1, 128]) {
        const b = bytes.slice();
        b[i]! ^= bit;
        add(digestHex(b));
      }
    }
    add(digestHex(bytes.subarray(0, 1000)));
    add(digestHex(new Uint8Array([...bytes, 0])));
    add(digestHex(bytes.subarray(0, 500), bytes.subarray(500)));
    add(digestHex(bytes.subarray(0, 4), bytes.subarray(4)));
    add(digestHex(new Uint8Array(0)));
  });
});
