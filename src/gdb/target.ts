// What the stub debugs: a bare machine (each hart a thread) or a program under the kernel (each
// task a thread). The stub (stub.ts) speaks the protocol; a Target does the work: registers by
// gdb's RISC-V numbers, memory through the MMU without side effects, running and stepping,
// breakpoints and watchpoints, and the monitor commands.

/** gdb's RISC-V register numbers (gdb/riscv-tdep.h): x0..x31, pc, f0..f31, then each CSR at
 *  65 + its number (fflags 66, frm 67, fcsr 68), and the virtual `priv` at 65 + 4096. */
export const REG_PC = 32;
export const REG_F0 = 33;
export const REG_CSR0 = 65;
export const REG_PRIV = REG_CSR0 + 4096;

/** Z packet types: 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access
 *  watchpoint. */
export type BreakKind = 0 | 1 | 2 | 3 | 4;

/** Signals as Linux numbers them (the stub turns them into gdb's numbers: signals.ts). */
export const SIG = { INT: 2, ILL: 4, TRAP: 5, BUS: 7, KILL: 9, SEGV: 11 } as const;

/** The events gdb asked to be told about (qSupported's exec-events+, fork-events+,
 *  vfork-events+) and the stub offers. */
export interface EventsWanted {
  exec: boolean;
  fork: boolean;
  vfork: boolean;
}

/** Why the target stopped. */
export type StopEvent =
  | {
      kind: "signal";
      tid: number;
      signal: number;
      /** What the stop reply says about the cause: `swbreak`, `hwbreak`, or a watchpoint. */
      reason?:
        | "swbreak"
        | "hwbreak"
        | { watch: "watch" | "rwatch" | "awatch"; addr: bigint }
        | { exec: string }
        | { fork: "fork" | "vfork"; child: number };
      /** The faulting address of a SIGSEGV/SIGBUS (siginfo's si_addr). */
      addr?: bigint;
    }
  | { kind: "exited"; code: number }
  | { kind: "killed"; signal: number };

export interface Target {
  /** The target description's features: "cpu", "fpu", "csr" (and "virtual" for priv). */
  readonly features: readonly ("cpu" | "fpu" | "csr" | "virtual")[];
  /** The CSRs the description lists (by number). */
  readonly csrs: readonly number[];
  /** The thread gdb looks at (Hg, the last stop): the monitor commands' hart or task. */
  current: number;
  /** The live threads' ids (positive). */
  threads(): number[];
  /** A thread's name for qThreadExtraInfo ("hart 0", "hello[1]"). */
  threadName(tid: number): string;
  /** Register `reg` of thread `tid`, or null when it has none such. */
  readReg(tid: number, reg: number): bigint | null;
  /** Write a register (WARL for CSRs); false when it has none such. */
  writeReg(tid: number, reg: number, v: bigint): boolean;
  /** `len` bytes at virtual address `addr` as thread `tid` sees them, or null (a fault): no TLB
   *  is filled and no counter or A/D bit changes. */
  readMem(tid: number, addr: bigint, len: number): Uint8Array | null;
  /** Write bytes at `addr` as `tid` sees it; false (nothing written) if any byte faults. */
  writeMem(tid: number, addr: bigint, data: Uint8Array): boolean;
  /** Run thread `tid` for one instruction (a system call under the kernel is one). */
  step(tid: number): StopEvent;
  /** Run everything for about `slice` instructions: a stop, or null if nothing happened yet. */
  run(slice: number): StopEvent | null;
  /** Insert or remove a breakpoint or watchpoint; false when it cannot be (no free trigger,
   *  a range the triggers cannot match). */
  setBreak(kind: BreakKind, addr: bigint, len: number, on: boolean): boolean;
  /** Remove every breakpoint and watchpoint (detach). */
  clearBreaks(): void;
  /** Kill the program (k): what the run ends with. */
  kill(): StopEvent;
  /** gdb attached to something that was there (qAttached 1: quitting detaches), or the stub
   *  started the program for it (0: quitting kills it, as with gdbserver). */
  readonly attached: boolean;
  /** The program's file, for qXfer:exec-file (null if none). */
  readonly execFile: string | null;
  /** The thread stopped with a signal goes on with `signal` (0: the signal is cancelled), as
   *  gdb's C/S say; targets without signals leave it out. */
  resumeWith?(tid: number, signal: number): void;
  /** Deliver these (Linux) signals without stopping (QPassSignals); targets without signals
   *  leave it out. */
  passSignals?(signals: ReadonlySet<number>): void;
  /** Stop for these events from now on (what gdb asked for in qSupported). */
  reportEvents?(wanted: EventsWanted): void;
  /** The process thread `tid` belongs to (multiprocess ids pPID.TID; targets without
   *  processes leave it out). */
  processOf?(tid: number): number;
  /** Let go of process `pid` (D;pid): its threads run on, no longer debugged. False if there
   *  is no such process. */
  detachProcess?(pid: number): boolean;
  /** The bytes of the file `path` as the program sees it (vFile:open), or an errno name
   *  ("ENOENT", "EACCES"...) when it cannot be read. */
  readFile?(path: string): Uint8Array | string;
  /** The siginfo of the signal thread `tid` stopped with (qXfer:siginfo:read), or null. */
  siginfo?(tid: number): Uint8Array | null;
  /** A `monitor` command's output (qRcmd), or an error thrown as MonitorError. */
  monitor(line: string): string;
}

/** A monitor command that failed: the text is shown to the gdb user. */
export class MonitorError extends Error {}

/** The size in bytes of register `reg` (64-bit registers; fflags, frm and fcsr are 32). */
export function regBytes(reg: number): number {
  return reg === REG_CSR0 + 1 || reg === REG_CSR0 + 2 || reg === REG_CSR0 + 3 ? 4 : 8;
}
