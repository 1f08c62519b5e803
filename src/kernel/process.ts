// Processes: task_struct, exec, the round-robin scheduler driven by the timer interrupt, and the
// user-mode trap path. A task runs in U-mode on a hart with its own page table and ASID (context
// switches change satp without flushing); a trap enters S-mode, which ends the interpreter's run,
// and this code handles it in TypeScript and returns to the task with sret.

import { CAUSE, CSR, disasm, type Hart, IRQ, MSTATUS, PRIV_S, PRIV_U, run as runHart } from "../cpu/index.js";
import { makeSatp, SATP_SV48 } from "../mmu/index.js";
import { ExecError, load_elf_binary, parseExecutable } from "./binfmt_elf.js";
import { files_struct, type fs_struct } from "./fs/index.js";
import { KernelOops } from "./kaccess.js";
import { CLOCK_HZ, type Kernel } from "./kernel.js";
import { mm_struct, type ThpMode } from "./mm.js";
import { syscall } from "./syscalls/index.js";
import { UserAccess } from "./uaccess.js";

/** Scheduler ticks per second (CONFIG_HZ). */
export const HZ = 250;
/** Instructions per scheduler tick. */
export const TICK = CLOCK_HZ / HZ;

export interface TaskIo {
  /** Read up to `max` bytes of standard input (empty = end of file). */
  stdin(max: number): Uint8Array;
  write(fd: 1 | 2, data: Uint8Array): void;
  isatty(fd: number): boolean;
}

export interface SpawnOptions {
  /** The executable's bytes and the path the guest sees (argv[0] by default, AT_EXECFN). */
  elf: Uint8Array;
  path: string;
  argv: string[];
  envp: string[];
  io: TaskIo;
  /** strace-style lines go here when set. */
  strace?: (line: string) => void;
}

export class task_struct {
  readonly regs = new Int32Array(64);
  /** The F/D registers and fcsr, saved while the task is off the hart. */
  readonly fregs = new Float64Array(32);
  fflags = 0;
  frm = 0;
  pc = 0n;
  exitCode: number | null = null;
  /** The fatal signal that ended the task, if any. */
  signal = 0;
  /** The descriptor table and the place in the namespace (src/kernel/fs, the seam). */
  files: files_struct;
  fs: fs_struct;
  readonly sigactions = new Map<number, bigint>();
  tidAddress = 0n;
  readonly uaccess: UserAccess;
  readonly unknownSyscalls = new Set<bigint>();

  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly mm: mm_struct,
    readonly opts: SpawnOptions,
    thp: () => ThpMode,
    k: Kernel,
  ) {
    this.files = files_struct.init(k.vfs.stdio(opts.io));
    this.fs = k.vfs.init_fs();
    this.uaccess = new UserAccess(k, mm, thp);
  }

  get running(): boolean {
    return this.exitCode === null;
  }
}

const SIGNAL_NAMES: Record<number, string> = { 4: "SIGILL", 5: "SIGTRAP", 7: "SIGBUS", 11: "SIGSEGV" };

export class Scheduler {
  readonly tasks: task_struct[] = [];
  private readonly runqueue: task_struct[] = [];
  private nextPid = 1;
  private nextAsid = 1;
  thp: ThpMode = "madvise";
  /** Seed of getrandom() and AT_RANDOM (--seed). */
  seed = 1;
  ticks = 0;
  contextSwitches = 0;
  /** Called when a task exits, before its memory is freed (e.g. to print its smaps). */
  onExit: ((t: task_struct) => void) | null = null;

  constructor(private readonly k: Kernel) {
    k.registerParams({
      prefix: "",
      params: [
        {
          name: "transparent_hugepage",
          help: "always | madvise | never (default madvise)",
          parse: (v) => {
            if (v !== "always" && v !== "madvise" && v !== "never")
              return `expected always, madvise or never, got '${v}'`;
            this.thp = v;
            return undefined;
          },
        },
      ],
    });
  }

  /** Create a task running `opts.elf`; throws ExecError for a bad executable. */
  spawn(opts: SpawnOptions): task_struct {
    const k = this.k;
    const elf = parseExecutable(opts.elf, opts.path);
    const asid = this.nextAsid++;
    if (asid > 0xffff) throw new ExecError("out of ASIDs");
    const mm = new mm_struct(k, asid);
    const pid = this.nextPid++;
    const comm = (opts.path.split("/").pop() ?? "a.out").slice(0, 15);
    const t = new task_struct(pid, comm, mm, opts, () => this.thp, k);
    const h = k.hart();
    const savedSatp = h.satp;
    this.switch_mm(h, t);
    try {
      const img = load_elf_binary(k, mm, elf, opts.argv, opts.envp, opts.path, this.random(16), (va, data) =>
        t.uaccess.copy_to_user(va, data),
      );
      t.pc = img.entry;
      t.regs[2 * 2] = Number(BigInt.asIntN(32, img.sp));
      t.regs[2 * 2 + 1] = Number(BigInt.asIntN(32, img.sp >> 32n));
    } catch (e) {
      mm.exit_mmap();
      throw e;
    } finally {
      h.csrWrite(CSR.satp, savedSatp);
    }
    this.tasks.push(t);
    this.runqueue.push(t);
    return t;
  }

