// The wasm slow path (src/cpu/jit/slowpath.ts) against the JavaScript one: two machines mapped
// alike, one driven through the wasm module's load and store (which call Hart.loadSlow/storeSlow
// for what they leave to JS), the other through Hart.loadSlow/storeSlow only, on random access
// streams over 4 KiB pages (some read-only, some without D, some global), 2 MiB and 1 GiB
// superpages (pieces in the TLBs that lack the size, a physical range past RAM), with fences and
// host-TLB flushes between; every preset and the policies the presets lack. Afterwards the
// values read, RAM, the modelled TLB (entries, stamps, fill order through later evictions,
// counters) and the host TLB must be the same.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HOST_W } from "../../../src/cpu/hosttlb.js";
import { CSR, type Hart, Machine, MENVCFG_ADUE, type Paging, PRIV_S } from "../../../src/cpu/index.js";
import { r } from "../../../src/cpu/int64.js";
import { JIT_VALUE } from "../../../src/cpu/jit/region.js";
import { type SlowPathLayout, slowPath, slowPathKey } from "../../../src/cpu/jit/slowpath.js";
import { TranslationCache, type TranslationStore } from "../../../src/cpu/jit/tcache.js";
import {
  makeSatp,
  mapLeaf,
  type PagingMode,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_R,
  PTE_W,
  RAM_BASE,
  SV39,
  SV48,
  SV57,
  TLB_PRESETS,
  type TlbConfig,
} from "../../../src/mmu/index.js";

const MEM = 1 << 24;
const RW = PTE_R | PTE_W | PTE_A | PTE_D;

/** Configurations with the policies and geometries the presets lack. */
const EXTRA: TlbConfig[] = [
  {
    name: "fifo-random",
    description: "FIFO L1s, a random 1 GiB L1 and a random L2 of 6 ways",
    itlb: [{ name: "itlb", entries: 16, ways: 4, replacement: "fifo", sizes: [12, 21] }],
    dtlb: [
      { name: "dtlb", entries: 16, ways: 4, replacement: "fifo", sizes: [12, 21] },
      { name: "dtlb1g", entries: 4, ways: 2, replacement: "random", sizes: [30] },
    ],
    l2: [{ name: "stlb", entries: 48, ways: 6, replacement: "random", sizes: [12, 21] }],
    seed: 7,
  },
  {
    name: "plru-mix",
    description: "tree-PLRU of 8 and 2 ways in the L1, 3 sets (no mask) in the L2",
    itlb: [{ name: "itlb", entries: 16, ways: 2, replacement: "plru", sizes: [12] }],
    dtlb: [
      { name: "dtlb", entries: 16, ways: 8, replacement: "plru", sizes: [12] },
      { name: "dtlb2", entries: 4, ways: 2, replacement: "plru", sizes: [21] },
    ],
    l2: [{ name: "stlb", entries: 48, ways: 16, replacement: "lru", sizes: [12, 21] }],
  },
  {
    name: "plru4-lru-l2",
    description: "a 4-way tree-PLRU L1 with 4 KiB and 2 MiB pages, a small LRU L2",
    itlb: [{ name: "itlb", entries: 8, ways: 4, replacement: "plru", sizes: [12] }],
    dtlb: [{ name: "dtlb", entries: 8, ways: 4, replacement: "plru", sizes: [12, 21] }],
    l2: [{ name: "stlb", entries: 24, ways: 3, replacement: "lru", sizes: [12, 21, 30] }],
  },
];

const CONFIGS: TlbConfig[] = [...Object.values(TLB_PRESETS), ...EXTRA];

/** 4 KiB pages at VA PAGE0 + i * 4096 (i < PAGES), 2 MiB pages at SUPER + j * 2 MiB (j < 2),
 *  one 1 GiB page at GIGA (RAM is only its first 16 MiB). */
const PAGES = 160;
const PAGE0 = 0x10_0000;
const SUPER = 0x4000_0000 - 0x40_0000;
const GIGA = 0x80_0000_0000;

