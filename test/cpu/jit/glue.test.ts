// The small wasm modules between JavaScript and the regions (region.ts). forwardImports: the
// region imports as exports of a module that calls the JavaScript functions, so that a
// region's instance needs no wrapper of its own; each forwarder passes every argument through
// in order and returns the JavaScript result, a throw passes through too. regionHub: one
// exported function that calls the region `run` at a table slot with its arguments.

import { describe, expect, it } from "vitest";
import { F64, I32, ModuleBuilder, Op } from "../../../src/cpu/jit/index.js";
import { forwardImports, type RegionImports, regionHub } from "../../../src/cpu/jit/region.js";

describe("forwardImports", () => {
  it("passes every argument and the result through, for each import", () => {
    const seen: [string, number[]][] = [];
    const record =
      (name: string, result: number) =>
      (...a: number[]): number => {
        seen.push([name, a]);
        return result;
      };
    const g: RegionImports = {
      load: record("load", 11),
      store: record("store", 22),
      exec: record("exec", 33),
    };
    const w = forwardImports(g);
    expect(w.load(1, 2, 3, 4, 5, -6)).toBe(11);
    expect(w.store(1, 2, 3, 4, 5, 6, 7, 0xffff_ffff)).toBe(22);
    expect(w.exec(7, 6, 5, 4, 3, 2, 1)).toBe(33);
    expect(seen).toEqual([
      ["load", [1, 2, 3, 4, 5, -6]],
      ["store", [1, 2, 3, 4, 5, 6, 7, -1]], // i32 arguments arrive as int32
      ["exec", [7, 6, 5, 4, 3, 2, 1]],
    ]);
    // they are wasm functions, not the JavaScript ones
    expect(w.load).not.toBe(g.load);
    expect(String(w.exec)).toContain("native code");
  });

  it("lets a throw from the JavaScript side through", () => {
    const boom = new Error("boom");
    const g: RegionImports = {
      load: () => {
        throw boom;
      },
      store: () => 0,
      exec: () => 0,
    };
    expect(() => forwardImports(g).load(0, 0, 0, 0, 0, 0)).toThrow(boom);
  });
});

/** A function of run's type returning k * 1000 + budget + nbase + clk + start (clk truncated). */
function fakeRun(k: number): WebAssembly.ExportValue {
  const m = new ModuleBuilder();
  const f = m.func("run", [I32, I32, F64, I32], [I32]);
  f.i32Const(k * 1000)
    .localGet(0)
    .op(Op.i32_add)
    .localGet(1)
    .op(Op.i32_add);
  f.localGet(2).op(Op.i32_trunc_f64_s).op(Op.i32_add).localGet(3).op(Op.i32_add);
  m.export("run", "func", f.index);
  return new WebAssembly.Instance(m.compile()).exports.run!;
}

describe("regionHub", () => {
  it("calls the run at the slot with the arguments, and returns its result", () => {
    const table = new WebAssembly.Table({ element: "anyfunc", initial: 3 });
    table.set(0, fakeRun(1));
    table.set(2, fakeRun(7));
    const hub = regionHub(table);
    expect(hub(0, 10, 20, 30.5, 4)).toBe(1064);
    expect(hub(2, 1, 2, 3, 4)).toBe(7010);
    table.grow(1);
    table.set(3, fakeRun(9)); // slots made after the hub are called too
    expect(hub(3, 0, 0, 0, 1)).toBe(9001);
  });

  it("traps on an empty slot or one past the table", () => {
    const table = new WebAssembly.Table({ element: "anyfunc", initial: 2 });
    table.set(0, fakeRun(1));
    const hub = regionHub(table);
    expect(() => hub(1, 0, 0, 0, 0)).toThrow(WebAssembly.RuntimeError);
    expect(() => hub(2, 0, 0, 0, 0)).toThrow(WebAssembly.RuntimeError);
    table.set(0, null);
    expect(() => hub(0, 0, 0, 0, 0)).toThrow(WebAssembly.RuntimeError);
  });
});
