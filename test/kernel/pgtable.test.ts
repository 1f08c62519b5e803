// The kernel's page-table helper (src/kernel/pgtable.ts): holeEnd, which lets an address space's
// teardown skip the ranges of empty tables instead of looking up every 4 KiB page.

import { describe, expect, it } from "vitest";
import { PAGE_KERNEL } from "../../src/kernel/pgtable.js";
import { bootMm } from "./helpers.js";

const PAGE = 4096n;
const PMD = 2n << 20n;
const PUD = 1n << 30n;
const PGD = 1n << 39n;

describe("KernelPageTable.holeEnd", () => {
  it("is the end of the span of the first invalid entry on the walk, at each level", () => {
    const { k } = bootMm();
    const pgd = k.pgd;
    const va = 0x12_3456_7000n; // user half, nothing mapped yet: an empty root entry
    expect(pgd.holeEnd(va)).toBe(va - (va % PGD) + PGD);
    expect(pgd.mapRange(va, 0x8000_0000 + (8 << 20), 4096, PAGE_KERNEL, 0)).toBe(true);
    // va's tables now exist down to level 0: its neighbours are holes of one page, the next
    // 2 MiB range a hole of one PMD entry, the next 1 GiB range one of a PUD entry.
    expect(pgd.holeEnd(va + PAGE)).toBe(va + 2n * PAGE);
    expect(pgd.holeEnd(va - (va % PMD) + PMD)).toBe(va - (va % PMD) + 2n * PMD);
    expect(pgd.holeEnd(va - (va % PUD) + PUD)).toBe(va - (va % PUD) + 2n * PUD);
    expect(pgd.holeEnd(va)).toBe(va + PAGE); // mapped: the end of its page
  });
});