interface Op {
  store: boolean;
  /** 0..PAGES-1: a 4 KiB page; PAGES, PAGES+1: a 2 MiB page; PAGES+2: the 1 GiB page. */
  page: number;
  off: number;
  width: 1 | 2 | 4 | 8;
  signed: boolean;
  value: number;
  /** Instructions since the last op (the chunk count goes up by it). */
  gap: number;
  /** 0: nothing; 1: a host-TLB flush (a trap's) before; 2: a fence of the page before; 3: a
   *  fence of everything before. */
  before: number;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  store: fc.boolean(),
  page: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: PAGES - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: PAGES, max: PAGES + 2 }) },
  ),
  off: fc.integer({ min: 0, max: 0x3f_ffff }),
  width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
  signed: fc.boolean(),
  value: fc.integer(),
  gap: fc.integer({ min: 1, max: 3 }),
  before: fc.oneof(
    { weight: 40, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
  ),
});

interface Side {
  m: Machine;
  h: Hart;
  paging: Paging;
  load(lo: number, hi: number, width: number, signed: boolean, n: number): bigint | "trap";
  store(lo: number, hi: number, width: number, vlo: number, vhi: number, n: number): number | "trap";
  /** Accesses the wasm path left to JS. */
  toJs: number;
}

/** A machine with the test's mappings, its hart in S-mode with paging on in `mode` (the 1 GiB
 *  page only where the mode reaches its VA). */
function machine(tlb: TlbConfig, mode: PagingMode = SV48, adue = false): { m: Machine; h: Hart } {
  const m = new Machine({ mem: MEM, tlb });
  const h = m.harts[0]!;
  let next = (RAM_BASE + MEM) / 4096;
  const alloc = (): number => --next;
  const root = alloc();
  h.csrWrite(CSR.satp, makeSatp(mode.satpMode, 5, root));
  h.priv = PRIV_S;
  if (adue) h.menvcfg = MENVCFG_ADUE; // Svadu: walks set A and D
  for (let i = 0; i < PAGES; i++) {
    // every 7th page read-only, every 11th without D, every 13th without A and D, every 5th
    // global
    const flags =
      (i % 7 === 3
        ? PTE_R | PTE_A
        : i % 11 === 4
          ? PTE_R | PTE_W | PTE_A
          : i % 13 === 6
            ? PTE_R | PTE_W
            : RW) | (i % 5 === 2 ? PTE_G : 0);
    mapLeaf(m.mem, mode, root, PAGE0 / 4096 + i, RAM_BASE / 4096 + 64 + ((i * 37) % 512), 0, flags, alloc);
  }
  for (let j = 0; j < 2; j++) {
    mapLeaf(m.mem, mode, root, SUPER / 4096 + j * 512, RAM_BASE / 4096 + 1024 + j * 512, 1, RW, alloc);
  }
  if (mode.vaBits > 39) mapLeaf(m.mem, mode, root, GIGA / 4096, RAM_BASE / 4096, 2, RW, alloc);
  return { m, h };
}

function va(op: Op): number {
  const w = op.width;
  if (op.page < PAGES) return PAGE0 + op.page * 4096 + (op.off & 4095 & -w);
  if (op.page < PAGES + 2) return SUPER + (op.page - PAGES) * 0x20_0000 + (op.off & 0x1f_ffff & -w);
  // the 1 GiB page: mostly its first 16 MiB (RAM), sometimes past it
  return GIGA + ((op.off * 5) & -w);
}

function jsSide(tlb: TlbConfig, mode: PagingMode, adue: boolean): Side {
  const { m, h } = machine(tlb, mode, adue);
  return {
    m,
    h,
    paging: h.translator as Paging,
    toJs: 0,
    load(lo, hi, width, signed, n) {
      h.chunkN = n;
      try {
        const v = h.loadSlow(lo, hi, width as 1 | 2 | 4 | 8, signed);
        const hiWord = width === 8 ? r.hi : signed ? v >> 31 : 0;
        return (BigInt(hiWord >>> 0) << 32n) | BigInt(v >>> 0);
      } catch {
        return "trap";
      }
    },
    store(lo, hi, width, vlo, vhi, n) {
      h.chunkN = n;
      try {
        h.storeSlow(lo, hi, width as 1 | 2 | 4 | 8, vlo, vhi);
        return 0;
      } catch {
        return "trap";
      }
    },
  };
}

