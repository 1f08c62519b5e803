// The small wasm modules between JavaScript and the regions (region.ts). forwardImports: the
// region imports as exports of a module that calls the JavaScript functions, so that a
// region's instance needs no wrapper of its own; each forwarder passes every argument through
// in order and returns the JavaScript result, a throw passes through too. regionHub: runs the
// region `run` at a table slot and chains to the entries of its cache, across pages through the
// host iTLB with the modelled fetch accounting; fake regions log their arguments.

import { describe, expect, it } from "vitest";
import { hostTlbIndex } from "../../../src/cpu/hosttlb.js";
import { F64, I32, ModuleBuilder, Op } from "../../../src/cpu/jit/index.js";
import {
  forwardImports,
  HUB_BUDGET,
  HUB_CACHE,
  HUB_CALLS,
  HUB_CHAINED,
  HUB_COST,
  HUB_EMPTY,
  HUB_FBASE,
  HUB_FE,
  HUB_FFROM,
  HUB_FHI,
  HUB_FLO,
  HUB_FSLOT,
  HUB_ITLB,
  HUB_JC,
  HUB_JE,
  HUB_JSLOT,
  HUB_JUDGE,
  HUB_NO_ENTRY,
  HUB_SLOT_AT,
  HUB_SLOT_BYTES,
  HUB_STOP,
  HUB_STOPPED,
  HUB_WHY,
  hubIndex,
  JIT_PC,
  type RegionImports,
  regionHub,
} from "../../../src/cpu/jit/region.js";
import { HUB_CACHE_ENTRIES, TLB_SIZE } from "../../../src/cpu/trap.js";

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

// The hub's arena: the jit words at J (hub words, entry cache, slot counters), the host TLB's
// fetch arrays, the modelled stamps and fetch hit counters, a log of the fake regions' calls.
const J = 65536;
const X_LO = 172032;
// the host iTLB's pair arrays (hosttlb.ts pairViews): (lo, hi) and (base, slot) per entry
const X_HI = X_LO + 4;
const X_BASE = X_LO + 8 * TLB_SIZE;
const X_SLOT = X_BASE + 4;
const STAMP = X_BASE + 8 * TLB_SIZE;
const HIT_X = STAMP + 8 * 64;
const LOG = HIT_X + 8 * 64;
const PAGES = 4;

interface Fake {
  /** Exit pc (low word; the high word is 0), instructions retired (0 if over the budget). */
  exit: number;
  k: number;
  /** Calls out it counts (HUB_CALLS), HUB_STOP bits it sets. */
  calls?: number;
  stop?: number;
}

/** A run of fake region `id`: logs (budget, nbase, clk, start) at LOG + 32 id (and a count),
 *  sets the exit pc, the calls and stop words, and returns k (0 if k exceeds the budget). */
function fakeRegion(mem: WebAssembly.Memory, id: number, r: Fake): WebAssembly.ExportValue {
  const m = new ModuleBuilder();
  m.importMemory({ module: "env", name: "mem" }, { min: PAGES, max: PAGES });
  const f = m.func("run", [I32, I32, F64, I32], [I32]);
  const at = LOG + 32 * id;
  f.i32Const(0).localGet(0).store(Op.i32_store, at);
  f.i32Const(0)
    .localGet(1)
    .store(Op.i32_store, at + 4);
  f.i32Const(0)
    .localGet(2)
    .store(Op.f64_store, at + 8);
  f.i32Const(0)
    .localGet(3)
    .store(Op.i32_store, at + 16);
  f.i32Const(0)
    .i32Const(0)
    .load(Op.i32_load, at + 20)
    .i32Const(1)
    .op(Op.i32_add)
    .store(Op.i32_store, at + 20);
  f.i32Const(0)
    .i64Const(r.exit, 0)
    .store(Op.i64_store, J + JIT_PC);
  f.i32Const(0)
    .i32Const(0)
    .load(Op.i32_load, J + HUB_CALLS)
    .i32Const(r.calls ?? 0)
    .op(Op.i32_add);
  f.store(Op.i32_store, J + HUB_CALLS);
  f.i32Const(0)
    .i32Const(0)
    .load(Op.i32_load, J + HUB_STOP)
    .i32Const(r.stop ?? 0)
    .op(Op.i32_or);
  f.store(Op.i32_store, J + HUB_STOP);
  f.i32Const(r.k).localGet(0).op(Op.i32_gt_s).if();
  f.i32Const(0).return();
  f.end();
  f.i32Const(r.k);
  m.export("run", "func", f.index);
  return new WebAssembly.Instance(m.compile(), { env: { mem } }).exports.run!;
}

