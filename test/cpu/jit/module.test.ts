// The module builder (src/cpu/jit/module.ts): deduplicated types, the order of sections in the
// encoded module, local declarations as runs, the name section (V8 shows the names in stack
// traces), and clear errors for everything the binary format or the index spaces forbid.

import { describe, expect, it } from "vitest";
import { Block, F32, F64, I32, I64, ModuleBuilder, Op } from "../../../src/cpu/jit/index.js";
import { ByteReader } from "../../../src/cpu/jit/reader.js";
import { instantiate } from "./instance.js";

/** The encoded module's sections as [id, start, end] after the 8-byte header. */
function sections(bytes: Uint8Array): [number, number, number][] {
  expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const r = new ByteReader(bytes, 8);
  const out: [number, number, number][] = [];
  while (!r.done()) {
    const id = r.u8();
    const size = r.u32();
    out.push([id, r.pos, r.pos + size]);
    r.pos += size;
  }
  expect(r.pos).toBe(bytes.length);
  return out;
}

describe("types", () => {
  it("are deduplicated, functions and blocks sharing them", () => {
    const m = new ModuleBuilder();
    const a = m.type([I64, I32], [I64]);
    expect(m.type([I64, I32], [I64])).toBe(a);
    expect(m.type([I32, I64], [I64])).not.toBe(a);
    m.importFunc({ module: "x", name: "y" }, [I64, I32], [I64]);
    const f = m.func("f", [I64, I32], [I64]);
    expect(f.typeIndex).toBe(a);
    expect(m.funcImports[0]!.typeIndex).toBe(a);
    m.func("g", [], []);
    expect(m.types.length).toBe(3);
  });

  it("reject what is not a value type", () => {
    expect(() => new ModuleBuilder().type([0x7b as typeof I32], [])).toThrow(
      "wasm module: 123 is not a value type",
    );
  });
});