/** The slow path's layout for machine `m`'s hart (its jit words at `jit`). */
function layOf(m: Machine, jit: number): SlowPathLayout {
  const h = m.harts[0]!;
  const arena = m.mem.arena!;
  return {
    tlb: (h.translator as Paging).wasmLayout()!,
    host: h.hostTlb,
    jit,
    pageFlags: m.mem.pageFlags.byteOffset,
    ramBytes: m.mem.size,
    memory: arena.memory,
    pages: arena.size / 65536,
    shared: arena.shared,
  };
}

function wasmSide(tlb: TlbConfig, mode: PagingMode, adue: boolean): Side {
  const { m, h } = machine(tlb, mode, adue);
  const arena = m.mem.arena!;
  const jit = arena.alloc(24, 8);
  expect(jit).toBeGreaterThan(0);
  const words = new Int32Array(arena.buffer, jit, 6);
  let trapped = false;
  const side: Side = {
    m,
    h,
    paging: h.translator as Paging,
    toJs: 0,
    load: () => "trap",
    store: () => "trap",
  };
  const js = {
    load(lo: number, hi: number, _pl: number, _ph: number, n: number, kind: number): number {
      side.toJs++;
      h.chunkN = n;
      const width = kind & 15;
      const signed = (kind & 16) !== 0;
      try {
        const v = h.loadSlow(lo, hi, width as 1 | 2 | 4 | 8, signed);
        words[JIT_VALUE / 4] = v;
        words[JIT_VALUE / 4 + 1] = width === 8 ? r.hi : signed ? v >> 31 : 0;
        return 0;
      } catch {
        trapped = true;
        return 1;
      }
    },
    store(
      lo: number,
      hi: number,
      vlo: number,
      vhi: number,
      _pl: number,
      _ph: number,
      n: number,
      width: number,
    ): number {
      side.toJs++;
      h.chunkN = n;
      try {
        h.storeSlow(lo, hi, width as 1 | 2 | 4 | 8, vlo, vhi);
        return 0;
      } catch {
        trapped = true;
        return 2;
      }
    },
  };
  expect((h.translator as Paging).wasmLayout()).not.toBeNull();
  const f = slowPath(layOf(m, jit), js);
  side.load = (lo, hi, width, signed, n) => {
    trapped = false;
    const r = f.load(lo, hi, 0, 0, n, width | (signed ? 16 : 0));
    if (r !== 0 || trapped) return "trap";
    return (BigInt(words[JIT_VALUE / 4 + 1]! >>> 0) << 32n) | BigInt(words[JIT_VALUE / 4]! >>> 0);
  };
  side.store = (lo, hi, width, vlo, vhi, n) => {
    trapped = false;
    const r = f.store(lo, hi, vlo, vhi, 0, 0, n, width);
    return r !== 0 || trapped ? "trap" : 0;
  };
  return side;
}

/** Everything the two paths must leave alike. */
function state(s: Side): unknown {
  const tlb = s.paging.tlb;
  const t = s.h.hostTlb;
  const slots = tlb.slots;
  return {
    entries: tlb.entries(),
    levels: tlb.levelCounters(),
    arrays: tlb.arrayCounters(),
    stamp: Array.from(tlb.stamp),
    gen: Array.from(tlb.gen),
    host: [t.rLo, t.rHi, t.rBase, t.rSlot, t.wLo, t.wHi, t.wBase, t.wSlot].map((a) => Array.from(a)),
    copies: Array.from({ length: slots }, (_, i) => t.copyCount(i)),
    ram: createHash("sha256").update(s.m.mem.u8.subarray(0, MEM)).digest("hex"),
    walks: [tlb.walks, tlb.walkRefs, s.paging.walker.stats],
    pwc: pwcState(s),
  };
}

