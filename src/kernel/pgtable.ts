// Kernel page tables: the swapper_pg_dir, built in emulated RAM from buddy pages, with ranges
// mapped by 4 KiB PTEs, 2 MiB PMD leaves or 1 GiB PUD leaves (vmap_range_noflush and friends in
// mm/vmalloc.c, arch/riscv/mm/init.c for the direct map). Unmapping clears leaves but never
// frees the tables, as vunmap_range_noflush does; the TLB flush is the caller's job.

import {
  mapLeaf,
  type PhysMem,
  PTE_A,
  PTE_D,
  PTE_FLAGS,
  PTE_G,
  PTE_HI_PPN,
  PTE_PPN_SHIFT,
  PTE_R,
  PTE_RWX,
  PTE_V,
  PTE_W,
  pteAddress,
  ptePointer,
  ptePpn,
  readPte,
  SV48,
  tableWords,
  vpnIndex,
  writePte,
} from "../mmu/index.js";
import { PAGE_SHIFT, PAGE_SIZE, PMD_SIZE, PUD_SIZE } from "./layout.js";
import type { PageAlloc } from "./page_alloc.js";
import { PG_table } from "./page_alloc.js";

/** PAGE_KERNEL: read/write, global (kernel mappings survive ASID flushes), A and D preset. */
export const PAGE_KERNEL = PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;

/** Bytes mapped by a leaf at each level: 4 KiB, 2 MiB, 1 GiB. */
const LEAF_SIZE = [PAGE_SIZE, PMD_SIZE, PUD_SIZE];
const VA_MASK = (1n << 48n) - 1n;
/** Page frames whose number fits the PTE's low word (22 bits above PTE_PPN_SHIFT). */
const PPN_LO_SPAN = 2 ** 22;
const vpnOf = (va: bigint): number => Number((va & VA_MASK) >> BigInt(PAGE_SHIFT));

/** A leaf found by lookup(): its level, PTE words and the PTE's physical address. */
export interface Leaf {
  level: number;
  lo: number;
  hi: number;
  pteAddr: number;
}

/** A 4-level (Sv48) page table in emulated RAM: the kernel's swapper_pg_dir, or a process's,
 *  whose kernel half (root entries 256..511) points at the kernel's own tables. */
export class KernelPageTable {
  readonly root: number;
  nrTablePages = 0;
  /** The level of the entry the last walk() stopped at (3 = the root's, 0 = a PTE). */
  walkLevel = 0;

  constructor(
    private readonly mem: PhysMem,
    private readonly pages: PageAlloc,
    private readonly zeroPage: (pfn: number) => void,
    kernelRoot?: number,
  ) {
    const root = this.allocTable();
    if (root < 0) throw new Error("page table: no memory for a root table");
    this.root = root;
    if (kernelRoot !== undefined) {
      // root entries 256..511 (words 512..1023 of the table) copied as words: a readPte and a
      // writePte per entry made an array and a few heap numbers each in cold code
      const to = tableWords(mem, root);
      const from = tableWords(mem, kernelRoot);
      mem.i32.copyWithin(to + 512, from + 512, from + 1024);
    }
  }

  /** Create the tables below the root entries covering [start, end), so that page tables
   *  copied from this one later share them (preallocate_pgd_pages_range). False if out of memory. */
  preallocate(start: bigint, end: bigint): boolean {
    const step = 1n << 39n;
    for (let va = start; va < end; va += step) {
      if (ptePointer(this.mem, SV48, this.root, vpnOf(va), 2, this.allocTable) < 0) return false;
    }
    return true;
  }

  /** The leaf mapping `va`, or null. */
  lookup(va: bigint): Leaf | null {
    let table = this.root;
    const vpn = vpnOf(va);
    for (let level = SV48.levels - 1; level >= 0; level--) {
      const pteAddr = pteAddress(table, vpnIndex(vpn, level));
      const pte = readPte(this.mem, pteAddr); // indexed: destructuring iterates in cold code
      const lo = pte[0];
      const hi = pte[1];
      if (!(lo & PTE_V)) return null;
      if (lo & PTE_RWX) return { level, lo, hi, pteAddr };
      table = ptePpn(lo, hi);
    }
    return null;
  }

  /** The fault path's walk to virtual page `vpn` (va >> 12, a number): the physical address of
   *  the entry it stops at, a leaf (V and R/W/X), the first invalid entry or the PTE, its level
   *  in walkLevel. Creates no table and allocates nothing (pte_offset_map without the lock). */
  walk(vpn: number): number {
    const i32 = this.mem.i32;
    let table = this.root;
    for (let level = SV48.levels - 1; level > 0; level--) {
      const index = vpnIndex(vpn, level);
      const w = tableWords(this.mem, table) + 2 * index;
      const lo = i32[w]!;
      if (!(lo & PTE_V) || lo & PTE_RWX) {
        this.walkLevel = level;
        return pteAddress(table, index);
      }
      table = ptePpn(lo, i32[w + 1]!);
    }
    this.walkLevel = 0;
    return pteAddress(table, vpnIndex(vpn, 0));
  }

