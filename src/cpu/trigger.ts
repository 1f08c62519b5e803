// Sdtrig debug triggers of one hart, and the debugger's hold on it. Facts from the RISC-V Debug
// Specification 1.0 (riscv-debug-spec, chapter "Sdtrig", the tselect/tdata1/tdata2/tdata3/tinfo/
// tcontrol registers, mcontrol (type 2) and mcontrol6 (type 6)) and the privileged spec (the
// breakpoint exception, cause 3: mtval/stval = the pc for an execute trigger, the accessed
// virtual address for a load or store trigger; "Load/store/AMO address breakpoint" is taken
// before the access's misaligned, page and access faults).
//
// Four triggers per hart. Each is an address-match trigger of type 2 or 6 (execute, load,
// store; match = equal, NAPOT (type 6 only: type 2 reports maskmax = 0), >=, <; a size or any
// size; privileges M, S, U) or disabled (type 15). tdata3 (textra) is hard-wired to zero, chain,
// select and timing to zero. A trigger with action 0 raises a breakpoint exception; one with
// dmode = 1 and action 1 belongs to an external debugger (src/gdb): the guest can read it but not
// change it, and when it fires the hart halts for the debugger instead of trapping.
//
// The interpreter pays nothing while no execute trigger is armed: interp.run() picks a variant
// that calls checkExec() before each instruction only when `exec` is set, and loads and stores
// reach the hart's slow paths (where checkData() runs) because the hart stops filling its host
// TLB for data while `data` is set.

import { CAUSE, PRIV_M, PRIV_S } from "./csr.js";
import type { Hart } from "./hart.js";
import { TRAP } from "./trap.js";

/** Triggers per hart (enough for gdb's 4 hardware breakpoints/watchpoints). */
export const NTRIGGERS = 4;

/** tdata1.type values. */
export const TRIG_MCONTROL = 2;
export const TRIG_MCONTROL6 = 6;
export const TRIG_DISABLED = 15;

/** Access bits of tdata1 (both types). */
export const TRIG_LOAD = 1;
export const TRIG_STORE = 2;
export const TRIG_EXECUTE = 4;
/** Privilege enables of tdata1 (both types). */
export const TRIG_U = 1 << 3;
export const TRIG_S = 1 << 4;
export const TRIG_M = 1 << 6;

/** match values this implementation supports. */
export const MATCH_EQ = 0;
export const MATCH_NAPOT = 1;
export const MATCH_GE = 2;
export const MATCH_LT = 3;

/** tcontrol: M-mode trigger enable and its copy kept by a trap into M-mode. */
export const TCONTROL_MTE = 8;
export const TCONTROL_MPTE = 0x80;

const DMODE = 1n << 59n;
/** tinfo: version 1 (Sdtrig 1.0) in bits 31:24, the supported types in bits 15:0. */
const TINFO = (1n << 24n) | (1n << BigInt(TRIG_MCONTROL)) | (1n << BigInt(TRIG_MCONTROL6)) | (1n << 15n);
const DISABLED_TDATA1 = BigInt(TRIG_DISABLED) << 60n;

/** mcontrol6.size / mcontrol sizehi:sizelo encodings and the access width they match (0: any). */
const SIZE_BYTES: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 4, 5: 8 };

/** Why a hart stopped for the debugger. */
export interface DebugHalt {
  kind: "breakpoint" | "trigger" | "step";
  /** The trigger's index (kind "trigger"). */
  trigger?: number;
  /** The pc of the instruction that did not run, or the accessed address of a data trigger. */
  addr: bigint;
  /** What fired: execute, load or store (kind "trigger"). */
  access?: "x" | "r" | "w";
}

/** One trigger, decoded from tdata1/tdata2 for matching. */
interface Decoded {
  /** TRIG_LOAD | TRIG_STORE | TRIG_EXECUTE of an enabled trigger, 0 if it can never fire. */
  access: number;
  privs: number;
  match: number;
  /** Bytes the access must have, 0 for any. */
  size: number;
  action: number;
  lo: bigint;
  /** Last address matched (NAPOT: lo..hi inclusive). */
  hi: bigint;
}

const OFF: Decoded = { access: 0, privs: 0, match: 0, size: 0, action: 0, lo: 0n, hi: 0n };

