// The kernel's own loads and stores of kernel virtual addresses. They go through the current
// hart's MMU in S-mode, page by page, so they use and fill its modelled TLB like any access; a
// translation fault is a kernel oops ("Unable to handle kernel paging request"), and every
// access to a checked address passes KASAN first.

import type { Hart } from "../cpu/index.js";
import type { PhysMem } from "../mmu/index.js";
import { hex64, PAGE_OFFSET, PAGE_SIZE } from "./layout.js";

/** A fault of the kernel itself: the run of the current task stops with this report. */
export class KernelOops extends Error {
  constructor(
    readonly lines: string[],
    readonly va?: bigint,
  ) {
    super(lines[0]);
  }
}

/** Checks an access before it happens (KASAN); throws KernelOops under kasan.fault=panic. */
export type AccessCheck = (addr: bigint, size: number, write: boolean, ip: string) => void;
/** AccessCheck of the direct-map address of RAM offset `off` (PAGE_OFFSET + off). */
export type DirectCheck = (off: number, size: number, write: boolean, ip: string) => void;

const PAGE_MASK = BigInt(PAGE_SIZE - 1);
/** The direct map's start as 32-bit words: PAGE_OFFSET's low word is 0. */
const PAGE_OFFSET_HI = Number(PAGE_OFFSET >> 32n) | 0;
const WORD = 2 ** 32;

const split = (va: bigint): [number, number] => [
  Number(BigInt.asIntN(32, va)),
  Number(BigInt.asIntN(32, va >> 32n)),
];

export class KernelAccess {
  /** Set by KASAN when it is on (both: checkDirect is check of a direct-map address). */
  check: AccessCheck | null = null;
  checkDirect: DirectCheck | null = null;
  /** Translations made (page chunks) and bytes moved, for the cost model. */
  translations = 0;
  bytes = 0;
  /** Oopses so far: each report is numbered, as Linux's "Oops [#n]". */
  oopses = 0;
  /** Charges the time of each page-sized piece of an access (set by the kernel). */
  cost: ((bytes: number) => void) | null = null;

  constructor(
    private readonly mem: PhysMem,
    private readonly cpu: () => Hart,
  ) {}

  /** RAM offset of `va` for an access of `kind`, or an oops. */
  private ram(va: bigint, kind: "r" | "w"): number {
    const [lo, hi] = split(va);
    return this.ramAt(lo, hi, kind);
  }

  /** ram() of the address whose 32-bit words are (lo, hi): allocates nothing unless it oopses. */
  private ramAt(lo: number, hi: number, kind: "r" | "w"): number {
    const h = this.cpu();
    this.translations++;
    const pa = h.probe(lo, hi, kind);
    const va = (): bigint => BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0));
    if (pa < 0) {
      this.oopses++;
      throw new KernelOops(
        [
          `Unable to handle kernel paging request at virtual address ${hex64(va())}`,
          `Oops [#${this.oopses}]`,
          `CPU: ${h.id} cause: ${h.probeCause} (${kind === "w" ? "store" : "load"} page fault)`,
        ],
        va(),
      );
    }
    const off = this.mem.ramOffset(pa, 1);
    if (off < 0) {
      throw new KernelOops(
        [`Unable to handle kernel access to non-RAM physical address 0x${pa.toString(16)}`],
        va(),
      );
    }
    return off;
  }

  /** Apply `fn` to each page-contained piece of [va, va+len): (ram offset, piece offset, length). */
  private each(
    va: bigint,
    len: number,
    kind: "r" | "w",
    ip: string,
    fn: (off: number, done: number, n: number) => void,
  ): void {
    this.check?.(va, len, kind === "w", ip);
    let done = 0;
    while (done < len) {
      const a = va + BigInt(done);
      const inPage = PAGE_SIZE - Number(a & PAGE_MASK);
      const n = Math.min(inPage, len - done);
      const off = this.ram(a, kind);
      fn(off, done, n);
      if (kind === "w") this.cpu().kernelStore(off, n);
      this.cost?.(n);
      done += n;
    }
    this.bytes += len;
  }

  read(va: bigint, len: number, ip = "kernel_read"): Uint8Array {
    const out = new Uint8Array(len);
    this.each(va, len, "r", ip, (off, done, n) => out.set(this.mem.u8.subarray(off, off + n), done));
    return out;
  }

  write(va: bigint, data: Uint8Array, ip = "kernel_write"): void {
    this.each(va, data.length, "w", ip, (off, done, n) =>
      this.mem.u8.set(data.subarray(done, done + n), off),
    );
  }

  memset(va: bigint, byte: number, len: number, ip = "memset"): void {
    this.each(va, len, "w", ip, (off, _done, n) => this.mem.u8.fill(byte, off, off + n));
  }

  /** clear_page(): memset(PAGE_OFFSET + off, 0, len) of whole pages of the direct map at RAM
   *  offset `off` (page-aligned), as memset does it (checked, translated and charged page by
   *  page, seen by the decode cache); `zeroed`: the bytes are zero already, the host memory is
   *  left unwritten, so that a page of guest RAM costs the host one page fault, at the
   *  program's first store, or none if it never writes (about 14 µs each on the development VM). The address is carried as two 32-bit words: nothing is
   *  allocated unless the check reports. */
  clearDirect(off: number, len: number, zeroed: boolean, ip = "clear_page"): void {
    if (off % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0)
      throw new Error(`clearDirect: [${off}, +${len}) is not whole pages`);
    if (this.checkDirect) this.checkDirect(off, len, true, ip);
    else this.check?.(PAGE_OFFSET + BigInt(off), len, true, ip);
    const u8 = this.mem.u8;
    for (let done = 0; done < len; done += PAGE_SIZE) {
      const o = off + done;
      const ram = this.ramAt((o % WORD) | 0, (PAGE_OFFSET_HI + Math.floor(o / WORD)) | 0, "w");
      if (!zeroed) u8.fill(0, ram, ram + PAGE_SIZE);
      this.cpu().kernelStore(ram, PAGE_SIZE);
      this.cost?.(PAGE_SIZE);
    }
    this.bytes += len;
  }

  /** memcpy between kernel addresses: reads then writes, both checked and translated. */
  memcpy(dst: bigint, src: bigint, len: number, ip = "memcpy"): void {
    this.write(dst, this.read(src, len, ip), ip);
  }

  read64(va: bigint, ip = "kernel_read"): bigint {
    const b = this.read(va, 8, ip);
    return new DataView(b.buffer).getBigUint64(0, true);
  }

  write64(va: bigint, v: bigint, ip = "kernel_write"): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(va, b, ip);
  }

  read8(va: bigint, ip = "kernel_read"): number {
    return this.read(va, 1, ip)[0]!;
  }

  write8(va: bigint, v: number, ip = "kernel_write"): void {
    this.write(va, Uint8Array.of(v), ip);
  }
}