  /** Where the unmapped range holding `va` ends, as far as the walk for `va` shows it: at the
   *  first invalid entry on the way (level 3 to 0), the end of the run of invalid entries it
   *  starts in its table (a 4 KiB hole up to a table's whole span, 2 MiB at level 0 to 256 TiB
   *  at the root). For a mapped `va`, the end of its page. Lets teardown and fork skip empty
   *  ranges instead of looking up every 4 KiB page (a process's stack VMA is mostly holes). */
  holeEnd(va: bigint): bigint {
    let table = this.root;
    const vpn = vpnOf(va);
    for (let level = 3; level >= 0; level--) {
      const index = vpnIndex(vpn, level);
      const pte = readPte(this.mem, pteAddress(table, index));
      const lo = pte[0];
      const hi = pte[1];
      if (lo & PTE_V && lo & PTE_RWX) {
        const span = 1n << BigInt(12 + 9 * level);
        return va - (va % span) + span;
      }
      if (!(lo & PTE_V)) {
        // the table's words read directly (its place in RAM checked once): a pteLo per entry
        // made a few heap numbers each in cold code, up to 511 entries per hole
        const words = tableWords(this.mem, table);
        const i32 = this.mem.i32;
        let next = index + 1;
        while (next < 512 && !(i32[words + 2 * next]! & PTE_V)) next++;
        const span = 1n << BigInt(12 + 9 * level);
        return va - (va % span) + BigInt(next - index) * span;
      }
      table = ptePpn(lo, hi);
    }
    return va - (va % 4096n) + 4096n;
  }

  /** Physical address of the level-`level` PTE for `va`, creating tables; -1 if out of memory. */
  pteAt(va: bigint, level: number): number {
    return this.pte_alloc(vpnOf(va), level);
  }

  /** pteAt() of virtual page `vpn` (va >> 12, a number): the level-`level` PTE's physical
   *  address, creating tables; -1 if out of memory. */
  pte_alloc(vpn: number, level: number): number {
    return ptePointer(this.mem, SV48, this.root, vpn, level, this.allocTable);
  }

  /** Store the leaf PTE for page frame `pfn` with flag bits `flags` at physical address `pa`
   *  (its words computed without an array: the fault path allocates nothing). */
  setLeaf(pa: number, pfn: number, flags: number): void {
    const off = this.mem.ramOffset(pa, 8);
    if (off < 0 || pa % 8 !== 0) throw new Error(`setLeaf: PTE address 0x${pa.toString(16)} is not in RAM`);
    const i32 = this.mem.i32;
    i32[off >>> 2] = ((pfn % PPN_LO_SPAN) << PTE_PPN_SHIFT) | (flags & PTE_FLAGS);
    i32[(off >>> 2) + 1] = Math.floor(pfn / PPN_LO_SPAN) & PTE_HI_PPN;
  }

  /** Free every table page of the user half (root entries 0..255) and the root itself. The
   *  pages they map must already be gone. */
  freeUserTables(): void {
    const words = this.mem.i32;
    const free = (table: number, level: number): void => {
      // A last-level table points to no tables: nothing to scan (most tables are such).
      const entries = level === 0 ? 0 : level === 3 ? 256 : 512;
      const base = entries > 0 ? tableWords(this.mem, table) : 0; // the words read directly
      for (let i = 0; i < entries; i++) {
        const lo = words[base + 2 * i]!; // most entries are empty: nothing else read
        if (!(lo & PTE_V) || lo & PTE_RWX) continue;
        free(ptePpn(lo, words[base + 2 * i + 1]!), level - 1);
      }
      this.freeTable(table);
    };
    free(this.root, 3);
  }

  private freeTable(pfn: number): void {
    this.pages.flags[this.pages.idx(pfn)]! &= ~PG_table;
    this.pages.__free_pages(pfn, 0);
    this.nrTablePages--;
  }

  /** A zeroed page for a table, or -1. */
  private allocTable = (): number => {
    const pfn = this.pages.alloc_pages(0);
    if (pfn < 0) return -1;
    this.pages.flags[this.pages.idx(pfn)]! |= PG_table;
    this.zeroPage(pfn);
    this.nrTablePages++;
    return pfn;
  };

  /** Map [va, va+size) to [pa, pa+size) with the largest leaves alignment allows, up to
   *  `maxLeaf` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB). False if a table could not be allocated. */
  mapRange(va: bigint, pa: number, size: number, prot: number, maxLeaf = 2): boolean {
    let off = 0;
    while (off < size) {
      const level = this.leafLevel(va + BigInt(off), pa + off, size - off, maxLeaf);
      if (!this.mapPage(va + BigInt(off), (pa + off) / PAGE_SIZE, prot, level)) return false;
      off += LEAF_SIZE[level]!;
    }
    return true;
  }

  /** Map one page (or one `level` leaf) at `va` to physical page `pfn`. False if a table could
   *  not be allocated; throws if `va` is mapped already (a remap is a kernel bug). */
  mapPage(va: bigint, pfn: number, prot: number, level = 0): boolean {
    return mapLeaf(this.mem, SV48, this.root, vpnOf(va), pfn, level, prot, this.allocTable);
  }

  /** The low word of the level-`level` PTE for `va` (a leaf or a table pointer), 0 if none. */
  leafAt(va: bigint, level: number): number {
    const pa = ptePointer(this.mem, SV48, this.root, vpnOf(va), level, null);
    return pa < 0 ? 0 : readPte(this.mem, pa)[0];
  }

  /** Clear the leaves of [va, va+size): 4 KiB PTEs, or whole 2 MiB/1 GiB leaves found on the way. */
  unmapRange(va: bigint, size: number): void {
    let off = 0;
    while (off < size) {
      const leaf = this.lookup(va + BigInt(off));
      if (leaf) writePte(this.mem, leaf.pteAddr, 0, 0);
      off += leaf ? LEAF_SIZE[leaf.level]! : PAGE_SIZE;
    }
  }

  private leafLevel(va: bigint, pa: number, left: number, maxLeaf: number): number {
    const aligned = (n: number): boolean => Number(va % BigInt(n)) === 0 && pa % n === 0 && left >= n;
    if (maxLeaf >= 2 && aligned(PUD_SIZE)) return 2;
    if (maxLeaf >= 1 && aligned(PMD_SIZE)) return 1;
    return 0;
  }
}
