// gdb's breakpoints and watchpoints on every hart of a machine: Z0 as the harts' debugger
// breakpoints (checked against the pc before each instruction: no guest memory is patched, so
// reads show the original instructions and code shared between processes is untouched), Z1-Z4
// as Sdtrig triggers the debugger owns (dmode = 1, action = halt), the same trigger on every
// hart. A hart that halted is turned into the stop gdb is told about.

import { type DebugHalt, type Hart, TRIG_EXECUTE, TRIG_LOAD, TRIG_STORE } from "../cpu/index.js";
import { type BreakKind, SIG, type StopEvent } from "./target.js";

interface Placed {
  kind: BreakKind;
  addr: bigint;
  len: number;
  /** The trigger index (Z1-Z4). */
  trigger: number;
}

const ACCESS: Record<Exclude<BreakKind, 0>, number> = {
  1: TRIG_EXECUTE,
  2: TRIG_STORE,
  3: TRIG_LOAD,
  4: TRIG_LOAD | TRIG_STORE,
};

export class HartBreaks {
  private readonly placed: Placed[] = [];

  constructor(private readonly harts: () => readonly Hart[]) {}

  /** Insert (on) or remove a Z0-Z4 point at `addr` of `len` bytes. */
  set(kind: BreakKind, addr: bigint, len: number, on: boolean): boolean {
    const harts = this.harts();
    if (kind === 0) {
      for (const h of harts) h.triggers.setBreakpoint(addr, on);
      return true;
    }
    const i = this.placed.findIndex((p) => p.kind === kind && p.addr === addr && p.len === len);
    if (!on) {
      if (i < 0) return true; // removing what is not there succeeds (gdb retries removals)
      const [p] = this.placed.splice(i, 1);
      for (const h of harts) h.triggers.clearDebugTrigger(p!.trigger);
      return true;
    }
    if (i >= 0) return true;
    const free = this.freeTrigger(harts);
    if (free < 0) return false;
    const size = kind === 1 ? 1 : len;
    for (const h of harts) {
      if (!h.triggers.setDebugTrigger(free, ACCESS[kind], addr, size)) {
        for (const g of harts) if (g.triggers.isDebugTrigger(free)) g.triggers.clearDebugTrigger(free);
        return false;
      }
    }
    this.placed.push({ kind, addr, len, trigger: free });
    return true;
  }

  /** Remove everything (detach, kill). */
  clear(): void {
    for (const h of this.harts())
      for (const pc of h.triggers.breakpointList()) h.triggers.setBreakpoint(pc, false);
    for (const p of this.placed.splice(0))
      for (const h of this.harts()) h.triggers.clearDebugTrigger(p.trigger);
  }

  /** A trigger index free on every hart, or -1. */
  private freeTrigger(harts: readonly Hart[]): number {
    for (let i = 0; i < 4; i++) {
      if (this.placed.some((p) => p.trigger === i)) continue;
      if (harts.every((h) => free(h, i))) return i;
    }
    return -1;
  }

  /** The stop gdb is told about for a hart that halted (thread `tid`). */
  stopOf(halt: DebugHalt, tid: number): StopEvent {
    if (halt.kind !== "trigger") return { kind: "signal", tid, signal: SIG.TRAP, reason: "swbreak" };
    const p = this.placed.find((x) => x.trigger === halt.trigger);
    if (!p || p.kind === 1) return { kind: "signal", tid, signal: SIG.TRAP, reason: "hwbreak" };
    const watch = p.kind === 2 ? "watch" : p.kind === 3 ? "rwatch" : "awatch";
    return { kind: "signal", tid, signal: SIG.TRAP, reason: { watch, addr: halt.addr } };
  }
}

/** Is trigger `i` of `h` unused by the guest (disabled or never armed)? */
function free(h: Hart, i: number): boolean {
  return (
    (h.triggers.tdata1[i]! >> 60n === 15n || (h.triggers.tdata1[i]! & 0x7fn) === 0n) &&
    !h.triggers.isDebugTrigger(i)
  );
}
