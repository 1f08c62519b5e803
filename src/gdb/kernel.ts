// A program under the kernel as a gdb target, as gdbserver debugs a Linux process: each task is
// a thread (id = pid) with its user registers (integer, FP, pc: the kernel is TypeScript, its work
// is atomic to gdb, so no CSR is shown); memory is the task's address space; a step over an
// ecall steps over the whole system call; every signal but SIGKILL and those gdb passes
// (QPassSignals) stops the task before delivery (the stop names it, qXfer:siginfo gives its
// si_addr) and goes on as gdb's C says; an execve stops the task at its new program's start
// when gdb asked for exec events, a fork stops the parent when gdb asked for fork events (with
// the multiprocess extensions: ids are pTGID.PID), and gdb may then let go of one process
// (D;pid), whose tasks run on undebugged; exit statuses and fatal signals are W and X.
// Files are read for gdb (vFile) from the program's namespace.

import { PRIV_U } from "../cpu/index.js";
import {
  errnoName,
  type Kernel,
  KernelOops,
  kernel_read_file,
  type ptrace_event,
  siginfo_bytes,
  type task_struct,
} from "../kernel/index.js";
import { SV48 } from "../mmu/index.js";
import { logOops } from "../session/index.js";
import { HartBreaks } from "./breaks.js";
import { type AddressSpace, readVirt, writeVirt } from "./memory.js";
import { kernelMonitor, type MonitorCommands, runMonitor } from "./monitor.js";
import {
  type BreakKind,
  type EventsWanted,
  REG_CSR0,
  REG_F0,
  REG_PC,
  SIG,
  type StopEvent,
  type Target,
} from "./target.js";

const FFLAGS = REG_CSR0 + 1;
const FRM = REG_CSR0 + 2;
const FCSR = REG_CSR0 + 3;

export class KernelTarget implements Target {
  readonly features = ["cpu", "fpu"] as const;
  readonly csrs: readonly number[] = [];
  readonly attached = false;
  current: number;
  private readonly breaks: HartBreaks;
  private readonly monitorCommands: MonitorCommands;
  /** Why each task stopped for the debugger (set by the kernel's ptrace hook, taken when the
   *  stop is reported). */
  private readonly pending = new Map<number, StopEvent & { kind: "signal" }>();
  /** Signals delivered without a stop (QPassSignals), by Linux number. */
  private passed: ReadonlySet<number> = new Set();
  private events: EventsWanted = { exec: false, fork: false, vfork: false };
  /** The process whose end is the run's end for gdb: the program's, or after gdb let go of it
   *  (following a fork's child), one it still debugs. */
  private followed: task_struct;
  /** The program's bytes as it was started (the file gdb is told about first). */
  private readonly program: Uint8Array;
  /** User instructions run so far (--max-insns). */
  private retired = 0;

  constructor(
    private readonly k: Kernel,
    /** The program's first task: its end is the run's. */
    private readonly main: task_struct,
    /** The program's file as the host named it (qXfer:exec-file until it execs). */
    private readonly programFile: string | null,
    private readonly maxInsns = Number.POSITIVE_INFINITY,
  ) {
    this.program = main.opts.elf;
    this.followed = main;
    this.current = main.pid;
    this.breaks = new HartBreaks(() => k.machine.harts);
    this.monitorCommands = kernelMonitor(
      k,
      () => k.cpu,
      () => this.current,
    );
    k.sched.ptrace = (t, ev) => this.ptraceStop(t, ev);
  }

  /** The kernel asks whether `t` stops for `ev`: a signal unless passed, an event if asked. */
  private ptraceStop(t: task_struct, ev: ptrace_event): boolean {
    let stop: StopEvent & { kind: "signal" };
    if (ev.kind === "signal") {
      if (this.passed.has(ev.info.signo)) return false;
      stop = { kind: "signal", tid: t.pid, signal: ev.info.signo };
      if (ev.info.addr !== undefined) stop.addr = ev.info.addr;
    } else if (ev.kind === "exec") {
      if (!this.events.exec) return false;
      stop = { kind: "signal", tid: t.pid, signal: SIG.TRAP, reason: { exec: ev.path } };
    } else {
      // With fork events on, gdb follows processes: one it is not told about is not its own.
      if (!this.events[ev.kind]) {
        if (this.events.fork) ev.child.ptrace_detached = true;
        return false;
      }
      stop = { kind: "signal", tid: t.pid, signal: SIG.TRAP, reason: { fork: ev.kind, child: ev.child.pid } };
    }
    this.pending.set(t.pid, stop);
    return true;
  }

