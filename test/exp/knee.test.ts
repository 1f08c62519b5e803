// The knees of tlb-reach fall where entries x page size predicts: for two presets, each TLB
// level's hit rate is at least 0.9 at half its reach and at most 0.5 at four times it; and the
// preset of one's own that docs/experiments.md shows loads and behaves as its geometry says.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { reachParams, reachPoint, tlbReach } from "../../src/exp/index.js";
import { parseTlbConfig, SV48, TLB_PRESETS } from "../../src/mmu/index.js";

const cases = [
  { preset: "skylake", shift: 12 },
  { preset: "skylake", shift: 21 },
  { preset: "zen2", shift: 12 },
] as const;

describe("tlb-reach knees", () => {
  it("the predicted reach follows the preset's arrays", () => {
    const sky = TLB_PRESETS.skylake!;
    expect(tlbReach(sky, "l1", 12)).toMatchObject({ array: "dtlb-4k", entries: 64, bytes: 256 << 10 });
    expect(tlbReach(sky, "l1", 21)).toMatchObject({ array: "dtlb-2m", entries: 32, bytes: 64 << 20 });
    expect(tlbReach(sky, "l2", 12)).toMatchObject({ array: "stlb", entries: 1536, bytes: 6 << 20 });
    // The STLB has no 1 GiB entries: it holds 1 GiB pages as 2 MiB pieces.
    expect(tlbReach(sky, "l2", 30)).toMatchObject({ pieceShift: 21, bytes: 1536 * (2 << 20) });
    const zen2 = TLB_PRESETS.zen2!;
    expect(tlbReach(zen2, "l1", 12)).toMatchObject({ entries: 64, bytes: 256 << 10 });
    expect(tlbReach(zen2, "l2", 12)).toMatchObject({ entries: 2048, bytes: 8 << 20 });
    expect(tlbReach(TLB_PRESETS["qemu-like"]!, "l2", 12)).toBeNull();
  });

  for (const { preset, shift } of cases) {
    for (const level of ["l1", "l2"] as const) {
      const tlb = TLB_PRESETS[preset]!;
      const reach = tlbReach(tlb, level, shift)!;
      it(`${preset}, ${2 ** (shift - 10)} KiB pages, ${level.toUpperCase()}: the knee at ${reach.entries} entries`, () => {
        const params = reachParams(tlb, SV48, { spans: [], maxSlots: 65536, accesses: 3000, seed: 7 });
        const rate = (span: number): number =>
          reachPoint(params, { pageShift: shift, span })[`${level}_hit_rate`] as number;
        expect(rate(reach.bytes / 2)).toBeGreaterThanOrEqual(0.9);
        expect(rate(reach.bytes * 4)).toBeLessThanOrEqual(0.5);
      });
    }
  }
});

describe("a TLB preset of one's own", () => {
  it("the example of docs/experiments.md loads, and its knees fall at its reach", () => {
    const doc = readFileSync(new URL("../../docs/experiments.md", import.meta.url), "utf8");
    const section = doc.slice(doc.indexOf("## Defining a TLB preset of one's own"));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    // The file the examples use (mmlab exp tlb-reach --tlb examples/my-core.json) is this one.
    expect(JSON.parse(readFileSync(new URL("../../examples/my-core.json", import.meta.url), "utf8"))).toEqual(
      JSON.parse(json),
    );
    const tlb = parseTlbConfig(JSON.parse(json), "my-core.json");
    expect(tlb.name).toBe("my-core");
    expect(tlbReach(tlb, "l1", 12)!.bytes).toBe(192 << 10);
    expect(tlbReach(tlb, "l2", 12)!.bytes).toBe(4 << 20);
    expect(tlbReach(tlb, "l2", 30)).toMatchObject({ pieceShift: 21 });
    const params = reachParams(tlb, SV48, { spans: [], maxSlots: 65536, accesses: 3000, seed: 3 });
    const point = (span: number) => reachPoint(params, { pageShift: 12, span });
    expect(point(96 << 10).l1_hit_rate).toBeGreaterThanOrEqual(0.9);
    expect(point(768 << 10).l1_hit_rate).toBeLessThanOrEqual(0.5);
    expect(point(2 << 20).l2_hit_rate).toBeGreaterThanOrEqual(0.9);
    const far = point(16 << 20);
    expect(far.l2_hit_rate).toBeLessThanOrEqual(0.5);
    expect(far.pwc_hits).toBeGreaterThan(0); // its walk caches work
  });
});
