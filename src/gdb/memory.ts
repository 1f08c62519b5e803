// The debugger's view of memory: virtual addresses translated by a walk read straight from the
// page tables (Walker.inspect: no TLB is filled, no counter, A or D bit changes, permissions are
// not checked, as a debugger's access is not the program's), then RAM only: a device's
// registers are never read or written for gdb (a read can have side effects).

import { type Hart, MSTATUS, PRIV_M } from "../cpu/index.js";
import {
  type PagingMode,
  PG_CODE,
  type PhysMem,
  pagingMode,
  satpMode,
  satpPpn,
  Walker,
} from "../mmu/index.js";

/** Where virtual addresses go: a page table (mode and root page), or nowhere (physical). */
export interface AddressSpace {
  mode: PagingMode | null;
  root: number;
}

/** The address space of hart `h`'s data accesses now (M-mode without MPRV: physical). */
export function hartSpace(h: Hart): AddressSpace {
  const mprv = h.mstatus & MSTATUS.MPRV ? (h.mstatus & MSTATUS.MPP) >>> 11 : PRIV_M;
  const priv = h.priv === PRIV_M ? mprv : h.priv;
  const mode = priv === PRIV_M ? null : (pagingMode(satpMode(h.satp)) ?? null);
  return { mode, root: satpPpn(h.satp) };
}

/** The physical address of `va` in `space`, or -1. */
function physOf(mem: PhysMem, space: AddressSpace, va: bigint): number {
  let pa: bigint;
  if (space.mode === null) pa = va;
  else {
    const lo = Number(BigInt.asIntN(32, va));
    const hi = Number(BigInt.asIntN(32, va >> 32n));
    const rec = new Walker(mem).inspect(space.mode, space.root, lo, hi);
    if (rec.status !== "ok") return -1;
    pa = BigInt(rec.ppnBase) * 4096n + (va & ((1n << BigInt(rec.shift)) - 1n));
  }
  return pa > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(pa);
}

/** Call `fn` with the RAM offset and length of each page piece of [va, va + len); false if a
 *  piece is not RAM (then nothing was passed for it or after it). */
function eachPiece(
  mem: PhysMem,
  space: AddressSpace,
  va: bigint,
  len: number,
  fn: (off: number, at: number, n: number) => void,
): boolean {
  let done = 0;
  while (done < len) {
    const a = BigInt.asUintN(64, va + BigInt(done));
    const n = Math.min(len - done, 4096 - Number(a & 4095n));
    const pa = physOf(mem, space, a);
    const off = pa < 0 ? -1 : mem.ramOffset(pa, n);
    if (off < 0) return false;
    fn(off, done, n);
    done += n;
  }
  return true;
}

/** `len` bytes at `va`, or null if any of them is not in RAM through `space`. */
export function readVirt(mem: PhysMem, space: AddressSpace, va: bigint, len: number): Uint8Array | null {
  const out = new Uint8Array(len);
  const ok = eachPiece(mem, space, va, len, (off, at, n) => out.set(mem.u8.subarray(off, off + n), at));
  return ok ? out : null;
}

/** Write `data` at `va`; nothing is written unless every byte is in RAM. The decode cache
 *  forgets the instructions it held there. */
export function writeVirt(
  mem: PhysMem,
  space: AddressSpace,
  va: bigint,
  data: Uint8Array,
  invalidate: (off: number, len: number) => void,
): boolean {
  const pieces: [number, number, number][] = [];
  if (!eachPiece(mem, space, va, data.length, (off, at, n) => pieces.push([off, at, n]))) return false;
  for (const [off, at, n] of pieces) {
    mem.u8.set(data.subarray(at, at + n), off);
    if ((mem.pageFlags[Math.floor(off / 4096)] ?? 0) & PG_CODE) invalidate(off, n);
  }
  return true;
}
