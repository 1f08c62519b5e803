// Shared set-up for the MMU tests: a small RAM, a bump allocator for page tables, and helpers
// to map pages.

import { mapLeaf, type PagingMode, PhysMem, PTE_AD, PTE_RWX, RAM_BASE } from "../../src/mmu/index.js";

export const RWX_AD = PTE_RWX | PTE_AD;

export interface Space {
  mem: PhysMem;
  mode: PagingMode;
  root: number;
  alloc: () => number;
  map(va: bigint, pa: number, level: number, flags: number, hiBits?: number): void;
}

/** RAM of `size` bytes; tables are allocated from its top downwards. */
export function space(mode: PagingMode, size = 1 << 24): Space {
  const mem = new PhysMem(size);
  let next = (RAM_BASE + size) / 4096;
  const alloc = (): number => {
    next--;
    return next;
  };
  const root = alloc();
  return {
    mem,
    mode,
    root,
    alloc,
    map(va, pa, level, flags, hiBits = 0) {
      const vpn = Number((va & ((1n << BigInt(mode.vaBits)) - 1n)) >> 12n);
      if (!mapLeaf(mem, mode, root, vpn, pa / 4096, level, flags, alloc, hiBits))
        throw new Error("out of tables");
    },
  };
}

/** The VPN of a virtual address for `mode`. */
export function vpnOfBig(va: bigint, mode: PagingMode): number {
  return Number((va & ((1n << BigInt(mode.vaBits)) - 1n)) >> 12n);
}
