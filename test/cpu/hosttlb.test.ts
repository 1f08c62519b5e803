import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostTlbIndex, hostTlbPair, hostTlbPairSource } from "../../src/cpu/hosttlb.js";
import { HostTlb } from "../../src/cpu/index.js";
import { TLB_MASK } from "../../src/cpu/trap.js";

const hit = (t: HostTlb, kind: "r" | "w" | "x", va: number): boolean => {
  const e = hostTlbPair(hostTlbIndex(va));
  const lo = kind === "r" ? t.rLo : kind === "w" ? t.wLo : t.xLo;
  return lo[e] === (va & -4096);
};

describe("the host TLB", () => {
  it("a 2 MiB stride does not fold every page onto one entry", () => {
    const idx = new Set([0, 1, 2, 3].map((k) => hostTlbIndex(0x4000_0000 + k * (2 << 20))));
    expect(idx.size).toBe(4);
  });

  it("the generated interpreter's entry expression (hostTlbPairSource) is hostTlbPair(hostTlbIndex(lo))", () => {
    const entry = new Function("TLB_PAIR_MASK", "lo", `return ${hostTlbPairSource("lo")};`) as (
      mask: number,
      lo: number,
    ) => number;
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (lo) => {
        expect(entry(TLB_MASK << 1, lo)).toBe(hostTlbPair(hostTlbIndex(lo)));
      }),
    );
  });

  it("a fetch entry carries its page's decode page until the fetch entries are flushed", () => {
    const t = new HostTlb();
    const code = new Int32Array(8);
    t.fillFetch(0x5000, 0, 4096, 2, code);
    expect(hit(t, "x", 0x5000)).toBe(true);
    expect(t.xCode[hostTlbPair(hostTlbIndex(0x5000))]).toBe(code);
    t.flushKind("x");
    expect(hit(t, "x", 0x5000)).toBe(false);
    expect(t.xCode[hostTlbPair(hostTlbIndex(0x5000))]).not.toBe(code); // the dropped page is not kept alive
    t.fillFetch(0x5000, 0, 4096, 2, code);
    t.flush();
    expect(t.xCode[hostTlbPair(hostTlbIndex(0x5000))]).not.toBe(code);
  });

  it("dropSlot kills every copy of a modelled slot, in every kind, and nothing else", () => {
    const t = new HostTlb();
    t.fill("r", 0x1000, 0, 0, 7);
    t.fill("w", 0x1000, 0, 0, 7);
    t.fill("x", 0x2000, 0, 4096, 7);
    t.fill("r", 0x3000, 0, 8192, 8);
    t.dropSlot(7);
    expect([hit(t, "r", 0x1000), hit(t, "w", 0x1000), hit(t, "x", 0x2000)]).toEqual([false, false, false]);
    expect(hit(t, "r", 0x3000)).toBe(true);
  });

  it("an entry refilled from another slot survives the old slot's drop", () => {
    const t = new HostTlb();
    t.fill("r", 0x1000, 0, 0, 7);
    t.fill("r", 0x1000, 0, 0, 9); // same entry, now a copy of slot 9
    t.dropSlot(7);
    expect(hit(t, "r", 0x1000)).toBe(true);
    t.dropSlot(9);
    expect(hit(t, "r", 0x1000)).toBe(false);
  });

  it("many refills of one slot keep its copy list bounded and correct", () => {
    const t = new HostTlb();
    for (let i = 0; i < 1000; i++) t.fill("r", (i % 8) * 4096, 0, 0, 3);
    t.dropSlot(3);
    for (let i = 0; i < 8; i++) expect(hit(t, "r", i * 4096)).toBe(false);
  });

  it("dropRamPage and flushKind drop by RAM page and by kind", () => {
    const t = new HostTlb();
    t.fill("w", 0x1000, 0, 4096, 1);
    t.fill("w", 0x2000, 0, 8192, 1);
    t.fill("r", 0x1000, 0, 4096, 1);
    t.dropRamPage("w", 4096);
    expect([hit(t, "w", 0x1000), hit(t, "w", 0x2000), hit(t, "r", 0x1000)]).toEqual([false, true, true]);
    t.flushKind("r");
    expect(hit(t, "r", 0x1000)).toBe(false);
    t.flush();
    expect(hit(t, "w", 0x2000)).toBe(false);
  });

  it("dropRamPage drops every entry of the page, with few fills since the flush (tracked) or many", () => {
    for (const fills of [3, 64, 65, 500]) {
      const t = new HostTlb();
      t.fill("w", 0x9000, 0, 4096, 1);
      t.fill("r", 0xa000, 0, 4096, 1);
      for (let i = 2; i < fills; i++) t.fill("w", 0x100000 + i * 4096, 0, 8192 + (i % 3) * 4096, 1);
      t.fill("w", 0x5000, 0, 4096, 2); // the last fill: past the tracked ones when there are many
      t.dropRamPage("w", 4096);
      const left = [
        hit(t, "w", 0x9000),
        hit(t, "w", 0x5000),
        hit(t, "r", 0xa000),
        hit(t, "w", 0x100000 + 2 * 4096),
      ];
      expect(left, `${fills} fills`).toEqual([false, false, true, fills > 2]);
    }
  });
});

