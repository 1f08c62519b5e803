// Byte strings in JS strings (src/kernel/lib/rawstr.ts): every byte string survives the round
// trip, valid UTF-8 is decoded as text, and only bytes that are not UTF-8 become escapes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode_raw, encode_raw, has_raw_bytes } from "../../../src/kernel/index.js";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe("rawstr", () => {
  it("keeps every byte string (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(encode_raw(decode_raw(b))).toEqual(b);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it("decodes valid UTF-8 as text and leaves text without escapes alone (fast-check)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 32 }), (s) => {
        const b = new TextEncoder().encode(s);
        expect(decode_raw(b)).toBe(s);
        expect(encode_raw(s)).toEqual(b);
        expect(has_raw_bytes(s)).toBe(false);
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("decodes ASCII of every length as TextDecoder does, around the short-string path's limit", () => {
    const utf8 = new TextDecoder();
    for (const n of [0, 1, 2, 1023, 1024, 1025, 5000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => 0x20 + ((i * 7) % 0x5f));
      expect(decode_raw(b)).toBe(utf8.decode(b));
      b[n >> 1] = 0xe9; // one byte that is not ASCII (nor UTF-8 here): escaped, at any length
      if (n > 0)
        expect(decode_raw(b)).toBe(
          `${utf8.decode(b.subarray(0, n >> 1))}\udce9${utf8.decode(b.subarray((n >> 1) + 1))}`,
        );
    }
  });

  it("escapes a stray byte, a cut sequence, an overlong form and an encoded surrogate", () => {
    expect(decode_raw(bytes(0x61, 0xff, 0x62))).toBe("a\udcffb");
    expect(decode_raw(bytes(0xc3))).toBe("\udcc3"); // é cut after its first byte
    expect(decode_raw(bytes(0xc0, 0xaf))).toBe("\udcc0\udcaf"); // overlong '/'
    expect(decode_raw(bytes(0xed, 0xa0, 0x80))).toBe("\udced\udca0\udc80"); // U+D800 in UTF-8
    expect(decode_raw(bytes(0xff, 0xc3, 0xa9))).toBe("\udcffé");
    expect(has_raw_bytes("a\udcffb")).toBe(true);
  });

  it("encodes a low surrogate inside a pair as UTF-8, not as an escape", () => {
    const pair = "\ud83d\udc80"; // U+1F480: its low half is in the escape range
    expect(has_raw_bytes(pair)).toBe(false);
    expect(encode_raw(pair)).toEqual(bytes(0xf0, 0x9f, 0x92, 0x80));
  });
});
