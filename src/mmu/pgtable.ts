// Building page tables in physical memory: find or create the PTE for a virtual page at a given
// level, map and unmap leaves. Used by the kernel's pgtable layer, by experiments that run paged
// guest code on the bare machine, and by tests. Table pages come from a caller's allocator.

import { PAGE_SIZE, type PhysMem } from "./phys.js";
import { makePte, type PagingMode, PTE_RWX, PTE_V, ptePpn, vpnIndex } from "./pte.js";

/** Returns the physical page number of a zeroed page for a new table, or -1 when out of memory. */
export type TableAlloc = () => number;

/** Physical address of entry `index` of the table at physical page `tablePpn` (8-byte PTEs). */
export function pteAddress(tablePpn: number, index: number): number {
  return tablePpn * PAGE_SIZE + index * 8;
}

/** The PTE at physical address `pa` as (lo, hi). */
export function readPte(mem: PhysMem, pa: number): [number, number] {
  const off = pteOffset(mem, pa);
  return [mem.i32[off >>> 2]!, mem.i32[(off >>> 2) + 1]!];
}

/** The low word of the PTE at physical address `pa` (its flags and the low PPN bits): a scan
 *  for valid entries reads only this, allocating nothing. */
export function pteLo(mem: PhysMem, pa: number): number {
  return mem.i32[pteOffset(mem, pa) >>> 2]!;
}

/** Store a PTE at physical address `pa`. */
export function writePte(mem: PhysMem, pa: number, lo: number, hi: number): void {
  const off = pteOffset(mem, pa);
  mem.i32[off >>> 2] = lo;
  mem.i32[(off >>> 2) + 1] = hi;
}

const hex32 = (w: number): string => (w >>> 0).toString(16).padStart(8, "0");

/** The index in mem.i32 of the low word of entry 0 of the table at page `tablePpn` (entry i's
 *  words are at + 2i and + 2i + 1): a scan of a whole table checks its place in RAM once. */
export function tableWords(mem: PhysMem, tablePpn: number): number {
  const pa = pteAddress(tablePpn, 0);
  if (mem.ramOffset(pa, PAGE_SIZE) < 0) throw new Error(`page table at 0x${pa.toString(16)} is not in RAM`);
  return pteOffset(mem, pa) >>> 2;
}

function pteOffset(mem: PhysMem, pa: number): number {
  const off = mem.ramOffset(pa, 8);
  if (off < 0 || pa % 8 !== 0)
    throw new Error(`PTE address 0x${pa.toString(16)} is not an aligned RAM address`);
  return off;
}

/** Physical address of the level-`level` PTE for virtual page `vpn`, creating the tables above
 *  it with `alloc` (null: create nothing). Returns -1 if a table is missing and cannot be made.
 *  Throws if a leaf lies in the way (the caller must unmap it first). */
export function ptePointer(
  mem: PhysMem,
  mode: PagingMode,
  rootPpn: number,
  vpn: number,
  level: number,
  alloc: TableAlloc | null,
): number {
  let table = rootPpn;
  for (let l = mode.levels - 1; l > level; l--) {
    const pa = pteAddress(table, vpnIndex(vpn, l));
    const [lo, hi] = readPte(mem, pa);
    if (!(lo & PTE_V)) {
      const page = alloc ? alloc() : -1;
      if (page < 0) return -1;
      const [nlo, nhi] = makePte(page, PTE_V);
      writePte(mem, pa, nlo, nhi);
      table = page;
      continue;
    }
    if (lo & PTE_RWX) {
      throw new Error(`ptePointer: a level-${l} leaf maps vpn 0x${vpn.toString(16)}; unmap it first`);
    }
    table = ptePpn(lo, hi);
  }
  return pteAddress(table, vpnIndex(vpn, level));
}

/** Map the page of `vpn` at `level` (0 = 4 KiB, 1 = 2 MiB, ...) to physical page `ppn` with PTE
 *  flags `flags` (V is added). Both must be aligned to the page size. False if out of memory.
 *  Throws if the PTE is already valid: a remap is the caller's bug (xv6's mappages panics). */
export function mapLeaf(
  mem: PhysMem,
  mode: PagingMode,
  rootPpn: number,
  vpn: number,
  ppn: number,
  level: number,
  flags: number,
  alloc: TableAlloc | null,
  hiBits = 0,
): boolean {
  const pages = 2 ** (9 * level);
  if (vpn % pages !== 0 || ppn % pages !== 0) {
    throw new Error(
      `mapLeaf: vpn 0x${vpn.toString(16)} / ppn 0x${ppn.toString(16)} not aligned to level ${level}`,
    );
  }
  const pa = ptePointer(mem, mode, rootPpn, vpn, level, alloc);
  if (pa < 0) return false;
  const [oldLo, oldHi] = readPte(mem, pa);
  if (oldLo & PTE_V) {
    throw new Error(
      `mapLeaf: remap: vpn 0x${vpn.toString(16)} is already mapped at level ${level} ` +
        `(PTE 0x${hex32(oldHi)}${hex32(oldLo)} at 0x${pa.toString(16)}); unmap it first`,
    );
  }
  const [lo, hi] = makePte(ppn, flags | PTE_V);
  writePte(mem, pa, lo, hi | hiBits);
  return true;
}

/** Clear the level-`level` PTE of `vpn` if its tables exist; returns the old PTE's lo word. */
export function clearLeaf(
  mem: PhysMem,
  mode: PagingMode,
  rootPpn: number,
  vpn: number,
  level: number,
): number {
  const pa = ptePointer(mem, mode, rootPpn, vpn, level, null);
  if (pa < 0) return 0;
  const [lo] = readPte(mem, pa);
  writePte(mem, pa, 0, 0);
  return lo;
}
