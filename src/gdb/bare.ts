// A bare machine as a gdb target: each hart is a thread (id = hart + 1) with every register of
// the description (integer, FP, the CSR file, priv); memory is seen as the thread's hart sees
// it (its satp and privilege, MPRV included); run() runs the machine in slices, step() one
// instruction of one hart (a trap taken is the step: the pc is then the handler's).

import { type Hart, type Machine, run as runHart } from "../cpu/index.js";
import { HartBreaks } from "./breaks.js";
import { hartSpace, readVirt, writeVirt } from "./memory.js";
import { type MonitorCommands, machineMonitor, runMonitor } from "./monitor.js";
import {
  type BreakKind,
  REG_CSR0,
  REG_F0,
  REG_PC,
  REG_PRIV,
  SIG,
  type StopEvent,
  type Target,
} from "./target.js";
import { DESCRIBED_CSRS } from "./tdesc.js";

/** Read register `reg` of hart `h` (gdb's numbering), or null. */
export function hartReg(h: Hart, reg: number): bigint | null {
  if (reg >= 0 && reg < 32) return h.reg(reg);
  if (reg === REG_PC) return h.pcBig();
  if (reg >= REG_F0 && reg < REG_F0 + 32) {
    const i = reg - REG_F0;
    return (BigInt(h.fi[2 * i + 1]! >>> 0) << 32n) | BigInt(h.fi[2 * i]! >>> 0);
  }
  if (reg === REG_PRIV) return BigInt(h.priv);
  if (reg > REG_CSR0 && reg < REG_PRIV) return h.csrRead(reg - REG_CSR0) ?? null;
  return null;
}

/** Write register `reg` of hart `h`; false if there is none such. CSR writes follow the CSR's
 *  WARL rules; priv takes 0, 1 or 3. */
export function setHartReg(h: Hart, reg: number, v: bigint): boolean {
  if (reg >= 0 && reg < 32) h.setReg(reg, v);
  else if (reg === REG_PC) h.setPc(v);
  else if (reg >= REG_F0 && reg < REG_F0 + 32) {
    const i = reg - REG_F0;
    h.fi[2 * i] = Number(BigInt.asIntN(32, v));
    h.fi[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
  } else if (reg === REG_PRIV) {
    if (v !== 0n && v !== 1n && v !== 3n) return false;
    h.priv = Number(v);
  } else if (reg > REG_CSR0 && reg < REG_PRIV && h.csrRead(reg - REG_CSR0) !== undefined) {
    h.csrWrite(reg - REG_CSR0, v);
  } else return false;
  h.hostTlb.flush(); // satp, mstatus or priv may have changed what translations allow
  return true;
}

export class BareTarget implements Target {
  readonly features = ["cpu", "fpu", "csr", "virtual"] as const;
  readonly csrs = DESCRIBED_CSRS;
  readonly attached = true;
  current = 1;
  private readonly breaks: HartBreaks;
  private readonly monitorCommands: MonitorCommands;

  constructor(
    private readonly m: Machine,
    readonly execFile: string | null,
    /** --max-insns: the run ends there (status 124). */
    private readonly maxInsns = Number.POSITIVE_INFINITY,
    /** The bytes of execFile, for gdb's vFile reads (null: gdb reads its own copy). */
    private readonly program: Uint8Array | null = null,
  ) {
    this.breaks = new HartBreaks(() => m.harts);
    this.monitorCommands = machineMonitor(m, () => Math.max(0, Math.min(m.harts.length, this.current) - 1));
  }

  /** The program gdb was told about (execFile); a bare machine has no other file. */
  readFile(path: string): Uint8Array | string {
    return this.program && path === this.execFile ? this.program : "ENOENT";
  }

  threads(): number[] {
    return this.m.harts.map((h) => h.id + 1);
  }

  threadName(tid: number): string {
    const h = this.hart(tid);
    return h ? `hart ${h.id}` : "";
  }

  private hart(tid: number): Hart | undefined {
    return this.m.harts[tid - 1];
  }

  readReg(tid: number, reg: number): bigint | null {
    const h = this.hart(tid);
    return h ? hartReg(h, reg) : null;
  }

  writeReg(tid: number, reg: number, v: bigint): boolean {
    const h = this.hart(tid);
    return h ? setHartReg(h, reg, v) : false;
  }

  readMem(tid: number, addr: bigint, len: number): Uint8Array | null {
    const h = this.hart(tid);
    return h ? readVirt(this.m.mem, hartSpace(h), addr, len) : null;
  }

  writeMem(tid: number, addr: bigint, data: Uint8Array): boolean {
    const h = this.hart(tid);
    return h
      ? writeVirt(this.m.mem, hartSpace(h), addr, data, (o, n) => this.m.code.invalidate(o, n))
      : false;
  }

  step(tid: number): StopEvent {
    const h = this.hart(tid) ?? this.m.harts[0]!;
    h.waiting = false;
    h.takeInterrupt();
    if (h.triggers.halt === null) {
      const n = runHart(h, 1, this.m.interpreter);
      this.m.clocks[h.id] = (this.m.clocks[h.id] ?? 0) + Math.max(1, n);
      h.yieldRequested = false;
    }
    const exit = this.m.exitResult();
    if (exit) return { kind: "exited", code: exit.exitCode };
    return this.halted() ?? { kind: "signal", tid: h.id + 1, signal: SIG.TRAP };
  }

  run(slice: number): StopEvent | null {
    const res = this.m.runSlice(slice, this.maxInsns);
    if (res) return { kind: "exited", code: res.exitCode };
    return this.halted();
  }

  /** The first halted hart's stop (its halt cleared: the stub reports it once), or null. */
  private halted(): StopEvent | null {
    for (const h of this.m.harts) {
      const halt = h.triggers.halt;
      if (halt === null) continue;
      for (const g of this.m.harts) g.triggers.halt = null;
      return this.breaks.stopOf(halt, h.id + 1);
    }
    return null;
  }

  setBreak(kind: BreakKind, addr: bigint, len: number, on: boolean): boolean {
    return this.breaks.set(kind, addr, len, on);
  }

  clearBreaks(): void {
    this.breaks.clear();
  }

  kill(): StopEvent {
    this.m.finish(137, "killed by the debugger");
    return { kind: "killed", signal: SIG.KILL };
  }

  monitor(line: string): string {
    return runMonitor(this.monitorCommands, line);
  }
}
