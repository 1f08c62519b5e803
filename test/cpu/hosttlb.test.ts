import { describe, expect, it } from "vitest";
import { hostTlbIndex } from "../../src/cpu/hosttlb.js";
import { HostTlb } from "../../src/cpu/index.js";

const hit = (t: HostTlb, kind: "r" | "w" | "x", va: number): boolean => {
  const e = hostTlbIndex(va);
  const lo = kind === "r" ? t.rLo : kind === "w" ? t.wLo : t.xLo;
  return lo[e] === (va & -4096);
};

describe("the host TLB", () => {
  it("a 2 MiB stride does not fold every page onto one entry", () => {
    const idx = new Set([0, 1, 2, 3].map((k) => hostTlbIndex(0x4000_0000 + k * (2 << 20))));
    expect(idx.size).toBe(4);
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
});
