// copy_to_user / copy_from_user: the kernel's accesses to user memory, through the current
// hart's MMU in S-mode with SUM set for the duration (as Linux's uaccess does), with access_ok
// and the fault fixup: a user page not yet faulted in is faulted in; anything else is -EFAULT.

import type { Hart } from "../cpu/index.js";
import { MSTATUS } from "../cpu/index.js";
import { COST, type Kernel } from "./kernel.js";
import { PAGE_SIZE } from "./layout.js";
import { decode_raw } from "./lib/rawstr.js";
import type { mm_struct, ThpMode } from "./mm.js";
import { TASK_SIZE } from "./mm.js";

const PAGE_MASK = BigInt(PAGE_SIZE - 1);

const split = (va: bigint): [number, number] => [
  Number(BigInt.asIntN(32, va)),
  Number(BigInt.asIntN(32, va >> 32n)),
];

export class UserAccess {
  constructor(
    private readonly k: Kernel,
    private readonly mm: mm_struct,
    private readonly thp: () => ThpMode,
  ) {}

  /** RAM offset of user address `va` for `kind`, faulting it in if needed; -1 = EFAULT. */
  private ram(h: Hart, va: bigint, kind: "r" | "w"): number {
    if (va < 0n || va >= TASK_SIZE) return -1; // access_ok
    const [lo, hi] = split(va);
    for (let attempt = 0; attempt < 2; attempt++) {
      const saved = h.mstatus;
      h.mstatus |= MSTATUS.SUM;
      const pa = h.probe(lo, hi, kind);
      h.mstatus = saved;
      if (pa >= 0) return this.k.machine.mem.ramOffset(pa, 1);
      if (attempt === 0 && this.mm.handle_mm_fault(va, kind, this.thp()) !== "ok") return -1;
    }
    return -1;
  }

  /** Apply `fn` to each page-sized piece of [va, va+len); false on a fault. */
  private each(
    va: bigint,
    len: number,
    kind: "r" | "w",
    fn: (off: number, done: number, n: number) => void,
  ): boolean {
    const h = this.k.hart();
    let done = 0;
    while (done < len) {
      const a = va + BigInt(done);
      const n = Math.min(PAGE_SIZE - Number(a & PAGE_MASK), len - done);
      const off = this.ram(h, a, kind);
      if (off < 0) return false;
      fn(off, done, n);
      if (kind === "w") h.kernelStore(off, n);
      this.k.charge(COST.uaccess + n * COST.perByte);
      done += n;
    }
    return true;
  }

  /** How many of the `len` bytes at `va` can be accessed for `kind`, faulting their pages in
   *  (fault_in_writeable / fault_in_readable, which return what is left): a read of a stream
   *  checks its buffer before it takes the data, so a bad buffer loses nothing. */
  fault_in(va: bigint, len: number, kind: "r" | "w"): number {
    const h = this.k.hart();
    let done = 0;
    while (done < len) {
      const a = va + BigInt(done);
      if (this.ram(h, a, kind) < 0) break;
      done += Math.min(PAGE_SIZE - Number(a & PAGE_MASK), len - done);
    }
    return done;
  }

  copy_from_user(va: bigint, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    const mem = this.k.machine.mem;
    return this.each(va, len, "r", (off, done, n) => out.set(mem.u8.subarray(off, off + n), done))
      ? out
      : null;
  }

  copy_to_user(va: bigint, data: Uint8Array): boolean {
    const mem = this.k.machine.mem;
    return this.each(va, data.length, "w", (off, done, n) => mem.u8.set(data.subarray(done, done + n), off));
  }

  /** A NUL-terminated string of at most `max` bytes (bytes that are not UTF-8 kept as
   *  rawstr.ts escapes), or null on a fault. */
  strncpy_from_user(va: bigint, max = 4096): string | null {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.copy_from_user(va + BigInt(i), 1);
      if (!b) return null;
      if (b[0] === 0) return decode_raw(Uint8Array.from(bytes));
      bytes.push(b[0]!);
    }
    return decode_raw(Uint8Array.from(bytes));
  }

  get_u64(va: bigint): bigint | null {
    const b = this.copy_from_user(va, 8);
    return b ? new DataView(b.buffer).getBigUint64(0, true) : null;
  }

  put_u64(va: bigint, v: bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return this.copy_to_user(va, b);
  }
}
