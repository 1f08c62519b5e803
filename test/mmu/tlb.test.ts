import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type LeafEntry,
  loadTlbConfig,
  MAX_PWC_ENTRIES,
  MAX_PWC_LEVEL,
  MAX_TLB_ARRAYS,
  MAX_TLB_ENTRIES,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_R,
  PTE_V,
  parseTlbConfig,
  type Replacement,
  TLB_PRESETS,
  type TlbConfig,
  TlbModel,
} from "../../src/mmu/index.js";
import { hostileTlbJson } from "../helpers/tlbjson.js";

const PERM = PTE_V | PTE_R | PTE_A | PTE_D;

function leaf(vpn: number, shift = 12, asid = 0, global = false): LeafEntry {
  const pages = 2 ** (shift - 12);
  const vpnBase = vpn - (vpn % pages);
  return {
    vpnBase,
    shift,
    ppnBase: 0x80000 + vpnBase,
    asid,
    global,
    perm: PERM | (global ? PTE_G : 0),
    level: (shift - 12) / 9,
  };
}

/** One 4-way set (fully associative, 4 entries) with the given policy. */
function oneSet(replacement: Replacement, seed?: number): TlbModel {
  const cfg: TlbConfig = {
    name: "t",
    description: "",
    itlb: [{ name: "i", entries: 4, ways: 4, replacement, sizes: [12] }],
    dtlb: [{ name: "d", entries: 4, ways: 4, replacement, sizes: [12] }],
  };
  if (seed !== undefined) cfg.seed = seed;
  return new TlbModel(cfg);
}

let clock = 0;
function access(t: TlbModel, vpn: number, asid = 0): number {
  t.setClock(++clock);
  const s = t.lookup("r", vpn, asid);
  return s >= 0 ? s : t.fill("r", vpn, leaf(vpn, 12, asid));
}

function present(t: TlbModel): number[] {
  return t
    .entries()
    .filter((e) => e.level === "l1d")
    .map((e) => e.vpn)
    .sort((a, b) => a - b);
}

describe("replacement policies: victim order", () => {
  it("LRU evicts the least recently used", () => {
    const t = oneSet("lru");
    for (const v of [1, 2, 3, 4]) access(t, v);
    access(t, 1); // 2 is now the oldest
    access(t, 5);
    expect(present(t)).toEqual([1, 3, 4, 5]);
    access(t, 6); // then 3
    expect(present(t)).toEqual([1, 4, 5, 6]);
  });

  it("FIFO evicts in insertion order, whatever the hits", () => {
    const t = oneSet("fifo");
    for (const v of [1, 2, 3, 4]) access(t, v);
    access(t, 1);
    access(t, 5);
    expect(present(t)).toEqual([2, 3, 4, 5]);
  });

  it("tree-PLRU follows the tree, not true LRU", () => {
    // Fill ways 0..3, hit way 0: the root points right, node 2 points at way 2. True LRU would
    // evict way 1 (vpn 2); tree-PLRU evicts way 2 (vpn 3).
    const t = oneSet("plru");
    for (const v of [1, 2, 3, 4]) access(t, v);
    access(t, 1);
    access(t, 5);
    expect(present(t)).toEqual([1, 2, 4, 5]);
  });

  it("tree-PLRU of 2, 4 and 8 ways evicts as a tree updated at every use, host-served uses included", () => {
    // The model replays the uses since a set's last victim choice from the stamps (the host TLB
    // only writes a stamp): it must agree with a tree pointed away from each use as it happens.
    for (const ways of [2, 4, 8]) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 1, max: 2 * ways }), fc.boolean()), { maxLength: 200 }),
          (ops) => {
            const cfg: TlbConfig = {
              name: "t",
              description: "",
              itlb: [{ name: "i", entries: ways, ways, replacement: "plru", sizes: [12] }],
              dtlb: [{ name: "d", entries: ways, ways, replacement: "plru", sizes: [12] }],
            };
            const t = new TlbModel(cfg);
            const bits = new Array<number>(ways - 1).fill(0);
            const ref: (number | null)[] = new Array<number | null>(ways).fill(null);
            const use = (w: number): void => {
              for (let node = 0, lo = 0, span = ways; span > 1; ) {
                span >>= 1;
                const right = w >= lo + span;
                bits[node] = right ? 0 : 1;
                if (right) lo += span;
                node = 2 * node + (right ? 2 : 1);
              }
            };
            const victim = (): number => {
              const free = ref.indexOf(null);
              if (free >= 0) return free;
              let node = 0;
              let lo = 0;
              for (let span = ways; span > 1; ) {
                span >>= 1;
                if (bits[node] === 1) lo += span;
                node = 2 * node + (bits[node] === 1 ? 2 : 1);
              }
              return lo;
            };
            for (const [vpn, host] of ops) {
              t.setClock(++clock);
              const w = ref.indexOf(vpn);
              if (w >= 0 && host) {
                t.stamp[ways + w] = clock; // the host TLB's hit: a stamp written in place
              } else if (t.lookup("r", vpn, 0) < 0) {
                ref[victim()] = vpn;
                t.fill("r", vpn, leaf(vpn));
              }
              use(ref.indexOf(vpn));
              const held = t.entries().filter((e) => e.level === "l1d");
              expect(held.map((e) => [e.slot - ways, e.vpn])).toEqual(
                ref.flatMap((v, i) => (v === null ? [] : [[i, v]])),
              );
            }
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it("seeded random is deterministic for a seed and differs between seeds", () => {
    const run = (seed: number): number[] => {
      const t = oneSet("random", seed);
      for (let v = 1; v <= 40; v++) access(t, v);
      return present(t);
    };
    expect(run(7)).toEqual(run(7));
    const seeds = [1, 2, 3, 4, 5].map(run).map((p) => p.join(","));
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });
});