export class Triggers {
  tselect = 0;
  readonly tdata1 = new BigUint64Array(NTRIGGERS).fill(DISABLED_TDATA1);
  readonly tdata2 = new BigUint64Array(NTRIGGERS);
  tcontrol = 0;
  /** Some execute trigger or debugger breakpoint is armed (the interpreter's one check). */
  exec = false;
  /** Some load or store trigger is armed (the hart's host TLB then holds no data pages). */
  data = false;
  /** Why the hart halted for the debugger; null while it runs. */
  halt: DebugHalt | null = null;
  /** The code running now is not the debugger's (a process it detached from, under the
   *  kernel): its breakpoints and its triggers (action 1) do not fire. */
  debuggerAway = false;
  private decoded: Decoded[] = new Array(NTRIGGERS).fill(OFF);
  /** The debugger's breakpoints (gdb's Z0), by the pc's low word, then the whole pc. */
  private readonly breakpoints = new Map<number, bigint[]>();

  constructor(private readonly h: Hart) {}

  // ---- the CSRs as the guest sees them ----

  /** tselect: a value past the last trigger leaves it as it was (software finds the number of
   *  triggers by writing and reading back). */
  writeTselect(v: bigint): void {
    if (v < BigInt(NTRIGGERS)) this.tselect = Number(v);
  }

  readTdata1(): bigint {
    return this.tdata1[this.tselect]!;
  }

  /** A guest write of tdata1: ignored while the trigger belongs to the debugger (dmode = 1);
   *  otherwise the WARL rules of legalTdata1 with dmode = 0. */
  writeTdata1(v: bigint): void {
    const i = this.tselect;
    if (this.tdata1[i]! & DMODE) return;
    this.setTdata1(i, legalTdata1(v, false));
  }

  readTdata2(): bigint {
    return this.tdata2[this.tselect]!;
  }

  writeTdata2(v: bigint): void {
    const i = this.tselect;
    if (this.tdata1[i]! & DMODE) return;
    this.tdata2[i] = v;
    this.redecode(i);
  }

  /** tinfo: version and supported types (the same for every trigger; writes are ignored). */
  readTinfo(): bigint {
    return TINFO;
  }

  writeTcontrol(v: bigint): void {
    this.tcontrol = Number(v) & (TCONTROL_MTE | TCONTROL_MPTE);
  }

  /** A trap into M-mode: MPTE = MTE, MTE = 0 (no re-entrant M-mode breakpoints). */
  trapToM(): void {
    const mte = this.tcontrol & TCONTROL_MTE;
    this.tcontrol = mte ? TCONTROL_MPTE : 0;
  }

  /** mret: MTE = MPTE. */
  mret(): void {
    this.tcontrol = (this.tcontrol & ~TCONTROL_MTE) | (this.tcontrol & TCONTROL_MPTE ? TCONTROL_MTE : 0);
  }

  // ---- the debugger's side ----

  /** Arm trigger `i` for the debugger (dmode = 1, action = enter debug mode): mcontrol6 on
   *  `access` (TRIG_* bits) at [addr, addr + len) in every privilege. `len` must be a power of
   *  two and `addr` aligned to it (a NAPOT range), or 1. Returns false if that cannot be. */
  setDebugTrigger(i: number, access: number, addr: bigint, len: number): boolean {
    if (i < 0 || i >= NTRIGGERS || len < 1 || (len & (len - 1)) !== 0) return false;
    if (len > 1 && addr % BigInt(len) !== 0n) return false;
    const match = len === 1 ? MATCH_EQ : MATCH_NAPOT;
    const t1 =
      (BigInt(TRIG_MCONTROL6) << 60n) |
      DMODE |
      (1n << 12n) |
      (BigInt(match) << 7n) |
      BigInt(TRIG_M | TRIG_S | TRIG_U | access);
    this.tdata2[i] = len === 1 ? addr : addr + BigInt(len / 2 - 1);
    this.setTdata1(i, t1);
    return true;
  }

  /** Give trigger `i` back (disabled, dmode = 0). */
  clearDebugTrigger(i: number): void {
    this.tdata2[i] = 0n;
    this.setTdata1(i, DISABLED_TDATA1);
  }

