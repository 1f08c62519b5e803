// A hart layout for tests that emit regions without running them (tcache.test.ts's keys,
// shape.test.ts's region forms): made-up offsets, distinct, in a memory of 300 pages.

import type { RegionLayout } from "../../../src/cpu/jit/region.js";

/** A RegionLayout with distinct made-up offsets (the code is emitted and encoded, never run). */
export const TEST_LAYOUT: RegionLayout = {
  x: 0x100000,
  jit: 0x100200,
  rLo: 0x101000,
  rHi: 0x102000,
  rBase: 0x103000,
  rSlot: 0x104000,
  wLo: 0x105000,
  wHi: 0x106000,
  wBase: 0x107000,
  wSlot: 0x108000,
  f: 0x100100,
  hasD: true,
  stamp: 0x109000,
  hitR: 0x10a000,
  hitW: 0x10b000,
  pages: 300,
  shared: true,
};