describe("superpages, ASIDs and the global bit", () => {
  it("a 2 MiB page is ONE entry covering its whole range", () => {
    const t = new TlbModel(TLB_PRESETS.tiny!);
    t.setClock(1);
    const s = t.fill("r", 0x400, leaf(0x400, 21));
    for (const v of [0x400, 0x4ff, 0x5ff]) expect(t.lookup("r", v, 0)).toBe(s);
    expect(t.lookup("r", 0x600, 0)).toBe(-1);
    expect(t.entries().filter((e) => e.level === "l1d")).toHaveLength(1);
  });

  it("no hit across ASIDs, except for global entries", () => {
    const t = new TlbModel(TLB_PRESETS.tiny!);
    t.fill("r", 0x10, leaf(0x10, 12, 1));
    t.fill("r", 0x20, leaf(0x20, 12, 1, true));
    expect(t.lookup("r", 0x10, 2)).toBe(-1);
    expect(t.lookup("r", 0x10, 1)).toBeGreaterThanOrEqual(0);
    expect(t.lookup("r", 0x20, 2)).toBeGreaterThanOrEqual(0);
  });

  it("a preset without 2 MiB arrays holds the page as 4 KiB pieces; a VA fence drops them all", () => {
    const t = new TlbModel({ ...TLB_PRESETS["qemu-like"]!, flushAllOnFence: false });
    for (const v of [0x400, 0x401, 0x5ff]) t.fill("r", v, leaf(v, 21));
    expect(t.entries().map((e) => e.shift)).toEqual([12, 12, 12]);
    expect(t.lookup("r", 0x402, 0)).toBe(-1); // each piece covers only its 4 KiB
    t.fill("r", 0x10, leaf(0x10));
    t.sfence(0x480, undefined); // a VA in the middle of the 2 MiB page, not one of the pieces
    expect(t.entries().map((e) => e.vpn)).toEqual([0x10]);
  });

  it("AMD-style smashing: a 1 GiB page is held as the 2 MiB piece that was touched", () => {
    const t = new TlbModel(TLB_PRESETS.zen2!);
    const vpn = 0x40000 + 0x1234;
    t.fill("r", vpn, leaf(vpn, 30));
    const e = t.entries().filter((x) => x.level === "l1d");
    expect(e).toHaveLength(1);
    expect(e[0]!.shift).toBe(21);
    expect(e[0]!.leafShift).toBe(30);
    expect(e[0]!.vpn).toBe(vpn - (vpn % 512));
  });
});

