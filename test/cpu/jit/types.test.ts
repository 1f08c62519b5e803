// Value types and block types (src/cpu/jit/types.ts): the codes are the binary format's bytes,
// a one-result block type is that byte read as a signed LEB128 (binary/instructions.rst), and
// text-format identifiers are checked.

import { describe, expect, it } from "vitest";
import { ByteBuffer } from "../../../src/cpu/jit/buffer.js";
import { Block, F32, F64, I32, I64, valTypeName } from "../../../src/cpu/jit/index.js";
import { checkId, isValType, UNKNOWN } from "../../../src/cpu/jit/types.js";

describe("value and block types", () => {
  it("value types are the binary format's bytes", () => {
    expect([I32, I64, F32, F64]).toEqual([0x7f, 0x7e, 0x7d, 0x7c]);
    expect([I32, I64, F32, F64].map(valTypeName)).toEqual(["i32", "i64", "f32", "f64"]);
    expect(valTypeName(UNKNOWN)).toBe("any");
    expect(() => valTypeName(0x7b)).toThrow("wasm: 0x7b is not a value type");
    expect(isValType(0x40)).toBe(false);
  });

  it("a block type encodes as one byte: 0x40 or the value type", () => {
    const enc = (bt: number): number[] => {
      const b = new ByteBuffer(8);
      b.s32(bt);
      return [...b.toBytes()];
    };
    expect(enc(Block.void)).toEqual([0x40]);
    expect([Block.i32, Block.i64, Block.f32, Block.f64].map(enc)).toEqual([[0x7f], [0x7e], [0x7d], [0x7c]]);
    expect(enc(64)).toEqual([0xc0, 0x00]); // a type index stays positive
  });

  it("identifiers use the text format's idchars", () => {
    expect(checkId("local", "x5.lo$1")).toBe("x5.lo$1");
    expect(() => checkId("local", "")).toThrow("wasm: local name '' is not a text-format identifier");
    expect(() => checkId("local", "a(b)")).toThrow("is not a text-format identifier");
  });
});