/** The page-walk caches' counters and every entry (tag, ASID, G, PPN, valid, stamp), read
 *  where the wasm path reads them. */
function pwcState(s: Side): unknown {
  const pwc = s.paging.walker.pwc;
  if (pwc === null) return null;
  const lay = pwc.wasmLayout();
  expect(lay).not.toBeNull();
  const buf = s.m.mem.arena!.buffer;
  const f64 = (at: number, n: number): number[] => Array.from(new Float64Array(buf, at, n));
  return {
    stats: pwc.stats(),
    clock: f64(lay!.clock, 1),
    arrays: lay!.arrays.map((a) => {
      const n = a.sets * a.ways;
      return [
        f64(a.tag, n),
        f64(a.ppn, n),
        f64(a.stamp, n),
        Array.from(new Int32Array(buf, a.asid, n)),
        Array.from(new Uint8Array(buf, a.global, n)),
        Array.from(new Uint8Array(buf, a.valid, n)),
      ];
    }),
  };
}

function run(tlb: TlbConfig, ops: Op[], mode: PagingMode = SV48, adue = false): { js: Side; wasm: Side } {
  const js = jsSide(tlb, mode, adue);
  const wasm = wasmSide(tlb, mode, adue);
  let n = 0;
  for (const op of ops) {
    n += op.gap;
    for (const s of [js, wasm]) {
      s.h.priv = PRIV_S; // a trap moved the hart to M
      if (op.before === 1) s.h.hostTlb.flush();
      if (op.before === 2) s.h.translator!.sfence(s.h, BigInt(va(op)), undefined);
      if (op.before === 3) s.h.translator!.sfence(s.h, undefined, undefined);
    }
    const a = va(op);
    const lo = a | 0;
    const hi = Math.floor(a / 2 ** 32) | 0;
    if (op.store) {
      const rj = js.store(lo, hi, op.width, op.value, ~op.value, n);
      const rw = wasm.store(lo, hi, op.width, op.value, ~op.value, n);
      expect(rw).toBe(rj);
    } else {
      const rj = js.load(lo, hi, op.width, op.signed, n);
      const rw = wasm.load(lo, hi, op.width, op.signed, n);
      expect(rw).toBe(rj);
    }
  }
  return { js, wasm };
}

describe("the wasm slow path serves L1 and L2 hits exactly as the JavaScript one", () => {
  for (const cfg of CONFIGS) {
    it(`${cfg.name}: random access streams leave the same TLBs, host TLB and RAM`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 50, maxLength: 400 }), (ops) => {
          const { js, wasm } = run(cfg, ops);
          expect(state(wasm)).toEqual(state(js));
        }),
        { numRuns: 8, endOnFailure: true },
      );
    });
  }

  it("serves most accesses of a stream over more pages than the L1 holds without JS (skylake)", () => {
    const ops: Op[] = [];
    let x = 12345;
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const page = (x >>> 8) % PAGES;
      // loads and stores to pages that serve them as plain hits (RW with D)
      if (page % 7 === 3 || page % 11 === 4) continue;
      ops.push({
        store: i % 3 === 0,
        page,
        off: x & 4095,
        width: 8,
        signed: false,
        value: i,
        gap: 1,
        before: 0,
      });
    }
    const small: TlbConfig = {
      ...TLB_PRESETS.skylake!,
      dtlb: [{ name: "dtlb-4k", entries: 8, ways: 4, replacement: "plru", sizes: [12] }],
    };
    const { js, wasm } = run(small, ops);
    expect(state(wasm)).toEqual(state(js));
    const l1 = js.paging.tlb.levelCounters().l1d;
    expect(l1.r.misses + l1.w.misses).toBeGreaterThan(ops.length / 5);
    // the first access, and each first one after the host TLB was flushed, go to JS; walks too
    expect(wasm.toJs).toBeLessThan(PAGES * 2);
  });
});

