import { describe, expect, it } from "vitest";
import {
  clearLeaf,
  mapLeaf,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_V,
  PTE_W,
  pteLo,
  ptePointer,
  ptePpn,
  RAM_BASE,
  readPte,
  SV48,
  tableWords,
} from "../../src/mmu/index.js";
import { space } from "./helpers.js";

const RW = PTE_R | PTE_W | PTE_A | PTE_D;
const PAGE = RAM_BASE / 4096 + 0x10;

describe("building page tables", () => {
  it("mapLeaf creates the tables above the leaf and writes a valid PTE with the flags given", () => {
    const s = space(SV48);
    expect(mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE, 0, RW, s.alloc)).toBe(true);
    const pa = ptePointer(s.mem, SV48, s.root, 0x40000, 0, null);
    expect(pa).toBeGreaterThan(0);
    const [lo, hi] = readPte(s.mem, pa);
    expect(lo & 0xff).toBe(RW | PTE_V);
    expect(ptePpn(lo, hi)).toBe(PAGE);
    expect(pteLo(s.mem, pa)).toBe(lo);
    expect(pteLo(s.mem, pa + 8)).toBe(0); // the next entry: empty
    expect(() => pteLo(s.mem, pa + 4)).toThrow(/not an aligned RAM address/);
  });

  it("tableWords gives where a table's entries are in mem.i32 (a whole table in RAM, else throws)", () => {
    const s = space(SV48);
    mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE, 0, RW, s.alloc);
    const pa = ptePointer(s.mem, SV48, s.root, 0x40000, 0, null);
    const table = Math.floor(pa / 4096);
    const w = tableWords(s.mem, table);
    const i = (pa % 4096) / 8;
    expect([s.mem.i32[w + 2 * i], s.mem.i32[w + 2 * i + 1]]).toEqual(readPte(s.mem, pa));
    expect(() => tableWords(s.mem, RAM_BASE / 4096 - 1)).toThrow(/not in RAM/);
    expect(() => tableWords(s.mem, (RAM_BASE + s.mem.size) / 4096)).toThrow(/not in RAM/);
  });

  it("mapLeaf refuses to map over a valid PTE, and leaves it as it was", () => {
    const s = space(SV48);
    mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE, 0, RW, s.alloc);
    const pa = ptePointer(s.mem, SV48, s.root, 0x40000, 0, null);
    const before = readPte(s.mem, pa);
    expect(() => mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE + 1, 0, PTE_R | PTE_A, s.alloc)).toThrow(
      /^mapLeaf: remap: vpn 0x40000 is already mapped at level 0 \(PTE 0x[0-9a-f]{16} at 0x[0-9a-f]+\); unmap it first$/,
    );
    expect(readPte(s.mem, pa)).toEqual(before);
  });

  it("after clearLeaf the page can be mapped again", () => {
    const s = space(SV48);
    mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE, 0, RW, s.alloc);
    expect(clearLeaf(s.mem, SV48, s.root, 0x40000, 0) & 0xff).toBe(RW | PTE_V);
    expect(mapLeaf(s.mem, SV48, s.root, 0x40000, PAGE + 1, 0, RW, s.alloc)).toBe(true);
  });

  it("a leaf in the way of a deeper level is refused; out of tables is false", () => {
    const s = space(SV48);
    mapLeaf(s.mem, SV48, s.root, 0x200, PAGE - (PAGE % 512) + 512, 1, RW, s.alloc);
    expect(() => mapLeaf(s.mem, SV48, s.root, 0x201, PAGE, 0, RW, s.alloc)).toThrow(
      /a level-1 leaf maps vpn 0x201; unmap it first/,
    );
    expect(mapLeaf(s.mem, SV48, s.root, 0x8000000, PAGE, 0, RW, () => -1)).toBe(false);
    expect(() => mapLeaf(s.mem, SV48, s.root, 0x201, PAGE, 1, RW, s.alloc)).toThrow(/not aligned to level 1/);
  });
});