/** A hub over fake regions `fakes` (slot i holds fakes[i]) and views of its arena. */
function hubWith(fakes: Fake[]) {
  const mem = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
  const table = new WebAssembly.Table({ element: "anyfunc", initial: fakes.length });
  fakes.forEach((r, i) => {
    table.set(i, fakeRegion(mem, i, r));
  });
  const hub = regionHub(table, mem, {
    jit: J,
    xLo: X_LO,
    xHi: X_HI,
    xBase: X_BASE,
    xSlot: X_SLOT,
    stamp: STAMP,
    hitX: HIT_X,
    pages: PAGES,
  });
  const i32 = new Int32Array(mem.buffer);
  const f64 = new Float64Array(mem.buffer);
  const w = (at: number): number => i32[(J + at) / 4]!;
  const set = (at: number, v: number): void => {
    i32[(J + at) / 4] = v;
  };
  new Int32Array(mem.buffer, J + HUB_CACHE, HUB_CACHE_ENTRIES * 4).fill(-1);
  new Int32Array(mem.buffer, X_LO, 2 * TLB_SIZE).fill(1);
  set(HUB_JE, 1000);
  set(HUB_JC, 1000);
  set(HUB_COST, 2);
  /** Cache the entry at RAM offset ramOff: block blk of slot, region of page vLo (vHi 0). */
  const cache = (ramOff: number, vLo: number, paged: number, slot: number, blk: number): void => {
    const i = (J + HUB_CACHE) / 4 + 4 * hubIndex(ramOff);
    i32.set([ramOff, vLo | paged, 0, slot | (blk << 16)], i);
  };
  /** The fetch state: page vLo (vHi 0) at RAM base, modelled slot, first count not accounted. */
  const fetch = (vLo: number, base: number, slot: number, from: number): void => {
    set(HUB_FLO, vLo);
    set(HUB_FHI, 0);
    set(HUB_FBASE, base);
    set(HUB_FSLOT, slot);
    set(HUB_FFROM, from);
    set(HUB_FE, -1);
  };
  /** Map virtual page vLo (vHi 0) to RAM page base, modelled slot, in the host iTLB. */
  const itlb = (vLo: number, base: number, slot: number): number => {
    const e = hostTlbIndex(vLo);
    i32[X_LO / 4 + 2 * e] = vLo;
    i32[X_HI / 4 + 2 * e] = 0;
    i32[X_BASE / 4 + 2 * e] = base;
    i32[X_SLOT / 4 + 2 * e] = slot;
    return e;
  };
  /** What fake `id` was called with last, and how many times. */
  const seen = (id: number) => {
    const at = (LOG + 32 * id) / 4;
    return {
      budget: i32[at],
      nbase: i32[at + 1],
      clk: f64[(LOG + 32 * id + 8) / 8],
      start: i32[at + 4],
      times: i32[at + 5],
    };
  };
  /** Slot s's counters: entries, calls, cost, retired since the last judgement, ran up to it. */
  const counters = (s: number) => {
    const at = (J + HUB_SLOT_AT + HUB_SLOT_BYTES * s) / 4;
    return [i32[at], i32[at + 1], i32[at + 2], f64[at / 2 + 2], f64[at / 2 + 3]];
  };
  return { hub, w, set, cache, fetch, itlb, seen, counters, f64 };
}