  /** getrandom()'s generator: seeded, deterministic. */
  random(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let x = this.seed | 0 || 1;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.seed = x >>> 0;
      out[i] = this.seed & 0xff;
    }
    return out;
  }

  /** Point the hart's satp at the task's page table and ASID (no TLB flush: entries are tagged). */
  switch_mm(h: Hart, t: task_struct): void {
    h.csrWrite(CSR.satp, makeSatp(SATP_SV48, t.mm.asid, t.mm.pgd.root));
  }

  /** Run every task until all have exited (or `maxInsns` user instructions have retired). */
  run(maxInsns = Number.POSITIVE_INFINITY): "done" | "limit" {
    const k = this.k;
    let retired = 0;
    while (this.runqueue.length) {
      for (let cpu = 0; cpu < k.machine.harts.length && this.runqueue.length; cpu++) {
        const t = this.runqueue.shift()!;
        const n = k.onCpu(cpu, () => this.runTask(t, Math.min(TICK, maxInsns - retired)));
        retired += n;
        if (t.running) this.runqueue.push(t);
        if (retired >= maxInsns) return "limit";
      }
    }
    return "done";
  }

  /** Run `t` on the current hart for up to `budget` instructions; returns how many retired. */
  private runTask(t: task_struct, budget: number): number {
    const k = this.k;
    const h = k.hart();
    this.contextSwitches++;
    const idle = k.current;
    k.current = { comm: t.comm, pid: t.pid }; // what reports and WARN()s name as the task
    this.enterUser(h, t);
    let total = 0;
    while (t.running) {
      const n = runHart(h, budget - total, k.machine.interpreter);
      total += n;
      k.machine.clocks[h.id] = (k.machine.clocks[h.id] ?? 0) + Math.max(n, 1);
      h.yieldRequested = false;
      if (h.priv === PRIV_S) {
        this.handleTrap(h, t);
        if (t.running) h.sret();
        continue;
      }
      if (total >= budget) {
        this.timerTick(h, t);
        break;
      }
    }
    if (t.running) this.saveUser(h, t);
    k.current = idle;
    return total;
  }

  /** Restore `t`'s registers and sret into U-mode at its pc. */
  private enterUser(h: Hart, t: task_struct): void {
    this.switch_mm(h, t);
    h.exitOnTrapTo = PRIV_S;
    h.medeleg = 0xb3ff;
    h.mideleg = (1 << IRQ.SSI) | (1 << IRQ.STI) | (1 << IRQ.SEI);
    h.mie |= 1 << IRQ.STI;
    h.x.set(t.regs);
    h.x[0] = 0;
    h.x[1] = 0;
    h.f.set(t.fregs);
    h.fflags = t.fflags;
    h.frm = t.frm;
    h.priv = PRIV_S;
    h.mstatus = (h.mstatus & ~MSTATUS.SPP) | MSTATUS.SPIE;
    if (h.misa & (1n << 5n)) h.mstatus = (h.mstatus & ~MSTATUS.FS) | (1 << 13); // FS = Initial
    h.sepc = t.pc;
    h.sret();
  }

  private saveUser(h: Hart, t: task_struct): void {
    t.regs.set(h.x.subarray(0, 64));
    t.fregs.set(h.f);
    t.fflags = h.fflags;
    t.frm = h.frm;
    t.pc = h.priv === PRIV_U ? h.pcBig() : h.sepc;
  }

  /** The tick's timer interrupt: taken by the task (delegated STI), handled here as preemption. */
  private timerTick(h: Hart, t: task_struct): void {
    h.mipSw |= 1 << IRQ.STI;
    h.takeInterrupt(); // scause = interrupt 5, sepc = the interrupted pc
    h.mipSw &= ~(1 << IRQ.STI);
    h.yieldRequested = false;
    this.ticks++;
    this.saveUser(h, t);
  }

  /** A trap from U-mode: system call, page fault or a fatal signal. */
  private handleTrap(h: Hart, t: task_struct): void {
    const cause = Number(h.scause & 0xffn);
    if (h.scause >> 63n) return; // an interrupt: nothing pending here but the tick
    switch (cause) {
      case CAUSE.ECALL_U:
        h.sepc += 4n;
        this.systemCall(h, t);
        return;
      case CAUSE.FETCH_PAGE_FAULT:
      case CAUSE.LOAD_PAGE_FAULT:
      case CAUSE.STORE_PAGE_FAULT:
        this.pageFault(h, t, cause);
        return;
      case CAUSE.ILLEGAL:
        this.illegalInstruction(h, t);
        return;
      case CAUSE.BREAKPOINT:
        this.exitTask(t, 128 + 5, 5);
        return;
      default:
        this.k.printk.info(
          `${t.comm}[${t.pid}]: unhandled signal 7 (${cause}) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
        );
        this.exitTask(t, 128 + 7, 7);
    }
  }

  /** The system call in a7: an oops in it kills the task (make_task_dead); the kernel goes on. */
  private systemCall(h: Hart, t: task_struct): void {
    try {
      syscall(this.k, this, t, h);
    } catch (e) {
      if (!(e instanceof KernelOops)) throw e;
      for (const line of e.lines) this.k.printk.log("alert", line);
      this.exitTask(t, 128 + 11, 11);
    }
  }

  /** A user page fault: handle_mm_fault() resolves it, or the task is killed (SIGSEGV, or
   *  SIGKILL when out of memory). */
  private pageFault(h: Hart, t: task_struct, cause: number): void {
    const kind = cause === CAUSE.FETCH_PAGE_FAULT ? "x" : cause === CAUSE.LOAD_PAGE_FAULT ? "r" : "w";
    const res = t.mm.handle_mm_fault(h.stval, kind, this.thp);
    if (res === "ok") return;
    if (res === "oom") {
      this.k.printk.err(`Out of memory: Killed process ${t.pid} (${t.comm})`);
      this.exitTask(t, 128 + 9, 9);
      return;
    }
    if (res === "sigbus") {
      // An access past the end of a mapped file (filemap_fault's VM_FAULT_SIGBUS): SIGBUS with
      // si_code BUS_ADRERR, whose default action ends the process (status 135).
      this.k.printk.info(
        `${t.comm}[${t.pid}]: unhandled signal 7 code 0x2 (BUS_ADRERR) at 0x${h.sepc.toString(16).padStart(16, "0")} addr 0x${h.stval.toString(16)}`,
      );
      this.exitTask(t, 128 + 7, 7);
      return;
    }
    const err = 4 | (kind === "w" ? 2 : 0) | (res === "accerr" ? 1 : 0) | (kind === "x" ? 0x10 : 0);
    this.segfault(t, h, h.stval, err);
  }

  /** SIGILL, with the instruction named in the log. */
  private illegalInstruction(h: Hart, t: task_struct): void {
    const bits = Number(h.stval & 0xffffffffn);
    this.k.printk.info(
      `${t.comm}[${t.pid}]: unhandled signal 4 code 0x1 (ILL_ILLOPC) at 0x${h.sepc.toString(16).padStart(16, "0")}: ` +
        `illegal instruction 0x${bits.toString(16).padStart((bits & 3) === 3 ? 8 : 4, "0")} (${describeInsn(bits)})`,
    );
    this.exitTask(t, 128 + 4, 4);
  }

  /** SIGSEGV with the x86-style kernel line Linux prints for it, then exit status 139. */
  private segfault(t: task_struct, h: Hart, addr: bigint, err: number): void {
    const sp = BigInt.asUintN(64, (BigInt(h.x[5]!) << 32n) | BigInt(h.x[4]! >>> 0));
    const text = t.mm.vmas.find((v) => v.vm_flags & 4);
    const where = text
      ? ` in ${t.comm}[${text.vm_start.toString(16)}+${(text.vm_end - text.vm_start).toString(16)}]`
      : "";
    this.k.printk.info(
      `${t.comm}[${t.pid}]: segfault at ${addr.toString(16)} ip ${h.sepc.toString(16).padStart(16, "0")} ` +
        `sp ${sp.toString(16).padStart(16, "0")} error ${err.toString(16)}${where}`,
    );
    this.exitTask(t, 128 + 11, 11);
  }

  /** End a task: free its memory (and ASID's TLB entries); `signal` if it was killed. */
  exitTask(t: task_struct, code: number, signal = 0): void {
    if (!t.running) return;
    this.onExit?.(t);
    t.exitCode = code;
    t.signal = signal;
    t.opts.strace?.(
      signal
        ? `+++ killed by ${SIGNAL_NAMES[signal] ?? `signal ${signal}`} +++`
        : `+++ exited with ${code} +++`,
    );
    const h = this.k.hart();
    this.saveUser(h, t);
    t.mm.exit_mmap();
    t.files.put_files();
    t.fs.put_fs();
    const i = this.runqueue.indexOf(t);
    if (i >= 0) this.runqueue.splice(i, 1);
  }
}

/** The instruction behind illegal-instruction bits, named for the report. */
function describeInsn(bits: number): string {
  const d = disasm(bits);
  return d.startsWith("illegal") ? "not an instruction of this CPU" : d;
}