describe("sfence.vma in its four forms", () => {
  function populated(): TlbModel {
    const t = new TlbModel({
      name: "t",
      description: "",
      itlb: [{ name: "i", entries: 16, ways: 16, replacement: "lru", sizes: [12, 21] }],
      dtlb: [{ name: "d", entries: 16, ways: 16, replacement: "lru", sizes: [12, 21] }],
    });
    t.fill("r", 0x10, leaf(0x10, 12, 1));
    t.fill("r", 0x11, leaf(0x11, 12, 2));
    t.fill("r", 0x12, leaf(0x12, 12, 1, true));
    t.fill("r", 0x400, leaf(0x400, 21, 1));
    return t;
  }
  const vpns = (t: TlbModel): number[] =>
    t
      .entries()
      .map((e) => e.vpn)
      .sort((a, b) => a - b);

  it("rs1 = rs2 = x0 drops everything", () => {
    const t = populated();
    t.sfence(undefined, undefined);
    expect(vpns(t)).toEqual([]);
    expect(t.flushes).toMatchObject({ all: 1, dropped: 4 });
  });
  it("rs2 = ASID drops that ASID's non-global entries", () => {
    const t = populated();
    t.sfence(undefined, 1);
    expect(vpns(t)).toEqual([0x11, 0x12]);
    expect(t.flushes).toMatchObject({ asid: 1, dropped: 2 });
  });
  it("rs1 = VA drops the leaves covering it in every ASID, global included", () => {
    const t = populated();
    t.sfence(0x12, undefined);
    expect(vpns(t)).toEqual([0x10, 0x11, 0x400]);
    t.sfence(0x5ff, undefined); // inside the 2 MiB page
    expect(vpns(t)).toEqual([0x10, 0x11]);
    expect(t.flushes).toMatchObject({ va: 2, dropped: 2 });
  });
  it("rs1 = VA, rs2 = ASID keeps global entries and other ASIDs", () => {
    const t = populated();
    t.sfence(0x12, 1);
    t.sfence(0x11, 1);
    expect(vpns(t)).toEqual([0x10, 0x11, 0x12, 0x400]);
    t.sfence(0x10, 1);
    expect(vpns(t)).toEqual([0x11, 0x12, 0x400]);
    expect(t.flushes).toMatchObject({ vaAsid: 3, dropped: 1 });
  });
  it("a dropped entry's generation changes (host copies die with it)", () => {
    const t = populated();
    const s = t.lookup("r", 0x10, 1);
    const g = t.gen[s]!;
    t.sfence(0x10, undefined);
    expect(t.gen[s]).not.toBe(g);
  });
  it("qemu-like flushes everything on any fence", () => {
    const t = new TlbModel(TLB_PRESETS["qemu-like"]!);
    t.fill("r", 0x10, leaf(0x10));
    t.fill("r", 0x20, leaf(0x20, 12, 0, true));
    t.sfence(0x30, 5);
    expect(t.entries()).toHaveLength(0);
  });
});

describe("levels and counters", () => {
  it("an L1 miss that hits the L2 is copied into the L1", () => {
    const t = new TlbModel(TLB_PRESETS.tiny!);
    for (let v = 0; v < 6; v++) {
      t.setClock(++clock);
      t.fill("r", v, leaf(v));
    }
    // L1 (4 entries) lost vpn 0 and 1; the L2 (16) still has them.
    t.setClock(++clock);
    const s = t.lookup("r", 0, 0);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(t.slotInfo(s).level).toBe("l1d");
    const c = t.levelCounters();
    expect(c.l1d.r).toEqual({ accesses: 1, hits: 0, misses: 1 });
    expect(c.l2.r).toEqual({ accesses: 1, hits: 1, misses: 0 });
  });
  it("fills and evictions are counted per array and per access kind", () => {
    const t = new TlbModel(TLB_PRESETS.tiny!);
    for (let v = 0; v < 6; v++) t.fill(v % 2 ? "w" : "r", v, leaf(v));
    t.fill("x", 100, leaf(100));
    const by = Object.fromEntries(t.arrayCounters().map((a) => [a.name, a]));
    expect(by.dtlb!.fillsByKind).toEqual({ r: 3, w: 3, x: 0 });
    expect(by.dtlb!.evictionsByKind).toEqual({ r: 1, w: 1, x: 0 }); // 4 entries: the 5th and 6th evict
    expect(by.itlb!.fillsByKind).toEqual({ r: 0, w: 0, x: 1 });
    expect(by.stlb!.fillsByKind).toEqual({ r: 3, w: 3, x: 1 });
  });

  it("host-served hits are added to the L1 counters", () => {
    const t = new TlbModel(TLB_PRESETS.tiny!);
    const s = t.fill("r", 7, leaf(7));
    t.hostHits.r[s] = 41;
    t.lookup("r", 7, 0);
    expect(t.levelCounters().l1d.r).toEqual({ accesses: 42, hits: 42, misses: 0 });
    expect(t.arrayCounters().find((a) => a.name === "dtlb")!.hits.r).toBe(42);
  });
});

