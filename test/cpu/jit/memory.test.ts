// Loads and stores of every width emitted by the function builder, against a DataView on the
// same WebAssembly.Memory (the translator's setting: guest RAM and host TLB arrays in one memory
// that TypeScript also views): offsets, unaligned addresses and alignment hints, bounds traps,
// memory.size and memory.grow, imported (also shared) and defined memories.

import { describe, expect, it } from "vitest";
import { I32, I64, ModuleBuilder, type ValType } from "../../../src/cpu/jit/index.js";
import {
  K,
  type LoadOpName,
  OP_ALIGN,
  OP_KIND,
  OP_NAME,
  OP_NPOP,
  OP_POP,
  OP_PUSH,
  Op,
  type OpId,
  type StoreOpName,
} from "../../../src/cpu/jit/opcodes.js";
import { type Exports, instantiate, type WasmValue } from "./instance.js";

const PAGE = 65536;
const OFFSET = 24;

/** How DataView reads (and writes) what each instruction loads (stores). */
const VIEW: Record<
  string,
  [read: (v: DataView, at: number) => WasmValue, write?: (v: DataView, at: number) => void]
> = {
  "i32.load": [(v, a) => v.getInt32(a, true)],
  "i64.load": [(v, a) => v.getBigInt64(a, true)],
  "f32.load": [(v, a) => v.getFloat32(a, true)],
  "f64.load": [(v, a) => v.getFloat64(a, true)],
  "i32.load8_s": [(v, a) => v.getInt8(a)],
  "i32.load8_u": [(v, a) => v.getUint8(a)],
  "i32.load16_s": [(v, a) => v.getInt16(a, true)],
  "i32.load16_u": [(v, a) => v.getUint16(a, true)],
  "i64.load8_s": [(v, a) => BigInt(v.getInt8(a))],
  "i64.load8_u": [(v, a) => BigInt(v.getUint8(a))],
  "i64.load16_s": [(v, a) => BigInt(v.getInt16(a, true))],
  "i64.load16_u": [(v, a) => BigInt(v.getUint16(a, true))],
  "i64.load32_s": [(v, a) => BigInt(v.getInt32(a, true))],
  "i64.load32_u": [(v, a) => BigInt(v.getUint32(a, true))],
};

/** What DataView reads back after each store of value x (the stored low bits). */
const STORED: Record<StoreOpName, (v: DataView, at: number) => WasmValue> = {
  "i32.store": (v, a) => v.getInt32(a, true),
  "i64.store": (v, a) => v.getBigInt64(a, true),
  "f32.store": (v, a) => v.getFloat32(a, true),
  "f64.store": (v, a) => v.getFloat64(a, true),
  "i32.store8": (v, a) => v.getInt8(a),
  "i32.store16": (v, a) => v.getInt16(a, true),
  "i64.store8": (v, a) => BigInt(v.getInt8(a)),
  "i64.store16": (v, a) => BigInt(v.getInt16(a, true)),
  "i64.store32": (v, a) => BigInt(v.getInt32(a, true)),
};

/** The stored value as the store's width keeps it (sign-extended, as STORED reads it). */
function narrow(name: StoreOpName, x: WasmValue): WasmValue {
  const bits = { store8: 8, store16: 16, store32: 32 }[name.split(".")[1]!];
  if (bits === undefined) return x;
  return typeof x === "bigint" ? BigInt.asIntN(bits, x) : (x << (32 - bits)) >> (32 - bits);
}

const MEMOPS = OP_NAME.map((n, i) => [n, i] as const).filter(([, i]) => OP_KIND[i] === K.memarg);
const LOADS = MEMOPS.filter(([, i]) => OP_NPOP[i] === 1);
const STORES = MEMOPS.filter(([, i]) => OP_NPOP[i] === 2);
const fname = (n: string, align: string): string => `${n.replace(".", "_")}${align}`;

/** A module over `memory` with, per load, load(addr) at OFFSET (natural alignment and align=1),
 *  and per store, store(addr, value) at OFFSET. */
function memModule(memory: WebAssembly.Memory, shared = false): Exports {
  const m = new ModuleBuilder();
  m.importMemory({ module: "env", name: "mem" }, { min: 1, max: 4, shared });
  for (const [n, id] of LOADS) {
    for (const align of [undefined, 0]) {
      const f = m.func(fname(n, align === 0 ? "_a1" : ""), [I32], [OP_PUSH[id] as ValType]);
      f.localGet(0).load(id as OpId<LoadOpName>, OFFSET, align);
      m.export(f.name, "func", f.index);
    }
  }
  for (const [n, id] of STORES) {
    const f = m.func(fname(n, ""), [I32, OP_POP[id * 3 + 1] as ValType], []);
    f.localGet(0)
      .localGet(1)
      .store(id as OpId<StoreOpName>, OFFSET);
    m.export(f.name, "func", f.index);
  }
  const size = m.func("size", [], [I32]);
  size.memorySize();
  const grow = m.func("grow", [I32], [I32]);
  grow.localGet(0).memoryGrow();
  m.export("size", "func", size.index);
  m.export("grow", "func", grow.index);
  return instantiate(m, { env: { mem: memory } });
}

function fill(memory: WebAssembly.Memory): DataView {
  const v = new DataView(memory.buffer);
  let s = 0x2545f491;
  for (let i = 0; i < v.byteLength; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v.setUint8(i, s);
  }
  return v;
}