/** A small L2 (so most accesses walk) with page-walk caches at every level that is not a leaf's. */
const WALKY: TlbConfig = {
  name: "walky",
  description: "a 4-way PLRU L1, a 16-entry LRU L2, page-walk caches of 1 to 4 ways",
  itlb: [{ name: "itlb", entries: 8, ways: 4, replacement: "plru", sizes: [12] }],
  dtlb: [{ name: "dtlb", entries: 8, ways: 4, replacement: "plru", sizes: [12, 21] }],
  l2: [{ name: "stlb", entries: 16, ways: 4, replacement: "lru", sizes: [12, 21, 30] }],
  pwc: [
    { level: 1, sets: 2, ways: 2 },
    { level: 2, sets: 1, ways: 4 },
    { level: 3, sets: 1, ways: 1 },
    { level: 4, sets: 1, ways: 2 },
  ],
};

/** Tree-PLRU of 2, 8 and 16 ways (the victim's tree unrolled per way) in the L1s and a small L2. */
const PLRU_WIDE: TlbConfig = {
  name: "plru-wide",
  description: "2- and 8-way PLRU L1s, a 32-entry 16-way PLRU L2",
  itlb: [{ name: "itlb", entries: 16, ways: 8, replacement: "plru", sizes: [12] }],
  dtlb: [
    { name: "dtlb", entries: 16, ways: 8, replacement: "plru", sizes: [12] },
    { name: "dtlb2", entries: 4, ways: 2, replacement: "plru", sizes: [21] },
  ],
  l2: [{ name: "stlb", entries: 32, ways: 16, replacement: "plru", sizes: [12, 21, 30] }],
};

/** A stream of `n` loads and stores (one in three) over the 4 KiB pages that serve both as
 *  plain hits, with some superpage accesses: nearly every access misses a small L2. */
function walkStream(n: number, seed: number): Op[] {
  const ops: Op[] = [];
  let x = seed;
  for (let i = 0; ops.length < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const page = i % 17 === 5 ? PAGES + (x & 1) : (x >>> 8) % PAGES;
    if (page < PAGES && (page % 7 === 3 || page % 11 === 4 || page % 13 === 6)) continue;
    ops.push({
      store: i % 3 === 0,
      page,
      off: x & 0x3fffff,
      width: 8,
      signed: false,
      value: i,
      gap: 1,
      before: 0,
    });
  }
  return ops;
}

describe("the wasm slow path walks after a miss in every level exactly as the JavaScript one", () => {
  for (const mode of [SV39, SV48, SV57]) {
    it(`${mode.name}: walks with page-walk caches leave the same TLBs, caches, counters and RAM`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 50, maxLength: 300 }), (ops) => {
          const some = mode.vaBits > 39 ? ops : ops.filter((o) => o.page < PAGES + 2);
          const { js, wasm } = run(WALKY, some, mode);
          expect(state(wasm)).toEqual(state(js));
        }),
        { numRuns: 6, endOnFailure: true },
      );
    });
  }

  for (const mode of [SV39, SV48]) {
    it(`${mode.name}, Svadu (menvcfg.ADUE): walks that set A and D leave the same PTEs, TLBs and counters`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 50, maxLength: 300 }), (ops) => {
          const some = mode.vaBits > 39 ? ops : ops.filter((o) => o.page < PAGES + 2);
          const { js, wasm } = run(WALKY, some, mode, true);
          expect(state(wasm)).toEqual(state(js));
        }),
        { numRuns: 6, endOnFailure: true },
      );
    });
  }

  it("Svadu: a walk that sets A and D is served in wasm, and sets them in the PTE", () => {
    // only the pages without A and D (every 13th): a load (sets A) of one half of them, a store
    // (sets A and D) of the other; a store after a load would be an L1 hit that needs D: JS
    const ops: Op[] = [];
    for (let i = 6; i < PAGES; i += 13) {
      if (i % 7 === 3 || i % 11 === 4) continue;
      ops.push({ store: i % 2 === 0, page: i, off: 8, width: 8, signed: false, value: i, gap: 1, before: 0 });
    }
    const warm: Op[] = [
      { ...ops[0]!, page: 0 },
      { ...ops[0]!, page: 0, store: true },
    ];
    const { js, wasm } = run(WALKY, [...warm, ...ops], SV48, true);
    expect(state(wasm)).toEqual(state(js));
    expect(wasm.toJs).toBeLessThan(6); // the first walks of each kind, not the A/D updates
    expect(js.paging.walker.stats.walks).toBeGreaterThanOrEqual(ops.length);
  });

  for (const cfg of [
    WALKY,
    { ...TLB_PRESETS.champsim!, l2: WALKY.l2! },
    { ...TLB_PRESETS.skylake!, l2: WALKY.l2! },
    PLRU_WIDE,
  ]) {
    it(`${cfg.name}: a stream over more pages than the L2 holds walks in wasm`, () => {
      const ops = walkStream(3000, 99);
      const { js, wasm } = run(cfg, ops);
      expect(state(wasm)).toEqual(state(js));
      const walks = js.paging.walker.stats.walks;
      expect(walks).toBeGreaterThan(ops.length / 4);
      // JS: the first walk of each size and kind, each first access after a flush
      expect(wasm.toJs).toBeLessThan(20);
    });
  }
});