  /** A trigger the guest has not claimed (not enabled) and the debugger may take, or -1. */
  freeTrigger(): number {
    for (let i = 0; i < NTRIGGERS; i++) {
      const t = this.tdata1[i]!;
      if (!(t & DMODE) && this.decoded[i]!.access === 0) return i;
    }
    return -1;
  }

  /** Trigger `i` is the debugger's. */
  isDebugTrigger(i: number): boolean {
    return (this.tdata1[i]! & DMODE) !== 0n;
  }

  /** Add or remove a debugger breakpoint at `pc` (checked before each instruction). */
  setBreakpoint(pc: bigint, on: boolean): void {
    const key = Number(pc & 0xffffffffn);
    const list = (this.breakpoints.get(key) ?? []).filter((p) => p !== pc);
    if (on) list.push(pc);
    if (list.length) this.breakpoints.set(key, list);
    else this.breakpoints.delete(key);
    this.rearm();
  }

  /** The debugger's breakpoints. */
  breakpointList(): bigint[] {
    return [...this.breakpoints.values()].flat();
  }

  // ---- matching ----

  /** Before the instruction at h's pc (synced) of `len` bytes: a debugger breakpoint there
   *  halts the hart; an execute trigger fires. */
  checkExec(len: number): void {
    const h = this.h;
    const bp = this.breakpoints.get(h.pcLo >>> 0);
    if (bp !== undefined && !this.debuggerAway) {
      const pc = h.pcBig();
      if (bp.includes(pc)) this.stop({ kind: "breakpoint", addr: pc });
    }
    for (let i = 0; i < NTRIGGERS; i++) {
      const d = this.decoded[i]!;
      if (d.access & TRIG_EXECUTE && this.matches(d, h.pcBig(), len)) this.fire(i, d, h.pcBig(), "x");
    }
  }

  /** Before a load (TRIG_LOAD), store (TRIG_STORE) or AMO (both) of `width` bytes at (lo, hi). */
  checkData(lo: number, hi: number, width: number, access: number): void {
    let va = -1n;
    for (let i = 0; i < NTRIGGERS; i++) {
      const d = this.decoded[i]!;
      if ((d.access & access) === 0) continue;
      if (va < 0n) va = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      if (this.matches(d, va, width)) this.fire(i, d, va, access & TRIG_STORE ? "w" : "r");
    }
  }

  /** Does decoded trigger `d` match an access of `width` bytes at `a` in the hart's current
   *  privilege? (A data access matches when any of its bytes does.) */
  private matches(d: Decoded, a: bigint, width: number): boolean {
    const h = this.h;
    const priv = h.priv;
    const bit = priv === PRIV_M ? TRIG_M : priv === PRIV_S ? TRIG_S : TRIG_U;
    if ((d.privs & bit) === 0) return false;
    if (d.action === 0) {
      // Native triggers must not re-enter their own handler: in M-mode only with tcontrol.MTE,
      // in S-mode not while a delegated breakpoint's handler runs with SIE clear.
      if (priv === PRIV_M && (this.tcontrol & TCONTROL_MTE) === 0) return false;
      if (priv === PRIV_S && (h.medeleg >>> CAUSE.BREAKPOINT) & 1 && (h.mstatus & 2) === 0) return false;
    }
    if (d.size !== 0 && d.size !== width) return false;
    const last = a + BigInt(width - 1);
    switch (d.match) {
      case MATCH_EQ:
        return d.lo >= a && d.lo <= last;
      case MATCH_NAPOT:
        return a <= d.hi && last >= d.lo;
      case MATCH_GE:
        return last >= d.lo;
      default:
        return a < d.lo;
    }
  }

  /** Trigger `i` fired on an access of kind `access` at `addr`: set its hit bit, then halt for
   *  the debugger (action 1) or raise a breakpoint exception (action 0). */
  private fire(i: number, d: Decoded, addr: bigint, access: "x" | "r" | "w"): void {
    if (d.action === 1 && this.debuggerAway) return;
    const t = this.tdata1[i]!;
    this.tdata1[i] = t | (t >> 60n === BigInt(TRIG_MCONTROL) ? 1n << 20n : 1n << 22n);
    if (d.action === 1) this.stop({ kind: "trigger", trigger: i, addr, access });
    this.h.raise(CAUSE.BREAKPOINT, addr);
  }

