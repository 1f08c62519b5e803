import { describe, expect, it } from "vitest";
import {
  isCanonical,
  makePte,
  pageShiftByName,
  pageSizeName,
  pagingMode,
  pagingModeByName,
  ptePpn,
  SV39,
  SV48,
  SV57,
  vpnIndex,
  vpnOf,
} from "../../src/mmu/index.js";

describe("PTEs and paging modes", () => {
  it("the PPN field (bits 53..10) round-trips through makePte / ptePpn for 44-bit PPNs", () => {
    for (const ppn of [0, 1, 0x80000, 0x3fffff, 0x400000, 2 ** 44 - 1]) {
      const [lo, hi] = makePte(ppn, 0xcf);
      expect(ptePpn(lo, hi)).toBe(ppn);
      expect(lo & 0x3ff).toBe(0xcf);
    }
  });

  it("canonical addresses: bits above the mode's VA bits copy its top bit", () => {
    const hi = (va: bigint): number => Number(BigInt.asIntN(32, va >> 32n));
    expect(isCanonical(hi(0x0000_7fff_ffff_f000n), SV48)).toBe(true);
    expect(isCanonical(hi(0xffff_8000_0000_0000n), SV48)).toBe(true);
    expect(isCanonical(hi(0x0000_8000_0000_0000n), SV48)).toBe(false);
    expect(isCanonical(hi(0x0000_0040_0000_0000n), SV39)).toBe(false);
    expect(isCanonical(hi(0x00ff_ffff_ffff_f000n), SV57)).toBe(true);
    expect(isCanonical(hi(0x0100_0000_0000_0000n), SV57)).toBe(false);
  });

  it("the VPN and its 9-bit fields", () => {
    const va = 0xffff_8f80_1234_5000n;
    const lo = Number(BigInt.asIntN(32, va));
    const hi = Number(BigInt.asIntN(32, va >> 32n));
    const vpn = vpnOf(lo, hi, SV48);
    expect(vpn).toBe(Number((va & ((1n << 48n) - 1n)) >> 12n));
    for (let l = 0; l < 4; l++) expect(vpnIndex(vpn, l)).toBe(Number((va >> BigInt(12 + 9 * l)) & 511n));
  });

  it("modes and page sizes by name and number", () => {
    expect(pagingMode(9)).toBe(SV48);
    expect(pagingMode(0)).toBeUndefined();
    expect(pagingModeByName("SV57")).toBe(SV57);
    expect(() => pagingModeByName("sv64")).toThrow(/unknown paging mode 'sv64'/);
    expect(pageShiftByName("2M")).toBe(21);
    expect(pageSizeName(30)).toBe("1g");
    expect(() => pageShiftByName("3m")).toThrow(/unknown page size/);
  });
});