describe("the data context the wasm walk sets A and D in", () => {
  it("a change of menvcfg.ADUE disarms it (the next JavaScript translation re-arms it with the new ADUE)", () => {
    const { h } = machine(WALKY, SV48, false);
    h.loadSlow(PAGE0, 0, 8, false);
    const w = h.hostTlb.words;
    expect([w[HOST_W.LIVE], w[HOST_W.ADUE]]).toEqual([1, 0]);
    h.menvcfg = MENVCFG_ADUE | 1n;
    expect(w[HOST_W.LIVE]).toBe(0);
    h.loadSlow(PAGE0 + 4096, 0, 8, false);
    expect([w[HOST_W.LIVE], w[HOST_W.ADUE]]).toEqual([1, 1]);
    h.menvcfg = MENVCFG_ADUE; // FIOM only: ADUE unchanged, still armed
    expect(w[HOST_W.LIVE]).toBe(1);
  });
});

describe("the slow path's module in the translation cache", () => {
  it("is keyed by the layout's places and geometry, not by the memory's contents", () => {
    const a = machine(CONFIGS[0]!);
    const b = machine(CONFIGS[0]!);
    const key = slowPathKey(layOf(a.m, 64));
    expect(slowPathKey(layOf(b.m, 64))).toBe(key);
    b.h.hostTlb.rLo.fill(5); // contents: the same key
    expect(slowPathKey(layOf(b.m, 64))).toBe(key);
    expect(slowPathKey(layOf(b.m, 72))).not.toBe(key); // the jit words elsewhere
    const other = CONFIGS.find((c) => slowPathKey(layOf(machine(c).m, 64)) !== key);
    expect(other).toBeDefined(); // another TLB's geometry
    expect(key).not.toMatch(/"memory"/);
  });

  it("is built once for a layout; the next machine with it takes it from the store", () => {
    const map = new Map<string, Uint8Array<ArrayBuffer>>();
    let puts = 0;
    const store: TranslationStore = {
      build: "test",
      get: (k) => map.get(Buffer.from(k).toString("latin1")),
      put: (k, v) => {
        puts++;
        map.set(Buffer.from(k).toString("latin1"), new Uint8Array(v));
      },
    };
    const js = { load: () => 0, store: () => 0 };
    for (let i = 0; i < 3; i++) {
      const { m } = machine(CONFIGS[0]!);
      const f = slowPath(layOf(m, 64), js, new TranslationCache(store));
      expect(typeof f.load).toBe("function");
    }
    expect(puts).toBe(1);
  });
});
