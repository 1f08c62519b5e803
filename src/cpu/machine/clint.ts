// The CLINT (SiFive core-local interruptor) at 0x0200_0000: per-hart msip words at +0, per-hart
// 64-bit mtimecmp at +0x4000, the shared 64-bit mtime at +0xbff8. It drives mip.MSIP and MTIP.

import type { MmioDevice } from "../../mmu/index.js";

export const CLINT_BASE = 0x0200_0000;
const MTIMECMP = 0x4000;
const MTIME = 0xbff8;

/** What the CLINT needs of the machine: the current time and a way to end the current chunk. */
export interface ClintHost {
  /** mtime as the hart now running sees it. */
  now(): bigint;
  /** Shift mtime so that it reads `v` now. */
  setNow(v: bigint): void;
  /** A register changed that may raise or clear an interrupt. */
  changed(): void;
}

export class Clint implements MmioDevice {
  readonly name = "clint";
  readonly base = CLINT_BASE;
  readonly size = 0x10000;
  readonly msip: Uint8Array;
  readonly mtimecmp: BigUint64Array;

  constructor(
    nharts: number,
    private readonly host: ClintHost,
  ) {
    this.msip = new Uint8Array(nharts);
    this.mtimecmp = new BigUint64Array(nharts).fill((1n << 64n) - 1n);
  }

  read(off: number, width: 1 | 2 | 4 | 8): bigint {
    const v = this.reg64(off);
    if (v === undefined) return 0n;
    const shift = BigInt((off & 7) * 8);
    return BigInt.asUintN(width * 8, v >> shift);
  }

  write(off: number, width: 1 | 2 | 4 | 8, value: bigint): void {
    const base = off & ~7;
    const old = this.reg64(base);
    if (old === undefined) return;
    const shift = BigInt((off & 7) * 8);
    const mask = ((1n << BigInt(width * 8)) - 1n) << shift;
    const v = (old & ~mask) | ((value << shift) & mask);
    if (base === MTIME) this.host.setNow(v);
    else if (base >= MTIMECMP && base < MTIMECMP + 8 * this.mtimecmp.length) {
      this.mtimecmp[(base - MTIMECMP) / 8] = v;
    } else {
      // msip words are 32-bit at 4-byte strides; only bit 0 is implemented.
      const hart = Math.floor(off / 4);
      if (hart < this.msip.length) this.msip[hart] = Number((off & 4 ? v >> 32n : v) & 1n);
    }
    this.host.changed();
  }

  /** The 64-bit register (pair of msip words) that holds offset `off`, or undefined. */
  private reg64(off: number): bigint | undefined {
    const base = off & ~7;
    if (base === MTIME) return this.host.now();
    if (base >= MTIMECMP && base < MTIMECMP + 8 * this.mtimecmp.length) {
      return this.mtimecmp[(base - MTIMECMP) / 8]!;
    }
    if (base < 4 * this.msip.length) {
      const h = base / 4;
      const lo = BigInt(this.msip[h] ?? 0);
      const hi = BigInt(this.msip[h + 1] ?? 0);
      return lo | (hi << 32n);
    }
    return undefined;
  }
}