describe("encoding", () => {
  it("an empty module is the header alone", () => {
    const bytes = new ModuleBuilder().encode();
    expect(bytes.length).toBe(8);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it("writes the sections in the order the binary format requires, the name section last", () => {
    const m = new ModuleBuilder();
    m.importFunc({ module: "env", name: "h" }, [I32], []);
    m.importMemory({ module: "env", name: "mem" }, { min: 1 });
    m.importGlobal({ module: "env", name: "g" }, I32, false);
    m.defineTable({ min: 1, max: 2 });
    m.defineGlobal(I64, true, 1n);
    const f = m.func("f", [], []);
    f.nop();
    m.export("f", "func", f.index);
    const bytes = m.encode();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(sections(bytes).map(([id]) => id)).toEqual([1, 2, 3, 4, 6, 7, 10, 0]);
    const m2 = new ModuleBuilder();
    m2.defineMemory({ min: 1, max: 1 });
    expect(sections(m2.encode()).map(([id]) => id)).toEqual([5]);
  });

  it("declares locals as runs of one type, keeping their indices", () => {
    const m = new ModuleBuilder();
    const f = m.func("f", [I32], [I64]);
    const l = [f.local(I64), f.local(I64), f.local(I32), f.local(I64), f.local(F64), f.local(F64)];
    expect(l).toEqual([1, 2, 3, 4, 5, 6]);
    f.i32Const(7).localSet(3).i64Const(5, 0).localSet(4).localGet(4).localGet(3).op(Op.i64_extend_i32_u);
    f.op(Op.i64_add);
    m.export("f", "func", f.index);
    const bytes = m.encode();
    const [, start] = sections(bytes).find(([id]) => id === 10)!;
    const r = new ByteReader(bytes, start);
    expect(r.u32()).toBe(1); // one body
    r.u32(); // its size
    const runs = [r.u32(), r.u32(), r.u8(), r.u32(), r.u8(), r.u32(), r.u8(), r.u32(), r.u8()];
    expect(runs).toEqual([4, 2, I64, 1, I32, 1, I64, 2, F64]);
    expect(instantiate(m).f!(0)).toBe(12n);
  });

  it("finishes unfinished functions, and refuses a function left invalid", () => {
    const m = new ModuleBuilder();
    const f = m.func("f", [], [I32]);
    f.i32Const(3);
    m.export("f", "func", f.index);
    expect(instantiate(m).f!()).toBe(3);
    expect(f.isFinished).toBe(true);
    const bad = new ModuleBuilder();
    bad.func("g", [], [I32]);
    expect(() => bad.encode()).toThrow(
      "wasm emitter: g, instruction #1 (end): expected i32 but the function body's stack is empty",
    );
  });

  it("writes branch hints before the code section, each at its if or br_if from the body's start", () => {
    const m = new ModuleBuilder();
    m.func("plain", [], []).nop();
    const f = m.func("f", [I32], [I32]);
    f.local(I64);
    f.local(I64);
    const out = f.block(Block.i32);
    f.i32Const(1).localGet(0).brIf(out, "unlikely").drop();
    f.localGet(0).if(Block.i32, "likely");
    f.i32Const(2).else().i32Const(3).end();
    f.end();
    m.export("f", "func", f.index);
    const bytes = m.encode();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const secs = sections(bytes);
    expect(secs.map(([id]) => id)).toEqual([1, 3, 7, 0, 10, 0]);
    const [, hs] = secs[3]!;
    const r = new ByteReader(bytes, hs);
    expect(r.name()).toBe("metadata.code.branch_hint");
    expect([r.u32(), r.u32()]).toEqual([1, f.index]); // one function, and its index
    const hints: [number, number][] = [];
    for (let n = r.u32(); n > 0; n--) {
      const off = r.u32();
      expect(r.u32()).toBe(1); // each hint's size
      hints.push([off, r.u8()]);
    }
    expect(hints.map(([, v]) => v)).toEqual([0, 1]);
    // the offsets count from the body's start, its local declarations included
    const [, code] = secs[4]!;
    const c = new ByteReader(bytes, code);
    c.u32();
    c.u32(); // the first body's size
    c.pos += 3; // its body: no locals, nop, end
    c.u32(); // the second body's size
    const body = c.pos;
    expect(hints.map(([off]) => bytes[body + off])).toEqual([0x0d, 0x04]); // br_if, if
    expect(instantiate(m).f!(0)).toBe(3);
    expect(instantiate(m).f!(5)).toBe(1);
  });

  it("names functions for V8's stack traces", () => {
    const m = new ModuleBuilder();
    m.importFunc({ module: "env", name: "boom" }, [], []);
    const f = m.func("region_80001000", [], []);
    f.unreachable();
    m.export("run", "func", f.index);
    const ex = instantiate(m, { env: { boom: () => undefined } });
    let stack = "";
    try {
      ex.run!();
    } catch (e) {
      stack = (e as Error).stack ?? "";
    }
    expect(stack).toContain("region_80001000");
  });

  it("encodes f32, f64 and i32 globals' initial values", () => {
    const m = new ModuleBuilder();
    const a = m.defineGlobal(F32, false, 1.5);
    const b = m.defineGlobal(F64, false, -0.1);
    const c = m.defineGlobal(I32, false, 0xffff_ffff);
    const d = m.defineGlobal(I64, false, -(1n << 63n));
    for (const [name, g] of [
      ["a", a],
      ["b", b],
      ["c", c],
      ["d", d],
    ] as const) {
      m.export(name, "global", g);
    }
    const ex = instantiate(m) as unknown as Record<string, WebAssembly.Global>;
    expect([ex.a!.value, ex.b!.value, ex.c!.value, ex.d!.value]).toEqual([1.5, -0.1, -1, -(1n << 63n)]);
  });

  it("compile() gives a WebAssembly.Module", () => {
    const m = new ModuleBuilder();
    m.func("f", [], []);
    m.export("f", "func", 0);
    expect(WebAssembly.Module.exports(m.compile())).toEqual([{ name: "f", kind: "function" }]);
  });
});

describe("errors", () => {
  it("imports after functions or after defined globals", () => {
    const m = new ModuleBuilder();
    m.func("f", [], []);
    expect(() => m.importFunc({ module: "env", name: "x" }, [], [])).toThrow(
      "wasm module: import env.x after a function (imports are numbered first)",
    );
    m.defineGlobal(I32, false, 0);
    expect(() => m.importGlobal({ module: "env", name: "g" }, I32, false)).toThrow(
      "wasm module: import env.g after a defined global",
    );
  });

  it("one memory and one table, with sane limits", () => {
    const m = new ModuleBuilder();
    expect(() => m.defineMemory({ min: 2, max: 1 })).toThrow(
      "wasm module: memory maximum 1 is out of range (2..65536)",
    );
    expect(() => m.defineMemory({ min: 70000 })).toThrow("wasm module: memory minimum 70000 is out of range");
    expect(() => m.defineMemory({ min: 1, shared: true })).toThrow(
      "wasm module: a shared memory needs a maximum",
    );
    m.defineMemory({ min: 1 });
    expect(() => m.importMemory({ module: "e", name: "m" }, { min: 1 })).toThrow(
      "a second memory (one is allowed)",
    );
    m.defineTable({ min: 1 });
    expect(() => m.defineTable({ min: 1 })).toThrow("a second table (one is allowed)");
  });

  it("names: duplicate functions, exports, and text-format identifiers", () => {
    const m = new ModuleBuilder();
    m.func("f", [], []);
    expect(() => m.func("f", [], [])).toThrow("wasm module: two functions named 'f'");
    expect(() => m.func("a b", [], [])).toThrow("wasm: function name 'a b' is not a text-format identifier");
    expect(() => m.func("g", [I32], [], ["x y"])).toThrow("parameter name 'x y'");
    m.export("f", "func", 0);
    expect(() => m.export("f", "func", 0)).toThrow("wasm module: two exports named 'f'");
    expect(() => m.export("m", "memory", 0)).toThrow("wasm module: export 'm': no memory 0");
    expect(() => m.export("h", "func", 5)).toThrow("wasm module: export 'h': no func 5");
  });

  it("globals: the initial value must fit the type", () => {
    const m = new ModuleBuilder();
    expect(() => m.defineGlobal(I64, true, 1)).toThrow(
      "wasm module: a i64 global needs a bigint initial value",
    );
    expect(() => m.defineGlobal(I32, true, 1n)).toThrow("needs a number initial value");
    expect(() => m.defineGlobal(I32, true, 1.5)).toThrow("wasm module: 1.5 is not a 32-bit integer");
  });

  it("a local of a bad type", () => {
    const f = new ModuleBuilder().func("f", [], []);
    expect(() => f.local(0x40 as typeof I32)).toThrow("wasm emitter: f: local type 64 is not a value type");
  });
});