describe("presets", () => {
  it("every named preset builds", () => {
    for (const name of Object.keys(TLB_PRESETS))
      expect(() => new TlbModel(loadTlbConfig(name))).not.toThrow();
  });
  it("an unknown preset names the known ones", () => {
    expect(() => loadTlbConfig("pentium")).toThrow(/unknown TLB preset 'pentium' \(presets: tiny, skylake/);
  });
  it("a JSON preset with page-size names parses; bad geometry is named", () => {
    const cfg = parseTlbConfig({
      name: "mine",
      itlb: [{ name: "i", entries: 32, ways: 4, replacement: "plru", sizes: ["4k", "2m"] }],
      dtlb: [{ name: "d", entries: 32, ways: 32, sizes: ["4k", "2m", "1g"] }],
    });
    expect(cfg.dtlb[0]!.sizes).toEqual([12, 21, 30]);
    expect(() =>
      parseTlbConfig({ itlb: [{ name: "i", entries: 30, ways: 4, sizes: ["4k"] }], dtlb: [] }),
    ).toThrow(/ways \(4\) must divide entries \(30\)/);
    expect(() =>
      parseTlbConfig({
        itlb: [{ name: "i", entries: 12, ways: 6, replacement: "plru", sizes: ["4k"] }],
        dtlb: [],
      }),
    ).toThrow(/power-of-two/);
    expect(() =>
      parseTlbConfig({ itlb: [{ name: "i", entries: 4, ways: 4, sizes: ["3m"] }], dtlb: [] }),
    ).toThrow(/^TLB preset: itlb\[0\].sizes\[0\]: unknown page size '3m'/);
  });

  const a4k = (entries: number, ways = 4): object => ({ entries, ways, sizes: ["4k"] });
  it("refuses a level whose arrays cannot hold a 4 KiB page (a miss there would have nowhere to go)", () => {
    const only2m = { entries: 16, ways: 4, sizes: ["2m"] };
    expect(() => parseTlbConfig({ itlb: [only2m], dtlb: [a4k(16)] }, "t.json")).toThrow(
      /TLB 't.json': no itlb array holds 4 KiB pages/,
    );
    expect(() => parseTlbConfig({ itlb: [a4k(16)], dtlb: [a4k(16)], l2: [only2m] })).toThrow(
      /no l2 array holds 4 KiB pages/,
    );
  });

  it("bounds the geometry: entries per array and in all, arrays, page-walk caches", () => {
    expect(() => parseTlbConfig({ itlb: [a4k(1e9, 1)], dtlb: [a4k(16)] })).toThrow(
      new RegExp(`entries must be an integer from 1 to ${MAX_TLB_ENTRIES}`),
    );
    expect(() => parseTlbConfig({ itlb: [a4k(MAX_TLB_ENTRIES)], dtlb: [a4k(16)] })).toThrow(
      new RegExp(`${MAX_TLB_ENTRIES + 16} entries in all, at most ${MAX_TLB_ENTRIES}`),
    );
    const many = Array.from({ length: MAX_TLB_ARRAYS }, () => a4k(4));
    expect(() => parseTlbConfig({ itlb: many, dtlb: [a4k(4)] })).toThrow(/arrays, at most 16/);
    const ok = { itlb: [a4k(16)], dtlb: [a4k(16)] };
    expect(() => parseTlbConfig({ ...ok, pwc: [{ level: 99, sets: 1, ways: 1 }] })).toThrow(
      new RegExp(`level must be from 1 to ${MAX_PWC_LEVEL}`),
    );
    expect(() => parseTlbConfig({ ...ok, pwc: [{ level: 1, sets: 1e6, ways: 1e3 }] })).toThrow(
      new RegExp(`sets x ways must be at most ${MAX_PWC_ENTRIES}`),
    );
    expect(() =>
      parseTlbConfig({
        ...ok,
        pwc: [
          { level: 2, sets: 1, ways: 2 },
          { level: 2, sets: 1, ways: 4 },
        ],
      }),
    ).toThrow(/one cache per level/);
    expect(parseTlbConfig({ ...ok, pwc: [{ level: 4, sets: 64, ways: 64 }] }).pwc).toHaveLength(1);
  });

  it("random JSON (fast-check): a TLB config that builds a working model, or an Error naming what is wrong", () => {
    fc.assert(
      fc.property(fc.oneof(hostileTlbJson, fc.jsonValue()), (json) => {
        let parsed: ReturnType<typeof parseTlbConfig>;
        try {
          parsed = parseTlbConfig(json, "fuzz.json");
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/fuzz\.json|TLB array|page-walk cache|page size/);
          return;
        }
        // It parsed: a model of it holds and finds 4 KiB and 2 MiB pages, for data and fetch.
        const m = new TlbModel(parsed);
        expect(m.slots).toBeLessThanOrEqual(MAX_TLB_ENTRIES);
        for (const kind of ["r", "x"] as const) {
          for (const [vpn, shift] of [
            [0x1234, 12],
            [0x4_0000, 21],
          ] as const) {
            const slot = m.fill(kind, vpn, leaf(vpn, shift));
            expect(m.lookup(kind, vpn, 0)).toBe(slot);
          }
        }
      }),
      { numRuns: 1500, seed: 11 },
    );
  });
});