function same(a: WasmValue | undefined, b: WasmValue): boolean {
  return typeof b === "number" && Number.isNaN(b) ? Number.isNaN(a as number) : Object.is(a, b);
}

/** Addresses: aligned, unaligned, and up to the last bytes of the first page. */
const ADDRS = [0, 1, 2, 3, 5, 7, 8, 13, 100, 4093, PAGE - OFFSET - 8, PAGE - OFFSET - 4, PAGE - OFFSET - 1];

describe("loads", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const ex = memModule(memory);
  const view = fill(memory);

  it("the DataView table covers every load", () => {
    expect(Object.keys(VIEW).sort()).toEqual(LOADS.map(([n]) => n).sort());
  });

  it.each(LOADS.map(([n, id]) => [n, id]))("%s", (n, id) => {
    const width = 2 ** OP_ALIGN[id]!;
    for (const a of ADDRS) {
      if (a + OFFSET + width > PAGE) continue;
      const want = VIEW[n]![0](view, a + OFFSET);
      expect(same(ex[fname(n, "")]!(a), want), `${n} at ${a}`).toBe(true);
      expect(same(ex[fname(n, "_a1")]!(a), want), `${n} align=1 at ${a}`).toBe(true);
    }
  });

  it.each(LOADS.map(([n, id]) => [n, id]))("%s traps past the end of memory", (n, id) => {
    const width = 2 ** OP_ALIGN[id]!;
    const load = ex[fname(n, "")]!;
    expect(() => load(PAGE - OFFSET - width + 1)).toThrow(WebAssembly.RuntimeError);
    expect(() => load(-OFFSET)).toThrow(WebAssembly.RuntimeError); // address + offset carries past 2^32
    expect(same(load(PAGE - OFFSET - width), VIEW[n]![0](view, PAGE - width))).toBe(true);
  });
});

describe("stores", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const ex = memModule(memory);
  const view = fill(memory);
  const values: Record<number, WasmValue[]> = {
    [I32]: [0, -1, 0x7fff_ffff, -0x8000_0000, 0x1234_5678, 0xff, 0x80, 0x8000, -2],
    [I64]: [0n, -1n, 0x1234_5678_9abc_def0n, -(1n << 63n), (1n << 63n) - 1n, 0x80n, 0x8000n, 0x8000_0000n],
    125: [0, -0, 1.5, -3.25, Infinity, Math.fround(0.1)],
    124: [0, -0, 0.1, -1e300, 5e-324, -Infinity],
  };

  it("the DataView table covers every store", () => {
    expect(Object.keys(STORED).sort()).toEqual(STORES.map(([n]) => n).sort());
  });

  it.each(STORES.map(([n, id]) => [n, id]))("%s", (n, id) => {
    const name = n as StoreOpName;
    const width = 2 ** OP_ALIGN[id]!;
    const store = ex[fname(n, "")]!;
    for (const a of ADDRS) {
      if (a + OFFSET + width > PAGE) continue;
      for (const x of values[OP_POP[id * 3 + 1]!]!) {
        const end = a + OFFSET + width;
        const above = end < PAGE ? view.getUint8(end) : 0;
        const below = view.getUint8(a + OFFSET - 1);
        store(a, x);
        expect(STORED[name](view, a + OFFSET), `${n} ${x} at ${a}`).toStrictEqual(narrow(name, x));
        // the neighbouring bytes are untouched
        if (end < PAGE) expect(view.getUint8(end)).toBe(above);
        expect(view.getUint8(a + OFFSET - 1)).toBe(below);
      }
    }
    expect(() => store(PAGE - OFFSET - width + 1, values[OP_POP[id * 3 + 1]!]![1]!)).toThrow(
      WebAssembly.RuntimeError,
    );
  });
});

describe("memory size, grow, imported and defined memories", () => {
  it("memory.size and memory.grow, seen by the JS side", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const ex = memModule(memory);
    expect(ex.size!()).toBe(1);
    expect(ex.grow!(2)).toBe(1);
    expect(ex.size!()).toBe(3);
    expect(memory.buffer.byteLength).toBe(3 * PAGE);
    expect(ex.grow!(2)).toBe(-1); // past the maximum of 4
    ex.i64_store!(2 * PAGE, 0x0102_0304_0506_0708n);
    expect(new DataView(memory.buffer).getBigUint64(2 * PAGE + OFFSET, true)).toBe(0x0102_0304_0506_0708n);
  });

  it("a shared imported memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const ex = memModule(memory, true);
    ex.i32_store!(8, 0x7654_3210);
    expect(new DataView(memory.buffer).getInt32(8 + OFFSET, true)).toBe(0x7654_3210);
    // an unshared import does not accept a shared memory: the flag is really encoded
    expect(() => memModule(memory, false)).toThrow(WebAssembly.LinkError);
  });

  it("a defined, exported memory", () => {
    const m = new ModuleBuilder();
    m.defineMemory({ min: 2 });
    m.export("mem", "memory", 0);
    const f = m.func("put", [I32, I64], []);
    f.localGet(0).localGet(1).store(Op.i64_store32, 4, 0);
    m.export("put", "func", f.index);
    const ex = instantiate(m) as unknown as { mem: WebAssembly.Memory; put: (a: number, v: bigint) => void };
    expect(ex.mem.buffer.byteLength).toBe(2 * PAGE);
    ex.put(PAGE + 1, -2n);
    expect(new DataView(ex.mem.buffer).getInt32(PAGE + 5, true)).toBe(-2);
  });
});
