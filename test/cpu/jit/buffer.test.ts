// The emitter's byte buffer (src/cpu/jit/buffer.ts) and reader (reader.ts): LEB128 edge cases
// against hand-checked byte sequences (binary/values.rst), the int64 encoding from (lo, hi) words
// against the one from bigint, floats, names, growth, and the reader's rejection of malformed
// LEB128.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteBuffer, u32Size } from "../../../src/cpu/jit/buffer.js";
import { ByteReader } from "../../../src/cpu/jit/reader.js";

function bytes(write: (b: ByteBuffer) => void): number[] {
  const b = new ByteBuffer(16);
  write(b);
  return [...b.toBytes()];
}

const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

describe("unsigned LEB128", () => {
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [63, [0x3f]],
    [64, [0x40]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [0x7fff_ffff, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [0xffff_ffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])("u32(%d)", (v, want) => {
    expect(bytes((b) => b.u32(v))).toEqual(want);
    expect(u32Size(v)).toBe(want.length);
    expect(new ByteReader(new Uint8Array(want)).u32()).toBe(v);
  });

  it("takes a negative int32 modulo 2^32", () => {
    expect(bytes((b) => b.u32(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
});

describe("signed LEB128", () => {
  it.each([
    [0, [0x00]],
    [-1, [0x7f]],
    [1, [0x01]],
    [63, [0x3f]],
    [64, [0xc0, 0x00]],
    [-64, [0x40]],
    [-65, [0xbf, 0x7f]],
    [127, [0xff, 0x00]],
    [-128, [0x80, 0x7f]],
    [8191, [0xff, 0x3f]],
    [8192, [0x80, 0xc0, 0x00]],
    [0x7fff_ffff, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [-0x8000_0000, [0x80, 0x80, 0x80, 0x80, 0x78]],
  ])("s32(%d)", (v, want) => {
    expect(bytes((b) => b.s32(v))).toEqual(want);
    expect(new ByteReader(new Uint8Array(want)).s32()).toBe(v);
    // the same value as an int64, from bigint and from (lo, hi)
    expect(bytes((b) => b.s64Big(BigInt(v)))).toEqual(want);
    expect(bytes((b) => b.s64(v, v >> 31))).toEqual(want);
  });

  it.each([
    [0n, [0x00]],
    [-1n, [0x7f]],
    [63n, [0x3f]],
    [64n, [0xc0, 0x00]],
    [1n << 31n, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [-(1n << 31n) - 1n, [0xff, 0xff, 0xff, 0xff, 0x77]],
    [1n << 32n, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [0xffff_ffffn, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    [INT64_MAX, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]],
    [INT64_MIN, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]],
    [(1n << 62n) - 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]],
    [1n << 62n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xc0, 0x00]],
    [-(1n << 62n), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]],
  ])("s64(%s) from bigint and from (lo, hi)", (v, want) => {
    expect(bytes((b) => b.s64Big(v))).toEqual(want);
    expect(bytes((b) => b.s64(lo(v), hi(v)))).toEqual(want);
    expect(new ByteReader(new Uint8Array(want)).s64()).toBe(v);
  });

  it("takes bigints modulo 2^64 and words as int32 or uint32", () => {
    expect(bytes((b) => b.s64Big((1n << 64n) - 1n))).toEqual([0x7f]);
    expect(bytes((b) => b.s64Big(1n << 63n))).toEqual(bytes((b) => b.s64Big(INT64_MIN)));
    expect(bytes((b) => b.s64(0xffff_ffff, 0xffff_ffff))).toEqual([0x7f]);
    expect(bytes((b) => b.s64(0, 0x8000_0000))).toEqual(bytes((b) => b.s64Big(INT64_MIN)));
  });

  it("from (lo, hi) equals from bigint and reads back (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (v) => {
        const a = bytes((b) => b.s64(lo(v), hi(v)));
        expect(a).toEqual(bytes((b) => b.s64Big(v)));
        expect(a.length).toBeLessThanOrEqual(10);
        const r = new ByteReader(new Uint8Array(a));
        expect(r.s64()).toBe(v);
        expect(r.done()).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("s32 reads back every int32 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), (v) => {
        const a = bytes((b) => b.s32(v));
        expect(new ByteReader(new Uint8Array(a)).s32()).toBe(v);
        expect(a.length).toBe(bytes((b) => b.s64(v, v >> 31)).length);
      }),
    );
  });
});

describe("the reader rejects malformed LEB128", () => {
  it("too long", () => {
    expect(() => new ByteReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).u32()).toThrow(
      "wasm reader: LEB128 at offset 0 is longer than 5 bytes",
    );
  });

  it("unused bits set", () => {
    expect(() => new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f])).u32()).toThrow(
      "overflows 32 bits",
    );
    expect(() => new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])).s32()).toThrow(
      "overflows 32 bits",
    );
  });

  it("truncated", () => {
    expect(() => new ByteReader(new Uint8Array([0x80])).u32()).toThrow("unexpected end of bytes at offset 1");
  });

  it("accepts padded encodings within the length limit", () => {
    expect(new ByteReader(new Uint8Array([0x80, 0x80, 0x00])).u32()).toBe(0);
    expect(new ByteReader(new Uint8Array([0xff, 0x7f])).s32()).toBe(-1);
  });
});

describe("floats and names", () => {
  it("f32 and f64 are little-endian IEEE 754", () => {
    expect(bytes((b) => b.f32(1))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(bytes((b) => b.f32(-0))).toEqual([0x00, 0x00, 0x00, 0x80]);
    expect(bytes((b) => b.f64(1))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(bytes((b) => b.f64(-2.5))).toEqual([0, 0, 0, 0, 0, 0, 0x04, 0xc0]);
    expect(bytes((b) => b.u32Raw(0x7fa00001))).toEqual([0x01, 0x00, 0xa0, 0x7f]);
    const both = bytes((b) => {
      b.f32(0.1);
      b.f64(0.1);
    });
    const r = new ByteReader(new Uint8Array(both));
    expect(r.f32()).toBe(Math.fround(0.1));
    expect(r.f64()).toBe(0.1);
  });

  it("a name is its UTF-8 length and bytes", () => {
    expect(bytes((b) => b.name("é"))).toEqual([2, 0xc3, 0xa9]);
    expect(new ByteReader(new Uint8Array([3, 0x61, 0x62, 0x63])).name()).toBe("abc");
    expect(() => new ByteReader(new Uint8Array([4, 0x61])).name()).toThrow("runs past the end");
  });
});

describe("the buffer grows", () => {
  it("keeps every byte across growth", () => {
    const b = new ByteBuffer(16);
    for (let i = 0; i < 10_000; i++) b.u32(i);
    const r = new ByteReader(b.bytes, 0, b.length);
    for (let i = 0; i < 10_000; i++) expect(r.u32()).toBe(i);
    expect(r.done()).toBe(true);
  });

  it("append copies a range; reset keeps the storage", () => {
    const b = new ByteBuffer(16);
    b.append(new Uint8Array([1, 2, 3, 4, 5]), 1, 4);
    expect([...b.toBytes()]).toEqual([2, 3, 4]);
    const storage = b.bytes;
    b.reset();
    b.u8x2(9, 8);
    expect([...b.toBytes()]).toEqual([9, 8]);
    expect(b.bytes).toBe(storage);
  });
});