  /** Halt the hart for the debugger before the current instruction: it does not retire. */
  stop(why: DebugHalt): never {
    this.halt = why;
    this.h.yieldRequested = true;
    throw TRAP;
  }

  private setTdata1(i: number, v: bigint): void {
    this.tdata1[i] = v;
    this.redecode(i);
  }

  private redecode(i: number): void {
    this.decoded[i] = decode(this.tdata1[i]!, this.tdata2[i]!);
    this.rearm();
  }

  /** Recompute the armed flags; data triggers empty the host TLB (it would bypass them). */
  private rearm(): void {
    const any = this.decoded.reduce((a, d) => a | d.access, 0);
    this.exec = (any & TRIG_EXECUTE) !== 0 || this.breakpoints.size > 0;
    const data = (any & (TRIG_LOAD | TRIG_STORE)) !== 0;
    if (data && !this.data) this.h.hostTlb.flush();
    this.data = data;
  }
}

/** tdata1 as a write of `v` leaves it (WARL): an unsupported type disables the trigger;
 *  unsupported fields read as zero (timing, select, chain, the hit bits stay as written); an
 *  unsupported match or size becomes 0 (equal, any size); action 1 needs dmode, which only the
 *  debugger (`debug`) may set. */
export function legalTdata1(v: bigint, debug: boolean): bigint {
  const type = Number(v >> 60n);
  if (type !== TRIG_MCONTROL && type !== TRIG_MCONTROL6) return DISABLED_TDATA1;
  const dmode = debug && v & DMODE ? DMODE : 0n;
  const low = Number(v & 0x7fn) & (TRIG_LOAD | TRIG_STORE | TRIG_EXECUTE | TRIG_U | TRIG_S | TRIG_M);
  let action = Number((v >> 12n) & 0xfn);
  if (action > 1 || (action === 1 && !dmode)) action = 0;
  let match = Number((v >> 7n) & 0xfn);
  const matches =
    type === TRIG_MCONTROL ? [MATCH_EQ, MATCH_GE, MATCH_LT] : [MATCH_EQ, MATCH_NAPOT, MATCH_GE, MATCH_LT];
  if (!matches.includes(match)) match = MATCH_EQ;
  let out = (BigInt(type) << 60n) | dmode | (BigInt(action) << 12n) | (BigInt(match) << 7n) | BigInt(low);
  if (type === TRIG_MCONTROL) {
    let size = Number(((v >> 19n) & 0xcn) | ((v >> 16n) & 3n)); // sizehi (22:21) : sizelo (17:16)
    if (SIZE_BYTES[size] === undefined) size = 0;
    out |= (BigInt(size >> 2) << 21n) | (BigInt(size & 3) << 16n) | (v & (1n << 20n));
  } else {
    let size = Number((v >> 16n) & 7n);
    if (SIZE_BYTES[size] === undefined) size = 0;
    out |= (BigInt(size) << 16n) | (v & ((1n << 22n) | (1n << 25n)));
  }
  return out;
}

/** The fields of tdata1/tdata2 matching needs. */
function decode(t1: bigint, t2: bigint): Decoded {
  const type = Number(t1 >> 60n);
  if (type !== TRIG_MCONTROL && type !== TRIG_MCONTROL6) return OFF;
  const low = Number(t1 & 0x7fn);
  const privs = low & (TRIG_U | TRIG_S | TRIG_M);
  const access = privs ? low & (TRIG_LOAD | TRIG_STORE | TRIG_EXECUTE) : 0;
  const match = Number((t1 >> 7n) & 0xfn);
  const sizeCode =
    type === TRIG_MCONTROL ? Number(((t1 >> 19n) & 0xcn) | ((t1 >> 16n) & 3n)) : Number((t1 >> 16n) & 7n);
  let lo = t2;
  let hi = t2;
  if (match === MATCH_NAPOT) {
    // tdata2's trailing ones count k: the range is 2^(k+1) bytes (debug spec, match = 1).
    let k = 0n;
    while (k < 63n && (t2 >> k) & 1n) k++;
    const size = 1n << (k + 1n);
    lo = t2 & ~(size - 1n);
    hi = lo + size - 1n;
  }
  return {
    access,
    privs,
    match,
    size: SIZE_BYTES[sizeCode] ?? 0,
    action: Number((t1 >> 12n) & 0xfn),
    lo,
    hi,
  };
}