  /** The program's file: the one it was started from, or the one it exec'd. */
  get execFile(): string | null {
    return this.main.did_exec ? this.main.opts.path : this.programFile;
  }

  passSignals(signals: ReadonlySet<number>): void {
    this.passed = signals;
  }

  reportEvents(wanted: EventsWanted): void {
    this.events = wanted;
  }

  /** The started program's file by the host's name; any other from the program's namespace
   *  (its first task's root and cwd). */
  readFile(path: string): Uint8Array | string {
    if (path === this.programFile) return this.program;
    const got = kernel_read_file(this.main.fs, path);
    return typeof got === "bigint" ? errnoName(-got) : got.bytes;
  }

  private task(tid: number): task_struct | undefined {
    return this.k.sched.tasks.find((t) => t.pid === tid && t.running && !t.ptrace_detached);
  }

  threads(): number[] {
    return this.k.sched.tasks.filter((t) => t.running && !t.ptrace_detached).map((t) => t.pid);
  }

  processOf(tid: number): number {
    return this.k.sched.tasks.find((t) => t.pid === tid)?.tgid ?? tid;
  }

  /** D;pid: the process's tasks are let go of (a signal one stopped with is delivered); if it
   *  was the program gdb started with, the run's end is now that of a process still debugged. */
  detachProcess(pid: number): boolean {
    const tasks = this.k.sched.tasks.filter((t) => t.running && t.tgid === pid && !t.ptrace_detached);
    if (tasks.length === 0) return false;
    for (const t of tasks) {
      t.ptrace_detached = true;
      if (t.ptrace_sig) t.ptrace_sig.deliver = true;
      this.pending.delete(t.pid);
    }
    const left = this.k.sched.tasks.find((t) => t.running && !t.ptrace_detached);
    if (this.followed.tgid === pid && left) this.followed = left.group_leader;
    return true;
  }

  threadName(tid: number): string {
    const t = this.task(tid);
    return t ? `${t.comm}[${t.pid}]` : "";
  }

  readReg(tid: number, reg: number): bigint | null {
    const t = this.task(tid);
    if (!t) return null;
    if (reg === 0) return 0n;
    if (reg > 0 && reg < 32)
      return (BigInt(t.regs[2 * reg + 1]! >>> 0) << 32n) | BigInt(t.regs[2 * reg]! >>> 0);
    if (reg === REG_PC) return t.pc;
    if (reg >= REG_F0 && reg < REG_F0 + 32) {
      const v = new DataView(t.fregs.buffer, t.fregs.byteOffset + 8 * (reg - REG_F0), 8);
      return v.getBigUint64(0, true);
    }
    if (reg === FFLAGS) return BigInt(t.fflags);
    if (reg === FRM) return BigInt(t.frm);
    if (reg === FCSR) return BigInt((t.frm << 5) | t.fflags);
    return null;
  }

  writeReg(tid: number, reg: number, v: bigint): boolean {
    const t = this.task(tid);
    if (!t) return false;
    if (reg === 0) return true;
    if (reg > 0 && reg < 32) {
      t.regs[2 * reg] = Number(BigInt.asIntN(32, v));
      t.regs[2 * reg + 1] = Number(BigInt.asIntN(32, v >> 32n));
    } else if (reg === REG_PC) t.pc = BigInt.asUintN(64, v);
    else if (reg >= REG_F0 && reg < REG_F0 + 32) {
      new DataView(t.fregs.buffer, t.fregs.byteOffset + 8 * (reg - REG_F0), 8).setBigUint64(
        0,
        BigInt.asUintN(64, v),
        true,
      );
    } else if (reg === FFLAGS) t.fflags = Number(v & 0x1fn);
    else if (reg === FRM) t.frm = Number(v & 7n);
    else if (reg === FCSR) {
      t.fflags = Number(v & 0x1fn);
      t.frm = Number((v >> 5n) & 7n);
    } else return false;
    return true;
  }

  private space(t: task_struct): AddressSpace {
    return { mode: SV48, root: t.mm.pgd.root };
  }

