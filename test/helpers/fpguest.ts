// Running single F/D instructions for the FP tests: an FpStepper is a Stepper (./guest.ts) whose
// hart has FP enabled (mstatus.FS = Initial), with accessors for the f registers as raw bits
// (a single is NaN-boxed when written through setS) and for fcsr.

import { CSR, MSTATUS } from "../../src/cpu/index.js";
import { Stepper } from "./guest.js";

export const NX = 1;
export const UF = 2;
export const OF = 4;
export const DZ = 8;
export const NV = 16;

const M64 = (1n << 64n) - 1n;

export class FpStepper {
  readonly st = new Stepper();
  readonly h = this.st.h;

  constructor() {
    this.h.csrWrite(CSR.mstatus, BigInt(MSTATUS.FS & (MSTATUS.FS >> 1))); // FS = Initial
  }

  /** f register r = the 64-bit pattern `bits`. */
  setD(r: number, bits: bigint): void {
    const v = BigInt.asUintN(64, bits);
    this.h.fi[2 * r] = Number(v & 0xffffffffn) | 0;
    this.h.fi[2 * r + 1] = Number(v >> 32n) | 0;
  }

  /** f register r = the single `bits`, NaN-boxed. */
  setS(r: number, bits: number): void {
    this.h.fi[2 * r] = bits | 0;
    this.h.fi[2 * r + 1] = -1;
  }

  getD(r: number): bigint {
    return (BigInt(this.h.fi[2 * r + 1]! >>> 0) << 32n) | BigInt(this.h.fi[2 * r]! >>> 0);
  }

  /** The low word of f register r (the single, if boxed). */
  getS(r: number): number {
    return this.h.fi[2 * r]! >>> 0;
  }

  /** Is f register r a properly NaN-boxed single? */
  boxed(r: number): boolean {
    return this.h.fi[2 * r + 1] === -1;
  }

  setX(r: number, v: bigint): void {
    this.h.setReg(r, BigInt.asUintN(64, v) & M64);
  }

  getX(r: number): bigint {
    return this.h.reg(r);
  }

  get fflags(): number {
    return this.h.fflags;
  }

  /** Execute `word` once with frm = `frm` and fflags cleared; returns the instructions retired
   *  (0 if it trapped). */
  exec(word: number, frm = 0): number {
    this.h.frm = frm;
    this.h.fflags = 0;
    return this.st.exec(word);
  }
}