describe("the host TLB's copy lists", () => {
  it("one slot copied by every entry of every kind (bare mode's dummy slot): a refill moves an entry, a drop kills all", () => {
    const t = new HostTlb();
    for (const kind of ["r", "w", "x"] as const) {
      for (let e = 0; e < 1024; e++) t.fill(kind, e * 4096, 0, 0, 5);
    }
    expect(t.copyCount(5)).toBe(3 * 1024);
    for (let i = 0; i < 10_000; i++) t.fill("r", (i % 1024) * 4096, 0, 0, 5); // refills: no growth
    expect(t.copyCount(5)).toBe(3 * 1024);
    t.fill("w", 0x7000, 0, 0, 6); // moves one entry to slot 6
    expect([t.copyCount(5), t.copyCount(6)]).toEqual([3 * 1024 - 1, 1]);
    t.dropSlot(5);
    expect([hit(t, "r", 0x1000), hit(t, "x", 0x3ff000), hit(t, "w", 0x7000)]).toEqual([false, false, true]);
    expect([t.copyCount(5), t.copyCount(6)]).toEqual([0, 1]);
  });

  it("after a flush, a stale list member refilled from another slot survives the old slot's drop", () => {
    const t = new HostTlb();
    t.fill("r", 0x1000, 0, 0, 7);
    t.flush();
    t.fill("r", 0x1000, 0, 4096, 8);
    t.dropSlot(7);
    expect(hit(t, "r", 0x1000)).toBe(true);
    expect([t.copyCount(7), t.copyCount(8)]).toEqual([0, 1]);
  });

  it("an invalid tag matches no address masked to its page and alignment bits (the translator's lookup)", () => {
    const t = new HostTlb();
    t.fill("r", 0x1000, 0, 0, 3);
    t.flush();
    const invalid = t.rLo[0]!;
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(1, 2, 4, 8), (lo, width) => {
        expect(lo & (-4096 | (width - 1))).not.toBe(invalid);
      }),
    );
    for (const lo of [0, 1, 7, 0xfff, -1, -4096, -4089]) {
      for (const width of [1, 2, 4, 8]) expect(lo & (-4096 | (width - 1))).not.toBe(invalid);
    }
  });

  it("an entry's tag is one little-endian i64 (lo, then hi) and its base and slot a pair (the translator's layout)", () => {
    const t = new HostTlb();
    t.fill("w", 0x7000_3000, 0x1234, 0x5000, 9);
    const i = hostTlbPair(hostTlbIndex(0x7000_3000));
    const tag = new BigInt64Array(t.wLo.buffer, t.wLo.byteOffset, t.wLo.length / 2);
    expect(tag[i / 2]).toBe((0x1234n << 32n) | 0x7000_3000n);
    expect(t.wHi.byteOffset - t.wLo.byteOffset).toBe(4);
    expect(t.wSlot.byteOffset - t.wBase.byteOffset).toBe(4);
    expect([t.wBase[i], t.wSlot[i]]).toEqual([0x5000, 9]);
  });

  it("slot numbers beyond the first table size", () => {
    const t = new HostTlb();
    t.fill("r", 0x1000, 0, 0, 5000);
    expect(t.copyCount(5000)).toBe(1);
    t.dropSlot(5000);
    expect(hit(t, "r", 0x1000)).toBe(false);
    t.dropSlot(9999); // a slot nothing ever copied
  });

  it("a flush empties every entry, whether it tracked the fills since the last one or not", () => {
    const fill = fc.record({
      kind: fc.constantFrom<"r" | "w" | "x">("r", "w", "x"),
      page: fc.integer({ min: 0, max: 1 << 20 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(fill, { maxLength: 200 }), { minLength: 1, maxLength: 4 }), (rounds) => {
        const t = new HostTlb();
        const code = new Int32Array(8);
        for (const fills of rounds) {
          for (const { kind, page } of fills) {
            if (kind === "x") t.fillFetch(page * 4096, 0, 0, 3, code);
            else t.fill(kind, page * 4096, 0, 0, 3);
          }
          const last = fills[fills.length - 1];
          if (last) expect(hit(t, last.kind, last.page * 4096)).toBe(true);
          t.flush();
          for (const lo of [t.rLo, t.wLo, t.xLo])
            expect(lo.every((v, i) => i % 2 === 1 || v === -1)).toBe(true);
          expect(t.xCode.every((c) => c !== code)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