  /** Reads see the task's memory as the page tables map it; a page of an anonymous mapping
   *  the task has not touched yet reads as zeros (what a read fault would give it). */
  readMem(tid: number, addr: bigint, len: number): Uint8Array | null {
    const t = this.task(tid);
    if (!t) return null;
    const mem = this.k.machine.mem;
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const a = addr + BigInt(done);
      const n = Math.min(len - done, 4096 - Number(a & 4095n));
      const bytes = readVirt(mem, this.space(t), a, n);
      if (bytes) out.set(bytes, done);
      else {
        const v = t.mm.find_vma(a);
        if (!v || v.vm_start > a || v.vm_file) return null;
      }
      done += n;
    }
    return out;
  }

  writeMem(tid: number, addr: bigint, data: Uint8Array): boolean {
    const t = this.task(tid);
    if (!t) return false;
    const m = this.k.machine;
    return writeVirt(m.mem, this.space(t), addr, data, (o, n) => m.code.invalidate(o, n));
  }

  step(tid: number): StopEvent {
    const t = this.task(tid) ?? this.main;
    this.guard(() => this.k.sched.stepTask(t));
    return this.end() ?? this.stopped() ?? { kind: "signal", tid: t.pid, signal: SIG.TRAP };
  }

  run(slice: number): StopEvent | null {
    const budget = Math.min(slice, this.maxInsns - this.retired);
    const outcome = this.guard(() => this.k.sched.run(budget));
    if (outcome === "limit") {
      this.retired += budget;
      if (this.retired >= this.maxInsns) {
        this.kill();
        return { kind: "exited", code: 124 };
      }
      return null;
    }
    return this.end() ?? this.stopped();
  }

  /** Run the scheduler; a kernel oops kills the task, as runTasks does. */
  private guard<T>(fn: () => T): T | "oops" {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      logOops(this.k, e);
      this.k.sched.exitTask(this.main, 139, SIG.SEGV);
      return "oops";
    }
  }

  /** The program's end, once every task has exited. */
  private end(): StopEvent | null {
    if (this.threads().length) return null;
    const t = this.followed;
    if (t.signal) return { kind: "killed", signal: t.signal };
    return { kind: "exited", code: t.exitCode ?? 0 };
  }

  /** A debugger stop (breakpoint, trigger, signal), cleared once reported; or null. */
  private stopped(): StopEvent | null {
    const s = this.k.sched;
    if (s.ptraceStop) {
      const t = s.ptraceStop;
      s.ptraceStop = null;
      const stop = this.pending.get(t.pid);
      this.pending.delete(t.pid);
      return stop ?? { kind: "signal", tid: t.pid, signal: SIG.TRAP };
    }
    for (const h of this.k.machine.harts) {
      const halt = h.triggers.halt;
      if (halt === null) continue;
      for (const g of this.k.machine.harts) g.triggers.halt = null;
      const tid = this.k.sched.tasks.find((t) => t.running && t.pc === h.pcBig() && h.priv === PRIV_U)?.pid;
      return this.breaks.stopOf(halt, tid ?? this.current);
    }
    return null;
  }

  /** How the task stopped with a signal goes on: with `signal` (0: none) when resumed. */
  resumeWith(tid: number, signal: number): void {
    const t = this.task(tid);
    if (!t?.ptrace_sig) return;
    if (signal === 0) t.ptrace_sig.deliver = false;
    else t.ptrace_sig.info = { ...t.ptrace_sig.info, signo: signal };
  }

  /** The siginfo of the signal `tid` stopped with (qXfer:siginfo:read). */
  siginfo(tid: number): Uint8Array | null {
    const t = this.task(tid);
    const info = t?.ptrace_sig?.info;
    return info ? siginfo_bytes(info) : null;
  }

  setBreak(kind: BreakKind, addr: bigint, len: number, on: boolean): boolean {
    return this.breaks.set(kind, addr, len, on);
  }

  clearBreaks(): void {
    this.breaks.clear();
    for (const t of this.k.sched.tasks) if (t.ptrace_sig) t.ptrace_sig.deliver = true;
    this.k.sched.ptrace = null;
  }

  kill(): StopEvent {
    for (const t of this.k.sched.tasks) if (t.running) this.k.sched.exitTask(t, 128 + SIG.KILL, SIG.KILL);
    return { kind: "killed", signal: SIG.KILL };
  }

  monitor(line: string): string {
    return runMonitor(this.monitorCommands, line);
  }
}
