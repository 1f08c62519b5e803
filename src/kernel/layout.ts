// The kernel's Sv48 virtual memory map, as Linux riscv64 lays it out (docs/reference/vmalloc.md,
// "The riscv64 Sv48 kernel memory map"), and the address conversions between it and physical
// memory.

import { PAGE_SIZE, RAM_BASE } from "../mmu/index.js";

export { PAGE_SHIFT, PAGE_SIZE } from "../mmu/index.js";
export const PMD_SHIFT = 21;
export const PMD_SIZE = 1 << PMD_SHIFT;
export const PUD_SHIFT = 30;
export const PUD_SIZE = 1 << PUD_SHIFT;

/** Start of the vmalloc range (riscv64 Sv48). */
export const VMALLOC_START = 0xffff_8f80_0000_0000n;
/** End of the vmalloc range, exclusive (= PAGE_OFFSET in current riscv code). */
export const VMALLOC_END = 0xffff_af80_0000_0000n;
/** The direct map of RAM starts here: va = PAGE_OFFSET + (pa - RAM_BASE). */
export const PAGE_OFFSET = 0xffff_af80_0000_0000n;
/** KASAN (generic): shadow(addr) = (addr >> 3) + KASAN_SHADOW_OFFSET (riscv64's default). */
export const KASAN_SHADOW_SCALE_SHIFT = 3n;
export const KASAN_SHADOW_OFFSET = 0xdfff_ffff_0000_0000n;
export const KASAN_SHADOW_START = 0xffff_efff_0000_0000n;
export const KASAN_SHADOW_END = 0xffff_ffff_0000_0000n;

/** The kernel virtual address of physical address `pa` (the direct map). */
export function __va(pa: number): bigint {
  return PAGE_OFFSET + BigInt(pa - RAM_BASE);
}

/** The physical address behind a direct-map address. */
export function __pa(va: bigint): number {
  if (va < PAGE_OFFSET) throw new Error(`__pa: 0x${va.toString(16)} is not a direct-map address`);
  return Number(va - PAGE_OFFSET) + RAM_BASE;
}

export function is_vmalloc_addr(va: bigint): boolean {
  return va >= VMALLOC_START && va < VMALLOC_END;
}

/** The KASAN shadow byte address of `addr`. */
export function kasan_mem_to_shadow(addr: bigint): bigint {
  return BigInt.asUintN(64, (addr >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET);
}

export function PAGE_ALIGN(n: bigint): bigint {
  const mask = BigInt(PAGE_SIZE - 1);
  return (n + mask) & ~mask;
}

/** "%016lx" of a 64-bit address. */
export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, "0");
}

/** The least RAM the kernel runs on: boot takes 308 KiB with KASAN (272 KiB without; measured
 *  by booting with 4 KiB steps, any number of harts), and a small program (hello) needs about
 *  200 KiB more for its pages, page tables and stack. mmlab refuses less, up front. */
export const KERNEL_MIN_RAM = 1 << 20;
