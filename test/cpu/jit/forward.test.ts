// forwardImports (region.ts): the region imports as exports of a small wasm module that calls
// the JavaScript functions, so that a region's instance needs no wrapper of its own. Each
// forwarder passes every argument through in order and returns the JavaScript result; a throw
// passes through too.

import { describe, expect, it } from "vitest";
import { forwardImports, type RegionImports } from "../../../src/cpu/jit/region.js";

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