describe("regionHub", () => {
  it("runs the region at the slot with the budget, count, clock and block, and counts the run", () => {
    const t = hubWith([{ exit: 0x10100, k: 7, calls: 3 }]);
    t.fetch(0x10000, 0x5000, -1, 0);
    expect(t.hub(0, 4, 50, 10, 100, 0, 24, 0)).toBe(7);
    expect(t.seen(0)).toEqual({ budget: 50, nbase: 10, clk: 100, start: 4, times: 1 });
    expect(t.w(HUB_WHY)).toBe(HUB_NO_ENTRY); // 0x10100 is no cached entry
    expect(t.counters(0)).toEqual([1, 3, 24, 7, 0]); // the life's count takes the 7 at judgement
    expect(t.w(HUB_CHAINED)).toBe(0);
  });

  it("chains to the entries its cache holds, in the page and, through the host iTLB, in another one", () => {
    const t = hubWith([
      { exit: 0x10100, k: 7 },
      { exit: 0x11008, k: 5 },
      { exit: 0x11f00, k: 4 },
    ]);
    t.fetch(0x10000, 0x5000, 2, 3);
    t.cache(0x5100, 0x10000, 1, 1, 6); // 0x10100: block 6 of slot 1
    const e = t.itlb(0x11000, 0x9000, 9);
    t.cache(0x9008, 0x11000, 1, 2, 1); // 0x11008: block 1 of slot 2
    expect(t.hub(0, 0, 50, 10, 100, 1, 24, 0)).toBe(16);
    expect(t.seen(1)).toEqual({ budget: 43, nbase: 17, clk: 107, start: 6, times: 1 });
    expect(t.seen(2)).toEqual({ budget: 38, nbase: 22, clk: 112, start: 1, times: 1 });
    expect(t.w(HUB_WHY)).toBe(HUB_NO_ENTRY);
    expect(t.w(HUB_CHAINED)).toBe(2);
    expect(t.counters(1)).toEqual([1, 0, 2, 5, 0]); // HUB_COST for a chained entry
    // the crossing: the old page's fetches (counts 3..22) are hits of slot 2, stamped at the
    // clock of the last one; the new page's slot from the host entry, its first fetch count 23
    expect(t.f64[HIT_X / 8 + 2]).toBe(20);
    expect(t.f64[STAMP / 8 + 2]).toBe(112);
    expect([t.w(HUB_FLO), t.w(HUB_FHI), t.w(HUB_FBASE), t.w(HUB_FSLOT), t.w(HUB_FFROM), t.w(HUB_FE)]).toEqual(
      [0x11000, 0, 0x9000, 9, 23, e],
    );
  });

  it("accounts nothing to the modelled TLB unpaged, and leaves no slot unaccounted (-1) alone", () => {
    const t = hubWith([{ exit: 0x11008, k: 7 }]);
    t.itlb(0x11000, 0x9000, 9);
    t.fetch(0x10000, 0x5000, 2, 3);
    t.hub(0, 0, 50, 10, 100, 0, 24, 0);
    expect([t.f64[HIT_X / 8 + 2], t.f64[STAMP / 8 + 2], t.w(HUB_FSLOT), t.w(HUB_FFROM)]).toEqual([
      0, 0, 2, 3,
    ]);
    expect(t.w(HUB_FBASE)).toBe(0x9000);
    t.fetch(0x10000, 0x5000, -1, 3);
    t.hub(0, 0, 50, 10, 100, 1, 24, 0);
    expect(t.f64.slice(HIT_X / 8, HIT_X / 8 + 64).every((x) => x === 0)).toBe(true);
    expect([t.w(HUB_FSLOT), t.w(HUB_FFROM)]).toEqual([9, 18]);
  });

  it("stops at a host-iTLB miss with the fetch state as it was", () => {
    const t = hubWith([{ exit: 0x11008, k: 7 }]);
    t.fetch(0x10000, 0x5000, 2, 3);
    t.cache(0x9008, 0x11000, 1, 0, 0);
    expect(t.hub(0, 0, 50, 10, 100, 1, 24, 0)).toBe(7);
    expect(t.w(HUB_WHY)).toBe(HUB_ITLB);
    expect([t.w(HUB_FLO), t.w(HUB_FSLOT), t.w(HUB_FFROM), t.w(HUB_FE)]).toEqual([0x10000, 2, 3, -1]);
    expect(t.f64[HIT_X / 8 + 2]).toBe(0);
  });

  it("finds no entry cached for another virtual page, the other variant or another RAM offset", () => {
    const t = hubWith([{ exit: 0x10100, k: 7 }]);
    for (const [ramOff, vLo, paged] of [
      [0x5100, 0x20000, 1],
      [0x5100, 0x10000, 0],
      [0x6100, 0x10000, 1],
    ] as const) {
      t.cache(ramOff, vLo, paged, 0, 0);
      t.fetch(0x10000, 0x5000, -1, 0);
      expect(t.hub(0, 0, 50, 0, 0, 1, 24, 0)).toBe(7);
      expect(t.w(HUB_WHY)).toBe(HUB_NO_ENTRY);
    }
  });

  it("stops when the budget is spent, when an import says so, when a slot is due for judgement", () => {
    const loop = [{ exit: 0x10000, k: 10 }];
    let t = hubWith(loop);
    t.fetch(0x10000, 0x5000, -1, 0);
    t.cache(0x5000, 0x10000, 0, 0, 0); // a region that chains to itself
    expect(t.hub(0, 0, 35, 0, 0, 0, 24, 0)).toBe(30); // the fourth run does not fit: retires 0
    expect(t.w(HUB_WHY)).toBe(HUB_EMPTY);
    expect(t.hub(0, 0, 30, 0, 0, 0, 24, 0)).toBe(30);
    expect(t.w(HUB_WHY)).toBe(HUB_BUDGET);
    t.set(HUB_JE, 5);
    expect(t.hub(0, 0, 1000, 0, 0, 0, 24, 0)).toBe(10); // its 7 entries so far: due
    expect([t.w(HUB_WHY), t.w(HUB_JSLOT)]).toEqual([HUB_JUDGE, 0]);
    t = hubWith([{ exit: 0x10000, k: 10, stop: 2 }]);
    t.fetch(0x10000, 0x5000, -1, 0);
    t.cache(0x5000, 0x10000, 0, 0, 0);
    expect(t.hub(0, 0, 1000, 0, 0, 0, 24, 0)).toBe(10);
    expect(t.w(HUB_WHY)).toBe(HUB_STOPPED);
    t = hubWith([{ exit: 0x10000, k: 10, calls: 600 }]);
    t.fetch(0x10000, 0x5000, -1, 0);
    t.cache(0x5000, 0x10000, 0, 0, 0);
    expect(t.hub(0, 0, 1000, 0, 0, 0, 24, 0)).toBe(20); // 1,200 calls out: due
    expect([t.w(HUB_WHY), t.counters(0)[1]]).toEqual([HUB_JUDGE, 1200]);
  });

  it("with slot -1 starts by looking the exit pc up", () => {
    const t = hubWith([{ exit: 0x10200, k: 3 }]);
    t.fetch(0x10000, 0x5000, -1, 0);
    t.cache(0x5100, 0x10000, 0, 0, 2);
    t.set(JIT_PC, 0x10100);
    expect(t.hub(-1, 0, 50, 10, 100, 0, 24, 0)).toBe(3);
    expect(t.seen(0)).toMatchObject({ start: 2, nbase: 10, times: 1 });
    expect(t.w(HUB_CHAINED)).toBe(1);
  });

  it("traps on an empty slot", () => {
    const t = hubWith([{ exit: 0x10000, k: 1 }]);
    expect(() => t.hub(1, 0, 50, 0, 0, 0, 24, 0)).toThrow(WebAssembly.RuntimeError);
  });
});
